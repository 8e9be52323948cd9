"""Five-year plans, yearly quotas, composition analytics, the annual report, reporting rounds."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "grassroots.planning"
    label = "planning"
    verbose_name = _("规划统计")

    def ready(self) -> None:
        from grassroots.planning import freshness, spells

        # The touched units are read on both sides of the spells' upkeep (receivers run in
        # the order they were connected): the counts cache recounts only those units.
        freshness.connect_before()
        spells.connect()  # the membership spells follow every member, transfer, status write
        freshness.connect_after()
