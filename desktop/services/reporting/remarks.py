"""Reading a customer's remark (no Qt, no database): clauses, negation and praise, jieba words when installed, keyword matching, the category a low answer's dimension points to, and how severe an answer is."""

import logging
import re
from collections.abc import Iterable

from desktop.models.questionnaire import LEVEL5, LEVEL5_LABELS, NPS, SCORE10, YESNO

from . import scale

# A low answer's dimension → the category it points to: the first rule whose words occur in
# the dimension name wins (so 办理速度 is about speed, not about 流程).
DIMENSION_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("响应", "及时", "速度", "效率", "接车", "等待", "时效"), "响应速度类"),
    (("解决", "修复", "专业", "技术", "交车", "维修质量", "施工"), "技术能力类"),
    (("态度", "礼仪", "沟通", "重视", "邀约", "整体印象", "热情"), "服务态度类"),
    (("流程", "便捷", "手续", "办理", "配件", "预约"), "流程便捷性类"),
    (("收费", "费用", "价格"), "价格类"),
    (("产品质量", "质量问题"), "产品质量类"),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Clause boundaries: punctuation and words that turn the sentence ("态度很好,就是有点慢").
_CLAUSE_SPLIT = re.compile(r"[,，。.;；!！?？、\n\r…~]+|但是|但|不过|可是|就是|只是|然而")
# Text right before a keyword that negates it ("不贵", "没有麻烦", "不太慢").
_NEGATORS = _words("不 没 无 未 别 没有 不太 不是很 不是太 没那么 不怎么 不算 不算太 不够")
# Words that make a clause praise rather than complaint (unless negated themselves).
_PRAISE = _words(
    "不贵 透明 一致 放心 公道 很好 挺好 非常好 不错 满意 热情 周到 耐心 及时 到位 合理 实惠 便宜 划算 专业 细致 认真 好评 点赞 表扬 挺快 速度快 来得快"
)
# Longer words that contain a one-character keyword without meaning it.
_COMPOUNDS = _words("贵公司 贵司 贵店 贵单位 贵方 宝贵 珍贵 富贵 慢慢 慢走 慢用 凶猛")
# Word forms a one-character keyword may take as a jieba token: 太贵, 很慢, 贵了.
_DEGREE = ("太", "很", "好", "真", "挺", "超", "特", "较", "过", "偏", "最", "死")
_SUFFIX = ("了", "死", "得", "啊", "呀")
_NEGATION_CHARS = "不没无未"

# Words too common to say anything about a category ("customer's words" list).
_STOPWORD_TEXT = (
    "我们 你们 他们 这个 那个 就是 但是 然后 还是 没有 一个 可以 希望 服务 觉得 感觉 而且 因为 所以 什么 "
    "已经 还有 比较 非常 有点 一下 这次 时候 师傅 公司 客户 问题 我家 自己 现在 之后 以后 不是 知道 需要 "
    "时间 今天 昨天 一直 起来 这样 那样 如果 虽然 其实 一点 怎么 这么 那么 直接 只能 只好 当时 后来 还要 "
    "的话 一些 东西 我们家 感谢 谢谢 建议 工程师 这边 那边 多才 有个 不要 不了 一块 一声 出现 一个多"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
WORD_TEXT_LIMIT = 300  # texts per category segmented for the "customer's words" list
CHUNK = 500  # ids per IN (...) list


# ------------------------------------------------------------------ jieba (optional)
_jieba = None
_jieba_words: set[str] = set()
_jieba_missing = False


def segmenter():
    """The jieba module, imported on first use (slow: its dictionary loads once, ~0.5 s), or None
    when it is not installed — then matching falls back to plain substrings."""
    global _jieba, _jieba_missing
    if _jieba is None and not _jieba_missing:
        try:
            import jieba
        except ImportError:
            _jieba_missing = True
            return None
        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba


def has_jieba() -> bool:
    return segmenter() is not None


def teach(words: Iterable[str]) -> None:
    """Tell jieba about the keywords so they stay one word ("没修好", "二次上门")."""
    seg = segmenter()
    if seg is None:
        return
    for word in words:
        if len(word) > 1 and word not in _jieba_words:
            seg.add_word(word)
            seg.suggest_freq(word, tune=True)
            _jieba_words.add(word)


def segment(text: str) -> list[str] | None:
    """jieba's words for ``text``, or None without jieba."""
    seg = segmenter()
    if seg is None:
        return None
    return seg.lcut(text)


# ------------------------------------------------------------------ keyword matching
def split_clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE_SPLIT.split(text or "") if c.strip()]


def _negated(before: str) -> bool:
    return any(before.endswith(n) for n in _NEGATORS)


def _is_praise(clause: str) -> bool:
    for word in _PRAISE:
        start = clause.find(word)
        while start >= 0:
            if not _negated(clause[:start]):
                return True
            start = clause.find(word, start + 1)
    return False


def _in_compound(clause: str, pos: int, keyword: str) -> bool:
    for compound in _COMPOUNDS:
        offset = compound.find(keyword)
        while offset >= 0:
            begin = pos - offset
            if begin >= 0 and clause[begin : begin + len(compound)] == compound:
                return True
            offset = compound.find(keyword, offset + 1)
    return False


def _token_spans(clause: str) -> list[tuple[int, int, str]] | None:
    words = segment(clause)
    if words is None:
        return None
    spans, pos = [], 0
    for w in words:
        spans.append((pos, pos + len(w), w))
        pos += len(w)
    return spans


def _whole_word(spans, pos: int, keyword: str) -> bool:
    """A one-character keyword must be its own word, or one with a degree word / particle."""
    for begin, end, word in spans:
        if begin <= pos < end:
            if word == keyword:
                return True
            return (
                len(word) == 2
                and (
                    (word[1] == keyword and word[0] in _DEGREE) or (word[0] == keyword and word[1] in _SUFFIX)
                )
            ) or (word.endswith(keyword) and word[:-1] in ("有点", "有些", "比较", "特别", "非常"))
    return True


def _occurrences(clause: str, keyword: str, spans_cache: list) -> list[tuple[int, int, bool]]:
    """Every place ``keyword`` occurs in ``clause`` as (start, end, counts): it counts when it is
    not negated, not part of a compound, a whole word when it is one character, and not in a
    praising clause unless it carries its own negation ("不专业")."""
    out = []
    pos = clause.find(keyword)
    while pos >= 0:
        ok = not _negated(clause[:pos]) and not _in_compound(clause, pos, keyword)
        if ok and len(keyword) == 1:
            if not spans_cache:
                spans_cache.append(_token_spans(clause) or [])
            ok = _whole_word(spans_cache[0], pos, keyword)
        if ok and not any(ch in keyword for ch in _NEGATION_CHARS):
            ok = not _is_praise(clause)
        out.append((pos, pos + len(keyword), ok))
        pos = clause.find(keyword, pos + 1)
    return out


def match_keywords(text: str, rules: dict) -> dict:
    """key → the keywords of ``rules[key]`` found in ``text`` (order of first appearance).
    A hit lying inside a longer keyword's occurrence ("材料" inside "材料费") is dropped, so the
    more specific keyword decides, also when that one is negated ("没有乱收费")."""
    rules = {
        key: [k for k in dict.fromkeys((w or "").strip() for w in words) if k] for key, words in rules.items()
    }
    if not text or not any(rules.values()):
        return {}
    teach(w for words in rules.values() for w in words if len(w) > 1)
    hits = []  # (clause index, start, end, key, keyword, counts)
    for index, clause in enumerate(split_clauses(text)):
        spans_cache: list = []
        for key, words in rules.items():
            for keyword in words:
                for begin, end, ok in _occurrences(clause, keyword, spans_cache):
                    hits.append((index, begin, end, key, keyword, ok))

    # a hit inside a longer occurrence, or overlapping a negated one that starts before it,
    # follows that one: "收费" in "没有乱收费" is negated together with "乱收费"
    def covered(h) -> bool:
        for o in hits:
            if o[0] != h[0] or o is h:
                continue
            inside = o[1] <= h[1] and h[2] <= o[2] and (o[2] - o[1]) > (h[2] - h[1])
            negated_before = not o[5] and o[1] < h[1] < o[2]  # "没有乱收|费": 收费 shares the negation
            if inside or negated_before:
                return True
        return False

    kept = [h for h in hits if h[5] and not covered(h)]
    kept.sort(key=lambda h: (h[0], h[1]))
    out: dict = {}
    for _i, _b, _e, key, keyword, _ok in kept:
        found = out.setdefault(key, [])
        if keyword not in found:
            found.append(keyword)
    return out


def find_keywords(text: str, keywords: Iterable[str]) -> list[str]:
    """The keywords that really occur in ``text`` as complaints (order of first appearance)."""
    return match_keywords(text, {0: list(keywords)}).get(0, [])


def category_for_dimension(dimension: str) -> str | None:
    """The default category name a low answer in ``dimension`` points to, if any."""
    for words, name in DIMENSION_RULES:
        if any(w in (dimension or "") for w in words):
            return name
    return None


def severity(kind: str, value: int | None, dimension: str = "", family: str | None = None) -> int:
    """How low an answer is: 2 bottom band, 1 next band, 0 not low (see the module docstring);
    ratings are read on the scale of their template ``family`` (``reporting.scale``)."""
    if value is None:
        return 0
    if kind in (LEVEL5, SCORE10):
        level = scale.level_of(kind, value, family)
        return 2 if level == 1 else 1 if level == 2 else 0
    if kind == NPS:
        return 2 if value <= 4 else 1 if value <= 6 else 0
    if kind == YESNO:
        return 1 if value == 0 and "落实" in (dimension or "") else 0
    return 0


def answer_label(kind: str, value: int, options=None) -> str:
    if kind == LEVEL5:
        labels = options or LEVEL5_LABELS
        index = 5 - value
        return labels[index] if 0 <= index < len(labels) else str(value)
    if kind == SCORE10:
        return f"{value}分"
    if kind == NPS:
        return f"推荐{value}分"
    if kind == YESNO:
        return "否" if value == 0 else "是"
    return str(value)
