"""The routes added for issue 9: member writes, filters, planning reports, evaluation results,
the error body, unknown fields refused on every write, and the JSON 404 for unmatched URLs."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from grassroots.core.models import AuditEvent
from grassroots.core.testing import unique_id_number
from grassroots.members.models import Member, MemberStatus
from grassroots.recruitment.models import Application

API = "/api/v1"

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict, method: str = "post"):
    return getattr(client, method)(url, body, content_type="application/json")


def refused_fields(response) -> set[str]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and "不允许的字段" in body["detail"]
    return {e["field"] for e in body["errors"] if "不允许的字段" in e["message"]}


# --- members: create and correct through the services ------------------------------------


def test_member_create_sets_unit_and_status_on_the_server(populated, as_user):
    client = as_user("city_a")
    body = {"name": "林徽因", "id_number": unique_id_number(sex="F"), "phone": "13900139000"}
    response = client.post(f"{API}/members?unit=430101", body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    member = Member.objects.get(pk=created["id"])
    assert member.unit == populated.tree.branch_a1 and member.status == MemberStatus.ACTIVE
    assert created["unit"] == "430101" and created["status"] == "active"
    assert created["member_number"]  # assigned by the server
    assert body["id_number"] not in response.content.decode()
    assert AuditEvent.objects.filter(
        object_type="members.member", object_id=str(member.pk)
    ).exists()


def test_member_create_refuses_unit_status_and_unknown_fields(populated, as_user):
    client = as_user("city_a")
    body = {
        "name": "林徽因",
        "id_number": unique_id_number(sex="F"),
        "unit": "430201",
        "status": "deceased",
        "member_number": "X1",
    }
    before = Member.objects.count()
    response = client.post(f"{API}/members?unit=430101", body, content_type="application/json")
    assert refused_fields(response) == {"unit", "status", "member_number"}
    assert Member.objects.count() == before


def test_member_create_in_a_sibling_city_is_404(populated, as_user):
    response = as_user("city_a").post(
        f"{API}/members?unit=430201",
        {"name": "林徽因", "id_number": unique_id_number(sex="F")},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Member.objects.filter(name="林徽因").exists()


def test_member_create_reports_bad_fields_in_chinese(populated, as_user):
    response = as_user("city_a").post(
        f"{API}/members?unit=430101",
        {"name": "林徽因", "id_number": "430102197001011234", "sector": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"sector"}
    assert "代码“nope”不存在" in response.json()["detail"]


def test_member_patch_changes_contact_fields_only(populated, as_user):
    member = populated["a1"]
    client = as_user("city_a")
    response = post(
        client, f"{API}/members/{member.pk}", {"phone": "13700137000", "post": "教授"}, "patch"
    )
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.phone == "13700137000" and member.post == "教授"
    extras = post(
        client,
        f"{API}/members/{member.pk}",
        {"phone": "13600136000", "unit": "430201", "status": "resigned", "unit_id": 9},
        "patch",
    )
    assert refused_fields(extras) == {"unit", "status", "unit_id"}
    member.refresh_from_db()
    assert member.phone == "13700137000"
    assert member.unit == populated.tree.branch_a1 and member.status == MemberStatus.ACTIVE
    blank = post(client, f"{API}/members/{member.pk}", {"name": None}, "patch")
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "name"


def test_member_patch_of_a_sibling_member_is_404(populated, as_user):
    outside = populated["b1"]
    response = post(
        as_user("city_a"), f"{API}/members/{outside.pk}", {"phone": "13700137000"}, "patch"
    )
    assert response.status_code == 404
    outside.refresh_from_db()
    assert outside.phone != "13700137000"


def test_member_filters_match_the_console(populated, as_user):
    from grassroots.members.models import Sector

    client = as_user("province")
    member = populated["a2"]
    sector = Sector.objects.exclude(pk=getattr(member.sector, "pk", None)).first()
    Member.objects.filter(pk=member.pk).update(
        sector=sector, is_talent=True, birth_date=datetime.date.today().replace(year=1990, day=1)
    )

    def names(**params) -> set[str]:
        response = client.get(f"{API}/members", params)
        assert response.status_code == 200, response.content
        return {m["name"] for m in response.json()["items"]}

    assert names(sector=sector.code) == {"曾国藩"}
    assert names(is_talent="true") == {"曾国藩"}
    assert "曾国藩" in names(age="35-45") or "曾国藩" in names(age="lt35")
    assert "曾国藩" not in names(age="ge65")
    bad = client.get(f"{API}/members", {"age": "old"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "age"
    assert client.get(f"{API}/members", {"sector": "nope"}).status_code == 422


# --- applications: extra fields never change unit, stage or state -------------------------


def test_application_create_refuses_unit_stage_and_state(populated, as_user):
    client = as_user("branch_a1")
    body = {
        "unit_id": populated.tree.branch_a1.pk,
        "name": "林晓",
        "id_number": unique_id_number(sex="F"),
        "sex": "F",
        "unit": populated.tree.branch_b1.pk,
        "state": "admitted",
        "stage": "admission",
    }
    before = Application.objects.count()
    assert refused_fields(post(client, f"{API}/applications", body)) == {"unit", "state", "stage"}
    assert Application.objects.count() == before


def test_application_actions_refuse_fields_the_stage_does_not_record(populated, as_user):
    app = populated["app_a"]
    client = as_user("branch_a1")
    response = post(
        client,
        f"{API}/applications/{app.pk}/advance",
        {"comment": "提交", "state": "admitted", "unit": populated.tree.branch_b1.pk},
    )
    assert refused_fields(response) == {"state", "unit"}
    app.refresh_from_db()
    assert app.stage.code == "submit" and app.unit == populated.tree.branch_a1
    reject = post(
        client, f"{API}/applications/{app.pk}/reject", {"comment": "x", "stage": "filing"}
    )
    assert refused_fields(reject) == {"stage"}
    app.refresh_from_db()
    assert app.state == Application.State.OPEN
    intro = post(
        client, f"{API}/applications/{app.pk}/introducers", {"member_id": 1, "confirmed": True}
    )
    assert refused_fields(intro) == {"confirmed"}


def test_application_list_searches_by_name(populated, as_user):
    body = as_user("city_a").get(f"{API}/applications", {"q": "司马"}).json()
    assert [a["name"] for a in body["items"]] == ["司马光"]
    assert as_user("city_a").get(f"{API}/applications", {"q": "诸葛"}).json()["count"] == 0


# --- other writes refuse server-set fields --------------------------------------------------


def test_activity_and_attendance_writes_refuse_unknown_fields(populated, as_user):
    client = as_user("city_a")
    body = {
        "kind": "study",
        "topic": "学习会",
        "starts_at": "2026-03-01T09:00:00+08:00",
        "lead_unit": "430101",
        "id": 5,
        "unit": "430201",
    }
    assert refused_fields(post(client, f"{API}/branches/activities", body)) == {"id", "unit"}
    activity = populated["activity_a"]
    att = post(
        client,
        f"{API}/branches/activities/{activity.pk}/attendance",
        {"member_id": populated["a1"].pk, "status": "attended", "unit": "430201"},
    )
    assert refused_fields(att) == {"unit"}


def test_platform_and_evaluation_writes_refuse_unknown_fields(populated, as_user):
    client = as_user("province")
    proposal = post(
        client,
        f"{API}/platforms/proposals",
        {"kind": "individual", "title": "标题", "status": "adopted", "unit_id": 1},
    )
    assert refused_fields(proposal) == {"status", "unit_id"}
    patch = post(
        client,
        f"{API}/platforms/proposals/{populated['proposal_a'].pk}",
        {"title": "新标题", "status": "adopted"},
        "patch",
    )
    assert refused_fields(patch) == {"status"}
    evaluation = populated["evaluation_a"]
    indicator = evaluation.scheme.indicators.filter(method="entered").first()
    score = post(
        client,
        f"{API}/evaluation/evaluations/{evaluation.pk}/scores",
        {"indicator_id": indicator.pk, "score": "10", "total": "100", "grade": "优秀"},
    )
    assert refused_fields(score) == {"total", "grade"}
    evaluation.refresh_from_db()
    assert evaluation.grade != "优秀"


# --- activities filters ------------------------------------------------------------------------


def test_activity_filters_by_unit_and_text(populated, as_user):
    client = as_user("city_a")
    found = client.get(f"{API}/branches/activities", {"unit": "430101"}).json()
    assert [a["id"] for a in found["items"]] == [populated["activity_a"].pk]
    assert client.get(f"{API}/branches/activities", {"unit": "430201"}).status_code == 404
    assert client.get(f"{API}/branches/activities", {"q": "学习"}).json()["count"] == 1
    assert client.get(f"{API}/branches/activities", {"q": "无此主题"}).json()["count"] == 0


# --- evaluation results ---------------------------------------------------------------------


def test_evaluation_results_are_scoped_and_filtered(populated, as_user):
    body = as_user("city_a").get(f"{API}/evaluation/evaluations").json()
    units = {e["unit"] for e in body["items"]}
    assert "430101" in units and not units & {"4302", "430201", "4399"}
    assert body["count"] == len(body["items"])
    province = as_user("province").get(f"{API}/evaluation/evaluations", {"q": "株洲"}).json()
    assert {e["unit"] for e in province["items"]} == {"430201"}
    scheme = populated["scheme"]
    assert (
        as_user("city_a")
        .get(f"{API}/evaluation/evaluations", {"scheme_id": scheme.pk, "year": scheme.year})
        .json()["count"]
        == body["count"]
    )
    assert (
        as_user("city_a").get(f"{API}/evaluation/evaluations", {"scheme_id": 99999}).status_code
        == 404
    )


# --- planning reports -------------------------------------------------------------------------


def test_annual_report_is_scoped_and_reconciles(populated, as_user):
    client = as_user("city_a")
    year = datetime.date.today().year
    report = client.get(f"{API}/planning/annual-report", {"year": year}).json()
    assert report["unit"]["code"] == "4301" and report["reconciled"] is True
    codes = {r["unit"]["code"] for r in report["rows"]}
    assert codes >= {"4301", "430101", "430102"} and not codes & {"4302", "430201", "4399"}
    top = next(r for r in report["rows"] if r["unit"]["code"] == "4301" and not r["own_only"])
    in_city = Member.objects.filter(
        unit__path__startswith=populated.tree.city_a.path, status=MemberStatus.ACTIVE
    )
    assert top["values"]["end"] == in_city.count() >= 3
    assert client.get(f"{API}/planning/annual-report", {"unit": "4302"}).status_code == 404
    assert client.get(f"{API}/planning/annual-report", {"unit": "43"}).status_code == 404
    bad = client.get(f"{API}/planning/annual-report", {"year": 20000})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "year"


def test_annual_report_xlsx_is_audited_and_scoped(populated, as_user):
    client = as_user("city_a")
    response = client.get(f"{API}/planning/annual-report/xlsx", {"unit": "430101"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    event = AuditEvent.objects.filter(object_type="planning.annual_report").latest("id")
    assert event.extra["filter"]["unit"] == "430101" and event.extra["rows"] >= 1
    assert client.get(f"{API}/planning/annual-report/xlsx", {"unit": "430201"}).status_code == 404


def test_composition_progress_and_quotas_are_scoped(populated, as_user):
    from grassroots.planning.models import YearlyQuota

    year = datetime.date.today().year
    YearlyQuota.objects.create(unit=populated.tree.city_a, year=year, new_members=12)
    YearlyQuota.objects.create(unit=populated.tree.city_b, year=year, new_members=7)
    client = as_user("city_a")
    comp = client.get(f"{API}/planning/composition").json()
    assert comp["unit"]["code"] == "4301"
    headings = {c["unit"]["code"] for c in comp["columns"] if c["unit"]}
    assert "4302" not in headings and "430101" in headings
    progress = client.get(f"{API}/planning/progress", {"unit": "4301", "year": year}).json()
    assert progress["unit"]["code"] == "4301" and progress["progress"][0]["key"] == "new_members"
    quotas = client.get(f"{API}/planning/quotas", {"year": year}).json()
    assert quotas["items"][0] == {
        "unit": {"code": "4301", "name": populated.tree.city_a.display_name},
        "quota": 12,
        "admitted": 0,
        "remaining": 12,
    }
    assert {q["unit"]["code"] for q in quotas["items"]} == {"4301", "430101", "430102"}
    for route in ("composition", "progress", "quotas"):
        assert client.get(f"{API}/planning/{route}", {"unit": "4302"}).status_code == 404
    province = as_user("province").get(f"{API}/planning/quotas", {"year": year}).json()
    assert {q["unit"]["code"]: q["quota"] for q in province["items"]}["4302"] == 7


# --- error body and unmatched URLs ---------------------------------------------------------------


def test_unmatched_api_urls_answer_the_json_404(populated, as_user):
    client = as_user("city_a")
    for url in (f"{API}/members/-5", f"{API}/no-such-thing", "/api/v2/members"):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert "不存在" in response.json()["detail"]
    posted = Client(enforce_csrf_checks=True).post(f"{API}/elections/abc/approve")
    assert posted.status_code == 404


def test_openapi_documents_the_error_body_and_refused_fields(populated):
    schema = Client().get(f"{API}/openapi.json").json()
    member_post = schema["paths"][f"{API}/members"]["post"]
    for status in ("401", "404", "422"):
        ref = member_post["responses"][status]["content"]["application/json"]["schema"]
        assert ref == {"$ref": "#/components/schemas/ErrorOut"}
    body_ref = member_post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
    assert body["additionalProperties"] is False and "unit" not in body["properties"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "200" in operation["responses"] or any(
                s.startswith("2") for s in operation["responses"]
            ), (method, path)
