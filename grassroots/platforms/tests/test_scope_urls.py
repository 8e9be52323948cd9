"""Scope of the four platforms' console pages and API: city-A staff never see or touch city B.

Each test is named in ``grassroots/platforms/scope_coverage.py`` for the URLs it exercises.
Records of city B are built by the system actor; the caller is city-A staff throughout.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from grassroots.platforms.models import (
    InformationPiece,
    Proposal,
    ResearchTopic,
    ServiceProject,
)
from grassroots.platforms.services import information
from grassroots.platforms.tests.factories import make_piece, make_project, make_proposal, make_topic

pytestmark = pytest.mark.django_db
API = "/api/v1/platforms"
ADMIN = "/admin/platforms"
MISSING = 987654321
YEAR = timezone.localdate().year


@pytest.fixture
def city_a(province) -> Client:
    client = Client()
    client.force_login(province.users["city_a"])
    return client


def post(client: Client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def sheet_text(content: bytes) -> str:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return "\n".join("|".join(str(c) for c in row) for row in rows)


@pytest.fixture
def records(province, people):
    """One record per platform in city A and one in city B (titles tell them apart)."""
    return {
        "proposals": (
            make_proposal(None, people["a1"], title="长沙提案关于养老服务", submit=True),
            make_proposal(None, people["b1"], title="株洲提案关于职业教育", submit=True),
        ),
        "information": (
            make_piece(None, people["a1"], title="长沙信息全民阅读"),
            make_piece(None, people["b1"], title="株洲信息乡村振兴"),
        ),
        "research": (
            make_topic(None, people["a1"], title="长沙课题基层组织"),
            make_topic(None, people["b1"], title="株洲课题参政议政"),
        ),
        "service": (
            make_project(None, province.branch_a1, title="长沙项目送医下乡"),
            make_project(None, province.branch_b1, title="株洲项目助学"),
        ),
    }


PLATFORMS = ["proposals", "information", "research", "service"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_api_list_detail_and_export_are_scoped(city_a, province, records, platform):
    mine, theirs = records[platform]
    listed = city_a.get(f"{API}/{platform}").json()
    ids = {item["id"] for item in listed["items"]}
    assert mine.pk in ids and theirs.pk not in ids
    assert city_a.get(f"{API}/{platform}/{mine.pk}").status_code == 200
    for record_id in (theirs.pk, MISSING):
        assert city_a.get(f"{API}/{platform}/{record_id}").status_code == 404
    # Filtering by a sibling city's unit is a 404, not an empty (or full) list.
    assert city_a.get(f"{API}/{platform}", {"unit_id": province.city_b.pk}).status_code == 404
    export = city_a.get(f"{API}/{platform}/export")
    assert export.status_code == 200
    text = sheet_text(export.content)
    assert mine.title in text and theirs.title not in text
    assert city_a.get(f"{API}/{platform}/export", {"unit_id": province.city_b.pk}).status_code == (
        404
    )


TRANSITIONS = {
    "proposals": {"action": "receive"},
    "information": {"action": "withdraw"},
    "research": {"action": "approve"},
    "service": {"action": "start"},
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_api_transitions_on_a_sibling_record_answer_404(city_a, records, platform):
    mine, theirs = records[platform]
    status = theirs.status
    for record_id in (theirs.pk, MISSING):
        refused = post(city_a, f"{API}/{platform}/{record_id}/transitions", TRANSITIONS[platform])
        assert refused.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == status
    # The same action on the caller's own record goes through: the 404 above is scope.
    done = post(city_a, f"{API}/{platform}/{mine.pk}/transitions", TRANSITIONS[platform])
    assert done.status_code == 200, done.content
    mine.refresh_from_db()
    assert mine.status != status


def test_api_proposal_update_of_a_sibling_proposal_answers_404(city_a, records):
    _mine, theirs = records["proposals"]
    for proposal_id in (theirs.pk, MISSING):
        refused = city_a.patch(
            f"{API}/proposals/{proposal_id}", {"title": "篡改"}, content_type="application/json"
        )
        assert refused.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "株洲提案关于职业教育"
    assert not Proposal.objects.filter(title="篡改").exists()


def test_api_create_refuses_an_owner_outside_scope(city_a, province, people):
    """The first author (or organizer) decides the owning unit; it must be in the caller's scope."""
    attempts = {
        "proposals": [
            {"kind": "individual", "title": "越权提案", "author_member_ids": [people["b1"].pk]},
            {"kind": "individual", "title": "越权提案", "author_unit_ids": [province.branch_b1.pk]},
        ],
        "information": [
            {"title": "越权信息", "author_member_ids": [people["b1"].pk]},
            {"title": "越权信息", "author_unit_ids": [province.city_b.pk]},
        ],
        "research": [{"title": "越权课题", "year": YEAR, "lead_member_id": people["b1"].pk}],
        "service": [
            {
                "kind": "free-clinic",
                "title": "越权项目",
                "start_date": f"{YEAR}-05-01",
                "organizer_unit_ids": [province.branch_b1.pk],
            }
        ],
    }
    for platform, bodies in attempts.items():
        for body in bodies:
            refused = post(city_a, f"{API}/{platform}", body)
            assert refused.status_code in (403, 404, 422), (platform, refused.status_code)
    assert not Proposal.objects.filter(title="越权提案").exists()
    assert not InformationPiece.objects.filter(title="越权信息").exists()
    assert not ResearchTopic.objects.filter(title="越权课题").exists()
    assert not ServiceProject.objects.filter(title="越权项目").exists()
    # The same bodies with a first author in scope are accepted (the refusal above is scope).
    ok = {
        "proposals": {
            "kind": "individual",
            "title": "本市提案",
            "author_member_ids": [people["a1"].pk],
        },
        "information": {"title": "本市信息", "author_member_ids": [people["a1"].pk]},
        "research": {"title": "本市课题", "year": YEAR, "lead_member_id": people["a1"].pk},
        "service": {
            "kind": "free-clinic",
            "title": "本市项目",
            "start_date": f"{YEAR}-05-01",
            "organizer_unit_ids": [province.branch_a1.pk],
        },
    }
    for platform, body in ok.items():
        created = post(city_a, f"{API}/{platform}", body)
        assert created.status_code == 200, (platform, created.content)
        assert created.json()["unit"]["code"] == province.branch_a1.code


def test_api_information_quotas_are_scoped(city_a, province, records):
    information.information_quota_set(
        actor=None, unit=province.branch_a1, year=YEAR, target_adopted=3
    )
    information.information_quota_set(
        actor=None, unit=province.branch_b1, year=YEAR, target_adopted=5
    )
    rows = city_a.get(f"{API}/information/quotas", {"year": YEAR}).json()
    assert [r["unit"]["code"] for r in rows] == [province.branch_a1.code]


def test_api_statistics_are_scoped(city_a, province, records):
    stats = city_a.get(f"{API}/statistics", {"year": YEAR}).json()
    codes = {row["unit"]["code"] for row in stats["units"]}
    assert province.branch_a1.code in codes
    assert not codes & {province.city_b.code, province.branch_b1.code, province.province.code}
    members = city_a.get(f"{API}/statistics/members", {"year": YEAR}).json()["members"]
    names = {m["name"] for m in members}
    assert "汪涵" in names and "王维" not in names
    refused = city_a.get(f"{API}/statistics/members", {"unit_id": province.branch_b1.pk})
    assert refused.status_code == 404


def test_api_member_contributions_of_a_sibling_member_answer_404(city_a, people, records):
    mine = city_a.get(f"{API}/members/{people['a1'].pk}/contributions", {"year": YEAR})
    assert mine.status_code == 200
    assert "长沙提案关于养老服务" in {c["title"] for c in mine.json()["items"]}
    for member_id in (people["b1"].pk, MISSING):
        url = f"{API}/members/{member_id}/contributions"
        assert city_a.get(url, {"year": YEAR}).status_code == 404


CONSOLE = {
    "proposals": "proposal",
    "information": "informationpiece",
    "research": "researchtopic",
    "service": "serviceproject",
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_console_export_is_scoped(city_a, records, platform):
    mine, theirs = records[platform]
    export = city_a.get(f"{ADMIN}/{CONSOLE[platform]}/export/")
    assert export.status_code == 200
    text = sheet_text(export.content)
    assert mine.title in text and theirs.title not in text


def test_console_statistics_page_is_scoped(city_a, province, records):
    page = city_a.get(f"{ADMIN}/proposal/statistics/", {"year": YEAR})
    assert page.status_code == 200
    html = page.content.decode()
    assert province.branch_a1.name in html
    assert province.city_b.name not in html and province.branch_b1.name not in html


def _owner_choices(page, field: str) -> set[int]:
    return set(page.context["form"].fields[field].queryset.values_list("pk", flat=True))


def test_console_create_pages_refuse_an_owner_outside_scope(city_a, province, people):
    a_units = {province.city_a.pk, province.branch_a1.pk, province.branch_a2.pk}
    pages = {
        "proposal": ("author_unit", {"kind": 1, "title": "越权提案", "body": "正文"}),
        "informationpiece": ("author_unit", {"title": "越权信息", "body": "正文"}),
        "serviceproject": (
            "organizer",
            {"kind": 1, "title": "越权项目", "start_date": f"{YEAR}-05-01"},
        ),
    }
    from grassroots.platforms.models import ProposalKind, ServiceKind

    pages["proposal"][1]["kind"] = ProposalKind.objects.get(code="individual").pk
    pages["serviceproject"][1]["kind"] = ServiceKind.objects.get(code="free-clinic").pk
    for model, (field, data) in pages.items():
        url = f"{ADMIN}/{model}/create/"
        page = city_a.get(url)
        assert page.status_code == 200
        # The owning unit is chosen among units in scope only.
        assert _owner_choices(page, field) == a_units
        posted = city_a.post(url, {**data, field: province.branch_b1.pk})
        assert posted.status_code == 200 and field in posted.context["form"].errors
    # By member number: a first author of a sibling city is refused, nothing is stored.
    number = people["b1"].member_number
    assert number
    for model, data in (
        ("proposal", {**pages["proposal"][1], "author_numbers": number}),
        ("informationpiece", {**pages["informationpiece"][1], "author_numbers": number}),
        ("researchtopic", {"title": "越权课题", "year": YEAR, "lead_number": number}),
    ):
        posted = city_a.post(f"{ADMIN}/{model}/create/", data)
        assert posted.status_code == 200 and posted.context["form"].errors, model
    assert not Proposal.objects.filter(title="越权提案").exists()
    assert not InformationPiece.objects.filter(title="越权信息").exists()
    assert not ResearchTopic.objects.filter(title="越权课题").exists()
    assert not ServiceProject.objects.filter(title="越权项目").exists()
    # The caller's own first author is accepted on the same page (the refusal above is scope).
    done = city_a.post(
        f"{ADMIN}/researchtopic/create/",
        {"title": "本市课题", "year": YEAR, "lead_number": people["a1"].member_number},
    )
    assert done.status_code == 302
    assert ResearchTopic.objects.get(title="本市课题").unit == province.branch_a1
