"""Helpers for branches tests: activities through the service, with a fixed local time."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from grassroots.branches import services
from grassroots.branches.models import Activity, ActivityKind


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_activity(
    lead_unit,
    day: datetime.date,
    kind: str = "study",
    co_hosts=None,
    hours: Decimal | None = None,
    topic: str = "学习会",
    **extra,
) -> Activity:
    return services.activity_create(
        kind=ActivityKind.objects.get(code=kind),
        topic=topic,
        starts_at=at(day),
        lead_unit=lead_unit,
        co_hosts=co_hosts or [],
        hours=hours,
        **extra,
    )
