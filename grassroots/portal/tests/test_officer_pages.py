"""A branch officer's pages: their branch only; members, other branches and staff get 404."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.branches.models import Activity, ActivityOpening, Attendance
from grassroots.branches.tests.factories import make_activity
from grassroots.members.tests.factories import create_member
from grassroots.portal.tests.factories import member_with_account, officer_with_account
from grassroots.recruitment.models import Prospect
from grassroots.recruitment.tests.factories import create_application

pytestmark = pytest.mark.django_db

OFFICER_PAGES = [
    "/m/branch/members/",
    "/m/branch/activities/",
    "/m/branch/activities/new/",
    "/m/branch/prospects/",
    "/m/branch/applications/",
    "/m/branch/five-izations/",
]


@pytest.fixture
def chair(province, client):
    member, user = officer_with_account(province.branch_a1, "chair")
    client.force_login(user)
    return member


def test_officer_pages_open_for_an_officer_and_404_for_a_plain_member(client, chair, province):
    for url in OFFICER_PAGES:
        assert client.get(url).status_code == 200, url
    _m, plain = member_with_account(province.branch_a1, "plain")
    client.force_login(plain)
    for url in OFFICER_PAGES:
        assert client.get(url).status_code == 404, url
    # An officer whose term ended is a plain member again.
    chair.offices.update(end_date=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(chair.user)
    assert client.get("/m/branch/members/").status_code == 404


def test_branch_members_are_the_branchs_only_with_ids_masked(client, chair, province):
    own = create_member(province.branch_a1, name="本支部会员")
    sibling = create_member(province.branch_a2, name="兄弟支部会员")
    page = client.get("/m/branch/members/").content.decode()
    assert "本支部会员" in page and "兄弟支部会员" not in page
    assert own.id_number_masked in page and own.id_number not in page
    detail = client.get(f"/m/branch/members/{own.pk}/").content.decode()
    assert own.id_number_masked in detail and own.id_number not in detail
    assert client.get(f"/m/branch/members/{sibling.pk}/").status_code == 404
    assert "本支部会员" in client.get("/m/branch/members/?q=本支部").content.decode()


def test_record_an_activity_its_attendance_and_show_its_qr(client, chair, province):
    member = create_member(province.branch_a1)
    outsider = create_member(province.branch_a2)
    start = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    kind = Activity._meta.get_field("kind").related_model.objects.filter(is_active=True).first()
    response = client.post(
        "/m/branch/activities/new/",
        {"kind": kind.pk, "topic": "支部学习会", "starts_at": start, "open_signup": "on"},
    )
    assert response.status_code == 302
    activity = Activity.objects.get(topic="支部学习会")
    assert activity.lead_unit == province.branch_a1
    assert ActivityOpening.objects.filter(activity=activity).exists()
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and activity.opening.checkin_token in page
    saved = client.post(
        response["Location"],
        {"action": "attendance", f"m{member.pk}": "attended", f"m{outsider.pk}": "attended"},
    )
    assert saved.status_code == 302
    assert Attendance.objects.get(activity=activity, member=member).status == "attended"
    assert not Attendance.objects.filter(member=outsider).exists()
    bad = client.post(
        "/m/branch/activities/new/", {"kind": kind.pk, "topic": "", "starts_at": "昨天"}
    )
    assert bad.status_code == 200 and "主题" in bad.content.decode()


def test_activities_of_another_branch_are_404(client, chair, province):
    theirs = make_activity(province.branch_a2, timezone.localdate(), topic="兄弟支部活动")
    assert "兄弟支部活动" not in client.get("/m/branch/activities/").content.decode()
    assert client.get(f"/m/branch/activities/{theirs.pk}/").status_code == 404
    assert client.post(f"/m/branch/activities/{theirs.pk}/", {"action": "open"}).status_code == 404


def test_recommend_a_prospect_for_the_branch(client, chair, province):
    response = client.post(
        "/m/branch/prospects/",
        {"name": "赵推荐", "sex": "F", "phone": "13700001234", "employer": "中南大学"},
    )
    assert response.status_code == 302
    prospect = Prospect.objects.get(name="赵推荐")
    assert prospect.unit == province.branch_a1 and prospect.recruiter == chair
    Prospect.objects.create(unit=province.branch_a2, name="别人推荐")
    page = client.get("/m/branch/prospects/").content.decode()
    assert "赵推荐" in page and "别人推荐" not in page
    bad = client.post("/m/branch/prospects/", {"name": "钱某", "phone": "123"})
    assert bad.status_code == 200 and "手机号码" in bad.content.decode()


def test_applications_of_the_branch_with_their_stage(client, chair, province):
    own = create_application(province, province.branch_a1, name="本支部申请人")
    create_application(province, province.branch_a2, name="兄弟支部申请人")
    page = client.get("/m/branch/applications/").content.decode()
    assert "本支部申请人" in page and "兄弟支部申请人" not in page
    assert str(own.stage) in page


def test_five_izations_at_a_glance(client, chair, province):
    create_member(province.branch_a1)
    page = client.get("/m/branch/five-izations/").content.decode()
    assert "经费固定化" in page and province.branch_a1.name in page


def test_a_branch_officer_account_sees_its_unit(client, province):
    client.force_login(province.users["branch_a1"])
    create_member(province.branch_a1, name="甲支部会员")
    create_member(province.branch_b1, name="乙市会员")
    page = client.get("/m/branch/members/").content.decode()
    assert "甲支部会员" in page and "乙市会员" not in page
