"""Every console and API URL is covered by a scope test, or the build fails naming it.

How an app satisfies this test is in docs/decisions/0002-scope-coverage.md. In short:
- a ModelAdmin of a scoped model subclasses ScopedModelAdmin and is exercised here generically
  (changelist, change, delete, history, object-level custom URLs, view-on-site, autocomplete);
- every other URL (custom console pages, API operations, unscoped models) is listed in the app's
  ``grassroots/<app>/scope_coverage.py`` (or ``tests/scope_coverage.py``): ``COVERED`` names
  the test that proves it, ``UNSCOPED`` says why it holds nothing scope restricts, and
  ``FACTORIES`` builds an object inside a unit when the generic builder cannot.
"""

from __future__ import annotations

import datetime
import importlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from importlib.util import find_spec
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import ScopedQuerySet

ADMIN_PREFIX = "/admin/"
API_PREFIX = "/api/v1/"
PORTAL_PREFIX = "/m/"
OWN_APP_PREFIX = "grassroots."
OBJECT_KWARGS = {"object_id", "pk", "id"}
MISSING_PK = 987654321

# Django's own ModelAdmin URLs, exercised generically for scoped models.
STANDARD_SUFFIXES = ("changelist", "add", "history", "delete", "change")

# Console-wide URLs that serve no scoped rows, or that the generic tests below exercise.
SITE_URLS: dict[str, str] = {
    "admin:login": "sign-in form",
    "admin:logout": "sign-out",
    "admin:password_change": "the caller's own password",
    "admin:password_change_done": "static confirmation",
    "admin:jsi18n": "translation catalogue",
    "admin:app_list": "lists models the caller may use, no rows",
    "admin:(catch-all)": "Django's final redirect/404 pattern",
    "admin:search": "test_console_search_is_scoped",
    "admin:autocomplete": "test_autocomplete_is_scoped",
    "admin:view_on_site": "test_scoped_model_admin (view-on-site of an out-of-scope object)",
}
# Root URLs outside the console and the API that hold no scoped data.
ROOT_URLS = {"", "healthz", "^media/(?P<path>.*)$", "^static/(?P<path>.*)$"}


# --- declarations collected from every app --------------------------------------------------


@dataclass
class Declarations:
    covered: dict[str, str]  # key -> "module::test" (or "module::Class::test")
    unscoped: dict[str, str]  # key -> reason
    factories: dict[str, Callable[[Any], Any]]  # model label -> build(unit)
    sources: dict[str, str]  # key -> declaring module


def coverage_modules() -> Iterator[Any]:
    apps = [*settings.GRASSROOTS_APPS, "api"]
    for app in dict.fromkeys(apps):
        for name in (f"grassroots.{app}.scope_coverage", f"grassroots.{app}.tests.scope_coverage"):
            try:
                found = find_spec(name) is not None
            except ModuleNotFoundError:
                found = False
            if found:
                yield importlib.import_module(name)


def collect_declarations() -> Declarations:
    decl = Declarations({}, {}, {}, {})
    for module in coverage_modules():
        for attr, target in (("COVERED", decl.covered), ("UNSCOPED", decl.unscoped)):
            for key, value in getattr(module, attr, {}).items():
                target[key] = value
                decl.sources[key] = module.__name__
        decl.factories.update(getattr(module, "FACTORIES", {}))
    return decl


DECL = collect_declarations()


def resolve_test(reference: str) -> Any:
    """'grassroots.x.tests.test_y::test_z' (or ::Class::test_z) -> the test function, or None."""
    module_name, _, rest = reference.partition("::")
    if not rest:
        return None
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError:
        return None
    for part in rest.split("::"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    name = rest.split("::")[-1]
    return obj if callable(obj) and name.startswith("test") else None


# --- the URL inventory ----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    key: str
    area: str  # "model", "site", "api" or "root"
    model: type[models.Model] | None = None
    route: str = ""
    name: str = ""


def is_scoped(model: type[models.Model]) -> bool:
    return isinstance(model._default_manager.all(), ScopedQuerySet)


def is_own(model: type[models.Model]) -> bool:
    return model._meta.app_config.name.startswith(OWN_APP_PREFIX)


def model_key(model: type[models.Model], route: str) -> str:
    return f"admin/{model._meta.app_label}/{model._meta.model_name}/{route}"


def standard_names(model: type[models.Model]) -> set[str]:
    base = f"{model._meta.app_label}_{model._meta.model_name}"
    return {f"{base}_{suffix}" for suffix in STANDARD_SUFFIXES}


def is_standard(endpoint: Endpoint) -> bool:
    assert endpoint.model is not None
    # The unnamed "<path:object_id>/" pattern only redirects to the change page.
    return endpoint.name in standard_names(endpoint.model) or (
        endpoint.name == "" and endpoint.route == "<path:object_id>/"
    )


def console_endpoints() -> list[Endpoint]:
    found = []
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.get_urls():
            route = str(pattern.pattern)
            found.append(
                Endpoint(model_key(model, route), "model", model, route, pattern.name or "")
            )
    for site_pattern in admin.site.get_urls():
        if isinstance(site_pattern, URLResolver):
            continue  # the ModelAdmins' own URLs, walked above
        name = site_pattern.name or "(catch-all)"
        found.append(Endpoint(f"admin:{name}", "site", None, str(site_pattern.pattern), name))
    return found


def api_endpoints() -> list[Endpoint]:
    from grassroots.api.router import api

    api.urls  # noqa: B018  (building the URLs binds every nested router)
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            route = "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            route = re.sub(r"\{\w+:(\w+)\}", r"{\1}", route)
            for operation in path_view.operations:
                for method in operation.methods:
                    key = f"{method} {API_PREFIX}{route}"
                    found.append(Endpoint(key, "api", None, route, operation.view_func.__name__))
    return found


def root_endpoints() -> list[Endpoint]:
    from grassroots.config import urls

    found = []
    pattern: Any
    for pattern in urls.urlpatterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver) and route in ("admin/", API_PREFIX.lstrip("/")):
            continue
        if isinstance(pattern, URLResolver) and f"/{route}" == PORTAL_PREFIX:
            found.extend(portal_endpoints(pattern))
            continue
        if isinstance(pattern, URLPattern) and route in ROOT_URLS:
            continue
        found.append(Endpoint(f"/{route}", "root", None, route))
    return found


def portal_endpoints(resolver: Any, prefix: str = PORTAL_PREFIX) -> list[Endpoint]:
    """Every page of the member portal, one key each ("/m/activities/<int:pk>/"), including the
    pages other apps mount there through their portal.py."""
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.extend(portal_endpoints(pattern, route))
        else:
            found.append(Endpoint(route, "portal", None, route))
    return found


def all_endpoints() -> list[Endpoint]:
    return console_endpoints() + api_endpoints() + root_endpoints()


def object_route(endpoint: Endpoint) -> bool:
    """A custom URL whose only argument is the object's id: exercised generically."""
    params = re.findall(r"<(?:\w+:)?(\w+)>", endpoint.route)
    return len(params) == 1 and params[0] in OBJECT_KWARGS


def coverage_of(endpoint: Endpoint, decl: Declarations = DECL) -> str | None:
    """How an endpoint is covered, or None (with the walker failing on it)."""
    for key in (endpoint.key, endpoint.model._meta.label if endpoint.model else None):
        if key in decl.covered:
            return f"test {decl.covered[key]}"
        if key in decl.unscoped:
            return f"unscoped: {decl.unscoped[key]}"
    if endpoint.area == "site" and endpoint.key in SITE_URLS:
        return SITE_URLS[endpoint.key]
    if endpoint.key == "admin:index" and not dashboard_callback():
        return "Django's app index (no rows); a dashboard callback must be declared by its app"
    model = endpoint.model
    if endpoint.area != "model" or model is None:
        return None
    if not is_own(model):
        return "third-party model, superusers only (test_third_party_admins_are_superuser_only)"
    if not is_scoped(model):
        return None
    if not isinstance(admin.site._registry[model], ScopedModelAdmin):
        return None
    if is_standard(endpoint) or object_route(endpoint):
        return "generic (test_scoped_model_admin)"
    return None


def dashboard_callback() -> bool:
    return bool(getattr(settings, "UNFOLD", {}).get("DASHBOARD_CALLBACK"))


def hint(endpoint: Endpoint) -> str:
    if endpoint.model is not None:
        app = endpoint.model._meta.app_config.name
        label = endpoint.model._meta.label
        if is_scoped(endpoint.model) and not isinstance(
            admin.site._registry[endpoint.model], ScopedModelAdmin
        ):
            return f"{type(admin.site._registry[endpoint.model]).__name__} must subclass ScopedModelAdmin"
        if not is_scoped(endpoint.model):
            return (
                f"{label} is not scoped: in {app}.scope_coverage add UNSCOPED[{label!r}] = "
                f"'<why>' or COVERED[{label!r}] = '<module::test>'"
            )
        return f"add COVERED[{endpoint.key!r}] = '<module::test>' to {app}.scope_coverage"
    return f"add COVERED[{endpoint.key!r}] = '<module::test>' to grassroots.<app>.scope_coverage"


# --- the walker -----------------------------------------------------------------------------


def test_every_console_and_api_url_is_covered():
    endpoints = all_endpoints()
    assert any(e.area == "api" for e in endpoints) and any(e.area == "model" for e in endpoints)
    missing = [f"{e.key}  -> {hint(e)}" for e in endpoints if coverage_of(e) is None]
    assert not missing, "URLs no scope test covers:\n" + "\n".join(sorted(missing))


def test_declarations_name_real_urls_and_real_tests():
    endpoints = all_endpoints()
    keys = {e.key for e in endpoints} | {
        e.model._meta.label for e in endpoints if e.model is not None
    }
    problems = []
    for key in [*DECL.covered, *DECL.unscoped]:
        if key not in keys:
            problems.append(f"{DECL.sources[key]}: {key!r} matches no registered URL or model")
    for key, reference in DECL.covered.items():
        if resolve_test(reference) is None:
            problems.append(f"{DECL.sources[key]}: {key!r} names no test: {reference!r}")
    for key, reason in DECL.unscoped.items():
        if not str(reason).strip():
            problems.append(f"{DECL.sources[key]}: {key!r} needs a reason")
        model = next((e.model for e in endpoints if e.model and e.model._meta.label == key), None)
        if model is not None and is_scoped(model):
            problems.append(
                f"{DECL.sources[key]}: {key!r} is a scoped model, it cannot be unscoped"
            )
    assert not problems, "\n".join(problems)


def test_the_walker_notices_an_undeclared_url():
    """The walker is only worth something if it fails; check it does on a made-up URL."""
    fake = Endpoint("GET /api/v1/not-declared-anywhere", "api", None, "not-declared-anywhere")
    assert coverage_of(fake) is None
    assert coverage_of(fake, Declarations({fake.key: "m::test_x"}, {}, {}, {})) is not None


def test_api_operations_refuse_anonymous_callers(db):
    """No scoped API operation answers a caller without a token or session."""
    client = Client()
    answered = []
    for endpoint in api_endpoints():
        if endpoint.key in DECL.unscoped:
            continue
        method, path = endpoint.key.split(" ", 1)
        url = re.sub(r"\{\w+\}", "1", path)
        response = client.generic(method, url, "{}", content_type="application/json")
        if response.status_code != 401:
            answered.append(f"{endpoint.key}: {response.status_code}")
    assert not answered, "answered without credentials:\n" + "\n".join(answered)


def test_portal_pages_send_anonymous_callers_to_sign_in(db):
    """Every portal page not declared unscoped asks a caller with no session to sign in first."""
    endpoints = [e for e in root_endpoints() if e.area == "portal"]
    assert any("<" in e.key for e in endpoints), "the walker did not descend into the portal"
    client = Client()
    answered = []
    for endpoint in endpoints:
        if endpoint.key in DECL.unscoped:
            continue
        url = re.sub(
            r"<(?:(\w+):)?\w+>",
            lambda m: "x" if m.group(1) in ("str", "slug") else "1",
            endpoint.key,
        )
        response = client.get(url)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(f"{PORTAL_PREFIX}login/"):
            answered.append(f"{endpoint.key}: {response.status_code} {location}")
    assert not answered, "answered without a session:\n" + "\n".join(answered)


def test_third_party_admins_are_superuser_only(db):
    from grassroots.accounts.roles import sync_role_groups

    sync_role_groups()
    third_party = [m for m in admin.site._registry if not is_own(m)]
    granted = Permission.objects.filter(
        group__in=Group.objects.all(),
        content_type__in=[ContentType.objects.get_for_model(m) for m in third_party],
    )
    assert not granted.exists(), [str(p) for p in granted]


# --- building objects inside a unit, generically --------------------------------------------

_counter = itertools.count(1)


def build_in(model: type[models.Model], unit: Any) -> Any:
    """One saved object of ``model`` that belongs to ``unit`` (an app's FACTORIES entry wins)."""
    from grassroots.core.testing import make_unit

    label = model._meta.label
    if label in DECL.factories:
        return DECL.factories[label](unit)
    concrete = model._meta.concrete_model or model
    if concrete._meta.label == "organizations.Unit":  # the unit or a proxy of it
        n = next(_counter)
        made = make_unit(f"g{n:05d}", f"生成支部{n}", "branch", unit)
        return model._default_manager.get(pk=made.pk)
    if label == "members.Member":
        from grassroots.members.tests.factories import create_member

        return create_member(unit)
    lookup = getattr(model, "scope_path_lookup", "").split("__")
    obj = model()
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now", False) or not field.editable:
            if field.name != lookup[0]:
                continue
        value = _value_for(model, field, unit, lookup)
        if value is not _SKIP:
            setattr(obj, field.attname if not field.is_relation else field.name, value)
    obj.save()
    return obj


_SKIP = object()


def _value_for(model: Any, field: Any, unit: Any, lookup: list[str]) -> Any:
    in_lookup = field.name == lookup[0]
    if field.is_relation:
        related = field.related_model
        if related._meta.label == "organizations.Unit":
            return unit
        if in_lookup or (not field.null and is_scoped(related)):
            return build_in(related, unit)
        if field.null:
            return _SKIP
        return related._default_manager.first() or build_in(related, unit)
    if in_lookup and len(lookup) == 1:
        return unit.path  # a path copied onto the row (e.g. the audit log's unit_path)
    if field.has_default() or field.null or (field.blank and not field.unique):
        return _SKIP
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date.today()
    if isinstance(field, models.DecimalField):
        return Decimal(1)
    if isinstance(field, models.IntegerField | models.FloatField):
        return next(_counter)
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.FileField):
        return "scope-test.txt"
    if isinstance(field, models.CharField | models.TextField):
        text = f"s{next(_counter)}"
        return text[: field.max_length] if field.max_length else text
    raise TypeError(f"no generic value for {model._meta.label}.{field.name}")


# --- the generic console exercise -----------------------------------------------------------


def scoped_admins() -> list[Any]:
    return [
        pytest.param(model, id=model._meta.label)
        for model in admin.site._registry
        if is_own(model) and is_scoped(model) and model._meta.label not in DECL.covered
    ]


def staff_with_every_permission(user: Any) -> Any:
    """City staff who may do anything the console offers: only scope stands in the way."""
    user.user_permissions.set(Permission.objects.all())
    return type(user).objects.get(pk=user.pk)  # drop the cached permissions


def placed_pair(model: type[models.Model], province: Any) -> tuple[Any, Any]:
    label = model._meta.label
    app = model._meta.app_config.name
    try:
        inside = build_in(model, province.branch_a1)
        outside = build_in(model, province.branch_b1)
    except Exception as exc:
        pytest.fail(
            f"cannot build a {label} inside a unit generically ({exc!r}); add "
            f"FACTORIES[{label!r}] = lambda unit: <a saved {label} belonging to unit> "
            f"to {app}.scope_coverage"
        )
    visible = model._default_manager.visible_to(province.users["city_a"])  # type: ignore[attr-defined]
    fix = f"add FACTORIES[{label!r}] = lambda unit: ... to {app}.scope_coverage"
    assert visible.filter(pk=inside.pk).exists(), (
        f"{label}: the built object is not in its unit ({fix})"
    )
    assert not visible.filter(pk=outside.pk).exists(), (
        f"{label}: scope_q lets a sibling city see it"
    )
    return inside, outside


def url_for(model: type[models.Model], route: str, pk: Any) -> str:
    filled = re.sub(r"<(?:\w+:)?\w+>", str(pk), route)
    return f"{ADMIN_PREFIX}{model._meta.app_label}/{model._meta.model_name}/{filled}"


@pytest.mark.parametrize("model", scoped_admins())
def test_scoped_model_admin(model, province):
    label = model._meta.label
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ScopedModelAdmin), f"{label}: use ScopedModelAdmin"
    inside, outside = placed_pair(model, province)
    client = Client()
    user = staff_with_every_permission(province.users["city_a"])
    client.force_login(user)
    base = f"{ADMIN_PREFIX}{model._meta.app_label}/{model._meta.model_name}/"

    # The list shows rows of the caller's subtree only.
    response = client.get(base)
    assert response.status_code == 200, f"{label} changelist: {response.status_code}"
    listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
    assert outside.pk not in listed, f"{label} changelist shows an out-of-scope row"
    assert inside.pk in listed, f"{label} changelist hides an in-scope row (test is vacuous)"
    visible = set(model._default_manager.visible_to(user).values_list("pk", flat=True))
    assert listed <= visible, f"{label} changelist shows rows outside visible_to"

    # Filters, choice lists and the add form never name a sibling city's units.
    pages = {"changelist": response}
    if model_admin.has_add_permission(_request(user)):
        pages["add form"] = client.get(f"{base}add/")
    for page_name, page in pages.items():
        if page.status_code == 200:
            html = page.content.decode()
            for sibling in (province.city_b, province.branch_b1):
                assert sibling.name not in html, f"{label} {page_name} names {sibling.name}"

    # An out-of-scope object answers exactly like one that does not exist: 404 (or 403 for both).
    routes = ["<path:object_id>/change/", "<path:object_id>/delete/", "<path:object_id>/history/"]
    routes += [
        e.route
        for e in console_endpoints()
        if e.model is model and not is_standard(e) and object_route(e) and e.key not in DECL.covered
    ]
    for route in routes:
        for method in ("get", "post"):
            got = getattr(client, method)(url_for(model, route, outside.pk))
            absent = getattr(client, method)(url_for(model, route, MISSING_PK))
            where = f"{label} {method.upper()} {route}"
            assert got.status_code in (403, 404), f"{where}: {got.status_code} for out-of-scope"
            assert got.status_code == absent.status_code, f"{where} tells out-of-scope from absent"
    if model_admin.has_view_permission(_request(user)):
        page = client.get(url_for(model, "<path:object_id>/change/", inside.pk))
        assert page.status_code == 200, f"{label}: in-scope change page {page.status_code}"

    # "View on site" must not reveal that an out-of-scope object exists.
    ct = ContentType.objects.get_for_model(model).pk
    got = client.get(f"{ADMIN_PREFIX}r/{ct}/{outside.pk}/")
    absent = client.get(f"{ADMIN_PREFIX}r/{ct}/{MISSING_PK}/")
    assert got.status_code == absent.status_code, f"{label}: view-on-site leaks existence"


def _request(user: Any) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get(ADMIN_PREFIX)
    request.user = user
    return request


def autocomplete_fields() -> list[Any]:
    params = []
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.autocomplete_fields:
            remote = model._meta.get_field(name).related_model
            if isinstance(remote, type) and is_scoped(remote):
                params.append(pytest.param(model, name, id=f"{model._meta.label}.{name}"))
    return params


@pytest.mark.parametrize(("model", "field_name"), autocomplete_fields())
def test_autocomplete_is_scoped(model, field_name, province):
    remote = model._meta.get_field(field_name).related_model
    inside, outside = placed_pair(remote, province)
    client = Client()
    client.force_login(staff_with_every_permission(province.users["city_a"]))
    response = client.get(
        f"{ADMIN_PREFIX}autocomplete/",
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field_name,
            "term": "",
        },
    )
    assert response.status_code == 200
    ids = {str(r["id"]) for r in response.json()["results"]}
    assert str(inside.pk) in ids
    assert str(outside.pk) not in ids


def test_console_search_is_scoped(province):
    from grassroots.members.tests.factories import create_member

    create_member(province.branch_a1, name="范仲淹")
    outside = create_member(province.branch_b1, name="范成大")
    client = Client()
    client.force_login(staff_with_every_permission(province.users["city_a"]))
    response = client.get(f"{ADMIN_PREFIX}search/", {"s": "范", "extended": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert outside.name not in body
    assert f"/{outside.pk}/change/" not in body
