from datetime import date, datetime

from desktop.services.common import calendar
from desktop.services.common.calendar import WorkCalendar


def test_national_day_2024_window_follows_tiaoxiu():
    # Fri 2024-09-27: Sun 09-29 is a swapped working day, 10-01…10-07 is the holiday.
    assert calendar.first_visit_window(date(2024, 9, 27)) == (date(2024, 10, 8), date(2024, 10, 10))
    assert calendar.first_visit_window(datetime(2024, 9, 27, 16, 30)) == (
        date(2024, 10, 8),
        date(2024, 10, 10),
    )


def test_swapped_workday_and_holiday():
    assert calendar.is_workday(date(2024, 9, 29))  # Sunday, 调休 working day
    assert not calendar.is_workday(date(2024, 10, 1))
    assert not calendar.is_workday(date(2024, 9, 28))  # ordinary Saturday
    assert calendar.is_workday(date(2024, 10, 12))  # Saturday, 调休 working day


def test_add_workdays_both_directions():
    assert calendar.add_workdays(date(2024, 9, 27), 1) == date(2024, 9, 29)
    assert calendar.add_workdays(date(2024, 10, 8), -1) == date(2024, 9, 30)
    assert calendar.add_workdays(date(2024, 10, 8), 0) == date(2024, 10, 8)


def test_uncovered_year_falls_back_with_warning_not_exception():
    cal = WorkCalendar(extra_holidays=[date(2031, 1, 1)])
    assert not cal.covers(2031)
    assert cal.warning() is None
    # Tue 2030-12-31 → Wed 01-01 is the user's holiday → Thu 01-02 (1), Fri 01-03 (2),
    # Mon 01-06 (3) … Wed 01-08 (5)
    assert cal.first_visit_window(date(2030, 12, 31)) == (date(2031, 1, 6), date(2031, 1, 8))
    assert "2031" in cal.warning() and "设置" in cal.warning()


def test_user_workday_overrides_weekend():
    cal = WorkCalendar(extra_workdays=[date(2031, 1, 4)])  # a Saturday
    assert cal.is_workday(date(2031, 1, 4))
    assert not cal.is_workday(date(2031, 1, 5))
