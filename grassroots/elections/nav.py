"""Console navigation for terms and elections; the warning and to-do items show counts."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.nav import cached_badge, link


@cached_badge
def due_badge(request) -> str:
    """Units in scope whose term has expired or ends within the warning period ("" hides it)."""
    from grassroots.elections.selectors import terms_due

    n = len(terms_due(request.user))
    return str(n) if n else ""


@cached_badge
def todo_badge(request) -> str:
    from grassroots.elections.selectors import elections_waiting

    n = len(elections_waiting(request.user))
    return str(n) if n else ""


_due = link(_("换届提醒"), "notification_important", "admin:elections_term_due")
_due["badge"] = "grassroots.elections.nav.due_badge"
_todo = link(_("待我办理"), "inbox", "admin:elections_election_todo")
_todo["badge"] = "grassroots.elections.nav.todo_badge"

SECTIONS = [
    {
        "title": _("换届选举"),
        "order": 45,
        "items": [
            _due,
            _todo,
            link(_("换届选举"), "how_to_vote", "admin:elections_election_changelist"),
            link(_("届次"), "history_edu", "admin:elections_term_changelist"),
        ],
    },
]
