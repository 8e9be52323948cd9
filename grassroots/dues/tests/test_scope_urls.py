"""Scope of the dues console pages and API: city-A staff never see or touch city B.

Each test is named in ``grassroots/dues/scope_coverage.py`` for the URLs it exercises.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from grassroots.core.models import AuditEvent
from grassroots.dues.models import DuesRecord, Payment
from grassroots.dues.tests.factories import YEAR, make_record, make_rule, pay
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db
API = "/api/v1/dues"
MISSING = 987654321


@pytest.fixture
def city_a(client, province):
    client.force_login(province.users["city_a"])
    return client


def sheet(response) -> list[list]:
    return (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )


def test_console_generate_is_scoped(city_a, province):
    make_rule(province.province)
    mine, theirs = create_member(province.branch_a1), create_member(province.branch_b1)
    url = reverse("admin:dues_duesrecord_generate")
    page = city_a.get(url).content.decode()
    assert province.city_a.name in page and province.city_b.name not in page
    refused = city_a.post(url, {"unit": province.city_b.pk, "year": YEAR})
    assert refused.status_code == 200 and not DuesRecord.objects.exists()
    done = city_a.post(url, {"unit": province.city_a.pk, "year": YEAR})
    assert done.status_code == 302
    assert list(DuesRecord.objects.values_list("member_id", flat=True)) == [mine.pk]
    assert theirs.pk not in DuesRecord.objects.values_list("member_id", flat=True)


def test_console_bulk_collection_is_scoped(city_a, province):
    mine = make_record(province.branch_a1, name="张三")
    theirs = make_record(province.branch_b1, name="李四")
    url = reverse("admin:dues_duesrecord_collect")
    page = city_a.get(url, {"unit": province.city_a.pk, "year": YEAR}).content.decode()
    assert "张三" in page and "李四" not in page and province.city_b.name not in page
    assert city_a.get(url, {"unit": province.city_b.pk, "year": YEAR}).status_code == 404
    assert city_a.get(url, {"unit": MISSING, "year": YEAR}).status_code == 404
    # A sibling's row id slipped into the form is not a line of this list: nothing is recorded.
    posted = city_a.post(
        url,
        {
            "unit": province.city_a.pk,
            "year": YEAR,
            "paid_on": "2025-06-01",
            "method": "cash",
            f"amount_{theirs.pk}": "10",
            f"amount_{mine.pk}": "30",
        },
    )
    assert posted.status_code == 302
    assert list(Payment.objects.values_list("record_id", "amount")) == [(mine.pk, 30)]
    assert city_a.post(url, {"unit": province.city_b.pk, "year": YEAR}).status_code == 404


def _sheet_bytes(rows) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    book.close()
    return buffer.getvalue()


def test_console_import_is_scoped(city_a, province):
    theirs = make_record(province.branch_b1)
    mine = make_record(province.branch_a1)
    url = reverse("admin:dues_duesrecord_import")
    page = city_a.get(url).content.decode()
    assert province.city_b.name not in page
    content = _sheet_bytes(
        [["会员编号", "金额", "缴费日期"], [theirs.member.member_number, 10, "2025-06-01"]]
    )
    # City B's unit is not a choice; city A's unit does not hold city B's member.
    for unit in (province.city_b, province.city_a):
        upload = io.BytesIO(content)
        upload.name = "收缴表.xlsx"
        response = city_a.post(url, {"unit": unit.pk, "year": YEAR, "file": upload})
        assert response.status_code == 200
    assert "没有会员编号为" in response.content.decode()
    assert not Payment.objects.exists()
    upload = io.BytesIO(
        _sheet_bytes(
            [["会员编号", "金额", "缴费日期"], [mine.member.member_number, 10, "2025-06-01"]]
        )
    )
    upload.name = "收缴表.xlsx"
    done = city_a.post(url, {"unit": province.city_a.pk, "year": YEAR, "file": upload})
    assert done.status_code == 302
    assert list(Payment.objects.values_list("record_id", flat=True)) == [mine.pk]


def test_console_arrears_page_and_export_are_scoped(city_a, province):
    make_record(province.branch_a1, name="张三")
    make_record(province.branch_b1, name="李四")
    url = reverse("admin:dues_duesrecord_arrears")
    page = city_a.get(url, {"year": YEAR}).content.decode()
    assert "张三" in page and "李四" not in page and province.city_b.name not in page
    assert city_a.get(url, {"unit": province.city_b.pk, "year": YEAR}).status_code == 404
    export = city_a.get(url, {"unit": province.city_a.pk, "year": YEAR, "export": "xlsx"})
    names = [row[0] for row in sheet(export)[1:]]
    assert names == ["张三"]
    event = AuditEvent.objects.filter(action="export", object_type="dues.duesrecord").latest("id")
    assert event.extra["rows"] == 1 and event.extra["filters"]["unit"] == province.city_a.code
    assert city_a.get(url, {"unit": province.city_b.pk, "export": "xlsx"}).status_code == 404


def test_console_unit_figures_page_and_export_are_scoped(city_a, province):
    pay(make_record(province.branch_a1), "50")
    pay(make_record(province.branch_b1), "70")
    url = reverse("admin:dues_duesrecord_units")
    page = city_a.get(url, {"year": YEAR}).content.decode()
    assert province.branch_a1.name in page and province.branch_b1.name not in page
    assert city_a.get(url, {"unit": province.province.pk, "year": YEAR}).status_code == 404
    export = city_a.get(url, {"unit": province.city_a.pk, "year": YEAR, "export": "xlsx"})
    rows = sheet(export)
    assert [r[0] for r in rows[1:]] == ["长沙市委会", "长沙第一支部", "长沙第二支部"]
    assert rows[1][3] == 50  # collected in the city's subtree: none of city B's 70
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.extra == {
        "filters": {"unit": province.city_a.code, "year": YEAR, "export": "units"},
        "rows": 3,
    }


def test_api_rules_and_years_are_scoped(city_a, province):
    make_rule(province.province, year=YEAR)
    make_rule(province.city_a, year=YEAR, amount="200")
    make_rule(province.city_b, year=YEAR + 1, amount="300")
    rules = city_a.get(f"{API}/rules").json()
    assert sorted(r["unit"] for r in rules["items"]) == ["43", "4301"]
    assert city_a.get(f"{API}/years").json()["items"] == [YEAR]


def test_api_unit_summary_is_scoped(city_a, province):
    pay(make_record(province.branch_a1), "50")
    pay(make_record(province.branch_b1), "70")
    body = city_a.get(f"{API}/units/{province.city_a.pk}/summary", {"year": YEAR}).json()
    assert (body["collected"], body["due"]) == ("50.00", "120.00")
    assert [c["unit"] for c in body["children"]] == ["430101", "430102"]
    for unit_id in (province.city_b.pk, province.province.pk, MISSING):
        assert city_a.get(f"{API}/units/{unit_id}/summary").status_code == 404


def test_api_member_status_is_scoped(city_a, province):
    mine = make_record(province.branch_a1)
    theirs = make_record(province.branch_b1)
    receipt = pay(mine, "20")
    body = city_a.get(f"{API}/members/{mine.member_id}").json()
    assert body["items"][0]["receipts"][0]["receipt_number"] == receipt.receipt_number
    assert body["items"][0]["outstanding"] == "100.00"
    outside = city_a.get(f"{API}/members/{theirs.member_id}")
    absent = city_a.get(f"{API}/members/{MISSING}")
    assert outside.status_code == absent.status_code == 404


def test_api_payment_is_scoped_and_server_sets_the_unit(city_a, province):
    mine = make_record(province.branch_a1)
    theirs = make_record(province.branch_b1)
    pay(theirs, "5")
    body = {"year": YEAR, "amount": "30.00", "paid_on": "2025-06-01", "method": "wechat"}
    for member_id in (theirs.member_id, MISSING):
        refused = city_a.post(
            f"{API}/payments", {**body, "member_id": member_id}, content_type="application/json"
        )
        assert refused.status_code == 404
    made = city_a.post(
        f"{API}/payments",
        {**body, "member_id": mine.member_id, "unit": "4302"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["unit"] == province.branch_a1.code
    over = city_a.post(
        f"{API}/payments",
        {**body, "member_id": mine.member_id, "amount": "91"},
        content_type="application/json",
    )
    assert over.status_code == 422 and "超过" in over.json()["detail"]
    listed = city_a.get(f"{API}/payments").json()
    assert [p["member_id"] for p in listed["items"]] == [mine.member_id]
