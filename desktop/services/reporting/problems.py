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

import math
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

from ..admin import accounts
from . import scale
from .category_keywords import DEFAULT_KEYWORDS, EARLIER_KEYWORDS
from .remarks import (
    CHUNK,
    CJK_WORD,
    STOPWORDS,
    WORD_TEXT_LIMIT,
    answer_label,
    category_for_dimension,
    find_keywords,
    segment,
    segmenter,
    severity,
    teach,
)
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


def chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


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


def untagged_query(start, end, filters):
    return (
        Visit.select()
        .where(*Scope.of(start, end, **filters).conditions())
        .where(negative_condition())
        .where(~_tagged_condition())
    )


def count_untagged(start=None, end=None, **filters) -> int:
    return untagged_query(start, end, filters).count()


def low_answers(visit_ids: list[int]) -> dict[int, list[tuple[str, str, int, int]]]:
    """visit id → [(dimension, label, severity, question position)] of its low answers."""
    out: dict[int, list] = defaultdict(list)
    for chunk in chunks(visit_ids):
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


def remark_texts(visit_ids: list[int]) -> dict[int, str]:
    """visit id → its free text: 开放式反馈 plus any answer text / per-question comment."""
    parts: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(visit_ids):
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
    texts = remark_texts(ids)  # 开放式反馈 first, then answer texts: quote the first of them
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
    if _idf_table is None and segmenter() is not None:
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
    if segmenter() is None:
        for text in texts:
            counter.update(set(find_keywords(text, keywords)))
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    teach(keywords)
    for text in texts:
        counter.update({w for w in segment(text) or [] if CJK_WORD.match(w) and w not in STOPWORDS})
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
        texts = remark_texts(ids)
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
