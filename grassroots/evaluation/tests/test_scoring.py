"""Scores computed from the records equal a hand count; weights move the ranking as arithmetic says."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from grassroots.core.scope import get_visible_or_404
from grassroots.evaluation import selectors, services
from grassroots.evaluation.models import Evaluation, Indicator, Scheme, Score
from grassroots.evaluation.tests.conftest import YEAR, five_izations_scheme


def totals(scheme):
    return {e.unit_id: e.total for e in Evaluation.objects.filter(scheme=scheme)}


def test_computed_scores_equal_a_hand_count(records):
    province = records[0]
    scheme = five_izations_scheme(province)
    services.scheme_open(scheme=scheme)
    result = services.scheme_recompute(scheme=scheme)
    assert result.subjects == 4  # the level-4 units: a1, a2, b1 and the direct branch
    # Hand count for branch_a1: 3 of 4 study sessions → 15; attendance 4/6 = 0.6667 of 0.8 →
    # 16.67; funding 10; dedicated venue 10.  branch_a2: 1 of 4 → 5; 1/1 → 20; nothing else.
    scores = {
        (s.evaluation.unit_id, s.indicator.code): (s.value, s.score)
        for s in Score.objects.select_related("evaluation", "indicator")
    }
    a1, a2 = province.branch_a1.pk, province.branch_a2.pk
    assert scores[(a1, "1.1")] == (Decimal(3), Decimal("15.00"))
    assert scores[(a1, "1.2")] == (Decimal("0.6667"), Decimal("16.67"))
    assert scores[(a1, "1.3")] == (Decimal(1), Decimal("10.00"))
    assert scores[(a1, "1.4")] == (Decimal(1), Decimal("10.00"))
    assert scores[(a2, "1.1")] == (Decimal(1), Decimal("5.00"))
    assert scores[(a2, "1.2")] == (Decimal(1), Decimal("20.00"))
    assert scores[(a2, "1.4")] == (Decimal(0), Decimal("0.00"))
    assert totals(scheme)[a1] == Decimal("51.67")
    assert totals(scheme)[a2] == Decimal("25.00")
    assert totals(scheme)[province.branch_b1.pk] == Decimal(0)
    ranks = {e.unit_id: e.rank for e in Evaluation.objects.filter(scheme=scheme)}
    assert ranks[a1] == 1 and ranks[a2] == 2


def test_changing_a_weight_changes_the_ranking_as_arithmetic_says(records):
    province = records[0]
    scheme = services.scheme_create(unit=province.city_a, name="比较", year=YEAR)
    study = services.indicator_add(
        scheme=scheme, code="A", name="学习", weight=Decimal(50), method="computed",
        metric="branches.activity_count", params={"kind": "study"}, target=Decimal(4),
    )  # fmt: skip
    rate = services.indicator_add(
        scheme=scheme, code="B", name="出席率", weight=Decimal(50), method="computed",
        metric="branches.attendance_rate", target=Decimal(1),
    )  # fmt: skip
    services.scheme_recompute(scheme=scheme)
    a1, a2 = province.branch_a1.pk, province.branch_a2.pk
    # a1: 50×3/4 + 50×0.6667 = 37.50 + 33.34 = 70.84; a2: 50×1/4 + 50×1 = 62.50.
    assert totals(scheme) == {a1: Decimal("70.84"), a2: Decimal("62.50")}
    services.indicator_update(indicator=study, data={"weight": Decimal(10)})
    services.indicator_update(indicator=rate, data={"weight": Decimal(90)})
    services.scheme_recompute(scheme=scheme)
    # a1: 10×3/4 + 90×0.6667 = 7.50 + 60.00 = 67.50; a2: 10×1/4 + 90×1 = 92.50.
    assert totals(scheme) == {a1: Decimal("67.50"), a2: Decimal("92.50")}
    ranks = {e.unit_id: e.rank for e in Evaluation.objects.filter(scheme=scheme)}
    assert ranks == {a1: 2, a2: 1}


def test_three_steps_and_grade_bands(records):
    province = records[0]
    scheme = five_izations_scheme(province)
    services.scheme_open(scheme=scheme)
    services.scheme_recompute(scheme=scheme)
    entered = scheme.indicators.get(code="2")
    evaluation = Evaluation.objects.get(scheme=scheme, unit=province.branch_a1)
    officer = province.users["branch_a1"]
    with pytest.raises(ValidationError, match="佐证"):
        services.score_enter(
            evaluation=evaluation, indicator=entered, score=Decimal(30), actor=officer
        )
    with pytest.raises(ValidationError, match="0到40"):
        services.score_enter(
            evaluation=evaluation, indicator=entered, score=Decimal(41), evidence="x", actor=officer
        )
    services.score_enter(
        evaluation=evaluation,
        indicator=entered,
        score=Decimal(30),
        evidence="社区服务",
        actor=officer,
    )
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("81.67") and evaluation.grade == "良好"
    services.evaluation_submit(evaluation=evaluation, actor=officer)
    # The branch cannot review itself; the city above can.
    with pytest.raises(PermissionDenied):
        services.evaluation_review(evaluation=evaluation, actor=officer)
    city = province.users["city_a"]
    services.score_enter(
        evaluation=evaluation, indicator=entered, score=Decimal(39), review=True, actor=city
    )
    services.evaluation_review(evaluation=evaluation, comment="同意", actor=city)
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("90.67") and evaluation.grade == "优秀"
    with pytest.raises(ValidationError, match="未完成上级评审"):
        services.scheme_publish(scheme=scheme, actor=province.users["province"])
    for other in Evaluation.objects.filter(scheme=scheme).exclude(pk=evaluation.pk):
        reviewer = province.users["province"]
        services.score_enter(
            evaluation=other, indicator=entered, score=Decimal(0), evidence="无", actor=reviewer
        )
        services.evaluation_submit(evaluation=other, actor=reviewer)
        services.evaluation_review(evaluation=other, actor=reviewer)
    services.scheme_publish(scheme=scheme, actor=province.users["province"])
    scheme.refresh_from_db()
    assert scheme.status == Scheme.Status.PUBLISHED
    assert set(Evaluation.objects.filter(scheme=scheme).values_list("step", flat=True)) == {
        "published"
    }
    with pytest.raises(ValidationError):
        services.scheme_recompute(scheme=scheme)


def test_an_evaluator_outside_scope_cannot_score(records):
    province = records[0]
    scheme = five_izations_scheme(province)
    services.scheme_open(scheme=scheme)
    services.scheme_recompute(scheme=scheme)
    entered = scheme.indicators.get(code="2")
    evaluation = Evaluation.objects.get(scheme=scheme, unit=province.branch_a1)
    outsider = province.users["city_b"]
    # The console and the API never find it ...
    with pytest.raises(Http404):
        get_visible_or_404(Evaluation.objects, outsider, pk=evaluation.pk)
    # ... and the service refuses it as well, for self-assessment and for review.
    with pytest.raises(PermissionDenied):
        services.score_enter(
            evaluation=evaluation,
            indicator=entered,
            score=Decimal(10),
            evidence="x",
            actor=outsider,
        )
    services.score_enter(
        evaluation=evaluation, indicator=entered, score=Decimal(10), evidence="x",
        actor=province.users["branch_a1"],
    )  # fmt: skip
    services.evaluation_submit(evaluation=evaluation, actor=province.users["branch_a1"])
    with pytest.raises(PermissionDenied):
        services.score_enter(
            evaluation=evaluation, indicator=entered, score=Decimal(40), review=True, actor=outsider
        )
    with pytest.raises(PermissionDenied):
        services.evaluation_review(evaluation=evaluation, actor=province.users["leader"])
    assert Score.objects.get(evaluation=evaluation, indicator=entered).reviewed_score is None


def test_drill_down_lists_the_records_behind_a_score(records):
    province, _members, sessions = records
    scheme = five_izations_scheme(province, with_entered=False)
    services.scheme_recompute(scheme=scheme)
    evaluation = Evaluation.objects.get(scheme=scheme, unit=province.branch_a1)
    study = scheme.indicators.get(code="1.1")
    found = selectors.score_records(
        evaluation=evaluation, indicator=study, user=province.users["city_a"]
    )
    assert found == list(sessions)
    rate = scheme.indicators.get(code="1.2")
    rows = selectors.score_records(
        evaluation=evaluation, indicator=rate, user=province.users["city_a"]
    )
    assert len(rows) == 6 and sum(r.status == "attended" for r in rows) == 4
    sheet = selectors.score_sheet(evaluation=evaluation)
    assert sheet.total == Decimal("51.67")
    assert [(name, round(share, 4)) for name, share in sheet.radar()] == [
        ("五化建设", Decimal("0.8612"))
    ]


def test_ranking_among_peers_and_year_over_year(records):
    province = records[0]
    last = five_izations_scheme(province, with_entered=False)
    services.scheme_recompute(scheme=last)
    this = services.scheme_copy(scheme=last, year=YEAR + 1)
    assert this.indicators.count() == 5 and this.previous == last
    assert this.indicators.get(code="1.1").parent == this.indicators.get(code="1")
    services.scheme_recompute(scheme=this)
    rows = {
        r.evaluation.unit_id: r
        for r in selectors.ranking(scheme=this, user=province.users["city_a"])
    }
    assert set(rows) == {province.branch_a1.pk, province.branch_a2.pk}  # city_a's own only
    a1 = rows[province.branch_a1.pk]
    assert a1.previous_total == Decimal("51.67") and a1.peer_count == 2
    # In the new year only the dedicated venue still scores: a1 10, a2 0.
    assert a1.evaluation.total == Decimal("10.00") and a1.peer_rank == 1
    assert rows[province.branch_a2.pk].peer_rank == 2
    history = selectors.unit_history(unit_id=province.branch_a1.pk, user=province.users["city_a"])
    assert [e.scheme.year for e in history] == [YEAR, YEAR + 1]


def test_scheme_validation_names_the_indicator(records):
    province = records[0]
    scheme = services.scheme_create(unit=province.province, name="x", year=YEAR)
    with pytest.raises(ValidationError) as err:
        services.indicator_add(
            scheme=scheme, code="9", name="错", weight=Decimal(5), method="computed",
            metric="nope.metric", target=Decimal(1),
        )  # fmt: skip
    assert "nope.metric" in str(err.value)
    with pytest.raises(ValidationError, match="还没有指标"):
        services.scheme_open(scheme=scheme)
    group = services.indicator_add(
        scheme=scheme, code="1", name="组", weight=Decimal(5), method="group"
    )
    with pytest.raises(ValidationError, match="分组指标1下没有指标"):
        services.scheme_open(scheme=scheme)
    assert group.method == Indicator.Method.GROUP
