"""Console navigation for notices, member tags and the units' QQ/WeChat groups."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import HasPerm, link

SECTIONS = [
    {
        "title": _("通知与联络"),
        "order": 55,
        "items": [
            link(
                _("通知"),
                "campaign",
                "admin:notices_notice_changelist",
                HasPerm("notices.view_notice"),
            ),
            link(
                _("会员标签"),
                "sell",
                "admin:notices_membertag_changelist",
                HasPerm("notices.view_membertag"),
            ),
            link(
                _("QQ群与微信群"),
                "forum",
                "admin:notices_unitgroup_changelist",
                HasPerm("notices.view_unitgroup"),
            ),
            link(
                _("导出通讯录"),
                "contacts",
                "admin:notices_unitgroup_contacts",
                HasPerm("notices.view_unitgroup"),
            ),
        ],
    },
]
