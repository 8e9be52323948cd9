"""Fixture files built by the tests themselves: xlsx (xlsxwriter), csv in several encodings,
a minimal ods written with zipfile."""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import xlsxwriter

from grassroots.core.testing import unique_id_number

HEADER = ["序号", "姓名", "性别", "身份证号", "出生日期", "手机号码", "学历", "所属支部"]


def person(n: int, sex: str = "M", birth: datetime.date | None = None) -> dict:
    birth = birth or datetime.date(1975, 3, 8) + datetime.timedelta(days=n * 41)
    return {
        "name": f"测试{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{n}",
        "sex": "男" if sex == "M" else "女",
        "id": unique_id_number(birth=birth, sex=sex),
        "birth": birth,
    }


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    title: str | None = "某某市委会会员花名册",
    header: Sequence[str] = HEADER,
    footer: Sequence[str] = (),
    text_id_column: int | None = 3,
) -> Path:
    """Title row merged across the header width, a blank row, the header, rows, footer rows."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    if title:
        ws.merge_range(0, 0, 0, len(header) - 1, title)
        ws.merge_range(1, 0, 1, len(header) - 1, "填报单位：长沙市委会")
        r = 3
    ws.write_row(r, 0, header)
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                ws.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            elif value is None:
                continue
            else:
                ws.write_string(r, c, str(value))
    for line in footer:
        r += 2
        ws.write_string(r, 0, line)
    wb.close()
    return path


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> Path:
    lines = [",".join(HEADER)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_ods(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> Path:
    """The smallest OpenDocument spreadsheet calamine accepts: mimetype, manifest, content."""

    def cell(value: object) -> str:
        if value is None or value == "":
            return "<table:table-cell/>"
        if isinstance(value, datetime.date):
            return (
                f'<table:table-cell office:value-type="date" office:date-value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
            "</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
        for row in [["会员花名册"], [], list(header), *rows]
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path
