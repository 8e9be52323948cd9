"""Planning reads: quotas and targets, composition as of a date, progress, gap advice."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.members.models import Sex
from grassroots.organizations.models import Unit
from grassroots.planning import history
from grassroots.planning.composition import (
    INDICATORS,
    SENIOR_GRADES,
    Reference,
    dimensions,
    indicator_label,
    indicator_q,
)
from grassroots.planning.history import Column, UnitTree, years_before
from grassroots.planning.models import Plan, PlanTarget, YearlyQuota


def check_unit_visible(user: Any, unit: Unit) -> None:
    """Out-of-scope units answer 404 (their existence does not leak)."""
    if user is None:
        return
    if not Unit.objects.visible_to(user).filter(pk=unit.pk).exists():
        raise Http404


def _year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def as_of_for_year(year: int, today: datetime.date | None = None) -> datetime.date:
    """The day a year's figures are read on: its last day, or today while it runs."""
    today = today or timezone.localdate()
    return min(_year_end(year), today)


# --- plan targets and quotas ----------------------------------------------------------


def target_for(unit: Unit, year: int) -> PlanTarget | None:
    """The unit's targets for the year from the active plan covering it (the plan made
    closest to the unit wins when several set one)."""
    return (
        PlanTarget.objects.filter(
            unit=unit,
            year=year,
            plan__is_active=True,
            plan__start_year__lte=year,
            plan__end_year__gte=year,
        )
        .select_related("plan", "plan__unit")
        .order_by("-plan__unit__depth", "-plan_id")
        .first()
    )


def quota_for(unit: Unit, year: int) -> int | None:
    """The unit's new-member quota for the year, or None when no quota is set: the plan's
    yearly new-member target when a plan sets one, otherwise the YearlyQuota row."""
    target = target_for(unit, year)
    if target is not None and target.new_members is not None:
        return target.new_members
    return (
        YearlyQuota.objects.filter(unit=unit, year=year)
        .values_list("new_members", flat=True)
        .first()
    )


def quotas_for(units: list[Unit], year: int) -> dict[int, int | None]:
    """quota_for for many units in two queries."""
    ids = [u.pk for u in units]
    found: dict[int, int | None] = dict.fromkeys(ids)
    for unit_id, n in YearlyQuota.objects.filter(unit_id__in=ids, year=year).values_list(
        "unit_id", "new_members"
    ):
        found[unit_id] = n
    planned = (
        PlanTarget.objects.filter(
            unit_id__in=ids,
            year=year,
            plan__is_active=True,
            plan__start_year__lte=year,
            plan__end_year__gte=year,
            new_members__isnull=False,
        )
        .order_by("unit_id", "plan__unit__depth", "plan_id")
        .values_list("unit_id", "new_members")
    )
    for unit_id, planned_n in planned:  # the last row per unit is the plan made closest to it
        found[unit_id] = planned_n
    return found


@dataclass
class Mismatch:
    year: int
    unit: Unit
    field: str
    label: str
    parent_value: int | None
    children_sum: int
    missing: list[str]

    @property
    def difference(self) -> int:
        return self.children_sum - (self.parent_value or 0)


def plan_mismatches(plan: Plan) -> list[Mismatch]:
    """Parents whose count targets (new members, talents) differ from the sum of their
    children's, or whose children only partly have targets."""
    targets = list(plan.targets.select_related("unit"))
    by_key = {(t.unit_id, t.year): t for t in targets}
    parent_ids = {t.unit_id for t in targets}
    children: dict[int, list[Unit]] = {}
    for unit in Unit.objects.filter(parent_id__in=parent_ids, is_active=True).order_by("path"):
        assert unit.parent_id is not None
        children.setdefault(unit.parent_id, []).append(unit)
    labels = {"new_members": _("发展新会员"), "talents": _("优才人数")}
    found: list[Mismatch] = []
    for target in sorted(targets, key=lambda t: (t.year, t.unit.path)):
        kids = children.get(target.unit_id, [])
        kid_targets = [by_key.get((k.pk, target.year)) for k in kids]
        if not any(kid_targets):
            continue
        for name, label in labels.items():
            parent_value = getattr(target, name)
            values = [getattr(t, name) if t else None for t in kid_targets]
            if parent_value is None and all(v is None for v in values):
                continue
            missing = [k.display_name for k, v in zip(kids, values, strict=True) if v is None]
            total = sum(v or 0 for v in values)
            if missing or total != (parent_value or 0):
                found.append(
                    Mismatch(target.year, target.unit, name, label, parent_value, total, missing)
                )
    return found


# --- composition as of a date -------------------------------------------------------


@dataclass
class CompositionRow:
    key: str
    label: str
    counts: list[int]
    shares: list[float | None]

    @property
    def cells(self) -> list[tuple[int, float | None]]:
        return list(zip(self.counts, self.shares, strict=True))


@dataclass
class CompositionSection:
    key: str
    label: str
    rows: list[CompositionRow]


@dataclass
class Composition:
    unit: Unit
    day: datetime.date
    columns: list[tuple[str, Unit | None]]  # heading, unit (None for 本级)
    totals: list[int]
    sections: list[CompositionSection]


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def composition_columns(day: datetime.date) -> list[Column]:
    """The columns of a composition as of ``day``: the total, then every bucket."""
    return [Column("total", day)] + [b.column(day) for d in dimensions(day) for b in d.buckets]


def composition(*, user: Any, unit: Unit, day: datetime.date) -> Composition:
    """Counts and shares per dimension, for the unit, its own members (本级) and each child."""
    check_unit_visible(user, unit)
    tree = UnitTree.of(unit)
    dims = dimensions(day)
    own = history.count(tree, composition_columns(day))
    totals = tree.rollup(own)
    kids = tree.children(unit.pk)
    heads: list[tuple[str, Unit | None, dict[str, int]]] = [
        (unit.display_name, unit, totals.get(unit.pk, {}))
    ]
    if kids:
        heads.append((_("本级"), None, own.get(unit.pk, {})))
        heads += [(k.display_name, k, totals.get(k.pk, {})) for k in kids]
    total_row = [h[2].get("total", 0) for h in heads]
    sections = []
    for dim in dims:
        rows = []
        for bucket in dim.buckets:
            counts = [h[2].get(bucket.key, 0) for h in heads]
            if bucket.key.endswith("_none") and not any(counts):
                continue
            shares = [_share(c, t) for c, t in zip(counts, total_row, strict=True)]
            rows.append(CompositionRow(bucket.key, bucket.label, counts, shares))
        sections.append(CompositionSection(dim.key, dim.label, rows))
    return Composition(
        unit=unit,
        day=day,
        columns=[(h[0], h[1]) for h in heads],
        totals=total_row,
        sections=sections,
    )


TREND_KEYS = ("women", "main_sector", "under_age", "bachelor", "senior_title", "talents")


def trend(*, user: Any, unit: Unit, years: list[int], age_limit: int = 45) -> list[dict[str, Any]]:
    """Year-end totals and headline shares, one row per year (one query for all years)."""
    check_unit_visible(user, unit)
    tree = UnitTree.of(unit)
    ref = Reference.load()
    columns = []
    for year in years:
        day = as_of_for_year(year)
        columns.append(Column(f"{year}:total", day))
        for key in TREND_KEYS:
            q = indicator_q(key, ref, age_day=day, age_limit=age_limit)
            columns.append(Column(f"{year}:{key}", day, q))
    totals = tree.rollup(history.count(tree, columns)).get(unit.pk, {})
    rows = []
    for year in years:
        total = totals.get(f"{year}:total", 0)
        row: dict[str, Any] = {"year": year, "day": as_of_for_year(year), "total": total}
        for key in TREND_KEYS:
            n = totals.get(f"{year}:{key}", 0)
            row[key] = n
            row[f"{key}_share"] = _share(n, total)
        rows.append(row)
    return rows


# --- progress against the plan, and what the remaining recruits must look like --------


@dataclass
class Progress:
    key: str
    label: str
    is_share: bool
    target: Decimal | int | None
    count: int
    total: int
    actual: float | None  # share in % or count
    gap: float | None  # target - actual (positive: still short)


@dataclass
class Advice:
    key: str
    label: str
    target: Decimal | int
    current: int
    total: int
    remaining: int
    needed: int  # how many of the remaining recruits must have the attribute
    reachable: bool
    message: str
    explanation: str


@dataclass
class Standing:
    """Where a unit stands on a year's plan: the base of progress, advice and effects."""

    unit: Unit
    year: int
    day: datetime.date
    target: PlanTarget | None
    total: int
    admitted: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def planned_new(self) -> int | None:
        return self.target.new_members if self.target else None

    @property
    def remaining(self) -> int:
        planned = self.planned_new
        return max(planned - self.admitted, 0) if planned is not None else 0


def standing(
    unit: Unit, year: int, *, user: Any = None, today: datetime.date | None = None
) -> Standing:
    check_unit_visible(user, unit)
    today = today or timezone.localdate()
    day = as_of_for_year(year, today)
    target = target_for(unit, year)
    age_limit = target.age_limit if target else 45
    ref = Reference.load()
    tree = UnitTree.of(unit)
    columns = [Column("total", day)] + [
        Column(i.key, day, indicator_q(i.key, ref, age_day=_year_end(year), age_limit=age_limit))
        for i in INDICATORS
    ]
    totals = tree.rollup(history.count(tree, columns)).get(unit.pk, {})
    first = datetime.date(year, 1, 1)
    new = history.admitted(tree, first, day) if day >= first else {}
    flows = tree.rollup({uid: {"admitted": n} for uid, n in new.items()})
    return Standing(
        unit=unit,
        year=year,
        day=day,
        target=target,
        total=totals.get("total", 0),
        admitted=flows.get(unit.pk, {}).get("admitted", 0),
        counts={i.key: totals.get(i.key, 0) for i in INDICATORS},
    )


def plan_progress(
    *, user: Any, unit: Unit, year: int, today: datetime.date | None = None
) -> tuple[Standing, list[Progress]]:
    st = standing(unit, year, user=user, today=today)
    rows = [
        Progress(
            key="new_members",
            label=_("发展新会员"),
            is_share=False,
            target=st.planned_new,
            count=st.admitted,
            total=st.total,
            actual=float(st.admitted),
            gap=float(st.planned_new - st.admitted) if st.planned_new is not None else None,
        )
    ]
    age_limit = st.target.age_limit if st.target else 45
    for ind in INDICATORS:
        target = getattr(st.target, ind.field) if st.target else None
        n = st.counts[ind.key]
        actual = _share(n, st.total) if ind.is_share else float(n)
        gap = None
        if target is not None and actual is not None:
            gap = round(float(target) - actual, 1)
        rows.append(
            Progress(
                key=ind.key,
                label=indicator_label(ind, age_limit),
                is_share=ind.is_share,
                target=target,
                count=n,
                total=st.total,
                actual=actual,
                gap=gap,
            )
        )
    return st, rows


def _attribute_words(key: str, ref: Reference, age_limit: int) -> str:
    words = {
        "main_sector": _("来自%(names)s界别") % {"names": "、".join(ref.main_sector_names)},
        "under_age": _("年底时未满%(age)s岁") % {"age": age_limit},
        "bachelor": _("具有本科及以上学历"),
        "senior_title": _("具有高级职称"),
        "women": _("为女性"),
        "talents": _("为优秀人才"),
    }
    return words[key]


def _plain_number(value: Decimal | int) -> str:
    """60.00 → "60", 62.50 → "62.5"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def advise(st: Standing, key: str, ref: Reference) -> Advice | None:
    target_row = st.target
    if target_row is None:
        return None
    ind = next(i for i in INDICATORS if i.key == key)
    target = getattr(target_row, ind.field)
    if target is None:
        return None
    current, total, remaining = st.counts[key], st.total, st.remaining
    final_total = total + remaining
    if ind.is_share:
        # (current + x) / (total + remaining) >= target%  =>  x >= target% * final - current
        required = Fraction(Decimal(target)) / 100 * final_total - current
        needed = max(math.ceil(required), 0)
    else:
        needed = max(int(target) - current, 0)
    reachable = needed <= remaining
    label = indicator_label(ind, target_row.age_limit)
    words = _attribute_words(key, ref, target_row.age_limit)
    goal = f"{_plain_number(target)}%" if ind.is_share else _("%(n)s人") % {"n": target}
    params = {
        "label": label,
        "goal": goal,
        "needed": needed,
        "remaining": remaining,
        "words": words,
        "year": st.year,
    }
    if needed == 0:
        message = _("%(label)s已可达到%(goal)s：剩余%(remaining)s名发展名额不受此项限制") % params
    elif reachable:
        message = (
            _(
                "要在%(year)s年底使%(label)s达到%(goal)s，剩余%(remaining)s名发展对象中至少%(needed)s名须%(words)s"
            )
            % params
        )
    else:
        best = current + remaining
        params["best"] = (
            f"{100 * best / final_total:.1f}%" if ind.is_share and final_total else best
        )
        message = (
            _(
                "即使剩余%(remaining)s名发展对象全部%(words)s，%(label)s最多只能达到%(best)s，低于目标%(goal)s"
            )
            % params
        )
    explanation = _(
        "截至%(day)s在册%(total)s人，其中符合条件%(current)s人；本年发展目标%(planned)s人，"
        "已发展%(admitted)s人，尚余%(remaining)s人；按年底%(final)s人计（不计其间减少），"
        "%(label)s须达到%(goal)s，即符合条件者至少%(floor)s人，还需%(needed)s人。"
    ) % {
        "day": st.day.isoformat(),
        "total": total,
        "current": current,
        "planned": st.planned_new if st.planned_new is not None else "—",
        "admitted": st.admitted,
        "remaining": remaining,
        "final": final_total,
        "label": label,
        "goal": goal,
        "floor": current + needed,
        "needed": needed,
    }
    return Advice(
        key=key,
        label=label,
        target=target,
        current=current,
        total=total,
        remaining=remaining,
        needed=needed,
        reachable=reachable,
        message=message,
        explanation=explanation,
    )


def gap_advice(
    unit: Unit, year: int, *, user: Any = None, today: datetime.date | None = None
) -> list[Advice]:
    """For each composition target of the year: how many of the remaining recruits must have
    the attribute for the unit to meet it at year end (assuming no other leaves)."""
    st = standing(unit, year, user=user, today=today)
    ref = Reference.load()
    advice = [advise(st, i.key, ref) for i in INDICATORS]
    return [a for a in advice if a is not None]


@dataclass
class Effect:
    key: str
    label: str
    has: bool | None  # None: the attribute is unknown for this person
    before: float | None
    after: float | None
    direction: str  # "toward", "away", "neutral"
    message: str


def _get(attributes: Any, name: str) -> Any:
    if isinstance(attributes, Mapping):
        return attributes.get(name)
    return getattr(attributes, name, None)


def _ref_id(value: Any) -> Any:
    return getattr(value, "pk", value)


def person_has(
    key: str, attributes: Any, ref: Reference, *, year: int, age_limit: int
) -> bool | None:
    """Whether a person (an applicant, a prospect, a dict) counts for an indicator."""
    if key == "main_sector":
        sector = _ref_id(_get(attributes, "sector"))
        return None if sector is None else sector in ref.main_sector_ids
    if key == "under_age":
        birth = _get(attributes, "birth_date")
        if birth is None:
            return None
        return bool(birth > years_before(_year_end(year), age_limit))
    if key == "bachelor":
        education = _ref_id(_get(attributes, "education"))
        return None if education is None else education in ref.bachelor_ids
    if key == "senior_title":
        title = _ref_id(_get(attributes, "title"))
        return None if title is None else title in ref.grade_ids(*SENIOR_GRADES)
    if key == "women":
        sex = _get(attributes, "sex")
        return None if not sex else sex == Sex.FEMALE
    if key == "talents":
        talent = _get(attributes, "is_talent")
        return None if talent is None else bool(talent)
    raise KeyError(key)


def applicant_effect(
    unit: Unit, year: int, attributes: Any, *, user: Any = None, today: datetime.date | None = None
) -> list[Effect]:
    """Does admitting a person with these attributes move the unit toward its targets or away?

    A share target moves toward when the person has the attribute while the unit is below the
    target, and away when they lack it and the remaining recruits leave no slack for that."""
    st = standing(unit, year, user=user, today=today)
    ref = Reference.load()
    effects: list[Effect] = []
    if st.target is None:
        return effects
    for ind in INDICATORS:
        target = getattr(st.target, ind.field)
        if target is None:
            continue
        advice = advise(st, ind.key, ref)
        assert advice is not None
        has = person_has(ind.key, attributes, ref, year=year, age_limit=st.target.age_limit)
        label = indicator_label(ind, st.target.age_limit)
        n, total = st.counts[ind.key], st.total
        if ind.is_share:
            before = _share(n, total)
            after = _share(n + (1 if has else 0), total + 1)
        else:
            before, after = float(n), float(n + (1 if has else 0))
        if has is None:
            direction = "neutral"
            message = _("%(label)s：缺少该项信息，无法判断") % {"label": label}
        elif advice.needed == 0:
            direction = "neutral"
            message = _("%(label)s：目标已可达到，此人不影响") % {"label": label}
        elif has:
            direction = "toward"
            message = _("%(label)s：有助于达标（还需%(needed)s名）") % {
                "label": label,
                "needed": advice.needed,
            }
        elif advice.needed >= advice.remaining:
            direction = "away"
            message = _("%(label)s：剩余名额须全部符合此项，接收此人将无法达标") % {"label": label}
        else:
            direction = "neutral"
            message = _(
                "%(label)s：此人不符合此项，剩余%(remaining)s名中仍须至少%(needed)s名符合"
            ) % {"label": label, "remaining": advice.remaining, "needed": advice.needed}
        effects.append(Effect(ind.key, label, has, before, after, direction, message))
    return effects
