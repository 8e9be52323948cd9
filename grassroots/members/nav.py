"""Console navigation for the member archive and its reference lists."""

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
    {
        "title": _("基础数据"),
        "order": 85,
        "collapsible": True,
        "items": [
            link(_("界别"), "category", "admin:members_sector_changelist"),
            link(_("学历"), "school", "admin:members_education_changelist"),
            link(_("职称"), "workspace_premium", "admin:members_title_changelist"),
            link(_("民族"), "diversity_3", "admin:members_ethnicity_changelist"),
            link(_("政治安排类别"), "how_to_vote", "admin:members_arrangementkind_changelist"),
            link(_("政治安排级别"), "stairs", "admin:members_arrangementlevel_changelist"),
            link(_("优才类别"), "star", "admin:members_talentkind_changelist"),
        ],
    },
]
