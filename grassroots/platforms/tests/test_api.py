"""API: the four platforms answer inside the caller's scope, with the services' rules."""

import pytest
from django.test import Client
from django.utils import timezone

from grassroots.core.models import AuditEvent
from grassroots.platforms.models import Proposal, ProposalStatus
from grassroots.platforms.tests.factories import make_proposal

pytestmark = pytest.mark.django_db
API = "/api/v1/platforms"
YEAR = timezone.localdate().year


@pytest.fixture
def as_user(province):
    def make(who: str) -> Client:
        client = Client()
        client.force_login(province.users[who])
        return client

    return make


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_proposal_create_and_walk_the_lifecycle(as_user, people, province):
    client = as_user("city_a")
    r = post(
        client,
        f"{API}/proposals",
        {
            "kind": "individual",
            "title": "关于加快托育服务体系建设的建议",
            "author_member_ids": [people["a1"].pk, people["b1"].pk],
            "submit": True,
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "submitted" and body["unit"]["code"] == "430101"
    assert [a["name"] for a in body["authors"]] == ["汪涵", "王维"]
    pid = body["id"]
    r = post(client, f"{API}/proposals/{pid}/transitions", {"action": "receive"})
    assert r.json()["reference_code"] == f"TA-{YEAR}-0001"
    r = post(
        client,
        f"{API}/proposals/{pid}/transitions",
        {"action": "forward", "target": "cppcc", "organization": "市政协"},
    )
    assert r.status_code == 422
    assert "当前状态为“已收件”" in r.json()["errors"][0]["message"]
    r = post(
        client,
        f"{API}/proposals/{pid}/transitions",
        {"action": "review", "reviewers": [province.users["city_a"].pk]},
    )
    assert r.json()["status"] == "in_review"
    r = post(client, f"{API}/proposals/{pid}/transitions", {"action": "note", "text": "内部意见"})
    assert r.json()["notes"][0]["text"] == "内部意见"
    r = post(client, f"{API}/proposals/{pid}/transitions", {"action": "return", "reason": ""})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason"
    assert r.json()["errors"][0]["location"] == "body"
    r = as_user("leader").get(f"{API}/proposals/{pid}")
    assert r.status_code == 200 and "notes" not in r.json()
    r = post(as_user("leader"), f"{API}/proposals/{pid}/transitions", {"action": "select"})
    assert r.status_code == 403
    assert Proposal.objects.get(pk=pid).status == ProposalStatus.IN_REVIEW


def test_writes_accept_only_client_settable_fields(as_user, people):
    client = as_user("city_a")
    before = Proposal.objects.count()
    for extra in ({"unit_id": 1}, {"status": "archived"}, {"reference_code": "TA-1-1"}):
        r = post(
            client,
            f"{API}/proposals",
            {
                "kind": "individual",
                "title": "标题",
                "author_member_ids": [people["a1"].pk],
                **extra,
            },
        )
        assert r.status_code == 422, extra
    r = post(
        client,
        f"{API}/proposals",
        {"kind": "individual", "title": "标题", "author_member_ids": [people["b1"].pk]},
    )
    assert r.status_code == 422 and "不在您的管理范围内" in r.json()["errors"][0]["message"]
    r = post(
        client,
        f"{API}/proposals",
        {"kind": "nope", "title": "标题", "author_member_ids": [people["a1"].pk]},
    )
    assert r.status_code == 422
    assert Proposal.objects.count() == before


def test_outside_scope_is_404_and_lists_are_scoped(as_user, people, province):
    p = make_proposal(province.users["province"], people["b1"], people["a1"])
    client = as_user("city_a")
    assert client.get(f"{API}/proposals/{p.pk}").status_code == 404
    assert (
        post(client, f"{API}/proposals/{p.pk}/transitions", {"action": "submit"}).status_code == 404
    )
    assert client.get(f"{API}/proposals").json()["count"] == 0
    assert as_user("city_b").get(f"{API}/proposals").json()["count"] == 1
    page = as_user("province").get(f"{API}/proposals?q=王维").json()
    assert page["count"] == 1 and page["items"][0]["id"] == p.pk


def test_information_research_service_routes(as_user, people, province):
    client = as_user("city_a")
    r = post(
        client, f"{API}/information", {"title": "一条信息", "author_member_ids": [people["a2"].pk]}
    )
    assert r.status_code == 200, r.content
    iid = r.json()["id"]
    assert (
        post(client, f"{API}/information/{iid}/transitions", {"action": "edit"}).status_code == 200
    )
    r = post(
        client,
        f"{API}/information/{iid}/transitions",
        {"action": "adopt", "outlet": "省委统战部", "level": "provincial"},
    )
    assert r.json()["status"] == "adopted" and r.json()["points"] == 5.0
    assert as_user("city_b").get(f"{API}/information/{iid}").status_code == 404

    r = post(
        client,
        f"{API}/research",
        {
            "title": "课题",
            "year": YEAR,
            "lead_member_id": people["a1"].pk,
            "member_ids": [people["b1"].pk],
        },
    )
    assert r.status_code == 200, r.content
    tid = r.json()["id"]
    assert (
        post(client, f"{API}/research/{tid}/transitions", {"action": "conclude"}).status_code == 422
    )
    assert (
        post(client, f"{API}/research/{tid}/transitions", {"action": "approve"}).json()["status"]
        == "approved"
    )
    r = post(
        client,
        f"{API}/research/{tid}/transitions",
        {"action": "award", "name": "奖", "level": "city", "grade": "一等奖"},
    )
    assert r.json()["awards"][0]["grade"] == "一等奖"

    r = post(
        client,
        f"{API}/service",
        {
            "kind": "education-aid",
            "title": "助学",
            "start_date": str(timezone.localdate()),
            "organizer_unit_ids": [province.branch_a2.pk],
            "beneficiaries": 12,
            "funds": "3000",
        },
    )
    assert r.status_code == 200, r.content
    sid = r.json()["id"]
    r = post(
        client,
        f"{API}/service/{sid}/transitions",
        {"action": "volunteer", "member_id": people["a2"].pk, "hours": "3.5"},
    )
    assert r.json()["volunteers"][0]["hours"] == 3.5
    r = post(
        client,
        f"{API}/service",
        {
            "kind": "education-aid",
            "title": "x",
            "start_date": "2026-01-01",
            "organizer_unit_ids": [province.branch_a2.pk],
            "status": "completed",
        },
    )
    assert r.status_code == 422

    stats = client.get(f"{API}/statistics?year={YEAR}").json()
    assert stats["totals"]["information_points"] == 5.0
    assert stats["totals"]["research_awards"] == 1 and stats["totals"]["service_hours"] == 3.5
    contributions = client.get(f"{API}/members/{people['a1'].pk}/contributions?year={YEAR}").json()
    assert [c["platform"] for c in contributions["items"]] == ["research"]
    assert client.get(f"{API}/members/{people['b1'].pk}/contributions").status_code == 404
    members = client.get(f"{API}/statistics/members?year={YEAR}").json()["members"]
    assert {m["name"] for m in members} == {"汪涵", "曾国藩"}


def test_export_route_returns_xlsx_and_is_audited(as_user, people, province):
    make_proposal(province.users["province"], people["a1"])
    r = as_user("city_a").get(f"{API}/proposals/export?year={YEAR}")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.extra["rows"] == 1 and event.extra["filter"] == {"year": YEAR}
    assert event.actor_username == "city_a"
