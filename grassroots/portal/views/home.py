"""The portal home: who I am, what waits for me, and a tile for every page I may open."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from grassroots.core.portal import portal_user_required
from grassroots.portal.registry import menu_entries


@portal_user_required
def home(request: HttpRequest) -> HttpResponse:
    entries = menu_entries(request)
    return render(
        request,
        "portal/home.html",
        {
            "member_entries": [e for e in entries if not e["officer_only"]],
            "officer_entries": [e for e in entries if e["officer_only"]],
        },
    )
