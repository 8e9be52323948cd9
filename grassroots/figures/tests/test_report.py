"""The annual statistical report carries political arrangements by level, scoped to its unit."""

import datetime

import pytest

from grassroots.members.models import ArrangementKind, ArrangementLevel, PoliticalArrangement
from grassroots.members.tests.factories import create_member
from grassroots.planning.report import annual_report

pytestmark = pytest.mark.django_db


def test_report_counts_arrangements_held_at_year_end_per_level_and_kind(province):
    kind = ArrangementKind.objects.order_by("order").first()
    level = ArrangementLevel.objects.order_by("-rank").first()
    inside = create_member(province.branch_a1)
    ended = create_member(province.branch_a2)
    outside = create_member(province.branch_b1)
    for member, end in ((inside, None), (ended, datetime.date(2024, 6, 1)), (outside, None)):
        PoliticalArrangement.objects.create(
            member=member,
            kind=kind,
            level=level,
            start_date=datetime.date(2022, 1, 1),
            end_date=end,
        )
    report = annual_report(user=province.users["city_a"], unit=province.city_a, year=2025)
    table = next(t for t in report.extras if t.key == "arrangements_by_level")
    assert table.rows == [(f"{level.name}·{kind.name}", [1, 1])]
    whole = annual_report(user=province.users["province"], unit=province.province, year=2025)
    assert dict(next(t for t in whole.extras if t.key == "arrangements_by_level").rows) == {
        f"{level.name}·{kind.name}": [2, 2]
    }
