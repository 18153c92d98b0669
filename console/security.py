"""The console's Content-Security-Policy: its pages run only the bundled script and style served by this server.

Tracked data is attacker-controlled (titles, URLs, referrers, property values). Even if a page rendered some of it
as HTML by mistake, this policy refuses to run inline scripts, inline styles, or anything from another origin.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response of a console route (the `console` URL namespace)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if match is not None and "console" in match.namespaces:
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            # The console's URLs (site ids, page names) are nobody else's business.
            response.setdefault("Referrer-Policy", "same-origin")
        return response
