"""Sign-up and check-in for activities opened to members (the member portal's writes and reads).

Who may take part: active members of a host unit or of any unit below it, the same rule as for
recording their attendance. A check-in records the member's attendance as attended, once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.branches.models import (
    Activity,
    ActivityHost,
    ActivityOpening,
    ActivitySignup,
    Attendance,
    new_checkin_token,
)
from grassroots.branches.services import attendance_record, check_unit_in_scope
from grassroots.core import audit
from grassroots.members.models import Member, MemberStatus


def _host_for(activity: Activity, member: Member) -> Any:
    for host in activity.hosts.select_related("unit"):
        if member.unit.path.startswith(host.unit.path):
            return host.unit
    return None


def _in_scope_of_a_host(activity: Activity, actor: Any) -> None:
    """The organizer: staff whose scope covers the lead unit."""
    check_unit_in_scope(activity.lead_unit, actor, "activity")


# --- the organizer ---------------------------------------------------------------------------


@transaction.atomic
def opening_set(
    *,
    activity: Activity,
    signup_open: bool = True,
    signup_deadline: datetime.datetime | None = None,
    capacity: int | None = None,
    checkin_opens_at: datetime.datetime | None = None,
    checkin_closes_at: datetime.datetime | None = None,
    note: str = "",
    actor: Any = None,
) -> ActivityOpening:
    """Open (or change the opening of) an activity for sign-up and check-in."""
    _in_scope_of_a_host(activity, actor)
    errors: dict[str, str] = {}
    if signup_deadline is not None and signup_deadline > activity.starts_at:
        errors["signup_deadline"] = _("报名截止时间不能晚于活动开始时间")
    if capacity is not None and capacity < 1:
        errors["capacity"] = _("名额至少为1，不限名额请留空")
    if checkin_opens_at and checkin_closes_at and checkin_closes_at <= checkin_opens_at:
        errors["checkin_closes_at"] = _("签到结束时间须晚于签到开始时间")
    opening = ActivityOpening.objects.filter(activity=activity).first()
    if capacity is not None and opening is not None:
        taken = opening.activity.signups.filter(status=ActivitySignup.Status.SIGNED_UP).count()
        if capacity < taken:
            errors["capacity"] = _("已有%(n)d人报名，名额不能少于已报名人数") % {"n": taken}
    if errors:
        raise ValidationError(errors)
    opening = opening or ActivityOpening(activity=activity)
    opening.signup_open = signup_open
    opening.signup_deadline = signup_deadline
    opening.capacity = capacity
    opening.checkin_opens_at = checkin_opens_at
    opening.checkin_closes_at = checkin_closes_at
    opening.note = note.strip()
    opening.save()
    return opening


@transaction.atomic
def opening_new_token(*, opening: ActivityOpening, actor: Any = None) -> ActivityOpening:
    """A new QR code: the old one (e.g. a photo passed around) stops working at once."""
    _in_scope_of_a_host(opening.activity, actor)
    opening.checkin_token = new_checkin_token()
    opening.save(update_fields=["checkin_token"])
    audit.record(audit.AuditEvent.Action.UPDATE, instance=opening, operation="checkin_new_token")
    return opening


# --- the member ------------------------------------------------------------------------------


def signup_refusal(opening: ActivityOpening | None, member: Member) -> str | None:
    if opening is None or not opening.signup_open:
        return _("该活动未开放报名")
    if member.status != MemberStatus.ACTIVE:
        return _("只有在册会员可以报名")
    if timezone.now() >= opening.signup_closes_at:
        return _("报名已截止")
    if _host_for(opening.activity, member) is None:
        return _("您不属于本活动的主办组织，不能报名")
    return None


@transaction.atomic
def signup_create(*, activity: Activity, member: Member) -> ActivitySignup:
    """The member signs up (again, after cancelling); a full activity refuses."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    opening = ActivityOpening.objects.filter(activity=activity).first()
    refusal = signup_refusal(opening, member)
    if refusal:
        raise ValidationError(refusal)
    assert opening is not None
    signup = ActivitySignup.objects.filter(activity=activity, member=member).first()
    if signup is not None and signup.status == ActivitySignup.Status.SIGNED_UP:
        raise ValidationError(_("您已报名该活动"))
    if opening.capacity is not None:
        taken = activity.signups.filter(status=ActivitySignup.Status.SIGNED_UP).count()
        if taken >= opening.capacity:
            raise ValidationError(_("名额已满（%(n)d人）") % {"n": opening.capacity})
    signup = signup or ActivitySignup(activity=activity, member=member)
    signup.unit = member.unit
    signup.status = ActivitySignup.Status.SIGNED_UP
    signup.signed_up_at = timezone.now()
    signup.cancelled_at = None
    signup.save()
    return signup


@transaction.atomic
def signup_cancel(*, signup: ActivitySignup) -> ActivitySignup:
    if signup.status != ActivitySignup.Status.SIGNED_UP:
        raise ValidationError(_("该报名已取消"))
    if timezone.now() >= signup.activity.starts_at:
        raise ValidationError(_("活动已开始，不能取消报名；如不能出席请向支部请假"))
    signup.status = ActivitySignup.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save()
    return signup


@dataclass
class CheckIn:
    activity: Activity
    attendance: Attendance
    already: bool  # this member had checked in before; nothing was written


class CheckInRefused(Exception):
    """A check-in that cannot be recorded, with a message for the member."""

    def __init__(self, message: str, activity: Activity | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.activity = activity


@transaction.atomic
def checkin_record(*, token: str, member: Member) -> CheckIn:
    """Record the member as attended through the activity's QR code; idempotent."""
    opening = (
        ActivityOpening.objects.select_related("activity").filter(checkin_token=token[:32]).first()
        if token
        else None
    )
    if opening is None:
        raise CheckInRefused(_("签到码无效或已更换，请扫描现场最新的二维码"))
    # Serialize check-ins of one member at one activity so that two taps record once.
    activity = Activity.objects.select_for_update().get(pk=opening.activity_id)
    existing = Attendance.objects.filter(activity=activity, member=member).first()
    if existing is not None and existing.status == Attendance.Status.ATTENDED:
        return CheckIn(activity=activity, attendance=existing, already=True)
    start, end = opening.checkin_window
    now = timezone.now()
    if now < start:
        when = timezone.localtime(start).strftime("%Y-%m-%d %H:%M")
        raise CheckInRefused(_("签到尚未开始，%(when)s开始签到") % {"when": when}, activity)
    if now > end:
        raise CheckInRefused(_("签到已结束，如需补登请联系活动组织人"), activity)
    if member.status != MemberStatus.ACTIVE:
        raise CheckInRefused(_("只有在册会员可以签到"), activity)
    if _host_for(activity, member) is None:
        raise CheckInRefused(_("您不属于本活动的主办组织，无需在此签到"), activity)
    attendance = attendance_record(
        activity=activity,
        member=member,
        status=Attendance.Status.ATTENDED,
        note=_("扫码签到"),
    )
    return CheckIn(activity=activity, attendance=attendance, already=False)


def checkin_qr_svg(url: str) -> str:
    """The QR code of a check-in URL as inline SVG (no image file, no outside service)."""
    import segno

    return segno.make(url, error="m").svg_inline(
        scale=8, border=2, dark="#111827", light="#ffffff", omitsize=True
    )


# --- reads -----------------------------------------------------------------------------------


def hosted_for_member(member: Member) -> Q:
    """Activities hosted by the member's unit or a unit above it."""
    paths = member.unit.ancestor_paths()
    return Q(Exists(ActivityHost.objects.filter(activity=OuterRef("pk"), unit__path__in=paths)))


def open_for_member(member: Member) -> QuerySet[Activity]:
    """Activities the member may still sign up for, soonest first, with sign-up counts."""
    now = timezone.now()
    return (
        Activity.objects.filter(hosted_for_member(member))
        .filter(opening__signup_open=True, starts_at__gt=now)
        .filter(Q(opening__signup_deadline__isnull=True) | Q(opening__signup_deadline__gt=now))
        .select_related("opening", "kind", "lead_unit")
        .annotate(taken=Count("signups", filter=Q(signups__status=ActivitySignup.Status.SIGNED_UP)))
        .order_by("starts_at", "id")
    )


def signups_of(member: Member) -> QuerySet[ActivitySignup]:
    return (
        ActivitySignup.objects.filter(member=member)
        .select_related("activity", "activity__kind", "activity__lead_unit")
        .order_by("-activity__starts_at")
    )
