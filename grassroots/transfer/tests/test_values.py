"""Cell-level quirks of real rosters: dates, ID numbers stored as numbers, encodings, limits."""

import datetime
import zipfile

import pytest
from django.test import override_settings

from grassroots.transfer import columns, readers, values


@pytest.mark.parametrize(
    "raw",
    [
        datetime.date(1975, 3, 8),
        datetime.datetime(1975, 3, 8, 0, 0),
        27461.0,  # Excel serial
        "27461",
        "1975-03-08",
        "1975/3/8",
        "1975.03.08",
        "1975年3月8日",
        "１９７５年３月８日",  # full-width digits
        " 1975 - 03 - 08 ",
        "19750308",
        19750308,
        "1975-03-08 00:00:00",
    ],
)
def test_date_forms(raw):
    assert values.parse_date(raw) == datetime.date(1975, 3, 8)


@pytest.mark.parametrize("raw", ["1975.03", "1975年3月", "1975-3", "197503", 1975.03])
def test_year_month_means_first_of_month(raw):
    assert values.parse_date(raw) == datetime.date(1975, 3, 1)


@pytest.mark.parametrize("raw", ["1975-02-30", "不详", "75.3.8"])
def test_bad_dates_say_what_is_wrong(raw):
    with pytest.raises(ValueError, match=str(raw).replace(".", r"\.")):
        values.parse_date(raw)


def test_blank_date_is_none():
    assert values.parse_date("  ") is None
    assert values.parse_date(None) is None


@pytest.mark.parametrize("raw", [4.30102197503081e17, 430102197503081000, "4.30102197503081E+17"])
def test_id_stored_as_number_is_detected_with_its_fix(raw):
    assert values.id_lost_digits(raw)
    message = values.id_lost_digits_message(raw)
    assert "4.30102197503081E+17" in message
    assert "文本" in message and "丢失" in message


def test_id_as_text_is_not_flagged():
    assert not values.id_lost_digits("430102197503081234")
    assert not values.id_lost_digits("13800138000")


def test_fast_id_parse_agrees_with_core_rules():
    from grassroots.core import ids

    good = ids.build("430102", datetime.date(1975, 3, 8), 7, "F")
    parsed = values.parse_id(" " + good.lower().replace("x", "x") + " ")
    assert parsed == ids.parse(good)
    spaced = "".join(chr(ord(c) + 0xFEE0) for c in good)  # full-width digits
    assert values.parse_id(spaced).value == good
    for bad in (good[:-1] + ("0" if good[-1] != "0" else "1"), "999999" + good[6:], good[:17]):
        with pytest.raises(ids.IdNumberError) as exc:
            values.parse_id(bad)
        with pytest.raises(ids.IdNumberError) as core:
            ids.parse(bad)
        assert str(exc.value) == str(core.value)


def test_text_folds_full_width_and_spaces():
    assert values.text("　张　 三 ") == "张 三"
    assert values.compact("张　三") == "张三"
    assert values.text(13800138000.0) == "13800138000"


@pytest.mark.parametrize("value", ["=1+1", "+86", "-2", "@SUM(A1)", "\tx"])
def test_formula_like_text_is_neutralized(value):
    assert values.neutralize(value) == "'" + value


def test_header_aliases():
    assert columns.match_header("名字") == "name"
    assert columns.match_header("公民身份号码") == "id_number"
    assert columns.match_header(" 出生年月 ") == "birth_date"
    assert columns.match_header("联系电话") == "phone"
    assert columns.match_header("基层组织") == "unit"
    assert columns.match_header("最高学历*") == "education"
    assert columns.match_header("爱好") is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "roster.csv"
    path.write_bytes("姓名,身份证号\r\n张三,430102197503081234\r\n".encode(encoding))
    sheet = readers.read_table(path)
    assert sheet.rows[0] == ["姓名", "身份证号"]
    assert sheet.rows[1][0] == "张三"


def test_undecodable_csv_is_a_file_error(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xff\xfe\x00\xd8\x81\x30\x81" * 10)
    with pytest.raises(readers.FileReadError, match="编码"):
        readers.read_table(path)


@override_settings(GRASSROOTS_IMPORT_MAX_BYTES=100)
def test_file_size_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 101)
    with pytest.raises(readers.FileReadError, match="超过上限"):
        readers.read_table(path)


@override_settings(GRASSROOTS_IMPORT_MAX_UNCOMPRESSED=1024 * 1024)
def test_zip_bomb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (3 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    with pytest.raises(readers.FileReadError, match="解压后"):
        readers.read_table(path)


def test_unsupported_and_broken_files(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(readers.FileReadError, match="不支持"):
        readers.read_table(tmp_path / "a.pdf")
    (tmp_path / "b.xlsx").write_bytes(b"not a zip at all")
    with pytest.raises(readers.FileReadError, match="损坏"):
        readers.read_table(tmp_path / "b.xlsx")
