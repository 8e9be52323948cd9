"""The REST API: one NinjaAPI at /api/v1/; each app's api.py contributes ``router``."""

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, ValidationError

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


def _where(loc: list[Any]) -> str:
    # ("query", "page_size") -> "page_size"; ("body", "payload", "username") -> "username"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or "/".join(str(p) for p in loc)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Ninja's error list stays under "detail"; "message" says in Chinese what is wrong where."""
    lines = []
    for error in exc.errors:
        field = _where(list(error.get("loc", ())))
        if error.get("type") == "missing":
            lines.append(gettext("参数%(field)s：必须填写") % {"field": field})
        elif "type" not in error:  # raised by a route with its own (Chinese) message
            lines.append(f"{gettext('参数')}{field}：{error.get('msg', '')}")
        else:
            lines.append(
                gettext("参数%(field)s：格式不正确（%(msg)s）")
                % {"field": field, "msg": error.get("msg", "")}
            )
    return api.create_response(
        request, {"detail": exc.errors, "message": "；".join(lines)}, status=422
    )


for _app in settings.GRASSROOTS_APPS:
    _module_name = f"grassroots.{_app}.api"
    if _app != "api" and find_spec(_module_name) is not None:
        _module = import_module(_module_name)
        api.add_router(getattr(_module, "PREFIX", f"/{_app}"), _module.router)
