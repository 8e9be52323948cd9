"""Console: lists in scope, entry through the services, the action page, export and statistics."""

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.models import AuditEvent
from grassroots.platforms.models import (
    InformationPiece,
    Proposal,
    ProposalStatus,
    ServiceKind,
    ServiceProject,
)
from grassroots.platforms.tests.factories import kind, make_proposal

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def login(client, province, who):
    client.force_login(province.users[who])
    return client


def test_changelists_and_pages_render_in_scope(client, province, people):
    p = make_proposal(province.users["province"], people["b1"])
    login(client, province, "city_a")
    for name in (
        "platforms_proposal_changelist",
        "platforms_informationpiece_changelist",
        "platforms_researchtopic_changelist",
        "platforms_serviceproject_changelist",
        "platforms_informationquota_changelist",
        "platforms_statistics",
        "platforms_proposal_create_record",
    ):
        assert client.get(reverse(f"admin:{name}")).status_code == 200, name
    assert client.get(reverse("admin:platforms_proposal_change", args=[p.pk])).status_code == 404
    assert (
        client.get(reverse("admin:platforms_proposal_transition", args=[p.pk])).status_code == 404
    )
    login(client, province, "city_b")
    assert client.get(reverse("admin:platforms_proposal_change", args=[p.pk])).status_code == 200


def test_entry_page_creates_through_the_service(client, province, people):
    login(client, province, "city_a")
    url = reverse("admin:platforms_proposal_create_record")
    r = client.post(
        url, {"kind": kind().pk, "title": "标题", "author_numbers": people["b1"].member_number}
    )
    assert r.status_code == 200 and "不在您的管理范围内" in r.content.decode()
    assert not Proposal.objects.exists()
    numbers = f"{people['a1'].member_number}，{people['b1'].member_number}"
    r = client.post(
        url, {"kind": kind().pk, "title": "标题", "author_numbers": numbers, "submit": "on"}
    )
    assert r.status_code == 302
    p = Proposal.objects.get()
    assert p.status == ProposalStatus.SUBMITTED and p.unit == province.branch_a1
    assert list(p.authors.values_list("member__name", flat=True)) == ["汪涵", "王维"]


def test_action_page_moves_the_record_and_shows_refusals(client, province, people):
    p = make_proposal(province.users["city_a"], people["a1"], submit=True)
    login(client, province, "city_a")
    url = reverse("admin:platforms_proposal_transition", args=[p.pk])
    r = client.post(url, {"action": "forward", "target": "cppcc", "organization": "市政协"})
    assert r.status_code == 200 and "当前状态为" in r.content.decode()
    assert client.post(url, {"action": "receive"}).status_code == 302
    p.refresh_from_db()
    assert p.status == ProposalStatus.RECEIVED and p.reference_code == f"TA-{YEAR}-0001"


def test_other_entry_pages(client, province, people):
    login(client, province, "city_a")
    r = client.post(
        reverse("admin:platforms_informationpiece_create_record"),
        {"title": "信息", "author_numbers": people["a2"].member_number},
    )
    assert r.status_code == 302 and InformationPiece.objects.get().unit == province.branch_a2
    r = client.post(
        reverse("admin:platforms_serviceproject_create_record"),
        {
            "kind": ServiceKind.objects.get(code="free-clinic").pk,
            "title": "义诊",
            "organizer": province.branch_a1.pk,
            "partners": [province.city_b.pk],
            "start_date": "2026-05-01",
            "beneficiaries": "40",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    project = ServiceProject.objects.get()
    url = reverse("admin:platforms_serviceproject_transition", args=[project.pk])
    r = client.post(
        url, {"action": "volunteer", "member_number": people["a1"].member_number, "hours": "4"}
    )
    assert r.status_code == 302
    assert project.volunteers.get().hours == 4


def test_export_action_is_audited(client, province, people):
    make_proposal(province.users["city_a"], people["a1"])
    login(client, province, "city_a")
    r = client.get(reverse("admin:platforms_proposal_export_xlsx") + f"?year={YEAR}")
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.xlsx"')
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.extra == {"filter": {"year": YEAR}, "rows": 1, "format": "xlsx"}


def test_leader_cannot_open_the_entry_page(client, province):
    login(client, province, "leader")
    assert client.get(reverse("admin:platforms_proposal_create_record")).status_code == 403


def test_statistics_page_lists_visible_units_with_rolled_up_figures(client, province, people):
    make_proposal(province.users["city_a"], people["a1"], submit=True)
    login(client, province, "city_a")
    r = client.get(reverse("admin:platforms_statistics") + f"?year={YEAR}")
    table = r.context["table"]
    assert [row["unit"].name for row in table] == ["长沙市委会", "长沙第一支部", "长沙第二支部"]
    submitted = [label for _code, label in r.context["metrics"]].index("提案提交")
    assert [row["values"][submitted] for row in table] == [1, 1, 0]
