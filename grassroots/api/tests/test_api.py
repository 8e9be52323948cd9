"""The first API routes: tokens, units and members, each answering inside the caller's scope."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from grassroots.accounts.models import ApiToken
from grassroots.core.models import AuditEvent
from grassroots.members.models import MemberStatus
from grassroots.members.tests.factories import create_member

API = "/api/v1"


def issue_token(client: Client, tree, who: str) -> str:
    user = tree.users[who]
    response = client.post(
        f"{API}/auth/token",
        {"username": user.username, "password": tree.password(user.username)},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def as_user(province):
    """as_user("city_a") -> a client sending that user's bearer token."""

    def make(who: str) -> Client:
        token = issue_token(Client(), province, who)
        return Client(headers={"Authorization": f"Bearer {token}"})

    return make


@pytest.fixture
def people(province):
    return {
        "a1": create_member(province.branch_a1, name="汪涵"),
        "a2": create_member(province.branch_a2, name="曾国藩"),
        "a_direct": create_member(province.city_a, name="李白"),
        "b1": create_member(province.branch_b1, name="王维"),
        "direct": create_member(province.direct_branch, name="杜甫"),
    }


# --- tokens -------------------------------------------------------------------------------


def test_token_is_issued_stored_hashed_and_used_as_bearer(province, people):
    client = Client()
    token = issue_token(client, province, "city_a")
    row = ApiToken.objects.get(user=province.users["city_a"])
    assert token.startswith(row.prefix)
    assert row.key_hash != token and token not in row.key_hash
    assert AuditEvent.objects.filter(object_type__icontains="apitoken").exists()
    response = client.get(f"{API}/units", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None


def test_token_route_needs_no_csrf_token(province):
    """Scripts (curl, other systems) sign in without a console session or CSRF cookie."""
    client = Client(enforce_csrf_checks=True)
    user = province.users["city_a"]
    response = client.post(
        f"{API}/auth/token",
        {"username": user.username, "password": province.password(user.username)},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    revoked = client.delete(f"{API}/auth/token", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 200


def test_wrong_password_is_401_with_a_chinese_message(province):
    response = Client().post(
        f"{API}/auth/token",
        {"username": "city_a", "password": "wrong-password"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert "用户名或密码错误" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(province):
    user = province.users["city_a"]
    user.is_active = False
    user.save()
    response = Client().post(
        f"{API}/auth/token",
        {"username": user.username, "password": province.password(user.username)},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_token_of_a_deactivated_user_stops_working(province, as_user):
    client = as_user("city_a")
    user = province.users["city_a"]
    user.is_active = False
    user.save()
    assert client.get(f"{API}/units").status_code == 401


def test_no_token_or_a_bad_token_is_401(province):
    assert Client().get(f"{API}/members").status_code == 401
    response = Client(headers={"Authorization": "Bearer grt_not-a-real-token"}).get(f"{API}/units")
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


def test_revoked_token_is_refused(province, as_user):
    client = as_user("city_a")
    other = as_user("city_a")  # a second token of the same user stays valid
    response = client.delete(f"{API}/auth/token")
    assert response.status_code == 200 and response.json() == {"revoked": True}
    assert client.get(f"{API}/units").status_code == 401
    assert other.get(f"{API}/units").status_code == 200
    tokens = ApiToken.objects.filter(user=province.users["city_a"])
    assert sorted(t.revoked_at is None for t in tokens) == [False, True]


def test_revoking_without_a_bearer_token_says_why(province):
    client = Client()
    client.force_login(province.users["city_a"])
    response = client.delete(f"{API}/auth/token")
    assert response.status_code == 400
    assert "令牌" in response.json()["detail"]


def test_session_of_a_console_user_is_accepted(province, people):
    client = Client()
    client.force_login(province.users["city_a"])
    assert client.get(f"{API}/members").json()["count"] == 3


# --- units --------------------------------------------------------------------------------


def test_units_list_is_scoped_and_carries_codes(province, as_user):
    body = as_user("city_a").get(f"{API}/units").json()
    assert body["count"] == 3 and body["page"] == 1
    assert [u["code"] for u in body["items"]] == ["4301", "430101", "430102"]
    city = body["items"][0]
    assert city == {
        "code": "4301",
        "name": "长沙市委会",
        "short_name": "",
        "kind": "city",
        "parent": "43",
        "depth": 1,
        "active": True,
    }
    top = as_user("province").get(f"{API}/units/43").json()
    assert top["parent"] is None and top["kind"] == "province"
    assert as_user("province").get(f"{API}/units").json()["count"] == 7


def test_units_filter_by_parent_and_text(province, as_user):
    client = as_user("province")
    children = client.get(f"{API}/units", {"parent": "4301"}).json()
    assert [u["code"] for u in children["items"]] == ["430101", "430102"]
    found = client.get(f"{API}/units", {"q": "株洲"}).json()
    assert {u["code"] for u in found["items"]} == {"4302", "430201"}


def test_unit_outside_scope_is_404(province, as_user):
    client = as_user("city_a")
    assert client.get(f"{API}/units/4302").status_code == 404
    assert client.get(f"{API}/units/43").status_code == 404
    assert client.get(f"{API}/units/no-such-unit").status_code == 404
    assert client.get(f"{API}/units", {"parent": "4302"}).status_code == 404
    assert client.get(f"{API}/units/430101").json()["parent"] == "4301"


# --- members ------------------------------------------------------------------------------


def test_members_list_is_scoped_and_masked(province, people, as_user):
    body = as_user("city_a").get(f"{API}/members").json()
    assert body["count"] == 3
    assert {m["name"] for m in body["items"]} == {"汪涵", "曾国藩", "李白"}
    item = next(m for m in body["items"] if m["name"] == "汪涵")
    member = people["a1"]
    assert set(item) == {
        "id",
        "name",
        "sex",
        "unit",
        "member_number",
        "status",
        "id_number",
        "phone",
    }
    assert item["id"] == member.pk and item["unit"] == "430101"
    assert item["id_number"] == member.id_number_masked
    assert "*" in item["id_number"] and item["id_number"] != member.id_number
    assert as_user("province").get(f"{API}/members").json()["count"] == 5


def test_unit_filter_includes_descendants(province, people, as_user):
    client = as_user("province")
    city = client.get(f"{API}/members", {"unit": "4301"}).json()
    assert {m["name"] for m in city["items"]} == {"汪涵", "曾国藩", "李白"}
    branch = client.get(f"{API}/members", {"unit": "430102"}).json()
    assert [m["name"] for m in branch["items"]] == ["曾国藩"]


def test_unit_filter_outside_scope_or_unknown_is_404(province, people, as_user):
    client = as_user("city_a")
    assert client.get(f"{API}/members", {"unit": "4302"}).status_code == 404
    assert client.get(f"{API}/members", {"unit": "430201"}).status_code == 404
    assert client.get(f"{API}/members", {"unit": "nowhere"}).status_code == 404


def test_member_detail_in_and_out_of_scope(province, people, as_user):
    client = as_user("city_a")
    member = people["a2"]
    response = client.get(f"{API}/members/{member.pk}")
    assert response.status_code == 200
    detail = response.json()
    assert detail["name"] == "曾国藩" and detail["unit_name"] == "长沙第二支部"
    assert detail["id_number"] == member.id_number_masked
    assert member.id_number not in response.content.decode()
    assert detail["birth_date"] == member.birth_date.isoformat()
    for outside in (people["b1"], people["direct"]):
        assert client.get(f"{API}/members/{outside.pk}").status_code == 404
    assert client.get(f"{API}/members/999999").status_code == 404


def test_search_by_initials_full_pinyin_and_surname_reading(province, people, as_user):
    client = as_user("city_a")

    def names(q: str) -> set[str]:
        return {m["name"] for m in client.get(f"{API}/members", {"q": q}).json()["items"]}

    assert names("wh") == {"汪涵"}
    assert names("wanghan") == {"汪涵"}
    assert names("zgf") == {"曾国藩"}
    assert names("zengguofan") == {"曾国藩"}
    assert names("曾") == {"曾国藩"}
    assert names("ww") == set()  # 王维 is in city B, outside city A's scope
    assert {
        m["name"] for m in as_user("province").get(f"{API}/members", {"q": "ww"}).json()["items"]
    } == {"王维"}


def test_search_by_id_tail_and_status_filter(province, people, as_user):
    from grassroots.members.services import member_set_status

    client = as_user("province")
    tail = people["a1"].id_number[-4:]
    assert people["a1"].pk in {
        m["id"] for m in client.get(f"{API}/members", {"q": tail}).json()["items"]
    }
    member_set_status(
        member=people["b1"],
        status=MemberStatus.RESIGNED,
        date=people["b1"].join_date,
        reason="本人申请",
    )
    resigned = client.get(f"{API}/members", {"status": "resigned"}).json()
    assert [m["name"] for m in resigned["items"]] == ["王维"]
    bad = client.get(f"{API}/members", {"status": "sleeping"})
    assert bad.status_code == 422 and "status" in bad.json()["detail"]


def test_page_size_default_and_cap(province, as_user):
    for i in range(53):
        create_member(province.branch_a1, name=f"测试{i:02d}")
    client = as_user("city_a")
    first = client.get(f"{API}/members").json()
    assert first["count"] == 53 and len(first["items"]) == 50
    second = client.get(f"{API}/members", {"page": 2}).json()
    assert second["page"] == 2 and len(second["items"]) == 3
    assert len(client.get(f"{API}/members", {"page_size": 200}).json()["items"]) == 53
    too_big = client.get(f"{API}/members", {"page_size": 201})
    assert too_big.status_code == 422 and "page_size" in too_big.json()["detail"]
    assert client.get(f"{API}/members", {"page": 0}).status_code == 422


# --- documentation --------------------------------------------------------------------------


def test_openapi_lists_the_routes(province):
    schema = Client().get(f"{API}/openapi.json").json()
    for path in ("/api/v1/auth/token", "/api/v1/units", "/api/v1/members/{member_id}"):
        assert path in schema["paths"]


def test_docs_page_uses_local_assets_only(province):
    html = Client().get(f"{API}/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    external = re.findall(r"""(?:src|href)=["'](https?:)?//""", html)
    assert external == []
    assert '"validatorUrl": null' in html


def test_malformed_input_names_the_field_in_chinese(province, as_user):
    response = Client().post(
        f"{API}/auth/token", {"username": "city_a"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert "参数password：必须填写" in body["detail"]
    assert body["errors"] == [
        {"field": "password", "location": "body", "message": "参数password：必须填写"}
    ]
    bad_page = as_user("city_a").get(f"{API}/members", {"page": "two"})
    assert bad_page.status_code == 422
    assert "参数page：格式不正确" in bad_page.json()["detail"]
    assert bad_page.json()["errors"][0]["location"] == "query"
