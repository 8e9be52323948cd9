"""Reads for the figures pool, rounds and the arrangement statistics, always scoped by the
acting user. The statistics are grouped queries (one per table), not loops over members."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.figures.models import Figure, Nomination, Round
from grassroots.members.models import MemberStatus, Officer, PoliticalArrangement

# Age bands of the make-up table: (key, label, youngest, oldest) in whole years.
AGE_BANDS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("u40", gettext_lazy("40岁以下"), None, 39),
    ("40", gettext_lazy("40–49岁"), 40, 49),
    ("50", gettext_lazy("50–59岁"), 50, 59),
    ("60", gettext_lazy("60岁及以上"), 60, None),
)


def age_band_labels() -> dict[str, str]:
    labels = {key: str(label) for key, label, _lo, _hi in AGE_BANDS}
    labels["unknown"] = _("出生日期不详")
    return labels


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _age_band(prefix: str, day: datetime.date) -> Case:
    """SQL CASE giving the age band of ``<prefix>birth_date`` on ``day``."""
    whens = [When(**{f"{prefix}birth_date__isnull": True}, then=Value("unknown"))]
    for key, _label, lo, hi in AGE_BANDS:
        cond = Q()
        if hi is not None:  # younger than hi+1: born after day - (hi+1) years
            cond &= Q(**{f"{prefix}birth_date__gt": _years_before(day, hi + 1)})
        if lo is not None:  # at least lo: born on or before day - lo years
            cond &= Q(**{f"{prefix}birth_date__lte": _years_before(day, lo)})
        whens.append(When(cond, then=Value(key)))
    return Case(*whens, default=Value("unknown"), output_field=CharField())


def figures_visible(user: Any) -> QuerySet[Figure]:
    return Figure.objects.visible_to(user).select_related(  # type: ignore[attr-defined]
        "member", "member__unit", "member__sector"
    )


def rounds_visible(user: Any) -> QuerySet[Round]:
    return Round.objects.visible_to(user).select_related("unit", "kind", "level")  # type: ignore[attr-defined]


def nominations_visible(user: Any) -> QuerySet[Nomination]:
    return Nomination.objects.visible_to(user).select_related(  # type: ignore[attr-defined]
        "member", "member__unit", "proposed_by", "at_unit", "round"
    )


def held_on(day: datetime.date) -> Q:
    """Arrangements in force on ``day`` (open start or end counts as in force)."""
    return (Q(start_date__isnull=True) | Q(start_date__lte=day)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


@dataclass
class Profile:
    figure: Figure
    arrangements: list[PoliticalArrangement]
    offices: list[Officer]
    assessments: list[Any]
    nominations: list[Nomination]


def figure_profile(*, figure: Figure, user: Any) -> Profile:
    member = figure.member
    return Profile(
        figure=figure,
        arrangements=list(
            PoliticalArrangement.objects.filter(member=member)
            .select_related("kind", "level")
            .order_by("-start_date", "id")
        ),
        offices=list(
            Officer.objects.filter(member=member)
            .select_related("unit")
            .order_by("-start_date", "id")
        ),
        assessments=list(figure.assessments.all()),
        nominations=list(nominations_visible(user).filter(member=member).order_by("-created_at")),
    )


def arrangements_by_level(
    user: Any, *, day: datetime.date | None = None, unit_path: str | None = None
) -> list[dict[str, Any]]:
    """Political arrangements in force on ``day`` held by members on the roll that day in
    scope, per level and kind: [{"level", "level_rank", "kind", "people", "posts"}], highest
    level first. ``unit_path`` narrows to one subtree (the statistical report's unit). "people"
    counts each member once per level and kind; "posts" counts arrangements.

    Who was on the roll where on ``day`` comes from the membership-spells table, as in every
    as-of count (docs/decisions/0006): its spells of members holding any arrangement are a
    partial index, so the query never scans the member table (at 1,000,000 members that scan
    was most of the annual report's time)."""
    from grassroots.core.scope import user_scope_path
    from grassroots.planning.models import Spell

    day = day or timezone.localdate()
    scope = user_scope_path(user)
    if scope is None:
        return []
    on_roll = Spell.objects.filter(arranged=True, start__lte=day).filter(
        Q(end__isnull=True) | Q(end__gt=day)
    )
    for path in (scope, unit_path):
        if path:
            on_roll = on_roll.filter(unit__path__startswith=path)
    qs = PoliticalArrangement.objects.filter(
        held_on(day), member_id__in=on_roll.values("member_id")
    )
    rows = (
        qs.values("level__name", "level__rank", "level__order", "kind__name", "kind__order")
        .annotate(people=Count("member", distinct=True), posts=Count("id"))
        .order_by("-level__rank", "level__order", "kind__order")
    )
    return [
        {
            "level": r["level__name"],
            "level_rank": r["level__rank"],
            "kind": r["kind__name"],
            "people": r["people"],
            "posts": r["posts"],
        }
        for r in rows
    ]


def arrangements_over_terms(user: Any) -> list[dict[str, Any]]:
    """Arrangements per level, kind and body/term (e.g. 省政协第十二届 → 第十三届), current and
    past, so that the change from one term to the next reads down the table."""
    rows = (
        PoliticalArrangement.objects.visible_to(user)  # type: ignore[attr-defined]
        .values("level__name", "level__rank", "kind__name", "body")
        .annotate(people=Count("member", distinct=True))
        .order_by("-level__rank", "kind__name", "body")
    )
    return [
        {
            "level": r["level__name"],
            "kind": r["kind__name"],
            "body": r["body"] or _("（未注明届次）"),
            "people": r["people"],
        }
        for r in rows
    ]


@dataclass
class LevelMakeup:
    level: str
    total: int = 0
    ages: dict[str, int] = field(default_factory=dict)
    sectors: dict[str, int] = field(default_factory=dict)


def level_makeup(user: Any, *, day: datetime.date | None = None) -> list[LevelMakeup]:
    """For each level, the age bands and sectors of the active members holding an arrangement
    at that level on ``day`` (each member once per level). Two grouped queries."""
    day = day or timezone.localdate()
    base = PoliticalArrangement.objects.visible_to(user).filter(  # type: ignore[attr-defined]
        held_on(day), member__status=MemberStatus.ACTIVE
    )
    out: dict[str, LevelMakeup] = {}
    ages = (
        base.annotate(band=_age_band("member__", day))
        .values("level__name", "level__rank", "band")
        .annotate(n=Count("member", distinct=True))
        .order_by("-level__rank")
    )
    for r in ages:
        line = out.setdefault(r["level__name"], LevelMakeup(r["level__name"]))
        line.ages[r["band"]] = r["n"]
    sectors = (
        base.values("level__name", "member__sector__name")
        .annotate(n=Count("member", distinct=True))
        .order_by("member__sector__name")
    )
    for r in sectors:
        line = out.setdefault(r["level__name"], LevelMakeup(r["level__name"]))
        line.sectors[r["member__sector__name"] or _("未填界别")] = r["n"]
    totals = base.values("level__name").annotate(n=Count("member", distinct=True)).order_by()
    for r in totals:
        out[r["level__name"]].total = r["n"]
    return list(out.values())


def round_counts(user: Any, rnd: Round) -> dict[str, int]:
    """Nominations of a round in the user's scope, by status."""
    rows = (
        nominations_visible(user)
        .filter(round=rnd)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["status"]: r["n"] for r in rows}


def waiting_review(user: Any, rnd: Round) -> QuerySet[Nomination]:
    """Nominations of the round the user's unit must review now."""
    return nominations_visible(user).filter(
        round=rnd, status=Nomination.Status.PENDING, at_unit_id=getattr(user, "unit_id", None)
    )
