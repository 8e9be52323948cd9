"""Console navigation for core: notifications and the audit log, users and tokens."""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class HasPerm:
    """A sidebar permission callback: show the item only to holders of a Django permission."""

    perm: str

    def __call__(self, request) -> bool:
        return bool(request.user.has_perm(self.perm))


def link(title, icon: str, url_name: str, permission: str | Callable | None = None) -> dict:
    """One sidebar item; ``permission`` is a callable (or its dotted path) or omitted (shown to
    all staff; the page itself still checks Django's permissions)."""
    item = {"title": title, "icon": icon, "link": reverse_lazy(url_name)}
    if permission:
        item["permission"] = permission
    return item


def cached_badge(func: Callable[..., str]) -> Callable[..., str]:
    """A sidebar badge callback answered from a short per-user cache.

    Every console page shows the sidebar, so uncached counts would run their queries on every
    page view; a count may lag a change by ``GRASSROOTS_BADGE_CACHE_SECONDS`` (default 30 s,
    0 turns the cache off). The lists behind the badges are never cached.
    """

    @functools.wraps(func)
    def badge(request) -> str:
        seconds = getattr(settings, "GRASSROOTS_BADGE_CACHE_SECONDS", 30)
        if not seconds:
            return func(request)
        key = f"grassroots:badge:{func.__module__}.{func.__qualname__}:{request.user.pk}"
        value = cache.get(key)
        if value is None:
            value = func(request)
            cache.set(key, value, seconds)
        return value

    return badge


SECTIONS = [
    {
        "title": _("系统"),
        "order": 90,
        "items": [
            link(_("站内通知"), "notifications", "admin:core_notification_changelist"),
            link(
                _("审计日志"),
                "history",
                "admin:core_auditevent_changelist",
                HasPerm("core.view_auditevent"),
            ),
            link(
                _("用户"), "person", "admin:accounts_user_changelist", HasPerm("accounts.view_user")
            ),
            link(
                _("API令牌"),
                "key",
                "admin:accounts_apitoken_changelist",
                HasPerm("accounts.view_apitoken"),
            ),
        ],
    },
]
