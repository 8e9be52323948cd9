"""Planning figures over the API: the annual statistical report (JSON and the audited xlsx),
composition as of a date, progress against the plan with gap advice, and the yearly quotas.

Every route takes ``unit`` (a unit code; the caller's own unit when omitted) and answers 404 for a
unit outside the caller's scope. The figures come from planning's selectors and report, unchanged.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import ValidationError

from grassroots.api.auth import acting_user
from grassroots.api.params import FIRST_YEAR, LAST_YEAR, YEAR
from grassroots.core.scope import get_visible_or_404
from grassroots.organizations.models import Unit
from grassroots.planning import report as annual
from grassroots.planning import selectors

PREFIX = "/planning"
router = Router(tags=["planning"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit(request: HttpRequest, code: str | None) -> Unit:
    user = acting_user(request)
    if code:
        return get_visible_or_404(Unit.objects.select_related("kind"), user, code=code)
    own = getattr(user, "unit", None)
    if own is None:  # a superuser without a unit reads the root
        own = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if own is None:
        raise Http404
    return get_visible_or_404(Unit.objects.select_related("kind"), user, pk=own.pk)


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


DEPTH = Query(None, ge=0, le=10, description="只列出到下几级组织")
DAY = Query(None, description="截至日期，默认今天")


class PlanningUnit(Schema):
    code: str
    name: str


def _ref(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.display_name}


# --- annual statistical report ------------------------------------------------------------


class ReportColumn(Schema):
    key: str
    label: str
    group: str


class ReportRowOut(Schema):
    unit: PlanningUnit
    label: str
    own_only: bool
    depth: int
    values: dict[str, int]


class ReportCheckOut(Schema):
    unit: PlanningUnit
    kind: str
    ok: bool
    failures: list[str]


class SizeRow(Schema):
    label: str
    counts: list[int]


class AnnualReportOut(Schema):
    unit: PlanningUnit
    year: int
    start_day: datetime.date
    end_day: datetime.date
    reconciled: bool
    columns: list[ReportColumn]
    rows: list[ReportRowOut]
    checks: list[ReportCheckOut]
    size_bands: list[str]
    size_rows: list[SizeRow]


def _report_columns(report: annual.AnnualReport) -> list[dict[str, str]]:
    columns = [
        {"key": "start", "label": _("年初人数"), "group": _("人数")},
        {"key": "end", "label": _("年末人数"), "group": _("人数")},
        {"key": "in", "label": _("增加合计"), "group": _("变动")},
        {"key": "out", "label": _("减少合计"), "group": _("变动")},
    ]
    columns += [
        {"key": key, "label": str(label), "group": _("变动")}
        for key, label in annual.change_labels().items()
    ]
    for dim in report.dims:
        columns += [
            {"key": b.key, "label": str(b.label), "group": str(dim.label)} for b in dim.buckets
        ]
    return columns


def _size_band(lo: int, hi: int | None) -> str:
    return _("%(lo)d人以上") % {"lo": lo} if hi is None else f"{lo}–{hi}"


@router.get("/annual-report", response=AnnualReportOut)
def annual_report(
    request: HttpRequest,
    unit: str | None = None,
    year: int | None = YEAR,
    max_depth: int | None = DEPTH,
):
    """The yearly statistical report (年报) of ``unit``: members at the start and end of the year,
    the changes, the composition at year end, per unit of its tree, with the reconciliation
    checks (a parent equals its children plus 本级; start + in − out = end)."""
    target = _unit(request, unit)
    report = annual.annual_report(
        user=acting_user(request), unit=target, year=_year(year), max_depth=max_depth
    )
    return {
        "unit": _ref(report.unit),
        "year": report.year,
        "start_day": report.start_day,
        "end_day": report.end_day,
        "reconciled": report.ok,
        "columns": _report_columns(report),
        "rows": [
            {
                "unit": _ref(r.unit),
                "label": r.label,
                "own_only": r.own_only,
                "depth": r.depth,
                "values": r.values,
            }
            for r in report.rows
        ],
        "checks": [
            {"unit": _ref(c.unit), "kind": c.kind, "ok": c.ok, "failures": c.failures}
            for c in report.checks
        ],
        "size_bands": [_size_band(lo, hi) for lo, hi in annual.SIZE_BANDS] + [_("合计")],
        "size_rows": [{"label": label, "counts": counts} for label, counts in report.size_rows],
    }


@router.get(
    "/annual-report/xlsx",
    openapi_extra={
        "responses": {
            200: {
                "description": "年报xlsx（下载记入审计日志，含筛选条件和行数）",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def annual_report_xlsx(
    request: HttpRequest,
    unit: str | None = None,
    year: int | None = YEAR,
    max_depth: int | None = DEPTH,
) -> HttpResponse:
    """The same report as the xlsx the level above asks for; the download is audited."""
    target = _unit(request, unit)
    report, content = annual.annual_report_export(
        user=acting_user(request), unit=target, year=_year(year), max_depth=max_depth
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="annual-report-{target.code}-{report.year}.xlsx"'
    )
    return response


# --- composition as of a date ---------------------------------------------------------------


class CompositionRowOut(Schema):
    key: str
    label: str
    counts: list[int]
    shares: list[float | None]


class CompositionSectionOut(Schema):
    key: str
    label: str
    rows: list[CompositionRowOut]


class CompositionColumn(Schema):
    heading: str
    unit: PlanningUnit | None


class CompositionOut(Schema):
    unit: PlanningUnit
    day: datetime.date
    columns: list[CompositionColumn]
    totals: list[int]
    sections: list[CompositionSectionOut]


@router.get("/composition", response=CompositionOut)
def composition(
    request: HttpRequest,
    unit: str | None = None,
    day: datetime.date | None = DAY,
):
    """Counts and shares by age, sex, sector, education, title, political arrangement and talent,
    for ``unit``, its own members (本级) and each child, as of ``day``."""
    target = _unit(request, unit)
    day = day or timezone.localdate()
    if not datetime.date(FIRST_YEAR, 1, 1) <= day <= datetime.date(LAST_YEAR, 12, 31):
        raise ValidationError(
            [
                {
                    "loc": ["query", "day"],
                    "msg": _("日期须在%(a)d年至%(b)d年之间") % {"a": FIRST_YEAR, "b": LAST_YEAR},
                    "type": "value_error",
                }
            ]
        )
    found = selectors.composition(user=acting_user(request), unit=target, day=day)
    return {
        "unit": _ref(found.unit),
        "day": found.day,
        "columns": [
            {"heading": heading, "unit": _ref(u) if u is not None else None}
            for heading, u in found.columns
        ],
        "totals": found.totals,
        "sections": [
            {
                "key": s.key,
                "label": str(s.label),
                "rows": [
                    {"key": r.key, "label": str(r.label), "counts": r.counts, "shares": r.shares}
                    for r in s.rows
                ],
            }
            for s in found.sections
        ],
    }


# --- progress against the plan --------------------------------------------------------------


class ProgressOut(Schema):
    key: str
    label: str
    is_share: bool
    target: float | None
    count: int
    total: int
    actual: float | None
    gap: float | None


class AdviceOut(Schema):
    key: str
    label: str
    target: float
    current: int
    total: int
    remaining: int
    needed: int
    reachable: bool
    message: str
    explanation: str


class PlanProgressOut(Schema):
    unit: PlanningUnit
    year: int
    day: datetime.date
    plan: str | None
    planned_new: int | None
    admitted: int
    remaining: int
    total: int
    progress: list[ProgressOut]
    advice: list[AdviceOut]


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


@router.get("/progress", response=PlanProgressOut)
def plan_progress(request: HttpRequest, unit: str | None = None, year: int | None = YEAR):
    """Where ``unit`` stands on the year's plan: new members against the target, each composition
    share against its target, and how many of the remaining recruits must have each attribute."""
    user = acting_user(request)
    target = _unit(request, unit)
    st, rows = selectors.plan_progress(user=user, unit=target, year=_year(year))
    advice = selectors.gap_advice(target, st.year, user=user)
    return {
        "unit": _ref(target),
        "year": st.year,
        "day": st.day,
        "plan": str(st.target.plan) if st.target is not None else None,
        "planned_new": st.planned_new,
        "admitted": st.admitted,
        "remaining": st.remaining,
        "total": st.total,
        "progress": [
            {
                "key": r.key,
                "label": str(r.label),
                "is_share": r.is_share,
                "target": _number(r.target),
                "count": r.count,
                "total": r.total,
                "actual": r.actual,
                "gap": r.gap,
            }
            for r in rows
        ],
        "advice": [
            {
                "key": a.key,
                "label": str(a.label),
                "target": float(a.target),
                "current": a.current,
                "total": a.total,
                "remaining": a.remaining,
                "needed": a.needed,
                "reachable": a.reachable,
                "message": str(a.message),
                "explanation": str(a.explanation),
            }
            for a in advice
        ],
    }


# --- yearly quotas ----------------------------------------------------------------------------


class QuotaOut(Schema):
    unit: PlanningUnit
    quota: int | None
    admitted: int
    remaining: int | None


class QuotasOut(Schema):
    year: int
    items: list[QuotaOut]


@router.get("/quotas", response=QuotasOut)
def quotas(request: HttpRequest, unit: str | None = None, year: int | None = YEAR):
    """The new-member quota of ``unit`` and of each unit directly below it, with the admissions
    so far (a plan's yearly target when one is set, otherwise the unit's yearly quota)."""
    user = acting_user(request)
    top = _unit(request, unit)
    year = _year(year)
    units = [top, *Unit.objects.visible_to(user).filter(parent=top).order_by("path")]  # type: ignore[attr-defined]
    found = selectors.quotas_for(units, year)
    items = []
    for u in units:
        admitted = selectors.standing(u, year, user=user).admitted
        quota = found.get(u.pk)
        items.append(
            {
                "unit": _ref(u),
                "quota": quota,
                "admitted": admitted,
                "remaining": max(quota - admitted, 0) if quota is not None else None,
            }
        )
    return {"year": year, "items": items}
