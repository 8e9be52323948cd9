"""Collects every app's portal.py (PREFIX, urlpatterns, MENU), as the console collects nav.py."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from grassroots.core.portal import PortalEntry


@cache
def portal_modules() -> list[ModuleType]:
    modules = []
    for app in settings.GRASSROOTS_APPS:
        name = f"grassroots.{app}.portal"
        # core.portal is the contract itself (decorators, PortalEntry), not a page module.
        if app not in ("core", "portal") and find_spec(name) is not None:
            modules.append(import_module(name))
    return modules


def menu_entries(request: HttpRequest) -> list[dict]:
    """The entries this person may open, each with its URL and badge, in menu order."""
    entries: list[PortalEntry] = [e for m in portal_modules() for e in getattr(m, "MENU", [])]
    from grassroots.portal.menu import MENU

    entries += MENU
    is_officer = getattr(request, "branch", None) is not None
    is_member = getattr(request, "member", None) is not None
    shown = []
    for entry in sorted(entries, key=lambda e: (e.order, str(e.label))):
        if entry.officer_only and not is_officer:
            continue
        if not entry.officer_only and not is_member:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        badge = entry.badge(request) if entry.badge else None
        shown.append(
            {
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "badge": badge,
                "bottom": entry.bottom,
                "officer_only": entry.officer_only,
            }
        )
    return shown
