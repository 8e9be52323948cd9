"""Indicator source for recruitment: applications and prospects (only when that app's models exist)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from grassroots.evaluation.sources import (
    Metric,
    MetricContext,
    Subject,
    app_models_ready,
    register,
)


def applications_submitted(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.recruitment.models import Application

    rows = (
        Application.objects.filter(
            unit_id__in=ctx.subject_ids,
            submitted_at__date__range=(ctx.start, ctx.end),
        )
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    return {u: Decimal(n) for u, n in rows}


def applications_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.recruitment.models import Application

    return Application.objects.filter(
        unit_id=subject_id, submitted_at__date__range=(ctx.start, ctx.end)
    ).order_by("submitted_at")


def prospects_cultivated(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.recruitment.models import CultivationRecord

    rows = (
        CultivationRecord.objects.filter(
            prospect__unit_id__in=ctx.subject_ids, date__range=(ctx.start, ctx.end)
        )
        .order_by()
        .values_list("prospect__unit_id")
        .annotate(n=Count("prospect_id", distinct=True))
    )
    return {u: Decimal(n) for u, n in rows}


if app_models_ready("recruitment", "Application"):
    register(
        Metric(
            "recruitment.applications_submitted",
            _("提交入会申请数"),
            applications_submitted,
            Subject.UNIT,
            applications_records,
            "",
            _("份"),
        )
    )
if app_models_ready("recruitment", "CultivationRecord"):
    register(
        Metric(
            "recruitment.prospects_cultivated",
            _("培养联系的后备人选数"),
            prospects_cultivated,
            Subject.UNIT,
            None,
            "",
            _("人"),
        )
    )
