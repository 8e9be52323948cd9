"""Hunan's prefecture-level cities and their current counties, read from python-stdnum's
national region-code table (cn/loc), so that demo ID numbers carry real region codes."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from stdnum import numdb

PROVINCE = "43"
CITY_CODES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "31"]
_RANGED = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
_NOT_A_COUNTY = {"市辖区", "市区", "郊区"}


@dataclass(frozen=True)
class City:
    code: str  # 4 digits, e.g. "4301"
    name: str  # 长沙市
    short: str  # 长沙
    counties: tuple[tuple[str, str], ...]  # (6-digit region code, current name)


def _current_name(raw: str) -> str | None:
    """The name in use today, or None when the code has been retired."""
    last = raw.split(",")[-1]
    match = _RANGED.match(last)
    if match is None:
        return last
    return None if match.group(2) else match.group(3)


def _name(code: str) -> str | None:
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    raw = info.get("county")
    return _current_name(raw) if raw else None


@functools.cache
def hunan_cities() -> tuple[City, ...]:
    cities = []
    for cc in CITY_CODES:
        name = _name(f"{PROVINCE}{cc}00") or ""
        counties = []
        for n in range(1, 100):
            code = f"{PROVINCE}{cc}{n:02d}"
            county = _name(code)
            if county and county not in _NOT_A_COUNTY:
                counties.append((code, county))
        short = name.removesuffix("市")
        if "自治州" in name:
            short = name[:2]
        cities.append(
            City(code=f"{PROVINCE}{cc}", name=name, short=short, counties=tuple(counties))
        )
    return tuple(cities)
