"""Template helpers for portal pages: the bottom bar built from every app's MENU."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from grassroots.portal.registry import menu_entries

register = template.Library()

BOTTOM_LIMIT = 3  # home + three entries + "me" fit a 360px-wide phone


@register.inclusion_tag("portal/_bottom_nav.html", takes_context=True)
def portal_bottom_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    entries = [e for e in menu_entries(request) if e["bottom"]]
    home = reverse("portal-home")
    return {"home": home, "entries": entries[: BOTTOM_LIMIT + 1], "path": request.path}
