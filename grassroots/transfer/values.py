"""Turning real spreadsheet cells into clean values: dates, ID numbers, text, yes/no.

Every parser raises ValueError with a Chinese message naming what is wrong with the value.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata

from django.utils.translation import gettext as _
from stdnum.cn import ric

from grassroots.core import ids

EXCEL_EPOCH = datetime.date(1899, 12, 30)
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?E\+?[0-9]+$", re.IGNORECASE)
_DATE_FULL = re.compile(r"^([12][0-9]{3})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?$")
_DATE_MONTH = re.compile(r"^([12][0-9]{3})\s*[-/.年]\s*([0-9]{1,2})\s*月?$")
_DATE_COMPACT = re.compile(r"^([12][0-9]{3})([01][0-9])([0-3][0-9])?$")
_DATE_TIME_SUFFIX = re.compile(r"[ T]0{1,2}:00(:00)?(\.0+)?\s*$")


def text(value: object) -> str:
    """Full-width folded (NFKC), inner runs of spaces collapsed, ends trimmed."""
    if type(value) is str:
        folded = value if value.isascii() else unicodedata.normalize("NFKC", value)
        return " ".join(folded.split())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    folded = unicodedata.normalize("NFKC", str(value))
    return " ".join(folded.split())


def compact(value: object) -> str:
    """Like ``text`` but with every space removed (names, numbers, codes)."""
    if type(value) is str:
        folded = value if value.isascii() else unicodedata.normalize("NFKC", value)
        return "".join(folded.split())
    return "".join(text(value).split())


def excel_serial(number: float) -> datetime.date:
    if not 1 <= number < 2958466:
        raise ValueError
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def parse_date(value: object) -> datetime.date | None:
    """A date from a date cell, an Excel serial, or the written forms offices use.

    Year-month forms (1975.03, 1975年3月) mean the first day of that month.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_or_compact(float(value))
    raw = "".join(_DATE_TIME_SUFFIX.sub("", text(value)).split())
    if not raw:
        return None
    return _parse_date_text(raw)


def _serial_or_compact(number: float) -> datetime.date:
    if number.is_integer() and 19000101 <= number <= 21001231:
        return _parse_date_text(str(int(number)))
    if number.is_integer() and 190001 <= number <= 210012:
        return _parse_date_text(str(int(number)))
    if 10000 <= number < 80000:  # 1927-05-18 .. 2119-01-10 as an Excel serial
        return excel_serial(number)
    if 1900 < number < 2100 and not number.is_integer():  # 1975.03 typed as a number
        year = int(number)
        month = round((number - year) * 100)
        return _parse_date_text(f"{year}.{month}")
    raise ValueError(_("无法识别的日期：%(v)s") % {"v": text(number)})


@functools.lru_cache(maxsize=65536)
def _parse_date_text(raw: str) -> datetime.date:
    match = _DATE_FULL.match(raw)
    try:
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        match = _DATE_MONTH.match(raw)
        if match:
            return datetime.date(int(match[1]), int(match[2]), 1)
        match = _DATE_COMPACT.match(raw)
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3] or 1))
        if raw.replace(".", "", 1).isdigit():
            return _serial_or_compact(float(raw))
    except ValueError as exc:
        raise ValueError(_("日期不存在：%(v)s") % {"v": raw}) from exc
    raise ValueError(
        _("无法识别的日期：%(v)s（可写作1975-03-08、1975/3/8、1975年3月8日或1975.03）") % {"v": raw}
    )


def id_lost_digits(value: object) -> bool:
    """An ID that Excel turned into a number: a float/int, or its scientific-notation text."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return value >= 1e16
    raw = compact(value)
    return bool(_SCIENTIFIC.match(raw))


def id_lost_digits_message(value: object) -> str:
    shown = (
        f"{value:.14E}".replace("00E", "E").replace("0E", "E")
        if isinstance(value, float | int)
        else compact(value)
    )
    return _(
        "身份证号被Excel当作数字保存，后几位已经丢失（现为%(v)s），无法恢复："
        "请把该列单元格格式设为“文本”，重新填写完整的18位身份证号后再导入"
    ) % {"v": shown}


@functools.lru_cache(maxsize=8192)
def _region_exists(code: str) -> bool:
    return ids.region_exists(code)


def parse_id(raw: str, today: datetime.date | None = None) -> ids.IdNumber:
    """Same rules as ``core.ids.parse`` with the region table lookup cached (the hot path of a
    100,000-row import); anything the fast checks reject goes through ``ids.parse`` for its
    exact message. ``today`` (``date.today()`` unless given) bounds the birth date: a caller
    checking many numbers passes it once."""
    if raw.isascii():  # NFKC leaves ASCII alone: ids.normalize without it
        number = "".join(raw.split()).replace("-", "").upper()
    else:
        number = ids.normalize(raw)
    if len(number) == 18 and number[:17].isdigit():
        last = number[17]
        if (last.isdigit() or last == "X") and last == ric.calc_check_digit(number):
            try:
                birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            except ValueError:
                birth = None
            if (
                birth is not None
                and 1900 <= birth.year
                and birth <= (today or datetime.date.today())
                and _region_exists(number[:6])
            ):
                sex = "M" if int(number[16]) % 2 == 1 else "F"
                return ids.IdNumber(value=number, birth_date=birth, sex=sex)
    return ids.parse(number)  # raises IdNumberError with the reason


SEX_WORDS = {"男": "M", "男性": "M", "m": "M", "male": "M", "女": "F", "女性": "F", "f": "F"}
SEX_WORDS["female"] = "F"
YES = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
NO = {"否", "n", "no", "false", "0", "×", "无", ""}


def parse_sex(value: object) -> str:
    raw = compact(value).lower()
    if not raw:
        return ""
    if raw in SEX_WORDS:
        return SEX_WORDS[raw]
    raise ValueError(_("无法识别的性别：%(v)s（应填“男”或“女”）") % {"v": raw})


def parse_bool(value: object) -> bool:
    raw = compact(value).lower()
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise ValueError(_("应填“是”或“否”，实际为：%(v)s") % {"v": raw})


def neutralize(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
