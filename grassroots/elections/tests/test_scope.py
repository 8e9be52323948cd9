"""Scope of the elections console pages and API: city-A staff never see or touch city B.

Each test is named in ``grassroots/elections/scope_coverage.py`` for the URLs it exercises.
"""

from __future__ import annotations

import datetime
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from grassroots.core.models import AuditEvent
from grassroots.elections import nav, services
from grassroots.elections.models import Election
from grassroots.elections.tests.factories import make_election
from grassroots.members.models import Officer
from grassroots.members.tests.factories import create_member

API = "/api/v1/elections"
MISSING = 987654321


@pytest.fixture
def city_a(client, province):
    client.force_login(province.users["city_a"])
    return client


@pytest.fixture
def pair(province):
    """An election requested by branch A1 (city A) and one by city B itself."""
    mine = make_election(province.branch_a1, actor=province.users["branch_a1"])
    theirs = make_election(province.city_b, actor=province.users["city_b"])
    return mine, theirs


def test_api_list_and_detail_are_scoped(city_a, pair):
    mine, theirs = pair
    listed = city_a.get(API).json()
    assert [i["id"] for i in listed["items"]] == [mine.pk] and listed["count"] == 1
    assert city_a.get(f"{API}/{mine.pk}").json()["next_stages"] == ["approve", "reject"]
    assert city_a.get(f"{API}/{theirs.pk}").status_code == 404
    assert city_a.get(f"{API}/{MISSING}").status_code == 404


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("approve", {"approval_date": "2026-02-01", "seats": 1}),
        ("reject", {"reason": "越权"}),
        (
            "meeting",
            {"meeting_date": "2026-03-01", "total_voters": 10, "present": 8, "votes": {}},
        ),
        ("install", None),
        ("file", {}),
    ],
)
def test_api_actions_outside_scope_answer_404(city_a, pair, action, body):
    _mine, theirs = pair
    kwargs = {"content_type": "application/json"} if body is not None else {}
    outside = city_a.post(f"{API}/{theirs.pk}/{action}", body or {}, **kwargs)
    absent = city_a.post(f"{API}/{MISSING}/{action}", body or {}, **kwargs)
    assert outside.status_code == absent.status_code == 404
    assert Election.objects.get(pk=theirs.pk).status == Election.Status.REQUESTED


def test_api_procedure_with_server_set_status(client, province):
    """The branch requests, the city approves, the branch holds the meeting and installs,
    the city files; a sibling city's unit or member is refused as absent."""
    branch_user, city_user = province.users["branch_a1"], province.users["city_a"]
    members = [create_member(province.branch_a1) for _ in range(3)]
    client.force_login(branch_user)
    body = {
        "unit_id": province.branch_a1.pk,
        "request_date": "2026-01-10",
        "proposed_seats": 2,
        "status": "filed",  # ignored: the server sets the status
        "candidates": [
            {"member_id": members[0].pk, "post": "chair"},
            {"member_id": members[1].pk},
            {"member_id": members[2].pk},
        ],
    }
    created = client.post(API, body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "requested" and data["unit"]["id"] == province.branch_a1.pk
    pk = data["id"]
    sibling = {**body, "unit_id": province.branch_b1.pk}
    assert client.post(API, sibling, content_type="application/json").status_code == 404
    outsider = {**body, "candidates": [{"member_id": create_member(province.branch_b1).pk}]}
    refused = client.post(API, outsider, content_type="application/json")
    assert refused.status_code == 422 and "会员不存在" in refused.json()["detail"]
    own_approval = client.post(
        f"{API}/{pk}/approve",
        {"approval_date": "2026-02-01", "seats": 2},
        content_type="application/json",
    )
    assert own_approval.status_code == 403

    client.force_login(city_user)
    approved = client.post(
        f"{API}/{pk}/approve",
        {"approval_date": "2026-02-01", "seats": 2, "approval_number": "长委发〔2026〕3号"},
        content_type="application/json",
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    ids = [c["id"] for c in approved.json()["candidates"]]

    client.force_login(branch_user)
    bad = client.post(
        f"{API}/{pk}/meeting",
        {"meeting_date": "2026-03-01", "total_voters": 20, "present": 9, "votes": {}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "一半" in bad.json()["detail"]
    held = client.post(
        f"{API}/{pk}/meeting",
        {
            "meeting_date": "2026-03-01",
            "total_voters": 20,
            "present": 18,
            "votes": {str(ids[0]): 17, str(ids[1]): 12, str(ids[2]): 9},
        },
        content_type="application/json",
    )
    assert held.status_code == 200, held.content
    assert [c["elected"] for c in held.json()["candidates"]] == [True, True, False]
    installed = client.post(f"{API}/{pk}/install")
    assert installed.json()["new_term"]["start_date"] == "2026-03-01"
    assert Officer.objects.filter(unit=province.branch_a1, start_date="2026-03-01").count() == 2

    client.force_login(city_user)
    filed = client.post(f"{API}/{pk}/file", {"note": "同意备案"}, content_type="application/json")
    assert filed.json()["status"] == "filed"


def test_api_terms_and_due_are_scoped(city_a, province):
    services.term_create(
        unit=province.branch_a1,
        number=1,
        start_date=datetime.date(2021, 1, 1),
        actor=province.users["city_a"],
    )
    services.term_create(
        unit=province.branch_b1,
        number=1,
        start_date=datetime.date(2021, 1, 1),
        actor=province.users["city_b"],
    )
    terms = city_a.get(f"{API}/terms").json()
    assert [t["unit"]["id"] for t in terms["items"]] == [province.branch_a1.pk]
    due = city_a.get(f"{API}/terms/due?months=12").json()
    assert [d["unit"]["id"] for d in due["items"]] == [province.branch_a1.pk]
    assert due["items"][0]["expired"] is True
    assert city_a.get(f"{API}/terms/due?months=99").status_code == 422


def sheet_text(response) -> str:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    return "\n".join("|".join(str(c) for c in row) for row in rows.to_python())


def test_console_due_page_and_export_are_scoped(city_a, province):
    for unit in (province.branch_a1, province.branch_b1):
        Officer.objects.create(
            unit=unit,
            member=create_member(unit),
            post="chair",
            start_date=datetime.date(2019, 1, 1),
        )
    url = reverse("admin:elections_term_due")
    page = city_a.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "长沙第一支部" in text and "株洲" not in text.split("<main", 1)[-1]
    export = city_a.get(url + "?months=6&export=xlsx")
    assert "长沙第一支部" in sheet_text(export) and "株洲第一支部" not in sheet_text(export)
    event = AuditEvent.objects.filter(action="export", object_type="elections.term").latest("id")
    assert event.extra == {"filters": {"months": 6}, "rows": 1}
    # The sidebar badge counts the same units (city B's expired term is not among them).
    assert nav.due_badge(SimpleNamespace(user=province.users["city_a"])) == "1"
    assert nav.due_badge(SimpleNamespace(user=province.users["province"])) == "2"


def test_console_todo_and_pdfs_are_scoped(city_a, pair, province):
    mine, theirs = pair
    todo = city_a.get(reverse("admin:elections_election_todo")).content.decode()
    assert nav.todo_badge(SimpleNamespace(user=province.users["city_a"])) == "1"
    assert "长沙第一支部" in todo and "株洲市委会" not in todo.split("<main", 1)[-1]
    ok = city_a.get(reverse("admin:elections_election_pdf", args=[mine.pk, "request"]))
    assert ok.status_code == 200 and ok["Content-Type"] == "application/pdf"
    assert ok.content.startswith(b"%PDF")
    outside = city_a.get(reverse("admin:elections_election_pdf", args=[theirs.pk, "request"]))
    absent = city_a.get(reverse("admin:elections_election_pdf", args=[MISSING, "request"]))
    assert outside.status_code == absent.status_code == 404
    # Not approved yet: the reply cannot be printed.
    assert (
        city_a.get(reverse("admin:elections_election_pdf", args=[mine.pk, "approval"])).status_code
        == 404
    )
