"""Representative figures and reserve cadres, their assessments, and recommendation rounds."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    name = "grassroots.figures"
    label = "figures"
    verbose_name = _("代表人士")

    def ready(self) -> None:
        from grassroots.figures.report import arrangements_table
        from grassroots.planning import report_sections

        report_sections.register("arrangements_by_level", arrangements_table, order=10)
