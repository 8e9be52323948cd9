"""Scope of the evaluation console pages and API: city-A staff never see or touch city B.

Each test is named in ``grassroots/evaluation/scope_coverage.py`` for the URLs it exercises.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from grassroots.evaluation import services
from grassroots.evaluation.models import Evaluation, Scheme, Score
from grassroots.evaluation.tests.conftest import YEAR, five_izations_scheme
from grassroots.members.tests.factories import create_member

API = "/api/v1/evaluation"
MISSING = 987654321


def _local_scheme(unit, name: str) -> Scheme:
    scheme = services.scheme_create(unit=unit, name=name, year=YEAR)
    services.indicator_add(
        scheme=scheme, code="1", name="特色工作", weight=Decimal(100), method="entered"
    )
    services.scheme_open(scheme=scheme)
    return scheme


@pytest.fixture
def schemes(records):
    """A province-wide scheme (branches of both cities) and one scheme per city."""
    province = records[0]
    wide = five_izations_scheme(province)
    services.scheme_open(scheme=wide)
    services.scheme_recompute(scheme=wide)
    return (
        province,
        wide,
        _local_scheme(province.city_a, "长沙市支部考核"),
        _local_scheme(province.city_b, "株洲市支部考核"),
    )


@pytest.fixture
def city_a(client, schemes):
    client.force_login(schemes[0].users["city_a"])
    return client


def test_api_scheme_list_and_detail_are_scoped(city_a, schemes):
    _province, wide, mine, theirs = schemes
    ids = {item["id"] for item in city_a.get(f"{API}/schemes").json()["items"]}
    assert {wide.pk, mine.pk} <= ids and theirs.pk not in ids
    assert city_a.get(f"{API}/schemes/{mine.pk}").status_code == 200
    for scheme_id in (theirs.pk, MISSING):
        assert city_a.get(f"{API}/schemes/{scheme_id}").status_code == 404


def test_api_ranking_lists_evaluations_in_scope_only(city_a, schemes):
    province, wide, _mine, theirs = schemes
    assert Evaluation.objects.filter(scheme=wide, unit=province.branch_b1).exists()
    units = {
        item["unit"] for item in city_a.get(f"{API}/schemes/{wide.pk}/ranking").json()["items"]
    }
    assert units == {province.branch_a1.code, province.branch_a2.code}
    for scheme_id in (theirs.pk, MISSING):
        assert city_a.get(f"{API}/schemes/{scheme_id}/ranking").status_code == 404


def test_api_recompute_of_a_sibling_scheme_answers_404(city_a, schemes):
    _province, _wide, mine, theirs = schemes
    for scheme_id in (theirs.pk, MISSING):
        assert city_a.post(f"{API}/schemes/{scheme_id}/recompute").status_code == 404
    theirs.refresh_from_db()
    assert theirs.recompute_state == Scheme.RecomputeState.IDLE
    queued = city_a.post(f"{API}/schemes/{mine.pk}/recompute")
    assert queued.status_code == 202 and queued.json()["recompute_state"] == "queued"


def test_api_score_sheet_and_scoring_are_scoped(city_a, schemes):
    province, wide, _mine, theirs = schemes
    entered = wide.indicators.get(code="2")
    mine = Evaluation.objects.get(scheme=wide, unit=province.branch_a1)
    other = Evaluation.objects.get(scheme=wide, unit=province.branch_b1)
    assert city_a.get(f"{API}/evaluations/{mine.pk}").status_code == 200
    for evaluation_id in (other.pk, MISSING):
        assert city_a.get(f"{API}/evaluations/{evaluation_id}").status_code == 404
        refused = city_a.post(
            f"{API}/evaluations/{evaluation_id}/scores",
            {"indicator_id": entered.pk, "score": "30", "evidence": "越权"},
            content_type="application/json",
        )
        assert refused.status_code == 404
    assert not Score.objects.filter(evaluation=other, indicator=entered).exists()
    # An indicator of a sibling city's scheme cannot be scored on an evaluation in scope.
    foreign = theirs.indicators.get()
    refused = city_a.post(
        f"{API}/evaluations/{mine.pk}/scores",
        {"indicator_id": foreign.pk, "score": "30"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert not Score.objects.filter(indicator=foreign).exists()


def test_api_member_archive_of_a_sibling_member_answers_404(city_a, schemes):
    province = schemes[0]
    mine, theirs = create_member(province.branch_a1), create_member(province.branch_b1)
    ok = city_a.get(f"{API}/members/{mine.pk}/archive?year={YEAR}")
    assert ok.status_code == 200 and ok.json()["member_id"] == mine.pk
    for member_id in (theirs.pk, MISSING):
        assert city_a.get(f"{API}/members/{member_id}/archive?year={YEAR}").status_code == 404


def test_console_drill_down_of_a_sibling_evaluation_answers_404(city_a, schemes):
    province, wide, _mine, theirs = schemes
    study = wide.indicators.get(code="1.1")
    mine = Evaluation.objects.get(scheme=wide, unit=province.branch_a1)
    other = Evaluation.objects.get(scheme=wide, unit=province.branch_b1)
    url = "admin:evaluation_evaluation_drill"
    assert city_a.get(reverse(url, args=[mine.pk, study.pk])).status_code == 200
    for evaluation_id in (other.pk, MISSING):
        assert city_a.get(reverse(url, args=[evaluation_id, study.pk])).status_code == 404
    foreign = theirs.indicators.get()
    assert city_a.get(reverse(url, args=[mine.pk, foreign.pk])).status_code == 404


def test_console_score_entry_on_a_sibling_evaluation_answers_404(city_a, schemes):
    province, wide, _mine, theirs = schemes
    entered = wide.indicators.get(code="2")
    mine = Evaluation.objects.get(scheme=wide, unit=province.branch_a1)
    other = Evaluation.objects.get(scheme=wide, unit=province.branch_b1)
    url = "admin:evaluation_evaluation_enter"
    data = {"score": "30", "evidence": "越权", "review": "1"}
    for evaluation_id in (other.pk, MISSING):
        assert city_a.post(reverse(url, args=[evaluation_id, entered.pk]), data).status_code == 404
    assert not Score.objects.filter(evaluation=other, indicator=entered).exists()
    foreign = theirs.indicators.get()
    assert city_a.post(reverse(url, args=[mine.pk, foreign.pk]), data).status_code == 404
    assert not Score.objects.filter(indicator=foreign).exists()


def test_console_evaluation_steps_on_a_sibling_evaluation_answer_404(city_a, schemes):
    province, wide, _mine, _theirs = schemes
    other = Evaluation.objects.get(scheme=wide, unit=province.branch_b1)
    for step in ("submit", "review", "return"):
        for evaluation_id in (other.pk, MISSING):
            url = reverse("admin:evaluation_evaluation_step", args=[evaluation_id, step])
            assert city_a.post(url, {"comment": "越权"}).status_code == 404
    other.refresh_from_db()
    assert other.step == Evaluation.Step.SELF and other.self_comment == ""


def test_console_scheme_steps_on_a_sibling_scheme_answer_404(city_a, schemes):
    _province, _wide, mine, theirs = schemes
    before = Scheme.objects.count()
    for step in ("open", "recompute", "publish", "copy"):
        for scheme_id in (theirs.pk, MISSING):
            url = reverse("admin:evaluation_scheme_step", args=[scheme_id, step])
            assert city_a.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Scheme.Status.SELF
    assert theirs.recompute_state == Scheme.RecomputeState.IDLE
    assert Scheme.objects.count() == before
    # The same step on the caller's own scheme goes through (the 404 above is scope, not method).
    done = city_a.post(reverse("admin:evaluation_scheme_step", args=[mine.pk, "copy"]))
    assert done.status_code == 302 and Scheme.objects.count() == before + 1
