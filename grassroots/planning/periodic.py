"""Planning's periodic jobs: reminders for reporting rounds, figures kept counted."""

import datetime

from grassroots.core import periodic
from grassroots.planning.services import figures_prune, figures_warm, round_remind_due


@periodic.register("planning.remind_reporting_rounds", every=datetime.timedelta(hours=6))
def remind_reporting_rounds() -> int:
    return round_remind_due()


@periodic.register("planning.warm_figures", every=datetime.timedelta(minutes=5))
def warm_figures() -> str:
    """Keeps the persisted figures current when no write asked for it (a missed task, a new
    day's dates) and drops those nobody has counted for a month."""
    return f"warmers {figures_warm()}, pruned {figures_prune()}"
