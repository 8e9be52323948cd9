"""The REST API: one NinjaAPI at /api/v1/; each app's api.py contributes ``router``."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from ninja import NinjaAPI

from grassroots.api.auth import DEFAULT_AUTH

api = NinjaAPI(title="Grassroots API", version="1", urls_namespace="api", auth=DEFAULT_AUTH)

for _app in settings.GRASSROOTS_APPS:
    _module_name = f"grassroots.{_app}.api"
    if _app != "api" and find_spec(_module_name) is not None:
        _module = import_module(_module_name)
        api.add_router(getattr(_module, "PREFIX", f"/{_app}"), _module.router)
