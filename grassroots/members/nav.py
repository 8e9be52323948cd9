"""Console navigation for the member archive."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("会员档案"),
        "order": 20,
        "items": [
            link(_("会员"), "groups", "admin:members_member_changelist"),
            link(_("组织关系转接"), "swap_horiz", "admin:members_transfer_changelist"),
            link(_("政治安排"), "how_to_vote", "admin:members_politicalarrangement_changelist"),
        ],
    },
]
