"""The platforms' indicator source (evaluation.sources.platforms) against hand counts.

It lives with the platforms' tests because it reads only this app's tables; evaluation's own
tests cover the registry and the scoring that calls it.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from grassroots.evaluation import sources
from grassroots.evaluation.sources import MetricContext
from grassroots.platforms.services import information as info
from grassroots.platforms.services import proposals as psvc
from grassroots.platforms.services import research, service
from grassroots.platforms.tests.factories import (
    advance,
    level,
    make_piece,
    make_project,
    make_proposal,
    make_topic,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def ctx(subject, ids, **params):
    return MetricContext(
        subject=subject,
        subject_ids=ids,
        start=datetime.date(TODAY.year, 1, 1),
        end=datetime.date(TODAY.year, 12, 31),
        params=params,
    )


def value(name, context):
    metric = sources.get(name)
    assert metric is not None, name
    return metric.compute(context)


def test_unit_and_member_metrics_equal_hand_counts(province, people):
    staff = province.users["province"]
    rv = {"reviewers": [staff.pk]}
    fwd = {"target": "congress", "organization": "省人大"}
    p = advance(
        staff,
        make_proposal(staff, people["a1"], people["b1"]),
        "submit",
        "receive",
        "review",
        "select",
        "forward",
        review=rv,
        forward=fwd,
    )
    psvc.proposal_record_outcome(
        actor=staff, proposal=p, adopted=True, adoption_level=level("provincial")
    )
    psvc.proposal_instruction_add(
        actor=staff,
        proposal=p,
        leader="甲",
        level=level("provincial"),
        text="阅",
        instructed_on=TODAY,
    )
    psvc.proposal_instruction_add(
        actor=staff,
        proposal=p,
        leader="乙",
        level=level("provincial"),
        text="阅",
        instructed_on=TODAY,
    )
    advance(staff, make_proposal(staff, people["a1"], title="第二件完全不同"), "submit")
    make_proposal(staff, people["a1"], title="草稿")
    piece = info.information_edit(actor=staff, piece=make_piece(staff, people["a1"], people["a1b"]))
    info.information_adopt(
        actor=staff, piece=piece, outlet="刊", level=level("national"), adopted_on=TODAY
    )
    info.information_quota_set(
        actor=staff, unit=province.branch_a1, year=TODAY.year, target_adopted=4
    )
    topic = research.research_topic_approve(
        actor=staff, topic=make_topic(staff, people["a1"], people["b1"])
    )
    research.research_award_add(
        actor=staff, topic=topic, name="奖", level=level("city"), awarded_on=TODAY
    )
    project = make_project(staff, province.branch_a1, figures={"beneficiaries": 9})
    service.service_volunteer_set(actor=staff, project=project, member=people["b1"], hours=5)

    units = [province.branch_a1.pk, province.branch_b1.pk]
    a1 = province.branch_a1.pk
    assert value("platforms.proposals_submitted", ctx("unit", units)) == {a1: 2}
    assert value("platforms.proposals_adopted", ctx("unit", units)) == {a1: 1}
    assert value("platforms.proposals_instructed", ctx("unit", units)) == {a1: 1}
    assert value("platforms.proposals_submitted", ctx("unit", units, kind="suggestion")) == {}
    assert value("platforms.proposals_per_member", ctx("unit", units))[a1] == Decimal("1.0000")
    assert value("platforms.information_points", ctx("unit", units)) == {a1: Decimal("10")}
    assert value("platforms.information_quota_rate", ctx("unit", units)) == {a1: Decimal("0.2500")}
    assert value("platforms.research_topics", ctx("unit", units)) == {a1: 1}
    assert value("platforms.research_awards", ctx("unit", units, level="national")) == {}
    assert value("platforms.service_hours", ctx("unit", units)) == {a1: Decimal("5")}
    assert value("platforms.service_beneficiaries", ctx("unit", units)) == {a1: 9}

    members = [people["a1"].pk, people["a1b"].pk, people["b1"].pk]
    assert value("platforms.member_proposals", ctx("member", members)) == {
        people["a1"].pk: 2,
        people["b1"].pk: 1,
    }
    assert value("platforms.member_information_points", ctx("member", members)) == {
        people["a1"].pk: Decimal("10")
    }
    assert value("platforms.member_information_adopted", ctx("member", members)) == {
        people["a1"].pk: 1,
        people["a1b"].pk: 1,
    }
    assert value("platforms.member_research_topics", ctx("member", members)) == {
        people["a1"].pk: 1,
        people["b1"].pk: 1,
    }
    assert value("platforms.member_service_hours", ctx("member", members)) == {
        people["b1"].pk: Decimal("5")
    }
    drill = sources.get("platforms.member_proposals").records(
        ctx("member", members), people["b1"].pk
    )
    assert len(drill) == 3 and drill[0].startswith("个人提案：")
