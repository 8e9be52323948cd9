"""Workbooks written with xlsxwriter: the error workbook, the member export, the import template
and the printable roster (花名册). Every text cell is written as a string, never as a formula."""

from __future__ import annotations

import datetime
import io
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter
from django.utils.translation import gettext as _

from grassroots.transfer import columns, values

if TYPE_CHECKING:
    from grassroots.transfer.readers import Sheet
    from grassroots.transfer.services import ImportReport


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def _write_text(ws: Any, row: int, col: int, value: object, fmt: Any = None) -> None:
    text = values.neutralize(_cell_text(value))
    assert isinstance(text, str)
    if text:
        ws.write_string(row, col, text, fmt)
    elif fmt is not None:
        ws.write_blank(row, col, None, fmt)


def error_workbook(
    table: Sheet, header: columns.HeaderMap, report: ImportReport, *, only_error_rows: bool
) -> bytes:
    """The original header and rows (as text, so IDs stay intact) plus an 错误说明 column."""
    by_row: dict[int, list[str]] = {}
    for error in report.errors:
        by_row.setdefault(error.row, []).append(
            f"{error.column}：{error.message}" if error.column else error.message
        )
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet(_("错误清单"))
    text = wb.add_format({"num_format": "@"})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    bad = wb.add_format({"num_format": "@", "bg_color": "#FCE4D6"})
    red = wb.add_format({"font_color": "#C00000", "text_wrap": True})
    width = len(header.headers)
    for col, name in enumerate(header.headers):
        _write_text(ws, 0, col, name, bold)
    _write_text(ws, 0, width, _("错误说明"), bold)
    ws.set_column(0, width - 1, 14, text)
    ws.set_column(width, width, 60)
    ws.freeze_panes(1, 0)
    out_row = 1
    for index in range(header.row_index + 1, len(table.rows)):
        number = index + 1
        messages = by_row.get(number)
        if only_error_rows and not messages:
            continue
        cells = table.rows[index]
        if not messages and all(_cell_text(c).strip() == "" for c in cells):
            continue
        fmt = bad if messages else None
        for col in range(width):
            _write_text(ws, out_row, col, cells[col] if col < len(cells) else "", fmt)
        if messages:
            ws.write_string(
                out_row, width, _("第%(n)d行：") % {"n": number} + "；".join(messages), red
            )
        out_row += 1
    wb.close()
    return out.getvalue()


# --- export ---------------------------------------------------------------------------------

EXPORT_COLUMNS: dict[str, tuple[Any, str]] = {
    # key: (header, values() lookup)
    "member_number": (_("会员编号"), "member_number"),
    "name": (_("姓名"), "name"),
    "sex": (_("性别"), "sex"),
    "ethnicity": (_("民族"), "ethnicity__name"),
    "birth_date": (_("出生日期"), "birth_date"),
    "id_number": (_("身份证号"), "id_number_masked"),
    "phone": (_("手机号码"), "phone"),
    "email": (_("电子邮箱"), "email"),
    "education": (_("学历"), "education__name"),
    "degree": (_("学位"), "degree"),
    "title": (_("职称"), "title__name"),
    "sector": (_("界别"), "sector__name"),
    "employer": (_("工作单位"), "employer"),
    "post": (_("职务"), "post"),
    "join_date": (_("入会日期"), "join_date"),
    "unit": (_("所属组织"), "unit__name"),
    "unit_code": (_("组织代码"), "unit__code"),
    "status": (_("状态"), "status"),
    "is_talent": (_("优才"), "is_talent"),
    "talent_kind": (_("优才类别"), "talent_kind__name"),
}
DEFAULT_EXPORT = [
    "member_number",
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "title",
    "sector",
    "employer",
    "post",
    "join_date",
    "unit",
]


def export_workbook(
    rows: Iterable[Sequence[object]], headers: Sequence[str], *, sheet: str
) -> bytes:
    """Rows already turned into display values; written in constant memory."""
    # constant_memory flushes each row to a temporary file as it is written (in_memory would
    # override it and hold the whole sheet), so a 100,000-member export stays small.
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        wb = xlsxwriter.Workbook(
            handle.name, {"constant_memory": True, "strings_to_formulas": False}
        )
        _fill_export(wb, rows, headers, sheet)
        wb.close()
        return Path(handle.name).read_bytes()


def _fill_export(
    wb: Any, rows: Iterable[Sequence[object]], headers: Sequence[str], sheet: str
) -> None:
    ws = wb.add_worksheet(sheet[:31])
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for col, name in enumerate(headers):
        ws.write_string(0, col, str(name), bold)
    ws.set_column(0, len(headers) - 1, 14)
    ws.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):
                ws.write_datetime(r, c, value, date)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(values.neutralize(str(value))))


# --- import template ------------------------------------------------------------------------


def template_workbook(choices: dict[str, list[str]]) -> bytes:
    """Header row, one example row and drop-down lists (data validation) for choice columns."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet(_("会员名单"))
    lists = wb.add_worksheet(_("选项"))
    text = wb.add_format({"num_format": "@"})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    note = wb.add_format({"font_color": "#808080", "num_format": "@"})
    keys = [c.key for c in columns.COLUMNS]
    for col, column in enumerate(columns.COLUMNS):
        ws.write_string(0, col, str(column.label), bold)
        ws.set_column(col, col, 20 if column.kind in ("id", "text", "unit") else 12, text)
    example = {c.key: c.example for c in columns.COLUMNS}
    example.update(
        {
            "education": "大学本科",
            "degree": "学士",
            "title": "中级",
            "sector": "教育",
            "employer": "某某大学",
            "post": "教师",
            "join_date": "2020-06-01",
            "is_talent": "否",
            "email": "zhangsan@example.org",
        }
    )
    for col, key in enumerate(keys):
        ws.write_string(1, col, example.get(key, ""), note)
    for list_col, (key, options) in enumerate(choices.items()):
        if key not in keys or not options:
            continue
        lists.write_string(0, list_col, str(columns.BY_KEY[key].label), bold)
        for r, option in enumerate(options, start=1):
            lists.write_string(r, list_col, option)
        letter = xlsxwriter.utility.xl_col_to_name(list_col)
        col = keys.index(key)
        ws.data_validation(
            1,
            col,
            10000,
            col,
            {
                "validate": "list",
                "source": f"='{lists.name}'!${letter}$2:${letter}${len(options) + 1}",
                "error_type": "warning",
                "error_message": _("请从下拉列表中选择"),
            },
        )
    ws.freeze_panes(1, 0)
    ws.write_comment(
        0, keys.index("id_number"), _("请保持本列为文本格式，否则身份证号末几位会丢失")
    )
    lists.hide()
    wb.close()
    return out.getvalue()


# --- printable roster -----------------------------------------------------------------------

ROSTER_HEADERS = [
    _("序号"),
    _("姓名"),
    _("性别"),
    _("民族"),
    _("出生年月"),
    _("学历"),
    _("职称"),
    _("工作单位及职务"),
    _("入会时间"),
    _("联系电话"),
]


def roster_workbook(
    *, title: str, unit_name: str, day: datetime.date, rows: Iterable[Sequence[str]]
) -> bytes:
    """A4 landscape, header row repeated on every page, page numbers, signature lines."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet(_("花名册"))
    last = len(ROSTER_HEADERS) - 1
    title_fmt = wb.add_format({"bold": True, "font_size": 18, "align": "center"})
    meta = wb.add_format({"font_size": 11})
    head = wb.add_format(
        {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "bg_color": "#F2F2F2"}
    )
    cell = wb.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
    center = wb.add_format({"border": 1, "align": "center", "valign": "vcenter"})
    ws.merge_range(0, 0, 0, last, title, title_fmt)
    ws.merge_range(1, 0, 1, 5, _("组织：%(unit)s") % {"unit": unit_name}, meta)
    ws.merge_range(
        1, 6, 1, last, _("制表日期：%(d)s") % {"d": f"{day.year}年{day.month}月{day.day}日"}, meta
    )
    for col, name in enumerate(ROSTER_HEADERS):
        ws.write_string(2, col, str(name), head)
    widths = [6, 10, 6, 8, 10, 12, 12, 36, 10, 14]
    for col, w in enumerate(widths):
        ws.set_column(col, col, w)
    r = 3
    for r, row in enumerate(rows, start=3):
        for col, value in enumerate(row):
            fmt = cell if col == 7 else center
            ws.write_string(r, col, str(values.neutralize(str(value))), fmt)
    sign = r + 2
    ws.merge_range(sign, 0, sign, 4, _("制表人：____________"), meta)
    ws.merge_range(sign, 5, sign, last, _("审核人：____________"), meta)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.repeat_rows(2)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C" + _("第 &P 页，共 &N 页"))
    ws.print_area(0, 0, sign, last)
    wb.close()
    return out.getvalue()
