"""Console navigation for representative figures and recommendation rounds."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("代表人士"),
        "order": 47,
        "items": [
            link(_("代表人士和后备干部"), "workspace_premium", "admin:figures_figure_changelist"),
            link(_("推荐工作"), "how_to_vote", "admin:figures_round_changelist"),
            link(_("推荐人选"), "group", "admin:figures_nomination_changelist"),
            link(_("政治安排统计"), "leaderboard", "admin:figures_figure_stats"),
        ],
    },
]
