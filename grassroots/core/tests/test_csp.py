"""The Content Security Policy: strict everywhere, relaxed for the console under /admin/ only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def strict(response) -> None:
    policy = directives(response[CSP])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response[CSP]


@pytest.mark.parametrize(
    "path", ["/api/v1/openapi.json", "/api/v1/docs", "/m/login/", "/healthz", "/no-such-page/"]
)
def test_pages_outside_the_console_get_the_strict_policy(client, path):
    response = client.get(path)
    assert CSP in response, path
    strict(response)


def test_api_answers_for_a_signed_in_client_are_strict(province):
    client = Client()
    client.force_login(province.users["city_a"])
    response = client.get("/api/v1/units")
    assert response.status_code == 200
    strict(response)


@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/admin/members/member/"])
def test_console_gets_the_relaxed_policy(client, province, path):
    if path != "/admin/login/":
        client.force_login(province.users["city_a"])
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response[CSP])
    # Alpine.js (Unfold) evaluates attribute expressions and the console sets inline styles.
    assert set(policy["script-src"]) == {"'self'", "'unsafe-inline'", "'unsafe-eval'"}
    assert set(policy["style-src"]) == {"'self'", "'unsafe-inline'"}
    # Everything else stays as strict as outside: nothing is loaded from elsewhere.
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]


# Console templates with an inline <script> block (no src, no nonce). They are why the console's
# script-src allows 'unsafe-inline'; move each to a static file (or add
# nonce="{{ request.csp_nonce }}") and remove it here, then drop 'unsafe-inline'.
INLINE_SCRIPTS = {"recruitment/templates/recruitment/programme_figures.html"}
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\b(?:src|nonce)=)(?![^>]*type=\"application/json\")[^>]*>"
)


def test_inline_scripts_in_templates_are_the_known_ones():
    package = Path(__file__).resolve().parents[2]
    found = {
        str(path.relative_to(package))
        for path in package.glob("**/templates/**/*.html")
        if INLINE_SCRIPT.search(path.read_text(encoding="utf-8"))
    }
    assert found == INLINE_SCRIPTS
    if not found:
        console = settings.GRASSROOTS_CSP_CONSOLE_DIRECTIVES["script-src"]
        assert "'unsafe-inline'" not in console, "no inline script is left: drop 'unsafe-inline'"
