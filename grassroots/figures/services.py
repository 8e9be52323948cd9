"""Writes for the figures pool and recommendation rounds. Each checks scope and who acts and
validates everything before saving; errors are Chinese and keyed by field."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.accounts.models import Role, User
from grassroots.core.notifications import notification_send
from grassroots.core.scope import unit_in_scope
from grassroots.figures.models import Assessment, Figure, Nomination, Round
from grassroots.members.models import (
    ArrangementKind,
    ArrangementLevel,
    Member,
    MemberStatus,
    PoliticalArrangement,
)
from grassroots.organizations.models import Unit

READ_ONLY_ROLES = {Role.LEADER, Role.MEMBER}


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return actor.full_name or actor.get_username()


def _require_writer(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录"))
    if not actor.is_superuser and (
        getattr(actor, "role", None) in READ_ONLY_ROLES or not getattr(actor, "role", "")
    ):
        raise PermissionDenied(_("您的角色只能查看，不能办理"))


def _require_member_in_scope(member: Member, actor: Any) -> None:
    if not unit_in_scope(member.unit, actor):
        raise PermissionDenied(_("该会员不在您的管理范围内"))


def _require_staff_of(unit: Unit, actor: Any, what: str) -> None:
    if actor.is_superuser:
        return
    if getattr(actor, "unit_id", None) != unit.pk:
        raise PermissionDenied(
            _("%(what)s须由%(unit)s的工作人员办理") % {"what": what, "unit": unit.name}
        )


# --- the pool ----------------------------------------------------------------------------


def figure_validate(*, member: Member, category: str) -> None:
    errors: dict[str, str] = {}
    if member.status != MemberStatus.ACTIVE:
        errors["member"] = _("%(name)s不是在册会员，不能入库") % {"name": member.name}
    if category not in Figure.Category.values:
        errors["category"] = _("类别“%(c)s”无效") % {"c": category}
    elif Figure.objects.filter(member=member, category=category).exists():
        errors["category"] = _("%(name)s已在%(cat)s库中") % {
            "name": member.name,
            "cat": Figure.Category(category).label,
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def figure_add(
    *,
    member: Member,
    category: str,
    actor: Any,
    since: datetime.date | None = None,
    domain: str = "",
    note: str = "",
) -> Figure:
    _require_writer(actor)
    _require_member_in_scope(member, actor)
    figure_validate(member=member, category=category)
    try:
        with transaction.atomic():  # a concurrent entry of the same person loses cleanly
            return Figure.objects.create(
                member=member,
                category=category,
                since=since or timezone.localdate(),
                domain=domain.strip(),
                note=note.strip(),
            )
    except IntegrityError as exc:
        raise ValidationError({"category": _("%(name)s已在库中") % {"name": member.name}}) from exc


def assessment_validate(
    *, date: datetime.date | None, assessor: str, rating: str, text: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if date is None:
        errors["date"] = _("请填写考察日期")
    elif date > timezone.localdate():
        errors["date"] = _("考察日期不能晚于今天")
    if not assessor.strip():
        errors["assessor"] = _("请填写考察人")
    if rating not in Assessment.Rating.values:
        errors["rating"] = _("评价等次“%(r)s”无效") % {"r": rating}
    if not text.strip():
        errors["text"] = _("请填写考察意见")
    return errors


@transaction.atomic
def assessment_add(
    *,
    figure: Figure,
    date: datetime.date,
    assessor: str,
    rating: str,
    text: str,
    actor: Any,
) -> Assessment:
    _require_writer(actor)
    _require_member_in_scope(figure.member, actor)
    errors = assessment_validate(date=date, assessor=assessor, rating=rating, text=text)
    if errors:
        raise ValidationError(errors)
    return Assessment.objects.create(
        figure=figure,
        date=date,
        assessor=assessor.strip(),
        rating=rating,
        text=text.strip(),
        recorded_by=_actor_name(actor),
    )


# --- recommendation rounds ---------------------------------------------------------------


@transaction.atomic
def round_open(
    *,
    unit: Unit,
    kind: ArrangementKind,
    level: ArrangementLevel,
    body: str,
    term_number: int,
    opens_on: datetime.date,
    closes_on: datetime.date,
    actor: Any,
    note: str = "",
) -> Round:
    """A unit (usually the province) opens a round for one term of a congress or CPPCC."""
    _require_writer(actor)
    if not unit_in_scope(unit, actor):
        raise PermissionDenied(_("所选组织不在您的管理范围内"))
    _require_staff_of(unit, actor, _("发起推荐工作"))
    errors: dict[str, str] = {}
    if not body.strip():
        errors["body"] = _("请填写机构，如“省政协”")
    if term_number < 1:
        errors["term_number"] = _("届次须为正整数")
    if closes_on < opens_on:
        errors["closes_on"] = _("截止日期不能早于开始日期")
    if Round.objects.filter(unit=unit, body=body.strip(), term_number=term_number).exists():
        errors["term_number"] = _("%(body)s第%(n)s届的推荐工作已发起") % {
            "body": body.strip(),
            "n": term_number,
        }
    if errors:
        raise ValidationError(errors)
    return Round.objects.create(
        unit=unit,
        kind=kind,
        level=level,
        body=body.strip(),
        term_number=term_number,
        opens_on=opens_on,
        closes_on=closes_on,
        note=note.strip(),
    )


@transaction.atomic
def round_close(*, round: Round, actor: Any) -> Round:
    _require_writer(actor)
    _require_staff_of(round.unit, actor, _("结束推荐工作"))
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("该推荐工作已结束"))
    pending = round.nominations.filter(
        status__in=(Nomination.Status.PENDING, Nomination.Status.RECOMMENDED)
    ).count()
    if pending:
        raise ValidationError(
            _("还有%(n)s名推荐人选未办结（待审核或待记录结果），不能结束") % {"n": pending}
        )
    round.status = Round.Status.CLOSED
    round.save()
    return round


def _trail(nomination: Nomination, action: str, actor: Any, comment: str = "") -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    nomination.trail = [
        *nomination.trail,
        {
            "action": action,
            "actor": _actor_name(actor),
            "unit": str(getattr(user, "unit", "") or "") if user else "",
            "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "comment": comment,
        },
    ]


def _notify(nomination: Nomination, title: str) -> None:
    """Tell the staff of the unit the nomination now waits at."""
    recipients = User.objects.filter(
        unit=nomination.at_unit,
        role__in=(Role.PROVINCE_STAFF, Role.UNIT_STAFF),
        is_active=True,
    )
    notification_send(
        recipients=recipients,
        title=title,
        url=reverse("admin:figures_round_change", args=[nomination.round_id]),
    )


def _lock(nomination: Nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("round__unit", "at_unit", "member__unit")
        .get(pk=nomination.pk)
    )


@transaction.atomic
def nomination_propose(*, round: Round, member: Member, actor: Any, reason: str = "") -> Nomination:
    """A unit proposes one of its members; the level above reviews it next."""
    _require_writer(actor)
    _require_member_in_scope(member, actor)
    unit = actor.unit if not actor.is_superuser else member.unit
    if unit is None or not unit.path.startswith(round.unit.path):
        raise PermissionDenied(_("您所在组织不参加该推荐工作"))
    errors: dict[str, str] = {}
    if round.status != Round.Status.OPEN:
        errors["round"] = _("该推荐工作已结束")
    elif timezone.localdate() > round.closes_on:
        errors["round"] = _("推荐已于%(d)s截止") % {"d": round.closes_on}
    if member.status != MemberStatus.ACTIVE:
        errors["member"] = _("%(name)s不是在册会员") % {"name": member.name}
    elif Nomination.objects.filter(round=round, member=member).exists():
        errors["member"] = _("%(name)s已被推荐") % {"name": member.name}
    if errors:
        raise ValidationError(errors)
    at_unit = unit if unit.pk == round.unit_id else unit.parent
    nomination = Nomination(
        round=round,
        member=member,
        proposed_by=unit,
        at_unit=at_unit,
        reason=reason.strip(),
    )
    _trail(nomination, "propose", actor, reason.strip())
    try:
        with transaction.atomic():  # a concurrent proposal of the same person loses cleanly
            nomination.save()
    except IntegrityError as exc:
        raise ValidationError({"member": _("%(name)s已被推荐") % {"name": member.name}}) from exc
    _notify(
        nomination,
        _("%(round)s：%(unit)s推荐了%(name)s，待审核")
        % {"round": round.label, "unit": unit.name, "name": member.name},
    )
    return nomination


@transaction.atomic
def nomination_review(
    *, nomination: Nomination, recommend: bool, actor: Any, comment: str = ""
) -> Nomination:
    """The unit holding the nomination recommends it one level up (the opening unit
    recommends it upward, outside the association) or drops it with a reason."""
    _require_writer(actor)
    nomination = _lock(nomination)
    _require_staff_of(nomination.at_unit, actor, _("审核推荐人选"))
    if nomination.status != Nomination.Status.PENDING:
        raise ValidationError(
            _("该推荐人选当前状态为“%(s)s”，不能审核") % {"s": nomination.get_status_display()}
        )
    if nomination.round.status != Round.Status.OPEN:
        raise ValidationError(_("该推荐工作已结束"))
    if recommend:
        if nomination.at_unit_id == nomination.round.unit_id:
            nomination.status = Nomination.Status.RECOMMENDED
        else:
            nomination.at_unit = nomination.at_unit.parent  # type: ignore[assignment]
            _notify(
                nomination,
                _("%(round)s：%(name)s已报上级，待审核")
                % {"round": nomination.round.label, "name": nomination.member.name},
            )
        _trail(nomination, "recommend", actor, comment.strip())
    else:
        if not comment.strip():
            raise ValidationError({"comment": _("不予推荐须填写理由")})
        nomination.status = Nomination.Status.DROPPED
        _trail(nomination, "drop", actor, comment.strip())
    nomination.save()
    return nomination


@transaction.atomic
def nomination_outcome(
    *,
    nomination: Nomination,
    arranged: bool,
    actor: Any,
    post: str = "",
    date: datetime.date | None = None,
    comment: str = "",
) -> Nomination:
    """The outcome of a recommended nomination; "arranged" adds the political arrangement to
    the member's archive (kind, level and term of the round)."""
    _require_writer(actor)
    nomination = _lock(nomination)
    rnd = nomination.round
    _require_staff_of(rnd.unit, actor, _("记录推荐结果"))
    if nomination.status != Nomination.Status.RECOMMENDED:
        raise ValidationError(
            _("只有已向上推荐的人选才能记录结果（当前：%(s)s）")
            % {"s": nomination.get_status_display()}
        )
    date = date or timezone.localdate()
    if date > timezone.localdate():
        raise ValidationError({"date": _("结果日期不能晚于今天")})
    nomination.outcome_date = date
    if arranged:
        nomination.status = Nomination.Status.ARRANGED
        nomination.outcome_post = post.strip()
        nomination.arrangement = PoliticalArrangement.objects.create(
            member=nomination.member,
            kind=rnd.kind,
            level=rnd.level,
            body=rnd.label,
            post=post.strip(),
            start_date=date,
        )
    else:
        nomination.status = Nomination.Status.NOT_ARRANGED
    _trail(nomination, "arranged" if arranged else "not_arranged", actor, comment.strip())
    nomination.save()
    return nomination
