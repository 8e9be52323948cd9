"""Statistics equal hand counts; a member's contributions; search; the xlsx export is audited."""

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from grassroots.core.models import AuditEvent
from grassroots.platforms import exports, selectors
from grassroots.platforms.services import information as info
from grassroots.platforms.services import proposals as psvc
from grassroots.platforms.services import research, service
from grassroots.platforms.tests.factories import (
    advance,
    level,
    make_piece,
    make_project,
    make_proposal,
    make_topic,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year


@pytest.fixture
def records(province, people):
    staff = province.users["province"]
    rv = {"reviewers": [staff.pk]}
    fwd = {"target": "cppcc", "organization": "省政协"}
    # Branch A1: three proposals (one draft, one withdrawn, one adopted with an instruction).
    make_proposal(staff, people["a1"], title="草稿不计入统计")
    psvc.proposal_withdraw(
        actor=staff,
        proposal=advance(staff, make_proposal(staff, people["a1"], title="撤回件甲乙"), "submit"),
    )
    adopted = advance(
        staff,
        make_proposal(staff, people["a1"], people["b1"], title="关于职业教育产教融合"),
        "submit",
        "receive",
        "review",
        "select",
        "forward",
        review=rv,
        forward=fwd,
    )
    psvc.proposal_instruction_add(
        actor=staff,
        proposal=adopted,
        leader="省长",
        level=level("provincial"),
        text="阅",
        instructed_on=TODAY,
    )
    psvc.proposal_instruction_add(
        actor=staff,
        proposal=adopted,
        leader="副省长",
        level=level("provincial"),
        text="办",
        instructed_on=TODAY,
    )
    psvc.proposal_record_outcome(
        actor=staff,
        proposal=adopted,
        filed_as_case=True,
        adopted=True,
        adoption_level=level("provincial"),
    )
    # Branch B1: one received proposal; city A itself: one returned.
    advance(
        staff, make_proposal(staff, people["b1"], title="城市更新与老旧小区"), "submit", "receive"
    )
    returned = advance(
        staff, make_proposal(staff, province.city_a, title="数字乡村建设"), "submit", "receive"
    )
    psvc.proposal_return(actor=staff, proposal=returned, reason="重复")
    # Information: a2 adopted twice (provincial 5 + city 2), b1 submitted only.
    piece = info.information_edit(actor=staff, piece=make_piece(staff, people["a2"], people["a1"]))
    info.information_adopt(
        actor=staff, piece=piece, outlet="省信息", level=level("provincial"), adopted_on=TODAY
    )
    info.information_adopt(
        actor=staff, piece=piece, outlet="市信息", level=level("city"), adopted_on=TODAY
    )
    make_piece(staff, people["b1"], title="株洲信息")
    # Research: one topic in A1 with an output and an award; one cancelled in B1.
    topic = research.research_topic_approve(
        actor=staff, topic=make_topic(staff, people["a1"], people["a2"])
    )
    research.research_output_add(
        actor=staff, topic=topic, kind="paper", title="论文一", published_on=TODAY
    )
    research.research_award_add(
        actor=staff, topic=topic, name="奖", level=level("city"), awarded_on=TODAY
    )
    research.research_topic_cancel(
        actor=staff, topic=make_topic(staff, people["b1"], title="撤项课题"), reason="经费"
    )
    # Service: one in A2 with two volunteers; one in B1.
    project = make_project(
        staff,
        province.branch_a2,
        figures={"beneficiaries": 30, "funds": "1000", "materials_value": "200"},
    )
    service.service_volunteer_set(actor=staff, project=project, member=people["a2"], hours=3)
    service.service_volunteer_set(actor=staff, project=project, member=people["b1"], hours="2.5")
    make_project(staff, province.branch_b1, title="株洲助学", figures={"beneficiaries": 7})
    return {"adopted": adopted}


def by_unit(rows):
    return {r.unit.code: r for r in rows}


def test_unit_statistics_equal_hand_counts(province, people, records):
    rows = by_unit(selectors.platform_statistics(user=province.users["province"], year=YEAR))
    a1, a, b, p = rows["430101"].own, rows["4301"], rows["4302"].total, rows["43"].total
    assert a1["proposals_submitted"] == 1 and a1["proposals_adopted"] == 1
    assert a1["proposals_filed"] == 1 and a1["proposals_instructed"] == 1
    assert a1["proposals_received"] == 1 and a1["proposals_forwarded"] == 1
    assert a1["research_topics"] == 1 and a1["research_outputs"] == 1 and a1["research_awards"] == 1
    assert a.own["proposals_submitted"] == 1 and a.own["proposals_selected"] == 0
    assert a.total["proposals_submitted"] == 2
    assert a.total["information_submitted"] == 1 and a.total["information_adopted"] == 1
    assert a.total["information_points"] == Decimal("7")
    assert a.total["service_projects"] == 1 and a.total["service_volunteers"] == 2
    assert a.total["service_hours"] == Decimal("5.5") and a.total["service_funds"] == Decimal(
        "1000"
    )
    assert b["proposals_submitted"] == 1 and b["research_topics"] == 0
    assert b["information_submitted"] == 1 and b["information_adopted"] == 0
    assert b["service_beneficiaries"] == 7
    assert p["proposals_submitted"] == 3 and p["service_beneficiaries"] == 37
    totals = selectors.statistics_totals(user=province.users["province"], year=YEAR)
    assert totals == p
    assert selectors.totals_of(rows.values()) == p
    assert (
        selectors.statistics_totals(user=province.users["province"], year=YEAR - 1)[
            "proposals_submitted"
        ]
        == 0
    )


def test_statistics_are_scoped(province, records):
    rows = selectors.platform_statistics(user=province.users["city_b"], year=YEAR)
    assert {r.unit.code for r in rows} == {"4302", "430201"}
    totals = selectors.statistics_totals(user=province.users["city_b"], year=YEAR)
    assert totals["proposals_submitted"] == 1 and totals["information_points"] == 0


def test_member_statistics_and_contributions(province, people, records):
    stats = {
        r.name: r.values
        for r in selectors.member_statistics(user=province.users["province"], year=YEAR)
    }
    assert (
        stats["汪涵"]["proposals_submitted"] == 1 and stats["汪涵"]["proposals_first_author"] == 1
    )
    assert stats["王维"]["proposals_submitted"] == 2 and stats["王维"]["proposals_adopted"] == 1
    assert (
        stats["曾国藩"]["information_points"] == Decimal("7")
        and stats["汪涵"]["information_points"] == 0
    )
    assert stats["汪涵"]["information_adopted"] == 1
    assert stats["汪涵"]["research_led"] == 1 and stats["曾国藩"]["research_topics"] == 1
    assert stats["王维"]["service_hours"] == Decimal("2.5")
    # City A sees its own members only, and only contributions to its own records.
    city = {
        r.name: r.values
        for r in selectors.member_statistics(user=province.users["city_a"], year=YEAR)
    }
    assert "王维" not in city
    items = selectors.member_contributions(people["b1"], YEAR)
    assert sorted((c.platform, c.title) for c in items) == [
        ("information", "株洲信息"),
        ("proposal", "关于职业教育产教融合"),
        ("proposal", "城市更新与老旧小区"),
        ("service", "送医下乡义诊"),
    ]
    adopted = next(c for c in items if c.title == "关于职业教育产教融合")
    assert adopted.adopted and adopted.level == "省级" and adopted.role == "第2作者"
    assert adopted.reference_code.startswith(f"TA-{YEAR}-")
    assert selectors.member_contributions(people["b1"], YEAR - 1) == []


def test_search_by_title_author_and_code(province, people, records):
    user = province.users["province"]
    assert [p.title for p in selectors.proposals_list(user=user, q="王维")] == [
        "城市更新与老旧小区",
        "关于职业教育产教融合",
    ]
    code = records["adopted"].reference_code
    assert [p.pk for p in selectors.proposals_list(user=user, q=code)] == [records["adopted"].pk]
    assert selectors.proposals_list(user=province.users["city_b"], q="职业教育").count() == 0
    assert selectors.information_list(user=user, q="省信息").count() == 1
    assert selectors.research_list(user=user, q="曾国藩").count() == 1
    assert selectors.service_list(user=user, q="王维").count() == 1


def test_export_is_scoped_and_audited(province, records):
    user = province.users["city_a"]
    name, content, rows = exports.platform_export_xlsx(
        user=user, platform="proposals", filters={"year": YEAR, "q": ""}
    )
    assert name.endswith(".xlsx")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows == 4 and len(sheet) == 5
    assert sheet[0][0] == "收件编号"
    assert {r[3] for r in sheet[1:]} == {
        "草稿不计入统计",
        "撤回件甲乙",
        "关于职业教育产教融合",
        "数字乡村建设",
    }
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert event.object_type == "platforms.proposals"
    assert event.extra["rows"] == 4 and event.extra["filter"] == {"year": YEAR}
    for platform in ("information", "research", "service"):
        _n, _c, count = exports.platform_export_xlsx(user=user, platform=platform, filters={})
        assert count >= 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 4


def test_tallies_equal_the_records_and_a_rebuild(province, people, records):
    from grassroots.platforms.models import PlatformTally
    from grassroots.platforms.services.tally import tally_rebuild

    user = province.users["province"]
    # A record moving to another unit refreshes both rows.
    psvc.proposal_update(
        actor=user,
        proposal=make_proposal(user, people["a1"], title="将移交的草稿"),
        authors=[psvc.Credit(member=people["b1"])],
    )
    live = selectors.statistics_by_unit(user=user, year=YEAR)
    direct = selectors.statistics_by_unit_from_records(user=user, year=YEAR)

    def nonzero(table):
        out = {u: {k: v for k, v in vals.items() if v} for u, vals in table.items()}
        return {u: vals for u, vals in out.items() if vals}

    assert nonzero(live) == nonzero(direct)
    assert province.branch_b1.pk in live
    assert tally_rebuild(year=YEAR) == len(direct)
    assert selectors.statistics_by_unit(user=user, year=YEAR) == {
        u: {**selectors._zero(), **v} for u, v in direct.items()
    }
    # City B sees its branch's row only (its own committee owns no record).
    assert PlatformTally.objects.visible_to(province.users["city_b"]).count() == 1


def test_rebuild_command_restores_lost_tallies(province, records):
    from django.core.management import call_command

    from grassroots.platforms.models import PlatformTally

    user = province.users["province"]
    expected = selectors.statistics_totals(user=user, year=YEAR)
    PlatformTally.objects.all().delete()
    assert selectors.statistics_totals(user=user, year=YEAR)["proposals_submitted"] == 0
    out = io.StringIO()
    call_command("platforms_rebuild_tallies", "--all", stdout=out)
    call_command("platforms_rebuild_tallies", "--all", stdout=out)
    assert f"{YEAR}: " in out.getvalue()
    assert selectors.statistics_totals(user=user, year=YEAR) == expected
