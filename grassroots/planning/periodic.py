"""Planning's periodic jobs: reminders for reporting rounds that are due or overdue."""

import datetime

from grassroots.core import periodic
from grassroots.planning.services import round_remind_due


@periodic.register("planning.remind_reporting_rounds", every=datetime.timedelta(hours=6))
def remind_reporting_rounds() -> int:
    return round_remind_due()
