"""The notices API: staff see notices of their units only; read rates per unit; 404 outside."""

from __future__ import annotations

import pytest

from grassroots.members.tests.factories import create_member
from grassroots.notices import services
from grassroots.notices.tests.factories import make_notice

pytestmark = pytest.mark.django_db
API = "/api/v1/notices"
MISSING = 987654321


@pytest.fixture
def city_a(client, province):
    client.force_login(province.users["city_a"])
    return client


def test_list_and_detail_are_scoped(city_a, province):
    m = create_member(province.branch_a1)
    create_member(province.branch_b1)
    mine = make_notice(province.branch_a1, actor=province.users["city_a"], title="长沙的通知")
    theirs = make_notice(province.branch_b1, actor=province.users["city_b"], title="株洲的通知")
    above = make_notice(province.province, actor=province.users["province"], title="省里的通知")
    services.notice_mark_read(notice=mine, member=m)
    listed = city_a.get(API).json()
    assert [i["title"] for i in listed["items"]] == ["长沙的通知"]
    assert listed["count"] == 1 and listed["items"][0]["read_count"] == 1
    detail = city_a.get(f"{API}/{mine.pk}").json()
    assert detail["target_units"] == [province.branch_a1.code] and detail["recipient_count"] == 1
    for pk in (theirs.pk, above.pk, MISSING):
        assert city_a.get(f"{API}/{pk}").status_code == 404


def test_read_rate_is_scoped(city_a, province):
    a1 = create_member(province.branch_a1)
    create_member(province.branch_a2)
    create_member(province.branch_b1)
    notice = make_notice(province.city_a, actor=province.users["city_a"])
    services.notice_mark_read(notice=notice, member=a1)
    body = city_a.get(f"{API}/{notice.pk}/read-rate").json()
    assert body["total"]["total"] == 2 and body["total"]["read"] == 1
    assert {r["unit"]: r["rate"] for r in body["rows"]} == {
        province.branch_a1.code: 1.0,
        province.branch_a2.code: 0.0,
    }
    drilled = city_a.get(f"{API}/{notice.pk}/read-rate", {"unit": province.branch_a1.code})
    assert drilled.json()["total"]["total"] == 1
    for code in (province.branch_b1.code, province.city_b.code, "no-such"):
        assert city_a.get(f"{API}/{notice.pk}/read-rate", {"unit": code}).status_code == 404
    theirs = make_notice(province.branch_b1, actor=province.users["city_b"])
    assert city_a.get(f"{API}/{theirs.pk}/read-rate").status_code == 404


def test_branch_officer_sees_only_their_branch(client, province):
    create_member(province.branch_a1)
    create_member(province.branch_a2)
    city = make_notice(province.city_a, actor=province.users["city_a"], title="市委会通知")
    branch = make_notice(province.branch_a1, actor=province.users["city_a"], title="支部通知")
    client.force_login(province.users["branch_a1"])
    assert [i["title"] for i in client.get(API).json()["items"]] == ["支部通知"]
    assert client.get(f"{API}/{city.pk}").status_code == 404
    assert client.get(f"{API}/{branch.pk}/read-rate").status_code == 200
