"""The console's admin site and the changelist header memo (installed by ``console.ConsoleConfig``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string
from unfold.sites import UnfoldAdminSite
from unfold.templatetags import unfold_list


class ConsoleSite(UnfoldAdminSite):
    def get_app_list(self, request, app_label=None) -> Any:
        """Built only when a template reads it (the app index pages; not the sidebar)."""
        parent = super().get_app_list
        return SimpleLazyObject(lambda: parent(request, app_label))

    def get_sidebar_list(self, request) -> Any:
        """Built only when the sidebar fragment is not in the cache (see ``each_context``)."""
        parent = super().get_sidebar_list
        return SimpleLazyObject(lambda: parent(request))

    def each_context(self, request) -> dict[str, Any]:
        """Adds what the cached sidebar fragment depends on besides the user and language:
        which items are active on this path (Unfold's rule) and the badge counts."""
        context = super().each_context(request)
        index = reverse(f"{self.name}:index")
        active = [
            link
            for link in _navigation_paths()
            if (link == request.path == index) or (link != index and link and link in request.path)
        ]
        badges = [str(badge(request)) for badge in _badge_callbacks()]
        state = repr((active, badges)).encode()
        context["sidebar_cache_key"] = hashlib.sha256(state).hexdigest()[:32]
        context["sidebar_cache_seconds"] = getattr(settings, "GRASSROOTS_SIDEBAR_CACHE_SECONDS", 60)
        return context


def _items() -> Iterator[dict[str, Any]]:
    def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield item
            yield from walk(item.get("items", []))

    for group in settings.UNFOLD["SIDEBAR"]["navigation"]:
        yield group
        yield from walk(group.get("items", []))


@cache
def _navigation_paths() -> tuple[str, ...]:
    return tuple(urlparse(str(item["link"])).path for item in _items() if item.get("link"))


@cache
def _badge_callbacks() -> tuple[Callable[[Any], Any], ...]:
    return tuple(import_string(item["badge"]) for item in _items() if item.get("badge"))


_unfold_result_headers = unfold_list.result_headers


def result_headers_once(cl) -> Any:
    """Unfold's column headers, computed once per changelist instead of once per row."""
    headers = cl.__dict__.get("_console_result_headers")
    if headers is None:
        headers = cl._console_result_headers = list(_unfold_result_headers(cl))
    return iter(headers)
