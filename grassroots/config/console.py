"""The staff console's admin site: Unfold's, with costs of every page taken out.

Measured on the member list at 1,000,000 members (docs/decisions/0044-console-page-cost.md):
Django's admin builds ``available_apps`` (every registered model's permissions and URLs) for
each page although Unfold's sidebar only shows it when "show all applications" is on, which
this console never turns on; and Unfold's changelist recomputes the column headers (with a
sort URL for every column) once per row, and resolves every row's link to see whether it
points back at the changelist.
"""

from __future__ import annotations

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """Replaces ``"unfold"`` in INSTALLED_APPS: the same app (templates, static files), with
    ``ConsoleSite`` as the default admin site, as Unfold's own config installs its site."""

    name = "unfold"
    label = "unfold"

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.admin import sites
        from unfold.templatetags import unfold_list

        from grassroots.config.console_site import (
            ConsoleSite,
            add_preserved_filters_fast,
            result_headers_once,
        )

        site = ConsoleSite()
        admin.site = site
        sites.site = site
        unfold_list.result_headers = result_headers_once  # looked up per call by the tags
        unfold_list.add_preserved_filters = add_preserved_filters_fast  # per row, likewise
