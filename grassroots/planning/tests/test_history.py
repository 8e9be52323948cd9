"""As-of composition equals a brute-force recount from the status and transfer history."""

from __future__ import annotations

import datetime

import pytest

from grassroots.members.models import Member, MemberStatus, PoliticalArrangement, Transfer
from grassroots.organizations.models import Unit
from grassroots.planning import history as history_module
from grassroots.planning.composition import AGE_BANDS, Reference
from grassroots.planning.history import UnitTree
from grassroots.planning.report import annual_report
from grassroots.planning.selectors import composition

DAYS = [
    datetime.date(2020, 12, 31),
    datetime.date(2021, 6, 30),
    datetime.date(2022, 12, 31),
    datetime.date(2023, 1, 1),
    datetime.date(2023, 6, 1),
    datetime.date(2024, 12, 31),
    datetime.date(2025, 11, 20),
]


def _brute_force(day: datetime.date) -> dict[int, list[Member]]:
    """Replay every member's history forward, one member at a time."""
    on_roll: dict[int, list[Member]] = {}
    for member in Member.objects.all():
        moves = list(
            member.transfers.filter(state=Transfer.State.ACCEPTED).order_by("effective_date", "id")
        )
        arrival = next((t.effective_date for t in moves if t.kind == Transfer.Kind.IN), None)
        internal = [t for t in moves if t.kind == Transfer.Kind.INTERNAL]
        unit_id = internal[0].from_unit_id if internal else member.unit_id
        for t in internal:
            if t.effective_date <= day:
                unit_id = t.to_unit_id
        state = None
        for change in member.status_changes.order_by("date", "id"):
            if change.date <= day:
                state = change.to_status
        if arrival is not None and arrival > day:
            state = None
        if state == MemberStatus.ACTIVE:
            on_roll.setdefault(unit_id, []).append(member)
    return on_roll


def _age(member: Member, day: datetime.date) -> int | None:
    return member.age_on(day)


def _recount(members: list[Member], day: datetime.date, ref: Reference) -> dict[str, int]:
    counts = {"total": len(members), "sex_f": 0, "main": 0, "arr_any": 0}
    for i in range(len(AGE_BANDS)):
        counts[f"age_{i}"] = 0
    for m in members:
        counts["sex_f"] += m.sex == "F"
        counts["main"] += m.sector_id in ref.main_sector_ids
        age = _age(m, day)
        for i, (lo, hi) in enumerate(AGE_BANDS):
            if age is not None and (lo is None or age >= lo) and (hi is None or age <= hi):
                counts[f"age_{i}"] += 1
        counts["arr_any"] += PoliticalArrangement.objects.filter(
            member=m, start_date__lte=day
        ).exists()
    return counts


@pytest.mark.django_db
def test_history_covers_moves_leaves_and_returns(history):
    assert Transfer.objects.filter(kind=Transfer.Kind.INTERNAL, state="accepted").count() >= 5
    assert Transfer.objects.filter(kind=Transfer.Kind.IN).count() == 5
    assert Member.objects.filter(status=MemberStatus.DECEASED).exists()
    assert Member.objects.filter(status=MemberStatus.TRANSFERRED_OUT).exists()
    assert Member.objects.filter(status_changes__from_status=MemberStatus.RESIGNED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS)
def test_as_of_equals_brute_force(history, day):
    ref = Reference.load()
    truth = _brute_force(day)
    for root in (history.province, history.city_a, history.city_b):
        result = composition(user=history.users["province"], unit=root, day=day)
        own_units = [u for u in Unit.objects.filter(path__startswith=root.path)]
        members = [m for u in own_units for m in truth.get(u.pk, [])]
        expected = _recount(members, day, ref)
        got = {row.key: row.counts[0] for section in result.sections for row in section.rows}
        assert result.totals[0] == expected["total"], (root, day)
        assert got.get("sex_f", 0) == expected["sex_f"]
        assert got.get("arr_any", 0) == expected["arr_any"]
        for i in range(len(AGE_BANDS)):
            assert got.get(f"age_{i}", 0) == expected[f"age_{i}"]
        main = sum(got.get(f"sector_{pk}", 0) for pk in ref.main_sector_ids)
        assert main == expected["main"]
        # Each child unit's column equals its own brute-force count.
        for heading, unit in result.columns[1:]:
            index = [c[0] for c in result.columns].index(heading)
            if unit is None:
                assert result.totals[index] == len(truth.get(root.pk, []))
            else:
                sub = [
                    m
                    for u in Unit.objects.filter(path__startswith=unit.path)
                    for m in truth.get(u.pk, [])
                ]
                assert result.totals[index] == len(sub)


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024, 2025])
def test_annual_report_reconciles(history, year):
    report = annual_report(user=history.users["province"], unit=history.province, year=year)
    assert report.checks and report.ok, [c.failures for c in report.checks if not c.ok]
    truth_end = _brute_force(datetime.date(year, 12, 31))
    truth_start = _brute_force(datetime.date(year - 1, 12, 31))
    by_unit = {(r.unit.pk, r.own_only): r.values for r in report.rows}
    for unit in Unit.objects.all():
        sub = [u.pk for u in Unit.objects.filter(path__startswith=unit.path)]
        values = by_unit[(unit.pk, False)]
        assert values.get("end", 0) == sum(len(truth_end.get(u, [])) for u in sub)
        assert values.get("start", 0) == sum(len(truth_start.get(u, [])) for u in sub)
        assert values.get("start", 0) + values.get("in", 0) - values.get("out", 0) == values.get(
            "end", 0
        )
        kids = list(unit.children.all())
        if kids:
            own = by_unit[(unit.pk, True)]
            for key in ("end", "start", "in", "out", "sex_f", "admitted", "deceased", "moved_in"):
                assert values.get(key, 0) == own.get(key, 0) + sum(
                    by_unit[(k.pk, False)].get(key, 0) for k in kids
                ), (unit, key)


@pytest.mark.django_db
def test_subtree_root_agrees_with_province_rollup(history):
    columns = [history_module.Column("total", datetime.date(2023, 6, 1))]
    whole = UnitTree.of(history.province)
    city = UnitTree.of(history.city_a)
    from_province = whole.rollup(history_module.count(whole, columns))[history.city_a.pk]
    from_city = city.rollup(history_module.count(city, columns))[history.city_a.pk]
    assert from_province == from_city
    assert from_city["total"] > 0


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS)
def test_subtree_totals_without_units_agree(history, day):
    columns = [history_module.Column("total", day)]
    for root in (history.province, history.city_a, history.city_b):
        tree = UnitTree.of(root)
        by_unit = tree.rollup(history_module.count(tree, columns))[root.pk].get("total", 0)
        total = history_module.count(tree, columns, by_unit=False).get(root.pk, {})
        assert total.get("total", 0) == by_unit
        # A total-only column beside a split one, sharing the scan.
        mixed = [
            history_module.Column("now", datetime.date(2025, 12, 31)),
            history_module.Column("total", day, total_only=True),
        ]
        rolled = tree.rollup(history_module.count(tree, mixed))[root.pk]
        assert rolled.get("total", 0) == by_unit
