"""Platform records built through the services, so that every rule and the audit apply."""

from __future__ import annotations

import datetime

from grassroots.platforms.models import Level, ProposalKind, ServiceKind
from grassroots.platforms.services import information, proposals, research, service
from grassroots.platforms.services.common import Credit


def level(code: str) -> Level:
    return Level.objects.get(code=code)


def kind(code: str = "individual") -> ProposalKind:
    return ProposalKind.objects.get(code=code)


def make_proposal(actor, *authors, title="关于加强乡村教师队伍建设的建议", body="", **kw):
    credits = [Credit(member=a) if hasattr(a, "member_number") else Credit(unit=a) for a in authors]
    return proposals.proposal_create(
        actor=actor,
        kind=kw.pop("kind", kind()),
        title=title,
        body=body or title + "。具体建议如下。",
        authors=credits,
        **kw,
    )


def advance(actor, proposal, *actions, **params):
    for action in actions:
        proposal = proposals.proposal_transition(
            actor=actor, proposal=proposal, action=action, params=params.get(action, {})
        )
    return proposal


def make_piece(actor, *authors, title="我省推进全民阅读的几点做法", **kw):
    credits = [Credit(member=a) if hasattr(a, "member_number") else Credit(unit=a) for a in authors]
    return information.information_create(actor=actor, title=title, authors=credits, **kw)


def make_topic(actor, lead, *members, title="新时代民主党派基层组织建设研究", year=None):
    return research.research_topic_create(
        actor=actor,
        title=title,
        year=year or datetime.date.today().year,
        lead=lead,
        members=list(members),
    )


def make_project(actor, *organizers, title="送医下乡义诊", start=None, **kw):
    return service.service_project_create(
        actor=actor,
        kind=kw.pop("kind", ServiceKind.objects.get(code="free-clinic")),
        title=title,
        start_date=start or datetime.date.today(),
        organizers=list(organizers),
        **kw,
    )
