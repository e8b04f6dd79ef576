"""Reading a customer's SMS reply (no database here).

A reply is read only when there is no doubt; anything else waits for a person (待核对), never
guessed. The rules, in order, on the reply normalised (full-width digits and letters → half-width, spaces
collapsed):

1. **退订** — 退订 anywhere, or the whole reply one of TD / T / 退 / 取消 / 拒收 (any case):
   the customer opts out (``opt_out``). A clear score in the same reply is still read.
2. **A code first** — an optional lead word (回复 / 回 / 选 / 选择 / 评 / 打 / 给 / 答), then one
   digit 1–5, optionally 分 / 星 / 颗星, then the end or a separator (space, ，。、,.!！~ …) or a
   Chinese character: "5", "５", "回复4", "5分", "4星", "3。", "5 师傅很专业", "5师傅很好".
   The code is the 5-point score (5 非常满意 … 1 非常不满意, ``texts``). Whatever follows is
   the customer's remark (宝贵意见).
3. **Words only** — the level names and their common forms, longest first: 非常/很/十分/特别/超
   满意 → 5, 满意/比较满意/挺满意 → 4, 一般/还行/还可以 → 3, 不满意/不太满意/不是很满意 → 2,
   非常/很/十分/特别/极不满意 → 1. The whole reply is kept as the remark when it says more.
4. **Doubt** — two different levels: a code and a word two or more levels apart ("1 非常满意",
   "5 不满意"; a neighbour agrees: "4 还可以", "5，满意"), or words naming two levels ("满意…
   但是不满意"), a number that is not a code (0, 6–10 even "8分": the text asked for 1–5, a
   0–10 reading would be a guess; "45", "3.5", "4-5", a phone number), negations the words do
   not cover (没/不是 before 满意 in an unknown form), or no level at all ("好的", "收到",
   "?", an emoji): ``problem`` says why.
"""

import re
import unicodedata
from dataclasses import dataclass

LEVEL_NAMES = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}

_OPT_OUT_WHOLE = {"TD", "T", "退", "退订", "取消", "拒收", "TDTD"}
_LEAD = r"(?:回复|回|选择|选|评分|评|打分|打|给|答)?"
_CODE = re.compile(
    rf"^{_LEAD}\s*[:：]?\s*(\d+(?:[.\-~/]\d+)?)\s*(分|颗星|星)?\s*(.*)$", re.S
)
_SEPARATORS = " ，。、,.!！~～;；:：…-—()（）【】[]\"'“”"
# longest first: a longer form is taken out before a shorter one inside it is looked for
_WORDS: list[tuple[str, int]] = sorted(
    [
        *((w, 1) for w in ("非常不满意", "很不满意", "十分不满意", "特别不满意", "极不满意", "超级不满意", "非常不满")),
        *((w, 2) for w in ("不满意", "不太满意", "不是很满意", "不怎么满意", "不大满意")),
        *((w, 3) for w in ("一般", "还行", "还可以", "凑合", "马马虎虎")),
        *((w, 5) for w in ("非常满意", "很满意", "十分满意", "特别满意", "超级满意", "超满意", "非常非常满意", "相当满意")),
        *((w, 4) for w in ("满意", "比较满意", "挺满意", "还算满意", "蛮满意")),
    ],
    key=lambda item: -len(item[0]),
)
_PARTICLES = "了啊呀呢吧哈"  # 很满意啊 is still just 很满意
_NEGATION_NEAR = re.compile(r"(没|不是|并不|谈不上|算不上|一点也不|一点都不)[^，。,.!！]{0,3}满意")


@dataclass(frozen=True)
class Reading:
    level: int | None = None  # 5 非常满意 … 1 非常不满意; None: not read
    remark: str = ""  # what the customer wrote besides the answer
    opt_out: bool = False
    problem: str = ""  # why it was not read ("" when read, or an opt-out with no score)

    @property
    def readable(self) -> bool:
        return self.level is not None


_HALF = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},  # ０-９
    **{0xFF21 + i: 0x41 + i for i in range(26)},  # Ａ-Ｚ
    **{0xFF41 + i: 0x61 + i for i in range(26)},  # ａ-ｚ
    0x3000: 0x20,  # the ideographic space
}


def normalise(text: str) -> str:
    """Full-width digits and letters made half-width (the remark keeps its Chinese punctuation),
    control characters dropped, spaces collapsed."""
    text = (text or "").translate(_HALF)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return re.sub(r"\s+", " ", text).strip()


def is_code(raw: str) -> bool:
    """The reply starts with a number (read as a 1–5 code, or refused as one)."""
    return bool(_CODE.match(normalise(raw)))


def _is_opt_out(text: str) -> bool:
    compact = re.sub(rf"[{re.escape(_SEPARATORS)}]", "", text).upper()
    if compact in _OPT_OUT_WHOLE or "退订" in text:
        return True
    return bool(re.search(r"(?<![A-Z])TD(?![A-Z])", text.upper()))


def _without_opt_out(text: str) -> str:
    text = re.sub(r"(?i)(?<![a-z])td(?![a-z])", " ", text).replace("退订", " ")
    return normalise(text).strip(_SEPARATORS)


def _word_levels(text: str) -> set[int]:
    """Every level named in ``text`` (each form taken out once found)."""
    found, rest = set(), text
    for word, level in _WORDS:
        if word in rest:
            found.add(level)
            rest = rest.replace(word, "|")
    return found


def _remark(rest: str) -> str:
    return rest.strip(_SEPARATORS).strip()


def read_reply(raw: str) -> Reading:
    """What the reply says (see the module's rules)."""
    text = normalise(raw)
    if not text:
        return Reading(problem="回复内容为空")
    opt_out = _is_opt_out(text)
    body = _without_opt_out(text) if opt_out else text.strip(_SEPARATORS + " ")
    if not body:
        return Reading(opt_out=True) if opt_out else Reading(problem="没有可识别的评价")
    match = _CODE.match(body)
    if match:
        number, unit, rest = match.groups()
        if rest and rest[0].isdigit():
            return Reading(opt_out=opt_out, problem=f"“{number}{rest[:6]}”不是 1–5 中的一个数字")
        if not number.isdigit() or len(number) > 1 or not 1 <= int(number) <= 5:
            shown = f"{number}{unit or ''}"
            return Reading(opt_out=opt_out, problem=f"短信请客户回复 1–5，“{shown}”不是其中之一（不按其他分制猜测）")
        level = int(number)
        remark = _remark(rest)
        words = _word_levels(remark)
        if any(abs(word - level) >= 2 for word in words):  # "4 还可以" agrees; "1 非常满意" does not
            named = "、".join(LEVEL_NAMES[w] for w in sorted(words, reverse=True))
            return Reading(opt_out=opt_out, remark=remark, problem=f"数字 {level}（{LEVEL_NAMES[level]}）与文字“{named}”不一致")
        return Reading(level=level, remark=remark, opt_out=opt_out)
    if re.search(r"\d", body) and re.fullmatch(r"[\d\s.\-+/]+", body):
        return Reading(opt_out=opt_out, problem=f"“{body[:12]}”不是 1–5 中的一个数字")
    words = _word_levels(body)
    if len(words) > 1:
        named = "、".join(LEVEL_NAMES[w] for w in sorted(words, reverse=True))
        return Reading(opt_out=opt_out, remark=body, problem=f"回复中同时有“{named}”，无法确定")
    if not words:
        return Reading(opt_out=opt_out, remark=body, problem="没有可识别的评价（请客户回复 1–5）")
    if _NEGATION_NEAR.search(body) and not any(w in body for w, lvl in _WORDS if lvl <= 2):
        return Reading(opt_out=opt_out, remark=body, problem="回复里有否定词，无法确定是否满意")
    (level,) = words
    digits = set(re.findall(r"\d+", body))
    if digits and digits != {str(level)}:
        return Reading(opt_out=opt_out, remark=body, problem="回复中的数字与文字评价不一致或不是 1–5")
    bare = body.strip(_SEPARATORS + _PARTICLES)
    remark = "" if bare in {w for w, _ in _WORDS} else body
    return Reading(level=level, remark=remark, opt_out=opt_out)
