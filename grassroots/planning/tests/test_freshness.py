"""Cached counts follow committed writes unit by unit (planning.freshness): after any kind of
write every cached figure equals a fresh count and the brute-force recount, a write in one
city leaves another city's figures cached, and only the touched units are recounted."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from grassroots.core.context import acting
from grassroots.members.models import (
    ArrangementKind,
    ArrangementLevel,
    Education,
    Member,
    MemberStatus,
    PoliticalArrangement,
    Transfer,
)
from grassroots.members.services import (
    member_bulk_create,
    member_set_status,
    transfer_accept,
    transfer_start,
)
from grassroots.members.tests.factories import create_member
from grassroots.planning import freshness, history, spells
from grassroots.planning.composition import dimensions
from grassroots.planning.history import UnitTree
from grassroots.planning.tests.scenario import build_history
from grassroots.planning.tests.test_history import _brute_force

PAST = datetime.date(2023, 6, 30)
NOW = datetime.date(2026, 6, 30)


def _columns(day: datetime.date) -> list[history.Column]:
    return [b.column(day) for d in dimensions(day) for b in d.buckets]


def _figures(root) -> dict:
    """What readers ask for: compositions on two days, the year's flows and admissions."""
    tree = UnitTree.of(root)
    return {
        "past": history.count(tree, _columns(PAST)),
        "now": history.count(tree, _columns(NOW)),
        "changes": history.changes(tree, datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)),
        "admitted": history.admitted(tree, datetime.date(2021, 1, 1), NOW),
    }


def _fresh(root) -> dict:
    tree = UnitTree.of(root)
    return {
        "past": history._count(tree, _columns(PAST), None),
        "now": history._count(tree, _columns(NOW), None),
        "changes": history._changes(tree, datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)),
        "admitted": history._admitted(tree, datetime.date(2021, 1, 1), NOW),
    }


def _assert_exact(province) -> None:
    for root in (province.province, province.city_a, province.city_b):
        assert _figures(root) == _fresh(root), root.code
    # …and the cached rolls equal the member-by-member replay of the history.
    tree = UnitTree.of(province.province)
    cached = tree.rollup(history.count(tree, [history.Column("total", PAST)]))
    on_roll = _brute_force(PAST)
    for uid, unit in tree.units.items():
        expected = sum(
            len(ms) for u, ms in on_roll.items() if tree.units[u].path.startswith(unit.path)
        )
        assert cached.get(uid, {}).get("total", 0) == expected, unit.code


def _plain_member(unit) -> Member:
    """An active member of ``unit`` who joined before the writes' dates and never moved, by
    id. Members sort by their (Faker-random) pinyin: ``.first()`` picked a different member
    each run, and CI's 16 ≠ 15 for city 4301 was one who had moved into branch_b1 before
    PAST — deleting the test's transfer then left a chain whose last move does not end in
    the current unit, which the spells (rule 3 of note 0006: the current unit walked back)
    and the brute-force replay (walked forward from the first move) count differently."""
    member = (
        Member.objects.filter(
            unit=unit, status=MemberStatus.ACTIVE, join_date__lt=datetime.date(2023, 1, 1)
        )
        .exclude(transfers__state=Transfer.State.ACCEPTED)
        .order_by("pk")
        .first()
    )
    assert member is not None
    return member


def _writes(province):
    """One committed write of every kind the spells follow."""
    a1 = _plain_member(province.branch_a1)
    b1 = _plain_member(province.branch_b1)
    education = Education.objects.exclude(pk=a1.education_id).first()
    kind = ArrangementKind.objects.first()
    level = ArrangementLevel.objects.first()

    def edit() -> None:
        a1.education = education
        a1.save()

    def admit() -> None:
        create_member(province.branch_a2, join_date=datetime.date(2026, 3, 1))

    def backdated() -> None:
        create_member(province.branch_b1, join_date=datetime.date(2022, 3, 1))

    def move() -> None:
        t = transfer_start(member=b1, to_unit=province.branch_a1)
        transfer_accept(transfer=t, date=datetime.date(2023, 2, 1))

    def unmove() -> None:
        # The move deleted: the member's spells now lie in one unit only; the unit they
        # left loses its spell without gaining one (only the units before the write say so).
        Transfer.objects.filter(member=b1, state=Transfer.State.ACCEPTED).order_by("-pk")[
            0
        ].delete()

    def leave() -> None:
        member_set_status(member=a1, status=MemberStatus.DECEASED, date=datetime.date(2023, 3, 3))

    def arrange() -> None:
        PoliticalArrangement.objects.create(
            member=b1, kind=kind, level=level, start_date=datetime.date(2022, 1, 1)
        )

    def reunit() -> None:
        # A unit corrected in place, outside any transaction (no transfer): every spell of the
        # member leaves the old unit, which only the units before the write name.
        member = Member.objects.get(unit=province.branch_a2, join_date=datetime.date(2026, 3, 1))
        member.unit = province.branch_b1
        member.save()

    def delete() -> None:
        Member.objects.filter(unit=province.city_a).order_by("pk").first().delete()

    def bulk() -> None:
        with acting(None, source="cli"):
            member_bulk_create(
                members=[
                    Member(
                        unit=province.direct_branch,
                        name="批量甲",
                        sex="F",
                        join_date=datetime.date(2022, 5, 5),
                    )
                ],
                operation="test",
            )

    return [edit, admit, backdated, move, unmove, leave, arrange, reunit, delete, bulk]


@pytest.mark.django_db(transaction=True)
def test_cached_figures_equal_fresh_counts_after_every_kind_of_write(province):
    build_history(province)
    cache.clear()
    _assert_exact(province)
    for write in _writes(province):
        write()
        _assert_exact(province)


@pytest.mark.django_db(transaction=True)
def test_ci_case_a_deleted_move_after_an_earlier_one_is_cached_as_counted(province):
    """CI's failure, pinned: a member who moved into branch_b1 before PAST, moved again and
    that move's transfer deleted. The cached figures equal fresh counts (the cache was never
    behind); the spells follow rule 3 (the current unit walked back), so city 4301 counts
    them at PAST where the forward replay of the remaining move would not."""
    build_history(province)
    member = (
        Member.objects.filter(
            unit=province.branch_b1,
            status=MemberStatus.ACTIVE,
            transfers__state=Transfer.State.ACCEPTED,
            transfers__kind=Transfer.Kind.INTERNAL,
            transfers__to_unit=province.branch_b1,
            transfers__effective_date__lt=PAST,
        )
        .order_by("pk")
        .first()
    )
    assert member is not None  # the seeded history has one
    cache.clear()
    for root in (province.province, province.city_a, province.city_b):
        _figures(root)
    t = transfer_start(member=member, to_unit=province.branch_a1)
    transfer_accept(transfer=t, date=datetime.date(2023, 2, 1))
    Transfer.objects.filter(pk=t.pk).delete()
    for root in (province.province, province.city_a, province.city_b):
        assert _figures(root) == _fresh(root), root.code
    member.refresh_from_db()
    assert member.unit_id == province.branch_a1.pk  # the move's unit stayed: chain broken
    on_roll = {s[1] for s in spells.replay([member.pk]) if s[2] <= PAST and (s[3] or NOW) > PAST}
    assert on_roll == {province.branch_a1.pk}


@pytest.mark.django_db(transaction=True)
def test_a_reader_between_a_write_and_its_commit_never_stores_old_figures_as_new(
    province, monkeypatch
):
    """The ordering of CI's stale figure, made deterministic: a member's unit corrected by a
    plain save outside a transaction, and a reader running after the receivers before the
    spells' upkeep but before the upkeep's own transaction commits. The units the member
    leaves must not have moved their versions yet, or the reader counts the old spells and
    stores them as current: no later bump names the emptied unit again."""
    build_history(province)
    member = create_member(province.branch_a1, join_date=datetime.date(2020, 1, 1))
    cache.clear()
    _assert_exact(province)
    real = spells.spells_refresh

    def reader_first(**kwargs):
        for root in (province.province, province.city_a, province.city_b):
            _figures(root)
        return real(**kwargs)

    monkeypatch.setattr(spells, "spells_refresh", reader_first)
    member.unit = province.branch_b1
    member.save()
    monkeypatch.undo()
    _assert_exact(province)


@pytest.mark.django_db(transaction=True)
def test_figures_of_one_reading_are_never_stored_under_a_newer_version_than_they_count(
    province,
):
    """A page reading two subtrees: the own versions remembered for the first must not serve
    the second when its subtree version was read after them (a write committed in between
    would be missing from figures stored as current)."""
    build_history(province)
    cache.clear()
    city_a, city_b = UnitTree.of(province.city_a), UnitTree.of(province.city_b)
    columns = _columns(NOW)
    history.count(city_a, columns)
    history.count(city_b, columns)
    create_member(province.branch_b1, join_date=datetime.date(2026, 1, 5))
    with history.one_reading():
        history.count(city_b, columns)  # recounts branch_b1: the own versions are read
        # Another process's write, committed while the page is being read.
        create_member(province.branch_a1, join_date=datetime.date(2026, 1, 6))
        assert history.count(city_a, columns) == history._count(city_a, columns, None)
    assert history.count(city_a, columns) == history._count(city_a, columns, None)


@pytest.mark.django_db(transaction=True)
def test_a_write_elsewhere_leaves_a_city_cached_and_recounts_only_its_unit(province):
    build_history(province)
    cache.clear()
    city_a = UnitTree.of(province.city_a)
    whole = UnitTree.of(province.province)
    columns = _columns(PAST)
    history.count(city_a, columns)
    history.count(whole, columns)

    create_member(province.branch_b1, join_date=datetime.date(2026, 3, 1))  # in the other city
    with CaptureQueriesContext(connection) as read:
        history.count(city_a, columns)
    assert len(read.captured_queries) == 1  # the versions: the figures came from the cache

    recounted: list[list[int] | None] = []
    real = history._count

    def spy(tree, cols, base, only=None):
        recounted.append(only)
        return real(tree, cols, base, only)

    history._count = spy  # type: ignore[assignment]
    try:
        assert history.count(whole, columns) == history._count(whole, columns, None)
    finally:
        history._count = real  # type: ignore[assignment]
    assert recounted[0] == [province.branch_b1.pk]  # only the touched unit was recounted


@pytest.mark.django_db(transaction=True)
def test_uncommitted_and_rolled_back_writes_bump_nothing(province):
    build_history(province)
    cache.clear()
    tree = UnitTree.of(province.province)
    columns = _columns(NOW)
    history.count(tree, columns)
    before = freshness.subtree_version(province.province.pk)
    with transaction.atomic():
        create_member(province.branch_a1, join_date=datetime.date(2026, 1, 2))
        assert freshness.pending_in_transaction()
        inside = history.count(tree, columns)
        assert inside == history._count(tree, columns, None)  # its own write, uncached
        transaction.set_rollback(True)
    assert freshness.subtree_version(province.province.pk) == before
    assert history.count(tree, columns) == history._count(tree, columns, None)


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_invalidates_everything(province):
    from grassroots.members.services import members_written

    build_history(province)
    cache.clear()
    epoch = freshness.subtree_version(province.province.pk)[0]
    with transaction.atomic():
        members_written.send(sender=Member, member_ids=None)
    assert freshness.subtree_version(province.province.pk)[0] == epoch + 1
    _assert_exact(province)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path runs on PostgreSQL")
def test_cached_figures_follow_a_copy_import(province):
    from grassroots.transfer.bulk import COPY_THRESHOLD, insert_members

    build_history(province)
    cache.clear()
    _assert_exact(province)
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
    _assert_exact(province)
