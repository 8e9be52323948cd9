"""Portal writes of the member's own archive: contact fields at once, core fields on approval."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.context import actor_name
from grassroots.core.scope import unit_in_scope
from grassroots.members.models import Member
from grassroots.members.services import member_update, member_validate
from grassroots.portal.models import ProfileChangeRequest

# A member keeps these current themselves; they apply at once (and are audited as usual).
CONTACT_FIELDS = ("phone", "email")
# These describe the member in statistics and plans; staff check them before they change.
CORE_FIELDS = ("employer", "post", "education", "degree", "title", "sector")

R = ProfileChangeRequest.Status


def _field(name: str) -> models.Field:
    field = Member._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _shown_value(member: Member, field: str, value: Any) -> str:
    model_field = _field(field)
    if value in (None, ""):
        return "—"
    if isinstance(value, models.Model):
        return str(value)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.choices).get(value, value))  # type: ignore[arg-type,union-attr]
    return str(value)


@transaction.atomic
def profile_contact_update(*, member: Member, phone: str, email: str, actor: Any) -> Member:
    """The member's phone and email, validated by the member archive's own rules."""
    data = {}
    if phone.strip() != member.phone:
        data["phone"] = phone.strip()
    if email.strip() != member.email:
        data["email"] = email.strip()
    if not data:
        raise ValidationError(_("联系方式没有变化"))
    if "phone" in data and not data["phone"]:
        raise ValidationError({"phone": _("手机号码不能为空")})
    return member_update(member=member, data=data, actor=actor)


@transaction.atomic
def profile_change_request(
    *, member: Member, data: dict[str, Any], reason: str = ""
) -> ProfileChangeRequest:
    """Ask staff to change core fields; only fields that really change are kept."""
    unknown = set(data) - set(CORE_FIELDS)
    if unknown:
        raise ValidationError(_("不能申请变更的字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    if ProfileChangeRequest.objects.filter(member=member, status=R.PENDING).exists():
        raise ValidationError(_("您已有一项资料变更申请正在审核，请等待审核结果或先撤回"))
    changes: dict[str, Any] = {}
    shown: dict[str, list[str]] = {}
    for field in CORE_FIELDS:
        if field not in data:
            continue
        new = data[field]
        old = getattr(member, field)
        new_stored = new.pk if isinstance(new, models.Model) else (new or "")
        old_stored = old.pk if isinstance(old, models.Model) else (old or "")
        if new_stored == old_stored:
            continue
        changes[field] = new_stored if new_stored != "" else None
        label = str(_field(field).verbose_name)
        shown[field] = [label, _shown_value(member, field, old), _shown_value(member, field, new)]
    if not changes:
        raise ValidationError(_("没有需要变更的内容"))
    member_validate(data=_resolved(changes), instance=member)
    return ProfileChangeRequest.objects.create(
        member=member, changes=changes, shown=shown, reason=reason.strip()[:300]
    )


def _resolved(changes: dict[str, Any]) -> dict[str, Any]:
    """Stored values back to what the member service takes (reference rows for foreign keys)."""
    data: dict[str, Any] = {}
    for field, value in changes.items():
        model_field = _field(field)
        if model_field.is_relation:
            related = model_field.related_model
            data[field] = related.objects.filter(pk=value).first() if value else None  # type: ignore[union-attr]
            if value and data[field] is None:
                raise ValidationError(
                    {field: _("所选%(f)s已不存在") % {"f": model_field.verbose_name}}
                )
        else:
            data[field] = value or ""
    return data


def _pending(request: ProfileChangeRequest, actor: Any) -> ProfileChangeRequest:
    locked = ProfileChangeRequest.objects.select_for_update().select_related("member__unit")
    request = locked.get(pk=request.pk)
    if actor is not None and (
        not unit_in_scope(request.member.unit, actor) or getattr(actor, "is_read_only", False)
    ):
        raise PermissionDenied(_("该会员不在您的管理范围内"))
    if request.status != R.PENDING:
        raise ValidationError(
            _("该申请当前状态为“%(s)s”，不能再审核") % {"s": request.get_status_display()}
        )
    return request


@transaction.atomic
def profile_change_approve(
    *, request: ProfileChangeRequest, actor: Any, note: str = ""
) -> ProfileChangeRequest:
    """Apply the requested values through the member archive (audited like any edit)."""
    request = _pending(request, actor)
    member_update(member=request.member, data=_resolved(request.changes), actor=actor)
    request.status = R.APPROVED
    request.decided_at = timezone.now()
    request.decided_by = actor_name(actor)
    request.decision_note = note.strip()[:300]
    request.save()
    return request


@transaction.atomic
def profile_change_reject(
    *, request: ProfileChangeRequest, actor: Any, note: str
) -> ProfileChangeRequest:
    if not note.strip():
        raise ValidationError({"decision_note": _("不通过时请填写审核意见")})
    request = _pending(request, actor)
    request.status = R.REJECTED
    request.decided_at = timezone.now()
    request.decided_by = actor_name(actor)
    request.decision_note = note.strip()[:300]
    request.save()
    return request


@transaction.atomic
def profile_change_withdraw(*, request: ProfileChangeRequest, member: Member) -> None:
    if request.member_id != member.pk:
        raise PermissionDenied
    request = _pending(request, None)
    request.status = R.WITHDRAWN
    request.save()
