"""The console's theme; navigation is collected from each app's nav.py (SECTIONS list)."""

from importlib import import_module
from importlib.util import find_spec

from django.utils.translation import gettext_lazy as _


def build_unfold(apps: list[str]) -> dict:
    sections: list[tuple[int, dict]] = []
    for app in apps:
        module_name = f"grassroots.{app}.nav"
        if find_spec(module_name) is None:
            continue
        for section in import_module(module_name).SECTIONS:
            sections.append((section.pop("order", 50), section))
    sections.sort(key=lambda pair: pair[0])
    return {
        "SITE_TITLE": _("组织建设平台"),
        "SITE_HEADER": _("组织建设平台"),
        "SITE_SYMBOL": "account_tree",
        "SHOW_HISTORY": False,
        "SHOW_VIEW_ON_SITE": False,
        "SHOW_LANGUAGES": True,
        "ENVIRONMENT": "grassroots.config.unfold_callbacks.environment",
        "DASHBOARD_CALLBACK": "grassroots.dashboard.views.dashboard_callback",
        "ACCOUNT": {"navigation": "grassroots.accounts.views.account_links"},
        "SIDEBAR": {
            "show_search": False,
            "show_all_applications": False,
            "navigation": [section for _order, section in sections],
        },
    }
