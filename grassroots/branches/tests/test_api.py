"""The branches API: activities and attendance keep co-host isolation; out of scope is 404."""

import datetime

from grassroots.accounts.models import Role
from grassroots.branches.tests.factories import make_activity
from grassroots.core.testing import make_user
from grassroots.members.tests.factories import create_member


def test_attendance_over_the_api_is_per_host(client, province):
    activity = make_activity(
        province.branch_a1, datetime.date(2026, 3, 1), co_hosts=[province.branch_b1]
    )
    mine, theirs = create_member(province.branch_a1), create_member(province.branch_b1)
    client.force_login(province.users["city_a"])
    url = f"/api/v1/branches/activities/{activity.pk}/attendance"
    ok = client.post(
        url, {"member_id": mine.pk, "status": "attended"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "attended"
    # A member of the other host is not even visible to this user: 404.
    other = client.post(
        url, {"member_id": theirs.pk, "status": "attended"}, content_type="application/json"
    )
    assert other.status_code == 404
    client.force_login(make_user("b1", province.branch_b1, Role.BRANCH_OFFICER))
    assert client.get(url).json()["count"] == 0
    assert client.get(f"/api/v1/branches/activities/{activity.pk}").status_code == 200


def test_activity_create_and_panel(client, province):
    client.force_login(province.users["city_a"])
    body = {
        "kind": "study",
        "topic": "理论学习",
        "starts_at": "2026-04-01T09:00:00+08:00",
        "lead_unit": province.branch_a1.code,
        "co_hosts": [province.branch_a2.code],
    }
    created = client.post("/api/v1/branches/activities", body, content_type="application/json")
    assert created.status_code == 201 and set(created.json()["hosts"]) == {"430101", "430102"}
    bad = client.post(
        "/api/v1/branches/activities", {**body, "topic": " "}, content_type="application/json"
    )
    assert bad.status_code == 422 and "主题" in bad.json()["detail"]
    outside = client.post(
        "/api/v1/branches/activities",
        {**body, "lead_unit": province.branch_b1.code},
        content_type="application/json",
    )
    assert outside.status_code == 404
    panel = client.get(f"/api/v1/branches/units/{province.branch_a1.pk}/five-izations?year=2026")
    assert panel.json()["training"]["activities"] == [{"kind": "学习会", "count": 1}]
    assert (
        client.get(f"/api/v1/branches/units/{province.branch_b1.pk}/five-izations").status_code
        == 404
    )
