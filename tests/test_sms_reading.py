"""Issue 16 item 4: the text of a satisfaction SMS and the reading of the customer's reply (no
database): real-world reply forms read, and everything doubtful left for a person."""

from datetime import date

import pytest

from desktop.services.common.errors import ValidationError
from desktop.services.sms import texts
from desktop.services.sms.reading import read_reply

WANG = texts.Recipient("王先生", "维修", date(2026, 12, 5))


# ---------------------------------------------------------------- the text
def test_a_reply_text_greets_masked_names_the_shop_and_service_and_lists_the_codes_best_first():
    text = texts.compose(WANG, shop="示例家电", signature="", mode=texts.REPLY)
    assert text.startswith("王先生您好，感谢您12月5日在示例家电办理维修。")
    assert "请回复1-5评价：5非常满意 4满意 3一般 2不满意 1非常不满意。" in text
    assert text.endswith("回TD退订")
    assert len(text) <= texts.SEGMENT and texts.segments(text) == 1


def test_the_signature_goes_in_front_and_the_body_then_says_本店():
    text = texts.compose(WANG, shop="示例家电售后服务有限公司", signature="示例家电", mode=texts.REPLY)
    assert text.startswith("【示例家电】王先生您好，感谢您12月5日在本店办理维修。")
    assert "示例家电售后服务有限公司" not in text


def test_greetings_never_carry_the_full_name():
    assert texts.greeting_of("王小明", "先生") == "王先生"
    assert texts.greeting_of("王小明") == "王**"
    assert texts.greeting_of("欧阳娜娜", "女士") == "欧女士"
    assert texts.greeting_of("某某科技有限公司", "", "企业客户") == "尊敬的客户"


def test_a_link_text_carries_the_link_and_is_counted_in_parts_of_67():
    url = "http://192.168.1.20:8765/s/" + "x" * 32
    text = texts.compose(WANG, shop="示例家电", signature="示例家电", mode=texts.LINK, url=url)
    assert url in text and "回复1-5" not in text
    assert len(text) > texts.SEGMENT
    assert texts.segments(text) == -(-len(text) // texts.PART)
    assert texts.segments("字" * 70) == 1 and texts.segments("字" * 71) == 2 and texts.segments("字" * 135) == 3


def test_no_order_no_service_words():
    text = texts.compose(texts.Recipient("李*"), shop="示例家电", mode=texts.REPLY)
    assert text.startswith("李*您好，感谢您选择示例家电。")


@pytest.mark.parametrize("raw", ["示", "一二三四五六七八九十一二三"])
def test_a_signature_has_2_to_12_characters(raw):
    with pytest.raises(ValidationError, match="短信签名"):
        texts.clean_signature(raw)


def test_a_signature_typed_with_brackets_is_kept_without():
    assert texts.clean_signature("【示例家电】") == "示例家电"
    assert texts.clean_signature("") == ""


def test_mobile_numbers_only():
    assert texts.is_mobile("13812345678")
    assert not texts.is_mobile("010-12345678") and not texts.is_mobile("1381234567") and not texts.is_mobile("")


# ---------------------------------------------------------------- the reply
@pytest.mark.parametrize(
    ("raw", "level", "remark"),
    [
        ("5", 5, ""),
        ("１", 1, ""),  # full-width
        (" 4 ", 4, ""),
        ("回复2", 2, ""),
        ("回 3", 3, ""),
        ("选5", 5, ""),
        ("5分", 5, ""),  # points agree with the codes: 5 is 非常满意 both ways
        ("4星", 4, ""),
        ("5。", 5, ""),
        ("5！！", 5, ""),
        ("5 师傅很专业", 5, "师傅很专业"),
        ("5师傅很好，准时", 5, "师傅很好，准时"),
        ("4，等的时间有点长", 4, "等的时间有点长"),
        ("5分，很满意", 5, "很满意"),  # the word agrees with the code
        ("4 还可以", 4, "还可以"),  # a neighbouring level: no contradiction
        ("5，满意", 5, "满意"),
        ("1 非常不满意，修了两次", 1, "非常不满意，修了两次"),
        ("非常满意", 5, ""),
        ("很满意！", 5, ""),
        ("满意", 4, ""),
        ("一般", 3, ""),
        ("不满意", 2, ""),
        ("不太满意", 2, ""),
        ("非常不满意", 1, ""),
        ("很满意，师傅很耐心", 5, "很满意，师傅很耐心"),
        ("还行吧，就是有点贵", 3, "还行吧，就是有点贵"),
    ],
)
def test_clear_replies_are_read(raw, level, remark):
    reading = read_reply(raw)
    assert (reading.level, reading.remark, reading.problem) == (level, remark, "")
    assert not reading.opt_out


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "为空"),
        ("   ", "为空"),
        ("好的", "没有可识别的评价"),
        ("收到，谢谢", "没有可识别的评价"),
        ("？", "没有可识别的评价"),
        ("👍", "没有可识别的评价"),
        ("谁啊", "没有可识别的评价"),
        ("0", "1–5"),
        ("6", "1–5"),
        ("8分", "1–5"),  # the text asked for 1–5: a 10-point reading would be a guess
        ("10", "1–5"),
        ("45", "1–5"),
        ("5 5 5", "1–5"),
        ("3.5", "1–5"),
        ("4-5", "1–5"),
        ("13812345678", "1–5"),
        ("1 非常满意", "不一致"),  # the code and the words disagree
        ("5，不满意", "不一致"),
        ("2 很满意", "不一致"),
        ("满意，但是安装师傅不满意", "无法确定"),
        ("满意5", "不一致"),
        ("满意3", "不一致"),
        ("没有很满意", "否定"),
    ],
)
def test_doubtful_replies_are_not_read_and_say_why(raw, why):
    reading = read_reply(raw)
    assert reading.level is None
    assert why in reading.problem


@pytest.mark.parametrize("raw", ["TD", "td", "T", "退订", "ＴＤ", "退", "退订，别再发了", "TD。"])
def test_opt_outs(raw):
    reading = read_reply(raw)
    assert reading.opt_out and reading.level is None


def test_an_opt_out_with_a_clear_answer_keeps_the_answer():
    reading = read_reply("5 TD")
    assert reading.opt_out and reading.level == 5


def test_words_inside_other_words_do_not_count_as_opt_out():
    assert not read_reply("5 STD").opt_out  # "TD" only as a word of its own
