"""REST routes for terms and elections: lists, detail, the request and each stage. The unit of
an election is set from the request's unit (scoped) and the status only by the services."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from grassroots.api.auth import visible_or_404
from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.elections import procedure, selectors, services
from grassroots.elections.models import Election, Term
from grassroots.members.models import Member
from grassroots.organizations.models import Unit

PREFIX = "/elections"
router = Router(tags=["elections"])


class CandidateIn(Schema):
    member_id: int
    post: str = "committee"


class RequestIn(Schema):
    unit_id: int
    request_date: datetime.date
    proposed_seats: int
    candidates: list[CandidateIn]
    term_number: int | None = None
    planned_date: datetime.date | None = None
    request_text: str = ""


class ApproveIn(Schema):
    approval_date: datetime.date
    seats: int
    approved_candidate_ids: list[int] | None = None
    approval_number: str = ""
    approval_text: str = ""


class RejectIn(Schema):
    reason: str


class MeetingIn(Schema):
    meeting_date: datetime.date
    total_voters: int
    present: int
    votes: dict[int, int]
    comment: str = ""


class FileIn(Schema):
    filed_date: datetime.date | None = None
    note: str = ""


def _brief(e: Election) -> dict[str, Any]:
    return {
        "id": e.pk,
        "unit": {"id": e.unit_id, "name": e.unit.name},
        "term_number": e.term_number,
        "status": e.status,
        "status_display": e.get_status_display(),
        "request_date": e.request_date,
        "meeting_date": e.meeting_date,
        "filed_date": e.filed_date,
    }


def _detail(e: Election, user: Any) -> dict[str, Any]:
    data = _brief(e)
    data.update(
        {
            "proposed_seats": e.proposed_seats,
            "planned_date": e.planned_date,
            "request_text": e.request_text,
            "approval_number": e.approval_number,
            "approval_date": e.approval_date,
            "approval_text": e.approval_text,
            "approved_by_unit": e.approved_by_unit.name if e.approved_by_unit else None,
            "seats": e.seats,
            "total_voters": e.total_voters,
            "present": e.present,
            "filing_note": e.filing_note,
            "new_term": (
                {
                    "number": e.new_term.number,
                    "start_date": e.new_term.start_date,
                    "planned_end": e.new_term.planned_end,
                }
                if e.new_term
                else None
            ),
            "next_stages": [s.code for s in procedure.next_stages(user, e)],
            "candidates": [
                {
                    "id": c.pk,
                    "member_id": c.member_id,
                    "name": c.member.name,
                    "unit": c.member.unit.name,
                    "post": c.post,
                    "approved": c.approved,
                    "votes": c.votes,
                    "elected": c.elected,
                }
                for c in e.candidates.select_related("member__unit")
            ],
            "steps": [
                {"stage": s.stage, "actor": s.actor_name, "at": s.at, "comment": s.comment}
                for s in e.steps.all()
            ],
        }
    )
    return data


def _term(t: Term) -> dict[str, Any]:
    return {
        "id": t.pk,
        "unit": {"id": t.unit_id, "name": t.unit.name},
        "number": t.number,
        "start_date": t.start_date,
        "planned_end": t.planned_end,
        "ended_on": t.ended_on,
    }


@router.get("")
def list_elections(
    request: HttpRequest,
    status: str | None = None,
    unit_id: int | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    qs = selectors.elections_visible(request.user)
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return paginate(qs.order_by("-request_date", "-id"), page, page_size, _brief)


@router.get("/terms")
def list_terms(
    request: HttpRequest,
    unit_id: int | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    qs = Term.objects.visible_to(request.user).select_related("unit")  # type: ignore[attr-defined]
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return paginate(qs.order_by("unit__path", "-number"), page, page_size, _term)


@router.get("/terms/due")
def terms_due(request: HttpRequest, months: int | None = None):
    """Units whose term has expired or ends within ``months`` (default: the configured 6)."""
    if months is not None and not 0 <= months <= 60:
        raise HttpError(422, _("参数months：须在0到60之间"))
    lines = selectors.terms_due(request.user, months=months)
    return {
        "count": len(lines),
        "items": [
            {
                "unit": {"id": line.unit.pk, "name": line.unit.name},
                "number": line.number,
                "start_date": line.start_date,
                "planned_end": line.planned_end,
                "inferred": line.inferred,
                "expired": line.expired,
                "days_left": line.days_left,
            }
            for line in lines
        ],
    }


@router.get("/{int:pk}")
def get_election(request: HttpRequest, pk: int):
    return _detail(visible_or_404(request, Election, pk), request.user)


@router.post("", response={201: dict})
def create_election(request: HttpRequest, payload: RequestIn):
    """The unit's 请示; candidates are members of the unit's subtree."""
    unit = visible_or_404(request, Unit, payload.unit_id)
    members = {
        m.pk: m
        for m in Member.objects.visible_to(request.user)  # type: ignore[attr-defined]
        .filter(pk__in=[c.member_id for c in payload.candidates])
        .select_related("unit")
    }
    missing = [str(c.member_id) for c in payload.candidates if c.member_id not in members]
    if missing:
        raise HttpError(422, _("candidates: 会员不存在：%(ids)s") % {"ids": "、".join(missing)})
    election = services.election_request(
        unit=unit,
        request_date=payload.request_date,
        proposed_seats=payload.proposed_seats,
        candidates=[(members[c.member_id], c.post) for c in payload.candidates],
        term_number=payload.term_number,
        planned_date=payload.planned_date,
        request_text=payload.request_text,
        actor=request.user,
    )
    return Status(201, _detail(election, request.user))


@router.post("/{int:pk}/approve")
def approve(request: HttpRequest, pk: int, payload: ApproveIn):
    election = visible_or_404(request, Election, pk)
    services.election_approve(
        election=election,
        approval_date=payload.approval_date,
        seats=payload.seats,
        approved_ids=payload.approved_candidate_ids,
        approval_number=payload.approval_number,
        approval_text=payload.approval_text,
        actor=request.user,
    )
    election.refresh_from_db()
    return _detail(election, request.user)


@router.post("/{int:pk}/reject")
def reject(request: HttpRequest, pk: int, payload: RejectIn):
    election = visible_or_404(request, Election, pk)
    services.election_reject(election=election, reason=payload.reason, actor=request.user)
    election.refresh_from_db()
    return _detail(election, request.user)


@router.post("/{int:pk}/meeting")
def meeting(request: HttpRequest, pk: int, payload: MeetingIn):
    """The meeting and the votes per candidate id; the result is counted by the server."""
    election = visible_or_404(request, Election, pk)
    services.election_record_meeting(
        election=election,
        meeting_date=payload.meeting_date,
        total_voters=payload.total_voters,
        present=payload.present,
        votes=payload.votes,
        comment=payload.comment,
        actor=request.user,
    )
    election.refresh_from_db()
    return _detail(election, request.user)


@router.post("/{int:pk}/install")
def install(request: HttpRequest, pk: int):
    election = visible_or_404(request, Election, pk)
    services.election_install(election=election, actor=request.user)
    election.refresh_from_db()
    return _detail(election, request.user)


@router.post("/{int:pk}/file")
def file(request: HttpRequest, pk: int, payload: FileIn):
    election = visible_or_404(request, Election, pk)
    services.election_file(
        election=election,
        filed_date=payload.filed_date,
        note=payload.note,
        actor=request.user,
    )
    election.refresh_from_db()
    return _detail(election, request.user)
