"""Pinyin search keys for names: full and initials, every reading, and surname readings."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable

from pypinyin import Style, pinyin
from pypinyin.constants import PHRASES_DICT

# Surnames whose reading differs from the character's common reading (and compound surnames).
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "曾": ("zeng",),
    "单": ("shan",),
    "仇": ("qiu",),
    "解": ("xie",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "乐": ("yue", "le"),
    "覃": ("qin", "tan"),
    "缪": ("miao",),
    "盖": ("ge", "gai"),
    "召": ("shao",),
    "员": ("yun",),
    "种": ("chong",),
    "秘": ("bi",),
    "繁": ("po",),
    "翟": ("zhai",),
    "黑": ("he",),
    "折": ("she",),
    "句": ("gou",),
    "隗": ("wei",),
    "宓": ("mi",),
    "那": ("na",),
    "燕": ("yan",),
    "纪": ("ji",),
    "华": ("hua",),
    "任": ("ren",),
    "沈": ("shen",),
    "薄": ("bo",),
    "尉": ("yu", "wei"),
    "郇": ("huan", "xun"),
    "冼": ("xian",),
    "阚": ("kan",),
    "应": ("ying",),
    "柏": ("bai",),
    "朝": ("chao",),
}
COMPOUND_SURNAMES = sorted((s for s in SURNAME_READINGS if len(s) > 1), key=len, reverse=True)
MAX_VARIANTS = 16
_ASCII_QUERY = re.compile(r"^[a-z]+$")


def is_pinyin_query(text: str) -> bool:
    return bool(_ASCII_QUERY.match(text))


def _char_readings(chars: str) -> list[list[str]]:
    readings = pinyin(
        chars,
        style=Style.NORMAL,
        heteronym=True,
        errors=lambda s: [c for c in s],  # type: ignore[arg-type,return-value]
    )
    return [
        list(dict.fromkeys(r.lower() for r in options if r.isascii() and r.isalpha())) or [""]
        for options in readings
    ]


def syllable_options(
    name: str, readings: Callable[[str], list[list[str]]] = _char_readings
) -> list[list[str]]:
    """For each syllable of the name, its possible readings (surname readings first)."""
    name = "".join(name.split())
    for compound in COMPOUND_SURNAMES:
        if name.startswith(compound):
            surname = [[r] for r in SURNAME_READINGS[compound]]
            return surname + readings(name[len(compound) :])
    options = readings(name)
    if name and name[0] in SURNAME_READINGS and options:
        options[0] = list(dict.fromkeys([*SURNAME_READINGS[name[0]], *options[0]]))
    return options


def _spoken(options: list[list[str]]) -> list[list[str]]:
    """The syllables that have a reading (characters pypinyin cannot read are left out)."""
    return [o for o in options if o != [""]]


def _keys(options: list[list[str]]) -> list[str]:
    """Full-pinyin then initials combinations of spoken syllables, each capped."""
    if not options:
        return []
    keys: dict[str, None] = {}
    for combo in itertools.islice(itertools.product(*options), MAX_VARIANTS):
        keys["".join(combo)] = None
    firsts = [list(dict.fromkeys(s[0] for s in o)) for o in options]
    for combo in itertools.islice(itertools.product(*firsts), MAX_VARIANTS):
        keys["".join(combo)] = None
    return list(keys)


def _primary(options: list[list[str]]) -> tuple[str, str]:
    full = "".join(o[0] for o in options)
    initials = "".join(o[0][0] for o in options if o[0])
    return full, initials


def search_keys(name: str) -> list[str]:
    """Full-pinyin and initials keys, primary reading first, capped to keep rows small."""
    return _keys(_spoken(syllable_options(name)))


def primary(name: str) -> tuple[str, str]:
    """The first reading's full pinyin and initials, for display and sorting."""
    return _primary(_spoken(syllable_options(name)))


# --- many names: the same results, each character read once ---------------------------


@functools.lru_cache(maxsize=65536)
def _char_options(char: str) -> tuple[str, ...]:
    (readings,) = _char_readings(char)
    return tuple(readings)


def _readings(chars: str) -> list[list[str]]:
    """``_char_readings(chars)``. When no run of two or more of the characters is a
    phrase pypinyin knows, it reads each character on its own: then each character's readings
    are looked up once per import instead of running pypinyin on every name (a test keeps the
    two equal over tens of thousands of names); with a phrase, the whole call."""
    n = len(chars)
    for start in range(n - 1):
        for end in range(start + 2, n + 1):
            if chars[start:end] in PHRASES_DICT:
                return _char_readings(chars)
    return [list(_char_options(char)) for char in chars]


def cached_syllable_options(name: str) -> list[list[str]]:
    """``syllable_options(name)`` with the character readings above."""
    return syllable_options(name, _readings)


def name_pinyin(name: str) -> tuple[str, str, tuple[str, ...]]:
    """``primary(name)`` and ``search_keys(name)`` (cut to the key column's 64
    characters) from a single ``syllable_options`` call: pypinyin is the costliest step of a
    large import and the two functions would each run it. Kept equal by a test."""
    options = _spoken(cached_syllable_options(name))
    full, initials = _primary(options)
    return full, initials, tuple(k[:64] for k in _keys(options))
