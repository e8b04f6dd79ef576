from datetime import date

import pytest

from desktop.services.common.errors import UserError
from desktop.services.reporting.periods import (
    FORMAT_HELP,
    Period,
    months_up_to,
    parse_period,
    previous,
)


@pytest.mark.parametrize(
    ("text", "start", "end", "kind", "code"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "year", "2024"),
        ("2024年", date(2024, 1, 1), date(2024, 12, 31), "year", "2024"),
        ("2024Q1", date(2024, 1, 1), date(2024, 3, 31), "quarter", "2024Q1"),
        ("2024Q2", date(2024, 4, 1), date(2024, 6, 30), "quarter", "2024Q2"),
        ("2024q4", date(2024, 10, 1), date(2024, 12, 31), "quarter", "2024Q4"),
        ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30), "quarter", "2024Q3"),
        ("2024年第二季度", date(2024, 4, 1), date(2024, 6, 30), "quarter", "2024Q2"),
        ("2024-05", date(2024, 5, 1), date(2024, 5, 31), "month", "2024-05"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month", "2024-02"),  # leap year
        ("2023-2", date(2023, 2, 1), date(2023, 2, 28), "month", "2023-02"),
        ("2024年12月", date(2024, 12, 1), date(2024, 12, 31), "month", "2024-12"),
        ("２０２４－０５", date(2024, 5, 1), date(2024, 5, 31), "month", "2024-05"),  # full-width
        (" 2024/05 ", date(2024, 5, 1), date(2024, 5, 31), "month", "2024-05"),
    ],
)
def test_parse_named_periods(text, start, end, kind, code):
    period = parse_period(text)
    assert (period.start, period.end, period.kind, period.code) == (start, end, kind, code)
    assert parse_period(period.code) == period  # the short form reads back


def test_labels_are_chinese():
    assert parse_period("2024").label == "2024年"
    assert parse_period("2024Q2").label == "2024年第2季度"
    assert parse_period("2024-05").label == "2024年5月"
    assert parse_period(("2024-05-03", "2024-06-15")).label == "2024-05-03 至 2024-06-15"


def test_ranges_from_dates_texts_and_period_passthrough():
    period = parse_period((date(2024, 5, 3), "2024/6/15"))
    assert (period.start, period.end, period.kind) == (date(2024, 5, 3), date(2024, 6, 15), "range")
    assert period.days == 44
    assert parse_period("2024-05-03~2024-06-15") == period
    assert parse_period("2024-05-03 至 2024-06-15") == period
    assert parse_period(period) is period
    assert parse_period(2024) == parse_period("2024")
    one_day = parse_period(("2024-05-03", "2024-05-03"))
    assert one_day.days == 1 and date(2024, 5, 3) in one_day and date(2024, 5, 4) not in one_day


@pytest.mark.parametrize(
    "bad",
    ["", "24", "2024Q5", "2024Q0", "2024-13", "2024-00", "上个月", "Q2", "2024-05-01", None, 3.5, ("2024",)],
)
def test_bad_input_names_the_accepted_forms(bad):
    with pytest.raises(UserError) as err:
        parse_period(bad)
    assert FORMAT_HELP in str(err.value)
    assert FORMAT_HELP == "期间格式不正确：请写 2024、2024Q2、2024-05 或起止日期"


def test_bad_ranges():
    with pytest.raises(UserError, match="晚于结束日期"):
        parse_period(("2024-06-15", "2024-05-03"))
    with pytest.raises(UserError, match="不是真实存在的日期"):
        parse_period(("2024-02-30", "2024-03-31"))
    with pytest.raises(UserError, match="请填写开始日期"):
        parse_period(("", "2024-03-31"))


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("2024-05", "2024-04"),
        ("2024-01", "2023-12"),
        ("2024-03", "2024-02"),
        ("2024Q1", "2023Q4"),
        ("2024Q3", "2024Q2"),
        ("2024", "2023"),
    ],
)
def test_previous_named_period(current, expected):
    assert previous(parse_period(current)) == parse_period(expected)


def test_previous_month_has_its_own_length():
    before = previous(parse_period("2024-03"))
    assert (before.start, before.end) == (date(2024, 2, 1), date(2024, 2, 29))


def test_previous_range_is_the_same_number_of_days_just_before():
    period = parse_period(("2024-05-03", "2024-06-15"))  # 44 days
    before = previous(period)
    assert before.kind == "range"
    assert (before.start, before.end) == (date(2024, 3, 20), date(2024, 5, 2))
    assert before.days == period.days
    # across a year end
    before = previous(parse_period(("2024-01-01", "2024-01-10")))
    assert (before.start, before.end) == (date(2023, 12, 22), date(2023, 12, 31))
    # accepts the short forms too
    assert previous("2024Q2") == parse_period("2024Q1")


def test_months_up_to():
    months = months_up_to(date(2024, 2, 17), 3)
    assert [m.code for m in months] == ["2023-12", "2024-01", "2024-02"]
    assert all(isinstance(m, Period) and m.kind == "month" for m in months)
    assert months_up_to(date(2024, 2, 17), 0) == []
