"""Recruitment writes: prospects, applications moving through the stages, introducers,
condition overrides, filing batches. Every state change is a conditional UPDATE on the
application's version so that two people acting at once cannot both succeed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.accounts.models import Role, User
from grassroots.core import audit
from grassroots.core.notifications import notification_send
from grassroots.core.scope import unit_in_scope
from grassroots.members.identity import check_identity, id_hashes, normalize_phone
from grassroots.members.models import Member, MemberStatus
from grassroots.members.services import member_create
from grassroots.organizations.models import Unit
from grassroots.planning.selectors import quota_for
from grassroots.recruitment import conditions, procedure
from grassroots.recruitment.models import (
    PERSON_FIELDS,
    AdmissionRule,
    Application,
    ConditionOverride,
    CultivationRecord,
    FilingBatch,
    Introducer,
    Prospect,
    Stage,
    Step,
    StepAttachment,
    TalentProgramme,
)

APPLICATION_TEXT_FIELDS = ("resume", "reasons", "family_relations", "social_relations")
CLOSED_STATES = (Application.State.REJECTED, Application.State.WITHDRAWN)


class ApplicationConflict(Exception):
    """Someone else acted on the same stage first; the caller must reload."""


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return actor.full_name or actor.get_username()


def _require_unit_in_scope(unit: Unit, actor: Any) -> None:
    if not unit_in_scope(unit, actor):
        raise PermissionDenied(_("所选组织不在您的管理范围内"))


def _require_writer(actor: Any) -> None:
    if getattr(actor, "role", None) in procedure.READ_ONLY_ROLES and not actor.is_superuser:
        raise PermissionDenied(_("您的角色只能查看，不能修改"))


# --- personal fields shared by prospects and applications --------------------------------


def person_clean(*, data: dict[str, Any], instance: Any = None) -> dict[str, Any]:
    """Normalize the personal fields; errors keyed by field, in Chinese."""
    errors: dict[str, str] = {}
    cleaned = {k: v for k, v in data.items() if k in PERSON_FIELDS}
    if "name" in cleaned or instance is None:
        cleaned["name"] = "".join(str(cleaned.get("name") or "").split())
        if not cleaned["name"]:
            errors["name"] = _("姓名不能为空")
    if cleaned.get("phone"):
        try:
            cleaned["phone"] = normalize_phone(cleaned["phone"])
        except ValueError as exc:
            errors["phone"] = str(exc)
    for text in ("other_party", "employer", "post", "email"):
        if text in cleaned:
            cleaned[text] = str(cleaned[text] or "").strip()
    if cleaned.get("talent_kind") is not None and "is_talent" not in cleaned:
        cleaned["is_talent"] = True
    id_number = cleaned.get("id_number", getattr(instance, "id_number", "") or "")
    birth = cleaned.get("birth_date", getattr(instance, "birth_date", None))
    sex = cleaned.get("sex", getattr(instance, "sex", None))
    parsed, identity_errors = check_identity(id_number or "", birth, sex)
    if parsed is not None:
        for derived in ("birth_date", "sex"):
            if derived not in data:
                identity_errors.pop(derived, None)
        cleaned["id_number"] = parsed.value
        cleaned["birth_date"], cleaned["sex"] = parsed.birth_date, parsed.sex
    errors.update(identity_errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply_person(obj: Any, cleaned: dict[str, Any]) -> None:
    for key, value in cleaned.items():
        setattr(obj, key, value)
    if obj.id_number:
        obj.id_number_hash, _tail, obj.id_number_masked = id_hashes(obj.id_number)
    else:
        obj.id_number_hash, obj.id_number_masked = "", ""


def _check_recruiter(recruiter: Member | None) -> None:
    if recruiter is not None and recruiter.status != MemberStatus.ACTIVE:
        raise ValidationError({"recruiter": _("培养联系人须为在册会员")})


# --- prospects and the talent programme ---------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    unit: Unit,
    name: str,
    start_date: datetime.date,
    end_date: datetime.date,
    target: int,
    categories: Iterable[Any] = (),
    actor: Any,
) -> TalentProgramme:
    _require_writer(actor)
    _require_unit_in_scope(unit, actor)
    errors = {}
    if not name.strip():
        errors["name"] = _("名称不能为空")
    if end_date < start_date:
        errors["end_date"] = _("结束日期不能早于开始日期")
    if target < 1:
        errors["target"] = _("目标人数须大于0")
    if errors:
        raise ValidationError(errors)
    programme = TalentProgramme.objects.create(
        unit=unit, name=name.strip(), start_date=start_date, end_date=end_date, target=target
    )
    programme.categories.set(list(categories))
    return programme


@transaction.atomic
def prospect_create(
    *,
    unit: Unit,
    data: dict[str, Any],
    actor: Any,
    recruiter: Member | None = None,
    programme: TalentProgramme | None = None,
    source: str = "",
    note: str = "",
) -> Prospect:
    _require_writer(actor)
    _require_unit_in_scope(unit, actor)
    _check_recruiter(recruiter)
    cleaned = person_clean(data=data)
    prospect = Prospect(
        unit=unit, recruiter=recruiter, programme=programme, source=source, note=note
    )
    _apply_person(prospect, cleaned)
    prospect.save()
    return prospect


@transaction.atomic
def prospect_update(*, prospect: Prospect, data: dict[str, Any], actor: Any) -> Prospect:
    _require_writer(actor)
    _require_unit_in_scope(prospect.unit, actor)
    for key in ("recruiter", "programme", "source", "note", "status"):
        if key in data:
            setattr(prospect, key, data[key])
    _check_recruiter(prospect.recruiter)
    cleaned = person_clean(data=data, instance=prospect)
    _apply_person(prospect, cleaned)
    prospect.save()
    return prospect


@transaction.atomic
def cultivation_record_add(
    *, prospect: Prospect, date: datetime.date, kind: str, content: str, actor: Any
) -> CultivationRecord:
    _require_writer(actor)
    _require_unit_in_scope(prospect.unit, actor)
    if not content.strip():
        raise ValidationError({"content": _("请填写培养内容")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("日期不能晚于今天")})
    return CultivationRecord.objects.create(
        prospect=prospect,
        date=date,
        kind=kind,
        content=content.strip(),
        recorded_by=_actor_name(actor),
    )


# --- applications: creation and the form --------------------------------------------------


def _record(
    app: Application,
    *,
    stage: Stage,
    action: str,
    actor: Any,
    comment: str = "",
    data: dict | None = None,
    to_stage: Stage | None = None,
    attachments: Iterable[UploadedFile] = (),
) -> Step:
    user = actor if getattr(actor, "is_authenticated", False) else None
    step = Step.objects.create(
        application=app,
        stage=stage,
        to_stage=to_stage,
        action=action,
        actor=user,
        actor_name=_actor_name(actor),
        actor_unit=str(getattr(user, "unit", "") or "") if user else "",
        comment=comment,
        data=data or {},
    )
    for upload in attachments:
        StepAttachment.objects.create(step=step, file=upload, name=(upload.name or "")[:200])
    return step


def _first_stage(unit: Unit) -> Stage:
    stages = procedure.applicable_stages(unit)
    if not stages:
        raise ValidationError(_("尚未配置入会办理环节"))
    return stages[0]


@transaction.atomic
def application_create(
    *,
    unit: Unit,
    data: dict[str, Any],
    actor: Any,
    prospect: Prospect | None = None,
    programme: TalentProgramme | None = None,
    recruiter: Member | None = None,
) -> Application:
    """A new application at the first stage, entered by the branch (or later the applicant)."""
    stage = _first_stage(unit)
    if not unit.kind.is_grassroots:
        raise ValidationError({"unit": _("入会申请须由基层组织（支部）提出")})
    _require_unit_in_scope(unit, actor)
    app = Application(unit=unit, stage=stage, prospect=prospect)
    reason = procedure.why_cannot_act(actor, app, stage)
    if reason:
        raise PermissionDenied(reason)
    _check_recruiter(recruiter)
    cleaned = person_clean(data=data)
    _apply_person(app, cleaned)
    for key in APPLICATION_TEXT_FIELDS:
        setattr(app, key, str(data.get(key) or "").strip())
    app.programme = programme or (prospect.programme if prospect else None)
    app.recruiter = recruiter or (prospect.recruiter if prospect else None)
    app.save()
    _record(app, stage=stage, action=Step.Action.CREATE, actor=actor)
    if prospect is not None:
        prospect.status = Prospect.Status.APPLIED
        prospect.save(update_fields=["status"])
    return app


@transaction.atomic
def application_from_prospect(
    *, prospect: Prospect, actor: Any, unit: Unit | None = None, data: dict | None = None
) -> Application:
    """The prospect becomes an applicant: the personal fields are carried over, not retyped."""
    if prospect.applications.exclude(state__in=CLOSED_STATES).exists():
        raise ValidationError(_("该后备人选已有入会申请"))
    carried = {f: getattr(prospect, f) for f in PERSON_FIELDS}
    return application_create(
        unit=unit or prospect.unit,
        data={**carried, **(data or {})},
        actor=actor,
        prospect=prospect,
    )


def _lock(app: Application) -> Application:
    """Row-lock the application (PostgreSQL) and check nobody changed it since it was read."""
    seen = app.version
    try:
        current = (
            Application.objects.select_for_update().select_related("unit", "stage").get(pk=app.pk)
        )
    except Application.DoesNotExist as exc:
        raise ApplicationConflict(_("该申请已不存在")) from exc
    if current.version != seen:
        raise ApplicationConflict(
            _("该申请已被他人处理（当前环节：%(stage)s，状态：%(state)s），请刷新后查看")
            % {"stage": current.stage.name, "state": current.get_state_display()}
        )
    return current


def _require_open(app: Application) -> None:
    if app.state != Application.State.OPEN:
        raise ValidationError(
            _("该申请已办结（%(state)s），不能再办理") % {"state": app.get_state_display()}
        )


def _require_actor(actor: Any, app: Application) -> None:
    reason = procedure.why_cannot_act(actor, app)
    if reason:
        raise PermissionDenied(reason)


def _move(app: Application, *, changes: dict[str, Any]) -> None:
    """The one conditional UPDATE: it only succeeds if version and stage are as read."""
    updated = Application.objects.filter(
        pk=app.pk, version=app.version, stage_id=app.stage_id, state=Application.State.OPEN
    ).update(version=F("version") + 1, **changes)
    if updated != 1:
        raise ApplicationConflict(_("该申请已被他人处理，请刷新后查看"))
    before = {key: _audit_value(getattr(app, key)) for key in changes}
    app.version += 1
    for key, value in changes.items():
        setattr(app, key, value)
    # A conditional UPDATE bypasses the save signals, so the audit row is written here.
    audit.record(
        audit.AuditEvent.Action.UPDATE,
        instance=app,
        changes={
            k: [before[k], _audit_value(v)]
            for k, v in changes.items()
            if before[k] != _audit_value(v)
        },
    )
    audit.mark_clean(app)


def _audit_value(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


@transaction.atomic
def application_update(
    *, application: Application, data: dict[str, Any], actor: Any
) -> Application:
    """Edit the form's content while the application is still at the first stage."""
    app = _lock(application)
    _require_open(app)
    if app.stage.kind != Stage.Kind.FORM:
        raise ValidationError(_("申请已提交，表格内容只能在退回到“提交申请”环节后修改"))
    _require_actor(actor, app)
    cleaned = person_clean(data=data, instance=app)
    _apply_person(app, cleaned)
    for key in APPLICATION_TEXT_FIELDS:
        if key in data:
            setattr(app, key, str(data[key] or "").strip())
    for key in ("programme", "recruiter"):
        if key in data:
            setattr(app, key, data[key])
    _check_recruiter(app.recruiter)
    app.version += 1
    app.save()
    return app


# --- introducers -------------------------------------------------------------------------


def _introducer_stage(app: Application) -> Stage | None:
    return next(
        (s for s in procedure.applicable_stages(app.unit) if s.kind == Stage.Kind.INTRODUCERS),
        None,
    )


def _require_introducer_staff(actor: Any, app: Application) -> Stage:
    stage = _introducer_stage(app)
    if stage is None:
        raise ValidationError(_("办理程序中没有“介绍人确认”环节"))
    if app.stage.order > stage.order:
        raise ValidationError(_("介绍人确认环节已办结，不能再修改介绍人"))
    reason = procedure.why_cannot_act(actor, app, stage)
    if reason:
        raise PermissionDenied(reason)
    return stage


@transaction.atomic
def introducer_add(*, application: Application, member: Member, actor: Any) -> Introducer:
    app = _lock(application)
    _require_open(app)
    stage = _require_introducer_staff(actor, app)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": _("介绍人须为在册会员：%(name)s") % {"name": member.name}})
    if app.id_number_hash and member.id_number_hash == app.id_number_hash:
        raise ValidationError({"member": _("申请人不能做自己的介绍人")})
    limit = int(stage.params.get("count", 2))
    if app.introducers.count() >= limit:
        raise ValidationError({"member": _("介绍人已满%(n)s名") % {"n": limit}})
    if app.introducers.filter(member=member).exists():
        raise ValidationError({"member": _("%(name)s已是介绍人") % {"name": member.name}})
    introducer = Introducer.objects.create(application=app, member=member)
    Application.objects.filter(pk=app.pk).update(version=F("version") + 1)
    application.version = app.version + 1
    return introducer


@transaction.atomic
def introducer_remove(*, introducer: Introducer, actor: Any) -> None:
    app = Application.objects.select_for_update().get(pk=introducer.application_id)
    _require_open(app)
    _require_introducer_staff(actor, app)
    introducer.delete()
    Application.objects.filter(pk=app.pk).update(version=F("version") + 1)


@transaction.atomic
def introducer_confirm(*, introducer: Introducer, actor: Any, note: str = "") -> Introducer:
    """The introducer confirms. Called with the introducer's own user (member portal) or by
    staff who act on the introducer stage (recorded on the introducer's behalf)."""
    app = Application.objects.select_for_update().get(pk=introducer.application_id)
    _require_open(app)
    introducer = Introducer.objects.select_for_update().get(pk=introducer.pk)
    if introducer.confirmed_at is not None:
        raise ValidationError(_("该介绍人已确认"))
    in_person = introducer.member.user_id is not None and introducer.member.user_id == getattr(
        actor, "pk", None
    )
    if not in_person:
        _require_introducer_staff(actor, app)
    stage = _introducer_stage(app)
    assert stage is not None
    if app.stage.order > stage.order:
        raise ValidationError(_("介绍人确认环节已办结"))
    introducer.confirmed_at = timezone.now()
    introducer.confirmed_by = actor
    introducer.confirmed_in_person = in_person
    introducer.note = note
    introducer.save()
    _record(
        app,
        stage=stage,
        action=Step.Action.INTRODUCER,
        actor=actor,
        comment=note,
        data={
            "introducer": introducer.member.name,
            "member_number": introducer.member.member_number or "",
            "in_person": in_person,
        },
    )
    return introducer


# --- overrides ---------------------------------------------------------------------------


def _approval_stage(app: Application) -> Stage | None:
    return next(
        (s for s in procedure.applicable_stages(app.unit) if s.kind == Stage.Kind.APPROVAL), None
    )


@transaction.atomic
def condition_override(
    *, application: Application, rule: AdmissionRule, reason: str, actor: Any
) -> ConditionOverride:
    """The approving level accepts a failing condition (破格), with its reason."""
    app = _lock(application)
    _require_open(app)
    stage = _approval_stage(app)
    if stage is None:
        raise ValidationError(_("办理程序中没有审批环节"))
    why = procedure.why_cannot_act(actor, app, stage)
    if why:
        raise PermissionDenied(_("只有审批层级可以批准破格：%(why)s") % {"why": why})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写破格理由")})
    outcome = next((o for o in conditions.evaluate(app, [rule]) if o.rule.pk == rule.pk), None)
    if outcome is None or outcome.result != conditions.FAIL:
        raise ValidationError({"rule": _("该条件并未不符合，无需破格")})
    override = ConditionOverride.objects.create(
        application=app,
        rule=rule,
        reason=reason.strip(),
        actor=actor,
        actor_name=_actor_name(actor),
    )
    _record(
        app,
        stage=app.stage,
        action=Step.Action.OVERRIDE,
        actor=actor,
        comment=reason.strip(),
        data={"rule": rule.name, "sentence": outcome.sentence},
    )
    Application.objects.filter(pk=app.pk).update(version=F("version") + 1)
    application.version = app.version + 1
    return override


# --- stage data --------------------------------------------------------------------------


def _parse_field(spec: dict[str, Any], raw: Any) -> Any:
    kind = spec.get("type", "text")
    label = spec.get("label", spec["name"])
    if raw in (None, ""):
        if spec.get("required"):
            raise ValidationError({spec["name"]: _("请填写“%(label)s”") % {"label": label}})
        return None if kind != "text" else ""
    if kind == "date":
        if isinstance(raw, datetime.date):
            value = raw
        else:
            try:
                value = datetime.date.fromisoformat(str(raw).strip())
            except ValueError as exc:
                raise ValidationError(
                    {spec["name"]: _("“%(label)s”须为日期（如2026-05-01）") % {"label": label}}
                ) from exc
        if value > timezone.localdate():
            raise ValidationError({spec["name"]: _("“%(label)s”不能晚于今天") % {"label": label}})
        return value.isoformat()
    if kind == "int":
        try:
            number = int(str(raw).strip())
        except ValueError as exc:
            raise ValidationError(
                {spec["name"]: _("“%(label)s”须为整数") % {"label": label}}
            ) from exc
        if number < 0:
            raise ValidationError({spec["name"]: _("“%(label)s”不能为负数") % {"label": label}})
        return number
    return str(raw).strip()


def stage_data_clean(stage: Stage, data: dict[str, Any] | None) -> dict[str, Any]:
    data = data or {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for spec in stage.fields:
        try:
            cleaned[spec["name"]] = _parse_field(spec, data.get(spec["name"]))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    _check_votes(stage, cleaned)
    return cleaned


def _check_votes(stage: Stage, d: dict[str, Any]) -> None:
    """Branch-meeting arithmetic, when the stage records attendance and votes."""
    if not {"present", "total", "votes_for"} <= d.keys():
        return
    present, total = d["present"] or 0, d["total"] or 0
    votes = [d.get("votes_for") or 0, d.get("votes_against") or 0, d.get("votes_abstain") or 0]
    if present > total:
        raise ValidationError({"present": _("到会人数不能超过应到人数")})
    if sum(votes) > present:
        raise ValidationError({"votes_for": _("赞成、反对、弃权票合计不能超过到会人数")})
    quorum = float(stage.params.get("quorum_share", 0.5))
    if total and present <= total * quorum:
        raise ValidationError(
            {"present": _("到会人数须超过应到人数的%(p)s%%") % {"p": round(quorum * 100)}}
        )
    majority = float(stage.params.get("majority_share", 0.5))
    if votes[0] <= present * majority:
        raise ValidationError(
            {
                "votes_for": _("赞成票须超过到会人数的%(p)s%%，未获通过的请选择“不予通过”")
                % {"p": round(majority * 100)}
            }
        )


# --- moving through the stages -----------------------------------------------------------


def _require_conditions(app: Application) -> None:
    blocked = conditions.blocking(conditions.evaluate(app))
    if blocked:
        raise ValidationError(
            {
                "conditions": [
                    _("不符合入会条件“%(rule)s”：%(why)s（须由审批层级批准破格后方可继续）")
                    % {"rule": o.rule.name, "why": o.sentence}
                    for o in blocked
                ]
            }
        )


def quota_status(unit: Unit, year: int) -> tuple[Unit, int | None, int]:
    """(quota unit, quota or None when unset, used) for admissions of ``unit`` in ``year``."""
    owner = procedure.quota_unit(unit)
    used = (
        Application.objects.filter(quota_unit=owner, quota_year=year)
        .exclude(state__in=CLOSED_STATES)
        .count()
    )
    return owner, quota_for(owner, year), used


def _join_date(app: Application, stage: Stage) -> datetime.date:
    rule = stage.params.get("join_date", "approval")
    if rule == "approval" and app.approved_on:
        return app.approved_on
    if rule == "filing_reply" and app.filing_batch and app.filing_batch.reply_on:
        return app.filing_batch.reply_on
    return timezone.localdate()


def _member_from(app: Application, stage: Stage, actor: Any) -> Member:
    data = {f: getattr(app, f) for f in PERSON_FIELDS if f != "other_party"}
    data["join_date"] = _join_date(app, stage)
    return member_create(unit=app.unit, data=data, actor=actor)


def _notify_next(app: Application, stage: Stage) -> None:
    unit = procedure.acting_unit(procedure.unit_chain(app.unit), stage.actor_level)
    if unit is None:
        return
    recipients = User.objects.filter(unit=unit, role__in=stage.actor_roles, is_active=True).exclude(
        role__in=procedure.READ_ONLY_ROLES
    )
    notification_send(
        recipients=recipients,
        title=_("入会申请待办：%(name)s（%(stage)s）") % {"name": app.name, "stage": stage.name},
        body=_("%(unit)s的入会申请已进入“%(stage)s”环节，请及时办理。")
        % {"unit": app.unit.name, "stage": stage.name},
        url=reverse("admin:recruitment_application_change", args=[app.pk]),
    )


@transaction.atomic
def application_advance(
    *,
    application: Application,
    actor: Any,
    comment: str = "",
    data: dict[str, Any] | None = None,
    attachments: Iterable[UploadedFile] = (),
    quota_reason: str = "",
    _via_filing_batch: bool = False,
) -> Application:
    """The current stage is done: record it and move to the next applicable stage (or, at
    the last stage, create the member)."""
    app = _lock(application)
    _require_open(app)
    _require_actor(actor, app)
    stage = app.stage
    cleaned = stage_data_clean(stage, data)
    _require_conditions(app)
    changes: dict[str, Any] = {}
    if stage.kind == Stage.Kind.FORM:
        missing = [
            str(getattr(Application._meta.get_field(f), "verbose_name", f))
            for f in ("resume", "reasons")
            if not getattr(app, f).strip()
        ]
        if missing:
            raise ValidationError(
                {"resume": _("请先填写：%(fields)s") % {"fields": "、".join(missing)}}
            )
        changes["submitted_at"] = app.submitted_at or timezone.now()
    elif stage.kind == Stage.Kind.INTRODUCERS:
        needed = int(stage.params.get("count", 2))
        confirmed = app.introducers.filter(confirmed_at__isnull=False).count()
        if confirmed < needed:
            raise ValidationError(
                {
                    "introducers": _("须有%(n)s名介绍人确认，目前已确认%(m)s名")
                    % {"n": needed, "m": confirmed}
                }
            )
    elif stage.kind == Stage.Kind.APPROVAL:
        today = timezone.localdate()
        # Approvals consuming the same city's quota queue up here, so two approvals at once
        # cannot both take the last place (SQLite serializes writers anyway).
        Unit.objects.select_for_update().filter(pk=procedure.quota_unit(app.unit).pk).first()
        owner, quota, used = quota_status(app.unit, today.year)
        if quota is not None and used >= quota:
            if not quota_reason.strip():
                raise ValidationError(
                    {
                        "quota_reason": _(
                            "%(unit)s%(year)s年发展名额已用完（已用%(used)s/共%(quota)s），"
                            "超名额审批须填写理由"
                        )
                        % {"unit": owner.name, "year": today.year, "used": used, "quota": quota}
                    }
                )
            changes["quota_override_reason"] = quota_reason.strip()
            cleaned["quota_override_reason"] = quota_reason.strip()
        changes.update(approved_on=today, quota_unit=owner, quota_year=today.year)
    elif stage.kind == Stage.Kind.FILING and not _via_filing_batch:
        raise ValidationError(_("备案环节须将申请编入备案批次，并登记中央的回复后自动办结"))
    following = procedure.next_stage(app)
    if following is None:
        member = _member_from(app, stage, actor)
        changes.update(member=member, state=Application.State.ADMITTED, closed_at=timezone.now())
    else:
        changes.update(stage=following, stage_entered_at=timezone.now())
    _move(app, changes=changes)
    _record(
        app,
        stage=stage,
        action=Step.Action.ADVANCE,
        actor=actor,
        comment=comment,
        data=cleaned,
        to_stage=following,
        attachments=attachments,
    )
    if following is not None:
        _notify_next(app, following)
    application.version, application.stage, application.state = app.version, app.stage, app.state
    application.member = app.member
    return app


@transaction.atomic
def application_return(
    *,
    application: Application,
    actor: Any,
    comment: str,
    attachments: Iterable[UploadedFile] = (),
) -> Application:
    """Back to the previous applicable stage, with a reason."""
    app = _lock(application)
    _require_open(app)
    _require_actor(actor, app)
    if not comment.strip():
        raise ValidationError({"comment": _("退回须填写理由")})
    stage = app.stage
    previous = procedure.previous_stage(app)
    if previous is None:
        raise ValidationError(_("已是第一个环节，不能再退回"))
    changes: dict[str, Any] = {"stage": previous, "stage_entered_at": timezone.now()}
    if previous.kind in (Stage.Kind.FILING, Stage.Kind.APPROVAL):
        changes["filing_batch"] = None
    if previous.kind == Stage.Kind.APPROVAL:
        changes.update(approved_on=None, quota_unit=None, quota_year=None)
        changes["quota_override_reason"] = ""
    _move(app, changes=changes)
    _record(
        app,
        stage=stage,
        action=Step.Action.RETURN,
        actor=actor,
        comment=comment.strip(),
        to_stage=previous,
        attachments=attachments,
    )
    _notify_next(app, previous)
    application.version, application.stage = app.version, app.stage
    return app


@transaction.atomic
def application_reject(
    *,
    application: Application,
    actor: Any,
    comment: str,
    attachments: Iterable[UploadedFile] = (),
) -> Application:
    app = _lock(application)
    _require_open(app)
    _require_actor(actor, app)
    if not comment.strip():
        raise ValidationError({"comment": _("不予通过须填写理由")})
    _move(app, changes={"state": Application.State.REJECTED, "closed_at": timezone.now()})
    _record(
        app,
        stage=app.stage,
        action=Step.Action.REJECT,
        actor=actor,
        comment=comment.strip(),
        attachments=attachments,
    )
    _reopen_prospect(app)
    application.version, application.state = app.version, app.state
    return app


def _reopen_prospect(app: Application) -> None:
    if app.prospect_id:
        Prospect.objects.filter(pk=app.prospect_id).update(status=Prospect.Status.CULTIVATING)


@transaction.atomic
def application_withdraw(*, application: Application, actor: Any, comment: str) -> Application:
    """The applicant's branch (or the applicant) withdraws the application."""
    app = _lock(application)
    _require_open(app)
    own = app.applicant_user_id is not None and app.applicant_user_id == getattr(actor, "pk", None)
    branch_staff = getattr(actor, "unit_id", None) == app.unit_id and getattr(
        actor, "role", None
    ) in (Role.BRANCH_OFFICER, Role.UNIT_STAFF)
    if not (own or branch_staff):
        raise PermissionDenied(_("只有申请人所在支部可以撤回申请"))
    if not comment.strip():
        raise ValidationError({"comment": _("撤回须填写原因")})
    _move(app, changes={"state": Application.State.WITHDRAWN, "closed_at": timezone.now()})
    _record(app, stage=app.stage, action=Step.Action.WITHDRAW, actor=actor, comment=comment.strip())
    _reopen_prospect(app)
    application.version, application.state = app.version, app.state
    return app


# --- filing with the central committee ---------------------------------------------------


def _filing_stage() -> Stage:
    stage = Stage.objects.filter(is_active=True, kind=Stage.Kind.FILING).first()
    if stage is None:
        raise ValidationError(_("办理程序中没有备案环节"))
    return stage


@transaction.atomic
def filing_batch_create(
    *, applications: Iterable[Application], number: str, sent_on: datetime.date, actor: Any
) -> FilingBatch:
    """Put approved applications (waiting at the filing stage) into one batch for the centre."""
    stage = _filing_stage()
    unit = getattr(actor, "unit", None)
    if unit is None or unit.kind.level != stage.actor_level or actor.role not in stage.actor_roles:
        raise PermissionDenied(
            _("只有%(level)s工作人员可以报送备案") % {"level": stage.get_actor_level_display()}
        )
    if not number.strip():
        raise ValidationError({"number": _("请填写批次号")})
    if FilingBatch.objects.filter(number=number.strip()).exists():
        raise ValidationError({"number": _("批次号%(n)s已存在") % {"n": number.strip()}})
    ids = [a.pk for a in applications]
    if not ids:
        raise ValidationError(_("请选择要报送备案的申请"))
    locked = list(
        Application.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("unit", "stage")
        .order_by("pk")
    )
    problems = []
    for app in locked:
        if not app.unit.path.startswith(unit.path):
            raise PermissionDenied(_("该申请不在您的管理范围内"))
        if app.state != Application.State.OPEN or app.stage_id != stage.pk:
            problems.append(_("%(name)s：不在备案环节") % {"name": app.name})
        elif app.filing_batch_id:
            problems.append(_("%(name)s：已编入备案批次") % {"name": app.name})
    if problems:
        raise ValidationError({"applications": problems})
    batch = FilingBatch.objects.create(
        unit=unit, number=number.strip(), sent_on=sent_on, created_by=_actor_name(actor)
    )
    for app in locked:
        Application.objects.filter(pk=app.pk).update(filing_batch=batch, version=F("version") + 1)
        audit.record(
            audit.AuditEvent.Action.UPDATE,
            instance=app,
            changes={"filing_batch": [None, batch.pk]},
        )
        _record(
            app,
            stage=stage,
            action=Step.Action.FILING,
            actor=actor,
            data={"batch_number": batch.number, "sent_on": sent_on.isoformat()},
        )
    return batch


@transaction.atomic
def filing_batch_record_reply(
    *,
    batch: FilingBatch,
    reply_on: datetime.date,
    reply: str,
    actor: Any,
    rejected: dict[int, str] | None = None,
) -> FilingBatch:
    """The central committee's reply for the whole batch; named applications may be refused."""
    batch = FilingBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state == FilingBatch.State.REPLIED:
        raise ValidationError(_("该批次已登记回复"))
    if not reply.strip():
        raise ValidationError({"reply": _("请填写中央的回复")})
    if reply_on < batch.sent_on:
        raise ValidationError({"reply_on": _("回复日期不能早于报送日期")})
    rejected = rejected or {}
    batch.state, batch.reply_on, batch.reply = FilingBatch.State.REPLIED, reply_on, reply.strip()
    batch.save()
    data = {
        "batch_number": batch.number,
        "sent_on": batch.sent_on.isoformat(),
        "reply_on": reply_on.isoformat(),
        "reply": batch.reply,
    }
    for app in batch.applications.filter(state=Application.State.OPEN).order_by("pk"):
        if app.pk in rejected:
            application_reject(application=app, actor=actor, comment=rejected[app.pk])
        else:
            application_advance(
                application=app,
                actor=actor,
                comment=batch.reply,
                data=data,
                _via_filing_batch=True,
            )
    return batch
