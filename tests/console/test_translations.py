"""Both languages: picked from the browser or the header's switch, and every console string in Chinese.

The compiled .mo is committed (a machine without gettext still serves Chinese), so these tests also catch a
.po edited without `make messages` recompiling it.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation.template import templatize

from console.navigation import PAGES
from console.views import overview, site_page
from tests.factories import make_site

CONSOLE = Path(__file__).resolve().parents[2] / "console"
LOCALE = CONSOLE / "locale" / "zh_Hans" / "LC_MESSAGES"
LITERAL = r"u'(?:[^'\\]|\\.)*'"
CALL = re.compile(rf"\b(?:gettext|ngettext|pgettext|npgettext)\(((?:{LITERAL}(?:, )?)+)")


def po_entries(path: Path) -> dict[str, str]:
    """msgid (plural forms joined by NUL, as in .mo files) → msgstr[0] ("" when fuzzy); what these tests need."""
    entries: dict[str, str] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?|msgstr\[\d+\]|msgctxt) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            msgid = fields["msgid"] + ("\x00" + fields["msgid_plural"] if "msgid_plural" in fields else "")
            # msgfmt leaves fuzzy entries out of the .mo: they count as untranslated.
            entries[msgid] = "" if fuzzy else fields.get("msgstr", fields.get("msgstr[0]", ""))
    return entries


def template_strings() -> set[str]:
    found = set()
    for template in (CONSOLE / "templates").rglob("*.html"):
        for call in CALL.finditer(templatize(template.read_text(encoding="utf-8"), origin=str(template))):
            literals = [ast.literal_eval(x[1:]) for x in re.findall(LITERAL, call.group(1))]
            found.add("\x00".join(literals[:2]) if call.group(0).startswith("ngettext") else literals[0])
    return found


def test_po_and_mo_agree():
    po = po_entries(LOCALE / "django.po")
    with (LOCALE / "django.mo").open("rb") as handle:
        mo = {k if isinstance(k, str) else f"{k[0]}": v for k, v in gettext.GNUTranslations(handle)._catalog.items()}
    plural_ids = {k.split("\x00")[0]: k for k in po if "\x00" in k}
    compiled = {}
    for key, value in mo.items():
        if key == "":
            continue
        compiled[plural_ids.get(key, key)] = value
    assert compiled == {k: v for k, v in po.items() if v}, "run `make messages` to recompile the .mo"


def test_every_template_string_is_translated():
    po = po_entries(LOCALE / "django.po")
    strings = template_strings()
    assert "Sign in" in strings and len(strings) > 40  # the extraction itself works
    missing = sorted(s for s in strings if not po.get(s))
    assert missing == [], f"untranslated in zh-hans (add them to the .po, then `make messages`): {missing}"


def test_every_script_and_navigation_string_is_translated():
    lazy = [*site_page.COMMON_STRINGS.values(), *overview.STRINGS.values(), *overview.LISTS.values()]
    lazy += [page.title for page in PAGES] + list(site_page.ROLE_LABELS.values())
    untranslated = []
    for text in lazy:
        with translation.override("en"):
            english = str(text)
        with translation.override("zh-hans"):
            if str(text) == english:
                untranslated.append(english)
    assert untranslated == []


@pytest.mark.django_db
def test_language_comes_from_the_browser_then_the_switch(console_user):
    site = make_site().id
    console_user("vera", sites={site: "viewer"})
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    login = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in login and "登录" in login
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert switched.status_code == 302 and switched["Location"] == "/login/"
    assert switched.cookies["django_language"]["httponly"]
    english = client.get("/login/").content.decode()
    assert '<html lang="en">' in english and "Sign in to your analytics console." in english
    client.post("/login/", {"username": "vera", "password": "correct horse battery staple"})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": f"/sites/{site}/overview/"})
    page = client.get(f"/sites/{site}/overview/").content.decode()
    assert "概览" in page and "最近 7 天" in page
    assert '"visitors": "\\u8bbf\\u5ba2"' in page  # the script's catalogue (json_script escapes non-ASCII)


# `{% translate "…" %}` output is not escaped (Django marks the literal safe): a "</head>" in the sentence or its
# translation would be parsed as a tag and vanish. Such sentences use blocktranslate with the entity instead.
PLAIN_TRANSLATE = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')""")


def test_no_plain_translate_string_holds_markup_characters():
    po = po_entries(LOCALE / "django.po")
    found = []
    for template in (CONSOLE / "templates").rglob("*.html"):
        for match in PLAIN_TRANSLATE.finditer(template.read_text(encoding="utf-8")):
            english = match.group(1) if match.group(1) is not None else match.group(2)
            found.append(english)
            for text in (english, po.get(english, "")):
                assert not re.search(r"[<>&]", text), f"{template.name}: {text!r} would be read as markup"
    assert "Sign in" in found  # the scan itself sees the templates' strings
