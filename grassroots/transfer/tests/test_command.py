"""``import_members``: the JSON object on stdout, exit codes, --as, --dry-run, progress on stderr."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from grassroots.members.models import Member
from grassroots.transfer.tests.helpers import person, write_xlsx


def call(*args):
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("import_members", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_json_success_and_progress(province, tmp_path):
    p = person(1)
    path = write_xlsx(tmp_path / "ok.xlsx", [[1, p["name"], p["sex"], p["id"], "", "", "", ""]])
    code, out, err = call(str(path), "--unit", "4301", "--as", "city_a", "--json")
    assert code == 0
    assert json.loads(out) == {
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
        "warnings": [],
    }
    assert "1/1" in err


def test_json_rejected_rows_exit_1(province, tmp_path):
    p = person(2)
    rows = [
        [1, p["name"], p["sex"], p["id"], "", "", "", ""],
        [2, "某", "男", "123", "", "", "", ""],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    code, out, _err = call(str(path), "--unit", "4301", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["created"] == 0
    assert result["errors"] == [
        {"row": 6, "column": "身份证号", "value": "***", "message": "身份证号应为18位，实际为3位"}
    ]
    assert not Member.objects.exists()


def test_json_unreadable_file_exit_2(province, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"")
    code, out, _err = call(str(path), "--unit", "4301", "--json")
    assert code == 2
    assert json.loads(out) == {"error": "文件是空的"}


def test_dry_run_and_valid_only(province, tmp_path):
    people = [person(i) for i in range(3, 5)]
    rows = [[i, p["name"], p["sex"], p["id"], "", "", "", ""] for i, p in enumerate(people)]
    rows.append([9, "某", "男", "", "", "", "", ""])
    rows[-1][2] = ""
    path = write_xlsx(tmp_path / "m.xlsx", rows)
    code, out, _err = call(str(path), "--unit", "4301", "--dry-run", "--valid-only", "--json")
    assert (code, json.loads(out)["created"]) == (1, 2)
    assert not Member.objects.exists()
    code, out, _err = call(str(path), "--unit", "4301", "--valid-only", "--json", "-v", "0")
    assert (code, json.loads(out)["created"]) == (1, 2)
    assert Member.objects.count() == 2


def test_unit_outside_the_actor_scope_is_not_found(province, tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", [[1, "某", "男", person(6)["id"], "", "", "", ""]])
    code, out, _err = call(str(path), "--unit", "4302", "--as", "city_a", "--json")
    assert code == 2
    assert "4302" in json.loads(out)["error"]


def test_text_output_names_rows(province, tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", [[1, "某", "男", "123", "", "", "", ""]])
    code, out, _err = call(str(path), "--unit", "4301")
    assert code == 1
    assert "第5行 身份证号" in out and "未写入" in out


@pytest.mark.parametrize("flag", ["--mode=update"])
def test_update_mode_flag(province, tmp_path, flag):
    p = person(7)
    path = write_xlsx(tmp_path / "u.xlsx", [[1, p["name"], p["sex"], p["id"], "", "", "", ""]])
    call(str(path), "--unit", "4301", "--json")
    code, out, _err = call(str(path), "--unit", "4301", flag, "--json")
    assert (code, json.loads(out)["unchanged"]) == (0, 1)
