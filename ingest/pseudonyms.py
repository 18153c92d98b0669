"""The key that turns ids which are themselves personal data into stable pseudonyms (ingest/steps/privacy.py).

Derived from SECRET_KEY so every web process, the importer and every restart produce the same pseudonym
for the same id; computed once per process.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from django.conf import settings


@cache
def _key_for(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"sightline-identity-pseudonyms", hashlib.sha256).digest()


def identity_key() -> bytes:
    return _key_for(settings.SECRET_KEY)
