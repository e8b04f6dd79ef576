"""Pinyin search keys for customer names: 黄思远 is found by "hsy", "HS" or "huangsi".

Each customer row keeps ``Customer.name_py``: its name's initials and full pinyin, lowercase,
each key preceded by a space (" hsy huangsiyuan"), so a search box's letters match the start
of a key with one ``LIKE '% hs%'`` in SQL. A polyphonic surname (曾 zeng, 单 shan, 仇 qiu …) is
read as a surname; when its everyday reading differs, the keys of that reading are kept too
(" zgf zengguofan cgf cengguofan"), so a company name starting with the character is found
either way.

pypinyin is imported on first use (it costs ~0.3 s): not at start-up.
"""

import re
from functools import cache, lru_cache

from .validation import to_halfwidth

# Surnames whose reading differs from the character's first (everyday) reading. Two-character
# surnames first: they are matched before the one-character ones.
COMPOUND_SURNAMES = {
    "万俟": ("mo", "qi"),
    "尉迟": ("yu", "chi"),
    "长孙": ("zhang", "sun"),
    "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"),
}
SURNAMES = {
    "曾": "zeng", "单": "shan", "仇": "qiu", "解": "xie", "区": "ou", "查": "zha", "朴": "piao",
    "乐": "yue", "盖": "ge", "缪": "miao", "覃": "qin", "翟": "zhai", "尉": "yu", "繁": "po",
    "秘": "bi", "召": "shao", "种": "chong", "折": "she", "员": "yun", "任": "ren", "燕": "yan",
    "宁": "ning", "纪": "ji", "沈": "shen", "柏": "bai", "卜": "bu", "薄": "bo", "句": "gou",
    "能": "nai", "祭": "zhai", "隗": "wei", "眭": "sui", "厍": "she", "阚": "kan", "冼": "xian",
    "洗": "xian", "黑": "he", "藏": "zang", "贲": "ben", "费": "fei", "华": "hua",
    "莘": "shen", "谌": "chen", "晟": "cheng", "啜": "chuai", "车": "che", "重": "chong",
    "都": "du", "石": "shi", "行": "xing", "相": "xiang", "应": "ying", "长": "chang",
    "过": "guo", "恽": "yun", "蕃": "pi", "臧": "zang", "校": "xiao", "强": "qiang",
}  # fmt: skip

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_QUERY = re.compile(r"[a-z]+")


@cache
def _reading(ch: str) -> str:
    """The everyday reading of one character, lowercase without tone (吕 → lv); "" if none."""
    from pypinyin import Style, lazy_pinyin

    text = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return text[0].lower() if text and text[0].isascii() and text[0].isalpha() else ""


def _phrase_readings(text: str) -> list[str]:
    """Readings of a longer text with pypinyin's phrase table (银行 hang, 重庆 chong); other
    characters one by one."""
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    for match in re.finditer(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\u3400-\u9fff\uf900-\ufaff]+", text):
        run = match.group()
        if _HAN.match(run):
            out.extend(lazy_pinyin(run, style=Style.NORMAL, errors="ignore"))
        else:
            out.extend(run)
    return out


def _syllables(name: str) -> list[str]:
    """One entry per character kept: its pinyin (Chinese) or itself lowercased (letter/digit)."""
    if len(name) > 4:  # a company or a long name: phrases matter (中国银行, 重庆)
        units = _phrase_readings(name)
    else:  # a person's name: character by character (cached), fast for bulk imports
        units = [_reading(ch) if _HAN.match(ch) else ch for ch in name]
    return [u.lower() for u in units if u and u.isascii() and u.isalnum()]


def _keys(syllables: list[str]) -> str:
    return f" {''.join(s[0] for s in syllables)} {''.join(syllables)}" if syllables else ""


@lru_cache(maxsize=8192)  # bounded: a 100k-row import repeats many names, not all
def name_keys(name: str) -> str:
    """The search keys stored in ``Customer.name_py`` for ``name`` ("" when it has none)."""
    name = (name or "").strip()
    if not name:
        return ""
    everyday = _syllables(name)
    surname = None
    for compound, readings in COMPOUND_SURNAMES.items():
        if name.startswith(compound) and len(name) > len(compound):
            surname = (list(readings), len(compound))
            break
    if surname is None and name[0] in SURNAMES:
        surname = ([SURNAMES[name[0]]], 1)
    if surname is None or not everyday or not _HAN.match(name[0]):
        return _keys(everyday)
    readings, width = surname
    as_surname = readings + everyday[width:]
    keys = _keys(as_surname)
    return keys if as_surname == everyday else keys + _keys(everyday)


def query_letters(text: str) -> str | None:
    """The letters of a pinyin query ("HS", "hs y" → "hs", "hsy"); None for anything else."""
    letters = to_halfwidth(text or "").replace(" ", "").lower()  # ｈｓｙ from a full-width IME too
    return letters if letters and _QUERY.fullmatch(letters) else None


def pinyin_condition(column, text: str):
    """A peewee condition on a ``name_py`` column: some key starts with the typed letters.
    None when ``text`` is not letters only (a name, a code or a number is searched as before)."""
    letters = query_letters(text)
    if letters is None:
        return None
    return column.contains(" " + letters)
