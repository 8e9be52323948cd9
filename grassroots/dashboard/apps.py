"""The console home: figures that combine every domain app (it sits above all of them)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "grassroots.dashboard"
    label = "dashboard"
    verbose_name = _("工作台")

    def ready(self) -> None:
        # Unfold's own admin/index.html comes first among app templates, so the console's
        # index names this app's override (which extends admin/base.html as Unfold documents).
        from django.contrib import admin

        # Registers the home page's figures with the worker's warming (planning.warming).
        from grassroots.dashboard import selectors  # noqa: F401

        admin.site.index_template = "dashboard/index.html"
        admin.site.index_title = _("工作台")
