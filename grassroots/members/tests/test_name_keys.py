"""Search keys follow their member (unit, sort key), and narrowing a search never changes it."""

import datetime

import pytest
from django.db.models import F

from grassroots.members import selectors, services
from grassroots.members.models import Member, NameKey
from grassroots.members.tests.factories import create_member
from grassroots.organizations.models import Unit

pytestmark = pytest.mark.django_db


def _keys_in_step() -> bool:
    stale_unit = NameKey.objects.exclude(unit_id=F("member__unit_id"))
    stale_sort = NameKey.objects.exclude(sort_key=F("member__pinyin_full"))
    return not stale_unit.exists() and not stale_sort.exists()


def test_keys_follow_create_rename_and_transfer(province):
    a1 = Unit.objects.get(code="430101")
    b1 = Unit.objects.get(code="430201")
    member = create_member(a1, name="单长青")
    assert NameKey.objects.filter(member=member, unit=a1, key="shanchangqing").exists()
    assert _keys_in_step()

    services.member_update(member=member, data={"name": "曾乐"})
    member.refresh_from_db()
    assert set(NameKey.objects.filter(member=member).values_list("sort_key", flat=True)) == {
        member.pinyin_full
    }
    assert _keys_in_step()

    transfer = services.transfer_start(member=member, to_unit=b1)
    services.transfer_accept(transfer=transfer, date=datetime.date(2026, 1, 5))
    assert set(NameKey.objects.filter(member=member).values_list("unit_id", flat=True)) == {b1.pk}
    assert _keys_in_step()


def test_bulk_create_writes_unit_and_sort_key(province):
    a1 = Unit.objects.get(code="430101")
    members = [
        Member(unit=a1, name=name, sex="M", join_date=datetime.date(2020, 1, 1))
        for name in ("李长春", "刘畅", "乐清")
    ]
    services.member_bulk_create(members=members, operation="test", actor=None)
    assert NameKey.objects.filter(member__in=members).count() > len(members)
    assert _keys_in_step()


@pytest.mark.parametrize("query", ["l", "lc", "liu", "le", "yue", "zh", "s"])
def test_narrowing_to_the_scope_never_changes_the_result(province, query):
    city = Unit.objects.get(code="4301")
    units = [*Unit.objects.filter(path__startswith=city.path), Unit.objects.get(code="430201")]
    for i, name in enumerate(["李长春", "刘畅", "乐清", "岳乐", "张三", "单田芳", "沈乐", "吕超"]):
        create_member(units[i % len(units)], name=name)
    visible = selectors.members_visible(province.users["city_a"])
    plain = list(selectors.member_search(visible, query).values_list("pk", flat=True))
    narrowed = selectors.member_search(visible, query, within=city.path)
    assert list(narrowed.values_list("pk", flat=True)) == plain
    # The narrowing is real: outside the city, keys exist that the narrowed subquery skips.
    outside = NameKey.objects.exclude(unit__path__startswith=city.path)
    assert outside.exists()
    skipped = selectors.pinyin_matches(query, city.path).filter(member__in=outside.values("member"))
    assert not skipped.exists()


@pytest.mark.parametrize("query", ["l", "lc", "le", "yue", "zhang", "s"])
def test_ranking_from_the_keys_answers_what_the_search_answers(province, query):
    units = list(Unit.objects.filter(path__startswith=province.city_a.path))
    names = ["李长春", "刘畅", "乐清", "岳乐", "张三", "单田芳", "沈乐", "吕超", "李四", "张长乐"]
    for i, name in enumerate(names * 3):
        create_member(units[i % len(units)], name=name)
    create_member(province.branch_b1, name="李长江")  # outside the city: never counted
    visible = selectors.members_visible(province.users["city_a"])
    expected = list(selectors.member_search(visible, query))
    ranking = selectors.PinyinRanking(visible, query, province.city_a.path)
    assert ranking.count() == len(expected)
    for size in (1, 4, 50):
        pages = [ranking[start : start + size] for start in range(0, len(expected) + size, size)]
        assert [m.pk for page in pages for m in page] == [m.pk for m in expected]


def test_api_search_pages_match_the_console_search(province, client):
    for i, name in enumerate(["李长春", "刘畅", "李四", "吕超", "李长江"] * 5):
        create_member([province.branch_a1, province.branch_a2][i % 2], name=name)
    client.force_login(province.users["city_a"])
    visible = selectors.members_visible(province.users["city_a"])
    expected = [m.pk for m in selectors.member_search(visible, "lc")]
    got = []
    for page in range(1, len(expected) // 4 + 2):
        body = client.get(f"/api/v1/members?q=LC&page={page}&page_size=4").json()
        assert body["count"] == len(expected)
        got += [item["id"] for item in body["items"]]
    assert got == expected
    narrowed = client.get("/api/v1/members?q=lc&unit=430101").json()
    assert narrowed["count"] == len(
        [m for m in selectors.member_search(visible, "lc") if m.unit_id == province.branch_a1.pk]
    )
