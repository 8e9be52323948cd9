"""The evaluation API: ranking inside scope, score sheets, entering scores (outsiders get 404)."""

from decimal import Decimal

from grassroots.evaluation import services
from grassroots.evaluation.models import Evaluation
from grassroots.evaluation.tests.conftest import YEAR, five_izations_scheme


def test_ranking_sheet_and_scoring_over_the_api(client, records):
    province, (m1, _m2, _m3), _s = records
    scheme = five_izations_scheme(province)
    services.scheme_open(scheme=scheme)
    services.scheme_recompute(scheme=scheme)
    client.force_login(province.users["city_a"])
    ranking = client.get(f"/api/v1/evaluation/schemes/{scheme.pk}/ranking").json()
    assert ranking["count"] == 2 and ranking["items"][0]["total"] == "51.67"
    evaluation = Evaluation.objects.get(scheme=scheme, unit=province.branch_a1)
    sheet = client.get(f"/api/v1/evaluation/evaluations/{evaluation.pk}").json()
    assert [i["code"] for i in sheet["indicators"]] == ["1", "1.1", "1.2", "1.3", "1.4", "2"]
    entered = scheme.indicators.get(code="2")
    done = client.post(
        f"/api/v1/evaluation/evaluations/{evaluation.pk}/scores",
        {"indicator_id": entered.pk, "score": "20", "evidence": "材料"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["total"] == "71.67"
    client.force_login(province.users["city_b"])
    refused = client.post(
        f"/api/v1/evaluation/evaluations/{evaluation.pk}/scores",
        {"indicator_id": entered.pk, "score": "40", "evidence": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert Evaluation.objects.get(pk=evaluation.pk).total == Decimal("71.67")
    client.force_login(province.users["city_a"])
    archive = client.get(f"/api/v1/evaluation/members/{m1.pk}/archive?year={YEAR}").json()
    assert {"label": "出席活动次数", "value": "3", "unit": "次"} in archive["figures"]
