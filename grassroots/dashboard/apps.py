"""The console home: figures that combine every domain app (it sits above all of them)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "grassroots.dashboard"
    label = "dashboard"
    verbose_name = _("工作台")
