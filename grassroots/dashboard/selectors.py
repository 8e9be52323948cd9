"""The console home's figures, each with the scoped list behind it."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.evaluation.models import Evaluation, Scheme
from grassroots.organizations.models import Unit
from grassroots.planning import history, warming
from grassroots.planning.composition import (
    INDICATORS,
    SENIOR_GRADES,
    Reference,
    indicator_label,
    indicator_q,
)
from grassroots.planning.history import Column, UnitTree, years_before
from grassroots.planning.selectors import (
    Advice,
    Standing,
    advise,
    quota_for,
    quotas_for,
    target_for,
)
from grassroots.recruitment.models import Application, TalentProgramme
from grassroots.recruitment.selectors import applications_visible, inbox_count, programme_figures

HISTORY_YEARS = 5


def _url(name: str, args: list[Any] | None = None, **params: Any) -> str:
    try:
        base = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base}?{query}" if query else base


def members_url(unit: Unit, **params: Any) -> str:
    return _url("admin:members_member_changelist", unit=unit.pk, **params)


@dataclass
class Figure:
    label: str
    value: Any
    url: str = ""
    note: str = ""


@dataclass
class UnitLine:
    unit: Unit
    members: int
    members_url: str
    admitted: int
    admitted_url: str
    planned: int | None

    @property
    def percent(self) -> int | None:
        return round(100 * self.admitted / self.planned) if self.planned else None


@dataclass
class IndicatorLine:
    label: str
    count: int
    actual: float | None
    target: float | None
    is_share: bool
    url: str


@dataclass
class Dashboard:
    unit: Unit
    year: int
    today: datetime.date
    cards: list[Figure] = field(default_factory=list)
    units: list[UnitLine] = field(default_factory=list)
    indicators: list[IndicatorLine] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    programmes: list[dict[str, Any]] = field(default_factory=list)
    grades: list[Figure] = field(default_factory=list)
    grades_title: str = ""
    members_chart: str = ""
    composition_chart: str = ""


def home_unit(user: Any) -> Unit | None:
    unit = getattr(user, "unit", None)
    if unit is not None and Unit.objects.visible_to(user).filter(pk=unit.pk).exists():
        return unit
    return Unit.objects.visible_to(user).order_by("depth", "path").first()


def _indicator_params(key: str, ref: Reference, day: datetime.date, age_limit: int) -> dict:
    if key == "main_sector":
        return {"sector__id__in": ",".join(map(str, ref.main_sector_ids))}
    if key == "under_age":
        return {"birth_date__gt": years_before(day, age_limit).isoformat()}
    if key == "bachelor":
        return {"education__id__in": ",".join(map(str, ref.bachelor_ids))}
    if key == "senior_title":
        return {"title__id__in": ",".join(map(str, ref.grade_ids(*SENIOR_GRADES)))}
    if key == "women":
        return {"sex__exact": "F"}
    return {"is_talent__exact": "1"}


def dashboard(user: Any, *, today: datetime.date | None = None) -> Dashboard | None:
    with history.one_reading():  # the figures' versions read once for the page
        return _dashboard(user, today=today)


class HomeFigures(NamedTuple):
    """What the home page counts for a unit, and the parameters it counted with."""

    tree: UnitTree
    ref: Reference
    target: Any
    age_limit: int
    year_end: datetime.date
    past: list[int]
    totals: dict[int, dict[str, int]]  # today's total and composition, year-end history
    new: dict[int, dict[str, int]]  # this year's admissions


def _figures(unit: Unit, today: datetime.date) -> HomeFigures:
    """The home page's planning figures for ``unit``: today's total and composition per unit,
    the year-end history for the whole subtree, and this year's admissions (rolled up)."""
    year = today.year
    tree = UnitTree.of(unit)
    ref = Reference.load()
    target = target_for(unit, year)
    age_limit = target.age_limit if target else 45
    year_end = datetime.date(year, 12, 31)
    past = list(range(year - HISTORY_YEARS, year))
    columns = [Column("now", today)] + [
        Column(i.key, today, indicator_q(i.key, ref, age_day=year_end, age_limit=age_limit))
        for i in INDICATORS
    ]
    columns += [Column(f"y{y}", datetime.date(y, 12, 31), total_only=True) for y in past]
    totals = tree.rollup(history.count(tree, columns))
    first = datetime.date(year, 1, 1)
    new = tree.rollup({k: {"n": v} for k, v in history.admitted(tree, first, today).items()})
    return HomeFigures(tree, ref, target, age_limit, year_end, past, totals, new)


@warming.register("dashboard")
def _warm(today: datetime.date) -> None:
    """The worker counts the home page's figures of the province and of each unit under it
    (their targets may ask for other ages), so that no first visitor scans the subtree."""
    for unit in warming.leading_units():
        with history.one_reading():
            _figures(unit, today)


def _dashboard(user: Any, *, today: datetime.date | None = None) -> Dashboard | None:
    unit = home_unit(user)
    if unit is None:
        return None
    today = today or timezone.localdate()
    year = today.year
    first = datetime.date(year, 1, 1)
    board = Dashboard(unit=unit, year=year, today=today)
    tree, ref, target, age_limit, year_end, past, totals, new = _figures(unit, today)
    mine = totals.get(unit.pk, {})
    total = mine.get("now", 0)
    admitted = new.get(unit.pk, {}).get("n", 0)
    children = tree.children(unit.pk)
    quotas = quotas_for([unit, *children], year)
    # quota_for(unit, year), from the target already read: its new-member target, else
    # (no active target at all) the quota row that quotas_for read.
    if target is not None and target.new_members is not None:
        planned: int | None = target.new_members
    elif target is None:
        planned = quotas[unit.pk]
    else:
        planned = quota_for(unit, year)
    active = {"status__exact": "active"}
    joined = {"join_date__gte": first.isoformat()}

    board.cards.append(Figure(_("在册会员"), total, members_url(unit, **active)))
    board.cards.append(
        Figure(
            _("今年新发展"),
            admitted,
            members_url(unit, **joined),
            _("计划%(n)s人") % {"n": planned} if planned is not None else _("未设计划"),
        )
    )
    waiting = applications_visible(user).filter(state=Application.State.OPEN).count()
    board.cards.append(
        Figure(
            _("办理中的入会申请"),
            waiting,
            _url("admin:recruitment_application_changelist", state__exact="open"),
            _("待我处理%(n)s件") % {"n": inbox_count(user)},
        )
    )
    board.cards.append(
        Figure(_("优才"), mine.get("talents", 0), members_url(unit, is_talent__exact="1", **active))
    )

    for child in children:
        board.units.append(
            UnitLine(
                unit=child,
                members=totals.get(child.pk, {}).get("now", 0),
                members_url=members_url(child, **active),
                admitted=new.get(child.pk, {}).get("n", 0),
                admitted_url=members_url(child, **joined),
                planned=quotas[child.pk],
            )
        )

    for ind in INDICATORS:
        n = mine.get(ind.key, 0)
        goal = getattr(target, ind.field) if target else None
        actual = round(100 * n / total, 1) if ind.is_share and total else None
        board.indicators.append(
            IndicatorLine(
                label=indicator_label(ind, age_limit),
                count=n,
                actual=actual if ind.is_share else float(n),
                target=float(goal) if goal is not None else None,
                is_share=ind.is_share,
                url=members_url(
                    unit, **active, **_indicator_params(ind.key, ref, year_end, age_limit)
                ),
            )
        )
    standing = Standing(
        unit=unit,
        year=year,
        day=today,
        target=target,
        total=total,
        admitted=admitted,
        counts={i.key: mine.get(i.key, 0) for i in INDICATORS},
    )
    board.advice = [a for a in (advise(standing, i.key, ref) for i in INDICATORS) if a]

    for programme in TalentProgramme.objects.visible_to(
        user
    ).filter(  # type: ignore[attr-defined]
        start_date__lte=today, end_date__gte=first
    )[:3]:
        figures = programme_figures(programme=programme, user=user)
        board.programmes.append(
            {
                "name": programme.name,
                "target": figures.target,
                "admitted": figures.admitted,
                "share": figures.share,
                "pipeline": figures.pipeline,
                "url": _url("admin:recruitment_talentprogramme_change", args=[programme.pk]),
            }
        )

    scheme = (
        Scheme.objects.visible_to(user)  # type: ignore[attr-defined]
        .filter(status=Scheme.Status.PUBLISHED)
        .order_by("-year", "-id")
        .first()
    )
    if scheme is not None:
        evaluations = Evaluation.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            scheme=scheme, unit__isnull=False
        )
        grades = Counter(evaluations.values_list("grade", flat=True))
        board.grades_title = str(scheme)
        for grade, n in sorted(grades.items()):
            board.grades.append(
                Figure(
                    grade or _("未评定"),
                    n,
                    _url(
                        "admin:evaluation_evaluation_changelist",
                        scheme__id__exact=scheme.pk,
                        grade__exact=grade,
                    ),
                )
            )

    board.members_chart = json.dumps(
        {
            "labels": [str(y) for y in past] + [today.isoformat()],
            "datasets": [
                {
                    "label": _("在册会员"),
                    "data": [mine.get(f"y{y}", 0) for y in past] + [total],
                }
            ],
        },
        ensure_ascii=False,
    )
    shares = [line for line in board.indicators if line.is_share]
    board.composition_chart = json.dumps(
        {
            "labels": [line.label for line in shares],
            "datasets": [
                {"label": _("当前"), "data": [line.actual or 0 for line in shares]},
                {"label": _("目标"), "data": [line.target or 0 for line in shares]},
            ],
        },
        ensure_ascii=False,
    )
    return board
