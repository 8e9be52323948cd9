"""Scope of the branches console pages and API: city-A staff never see or touch city B.

Each test is named in ``grassroots/branches/scope_coverage.py`` for the URLs it exercises.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from grassroots.branches import services
from grassroots.branches.models import Activity, ActivityKind
from grassroots.branches.tests.factories import make_activity
from grassroots.members.tests.factories import create_member

API = "/api/v1/branches"
MISSING = 987654321
DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def city_a(client, province):
    client.force_login(province.users["city_a"])
    return client


def sheet_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return "\n".join("|".join(str(c) for c in row) for row in rows)


def test_activity_list_and_detail_are_scoped(city_a, province):
    mine = make_activity(province.branch_a1, DAY, topic="长沙学习会")
    theirs = make_activity(province.branch_b1, DAY, topic="株洲学习会")
    listed = city_a.get(f"{API}/activities").json()
    ids = {item["id"] for item in listed["items"]}
    assert mine.pk in ids and theirs.pk not in ids
    assert listed["count"] == 1
    assert city_a.get(f"{API}/activities/{mine.pk}").status_code == 200
    outside = city_a.get(f"{API}/activities/{theirs.pk}")
    absent = city_a.get(f"{API}/activities/{MISSING}")
    assert outside.status_code == absent.status_code == 404


def test_activity_create_refuses_a_lead_unit_outside_scope(city_a, province):
    body = {
        "kind": "study",
        "topic": "越权活动",
        "starts_at": "2026-04-01T09:00:00+08:00",
        "lead_unit": province.branch_b1.code,
    }
    url = f"{API}/activities"
    outside = city_a.post(url, body, content_type="application/json")
    absent = city_a.post(url, {**body, "lead_unit": "no-such"}, content_type="application/json")
    assert outside.status_code == absent.status_code == 404
    assert not Activity.objects.filter(topic="越权活动").exists()
    inside = city_a.post(
        url, {**body, "lead_unit": province.branch_a1.code}, content_type="application/json"
    )
    assert inside.status_code == 201


def test_attendance_list_and_record_are_scoped(city_a, province):
    mine, theirs = create_member(province.branch_a1), create_member(province.branch_b1)
    joint = make_activity(province.branch_a1, DAY, co_hosts=[province.branch_b1])
    services.attendance_record(activity=joint, member=mine, status="attended")
    services.attendance_record(activity=joint, member=theirs, status="attended")
    # A co-hosted activity: only the caller's own members' rows are listed.
    rows = city_a.get(f"{API}/activities/{joint.pk}/attendance").json()
    assert [r["member_id"] for r in rows["items"]] == [mine.pk]
    # Recording a sibling city's member is refused as if the member did not exist.
    url = f"{API}/activities/{joint.pk}/attendance"
    for member_id in (theirs.pk, MISSING):
        refused = city_a.post(
            url, {"member_id": member_id, "status": "excused"}, content_type="application/json"
        )
        assert refused.status_code == 404
    assert theirs.attendances.get(activity=joint).status == "attended"
    # An activity hosted by city B only: 404 for both reading and writing, like a missing one.
    other = make_activity(province.branch_b1, DAY)
    for activity_id in (other.pk, MISSING):
        assert city_a.get(f"{API}/activities/{activity_id}/attendance").status_code == 404
        posted = city_a.post(
            f"{API}/activities/{activity_id}/attendance",
            {"member_id": mine.pk, "status": "attended"},
            content_type="application/json",
        )
        assert posted.status_code == 404
    assert not other.attendances.exists()


def test_five_izations_panel_of_a_sibling_unit_answers_404(city_a, province):
    make_activity(province.branch_b1, DAY)
    ok = city_a.get(f"{API}/units/{province.branch_a1.pk}/five-izations?year=2026")
    assert ok.status_code == 200 and ok.json()["unit"] == province.branch_a1.code
    for unit_id in (province.branch_b1.pk, province.city_b.pk, MISSING):
        assert city_a.get(f"{API}/units/{unit_id}/five-izations?year=2026").status_code == 404


def _cadences(province):
    study = ActivityKind.objects.get(code="study")
    services.cadence_set(unit=province.branch_a1, kind=study, every_months=1)
    services.cadence_set(unit=province.branch_b1, kind=study, every_months=1)


def test_behind_cadence_api_lists_units_in_scope_only(city_a, province):
    _cadences(province)
    units = {item["unit"] for item in city_a.get(f"{API}/behind-cadence").json()["items"]}
    assert units == {province.branch_a1.code}


def test_console_cadence_page_and_export_are_scoped(city_a, province):
    _cadences(province)
    url = reverse("admin:branches_branch_cadence")
    page = city_a.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert province.branch_a1.name in html and province.branch_b1.name not in html
    export = city_a.get(url, {"export": "xlsx"})
    assert export.status_code == 200
    text = sheet_text(export)
    assert province.branch_a1.name in text and province.branch_b1.name not in text


def test_console_training_hours_page_and_export_are_scoped(city_a, province):
    mine = create_member(province.branch_a1, name="长沙学员")
    theirs = create_member(province.branch_b1, name="株洲学员")
    for member in (mine, theirs):
        activity = make_activity(member.unit, DAY, kind="thematic-training")
        services.attendance_record(activity=activity, member=member, status="attended")
    url = reverse("admin:branches_trainingcourse_hours")
    page = city_a.get(url, {"year": 2026})
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.name in html and theirs.name not in html
    assert province.branch_b1.name not in html
    export = city_a.get(url, {"year": 2026, "export": "xlsx"})
    assert export.status_code == 200
    text = sheet_text(export)
    assert mine.name in text and theirs.name not in text


def test_console_activity_form_offers_co_hosts_in_scope_only(city_a, province):
    """Regression: the co-host choice list used to name every unit of the province."""
    add = reverse("admin:branches_activity_add")
    html = city_a.get(add).content.decode()
    assert province.branch_a2.name in html
    for sibling in (province.city_b, province.branch_b1):
        assert sibling.name not in html
    posted = city_a.post(
        add,
        {
            "kind": ActivityKind.objects.get(code="study").pk,
            "topic": "越权联合主办",
            "starts_at_0": "2026-04-01",
            "starts_at_1": "09:00",
            "lead_unit": province.branch_a1.pk,
            "hours": "2",
            "co_hosts": [province.branch_b1.pk],
        },
    )
    assert posted.status_code == 200  # the form is shown again with the choice refused
    assert "co_hosts" in posted.context["adminform"].form.errors
    assert not Activity.objects.filter(topic="越权联合主办").exists()
