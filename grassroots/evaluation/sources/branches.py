"""Indicator source for the five-izations records (branches): activities, attendance, funding…"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from grassroots.evaluation.sources import (
    Metric,
    MetricContext,
    Subject,
    as_decimal,
    ratio,
    register,
)

ONE = Decimal(1)


def _activity_counts(ctx: MetricContext) -> dict[tuple[int, str], int]:
    """{(unit id, kind code): activities hosted in the period}, one grouped query per run."""
    from grassroots.branches.models import ActivityHost

    def fetch() -> dict[tuple[int, str], int]:
        rows = (
            ActivityHost.objects.filter(
                unit_id__in=ctx.subject_ids, activity__date__range=(ctx.start, ctx.end)
            )
            .order_by()
            .values_list("unit_id", "activity__kind__code")
            .annotate(n=Count("id"))
        )
        return {(u, k): n for u, k, n in rows}

    return ctx.memo(("branches.activity_counts", ctx.start, ctx.end), fetch)


def _training_codes(ctx: MetricContext) -> set[str]:
    from grassroots.branches.models import ActivityKind

    return ctx.memo(
        "branches.training_codes",
        lambda: set(ActivityKind.objects.filter(is_training=True).values_list("code", flat=True)),
    )


def _kinds(ctx: MetricContext) -> set[str] | None:
    """The kind codes an indicator asks for: params kind (code or list) or training=true."""
    kind = ctx.params.get("kind")
    if kind:
        return {kind} if isinstance(kind, str) else set(kind)
    if ctx.params.get("training"):
        return _training_codes(ctx)
    return None


def activity_count(ctx: MetricContext) -> dict[int, Decimal]:
    kinds = _kinds(ctx)
    out: dict[int, Decimal] = defaultdict(Decimal)
    for (unit_id, code), n in _activity_counts(ctx).items():
        if kinds is None or code in kinds:
            out[unit_id] += n
    return dict(out)


def activity_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.branches.models import Activity

    qs = Activity.objects.filter(
        hosts__unit_id=subject_id, date__range=(ctx.start, ctx.end)
    ).select_related("kind")
    kinds = _kinds(ctx)
    if kinds is not None:
        qs = qs.filter(kind__code__in=kinds)
    return qs.order_by("date")


def _attendance_by_unit(ctx: MetricContext) -> dict[int, tuple[int, int, Decimal, Decimal]]:
    """{unit id: (rows, attended, hours all kinds, hours training kinds)} in one query."""
    from grassroots.branches.models import Attendance

    def fetch() -> dict[int, tuple[int, int, Decimal, Decimal]]:
        attended = Q(status=Attendance.Status.ATTENDED)
        rows = (
            Attendance.objects.filter(unit_id__in=ctx.subject_ids, date__range=(ctx.start, ctx.end))
            .order_by()
            .values("unit_id")
            .annotate(
                n=Count("id"),
                a=Count("id", filter=attended),
                h=Sum("hours", filter=attended),
                t=Sum("hours", filter=attended & Q(activity__kind__is_training=True)),
            )
        )
        return {
            r["unit_id"]: (r["n"], r["a"], as_decimal(r["h"]), as_decimal(r["t"])) for r in rows
        }

    return ctx.memo(("branches.attendance_by_unit", ctx.start, ctx.end), fetch)


def attendance_rate(ctx: MetricContext) -> dict[int, Decimal]:
    data = _attendance_by_unit(ctx)
    return ratio({k: v[1] for k, v in data.items()}, {k: v[0] for k, v in data.items()})


def attendance_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.branches.models import Attendance

    return (
        Attendance.objects.filter(unit_id=subject_id, date__range=(ctx.start, ctx.end))
        .select_related("member", "activity")
        .order_by("date", "member__name")
    )


def _active_members(ctx: MetricContext) -> dict[int, int]:
    from grassroots.evaluation.sources.members import active_member_counts

    return active_member_counts(ctx)


def training_hours_per_member(ctx: MetricContext) -> dict[int, Decimal]:
    data = _attendance_by_unit(ctx)
    all_kinds = ctx.params.get("all_kinds", False)
    hours = {k: (v[2] if all_kinds else v[3]) for k, v in data.items()}
    return ratio(hours, _active_members(ctx))


def _funding(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.branches.models import Funding

    def fetch() -> dict[int, Decimal]:
        rows = (
            Funding.objects.filter(unit_id__in=ctx.subject_ids, year=ctx.year)
            .order_by()
            .values_list("unit_id")
            .annotate(b=Sum("budget"))
        )
        return {u: as_decimal(b) for u, b in rows}

    return ctx.memo(("branches.funding", ctx.year), fetch)


def funding_present(ctx: MetricContext) -> dict[int, Decimal]:
    return {u: ONE for u, b in _funding(ctx).items() if b > 0}


def funding_budget(ctx: MetricContext) -> dict[int, Decimal]:
    return _funding(ctx)


def funding_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.branches.models import Funding

    return Funding.objects.filter(unit_id=subject_id, year=ctx.year)


def _venues(ctx: MetricContext, dedicated: bool) -> dict[int, Decimal]:
    from grassroots.branches.models import Venue

    qs = Venue.objects.filter(unit_id__in=ctx.subject_ids, since__lte=ctx.end).filter(
        Q(until__isnull=True) | Q(until__gte=ctx.end)
    )
    if dedicated:
        qs = qs.filter(usage=Venue.Usage.DEDICATED)
    return {u: ONE for u in qs.order_by().values_list("unit_id", flat=True).distinct()}


def venue_dedicated(ctx: MetricContext) -> dict[int, Decimal]:
    return _venues(ctx, dedicated=True)


def venue_present(ctx: MetricContext) -> dict[int, Decimal]:
    return _venues(ctx, dedicated=False)


def venue_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.branches.models import Venue

    return Venue.objects.filter(unit_id=subject_id, since__lte=ctx.end)


def platforms_active(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.branches.models import PlatformActivity

    rows = (
        PlatformActivity.objects.filter(unit_id__in=ctx.subject_ids, since__lte=ctx.end)
        .filter(Q(until__isnull=True) | Q(until__gte=ctx.start))
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("platform", distinct=True))
    )
    return {u: Decimal(n) for u, n in rows}


def platform_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.branches.models import PlatformActivity

    return PlatformActivity.objects.filter(unit_id=subject_id, since__lte=ctx.end)


def visit_count(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.branches.models import Visit

    qs = Visit.objects.filter(unit_id__in=ctx.subject_ids, date__range=(ctx.start, ctx.end))
    if ctx.params.get("kind"):
        qs = qs.filter(kind=ctx.params["kind"])
    rows = qs.order_by().values_list("unit_id").annotate(n=Count("id"))
    return {u: Decimal(n) for u, n in rows}


def visit_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.branches.models import Visit

    return Visit.objects.filter(unit_id=subject_id, date__range=(ctx.start, ctx.end))


def follow_up_done_rate(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.branches.models import FollowUp

    rows = (
        FollowUp.objects.filter(
            visit__unit_id__in=ctx.subject_ids, visit__date__range=(ctx.start, ctx.end)
        )
        .order_by()
        .values("visit__unit_id")
        .annotate(n=Count("id"), d=Count("id", filter=Q(status=FollowUp.Status.DONE)))
    )
    return ratio(
        {r["visit__unit_id"]: r["d"] for r in rows}, {r["visit__unit_id"]: r["n"] for r in rows}
    )


def _months(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def cadence_met(ctx: MetricContext) -> dict[int, Decimal]:
    """Share of a unit's cadence rules met in the period (held ≥ months / interval times)."""
    from grassroots.branches.models import Cadence

    counts = _activity_counts(ctx)
    months = _months(ctx.start, ctx.end)
    met: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for unit_id, code, every in Cadence.objects.filter(unit_id__in=ctx.subject_ids).values_list(
        "unit_id", "kind__code", "every_months"
    ):
        total[unit_id] += 1
        expected = max(1, months // max(1, every))
        if counts.get((unit_id, code), 0) >= expected:
            met[unit_id] += 1
    return ratio(dict(met), dict(total))


# Per-member metrics (the members' performance archive and member schemes).


def _attendance_by_member(ctx: MetricContext) -> dict[int, tuple[int, int, Decimal, Decimal]]:
    from grassroots.branches.models import Attendance

    def fetch() -> dict[int, tuple[int, int, Decimal, Decimal]]:
        attended = Q(status=Attendance.Status.ATTENDED)
        rows = (
            Attendance.objects.filter(
                member_id__in=ctx.subject_ids, date__range=(ctx.start, ctx.end)
            )
            .order_by()
            .values("member_id")
            .annotate(
                n=Count("id"),
                a=Count("id", filter=attended),
                h=Sum("hours", filter=attended),
                t=Sum("hours", filter=attended & Q(activity__kind__is_training=True)),
            )
        )
        return {
            r["member_id"]: (r["n"], r["a"], as_decimal(r["h"]), as_decimal(r["t"])) for r in rows
        }

    return ctx.memo(("branches.attendance_by_member", ctx.start, ctx.end), fetch)


def member_attended(ctx: MetricContext) -> dict[int, Decimal]:
    return {k: Decimal(v[1]) for k, v in _attendance_by_member(ctx).items()}


def member_attendance_rate(ctx: MetricContext) -> dict[int, Decimal]:
    data = _attendance_by_member(ctx)
    return ratio({k: v[1] for k, v in data.items()}, {k: v[0] for k, v in data.items()})


def member_training_hours(ctx: MetricContext) -> dict[int, Decimal]:
    all_kinds = ctx.params.get("all_kinds", False)
    return {k: (v[2] if all_kinds else v[3]) for k, v in _attendance_by_member(ctx).items()}


def member_attendance_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.branches.models import Attendance

    return (
        Attendance.objects.filter(member_id=subject_id, date__range=(ctx.start, ctx.end))
        .select_related("activity")
        .order_by("date")
    )


def member_visits(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.branches.models import Visit

    through = Visit.members.through
    rows = (
        through.objects.filter(
            member_id__in=ctx.subject_ids, visit__date__range=(ctx.start, ctx.end)
        )
        .order_by()
        .values_list("member_id")
        .annotate(n=Count("id"))
    )
    return {m: Decimal(n) for m, n in rows}


U, M = Subject.UNIT, Subject.MEMBER
for _metric in [
    Metric(
        "branches.activity_count",
        _("活动次数"),
        activity_count,
        U,
        activity_records,
        _("参数 kind: 活动类型代码（或列表）；training: true 仅计培训类"),
        _("次"),
    ),
    Metric("branches.attendance_rate", _("出席率"), attendance_rate, U, attendance_records),
    Metric(
        "branches.training_hours_per_member",
        _("人均培训学时"),
        training_hours_per_member,
        U,
        attendance_records,
        _("参数 all_kinds: true 计入所有活动学时"),
        _("小时"),
    ),
    Metric("branches.funding_present", _("经费已落实"), funding_present, U, funding_records),
    Metric(
        "branches.funding_budget",
        _("年度经费预算"),
        funding_budget,
        U,
        funding_records,
        "",
        _("元"),
    ),
    Metric("branches.venue_dedicated", _("有专用活动场地"), venue_dedicated, U, venue_records),
    Metric("branches.venue_present", _("有活动场地"), venue_present, U, venue_records),
    Metric(
        "branches.platforms_active",
        _("活跃的履职平台数"),
        platforms_active,
        U,
        platform_records,
        "",
        _("个"),
    ),
    Metric(
        "branches.visit_count",
        _("走访座谈次数"),
        visit_count,
        U,
        visit_records,
        _("参数 kind: visit 或 forum"),
        _("次"),
    ),
    Metric(
        "branches.follow_up_done_rate",
        _("走访跟进事项办结率"),
        follow_up_done_rate,
        U,
        visit_records,
    ),
    Metric("branches.cadence_met", _("活动频次达标率"), cadence_met, U, activity_records),
    Metric(
        "branches.member_attended",
        _("出席活动次数"),
        member_attended,
        M,
        member_attendance_records,
        "",
        _("次"),
    ),
    Metric(
        "branches.member_attendance_rate",
        _("个人出席率"),
        member_attendance_rate,
        M,
        member_attendance_records,
    ),
    Metric(
        "branches.member_training_hours",
        _("个人培训学时"),
        member_training_hours,
        M,
        member_attendance_records,
        "",
        _("小时"),
    ),
    Metric("branches.member_visits", _("参加走访座谈次数"), member_visits, M, None, "", _("次")),
]:
    register(_metric)
