"""The console home: Unfold's DASHBOARD_CALLBACK adds the dashboard's figures to the index."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from grassroots.dashboard.selectors import dashboard


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    context["dashboard"] = dashboard(request.user)
    return context
