"""Membership dues (会费): yearly rules, dues rows, collection with receipts, remittance."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "grassroots.dues"
    label = "dues"
    verbose_name = _("会费")

    def ready(self) -> None:
        from grassroots.dues.report import dues_table
        from grassroots.planning import report_sections

        report_sections.register("dues", dues_table, order=20)
