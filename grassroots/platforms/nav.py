"""Console navigation for the four work platforms."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("工作平台"),
        "order": 50,
        "items": [
            link(_("参政议政"), "gavel", "admin:platforms_proposal_changelist"),
            link(_("宣传信息"), "campaign", "admin:platforms_informationpiece_changelist"),
            link(_("信息工作年度任务"), "flag", "admin:platforms_informationquota_changelist"),
            link(_("理论研究"), "menu_book", "admin:platforms_researchtopic_changelist"),
            link(_("社会服务"), "volunteer_activism", "admin:platforms_serviceproject_changelist"),
            link(_("平台年度统计"), "bar_chart", "admin:platforms_statistics"),
            link(_("级别"), "stairs", "admin:platforms_level_changelist"),
            link(
                _("信息采用计分标准"),
                "scoreboard",
                "admin:platforms_informationpointrule_changelist",
            ),
            link(_("提案类别"), "category", "admin:platforms_proposalkind_changelist"),
            link(_("社会服务类别"), "category", "admin:platforms_servicekind_changelist"),
        ],
    },
]
