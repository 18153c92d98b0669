"""`manage.py createapitoken USERNAME [--site ID --role ROLE] [--name NAME] [--json]`: scripted provisioning.

With --site and --role the user is made at least ROLE on the site (created if missing) and the token is
narrowed to that site and role; without them the token acts with all of the user's roles.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from access.services import api_token_create, member_grant_at_least
from analytics.facade import site_snapshot_by_id
from server.errors import DomainError


class Command(BaseCommand):
    help = "Create a personal API token and print it (shown only now)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="Created (without a password) if there is no such user.")
        parser.add_argument("--site", type=int, help="Narrow the token to this site id.")
        parser.add_argument("--role", choices=["viewer", "analyst", "admin"], help="The token's role on --site.")
        parser.add_argument("--name", default="", help="A label to tell tokens apart.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        site_id, role = options["site"], options["role"]
        if (site_id is None) != (role is None):
            raise CommandError("--site and --role go together.")
        if site_id is not None and site_snapshot_by_id(site_id) is None:
            raise CommandError(f"There is no site #{site_id}.")
        users = get_user_model().objects
        try:
            with transaction.atomic():
                user, created = users.get_or_create(username=options["username"])
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                    self.stderr.write(f"Created user {user.get_username()!r} (no password; API tokens only).")
                if site_id is not None:
                    member_grant_at_least(site_id=site_id, user_id=user.pk, role=role)
                made = api_token_create(user_id=user.pk, name=options["name"], site_id=site_id, role=role)
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        if options["json"]:
            fields = {
                "token": made.token,
                "id": made.info.id,
                "user": made.info.username,
                "site": site_id,
                "role": role,
            }
            self.stdout.write(orjson.dumps(fields).decode())
            return
        scope = f"site #{site_id} as {role}" if site_id is not None else "all of the user's sites and roles"
        self.stdout.write(f"Token #{made.info.id} for {made.info.username} ({scope}):")
        self.stdout.write(f"  {made.token}   (shown once; keep it safe)")
