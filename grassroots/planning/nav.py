"""Console navigation for planning: plans, quotas, analysis pages, the annual report, rounds."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("规划统计"),
        "order": 40,
        "items": [
            link(_("五年规划"), "flag", "admin:planning_plan_changelist"),
            link(_("规划目标"), "target", "admin:planning_plantarget_changelist"),
            link(_("年度发展名额"), "confirmation_number", "admin:planning_yearlyquota_changelist"),
            link(_("规划执行进度"), "trending_up", "admin:planning_progress"),
            link(_("会员构成分析"), "pie_chart", "admin:planning_composition"),
            link(_("统计年报"), "table_view", "admin:planning_annual_report"),
            link(_("数据报送"), "fact_check", "admin:planning_reportinground_changelist"),
            link(_("报送确认"), "task_alt", "admin:planning_roundconfirmation_changelist"),
        ],
    },
]
