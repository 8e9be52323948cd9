"""Five-izations writes: co-host attendance isolation, uploads, venues, follow-ups, cadence."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.accounts.models import Role
from grassroots.branches import selectors, services
from grassroots.branches.models import ActivityFile, Attendance, FollowUp, Venue, Visit
from grassroots.branches.tests.factories import make_activity
from grassroots.core.testing import make_user
from grassroots.members.tests.factories import create_member

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def cohosted(province):
    """An activity co-hosted by a Changsha branch and a Zhuzhou branch, two members each."""
    officer_b1 = make_user("branch_b1", province.branch_b1, Role.BRANCH_OFFICER)
    a_members = [create_member(province.branch_a1) for _ in range(2)]
    b_members = [create_member(province.branch_b1) for _ in range(2)]
    activity = make_activity(province.branch_a1, DAY, co_hosts=[province.branch_b1])
    return province, officer_b1, activity, a_members, b_members


def test_each_host_records_and_sees_only_its_own_members(cohosted):
    province, officer_b1, activity, a_members, b_members = cohosted
    officer_a1 = province.users["branch_a1"]
    for member in a_members:
        services.attendance_record(
            activity=activity, member=member, status=Attendance.Status.ATTENDED, actor=officer_a1
        )
    services.attendance_record(
        activity=activity, member=b_members[0], status=Attendance.Status.EXCUSED, actor=officer_b1
    )
    # Both hosts see the activity ...
    assert selectors.activities_visible(officer_a1).filter(pk=activity.pk).exists()
    assert selectors.activities_visible(officer_b1).filter(pk=activity.pk).exists()
    # ... but each sees only its own members' attendance.
    seen_a = set(
        selectors.attendance_visible(officer_a1, activity).values_list("member_id", flat=True)
    )
    seen_b = set(
        selectors.attendance_visible(officer_b1, activity).values_list("member_id", flat=True)
    )
    assert seen_a == {m.pk for m in a_members}
    assert seen_b == {b_members[0].pk}
    # The city above branch a1 sees a1's rows only; the province sees all three.
    assert selectors.attendance_visible(province.users["city_a"], activity).count() == 2
    assert selectors.attendance_visible(province.users["province"], activity).count() == 3


def test_a_host_cannot_record_another_hosts_member(cohosted):
    _province, officer_b1, activity, a_members, _b_members = cohosted
    with pytest.raises(ValidationError) as err:
        services.attendance_record(
            activity=activity,
            member=a_members[0],
            status=Attendance.Status.ATTENDED,
            actor=officer_b1,
        )
    assert "member" in err.value.message_dict
    assert not Attendance.objects.exists()


def test_member_of_a_unit_that_is_not_a_host_is_refused(province):
    activity = make_activity(province.branch_a1, DAY)
    outsider = create_member(province.branch_a2)
    with pytest.raises(ValidationError):
        services.attendance_record(
            activity=activity, member=outsider, status="attended", actor=province.users["city_a"]
        )


def test_attendance_hours_default_to_the_activity_and_only_for_attended(province):
    activity = make_activity(province.branch_a1, DAY, hours=Decimal("2.5"))
    member = create_member(province.branch_a1)
    row = services.attendance_record(activity=activity, member=member, status="attended")
    assert row.hours == Decimal("2.5")
    row = services.attendance_record(activity=activity, member=member, status="excused")
    assert row.hours == 0
    with pytest.raises(ValidationError):
        services.attendance_record(
            activity=activity, member=member, status="absent", hours=Decimal(1)
        )


def test_plan_adds_the_host_units_active_members_once(province):
    activity = make_activity(province.branch_a1, DAY)
    for _ in range(3):
        create_member(province.branch_a1)
    assert services.attendance_plan(activity=activity, unit=province.branch_a1) == 3
    assert services.attendance_plan(activity=activity, unit=province.branch_a1) == 0
    assert set(activity.attendances.values_list("status", flat=True)) == {"planned"}


def test_uploads_are_checked_for_type_size_and_content(province):
    activity = make_activity(province.branch_a1, DAY)
    png = SimpleUploadedFile("合影.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    saved = services.activity_file_add(
        activity=activity, upload=png, kind=ActivityFile.Kind.PHOTO, unit=province.branch_a1
    )
    assert saved.size == 108 and saved.name == "合影.png"
    exe = SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream")
    with pytest.raises(ValidationError, match="类型不允许"):
        services.activity_file_add(
            activity=activity, upload=exe, kind="file", unit=province.branch_a1
        )
    fake = SimpleUploadedFile("fake.jpg", b"not an image", "image/jpeg")
    with pytest.raises(ValidationError, match="不是有效的图片"):
        services.activity_file_add(
            activity=activity, upload=fake, kind="photo", unit=province.branch_a1
        )
    big = SimpleUploadedFile("big.pdf", b"0" * (services.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(ValidationError, match="超过大小上限"):
        services.activity_file_add(
            activity=activity, upload=big, kind="file", unit=province.branch_a1
        )
    assert ActivityFile.objects.count() == 1


def test_new_venue_closes_the_previous_one(province):
    old = services.venue_set(
        unit=province.branch_a1, address="老会址", usage="shared", since=datetime.date(2020, 1, 1)
    )
    services.venue_set(
        unit=province.branch_a1,
        address="新会址",
        usage=Venue.Usage.DEDICATED,
        since=datetime.date(2025, 5, 1),
        area=Decimal("60"),
    )
    old.refresh_from_db()
    assert old.until == datetime.date(2025, 4, 30)


def test_writes_outside_scope_are_refused(province):
    with pytest.raises(ValidationError):
        services.funding_set(
            unit=province.branch_b1,
            year=2026,
            source="allocation",
            budget=Decimal(1000),
            actor=province.users["city_a"],
        )


def test_follow_up_done_needs_a_result(province):
    member = create_member(province.branch_a1)
    visit = services.visit_create(
        unit=province.branch_a1,
        date=DAY,
        visitors="主委",
        members=[member],
        topics="子女入学",
        kind=Visit.Kind.VISIT,
    )
    follow = services.follow_up_add(visit=visit, action="联系教育局")
    with pytest.raises(ValidationError):
        services.follow_up_set_status(follow_up=follow, status=FollowUp.Status.DONE)
    services.follow_up_set_status(follow_up=follow, status="done", result="已解决")
    assert follow.done_on is not None


def test_visit_members_must_belong_to_the_unit(province):
    other = create_member(province.branch_b1)
    with pytest.raises(ValidationError, match="不属于本组织"):
        services.visit_create(unit=province.branch_a1, date=DAY, visitors="主委", members=[other])
