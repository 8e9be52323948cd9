"""参政议政 writes: the proposal lifecycle from draft to archive, with its rules and errors."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from grassroots.accounts.models import User
from grassroots.core import sequences
from grassroots.core.context import actor_name
from grassroots.platforms.models import (
    ForwardTarget,
    LeaderInstruction,
    Level,
    Proposal,
    ProposalAuthor,
    ProposalKind,
    ProposalNote,
    ProposalReviewer,
    ProposalSimilarity,
    ProposalStatus,
    Satisfaction,
)
from grassroots.platforms.services import similarity
from grassroots.platforms.services.common import (
    Credit,
    check_transition,
    in_scope,
    is_author,
    require_perm,
    require_staff_on,
    require_text,
    validate_credits,
)

S = ProposalStatus
CHANGE = "platforms.change_proposal"
LABELS: dict[str, Any] = dict(S.choices)

# action -> states it may start from (the target state is set by the service itself).
ALLOWED: dict[str, tuple[str, ...]] = {
    "update": (S.DRAFT, S.RETURNED),
    "submit": (S.DRAFT, S.RETURNED),
    "receive": (S.SUBMITTED,),
    "withdraw": (S.DRAFT, S.SUBMITTED, S.RECEIVED, S.RETURNED),
    "review": (S.RECEIVED,),
    "assign": (S.RECEIVED, S.IN_REVIEW),
    "select": (S.IN_REVIEW,),
    "merge": (S.IN_REVIEW,),
    "return": (S.RECEIVED, S.IN_REVIEW),
    "forward": (S.SELECTED,),
    "outcome": (S.FORWARDED, S.CONCLUDED),
    "instruction": (S.SELECTED, S.FORWARDED, S.CONCLUDED),
    "archive": (S.CONCLUDED, S.MERGED),
}
ACTION_LABELS = {
    "update": _lazy("修改"),
    "submit": _lazy("提交"),
    "receive": _lazy("收件"),
    "withdraw": _lazy("撤回"),
    "review": _lazy("开始审核"),
    "assign": _lazy("指派审核人"),
    "select": _lazy("采用"),
    "merge": _lazy("并案"),
    "return": _lazy("退回"),
    "forward": _lazy("报送"),
    "outcome": _lazy("登记办理结果"),
    "instruction": _lazy("登记领导批示"),
    "archive": _lazy("归档"),
}


def _check(proposal: Proposal, action: str) -> None:
    check_transition(
        label=_("提案"),
        status=proposal.status,
        allowed=ALLOWED[action],
        action=str(ACTION_LABELS[action]),
        labels=LABELS,
    )


def _author_member_ids(proposal: Proposal) -> list[int | None]:
    return list(proposal.authors.values_list("member_id", flat=True))


def _require_author_or_staff(actor: Any, proposal: Proposal) -> None:
    if actor is None or is_author(actor, _author_member_ids(proposal)):
        return
    require_staff_on(actor, proposal.unit, CHANGE)


def _clean_text(*, title: str, body: str) -> tuple[str, str]:
    title = require_text(title, "title", _("标题不能为空"))
    if len(title) > 200:
        raise ValidationError({"title": _("标题不能超过200字")})
    return title, (body or "").strip()


def _set_authors(proposal: Proposal, credits: Sequence[Credit]) -> None:
    proposal.authors.all().delete()
    for i, c in enumerate(credits, 1):  # one save each: credit changes are audited
        ProposalAuthor.objects.create(
            proposal=proposal, member=c.member, author_unit=c.unit, order=i
        )


@transaction.atomic
def proposal_create(
    *,
    actor: Any,
    kind: ProposalKind,
    title: str,
    body: str = "",
    authors: Sequence[Credit],
    submit: bool = False,
) -> Proposal:
    """A draft owned by the first author's unit; ``submit`` submits it at once."""
    title, body = _clean_text(title=title, body=body)
    if not kind.is_active:
        raise ValidationError({"kind": _("提案类别“%(k)s”已停用") % {"k": kind.name}})
    unit = validate_credits(actor=actor, credits=authors)
    if actor is not None and not is_author(actor, [c.member.pk for c in authors if c.member]):
        require_perm(actor, "platforms.add_proposal")
    proposal = Proposal.objects.create(
        unit=unit,
        kind=kind,
        year=timezone.localdate().year,
        title=title,
        body=body,
        created_by=actor_name(actor),
    )
    _set_authors(proposal, authors)
    if submit:
        proposal_submit(actor=actor, proposal=proposal)
    return proposal


@transaction.atomic
def proposal_update(
    *,
    actor: Any,
    proposal: Proposal,
    title: str | None = None,
    body: str | None = None,
    kind: ProposalKind | None = None,
    authors: Sequence[Credit] | None = None,
) -> Proposal:
    _check(proposal, "update")
    _require_author_or_staff(actor, proposal)
    proposal.title, proposal.body = _clean_text(
        title=proposal.title if title is None else title,
        body=proposal.body if body is None else body,
    )
    if kind is not None:
        proposal.kind = kind
    if authors is not None:
        proposal.unit = validate_credits(actor=actor, credits=authors)
        _set_authors(proposal, authors)
    proposal.save()
    return proposal


def find_similar(proposal: Proposal) -> list[tuple[Proposal, float, float]]:
    """The year's submitted proposals (any unit: duplicates cross units) similar to this one."""
    title_grams = similarity.bigrams(proposal.title)
    text_grams = similarity.bigrams(proposal.title + proposal.body)
    candidates = (
        Proposal.objects.filter(year=proposal.year)
        .exclude(pk=proposal.pk)
        .exclude(status__in=[S.DRAFT, S.WITHDRAWN])
        .only("pk", "title", "body")
    )
    found = []
    for other in candidates.iterator(chunk_size=500):
        title_score = similarity.jaccard(title_grams, similarity.bigrams(other.title))
        text_score = similarity.jaccard(text_grams, similarity.bigrams(other.title + other.body))
        if similarity.is_similar(title_score, text_score):
            found.append((other, round(title_score, 3), round(text_score, 3)))
    return found


@transaction.atomic
def proposal_submit(*, actor: Any, proposal: Proposal) -> Proposal:
    """Submitted this year; similar proposals of the year are recorded as possible duplicates."""
    _check(proposal, "submit")
    _require_author_or_staff(actor, proposal)
    if not proposal.authors.exists():
        raise ValidationError({"authors": _("请至少填写一位作者或署名组织")})
    proposal.status = S.SUBMITTED
    proposal.submitted_at = timezone.now()
    if proposal.reference_code is None:
        proposal.year = timezone.localdate().year
    ProposalSimilarity.objects.filter(proposal=proposal).delete()
    similar = find_similar(proposal)
    ProposalSimilarity.objects.bulk_create(
        [
            ProposalSimilarity(proposal=proposal, other=o, title_score=t, text_score=x)
            for o, t, x in similar
        ]
    )
    proposal.possible_duplicate = bool(similar)
    proposal.save()
    return proposal


def reference_code_next(*, kind: ProposalKind, year: int) -> str:
    value = sequences.next_value(f"platforms.proposal:{kind.prefix}:{year}")
    return f"{kind.prefix}-{year}-{value:04d}"


@transaction.atomic
def proposal_receive(*, actor: Any, proposal: Proposal) -> Proposal:
    """Logged in by staff: a reference code per kind prefix and year (kept across returns)."""
    _check(proposal, "receive")
    require_staff_on(actor, proposal.unit, CHANGE)
    if not proposal.reference_code:
        proposal.reference_code = reference_code_next(kind=proposal.kind, year=proposal.year)
    proposal.status = S.RECEIVED
    proposal.received_at = timezone.now()
    proposal.save()
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: Any, proposal: Proposal) -> Proposal:
    """Authors (or staff on their behalf) may withdraw until review starts."""
    _check(proposal, "withdraw")
    _require_author_or_staff(actor, proposal)
    proposal.status = S.WITHDRAWN
    proposal.withdrawn_at = timezone.now()
    proposal.save()
    return proposal


def _reviewers_valid(proposal: Proposal, reviewers: Sequence[User]) -> None:
    """A reviewer is an active staff account that can see the proposal."""
    if not reviewers:
        raise ValidationError({"reviewers": _("请至少指派一位审核人")})
    for reviewer in reviewers:
        if not reviewer.is_active or not reviewer.is_staff:
            raise ValidationError(
                {"reviewers": _("%(u)s不是有效的工作人员账号") % {"u": reviewer.username}}
            )
        if not (reviewer.is_superuser or in_scope(reviewer, proposal.unit)):
            raise ValidationError(
                {"reviewers": _("%(u)s无权查看该提案，不能担任审核人") % {"u": reviewer.username}}
            )


@transaction.atomic
def proposal_assign_reviewers(
    *, actor: Any, proposal: Proposal, reviewers: Sequence[User]
) -> Proposal:
    _check(proposal, "assign")
    require_staff_on(actor, proposal.unit, CHANGE)
    _reviewers_valid(proposal, reviewers)
    existing = set(proposal.reviewers.values_list("reviewer_id", flat=True))
    for r in reviewers:
        if r.pk not in existing:
            ProposalReviewer.objects.create(
                proposal=proposal, reviewer=r, assigned_by=actor_name(actor)
            )
    return proposal


@transaction.atomic
def proposal_review_start(
    *, actor: Any, proposal: Proposal, reviewers: Sequence[User] = ()
) -> Proposal:
    _check(proposal, "review")
    require_staff_on(actor, proposal.unit, CHANGE)
    if reviewers:
        proposal_assign_reviewers(actor=actor, proposal=proposal, reviewers=reviewers)
    proposal.status = S.IN_REVIEW
    proposal.review_started_at = timezone.now()
    proposal.save()
    return proposal


@transaction.atomic
def proposal_note_add(*, actor: Any, proposal: Proposal, text: str) -> ProposalNote:
    """A private review note (staff only)."""
    require_staff_on(actor, proposal.unit, CHANGE)
    if proposal.status in (S.DRAFT, S.WITHDRAWN):
        raise ValidationError({"status": _("草稿或已撤回的提案不能填写审核意见")})
    text = require_text(text, "text", _("审核意见不能为空"))
    return ProposalNote.objects.create(proposal=proposal, author=actor_name(actor), text=text)


@transaction.atomic
def proposal_select(*, actor: Any, proposal: Proposal) -> Proposal:
    _check(proposal, "select")
    require_staff_on(actor, proposal.unit, CHANGE)
    proposal.status = S.SELECTED
    proposal.selected_at = timezone.now()
    proposal.save()
    return proposal


@transaction.atomic
def proposal_merge(*, actor: Any, proposal: Proposal, into: Proposal) -> Proposal:
    """并案: the duplicate closes as merged; its authors are credited on the kept proposal."""
    _check(proposal, "merge")
    require_staff_on(actor, proposal.unit, CHANGE)
    require_staff_on(actor, into.unit, CHANGE)
    if into.pk == proposal.pk:
        raise ValidationError({"into": _("不能与自身并案")})
    if into.year != proposal.year:
        raise ValidationError({"into": _("只能与同一年度的提案并案")})
    if into.status not in (S.IN_REVIEW, S.SELECTED):
        raise ValidationError(
            {
                "into": _("并入的提案须处于“审核中”或“已采用”状态（当前为“%(s)s”）")
                % {"s": into.get_status_display()}
            }
        )
    kept = {(a.member_id, a.author_unit_id) for a in into.authors.all()}
    last = into.authors.count()
    extra = []
    for author in proposal.authors.all():
        if (author.member_id, author.author_unit_id) not in kept:
            last += 1
            extra.append(
                ProposalAuthor(
                    proposal=into,
                    member_id=author.member_id,
                    author_unit_id=author.author_unit_id,
                    order=last,
                )
            )
    for row in extra:
        row.save()
    proposal.status = S.MERGED
    proposal.merged_into = into
    proposal.save()
    return proposal


@transaction.atomic
def proposal_return(*, actor: Any, proposal: Proposal, reason: str) -> Proposal:
    """Back to the authors with the reasons; they may revise and submit again."""
    _check(proposal, "return")
    require_staff_on(actor, proposal.unit, CHANGE)
    proposal.return_reason = require_text(reason, "reason", _("退回须填写理由"))
    proposal.status = S.RETURNED
    proposal.returned_at = timezone.now()
    proposal.save()
    return proposal


@transaction.atomic
def proposal_forward(
    *,
    actor: Any,
    proposal: Proposal,
    target: str,
    organization: str,
    forwarded_on: datetime.date | None = None,
) -> Proposal:
    _check(proposal, "forward")
    require_staff_on(actor, proposal.unit, CHANGE)
    if target not in ForwardTarget.values:
        raise ValidationError(
            {
                "target": _("报送对象须为：%(v)s")
                % {"v": "、".join(str(c[1]) for c in ForwardTarget.choices)}
            }
        )
    proposal.forward_target = target
    proposal.forward_organization = require_text(
        organization, "organization", _("请填写报送单位（如某市政协、某市人大常委会、某局）")
    )
    proposal.forwarded_on = forwarded_on or timezone.localdate()
    proposal.status = S.FORWARDED
    proposal.save()
    return proposal


@transaction.atomic
def proposal_record_outcome(
    *,
    actor: Any,
    proposal: Proposal,
    filed_as_case: bool | None = None,
    adopted: bool = False,
    adoption_level: Level | None = None,
    handling_unit: str = "",
    reply: str = "",
    replied_on: datetime.date | None = None,
    satisfaction: str = "",
) -> Proposal:
    """立案 or not, adoption and its level, the handling unit's reply, the proposer's satisfaction."""
    _check(proposal, "outcome")
    require_staff_on(actor, proposal.unit, CHANGE)
    errors: dict[str, str] = {}
    if adopted and adoption_level is None:
        errors["adoption_level"] = _("被采纳的提案须填写采纳级别")
    if not adopted and adoption_level is not None:
        errors["adoption_level"] = _("未被采纳的提案不应填写采纳级别")
    if satisfaction and satisfaction not in Satisfaction.values:
        errors["satisfaction"] = _("满意度须为：满意、基本满意或不满意")
    if satisfaction and not (reply or proposal.reply):
        errors["satisfaction"] = _("收到办理答复后才能登记满意度")
    if replied_on and proposal.forwarded_on and replied_on < proposal.forwarded_on:
        errors["replied_on"] = _("答复日期不能早于报送日期")
    if errors:
        raise ValidationError(errors)
    proposal.filed_as_case = filed_as_case
    proposal.adopted = adopted
    proposal.adoption_level = adoption_level
    proposal.handling_unit = handling_unit.strip() or proposal.handling_unit
    proposal.reply = reply.strip() or proposal.reply
    proposal.replied_on = replied_on or proposal.replied_on
    proposal.satisfaction = satisfaction or proposal.satisfaction
    proposal.status = S.CONCLUDED
    proposal.concluded_at = proposal.concluded_at or timezone.now()
    proposal.save()
    return proposal


@transaction.atomic
def proposal_instruction_add(
    *,
    actor: Any,
    proposal: Proposal,
    leader: str,
    level: Level,
    text: str,
    instructed_on: datetime.date,
) -> LeaderInstruction:
    """领导批示 with the leader's level and the text."""
    _check(proposal, "instruction")
    require_staff_on(actor, proposal.unit, CHANGE)
    instruction = LeaderInstruction.objects.create(
        proposal=proposal,
        leader=require_text(leader, "leader", _("请填写批示领导")),
        level=level,
        text=require_text(text, "text", _("请填写批示内容")),
        instructed_on=instructed_on,
    )
    proposal.instruction_count = proposal.instructions.count()
    proposal.save()
    return instruction


@transaction.atomic
def proposal_archive(*, actor: Any, proposal: Proposal) -> Proposal:
    _check(proposal, "archive")
    require_staff_on(actor, proposal.unit, CHANGE)
    proposal.status = S.ARCHIVED
    proposal.archived_at = timezone.now()
    proposal.save()
    return proposal


def _level(value: Any, field: str) -> Level | None:
    if value in (None, ""):
        return None
    if isinstance(value, Level):
        return value
    level = Level.objects.filter(code=value).first() or (
        Level.objects.filter(pk=value).first() if str(value).isdigit() else None
    )
    if level is None:
        raise ValidationError({field: _("未知级别：%(v)s") % {"v": value}})
    return level


def _date(value: Any, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError({field: _("日期格式应为YYYY-MM-DD")}) from exc


@transaction.atomic
def proposal_transition(
    *, actor: Any, proposal: Proposal, action: str, params: dict[str, Any] | None = None
) -> Proposal:
    """One entry for the API and the console: the action name plus its parameters."""
    p = params or {}
    if action == "submit":
        return proposal_submit(actor=actor, proposal=proposal)
    if action == "receive":
        return proposal_receive(actor=actor, proposal=proposal)
    if action == "withdraw":
        return proposal_withdraw(actor=actor, proposal=proposal)
    if action in ("review", "assign"):
        ids = p.get("reviewers") or []
        reviewers = list(User.objects.filter(pk__in=ids)) if ids else []
        if len(reviewers) != len(set(ids)):
            raise ValidationError({"reviewers": _("审核人账号不存在")})
        if action == "review":
            return proposal_review_start(actor=actor, proposal=proposal, reviewers=reviewers)
        return proposal_assign_reviewers(actor=actor, proposal=proposal, reviewers=reviewers)
    if action == "select":
        return proposal_select(actor=actor, proposal=proposal)
    if action == "merge":
        into = p.get("into")
        target = into if isinstance(into, Proposal) else None
        if target is None and into:
            target = (
                Proposal.objects.visible_to(actor).filter(pk=into).first()  # type: ignore[attr-defined]
                if str(into).isdigit()
                else Proposal.objects.visible_to(actor).filter(reference_code=into).first()  # type: ignore[attr-defined]
            )
        if target is None:
            raise ValidationError({"into": _("请填写要并入的提案（编号或收件编号）")})
        return proposal_merge(actor=actor, proposal=proposal, into=target)
    if action == "return":
        return proposal_return(actor=actor, proposal=proposal, reason=p.get("reason", ""))
    if action == "forward":
        return proposal_forward(
            actor=actor,
            proposal=proposal,
            target=p.get("target", ""),
            organization=p.get("organization", ""),
            forwarded_on=_date(p.get("date"), "date"),
        )
    if action == "outcome":
        return proposal_record_outcome(
            actor=actor,
            proposal=proposal,
            filed_as_case=p.get("filed_as_case"),
            adopted=bool(p.get("adopted")),
            adoption_level=_level(p.get("level"), "level"),
            handling_unit=p.get("handling_unit", "") or "",
            reply=p.get("reply", "") or "",
            replied_on=_date(p.get("replied_on"), "replied_on"),
            satisfaction=p.get("satisfaction", "") or "",
        )
    if action == "instruction":
        level = _level(p.get("level"), "level")
        if level is None:
            raise ValidationError({"level": _("请填写批示领导的级别")})
        instructed_on = _date(p.get("date"), "date") or timezone.localdate()
        proposal_instruction_add(
            actor=actor,
            proposal=proposal,
            leader=p.get("leader", ""),
            level=level,
            text=p.get("text", ""),
            instructed_on=instructed_on,
        )
        return proposal
    if action == "archive":
        return proposal_archive(actor=actor, proposal=proposal)
    if action == "note":
        proposal_note_add(actor=actor, proposal=proposal, text=p.get("text", ""))
        return proposal
    raise ValidationError({"action": _("未知操作：%(a)s") % {"a": action}})
