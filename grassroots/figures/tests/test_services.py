"""The pool, assessments, and a recommendation round from proposal to arrangement."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grassroots.core.models import Notification
from grassroots.figures import selectors, services
from grassroots.figures.models import Nomination
from grassroots.figures.tests.factories import make_figure, open_round
from grassroots.members.models import ArrangementKind, ArrangementLevel, PoliticalArrangement
from grassroots.members.tests.factories import create_member


def test_pool_entry_and_assessment_rules(province):
    city = province.users["city_a"]
    figure = make_figure(province.branch_a1, city)
    with pytest.raises(ValidationError, match="已在代表人士库中"):
        services.figure_add(member=figure.member, category="representative", actor=city)
    services.figure_add(member=figure.member, category="reserve", actor=city)  # both pools
    with pytest.raises(PermissionDenied):
        services.figure_add(
            member=create_member(province.branch_b1), category="reserve", actor=city
        )
    with pytest.raises(ValidationError) as err:
        services.assessment_add(
            figure=figure,
            date=timezone.localdate() + datetime.timedelta(days=1),
            assessor="",
            rating="great",
            text=" ",
            actor=city,
        )
    assert set(err.value.message_dict) == {"date", "assessor", "rating", "text"}
    assert not figure.assessments.exists()
    services.assessment_add(
        figure=figure,
        date=datetime.date(2026, 1, 5),
        assessor="组织处 张三",
        rating="excellent",
        text="履职积极，建言质量高",
        actor=city,
    )
    assert figure.assessments.get().recorded_by == "city_a"


def test_round_moves_up_one_level_at_a_time_and_records_the_arrangement(province):
    prov, city, branch = (
        province.users["province"],
        province.users["city_a"],
        province.users["branch_a1"],
    )
    rnd = open_round(province.province, prov)
    member = create_member(province.branch_a1)
    with pytest.raises(PermissionDenied):  # a member of a sibling city
        services.nomination_propose(round=rnd, member=create_member(province.branch_b1), actor=city)
    nomination = services.nomination_propose(
        round=rnd, member=member, actor=city, reason="学科带头人"
    )
    assert nomination.at_unit == province.province and nomination.proposed_by == province.city_a
    with pytest.raises(ValidationError, match="已被推荐"):
        services.nomination_propose(round=rnd, member=member, actor=prov)
    with pytest.raises(PermissionDenied, match="湖南省委会"):
        services.nomination_review(nomination=nomination, recommend=True, actor=city)
    with pytest.raises(ValidationError, match="只有已向上推荐"):
        services.nomination_outcome(nomination=nomination, arranged=True, actor=prov)
    nomination = services.nomination_review(nomination=nomination, recommend=True, actor=prov)
    assert nomination.status == Nomination.Status.RECOMMENDED
    with pytest.raises(ValidationError, match="未办结"):
        services.round_close(round=rnd, actor=prov)
    nomination = services.nomination_outcome(
        nomination=nomination,
        arranged=True,
        post="委员",
        date=datetime.date(2026, 1, 20),
        actor=prov,
    )
    arrangement = PoliticalArrangement.objects.get(member=member)
    assert nomination.arrangement == arrangement
    assert (arrangement.body, arrangement.level.code, arrangement.kind.code) == (
        "省政协第13届",
        "provincial",
        "cppcc-member",
    )
    assert [t["action"] for t in nomination.trail] == ["propose", "recommend", "arranged"]
    services.round_close(round=rnd, actor=prov)
    with pytest.raises(ValidationError, match="已结束"):
        services.nomination_propose(
            round=rnd, member=create_member(province.branch_a1), actor=branch
        )


def test_a_branch_proposal_waits_for_the_city_then_the_province(province):
    prov, city, branch = (
        province.users["province"],
        province.users["city_a"],
        province.users["branch_a1"],
    )
    rnd = open_round(province.province, prov)
    nomination = services.nomination_propose(
        round=rnd, member=create_member(province.branch_a1), actor=branch
    )
    assert nomination.at_unit == province.city_a
    assert Notification.objects.filter(recipient=city, title__contains="待审核").count() == 1
    assert not Notification.objects.filter(recipient=province.users["city_b"]).exists()
    with pytest.raises(ValidationError, match="须填写理由"):
        services.nomination_review(nomination=nomination, recommend=False, actor=city)
    nomination = services.nomination_review(nomination=nomination, recommend=True, actor=city)
    assert nomination.at_unit == province.province and nomination.status == "pending"
    dropped = services.nomination_review(
        nomination=nomination, recommend=False, comment="名额所限", actor=prov
    )
    assert dropped.status == Nomination.Status.DROPPED


def test_a_city_cannot_open_a_round_for_the_province(province):
    with pytest.raises(PermissionDenied):
        open_round(province.province, province.users["city_a"])
    with pytest.raises(PermissionDenied, match="只能查看"):
        open_round(province.province, province.users["leader"])
    rnd = open_round(province.city_a, province.users["city_a"], body="市政协", term=9)
    with pytest.raises(ValidationError, match="已发起"):
        open_round(province.city_a, province.users["city_a"], body="市政协", term=9)
    assert rnd.label == "市政协第9届"


def _arrange(member, level, kind, body, start, end=None):
    return PoliticalArrangement.objects.create(
        member=member,
        kind=ArrangementKind.objects.get(code=kind),
        level=ArrangementLevel.objects.get(code=level),
        body=body,
        start_date=start,
        end_date=end,
    )


def test_statistics_per_level_terms_and_makeup_are_scoped(province):
    day = datetime.date(2026, 6, 1)
    young = create_member(province.branch_a1, birth_date=datetime.date(1990, 1, 1))
    older = create_member(province.branch_a2, birth_date=datetime.date(1960, 6, 2))
    far = create_member(province.branch_b1, birth_date=datetime.date(1980, 1, 1))
    _arrange(young, "provincial", "cppcc-member", "省政协第十三届", datetime.date(2023, 1, 1))
    _arrange(
        young,
        "provincial",
        "cppcc-member",
        "省政协第十二届",
        datetime.date(2018, 1, 1),
        datetime.date(2022, 12, 31),
    )
    _arrange(
        older,
        "provincial",
        "cppcc-member",
        "省政协第十二届",
        datetime.date(2018, 1, 1),
        datetime.date(2022, 12, 31),
    )
    _arrange(older, "city", "npc-deputy", "市人大第十六届", datetime.date(2022, 1, 1))
    _arrange(far, "provincial", "cppcc-member", "省政协第十三届", datetime.date(2023, 1, 1))

    city = province.users["city_a"]
    by_level = selectors.arrangements_by_level(city, day=day)
    assert [(r["level"], r["kind"], r["people"]) for r in by_level] == [
        ("省级", "政协委员", 1),
        ("市级", "人大代表", 1),
    ]
    terms = {(r["body"]): r["people"] for r in selectors.arrangements_over_terms(city)}
    assert terms == {"省政协第十二届": 2, "省政协第十三届": 1, "市人大第十六届": 1}
    makeup = {m.level: m for m in selectors.level_makeup(city, day=day)}
    assert makeup["省级"].ages == {"u40": 1} and makeup["市级"].ages == {"60": 1}
    assert makeup["省级"].total == 1
    everyone = selectors.arrangements_by_level(province.users["province"], day=day)
    assert everyone[0]["people"] == 2
    narrowed = selectors.arrangements_by_level(
        province.users["province"], day=day, unit_path=province.city_b.path
    )
    assert [(r["level"], r["people"]) for r in narrowed] == [("省级", 1)]


def test_arrangements_count_members_on_the_roll_on_the_day_asked(province):
    """As every as-of figure: a member who resigned later still counts on an earlier day."""
    from grassroots.members.models import MemberStatus
    from grassroots.members.services import member_set_status

    leaver = create_member(province.branch_a1, join_date=datetime.date(2010, 1, 1))
    _arrange(leaver, "provincial", "cppcc-member", "省政协第十三届", datetime.date(2023, 1, 1))
    member_set_status(
        member=leaver, status=MemberStatus.RESIGNED, date=datetime.date(2026, 3, 1), reason="退会"
    )
    city = province.users["city_a"]
    before = selectors.arrangements_by_level(city, day=datetime.date(2025, 12, 31))
    after = selectors.arrangements_by_level(city, day=datetime.date(2026, 6, 1))
    assert [(r["level"], r["people"]) for r in before] == [("省级", 1)]
    assert after == []
    assert (
        selectors.arrangements_by_level(province.users["city_b"], day=datetime.date(2025, 12, 31))
        == []
    )
