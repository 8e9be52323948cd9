"""`grassroots demo` at small scale: the tree, realistic members with history, officers,
accounts, one audit event, determinism by seed, and idempotence."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from grassroots.accounts.models import Role, User
from grassroots.core import ids
from grassroots.core.demo import DEMO_PASSWORD
from grassroots.core.demo.regions import hunan_cities
from grassroots.core.models import AuditEvent
from grassroots.members import selectors
from grassroots.members.identity import id_hashes
from grassroots.members.models import (
    Member,
    MemberStatus,
    NameKey,
    Officer,
    StatusChange,
    Transfer,
)
from grassroots.organizations.models import Unit

N = 300


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def roster() -> list[tuple[str, str, str]]:
    return list(Member.objects.order_by("id").values_list("name", "id_number_hash", "sex"))


@pytest.fixture
def built(db):
    return demo("--members", str(N), "--seed", "7")


def test_tree_has_the_province_its_cities_and_about_120_grassroots_units(built):
    province = Unit.objects.get(code="43", parent=None)
    cities = Unit.objects.filter(parent=province, kind__code="city")
    assert sorted(cities.values_list("code", flat=True)) == [c.code for c in hunan_cities()]
    assert cities.get(code="4301").name == "长沙市委会"
    assert cities.get(code="4331").name == "湘西州委会"
    grassroots = Unit.objects.filter(kind__level=4)
    assert 110 <= grassroots.count() <= 130
    assert grassroots.filter(parent=province).exists()  # directly under the province
    assert grassroots.filter(parent__kind__code="county").exists()
    for unit in Unit.objects.exclude(pk=province.pk):
        assert unit.path.startswith(unit.parent.path) and unit.depth == unit.parent.depth + 1


def test_members_are_realistic_and_their_ids_agree_with_them(built):
    assert Member.objects.count() == N
    today = timezone.localdate()
    for member in Member.objects.select_related("unit"):
        parsed = ids.parse(member.id_number)
        assert parsed.birth_date == member.birth_date and parsed.sex == member.sex
        assert member.id_number.startswith("43")
        assert member.id_number_hash == id_hashes(member.id_number)[0]
        assert member.id_number_masked == member.id_number[:4] + "*" * 10 + member.id_number[-4:]
        assert 28 <= member.age_on(today) <= 80
        assert datetime.date(1980, 1, 1) <= member.join_date <= today
        assert member.member_number.startswith(str(member.join_date.year))
        assert member.pinyin_full and member.name_keys.exists()
    sectors = dict(Member.objects.values_list("sector__code").annotate(n=Count("id")))
    assert sectors["education"] == max(sectors.values())
    ethnic = dict(Member.objects.values_list("ethnicity__name").annotate(n=Count("id")))
    assert ethnic["汉族"] > N * 0.8


def test_members_are_found_by_pinyin_initials(built):
    member = Member.objects.order_by("id").first()
    found = selectors.member_search(Member.objects.all(), member.pinyin_initials)
    assert member in found


def test_history_makes_past_composition_meaningful(db):
    demo("--members", "3000", "--seed", "11")
    assert Member.objects.exclude(status=MemberStatus.ACTIVE).exists()
    for member in Member.objects.exclude(status=MemberStatus.ACTIVE)[:50]:
        last = member.status_changes.order_by("-date", "-id").first()
        assert last.to_status == member.status and last.date == member.status_date
        assert last.from_status == MemberStatus.ACTIVE
    assert StatusChange.objects.filter(reason="建档").count() == 3000
    moves = Transfer.objects.filter(kind=Transfer.Kind.INTERNAL, state=Transfer.State.ACCEPTED)
    assert moves.exists()
    for move in moves.select_related("member")[:50]:
        assert move.to_unit_id == move.member.unit_id and move.from_unit_id != move.to_unit_id
        assert move.member.join_date < move.effective_date <= timezone.localdate()
    out = Transfer.objects.filter(kind=Transfer.Kind.OUT)
    assert all(t.member.status == MemberStatus.TRANSFERRED_OUT for t in out)


def test_officers_and_staff_accounts_for_every_unit(built):
    units = Unit.objects.all()
    with_chair = Officer.objects.filter(post=Officer.Post.CHAIR, end_date=None)
    assert set(with_chair.values_list("unit_id", flat=True)) == set(
        units.values_list("pk", flat=True)
    )
    for officer in Officer.objects.select_related("unit", "member__unit")[:200]:
        assert officer.member.unit.path.startswith(officer.unit.path)
    for unit in units:
        expected = {
            "province": {Role.PROVINCE_STAFF, Role.LEADER},
            "city": {Role.UNIT_STAFF},
            "county": {Role.UNIT_STAFF},
        }.get(unit.kind.code, {Role.BRANCH_OFFICER})
        assert expected <= set(unit.staff.values_list("role", flat=True))


def test_printed_logins_work_and_are_not_forced_to_change(built):
    for role in ("demo-province", "staff-4301", "demo-leader", "demo-member"):
        assert role in built
    assert DEMO_PASSWORD in built
    for user in User.objects.all():
        assert not user.must_change_password
    assert authenticate(username="demo-province", password=DEMO_PASSWORD) is not None
    member_user = User.objects.get(username="demo-member")
    assert member_user.role == Role.MEMBER and member_user.member.status == MemberStatus.ACTIVE


def test_one_summary_audit_event(built):
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.BULK and event.operation == "demo_generate"
    assert event.extra["count"] == N and event.actor_username == "system"


def test_same_seed_same_people_and_rerun_is_a_no_op(built):
    first = roster()
    again = demo("--members", str(N), "--seed", "7")
    assert "已存在" in again
    assert roster() == first and AuditEvent.objects.count() == 1
    demo("--members", str(N), "--seed", "7", "--reset")
    assert roster() == first
    assert Unit.objects.filter(code="43").count() == 1
    assert (
        NameKey.objects.count() == NameKey.objects.filter(member__in=Member.objects.all()).count()
    )
    # Search keys carry their member's current unit and sort key, transfers included.
    assert not NameKey.objects.exclude(unit_id=F("member__unit_id")).exists()
    assert not NameKey.objects.exclude(sort_key=F("member__pinyin_full")).exists()
    demo("--members", str(N), "--seed", "8", "--reset")
    assert roster() != first and Member.objects.count() == N


def _index_names(table: str) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        return {
            name
            for name, info in connection.introspection.get_constraints(cursor, table).items()
            if info["index"]
        }


def test_a_large_load_rebuilds_exactly_the_indexes_it_dropped(db):
    from grassroots.core.demo.writer import RowWriter

    tables = [Member, NameKey, StatusChange]
    before = {m._meta.db_table: _index_names(m._meta.db_table) for m in tables}
    dropped: dict[str, set[str]] = {}
    with RowWriter().deferred_indexes(tables, 50_000):
        for model in tables:
            table = model._meta.db_table
            dropped[table] = before[table] - _index_names(table)
    assert dropped[Member._meta.db_table]  # the plain indexes were gone during the load
    assert {m._meta.db_table: _index_names(m._meta.db_table) for m in tables} == before


def _everything() -> list[tuple]:
    """Each member with what was written for them, without the keys a load reserves."""
    members = Member.objects.order_by("id").values_list(
        "name", "sex", "birth_date", "id_number_hash", "unit__code", "member_number", "phone",
        "join_date", "status", "status_date", "title_id", "pinyin_full",
    )  # fmt: skip
    keys = NameKey.objects.order_by("member_id", "key").values_list("member__name", "key")
    changes = StatusChange.objects.order_by("member_id", "id").values_list(
        "member__name", "to_status", "date", "reason"
    )
    moves = Transfer.objects.order_by("member_id", "id").values_list(
        "member__name", "kind", "from_unit__code", "to_unit__code", "effective_date"
    )
    officers = Officer.objects.order_by("unit__code", "post", "start_date").values_list(
        "unit__code", "member__name", "post", "start_date"
    )
    return [*members, *keys, *changes, *moves, *officers]


def test_chunks_built_by_worker_processes_equal_those_built_here(db, monkeypatch):
    from grassroots.core.demo import generator

    monkeypatch.setattr(generator, "CHUNK", 200)  # five chunks, built by the worker processes
    demo("--members", "900", "--seed", "5")
    by_workers = _everything()
    assert len({row[3] for row in by_workers[:900]}) == 900  # ID numbers stay unique
    monkeypatch.setattr(generator, "WORKERS", 1)  # the same chunks, built in this process
    demo("--members", "900", "--seed", "5", "--reset")
    assert _everything() == by_workers
