"""Reading a roster file into rows of cells: xlsx/xls/ods through python-calamine, csv by hand.

Limits are checked before parsing (file size, the uncompressed size of zip-based formats) and
after (row count), each with a message the office worker can act on.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import python_calamine
from django.conf import settings
from django.utils.translation import gettext as _

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
SUFFIXES = SPREADSHEET_SUFFIXES | {".csv"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED = 400 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000


class FileReadError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


def max_bytes() -> int:
    return int(getattr(settings, "GRASSROOTS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_uncompressed() -> int:
    return int(getattr(settings, "GRASSROOTS_IMPORT_MAX_UNCOMPRESSED", DEFAULT_MAX_UNCOMPRESSED))


def max_rows() -> int:
    return int(getattr(settings, "GRASSROOTS_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


@dataclass
class Sheet:
    rows: list[list[object]]  # rows[i] is the row a person sees as number i + 1
    sheet_name: str
    is_csv: bool


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}"


def check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > max_bytes():
        raise FileReadError(
            _("文件大小为%(size)sMB，超过上限%(limit)sMB：请拆分成几个文件分别导入")
            % {"size": _mb(size), "limit": _mb(max_bytes())}
        )
    if size == 0:
        raise FileReadError(_("文件是空的"))


def check_uncompressed(path: Path) -> None:
    """Zip bomb guard: the declared sizes of the archive's members, read before any parsing."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileReadError(_("文件已损坏或不是有效的Excel/ODS文件")) from exc
    if total > max_uncompressed():
        raise FileReadError(
            _("文件解压后达%(size)sMB，超过上限%(limit)sMB：文件内容异常或过大，请拆分后再导入")
            % {"size": _mb(total), "limit": _mb(max_uncompressed())}
        )


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileReadError(
            _("无法识别文件编码：请另存为UTF-8或GBK编码的CSV，或直接上传Excel文件")
        ) from exc


def read_csv(path: Path) -> Sheet:
    text = decode_csv(path.read_bytes())
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",\t;"
        )
    except csv.Error:
        dialect = csv.excel
    rows: list[list[object]] = []
    limit = max_rows() + 100
    # csv.reader over splitlines keeps a record's line number equal to its row index + 1 only
    # without embedded newlines; line_num tracks the physical line for the person's view.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    for record in reader:
        while len(rows) < reader.line_num - 1:
            rows.append([])
        rows.append(list(record))
        if len(rows) > limit:
            break
    return Sheet(rows=rows, sheet_name="", is_csv=True)


def read_spreadsheet(path: Path, sheet: str | None) -> Sheet:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".ods"}:
        check_uncompressed(path)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for a broken file
        raise FileReadError(
            _("无法读取该文件（%(reason)s）：请确认文件未损坏、未加密，并用Excel另存后重试")
            % {"reason": type(exc).__name__}
        ) from exc
    names = workbook.sheet_names
    if sheet:
        if sheet not in names:
            raise FileReadError(
                _("文件中没有名为“%(sheet)s”的工作表（现有：%(names)s）")
                % {"sheet": sheet, "names": "、".join(names)}
            )
        chosen = workbook.get_sheet_by_name(sheet)
    else:
        if not names:
            raise FileReadError(_("文件中没有工作表"))
        chosen = workbook.get_sheet_by_index(0)
    if chosen.height > max_rows() + 100:
        raise FileReadError(
            _("工作表有%(n)d行，超过单次导入上限%(limit)d行：请拆分后分批导入")
            % {"n": chosen.height, "limit": max_rows()}
        )
    # Without skipping the empty area, rows[i] is the sheet's row i + 1 even when the used
    # range starts lower (so error rows match what the person sees).
    rows: list[list[object]] = chosen.to_python(skip_empty_area=False)  # type: ignore[assignment]
    return Sheet(rows=rows, sheet_name=chosen.name, is_csv=False)


def read_table(path: Path, sheet: str | None = None) -> Sheet:
    """The rows of the chosen sheet (the first unless named); raises FileReadError."""
    if not path.exists():
        raise FileReadError(_("找不到文件：%(name)s") % {"name": path.name})
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileReadError(
            _("不支持的文件类型“%(suffix)s”：请上传 .xlsx、.xls、.ods 或 .csv 文件")
            % {"suffix": suffix or _("无扩展名")}
        )
    check_size(path)
    table = read_csv(path) if suffix == ".csv" else read_spreadsheet(path, sheet)
    return table
