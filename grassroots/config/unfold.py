"""The console's theme and navigation (django-unfold), grouped by domain."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _link(title, icon, url_name, permission=None):
    item = {"title": title, "icon": icon, "link": reverse_lazy(url_name)}
    if permission:
        item["permission"] = permission
    return item


UNFOLD = {
    "SITE_TITLE": _("组织建设平台"),
    "SITE_HEADER": _("组织建设平台"),
    "SITE_SYMBOL": "account_tree",
    "SHOW_HISTORY": False,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_LANGUAGES": True,
    "ENVIRONMENT": "grassroots.config.unfold_callbacks.environment",
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": [
            {
                "title": _("组织体系"),
                "items": [
                    _link(_("组织"), "apartment", "admin:organizations_unit_changelist"),
                    _link(_("组织负责人"), "badge", "admin:members_officer_changelist"),
                ],
            },
            {
                "title": _("会员档案"),
                "items": [
                    _link(_("会员"), "groups", "admin:members_member_changelist"),
                    _link(_("组织关系转接"), "swap_horiz", "admin:members_transfer_changelist"),
                    _link(
                        _("政治安排"),
                        "how_to_vote",
                        "admin:members_politicalarrangement_changelist",
                    ),
                ],
            },
            {
                "title": _("系统"),
                "items": [
                    _link(_("站内通知"), "notifications", "admin:core_notification_changelist"),
                    _link(_("审计日志"), "history", "admin:core_auditevent_changelist"),
                    _link(_("用户"), "person", "admin:accounts_user_changelist"),
                    _link(_("API令牌"), "key", "admin:accounts_apitoken_changelist"),
                ],
            },
        ],
    },
}
