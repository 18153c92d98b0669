"""WSGI entry point: gunicorn serves `server.wsgi:application`."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

_django_application = get_wsgi_application()

# Imported after Django is set up: the collect door uses the ORM for site lookups.
from ingest.http.door import CollectDoor  # noqa: E402

application = CollectDoor(_django_application)
