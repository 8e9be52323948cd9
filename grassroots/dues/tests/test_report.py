"""The annual statistical report carries the dues table, reconciled per unit and in the xlsx."""

import io

import pytest
from python_calamine import CalamineWorkbook

from grassroots.dues.tests.factories import YEAR, make_record, make_rule, pay
from grassroots.planning.report import annual_report, write_xlsx

pytestmark = pytest.mark.django_db


def test_report_has_the_dues_of_the_unit_and_each_unit_below(province):
    make_rule(province.province, amount="120.00")
    a = make_record(province.branch_a1)
    make_record(province.branch_a2)
    b = make_record(province.branch_b1)
    pay(a, "120.00")
    pay(b, "50.00")

    report = annual_report(user=province.users["province"], unit=province.province, year=YEAR)
    table = next(t for t in report.extras if t.key == "dues")
    rows = dict(table.rows)
    # members, due, collected, exempt, outstanding, in arrears, ...
    assert rows["湖南省委会"][:6] == [3, 360.0, 170.0, 0.0, 190.0, 2]
    assert rows["　长沙市委会"][:6] == [2, 240.0, 120.0, 0.0, 120.0, 1]
    assert rows["　株洲市委会"][:6] == [1, 120.0, 50.0, 0.0, 70.0, 1]
    assert table.failures == [] and report.ok

    book = CalamineWorkbook.from_filelike(io.BytesIO(write_xlsx(report)))
    sheet = next(n for n in book.sheet_names if n.endswith("会费收缴"))
    cells = book.get_sheet_by_name(sheet).to_python()
    assert any(row[0] == "湖南省委会" and row[2] == 360 for row in cells)


def test_a_city_sees_only_its_subtree_and_a_year_without_dues_adds_no_table(province):
    make_rule(province.province, amount="120.00")
    make_record(province.branch_a1)
    make_record(province.branch_b1)
    report = annual_report(user=province.users["city_a"], unit=province.city_a, year=YEAR)
    rows = dict(next(t for t in report.extras if t.key == "dues").rows)
    assert rows["长沙市委会"][:2] == [1, 120.0]
    assert "　株洲市委会" not in rows
    empty = annual_report(user=province.users["province"], unit=province.province, year=YEAR - 3)
    assert all(t.key != "dues" for t in empty.extras)
