"""Phone numbers inside free text (``validation.mask_phones_in_text``): what customers say in
宝贵意见 and text answers goes out masked like the 联系电话 column — 138****5678, 010-****5678 —
and nothing else in the text is touched (order numbers, dates, amounts, models, hotlines)."""

import os
import re
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from desktop.models import Customer, QuestionnaireTemplate, ServiceOrder, Visit
from desktop.services.common.validation import mask_names_in_text, mask_phone, mask_phones_in_text
from desktop.services.improvement import improvement, plan_table
from desktop.services.summaries import report_doc

# CI runs the same examples every time; developers' runs explore new ones (as test_properties)
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

FULLWIDTH = str.maketrans("0123456789()+-", "0123456789()+-")
DIGITS = set("0123456789") | set("0123456789")


# ---------------------------------------------------------------- examples
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("有事打我13812345678", "有事打我138****5678"),
        ("请打13812345678找我", "请打138****5678找我"),
        ("13912345678", "139****5678"),
        ("手机 138 1234 5678，白天都在", "手机 138 **** 5678，白天都在"),
        ("138-1234-5678", "138-****-5678"),
        ("138 - 1234 - 5678", "138 - **** - 5678"),
        ("138.1234.5678", "138.****.5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("+8613812345678", "+86138****5678"),
        ("8613812345678", "86138****5678"),
        ("0086-13812345678", "0086-138****5678"),
        ("tel:13812345678.", "tel:138****5678."),
        ("微信同号13812345678，或者19987654321", "微信同号138****5678，或者199****4321"),
        # landlines with their area code
        ("010-12345678", "010-****5678"),
        ("座机0755-1234567晚上没人", "座机0755-****4567晚上没人"),
        ("0755-81234567", "0755-****4567"),
        ("01012345678", "010****5678"),
        ("075512345678", "0755****5678"),
        ("(010)12345678", "(010)****5678"),
        ("(0755) 1234567", "(0755) ****4567"),
        ("010 1234 5678", "010 **** 5678"),
        ("0755-123-4567", "0755-****-4567"),
        ("+86 10 12345678", "+86 10 ****5678"),
        ("+86-755-1234567", "+86-755-****4567"),
        ("010-12345678-123", "010-****5678-123"),  # the extension is not personal
        ("010-12345678转88", "010-****5678转88"),
        # full-width digits from a Chinese input method
        ("电话13812345678", "电话138****5678"),
        ("(010)12345678", "(010)****5678"),
        ("+86 138-1234-5678", "+86 138-****-5678"),
    ],
)
def test_phone_numbers_in_text_are_masked(text, expected):
    assert mask_phones_in_text(text) == expected
    assert mask_phones_in_text(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "工单W2026110011已完成",
        "SO202405130012",
        "2026-11-23 14:30 上门",
        "2026.11.23",
        "20261123",
        "09:30-11:00",
        "13:00-14:00之间",
        "金额12800元，优惠1380元",
        "价格139.00元",
        "型号KFR-35GW/BP2DN1Y",
        "XQG100-14816 洗衣机",
        "客服热线400-800-1234",
        "4008001234",
        "800-820-8820",
        "+86 400 800 1234",
        "95588",
        "138123456789",  # 12 digits: not a phone number
        "1381234567",  # 10 digits
        "1281234567812",
        "身份证110101199003071234",
        "0123-4567",
        "87654321",  # a local number without its area code: cannot be told from any number
        "",
        "没有号码",
        "已打码138****5678",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_phones_in_text(text) == text


def test_canonical_numbers_read_like_the_phone_column():
    for phone in ("13812345678", "19912345678", "010-12345678", "0755-1234567", "0571-87654321"):
        assert mask_phones_in_text(phone) == mask_phone(phone)
        assert mask_phones_in_text(f"联系我{phone}谢谢") == f"联系我{mask_phone(phone)}谢谢"


def test_run_together_numbers_are_masked_until_none_is_left():
    # hiding the first number uncovers "0755 2345 5678": masked too, so a second pass finds nothing
    once = mask_phones_in_text("010-12340755 2345 5678")
    assert once == "010-****0755 **** 5678"
    assert mask_phones_in_text(once) == once


def test_names_in_text():
    assert mask_names_in_text("我是张伟，找张伟师傅", ["张伟"]) == "我是张*，找张*师傅"
    assert mask_names_in_text("欧阳娜娜来电", ["欧阳", "欧阳娜娜"]) == "欧***来电"  # longest first
    assert mask_names_in_text("张说好", ["张", "", None]) == "张说好"  # one character: too common
    assert mask_names_in_text("", ["张伟"]) == ""


# ---------------------------------------------------------------- where masked text goes out
def test_report_quotes_mask_every_phone_form():
    quote = "有事打138-1234-5678或座机0755-1234567,\n我是张伟,热线400-800-1234没人接"
    assert report_doc.mask_quote(quote, ["张伟"]) == (
        "有事打138-****-5678或座机0755-****4567, 我是张*,热线400-800-1234没人接"
    )
    # a number broken over two lines is one number once the quote is one line
    assert report_doc.mask_quote("电话138 1234\n5678", []) == "电话138 **** 5678"


def test_plan_rows_mask_numbers_and_names_in_what_customers_said(database):
    template = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "after_sales")
    customer = Customer.create(code="C0001", name="张伟", phone="13900001111")
    order = ServiceOrder.create(order_no="W2024050001", customer=customer)
    feedback = "请打13812345678找我（张伟），工单W2024050001"
    visit = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status="已完成",
        visit_date=date(2024, 5, 10),
        feedback=feedback,
    )
    problem = "张伟反映迟到，回电010-12345678"
    linked = improvement.create_action(
        improvement.ActionInput(
            problem=problem,
            measure="热线400-800-1234专人跟进",
            department="售后服务部",
            owner="王经理",
            deadline=date(2024, 6, 30),
            visit_ids=[visit.id],
        ),
        today=date(2024, 5, 12),
    )
    lonely = improvement.create_action(
        improvement.ActionInput(
            problem="客户来电0755 1234567投诉",
            measure="回访",
            department="客服中心",
            owner="杨慧",
            deadline=date(2024, 6, 1),
        ),
        today=date(2024, 5, 12),
    )
    today = date(2024, 5, 20)
    rows = {r.action_id: r for r in plan_table.plan_rows(mask=True, today=today)}
    assert rows[linked.id].feedback == "请打138****5678找我（张*），工单W2024050001"
    assert rows[linked.id].problem == "张*反映迟到，回电010-****5678"
    assert rows[linked.id].measure == "热线400-800-1234专人跟进"
    assert (rows[linked.id].customer_name, rows[linked.id].phone) == ("张*", "139****1111")
    assert rows[lonely.id].feedback == "客户来电0755 ****4567投诉"  # the problem stands in
    full = {r.action_id: r for r in plan_table.plan_rows(mask=False, today=today)}
    assert full[linked.id].feedback == feedback and full[linked.id].problem == problem
    assert full[lonely.id].feedback == "客户来电0755 1234567投诉"


# ---------------------------------------------------------------- properties
CJK = "有事打我电话找张伟师傅请明天上午联系谢谢空调不制冷服务态度很好"
PUNCT = ",。！？：；、“”（）《》 "
LETTERS = "WKFRGabcxyz"
# what surrounds a number in the property tests: anything but a digit
AROUND = st.text(alphabet=st.sampled_from(list(CJK + PUNCT + LETTERS + "+-.()*#转")), max_size=20)
# digit-heavy junk: separators, prefixes, brackets, full-width forms, stars
JUNK_CHARS = list("0123456789" * 3 + " -.+()*" + "()-+ 0189" + CJK[:8] + "转#\n")
JUNK = st.text(alphabet=st.sampled_from(JUNK_CHARS), max_size=60)


def _mobiles():
    return st.builds(
        lambda second, rest: "1" + second + rest,
        st.sampled_from("3456789"),
        st.text(alphabet="0123456789", min_size=9, max_size=9),
    )


def _skeleton(text: str) -> list[str]:
    """Everything but digits and stars, in order (masking may only turn digits into stars)."""
    return [c for c in text if c not in DIGITS and c != "*"]


@settings(max_examples=400)
@given(JUNK)
@example("010-12340755 2345 5678")
@example("0755-1234567 0755-1234567")
@example("+86 10 12345678 8613812345678")
def test_masking_is_idempotent_and_only_hides_digits(text):
    once = mask_phones_in_text(text)
    assert mask_phones_in_text(once) == once
    assert _skeleton(once) == _skeleton(text)
    # digits are only ever hidden, never moved or invented
    kept = iter(c for c in text if c in DIGITS)
    assert all(d in kept for d in (c for c in once if c in DIGITS))
    # mobiles keep the length; a 7-digit landline gains one "*" (0755-****4567) while hiding 3+
    hidden = sum(c in DIGITS for c in text) - sum(c in DIGITS for c in once)
    assert 0 <= len(once) - len(text) <= hidden // 3


@settings(max_examples=300)
@given(
    AROUND, _mobiles(), AROUND, st.sampled_from(["", " ", "-"]), st.sampled_from(["", "+86", "+86 ", "86"])
)
def test_any_mobile_in_chinese_text_comes_out_masked(left, number, right, sep, prefix):
    written = prefix + number[:3] + sep + number[3:7] + sep + number[7:]
    out = mask_phones_in_text(left + written + right)
    expected = prefix + number[:3] + sep + "****" + sep + number[7:]
    assert out == left + expected + right
    if not sep:
        assert mask_phone(number) in out
    # the middle four digits are gone: only the prefix's, the first three and the last four remain
    assert re.sub(r"\D", "", out) == re.sub(r"\D", "", prefix) + number[:3] + number[7:]
    assert mask_phones_in_text(out) == out


@settings(max_examples=200)
@given(AROUND, _mobiles(), AROUND)
def test_full_width_mobiles_are_masked_too(left, number, right):
    out = mask_phones_in_text(left + number.translate(FULLWIDTH) + right)
    assert out == left + mask_phone(number).translate(FULLWIDTH) + right


@settings(max_examples=300)
@given(
    AROUND,
    st.sampled_from(["010", "020", "021", "023", "0755", "0571", "0431", "0898"]),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.booleans(),
    AROUND,
    st.sampled_from(["-", "", " "]),
)
def test_any_landline_in_chinese_text_comes_out_masked(left, area, digits, seven, right, sep):
    local = digits[:7] if seven and len(area) == 4 else digits
    out = mask_phones_in_text(left + area + sep + local + right)
    assert out == left + area + sep + "****" + local[-4:] + right
    if sep == "-":
        assert mask_phone(f"{area}-{local}") in out
    assert mask_phones_in_text(out) == out


@given(st.text(alphabet=st.sampled_from(list("23456789" + CJK + PUNCT + "-. :/")), max_size=60))
def test_text_without_0_1_or_plus_is_never_touched(text):
    # every phone form needs a 0 (area code), a 1 (mobile) or +86: none here
    assert mask_phones_in_text(text) == text


@given(st.from_regex(r"[0-9]{13,24}|[1-9][0-9]{11}", fullmatch=True))
def test_long_digit_runs_are_not_phone_numbers(text):
    # (12 digits starting with 0 can be a landline: 0755 + 8 digits)
    assert mask_phones_in_text(text) == text
