"""Election and term writes. Every stage checks who acts (``procedure.why_cannot_act``) and
validates everything before anything is saved, so a refused step leaves no trace."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.accounts.models import Role, User
from grassroots.core.notifications import notification_send
from grassroots.core.scope import unit_in_scope
from grassroots.elections import procedure
from grassroots.elections.models import Candidate, Election, ElectionStep, Term
from grassroots.members.models import Member, MemberStatus, Officer
from grassroots.organizations.models import Unit


def term_years() -> int:
    return int(getattr(settings, "GRASSROOTS_TERM_YEARS", 5))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month + 1, candidate_day)
        except ValueError:
            continue
    raise ValueError(day)


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return actor.full_name or actor.get_username()


def _require(actor: Any, election: Election, code: str) -> None:
    reason = procedure.why_cannot_act(actor, election, procedure.stage(code))
    if reason:
        raise PermissionDenied(reason)


def _step(election: Election, code: str, actor: Any, comment: str = "") -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    ElectionStep.objects.create(
        election=election,
        stage=code,
        actor=user,
        actor_name=_actor_name(actor),
        actor_unit=str(getattr(user, "unit", "") or "") if user else "",
        comment=comment,
    )


STAFF_ROLES = (Role.PROVINCE_STAFF, Role.UNIT_STAFF, Role.BRANCH_OFFICER)


def _notify(unit: Unit, election: Election, title: str) -> None:
    """Tell the staff of ``unit`` that the election waits for them."""
    recipients = User.objects.filter(unit=unit, role__in=STAFF_ROLES, is_active=True)
    notification_send(
        recipients=recipients,
        title=title,
        url=reverse("admin:elections_election_change", args=[election.pk]),
    )


def _lock(election: Election) -> Election:
    """Row-lock the election (PostgreSQL) so two people cannot take the same stage at once."""
    return (
        Election.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__parent")
        .get(pk=election.pk)
    )


def current_term(unit: Unit) -> Term | None:
    return Term.objects.filter(unit=unit, ended_on__isnull=True).order_by("-number").first()


def next_term_number(unit: Unit) -> int:
    top = Term.objects.filter(unit=unit).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


# --- terms -------------------------------------------------------------------------------


def term_validate(
    *,
    unit: Unit,
    number: int,
    start_date: datetime.date,
    planned_end: datetime.date | None = None,
) -> datetime.date:
    """Check a term to record; answers the planned end (default: start plus the term length)."""
    planned_end = planned_end or add_years(start_date, term_years())
    errors: dict[str, str] = {}
    if number < 1:
        errors["number"] = _("届次须为正整数")
    elif Term.objects.filter(unit=unit, number=number).exists():
        errors["number"] = _("%(unit)s第%(n)s届已有记录") % {"unit": unit.name, "n": number}
    if planned_end <= start_date:
        errors["planned_end"] = _("任期届满日期须晚于任期开始日期")
    if errors:
        raise ValidationError(errors)
    return planned_end


@transaction.atomic
def term_create(
    *,
    unit: Unit,
    number: int,
    start_date: datetime.date,
    planned_end: datetime.date | None = None,
    note: str = "",
    actor: Any,
) -> Term:
    """Record a term that began before the platform (later terms come from elections)."""
    if not unit_in_scope(unit, actor):
        raise PermissionDenied(_("所选组织不在您的管理范围内"))
    if getattr(actor, "role", None) in procedure.READ_ONLY_ROLES:
        raise PermissionDenied(_("您的角色只能查看，不能办理"))
    planned_end = term_validate(
        unit=unit, number=number, start_date=start_date, planned_end=planned_end
    )
    # An older open term ends when a newer one starts.
    for older in Term.objects.filter(unit=unit, ended_on__isnull=True, number__lt=number):
        older.ended_on = start_date
        older.save()
    return Term.objects.create(
        unit=unit, number=number, start_date=start_date, planned_end=planned_end, note=note
    )


# --- the election ------------------------------------------------------------------------


def _slate(
    unit: Unit, candidates: Iterable[tuple[Member, str]], field: str = "candidates"
) -> list[tuple[Member, str]]:
    rows = list(candidates)
    if not rows:
        raise ValidationError({field: _("请至少提出一名候选人")})
    seen: set[int] = set()
    posts = set(Officer.Post.values)
    errors: list[str] = []
    for i, (member, post) in enumerate(rows, 1):
        if post not in posts:
            errors.append(_("第%(i)s名：职务“%(post)s”无效") % {"i": i, "post": post})
        if member.status != MemberStatus.ACTIVE:
            errors.append(_("第%(i)s名：%(name)s不是在册会员") % {"i": i, "name": member.name})
        elif not member.unit.path.startswith(unit.path):
            errors.append(
                _("第%(i)s名：%(name)s不属于%(unit)s")
                % {"i": i, "name": member.name, "unit": unit.name}
            )
        if member.pk in seen:
            errors.append(_("第%(i)s名：%(name)s重复") % {"i": i, "name": member.name})
        seen.add(member.pk)
    if errors:
        raise ValidationError({field: errors})
    return rows


@transaction.atomic
def election_request(
    *,
    unit: Unit,
    request_date: datetime.date,
    proposed_seats: int,
    candidates: Iterable[tuple[Member, str]],
    actor: Any,
    term_number: int | None = None,
    planned_date: datetime.date | None = None,
    request_text: str = "",
) -> Election:
    """The unit's 请示: the term to elect, the seats it proposes and its proposed slate."""
    if not unit_in_scope(unit, actor):
        raise PermissionDenied(_("所选组织不在您的管理范围内"))
    election = Election(unit=unit)
    _require(actor, election, "request")
    # Two requests for the same unit at once: the second waits here and then sees the first.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    errors: dict[str, Any] = {}
    if Election.objects.filter(unit=unit, status__in=procedure.OPEN_STATUSES).exists():
        errors["unit"] = _("%(unit)s已有正在办理的换届选举") % {"unit": unit.name}
    expected = next_term_number(unit)
    number = term_number or expected
    if number < expected:
        errors["term_number"] = _("第%(n)s届已有记录，新一届应为第%(m)s届或以后") % {
            "n": number,
            "m": expected,
        }
    if proposed_seats < 1:
        errors["proposed_seats"] = _("拟设委员名额须大于0")
    if request_date > timezone.localdate():
        errors["request_date"] = _("请示日期不能晚于今天")
    if planned_date is not None and planned_date < request_date:
        errors["planned_date"] = _("拟召开日期不能早于请示日期")
    try:
        slate = _slate(unit, candidates)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    election.term_number = number
    election.request_date = request_date
    election.proposed_seats = proposed_seats
    election.planned_date = planned_date
    election.request_text = request_text.strip()
    election.save()
    for order, (member, post) in enumerate(slate, 1):
        Candidate.objects.create(election=election, member=member, post=post, order=order)
    _step(election, "request", actor, request_text.strip())
    _notify(
        procedure.acting_unit(election, procedure.stage("approve")),
        election,
        _("%(unit)s报来换届请示，待批复") % {"unit": unit.name},
    )
    return election


@transaction.atomic
def election_approve(
    *,
    election: Election,
    approval_date: datetime.date,
    seats: int,
    actor: Any,
    approved_ids: Iterable[int] | None = None,
    approval_number: str = "",
    approval_text: str = "",
) -> Election:
    """The level above's 批复: the number of seats and the approved slate (a subset of the
    proposed candidates; by default all of them). The slate must not be shorter than the seats."""
    election = _lock(election)
    _require(actor, election, "approve")
    candidates = list(election.candidates.all())
    chosen = {c.pk for c in candidates} if approved_ids is None else set(approved_ids)
    errors: dict[str, str] = {}
    unknown = chosen - {c.pk for c in candidates}
    if unknown:
        errors["approved_ids"] = _("批复名单中有不属于本次请示的候选人")
    if seats < 1:
        errors["seats"] = _("应选名额须大于0")
    elif len(chosen) < seats:
        errors["approved_ids"] = _("批复的候选人（%(n)s名）少于应选名额（%(s)s名）") % {
            "n": len(chosen),
            "s": seats,
        }
    if approval_date < election.request_date:
        errors["approval_date"] = _("批复日期不能早于请示日期（%(d)s）") % {
            "d": election.request_date
        }
    elif approval_date > timezone.localdate():
        errors["approval_date"] = _("批复日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    for c in candidates:
        c.approved = c.pk in chosen
        c.save()
    election.status = Election.Status.APPROVED
    election.seats = seats
    election.approval_date = approval_date
    election.approval_number = approval_number.strip()
    election.approval_text = approval_text.strip()
    election.approved_by_unit = procedure.acting_unit(election, procedure.stage("approve"))
    election.save()
    _step(election, "approve", actor, approval_text.strip())
    _notify(election.unit, election, _("换届请示已批复，可召开选举大会"))
    return election


@transaction.atomic
def election_reject(*, election: Election, reason: str, actor: Any) -> Election:
    election = _lock(election)
    _require(actor, election, "reject")
    if not reason.strip():
        raise ValidationError({"reason": _("请填写不予批准的理由")})
    election.status = Election.Status.REJECTED
    election.approval_text = reason.strip()
    election.approval_date = timezone.localdate()
    election.approved_by_unit = procedure.acting_unit(election, procedure.stage("reject"))
    election.save()
    _step(election, "reject", actor, reason.strip())
    _notify(election.unit, election, _("换届请示未获批准：%(r)s") % {"r": reason.strip()[:60]})
    return election


def count_result(
    *, seats: int, present: int, votes: Mapping[int, int]
) -> tuple[list[int], list[str]]:
    """Who is elected: more than half of those present, best first, at most ``seats``.
    Returns (elected ids, errors); a tie for the last seat is an error (a run-off is needed)."""
    errors: list[str] = []
    passing = sorted(
        ((n, pk) for pk, n in votes.items() if 2 * n > present), key=lambda t: (-t[0], t[1])
    )
    elected = [pk for _n, pk in passing[:seats]]
    if len(passing) > seats and passing[seats - 1][0] == passing[seats][0]:
        errors.append(
            _("第%(s)s名与第%(t)s名得票相同（%(n)s票），须就该名额另行投票后再录入")
            % {"s": seats, "t": seats + 1, "n": passing[seats][0]}
        )
    if len(elected) > seats:
        errors.append(_("当选人数超过应选名额"))
    return elected, errors


@transaction.atomic
def election_record_meeting(
    *,
    election: Election,
    meeting_date: datetime.date,
    total_voters: int,
    present: int,
    votes: Mapping[int, int],
    actor: Any,
    comment: str = "",
) -> Election:
    """The meeting and its result: who attended, each approved candidate's votes; those with
    more than half of the votes of those present are elected, best first, up to the seats."""
    election = _lock(election)
    _require(actor, election, "meeting")
    approved = {c.pk: c for c in election.candidates.filter(approved=True).select_related("member")}
    errors: dict[str, Any] = {}
    if total_voters < 1:
        errors["total_voters"] = _("应到人数须大于0")
    elif present > total_voters:
        errors["present"] = _("实到人数（%(p)s）不能多于应到人数（%(t)s）") % {
            "p": present,
            "t": total_voters,
        }
    elif 2 * present <= total_voters:
        errors["present"] = _("实到人数（%(p)s）须超过应到人数（%(t)s）的一半，选举方为有效") % {
            "p": present,
            "t": total_voters,
        }
    if election.approval_date and meeting_date < election.approval_date:
        errors["meeting_date"] = _("选举日期不能早于批复日期（%(d)s）") % {
            "d": election.approval_date
        }
    elif meeting_date > timezone.localdate():
        errors["meeting_date"] = _("选举日期不能晚于今天")
    vote_errors: list[str] = []
    for pk in votes:
        if pk not in approved:
            vote_errors.append(_("候选人编号%(pk)s不在批复名单中") % {"pk": pk})
    for pk, c in approved.items():
        n = votes.get(pk)
        if n is None:
            vote_errors.append(_("请填写%(name)s的得票") % {"name": c.member.name})
        elif n < 0:
            vote_errors.append(_("%(name)s的得票不能为负数") % {"name": c.member.name})
        elif n > present:
            vote_errors.append(
                _("%(name)s的得票（%(n)s）超过实到人数（%(p)s）")
                % {"name": c.member.name, "n": n, "p": present}
            )
    if vote_errors:
        errors["votes"] = vote_errors
    elected: list[int] = []
    if not errors:
        elected, result_errors = count_result(
            seats=election.seats or 0, present=present, votes=votes
        )
        if result_errors:
            errors["votes"] = result_errors
        chairs = [pk for pk in elected if approved[pk].post == Officer.Post.CHAIR]
        if len(chairs) > 1:
            errors.setdefault("votes", []).append(_("当选主委不能超过一名"))
    if errors:
        raise ValidationError(errors)
    for pk, c in approved.items():
        c.votes = votes[pk]
        c.elected = pk in elected
        c.save()
    election.status = Election.Status.HELD
    election.meeting_date = meeting_date
    election.total_voters = total_voters
    election.present = present
    election.save()
    _step(election, "meeting", actor, comment.strip())
    return election


@transaction.atomic
def election_install(*, election: Election, actor: Any) -> Election:
    """The elected take office on the meeting day: the unit's sitting officers' terms end that
    day, new officer rows start, the current term closes and the new one opens. All or nothing."""
    election = _lock(election)
    _require(actor, election, "install")
    day = election.meeting_date
    assert day is not None  # HELD implies a meeting date
    elected = list(election.candidates.filter(elected=True).select_related("member"))
    if not elected:
        raise ValidationError(_("没有当选人，不能办理就职"))
    gone = [c.member.name for c in elected if c.member.status != MemberStatus.ACTIVE]
    if gone:
        raise ValidationError(_("以下当选人已不是在册会员：%(names)s") % {"names": "、".join(gone)})
    if Term.objects.filter(unit=election.unit, number=election.term_number).exists():
        raise ValidationError(
            _("%(unit)s第%(n)s届已有记录，不能重复产生")
            % {"unit": election.unit.name, "n": election.term_number}
        )
    sitting = Officer.objects.filter(unit=election.unit, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=day)
    )
    for officer in sitting:
        officer.end_date = day
        officer.save()
    for c in elected:
        c.officer = Officer.objects.create(
            unit=election.unit, member=c.member, post=c.post, start_date=day
        )
        c.save()
    for term in Term.objects.filter(unit=election.unit, ended_on__isnull=True):
        term.ended_on = day
        term.save()
    election.new_term = Term.objects.create(
        unit=election.unit,
        number=election.term_number,
        start_date=day,
        planned_end=add_years(day, term_years()),
    )
    election.status = Election.Status.INSTALLED
    election.save()
    _step(election, "install", actor)
    _notify(
        procedure.acting_unit(election, procedure.stage("file")),
        election,
        _("%(unit)s换届选举结果待备案") % {"unit": election.unit.name},
    )
    return election


@transaction.atomic
def election_file(
    *, election: Election, actor: Any, filed_date: datetime.date | None = None, note: str = ""
) -> Election:
    election = _lock(election)
    _require(actor, election, "file")
    filed_date = filed_date or timezone.localdate()
    if election.meeting_date and filed_date < election.meeting_date:
        raise ValidationError({"filed_date": _("备案日期不能早于选举日期")})
    if filed_date > timezone.localdate():
        raise ValidationError({"filed_date": _("备案日期不能晚于今天")})
    election.status = Election.Status.FILED
    election.filed_date = filed_date
    election.filing_note = note.strip()
    election.save()
    _step(election, "file", actor, note.strip())
    return election
