"""Figures factories that go through the services (rules and audit apply)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from grassroots.figures import services
from grassroots.figures.models import Figure, Round
from grassroots.members.models import ArrangementKind, ArrangementLevel
from grassroots.members.tests.factories import create_member
from grassroots.organizations.models import Unit


def make_figure(unit: Unit, actor: Any, category: str = "representative", **member: Any) -> Figure:
    return services.figure_add(
        member=create_member(unit, **member), category=category, actor=actor, domain="教育界"
    )


def open_round(unit: Unit, actor: Any, *, term: int = 13, body: str = "省政协") -> Round:
    today = timezone.localdate()
    return services.round_open(
        unit=unit,
        kind=ArrangementKind.objects.get(code="cppcc-member"),
        level=ArrangementLevel.objects.get(code="provincial"),
        body=body,
        term_number=term,
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
        actor=actor,
    )
