"""The console's admin site and the changelist header memo (installed by ``console.ConsoleConfig``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

from django.conf import settings
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.urls import NoReverseMatch, get_script_prefix, reverse
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
        context["filter_cache_seconds"] = getattr(settings, "GRASSROOTS_FILTER_CACHE_SECONDS", 60)
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


def add_preserved_filters_fast(context, url, popup=False, to_field=None) -> str:
    """Django's ``add_preserved_filters`` without a URL ``resolve()`` for each changelist row.

    Django resolves the link only to learn whether it points back at the changelist (whose own
    filters are then unwrapped); a row links to one object, never to the changelist. Anything
    but that plain case (popups, ``to_field``, a query or fragment in the link, a link to the
    changelist itself) is left to Django's function; the answers are the same (tested).
    """
    opts = context.get("opts")
    preserved = context.get("preserved_filters")
    if (
        popup
        or to_field
        or context.get("preserved_qsl")
        or not opts
        or not preserved
        or "?" in url
        or "#" in url
        or url == _changelist_path(opts.app_label, opts.model_name, get_script_prefix())
    ):
        return add_preserved_filters(context, url, popup=popup, to_field=to_field)
    query = _encoded_filters(preserved)
    return f"{url}?{query}" if query else url


@cache
def _changelist_path(app_label: str, model_name: str, script_prefix: str) -> str:
    try:
        return reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return ""


@lru_cache(maxsize=256)
def _encoded_filters(preserved: str) -> str:
    return urlencode(dict(parse_qsl(preserved)))
