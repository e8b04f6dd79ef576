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
        raise ValidationError(field, "不能为空,请填写。")
    if len(text) > max_len:
        raise ValidationError(field, f"太长({len(text)} 字),最多 {max_len} 字,请精简。")
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
    text = re.sub(r"[\s()()·.]", "", text)
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
        f"“{raw}”不是有效的电话号码。请输入11位手机号(如 13812345678)"
        "或带区号的固定电话(如 010-12345678、0755-1234567)。",
    )


def clean_code(value, field: str = "客户编号") -> str:
    text = to_halfwidth(clean_text(value, field, required=True, max_len=32)).upper()
    if not _CODE.match(text):
        raise ValidationError(field, f"“{text}”含有不允许的字符。只能用字母、数字、- 和 _(如 C202310001)。")
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
    raise ValidationError(field, f"“{text}”不是可选的称谓,请填写 先生 或 女士,或留空。")


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
    raise ValidationError(field, f"“{shown(value)}”无法识别,请填写 是 或 否。")


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
