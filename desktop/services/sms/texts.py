"""The text of one satisfaction SMS (no database here: ``batch`` gathers what goes into it).

A text greets the customer by a masked name (王先生 with a 称谓, else 王*; 尊敬的客户 for an
enterprise), names the shop (from 设置 → 公司名称, unless the 签名 already names it: then 本店)
and the service (服务类型 and the day it was completed), and asks for the answer in one of two
ways:

* **回复数字** (``REPLY``): "请回复1-5评价：5非常满意 4满意 3一般 2不满意 1非常不满意". The code
  IS the 5-point score the 回访表 stores (DOMAIN §3: 非常满意 = 5 … 非常不满意 = 1; the phone page's
  form values are the same 5…1), so a customer who answers in points ("5分", "5星") means what
  the code means. Every text lists the codes best first, in the order of the printed form's
  columns (□非常满意 □满意 □一般 □不满意 □非常不满意), so no one has to guess the direction.
* **评价链接** (``LINK``): the task's single-use 扫码评价 link (``services.web``).

Platforms count every character (Chinese, digit, letter, punctuation, the 【签名】 they put in
front) as one: 70 make one message, a longer text is sent as several linked parts of 67 each and
billed per part (``segments``). 回TD退订 ends every text: the platforms ask for it and the reply
is recorded (``replies``).
"""

import math
import re
from dataclasses import dataclass
from datetime import date

from ..common.errors import ValidationError
from ..common.validation import clean_text, mask_name

REPLY, LINK = "reply", "link"
MODE_NAMES = {REPLY: "回复数字", LINK: "评价链接"}
SEGMENT = 70  # one message
PART = 67  # each part of a longer (concatenated) message
OPT_OUT_HINT = "回TD退订"
LEVEL_WORDS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
CODES_TEXT = " ".join(f"{code}{LEVEL_WORDS[code]}" for code in (5, 4, 3, 2, 1))
ASK_REPLY = f"请回复1-5评价：{CODES_TEXT}。"
SIGNATURE_MAX = 12  # 阿里云 / 腾讯云 signatures are 2–12 characters
MOBILE = re.compile(r"^1[3-9]\d{9}$")
ENTERPRISE = "企业客户"


@dataclass(frozen=True)
class Recipient:
    """What a text says about its customer and service (masked already)."""

    greeting: str  # 王先生 / 王* / 尊敬的客户
    service: str = ""  # 维修 · KFR-35GW
    day: date | None = None  # when the service was completed


def is_mobile(phone: str) -> bool:
    return bool(MOBILE.match(phone or ""))


def greeting_of(name: str, title: str = "", ctype: str = "") -> str:
    """The masked form of address: never the full name (the file goes to a third party)."""
    if ctype == ENTERPRISE or not name:
        return "尊敬的客户"
    if title in ("先生", "女士"):
        return f"{name[0]}{title}"
    return mask_name(name)


def clean_signature(value) -> str:
    """The 短信签名 without its brackets: 2–12 characters, as the platforms approve them."""
    text = clean_text(value, "短信签名", max_len=40).strip("【】[] ")
    if text and not 2 <= len(text) <= SIGNATURE_MAX:
        raise ValidationError("短信签名", f"签名应为 2–{SIGNATURE_MAX} 个字（如 示例家电），与短信平台审核通过的签名一致。")
    return text


def segments(text: str) -> int:
    """How many messages the platform sends (and bills) for ``text``."""
    n = len(text)
    return 1 if n <= SEGMENT else math.ceil(n / PART)


def shop_words(shop: str, signature: str) -> str:
    """The shop named in the body: 本店 when the 签名 in front already names it."""
    if signature and shop and (signature in shop or shop in signature):
        return "本店"
    return shop or "本店"


def compose(recipient: Recipient, *, shop: str, signature: str = "", mode: str = REPLY, url: str = "") -> str:
    """The whole text (with 【签名】 in front when there is one)."""
    head = f"【{signature}】" if signature else ""
    when = f"{recipient.day.month}月{recipient.day.day}日" if recipient.day else ""
    where = shop_words(shop, signature)
    if recipient.service:
        thanks = f"感谢您{when}在{where}办理{recipient.service}"
    else:
        thanks = f"感谢您{when}选择{where}" if when else f"感谢您选择{where}"
    if mode == LINK:
        ask = f"请点击链接评价：{url} "
    else:
        ask = ASK_REPLY
    return f"{head}{recipient.greeting}您好，{thanks}。{ask}{OPT_OUT_HINT}"


def platform_template(*, shop: str, signature: str = "", mode: str = REPLY) -> str:
    """The same text with the platforms' variables (${称呼} …) for registering a 短信模板 on
    阿里云 / 腾讯云, whose batch files carry the variables in columns."""
    where = shop_words(shop, signature)
    ask = "请点击链接评价：${链接} " if mode == LINK else ASK_REPLY
    return f"${{称呼}}您好，感谢您${{日期}}在{where}办理${{服务}}。{ask}{OPT_OUT_HINT}"
