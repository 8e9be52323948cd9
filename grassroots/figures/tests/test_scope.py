"""Scope of the figures console pages and API: city-A staff never see or touch city B.

Each test is named in ``grassroots/figures/scope_coverage.py`` for the URLs it exercises.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from grassroots.core.models import AuditEvent
from grassroots.figures import services
from grassroots.figures.models import Nomination
from grassroots.figures.tests.factories import make_figure, open_round
from grassroots.members.models import ArrangementKind, ArrangementLevel, PoliticalArrangement
from grassroots.members.tests.factories import create_member

API = "/api/v1/figures"
MISSING = 987654321


@pytest.fixture
def city_a(client, province):
    client.force_login(province.users["city_a"])
    return client


def test_api_figures_list_detail_and_writes_are_scoped(city_a, province):
    mine = make_figure(province.branch_a1, province.users["city_a"], name="甲乙")
    theirs = make_figure(province.branch_b1, province.users["city_b"], name="丙丁")
    listed = city_a.get(API).json()
    assert [i["id"] for i in listed["items"]] == [mine.pk]
    detail = city_a.get(f"{API}/{mine.pk}").json()
    assert detail["member"]["name"] == "甲乙" and detail["assessments"] == []
    assert city_a.get(f"{API}/{theirs.pk}").status_code == 404
    assert city_a.get(f"{API}/{MISSING}").status_code == 404
    outsider = create_member(province.branch_b1)
    body = {"member_id": outsider.pk, "category": "reserve"}
    assert city_a.post(API, body, content_type="application/json").status_code == 404
    ok = city_a.post(
        API, {"member_id": mine.member_id, "category": "reserve"}, content_type="application/json"
    )
    assert ok.status_code == 201 and ok.json()["category"] == "reserve"
    assessment = {"date": "2026-01-05", "assessor": "组织处", "rating": "competent", "text": "称职"}
    url = f"{API}/{{}}/assessments"
    assert (
        city_a.post(url.format(theirs.pk), assessment, content_type="application/json").status_code
        == 404
    )
    assert (
        city_a.post(url.format(mine.pk), assessment, content_type="application/json").status_code
        == 201
    )
    bad = city_a.post(
        url.format(mine.pk), {**assessment, "rating": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422 and "评价等次" in bad.json()["detail"]


def test_api_rounds_and_nominations_are_scoped(client, province):
    prov_round = open_round(province.province, province.users["province"])
    b_round = open_round(province.city_b, province.users["city_b"], body="市政协", term=9)
    b_nomination = services.nomination_propose(
        round=prov_round, member=create_member(province.branch_b1), actor=province.users["city_b"]
    )
    client.force_login(province.users["city_a"])
    listed = client.get(f"{API}/rounds").json()
    assert [r["id"] for r in listed["items"]] == [prov_round.pk]  # the province's, not city B's
    detail = client.get(f"{API}/rounds/{prov_round.pk}").json()
    assert detail["nominations"] == []  # city B's nominee stays out of sight
    assert client.get(f"{API}/rounds/{b_round.pk}").status_code == 404
    member = create_member(province.branch_a1)
    body = {"member_id": member.pk, "reason": "青年代表"}
    assert (
        client.post(
            f"{API}/rounds/{b_round.pk}/nominations", body, content_type="application/json"
        ).status_code
        == 404
    )
    proposed = client.post(
        f"{API}/rounds/{prov_round.pk}/nominations", body, content_type="application/json"
    )
    assert proposed.status_code == 201 and proposed.json()["at_unit"] == "湖南省委会"
    for action, payload in (("review", {"recommend": True}), ("outcome", {"arranged": False})):
        outside = client.post(
            f"{API}/nominations/{b_nomination.pk}/{action}",
            payload,
            content_type="application/json",
        )
        absent = client.post(
            f"{API}/nominations/{MISSING}/{action}", payload, content_type="application/json"
        )
        assert outside.status_code == absent.status_code == 404
    assert client.post(f"{API}/rounds/{b_round.pk}/close").status_code == 404
    assert client.post(f"{API}/rounds/{prov_round.pk}/close").status_code == 403
    round_body = {
        "unit_id": province.city_b.pk,
        "kind": "cppcc-member",
        "level": "city",
        "body": "市政协",
        "term_number": 10,
        "opens_on": "2026-01-01",
        "closes_on": "2026-02-01",
    }
    assert (
        client.post(f"{API}/rounds", round_body, content_type="application/json").status_code == 404
    )
    own = client.post(
        f"{API}/rounds",
        {**round_body, "unit_id": province.city_a.pk},
        content_type="application/json",
    )
    assert own.status_code == 201 and own.json()["label"] == "市政协第10届"

    client.force_login(province.users["province"])
    pk = proposed.json()["id"]
    assert (
        client.post(
            f"{API}/nominations/{pk}/review", {"recommend": True}, content_type="application/json"
        ).json()["status"]
        == "recommended"
    )
    done = client.post(
        f"{API}/nominations/{pk}/outcome",
        {"arranged": True, "post": "委员", "date": "2026-01-20"},
        content_type="application/json",
    )
    assert done.json()["status"] == Nomination.Status.ARRANGED and done.json()["arrangement_id"]


def _arrange(member, level):
    PoliticalArrangement.objects.create(
        member=member,
        kind=ArrangementKind.objects.get(code="cppcc-member"),
        level=ArrangementLevel.objects.get(code=level),
        body="省政协第十三届",
        start_date=datetime.date(2023, 1, 1),
    )


def test_api_stats_are_scoped(city_a, province):
    _arrange(create_member(province.branch_a1), "provincial")
    _arrange(create_member(province.branch_b1), "city")
    stats = city_a.get(f"{API}/stats?day=2026-06-01").json()
    assert [(r["level"], r["people"]) for r in stats["by_level"]] == [("省级", 1)]
    assert [m["level"] for m in stats["makeup"]] == ["省级"]


def sheet_text(response) -> str:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    return "\n".join("|".join(str(c) for c in row) for row in rows.to_python())


def test_console_stats_page_and_export_are_scoped(city_a, province):
    _arrange(create_member(province.branch_a1), "provincial")
    _arrange(create_member(province.branch_b1), "city")
    page = city_a.get(reverse("admin:figures_figure_stats"))
    assert page.status_code == 200
    main = page.content.decode().split("<main", 1)[-1]
    assert "省级" in main and "市级" not in main
    export = city_a.get(reverse("admin:figures_figure_stats") + "?export=xlsx")
    text = sheet_text(export)
    assert "省级" in text and "市级" not in text
    event = AuditEvent.objects.filter(action="export", object_type="figures.stats").latest("id")
    assert event.extra["rows"] == 2  # one per-level row and one per-term row


def test_console_round_page_and_actions_are_scoped(city_a, province):
    prov_round = open_round(province.province, province.users["province"])
    b_round = open_round(province.city_b, province.users["city_b"], body="市政协", term=9)
    page = city_a.get(reverse("admin:figures_round_change", args=[prov_round.pk]))
    assert page.status_code == 200
    member = create_member(province.branch_a1, name="王五")
    sent = city_a.post(
        reverse("admin:figures_round_act", args=[prov_round.pk]),
        {"action": "propose", "member": "王五", "reason": "界别代表"},
    )
    assert sent.status_code == 302
    assert Nomination.objects.get(round=prov_round).member == member
    outsider = create_member(province.branch_b1, name="赵六")
    city_a.post(
        reverse("admin:figures_round_act", args=[prov_round.pk]),
        {"action": "propose", "member": "赵六"},
    )
    assert not Nomination.objects.filter(member=outsider).exists()
    for pk in (b_round.pk, MISSING):
        answer = city_a.post(
            reverse("admin:figures_round_act", args=[pk]), {"action": "propose", "member": "王五"}
        )
        assert answer.status_code == 404
