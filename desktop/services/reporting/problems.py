"""问题分析: which visits are negative feedback, which problem category each belongs to, how often
each category occurs (Pareto), how much it hurts (pain matrix) and which three to fix first.

**Negative feedback (负面反馈)** is a completed, valid visit with any of: an answer that is low on
its template's scale (``reporting.scale.is_low`` / ``low_sql``: a 5-level 不满意 or 非常不满意, a
1–10 score in the template's 不满意 bands, a 0–10 recommend (NPS) score ≤ 6, a 否 on a 落实度
yes/no question), the mood 轻微不满 / 强烈不满, or a visit about a complaint order. Every such
visit should carry at least one category (``VisitProblem``).

**Suggestions.** Each category holds keyword rules (``ProblemCategory.keywords``, edited by the
user; the defaults are seeded by ``ensure_default_keywords``). The visit's free text (开放式反馈
and per-question comments) is split into clauses; a keyword counts when it is not negated
("不贵", "没有麻烦") and not inside a praising clause ("态度很好"). Single-character keywords
(贵, 慢) only count as whole words: with jieba installed the text is segmented and "贵公司" or
"慢慢来" do not match; without jieba a list of known compounds is skipped instead. A low answer
also points to a category through its dimension (响应及时性 → 响应速度类, 问题解决效果 → 技术能力类,
服务态度 → 服务态度类, 流程便捷性 → 流程便捷性类 …, see ``DIMENSION_RULES``).

**Pain (痛感)** of a category = the mean, over the visits tagged with it, of
``mood weight + dimension impact``:

* mood weight: 强烈不满 3, 轻微不满 2, 平静 1, 满意 0;
* dimension impact: the lowest answer in a dimension belonging to the category — 2 for the
  bottom band (非常不满意, a 1–10 score read so on its template's bands; NPS 0–4), 1 for the next
  band (不满意; NPS 5–6; 落实度 否), 0 without a low answer. When none of the visit's low answers belongs to
  the category (e.g. a price complaint written only in the text), the visit's lowest answer of
  any dimension is used.

So pain runs from 0 to 5. Categories are split into the quadrants 高频高痛 / 低频高痛 /
高频低痛 / 低频低痛 at the medians of frequency and pain over the categories that occur (a
value equal to the median counts as high). The TOP3 are taken from 高频高痛, then 低频高痛,
then 高频低痛.

Shares: the Pareto 占比 divides by all category mentions (a visit with two categories counts
twice, so the cumulative share ends at 100%); "占负面反馈" divides by the number of feedback
visits in scope (negative or already tagged).
"""

import logging
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import peewee as pw

from desktop.models import (
    Answer,
    ProblemCategory,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitProblem,
    db,
)
from desktop.models.questionnaire import LEVEL5, LEVEL5_LABELS, NPS, SCORE10, YESNO

from ..admin import accounts
from ..common.errors import UserError
from . import scale
from .category_keywords import DEFAULT_KEYWORDS, EARLIER_KEYWORDS
from .scope import DONE, Scope

MOOD_WEIGHT = {"强烈不满": 3, "轻微不满": 2, "平静": 1, "满意": 0}
NEGATIVE_MOODS = ("轻微不满", "强烈不满")
STRONG = "强烈不满"

HIGH_HIGH = "高频高痛"
LOW_HIGH = "低频高痛"
HIGH_LOW = "高频低痛"
LOW_LOW = "低频低痛"
QUADRANTS = (HIGH_HIGH, LOW_HIGH, HIGH_LOW, LOW_LOW)  # also the TOP3 order

PAIN_FORMULA = (
    "痛感 = 该分类每条反馈的（情绪权重 + 维度影响）的平均值，0–5 分。"
    "情绪权重：强烈不满 3、轻微不满 2、平静 1、满意 0；"
    "维度影响：该分类对应维度的最低评价，非常不满意（1–10 分题按问卷的评分分档折算；推荐 0–4 分）记 2，"
    "不满意（推荐 5–6 分、落实度“否”）记 1，没有低分记 0；"
    "分类没有对应维度时取该次回访最低的一项评价。"
    "以各分类出现次数和痛感的中位数划分四个象限（等于中位数算“高”）。"
)


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
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
WORD_TEXT_LIMIT = 300  # texts per category segmented for the "customer's words" list
_CHUNK = 500  # ids per IN (...) list


# ------------------------------------------------------------------ keyword defaults
def default_keywords(name: str) -> list[str]:
    return list(DEFAULT_KEYWORDS.get(name, []))


def ensure_default_keywords() -> int:
    """Give the shipped categories their default keywords where none were ever set (NULL), and
    the current defaults where a list is still exactly as an earlier release shipped it. A list
    the user emptied on purpose ([]) or changed stays as it is. Returns how many were set."""
    seeded = 0
    with db.atomic():
        for cat in ProblemCategory.select():
            words = DEFAULT_KEYWORDS.get(cat.name)
            if words and (cat.keywords is None or cat.keywords in EARLIER_KEYWORDS.get(cat.name, [])):
                cat.keywords = list(words)
                cat.save()
                seeded += 1
    return seeded


# ------------------------------------------------------------------ jieba (optional)
_jieba = None
_jieba_words: set[str] = set()
_jieba_missing = False


def _segmenter():
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
    return _segmenter() is not None


def _teach(words: Iterable[str]) -> None:
    """Tell jieba about the keywords so they stay one word ("没修好", "二次上门")."""
    seg = _segmenter()
    if seg is None:
        return
    for word in words:
        if len(word) > 1 and word not in _jieba_words:
            seg.add_word(word)
            seg.suggest_freq(word, tune=True)
            _jieba_words.add(word)


def segment(text: str) -> list[str] | None:
    """jieba's words for ``text``, or None without jieba."""
    seg = _segmenter()
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
    _teach(w for words in rules.values() for w in words if len(w) > 1)
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


# ------------------------------------------------------------------ SQL building blocks
def _low_answer_expr():
    return scale.low_sql()


def negative_condition():
    """SQL condition on ``Visit``: the visit is negative feedback (status/validity not included)."""
    low = (
        Answer.select(Answer.id)
        .join(Question, on=(Answer.question == Question.id))
        .where((Answer.visit == Visit.id) & _low_answer_expr())
    )
    complaint = ServiceOrder.select(ServiceOrder.id).where(
        (ServiceOrder.id == Visit.order) & (ServiceOrder.is_complaint == True)  # noqa: E712
    )
    return pw.fn.EXISTS(low) | Visit.mood.in_(NEGATIVE_MOODS) | pw.fn.EXISTS(complaint)


def _tagged_condition():
    return pw.fn.EXISTS(VisitProblem.select(VisitProblem.id).where(VisitProblem.visit == Visit.id))


def _chunks(ids: list[int]):
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


# ------------------------------------------------------------------ negative visits
def is_negative(visit_id: int) -> bool:
    return (
        Visit.select(Visit.id)
        .where((Visit.id == visit_id) & (Visit.status == DONE) & (Visit.invalid == False))  # noqa: E712
        .where(negative_condition())
        .exists()
    )


def negative_visit_ids(start=None, end=None, **filters) -> list[int]:
    query = (
        Visit.select(Visit.id)
        .where(*Scope.of(start, end, **filters).conditions())
        .where(negative_condition())
        .order_by(Visit.visit_date, Visit.id)
        .tuples()
    )
    return [row[0] for row in query]


def count_negative(start=None, end=None, **filters) -> int:
    return Visit.select().where(*Scope.of(start, end, **filters).conditions()).where(negative_condition()).count()


def count_feedback(start=None, end=None, **filters) -> int:
    """Visits counted as negative feedback in scope: negative, or tagged with a category."""
    return (
        Visit.select()
        .where(*Scope.of(start, end, **filters).conditions())
        .where(negative_condition() | _tagged_condition())
        .count()
    )


def _untagged_query(start, end, filters):
    return (
        Visit.select()
        .where(*Scope.of(start, end, **filters).conditions())
        .where(negative_condition())
        .where(~_tagged_condition())
    )


def count_untagged(start=None, end=None, **filters) -> int:
    return _untagged_query(start, end, filters).count()


def _low_answers(visit_ids: list[int]) -> dict[int, list[tuple[str, str, int, int]]]:
    """visit id → [(dimension, label, severity, question position)] of its low answers."""
    out: dict[int, list] = defaultdict(list)
    for chunk in _chunks(visit_ids):
        query = (
            Answer.select(
                Answer.visit,
                Question.dimension,
                Question.kind,
                Answer.value,
                Question.options,
                Question.position,
                QuestionnaireTemplate.family,
            )
            .join(Question, on=(Answer.question == Question.id))
            .join(QuestionnaireTemplate, on=(Question.template == QuestionnaireTemplate.id))
            .where(Answer.visit.in_(chunk) & _low_answer_expr())
            .order_by(Answer.visit, Question.position)
            .tuples()
        )
        for visit_id, dimension, kind, value, options, position, family in query:
            sev = severity(kind, value, dimension, family)
            if sev:
                out[visit_id].append((dimension, answer_label(kind, value, options), sev, position))
    return out


def _texts(visit_ids: list[int]) -> dict[int, str]:
    """visit id → its free text: 开放式反馈 plus any answer text / per-question comment."""
    parts: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(visit_ids):
        for visit_id, feedback in Visit.select(Visit.id, Visit.feedback).where(Visit.id.in_(chunk)).tuples():
            if feedback and feedback.strip():
                parts[visit_id].append(feedback.strip())
        query = (
            Answer.select(Answer.visit, Answer.text)
            .join(Question, on=(Answer.question == Question.id))
            .where(Answer.visit.in_(chunk) & (Answer.text != ""))
            .order_by(Answer.visit, Question.position)
            .tuples()
        )
        for visit_id, text in query:
            text = text.strip()
            if text and text not in parts[visit_id]:
                parts[visit_id].append(text)
    return {vid: "\n".join(p) for vid, p in parts.items()}


# ------------------------------------------------------------------ suggestions
@dataclass
class Suggestion:
    category_id: int
    name: str
    score: float
    keywords: list[str] = field(default_factory=list)  # matched in the text
    dimensions: list[str] = field(default_factory=list)  # "响应及时性:不满意"

    @property
    def why(self) -> str:
        parts = []
        if self.keywords:
            parts.append("关键词 " + "、".join(f"“{k}”" for k in self.keywords))
        if self.dimensions:
            parts.append("低分 " + "、".join(self.dimensions))
        return "；".join(parts)


def _active_categories() -> list[ProblemCategory]:
    return list(
        ProblemCategory.select()
        .where(ProblemCategory.active == True)  # noqa: E712
        .order_by(ProblemCategory.position, ProblemCategory.id)
    )


def suggest_for(
    text: str, low_answers: list[tuple[str, str, int, int]], cats: list[ProblemCategory]
) -> list[Suggestion]:
    """Suggestions from a text and low answers against the given categories (best first)."""
    by_name = {c.name: c for c in cats}
    found: dict[int, Suggestion] = {}
    order = {c.id: i for i, c in enumerate(cats)}
    matched = match_keywords(text, {c.id: c.keywords or [] for c in cats})
    for cat in cats:
        hits = matched.get(cat.id)
        if hits:
            found[cat.id] = Suggestion(cat.id, cat.name, float(len(hits)), keywords=hits)
    for dimension, label, sev, _pos in low_answers:
        name = category_for_dimension(dimension)
        cat = by_name.get(name) if name else None
        if cat is None:
            continue
        sug = found.setdefault(cat.id, Suggestion(cat.id, cat.name, 0.0))
        sug.score += sev
        sug.dimensions.append(f"{dimension}：{label}")
    return sorted(found.values(), key=lambda s: (-s.score, order[s.category_id]))


def suggest_many(visit_ids: Iterable[int]) -> dict[int, list[Suggestion]]:
    """visit id → suggested categories (best first); a few queries for any number of visits."""
    ids = list(dict.fromkeys(int(v) for v in visit_ids))
    cats = _active_categories()
    texts = _texts(ids)
    lows = _low_answers(ids)
    return {vid: suggest_for(texts.get(vid, ""), lows.get(vid, []), cats) for vid in ids}


def suggest_categories(visit_id: int) -> list[Suggestion]:
    """Categories suggested for one visit from its free text (keywords) and its low answers."""
    if not Visit.select().where(Visit.id == visit_id).exists():
        raise UserError("找不到该回访记录，可能已被删除，请刷新后重试。")
    return suggest_many([visit_id])[visit_id]


# ------------------------------------------------------------------ tagging
def _check_category(category_id: int) -> ProblemCategory:
    cat = ProblemCategory.get_or_none(ProblemCategory.id == category_id)
    if cat is None:
        raise UserError("找不到该问题分类，可能已被修改，请刷新后重试。")
    if not cat.active:
        raise UserError(f"问题分类“{cat.name}”已停用，不能再归入。请选择其他分类，或在设置中启用它。")
    return cat


def _existing_links(visit_ids: list[int]) -> set[tuple[int, int]]:
    links = set()
    for chunk in _chunks(visit_ids):
        query = VisitProblem.select(VisitProblem.visit, VisitProblem.category).where(
            VisitProblem.visit.in_(chunk)
        )
        links.update(query.tuples())
    return links


def _insert_links(pairs: list[tuple[int, int]]) -> None:
    for i in range(0, len(pairs), 400):
        VisitProblem.insert_many(
            pairs[i : i + 400], fields=[VisitProblem.visit, VisitProblem.category]
        ).execute()


@accounts.requires(accounts.MANAGE, "问题归类")
def tag_visits(visit_ids: Iterable[int], category_id: int) -> int:
    """Put the visits into one category (those already in it are left as they are).
    Returns how many links were added."""
    ids = list(dict.fromkeys(int(v) for v in visit_ids))
    if not ids:
        raise UserError("请先在列表中选择要归类的回访记录。")
    cat = _check_category(category_id)
    with db.atomic():
        known = set()
        for chunk in _chunks(ids):
            known.update(r[0] for r in Visit.select(Visit.id).where(Visit.id.in_(chunk)).tuples())
        if len(known) != len(ids):
            raise UserError("所选回访记录中有的已被删除，请刷新列表后重试。")
        existing = _existing_links(ids)
        pairs = [(vid, cat.id) for vid in ids if (vid, cat.id) not in existing]
        _insert_links(pairs)
    return len(pairs)


@accounts.requires(accounts.MANAGE, "问题归类")
def untag_visit(visit_id: int, category_id: int) -> bool:
    with db.atomic():
        deleted = (
            VisitProblem.delete()
            .where((VisitProblem.visit == visit_id) & (VisitProblem.category == category_id))
            .execute()
        )
    return bool(deleted)


@accounts.requires(accounts.MANAGE, "问题归类")
def apply_suggestions(visit_ids: Iterable[int]) -> dict[str, int]:
    """Tag each visit with all its suggested categories, in one transaction.
    Returns {"visits": checked, "tagged": visits that got a new category, "links": links added,
    "no_suggestion": visits with nothing to suggest}."""
    ids = list(dict.fromkeys(int(v) for v in visit_ids))
    suggestions = suggest_many(ids)
    counts = {"visits": len(ids), "tagged": 0, "links": 0, "no_suggestion": 0}
    with db.atomic():
        existing = _existing_links(ids)
        pairs = []
        for vid in ids:
            sugs = suggestions.get(vid, [])
            if not sugs:
                counts["no_suggestion"] += 1
                continue
            new = [(vid, s.category_id) for s in sugs if (vid, s.category_id) not in existing]
            if new:
                counts["tagged"] += 1
                pairs.extend(new)
        _insert_links(pairs)
        counts["links"] = len(pairs)
    return counts


@accounts.requires(accounts.MANAGE, "问题归类")
def auto_tag(period=None, only_untagged: bool = True, **filters) -> dict[str, int]:
    """Apply the suggestions to the negative visits of ``period`` (None = all time; a
    (start, end) pair or a ``periods.Period``), in one transaction. With ``only_untagged`` the
    visits that already have a category are left alone; otherwise suggested categories they
    lack are added (nothing is ever removed). Running it twice adds nothing the second time."""
    start, end = Scope.of(period, **filters).bounds
    if only_untagged:
        ids = [v.id for v in _untagged_query(start, end, filters).select(Visit.id).order_by(Visit.id)]
    else:
        ids = negative_visit_ids(start, end, **filters)
    return apply_suggestions(ids)


# ------------------------------------------------------------------ untagged list
@dataclass
class NegativeVisit:
    visit_id: int
    visit_date: date
    service_type: str
    engineer: str
    team: str
    mood: str
    complaint: bool
    low_answers: list[str]
    text: str
    suggestions: list[Suggestion]

    @property
    def reasons(self) -> str:
        parts = list(self.low_answers)
        if self.mood in NEGATIVE_MOODS:
            parts.append(f"情绪{self.mood}")
        if self.complaint:
            parts.append("投诉工单")
        return "、".join(parts)


def untagged_negative(start=None, end=None, *, limit: int | None = 200, **filters) -> list[NegativeVisit]:
    """Negative visits in scope without any category, newest first, with suggestions."""
    query = (
        _untagged_query(start, end, filters)
        .select(
            Visit.id,
            Visit.visit_date,
            ServiceOrder.service_type,
            ServiceOrder.engineer,
            ServiceOrder.team,
            Visit.mood,
            ServiceOrder.is_complaint,
        )
        .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    rows = list(query.tuples())
    ids = [r[0] for r in rows]
    texts = _texts(ids)
    lows = _low_answers(ids)
    cats = _active_categories()
    out = []
    for vid, day, stype, engineer, team, mood, complaint in rows:
        low = lows.get(vid, [])
        out.append(
            NegativeVisit(
                visit_id=vid,
                visit_date=day,
                service_type=stype or "",
                engineer=engineer or "",
                team=team or "",
                mood=mood,
                complaint=bool(complaint),
                low_answers=[f"{d}：{label}" for d, label, _s, _p in low],
                text=accounts.text_for_screen(texts.get(vid, "")),
                suggestions=suggest_for(texts.get(vid, ""), low, cats),
            )
        )
    return out


# ------------------------------------------------------------------ Pareto
@dataclass
class ParetoRow:
    category_id: int
    name: str
    count: int
    share: float  # of all category mentions, 0…1
    cumulative: float  # 0…1

    @property
    def share_pct(self) -> float:
        return self.share * 100

    @property
    def cumulative_pct(self) -> float:
        return self.cumulative * 100


def category_counts(start=None, end=None, **filters) -> list[tuple[int, str, int, int]]:
    """[(category id, name, position, visits)] for categories that occur in scope (SQL GROUP BY)."""
    count = pw.fn.COUNT(VisitProblem.id)
    query = (
        VisitProblem.select(ProblemCategory.id, ProblemCategory.name, ProblemCategory.position, count)
        .join(Visit, on=(VisitProblem.visit == Visit.id))
        .switch(VisitProblem)
        .join(ProblemCategory, on=(VisitProblem.category == ProblemCategory.id))
        .where(*Scope.of(start, end, **filters).conditions())
        .group_by(ProblemCategory.id)
        .order_by(count.desc(), ProblemCategory.position, ProblemCategory.id)
        .tuples()
    )
    return list(query)


def pareto(start=None, end=None, **filters) -> list[ParetoRow]:
    """Categories by frequency (most first) with their share and cumulative share of all
    category mentions in scope. ``filters``: team, engineer, service_type, region,
    template_family, template_id."""
    rows = category_counts(start, end, **filters)
    total = sum(r[3] for r in rows)
    out, running = [], 0
    for cid, name, _pos, n in rows:
        running += n
        out.append(ParetoRow(cid, name, n, n / total, running / total))
    return out


# ------------------------------------------------------------------ pain matrix
@dataclass
class PainRow:
    category_id: int
    name: str
    position: int
    count: int
    feedback_share: float  # count / feedback visits in scope
    mood_pain: float  # mean mood weight
    impact: float  # mean dimension impact
    strong_share: float  # share of its visits with mood 强烈不满
    quadrant: str = ""

    @property
    def pain(self) -> float:
        return self.mood_pain + self.impact


@dataclass
class PainMatrix:
    rows: list[PainRow]
    count_median: float | None
    pain_median: float | None
    feedback_total: int

    def quadrant(self, name: str) -> list[PainRow]:
        return [r for r in self.rows if r.quadrant == name]


def _impacts(start, end, filters) -> dict[int, float]:
    """category id → sum over its tagged visits of the dimension impact (see the docstring)."""
    query = (
        VisitProblem.select(
            VisitProblem.category,
            VisitProblem.visit,
            Question.dimension,
            Question.kind,
            Answer.value,
            QuestionnaireTemplate.family,
        )
        .join(Visit, on=(VisitProblem.visit == Visit.id))
        .join(Answer, on=(Answer.visit == Visit.id))
        .join(Question, on=(Answer.question == Question.id))
        .join(QuestionnaireTemplate, on=(Question.template == QuestionnaireTemplate.id))
        .where(*Scope.of(start, end, **filters).conditions())
        .where(_low_answer_expr())
        .tuples()
    )
    worst: dict[int, int] = {}  # visit → lowest band over all its answers
    by_dim: dict[tuple[int, int], int] = {}  # (category, visit) → lowest band in its dimensions
    names = dict(ProblemCategory.select(ProblemCategory.id, ProblemCategory.name).tuples())
    pairs: set[tuple[int, int]] = set()
    for cid, vid, dimension, kind, value, family in query.iterator():
        sev = severity(kind, value, dimension, family)
        if not sev:
            continue
        pairs.add((cid, vid))
        worst[vid] = max(worst.get(vid, 0), sev)
        if category_for_dimension(dimension) == names.get(cid):
            by_dim[(cid, vid)] = max(by_dim.get((cid, vid), 0), sev)
    out: dict[int, float] = defaultdict(float)
    for cid, vid in pairs:
        out[cid] += by_dim.get((cid, vid), worst[vid])
    return out


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def pain_matrix(start=None, end=None, **filters) -> PainMatrix:
    """Per category that occurs in scope: frequency, pain (formula in the module docstring and
    ``PAIN_FORMULA``) and its quadrant, split at the medians of frequency and pain."""
    mood_w = pw.Case(Visit.mood, tuple(MOOD_WEIGHT.items()), 0)
    strong = pw.Case(None, ((Visit.mood == STRONG, 1),), 0)
    count = pw.fn.COUNT(VisitProblem.id)
    query = (
        VisitProblem.select(
            ProblemCategory.id,
            ProblemCategory.name,
            ProblemCategory.position,
            count,
            pw.fn.SUM(mood_w),
            pw.fn.SUM(strong),
        )
        .join(Visit, on=(VisitProblem.visit == Visit.id))
        .switch(VisitProblem)
        .join(ProblemCategory, on=(VisitProblem.category == ProblemCategory.id))
        .where(*Scope.of(start, end, **filters).conditions())
        .group_by(ProblemCategory.id)
        .order_by(count.desc(), ProblemCategory.position, ProblemCategory.id)
        .tuples()
    )
    raw = list(query)
    impacts = _impacts(start, end, filters) if raw else {}
    feedback = count_feedback(start, end, **filters) if raw else 0
    rows = [
        PainRow(
            category_id=cid,
            name=name,
            position=pos,
            count=n,
            feedback_share=n / feedback if feedback else 0.0,
            mood_pain=(mood_sum or 0) / n,
            impact=impacts.get(cid, 0.0) / n,
            strong_share=(strong_sum or 0) / n,
        )
        for cid, name, pos, n, mood_sum, strong_sum in raw
    ]
    count_median = _median([r.count for r in rows])
    pain_median = _median([r.pain for r in rows])
    for r in rows:
        high_freq = r.count >= count_median - 1e-9
        high_pain = r.pain >= pain_median - 1e-9
        if high_freq and high_pain:
            r.quadrant = HIGH_HIGH
        elif high_pain:
            r.quadrant = LOW_HIGH
        elif high_freq:
            r.quadrant = HIGH_LOW
        else:
            r.quadrant = LOW_LOW
    return PainMatrix(rows, count_median, pain_median, feedback)


# ------------------------------------------------------------------ TOP3
@dataclass
class Proposal:
    rank: int
    category_id: int
    name: str
    quadrant: str
    count: int
    pain: float
    reason: str
    quotes: list[str]
    visit_ids: list[int]
    words: list[tuple[str, int]] = field(default_factory=list)


def pct(part: float, whole: float) -> int:
    """Whole percent, halves rounded up (42.5 → 43), as people expect on a report."""
    if not whole:
        return 0
    return int(part * 100 / whole + 0.5 + 1e-9)


def reason_text(row: PainRow, matrix: PainMatrix) -> str:
    base = (
        f"出现 {row.count} 次，占负面反馈 {pct(row.count, matrix.feedback_total)}%，"
        f"客户情绪强烈不满占 {pct(row.strong_share, 1)}%"
    )
    if row.quadrant == HIGH_HIGH:
        tail = f"次数和痛感（{row.pain:.2f}）都在中位数以上，影响面广且客户不满强烈，应优先解决"
    elif row.quadrant == LOW_HIGH:
        tail = f"次数不多，但痛感 {row.pain:.2f} 高于中位数 {matrix.pain_median:.2f}，一旦发生客户很不满"
    elif row.quadrant == HIGH_LOW:
        tail = f"痛感 {row.pain:.2f} 不高，但出现次数多，影响面广"
    else:
        tail = "次数少、痛感低，可暂缓"
    return f"{base}；{tail}"


def _quotes(category_id: int, start, end, filters, limit: int = 3) -> list[str]:
    """Up to ``limit`` different feedback texts, angriest and newest first."""
    mood_w = pw.Case(Visit.mood, tuple(MOOD_WEIGHT.items()), 0)
    query = (
        Visit.select(Visit.id)
        .join(VisitProblem, on=(VisitProblem.visit == Visit.id))
        .where(VisitProblem.category == category_id)
        .where(*Scope.of(start, end, **filters).conditions())
        .order_by(mood_w.desc(), Visit.visit_date.desc(), Visit.id.desc())
        .limit(60)
        .tuples()
    )
    ids = [r[0] for r in query]
    texts = _texts(ids)  # 开放式反馈 first, then answer texts: quote the first of them
    out: list[str] = []
    for vid in ids:
        text = texts.get(vid, "").split("\n", 1)[0].strip()
        text = accounts.text_for_screen(text)
        if text and text not in out:
            out.append(text)
            if len(out) == limit:
                break
    return out


def category_visit_ids(category_id: int, start=None, end=None, **filters) -> list[int]:
    query = (
        Visit.select(Visit.id)
        .join(VisitProblem, on=(VisitProblem.visit == Visit.id))
        .where(VisitProblem.category == category_id)
        .where(*Scope.of(start, end, **filters).conditions())
        .order_by(Visit.visit_date, Visit.id)
        .tuples()
    )
    return [r[0] for r in query]


MIN_RARE_COUNT = 3  # a 低频高痛 problem needs at least this many cases (and 5% of all) to outrank 高频低痛
MIN_RARE_SHARE = 0.05


def _top_order(rows: list[PainRow]) -> list[PainRow]:
    """高频高痛, then 低频高痛 with enough cases to be a pattern, then 高频低痛, then the rarest.

    Two angry customers are worth a look, but they should not push a problem that 30 customers
    reported out of the TOP3: a 低频高痛 category ranks ahead of 高频低痛 only with at least
    ``MIN_RARE_COUNT`` cases and ``MIN_RARE_SHARE`` of all tagged cases."""
    total = sum(r.count for r in rows)
    floor = max(MIN_RARE_COUNT, math.ceil(MIN_RARE_SHARE * total))
    groups = {
        HIGH_HIGH: sorted(
            (r for r in rows if r.quadrant == HIGH_HIGH), key=lambda r: (-r.count, -r.pain, r.position)
        ),
        LOW_HIGH: sorted(
            (r for r in rows if r.quadrant == LOW_HIGH), key=lambda r: (-r.pain, -r.count, r.position)
        ),
        HIGH_LOW: sorted(
            (r for r in rows if r.quadrant == HIGH_LOW), key=lambda r: (-r.count, -r.pain, r.position)
        ),
    }
    strong = [r for r in groups[LOW_HIGH] if r.count >= floor]
    weak = [r for r in groups[LOW_HIGH] if r.count < floor]
    return groups[HIGH_HIGH] + strong + groups[HIGH_LOW] + weak


def propose_top3(
    start=None, end=None, *, matrix: PainMatrix | None = None, words: bool = True, **filters
) -> list[Proposal]:
    """The three problems to fix first: 高频高痛 (most frequent first), then 低频高痛 (most
    painful first), then 高频低痛; each with a Chinese reason, up to 3 customer quotes, the
    ids of its visits in scope and (``words``) the customer's most frequent words."""
    if matrix is None:
        matrix = pain_matrix(start, end, **filters)
    chosen = _top_order(matrix.rows)[:3]
    word_map = (
        customer_words(start, end, category_ids=[r.category_id for r in chosen], **filters) if words else {}
    )
    return [
        Proposal(
            rank=i + 1,
            category_id=r.category_id,
            name=r.name,
            quadrant=r.quadrant,
            count=r.count,
            pain=r.pain,
            reason=reason_text(r, matrix),
            quotes=_quotes(r.category_id, start, end, filters),
            visit_ids=category_visit_ids(r.category_id, start, end, **filters),
            words=word_map.get(r.category_id, []),
        )
        for i, r in enumerate(chosen)
    ]


# ------------------------------------------------------------------ customer's words
_idf_table: tuple[dict, float] | None = None


def _idf() -> tuple[dict, float] | None:
    """jieba's inverse document frequencies (rare words weigh more), loaded on first use."""
    global _idf_table
    if _idf_table is None and _segmenter() is not None:
        try:
            import jieba.analyse
        except ImportError:
            return None
        tfidf = jieba.analyse.default_tfidf
        _idf_table = (tfidf.idf_freq, tfidf.median_idf)
    return _idf_table


def words_of_texts(texts: Iterable[str], keywords: Iterable[str] = (), top: int = 6) -> list[tuple[str, int]]:
    """The customer's own words that stand out in ``texts``, as (word, texts it occurs in).
    With jieba: segmented words of two or more Chinese characters minus filler words, ranked by
    texts × inverse document frequency (so "上午" loses to "守时"); the category's keywords count
    as the rarest words. Without jieba: how many texts each keyword occurs in."""
    texts = [t for t in texts if t]
    keywords = [k for k in keywords if k]
    counter: Counter = Counter()
    if _segmenter() is None:
        for text in texts:
            counter.update(set(find_keywords(text, keywords)))
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    _teach(keywords)
    for text in texts:
        counter.update({w for w in segment(text) or [] if _CJK_WORD.match(w) and w not in _STOPWORDS})
    idf, median = _idf() or ({}, 1.0)
    rarest = max(idf.values(), default=median)
    keyset = set(keywords)

    def weight(word: str) -> float:
        return rarest if word in keyset else idf.get(word, median)

    ranked = sorted(counter.items(), key=lambda kv: (-kv[1] * weight(kv[0]), -kv[1], kv[0]))[:top]
    return sorted(ranked, key=lambda kv: -kv[1])  # shown most frequent first


def customer_words(
    start=None, end=None, *, category_ids: Iterable[int] | None = None, top: int = 6, **filters
) -> dict[int, list[tuple[str, int]]]:
    """category id → [(word, texts it occurs in)] from the feedback of its visits in scope
    (the newest ``WORD_TEXT_LIMIT`` texts per category)."""
    cats = ProblemCategory.select()
    if category_ids is not None:
        cats = cats.where(ProblemCategory.id.in_(list(category_ids)))
    out = {}
    for cat in cats:
        query = (
            Visit.select(Visit.id)
            .join(VisitProblem, on=(VisitProblem.visit == Visit.id))
            .where(VisitProblem.category == cat.id)
            .where(*Scope.of(start, end, **filters).conditions())
            .order_by(Visit.visit_date.desc(), Visit.id.desc())
            .limit(WORD_TEXT_LIMIT)
            .tuples()
        )
        ids = [r[0] for r in query]
        if not ids:
            continue
        texts = _texts(ids)
        words = words_of_texts(texts.values(), cat.keywords or [], top=top)
        if words:
            out[cat.id] = words
    return out


# ------------------------------------------------------------------ choices for the filters
def filter_choices() -> dict[str, list[str]]:
    """Teams, engineers and service types that occur on orders, for the page's filters."""

    def distinct(col):
        query = ServiceOrder.select(col).where(col != "").distinct().order_by(col).tuples()
        return [r[0] for r in query if r[0]]

    types = list(ServiceOrder.SERVICE_TYPES)
    types += [t for t in distinct(ServiceOrder.service_type) if t not in types]
    return {
        "teams": distinct(ServiceOrder.team),
        "engineers": distinct(ServiceOrder.engineer),
        "service_types": types,
    }


def team_names() -> list[str]:
    """The teams that occur on orders (one DISTINCT; ``filter_choices`` runs three)."""
    team = ServiceOrder.team
    return [
        r[0] for r in ServiceOrder.select(team).where(team != "").distinct().order_by(team).tuples() if r[0]
    ]


def last_visit_date() -> date | None:
    """The date of the newest completed visit (the page opens on its quarter)."""
    return Visit.select(pw.fn.MAX(Visit.visit_date)).where(Visit.status == DONE).scalar()
