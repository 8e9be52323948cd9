"""Console navigation for core: notifications and the audit log, users and tokens."""

from collections.abc import Callable
from dataclasses import dataclass

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
