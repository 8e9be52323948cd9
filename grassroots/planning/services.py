"""Planning writes: plans and their targets, reporting rounds (open, confirm, remind, close)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.accounts.models import Role, User
from grassroots.core.context import actor_name as _actor_name
from grassroots.core.notifications import notification_send
from grassroots.core.scope import unit_in_scope
from grassroots.organizations.models import Unit
from grassroots.planning.models import Plan, PlanTarget, ReportingRound, RoundConfirmation

SHARE_FIELDS = (
    "main_sector_share",
    "under_age_share",
    "bachelor_share",
    "senior_title_share",
    "women_share",
)
COUNT_FIELDS = ("new_members", "talents")
TARGET_FIELDS = (*SHARE_FIELDS, *COUNT_FIELDS, "age_limit")


def _check_scope(unit: Unit, actor: Any, field: str = "unit") -> None:
    if actor is None:
        return
    if not unit_in_scope(unit, actor):
        raise ValidationError({field: _("所选组织不在您的管理范围内")})


def _check_writable(actor: Any) -> None:
    if actor is not None and getattr(actor, "is_read_only", False):
        raise PermissionDenied(_("只读账号不能修改数据"))


# --- plans ----------------------------------------------------------------------------


def plan_validate(*, name: str, start_year: int, end_year: int) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("请填写规划名称")
    if end_year < start_year:
        errors["end_year"] = _("截止年度不能早于起始年度")
    elif end_year - start_year > 9:
        errors["end_year"] = _("规划期不能超过十年")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *, unit: Unit, name: str, start_year: int, end_year: int, note: str = "", actor: Any = None
) -> Plan:
    _check_writable(actor)
    _check_scope(unit, actor)
    plan_validate(name=name, start_year=start_year, end_year=end_year)
    return Plan.objects.create(
        unit=unit, name=name.strip(), start_year=start_year, end_year=end_year, note=note
    )


def plan_target_validate(
    *, plan: Plan | None, unit: Unit, year: int, values: dict[str, Any]
) -> dict[str, Any]:
    """Check one row of targets; without a saved plan only the values are checked."""
    errors: dict[str, str] = {}
    if plan is not None and plan.pk is None:
        plan = None
    if plan is not None and not unit.path.startswith(plan.unit.path):
        errors["unit"] = _("目标组织须为规划制定组织或其下级组织")
    if plan is not None and (year < plan.start_year or year > plan.end_year):
        errors["year"] = _("年度须在规划期%(a)s–%(b)s内") % {
            "a": plan.start_year,
            "b": plan.end_year,
        }
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in TARGET_FIELDS:
            errors[name] = _("未知的目标项")
            continue
        if value in (None, ""):
            cleaned[name] = None if name != "age_limit" else 45
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            errors[name] = _("请填写数字")
            continue
        if name in SHARE_FIELDS and not (0 <= number <= 100):
            errors[name] = _("占比须在0到100之间")
        elif name in COUNT_FIELDS and (number < 0 or number != number.to_integral_value()):
            errors[name] = _("人数须为非负整数")
        elif name == "age_limit" and not (18 <= number <= 100):
            errors[name] = _("年龄线须在18到100之间")
        cleaned[name] = int(number) if name in (*COUNT_FIELDS, "age_limit") else number
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def plan_target_set(
    *, plan: Plan, unit: Unit, year: int, values: dict[str, Any], actor: Any = None
) -> PlanTarget:
    """Create or change one unit's targets for one year of the plan."""
    _check_writable(actor)
    _check_scope(unit, actor)
    cleaned = plan_target_validate(plan=plan, unit=unit, year=year, values=values)
    target, _created = PlanTarget.objects.get_or_create(plan=plan, unit=unit, year=year)
    for name, value in cleaned.items():
        setattr(target, name, value)
    target.save()
    return target


# --- reporting rounds -------------------------------------------------------------------


def _staff_of(units: list[Unit]) -> list[User]:
    return list(
        User.objects.filter(unit__in=units, is_active=True).exclude(role__in=[Role.MEMBER, ""])
    )


def _confirmation_url(confirmation: RoundConfirmation) -> str:
    try:
        return reverse("admin:planning_roundconfirmation_change", args=[confirmation.pk])
    except NoReverseMatch:
        return ""


@transaction.atomic
def round_open(
    *,
    unit: Unit,
    title: str,
    kind: str,
    year: int,
    deadline: datetime.date,
    units: list[Unit] | None = None,
    instructions: str = "",
    actor: Any = None,
) -> ReportingRound:
    """Open a round; every unit asked (by default the units directly below) is told."""
    _check_writable(actor)
    _check_scope(unit, actor)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("请填写报送名称")
    if kind not in ReportingRound.Kind.values:
        errors["kind"] = _("未知的报送类型")
    if deadline < timezone.localdate():
        errors["deadline"] = _("截止日期不能早于今天")
    asked = units if units is not None else list(unit.children.filter(is_active=True))
    if not asked:
        errors["unit"] = _("该组织没有下级组织，无需发起报送")
    for u in asked:
        if u.pk == unit.pk or not u.path.startswith(unit.path):
            errors["unit"] = _("报送单位须为发起组织的下级组织：%(u)s") % {"u": u.name}
    if errors:
        raise ValidationError(errors)
    round_ = ReportingRound.objects.create(
        unit=unit,
        title=title.strip(),
        kind=kind,
        year=year,
        deadline=deadline,
        instructions=instructions,
        opened_by=_actor_name(actor),
    )
    confirmations = [RoundConfirmation.objects.create(round=round_, unit=u) for u in asked]
    for confirmation in confirmations:
        notification_send(
            recipients=_staff_of([confirmation.unit]),
            title=_("数据报送：%(t)s") % {"t": round_.title},
            body=_("请于%(d)s前核对并确认本单位%(y)s年数据。") % {"d": deadline, "y": year},
            url=_confirmation_url(confirmation),
        )
    return round_


def confirmation_figures(confirmation: RoundConfirmation) -> dict[str, Any]:
    """The unit's figures for the round's year as they stand now (what a snapshot keeps)."""
    from grassroots.planning.report import annual_report

    report = annual_report(
        user=None, unit=confirmation.unit, year=confirmation.round.year, max_depth=0
    )
    values = report.rows[0].values if report.rows else {}
    return {
        "unit": confirmation.unit.code,
        "year": confirmation.round.year,
        "as_of": report.end_day.isoformat(),
        "figures": {k: int(v) for k, v in sorted(values.items())},
        "reconciled": report.ok,
    }


@transaction.atomic
def round_confirm(
    *, confirmation: RoundConfirmation, note: str = "", actor: Any = None
) -> RoundConfirmation:
    """The unit confirms its figures; they are kept as confirmed (later edits don't change
    what was reported upward)."""
    _check_writable(actor)
    confirmation = RoundConfirmation.objects.select_for_update().get(pk=confirmation.pk)
    _check_scope(confirmation.unit, actor)
    if confirmation.round.state != ReportingRound.State.OPEN:
        raise ValidationError(_("该报送已结束，不能再确认"))
    if confirmation.state == RoundConfirmation.State.CONFIRMED:
        raise ValidationError(_("该单位已确认"))
    confirmation.snapshot = confirmation_figures(confirmation)
    confirmation.state = RoundConfirmation.State.CONFIRMED
    confirmation.confirmed_at = timezone.now()
    confirmation.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    confirmation.note = note
    confirmation.save()
    opener_staff = _staff_of([confirmation.round.unit])
    notification_send(
        recipients=opener_staff,
        title=_("%(u)s已确认：%(t)s") % {"u": confirmation.unit.name, "t": confirmation.round},
        url=_confirmation_url(confirmation),
    )
    return confirmation


@transaction.atomic
def round_confirmation_reopen(
    *, confirmation: RoundConfirmation, reason: str, actor: Any = None
) -> RoundConfirmation:
    """The opening unit sends a confirmation back for correction; the old snapshot is kept
    in the note of the audit trail (the row's change is audited)."""
    _check_writable(actor)
    confirmation = RoundConfirmation.objects.select_for_update().get(pk=confirmation.pk)
    _check_scope(confirmation.round.unit, actor)
    if not reason.strip():
        raise ValidationError({"note": _("请填写退回原因")})
    if confirmation.state != RoundConfirmation.State.CONFIRMED:
        raise ValidationError(_("该单位尚未确认"))
    confirmation.state = RoundConfirmation.State.PENDING
    confirmation.confirmed_at = None
    confirmation.note = reason.strip()
    confirmation.save()
    notification_send(
        recipients=_staff_of([confirmation.unit]),
        title=_("数据报送退回：%(t)s") % {"t": confirmation.round},
        body=reason.strip(),
        url=_confirmation_url(confirmation),
    )
    return confirmation


def round_remind(
    *, round: ReportingRound, actor: Any = None, now: datetime.datetime | None = None
) -> int:
    """Remind every unit that has not confirmed; returns the number of units reminded."""
    if actor is not None:
        _check_scope(round.unit, actor, "round")
    now = now or timezone.now()
    pending = list(
        round.confirmations.filter(state=RoundConfirmation.State.PENDING).select_related("unit")
    )
    late = timezone.localdate(now) > round.deadline
    for confirmation in pending:
        title = (
            _("数据报送已逾期：%(t)s") % {"t": round.title}
            if late
            else _("数据报送提醒：%(t)s") % {"t": round.title}
        )
        notification_send(
            recipients=_staff_of([confirmation.unit]),
            title=title,
            body=_("截止日期%(d)s，请尽快核对并确认。") % {"d": round.deadline},
            url=_confirmation_url(confirmation),
        )
        confirmation.reminded_at = now
        confirmation.reminders += 1
        confirmation.save(update_fields=["reminded_at", "reminders"])
    return len(pending)


def round_remind_due(*, now: datetime.datetime | None = None, days_before: int = 3) -> int:
    """The periodic job: remind pending units of open rounds due within ``days_before`` days
    or overdue, at most once a day each."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminded = 0
    rounds = ReportingRound.objects.filter(
        state=ReportingRound.State.OPEN,
        deadline__lte=today + datetime.timedelta(days=days_before),
    )
    for round_ in rounds:
        fresh = round_.confirmations.filter(
            state=RoundConfirmation.State.PENDING,
            reminded_at__gte=now - datetime.timedelta(hours=23),
        )
        if fresh.exists():
            continue
        reminded += round_remind(round=round_, now=now)
    return reminded


@transaction.atomic
def round_close(*, round: ReportingRound, actor: Any = None) -> ReportingRound:
    _check_writable(actor)
    _check_scope(round.unit, actor, "round")
    if round.state == ReportingRound.State.CLOSED:
        raise ValidationError(_("该报送已结束"))
    round.state = ReportingRound.State.CLOSED
    round.closed_at = timezone.now()
    round.save()
    return round


# --- figures counted ahead of readers (docs/decisions/0045) --------------------------------

FIGURES_KEEP_DAYS = 30


def figures_warm(*, today: datetime.date | None = None) -> int:
    """Count, ahead of readers, the figures every warmer reads (``planning.warming``): each
    reads its figures as its page would, so only units whose versions moved since their rows
    were counted are recounted, and the rows then serve every process. Returns how many
    warmers ran. Not one transaction: each figure's rows are written as soon as counted."""
    from grassroots.planning import warming

    today = today or timezone.localdate()
    ran = 0
    for _name, warm in warming.warmers():
        warm(today)
        ran += 1
    return ran


def figures_prune(*, keep_days: int = FIGURES_KEEP_DAYS) -> int:
    """Drop persisted figures not counted for ``keep_days`` (days nobody asks about any more,
    or outdated versions); a unit whose row is dropped is merely recounted if asked again."""
    from grassroots.planning.models import UnitFigures

    before = timezone.now() - datetime.timedelta(days=keep_days)
    deleted, _ = UnitFigures.objects.filter(counted_at__lt=before).delete()
    return deleted
