"""The console's admin site and the changelist header memo (installed by ``console.ConsoleConfig``)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import SimpleLazyObject
from unfold.sites import UnfoldAdminSite
from unfold.templatetags import unfold_list


class ConsoleSite(UnfoldAdminSite):
    def get_app_list(self, request, app_label=None) -> Any:
        """Built only when a template reads it (the app index pages; not the sidebar)."""
        parent = super().get_app_list
        return SimpleLazyObject(lambda: parent(request, app_label))


_unfold_result_headers = unfold_list.result_headers


def result_headers_once(cl) -> Any:
    """Unfold's column headers, computed once per changelist instead of once per row."""
    headers = cl.__dict__.get("_console_result_headers")
    if headers is None:
        headers = cl._console_result_headers = list(_unfold_result_headers(cl))
    return iter(headers)
