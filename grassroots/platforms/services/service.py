"""社会服务 writes: projects, their co-organizers and volunteers with hours."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from grassroots.core.context import actor_name
from grassroots.members.models import Member, MemberStatus
from grassroots.organizations.models import Unit
from grassroots.platforms.models import (
    ServiceKind,
    ServiceProject,
    ServiceProjectUnit,
    ServiceStatus,
    ServiceVolunteer,
)
from grassroots.platforms.services.common import (
    Credit,
    check_transition,
    require_perm,
    require_staff_on,
    require_text,
    validate_credits,
)

S = ServiceStatus
CHANGE = "platforms.change_serviceproject"
LABELS: dict[str, Any] = dict(S.choices)
ALLOWED: dict[str, tuple[str, ...]] = {
    "start": (S.PLANNED,),
    "complete": (S.ONGOING,),
    "cancel": (S.PLANNED, S.ONGOING),
    "volunteer": (S.PLANNED, S.ONGOING, S.COMPLETED),
}
ACTION_LABELS = {
    "start": _lazy("开始实施"),
    "complete": _lazy("完成"),
    "cancel": _lazy("取消"),
    "volunteer": _lazy("登记志愿者"),
}
MAX_HOURS = Decimal(1000)


def _check(project: ServiceProject, action: str) -> None:
    check_transition(
        label=_("项目"),
        status=project.status,
        allowed=ALLOWED[action],
        action=str(ACTION_LABELS[action]),
        labels=LABELS,
    )


def _amount(value: Any, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation as exc:
        raise ValidationError({field: _("%(l)s须为数字") % {"l": label}}) from exc
    if amount < 0:
        raise ValidationError({field: _("%(l)s不能为负数") % {"l": label}})
    return amount


def _figures(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "beneficiaries" in data:
        try:
            out["beneficiaries"] = int(data["beneficiaries"] or 0)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"beneficiaries": _("受益人数须为整数")}) from exc
        if out["beneficiaries"] < 0:
            raise ValidationError({"beneficiaries": _("受益人数不能为负数")})
    if "funds" in data:
        out["funds"] = _amount(data["funds"], "funds", _("资金"))
    if "materials_value" in data:
        out["materials_value"] = _amount(data["materials_value"], "materials_value", _("物资折价"))
    return out


@transaction.atomic
def service_project_create(
    *,
    actor: Any,
    kind: ServiceKind,
    title: str,
    start_date: datetime.date,
    organizers: Sequence[Unit],
    end_date: datetime.date | None = None,
    location: str = "",
    description: str = "",
    figures: dict[str, Any] | None = None,
) -> ServiceProject:
    """Owned by the first organizer (in the actor's scope); the others are co-organizers."""
    title = require_text(title, "title", _("项目名称不能为空"))
    if end_date and end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    unit = validate_credits(
        actor=actor, credits=[Credit(unit=u) for u in organizers], field="organizers"
    )
    require_perm(actor, "platforms.add_serviceproject")
    project = ServiceProject.objects.create(
        unit=unit,
        kind=kind,
        year=start_date.year,
        title=title,
        start_date=start_date,
        end_date=end_date,
        location=(location or "").strip(),
        description=(description or "").strip(),
        created_by=actor_name(actor),
        **_figures(figures or {}),
    )
    for partner in organizers[1:]:
        ServiceProjectUnit.objects.create(project=project, unit=partner)
    return project


@transaction.atomic
def service_project_start(*, actor: Any, project: ServiceProject) -> ServiceProject:
    _check(project, "start")
    require_staff_on(actor, project.unit, CHANGE)
    project.status = S.ONGOING
    project.save()
    return project


@transaction.atomic
def service_project_complete(
    *,
    actor: Any,
    project: ServiceProject,
    end_date: datetime.date | None = None,
    figures: dict[str, Any] | None = None,
) -> ServiceProject:
    """Closes the project with its final figures (beneficiaries, funds, materials value)."""
    _check(project, "complete")
    require_staff_on(actor, project.unit, CHANGE)
    day = end_date or project.end_date or project.start_date
    if day < project.start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    for key, value in _figures(figures or {}).items():
        setattr(project, key, value)
    project.end_date = day
    project.status = S.COMPLETED
    project.save()
    return project


@transaction.atomic
def service_project_cancel(*, actor: Any, project: ServiceProject) -> ServiceProject:
    _check(project, "cancel")
    require_staff_on(actor, project.unit, CHANGE)
    project.status = S.CANCELLED
    project.save()
    return project


@transaction.atomic
def service_volunteer_set(
    *, actor: Any, project: ServiceProject, member: Member, hours: Any, role: str = ""
) -> ServiceVolunteer:
    """Adds the member as a volunteer or corrects their hours."""
    _check(project, "volunteer")
    require_staff_on(actor, project.unit, CHANGE)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": _("%(n)s不是在册会员") % {"n": member.name}})
    amount = _amount(hours, "hours", _("服务时长"))
    if amount == 0 or amount > MAX_HOURS:
        raise ValidationError({"hours": _("服务时长须大于0且不超过1000小时")})
    volunteer, created = ServiceVolunteer.objects.get_or_create(
        project=project, member=member, defaults={"hours": amount, "role": role.strip()}
    )
    if not created:
        volunteer.hours, volunteer.role = amount, role.strip() or volunteer.role
        volunteer.save()
    totals = project.volunteers.aggregate(n=Count("id"), h=Sum("hours"))
    project.volunteer_count, project.volunteer_hours = totals["n"], totals["h"] or Decimal(0)
    project.save()
    return volunteer


@transaction.atomic
def service_transition(
    *, actor: Any, project: ServiceProject, action: str, params: dict[str, Any] | None = None
) -> ServiceProject:
    p = params or {}
    if action == "start":
        return service_project_start(actor=actor, project=project)
    if action == "complete":
        end = p.get("end_date")
        day: datetime.date | None = end if isinstance(end, datetime.date) else None
        if isinstance(end, str) and end:
            try:
                day = datetime.date.fromisoformat(end)
            except ValueError as exc:
                raise ValidationError({"end_date": _("日期格式应为YYYY-MM-DD")}) from exc
        return service_project_complete(
            actor=actor,
            project=project,
            end_date=day,
            figures={k: p[k] for k in ("beneficiaries", "funds", "materials_value") if k in p},
        )
    if action == "cancel":
        return service_project_cancel(actor=actor, project=project)
    if action == "volunteer":
        member = Member.objects.filter(pk=p.get("member_id") or 0).first()
        if member is None:
            raise ValidationError({"member_id": _("会员不存在")})
        service_volunteer_set(
            actor=actor,
            project=project,
            member=member,
            hours=p.get("hours"),
            role=p.get("role", "") or "",
        )
        return project
    raise ValidationError({"action": _("未知操作：%(a)s") % {"a": action}})
