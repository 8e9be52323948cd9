"""Writes to the five-izations records; each checks scope and validates before saving."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.branches.models import (
    Activity,
    ActivityFile,
    ActivityHost,
    ActivityKind,
    Attendance,
    Cadence,
    FollowUp,
    Funding,
    FundingSource,
    PlatformActivity,
    Spending,
    TrainingCourse,
    Venue,
    Visit,
    WorkPlatform,
)
from grassroots.core import audit
from grassroots.core.context import actor_name as _actor_name
from grassroots.core.models import AuditEvent
from grassroots.core.scope import unit_in_scope
from grassroots.members.models import Member, MemberStatus
from grassroots.organizations.models import Unit

PHOTO_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
FILE_EXTENSIONS = PHOTO_EXTENSIONS | {
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".txt",
    ".odt",
    ".ods",
}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def check_unit_in_scope(unit: Unit, actor: Any, field: str = "unit") -> None:
    """Writes for a unit need the unit inside the actor's scope (system actor: None passes)."""
    if actor is None:
        return
    if not unit_in_scope(unit, actor) or getattr(actor, "is_read_only", False):
        raise ValidationError({field: _("所选组织不在您的管理范围内")})


def _positive(value: Decimal | None, field: str, label: str) -> None:
    if value is not None and value < 0:
        raise ValidationError({field: _("%(label)s不能为负数") % {"label": label}})


# --- funding, venue, platforms ---------------------------------------------------------------


@transaction.atomic
def funding_set(
    *,
    unit: Unit,
    year: int,
    source: str,
    budget: Decimal,
    note: str = "",
    actor: Any = None,
) -> Funding:
    check_unit_in_scope(unit, actor)
    if source not in FundingSource.values:
        raise ValidationError({"source": _("经费来源无效")})
    _positive(budget, "budget", _("预算"))
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度应在2000至2100之间")})
    funding = Funding.objects.filter(unit=unit, year=year, source=source).first()
    if funding is None:
        funding = Funding(unit=unit, year=year, source=source)
    funding.budget = budget
    funding.note = note
    funding.save()
    return funding


@transaction.atomic
def spending_add(
    *, funding: Funding, date: datetime.date, amount: Decimal, purpose: str, actor: Any = None
) -> Spending:
    check_unit_in_scope(funding.unit, actor)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("支出金额必须大于0")})
    if date.year != funding.year:
        raise ValidationError(
            {"date": _("支出日期须在经费所属年度%(year)s内") % {"year": funding.year}}
        )
    if not purpose.strip():
        raise ValidationError({"purpose": _("请填写用途")})
    return Spending.objects.create(funding=funding, date=date, amount=amount, purpose=purpose)


@transaction.atomic
def venue_set(
    *,
    unit: Unit,
    address: str,
    usage: str,
    since: datetime.date,
    owner: str = "",
    area: Decimal | None = None,
    actor: Any = None,
) -> Venue:
    """Record the unit's current venue; the previous current venue ends the day before."""
    check_unit_in_scope(unit, actor)
    if not address.strip():
        raise ValidationError({"address": _("请填写场地地址")})
    if usage not in Venue.Usage.values:
        raise ValidationError({"usage": _("使用方式无效")})
    _positive(area, "area", _("面积"))
    current = Venue.objects.filter(unit=unit, until__isnull=True).exclude(since__gte=since)
    for venue in current:
        venue.until = since - datetime.timedelta(days=1)
        venue.save()
    return Venue.objects.create(
        unit=unit, address=address, owner=owner, usage=usage, area=area, since=since
    )


@transaction.atomic
def platforms_set(
    *, unit: Unit, platforms: list[str], on: datetime.date, actor: Any = None
) -> list[PlatformActivity]:
    """The work platforms a unit is active in from ``on``: others end the day before."""
    check_unit_in_scope(unit, actor)
    bad = [p for p in platforms if p not in WorkPlatform.values]
    if bad:
        raise ValidationError({"platforms": _("无效的工作平台：%(p)s") % {"p": "、".join(bad)}})
    active = {
        p.platform: p
        for p in PlatformActivity.objects.filter(unit=unit).filter(
            Q(until__isnull=True) | Q(until__gte=on)
        )
    }
    for code, row in active.items():
        if code not in platforms:
            row.until = on - datetime.timedelta(days=1)
            row.save()
    for code in platforms:
        if code not in active:
            PlatformActivity.objects.create(unit=unit, platform=code, since=on)
    return list(PlatformActivity.objects.filter(unit=unit, until__isnull=True))


# --- activities ------------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    kind: ActivityKind,
    topic: str,
    starts_at: datetime.datetime,
    lead_unit: Unit,
    co_hosts: list[Unit] | None = None,
    ends_at: datetime.datetime | None = None,
    organizer: str = "",
    place: str = "",
    minutes: str = "",
    hours: Decimal | None = None,
    course: TrainingCourse | None = None,
    actor: Any = None,
) -> Activity:
    """An activity led by a unit in the actor's scope; co-hosts may be any unit (invited)."""
    check_unit_in_scope(lead_unit, actor, "lead_unit")
    errors: dict[str, str] = {}
    if not topic.strip():
        errors["topic"] = _("请填写活动主题")
    if ends_at is not None and ends_at < starts_at:
        errors["ends_at"] = _("结束时间不能早于开始时间")
    if hours is not None and hours < 0:
        errors["hours"] = _("学时不能为负数")
    if not kind.is_active:
        errors["kind"] = _("该活动类型已停用")
    if errors:
        raise ValidationError(errors)
    activity = Activity.objects.create(
        kind=kind,
        topic=topic.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        lead_unit=lead_unit,
        organizer=organizer,
        place=place,
        minutes=minutes,
        hours=kind.default_hours if hours is None else hours,
        course=course,
    )
    for unit in {lead_unit.pk: lead_unit, **{u.pk: u for u in co_hosts or []}}.values():
        ActivityHost.objects.create(activity=activity, unit=unit)
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, data: dict[str, Any], actor: Any = None) -> Activity:
    check_unit_in_scope(activity.lead_unit, actor, "lead_unit")
    editable = {"topic", "starts_at", "ends_at", "organizer", "place", "minutes", "hours", "kind"}
    unknown = set(data) - editable
    if unknown:
        raise ValidationError(_("不能修改的字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    for key, value in data.items():
        setattr(activity, key, value)
    if activity.ends_at is not None and activity.ends_at < activity.starts_at:
        raise ValidationError({"ends_at": _("结束时间不能早于开始时间")})
    activity.save()
    return activity


def _host_for_member(activity: Activity, member: Member) -> Unit | None:
    for host in activity.hosts.select_related("unit"):
        if member.unit.path.startswith(host.unit.path):
            return host.unit
    return None


@transaction.atomic
def attendance_record(
    *,
    activity: Activity,
    member: Member,
    status: str,
    hours: Decimal | None = None,
    note: str = "",
    actor: Any = None,
) -> Attendance:
    """Record one member's attendance. A host's staff record only members of their own scope."""
    check_unit_in_scope(member.unit, actor, "member")
    if status not in Attendance.Status.values:
        raise ValidationError({"status": _("出席情况无效")})
    if _host_for_member(activity, member) is None:
        raise ValidationError(
            {"member": _("%(name)s不属于本活动的主办组织") % {"name": member.name}}
        )
    if hours is None:
        hours = activity.hours if status == Attendance.Status.ATTENDED else Decimal(0)
    if hours < 0 or (hours > 0 and status != Attendance.Status.ATTENDED):
        raise ValidationError({"hours": _("只有实到人员可计学时，且学时不能为负数")})
    row = Attendance.objects.filter(activity=activity, member=member).first()
    if row is None:
        row = Attendance(activity=activity, member=member)
    row.unit = member.unit
    row.date = activity.date
    row.status = status
    row.hours = hours
    row.note = note
    row.save()
    return row


@transaction.atomic
def attendance_plan(*, activity: Activity, unit: Unit, actor: Any = None) -> int:
    """Add every active member of a host unit (and below) as planned; returns how many were added."""
    check_unit_in_scope(unit, actor)
    if not any(unit.path.startswith(h.unit.path) for h in activity.hosts.select_related("unit")):
        raise ValidationError({"unit": _("该组织不是本活动的主办组织")})
    existing = set(activity.attendances.values_list("member_id", flat=True))
    members = Member.objects.filter(
        unit__path__startswith=unit.path, status=MemberStatus.ACTIVE
    ).exclude(pk__in=existing)
    rows = [
        Attendance(activity=activity, member=m, unit_id=m.unit_id, date=activity.date)
        for m in members.only("pk", "unit_id")
    ]
    with audit.suppressed():
        Attendance.objects.bulk_create(rows, batch_size=1000)
    audit.record_bulk(
        "attendance_plan",
        AuditEvent.Action.CREATE,
        rows,
        extra={"activity": activity.pk, "unit": unit.code},
        summary_object_type="branches.attendance",
        per_object=False,
    )
    return len(rows)


def _check_upload(upload: UploadedFile, kind: str) -> None:
    name = upload.name or ""
    ext = os.path.splitext(name)[1].lower()
    allowed = PHOTO_EXTENSIONS if kind == ActivityFile.Kind.PHOTO else FILE_EXTENSIONS
    if ext not in allowed:
        raise ValidationError(
            {
                "file": _("文件“%(name)s”的类型不允许，可上传：%(ext)s")
                % {"name": name, "ext": " ".join(sorted(allowed))}
            }
        )
    limit = MAX_PHOTO_BYTES if kind == ActivityFile.Kind.PHOTO else MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                "file": _("文件“%(name)s”超过大小上限%(mb)sMB")
                % {"name": name, "mb": limit // (1024 * 1024)}
            }
        )
    if kind == ActivityFile.Kind.PHOTO:
        head = upload.read(12)
        upload.seek(0)
        signatures = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF")
        if not head.startswith(signatures):
            raise ValidationError({"file": _("文件“%(name)s”不是有效的图片") % {"name": name}})


@transaction.atomic
def activity_file_add(
    *, activity: Activity, upload: UploadedFile, kind: str, unit: Unit, actor: Any = None
) -> ActivityFile:
    check_unit_in_scope(unit, actor)
    if kind not in ActivityFile.Kind.values:
        raise ValidationError({"kind": _("附件类别无效")})
    if not activity.hosts.filter(unit=unit).exists() and not any(
        unit.path.startswith(h.unit.path) for h in activity.hosts.select_related("unit")
    ):
        raise ValidationError({"unit": _("该组织不是本活动的主办组织")})
    _check_upload(upload, kind)
    return ActivityFile.objects.create(
        activity=activity,
        unit=unit,
        kind=kind,
        file=upload,
        name=os.path.basename(upload.name or "")[:200],
        size=upload.size or 0,
        uploaded_by=_actor_name(actor),
    )


# --- training --------------------------------------------------------------------------------


@transaction.atomic
def course_create(
    *,
    unit: Unit,
    title: str,
    year: int,
    kind: ActivityKind,
    is_mandatory: bool = False,
    description: str = "",
    actor: Any = None,
) -> TrainingCourse:
    check_unit_in_scope(unit, actor)
    if not title.strip():
        raise ValidationError({"title": _("请填写培训班名称")})
    if not kind.is_training:
        raise ValidationError({"kind": _("培训班须选择培训类活动类型")})
    return TrainingCourse.objects.create(
        unit=unit,
        title=title.strip(),
        year=year,
        kind=kind,
        is_mandatory=is_mandatory,
        description=description,
    )


# --- visits and forums -----------------------------------------------------------------------


@transaction.atomic
def visit_create(
    *,
    unit: Unit,
    date: datetime.date,
    visitors: str,
    kind: str = Visit.Kind.VISIT,
    members: list[Member] | None = None,
    others: str = "",
    topics: str = "",
    actor: Any = None,
) -> Visit:
    check_unit_in_scope(unit, actor)
    errors: dict[str, str] = {}
    if not visitors.strip():
        errors["visitors"] = _("请填写走访人")
    if kind not in Visit.Kind.values:
        errors["kind"] = _("形式无效")
    if not members and not others.strip():
        errors["members"] = _("请选择走访/座谈对象或填写其他对象")
    if date > timezone.localdate():
        errors["date"] = _("日期不能晚于今天")
    outside = [m.name for m in members or [] if not m.unit.path.startswith(unit.path)]
    if outside:
        errors["members"] = _("以下会员不属于本组织：%(n)s") % {"n": "、".join(outside)}
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        unit=unit, date=date, visitors=visitors, kind=kind, others=others, topics=topics
    )
    if members:
        visit.members.set(members)
    return visit


@transaction.atomic
def follow_up_add(
    *,
    visit: Visit,
    action: str,
    owner: str = "",
    due_date: datetime.date | None = None,
    actor: Any = None,
) -> FollowUp:
    check_unit_in_scope(visit.unit, actor)
    if not action.strip():
        raise ValidationError({"action": _("请填写跟进事项")})
    return FollowUp.objects.create(visit=visit, action=action, owner=owner, due_date=due_date)


@transaction.atomic
def follow_up_set_status(
    *,
    follow_up: FollowUp,
    status: str,
    result: str = "",
    done_on: datetime.date | None = None,
    actor: Any = None,
) -> FollowUp:
    check_unit_in_scope(follow_up.visit.unit, actor)
    if status not in FollowUp.Status.values:
        raise ValidationError({"status": _("状态无效")})
    if status == FollowUp.Status.DONE and not result.strip():
        raise ValidationError({"result": _("办结时请填写办理结果")})
    follow_up.status = status
    follow_up.result = result
    follow_up.done_on = (
        (done_on or timezone.localdate()) if status == FollowUp.Status.DONE else None
    )
    follow_up.save()
    return follow_up


# --- cadence ---------------------------------------------------------------------------------


@transaction.atomic
def cadence_set(*, unit: Unit, kind: ActivityKind, every_months: int, actor: Any = None) -> Cadence:
    check_unit_in_scope(unit, actor)
    if not 1 <= every_months <= 12:
        raise ValidationError({"every_months": _("间隔月数应在1到12之间")})
    cadence = Cadence.objects.filter(unit=unit, kind=kind).first() or Cadence(unit=unit, kind=kind)
    cadence.every_months = every_months
    cadence.save()
    return cadence
