"""Notices over the API for staff: list, detail and the per-unit read rate (all scoped)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Router, Schema

from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.core.scope import get_visible_or_404
from grassroots.notices import selectors
from grassroots.notices.models import Notice, NoticeRecipient

PREFIX = "/notices"
router = Router(tags=["notices"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class NoticeOut(Schema):
    id: int
    title: str
    unit: str
    state: str
    published_at: datetime.datetime | None
    reply_required: bool
    recipient_count: int
    read_count: int

    @staticmethod
    def resolve_unit(obj: Notice) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_read_count(obj: Notice) -> int:
        return getattr(obj, "n_read", 0) or 0


class NoticePage(Schema):
    count: int
    page: int
    items: list[NoticeOut]


class AttachmentOut(Schema):
    id: int
    name: str
    size: int


class NoticeDetailOut(NoticeOut):
    body: str
    reply_choices: list[str]
    deadline: datetime.datetime | None
    target_units: list[str]
    target_roles: list[str]
    target_tags: list[str]
    replied_count: int
    attachments: list[AttachmentOut]
    created_by: str
    published_by: str

    @staticmethod
    def resolve_reply_choices(obj: Notice) -> list[str]:
        return obj.choices

    @staticmethod
    def resolve_target_units(obj: Notice) -> list[str]:
        return [u.code for u in obj.target_units.all()]

    @staticmethod
    def resolve_target_tags(obj: Notice) -> list[str]:
        return [t.name for t in obj.target_tags.all()]

    @staticmethod
    def resolve_replied_count(obj: Notice) -> int:
        return getattr(obj, "n_replied", 0) or 0

    @staticmethod
    def resolve_attachments(obj: Notice) -> list[dict]:
        return [{"id": a.pk, "name": a.name, "size": a.size} for a in obj.attachments.all()]


class RateRowOut(Schema):
    unit: str
    unit_name: str
    own: bool
    total: int
    read: int
    unread: int
    replied: int
    rate: float


class ReadRateOut(Schema):
    notice_id: int
    unit: str
    total: RateRowOut
    rows: list[RateRowOut]


def _count_of(**condition: Any) -> Any:
    rows = (
        NoticeRecipient.objects.filter(notice=OuterRef("pk"), **condition)
        .order_by()
        .values("notice")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _counted(qs: Any) -> Any:
    # Correlated counts per notice on the page, not a join of every recipient row grouped
    # (which the page's total count would have to repeat).
    return qs.annotate(
        n_read=_count_of(read_at__isnull=False), n_replied=_count_of(replied_at__isnull=False)
    )


@router.get("", response=NoticePage)
def notices_list(
    request: HttpRequest,
    state: str = "",
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Notices written in the caller's units; ``state`` (draft/published/withdrawn), ``q`` (title)."""
    qs = _counted(selectors.notices_visible(_user(request)))
    if state:
        qs = qs.filter(state=state)
    if q.strip():
        qs = qs.filter(title__contains=q.strip())
    return paginate(qs.order_by("-published_at", "-created_at", "-id"), page, page_size)


@router.get("/{int:notice_id}", response=NoticeDetailOut)
def notices_detail(request: HttpRequest, notice_id: int):
    return get_visible_or_404(
        _counted(Notice.objects.select_related("unit")).prefetch_related(
            "target_units", "target_tags", "attachments"
        ),
        _user(request),
        pk=notice_id,
    )


def _row(row: selectors.RateRow) -> dict:
    return {
        "unit": row.unit.code,
        "unit_name": row.unit.name,
        "own": row.own,
        "total": row.total,
        "read": row.read,
        "unread": row.unread,
        "replied": row.replied,
        "rate": round(row.rate, 4),
    }


@router.get("/{int:notice_id}/read-rate", response=ReadRateOut)
def notices_read_rate(request: HttpRequest, notice_id: int, unit: str = ""):
    """Recipients, read and replied per unit under ``unit`` (a unit code; default the notice's
    unit), each unit's row rolled up over its subtree; ``own`` marks the unit's own members."""
    user = _user(request)
    notice = get_visible_or_404(Notice.objects.select_related("unit"), user, pk=notice_id)
    unit_id = None
    if unit:
        from grassroots.organizations.models import Unit

        unit_id = get_visible_or_404(Unit.objects.all(), user, code=unit).pk
    report = selectors.read_rate(notice=notice, user=user, unit_id=unit_id)
    return {
        "notice_id": notice.pk,
        "unit": report.focus.code,
        "total": _row(report.total or selectors.RateRow(unit=report.focus)),
        "rows": [_row(r) for r in report.rows],
    }
