"""理论研究 writes: topics with lead and members, approval, conclusion, outputs and awards."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from grassroots.core.context import actor_name
from grassroots.members.models import Member
from grassroots.platforms.models import (
    Level,
    ResearchAward,
    ResearchMember,
    ResearchOutput,
    ResearchStatus,
    ResearchTopic,
)
from grassroots.platforms.services.common import (
    Credit,
    check_transition,
    require_perm,
    require_staff_on,
    require_text,
    validate_credits,
)

S = ResearchStatus
CHANGE = "platforms.change_researchtopic"
LABELS: dict[str, Any] = dict(S.choices)
ALLOWED: dict[str, tuple[str, ...]] = {
    "approve": (S.PROPOSED,),
    "conclude": (S.APPROVED,),
    "cancel": (S.PROPOSED, S.APPROVED),
    "output": (S.APPROVED, S.CONCLUDED),
    "award": (S.APPROVED, S.CONCLUDED),
}
ACTION_LABELS = {
    "approve": _lazy("立项"),
    "conclude": _lazy("结题"),
    "cancel": _lazy("撤项"),
    "output": _lazy("登记成果"),
    "award": _lazy("登记获奖"),
}


def _check(topic: ResearchTopic, action: str) -> None:
    check_transition(
        label=_("课题"),
        status=topic.status,
        allowed=ALLOWED[action],
        action=str(ACTION_LABELS[action]),
        labels=LABELS,
    )


def _year(year: int) -> int:
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("年度须在2000到2100之间")})
    return int(year)


@transaction.atomic
def research_topic_create(
    *,
    actor: Any,
    title: str,
    year: int,
    lead: Member,
    members: Sequence[Member] = (),
    source: str = "",
    summary: str = "",
) -> ResearchTopic:
    """Owned by the lead's unit; group members from other units are credited only."""
    title = require_text(title, "title", _("课题名称不能为空"))
    credits = [Credit(member=lead), *[Credit(member=m) for m in members if m.pk != lead.pk]]
    unit = validate_credits(actor=actor, credits=credits, field="members")
    require_perm(actor, "platforms.add_researchtopic")
    topic = ResearchTopic.objects.create(
        unit=unit,
        year=_year(year),
        title=title,
        lead=lead,
        source=(source or "").strip(),
        summary=(summary or "").strip(),
        created_by=actor_name(actor),
    )
    members_in_order = [lead, *[m for m in members if m.pk != lead.pk]]
    for i, member in enumerate(members_in_order, 1):  # one save each: credits are audited
        ResearchMember.objects.create(topic=topic, member=member, order=i, is_lead=i == 1)
    return topic


@transaction.atomic
def research_topic_approve(
    *, actor: Any, topic: ResearchTopic, approved_on: datetime.date | None = None
) -> ResearchTopic:
    _check(topic, "approve")
    require_staff_on(actor, topic.unit, CHANGE)
    topic.status = S.APPROVED
    topic.approved_on = approved_on or timezone.localdate()
    topic.save()
    return topic


@transaction.atomic
def research_topic_conclude(
    *, actor: Any, topic: ResearchTopic, concluded_on: datetime.date | None = None
) -> ResearchTopic:
    _check(topic, "conclude")
    require_staff_on(actor, topic.unit, CHANGE)
    day = concluded_on or timezone.localdate()
    if topic.approved_on and day < topic.approved_on:
        raise ValidationError({"concluded_on": _("结题日期不能早于立项日期")})
    topic.status = S.CONCLUDED
    topic.concluded_on = day
    topic.save()
    return topic


@transaction.atomic
def research_topic_cancel(*, actor: Any, topic: ResearchTopic, reason: str) -> ResearchTopic:
    _check(topic, "cancel")
    require_staff_on(actor, topic.unit, CHANGE)
    topic.status_note = require_text(reason, "reason", _("撤项须填写原因"))
    topic.status = S.CANCELLED
    topic.save()
    return topic


@transaction.atomic
def research_output_add(
    *,
    actor: Any,
    topic: ResearchTopic,
    kind: str,
    title: str,
    outlet: str = "",
    published_on: datetime.date | None = None,
) -> ResearchOutput:
    _check(topic, "output")
    require_staff_on(actor, topic.unit, CHANGE)
    if kind not in ResearchOutput.Kind.values:
        raise ValidationError({"kind": _("成果类型须为：论文、调研报告、专著或其他")})
    return ResearchOutput.objects.create(
        topic=topic,
        kind=kind,
        title=require_text(title, "title", _("成果名称不能为空")),
        outlet=(outlet or "").strip(),
        published_on=published_on,
    )


@transaction.atomic
def research_award_add(
    *,
    actor: Any,
    topic: ResearchTopic,
    name: str,
    level: Level,
    awarded_on: datetime.date,
    grade: str = "",
) -> ResearchAward:
    _check(topic, "award")
    require_staff_on(actor, topic.unit, CHANGE)
    return ResearchAward.objects.create(
        topic=topic,
        name=require_text(name, "name", _("奖项名称不能为空")),
        level=level,
        grade=(grade or "").strip(),
        awarded_on=awarded_on,
    )


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
def research_transition(
    *, actor: Any, topic: ResearchTopic, action: str, params: dict[str, Any] | None = None
) -> ResearchTopic:
    p = params or {}
    if action == "approve":
        return research_topic_approve(
            actor=actor, topic=topic, approved_on=_date(p.get("date"), "date")
        )
    if action == "conclude":
        return research_topic_conclude(
            actor=actor, topic=topic, concluded_on=_date(p.get("date"), "date")
        )
    if action == "cancel":
        return research_topic_cancel(actor=actor, topic=topic, reason=p.get("reason", ""))
    if action == "output":
        research_output_add(
            actor=actor,
            topic=topic,
            kind=p.get("kind", ""),
            title=p.get("title", ""),
            outlet=p.get("outlet", ""),
            published_on=_date(p.get("date"), "date"),
        )
        return topic
    if action == "award":
        level = Level.objects.filter(code=p.get("level") or "").first()
        if level is None:
            raise ValidationError({"level": _("请选择获奖级别")})
        research_award_add(
            actor=actor,
            topic=topic,
            name=p.get("name", ""),
            level=level,
            grade=p.get("grade", ""),
            awarded_on=_date(p.get("date"), "date") or timezone.localdate(),
        )
        return topic
    raise ValidationError({"action": _("未知操作：%(a)s") % {"a": action}})
