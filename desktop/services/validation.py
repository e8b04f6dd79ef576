"""Validators and normalisers for what people type or import. Messages are Chinese and say
which field is wrong and how to fix it."""

import re
import unicodedata
from datetime import date, datetime

from .errors import ValidationError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})(?:(?:转|ext|#|-)(\d{1,6}))?$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation → their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def clean_text(value, field: str, *, required: bool = False, max_len: int = 200) -> str:
    """Trim, collapse inner whitespace runs, drop control characters; enforce length."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text)
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
    text = re.sub(r"[\s\-()()·.]", "", text)
    text = re.sub(r"^(?:\+|00)86", "", text)
    if text.startswith("86") and len(text) == 13 and _MOBILE.match(text[2:]):
        text = text[2:]
    if _MOBILE.match(text):
        return text
    m = _LANDLINE.match(text)
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
