"""REST routes for the figures pool, assessments, recommendation rounds and nominations, and
the arrangement statistics. Units, statuses and where a nomination waits are set by the
services, never taken from the request."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from grassroots.api.auth import visible_or_404
from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.figures import selectors, services
from grassroots.figures.models import Figure, Nomination, Round
from grassroots.members.models import ArrangementKind, ArrangementLevel, Member
from grassroots.organizations.models import Unit

PREFIX = "/figures"
router = Router(tags=["figures"])


def _ref(model: Any, code: str, field: str) -> Any:
    found = model.objects.filter(code=code).first()
    if found is None:
        raise HttpError(422, _("%(field)s: 代码“%(code)s”不存在") % {"field": field, "code": code})
    return found


class FigureIn(Schema):
    member_id: int
    category: str
    since: datetime.date | None = None
    domain: str = ""
    note: str = ""


class AssessmentIn(Schema):
    date: datetime.date
    assessor: str
    rating: str
    text: str


class RoundIn(Schema):
    unit_id: int
    kind: str
    level: str
    body: str
    term_number: int
    opens_on: datetime.date
    closes_on: datetime.date
    note: str = ""


class ProposeIn(Schema):
    member_id: int
    reason: str = ""


class ReviewIn(Schema):
    recommend: bool
    comment: str = ""


class OutcomeIn(Schema):
    arranged: bool
    post: str = ""
    date: datetime.date | None = None
    comment: str = ""


def _figure(f: Figure) -> dict[str, Any]:
    return {
        "id": f.pk,
        "member": {"id": f.member_id, "name": f.member.name, "unit": f.member.unit.name},
        "category": f.category,
        "domain": f.domain,
        "since": f.since,
        "is_active": f.is_active,
    }


def _nomination(n: Nomination) -> dict[str, Any]:
    return {
        "id": n.pk,
        "round_id": n.round_id,
        "member": {"id": n.member_id, "name": n.member.name, "unit": n.member.unit.name},
        "proposed_by": n.proposed_by.name,
        "at_unit": n.at_unit.name,
        "status": n.status,
        "reason": n.reason,
        "outcome_post": n.outcome_post,
        "outcome_date": n.outcome_date,
        "arrangement_id": n.arrangement_id,
        "trail": n.trail,
    }


def _round(r: Round) -> dict[str, Any]:
    return {
        "id": r.pk,
        "label": r.label,
        "unit": {"id": r.unit_id, "name": r.unit.name},
        "kind": r.kind.code,
        "level": r.level.code,
        "body": r.body,
        "term_number": r.term_number,
        "opens_on": r.opens_on,
        "closes_on": r.closes_on,
        "status": r.status,
    }


@router.get("")
def list_figures(
    request: HttpRequest,
    category: str | None = None,
    active: bool | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    qs = selectors.figures_visible(request.user)
    if category:
        qs = qs.filter(category=category)
    if active is not None:
        qs = qs.filter(is_active=active)
    return paginate(qs.order_by("member__pinyin_full", "id"), page, page_size, _figure)


@router.get("/stats")
def stats(request: HttpRequest, day: datetime.date | None = None):
    """Arrangements per level and kind, per body and term, and each level's make-up."""
    day = day or timezone.localdate()
    return {
        "day": day,
        "by_level": selectors.arrangements_by_level(request.user, day=day),
        "over_terms": selectors.arrangements_over_terms(request.user),
        "makeup": [
            {"level": m.level, "total": m.total, "ages": m.ages, "sectors": m.sectors}
            for m in selectors.level_makeup(request.user, day=day)
        ],
    }


@router.get("/rounds")
def list_rounds(request: HttpRequest, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE):
    qs = selectors.rounds_visible(request.user).order_by("-opens_on", "-id")
    return paginate(qs, page, page_size, _round)


@router.get("/rounds/{int:pk}")
def get_round(request: HttpRequest, pk: int):
    rnd = visible_or_404(request, Round, pk)
    data = _round(rnd)
    data["nominations"] = [
        _nomination(n) for n in selectors.nominations_visible(request.user).filter(round=rnd)
    ]
    return data


@router.post("/rounds", response={201: dict})
def open_round(request: HttpRequest, payload: RoundIn):
    unit = visible_or_404(request, Unit, payload.unit_id)
    rnd = services.round_open(
        unit=unit,
        kind=_ref(ArrangementKind, payload.kind, "kind"),
        level=_ref(ArrangementLevel, payload.level, "level"),
        body=payload.body,
        term_number=payload.term_number,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        note=payload.note,
        actor=request.user,
    )
    return Status(201, _round(rnd))


@router.post("/rounds/{int:pk}/close")
def close_round(request: HttpRequest, pk: int):
    rnd = visible_or_404(request, Round, pk)
    return _round(services.round_close(round=rnd, actor=request.user))


@router.post("/rounds/{int:pk}/nominations", response={201: dict})
def propose(request: HttpRequest, pk: int, payload: ProposeIn):
    rnd = visible_or_404(request, Round, pk)
    member = visible_or_404(request, Member, payload.member_id)
    nomination = services.nomination_propose(
        round=rnd,
        member=member,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, _nomination(nomination))


@router.post("/nominations/{int:pk}/review")
def review(request: HttpRequest, pk: int, payload: ReviewIn):
    nomination = visible_or_404(request, Nomination, pk)
    done = services.nomination_review(
        nomination=nomination,
        recommend=payload.recommend,
        comment=payload.comment,
        actor=request.user,
    )
    return _nomination(done)


@router.post("/nominations/{int:pk}/outcome")
def outcome(request: HttpRequest, pk: int, payload: OutcomeIn):
    nomination = visible_or_404(request, Nomination, pk)
    done = services.nomination_outcome(
        nomination=nomination,
        arranged=payload.arranged,
        post=payload.post,
        date=payload.date,
        comment=payload.comment,
        actor=request.user,
    )
    return _nomination(done)


@router.get("/{int:pk}")
def get_figure(request: HttpRequest, pk: int):
    figure = visible_or_404(request, Figure, pk)
    profile = selectors.figure_profile(figure=figure, user=request.user)
    data = _figure(figure)
    data.update(
        {
            "note": figure.note,
            "arrangements": [
                {
                    "kind": a.kind.name,
                    "level": a.level.name,
                    "body": a.body,
                    "post": a.post,
                    "start_date": a.start_date,
                    "end_date": a.end_date,
                }
                for a in profile.arrangements
            ],
            "offices": [
                {
                    "unit": o.unit.name,
                    "post": o.post,
                    "start_date": o.start_date,
                    "end_date": o.end_date,
                }
                for o in profile.offices
            ],
            "assessments": [
                {
                    "date": a.date,
                    "assessor": a.assessor,
                    "rating": a.rating,
                    "text": a.text,
                }
                for a in profile.assessments
            ],
            "nominations": [_nomination(n) for n in profile.nominations],
        }
    )
    return data


@router.post("", response={201: dict})
def add_figure(request: HttpRequest, payload: FigureIn):
    member = visible_or_404(request, Member, payload.member_id)
    figure = services.figure_add(
        member=member,
        category=payload.category,
        since=payload.since,
        domain=payload.domain,
        note=payload.note,
        actor=request.user,
    )
    return Status(201, _figure(figure))


@router.post("/{int:pk}/assessments", response={201: dict})
def add_assessment(request: HttpRequest, pk: int, payload: AssessmentIn):
    figure = visible_or_404(request, Figure, pk)
    a = services.assessment_add(
        figure=figure,
        date=payload.date,
        assessor=payload.assessor,
        rating=payload.rating,
        text=payload.text,
        actor=request.user,
    )
    return Status(201, {"id": a.pk, "date": a.date, "rating": a.rating})
