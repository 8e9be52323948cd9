"""The REST API: one NinjaAPI at /api/v1/; each app's api.py contributes ``router``.

Every error answers the same body, ``ErrorOut``: ``{"detail": "中文说明", "errors": [{"field",
"location", "message"}]}``. The OpenAPI document declares it on every operation for the statuses
that operation can answer, so a client (and the schemathesis run in the test suite) can rely on
every documented status and body.
"""

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from grassroots.api.auth import DEFAULT_AUTH
from grassroots.api.schemas import ErrorOut

# Ninja renders its docs page from its own static files when "ninja" is an installed app (its
# swagger.html template, not swagger_cdn.html); the validator badge is switched off because Swagger
# UI would otherwise call validator.swagger.io.
DOCS = Swagger(settings={"validatorUrl": None, "persistAuthorization": False})

_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
_WRITES = {"post", "put", "patch", "delete"}
_ERROR_TEXT = {
    400: "请求体不是有效的JSON / Malformed body",
    401: "未登录或令牌无效 / Not authenticated",
    403: "无权办理 / Not allowed",
    404: "对象不存在或不在您的权限范围内 / Not found",
    409: "对象已被他人修改 / Conflict",
    422: "参数不正确（errors逐项说明） / Invalid input",
}


class GrassrootsAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut,):
            json_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(json_schema.pop("$defs", {}))
            components[model.__name__] = json_schema
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                _declare_errors(method, operation)
        return schema


def _declare_errors(method: str, operation: dict) -> None:
    statuses = {404, 422}
    if operation.get("security"):
        statuses.add(401)
    if "requestBody" in operation:
        statuses.add(400)
    if method in _WRITES:
        statuses |= {401, 403, 409}
    responses = {str(k): v for k, v in operation.get("responses", {}).items()}
    operation["responses"] = responses
    for status in sorted(statuses):
        responses.setdefault(
            str(status),
            {
                "description": _ERROR_TEXT[status],
                "content": {"application/json": {"schema": _ERROR_REF}},
            },
        )


api = GrassrootsAPI(
    title="Grassroots API",
    version="1",
    description=(
        "组织建设平台接口。认证：`POST /api/v1/auth/token` 取得令牌后以 `Authorization: Bearer …`"
        "发送。列表返回 `{count, page, items}`。请求体只接受文档列出的字段，"
        "其他字段（如 unit、status）一律以422拒绝；所属组织和状态由服务器设定。"
        "错误返回 `{detail, errors}`，detail为中文说明，errors逐项给出字段、位置和原因。"
    ),
    urls_namespace="api",
    auth=DEFAULT_AUTH,
    docs=DOCS,
)


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = gettext("未登录或令牌无效") + " / Not authenticated or invalid token"
    return api.create_response(request, error_body(detail), status=401)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer for "does not exist" and "outside your scope": existence never leaks.
    detail = gettext("对象不存在或不在您的权限范围内") + " / Not found"
    return api.create_response(request, error_body(detail), status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # A service refusing an action on an object the caller can see (scope was checked first).
    detail = str(exc) or gettext("您没有执行此操作的权限")
    return api.create_response(request, error_body(detail), status=403)


@api.exception_handler(DjangoValidationError)
def _service_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service's ValidationError that a route did not translate: 422 naming each field."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    errors = [
        {
            "field": field if field != "__all__" else "",
            "location": "body",
            "message": (gettext("参数%(field)s：") % {"field": field} if field != "__all__" else "")
            + message,
        }
        for field, messages in fields.items()
        for message in messages
    ]
    return api.create_response(
        request, error_body("；".join(e["message"] for e in errors), errors), status=422
    )


@api.exception_handler(DataError)
def _out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
    # A number the database cannot hold (an id of 10**20 in a path or filter) is bad input, not a
    # server error; PostgreSQL refuses it where SQLite would quietly find nothing.
    detail = gettext("参数的数值超出范围") + " / A number is out of range"
    return api.create_response(request, error_body(detail), status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
        detail = gettext("请求体不是有效的JSON") + " / Cannot parse request body"
    elif exc.status_code == 404:
        detail = gettext("对象不存在或不在您的权限范围内") + " / Not found"
    return api.create_response(request, error_body(detail), status=exc.status_code)


_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


def _where(loc: list[Any]) -> tuple[str, str]:
    """("query", "page_size") -> ("page_size", "query"); ("body", "payload", "unit") -> ("unit",
    "body"). The location is where the client put the value, the field its dotted name there."""
    location = str(loc[0]) if loc and loc[0] in _LOCATIONS else "body"
    rest = [str(p) for p in loc[1:] if p != "payload"] if loc and loc[0] in _LOCATIONS else loc
    # Ninja names the body parameter (payload, body, data) before the field itself.
    if location == "body" and len(rest) > 1 and rest[0] in ("body", "data", "payload"):
        rest = rest[1:]
    return ".".join(str(p) for p in rest) or location, location


def _message(error: dict[str, Any], field: str) -> str:
    kind = error.get("type")
    if kind == "missing":
        return gettext("参数%(field)s：必须填写") % {"field": field}
    if kind == "extra_forbidden":
        return gettext("参数%(field)s：不允许的字段（由服务器设定或不存在）") % {"field": field}
    if kind is None or kind == "value_error":  # raised by a route or service in Chinese
        return gettext("参数%(field)s：%(msg)s") % {
            "field": field,
            "msg": str(error.get("msg", "")).removeprefix("Value error, "),
        }
    return gettext("参数%(field)s：格式不正确（%(msg)s）") % {
        "field": field,
        "msg": error.get("msg", ""),
    }


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """One Chinese sentence per problem, naming the field and where it was sent."""
    errors = []
    for error in exc.errors:
        field, location = _where(list(error.get("loc", ())))
        errors.append({"field": field, "location": location, "message": _message(error, field)})
    detail = "；".join(e["message"] for e in errors) or gettext("参数不正确")
    return api.create_response(request, error_body(detail, errors), status=422)


for _app in settings.GRASSROOTS_APPS:
    _module_name = f"grassroots.{_app}.api"
    if _app != "api" and find_spec(_module_name) is not None:
        _module = import_module(_module_name)
        api.add_router(getattr(_module, "PREFIX", f"/{_app}"), _module.router)


@csrf_exempt  # a 404 changes nothing; CSRF's HTML 403 would hide it from a POSTing client
def api_not_found(request: HttpRequest) -> HttpResponse:
    """Any /api/ URL no route matches (a path argument of the wrong type, a typo): the same JSON
    404 as a route's, never Django's HTML page."""
    detail = gettext("对象不存在或不在您的权限范围内") + " / Not found"
    return JsonResponse(error_body(detail), status=404, json_dumps_params={"ensure_ascii": False})
