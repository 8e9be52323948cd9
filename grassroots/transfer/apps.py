"""Roster import and export (xlsx, xls, ods, csv), the printable roster."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "grassroots.transfer"
    label = "transfer"
    verbose_name = _("导入导出")
