"""Console navigation for what members send from the portal."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("会员门户"),
        "order": 85,
        "items": [
            link(
                _("资料变更申请"), "manage_accounts", "admin:portal_profilechangerequest_changelist"
            ),
        ],
    },
]
