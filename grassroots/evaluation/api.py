"""Evaluation over the API: schemes, ranking, score sheets, entering scores, recompute, archives."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.api.params import YEAR
from grassroots.api.schemas import WriteIn
from grassroots.core.scope import get_visible_or_404
from grassroots.evaluation import selectors, services
from grassroots.evaluation.models import Evaluation, Indicator, Scheme
from grassroots.members.models import Member

PREFIX = "/evaluation"
router = Router(tags=["evaluation"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _error(exc: Exception) -> HttpError:
    if isinstance(exc, PermissionDenied):
        return HttpError(403, str(exc))
    texts = getattr(exc, "messages", [str(exc)])
    return HttpError(422, "；".join(texts))


class SchemeOut(Schema):
    id: int
    name: str
    year: int
    unit: str
    subject: str
    status: str
    recompute_state: str
    progress_percent: int

    @staticmethod
    def resolve_unit(obj: Scheme) -> str:
        return obj.unit.code


class SchemePage(Schema):
    count: int
    page: int
    items: list[SchemeOut]


class EvaluationOut(Schema):
    """One evaluation result: a unit's (or a member's) total, grade and rank in a scheme."""

    id: int
    scheme_id: int
    scheme: str
    year: int
    unit: str
    unit_name: str
    member_id: int | None
    total: str
    grade: str
    rank: int | None
    peers: int | None
    step: str

    @staticmethod
    def resolve_scheme(obj: Evaluation) -> str:
        return obj.scheme.name

    @staticmethod
    def resolve_year(obj: Evaluation) -> int:
        return obj.scheme.year

    @staticmethod
    def resolve_unit(obj: Evaluation) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Evaluation) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_total(obj: Evaluation) -> str:
        return str(obj.total)


class EvaluationPage(Schema):
    count: int
    page: int
    items: list[EvaluationOut]


class RankingRow(Schema):
    evaluation_id: int
    unit: str
    unit_name: str
    member_id: int | None
    total: str
    grade: str
    rank: int | None
    peer_rank: int | None
    peer_count: int | None
    previous_total: str | None
    step: str


class RankingPage(Schema):
    count: int
    page: int
    items: list[RankingRow]


class SheetLine(Schema):
    id: int
    code: str
    name: str
    depth: int
    method: str
    weight: str
    value: str | None
    target: str | None
    score: str
    self_score: str | None
    reviewed_score: str | None


class SheetOut(Schema):
    id: int
    scheme_id: int
    unit: str
    member_id: int | None
    total: str
    grade: str
    rank: int | None
    step: str
    indicators: list[SheetLine]


class ArchiveFigure(Schema):
    label: str
    value: str
    unit: str


class ArchiveEvaluation(Schema):
    scheme: str
    total: str
    grade: str


class ArchiveOut(Schema):
    member_id: int
    year: int
    figures: list[ArchiveFigure]
    evaluations: list[ArchiveEvaluation]


class ScoreIn(WriteIn):
    indicator_id: int
    score: Decimal
    evidence: str = ""
    review: bool = False


@router.get("/schemes", response=SchemePage)
def schemes_list(
    request: HttpRequest,
    year: int | None = YEAR,
    status: str | None = None,
    subject: str | None = None,
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """The console's filters: ``year``, ``status``, ``subject`` (units or members), ``q`` (name)."""
    qs = selectors.schemes_visible(_user(request)).select_related("unit")
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if subject:
        qs = qs.filter(subject=subject)
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return paginate(qs, page, page_size)


@router.get("/evaluations", response=EvaluationPage)
def evaluations_list(
    request: HttpRequest,
    scheme_id: int | None = None,
    year: int | None = YEAR,
    step: str | None = None,
    grade: str | None = None,
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Evaluation results in scope, with the console's filters: ``year``, ``step``, ``grade``,
    ``q`` (unit, member or scheme name); ``scheme_id`` keeps one scheme (404 outside scope)."""
    user = _user(request)
    qs = selectors.evaluations_visible(user).select_related("scheme", "unit")
    if scheme_id is not None:
        qs = qs.filter(scheme=get_visible_or_404(Scheme.objects.all(), user, pk=scheme_id))
    if year:
        qs = qs.filter(scheme__year=year)
    if step:
        qs = qs.filter(step=step)
    if grade:
        qs = qs.filter(grade=grade)
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(unit__name__contains=q) | Q(member__name__contains=q) | Q(scheme__name__contains=q)
        )
    return paginate(qs.order_by("-scheme__year", "scheme_id", "rank", "id"), page, page_size)


@router.get("/schemes/{scheme_id}", response=SchemeOut)
def schemes_get(request: HttpRequest, scheme_id: int):
    return get_visible_or_404(Scheme.objects.select_related("unit"), _user(request), pk=scheme_id)


@router.post("/schemes/{scheme_id}/recompute", response={202: SchemeOut})
def schemes_recompute(request: HttpRequest, scheme_id: int):
    user = _user(request)
    scheme = get_visible_or_404(Scheme.objects.select_related("unit"), user, pk=scheme_id)
    try:
        services.scheme_recompute_request(scheme=scheme, actor=user)
    except (ValidationError, PermissionDenied) as exc:
        raise _error(exc) from exc
    scheme.refresh_from_db()
    return Status(202, scheme)


@router.get("/schemes/{scheme_id}/ranking", response=RankingPage)
def schemes_ranking(
    request: HttpRequest, scheme_id: int, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
):
    user = _user(request)
    scheme = get_visible_or_404(Scheme.objects.all(), user, pk=scheme_id)
    rows = selectors.ranking(scheme=scheme, user=user)
    if page < 1 or not 1 <= page_size <= 200:
        raise HttpError(422, "page ≥ 1, page_size 1–200 / 页码或每页条数无效")
    chunk = rows[(page - 1) * page_size : page * page_size]
    items = [
        {
            "evaluation_id": r.evaluation.pk,
            "unit": r.evaluation.unit.code,
            "unit_name": r.evaluation.unit.name,
            "member_id": r.evaluation.member_id,
            "total": str(r.evaluation.total),
            "grade": r.evaluation.grade,
            "rank": r.evaluation.rank,
            "peer_rank": r.peer_rank,
            "peer_count": r.peer_count,
            "previous_total": str(r.previous_total) if r.previous_total is not None else None,
            "step": r.evaluation.step,
        }
        for r in chunk
    ]
    return {"count": len(rows), "page": page, "items": items}


def _sheet(evaluation: Evaluation) -> dict:
    sheet = selectors.score_sheet(evaluation=evaluation)
    return {
        "id": evaluation.pk,
        "scheme_id": evaluation.scheme_id,
        "unit": evaluation.unit.code,
        "member_id": evaluation.member_id,
        "total": str(sheet.total),
        "grade": evaluation.grade,
        "rank": evaluation.rank,
        "step": evaluation.step,
        "indicators": [
            {
                "id": line.indicator.pk,
                "code": line.indicator.code,
                "name": line.indicator.name,
                "depth": line.depth,
                "method": line.indicator.method,
                "weight": str(line.indicator.weight),
                "value": str(line.value) if line.value is not None else None,
                "target": str(line.indicator.target) if line.indicator.target is not None else None,
                "score": str(line.score),
                "self_score": str(line.row.self_score)
                if line.row and line.row.self_score is not None
                else None,
                "reviewed_score": str(line.row.reviewed_score)
                if line.row and line.row.reviewed_score is not None
                else None,
            }
            for line in sheet.lines
        ],
    }


@router.get("/evaluations/{evaluation_id}", response=SheetOut)
def evaluations_get(request: HttpRequest, evaluation_id: int):
    evaluation = get_visible_or_404(
        Evaluation.objects.select_related("scheme", "unit"), _user(request), pk=evaluation_id
    )
    return _sheet(evaluation)


@router.post("/evaluations/{evaluation_id}/scores", response=SheetOut)
def evaluations_score(request: HttpRequest, evaluation_id: int, body: ScoreIn):
    user = _user(request)
    evaluation = get_visible_or_404(
        Evaluation.objects.select_related("scheme", "unit"), user, pk=evaluation_id
    )
    indicator = get_visible_or_404(
        Indicator.objects.all(), user, pk=body.indicator_id, scheme_id=evaluation.scheme_id
    )
    try:
        services.score_enter(
            evaluation=evaluation,
            indicator=indicator,
            score=body.score,
            evidence=body.evidence,
            review=body.review,
            actor=user,
        )
    except (ValidationError, PermissionDenied) as exc:
        raise _error(exc) from exc
    evaluation.refresh_from_db()
    return _sheet(evaluation)


@router.get("/members/{member_id}/archive", response=ArchiveOut)
def member_archive(request: HttpRequest, member_id: int, year: int | None = YEAR):
    user = _user(request)
    member = get_visible_or_404(Member.objects.all(), user, pk=member_id)
    archive = selectors.member_archive(
        member=member, year=year or datetime.date.today().year, user=user
    )
    return {
        "member_id": member.pk,
        "year": archive.year,
        "figures": [
            {"label": line.label, "value": str(line.value), "unit": line.unit_label}
            for line in archive.lines
        ],
        "evaluations": [
            {"scheme": str(e.scheme), "total": str(e.total), "grade": e.grade}
            for e in archive.evaluations
        ],
    }
