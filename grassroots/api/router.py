"""The REST API: one NinjaAPI at /api/v1/; each app's api.py contributes ``router``."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError

from grassroots.api.auth import DEFAULT_AUTH

# Ninja renders its docs page from its own static files when "ninja" is an installed app; the
# validator badge is switched off because Swagger UI would otherwise call validator.swagger.io.
DOCS = Swagger(settings={"validatorUrl": None, "persistAuthorization": False})

api = NinjaAPI(
    title="Grassroots API",
    version="1",
    urls_namespace="api",
    auth=DEFAULT_AUTH,
    docs=DOCS,
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = gettext("未登录或令牌无效") + " / Not authenticated or invalid token"
    return api.create_response(request, {"detail": detail}, status=401)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer for "does not exist" and "outside your scope": existence never leaks.
    detail = gettext("对象不存在或不在您的权限范围内") + " / Not found"
    return api.create_response(request, {"detail": detail}, status=404)


for _app in settings.GRASSROOTS_APPS:
    _module_name = f"grassroots.{_app}.api"
    if _app != "api" and find_spec(_module_name) is not None:
        _module = import_module(_module_name)
        api.add_router(getattr(_module, "PREFIX", f"/{_app}"), _module.router)
