"""The browser files as the server answers them, and what they may (not) refer to."""

from __future__ import annotations

import re

import pytest

from tests.browser import FRONTEND
from tests.processes import ROOT

FILES = [
    ("/s.js", "text/javascript"),
    ("/links.js", "text/javascript"),
    ("/consent.js", "text/javascript"),
    ("/consent.css", "text/css"),
]
# Hosts a served file may name: none but these placeholders and standards URIs.
ALLOWED_HOSTS = re.compile(r"https?://(localhost|127\.0\.0\.1|example\.com|www\.w3\.org)\b")


@pytest.mark.parametrize(("path", "content_type"), FILES)
def test_served_with_caching_headers(path, content_type, client, built_frontend):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert b"".join(response) == (FRONTEND / "dist" / {"/s.js": "s.js"}.get(path, path[1:])).read_bytes()
    again = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]


def test_served_files_name_no_other_host(built_frontend):
    served = [p for p in [*(FRONTEND / "dist").iterdir(), *(FRONTEND / "src").rglob("*")] if p.is_file()]
    served += [p for p in (ROOT / "consent").rglob("*") if p.suffix in {".html", ".js", ".css"}]
    for path in served:
        for url in re.findall(r"https?://[^\s\"'`)]+", path.read_text()):
            assert ALLOWED_HOSTS.match(url), f"{path.name} names {url}"


def test_no_eval_or_inline_code_in_the_browser_files(built_frontend):
    for name in ("s.js", "links.js", "consent.js", "console.js"):
        code = (FRONTEND / "dist" / name).read_text()
        assert "eval(" not in code and "new Function" not in code and "innerHTML" not in code
