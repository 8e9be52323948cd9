"""Plans, quotas, mismatches, progress, gap advice arithmetic and an applicant's effect."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from grassroots.members.models import Education, Sector
from grassroots.members.tests.factories import create_member
from grassroots.planning import selectors
from grassroots.planning.models import YearlyQuota
from grassroots.planning.services import plan_create, plan_target_set

TODAY = datetime.date(2026, 6, 30)


def _plan(province, **kwargs):
    return plan_create(unit=province.province, name="十五五规划", start_year=2026, end_year=2030)


def _population(unit, *, old: int, old_main: int, new: int, new_main: int) -> None:
    main = Sector.objects.get(code="education")
    other = Sector.objects.get(code="economy")
    for i in range(old):
        create_member(
            unit, sector=main if i < old_main else other, join_date=datetime.date(2015, 3, 1)
        )
    for i in range(new):
        create_member(
            unit, sector=main if i < new_main else other, join_date=datetime.date(2026, 2, 1)
        )


@pytest.mark.django_db
def test_quota_comes_from_plan_then_yearly_quota(province):
    unit = province.city_a
    assert selectors.quota_for(unit, 2026) is None
    YearlyQuota.objects.create(unit=unit, year=2026, new_members=7)
    assert selectors.quota_for(unit, 2026) == 7
    plan = _plan(province)
    plan_target_set(plan=plan, unit=unit, year=2026, values={"new_members": 12})
    assert selectors.quota_for(unit, 2026) == 12
    # A target row without a new-member figure leaves the quota to YearlyQuota.
    plan_target_set(plan=plan, unit=unit, year=2027, values={"women_share": 40})
    YearlyQuota.objects.create(unit=unit, year=2027, new_members=3)
    assert selectors.quota_for(unit, 2027) == 3
    plan.is_active = False
    plan.save()
    assert selectors.quota_for(unit, 2026) == 7


@pytest.mark.django_db
def test_children_targets_that_do_not_add_up_are_flagged(province):
    plan = _plan(province)
    plan_target_set(plan=plan, unit=province.province, year=2026, values={"new_members": 100})
    plan_target_set(plan=plan, unit=province.city_a, year=2026, values={"new_members": 50})
    plan_target_set(plan=plan, unit=province.city_b, year=2026, values={"new_members": 30})
    plan_target_set(plan=plan, unit=province.branch_a1, year=2026, values={"new_members": 20})
    plan_target_set(plan=plan, unit=province.branch_a2, year=2026, values={"new_members": 30})
    found = selectors.plan_mismatches(plan)
    assert len(found) == 1
    mismatch = found[0]
    assert mismatch.unit == province.province and mismatch.field == "new_members"
    assert (mismatch.parent_value, mismatch.children_sum, mismatch.difference) == (100, 80, -20)
    assert mismatch.missing == [province.direct_branch.display_name]
    plan_target_set(plan=plan, unit=province.direct_branch, year=2026, values={"new_members": 20})
    assert selectors.plan_mismatches(plan) == []


@pytest.mark.django_db
def test_gap_advice_arithmetic_matches_the_issue_example(province):
    unit = province.city_a
    # 15 on the roll, 9 in main sectors; 5 admitted of the 10 planned → 5 remain.
    _population(province.branch_a1, old=10, old_main=7, new=5, new_main=2)
    plan = _plan(province)
    plan_target_set(
        plan=plan,
        unit=unit,
        year=2026,
        values={"new_members": 10, "main_sector_share": "60", "talents": 3},
    )
    advice = {a.key: a for a in selectors.gap_advice(unit, 2026, today=TODAY)}
    main = advice["main_sector"]
    assert (main.total, main.current, main.remaining, main.needed) == (15, 9, 5, 3)
    assert main.reachable
    # 60% of the 20 expected at year end is 12: 3 more than the 9 now.
    assert "剩余5名发展对象中至少3名须来自教育、文化、出版界别" in main.message
    assert "60%" in main.message
    assert "12" in main.explanation
    talents = advice["talents"]
    assert talents.needed == 3 and talents.current == 0


@pytest.mark.django_db
def test_gap_advice_when_out_of_reach_and_when_met(province):
    unit = province.city_a
    _population(province.branch_a1, old=10, old_main=2, new=5, new_main=0)
    plan = _plan(province)
    plan_target_set(
        plan=plan,
        unit=unit,
        year=2026,
        values={"new_members": 10, "main_sector_share": "60", "women_share": "0"},
    )
    advice = {a.key: a for a in selectors.gap_advice(unit, 2026, today=TODAY)}
    assert advice["main_sector"].needed == 10  # 12 of 20 needed, 2 now
    assert not advice["main_sector"].reachable
    assert "最多只能达到35.0%" in advice["main_sector"].message  # (2 + 5) / 20
    assert advice["women"].needed == 0


@pytest.mark.django_db
def test_applicant_effect(province):
    unit = province.city_a
    _population(province.branch_a1, old=10, old_main=7, new=5, new_main=2)
    plan = _plan(province)
    plan_target_set(
        plan=plan,
        unit=unit,
        year=2026,
        values={"new_members": 10, "main_sector_share": "60", "bachelor_share": "50"},
    )
    culture = Sector.objects.get(code="culture")
    economy = Sector.objects.get(code="economy")
    effects = {
        e.key: e for e in selectors.applicant_effect(unit, 2026, {"sector": culture}, today=TODAY)
    }
    assert effects["main_sector"].direction == "toward"
    assert effects["main_sector"].after > effects["main_sector"].before
    assert effects["bachelor"].has is None and effects["bachelor"].direction == "neutral"
    lacking = {
        e.key: e
        for e in selectors.applicant_effect(
            unit,
            2026,
            {"sector": economy.pk, "education": Education.objects.get(code="doctorate")},
            today=TODAY,
        )
    }
    assert lacking["main_sector"].direction == "neutral"  # 3 of 5 needed: slack remains
    assert lacking["bachelor"].direction == "toward"
    # With 7 planned, 2 remain and 60% of 17 needs 11 (2 more): both must be main-sector,
    # so a non-main-sector applicant moves the unit away from the target.
    plan_target_set(plan=plan, unit=unit, year=2026, values={"new_members": 7})
    away = {
        e.key: e for e in selectors.applicant_effect(unit, 2026, {"sector": economy}, today=TODAY)
    }
    assert away["main_sector"].direction == "away"


@pytest.mark.django_db
def test_progress_rows_and_scope(province):
    unit = province.city_a
    _population(province.branch_a1, old=4, old_main=2, new=2, new_main=1)
    plan = _plan(province)
    plan_target_set(
        plan=plan, unit=unit, year=2026, values={"new_members": 4, "main_sector_share": "60"}
    )
    standing, rows = selectors.plan_progress(
        user=province.users["city_a"], unit=unit, year=2026, today=TODAY
    )
    by_key = {r.key: r for r in rows}
    assert standing.total == 6 and standing.admitted == 2
    assert by_key["new_members"].gap == 2.0
    assert by_key["main_sector"].actual == 50.0
    assert by_key["main_sector"].gap == 10.0
    assert by_key["main_sector"].target == Decimal("60")
    with pytest.raises(Http404):
        selectors.plan_progress(user=province.users["city_b"], unit=unit, year=2026)


@pytest.mark.django_db
def test_target_validation_messages(province):
    from django.core.exceptions import ValidationError

    plan = _plan(province)
    with pytest.raises(ValidationError) as caught:
        plan_target_set(
            plan=plan,
            unit=province.city_a,
            year=2035,
            values={"main_sector_share": "120", "new_members": "2.5"},
        )
    errors = caught.value.message_dict
    assert "year" in errors and "main_sector_share" in errors and "new_members" in errors
    with pytest.raises(ValidationError):
        plan_target_set(
            plan=plan,
            unit=province.city_b,
            year=2026,
            values={"new_members": 3},
            actor=province.users["city_a"],
        )


@pytest.mark.django_db
def test_quotas_for_agrees_with_quota_for(province):
    units = [province.city_a, province.city_b, province.direct_branch, province.branch_a1]
    YearlyQuota.objects.create(unit=province.city_a, year=2026, new_members=7)
    YearlyQuota.objects.create(unit=province.city_b, year=2026, new_members=5)
    plan = _plan(province)
    plan_target_set(plan=plan, unit=province.city_b, year=2026, values={"new_members": 9})
    city_plan = plan_create(unit=province.city_a, name="市规划", start_year=2026, end_year=2030)
    plan_target_set(plan=plan, unit=province.branch_a1, year=2026, values={"new_members": 4})
    plan_target_set(plan=city_plan, unit=province.branch_a1, year=2026, values={"new_members": 6})
    batch = selectors.quotas_for(units, 2026)
    assert batch == {u.pk: selectors.quota_for(u, 2026) for u in units}
    assert batch[province.branch_a1.pk] == 6 and batch[province.city_b.pk] == 9
    assert batch[province.direct_branch.pk] is None
