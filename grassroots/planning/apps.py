"""Five-year plans, yearly quotas, composition analytics, the annual report, reporting rounds."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "grassroots.planning"
    label = "planning"
    verbose_name = _("规划统计")

    def ready(self) -> None:
        from grassroots.planning import spells

        spells.connect()  # the membership spells follow every member, transfer, status write
