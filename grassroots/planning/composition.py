"""The composition dimensions (age band, sex, ethnicity …) as buckets that SQL can count."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from grassroots.members.models import (
    ArrangementKind,
    Education,
    Ethnicity,
    PoliticalArrangement,
    Sector,
    Sex,
    Title,
)
from grassroots.planning.history import Column, years_before

HAN_CODE = "e01"
AGE_BANDS: list[tuple[int | None, int | None]] = [
    (None, 35),
    (36, 45),
    (46, 55),
    (56, 65),
    (66, None),
]
YEARS_BANDS: list[tuple[int | None, int | None]] = [
    (None, 4),
    (5, 9),
    (10, 19),
    (20, 29),
    (30, None),
]
SENIOR_GRADES = (Title.Grade.FULL_SENIOR, Title.Grade.DEPUTY_SENIOR)
ARRANGED = Q(arranged=True)  # spells of members with any political arrangement


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    q: Q
    via: QuerySet[Any] | None = None  # members having a row in this queryset
    hint: Q | None = None  # a condition on the spells of every such member

    def column(self, day: datetime.date) -> Column:
        return Column(self.key, day, self.q, self.via, self.hint)


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    buckets: tuple[Bucket, ...]


def _band_q(field: str, day: datetime.date, lo: int | None, hi: int | None) -> Q:
    """Whole years between ``field`` and ``day`` within [lo, hi]."""
    q = Q(**{f"{field}__isnull": False})
    if lo is not None:
        q &= Q(**{f"{field}__lte": years_before(day, lo)})
    if hi is not None:
        q &= Q(**{f"{field}__gt": years_before(day, hi + 1)})
    return q


def _band_label(lo: int | None, hi: int | None, unit: str) -> str:
    if lo is None:
        return _("%(n)s%(unit)s及以下") % {"n": hi, "unit": unit}
    if hi is None:
        return _("%(n)s%(unit)s及以上") % {"n": lo, "unit": unit}
    return _("%(lo)s–%(hi)s%(unit)s") % {"lo": lo, "hi": hi, "unit": unit}


@dataclass(frozen=True)
class Reference:
    """The reference lists, read once per request."""

    han_id: int | None
    sectors: tuple[tuple[int, str, bool], ...]
    educations: tuple[tuple[int, str, bool], ...]
    titles: tuple[tuple[int, str, str], ...]
    kinds: tuple[tuple[int, str], ...]

    @classmethod
    def load(cls) -> Reference:
        han = Ethnicity.objects.filter(code=HAN_CODE).values_list("pk", flat=True).first()
        return cls(
            han_id=han,
            sectors=tuple(Sector.objects.values_list("pk", "name", "is_main")),
            educations=tuple(Education.objects.values_list("pk", "name", "bachelor_or_higher")),
            titles=tuple(Title.objects.values_list("pk", "name", "grade")),
            kinds=tuple(ArrangementKind.objects.values_list("pk", "name")),
        )

    @property
    def main_sector_ids(self) -> list[int]:
        return [pk for pk, _name, main in self.sectors if main]

    @property
    def main_sector_names(self) -> list[str]:
        return [name for _pk, name, main in self.sectors if main]

    @property
    def bachelor_ids(self) -> list[int]:
        return [pk for pk, _name, ok in self.educations if ok]

    def grade_ids(self, *grades: str) -> list[int]:
        return [pk for pk, _name, grade in self.titles if grade in grades]


def arrangements_held(day: datetime.date, kind_id: int | None = None) -> QuerySet[Any]:
    held = PoliticalArrangement.objects.filter(
        Q(start_date__isnull=True) | Q(start_date__lte=day),
        Q(end_date__isnull=True) | Q(end_date__gt=day),
    )
    if kind_id is not None:
        held = held.filter(kind_id=kind_id)
    return held


def dimensions(day: datetime.date, ref: Reference | None = None) -> list[Dimension]:
    ref = ref or Reference.load()
    minority = Q(ethnicity_id__isnull=False)
    if ref.han_id is not None:
        minority &= ~Q(ethnicity_id=ref.han_id)
    grade_labels = dict(Title.Grade.choices)
    return [
        Dimension(
            "sex",
            _("性别"),
            (
                Bucket("sex_f", _("女"), Q(sex=Sex.FEMALE)),
                Bucket("sex_m", _("男"), Q(sex=Sex.MALE)),
            ),
        ),
        Dimension(
            "ethnicity",
            _("民族"),
            (
                Bucket("eth_han", _("汉族"), Q(ethnicity_id=ref.han_id)),
                Bucket("eth_minority", _("少数民族"), minority),
                Bucket("eth_none", _("未填"), Q(ethnicity_id__isnull=True)),
            ),
        ),
        Dimension(
            "age",
            _("年龄"),
            (
                *tuple(
                    Bucket(
                        f"age_{i}", _band_label(lo, hi, _("岁")), _band_q("birth_date", day, lo, hi)
                    )
                    for i, (lo, hi) in enumerate(AGE_BANDS)
                ),
                Bucket("age_none", _("未填"), Q(birth_date__isnull=True)),
            ),
        ),
        Dimension(
            "education",
            _("学历"),
            (
                *tuple(
                    Bucket(f"edu_{pk}", name, Q(education_id=pk))
                    for pk, name, _ok in ref.educations
                ),
                Bucket("edu_none", _("未填"), Q(education_id__isnull=True)),
            ),
        ),
        Dimension(
            "title",
            _("职称"),
            (
                *tuple(
                    Bucket(
                        f"title_{grade}",
                        str(grade_labels[grade]),
                        Q(title_id__in=ref.grade_ids(grade)),
                    )
                    for grade in Title.Grade.values
                ),
                Bucket("title_missing", _("未填"), Q(title_id__isnull=True)),
            ),
        ),
        Dimension(
            "sector",
            _("界别"),
            (
                *tuple(
                    Bucket(f"sector_{pk}", name, Q(sector_id=pk)) for pk, name, _m in ref.sectors
                ),
                Bucket("sector_none", _("未填"), Q(sector_id__isnull=True)),
            ),
        ),
        Dimension(
            "arrangement",
            _("政治安排"),
            (
                *tuple(
                    Bucket(f"arr_{pk}", name, Q(), arrangements_held(day, pk), ARRANGED)
                    for pk, name in ref.kinds
                ),
                Bucket("arr_any", _("有政治安排（人）"), Q(), arrangements_held(day), ARRANGED),
            ),
        ),
        Dimension(
            "years",
            _("会龄"),
            (
                *tuple(
                    Bucket(
                        f"yrs_{i}", _band_label(lo, hi, _("年")), _band_q("join_date", day, lo, hi)
                    )
                    for i, (lo, hi) in enumerate(YEARS_BANDS)
                ),
                Bucket("yrs_none", _("未填"), Q(join_date__isnull=True)),
            ),
        ),
        Dimension(
            "talent",
            _("优才"),
            (Bucket("talent", _("优才"), Q(is_talent=True)),),
        ),
    ]


# --- the plan's composition targets as buckets ------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """A plan indicator: the target field on PlanTarget and the members it counts."""

    key: str
    field: str
    is_share: bool


INDICATORS = (
    Indicator("main_sector", "main_sector_share", True),
    Indicator("under_age", "under_age_share", True),
    Indicator("bachelor", "bachelor_share", True),
    Indicator("senior_title", "senior_title_share", True),
    Indicator("women", "women_share", True),
    Indicator("talents", "talents", False),
)


def indicator_label(indicator: Indicator, age_limit: int = 45) -> str:
    labels = {
        "main_sector": _("主界别占比"),
        "under_age": _("%(age)s岁以下占比") % {"age": age_limit},
        "bachelor": _("本科及以上占比"),
        "senior_title": _("高级职称占比"),
        "women": _("女性占比"),
        "talents": _("优才人数"),
    }
    return labels[indicator.key]


def indicator_q(key: str, ref: Reference, *, age_day: datetime.date, age_limit: int) -> Q:
    if key == "main_sector":
        return Q(sector_id__in=ref.main_sector_ids)
    if key == "under_age":
        return Q(birth_date__gt=years_before(age_day, age_limit))
    if key == "bachelor":
        return Q(education_id__in=ref.bachelor_ids)
    if key == "senior_title":
        return Q(title_id__in=ref.grade_ids(*SENIOR_GRADES))
    if key == "women":
        return Q(sex=Sex.FEMALE)
    if key == "talents":
        return Q(is_talent=True)
    raise KeyError(key)
