"""Units over the API: the caller's subtree, filtered by parent or text, and one unit by code."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema

from grassroots.api.auth import acting_user
from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.api.schemas import ErrorOut
from grassroots.core.scope import get_visible_or_404
from grassroots.organizations.models import Unit
from grassroots.organizations.selectors import units_visible

PREFIX = "/units"
router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    parent: str | None
    depth: int
    active: bool

    @staticmethod
    def resolve_kind(obj: Unit) -> str:
        return obj.kind.code

    @staticmethod
    def resolve_parent(obj: Unit) -> str | None:
        return obj.parent.code if obj.parent is not None else None

    @staticmethod
    def resolve_active(obj: Unit) -> bool:
        return obj.is_active


class UnitPage(Schema):
    count: int
    page: int
    items: list[UnitOut]


@router.get("", response={200: UnitPage, 404: ErrorOut, 422: ErrorOut})
def unit_list(
    request: HttpRequest,
    parent: str | None = None,
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Units the caller may see, in tree order; ``parent`` (a code) keeps its direct children."""
    qs = units_visible(acting_user(request)).select_related("kind", "parent").order_by("path")
    if parent:
        parent_unit = get_visible_or_404(Unit.objects.all(), acting_user(request), code=parent)
        qs = qs.filter(parent=parent_unit)
    q = "".join(q.split())
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__startswith=q))
    return paginate(qs, page, page_size)


@router.get("/{code}", response={200: UnitOut, 404: ErrorOut})
def unit_detail(request: HttpRequest, code: str):
    return get_visible_or_404(
        Unit.objects.select_related("kind", "parent"), acting_user(request), code=code
    )
