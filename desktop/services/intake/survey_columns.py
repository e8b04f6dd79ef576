"""Reading a survey platform's result workbook: which platform made it, which columns are its own
bookkeeping, which column answers which question of a 回访表 template, and what a cell means.

The layouts (as the platforms export them, "下载答卷数据" / "导出数据"):

* 问卷星 (wjx.cn): ``序号 | 提交答卷时间 | 所用时间 | 来源 | 来源详情 | 来自IP`` then one column per
  question headed ``1、您对……满意吗？``; a matrix question one column per row ``5、(row)``, a
  multiple choice ``第3题(option)``. 提交答卷时间 is written ``2024/9/27 10:01:59``, 所用时间
  ``120秒``. Cells hold the option text (按选项文本), the option's score (按分数) or its number
  (按序号); an unanswered question ``(空)``, a skipped one ``(跳过)`` — ``-3`` / ``-2`` in the
  numeric downloads.
* 腾讯问卷 (wj.qq.com): ``编号 | 开始答题时间 | 结束答题时间 | 答题时长 | 地理位置国家和地区 |
  地理位置省 | 地理位置市 | 自定义字段`` (newer exports add 用户类型, 用户标识, 昵称, IP, UA,
  Referrer …) then ``1.您对……满意吗？``; multiple choice ``21.题目:option``, fill-ins
  ``3.题目_填空1``. Options may carry their letter (``A.满意``); scales and stars hold the number.

A cell becomes the value the phone page's form would send (``web.links.form_value_options``):
5…1 for five levels, 1–10 / 0–10 scores, 是 / 否, the option text of a single choice, free text.
"""

import difflib
import re
from dataclasses import dataclass

from desktop.models import Question
from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, SCORE10, TEXT, YESNO

from ..common.validation import shown, to_halfwidth
from ..web.links import form_value_options
from .readers import cell_text

WJX, TENCENT, OTHER = "问卷星", "腾讯问卷", "其他"
# the platform's own columns: (submission number, submission time, every bookkeeping column)
PLATFORM_COLUMNS = {
    WJX: ("序号", "提交答卷时间", ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自ip", "总分")),
    TENCENT: (
        "编号",
        "结束答题时间",
        (
            "编号", "开始答题时间", "结束答题时间", "答题时长", "地理位置国家和地区", "地理位置省",
            "地理位置市", "自定义字段", "用户类型", "用户标识", "昵称", "ip", "ua", "referrer", "语言",
            "清洗数据结果", "智能清洗数据无效概率", "中奖时间", "中奖金额", "审核状态",
        ),
    ),
}  # fmt: skip
REPORT_COLUMNS = ("行号", "错误原因")  # added by the error workbook, which can be imported again
HEADER_SCAN_ROWS = 20
MIN_SCORE = 0.6  # below this similarity a column is not offered as a question's answer
PHONE_WORDS = ("手机", "电话", "联系方式")
ORDER_WORDS = ("订单号", "工单号", "订单编号", "工单编号", "服务单号", "单号")
FEEDBACK_WORDS = ("意见", "建议")
# what a platform writes for no answer, compared after half-width folding (as the cells are)
EMPTY_CELLS = {to_halfwidth(text) for text in ("", "（空）", "（跳过）", "-3", "-2", "--", "-")}

_NUMBERING = re.compile(r"^\s*(?:第\s*(\d+)\s*题|q\s*(\d+)|(\d+))\s*[、.:)\]]?\s*", re.IGNORECASE)
_TYPE_TAG = re.compile(
    r"[(\[【]\s*(?:单选题?|多选题?|量表题?|矩阵量表题?|矩阵单选题?|填空题?|下拉题?|下拉框|评分题?|打分题?"
    r"|nps题?|判断题?|简答题?|问答题?|必答|必填|选填|可多选)\s*[)\]】]"
)
_PUNCT = re.compile(r"[\s,.?!:;、\"'“”‘’()\[\]【】<>《》_\-—~·*。，？！：；]+")
_OPTION_LETTER = re.compile(r"^[a-z][.、)]\s*", re.IGNORECASE)
_NUMBER = re.compile(r"^(\d{1,2})(?:\.0+)?\s*分?$")
# five-level words the platforms' scales use, for templates that keep the standard labels
LEVEL_WORDS = {
    "非常满意": 5, "很满意": 5, "十分满意": 5, "满意": 4, "比较满意": 4, "较满意": 4, "一般": 3,
    "基本满意": 3, "不太满意": 2, "不满意": 2, "较不满意": 2, "比较不满意": 2, "非常不满意": 1,
    "很不满意": 1, "极不满意": 1,
}  # fmt: skip
YES_WORDS = {"是", "有", "对", "已", "yes", "y", "√"}
NO_WORDS = {"否", "不是", "没有", "无", "未", "no", "n", "×"}


def header_key(value) -> str:
    """A header as compared with the platform's column names: half-width, lower case, no spaces."""
    return re.sub(r"\s+", "", to_halfwidth(cell_text(value))).lower()


def normalise_question(text) -> str:
    """ "1、您对服务态度满意吗？(单选题)" / "Q1. 您对服务态度满意吗" / "第1题" → comparable text:
    numbering, the platform's question-type tags, punctuation and whitespace dropped,
    full-width folded to half-width."""
    value = to_halfwidth(cell_text(text)).strip().lower()
    value = _NUMBERING.sub("", value, count=1)
    value = _TYPE_TAG.sub("", value)
    return _PUNCT.sub("", value)


def question_number(text) -> int | None:
    """The number a header starts with (1、 / 1. / Q1 / 第1题), if any."""
    m = _NUMBERING.match(to_halfwidth(cell_text(text)).lower())
    if not m:
        return None
    return int(next(g for g in m.groups() if g))


def similarity(question: str, header: str) -> float:
    """0…1: how well a (normalised) header names a (normalised) question. A header that holds
    the whole question, or the question the whole header, counts as 0.9 at least."""
    if not question or not header:
        return 0.0
    score = difflib.SequenceMatcher(None, question, header, autojunk=False).ratio()
    shorter, longer = sorted((question, header), key=len)
    if len(shorter) >= 4 and shorter in longer:
        score = max(score, 0.9)
    return round(score, 3)


def detect_platform(headers: list) -> str:
    keys = {header_key(h) for h in headers}
    best, hits = OTHER, 1
    for platform, (_key, _time, columns) in PLATFORM_COLUMNS.items():
        found = len(keys & set(columns))
        if found > hits:
            best, hits = platform, found
    return best


def find_header_row(rows: list[list]) -> int:
    """The row (among the first rows) naming the most platform columns; else the first with data."""
    known = {c for _k, _t, columns in PLATFORM_COLUMNS.values() for c in columns}
    best, best_hits = None, 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        hits = sum(1 for cell in row if header_key(cell) in known)
        if hits > best_hits:
            best, best_hits = index, hits
    if best is not None:
        return best
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(cell_text(c).strip() for c in row):
            return index
    return 0


def bookkeeping_columns(headers: list, platform: str) -> set[int]:
    """Columns that are the platform's (or the error workbook's) own, not answers."""
    own = {c for _k, _t, columns in PLATFORM_COLUMNS.values() for c in columns}
    own |= set(REPORT_COLUMNS)
    return {i for i, h in enumerate(headers) if header_key(h) in own}


def column_of(headers: list, name: str) -> int | None:
    key = header_key(name)
    return next((i for i, h in enumerate(headers) if header_key(h) == key), None)


def find_column(headers: list, words: tuple[str, ...], skip: set[int]) -> int | None:
    """The first column (not in ``skip``) whose header, numbering dropped, contains one of ``words``."""
    for i, h in enumerate(headers):
        if i in skip:
            continue
        text = normalise_question(h)
        if any(word in text for word in words):
            return i
    return None


@dataclass(frozen=True)
class Match:
    column: int
    score: float


def auto_mapping(questions: list[Question], headers: list, candidates: list[int]) -> dict[int, Match]:
    """question id → the column answering it, best matches first, each column used once. A
    header with the question's number (第N题 on the template) wins a tie."""
    texts = {q.id: normalise_question(q.text) for q in questions}
    numbers = {q.id: n for n, q in enumerate(questions, start=1)}
    scored = []
    for col in candidates:
        header = normalise_question(headers[col])
        number = question_number(headers[col])
        for q in questions:
            score = similarity(texts[q.id], header)
            if score >= MIN_SCORE:
                tie = 1 if number == numbers[q.id] else 0
                scored.append((score, tie, -col, q.id, col))
    scored.sort(reverse=True)
    mapping: dict[int, Match] = {}
    used: set[int] = set()
    for score, _tie, _c, qid, col in scored:
        if qid in mapping or col in used:
            continue
        mapping[qid] = Match(col, score)
        used.add(col)
    return mapping


# ---------------------------------------------------------------- cells → form values
def _option_key(text: str) -> str:
    value = to_halfwidth(text).strip().lower()
    value = _OPTION_LETTER.sub("", value)
    return _PUNCT.sub("", value)


def form_value(question: Question, cell) -> str:
    """The phone page's form value for this cell ("" for no answer); ValueError says why a cell
    cannot be read (an option the question does not have)."""
    raw = cell_text(cell).strip()
    if to_halfwidth(raw).replace(" ", "") in EMPTY_CELLS:
        return ""
    if question.kind == TEXT:
        return raw
    options = form_value_options(question)
    values = [value for value, _label in options]
    key = _option_key(raw)
    for value, label in options:  # 按选项文本: the question's own labels
        if _option_key(label) == key or _option_key(value) == key:
            return value
    number = _NUMBER.match(to_halfwidth(raw).strip())
    if number:  # 按分数 / 按序号
        n = int(number.group(1))
        if question.kind in (LEVEL5, SCORE10, NPS) and str(n) in values:
            return str(n)
        if question.kind == YESNO and n in (0, 1, 2):
            return "是" if n == 1 else "否"  # a score of 1/0, or the option number 1 是 / 2 否
        if question.kind == CHOICE and 1 <= n <= len(values):
            return values[n - 1]  # 按序号: the options numbered from 1
    if question.kind == LEVEL5 and str(LEVEL_WORDS.get(key)) in values:
        return str(LEVEL_WORDS[key])
    if question.kind == YESNO and (key in YES_WORDS or key in NO_WORDS):
        return "是" if key in YES_WORDS else "否"
    labels = "、".join(label for _value, label in options)
    raise ValueError(f"“{shown(raw, 20)}”不是这道题的选项（可选：{labels}）")
