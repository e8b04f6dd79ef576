"""Working days on the official Chinese calendar (weekends, public holidays, 调休 workdays).

Uses the ``chinese-calendar`` package's published data. For a year it does not cover yet, the
calendar falls back to Monday–Friday plus the holidays and swapped workdays the user entered in
settings, and remembers the year so the UI can show a warning — it never raises.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import chinese_calendar

FIRST_VISIT_FROM = 3  # 产品交付/服务完成后 3–5 个工作日
FIRST_VISIT_TO = 5


class WorkCalendar:
    def __init__(self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()):
        self.extra_holidays = {_as_date(d) for d in extra_holidays}
        self.extra_workdays = {_as_date(d) for d in extra_workdays}
        self.uncovered_years: set[int] = set()
        # chinese_calendar re-checks its data range on every call (~17 µs); schedulers and the
        # demo ask about the same days thousands of times
        self._known: dict[date, bool] = {}

    def covers(self, year: int) -> bool:
        """Whether the official calendar data includes ``year``."""
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date | datetime) -> bool:
        day = _as_date(day)
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._lookup(day)
        return known

    def _lookup(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            self.uncovered_years.add(day.year)
            return day.weekday() < 5

    def add_workdays(self, day: date | datetime, n: int) -> date:
        """The ``n``-th working day after ``day`` (``n`` ≥ 1), or before it for negative ``n``;
        ``n == 0`` gives ``day`` itself."""
        day = _as_date(day)
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def next_workday(self, day: date | datetime, include_today: bool = True) -> date:
        day = _as_date(day)
        if include_today and self.is_workday(day):
            return day
        return self.add_workdays(day, 1)

    def first_visit_window(self, completed: date | datetime) -> tuple[date, date]:
        """(earliest, latest): the 3rd and the 5th working day after the completion date."""
        return self.add_workdays(completed, FIRST_VISIT_FROM), self.add_workdays(completed, FIRST_VISIT_TO)

    def warning(self) -> str | None:
        """A Chinese warning when a date fell in a year without official calendar data."""
        if not self.uncovered_years:
            return None
        years = "、".join(str(y) for y in sorted(self.uncovered_years))
        return (
            f"{years} 年的法定节假日数据尚未收录，工作日暂按周一至周五计算，并扣除您在“设置”中填写的节假日。"
            "请在设置中补充当年的放假和调休安排，或升级回访通。"
        )


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


_default = WorkCalendar()


def configure(extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()) -> WorkCalendar:
    """Replace the module's calendar (called at start-up with the days from settings)."""
    global _default
    _default = WorkCalendar(extra_holidays, extra_workdays)
    return _default


def current() -> WorkCalendar:
    return _default


def is_workday(day: date | datetime) -> bool:
    return _default.is_workday(day)


def add_workdays(day: date | datetime, n: int) -> date:
    return _default.add_workdays(day, n)


def first_visit_window(completed: date | datetime) -> tuple[date, date]:
    return _default.first_visit_window(completed)
