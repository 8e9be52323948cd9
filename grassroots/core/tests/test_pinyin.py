"""The pinyin of many names (``name_pinyin``, per-character readings) equals the plain one."""

import pytest

from grassroots.core import pinyin


@pytest.mark.parametrize("name", ["张三", "曾小乐", "欧阳娜娜", "单行长", "尉迟恭", "Anna", ""])
def test_single_pass_pinyin_matches_core(name):
    full, initials, keys = pinyin.name_pinyin(name)
    assert (full, initials) == pinyin.primary(name)
    assert list(keys) == [k[:64] for k in pinyin.search_keys(name)]


def test_character_readings_equal_pypinyin_on_whole_names():
    """``pinyin.cached_syllable_options`` reads characters one by one unless a phrase is in the name:
    the same options as ``core.pinyin`` for every name of a large generated roster, compound
    and special surnames, phrases inside names, and non-Chinese characters."""
    import random

    from bench.bench_import import GIVEN, SURNAMES

    rng = random.Random(2026)
    names = {
        rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 3)))
        for _ in range(20000)
    }
    names |= {"".join(rng.choice(GIVEN) for _ in range(rng.randint(2, 4))) for _ in range(5000)}
    names |= {"王重庆", "张长江", "曾长生", "单于行", "长孙无忌", "欧阳海燕", "司马光", "覃乐"}
    names |= {"阿卜杜·热合曼", "Anna李", "李2号", "乐乐", "朝阳", "查理", "", "A B"}
    for name in sorted(names):
        assert pinyin.cached_syllable_options(name) == pinyin.syllable_options(name), name
