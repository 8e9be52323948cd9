"""Indicator source for organization development read from the member archive and plan quotas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from grassroots.evaluation.sources import Metric, MetricContext, Subject, ratio, register


def active_member_counts(ctx: MetricContext) -> dict[int, int]:
    """{unit id: active members held directly by the unit who joined by the period's end}."""
    from grassroots.members.models import Member, MemberStatus

    def fetch() -> dict[int, int]:
        rows = (
            Member.objects.filter(unit_id__in=ctx.subject_ids, status=MemberStatus.ACTIVE)
            .filter(Q(join_date__isnull=True) | Q(join_date__lte=ctx.end))
            .order_by()
            .values_list("unit_id")
            .annotate(n=Count("id"))
        )
        return dict(rows)

    return ctx.memo(("members.active", ctx.end), fetch)


def _joined(ctx: MetricContext) -> dict[int, tuple[int, int]]:
    """{unit id: (new members, of whom talents)} joined in the period."""
    from grassroots.members.models import Member

    def fetch() -> dict[int, tuple[int, int]]:
        rows = (
            Member.objects.filter(
                unit_id__in=ctx.subject_ids, join_date__range=(ctx.start, ctx.end)
            )
            .order_by()
            .values("unit_id")
            .annotate(n=Count("id"), t=Count("id", filter=Q(is_talent=True)))
        )
        return {r["unit_id"]: (r["n"], r["t"]) for r in rows}

    return ctx.memo(("members.joined", ctx.start, ctx.end), fetch)


def active_members(ctx: MetricContext) -> dict[int, Decimal]:
    return {k: Decimal(v) for k, v in active_member_counts(ctx).items()}


def new_members(ctx: MetricContext) -> dict[int, Decimal]:
    return {k: Decimal(v[0]) for k, v in _joined(ctx).items()}


def talents_admitted(ctx: MetricContext) -> dict[int, Decimal]:
    return {k: Decimal(v[1]) for k, v in _joined(ctx).items() if v[1]}


def new_members_vs_quota(ctx: MetricContext) -> dict[int, Decimal]:
    """New members over the year's quota as planning defines it; units without one are left out."""
    from grassroots.organizations.models import Unit
    from grassroots.planning import selectors as planning

    units = list(Unit.objects.filter(pk__in=ctx.subject_ids).only("pk"))
    bulk = getattr(planning, "quotas_for", None)
    if bulk is not None:  # two queries for every unit
        found = bulk(units, ctx.year)
    else:
        found = {unit.pk: planning.quota_for(unit, ctx.year) for unit in units}
    quotas = {pk: quota for pk, quota in found.items() if quota}
    return ratio({k: v[0] for k, v in _joined(ctx).items()}, quotas)


def joined_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.members.models import Member

    qs = Member.objects.filter(unit_id=subject_id, join_date__range=(ctx.start, ctx.end))
    if ctx.params.get("talent"):
        qs = qs.filter(is_talent=True)
    return qs.order_by("join_date")


U = Subject.UNIT
for _metric in [
    Metric("members.active_members", _("在册会员数"), active_members, U, None, "", _("人")),
    Metric("members.new_members", _("新发展会员数"), new_members, U, joined_records, "", _("人")),
    Metric(
        "members.new_members_vs_quota",
        _("新会员完成名额比例"),
        new_members_vs_quota,
        U,
        joined_records,
    ),
    Metric(
        "members.talents_admitted",
        _("吸收优才人数"),
        talents_admitted,
        U,
        joined_records,
        "",
        _("人"),
    ),
]:
    register(_metric)
