"""Reads for terms and elections, always through the acting user's scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from grassroots.elections import procedure
from grassroots.elections.models import Election, Term
from grassroots.elections.services import add_months, add_years, term_years
from grassroots.members.models import Officer
from grassroots.organizations.models import Unit


def warning_months() -> int:
    return int(getattr(settings, "GRASSROOTS_TERM_WARNING_MONTHS", 6))


def elections_visible(user: Any) -> QuerySet[Election]:
    return Election.objects.visible_to(user).select_related("unit", "unit__parent")  # type: ignore[attr-defined]


def elections_waiting(user: Any) -> list[Election]:
    """Open elections on which this user may take a stage now (their to-do list)."""
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None and not getattr(user, "is_superuser", False):
        return []
    qs = elections_visible(user).filter(status__in=procedure.OPEN_STATUSES)
    if not user.is_superuser:
        qs = qs.filter(Q(unit_id=unit_id) | Q(unit__parent_id=unit_id))
    return [e for e in qs if procedure.next_stages(user, e)]


@dataclass
class TermLine:
    unit: Unit
    number: int | None
    start_date: datetime.date
    planned_end: datetime.date
    inferred: bool  # no term recorded: start taken from the sitting officers
    today: datetime.date

    @property
    def expired(self) -> bool:
        return self.planned_end < self.today

    @property
    def days_left(self) -> int:
        return (self.planned_end - self.today).days


def term_lines(user: Any, *, today: datetime.date | None = None) -> list[TermLine]:
    """The current term of every visible active unit that has officers or a recorded term.

    A recorded open term wins; a unit without one gets its term inferred from its sitting
    officers (earliest start of the officers still in post, plus the term length), so the
    warnings work on data entered before elections were recorded here. Two grouped queries."""
    today = today or timezone.localdate()
    units = Unit.objects.visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]
    lines: dict[int, TermLine] = {}
    terms = (
        Term.objects.filter(unit__in=units, ended_on__isnull=True)
        .select_related("unit")
        .order_by("unit_id", "number")
    )
    for term in terms:
        lines[term.unit_id] = TermLine(
            term.unit, term.number, term.start_date, term.planned_end, False, today
        )
    starts = (
        Officer.objects.filter(unit__in=units, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .exclude(unit_id__in=list(lines))
        .values("unit_id")
        .annotate(first=Min("start_date"))
        .order_by()
    )
    by_unit = {row["unit_id"]: row["first"] for row in starts}
    for unit in Unit.objects.filter(pk__in=list(by_unit)):
        first = by_unit[unit.pk]
        lines[unit.pk] = TermLine(unit, None, first, add_years(first, term_years()), True, today)
    return sorted(lines.values(), key=lambda line: (line.planned_end, line.unit.path))


def terms_due(
    user: Any, *, months: int | None = None, today: datetime.date | None = None
) -> list[TermLine]:
    """Units whose term has expired or ends within ``months`` (default: the setting, 6)."""
    today = today or timezone.localdate()
    horizon = add_months(today, warning_months() if months is None else months)
    return [line for line in term_lines(user, today=today) if line.planned_end <= horizon]


def open_election_units(user: Any) -> set[int]:
    return set(
        elections_visible(user)
        .filter(status__in=procedure.OPEN_STATUSES)
        .values_list("unit_id", flat=True)
    )
