"""Console navigation for core: notifications and the audit log, users and tokens."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def link(title, icon: str, url_name: str, permission: str | None = None) -> dict:
    """One sidebar item; ``permission`` is a callable path or omitted (then Django's view perms)."""
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
            link(_("审计日志"), "history", "admin:core_auditevent_changelist"),
            link(_("用户"), "person", "admin:accounts_user_changelist"),
            link(_("API令牌"), "key", "admin:accounts_apitoken_changelist"),
        ],
    },
]
