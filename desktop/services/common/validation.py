"""Validators and normalisers for what people type or import. Messages are Chinese and say
which field is wrong and how to fix it."""

import re
import unicodedata
from datetime import date, datetime

from .errors import ValidationError

# ASCII digits only: \d would also take Arabic-Indic and other digits, which NFKC keeps as they are
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE = re.compile(
    r"^(0(?:10|2\d|[3-9]\d{2}))-?(\d{7,8})(?:(?:转|ext|#|-)(\d{1,6}))?$", re.IGNORECASE | re.ASCII
)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# invisible marks text copied from web pages and chats carries: zero-width space/non-joiner,
# direction marks and embeddings, word joiner, BOM (the zero-width joiner of emoji is kept)
_INVISIBLE = re.compile(r"[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def shown(value, limit: int = 30) -> str:
    """A value quoted in a message: control characters dropped, whitespace collapsed, long text
    cut with "…" (a 10,000-character cell must not become a 10,000-character message)."""
    text = re.sub(r"\s+", " ", _INVISIBLE.sub("", _CONTROL.sub("", str(value)))).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation → their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def strip_control(text: str) -> str:
    """``text`` without control characters (line breaks and tabs kept) and invisible marks."""
    return _INVISIBLE.sub("", _CONTROL.sub("", text))


def clean_text(value, field: str, *, required: bool = False, max_len: int = 200) -> str:
    """Trim, collapse inner whitespace runs, drop control characters; enforce length."""
    text = "" if value is None else str(value)
    text = strip_control(text)
    text = re.sub(r"\s+", " ", text).strip()
    if required and not text:
        raise ValidationError(field, "不能为空，请填写。")
    if len(text) > max_len:
        raise ValidationError(field, f"太长（{len(text)} 字），最多 {max_len} 字，请精简。")
    return text


def clean_name(value, field: str = "客户姓名") -> str:
    text = clean_text(value, field, required=True, max_len=50)
    # "张 三" typed with a stray space between Chinese characters → "张三"
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)


def normalize_phone(value, field: str = "联系电话") -> str:
    """Mainland mobile (13812345678) or landline with area code (010-12345678[-分机]).

    Accepts spaces, dashes, brackets, +86/0086 and full-width digits; returns the canonical form.
    """
    raw = clean_text(value, field, required=True, max_len=40)
    text = to_halfwidth(raw)
    text = re.sub(r"[\s()（）·.]", "", text)
    text = re.sub(r"^(?:\+|00)86-?", "", text)
    # a landline keeps its dashes until the extension is split off: 010-12345678-123
    m = _LANDLINE.match(re.sub(r"^(0\d{2,3})-(\d{3,4})-(\d{4})(?=$|转|ext|#|-)", r"\1-\2\3", text))
    text = text.replace("-", "")
    if text.startswith("86") and len(text) == 13 and _MOBILE.match(text[2:]):
        text = text[2:]
    if _MOBILE.match(text):
        return text
    m = m or _LANDLINE.match(text)
    if m:
        area, number, ext = m.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    raise ValidationError(
        field,
        f"“{raw}”不是有效的电话号码。请输入11位手机号（如 13812345678）"
        "或带区号的固定电话（如 010-12345678、0755-1234567）。",
    )


def clean_code(value, field: str = "客户编号") -> str:
    text = to_halfwidth(clean_text(value, field, required=True, max_len=32)).upper()
    if not _CODE.match(text):
        raise ValidationError(field, f"“{text}”含有不允许的字符。只能用字母、数字、- 和 _（如 C202310001）。")
    return text


def check_not_future(value: date | datetime | None, field: str, *, today: date | None = None):
    if value is None:
        return value
    today = today or date.today()
    day = value.date() if isinstance(value, datetime) else value
    if day > today:
        raise ValidationError(field, f"{day:%Y-%m-%d} 在今天之后。请填写已经发生的日期。")
    return value


def mask_phone(phone: str) -> str:
    """138****5678 for mobiles; 010-****5678 for landlines."""
    if not phone:
        return ""
    if _MOBILE.match(phone):
        return phone[:3] + "****" + phone[-4:]
    if "-" in phone:
        area, rest = phone.split("-", 1)
        return f"{area}-****{rest[-4:]}"
    return "****" + phone[-4:]


def mask_name(name: str) -> str:
    """张* / 欧阳** : keep the family name, hide the rest."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


# ---------------------------------------------------------------- phone numbers inside free text
# What people type a number with besides ASCII (full-width digits and brackets from a Chinese
# input method, other dashes and spaces), mapped one character to one: a match in the mapped copy
# has the same span in the original text.
_PHONE_LOOKALIKES = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # 0-9 full-width
        "\uff08": "(",
        "\uff09": ")",
        "\uff0b": "+",
        "\uff0d": "-",
        "\uff0e": ".",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u3000": " ",
    }
)
# one separator between digit groups: a space, or a dash or dot with optional spaces around it
_SEP = r"(?:\ ?[-.]\ ?|\ )?"
_PHONE_IN_TEXT = re.compile(
    rf"""
    (?<![0-9])
    (?:
        # mobile: 13812345678, 138 1234 5678, 138-1234-5678, +86 138…, 86138…
        (?P<mhead>(?:(?:\+|00)\ ?)?86{_SEP})?
        (?P<m1>1[3-9][0-9])(?P<ms1>{_SEP})[0-9]{{4}}(?P<ms2>{_SEP})(?P<m3>[0-9]{{4}})
    |
        # landline with its area code: 010-12345678, (0755)1234567, 0755 123 4567,
        # +86 10 12345678 (the area code's 0 may be left out only after +86 / 0086)
        (?P<lhead>
            (?P<cc>(?:\+|00)\ ?86{_SEP})?
            (?P<open>\()?
            (?(cc)0?|0)(?!400|800)(?:10|2[0-9]|[3-9][0-9]{{2}})
            (?(open)\))
            {_SEP}
        )
        [0-9]{{3,4}}(?P<ls>{_SEP})(?P<l2>[0-9]{{4}})
    )
    (?![0-9])
    """,
    re.VERBOSE | re.ASCII,
)
# every form above ends in four digits in a row: a text without them needs no closer look
_FOUR_DIGITS = re.compile(r"[0-9\uff10-\uff19]{4}")


def _masked_match(text: str, m: re.Match) -> str:
    """The matched number from ``text`` (original characters) with its middle hidden."""
    start, end = m.span()
    if m.start("m1") >= 0:
        keep_head = text[start : m.end("ms1")]  # prefix, first three digits, separator
        tail = text[m.start("ms2") : end]  # separator, last four digits
    else:
        keep_head = text[start : m.end("lhead")]  # area code as written
        tail = text[m.start("ls") : end]
    return keep_head + "****" + tail


def _mask_once(text: str) -> str:
    probe = text.translate(_PHONE_LOOKALIKES)
    parts: list[str] = []
    last = 0
    for m in _PHONE_IN_TEXT.finditer(probe):
        parts.append(text[last : m.start()])
        parts.append(_masked_match(text, m))
        last = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def mask_phones_in_text(text: str) -> str:
    """``text`` with every mainland phone number in it masked as ``mask_phone`` does.

    Mobiles (13812345678, 138 1234 5678, 138-1234-5678, +86/0086/86 in front) keep their first
    three and last four digits: 138****5678, 138 **** 5678. Landlines with an area code
    (010-12345678, 0755-1234567, (010)12345678, 01012345678, +86 10 12345678) keep the area code
    and the last four digits: 010-****5678, 0755-****4567; an extension after them stays. Full-width
    digits count as digits. Everything else is left as it is: order numbers (W2026110011), dates,
    times, amounts, model numbers, numbers glued to more digits, 400/800 hotlines, a local number
    without its area code.

    Masking is repeated until nothing is left to mask (in run-together garbage such as
    010-12340755 2345 5678 hiding the first number uncovers a second), so masking masked text
    changes nothing. The text only grows by one "*" per 7-digit landline (0755-****4567)."""
    if not text or not _FOUR_DIGITS.search(text):
        return text
    while True:
        masked = _mask_once(text)
        if masked is text or not _FOUR_DIGITS.search(masked):
            return masked
        text = masked


def mask_names_in_text(text: str, names) -> str:
    """``text`` with each of ``names`` (two characters or more; longest first, so 欧阳娜娜 goes
    before 欧阳) replaced by its masked form (张*)."""
    if not text:
        return text
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        if name in text:
            text = text.replace(name, mask_name(name))
    return text


# ---------------------------------------------------------------- imported codes and choices
_CTYPE_WORDS = {
    "VIP客户": ("vip", "vip客户", "贵宾", "贵宾客户", "重要客户", "重点客户"),
    "普通客户": ("普通", "普通客户", "一般", "一般客户", "个人", "个人客户", "散户"),
    "企业客户": ("企业", "企业客户", "公司", "公司客户", "单位", "单位客户", "集团", "集团客户", "团体"),
}
_CTYPE_LOOKUP = {word: ctype for ctype, words in _CTYPE_WORDS.items() for word in words}


def normalize_customer_type(value, field: str = "客户类型", *, default: str = "普通客户") -> str:
    """Customer type from what people write: "vip"/"VIP"/"贵宾" → VIP客户, "普通"/"个人" → 普通客户,
    "企业"/"公司" → 企业客户; blank → ``default``."""
    text = to_halfwidth(clean_text(value, field, max_len=20)).replace(" ", "").lower()
    if not text:
        return default
    if text in _CTYPE_LOOKUP:
        return _CTYPE_LOOKUP[text]
    raise ValidationError(
        field, f"“{shown(value)}”不是可识别的客户类型。请填写 VIP客户、普通客户 或 企业客户。"
    )


_TITLES = {"先生": "先生", "男": "先生", "男士": "先生", "女士": "女士", "女": "女士", "小姐": "女士"}


def normalize_title(value, field: str = "称谓") -> str:
    """先生/女士 (男 → 先生, 女/小姐 → 女士) or blank; anything else is refused."""
    text = clean_text(value, field, max_len=10).replace(" ", "")
    if not text:
        return ""
    if text in _TITLES:
        return _TITLES[text]
    raise ValidationError(field, f"“{text}”不是可选的称谓，请填写 先生 或 女士，或留空。")


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "投诉", "已投诉", "t"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "无", "没有", "未投诉", "非投诉", "f", "-"}


def parse_yes_no(value, field: str) -> bool | None:
    """是/否, Y/N, 1/0, √/× and True/False cells → bool; None for blank."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = to_halfwidth(str(value)).strip().lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationError(field, f"“{shown(value)}”无法识别，请填写 是 或 否。")


_LEVELS = {
    "一级": "一级", "1": "一级", "1级": "一级", "一": "一级", "普通": "一级", "一般": "一级",
    "二级": "二级", "2": "二级", "2级": "二级", "二": "二级", "较重": "二级", "较严重": "二级", "重要": "二级",
    "三级": "三级", "3": "三级", "3级": "三级", "三": "三级", "严重": "三级", "重大": "三级",
}  # fmt: skip


def normalize_complaint_level(value, field: str = "投诉等级") -> str | None:
    """一级/二级/三级 (also 1/2/3, 1级, 普通/较重/严重); None for blank."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = to_halfwidth(clean_text(value, field, max_len=10)).replace(" ", "")
    if not text:
        return None
    if text in _LEVELS:
        return _LEVELS[text]
    raise ValidationError(field, f"“{shown(value)}”不是可识别的投诉等级。请填写 一级、二级 或 三级。")
