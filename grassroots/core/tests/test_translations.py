"""The English catalogue is complete and compiled; the console switches language."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ 0#]*\d*(?:\.\d+)?[sdif]|%[sdif]|\{\w*\}")


def _entries(po_text: str):
    """(msgid, msgstr) pairs of a .po file, plural forms included."""
    blocks = po_text.split("\n\n")
    for block in blocks[1:]:
        if block.startswith("#~"):
            continue
        parts = dict.fromkeys(("msgid", "msgid_plural", "msgstr", "msgstr[0]"), "")
        key = None
        for line in block.splitlines():
            head = line.split(" ", 1)
            if head[0] in parts and len(head) == 2:
                key, line = head[0], head[1]
            if key and line.startswith('"'):
                parts[key] += line[1:-1]
        if parts["msgid"]:
            yield parts["msgid"], parts["msgstr"] or parts["msgstr[0]"]


def test_english_catalogue_translates_every_string_with_the_same_placeholders():
    po = (LOCALE / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = list(_entries(po))
    assert len(entries) > 1000
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    mismatched = [
        msgid
        for msgid, msgstr in entries
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert mismatched == []


def test_compiled_catalogues_exist_and_translate():
    assert (LOCALE / "en" / "LC_MESSAGES" / "django.mo").exists()
    with translation.override("en"):
        assert translation.gettext("会员") == "Member"
    with translation.override("zh-hans"):
        assert translation.gettext("Select value") != "Select value"


@pytest.mark.django_db
def test_console_language_switch(client, province):
    client.force_login(province.users["city_a"])
    response = client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    page = client.get(reverse("admin:members_member_changelist"))
    assert page.status_code == 200
    assert "Member" in page.content.decode()


@pytest.mark.django_db
def test_console_is_chinese_for_an_english_browser_until_english_is_chosen(client, province):
    client.force_login(province.users["city_a"])
    url = reverse("admin:members_member_changelist")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in page and "选择 会员 来修改" in page
    client.post(reverse("set_language"), {"language": "en", "next": url})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en"' in page and "Select Member to change" in page
