"""Sign-up and check-in: who may, until when, how many, and attendance recorded exactly once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.branches import signups
from grassroots.branches.models import ActivityOpening, ActivitySignup, Attendance
from grassroots.branches.tests.factories import make_activity
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db


def _soon(province, unit=None, days=3, **opening):
    day = timezone.localdate() + datetime.timedelta(days=days)
    activity = make_activity(unit or province.city_a, day, topic="专题学习会")
    signups.opening_set(activity=activity, actor=province.users["city_a"], **opening)
    return activity


def test_members_below_a_host_sign_up_once_and_may_sign_up_again_after_cancelling(province):
    activity = _soon(province)
    member = create_member(province.branch_a1)
    signup = signups.signup_create(activity=activity, member=member)
    assert signup.status == ActivitySignup.Status.SIGNED_UP
    with pytest.raises(ValidationError, match="已报名"):
        signups.signup_create(activity=activity, member=member)
    signups.signup_cancel(signup=signup)
    again = signups.signup_create(activity=activity, member=member)
    assert again.pk == signup.pk and again.status == ActivitySignup.Status.SIGNED_UP


def test_a_member_of_a_sibling_city_cannot_sign_up(province):
    activity = _soon(province)
    outsider = create_member(province.branch_b1)
    with pytest.raises(ValidationError, match="不属于本活动的主办组织"):
        signups.signup_create(activity=activity, member=outsider)
    assert not signups.open_for_member(outsider).filter(pk=activity.pk).exists()
    assert signups.open_for_member(create_member(province.branch_a2)).filter(pk=activity.pk)


def test_capacity_and_deadline(province):
    activity = _soon(province, capacity=1)
    signups.signup_create(activity=activity, member=create_member(province.branch_a1))
    with pytest.raises(ValidationError, match="名额已满"):
        signups.signup_create(activity=activity, member=create_member(province.branch_a1))
    late = _soon(province, signup_deadline=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="报名已截止"):
        signups.signup_create(activity=late, member=create_member(province.branch_a1))


def test_opening_refuses_a_deadline_after_the_start_and_staff_outside_scope(province):
    day = timezone.localdate() + datetime.timedelta(days=3)
    activity = make_activity(province.city_a, day)
    with pytest.raises(ValidationError, match="报名截止时间不能晚于活动开始时间"):
        signups.opening_set(
            activity=activity,
            signup_deadline=activity.starts_at + datetime.timedelta(hours=1),
            actor=province.users["city_a"],
        )
    with pytest.raises(ValidationError):
        signups.opening_set(activity=activity, actor=province.users["city_b"])
    assert not ActivityOpening.objects.filter(activity=activity).exists()


def _now_activity(province):
    """An activity that started ten minutes ago: check-in is open."""
    activity = make_activity(province.branch_a1, timezone.localdate())
    activity.starts_at = timezone.now() - datetime.timedelta(minutes=10)
    activity.save()
    return activity, signups.opening_set(activity=activity, actor=province.users["city_a"])


def test_check_in_records_attendance_exactly_once(province):
    activity, opening = _now_activity(province)
    member = create_member(province.branch_a1)
    first = signups.checkin_record(token=opening.checkin_token, member=member)
    second = signups.checkin_record(token=opening.checkin_token, member=member)
    assert first.already is False and second.already is True
    rows = Attendance.objects.filter(activity=activity, member=member)
    assert rows.count() == 1
    assert rows.get().status == Attendance.Status.ATTENDED
    assert rows.get().hours == activity.hours


def test_check_in_refusals_are_clear(province):
    _activity, opening = _now_activity(province)
    member = create_member(province.branch_a1)
    with pytest.raises(signups.CheckInRefused, match="签到码无效"):
        signups.checkin_record(token="not-a-token", member=member)
    with pytest.raises(signups.CheckInRefused, match="不属于本活动的主办组织"):
        signups.checkin_record(
            token=opening.checkin_token, member=create_member(province.branch_a2)
        )
    old = opening.checkin_token
    signups.opening_new_token(opening=opening, actor=province.users["city_a"])
    with pytest.raises(signups.CheckInRefused, match="签到码无效或已更换"):
        signups.checkin_record(token=old, member=member)
    opening.refresh_from_db()
    opening.checkin_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    opening.checkin_opens_at = timezone.now() - datetime.timedelta(hours=2)
    opening.save()
    with pytest.raises(signups.CheckInRefused, match="签到已结束"):
        signups.checkin_record(token=opening.checkin_token, member=member)
    future = _soon(province, unit=province.branch_a1, days=2)
    with pytest.raises(signups.CheckInRefused, match="签到尚未开始"):
        signups.checkin_record(token=future.opening.checkin_token, member=member)
    assert not Attendance.objects.filter(member=member).exists()


def test_qr_is_inline_svg_of_the_url():
    svg = signups.checkin_qr_svg("https://example.org/m/check-in/abc/")
    assert svg.startswith("<svg") and "viewBox" in svg


def test_console_qr_page_shows_the_code_and_replaces_it(client, province):
    activity = _soon(province, unit=province.branch_a1)
    opening = activity.opening
    client.force_login(province.users["city_a"])
    url = f"/admin/branches/activityopening/{opening.pk}/qr/"
    page = client.get(url).content.decode()
    assert "<svg" in page and f"/m/check-in/{opening.checkin_token}/" in page
    assert client.post(url).status_code == 302
    old = opening.checkin_token
    opening.refresh_from_db()
    assert opening.checkin_token != old
    client.force_login(province.users["city_b"])
    assert client.get(url).status_code == 404
    listing = client.get("/admin/branches/activityopening/").content.decode()
    assert activity.topic not in listing


def test_console_opens_an_activity_through_the_service(client, province):
    day = timezone.localdate() + datetime.timedelta(days=5)
    activity = make_activity(province.branch_a1, day, topic="开放报名的活动")
    client.force_login(province.users["city_a"])
    response = client.post(
        "/admin/branches/activityopening/add/",
        {"activity": activity.pk, "signup_open": "on", "capacity": "30", "note": "请准时"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    opening = ActivityOpening.objects.get(activity=activity)
    assert opening.capacity == 30 and len(opening.checkin_token) >= 20
