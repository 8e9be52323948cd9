"""The membership-spells table equals a replay of the history after every kind of write, and
its rolls equal a member-by-member brute-force recount."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import connection

from grassroots.core.context import acting
from grassroots.members.models import (
    ArrangementKind,
    ArrangementLevel,
    Member,
    MemberStatus,
    PoliticalArrangement,
)
from grassroots.members.services import (
    member_bulk_create,
    member_set_status,
    member_update,
    transfer_accept,
    transfer_decline,
    transfer_into_province,
    transfer_out_of_province,
    transfer_record_receipt,
    transfer_start,
)
from grassroots.members.tests.factories import create_member
from grassroots.planning import spells
from grassroots.planning.models import Spell
from grassroots.planning.tests.test_history import DAYS, _brute_force


def _table() -> Counter:
    return Counter(Spell.objects.values_list(*spells.COLUMNS))


def _replayed() -> Counter:
    return Counter(spells.replay(Member.objects.values_list("pk", flat=True)))


def assert_current() -> None:
    table, replayed = _table(), _replayed()
    assert table == replayed, (table - replayed, replayed - table)


@pytest.mark.django_db
def test_generated_history_is_in_the_table(history):
    assert Spell.objects.count() > Member.objects.count() * 0.8
    kinds = set(Spell.objects.values_list("start_kind", flat=True))
    assert {Spell.Start.ADMITTED, Spell.Start.ARRIVED, Spell.Start.MOVED_IN} <= kinds
    assert Spell.Start.RETURNED in kinds
    ends = set(Spell.objects.values_list("end_kind", flat=True))
    assert {Spell.End.MOVED_OUT, Spell.End.DECEASED, Spell.End.TRANSFERRED_OUT} <= ends
    assert_current()


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS)
def test_rolls_equal_brute_force(history, day):
    truth = _brute_force(day)
    expected = sorted((m.pk, unit_id) for unit_id, members in truth.items() for m in members)
    got = sorted(
        Spell.objects.filter(spells_on(day)).values_list("member_id", "unit_id").distinct()
    )
    assert got == expected
    # Never twice on one day.
    assert Spell.objects.filter(spells_on(day)).count() == len(expected)


def spells_on(day: datetime.date):
    from grassroots.planning.history import on_roll_q

    return on_roll_q(day)


@pytest.mark.django_db
def test_every_write_keeps_the_table_current(province):
    a1, a2, b1 = province.branch_a1, province.branch_a2, province.branch_b1
    member = create_member(a1, join_date=datetime.date(2019, 3, 1))
    other = create_member(a2, join_date=datetime.date(2020, 5, 1))
    assert_current()
    # An attribute edit is copied to every spell.
    member_update(member=member, data={"is_talent": True})
    assert set(Spell.objects.filter(member=member).values_list("is_talent", flat=True)) == {True}
    assert_current()
    # A move: started (nothing changes yet), declined, then started again and accepted.
    pending = transfer_start(member=member, to_unit=a2)
    assert_current()
    transfer_decline(transfer=pending, cancel=False, note="材料不全")
    assert Spell.objects.filter(member=member).count() == 1
    moved = transfer_start(member=member, to_unit=b1)
    transfer_accept(transfer=moved, date=datetime.date(2022, 7, 1))
    member.refresh_from_db()
    assert sorted(Spell.objects.filter(member=member).values_list("unit_id", "start", "end")) == [
        (a1.pk, datetime.date(2019, 3, 1), datetime.date(2022, 7, 1)),
        (b1.pk, datetime.date(2022, 7, 1), None),
    ]
    assert_current()
    # A leave, a return, another leave.
    member_set_status(
        member=member, status=MemberStatus.RESIGNED, date=datetime.date(2023, 2, 1), reason="退"
    )
    assert_current()
    member.refresh_from_db()
    member_set_status(
        member=member, status=MemberStatus.ACTIVE, date=datetime.date(2024, 4, 1), reason="恢复"
    )
    assert Spell.objects.filter(member=member, start_kind=Spell.Start.RETURNED).count() == 1
    assert_current()
    member.refresh_from_db()
    member_set_status(member=member, status=MemberStatus.DECEASED, date=datetime.date(2025, 1, 9))
    assert_current()
    # Out of the province, with the receipt recorded later.
    out = transfer_out_of_province(
        member=other,
        external_org="外省委会",
        letter_number="O1",
        letter_date=datetime.date(2024, 9, 1),
    )
    assert_current()
    if out.state == out.State.PENDING:
        transfer_record_receipt(transfer=out, receipt_date=datetime.date(2024, 9, 20))
        assert_current()
    assert Spell.objects.get(member=other).end_kind == Spell.End.TRANSFERRED_OUT
    # In from another province: on the roll from the arrival, not the original joining.
    arrival = transfer_into_province(
        unit=a1,
        data={"name": "转入者", "sex": "M", "join_date": datetime.date(2001, 1, 1)},
        external_org="外省委会",
        letter_number="L1",
        letter_date=datetime.date(2024, 3, 3),
    )
    assert_current()
    assert Spell.objects.get(member=arrival.member).start_kind == Spell.Start.ARRIVED
    # Political arrangements mark every spell of the member.
    held = PoliticalArrangement.objects.create(
        member=arrival.member,
        kind=ArrangementKind.objects.first(),
        level=ArrangementLevel.objects.first(),
        start_date=datetime.date(2024, 5, 1),
    )
    assert Spell.objects.get(member=arrival.member).arranged is True
    held.delete()
    assert Spell.objects.get(member=arrival.member).arranged is False
    assert_current()
    # A member deleted takes their spells along.
    pk = arrival.member.pk
    Member.objects.get(pk=pk).delete()
    assert not Spell.objects.filter(member_id=pk).exists()
    assert_current()


@pytest.mark.django_db
def test_bulk_inserts_refresh_the_table(province):
    with acting(None, source="cli"):
        members = member_bulk_create(
            members=[
                Member(
                    unit=province.branch_a1,
                    name=f"批量{i}",
                    sex="F",
                    join_date=datetime.date(2021, 1, i + 1),
                )
                for i in range(5)
            ],
            operation="test",
        )
    assert Spell.objects.filter(member_id__in=[m.pk for m in members]).count() == 5
    assert_current()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path runs on PostgreSQL")
def test_copy_import_refreshes_the_table(province):
    from grassroots.transfer.bulk import COPY_THRESHOLD, insert_members

    specs = [
        (
            province.branch_b1,
            {
                "name": f"导入{i}",
                "sex": "M",
                "join_date": datetime.date(2022, 1, 1),
                "id_number": "",
            },
        )
        for i in range(COPY_THRESHOLD)
    ]
    with acting(None, source="cli"):
        insert_members(specs, operation="test-import")
    assert Spell.objects.filter(unit=province.branch_b1).count() == COPY_THRESHOLD
    assert_current()


@pytest.mark.django_db
def test_refresh_of_every_member_equals_the_replay(history):
    # On PostgreSQL most members go through the set-based statement, the moved, arrived and
    # reinstated ones through the replay: together they must give the replay's rows.
    ids = list(Member.objects.values_list("pk", flat=True))
    before = _table()
    assert spells.spells_refresh(member_ids=ids) == sum(before.values())
    assert _table() == before
    assert_current()


@pytest.mark.django_db
def test_created_members_get_the_replayed_spell(province):
    """The path of a bulk create (``created=True``): members written without signals, in every
    shape a new row can have, get exactly the spells the replay gives them."""
    from django.utils import timezone

    a1 = province.branch_a1
    utc = datetime.UTC
    shapes = [
        {"join_date": datetime.date(2020, 1, 1)},
        # No join date: the local (Asia/Shanghai) day of creation, here the day after UTC's.
        {"created_at": datetime.datetime(2024, 3, 1, 17, 30, tzinfo=utc)},
        {"created_at": datetime.datetime(2024, 3, 1, 15, 59, tzinfo=utc)},
        {
            "join_date": datetime.date(2019, 5, 1),
            "status": MemberStatus.RESIGNED,
            "status_date": datetime.date(2023, 2, 1),
        },
        {
            "join_date": datetime.date(2019, 5, 1),
            "status": MemberStatus.DECEASED,
            "status_date": datetime.date(2019, 5, 1),  # left on the start day: never on the roll
        },
        {"join_date": datetime.date(2019, 5, 1), "status": MemberStatus.EXPELLED},  # no date
        {
            "status": MemberStatus.TRANSFERRED_OUT,
            "status_date": datetime.date(2025, 1, 1),
            "created_at": datetime.datetime(2024, 6, 1, tzinfo=utc),
        },
        {"join_date": datetime.date(2021, 7, 1), "sex": "F", "is_talent": True},
    ]
    rows = []
    for n, shape in enumerate(shapes):
        fields = {"name": f"新建{n}", "sex": "M", "created_at": timezone.now(), **shape}
        rows.append(Member(unit=a1, **fields))
    members = Member.objects.bulk_create(rows)  # no signals: no spells yet
    PoliticalArrangement.objects.bulk_create(
        [
            PoliticalArrangement(
                member=members[0],
                kind=ArrangementKind.objects.first(),
                level=ArrangementLevel.objects.first(),
                start_date=datetime.date(2024, 5, 1),
            )
        ]
    )
    assert not Spell.objects.exists()
    written = spells.spells_refresh(member_ids=[m.pk for m in members], created=True)
    assert written == 6
    assert Spell.objects.get(member=members[0]).arranged is True
    starts = dict(Spell.objects.values_list("member_id", "start"))
    assert starts[members[1].pk] == datetime.date(2024, 3, 2)
    assert starts[members[2].pk] == datetime.date(2024, 3, 1)
    assert_current()


@pytest.mark.django_db
def test_rebuild_equals_incremental_upkeep(history):
    before = _table()
    Spell.objects.all().delete()
    assert spells.spells_rebuild() == sum(before.values())
    assert _table() == before


@pytest.mark.django_db
def test_demo_load_fills_the_table(db):
    from grassroots.core.demo import demo_generate

    demo_generate(members=400, log=lambda _line: None)
    assert Spell.objects.count() >= 380
    assert_current()


@pytest.mark.django_db(transaction=True)
def test_cached_counts_follow_committed_writes(province):
    from django.core.cache import cache
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from grassroots.planning.history import Column, UnitTree, count

    cache.clear()
    day = datetime.date(2030, 1, 1)
    tree = UnitTree.of(province.province)
    columns = [Column("total", day)]

    def total() -> int:
        return tree.rollup(count(tree, columns))[province.province.pk].get("total", 0)

    create_member(province.branch_a1, join_date=datetime.date(2020, 1, 1))
    before = spells.version()
    assert total() == 1
    with CaptureQueriesContext(connection) as read:
        assert total() == 1
    assert len(read.captured_queries) == 1  # the version only: the count came from the cache
    create_member(province.branch_b1, join_date=datetime.date(2021, 1, 1))
    assert spells.version() == before + 1  # one bump per committed write
    assert total() == 2
    with transaction.atomic():
        create_member(province.branch_a2, join_date=datetime.date(2022, 1, 1))
        assert spells.changed_in_transaction()
        assert total() == 3  # its own uncommitted write, never served from nor put in the cache
        transaction.set_rollback(True)
    assert spells.version() == before + 1  # a rolled-back write bumps nothing
    assert total() == 2
