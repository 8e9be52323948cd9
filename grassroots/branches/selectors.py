"""Five-izations reads, scoped to the acting user: the panel per unit, cadence, training hours."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from grassroots.branches.models import (
    Activity,
    ActivityHost,
    Attendance,
    Cadence,
    FollowUp,
    Funding,
    PlatformActivity,
    TrainingCourse,
    Venue,
    Visit,
    WorkPlatform,
)
from grassroots.members.models import Member, MemberStatus
from grassroots.organizations.models import Unit


def activities_visible(user: Any) -> QuerySet[Activity]:
    return Activity.objects.visible_to(user)  # type: ignore[attr-defined]


def attendance_visible(user: Any, activity: Activity | None = None) -> QuerySet[Attendance]:
    """Attendance rows of the user's own members only (co-hosts never see each other's)."""
    qs = Attendance.objects.visible_to(user)  # type: ignore[attr-defined]
    if activity is not None:
        qs = qs.filter(activity=activity)
    return qs.select_related("member", "unit")


@dataclass
class FiveIzations:
    unit: Unit
    year: int
    fundings: list[Any]
    budget: Decimal
    spent: Decimal
    venue: Venue | None
    platforms: list[str]
    platform_labels: list[str]
    activity_counts: list[tuple[str, int]]
    training_hours: Decimal
    active_members: int
    attendance_rate: Decimal | None
    visits: int
    open_follow_ups: int
    behind: list[CadenceFlag] = field(default_factory=list)

    @property
    def funding_ok(self) -> bool:
        return self.budget > 0

    @property
    def venue_ok(self) -> bool:
        return self.venue is not None and self.venue.usage == Venue.Usage.DEDICATED

    @property
    def platforms_ok(self) -> bool:
        return len(self.platforms) >= 2

    @property
    def training_ok(self) -> bool:
        return not self.behind and self.training_hours_per_member > 0

    @property
    def training_hours_per_member(self) -> Decimal:
        if not self.active_members:
            return Decimal(0)
        return (self.training_hours / self.active_members).quantize(Decimal("0.1"))


def five_izations(*, unit: Unit, year: int, user: Any) -> FiveIzations:
    """The at-a-glance panel of one unit's working conditions (the unit must be visible)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    fundings = list(
        Funding.objects.filter(unit=unit, year=year).annotate(spent=Sum("spendings__amount"))
    )
    budget = sum((f.budget for f in fundings), Decimal(0))
    spent = sum((f.spent or Decimal(0) for f in fundings), Decimal(0))  # type: ignore[attr-defined]
    venue = (
        Venue.objects.filter(unit=unit, since__lte=end)
        .filter(Q(until__isnull=True) | Q(until__gte=end))
        .order_by("-since")
        .first()
    )
    platforms = sorted(
        set(
            PlatformActivity.objects.filter(unit=unit, since__lte=end)
            .filter(Q(until__isnull=True) | Q(until__gte=start))
            .values_list("platform", flat=True)
        )
    )
    counts = (
        ActivityHost.objects.filter(unit=unit, activity__date__range=(start, end))
        .values_list("activity__kind__name")
        .annotate(n=Count("id"))
        .order_by("activity__kind__order")
    )
    att = Attendance.objects.filter(unit=unit, date__range=(start, end)).aggregate(
        n=Count("id"),
        a=Count("id", filter=Q(status=Attendance.Status.ATTENDED)),
        h=Sum(
            "hours",
            filter=Q(status=Attendance.Status.ATTENDED, activity__kind__is_training=True),
        ),
    )
    labels = dict(WorkPlatform.choices)
    return FiveIzations(
        unit=unit,
        year=year,
        fundings=fundings,
        budget=budget,
        spent=spent,
        venue=venue,
        platforms=platforms,
        platform_labels=[str(labels[p]) for p in platforms],
        activity_counts=list(counts),
        training_hours=att["h"] or Decimal(0),
        active_members=Member.objects.filter(unit=unit, status=MemberStatus.ACTIVE).count(),
        attendance_rate=(Decimal(att["a"]) / att["n"]).quantize(Decimal("0.001"))
        if att["n"]
        else None,
        visits=Visit.objects.filter(unit=unit, date__range=(start, end)).count(),
        open_follow_ups=FollowUp.objects.filter(visit__unit=unit)
        .exclude(status=FollowUp.Status.DONE)
        .count(),
        behind=units_behind_cadence(user=user, unit=unit),
    )


@dataclass
class CadenceFlag:
    unit: Unit
    kind_name: str
    every_months: int
    last_date: datetime.date | None
    due_since: datetime.date


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][month - 1]  # fmt: skip
    return datetime.date(year, month, min(day.day, last))


def units_behind_cadence(
    *, user: Any, today: datetime.date | None = None, unit: Unit | None = None
) -> list[CadenceFlag]:
    """Units whose last activity of a kind is older than the cadence they set (two queries)."""
    today = today or timezone.localdate()
    qs = Cadence.objects.visible_to(user).select_related("unit", "kind")  # type: ignore[attr-defined]
    if unit is not None:
        qs = qs.filter(unit=unit)
    cadences: list[Cadence] = list(qs)
    if not cadences:
        return []
    last = {
        (u, k): d
        for u, k, d in ActivityHost.objects.filter(
            unit_id__in={c.unit_id for c in cadences},
            activity__kind_id__in={c.kind_id for c in cadences},
            activity__date__lte=today,
        )
        .values_list("unit_id", "activity__kind_id")
        .annotate(d=Max("activity__date"))
        .order_by()
    }
    flags: list[CadenceFlag] = []
    for c in cadences:
        held = last.get((c.unit_id, c.kind_id))
        # Without any record the clock starts when the rule was set up (the unit's founding
        # date is unreliable), taken as one interval back from today: flagged at once.
        due = add_months(held, c.every_months) if held else today
        if due <= today:
            flags.append(CadenceFlag(c.unit, c.kind.name, c.every_months, held, due))
    return sorted(flags, key=lambda f: (f.unit.path, f.kind_name))


def training_hours_by_member(*, user: Any, year: int, unit: Unit | None = None) -> QuerySet[Member]:
    """Members in scope annotated with ``training_hours`` (training kinds) for the year."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    qs: QuerySet[Member] = Member.objects.visible_to(user).filter(status=MemberStatus.ACTIVE)  # type: ignore[attr-defined]
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    attended = Q(
        attendances__status=Attendance.Status.ATTENDED,
        attendances__date__range=(start, end),
        attendances__activity__kind__is_training=True,
    )
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=8, decimal_places=1))
    return qs.annotate(
        training_hours=Coalesce(Sum("attendances__hours", filter=attended), zero)
    ).order_by("unit__path", "name")


def members_missing_mandatory(*, course: TrainingCourse, user: Any) -> QuerySet[Member]:
    """Active members under the course's unit (in the user's scope) who attended no session."""
    attended = Attendance.objects.filter(
        activity__course=course, status=Attendance.Status.ATTENDED
    ).values("member_id")
    return (
        Member.objects.visible_to(user)  # type: ignore[attr-defined]
        .filter(unit__path__startswith=course.unit.path, status=MemberStatus.ACTIVE)
        .exclude(pk__in=attended)
        .select_related("unit")
        .order_by("unit__path", "name")
    )


def mandatory_courses(*, user: Any, year: int) -> QuerySet[TrainingCourse]:
    return TrainingCourse.objects.visible_to(user).filter(year=year, is_mandatory=True)  # type: ignore[attr-defined]
