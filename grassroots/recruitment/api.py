"""REST routes for applications: list, detail, create, and the four actions (same services and
rules as the console; the loser of a race on one stage gets 409)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict

from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.api.schemas import WriteIn
from grassroots.core.scope import get_visible_or_404
from grassroots.members.models import Education, Ethnicity, Member, Sector, TalentKind, Title
from grassroots.organizations.models import Unit
from grassroots.recruitment import procedure, selectors, services
from grassroots.recruitment.models import Application, Introducer, Prospect, TalentProgramme

PREFIX = "/applications"
router = Router(tags=["applications"])


def _call(fn: Any, **kwargs: Any) -> Any:
    """Run a service and turn its exceptions into HTTP answers with Chinese messages."""
    try:
        return fn(**kwargs)
    except services.ApplicationConflict as exc:
        raise HttpError(409, str(exc)) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("无权办理")) from exc
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            text = "；".join(f"{k}: {'，'.join(v)}" for k, v in exc.message_dict.items())
        else:
            text = "；".join(exc.messages)
        raise HttpError(422, text) from exc


def _ref(model: type[Model], code: str | None, field: str) -> Any:
    if not code:
        return None
    try:
        return model._default_manager.get(code=code)  # type: ignore[misc]
    except model.DoesNotExist as exc:  # type: ignore[attr-defined]
        raise HttpError(
            422, _("%(field)s: 代码“%(code)s”不存在") % {"field": field, "code": code}
        ) from exc


def _visible(request: HttpRequest, model: type[Model], pk: int | None) -> Any:
    if pk is None:
        return None
    try:
        return get_visible_or_404(model._default_manager.all(), request.user, pk=pk)
    except Http404 as exc:
        raise HttpError(404, _("未找到")) from exc


class ApplicationIn(WriteIn):
    """A new application in the branch ``unit_id`` (in scope); its stage and state are set by the
    server. Reference fields (ethnicity, education, title, sector, talent_kind) are codes."""

    unit_id: int
    name: str = ""
    id_number: str = ""
    sex: str = ""
    birth_date: datetime.date | None = None
    ethnicity: str | None = None
    phone: str = ""
    email: str = ""
    education: str | None = None
    degree: str = ""
    title: str | None = None
    sector: str | None = None
    employer: str = ""
    post: str = ""
    is_talent: bool = False
    talent_kind: str | None = None
    other_party: str = ""
    resume: str = ""
    reasons: str = ""
    family_relations: str = ""
    social_relations: str = ""
    prospect_id: int | None = None
    programme_id: int | None = None
    recruiter_id: int | None = None


class ActionIn(Schema):
    """{"comment", "version"?, "quota_reason"?, ...the current stage's fields}

    Besides these three, the body carries the fields the current stage records (``stage_fields``
    in the application's detail, e.g. ``talker`` and ``talk_date`` for the talk); any other field
    (``unit``, ``state``, ``stage``…) is refused with 422."""

    model_config = ConfigDict(extra="allow")

    comment: str = ""
    version: int | None = None
    quota_reason: str = ""


class IntroducerIn(WriteIn):
    member_id: int


class UnitRef(Schema):
    id: int
    name: str


class StageRef(Schema):
    code: str
    name: str
    order: int


class ApplicationBrief(Schema):
    id: int
    name: str
    unit: UnitRef
    stage: StageRef
    state: str
    version: int
    age_days: int | None
    is_talent: bool
    submitted_at: datetime.datetime | None


class ApplicationPage(Schema):
    count: int
    page: int
    items: list[ApplicationBrief]


class ConditionOut(Schema):
    rule: str
    result: str
    sentence: str
    override_reason: str


class IntroducerOut(Schema):
    id: int
    name: str
    unit: str
    member_number: str
    confirmed_at: datetime.datetime | None
    in_person: bool


class TimelineOut(Schema):
    stage: str
    action: str
    to_stage: str | None
    actor: str
    at: datetime.datetime
    comment: str
    data: dict[str, Any] | None
    attachments: list[str]


class ApplicationDetail(ApplicationBrief):
    sex: str
    birth_date: datetime.date | None
    id_number_masked: str
    education: str
    title: str
    sector: str
    employer: str
    post: str
    talent_kind: str
    other_party: str
    resume: str
    reasons: str
    family_relations: str
    social_relations: str
    stage_fields: list[dict[str, Any]] = Field(
        description="the fields the current stage records, sent beside comment when advancing"
    )
    can_act: bool
    why_not: str
    quota_override_reason: str
    member_number: str | None
    filing_batch: str | None
    conditions: list[ConditionOut]
    introducers: list[IntroducerOut]
    timeline: list[TimelineOut]


class LookupItem(Schema):
    id: str
    name: str
    unit: str
    member_number: str


class LookupOut(Schema):
    items: list[LookupItem]


def _brief(app: Application) -> dict[str, Any]:
    return {
        "id": app.pk,
        "name": app.name,
        "unit": {"id": app.unit_id, "name": app.unit.name},
        "stage": {"code": app.stage.code, "name": app.stage.name, "order": app.stage.order},
        "state": app.state,
        "version": app.version,
        "age_days": selectors.age_in_days(app) if app.is_open else None,
        "is_talent": app.is_talent,
        "submitted_at": app.submitted_at,
    }


def _detail(app: Application, user: Any) -> dict[str, Any]:
    data = _brief(app)
    why_not = procedure.why_cannot_act(user, app) if app.is_open else _("申请已办结")
    data.update(
        {
            "sex": app.sex,
            "birth_date": app.birth_date,
            "id_number_masked": app.id_number_masked,
            "education": str(app.education or ""),
            "title": str(app.title or ""),
            "sector": str(app.sector or ""),
            "employer": app.employer,
            "post": app.post,
            "talent_kind": str(app.talent_kind or ""),
            "other_party": app.other_party,
            "resume": app.resume,
            "reasons": app.reasons,
            "family_relations": app.family_relations,
            "social_relations": app.social_relations,
            "stage_fields": app.stage.fields,
            "can_act": why_not is None,
            "why_not": why_not or "",
            "quota_override_reason": app.quota_override_reason,
            "member_number": app.member.member_number if app.member else None,
            "filing_batch": app.filing_batch.number if app.filing_batch else None,
            "conditions": [
                {
                    "rule": o.rule.name,
                    "result": o.result,
                    "sentence": o.sentence,
                    "override_reason": o.override_reason,
                }
                for o in selectors.condition_outcomes(app)
            ],
            "introducers": [
                {
                    "id": i.pk,
                    "name": i.member.name,
                    "unit": i.member.unit.name,
                    "member_number": i.member.member_number or "",
                    "confirmed_at": i.confirmed_at,
                    "in_person": i.confirmed_in_person,
                }
                for i in app.introducers.select_related("member__unit")
            ],
            "timeline": [
                {
                    "stage": s.stage.name,
                    "action": s.action,
                    "to_stage": s.to_stage.name if s.to_stage else None,
                    "actor": s.actor_name,
                    "at": s.at,
                    "comment": s.comment,
                    "data": s.data,
                    "attachments": [a.name for a in s.attachments.all()],
                }
                for s in selectors.timeline(app)
            ],
        }
    )
    return data


def _load(request: HttpRequest, pk: int) -> Application:
    app: Application = _visible(request, Application, pk)
    return app


@router.get("", response=ApplicationPage)
def list_applications(
    request: HttpRequest,
    state: str | None = None,
    stage: str | None = None,
    q: str = "",
    inbox: bool = False,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """The console's filters: ``state``, ``stage`` (a stage code), ``q`` (part of the name);
    ``inbox`` keeps the applications waiting for the caller."""
    qs = selectors.inbox(request.user) if inbox else selectors.applications_visible(request.user)
    if state:
        qs = qs.filter(state=state)
    if stage:
        qs = qs.filter(stage__code=stage)
    q = "".join(q.split())
    if q:
        qs = qs.filter(name__contains=q)
    qs = qs.select_related("unit", "stage").order_by("-created_at", "-id")
    return paginate(qs, page, page_size, _brief)


@router.get("/introducer-lookup", response=LookupOut)
def introducer_lookup(request: HttpRequest, q: str):
    """Active members by member number or exact name, province-wide: name, unit, number only."""
    return {"items": selectors.introducer_lookup(user=request.user, query=q)}


@router.get("/{pk}", response=ApplicationDetail)
def get_application(request: HttpRequest, pk: int):
    return _detail(_load(request, pk), request.user)


@router.post("", response={201: ApplicationDetail})
def create_application(request: HttpRequest, payload: ApplicationIn):
    """A new application; with ``prospect_id`` the prospect's personal fields are carried over
    and only the fields sent here replace them."""
    unit = _visible(request, Unit, payload.unit_id)
    prospect = _visible(request, Prospect, payload.prospect_id)
    programme = _visible(request, TalentProgramme, payload.programme_id)
    recruiter = None
    if payload.recruiter_id is not None:
        recruiter = Member.objects.filter(pk=payload.recruiter_id).first()
        if recruiter is None:
            raise HttpError(422, _("recruiter_id: 会员不存在"))
    sent = payload.dict(
        exclude={"unit_id", "prospect_id", "programme_id", "recruiter_id"}, exclude_unset=True
    )
    refs = {
        "ethnicity": Ethnicity,
        "education": Education,
        "title": Title,
        "sector": Sector,
        "talent_kind": TalentKind,
    }
    data = {k: (_ref(refs[k], v, k) if k in refs else v) for k, v in sent.items()}
    if prospect is not None:
        app = _call(
            services.application_from_prospect,
            prospect=prospect,
            actor=request.user,
            unit=unit,
            data=data,
        )
    else:
        app = _call(
            services.application_create,
            unit=unit,
            data=data,
            actor=request.user,
            programme=programme,
            recruiter=recruiter,
        )
    return Status(201, _detail(app, request.user))


def _stage_fields(request: HttpRequest, app: Application) -> dict[str, Any]:
    """The stage's own fields travel beside comment/version/quota_reason in the same body; any
    other field is refused, so a client never believes it set the unit or the state."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise HttpError(400, _("请求体不是有效的JSON")) from exc
    if not isinstance(body, dict):
        raise HttpError(400, _("请求体须为JSON对象"))
    data = {k: v for k, v in body.items() if k not in ("comment", "version", "quota_reason")}
    allowed = {f["name"] for f in app.stage.fields}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise NinjaValidationError(
            [{"loc": ["body", k], "msg": "extra", "type": "extra_forbidden"} for k in unknown]
        )
    return data


def _act(request: HttpRequest, pk: int, payload: ActionIn, action: str) -> dict[str, Any]:
    app = _load(request, pk)
    stage_data = _stage_fields(request, app)
    if action != "advance" and stage_data:
        raise NinjaValidationError(
            [{"loc": ["body", k], "msg": "extra", "type": "extra_forbidden"} for k in stage_data]
        )
    if payload.version is not None:
        app.version = payload.version
    if action == "advance":
        _call(
            services.application_advance,
            application=app,
            actor=request.user,
            comment=payload.comment,
            data=stage_data,
            quota_reason=payload.quota_reason,
        )
    elif action == "return":
        _call(
            services.application_return,
            application=app,
            actor=request.user,
            comment=payload.comment,
        )
    elif action == "reject":
        _call(
            services.application_reject,
            application=app,
            actor=request.user,
            comment=payload.comment,
        )
    else:
        _call(
            services.application_withdraw,
            application=app,
            actor=request.user,
            comment=payload.comment,
        )
    app.refresh_from_db()
    return _detail(app, request.user)


@router.post("/{pk}/advance", response=ApplicationDetail)
def advance(request: HttpRequest, pk: int, payload: ActionIn):
    return _act(request, pk, payload, "advance")


@router.post("/{pk}/return", response=ApplicationDetail)
def return_(request: HttpRequest, pk: int, payload: ActionIn):
    return _act(request, pk, payload, "return")


@router.post("/{pk}/reject", response=ApplicationDetail)
def reject(request: HttpRequest, pk: int, payload: ActionIn):
    return _act(request, pk, payload, "reject")


@router.post("/{pk}/withdraw", response=ApplicationDetail)
def withdraw(request: HttpRequest, pk: int, payload: ActionIn):
    return _act(request, pk, payload, "withdraw")


@router.post("/{pk}/introducers", response=ApplicationDetail)
def add_introducer(request: HttpRequest, pk: int, payload: IntroducerIn):
    app = _load(request, pk)
    # Deliberately unscoped: an introducer may belong to any unit of the province.
    member = Member.objects.filter(pk=payload.member_id).first()
    if member is None:
        raise HttpError(422, _("member_id: 会员不存在"))
    _call(services.introducer_add, application=app, member=member, actor=request.user)
    app.refresh_from_db()
    return _detail(app, request.user)


@router.post("/{pk}/introducers/{introducer_id}/confirm", response=ApplicationDetail)
def confirm_introducer(request: HttpRequest, pk: int, introducer_id: int):
    """Staff record the confirmation now; the member portal will call the same service with
    the introducer's own user."""
    app = _load(request, pk)
    introducer = Introducer.objects.filter(pk=introducer_id, application=app).first()
    if introducer is None:
        raise HttpError(404, _("未找到"))
    _call(services.introducer_confirm, introducer=introducer, actor=request.user)
    app.refresh_from_db()
    return _detail(app, request.user)
