"""Console navigation for membership dues."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import HasPerm, link

SECTIONS = [
    {
        "title": _("会费"),
        "order": 46,
        "items": [
            link(_("收缴对账"), "account_balance", "admin:dues_duesrecord_units"),
            link(_("欠缴名单"), "money_off", "admin:dues_duesrecord_arrears"),
            link(
                _("批量收缴"),
                "playlist_add_check",
                "admin:dues_duesrecord_collect",
                HasPerm("dues.add_payment"),
            ),
            link(_("年度会费"), "receipt_long", "admin:dues_duesrecord_changelist"),
            link(_("缴费与收据"), "receipt", "admin:dues_payment_changelist"),
            link(_("会费上缴"), "upload", "admin:dues_remittance_changelist"),
            link(_("会费标准"), "rule", "admin:dues_duesrule_changelist"),
            link(
                _("生成年度会费"),
                "library_add",
                "admin:dues_duesrecord_generate",
                HasPerm("dues.add_duesrecord"),
            ),
        ],
    },
]
