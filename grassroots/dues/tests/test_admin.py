"""Dues console: one payment and its receipt, voiding, exemption, bulk entry, sheet import, rules."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from grassroots.accounts.roles import sync_role_groups
from grassroots.core.models import AuditEvent
from grassroots.dues.models import DuesRecord, DuesRule, Payment
from grassroots.dues.tests.factories import YEAR, make_record, make_rule, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_a(client, province):
    sync_role_groups()
    client.force_login(province.users["city_a"])
    return client


def xlsx(rows) -> io.BytesIO:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    buffer.seek(0)
    buffer.name = "收缴表.xlsx"
    return buffer


def test_pay_page_issues_a_receipt_and_refuses_over_payment(city_a, province):
    record = make_record(province.branch_a1, name="张三")
    url = reverse("admin:dues_duesrecord_pay", args=[record.pk])
    assert "120.00" in city_a.get(url).content.decode()
    over = city_a.post(url, {"amount": "130", "paid_on": "2025-06-01", "method": "cash"})
    assert over.status_code == 200
    assert "超过张三尚欠的120.00元" in over.content.decode()
    done = city_a.post(url, {"amount": "100", "paid_on": "2025-06-01", "method": "alipay"})
    assert done.status_code == 302
    payment = Payment.objects.get()
    assert (payment.unit, payment.recorded_by) == (province.branch_a1, "city_a")
    receipt = city_a.get(reverse("admin:dues_payment_receipt", args=[payment.pk]))
    assert receipt["Content-Type"] == "application/pdf" and receipt.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="export", object_type="dues.payment", object_id=str(payment.pk)
    ).exists()


def test_void_page_keeps_the_number(city_a, province):
    payment = pay(make_record(province.branch_a1), "60")
    url = reverse("admin:dues_payment_void", args=[payment.pk])
    empty = city_a.post(url, {"reason": ""})
    assert empty.status_code == 200 and not Payment.objects.get().voided
    assert city_a.post(url, {"reason": "重复登记"}).status_code == 302
    payment.refresh_from_db()
    assert payment.voided and payment.void_reason == "重复登记"
    assert DuesRecord.objects.get().amount_paid == 0
    again = city_a.post(url, {"reason": "再作废"})
    assert "已作废" in again.content.decode()


def test_exemption_page_requires_the_approver_then_clears(city_a, province):
    record = make_record(province.branch_a1)
    url = reverse("admin:dues_duesrecord_exempt", args=[record.pk])
    missing = city_a.post(
        url,
        {"exempt_reason": "hardship", "exempt_approved_by": "", "exempt_approved_on": "2025-05-01"},
    )
    assert missing.status_code == 200 and not DuesRecord.objects.get().exempt
    ok = city_a.post(
        url,
        {
            "exempt_reason": "hardship",
            "exempt_approved_by": "王主委",
            "exempt_approved_on": "2025-05-01",
        },
    )
    assert ok.status_code == 302
    record.refresh_from_db()
    assert record.exempt and record.exempt_approved_by == "王主委"
    city_a.post(url, {"action": "clear"})
    assert not DuesRecord.objects.get().exempt


def test_bulk_collection_saves_all_or_nothing(city_a, province):
    a = make_record(province.branch_a1, name="张三")
    b = make_record(province.branch_a1, name="李四")
    url = reverse("admin:dues_duesrecord_collect")
    form = {"unit": province.branch_a1.pk, "year": YEAR, "paid_on": "2025-06-01", "method": "cash"}
    bad = city_a.post(url, {**form, f"amount_{a.pk}": "50", f"amount_{b.pk}": "500"})
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "李四：缴费金额500元超过李四尚欠的120.00元" in page
    assert not Payment.objects.exists()
    good = city_a.post(url, {**form, f"amount_{a.pk}": "50", f"amount_{b.pk}": "120"})
    assert good.status_code == 302
    assert sorted(Payment.objects.values_list("receipt_seq", flat=True)) == [1, 2]


def test_branch_officer_collects_for_the_branch(client, province):
    sync_role_groups()
    record = make_record(province.branch_a1)
    make_record(province.branch_a2, name="第二支部会员")
    client.force_login(province.users["branch_a1"])
    url = reverse("admin:dues_duesrecord_collect")
    page = client.get(url, {"year": YEAR}).content.decode()
    assert "第二支部会员" not in page
    form = {
        "unit": province.branch_a1.pk,
        "year": YEAR,
        "paid_on": "2025-06-01",
        "method": "wechat",
    }
    assert client.post(url, {**form, f"amount_{record.pk}": "120"}).status_code == 302
    assert Payment.objects.get().recorded_by == "branch_a1"
    # Officers do not set rules or exemptions.
    assert client.get(reverse("admin:dues_duesrecord_generate")).status_code == 403
    assert client.get(reverse("admin:dues_duesrecord_exempt", args=[record.pk])).status_code == 403


def test_import_reports_every_bad_cell_by_row_and_column_and_keeps_nothing(city_a, province):
    a = make_record(province.branch_a1, name="张三")
    b = make_record(province.branch_a1, name="李四")
    url = reverse("admin:dues_duesrecord_import")
    rows = [
        ["会员编号", "姓名", "金额", "缴费日期", "缴费方式"],
        [a.member.member_number, "张三", 50, "2025-06-01", "微信"],
        [b.member.member_number, "王五", 20, "2025/13/01", "刷卡"],
        ["NO-SUCH", "", None, "2025-06-01", ""],
        [b.member.member_number, "李四", 200, "2025-06-02", "现金"],
    ]
    response = city_a.post(url, {"unit": province.city_a.pk, "year": YEAR, "file": xlsx(rows)})
    page = response.content.decode()
    assert "第3行“姓名”列" in page and "第3行“缴费日期”列" in page and "第3行“缴费方式”列" in page
    assert "第4行“会员编号”列" in page and "第4行“金额”列：必须填写" in page
    assert not Payment.objects.exists()
    # Cells all fine, but the last row pays too much: the whole sheet is refused, naming it.
    rows = [rows[0], rows[1], rows[4]]
    response = city_a.post(url, {"unit": province.city_a.pk, "year": YEAR, "file": xlsx(rows)})
    assert "第3行（李四）：缴费金额200元超过" in response.content.decode()
    assert not Payment.objects.exists()
    rows[2][2] = 70
    done = city_a.post(url, {"unit": province.city_a.pk, "year": YEAR, "file": xlsx(rows)})
    assert done.status_code == 302
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [50, 70]


def test_import_refuses_a_sheet_without_required_columns(city_a, province):
    url = reverse("admin:dues_duesrecord_import")
    response = city_a.post(
        url, {"unit": province.city_a.pk, "year": YEAR, "file": xlsx([["姓名"], ["张三"]])}
    )
    assert "第1行（表头）缺少列：会员编号、金额、缴费日期" in response.content.decode()
    broken = io.BytesIO(b"not a workbook")
    broken.name = "x.xlsx"
    response = city_a.post(url, {"unit": province.city_a.pk, "year": YEAR, "file": broken})
    assert "文件无法读取" in response.content.decode()


def test_arrears_template_round_trips_into_the_import(city_a, province):
    record = make_record(province.branch_a1, name="张三")
    url = reverse("admin:dues_duesrecord_arrears")
    sheet = city_a.get(url, {"unit": province.city_a.pk, "year": YEAR, "export": "template"})
    from python_calamine import CalamineWorkbook

    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(sheet.content)).get_sheet_by_index(0).to_python()
    )
    rows[1][4], rows[1][5] = 120, "2025-06-01"
    done = city_a.post(
        reverse("admin:dues_duesrecord_import"),
        {"unit": province.city_a.pk, "year": YEAR, "file": xlsx(rows)},
    )
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.amount_outstanding == 0


def test_rule_console_checks_bands_and_leaves_the_province_rule_to_the_province(city_a, province):
    rule = make_rule(province.province)
    add = reverse("admin:dues_duesrule_add")
    form = {
        "unit": province.city_a.pk,
        "year": YEAR,
        "kind": "banded",
        "note": "",
        "bands-TOTAL_FORMS": "1",
        "bands-INITIAL_FORMS": "0",
        "bands-0-order": "1",
        "bands-0-code": "low",
        "bands-0-name": "低收入",
        "bands-0-amount": "60",
        "shares-TOTAL_FORMS": "0",
        "shares-INITIAL_FORMS": "0",
    }
    refused = city_a.post(add, form)
    assert refused.status_code == 200 and "默认档次" in refused.content.decode()
    assert city_a.post(add, {**form, "bands-0-is_default": "on"}).status_code == 302
    assert DuesRule.objects.get(unit=province.city_a).bands.get().is_default
    change = city_a.post(
        reverse("admin:dues_duesrule_change", args=[rule.pk]),
        {"unit": province.province.pk, "year": YEAR, "kind": "flat", "flat_amount": "1"},
    )
    assert change.status_code == 403
    rule.refresh_from_db()
    assert rule.flat_amount == 120
