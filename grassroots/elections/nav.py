"""Console navigation for terms and elections."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import link

SECTIONS = [
    {
        "title": _("换届选举"),
        "order": 45,
        "items": [
            link(_("换届提醒"), "notification_important", "admin:elections_term_due"),
            link(_("待我办理"), "inbox", "admin:elections_election_todo"),
            link(_("换届选举"), "how_to_vote", "admin:elections_election_changelist"),
            link(_("届次"), "history_edu", "admin:elections_term_changelist"),
        ],
    },
]
