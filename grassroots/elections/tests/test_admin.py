"""The election procedure through the console forms, as branch and city staff use it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.elections.models import Election
from grassroots.members.models import Officer
from grassroots.members.tests.factories import create_member


@pytest.fixture
def members(province):
    return [
        create_member(province.branch_a1, name=name, sex="M")
        for name in ("李主委", "周委员", "吴委员")
    ]


def test_request_form_names_the_bad_line(client, province, members):
    client.force_login(province.users["branch_a1"])
    url = reverse("admin:elections_election_add")
    assert client.get(url).status_code == 200
    body = {
        "unit": province.branch_a1.pk,
        "request_date": "2026-01-10",
        "proposed_seats": 2,
        "candidates": "李主委 主委\n周委员\n无此人 委员\n吴委员 组长",
    }
    page = client.post(url, body).content.decode()
    assert "第3行：长沙第一支部中没有会员编号或姓名为“无此人”的会员" in page
    assert "第4行：职务“组长”无效" in page
    assert not Election.objects.exists()


def test_console_procedure_from_request_to_filing(client, province, members):
    branch, city = province.users["branch_a1"], province.users["city_a"]
    client.force_login(branch)
    answer = client.post(
        reverse("admin:elections_election_add"),
        {
            "unit": province.branch_a1.pk,
            "request_date": "2026-01-10",
            "proposed_seats": 2,
            "candidates": "李主委 主委\n周委员\n吴委员",
            "request_text": "本届任期已满五年",
        },
    )
    election = Election.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/{election.pk}/change/")
    act = reverse("admin:elections_election_act", args=[election.pk])
    detail = reverse("admin:elections_election_change", args=[election.pk])
    assert "须由长沙市委会的工作人员办理" in client.get(detail).content.decode()

    client.force_login(city)
    page = client.get(detail).content.decode()
    assert 'value="approve"' in page and "李主委" in page
    ids = list(election.candidates.order_by("order").values_list("pk", flat=True))
    client.post(
        act,
        {
            "stage": "approve",
            "approval_date": "2026-02-01",
            "seats": 2,
            "approved": ids,
            "approval_number": "长委组〔2026〕5号",
        },
    )
    election.refresh_from_db()
    assert election.status == Election.Status.APPROVED and election.seats == 2
    approval = client.get(reverse("admin:elections_election_pdf", args=[election.pk, "approval"]))
    assert approval.status_code == 200 and approval.content.startswith(b"%PDF")

    client.force_login(branch)
    votes = {f"votes_{pk}": n for pk, n in zip(ids, (40, 33, 20), strict=True)}
    refused = client.post(
        act,
        {"stage": "meeting", "meeting_date": "2026-03-01", "total_voters": 50, "present": 41}
        | {f"votes_{ids[0]}": 42, f"votes_{ids[1]}": 33, f"votes_{ids[2]}": 20},
        follow=True,
    )
    assert "李主委的得票（42）超过实到人数（41）" in refused.content.decode()
    client.post(
        act,
        {"stage": "meeting", "meeting_date": "2026-03-01", "total_voters": 50, "present": 41}
        | votes,
    )
    election.refresh_from_db()
    assert election.status == Election.Status.HELD
    client.post(act, {"stage": "install"})
    assert set(
        Officer.objects.filter(unit=province.branch_a1, end_date__isnull=True).values_list(
            "member__name", "post"
        )
    ) == {("李主委", "chair"), ("周委员", "committee")}
    result = client.get(reverse("admin:elections_election_pdf", args=[election.pk, "result"]))
    assert result.status_code == 200

    client.force_login(city)
    client.post(act, {"stage": "file", "filed_date": "2026-03-05", "note": "同意备案"})
    assert Election.objects.get().status == Election.Status.FILED
    # The member's archive shows the new position among their positions in the association.
    # (a tab loaded when opened: the page names it, the tab holds the rows)
    archive = client.get(reverse("admin:members_member_change", args=[members[0].pk]))
    assert "会内职务" in archive.content.decode()
    tab = client.get(reverse("admin:members_member_tab", args=[members[0].pk, "officer"]))
    text = tab.content.decode()
    assert tab.status_code == 200 and "主委" in text
    assert "2026-03-01" in text.replace("2026年3月1日", "2026-03-01")
