"""Console pages: plans flag mismatches, analysis pages render in scope, exports are audited."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from grassroots.core.models import AuditEvent
from grassroots.planning.services import plan_create, plan_target_set, round_open


def _plan(province):
    plan = plan_create(unit=province.province, name="十五五规划", start_year=2026, end_year=2030)
    plan_target_set(plan=plan, unit=province.province, year=2026, values={"new_members": 100})
    plan_target_set(plan=plan, unit=province.city_a, year=2026, values={"new_members": 40})
    return plan


@pytest.mark.django_db
def test_plan_page_flags_mismatched_children(client, province):
    plan = _plan(province)
    client.force_login(province.users["province"])
    response = client.get(reverse("admin:planning_plan_change", args=[plan.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "下级目标合计与上级目标不一致" in text
    assert "上级目标100，下级合计40" in text
    listing = client.get(reverse("admin:planning_plan_changelist"))
    assert listing.status_code == 200


@pytest.mark.django_db
def test_analysis_pages_render_and_answer_404_out_of_scope(client, history):
    client.force_login(history.users["city_a"])
    for name in ("admin:planning_composition", "admin:planning_progress"):
        response = client.get(reverse(name), {"unit": history.city_a.pk})
        assert response.status_code == 200, name
        assert history.city_a.name in response.content.decode()
        assert client.get(reverse(name), {"unit": history.city_b.pk}).status_code == 404
    response = client.get(
        reverse("admin:planning_composition"), {"unit": history.city_a.pk, "day": "2023-06-01"}
    )
    assert "2023-06-01" in response.content.decode()
    report = client.get(reverse("admin:planning_annual_report"), {"year": 2024})
    assert report.status_code == 200
    assert "数据核对一致" in report.content.decode()


@pytest.mark.django_db
def test_annual_report_download_is_audited(client, history):
    client.force_login(history.users["province"])
    response = client.get(
        reverse("admin:planning_annual_report"),
        {"unit": history.province.pk, "year": 2024, "format": "xlsx"},
    )
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    # The report's own tables, those other apps add (e.g. arrangements by level), the proof last.
    assert book.sheet_names[:4] == [
        "表1 会员构成",
        "表2 界别与政治安排",
        "表3 年度变动",
        "表4 基层组织规模",
    ]
    assert book.sheet_names[-1] == f"表{len(book.sheet_names)} 数据核对"
    assert "表5 政治安排分级" in book.sheet_names
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        workbook = package.read("xl/workbook.xml").decode()
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    # Header rows repeat on every printed page; headings are merged over their columns.
    assert "_xlnm.Print_Titles" in workbook and "$3:$4" in workbook
    assert "<mergeCell " in sheet and "<pageSetup" in sheet
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.extra["filter"]["year"] == 2024
    assert event.extra["rows"] > 0 and event.extra["reconciled"] is True


@pytest.mark.django_db
def test_report_command_with_and_without_scope(tmp_path, history):
    out = tmp_path / "annual.xlsx"
    stdout = io.StringIO()
    call_command(
        "report",
        "annual",
        year=2025,
        unit="4301",
        output=str(out),
        stdout=stdout,
        acting_username="city_a",
    )
    assert out.exists() and "核对一致" in stdout.getvalue()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert event.actor_username == "city_a" and event.source == "cli"
    with pytest.raises(CommandError):
        call_command(
            "report", "annual", year=2025, unit="4302", output=str(out), acting_username="city_a"
        )
    with pytest.raises(CommandError):
        call_command("report", "annual", year=2025, unit="43", output=str(tmp_path / "x.csv"))
    call_command("report", "annual", year=2025, unit="43", output=str(out), stdout=io.StringIO())
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(2).to_python()
    # The changes table's check column (last) is zero on every data row.
    checks = [row[-1] for row in rows[4:]]
    assert checks and all(value == 0 for value in checks)


@pytest.mark.django_db
def test_round_pages(client, province):
    round_ = round_open(
        unit=province.province,
        title="名册核对",
        kind="roster",
        year=2026,
        deadline=datetime.date.today() + datetime.timedelta(days=5),
    )
    client.force_login(province.users["city_a"])
    listing = client.get(reverse("admin:planning_roundconfirmation_changelist"))
    assert listing.status_code == 200
    mine = round_.confirmations.get(unit=province.city_a)
    other = round_.confirmations.get(unit=province.city_b)
    assert (
        client.get(reverse("admin:planning_roundconfirmation_change", args=[mine.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:planning_roundconfirmation_change", args=[other.pk])).status_code
        == 404
    )
    client.force_login(province.users["province"])
    page = client.get(reverse("admin:planning_reportinground_change", args=[round_.pk]))
    assert page.status_code == 200
    assert (
        "0/3已确认"
        in client.get(reverse("admin:planning_reportinground_changelist")).content.decode()
    )


@pytest.mark.django_db
def test_plan_and_targets_saved_from_the_console_go_through_the_rules(client, province):
    client.force_login(province.users["province"])
    url = reverse("admin:planning_plan_add")
    prefix = "targets"
    base = {
        "name": "十五五规划",
        "unit": province.province.pk,
        "start_year": 2026,
        "end_year": 2030,
        "is_active": "on",
        "note": "",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-unit": province.city_a.pk,
        f"{prefix}-0-year": "2026",
        f"{prefix}-0-new_members": "12",
        f"{prefix}-0-age_limit": "45",
        f"{prefix}-0-main_sector_share": "150",
    }
    response = client.post(url, base)
    assert response.status_code == 200  # shown again with the error
    assert "占比须在0到100之间" in response.content.decode()
    bad_period = client.post(url, {**base, "end_year": 2020, f"{prefix}-0-main_sector_share": ""})
    assert "截止年度不能早于起始年度" in bad_period.content.decode()
    ok = client.post(url, {**base, f"{prefix}-0-main_sector_share": "60"})
    assert ok.status_code == 302
    from grassroots.planning.models import Plan
    from grassroots.planning.selectors import quota_for

    plan = Plan.objects.get(name="十五五规划")
    assert plan.targets.get(unit=province.city_a).main_sector_share == 60
    assert quota_for(province.city_a, 2026) == 12


@pytest.mark.django_db
def test_annual_report_page_of_a_sibling_city_answers_404(client, history):
    client.force_login(history.users["city_a"])
    params = {"unit": history.city_a.pk, "year": 2024}
    assert client.get(reverse("admin:planning_annual_report"), params).status_code == 200
    sibling = {"unit": history.city_b.pk, "year": 2024}
    assert client.get(reverse("admin:planning_annual_report"), sibling).status_code == 404
    download = {**sibling, "format": "xlsx"}
    assert client.get(reverse("admin:planning_annual_report"), download).status_code == 404
