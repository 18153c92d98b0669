"""`manage.py createsite NAME --origin URL [--timezone TZ] --json`: scripted provisioning."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError

from analytics.services import site_create
from server.errors import DomainError


class Command(BaseCommand):
    help = "Create a site and print its id, public key, secret key (shown only now) and snippet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        parser.add_argument("--origin", action="append", default=[], help="Allowed origin; repeat for several.")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone for reports, e.g. Asia/Shanghai.")
        parser.add_argument("--server-url", default="http://localhost:8000", help="Public URL of this server.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            site = site_create(
                name=options["name"],
                origins=options["origin"],
                timezone=options["timezone"],
                server_url=options["server_url"],
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        if options["json"]:
            fields = dataclasses.asdict(site)
            del fields["name"]
            self.stdout.write(orjson.dumps(fields).decode())
            return
        self.stdout.write(f"Site #{site.id} {site.name}")
        self.stdout.write(f"  public key: {site.public_key}")
        self.stdout.write(f"  secret key: {site.secret_key}   (shown once; keep it safe)")
        self.stdout.write(f"  snippet:\n{site.snippet}")
