"""Console navigation for the unit tree."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import HasPerm, link

SECTIONS = [
    {
        "title": _("组织体系"),
        "order": 10,
        "items": [
            link(_("组织树"), "account_tree", "admin:organizations_unit_tree"),
            link(_("组织"), "apartment", "admin:organizations_unit_changelist"),
            link(_("组织负责人"), "badge", "admin:members_officer_changelist"),
            link(
                _("组织类别"),
                "category",
                "admin:organizations_unitkind_changelist",
                HasPerm("organizations.view_unitkind"),
            ),
        ],
    },
]
