"""Exports: scope, masking, formula neutralization, audit; the template; the printable roster."""

import zipfile
from io import BytesIO

from python_calamine import CalamineWorkbook

from grassroots.core.audit import AuditEvent
from grassroots.members.models import Member
from grassroots.members.tests.factories import create_member
from grassroots.transfer import services


def table(data: bytes, sheet: int = 0) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(BytesIO(data)).get_sheet_by_index(sheet).to_python()


def xml(data: bytes, name: str) -> str:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return archive.read(name).decode()


def test_export_stays_in_scope_masks_ids_and_is_audited(province):
    mine = create_member(province.branch_a1, name="甲", employer='=HYPERLINK("x")')
    create_member(province.city_b, name="乙")
    user = province.users["city_a"]
    data, count = services.members_export(actor=user, params={"q": ["甲"]})
    rows = table(data)
    assert count == 1 and len(rows) == 2
    header, row = rows
    assert row[header.index("姓名")] == "甲"
    assert row[header.index("身份证号")] == mine.id_number_masked
    assert row[header.index("工作单位")] == '\'=HYPERLINK("x")'
    event = AuditEvent.objects.get(action="export", operation="transfer.members_export")
    assert event.extra["rows"] == 1
    assert event.extra["filter"] == {"q": ["甲"]}
    assert event.extra["id_numbers_revealed"] is False


def test_export_with_reveal_permission_and_chosen_columns(province):
    member = create_member(province.branch_a1, name="丙")
    admin = province.users["admin"]
    data, _count = services.members_export(
        actor=admin,
        queryset=Member.objects.filter(pk=member.pk),
        columns_wanted=["name", "id_number"],
    )
    assert table(data) == [["姓名", "身份证号"], ["丙", member.id_number]]
    assert AuditEvent.objects.get(action="export").extra["id_numbers_revealed"] is True


def test_export_queryset_is_narrowed_to_scope(province):
    create_member(province.city_b, name="丁")
    _data, count = services.members_export(
        actor=province.users["city_a"], queryset=Member.objects.all()
    )
    assert count == 0


def test_import_template_has_header_example_and_dropdowns(db):
    data = services.import_template()
    rows = table(data)
    assert rows[0][:4] == ["姓名", "性别", "民族", "身份证号"]
    assert rows[1][0] == "张三"
    sheet = xml(data, "xl/worksheets/sheet1.xml")
    assert sheet.count("<dataValidation ") >= 7
    assert "选项" in xml(data, "xl/workbook.xml")
    options = table(data, 1)
    assert "大学本科" in [r[options[0].index("学历")] for r in options[1:]]


def test_roster_is_print_ready(province):
    create_member(province.branch_a1, name="戊", employer="某大学", post="教授")
    create_member(province.branch_a2, name="己")
    data, count = services.unit_roster(unit=province.city_a, actor=province.users["city_a"])
    assert count == 2
    rows = table(data)
    assert rows[0][0] == "长沙市委会会员花名册"
    assert rows[1][0].startswith("组织：长沙市委会")
    assert rows[2][:2] == ["序号", "姓名"]
    assert "制表人：" in str(rows[-1][0]) and "审核人：" in str(rows[-1][5])
    sheet = xml(data, "xl/worksheets/sheet1.xml")
    assert 'orientation="landscape"' in sheet and 'paperSize="9"' in sheet
    assert "&amp;P" in sheet  # page number in the footer
    assert "_xlnm.Print_Titles" in xml(data, "xl/workbook.xml")  # repeated header row
    assert AuditEvent.objects.get(operation="transfer.unit_roster").extra["rows"] == 2
