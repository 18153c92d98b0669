"""`Authorization: Bearer slt_…` authentication for the REST API, and its description in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from access.roles import Role
from access.selectors import TokenPrincipal, token_by_secret
from access.services import TOKEN_PREFIX, api_token_touch


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, TokenPrincipal] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None  # no token: session authentication may still apply
        secret = secret.strip()
        if not secret.startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed("Not a Sightline API token.", code="invalid_token")
        token = token_by_secret(secret)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.", code="invalid_token")
        if token.expires_at is not None and token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired.", code="token_expired")
        api_token_touch(token_id=token.pk, last_used_at=token.last_used_at)
        principal = TokenPrincipal(id=token.pk, site_id=token.site_id, role=Role(token.role) if token.role else None)
        return token.user, principal

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "access.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token, slt_…"}
