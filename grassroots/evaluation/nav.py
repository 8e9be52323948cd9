"""Console navigation for evaluation."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("考核评价"),
        "order": 60,
        "items": [
            link(_("考核方案"), "rule", "admin:evaluation_scheme_changelist"),
            link(_("考核结果"), "leaderboard", "admin:evaluation_evaluation_changelist"),
            link(_("履职档案"), "badge", "admin:evaluation_performancearchive_changelist"),
        ],
    },
]
