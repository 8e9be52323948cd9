import pytest

from grassroots.members.tests.factories import create_member
from grassroots.recruitment.models import Application
from grassroots.recruitment.tests.factories import STAGE_DATA, create_application, person, run_to

API = "/api/v1/applications"


def _payload(unit, **overrides):
    data = person(**overrides)
    data.update(unit_id=unit.pk, education="masters", sector="education")
    return data


@pytest.mark.django_db
def test_create_and_walk_the_first_stages_over_the_api(client, province):
    client.force_login(province.users["branch_a1"])
    res = client.post(API, _payload(province.branch_a1), content_type="application/json")
    assert res.status_code == 201, res.content
    body = res.json()
    pk = body["id"]
    assert body["stage"]["code"] == "submit" and body["can_act"]
    assert {c["result"] for c in body["conditions"]} == {"pass"}
    res = client.post(f"{API}/{pk}/advance", {"comment": "提交"}, content_type="application/json")
    assert res.status_code == 200 and res.json()["stage"]["code"] == "introducers"
    res = client.post(f"{API}/{pk}/advance", {}, content_type="application/json")
    assert res.status_code == 422 and "介绍人" in res.json()["detail"]
    other = create_member(province.branch_b1)
    lookup = client.get(f"{API}/introducer-lookup", {"q": other.member_number}).json()["items"]
    assert lookup == [
        {
            "id": str(other.pk),
            "name": other.name,
            "unit": province.branch_b1.name,
            "member_number": other.member_number,
        }
    ]
    for member in (other, create_member(province.branch_a1)):
        res = client.post(
            f"{API}/{pk}/introducers", {"member_id": member.pk}, content_type="application/json"
        )
        assert res.status_code == 200, res.content
    for intro in res.json()["introducers"]:
        res = client.post(f"{API}/{pk}/introducers/{intro['id']}/confirm")
        assert res.status_code == 200, res.content
    res = client.post(f"{API}/{pk}/advance", {}, content_type="application/json")
    assert res.status_code == 200, res.json()
    assert res.json()["stage"]["code"] == "talk"
    res = client.post(f"{API}/{pk}/advance", {"comment": "好"}, content_type="application/json")
    assert res.status_code == 422 and "谈话人" in res.json()["detail"]
    res = client.post(f"{API}/{pk}/advance", STAGE_DATA["talk"], content_type="application/json")
    assert res.status_code == 200, res.json()
    assert res.json()["stage"]["code"] == "employer-opinion"
    detail = client.get(f"{API}/{pk}").json()
    assert [t["action"] for t in detail["timeline"]][:2] == ["create", "advance"]
    assert detail["timeline"][-1]["data"]["talker"] == STAGE_DATA["talk"]["talker"]


@pytest.mark.django_db
def test_stale_version_answers_409(client, province):
    app = create_application(province)
    client.force_login(province.users["branch_a1"])
    res = client.post(
        f"{API}/{app.pk}/advance", {"version": app.version}, content_type="application/json"
    )
    assert res.status_code == 200
    res = client.post(
        f"{API}/{app.pk}/advance", {"version": app.version}, content_type="application/json"
    )
    assert res.status_code == 409 and "他人" in res.json()["detail"]


@pytest.mark.django_db
def test_scope_role_and_listing(client, province):
    app = run_to(province, create_application(province), "city-review")
    client.force_login(province.users["city_b"])
    assert client.get(f"{API}/{app.pk}").status_code == 404
    assert (
        client.post(f"{API}/{app.pk}/advance", {}, content_type="application/json").status_code
        == 404
    )
    assert client.get(API).json()["count"] == 0
    client.force_login(province.users["leader"])
    res = client.post(f"{API}/{app.pk}/advance", {}, content_type="application/json")
    assert res.status_code == 403
    client.force_login(province.users["city_a"])
    inbox = client.get(API, {"inbox": "true"}).json()
    assert inbox["count"] == 1 and inbox["items"][0]["id"] == app.pk
    res = client.post(f"{API}/{app.pk}/return", {"comment": ""}, content_type="application/json")
    assert res.status_code == 422
    res = client.post(
        f"{API}/{app.pk}/reject", {"comment": "不符合"}, content_type="application/json"
    )
    assert res.json()["state"] == Application.State.REJECTED


@pytest.mark.django_db
def test_withdraw_and_bad_codes(client, province):
    client.force_login(province.users["branch_a1"])
    res = client.post(
        API, _payload(province.branch_a1) | {"education": "nope"}, content_type="application/json"
    )
    assert res.status_code == 422 and "nope" in res.json()["detail"]
    res = client.post(API, _payload(province.branch_b1), content_type="application/json")
    assert res.status_code == 404
    app = create_application(province)
    res = client.post(
        f"{API}/{app.pk}/withdraw", {"comment": "本人撤回"}, content_type="application/json"
    )
    assert res.json()["state"] == "withdrawn"


@pytest.mark.django_db
def test_prospect_becomes_applicant_over_the_api_without_retyping(client, province):
    from grassroots.recruitment import services

    fields = {k: v for k, v in person(name="宋词").items() if k not in ("resume", "reasons")}
    prospect = services.prospect_create(
        unit=province.branch_a1, data=fields, actor=province.users["branch_a1"]
    )
    client.force_login(province.users["branch_a1"])
    res = client.post(
        API,
        {
            "unit_id": province.branch_a1.pk,
            "prospect_id": prospect.pk,
            "resume": "简历",
            "reasons": "理由",
        },
        content_type="application/json",
    )
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["name"] == "宋词" and body["id_number_masked"] == prospect.id_number_masked
    assert body["education"] == "硕士研究生" and body["resume"] == "简历"
