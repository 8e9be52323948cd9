"""A member's own pages: each shows only the member's own records; anybody else's is a 404."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.branches import signups
from grassroots.branches.models import ActivitySignup, Attendance
from grassroots.branches.tests.factories import make_activity
from grassroots.core.models import AuditEvent
from grassroots.members.models import Education, Member, Officer
from grassroots.members.tests.factories import create_member
from grassroots.platforms.models import InformationPiece, Proposal, ProposalKind
from grassroots.platforms.services.common import Credit
from grassroots.platforms.services.information import information_create
from grassroots.portal.models import ProfileChangeRequest
from grassroots.portal.tests.factories import member_with_account
from grassroots.recruitment import services as recruitment
from grassroots.recruitment.tests.factories import branch_user, create_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(province, client):
    member, user = member_with_account(
        province.branch_a1, "me", phone="13900001111", employer="长沙一中"
    )
    client.force_login(user)
    return member


def _soon(province, unit, days=3, **kw):
    activity = make_activity(unit, timezone.localdate() + datetime.timedelta(days=days), **kw)
    signups.opening_set(activity=activity, actor=province.users["province"])
    return activity


def test_profile_shows_the_id_masked_never_in_full(client, me):
    page = client.get("/m/me/").content.decode()
    assert me.id_number_masked in page
    assert me.id_number not in page


def test_contact_fields_apply_at_once_and_are_audited(client, me):
    response = client.post(
        "/m/me/", {"form": "contact", "phone": "13900002222", "email": "me@example.org"}
    )
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.phone == "13900002222" and me.email == "me@example.org"
    event = AuditEvent.objects.filter(
        object_type="members.member", object_id=str(me.pk), action="update"
    ).first()
    assert event is not None and event.changes["phone"] == ["13900001111", "13900002222"]
    bad = client.post("/m/me/", {"form": "contact", "phone": "12", "email": ""})
    assert bad.status_code == 200 and "手机号码" in bad.content.decode()


def test_core_fields_wait_for_staff_approval_which_applies_them(client, me, province):
    edu = Education.objects.filter(is_active=True).first()
    response = client.post(
        "/m/me/",
        {"form": "core", "employer": "湖南师范大学", "post": "教授", "education": edu.pk},
    )
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.employer == "长沙一中"  # not yet
    change = ProfileChangeRequest.objects.get(member=me)
    assert change.status == ProfileChangeRequest.Status.PENDING
    assert set(change.changes) == {"employer", "post", "education"}
    # A second request waits until the first is decided.
    again = client.post("/m/me/", {"form": "core", "employer": "别处"})
    assert "正在审核" in again.content.decode()

    # Staff of a sibling city cannot even open it; city A staff approve it.
    staff = client.__class__()
    staff.force_login(province.users["city_b"])
    url = f"/admin/portal/profilechangerequest/{change.pk}/decide/"
    assert staff.get(url).status_code == 404
    staff.force_login(province.users["city_a"])
    assert staff.post(url, {"decision": "reject", "note": ""}).status_code == 200  # note needed
    assert staff.post(url, {"decision": "approve", "note": "核实无误"}).status_code == 302
    me.refresh_from_db()
    assert (me.employer, me.post, me.education) == ("湖南师范大学", "教授", edu)
    change.refresh_from_db()
    assert change.status == ProfileChangeRequest.Status.APPROVED and change.decided_by == "city_a"
    assert AuditEvent.objects.filter(
        object_type="members.member", object_id=str(me.pk), actor_username="city_a"
    ).exists()


def test_change_requests_listed_to_staff_in_scope_only(client, me, province):
    client.post("/m/me/", {"form": "core", "employer": "湖南师范大学"})
    other = create_member(province.branch_b1)
    ProfileChangeRequest.objects.create(member=other, changes={"post": "x"}, shown={})
    staff = client.__class__()
    staff.force_login(province.users["city_a"])
    page = staff.get("/admin/portal/profilechangerequest/").content.decode()
    assert me.name in page and other.name not in page


def test_withdrawing_someone_elses_request_is_404(client, me, province):
    other = create_member(province.branch_a1)
    theirs = ProfileChangeRequest.objects.create(member=other, changes={"post": "x"}, shown={})
    assert client.post(f"/m/me/requests/{theirs.pk}/withdraw/").status_code == 404
    mine = ProfileChangeRequest.objects.create(member=me, changes={"post": "x"}, shown={})
    assert client.post(f"/m/me/requests/{mine.pk}/withdraw/").status_code == 302
    mine.refresh_from_db()
    assert mine.status == ProfileChangeRequest.Status.WITHDRAWN


def test_my_branch_lists_my_units_officers_not_a_siblings(client, me, province):
    today = timezone.localdate()
    chair = create_member(province.branch_a1, name="王主委")
    Officer.objects.create(unit=province.branch_a1, member=chair, post="chair", start_date=today)
    sibling = create_member(province.branch_a2, name="李主委")
    Officer.objects.create(unit=province.branch_a2, member=sibling, post="chair", start_date=today)
    page = client.get("/m/my-branch/").content.decode()
    assert "王主委" in page and "李主委" not in page


def test_activities_open_to_me_and_not_a_sibling_citys(client, me, province):
    mine = _soon(province, province.city_a, topic="长沙学习会")
    theirs = _soon(province, province.city_b, topic="株洲学习会")
    page = client.get("/m/activities/").content.decode()
    assert "长沙学习会" in page and "株洲学习会" not in page
    assert client.get(f"/m/activities/{mine.pk}/").status_code == 200
    for url in (
        f"/m/activities/{theirs.pk}/",
        f"/m/activities/{theirs.pk}/signup/",
        f"/m/activities/{theirs.pk}/cancel/",
    ):
        method = client.get if url.endswith(f"{theirs.pk}/") else client.post
        assert method(url).status_code == 404, url
    assert not ActivitySignup.objects.filter(activity=theirs).exists()


def test_sign_up_and_cancel(client, me, province):
    activity = _soon(province, province.branch_a1)
    assert client.post(f"/m/activities/{activity.pk}/signup/").status_code == 302
    signup = ActivitySignup.objects.get(activity=activity, member=me)
    assert signup.status == ActivitySignup.Status.SIGNED_UP
    assert activity.topic in client.get("/m/activities/").content.decode()
    client.post(f"/m/activities/{activity.pk}/cancel/")
    signup.refresh_from_db()
    assert signup.status == ActivitySignup.Status.CANCELLED


def test_check_in_by_the_qr_link_records_once_and_refuses_clearly(client, me, province):
    activity = make_activity(province.branch_a1, timezone.localdate())
    activity.starts_at = timezone.now() - datetime.timedelta(minutes=5)
    activity.save()
    opening = signups.opening_set(activity=activity)
    url = f"/m/check-in/{opening.checkin_token}/"
    first = client.get(url).content.decode()
    second = client.get(url).content.decode()
    assert "签到成功" in first and "无需重复签到" in second
    assert Attendance.objects.filter(activity=activity, member=me).count() == 1
    bad = client.get("/m/check-in/expired-or-made-up/").content.decode()
    assert "签到码无效或已更换" in bad
    # Anonymous: sign in first, then come back to the same link.
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/m/login/?next=%2Fm%2Fcheck-in%2F")


def test_submit_information_and_follow_its_status(client, me, province):
    response = client.post(
        "/m/submissions/new/information/", {"title": "关于社区养老的建议", "body": "正文内容"}
    )
    assert response.status_code == 302
    piece = InformationPiece.objects.get(title="关于社区养老的建议")
    assert list(piece.authors.values_list("member_id", flat=True)) == [me.pk]
    assert piece.unit == me.unit
    assert response["Location"] == f"/m/submissions/information/{piece.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "已报送" in detail
    empty = client.post("/m/submissions/new/information/", {"title": "", "body": ""})
    assert empty.status_code == 200 and "标题" in empty.content.decode()


def test_submit_a_proposal(client, me):
    kind = ProposalKind.objects.filter(is_active=True, collective=False).first()
    response = client.post(
        "/m/submissions/new/proposal/", {"kind": kind.pk, "title": "关于校园安全", "body": "..."}
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(title="关于校园安全")
    assert proposal.status == "submitted"
    assert "关于校园安全" in client.get("/m/submissions/").content.decode()


def test_someone_elses_submission_is_404(client, me, province):
    other = create_member(province.branch_a1)
    theirs = information_create(actor=None, title="别人的信息", authors=[Credit(member=other)])
    assert client.get(f"/m/submissions/information/{theirs.pk}/").status_code == 404
    assert client.get(f"/m/submissions/elsewhere/{theirs.pk}/").status_code == 404
    assert client.get("/m/submissions/new/elsewhere/").status_code == 404
    assert "别人的信息" not in client.get("/m/submissions/").content.decode()


def test_training_and_archive_show_only_my_records(client, me, province):
    activity = make_activity(province.branch_a1, timezone.localdate(), topic="骨干培训")
    other = create_member(province.branch_a1)
    from grassroots.branches.services import attendance_record

    attendance_record(activity=activity, member=me, status="attended")
    information_create(actor=None, title="我的信息稿", authors=[Credit(member=me)])
    information_create(actor=None, title="别人的信息稿", authors=[Credit(member=other)])
    page = client.get("/m/training/").content.decode()
    assert "骨干培训" in page
    archive = client.get("/m/archive/").content.decode()
    assert "我的信息稿" in archive and "别人的信息稿" not in archive
    assert client.get("/m/training/?year=abc").status_code == 200


def test_introducer_confirms_an_application_they_were_named_on(client, me, province):
    app = create_application(province, province.branch_a1)
    actor = branch_user(province, province.branch_a1)
    mine = recruitment.introducer_add(application=app, member=me, actor=actor)
    other = create_member(province.branch_a1)
    theirs = recruitment.introducer_add(application=app, member=other, actor=actor)
    listing = client.get("/m/introductions/").content.decode()
    assert app.name in listing
    assert client.get(f"/m/introductions/{theirs.pk}/").status_code == 404
    assert client.post(f"/m/introductions/{theirs.pk}/").status_code == 404
    home = client.get("/m/").content.decode()
    assert 'class="badge">1<' in home  # one introduction waits
    assert client.post(f"/m/introductions/{mine.pk}/", {"note": "熟悉"}).status_code == 302
    mine.refresh_from_db()
    assert mine.confirmed_at is not None and mine.confirmed_in_person is True
    theirs.refresh_from_db()
    assert theirs.confirmed_at is None


def test_a_member_who_left_cannot_use_the_portal(client, me):
    Member.objects.filter(pk=me.pk).update(status="resigned")
    assert client.get("/m/me/").status_code == 404


def test_member_pages_are_404_for_an_officer_account_without_member(client, province):
    client.force_login(province.users["branch_a1"])
    assert client.get("/m/").status_code == 200  # officer home
    assert client.get("/m/me/").status_code == 404
    assert client.get("/m/activities/").status_code == 404
