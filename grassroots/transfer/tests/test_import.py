"""The import pipeline on files built by the tests: layouts, value quirks, duplicates, modes."""

import datetime
from io import BytesIO
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from grassroots.core.audit import AuditEvent
from grassroots.core.testing import unique_id_number
from grassroots.members.models import Education, Member, NameKey, StatusChange
from grassroots.members.tests.factories import create_member
from grassroots.transfer import services
from grassroots.transfer.models import ImportJob
from grassroots.transfer.tests.helpers import HEADER, person, write_csv, write_ods, write_xlsx

FIXTURES = Path(__file__).parent / "fixtures"


def run(province, path, user="city_a", unit=None, **kwargs):
    return services.import_members(
        path=path,
        unit=unit or province.city_a,
        actor=province.users[user] if user else None,
        **kwargs,
    )


def rows_for(people, unit=""):
    return [
        [i + 1, p["name"], p["sex"], p["id"], p["birth"], "13800138000", "本科", unit]
        for i, p in enumerate(people)
    ]


def test_title_rows_merged_cells_blank_rows_and_footer(province, tmp_path):
    people = [person(i) for i in range(3)]
    rows = rows_for(people)
    rows.insert(1, [None] * len(HEADER))  # a blank row inside the data
    path = write_xlsx(tmp_path / "r.xlsx", rows, footer=["制表人：张三", "审核人：李四"])
    report = run(province, path)
    assert report.as_json() == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
        "warnings": [],
    }
    assert report.exit_code == 0
    member = Member.objects.get(name=people[0]["name"])
    assert member.unit == province.city_a
    assert member.education.code == "bachelor"
    assert member.birth_date == people[0]["birth"]
    assert member.member_number
    assert NameKey.objects.filter(member=member).exists()
    assert StatusChange.objects.filter(member=member).count() == 1


def test_header_aliases_and_unknown_columns_warned(province, tmp_path):
    header = ["名字", "公民身份号码", "出生年月", "联系电话", "最高学历", "基层组织", "爱好"]
    p = person(1)
    rows = [
        [p["name"], p["id"], p["birth"].strftime("%Y年%m月"), "139 0013 9000", "大学", "", "书法"]
    ]
    report = run(province, write_xlsx(tmp_path / "a.xlsx", rows, header=header, title=None))
    assert report.errors == []
    assert report.warnings == ["以下列未识别，已忽略：爱好"]
    member = Member.objects.get(name=p["name"])
    assert member.birth_date == p["birth"]  # year-month agrees with the ID, the ID's day is kept
    assert member.phone == "13900139000"
    assert member.education == Education.objects.get(code="bachelor")


def test_value_quirks_full_width_lowercase_x_and_spaces(province, tmp_path):
    number = unique_id_number(birth=datetime.date(1980, 1, 2), sex="F")
    while not number.endswith("X"):
        number = unique_id_number(birth=datetime.date(1980, 1, 2), sex="F")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number[:-1]) + "x"
    rows = [
        [
            1,
            " 王　 芳 ",
            "女 ",
            " " + full_width + " ",
            "1980年1月2日",
            "１３８００１３８０００",
            "本科",
            "",
        ]
    ]
    report = run(province, write_xlsx(tmp_path / "q.xlsx", rows))
    assert report.errors == []
    member = Member.objects.get(name="王芳")
    assert member.id_number == number
    assert member.phone == "13800138000"


def test_excel_date_serial_and_dotted_dates(province, tmp_path):
    people = [person(i) for i in range(3)]
    serial = (people[0]["birth"] - datetime.date(1899, 12, 30)).days
    births = [
        serial,
        people[1]["birth"].strftime("%Y.%m.%d"),
        people[2]["birth"].strftime("%Y/%-m/%-d"),
    ]
    rows = [
        [i + 1, p["name"], p["sex"], p["id"], births[i], "", "", ""] for i, p in enumerate(people)
    ]
    report = run(province, write_xlsx(tmp_path / "d.xlsx", rows))
    assert report.errors == []
    assert report.created == 3


def test_id_stored_as_number_names_the_loss_and_the_fix(province, tmp_path):
    rows = [[1, "张三", "男", 4.30102197503081e17, "", "", "", ""]]
    report = run(province, write_xlsx(tmp_path / "n.xlsx", rows))
    assert report.exit_code == 1
    [error] = report.errors
    assert (error.row, error.column) == (5, "身份证号")
    assert "丢失" in error.message and "文本" in error.message
    assert error.value.startswith("4301") and "*" in error.value  # masked
    assert not Member.objects.exists()


def test_sex_and_birth_checked_against_the_id(province, tmp_path):
    p = person(3, sex="M")
    rows = [[1, p["name"], "女", p["id"], "1960-01-01", "", "", ""]]
    report = run(province, write_xlsx(tmp_path / "s.xlsx", rows))
    by_column = {e.column: e.message for e in report.errors}
    assert "与身份证号不一致" in by_column["性别"]
    assert "不一致" in by_column["出生日期"]


def test_bad_values_each_name_row_and_column(province, tmp_path):
    p = person(4)
    rows = [[1, p["name"], p["sex"], p["id"], "", "12345", "幼儿园", "火星支部"]]
    report = run(province, write_xlsx(tmp_path / "b.xlsx", rows))
    columns = {e.column for e in report.errors}
    assert columns == {"手机号码", "学历", "所属支部"}
    assert all(e.row == 5 for e in report.errors)


def test_unit_column_by_code_name_and_short_name(province, tmp_path):
    province.branch_a2.short_name = "二支"
    province.branch_a2.save()
    people = [person(i) for i in range(10, 14)]
    units = ["430101", "长沙第一支部", "二支", ""]
    rows = [
        [i + 1, p["name"], p["sex"], p["id"], "", "", "", units[i]] for i, p in enumerate(people)
    ]
    report = run(province, write_xlsx(tmp_path / "u.xlsx", rows))
    assert report.errors == []
    got = [Member.objects.get(name=p["name"]).unit for p in people]
    assert got == [province.branch_a1, province.branch_a1, province.branch_a2, province.city_a]


def test_unit_outside_the_import_unit_is_a_row_error(province, tmp_path):
    p = person(20)
    rows = [[1, p["name"], p["sex"], p["id"], "", "", "", "株洲第一支部"]]
    report = run(province, write_xlsx(tmp_path / "o.xlsx", rows))
    [error] = report.errors
    assert error.column == "所属支部" and "范围" in error.message


def test_duplicates_within_the_file_name_the_earlier_row(province, tmp_path):
    p = person(30)
    rows = rows_for([p, person(31), p])
    report = run(province, write_xlsx(tmp_path / "dup.xlsx", rows))
    [error] = report.errors
    assert error.row == 7
    assert "第5行" in error.message
    assert report.as_json()["errors"][0]["column"] == "身份证号"
    assert not Member.objects.exists()


def test_existing_members_rejected_in_create_mode(province, tmp_path):
    p = person(40)
    create_member(
        province.branch_a1, name="旧档案", id_number=p["id"], birth_date=p["birth"], sex="M"
    )
    outside = person(41)
    create_member(province.city_b, id_number=outside["id"], birth_date=outside["birth"], sex="M")
    report = run(province, write_xlsx(tmp_path / "e.xlsx", rows_for([p, outside])))
    messages = [e.message for e in report.errors]
    assert "旧档案" in messages[0] and "长沙第一支部" in messages[0]
    assert messages[1] == "该身份证号已在其他组织登记"  # nothing about the other scope leaks


def test_all_or_nothing_with_error_workbook_then_valid_only(province, tmp_path):
    good = [person(i) for i in range(50, 53)]
    rows = rows_for(good)
    rows.append([4, "坏行", "男", "430102197503081230", "", "", "", ""])
    path = write_xlsx(tmp_path / "mix.xlsx", rows)
    report = run(province, path)
    assert report.exit_code == 1
    assert (report.created, Member.objects.count()) == (0, 0)
    assert report.job.state == ImportJob.State.REJECTED
    sheet = CalamineWorkbook.from_filelike(BytesIO(report.error_workbook)).get_sheet_by_index(0)
    table = sheet.to_python()
    assert table[0][-1] == "错误说明"
    assert len(table) == 5  # header + every original row
    assert table[4][3] == "430102197503081230"  # original text kept
    assert "第8行" in table[4][-1] and "校验位" in table[4][-1]
    assert report.job.error_file

    partial = run(province, path, valid_only=True)
    assert (partial.created, len(partial.errors)) == (3, 1)
    assert partial.job.state == ImportJob.State.PARTIAL
    assert Member.objects.count() == 3
    only_errors = CalamineWorkbook.from_filelike(BytesIO(partial.error_workbook))
    assert len(only_errors.get_sheet_by_index(0).to_python()) == 2


def test_dry_run_counts_what_would_happen_and_writes_nothing(province, tmp_path):
    path = write_xlsx(tmp_path / "dry.xlsx", rows_for([person(i) for i in range(60, 64)]))
    report = run(province, path, dry_run=True)
    assert (report.rows, report.created) == (4, 4)
    assert not Member.objects.exists()
    assert not ImportJob.objects.exists()


def test_update_mode_changes_only_present_columns_and_is_idempotent(province, tmp_path):
    p = person(70)
    member = create_member(
        province.branch_a1,
        name=p["name"],
        id_number=p["id"],
        birth_date=p["birth"],
        sex="M",
        phone="13700137000",
        employer="原单位",
    )
    header = ["姓名", "身份证号", "手机号码", "工作单位", "所属支部"]
    rows = [[p["name"], p["id"], "13900139000", "", ""]]
    path = write_xlsx(tmp_path / "up.xlsx", rows, header=header, title=None)
    first = run(province, path, mode="update")
    assert (first.updated, first.unchanged, first.errors) == (1, 0, [])
    member.refresh_from_db()
    assert member.phone == "13900139000"
    assert member.employer == "原单位"  # empty cell: untouched
    assert member.unit == province.branch_a1  # empty unit cell keeps the unit
    second = run(province, path, mode="update")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    changes = AuditEvent.objects.filter(
        object_type="members.member", object_id=str(member.pk), action="update"
    )
    assert [e.changes for e in changes] == [{"phone": ["13700137000", "13900139000"]}]


def test_update_mode_different_unit_points_to_transfer(province, tmp_path):
    p = person(80)
    create_member(
        province.branch_a1, name=p["name"], id_number=p["id"], birth_date=p["birth"], sex="M"
    )
    rows = [[p["name"], p["id"], "长沙第二支部"]]
    path = write_xlsx(
        tmp_path / "mv.xlsx", rows, header=["姓名", "身份证号", "所属支部"], title=None
    )
    report = run(province, path, mode="update")
    [error] = report.errors
    assert "组织关系转接" in error.message
    assert Member.objects.get(id_number_hash__isnull=False).unit == province.branch_a1


def test_update_mode_creates_new_people(province, tmp_path):
    path = write_xlsx(tmp_path / "new.xlsx", rows_for([person(90)]))
    report = run(province, path, mode="update")
    assert (report.created, report.updated) == (1, 0)


def test_gb18030_csv_row_numbers_are_line_numbers(province, tmp_path):
    people = [person(i) for i in range(100, 103)]
    rows = [
        [i + 1, p["name"], p["sex"], p["id"], p["birth"].isoformat(), "", "", ""]
        for i, p in enumerate(people)
    ]
    rows[2][3] = "123"
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gb18030")
    report = run(province, path)
    [error] = report.errors
    assert error.row == 4
    assert "18位" in error.message


def test_utf8_bom_csv(province, tmp_path):
    rows = [[1, "赵六", "男", person(110)["id"], "", "", "", ""]]
    report = run(province, write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig"))
    assert report.created == 1


def test_ods(province, tmp_path):
    people = [person(i) for i in range(120, 122)]
    path = write_ods(tmp_path / "r.ods", rows_for(people))
    report = run(province, path)
    assert report.errors == [] and report.created == 2


def test_xls_fixture(province):
    report = run(province, FIXTURES / "roster.xls")
    assert report.errors == []
    assert report.rows == 2
    assert Member.objects.get(name="李晓红").unit == province.branch_a1


def test_unreadable_file_is_exit_2_and_recorded(province, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"garbage")
    report = run(province, path)
    assert report.exit_code == 2
    assert set(report.as_json()) == {"error"}
    assert report.job.state == ImportJob.State.FAILED


def test_missing_header_is_a_file_error(province, tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [["a", "b"]], header=["甲", "乙"], title=None)
    report = run(province, path)
    assert "表头" in report.file_error


def test_row_cap(province, tmp_path, settings):
    settings.GRASSROOTS_IMPORT_MAX_ROWS = 2
    path = write_xlsx(tmp_path / "cap.xlsx", rows_for([person(i) for i in range(130, 133)]))
    report = run(province, path)
    assert "上限2行" in report.file_error


def test_every_import_is_audited_with_file_and_counts(province, tmp_path):
    path = write_xlsx(tmp_path / "audit.xlsx", rows_for([person(140)]))
    report = run(province, path)
    event = AuditEvent.objects.get(operation=services.OPERATION, object_type="transfer.importjob")
    assert event.actor_username == "" or event.extra["file"] == "audit.xlsx"
    assert event.extra["created"] == 1 and event.extra["rows"] == 1
    assert report.job.created_by == province.users["city_a"]
    bulk_event = AuditEvent.objects.get(action="bulk", object_type="members.member")
    assert bulk_event.extra["count"] == 1


def test_out_of_scope_unit_or_read_only_role_is_refused(province, tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", rows_for([person(150)]))
    with pytest.raises(services.PermissionDenied):
        run(province, path, unit=province.city_b)
    with pytest.raises(services.PermissionDenied):
        run(province, path, user="leader", unit=province.province)
