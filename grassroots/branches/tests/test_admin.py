"""Console pages of the five-izations records render inside scope and 404 outside it."""

import datetime

import pytest
from django.urls import reverse

from grassroots.branches import services
from grassroots.branches.models import ActivityKind, Attendance
from grassroots.branches.tests.factories import make_activity
from grassroots.members.tests.factories import create_member


@pytest.fixture
def city_a(client, province):
    client.force_login(province.users["city_a"])
    return client


def test_panel_renders_for_a_unit_in_scope_and_404s_outside(city_a, province):
    services.venue_set(
        unit=province.branch_a1, address="会址", usage="dedicated", since=datetime.date(2024, 1, 1)
    )
    url = reverse("admin:branches_branch_change", args=[province.branch_a1.pk])
    page = city_a.get(url + "?year=2026")
    assert page.status_code == 200
    assert "场地专门化" in page.content.decode() and "会址" in page.content.decode()
    other = reverse("admin:branches_branch_change", args=[province.branch_b1.pk])
    assert city_a.get(other).status_code == 404
    listing = city_a.get(reverse("admin:branches_branch_changelist"))
    assert listing.status_code == 200 and "株洲第一支部" not in listing.content.decode()


def test_attendance_page_records_own_members(city_a, province):
    activity = make_activity(province.branch_a1, datetime.date(2026, 3, 1))
    member = create_member(province.branch_a1)
    url = reverse("admin:branches_activity_attendance", args=[activity.pk])
    response = city_a.post(url, {"action": "plan", "plan_unit": province.branch_a1.pk})
    assert response.status_code == 302
    response = city_a.post(
        url, {f"status_{member.pk}": "attended", f"hours_{member.pk}": "3", f"note_{member.pk}": ""}
    )
    assert response.status_code == 302
    row = Attendance.objects.get(activity=activity, member=member)
    assert row.status == "attended" and row.hours == 3
    assert member.name in city_a.get(url).content.decode()
    signin = city_a.get(reverse("admin:branches_activity_signin", args=[activity.pk]))
    assert signin["Content-Type"] == "application/pdf"


def test_activity_of_another_city_is_404(city_a, province):
    activity = make_activity(province.branch_b1, datetime.date(2026, 3, 1))
    for name in ("attendance", "signin", "files"):
        url = reverse(f"admin:branches_activity_{name}", args=[activity.pk])
        assert city_a.get(url).status_code == 404


def test_lists_and_reports_render(city_a, province):
    kind = ActivityKind.objects.get(code="backbone-training")
    course = services.course_create(
        unit=province.city_a, title="骨干班", year=2026, kind=kind, is_mandatory=True
    )
    create_member(province.branch_a1, name="未参训者")
    missing = city_a.get(reverse("admin:branches_trainingcourse_missing", args=[course.pk]))
    assert "未参训者" in missing.content.decode()
    export = city_a.get(
        reverse("admin:branches_trainingcourse_missing", args=[course.pk]) + "?export=xlsx"
    )
    assert export.content[:2] == b"PK"
    for name in (
        "branches_activity_changelist",
        "branches_attendance_changelist",
        "branches_visit_changelist",
        "branches_funding_changelist",
        "branches_venue_changelist",
        "branches_cadence_changelist",
        "branches_branch_cadence",
        "branches_trainingcourse_hours",
        "branches_activity_add",
    ):
        assert city_a.get(reverse(f"admin:{name}")).status_code == 200, name
