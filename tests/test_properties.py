"""Bad input, tried on purpose: every validator and the importer fed random junk (hypothesis).

The promise under test (DOMAIN/STYLE): whatever a person types or a spreadsheet holds, a
validator either returns a clean value or raises a UserError whose message is Chinese and names
the field — never a TypeError, OverflowError, … — and nothing is half-saved.
"""

import contextlib
import csv
import math
import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from desktop.models import ActionLog, ActionVisit, Customer, ImprovementAction, ServiceOrder
from desktop.models.connection import close_database
from desktop.services.admin import categories, staff
from desktop.services.admin import settings as app_settings
from desktop.services.common.dates import parse_date
from desktop.services.common.errors import UserError, ValidationError, ValidationErrors
from desktop.services.common.validation import (
    check_not_future,
    clean_code,
    clean_name,
    clean_text,
    mask_name,
    mask_phone,
    normalize_complaint_level,
    normalize_customer_type,
    normalize_phone,
    normalize_title,
    parse_yes_no,
)
from desktop.services.improvement import improvement
from desktop.services.intake import customers, importer, readers
from desktop.services.intake import import_mapping as im
from desktop.services.kpi import kpi
from desktop.services.maintenance.bootstrap import open_app_database
from desktop.services.reporting import periods
from desktop.services.visits import templates

# CI runs the same examples every time (a submission must not fail on a new random draw);
# developers' runs explore new ones and keep what failed in .hypothesis/
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

CJK = re.compile(r"[\u4e00-\u9fff]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INVISIBLE = re.compile(r"[\u200b\u200e\u200f\u202a-\u202e\ufeff]")
MOBILE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE = re.compile(r"0[0-9]{2,3}-[0-9]{7,8}(-[0-9]{1,6})?")
TODAY = date(2024, 11, 1)

# the database fixture is set up once per test, not per example: tests that write clean up
DB_SETTINGS = {"suppress_health_check": [HealthCheck.function_scoped_fixture], "deadline": None}


# ---------------------------------------------------------------- junk
SPECIAL_TEXT = [
    "",
    " ",
    "\u3000\u3000",  # full-width spaces
    "\t\r\n ",
    "\x00",
    "张\x00三",
    "\x07\x1b[31m红\x7f",
    "😀🎉",
    "👨‍👩‍👧",
    "１３８１２３４５６７８",  # full-width digits
    "ＶＩＰ",
    "\u200f\u202e138\u202c",  # RTL marks
    "\ufeff\u200b",  # BOM, zero-width space
    "=1+1",
    '=HYPERLINK（"http://x","点我"）',
    "+8613812345678",
    "+86",
    "@SUM(A1)",
    "-2",
    "-",
    "null",
    "None",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "0x1F",
    "١٣٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits
    "13٨١٢٣٤٥٦٧٨",
    "{customer}{",
    "{0}",
    "'; DROP TABLE customer; --",
    "张 三",
    "2024-02-30",
    "9999-12-31",
    "0000-00-00",
    "99999999",
    "2024Q5",
    "9999Q4",
    "9999-12",
    "9999H2",
    "0001-01-01~9999-12-31",
]

huge_text = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(["a", "张", "😀", " ", "\x00", "9", "=", "\n"]),
    st.integers(min_value=1000, max_value=12000),
)
texts = st.one_of(st.text(max_size=40), st.sampled_from(SPECIAL_TEXT), huge_text)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([2**2000, -(2**2000), 13812345678, 2958465, 2958466]),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 5e-324, 2958465.9999999995]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.binary(max_size=12),
    st.dates(),
    st.datetimes(),
    texts,
)
junk = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=3), scalars, max_size=2),
    st.tuples(scalars, scalars),
)


# ---------------------------------------------------------------- checks
def _chinese(text: str) -> bool:
    return bool(text and text.strip() and CJK.search(text))


def assert_readable(message: str) -> None:
    """A message a person can read in a dialog: no control characters, not a wall of text (a
    10,000-character cell is quoted cut short, not in full)."""
    assert not CONTROL.search(message), repr(message[:80])
    assert len(message) <= 300, f"{len(message)} characters: {message[:80]}…"


def assert_names_field(err: UserError, fields: set[str]) -> None:
    """A user error whose every message is non-empty Chinese and names one of ``fields``."""
    assert isinstance(err, UserError), type(err)
    if isinstance(err, ValidationErrors):
        assert err.errors, "ValidationErrors with no error"
        for one in err.errors:
            assert_names_field(one, fields)
        return
    if isinstance(err, ValidationError):
        assert err.field in fields, f"field {err.field!r} not one of {fields}"
        assert _chinese(err.message), err.message
        assert str(err).startswith(err.field)
        assert_readable(err.message)
        return
    text = str(err)
    assert _chinese(text), text
    assert_readable(text)
    assert any(f in text for f in fields), f"{text!r} names none of {fields}"


def assert_clean_text(value, max_len: int, *, lines: bool = False) -> None:
    assert isinstance(value, str), type(value)
    assert not CONTROL.search(value), repr(value[:80])
    assert "\x00" not in value
    assert not INVISIBLE.search(value), repr(value[:80])
    assert value == value.strip(), repr(value[:80])
    assert len(value) <= max_len
    if not lines:
        assert "\n" not in value and "\r" not in value and "\t" not in value


def outcome(fn, *args, **kwargs):
    """(value, None) or (None, the UserError); any other exception fails the test."""
    try:
        return fn(*args, **kwargs), None
    except UserError as err:
        return None, err


# ---------------------------------------------------------------- single-value validators
def _text_ok(max_len):
    def check(value):
        assert_clean_text(value, max_len)
        assert clean_text(value, "x", max_len=max_len) == value  # idempotent

    return check


def _one_of(*choices):
    def check(value):
        assert value in choices, value

    return check


def _phone_ok(value):
    assert MOBILE.fullmatch(value) or LANDLINE.fullmatch(value), value
    assert normalize_phone(value) == value


def _code_ok(value):
    assert re.fullmatch(r"[A-Z0-9][A-Z0-9_\-]{0,31}", value), value
    assert clean_code(value) == value


def _name_ok(value):
    assert_clean_text(value, 50)
    assert value
    assert clean_name(value) == value


def _date_ok(value):
    assert value is None or isinstance(value, date), value


def _number_ok(value):
    assert value is None or (isinstance(value, float) and math.isfinite(value) and value >= 0), value


def _period_ok(value):
    assert isinstance(value, periods.Period)
    assert value.start <= value.end


def _periods_ok(value):
    assert isinstance(value, periods.Period)
    assert value.start <= value.end


def _keywords_ok(value):
    assert isinstance(value, list)
    assert len(value) == len(set(value)) <= categories.MAX_KEYWORDS
    for word in value:
        assert word and word == word.strip() and len(word) <= categories.MAX_KEYWORD_LEN


VALIDATORS = {
    # name: (call, fields its errors may name, check of an accepted value)
    "clean_text": (lambda v: clean_text(v, "备注", max_len=1000), {"备注"}, _text_ok(1000)),
    "clean_text_required": (
        lambda v: clean_text(v, "公司名称", required=True, max_len=60),
        {"公司名称"},
        _text_ok(60),
    ),
    "clean_name": (clean_name, {"客户姓名"}, _name_ok),
    "normalize_phone": (normalize_phone, {"联系电话"}, _phone_ok),
    "clean_code": (clean_code, {"客户编号"}, _code_ok),
    "normalize_customer_type": (
        normalize_customer_type,
        {"客户类型"},
        _one_of("VIP客户", "普通客户", "企业客户"),
    ),
    "normalize_title": (normalize_title, {"称谓"}, _one_of("先生", "女士", "")),
    "parse_yes_no": (lambda v: parse_yes_no(v, "是否投诉"), {"是否投诉"}, _one_of(True, False, None)),
    "normalize_complaint_level": (
        normalize_complaint_level,
        {"投诉等级"},
        _one_of("一级", "二级", "三级", None),
    ),
    "parse_date": (lambda v: parse_date(v, "完成时间"), {"完成时间"}, _date_ok),
    "kpi.parse_number": (lambda v: kpi.parse_number(v, "实际值"), {"实际值"}, _number_ok),
    "kpi.parse_period": (kpi.parse_period, {"评价周期"}, _period_ok),
    "kpi.clean_target": (kpi.clean_target, {"评价对象"}, _text_ok(30)),
    "periods.parse_period": (
        periods.parse_period,
        {"期间", "统计期间开始日期", "统计期间结束日期"},
        _periods_ok,
    ),
    "categories.parse_keywords": (categories.parse_keywords, {"关键词"}, _keywords_ok),
    "templates.check_script": (
        lambda v: templates.check_script(v, "开场白") if isinstance(v, str) else "",
        {"开场白"},
        lambda value: None,
    ),
}


@pytest.mark.parametrize("name", list(VALIDATORS))
@settings(max_examples=60, deadline=None)
@given(value=junk)
# what these properties found once (kept so they stay fixed):
@example(value="13٨١٢٣٤٥٦٧٨")  # Arabic-Indic digits came back as a "mobile number"
@example(value="9999Q4")  # periods: the quarter's end was computed via the year 10000
@example(value="9999-12")
@example(value=True)  # parse_keywords iterated over a bool
@example(value=2**2000)
@example(value=math.inf)
@example(value="张" * 10_000)  # quoted in full in the message
@example(value="\x00\x07" + "x" * 5000)
def test_validator_returns_clean_value_or_names_the_field(name, value):
    call, fields, check = VALIDATORS[name]
    clean, err = outcome(call, value)
    if err is not None:
        assert_names_field(err, fields)
    else:
        check(clean)


@settings(max_examples=150, deadline=None)
@given(value=st.one_of(st.dates(), st.datetimes(), st.none()), today=st.dates())
def test_check_not_future_returns_the_value_or_names_the_field(value, today):
    clean, err = outcome(check_not_future, value, "交付日期", today=today)
    if err is not None:
        assert_names_field(err, {"交付日期"})
        day = value.date() if isinstance(value, datetime) else value
        assert day > today
    else:
        assert clean == value


@settings(max_examples=150, deadline=None)
@given(text=texts)
def test_masking_any_stored_text_never_crashes(text):
    masked_phone = mask_phone(text)
    masked_name = mask_name(text)
    assert isinstance(masked_phone, str) and isinstance(masked_name, str)
    if text:
        assert "*" in masked_phone and "*" in masked_name


# ---------------------------------------------------------------- phones
_DIGIT_FORMS = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def typed_phones(draw):
    """Phones as people type them: (typed text, canonical form)."""
    if draw(st.booleans()):
        digits = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
        canonical = digits
        sep = draw(st.sampled_from(["", " ", "-"]))
        typed = f"{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}"
        typed = draw(st.sampled_from(["", "+86 ", "+86-", "0086 ", "86"])) + typed
    else:
        area = draw(st.sampled_from(["010", "021", "020", "0755", "0571", "0991"]))
        number = draw(st.text("0123456789", min_size=7, max_size=8).filter(lambda s: s[0] != "0"))
        ext = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=6)))
        canonical = f"{area}-{number}" + (f"-{ext}" if ext else "")
        left = draw(st.sampled_from([f"{area}-", f"({area})", f"{area} ", f"({area}) "]))
        joiner = draw(st.sampled_from(["转", "-", "#", "ext"]))
        typed = left + number + (joiner + ext if ext else "")
    if draw(st.booleans()):
        typed = typed.translate(_DIGIT_FORMS)
    typed = draw(st.sampled_from(["", " ", "\u3000"])) + typed + draw(st.sampled_from(["", " ", "\t"]))
    return typed, canonical


@settings(max_examples=300, deadline=None)
@given(case=typed_phones())
def test_typed_phones_normalise_to_their_canonical_form(case):
    typed, canonical = case
    assert normalize_phone(typed) == canonical
    assert normalize_phone(canonical) == canonical


_INVISIBLE_MARKS = ["\u200b", "\u200e", "\u200f", "\u202a", "\u202c", "\u202e", "\u2060", "\ufeff"]


@settings(max_examples=100, deadline=None)
@given(
    case=typed_phones(),
    marks=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(_INVISIBLE_MARKS)), max_size=3),
)
def test_invisible_marks_copied_with_a_phone_or_a_name_are_dropped(case, marks):
    typed, canonical = case
    name = "欧阳娜娜"
    for pos, mark in marks:
        typed = typed[:pos] + mark + typed[pos:]
        name = name[:pos] + mark + name[pos:]
    assert normalize_phone(typed) == canonical
    assert clean_name(name) == "欧阳娜娜"


@settings(max_examples=250, deadline=None)
@example(text="010000000٠")
@example(text="13٨١٢٣٤٥٦٧٨")
@given(
    text=st.one_of(
        texts,
        st.text(alphabet="0123456789０１２３４５６７８９-+() 转#ext86١٣", max_size=24),
    )
)
def test_accepted_phones_are_canonical_and_idempotent(text):
    phone, err = outcome(normalize_phone, text)
    if err is not None:
        assert_names_field(err, {"联系电话"})
        return
    assert MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone), phone
    assert normalize_phone(phone) == phone


# ---------------------------------------------------------------- dates
_DAYS = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
_FORMATS = [
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
    lambda d: f"{d.year:04d}/{d.month}/{d.day}",
    lambda d: f"{d.year:04d}年{d.month}月{d.day}日",
    lambda d: f"{d.year:04d}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}",
    lambda d: f" {d.year:04d} 年 {d.month:02d} 月 {d.day:02d} 日 ",
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}".translate(_DIGIT_FORMS),
]


@settings(max_examples=300, deadline=None)
@given(day=_DAYS, fmt=st.sampled_from(_FORMATS))
def test_dates_round_trip(day, fmt):
    assert parse_date(fmt(day)) == day


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    sep=st.sampled_from([" ", "T", "  "]),
)
def test_date_times_round_trip(moment, sep):
    moment = moment.replace(microsecond=0)
    text = f"{moment:%Y-%m-%d}{sep}{moment:%H:%M:%S}".rjust(19, "0")
    assert parse_date(f"{moment.year:04d}{text[4:]}") == moment


@settings(max_examples=200, deadline=None)
@given(serial=st.integers(min_value=1, max_value=2958465))
def test_excel_serial_days_round_trip(serial):
    day = parse_date(serial)
    assert (day - date(1899, 12, 30)).days == serial
    assert parse_date(float(serial)) == day


@settings(max_examples=300, deadline=None)
@given(
    year=st.integers(min_value=0, max_value=9999),
    month=st.integers(min_value=0, max_value=99),
    day=st.integers(min_value=0, max_value=99),
)
def test_impossible_dates_are_refused(year, month, day):
    try:
        real = date(year, month, day)
    except ValueError:
        real = None
    for text in (
        f"{year:04d}-{month}-{day}",
        f"{year:04d}年{month}月{day}日",
        f"{year:04d}/{month:02d}/{day:02d}",
    ):
        parsed, err = outcome(parse_date, text, "交付日期")
        if real is None:
            assert err is not None, text
            assert_names_field(err, {"交付日期"})
        else:
            assert parsed == real


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(texts, numbers))
def test_accepted_dates_reparse_to_themselves(value):
    parsed, err = outcome(parse_date, value, "日期")
    if err is not None or parsed is None:
        return
    if isinstance(parsed, datetime):
        again = parse_date(f"{parsed:%Y-%m-%d %H:%M:%S}".rjust(19, "0"))
        assert again == parsed.replace(microsecond=0)
    else:
        assert parse_date(f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}") == parsed


# ---------------------------------------------------------------- whole forms (need the database)
def _maybe(valid, bad=junk):
    return st.one_of(valid, bad)


customer_forms = st.fixed_dictionaries(
    {
        "code": _maybe(st.sampled_from(["C202401001", "c-7", "VIP_1", "ＡＢ１２"])),
        "name": _maybe(st.sampled_from(["张三", "张 三", " 李四 ", "欧阳娜娜", "=1+1", "@SUM(A1)", "-2"])),
        "phone": _maybe(
            st.sampled_from(["13812345678", "+86 139-1234-5678", "010-12345678", "(0755)1234567"])
        ),
        "title": _maybe(st.sampled_from(["先生", "女士", "", "男", "女", None])),
        "address": _maybe(st.sampled_from(["北京市朝阳区1号", "", "+86 路"])),
        "ctype": _maybe(st.sampled_from(["VIP", "企业客户", "", None])),
        "region": _maybe(st.sampled_from(["华北", ""])),
        "source": _maybe(st.sampled_from(["电话", '=HYPERLINK("x")'])),
        "note": _maybe(st.sampled_from(["", "老客户", "-2"])),
    }
)
CUSTOMER_FIELDS = {
    "客户编号",
    "客户姓名",
    "联系电话",
    "称谓",
    "通讯地址",
    "客户类型",
    "区域",
    "客户来源",
    "备注",
}


def _customer_values(customer: Customer) -> dict:
    return {
        k: getattr(customer, k)
        for k in ("code", "name", "phone", "title", "address", "ctype", "region", "source", "note")
    }


@settings(max_examples=120, **DB_SETTINGS)
@given(form=customer_forms)
def test_create_customer_saves_clean_values_or_nothing(database, form):
    before = Customer.select().count()
    created, err = outcome(customers.create_customer, form)
    if err is not None:
        assert_names_field(err, CUSTOMER_FIELDS)
        assert Customer.select().count() == before
        return
    try:
        assert Customer.select().count() == before + 1
        stored = Customer.get_by_id(created.id)
        values = _customer_values(stored)
        # what was saved passes the form's own checks unchanged: nothing dirty, nothing half-saved
        again = customers.validate_customer(values, existing_id=stored.id)
        assert again == values
        for key in ("name", "address", "region", "source", "note"):
            assert_clean_text(values[key], 1000)
        for key in ("name", "source", "note"):  # formula strings are kept as the text typed
            if form[key] in ("=1+1", "@SUM(A1)", "-2", '=HYPERLINK("x")'):
                assert values[key] == form[key]
    finally:
        Customer.delete().execute()


@settings(max_examples=100, **DB_SETTINGS)
@given(form=customer_forms)
def test_update_customer_with_junk_keeps_the_old_row_or_saves_clean_values(database, form):
    original = customers.create_customer({"code": "C1", "name": "王五", "phone": "13912345678"})
    try:
        before = _customer_values(Customer.get_by_id(original.id))
        updated, err = outcome(customers.update_customer, original.id, form)
        after = _customer_values(Customer.get_by_id(original.id))
        if err is not None:
            assert_names_field(err, CUSTOMER_FIELDS)
            assert after == before
        else:
            assert customers.validate_customer(after, existing_id=original.id) == after
    finally:
        Customer.delete().execute()


ORDER_FIELDS = {
    "工单号", "客户", "服务类型", "产品型号", "服务工程师", "责任部门/班组", "完成时间", "交付日期",
    "保修到期日", "投诉关闭时间", "投诉等级", "备注",
}  # fmt: skip


@settings(max_examples=120, **DB_SETTINGS)
@given(
    form=st.fixed_dictionaries(
        {
            "order_no": _maybe(st.sampled_from(["GD20240101001", "w-1"])),
            "customer_id": _maybe(st.sampled_from(["__customer__", 999999])),
            "service_type": _maybe(st.sampled_from(["维修", "安装", "", None])),
            "product_model": junk,
            "engineer": junk,
            "team": junk,
            "completed_at": _maybe(st.sampled_from(["2024-09-27 10:30", date(2024, 1, 2), None])),
            "delivered_on": junk,
            "warranty_end": junk,
            "is_complaint": junk,
            "complaint_closed_at": junk,
            "complaint_level": _maybe(st.sampled_from(["一级", "三级"])),
            "note": junk,
        }
    )
)
@example(form={"order_no": "GD1", "customer_id": math.inf})
@example(form={"order_no": "GD1", "customer_id": 10**40})
def test_create_order_saves_clean_values_or_nothing(database, form):
    customer = customers.create_customer({"code": "C1", "name": "王五", "phone": "13912345678"})
    if form["customer_id"] == "__customer__":
        form["customer_id"] = customer.id
    try:
        created, err = outcome(customers.create_order, form)
        if err is not None:
            assert_names_field(err, ORDER_FIELDS)
            assert ServiceOrder.select().count() == 0
            return
        order = ServiceOrder.get_by_id(created.id)
        assert order.customer_id == customer.id
        assert order.service_type in ServiceOrder.SERVICE_TYPES
        for key in ("product_model", "engineer", "team", "note"):
            assert_clean_text(getattr(order, key), 1000)
        assert order.complaint_level in (*ServiceOrder.COMPLAINT_LEVELS, None)
        if not order.is_complaint:
            assert order.complaint_level is None and order.complaint_closed_at is None
    finally:
        ServiceOrder.delete().execute()
        Customer.delete().execute()


@settings(max_examples=120, **DB_SETTINGS)
@given(
    form=st.dictionaries(
        st.sampled_from(["text", "dimension", "kind", "options", "required", "weight", "allow_comment"]),
        junk,
    ),
    kind=st.sampled_from(["level5", "score10", "nps", "yesno", "choice", "text", None]),
)
@example(form={"text": "题", "options": True}, kind="level5")
@example(form={"text": "题", "kind": ["level5"]}, kind=None)
@example(form={"text": "题", "weight": 10**400}, kind="score10")
def test_validate_question_with_junk(database, form, kind):
    if kind is not None:
        form = {**form, "kind": kind}
    clean, err = outcome(templates.validate_question, form)
    if err is not None:
        assert_names_field(err, {"题目", "题型", "选项", "权重", "维度"})
        return
    assert_clean_text(clean["text"], 300)
    assert clean["text"]
    assert_clean_text(clean["dimension"], 30)
    assert math.isfinite(clean["weight"]) and 0 <= clean["weight"] <= templates.MAX_WEIGHT
    assert clean["options"] is None or all(isinstance(o, str) and o for o in clean["options"])


@settings(max_examples=120, **DB_SETTINGS)
@given(
    form=st.dictionaries(
        st.sampled_from(["name", "industry", "title", "greeting", "opening", "closing"]), junk
    )
)
def test_validate_template_info_with_junk(database, form):
    clean, err = outcome(templates.validate_template_info, form)
    if err is not None:
        assert_names_field(err, {"模板名称", "行业", "打印标题", "问候语", "开场白", "结束语"})
        return
    for key, value in clean.items():
        assert_clean_text(value, 500, lines=key in ("greeting", "opening", "closing"))


SETTING_FIELDS = {d.label for d in app_settings.DEFINITIONS} | {"默认问卷"}


@settings(max_examples=150, **DB_SETTINGS)
@given(
    values=st.dictionaries(
        st.sampled_from(
            [
                "company_name",
                "company_logo",
                "hotline",
                "reply_workdays",
                "visitor_name",
                "default_template_family",
            ]
        ),
        junk,
    )
)
@example(values={"reply_workdays": math.inf})
@example(values={"company_logo": "a" * 400})  # a file name too long for the file system
@example(values={"default_template_family": ["after_sales"]})
def test_validate_settings_with_junk(database, values):
    clean, err = outcome(app_settings.validate_values, values)
    if err is not None:
        assert_names_field(err, SETTING_FIELDS)
        return
    if "reply_workdays" in clean:
        assert isinstance(clean["reply_workdays"], int) and 1 <= clean["reply_workdays"] <= 30
    for key in ("company_name", "hotline", "visitor_name", "company_logo"):
        if key in clean:
            assert_clean_text(clean[key], 500)
    if "default_template_family" in clean:
        assert isinstance(clean["default_template_family"], str)


@settings(max_examples=120, **DB_SETTINGS)
@given(form=st.dictionaries(st.sampled_from(["name", "role", "department", "phone"]), junk))
def test_validate_staff_with_junk(database, form):
    clean, err = outcome(staff.validate_staff, form)
    if err is not None:
        assert_names_field(err, {"姓名", "角色", "部门", "电话"})
        return
    assert clean["role"] in staff.Staff.ROLES
    assert clean["phone"] == "" or MOBILE.fullmatch(clean["phone"]) or LANDLINE.fullmatch(clean["phone"])
    assert_clean_text(clean["department"], 30)


@settings(max_examples=120, **DB_SETTINGS)
@given(name=junk)
def test_add_category_with_junk_saves_a_clean_name_or_nothing(database, name):
    before = categories.ProblemCategory.select().count()
    created, err = outcome(categories.add_category, name)
    if err is not None:
        assert_names_field(err, {categories.FIELD})
        assert categories.ProblemCategory.select().count() == before
        return
    try:
        assert_clean_text(created.name, 20)
        assert created.name
    finally:
        created.delete_instance()


_kpi_numbers = st.one_of(
    st.none(),
    st.floats(),
    st.integers(min_value=-1000, max_value=1000),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 100.0]),
)
_kpi_rows = st.builds(
    kpi.IndicatorRow,
    level1=st.one_of(st.none(), texts),
    level2=st.one_of(st.none(), texts),
    weight=_kpi_numbers,
    target=_kpi_numbers,
    actual=_kpi_numbers,
    qualitative=st.booleans(),
    note=st.one_of(st.none(), texts),
    reviewers=st.lists(
        st.tuples(st.one_of(st.none(), texts), st.one_of(st.integers(-3, 8), st.floats(), st.none())),
        max_size=3,
    ),
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_kpi_rows, max_size=5))
def test_kpi_validate_names_every_problem_and_passes_only_sound_rows(rows):
    message = kpi.validate(rows)
    assert message is None or _chinese(message)
    if message is not None:
        return
    assert rows
    assert abs(sum(r.weight for r in rows) - kpi.WEIGHT_TOTAL) < 1e-6
    for row in rows:
        assert row.weight is not None and math.isfinite(row.weight) and row.weight > 0
        if not row.qualitative:
            assert row.target is not None and math.isfinite(row.target) and row.target > 0
            assert row.actual is None or (math.isfinite(row.actual) and row.actual >= 0)
        for _who, score in row.reviewers:
            assert score in kpi.REVIEWER_SCORES


# ---------------------------------------------------------------- the importer
@contextlib.contextmanager
def fresh_database():
    """A database of its own for one hypothesis example (and a folder for its files)."""
    with tempfile.TemporaryDirectory() as folder:
        open_app_database(Path(folder) / "huifang.db")
        try:
            yield Path(folder)
        finally:
            close_database()


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FORMULAS = ["=1+1", "+8613812345678", "@SUM(A1)", "-2", '=HYPERLINK("http://x")']
cell_texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(SPECIAL_TEXT + FORMULAS),
    st.builds(lambda n: "张" * n, st.sampled_from([49, 50, 51, 10_000])),
)
junk_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)).map(lambda d: d.replace(microsecond=0)),
    cell_texts,
)
GOOD_CELLS = {
    "code": st.sampled_from(["C001", "c001", "C002", "C003", "K-9", " C004 "]),
    "name": st.sampled_from(["张三", "李 四", "=1+1", "@SUM(A1)", "-2"]),
    "phone": st.sampled_from(["13812345678", 13912345678, "010-12345678", "+86 137 1234 5678"]),
    "title": st.sampled_from(["男", "女士", ""]),
    "ctype": st.sampled_from(["vip", "企业", "普通客户"]),
    "note": st.sampled_from(["=1+1", "+86 备注", "@SUM(A1)", "-2", "老客户"]),
    "address": st.sampled_from(["北京市朝阳区1号", "=A1"]),
    "order_no": st.sampled_from(["GD1", "gd1", "GD2", "GD3"]),
    "customer_code": st.sampled_from(["C001", "C002", "C009"]),
    "customer_name": st.sampled_from(["新客户", ""]),
    "customer_phone": st.sampled_from(["13512345678", ""]),
    "service_type": st.sampled_from(["维修", "安装", "", "上门"]),
    "completed_at": st.sampled_from([datetime(2024, 9, 27, 10, 30), "2024/9/27", 45000, "2030-01-01"]),
    "delivered_on": st.sampled_from([date(2024, 5, 1), "2024-05-01", ""]),
    "warranty_end": st.sampled_from([date(2025, 5, 1), "2024-04-01", ""]),
    "is_complaint": st.sampled_from(["是", "否", 1, ""]),
    "complaint_level": st.sampled_from(["一级", 3, "严重", ""]),
    "complaint_closed_at": st.sampled_from([datetime(2024, 10, 1, 9, 0), "2024-10-01", ""]),
    "product_model": st.sampled_from(["KFR-35GW", "", "=A1"]),
    "engineer": st.sampled_from(["张工", ""]),
    "team": st.sampled_from(["维修一组", "-2"]),
    "region": st.sampled_from(["华北", ""]),
    "source": st.sampled_from(["电话", "@SUM(A1)"]),
    "customer_title": st.sampled_from(["男", ""]),
    "customer_address": st.sampled_from(["上海市浦东新区", ""]),
    "customer_ctype": st.sampled_from(["vip", ""]),
    "customer_region": st.sampled_from(["华东", ""]),
}


@st.composite
def import_files(draw):
    kind = draw(st.sampled_from(["customers", "orders"]))
    fields = im.fields_of(kind)
    required = [f for f in fields if f.required]
    optional = draw(st.lists(st.sampled_from([f for f in fields if not f.required]), unique=True, max_size=6))
    columns = required + optional
    extra = draw(st.lists(st.sampled_from(["序号", "", "合计", "Unnamed: 3"]), max_size=2))
    order = draw(st.permutations(list(range(len(columns) + len(extra)))))
    header = [
        draw(st.sampled_from(f.aliases)) + draw(st.sampled_from(["", " *", "（必填）", ":"])) for f in columns
    ] + extra
    header = [header[i] for i in order]
    keys = [f.key for f in columns] + [None] * len(extra)
    keys = [keys[i] for i in order]
    width = len(header)

    junk_share = draw(st.sampled_from([0, 1, 3, 6]))  # in tenths: clean files, a few bad cells, chaos

    def cell(key):
        good = GOOD_CELLS.get(key)
        if good is None or draw(st.integers(0, 9)) < junk_share:
            return draw(junk_cells)
        return draw(good)

    data = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        if draw(st.integers(0, 5)) == 0:
            data.append([draw(st.sampled_from([None, "", "  ", "\u3000"])) for _ in range(width)])
        else:
            data.append([cell(key) for key in keys])
    titles = draw(
        st.lists(st.sampled_from([["2024年客户名单"] + [None] * (width - 1), [None] * width]), max_size=2)
    )
    existing = draw(st.lists(st.sampled_from(["C001", "C002", "C003"]), unique=True, max_size=3))
    existing_orders = draw(st.lists(st.sampled_from(["GD1", "GD2"]), unique=True, max_size=2))
    return {
        "kind": kind,
        "suffix": draw(st.sampled_from([".xlsx", ".csv"])),
        "mode": draw(st.sampled_from(["update", "skip"])),
        "titles": titles,
        "header": header,
        "keys": keys,
        "data": data,
        "existing": existing,
        "existing_orders": existing_orders if existing else [],
    }


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


def _write(case: dict, path: Path) -> list[list]:
    """Write the file; returns the data rows as the importer will read them back."""
    rows = [*case["titles"], case["header"], *case["data"]]
    if path.suffix == ".csv":
        text_rows = [[_csv_cell(v).replace("\x00", "") for v in row] for row in rows]
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(text_rows)
        return text_rows[len(case["titles"]) + 1 :]
    book = openpyxl.Workbook()
    sheet = book.active
    out = []
    for r, row in enumerate(rows, start=1):
        read_back = []
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                value = _XML_ILLEGAL.sub("", value)  # an .xlsx cannot hold them at all
            if value is not None:
                cell = sheet.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text typed in Excel, even "=1+1"
            read_back.append(value)
        out.append(read_back)
    book.save(path)
    return out[len(case["titles"]) + 1 :]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _report_rows(path: Path) -> list[int]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    assert rows[0][0] == "行号" and rows[0][-1] == "错误原因"
    for row in rows[1:]:
        assert _chinese(row[-1]), row[-1]
    return [row[0] for row in rows[1:]]


_REGRESSIONS = [
    # a control character in a rejected CSV row crashed the error report (openpyxl refuses it)
    {"kind": "customers", "suffix": ".csv", "mode": "update", "titles": [],
     "header": ["客户姓名", "联系电话", "客户编号"], "keys": ["name", "phone", "code"],
     "data": [["\x1f", "13812345678", None]], "existing": [], "existing_orders": []},
    # a service type the order form refuses ("上门") was stored; warranty before delivery too
    {"kind": "orders", "suffix": ".xlsx", "mode": "update", "titles": [],
     "header": ["工单号", "客户编号", "服务类型", "交付日期", "保修到期日"],
     "keys": ["order_no", "customer_code", "service_type", "delivered_on", "warranty_end"],
     "data": [["GD1", "C001", "上门", None, None], ["GD2", "C001", "维修", "2024-05-01", "2024-04-01"]],
     "existing": ["C001"], "existing_orders": []},
    # a comma CSV whose notes hold more semicolons than the lines hold commas lost its columns
    {"kind": "customers", "suffix": ".csv", "mode": "skip", "titles": [["客户名单", None, None, None]],
     "header": ["客户编号", "客户姓名", "联系电话", "备注"], "keys": ["code", "name", "phone", "note"],
     "data": [["C001", "张三", "13812345678", "未接；改约；再打；未接；改约；再打；未接"]] * 2,
     "existing": [], "existing_orders": []},
]  # fmt: skip


@settings(
    max_examples=35,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=import_files())
@example(case=_REGRESSIONS[0])
@example(case=_REGRESSIONS[1])
@example(case=_REGRESSIONS[2])
def test_import_accounts_for_every_row_and_stores_clean_values(case):
    with fresh_database() as folder:
        for code in case["existing"]:
            customers.create_customer({"code": code, "name": "老客户", "phone": "13800000000"})
        first = Customer.get_or_none(Customer.code == "C001") or Customer.select().first()
        for order_no in case["existing_orders"]:
            customers.create_order({"order_no": order_no, "customer_id": first.id, "service_type": "维修"})
        path = folder / f"导入{case['suffix']}"
        data = _write(case, path)
        nonblank = [i for i, row in enumerate(data) if any(not _blank(v) for v in row)]
        source = importer.open_source(path, case["kind"])
        assert source.header_row == len(case["titles"])
        assert not source.missing_required()
        result = importer.import_source(source, mode=case["mode"], today=TODAY)
        event(f"{case['kind']} {case['suffix']}: imported {'some' if result.imported else 'none'}")
        event(f"{case['kind']}: rejected {'some' if result.rejected else 'none'}")
        event(f"{case['kind']}: updated {'some' if result.updated else 'none'}")

        written = result.imported + result.updated + result.rejected + result.skipped_existing
        assert written == len(nonblank)
        assert written + result.skipped_blank == len(source.data_rows)
        assert len(source.data_rows) <= len(data)

        first_no = source.first_data_row_no
        reported: list[int] = []
        if result.rejected:
            assert result.report is not None and result.report.exists()
            reported = _report_rows(result.report)
            assert len(reported) == result.rejected
            assert set(reported) <= {first_no + i for i in nonblank}
        else:
            assert result.report is None
        accepted = [first_no + i for i in nonblank if first_no + i not in set(reported)]

        # everything stored passes the form's own validation unchanged
        for stored in Customer.select():
            values = _customer_values(stored)
            assert customers.validate_customer(values, existing_id=stored.id) == values
        for order in ServiceOrder.select():
            values = {
                "order_no": order.order_no,
                "customer_id": order.customer_id,
                "service_type": order.service_type,
                "product_model": order.product_model,
                "engineer": order.engineer,
                "team": order.team,
                "completed_at": order.completed_at,
                "delivered_on": order.delivered_on,
                "warranty_end": order.warranty_end,
                "is_complaint": order.is_complaint,
                "complaint_closed_at": order.complaint_closed_at,
                "complaint_level": order.complaint_level,
                "note": order.note,
            }
            clean = customers.validate_order(values, existing_id=order.id, today=TODAY)
            assert clean["order_no"] == order.order_no

        # text cells are stored as text: a formula string stays the characters typed
        if case["kind"] == "customers" and "note" in case["keys"] and case["mode"] == "update":
            col = case["keys"].index("note")
            code_col = case["keys"].index("code")
            for row_no in accepted:
                row = source.data_rows[row_no - first_no]  # the cells as read from the file
                note = row[col]
                if _blank(note):
                    continue
                stored = Customer.get(Customer.code == clean_code(readers.cell_text(row[code_col])))
                assert stored.note == clean_text(readers.cell_text(note), "备注", max_len=1000)


# ---------------------------------------------------------------- improvement actions
ACTION_FIELDS = {
    "问题描述",
    "改进措施",
    "责任部门",
    "责任人",
    "完成时限",
    "验收标准",
    "预期效果",
    "问题分类",
    "关联回访",
}
_action_texts = st.one_of(
    st.sampled_from(["备件库存预警", "张 工", "=1+1", "第一行\n第二行"]), st.none(), texts
)


@settings(max_examples=100, **DB_SETTINGS)
@given(
    problem=_action_texts,
    measure=_action_texts,
    department=_action_texts,
    owner=_action_texts,
    deadline=st.one_of(
        st.sampled_from(["2024-11-10", date(2025, 1, 1)]),
        st.none(),
        texts,
        numbers,
        st.dates(),
        st.datetimes(),
    ),
    acceptance=_action_texts,
    expected_effect=_action_texts,
    category=st.sampled_from([None, None, "existing", "", 987654]),
    visit_ids=st.one_of(
        st.just([]), st.just([]), st.lists(st.integers(min_value=1, max_value=10**6), max_size=3)
    ),
)
@example(
    problem="第一次上门\x07未携带滤网",
    measure="备件\x00库存预警",
    department="物流部\u200b",
    owner="王\x1b经理",
    deadline="2024-11-10",
    acceptance="",
    expected_effect="",
    category=None,
    visit_ids=[],
)
def test_create_action_with_junk_saves_clean_values_or_nothing(
    database, problem, measure, department, owner, deadline, acceptance, expected_effect, category, visit_ids
):
    category_id = categories.list_categories()[0].id if category == "existing" else category
    data = improvement.ActionInput(
        problem=problem,
        measure=measure,
        department=department,
        owner=owner,
        deadline=deadline,
        acceptance=acceptance,
        expected_effect=expected_effect,
        category_id=category_id,
        visit_ids=visit_ids,
    )
    before = ImprovementAction.select().count()
    created, err = outcome(improvement.create_action, data, "测试", today=TODAY)
    event("saved" if err is None else "refused")
    if err is not None:
        assert_names_field(err, ACTION_FIELDS)
        assert ImprovementAction.select().count() == before
        return
    try:
        action = ImprovementAction.get_by_id(created.id)
        for key in ("department", "owner"):
            assert_clean_text(getattr(action, key), improvement.MAX_NAME)
        for key in ("problem", "measure", "acceptance", "expected_effect"):
            assert_clean_text(getattr(action, key), improvement.MAX_TEXT, lines=True)
        assert action.deadline >= TODAY
    finally:
        ActionLog.delete().execute()
        ActionVisit.delete().execute()
        ImprovementAction.delete().execute()
