"""REST routes for the four platforms: list, detail, create, transitions, export and statistics.

Writes accept only client-settable fields (unknown fields such as ``unit`` or ``status`` are
rejected); the owning unit follows from the first author and the status from the service.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.api.params import YEAR
from grassroots.api.schemas import WriteIn
from grassroots.core.scope import get_visible_or_404
from grassroots.members.models import Member
from grassroots.organizations.models import Unit
from grassroots.platforms import exports, selectors
from grassroots.platforms.models import (
    InformationPiece,
    Level,
    Proposal,
    ProposalKind,
    ResearchTopic,
    ServiceKind,
    ServiceProject,
)
from grassroots.platforms.services import information as info_services
from grassroots.platforms.services import proposals as proposal_services
from grassroots.platforms.services import research as research_services
from grassroots.platforms.services import service as service_services
from grassroots.platforms.services.common import credits_from

router = Router(tags=["platforms"])
PREFIX = "/platforms"

T = TypeVar("T")


def call(fn: Callable[..., T], **kwargs: Any) -> T:
    """Service errors become 422 with the field and the Chinese message; refusals 403."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        raise NinjaValidationError(
            [
                {"loc": ["body", field], "msg": msg, "type": "value_error"}
                for field, messages in errors.items()
                for msg in messages
            ]
        ) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("您没有执行此操作的权限")) from exc


class WriteSchema(WriteIn):
    """Platform write bodies: unknown fields (``unit``, ``status``…) are refused with 422."""


# ------------------------------------------------------------------ response schemas
# The detail answers carry every field of the list answers and more; the fields named here are
# typed and validated, the rest are documented in the route descriptions.


class UnitBrief(Schema):
    id: int
    code: str
    name: str


class AuthorOut(Schema):
    order: int
    member_id: int | None
    unit_id: int | None
    name: str


class ProposalOut(Schema):
    id: int
    reference_code: str | None
    year: int
    kind: str
    kind_name: str
    title: str
    status: str
    status_name: str
    unit: UnitBrief
    possible_duplicate: bool
    adopted: bool | None


class SimilarOut(Schema):
    id: int
    title_score: float
    text_score: float


class InstructionOut(Schema):
    leader: str
    level: str
    text: str
    date: datetime.date | None


class NoteOut(Schema):
    author: str
    text: str
    at: datetime.datetime


class ProposalDetail(ProposalOut):
    body: str
    authors: list[AuthorOut]
    similar: list[SimilarOut]
    merged_into: int | None
    return_reason: str
    forward_target: str
    forward_organization: str
    forwarded_on: datetime.date | None
    filed_as_case: bool | None
    adoption_level: str | None
    handling_unit: str
    reply: str
    replied_on: datetime.date | None
    satisfaction: str
    instructions: list[InstructionOut]
    reviewers: list[str]
    submitted_at: datetime.datetime | None
    received_at: datetime.datetime | None
    notes: list[NoteOut] | None = Field(
        None, description="internal notes; present only for staff who may change proposals"
    )


class ProposalPage(Schema):
    count: int
    page: int
    items: list[ProposalOut]


class InformationOut(Schema):
    id: int
    year: int
    title: str
    status: str
    status_name: str
    unit: UnitBrief
    submitted_on: datetime.date | None
    points: float


class AdoptionOut(Schema):
    kind: str
    outlet: str
    level: str
    date: datetime.date | None
    points: float


class InformationDetail(InformationOut):
    body: str
    authors: list[AuthorOut]
    editor: str
    edit_note: str
    adoptions: list[AdoptionOut]


class InformationPage(Schema):
    count: int
    page: int
    items: list[InformationOut]


class QuotaProgressOut(Schema):
    unit: UnitBrief
    year: int
    target_adopted: int
    target_points: float
    adopted: int
    points: float
    adopted_ratio: float | None
    points_ratio: float | None


class MemberBrief(Schema):
    id: int
    name: str


class ResearchOut(Schema):
    id: int
    year: int
    title: str
    status: str
    status_name: str
    unit: UnitBrief
    lead: MemberBrief


class ResearchMemberOut(Schema):
    member_id: int
    name: str
    is_lead: bool


class ResearchOutputOut(Schema):
    kind: str
    title: str
    outlet: str
    date: datetime.date | None


class AwardOut(Schema):
    name: str
    level: str
    grade: str
    date: datetime.date | None


class ResearchDetail(ResearchOut):
    source: str
    summary: str
    approved_on: datetime.date | None
    concluded_on: datetime.date | None
    members: list[ResearchMemberOut]
    outputs: list[ResearchOutputOut]
    awards: list[AwardOut]


class ResearchPage(Schema):
    count: int
    page: int
    items: list[ResearchOut]


class ServiceOut(Schema):
    id: int
    year: int
    title: str
    kind: str
    kind_name: str
    status: str
    status_name: str
    unit: UnitBrief
    start_date: datetime.date
    end_date: datetime.date | None
    beneficiaries: int
    funds: float
    materials_value: float


class VolunteerOut(Schema):
    member_id: int
    name: str
    hours: float
    role: str


class ServiceDetail(ServiceOut):
    description: str
    location: str
    partner_units: list[UnitBrief]
    volunteers: list[VolunteerOut]


class ServicePage(Schema):
    count: int
    page: int
    items: list[ServiceOut]


class UnitFigures(Schema):
    unit: UnitBrief
    own: dict[str, float | int]
    total: dict[str, float | int]


class StatisticsOut(Schema):
    year: int
    totals: dict[str, float | int]
    units: list[UnitFigures]


class MemberStatisticsOut(Schema):
    year: int
    members: list[dict[str, float | int | str]] = Field(
        description="one object per member: member_id, name, unit, then each platform figure"
    )


class ContributionOut(Schema):
    platform: str
    platform_name: str
    id: int
    title: str
    role: str
    status: str
    date: datetime.date | None
    reference_code: str | None
    adopted: bool | None
    level: str | None
    points: float
    hours: float
    unit: str


class ContributionsOut(Schema):
    member_id: int
    year: int
    items: list[ContributionOut]


class LevelOut(Schema):
    code: str
    name: str
    rank: int


class ProposalKindOut(Schema):
    code: str
    name: str
    prefix: str


class ServiceKindOut(Schema):
    code: str
    name: str


class ReferenceOut(Schema):
    levels: list[LevelOut]
    proposal_kinds: list[ProposalKindOut]
    service_kinds: list[ServiceKindOut]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "xlsx（已记入审计日志，含筛选条件和行数）",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _unit_filter(request: HttpRequest, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    return get_visible_or_404(Unit.objects.all(), request.user, pk=unit_id)


def _authors(obj: Any) -> list[dict[str, Any]]:
    return [
        {
            "order": a.order,
            "member_id": a.member_id,
            "unit_id": a.author_unit_id,
            "name": a.member.name if a.member else a.author_unit.name,
        }
        for a in obj.authors.all()
    ]


def _unit(unit: Unit) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def _xlsx(name: str, content: bytes) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _transition_params(payload: Schema) -> tuple[str, dict[str, Any]]:
    data = payload.model_dump(exclude_none=True)
    action = data.pop("action")
    return action, data


# ------------------------------------------------------------------ proposals


def proposal_out(p: Proposal, *, full: bool = False, user: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.pk,
        "reference_code": p.reference_code,
        "year": p.year,
        "kind": p.kind.code,
        "kind_name": p.kind.name,
        "title": p.title,
        "status": p.status,
        "status_name": p.get_status_display(),
        "unit": _unit(p.unit),
        "possible_duplicate": p.possible_duplicate,
        "adopted": p.adopted,
    }
    if full:
        out.update(
            {
                "body": p.body,
                "authors": _authors(p),
                "similar": [
                    {
                        "id": s.other_id,
                        "title_score": s.title_score,
                        "text_score": s.text_score,
                    }
                    for s in p.similar.filter(
                        other__in=Proposal.objects.visible_to(user)  # type: ignore[attr-defined]
                    )
                ],
                "merged_into": p.merged_into_id,
                "return_reason": p.return_reason,
                "forward_target": p.forward_target,
                "forward_organization": p.forward_organization,
                "forwarded_on": p.forwarded_on,
                "filed_as_case": p.filed_as_case,
                "adoption_level": p.adoption_level.code if p.adoption_level else None,
                "handling_unit": p.handling_unit,
                "reply": p.reply,
                "replied_on": p.replied_on,
                "satisfaction": p.satisfaction,
                "instructions": [
                    {
                        "leader": i.leader,
                        "level": i.level.code,
                        "text": i.text,
                        "date": i.instructed_on,
                    }
                    for i in p.instructions.all()
                ],
                "reviewers": [r.reviewer.username for r in p.reviewers.all()],
                "submitted_at": p.submitted_at,
                "received_at": p.received_at,
            }
        )
        if user is not None and user.has_perm("platforms.change_proposal"):
            out["notes"] = [
                {"author": n.author, "text": n.text, "at": n.created_at} for n in p.notes.all()
            ]
    return out


class ProposalIn(WriteSchema):
    kind: str = Field(description="ProposalKind code, e.g. individual")
    title: str
    body: str = ""
    author_member_ids: list[int] = []
    author_unit_ids: list[int] = []
    submit: bool = False


class ProposalPatch(WriteSchema):
    kind: str | None = None
    title: str | None = None
    body: str | None = None
    author_member_ids: list[int] | None = None
    author_unit_ids: list[int] | None = None


class ProposalTransition(WriteSchema):
    action: str = Field(
        description="submit, receive, withdraw, review, assign, select, merge, return, "
        "forward, outcome, instruction, archive, note"
    )
    reason: str | None = None
    reviewers: list[int] | None = None
    into: str | None = None
    target: str | None = None
    organization: str | None = None
    date: datetime.date | None = None
    filed_as_case: bool | None = None
    adopted: bool | None = None
    level: str | None = None
    handling_unit: str | None = None
    reply: str | None = None
    replied_on: datetime.date | None = None
    satisfaction: str | None = None
    leader: str | None = None
    text: str | None = None


def _kind(code: str) -> ProposalKind:
    kind = ProposalKind.objects.filter(code=code).first()
    if kind is None:
        raise NinjaValidationError(
            [{"loc": ["body", "kind"], "msg": _("未知提案类别：%(k)s") % {"k": code}}]
        )
    return kind


def _proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    return get_visible_or_404(
        Proposal.objects.select_related("unit", "kind", "adoption_level"),
        request.user,
        pk=proposal_id,
    )


@router.get("/proposals", response=ProposalPage)
def proposal_list(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    kind: str | None = None,
    unit_id: int | None = None,
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> dict:
    qs = selectors.proposals_list(
        user=request.user,
        year=year,
        status=status,
        kind=kind,
        unit=_unit_filter(request, unit_id),
        q=q,
    )
    return paginate(qs, page, page_size, proposal_out)


@router.get("/proposals/export", openapi_extra=XLSX_RESPONSE)
def proposal_export(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    kind: str | None = None,
    unit_id: int | None = None,
    q: str = "",
) -> HttpResponse:
    filters = {
        "year": year,
        "status": status,
        "kind": kind,
        "unit": _unit_filter(request, unit_id),
        "q": q,
    }
    name, content, _rows = exports.platform_export_xlsx(
        user=request.user, platform="proposals", filters=filters
    )
    return _xlsx(name, content)


@router.get("/proposals/{proposal_id}", response=ProposalDetail, exclude_unset=True)
def proposal_detail(request: HttpRequest, proposal_id: int) -> dict:
    return proposal_out(_proposal(request, proposal_id), full=True, user=request.user)


@router.post("/proposals", response=ProposalDetail, exclude_unset=True)
def proposal_create(request: HttpRequest, payload: ProposalIn) -> dict:
    credits = call(credits_from, members=payload.author_member_ids, units=payload.author_unit_ids)
    proposal = call(
        proposal_services.proposal_create,
        actor=request.user,
        kind=_kind(payload.kind),
        title=payload.title,
        body=payload.body,
        authors=credits,
        submit=payload.submit,
    )
    return proposal_out(proposal, full=True, user=request.user)


@router.patch("/proposals/{proposal_id}", response=ProposalDetail, exclude_unset=True)
def proposal_update(request: HttpRequest, proposal_id: int, payload: ProposalPatch) -> dict:
    proposal = _proposal(request, proposal_id)
    credits = None
    if payload.author_member_ids is not None or payload.author_unit_ids is not None:
        credits = call(
            credits_from,
            members=payload.author_member_ids or [],
            units=payload.author_unit_ids or [],
        )
    proposal = call(
        proposal_services.proposal_update,
        actor=request.user,
        proposal=proposal,
        title=payload.title,
        body=payload.body,
        kind=_kind(payload.kind) if payload.kind else None,
        authors=credits,
    )
    return proposal_out(proposal, full=True, user=request.user)


@router.post("/proposals/{proposal_id}/transitions", response=ProposalDetail, exclude_unset=True)
def proposal_transition(
    request: HttpRequest, proposal_id: int, payload: ProposalTransition
) -> dict:
    proposal = _proposal(request, proposal_id)
    action, params = _transition_params(payload)
    proposal = call(
        proposal_services.proposal_transition,
        actor=request.user,
        proposal=proposal,
        action=action,
        params=params,
    )
    return proposal_out(_proposal(request, proposal.pk), full=True, user=request.user)


# ------------------------------------------------------------------ information


def information_out(p: InformationPiece, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.pk,
        "year": p.year,
        "title": p.title,
        "status": p.status,
        "status_name": p.get_status_display(),
        "unit": _unit(p.unit),
        "submitted_on": p.submitted_on,
        "points": float(p.points),
    }
    if full:
        out.update(
            {
                "body": p.body,
                "authors": _authors(p),
                "editor": p.editor,
                "edit_note": p.edit_note,
                "adoptions": [
                    {
                        "kind": a.kind,
                        "outlet": a.outlet,
                        "level": a.level.code,
                        "date": a.adopted_on,
                        "points": float(a.points),
                    }
                    for a in p.adoptions.all()
                ],
            }
        )
    return out


class InformationIn(WriteSchema):
    title: str
    body: str = ""
    author_member_ids: list[int] = []
    author_unit_ids: list[int] = []
    submitted_on: datetime.date | None = None


class InformationTransition(WriteSchema):
    action: str = Field(description="edit, adopt, reject, withdraw")
    title: str | None = None
    body: str | None = None
    note: str | None = None
    outlet: str | None = None
    level: str | None = None
    kind: str | None = None
    date: datetime.date | None = None


def _piece(request: HttpRequest, piece_id: int) -> InformationPiece:
    return get_visible_or_404(
        InformationPiece.objects.select_related("unit"), request.user, pk=piece_id
    )


@router.get("/information", response=InformationPage)
def information_list(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    unit_id: int | None = None,
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> dict:
    qs = selectors.information_list(
        user=request.user, year=year, status=status, unit=_unit_filter(request, unit_id), q=q
    )
    return paginate(qs, page, page_size, information_out)


@router.get("/information/export", openapi_extra=XLSX_RESPONSE)
def information_export(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    unit_id: int | None = None,
    q: str = "",
) -> HttpResponse:
    filters = {"year": year, "status": status, "unit": _unit_filter(request, unit_id), "q": q}
    name, content, _rows = exports.platform_export_xlsx(
        user=request.user, platform="information", filters=filters
    )
    return _xlsx(name, content)


@router.get("/information/quotas", response=list[QuotaProgressOut])
def information_quotas(request: HttpRequest, year: int | None = YEAR) -> list[dict]:
    year = year or timezone.localdate().year
    return [
        {
            "unit": _unit(p.quota.unit),
            "year": p.quota.year,
            "target_adopted": p.quota.target_adopted,
            "target_points": float(p.quota.target_points),
            "adopted": p.adopted,
            "points": float(p.points),
            "adopted_ratio": p.adopted_ratio,
            "points_ratio": p.points_ratio,
        }
        for p in selectors.information_quota_progress(user=request.user, year=year)
    ]


@router.get("/information/{piece_id}", response=InformationDetail)
def information_detail(request: HttpRequest, piece_id: int) -> dict:
    return information_out(_piece(request, piece_id), full=True)


@router.post("/information", response=InformationDetail)
def information_create(request: HttpRequest, payload: InformationIn) -> dict:
    credits = call(credits_from, members=payload.author_member_ids, units=payload.author_unit_ids)
    piece = call(
        info_services.information_create,
        actor=request.user,
        title=payload.title,
        body=payload.body,
        authors=credits,
        submitted_on=payload.submitted_on,
    )
    return information_out(piece, full=True)


@router.post("/information/{piece_id}/transitions", response=InformationDetail)
def information_transition(
    request: HttpRequest, piece_id: int, payload: InformationTransition
) -> dict:
    piece = _piece(request, piece_id)
    action, params = _transition_params(payload)
    call(
        info_services.information_transition,
        actor=request.user,
        piece=piece,
        action=action,
        params=params,
    )
    return information_out(_piece(request, piece_id), full=True)


# ------------------------------------------------------------------ research


def research_out(t: ResearchTopic, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": t.pk,
        "year": t.year,
        "title": t.title,
        "status": t.status,
        "status_name": t.get_status_display(),
        "unit": _unit(t.unit),
        "lead": {"id": t.lead_id, "name": t.lead.name},
    }
    if full:
        out.update(
            {
                "source": t.source,
                "summary": t.summary,
                "approved_on": t.approved_on,
                "concluded_on": t.concluded_on,
                "members": [
                    {"member_id": m.member_id, "name": m.member.name, "is_lead": m.is_lead}
                    for m in t.members.select_related("member")
                ],
                "outputs": [
                    {"kind": o.kind, "title": o.title, "outlet": o.outlet, "date": o.published_on}
                    for o in t.outputs.all()
                ],
                "awards": [
                    {"name": a.name, "level": a.level.code, "grade": a.grade, "date": a.awarded_on}
                    for a in t.awards.select_related("level")
                ],
            }
        )
    return out


class ResearchIn(WriteSchema):
    title: str
    year: int
    lead_member_id: int
    member_ids: list[int] = []
    source: str = ""
    summary: str = ""


class ResearchTransition(WriteSchema):
    action: str = Field(description="approve, conclude, cancel, output, award")
    date: datetime.date | None = None
    reason: str | None = None
    kind: str | None = None
    title: str | None = None
    outlet: str | None = None
    name: str | None = None
    level: str | None = None
    grade: str | None = None


def _topic(request: HttpRequest, topic_id: int) -> ResearchTopic:
    return get_visible_or_404(
        ResearchTopic.objects.select_related("unit", "lead"), request.user, pk=topic_id
    )


@router.get("/research", response=ResearchPage)
def research_list(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    unit_id: int | None = None,
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> dict:
    qs = selectors.research_list(
        user=request.user, year=year, status=status, unit=_unit_filter(request, unit_id), q=q
    )
    return paginate(qs, page, page_size, research_out)


@router.get("/research/export", openapi_extra=XLSX_RESPONSE)
def research_export(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    unit_id: int | None = None,
    q: str = "",
) -> HttpResponse:
    filters = {"year": year, "status": status, "unit": _unit_filter(request, unit_id), "q": q}
    name, content, _rows = exports.platform_export_xlsx(
        user=request.user, platform="research", filters=filters
    )
    return _xlsx(name, content)


@router.get("/research/{topic_id}", response=ResearchDetail)
def research_detail(request: HttpRequest, topic_id: int) -> dict:
    return research_out(_topic(request, topic_id), full=True)


def _member(member_id: int, field: str) -> Member:
    member = Member.objects.select_related("unit").filter(pk=member_id).first()
    if member is None:
        raise NinjaValidationError([{"loc": ["body", field], "msg": _("会员不存在")}])
    return member


@router.post("/research", response=ResearchDetail)
def research_create(request: HttpRequest, payload: ResearchIn) -> dict:
    topic = call(
        research_services.research_topic_create,
        actor=request.user,
        title=payload.title,
        year=payload.year,
        lead=_member(payload.lead_member_id, "lead_member_id"),
        members=[_member(i, "member_ids") for i in payload.member_ids],
        source=payload.source,
        summary=payload.summary,
    )
    return research_out(topic, full=True)


@router.post("/research/{topic_id}/transitions", response=ResearchDetail)
def research_transition(request: HttpRequest, topic_id: int, payload: ResearchTransition) -> dict:
    topic = _topic(request, topic_id)
    action, params = _transition_params(payload)
    call(
        research_services.research_transition,
        actor=request.user,
        topic=topic,
        action=action,
        params=params,
    )
    return research_out(_topic(request, topic_id), full=True)


# ------------------------------------------------------------------ social service


def service_out(s: ServiceProject, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.pk,
        "year": s.year,
        "title": s.title,
        "kind": s.kind.code,
        "kind_name": s.kind.name,
        "status": s.status,
        "status_name": s.get_status_display(),
        "unit": _unit(s.unit),
        "start_date": s.start_date,
        "end_date": s.end_date,
        "beneficiaries": s.beneficiaries,
        "funds": float(s.funds),
        "materials_value": float(s.materials_value),
    }
    if full:
        out.update(
            {
                "description": s.description,
                "location": s.location,
                "partner_units": [_unit(p.unit) for p in s.partner_units.select_related("unit")],
                "volunteers": [
                    {
                        "member_id": v.member_id,
                        "name": v.member.name,
                        "hours": float(v.hours),
                        "role": v.role,
                    }
                    for v in s.volunteers.select_related("member")
                ],
            }
        )
    return out


class ServiceIn(WriteSchema):
    kind: str
    title: str
    start_date: datetime.date
    end_date: datetime.date | None = None
    organizer_unit_ids: list[int] = Field(
        default_factory=list, description="first = the owning unit; the rest co-organize"
    )
    location: str = ""
    description: str = ""
    beneficiaries: int = 0
    funds: Decimal = Decimal(0)
    materials_value: Decimal = Decimal(0)


class ServiceTransition(WriteSchema):
    action: str = Field(description="start, complete, cancel, volunteer")
    end_date: datetime.date | None = None
    beneficiaries: int | None = None
    funds: Decimal | None = None
    materials_value: Decimal | None = None
    member_id: int | None = None
    hours: Decimal | None = None
    role: str | None = None


def _project(request: HttpRequest, project_id: int) -> ServiceProject:
    return get_visible_or_404(
        ServiceProject.objects.select_related("unit", "kind"), request.user, pk=project_id
    )


@router.get("/service", response=ServicePage)
def service_list(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    kind: str | None = None,
    unit_id: int | None = None,
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> dict:
    qs = selectors.service_list(
        user=request.user,
        year=year,
        status=status,
        kind=kind,
        unit=_unit_filter(request, unit_id),
        q=q,
    )
    return paginate(qs, page, page_size, service_out)


@router.get("/service/export", openapi_extra=XLSX_RESPONSE)
def service_export(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    kind: str | None = None,
    unit_id: int | None = None,
    q: str = "",
) -> HttpResponse:
    filters = {
        "year": year,
        "status": status,
        "kind": kind,
        "unit": _unit_filter(request, unit_id),
        "q": q,
    }
    name, content, _rows = exports.platform_export_xlsx(
        user=request.user, platform="service", filters=filters
    )
    return _xlsx(name, content)


@router.get("/service/{project_id}", response=ServiceDetail)
def service_detail(request: HttpRequest, project_id: int) -> dict:
    return service_out(_project(request, project_id), full=True)


@router.post("/service", response=ServiceDetail)
def service_create(request: HttpRequest, payload: ServiceIn) -> dict:
    kind = ServiceKind.objects.filter(code=payload.kind).first()
    if kind is None:
        raise NinjaValidationError(
            [{"loc": ["body", "kind"], "msg": _("未知社会服务类别：%(k)s") % {"k": payload.kind}}]
        )
    organizers = []
    for index, unit_id in enumerate(payload.organizer_unit_ids, 1):
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise NinjaValidationError(
                [
                    {
                        "loc": ["body", "organizer_unit_ids"],
                        "msg": _("第%(n)d个主办/协办组织不存在") % {"n": index},
                    }
                ]
            )
        organizers.append(unit)
    project = call(
        service_services.service_project_create,
        actor=request.user,
        kind=kind,
        title=payload.title,
        start_date=payload.start_date,
        end_date=payload.end_date,
        organizers=organizers,
        location=payload.location,
        description=payload.description,
        figures={
            "beneficiaries": payload.beneficiaries,
            "funds": payload.funds,
            "materials_value": payload.materials_value,
        },
    )
    return service_out(project, full=True)


@router.post("/service/{project_id}/transitions", response=ServiceDetail)
def service_transition(request: HttpRequest, project_id: int, payload: ServiceTransition) -> dict:
    project = _project(request, project_id)
    action, params = _transition_params(payload)
    if isinstance(params.get("end_date"), datetime.date):
        params["end_date"] = params["end_date"].isoformat()
    call(
        service_services.service_transition,
        actor=request.user,
        project=project,
        action=action,
        params=params,
    )
    return service_out(_project(request, project_id), full=True)


# ------------------------------------------------------------------ statistics and reference


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()}


@router.get("/statistics", response=StatisticsOut)
def statistics(request: HttpRequest, year: int | None = YEAR) -> dict:
    year = year or timezone.localdate().year
    rows = selectors.platform_statistics(user=request.user, year=year)
    return {
        "year": year,
        "totals": _plain(selectors.totals_of(rows)),
        "units": [
            {"unit": _unit(r.unit), "own": _plain(r.own), "total": _plain(r.total)} for r in rows
        ],
    }


@router.get("/statistics/members", response=MemberStatisticsOut)
def member_statistics(
    request: HttpRequest, year: int | None = YEAR, unit_id: int | None = None
) -> dict:
    year = year or timezone.localdate().year
    rows = selectors.member_statistics(
        user=request.user, year=year, unit=_unit_filter(request, unit_id)
    )
    return {
        "year": year,
        "members": [
            {"member_id": r.member_id, "name": r.name, "unit": r.unit_name, **_plain(r.values)}
            for r in rows
        ],
    }


@router.get("/members/{member_id}/contributions", response=ContributionsOut)
def member_contributions(request: HttpRequest, member_id: int, year: int | None = YEAR) -> dict:
    member = get_visible_or_404(Member.objects.all(), request.user, pk=member_id)
    year = year or timezone.localdate().year
    return {
        "member_id": member.pk,
        "year": year,
        "items": [
            {
                "platform": c.platform,
                "platform_name": c.platform_label,
                "id": c.object_id,
                "title": c.title,
                "role": c.role,
                "status": c.status,
                "date": c.date,
                "reference_code": c.reference_code,
                "adopted": c.adopted,
                "level": c.level,
                "points": float(c.points),
                "hours": float(c.hours),
                "unit": c.unit_name,
            }
            for c in selectors.member_contributions(member, year)
        ],
    }


@router.get("/reference", response=ReferenceOut)
def reference(request: HttpRequest) -> dict:
    """The data-driven lists the forms need: levels, proposal kinds, service kinds."""
    return {
        "levels": list(Level.objects.filter(is_active=True).values("code", "name", "rank")),
        "proposal_kinds": list(
            ProposalKind.objects.filter(is_active=True).values("code", "name", "prefix")
        ),
        "service_kinds": list(ServiceKind.objects.filter(is_active=True).values("code", "name")),
    }


__all__ = ["PREFIX", "router"]
