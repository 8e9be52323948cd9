"""Evaluation console: results with progress, score sheet with radar, drill-down, entry, archive."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grassroots.evaluation import services
from grassroots.evaluation.models import Evaluation, Scheme, Score
from grassroots.evaluation.tests.conftest import YEAR, five_izations_scheme


@pytest.fixture
def scheme(records):
    province = records[0]
    scheme = five_izations_scheme(province)
    services.scheme_open(scheme=scheme)
    services.scheme_recompute(scheme=scheme)
    return scheme


def test_results_page_ranks_and_exports_within_scope(client, records, scheme):
    province = records[0]
    client.force_login(province.users["city_a"])
    url = reverse("admin:evaluation_scheme_results", args=[scheme.pk])
    page = client.get(url).content.decode()
    assert "长沙第一支部" in page and "株洲第一支部" not in page
    export = client.get(url + "?export=xlsx")
    assert export.content[:2] == b"PK"


def test_recompute_button_runs_in_the_background(
    client, records, scheme, django_capture_on_commit_callbacks
):
    province = records[0]
    client.force_login(province.users["province"])
    Scheme.objects.filter(pk=scheme.pk).update(recompute_state="idle")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:evaluation_scheme_step", args=[scheme.pk, "recompute"])
        )
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.recompute_state == "done" and scheme.progress_percent == 100


def test_score_sheet_radar_and_drill_down(client, records, scheme):
    province = records[0]
    client.force_login(province.users["city_a"])
    evaluation = Evaluation.objects.get(scheme=scheme, unit=province.branch_a1)
    page = client.get(reverse("admin:evaluation_evaluation_change", args=[evaluation.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "51.67" in body
    study = scheme.indicators.get(code="1.1")
    drill = client.get(
        reverse("admin:evaluation_evaluation_drill", args=[evaluation.pk, study.pk])
    ).content.decode()
    assert drill.count("学习会") >= 3
    other = Evaluation.objects.get(scheme=scheme, unit=province.branch_b1)
    assert (
        client.get(reverse("admin:evaluation_evaluation_change", args=[other.pk])).status_code
        == 404
    )


def test_self_assessment_through_the_console_and_outsider_404(client, records, scheme):
    province = records[0]
    evaluation = Evaluation.objects.get(scheme=scheme, unit=province.branch_a1)
    entered = scheme.indicators.get(code="2")
    url = reverse("admin:evaluation_evaluation_enter", args=[evaluation.pk, entered.pk])
    client.force_login(province.users["city_b"])
    assert client.post(url, {"score": "30", "evidence": "x", "review": "0"}).status_code == 404
    client.force_login(province.users["branch_a1"])
    client.post(url, {"score": "30", "evidence": "特色活动", "review": "0"})
    assert Score.objects.get(evaluation=evaluation, indicator=entered).self_score == Decimal(30)


def test_member_archive_page(client, records):
    province, (m1, _m2, _m3), _sessions = records
    client.force_login(province.users["city_a"])
    url = reverse("admin:evaluation_performancearchive_change", args=[m1.pk])
    page = client.get(url + f"?year={YEAR}").content.decode()
    assert "出席活动次数" in page
    assert client.get(url + f"?year={YEAR}&export=xlsx").content[:2] == b"PK"
    client.force_login(province.users["city_b"])
    assert client.get(url).status_code == 404


def test_radar_chart_is_inline_svg_with_escaped_labels():
    from grassroots.evaluation.charts import radar_svg

    svg = radar_svg([("经费<b>", Decimal("0.5")), ("场地", Decimal(1)), ("平台", Decimal(0))])
    assert svg.startswith("<svg") and svg.count("<polygon") == 5  # 4 rings + the values
    assert "经费&lt;b&gt;" in svg and "<b>" not in svg
    assert radar_svg([("a", 1), ("b", 1)]) == ""


def test_archive_list_export_covers_every_member_metric(client, records):
    province, (m1, m2, _m3), _sessions = records
    client.force_login(province.users["city_a"])
    url = reverse("admin:evaluation_performancearchive_changelist")
    response = client.post(
        url, {"action": "export_archive_year", "_selected_action": [m1.pk, m2.pk]}
    )
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_scheme_is_defined_in_the_console_with_its_tree(client, province):
    client.force_login(province.users["province"])
    management = {
        "bands-TOTAL_FORMS": "0",
        "bands-INITIAL_FORMS": "0",
        "indicators-TOTAL_FORMS": "2",
        "indicators-INITIAL_FORMS": "0",
    }
    row = {
        "indicators-0-code": "1",
        "indicators-0-name": "学习会",
        "indicators-0-weight": "50",
        "indicators-0-method": "computed",
        "indicators-0-metric": "branches.activity_count",
        "indicators-0-params": '{"kind": "study"}',
        "indicators-0-target": "12",
        "indicators-0-order": "1",
        "indicators-1-code": "2",
        "indicators-1-name": "错指标",
        "indicators-1-weight": "50",
        "indicators-1-method": "computed",
        "indicators-1-metric": "",
        "indicators-1-params": "{}",
        "indicators-1-target": "",
        "indicators-1-order": "2",
    }
    scheme = {
        "unit": province.province.pk,
        "name": "五化考核",
        "year": "2026",
        "subject": "unit",
        "subject_level": "4",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
    }
    url = reverse("admin:evaluation_scheme_add")
    refused = client.post(url, {**scheme, **management, **row})
    assert refused.status_code == 200 and "目标值" in refused.content.decode()
    assert not Scheme.objects.exists()
    row.update({"indicators-1-metric": "branches.venue_dedicated", "indicators-1-target": "1"})
    saved = client.post(url, {**scheme, **management, **row})
    assert saved.status_code == 302
    created = Scheme.objects.get()
    assert created.indicators.count() == 2
    assert list(created.bands.values_list("name", flat=True)) == ["优秀", "良好", "合格", "不合格"]
