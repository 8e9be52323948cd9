"""宣传信息 writes: submitted → edited → adopted/published (points from the table) or not."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from grassroots.core.context import actor_name
from grassroots.organizations.models import Unit
from grassroots.platforms.models import (
    InformationAdoption,
    InformationAuthor,
    InformationPiece,
    InformationPointRule,
    InformationQuota,
    InformationStatus,
    Level,
)
from grassroots.platforms.services.common import (
    Credit,
    check_transition,
    is_author,
    require_perm,
    require_staff_on,
    require_text,
    validate_credits,
)

S = InformationStatus
CHANGE = "platforms.change_informationpiece"
LABELS: dict[str, Any] = dict(S.choices)
ALLOWED: dict[str, tuple[str, ...]] = {
    "update": (S.SUBMITTED,),
    "edit": (S.SUBMITTED,),
    "adopt": (S.EDITED, S.ADOPTED),
    "reject": (S.SUBMITTED, S.EDITED),
    "withdraw": (S.SUBMITTED,),
}
ACTION_LABELS = {
    "update": _lazy("修改"),
    "edit": _lazy("编辑"),
    "adopt": _lazy("登记采用/刊发"),
    "reject": _lazy("标记未采用"),
    "withdraw": _lazy("撤回"),
}


def _check(piece: InformationPiece, action: str) -> None:
    check_transition(
        label=_("信息"),
        status=piece.status,
        allowed=ALLOWED[action],
        action=str(ACTION_LABELS[action]),
        labels=LABELS,
    )


def _set_authors(piece: InformationPiece, credits: Sequence[Credit]) -> None:
    piece.authors.all().delete()
    for i, c in enumerate(credits, 1):  # one save each: credit changes are audited
        InformationAuthor.objects.create(piece=piece, member=c.member, author_unit=c.unit, order=i)


def _is_author(actor: Any, piece: InformationPiece) -> bool:
    return is_author(actor, piece.authors.values_list("member_id", flat=True))


@transaction.atomic
def information_create(
    *,
    actor: Any,
    title: str,
    body: str = "",
    authors: Sequence[Credit],
    submitted_on: datetime.date | None = None,
) -> InformationPiece:
    title = require_text(title, "title", _("标题不能为空"))
    if len(title) > 200:
        raise ValidationError({"title": _("标题不能超过200字")})
    unit = validate_credits(actor=actor, credits=authors)
    if actor is not None and not is_author(actor, [c.member.pk for c in authors if c.member]):
        require_perm(actor, "platforms.add_informationpiece")
    day = submitted_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"submitted_on": _("报送日期不能晚于今天")})
    piece = InformationPiece.objects.create(
        unit=unit,
        year=day.year,
        title=title,
        body=(body or "").strip(),
        submitted_on=day,
        created_by=actor_name(actor),
    )
    _set_authors(piece, authors)
    return piece


@transaction.atomic
def information_update(
    *,
    actor: Any,
    piece: InformationPiece,
    title: str | None = None,
    body: str | None = None,
    authors: Sequence[Credit] | None = None,
) -> InformationPiece:
    _check(piece, "update")
    if not _is_author(actor, piece):
        require_staff_on(actor, piece.unit, CHANGE)
    if title is not None:
        piece.title = require_text(title, "title", _("标题不能为空"))
    if body is not None:
        piece.body = body.strip()
    if authors is not None:
        piece.unit = validate_credits(actor=actor, credits=authors)
        _set_authors(piece, authors)
    piece.save()
    return piece


@transaction.atomic
def information_edit(
    *,
    actor: Any,
    piece: InformationPiece,
    title: str | None = None,
    body: str | None = None,
    note: str = "",
) -> InformationPiece:
    """The editor's pass: text may be revised; the piece is then ready to be offered to outlets."""
    _check(piece, "edit")
    require_staff_on(actor, piece.unit, CHANGE)
    if title is not None:
        piece.title = require_text(title, "title", _("标题不能为空"))
    if body is not None:
        piece.body = body.strip()
    piece.edit_note = (note or "").strip()
    piece.editor = actor_name(actor)
    piece.edited_at = timezone.now()
    piece.status = S.EDITED
    piece.save()
    return piece


def points_for(level: Level) -> Decimal:
    rule = InformationPointRule.objects.filter(level=level).first()
    if rule is None:
        raise ValidationError(
            {
                "level": _("级别“%(l)s”未设置计分标准，请先在信息采用计分标准中设置")
                % {"l": level.name}
            }
        )
    return rule.points


@transaction.atomic
def information_adopt(
    *,
    actor: Any,
    piece: InformationPiece,
    outlet: str,
    level: Level,
    adopted_on: datetime.date,
    kind: str = InformationAdoption.Kind.ADOPTED,
) -> InformationAdoption:
    """One adoption or publication; its points are fixed from the table at this moment."""
    _check(piece, "adopt")
    require_staff_on(actor, piece.unit, CHANGE)
    if kind not in InformationAdoption.Kind.values:
        raise ValidationError({"kind": _("方式须为“采用”或“刊发”")})
    outlet = require_text(outlet, "outlet", _("请填写采用/刊发单位或刊物"))
    if adopted_on < piece.submitted_on:
        raise ValidationError({"adopted_on": _("采用日期不能早于报送日期")})
    if piece.adoptions.filter(outlet=outlet, level=level, kind=kind).exists():
        raise ValidationError({"outlet": _("该信息已登记在“%(o)s”的采用") % {"o": outlet}})
    adoption = InformationAdoption.objects.create(
        piece=piece,
        kind=kind,
        outlet=outlet,
        level=level,
        adopted_on=adopted_on,
        points=points_for(level),
    )
    piece.points = piece.adoptions.aggregate(total=Sum("points"))["total"] or Decimal(0)
    piece.status = S.ADOPTED
    piece.save()
    return adoption


@transaction.atomic
def information_reject(*, actor: Any, piece: InformationPiece, note: str = "") -> InformationPiece:
    _check(piece, "reject")
    require_staff_on(actor, piece.unit, CHANGE)
    if note:
        piece.edit_note = note.strip()
    piece.status = S.NOT_ADOPTED
    piece.save()
    return piece


@transaction.atomic
def information_withdraw(*, actor: Any, piece: InformationPiece) -> InformationPiece:
    _check(piece, "withdraw")
    if not _is_author(actor, piece):
        require_staff_on(actor, piece.unit, CHANGE)
    piece.status = S.WITHDRAWN
    piece.save()
    return piece


@transaction.atomic
def information_quota_set(
    *,
    actor: Any,
    unit: Unit,
    year: int,
    target_adopted: int,
    target_points: Decimal | int = 0,
) -> InformationQuota:
    require_staff_on(actor, unit, "platforms.change_informationquota")
    if target_adopted < 0 or Decimal(target_points) < 0:
        raise ValidationError({"target_adopted": _("任务数不能为负数")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度须在2000到2100之间")})
    quota, _created = InformationQuota.objects.get_or_create(
        unit=unit,
        year=year,
        defaults={"target_adopted": target_adopted, "target_points": Decimal(target_points)},
    )
    if not _created:
        quota.target_adopted, quota.target_points = target_adopted, Decimal(target_points)
        quota.save()
    return quota


def _parse_date(value: Any, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError as exc:
        raise ValidationError({field: _("日期格式应为YYYY-MM-DD")}) from exc


@transaction.atomic
def information_transition(
    *, actor: Any, piece: InformationPiece, action: str, params: dict[str, Any] | None = None
) -> InformationPiece:
    p = params or {}
    if action == "edit":
        return information_edit(
            actor=actor,
            piece=piece,
            title=p.get("title"),
            body=p.get("body"),
            note=p.get("note", ""),
        )
    if action == "adopt":
        code = p.get("level")
        level = Level.objects.filter(code=code).first() if code else None
        if level is None:
            raise ValidationError({"level": _("请选择采用级别")})
        information_adopt(
            actor=actor,
            piece=piece,
            outlet=p.get("outlet", ""),
            level=level,
            adopted_on=_parse_date(p.get("date") or timezone.localdate(), "date"),
            kind=p.get("kind") or InformationAdoption.Kind.ADOPTED,
        )
        return piece
    if action == "reject":
        return information_reject(actor=actor, piece=piece, note=p.get("note", ""))
    if action == "withdraw":
        return information_withdraw(actor=actor, piece=piece)
    raise ValidationError({"action": _("未知操作：%(a)s") % {"a": action}})
