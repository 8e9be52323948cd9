"""Resident ID numbers (GB 11643) validated with python-stdnum's building blocks.

The region code must exist in the national code table in *any* year: stdnum's own
``get_birth_place`` also demands that the code was assigned in the birth year, which real
numbers break (codes are never reissued when districts are renamed). Residence permits of
Hong Kong, Macao and Taiwan residents (810000, 820000, 830000) are accepted as well.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

RESIDENCE_PERMIT_REGIONS = {"810000", "820000", "830000"}


class IdNumberError(ValueError):
    """A human-readable reason why an ID number is not valid."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: datetime.date
    sex: str  # "M" or "F"

    @property
    def tail(self) -> str:
        return self.value[-4:]


def normalize(raw: str) -> str:
    """Full-width to half-width, spaces dropped, a lowercase x raised."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return "".join(text.split()).replace("-", "").upper()


def region_exists(code: str) -> bool:
    if code in RESIDENCE_PERMIT_REGIONS:
        return True
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return "county" in info


def parse(raw: str) -> IdNumber:
    number = normalize(raw)
    if len(number) != 18:
        raise IdNumberError(_("身份证号应为18位，实际为%(n)d位") % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(_("身份证号只能由数字和末位的X组成"))
    if number[-1] != ric.calc_check_digit(number):
        raise IdNumberError(
            _("身份证号校验位错误（末位应为%(c)s）") % {"c": ric.calc_check_digit(number)}
        )
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent as exc:
        raise IdNumberError(_("身份证号中的出生日期不存在")) from exc
    if birth > datetime.date.today() or birth.year < 1900:
        raise IdNumberError(_("身份证号中的出生日期不合理"))
    if not region_exists(number[:6]):
        raise IdNumberError(_("身份证号的地区码%(code)s不存在") % {"code": number[:6]})
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(value=number, birth_date=birth, sex=sex)


SEQUENCES = 500  # numbers ``build`` can give for one region, birth date and sex


def build(region: str, birth: datetime.date, sequence: int, sex: str) -> str:
    """Compose a valid number (used by the demo and tests): sequence 0-499, the last of its
    digits folded into the sex digit."""
    return compose(f"{region}{birth:%Y%m%d}", sequence, sex)


def compose(prefix: str, sequence: int, sex: str) -> str:
    """``build`` from the region and birth digits already joined (``prefix``, 14 digits): a
    caller composing many numbers formats each region and birth date once."""
    sex_digit = (sequence % 5) * 2 + (1 if sex == "M" else 0)
    body = f"{prefix}{sequence // 5 % 100:02d}{sex_digit}"
    return body + ric.calc_check_digit(body + "0")
