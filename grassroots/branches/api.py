"""Five-izations records over the API: activities, attendance (own members only), the panel."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.api.params import YEAR
from grassroots.api.schemas import WriteIn
from grassroots.branches import selectors, services
from grassroots.branches.models import Activity, ActivityKind, Attendance
from grassroots.core.scope import get_visible_or_404
from grassroots.members.models import Member
from grassroots.organizations.models import Unit

PREFIX = "/branches"
router = Router(tags=["branches"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _unprocessable(exc: ValidationError) -> HttpError:
    if hasattr(exc, "error_dict"):
        text = "；".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    else:
        text = "；".join(exc.messages)
    return HttpError(422, text)


class ActivityOut(Schema):
    id: int
    kind: str
    topic: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None
    date: datetime.date
    lead_unit: str
    hosts: list[str]
    organizer: str
    place: str
    hours: Decimal
    course_id: int | None

    @staticmethod
    def resolve_kind(obj: Activity) -> str:
        return obj.kind.code

    @staticmethod
    def resolve_lead_unit(obj: Activity) -> str:
        return obj.lead_unit.code

    @staticmethod
    def resolve_hosts(obj: Activity) -> list[str]:
        return [h.unit.code for h in obj.hosts.all()]


class ActivityIn(WriteIn):
    kind: str
    topic: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None = None
    lead_unit: str
    co_hosts: list[str] = []
    organizer: str = ""
    place: str = ""
    minutes: str = ""
    hours: Decimal | None = None


class AttendanceOut(Schema):
    member_id: int
    member: str
    unit: str
    status: str
    hours: Decimal
    note: str

    @staticmethod
    def resolve_member(obj: Attendance) -> str:
        return obj.member.name

    @staticmethod
    def resolve_unit(obj: Attendance) -> str:
        return obj.unit.code


class AttendanceIn(WriteIn):
    member_id: int
    status: str
    hours: Decimal | None = None
    note: str = ""


class ActivityPage(Schema):
    count: int
    page: int
    items: list[ActivityOut]


class AttendancePage(Schema):
    count: int
    page: int
    items: list[AttendanceOut]


class FundingOut(Schema):
    ok: bool
    budget: str
    spent: str


class VenueOut(Schema):
    ok: bool
    address: str | None
    usage: str | None
    area: str | None


class PlatformsOut(Schema):
    ok: bool
    active: list[str]


class KindCount(Schema):
    kind: str
    count: int


class TrainingOut(Schema):
    ok: bool
    hours_per_member: str
    attendance_rate: str | None
    activities: list[KindCount]
    behind_cadence: list[str]


class VisitsOut(Schema):
    count: int
    open_follow_ups: int


class FiveIzationsOut(Schema):
    unit: str
    year: int
    funding: FundingOut
    venue: VenueOut
    platforms: PlatformsOut
    training: TrainingOut
    visits: VisitsOut


class BehindOut(Schema):
    unit: str
    unit_name: str
    kind: str
    every_months: int
    last_date: datetime.date | None
    due_since: datetime.date | None


class BehindPage(Schema):
    count: int
    page: int
    items: list[BehindOut]


@router.get("/activities", response=ActivityPage)
def activities_list(
    request: HttpRequest,
    kind: str = "",
    unit: str = "",
    q: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """The console's filters: ``kind`` (an activity kind code), ``unit`` (a unit code in scope:
    activities it led or co-hosted), ``q`` (part of the topic, place or organizer), dates."""
    user = _user(request)
    qs = (
        selectors.activities_visible(user)
        .select_related("kind", "lead_unit")
        .prefetch_related("hosts__unit")
    )
    if kind:
        qs = qs.filter(kind__code=kind)
    if unit:
        host = get_visible_or_404(Unit.objects.all(), user, code=unit)
        qs = qs.filter(hosts__unit=host).distinct()
    q = q.strip()
    if q:
        qs = qs.filter(Q(topic__contains=q) | Q(place__contains=q) | Q(organizer__contains=q))
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return paginate(qs, page, page_size)


@router.post("/activities", response={201: ActivityOut})
def activities_create(request: HttpRequest, body: ActivityIn):
    user = _user(request)
    kind = ActivityKind.objects.filter(code=body.kind).first()
    if kind is None:
        raise HttpError(422, f"kind: 活动类型“{body.kind}”不存在")
    lead = get_visible_or_404(Unit.objects.all(), user, code=body.lead_unit)
    co_hosts = list(Unit.objects.filter(code__in=body.co_hosts, is_active=True))
    missing = set(body.co_hosts) - {u.code for u in co_hosts}
    if missing:
        raise HttpError(422, f"co_hosts: 组织代码不存在：{'、'.join(sorted(missing))}")
    try:
        activity = services.activity_create(
            kind=kind,
            topic=body.topic,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            lead_unit=lead,
            co_hosts=co_hosts,
            organizer=body.organizer,
            place=body.place,
            minutes=body.minutes,
            hours=body.hours,
            actor=user,
        )
    except ValidationError as exc:
        raise _unprocessable(exc) from exc
    return Status(201, activity)


@router.get("/activities/{activity_id}", response=ActivityOut)
def activities_get(request: HttpRequest, activity_id: int):
    return get_visible_or_404(Activity.objects.all(), _user(request), pk=activity_id)


@router.get("/activities/{activity_id}/attendance", response=AttendancePage)
def attendance_list(
    request: HttpRequest, activity_id: int, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
):
    user = _user(request)
    activity = get_visible_or_404(Activity.objects.all(), user, pk=activity_id)
    qs = selectors.attendance_visible(user, activity).order_by("unit__path", "member__name")
    return paginate(qs, page, page_size)


@router.post("/activities/{activity_id}/attendance", response=AttendanceOut)
def attendance_record(request: HttpRequest, activity_id: int, body: AttendanceIn):
    user = _user(request)
    activity = get_visible_or_404(Activity.objects.all(), user, pk=activity_id)
    member = get_visible_or_404(Member.objects.select_related("unit"), user, pk=body.member_id)
    try:
        return services.attendance_record(
            activity=activity,
            member=member,
            status=body.status,
            hours=body.hours,
            note=body.note,
            actor=user,
        )
    except ValidationError as exc:
        raise _unprocessable(exc) from exc


@router.get("/units/{unit_id}/five-izations", response=FiveIzationsOut)
def five_izations(request: HttpRequest, unit_id: int, year: int | None = YEAR):
    user = _user(request)
    unit = get_visible_or_404(Unit.objects.all(), user, pk=unit_id)
    panel = selectors.five_izations(unit=unit, year=year or datetime.date.today().year, user=user)
    return {
        "unit": unit.code,
        "year": panel.year,
        "funding": {"ok": panel.funding_ok, "budget": str(panel.budget), "spent": str(panel.spent)},
        "venue": {
            "ok": panel.venue_ok,
            "address": panel.venue.address if panel.venue else None,
            "usage": panel.venue.usage if panel.venue else None,
            "area": str(panel.venue.area) if panel.venue and panel.venue.area else None,
        },
        "platforms": {"ok": panel.platforms_ok, "active": panel.platforms},
        "training": {
            "ok": panel.training_ok,
            "hours_per_member": str(panel.training_hours_per_member),
            "attendance_rate": str(panel.attendance_rate) if panel.attendance_rate else None,
            "activities": [{"kind": k, "count": n} for k, n in panel.activity_counts],
            "behind_cadence": [f.kind_name for f in panel.behind],
        },
        "visits": {"count": panel.visits, "open_follow_ups": panel.open_follow_ups},
    }


@router.get("/behind-cadence", response=BehindPage)
def behind_cadence(request: HttpRequest):
    flags = selectors.units_behind_cadence(user=_user(request))
    items = [
        {
            "unit": f.unit.code,
            "unit_name": f.unit.name,
            "kind": f.kind_name,
            "every_months": f.every_months,
            "last_date": f.last_date,
            "due_since": f.due_since,
        }
        for f in flags
    ]
    return {"count": len(items), "page": 1, "items": items}
