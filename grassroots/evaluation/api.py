"""Evaluation over the API: schemes, ranking, score sheets, entering scores, recompute, archives."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
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


class ScoreIn(Schema):
    indicator_id: int
    score: Decimal
    evidence: str = ""
    review: bool = False


@router.get("/schemes", response=dict)
def schemes_list(
    request: HttpRequest, year: int | None = None, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
):
    qs = selectors.schemes_visible(_user(request))
    if year:
        qs = qs.filter(year=year)
    return paginate(qs, page, page_size, lambda s: SchemeOut.from_orm(s).dict())


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


@router.get("/schemes/{scheme_id}/ranking", response=dict)
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


@router.get("/evaluations/{evaluation_id}", response=dict)
def evaluations_get(request: HttpRequest, evaluation_id: int):
    evaluation = get_visible_or_404(
        Evaluation.objects.select_related("scheme", "unit"), _user(request), pk=evaluation_id
    )
    return _sheet(evaluation)


@router.post("/evaluations/{evaluation_id}/scores", response=dict)
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


@router.get("/members/{member_id}/archive", response=dict)
def member_archive(request: HttpRequest, member_id: int, year: int | None = None):
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
