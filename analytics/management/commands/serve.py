"""`manage.py serve`: the quick start. Migrates, creates an admin and a demo site once, prints how to use them,
then serves HTTP. Embedded mode needs nothing else running."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from analytics.models import Site
from analytics.services import site_create
from analytics.snippet import site_snippet

ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Prepare the database, create an admin and a demo site on first start, and run the server."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Prepare and print, but do not serve.")

    def _admin_password(self) -> str | None:
        """Creates the admin on first start; its password is kept in DATA_DIR until it is changed."""
        password_file = settings.DATA_DIR / "initial_admin_password"
        users = get_user_model().objects
        if not users.filter(username=ADMIN_USERNAME).exists():
            password = secrets.token_urlsafe(12)
            users.create_superuser(ADMIN_USERNAME, "", password)
            password_file.write_text(password)
            password_file.chmod(0o600)
            return password
        if password_file.exists():
            password = password_file.read_text().strip()
            if users.get(username=ADMIN_USERNAME).check_password(password):
                return password
            password_file.unlink()  # changed since: forget the initial one
        return None

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        host, _, port = options["addrport"].rpartition(":")
        url = f"http://{host or '127.0.0.1'}:{port}"
        password = self._admin_password()
        secret_note = ""
        site = Site.objects.order_by("pk").first()
        if site is None:
            created = site_create(name="Demo site", origins=[url, "http://localhost:" + port], server_url=url)
            secret_note = f"  secret key:  {created.secret_key}   (for /api/v1/batch; shown once)\n"
            public_key, site_id = created.public_key, created.id
        else:
            public_key, site_id = site.public_key, site.pk
        mode = "embedded (SQLite, in-process)" if settings.EMBEDDED else "production (PostgreSQL + Redis)"
        self.stdout.write(
            f"\nSightline is running at {url}/  [{mode}]\n"
            f"  console:     {url}/  (Django admin: {url}/admin/)  user {ADMIN_USERNAME!r}, password "
            f"{password if password else '(changed; reset with: .venv/bin/python manage.py changepassword admin)'}\n"
            f"  demo site:   #{site_id}, public key {public_key}\n{secret_note}"
            f"  try it:      curl -X POST {url}/api/v1/collect -A 'Mozilla/5.0 (X11; Linux x86_64)' "
            f'-d \'{{"key":"{public_key}","name":"hello"}}\'\n'
            f"  snippet:\n{site_snippet(public_key=public_key, server_url=url)}\n",
        )
        if not options["no_serve"]:
            call_command("runserver", options["addrport"], use_reloader=False, use_threading=True)
