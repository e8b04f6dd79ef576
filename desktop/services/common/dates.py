"""Parsing the dates people type or spreadsheets hold (2024-09-27, 2024/9/27, 2024年9月27日,
2024.09.27, with a time, Excel serial numbers)."""

import re
from datetime import date, datetime, timedelta

from .errors import ValidationError
from .validation import shown, to_halfwidth

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value, field: str = "日期") -> datetime | date | None:
    """A ``date`` (or ``datetime`` when a time was given); None for blank. Raises ValidationError."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel serial day numbers up to 9999-12-31
            day = _EXCEL_EPOCH + timedelta(days=float(value))
            frac = float(value) % 1
            if frac:
                return datetime.combine(day, datetime.min.time()) + timedelta(days=frac)
            return day
        raise ValidationError(field, f"{shown(value)} 不是日期，请写成 2024-09-27 这样的格式。")
    text = to_halfwidth(str(value)).strip()
    if not text:
        return None
    m = _DATE.match(text) or _COMPACT.match(text)
    if not m:
        raise ValidationError(field, f"“{shown(text)}”不是可识别的日期，请写成 2024-09-27 这样的格式。")
    parts = [int(p) if p else 0 for p in m.groups()] + [0, 0, 0]
    y, mo, d, hh, mm, ss = parts[:6]
    try:
        if len(m.groups()) > 3 and m.group(4) is not None:
            return datetime(y, mo, d, hh, mm, ss)
        return date(y, mo, d)
    except ValueError:
        raise ValidationError(field, f"“{text}”不是真实存在的日期（如 2月30日），请核对。") from None
