"""Rules every platform shares: who may act on a record, credited authors, state transitions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from grassroots.core.scope import unit_in_scope, user_scope_path
from grassroots.members.models import Member, MemberStatus
from grassroots.organizations.models import Unit


@dataclass(frozen=True)
class Credit:
    """One credited party, in order: a member or a unit (the first one owns the record)."""

    member: Member | None = None
    unit: Unit | None = None

    @property
    def owning_unit(self) -> Unit:
        if self.member is not None:
            return self.member.unit
        assert self.unit is not None
        return self.unit


def actor_member(actor: Any) -> Member | None:
    if actor is None:
        return None
    try:
        return actor.member
    except (AttributeError, Member.DoesNotExist):
        return None


def in_scope(actor: Any, unit: Unit) -> bool:
    return actor is None or unit_in_scope(unit, actor)


def require_perm(actor: Any, perm: str) -> None:
    """Staff actions need the role's permission (leaders are read-only)."""
    if actor is None:
        return
    if not actor.has_perm(perm):
        raise PermissionDenied(_("您没有执行此操作的权限"))


def require_staff_on(actor: Any, unit: Unit, perm: str) -> None:
    require_perm(actor, perm)
    if not in_scope(actor, unit):
        raise PermissionDenied(_("该记录不在您的管理范围内"))


def is_author(actor: Any, member_ids: Iterable[int | None]) -> bool:
    member = actor_member(actor)
    return member is not None and member.pk in set(member_ids)


def credits_from(
    *, members: Sequence[Member | int] = (), units: Sequence[Unit | int] = ()
) -> list[Credit]:
    """Units first (a unit that signs is the first author), then members in order; ids are
    resolved here so that callers stay thin."""
    out: list[Credit] = []
    for index, unit_item in enumerate(units, 1):
        unit = (
            unit_item if isinstance(unit_item, Unit) else Unit.objects.filter(pk=unit_item).first()
        )
        if unit is None:
            raise ValidationError({"authors": _("第%(n)d个署名组织不存在") % {"n": index}})
        out.append(Credit(unit=unit))
    for index, item in enumerate(members, 1):
        member = item if isinstance(item, Member) else Member.objects.filter(pk=int(item)).first()
        if member is None:
            raise ValidationError({"authors": _("第%(n)d位作者：会员不存在") % {"n": index}})
        out.append(Credit(member=member))
    return out


def credits_from_numbers(*, numbers: str, unit: Unit | None = None) -> list[Credit]:
    """The console's entry: member numbers (会员编号) in signing order, comma separated."""
    out: list[Credit] = [Credit(unit=unit)] if unit is not None else []
    parts = [p.strip() for p in numbers.replace("，", ",").replace("、", ",").split(",")]
    for index, number in enumerate([p for p in parts if p], 1):
        member = Member.objects.select_related("unit").filter(member_number=number).first()
        if member is None:
            raise ValidationError(
                {"authors": _("第%(n)d个会员编号“%(v)s”不存在") % {"n": index, "v": number}}
            )
        out.append(Credit(member=member))
    return out


def validate_credits(*, actor: Any, credits: Sequence[Credit], field: str = "authors") -> Unit:
    """Checks the credited parties and answers the unit that owns the record.

    The first credited party decides the owning unit, which must be inside the actor's scope
    (a member acting from the portal must be that first author). Co-authors may come from any
    unit: they are credited, but the record stays visible only within its owning unit's line.
    """
    if not credits:
        raise ValidationError({field: _("请至少填写一位作者或署名组织")})
    seen: set[tuple[str, int]] = set()
    for index, credit in enumerate(credits, 1):
        key = ("m", credit.member.pk) if credit.member else ("u", credit.unit.pk)  # type: ignore[union-attr]
        if key in seen:
            raise ValidationError({field: _("第%(n)d位作者重复") % {"n": index}})
        seen.add(key)
        if credit.member is not None and credit.member.status != MemberStatus.ACTIVE:
            raise ValidationError(
                {
                    field: _("第%(n)d位作者%(name)s不是在册会员")
                    % {"n": index, "name": credit.member.name}
                }
            )
    owner = credits[0]
    unit = owner.owning_unit
    if actor is None:
        return unit
    if user_scope_path(actor) is None:
        member = actor_member(actor)
        if member is None or owner.member is None or owner.member.pk != member.pk:
            raise ValidationError({field: _("第一作者须为您本人")})
        return unit
    if not in_scope(actor, unit):
        # The owner's unit is not named: that would reveal where a member outside scope is.
        raise ValidationError({field: _("第一作者不在您的管理范围内，记录须由其所在组织登记")})
    return unit


def check_transition(
    *, label: str, status: str, allowed: Iterable[str], action: str, labels: dict[str, Any]
) -> None:
    """No skipping: an action is allowed only from the states listed for it."""
    allowed = list(allowed)
    if status not in allowed:
        raise ValidationError(
            {
                "status": _(
                    "%(thing)s当前状态为“%(now)s”，不能%(action)s；仅在“%(allowed)s”状态下可以"
                )
                % {
                    "thing": label,
                    "now": labels.get(status, status),
                    "action": action,
                    "allowed": "、".join(str(labels.get(s, s)) for s in allowed),
                }
            }
        )


def require_text(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text
