"""Statistics periods (统计期间): a year, a quarter, a month or any range of days.

``parse_period("2024")``, ``"2024Q2"``, ``"2024-05"`` or ``(from, to)`` → ``Period`` (end day
included); ``previous(period)`` is the period of the same length just before it (the month, the
quarter, the year, or the same number of days), which "较上期变化" compares with.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..common.dates import parse_date
from ..common.errors import UserError
from ..common.validation import shown, to_halfwidth

YEAR = "year"
QUARTER = "quarter"
MONTH = "month"
HALF = "half"  # 上半年 / 下半年 (a KPI scorecard's 评价周期)
RANGE = "range"

FORMAT_HELP = "期间格式不正确：请写 2024、2024Q2、2024-05 或起止日期"
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_QUARTER = re.compile(
    r"^(\d{4})\s*(?:年\s*)?[-/ ]?\s*(?:Q|第)\s*([1-4一二三四])\s*(?:季度?)?$", re.IGNORECASE
)
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_QUARTER_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    label: str  # what the UI and the report show: 2024年, 2024年第2季度, 2024年5月, 2024-05-01 至 …
    kind: str = RANGE  # year / quarter / month / range

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def code(self) -> str:
        """The short form ``parse_period`` reads back: 2024, 2024Q2, 2024-05, 2024-05-01~2024-06-15."""
        if self.kind == YEAR:
            return f"{self.start.year}"
        if self.kind == QUARTER:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == HALF:
            return f"{self.start.year}H{1 if self.start.month == 1 else 2}"
        return f"{self.start.isoformat()}~{self.end.isoformat()}"

    @property
    def span(self) -> str:
        """First and last day: 2024-01-01 至 2024-03-31."""
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    def __contains__(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = day.date()
        return self.start <= day <= self.end


def month_end(day: date) -> date:
    if day.month == 12:  # not via next January: 9999-12 has no next year
        return date(day.year, 12, 31)
    return date(day.year, day.month + 1, 1) - timedelta(days=1)


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), f"{year}年", YEAR)


def quarter_period(year: int, quarter: int) -> Period:
    first = date(year, 3 * (quarter - 1) + 1, 1)
    return Period(first, month_end(date(year, first.month + 2, 1)), f"{year}年第{quarter}季度", QUARTER)


def half_period(year: int, half: int) -> Period:
    """上半年 (1) or 下半年 (2) of ``year``."""
    if half == 1:
        return Period(date(year, 1, 1), date(year, 6, 30), f"{year}年上半年", HALF)
    return Period(date(year, 7, 1), date(year, 12, 31), f"{year}年下半年", HALF)


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    return Period(first, month_end(first), f"{year}年{month}月", MONTH)


def range_period(start: date, end: date) -> Period:
    if end < start:
        raise UserError(
            f"统计期间：开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}，请把起止日期对调。"
        )
    return Period(start, end, f"{start.isoformat()} 至 {end.isoformat()}", RANGE)


def _bad(value) -> UserError:
    return UserError(f"{FORMAT_HELP}（收到“{shown(value)}”）。")


def _as_day(value, name: str) -> date:
    day = parse_date(value, f"统计期间{name}")
    if day is None:
        raise UserError(f"统计期间：请填写{name}。{FORMAT_HELP}。")
    return day.date() if isinstance(day, datetime) else day


def parse_period(value) -> Period:
    """A ``Period`` from 2024 / 2024Q2 / 2024-05 (also 2024年, 2024年第2季度, 2024年5月,
    2024-Q2), a (from, to) pair of dates or date texts, or a ``Period`` (returned as is).
    Raises UserError with the accepted forms for anything else."""
    if isinstance(value, Period):
        return value
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise _bad(value)
        return range_period(_as_day(value[0], "开始日期"), _as_day(value[1], "结束日期"))
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _bad(value)
    text = to_halfwidth(value).strip()
    if m := _YEAR.match(text):
        year = int(m.group(1))
        if year >= 1900:
            return year_period(year)
    elif m := _QUARTER.match(text):
        year, q = int(m.group(1)), m.group(2)
        if year >= 1900:
            return quarter_period(year, _QUARTER_DIGITS.get(q) or int(q))
    elif m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if year >= 1900 and 1 <= month <= 12:
            return month_period(year, month)
    else:
        for sep in ("~", "至", "到", "—", "–"):
            if sep in text:
                left, _, right = text.partition(sep)
                return parse_period((left.strip(), right.strip()))
    raise _bad(value)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def previous(period: Period) -> Period:
    """The period of the same length just before: previous month / quarter / year, or for an
    arbitrary range the same number of days ending the day before it starts."""
    period = parse_period(period)
    if period.kind == YEAR:
        return year_period(period.start.year - 1)
    if period.kind == QUARTER:
        first = _shift_months(period.start, -3)
        return quarter_period(first.year, (first.month - 1) // 3 + 1)
    if period.kind == MONTH:
        first = _shift_months(period.start, -1)
        return month_period(first.year, first.month)
    if period.kind == HALF:
        first = _shift_months(period.start, -6)
        return half_period(first.year, 1 if first.month == 1 else 2)
    end = period.start - timedelta(days=1)
    return range_period(end - timedelta(days=period.days - 1), end)


def months_up_to(last: date, count: int) -> list[Period]:
    """``count`` consecutive months ending with the month of ``last`` (oldest first)."""
    if count < 1:
        return []
    first = _shift_months(last.replace(day=1), -(count - 1))
    out = []
    for i in range(count):
        day = _shift_months(first, i)
        out.append(month_period(day.year, day.month))
    return out
