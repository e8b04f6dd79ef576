"""KPI scorecards — 表1 售后服务质量评价表: indicators, actual values, scores, grade, flags.

A scorecard is one 评价周期 (a period label such as ``2024Q1``, ``2024H1``, ``2024``, ``2024-03``
or a date range ``2024-01-01~2024-03-31``) for one 评价对象 within its 评价范围 (``scopes``): a team
(orders' ``team`` field; ``全部`` means every team), a service type, or 新客户 / 老客户. Its indicators are edited as a draft (:class:`ScorecardData` with
:class:`IndicatorRow` rows) and written by :func:`save`, which refuses anything half-right —
above all weights that do not add up to 100 (:func:`validate`).

Scores come from ``services.scoring`` only: 权重 × 实际值 / 目标值 (not capped) for measured
indicators, the reviewers' mean / 5 × 权重 for qualitative ones, each kept as printed (two
decimals, :func:`printed`); the total is the sum of those printed scores and is what is graded,
shown, printed and exported. Indicators below 80% of their weight are flagged and can become an
improvement action (:func:`flag_to_action`). An actual value above 100% is taken only once
confirmed (:func:`set_actual`; :func:`validate` refuses an unconfirmed one).

Three indicators can be computed from the data of the period (:func:`refresh_actuals`):
``csat`` (top-2-box share of valid five-level answers of completed, valid visits),
``complaint_timely`` (complaints answered within 24 hours) and ``first_time_fix`` (orders fixed
at the first visit: as marked on the order, else judged by ``services.first_fix``). All three
are SQL aggregates.
"""

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from desktop.models import (
    KpiIndicator,
    KpiReviewerScore,
    KpiScorecard,
    db,
    now,
)

from ..admin import accounts, versions
from ..common.errors import UserError, ValidationError
from ..common.validation import clean_text, shown, to_halfwidth
from ..reporting import periods
from ..reporting.periods import Period
from ..reporting.scoring import FLAG_RATIO, grade, kpi_item_score, needs_root_cause, qualitative_score
from . import scopes
from .scopes import TEAM, clean_kind

# ---------------------------------------------------------------- vocabulary
MANUAL = "manual"
CSAT = "csat"
COMPLAINT_TIMELY = "complaint_timely"
FIRST_TIME_FIX = "first_time_fix"
SOURCES = {
    MANUAL: "手工填写",
    CSAT: "回访满意度",
    COMPLAINT_TIMELY: "投诉按等级时限响应",
    FIRST_TIME_FIX: "工单一次性解决",
}
COMPUTED_SOURCES = (CSAT, COMPLAINT_TIMELY, FIRST_TIME_FIX)
QUALITATIVE_SOURCE_LABEL = "评审打分"
# the computed rule's own words (``reporting.metrics.COMPLAINT_TIMELY``), short enough for a cell
COMPLAINT_TIMELY_DEFINITION = "在投诉等级的时限内（一级 24 小时、二级 12 小时、三级 2 小时）首次响应的投诉占比"
LEVEL1_CHOICES = ("时效性", "专业性", "规范性", "客户体验")
ALL_TEAMS = scopes.EVERYONE  # 评价对象 meaning every team
NO_DATA = "无数据"
PENDING_GRADE = "待评定"  # some indicators have no score yet: a partial total is not graded
WEIGHT_TOTAL = 100.0
ACTUAL_LIMIT = 100.0  # an actual value above 100% is possible (a rate counted loosely) but rare: confirmed
REVIEWER_SCORES = {1: "不达标", 2: "待改进", 3: "达标", 4: "良好", 5: "优秀"}
COMPLAINT_HOURS = 24
# an improvement action made from a flagged indicator (flag_to_action)
ACTION_OWNER = "部门负责人"
ACTION_DAYS = 30
ROOT_CAUSE_MEASURE = "用鱼骨图 / 5Why 分析得分偏低的根本原因，制定并落实具体改进措施"
SCORE_FORMULA = "得分 = 权重 × 实际值 ÷ 目标值（超过目标不封顶）"
QUALITATIVE_FORMULA = "定性指标：评审人按 1–5 分打分，得分 = 平均分 ÷ 5 × 权重"
GRADE_RULE = "等级：优秀 ≥ 90；良好 80–<90；达标 70–<80；待改进 < 70"
FLAG_RULE = f"得分低于权重 {FLAG_RATIO:.0%} 的指标需做根因分析（鱼骨图 / 5Why）并列入改进方案表"


def num(value: float | None, digits: int = 2) -> str:
    """88.0 → "88", 13.2353 → "13.24" (for labels and messages); "" for None."""
    if value is None:
        return ""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def score_text(value: float | None) -> str:
    """Scores always with two decimals, as on the paper form (14.67, 20.50)."""
    return "" if value is None else f"{printed(value):.2f}"


def printed(value: float) -> float:
    """A score as the form prints it: two decimals, halves rounded up as by hand (1.005 → 1.01,
    where binary floats would give 1.00). Item scores are kept at this precision, so the total
    is the sum of what is printed."""
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def parse_number(value, field_name: str, *, required: bool = False) -> float | None:
    """What people type in a number cell: 88, 88.5, 88%, ８８％ → 88.0; blank → None (or an error
    when ``required``). Negative numbers are refused."""
    text = to_halfwidth("" if value is None else str(value)).strip().replace(" ", "")
    text = text.removesuffix("%").removesuffix("分")
    if not text:
        if required:
            raise ValidationError(field_name, "不能为空，请填写一个数字。")
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValidationError(field_name, f"“{shown(value)}”不是数字，请填写如 88 或 88.5。") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(field_name, f"“{shown(value)}”不是数字，请填写如 88 或 88.5。")
    if number < 0:
        raise ValidationError(field_name, "不能为负数。")
    return number


# ---------------------------------------------------------------- periods
_HALF = re.compile(r"^(\d{4})\s*(?:年\s*)?(?:H([12])|(上|下)半年)$", re.IGNORECASE)
PERIOD_HINT = "请写成 2024Q1（季度）、2024H1（半年）、2024（全年）、2024-03（月）或 2024-01-01~2024-03-31。"


def parse_period(value, field_name: str = "评价周期") -> Period:
    """The ``periods.Period`` a label stands for; its ``code`` is the label normalised (2024年第1季度
    → 2024Q1). Years, quarters, months and date ranges are read by ``services.periods``; half
    years (2024H1, 2024年上半年) here."""
    raw = clean_text(value, field_name, required=True, max_len=40)
    text = to_halfwidth(raw).strip()
    m = _HALF.match(text)
    if m:
        year = int(m.group(1))
        first = int(m.group(2)) == 1 if m.group(2) else m.group(3) == "上"
        return periods.half_period(year, 1 if first else 2)
    try:
        period = periods.parse_period(text)
    except UserError as err:
        message = str(err)
        if message.startswith(periods.FORMAT_HELP):
            message = f"“{raw}”不是可识别的评价周期。{PERIOD_HINT}"
        raise ValidationError(field_name, message.removeprefix("统计期间：")) from None
    return period


def default_period(today: date | None = None) -> str:
    """The quarter before the current one (a scorecard reviews a finished period): 2024Q3 → 2024Q2."""
    today = today or date.today()
    quarter = (today.month - 1) // 3  # the previous quarter, 0 meaning Q4 of last year
    return f"{today.year - 1}Q4" if quarter == 0 else f"{today.year}Q{quarter}"


def period_of(label: str) -> Period | None:
    """The period of a stored label, None if it is not readable (old or hand-written data)."""
    try:
        return parse_period(label)
    except ValidationError:
        return None


clean_target = scopes.clean_target
target_choices = scopes.target_choices


# ---------------------------------------------------------------- the draft
@dataclass
class IndicatorRow:
    """One indicator of a scorecard as edited (``id`` None until saved)."""

    level1: str
    level2: str
    weight: float
    target: float | None = None
    actual: float | None = None
    definition: str = ""
    qualitative: bool = False
    source: str = MANUAL
    note: str = ""  # 备注(未达标原因)
    reviewers: list[tuple[str, int]] = field(default_factory=list)  # (评审人, 1–5)
    id: int | None = None
    # an actual value above ACTUAL_LIMIT that someone confirmed (set_actual), or one read back
    # from the database (it was confirmed when saved); not stored
    over_confirmed: bool = False

    @property
    def reviewer_mean(self) -> float | None:
        if not self.reviewers:
            return None
        return sum(score for _, score in self.reviewers) / len(self.reviewers)

    @property
    def score(self) -> float | None:
        """The item score as printed (two decimals, :func:`printed`), None while it cannot be
        computed (no actual, no target, bad input). Screen, print and workbook all show this."""
        try:
            if self.qualitative:
                raw = qualitative_score([s for _, s in self.reviewers], self.weight)
            elif self.actual is None or self.target is None or self.target <= 0:
                return None
            else:
                raw = kpi_item_score(self.weight, self.actual, self.target)
        except (TypeError, ValueError):
            return None
        return None if raw is None or not math.isfinite(raw) else printed(raw)

    @property
    def flagged(self) -> bool:
        """Below 80% of its weight: root-cause analysis and an improvement action."""
        return needs_root_cause(self.score, self.weight)

    @property
    def source_label(self) -> str:
        if self.qualitative:
            return QUALITATIVE_SOURCE_LABEL
        return SOURCES.get(self.source, self.source)

    @property
    def computed(self) -> bool:
        return not self.qualitative and self.source in COMPUTED_SOURCES

    def copy(self) -> "IndicatorRow":
        return replace(self, reviewers=list(self.reviewers))


@dataclass
class ScorecardData:
    """A scorecard with its indicators, as loaded or edited."""

    period: str
    target: str
    rows: list[IndicatorRow] = field(default_factory=list)
    note: str = ""
    id: int | None = None
    row_version: int | None = None  # as loaded; a stale copy's save raises StaleEdit
    scope_kind: str = TEAM  # 评价范围: what ``target`` names (``scopes.KINDS``)

    @property
    def target_label(self) -> str:
        """评价对象 as printed (服务类型“维修”, 新客户, 全部班组 …)."""
        return scopes.target_text(self.scope_kind, self.target)

    @property
    def weight_total(self) -> float:
        return sum(row.weight or 0 for row in self.rows)

    @property
    def weights_ok(self) -> bool:
        return abs(self.weight_total - WEIGHT_TOTAL) < 1e-6

    @property
    def total(self) -> float:
        """Sum of the item scores as printed (each already at two decimals), so the 合计 line
        adds up on paper; the figure shown, printed, exported and graded."""
        scores = [Decimal(repr(row.score)) for row in self.rows if row.score is not None]
        return float(sum(scores, Decimal(0)))

    @property
    def grade(self) -> str:
        """The grade of the total — only once every indicator has a score (待评定 until then)."""
        return grade(self.total) if self.complete else PENDING_GRADE

    @property
    def unscored(self) -> list[IndicatorRow]:
        return [row for row in self.rows if row.score is None]

    @property
    def complete(self) -> bool:
        return bool(self.rows) and not self.unscored

    @property
    def flagged(self) -> list[IndicatorRow]:
        return [row for row in self.rows if row.flagged]

    @property
    def period_info(self) -> Period | None:
        return period_of(self.period)

    def copy(self) -> "ScorecardData":
        return replace(self, rows=[row.copy() for row in self.rows])


def default_indicators() -> list[IndicatorRow]:
    """The seven indicators of the 表1 seed (2024 Q1, 维修事业部), without actual values."""
    return [
        IndicatorRow("时效性", "客服响应及时率", 15, 90, definition="来电或在线咨询在 30 秒内接通的占比"),
        IndicatorRow("时效性", "上门服务到达及时率", 15, 85, definition="工程师在约定时间内到达现场的占比"),
        IndicatorRow(
            "专业性",
            "问题一次性解决率",
            20,
            80,
            definition="第一次上门就把问题处理好、无需再次上门的工单占比",
            source=FIRST_TIME_FIX,
        ),
        IndicatorRow("专业性", "技术方案准确率", 15, 95, definition="维修方案验收一次通过、没有返工的占比"),
        IndicatorRow(
            "规范性", "服务流程合规率", 10, 98, definition="按标准流程完成（工单、配件领用、回单齐全）的占比"
        ),
        IndicatorRow(
            "客户体验",
            "客户满意度（CSAT）",
            15,
            90,
            definition="回访中评价为“非常满意”或“满意”的回答占全部有效回答的比例",
            source=CSAT,
        ),
        IndicatorRow(
            "客户体验",
            "投诉处理及时率（按等级时限响应）",
            10,
            100,
            definition=COMPLAINT_TIMELY_DEFINITION,
            source=COMPLAINT_TIMELY,
        ),
    ]


def indicators_from(scorecard) -> list[IndicatorRow]:
    """The indicators of an existing scorecard as a fresh set for a new period: same names,
    weights, targets and sources; no actual values, notes or reviewer scores."""
    return [
        replace(row, actual=None, note="", reviewers=[], id=None, over_confirmed=False)
        for row in load(scorecard).rows
    ]


def latest_for_target(target: str, scope_kind: str = TEAM) -> int | None:
    """The scorecard of ``target`` (within its 评价范围) with the latest period (a template for
    the next one)."""
    best: tuple[date, int] | None = None
    kind = clean_kind(scope_kind)
    for card in KpiScorecard.select().where(KpiScorecard.target == target, KpiScorecard.scope_kind == kind):
        period = period_of(card.period)
        start = period.start if period else date.min
        if best is None or (start, card.id) > best:
            best = (start, card.id)
    return best[1] if best else None


# ---------------------------------------------------------------- validation
def over_limit(value: float | None) -> bool:
    """An actual value above 100% (asks for a confirmation before it is taken)."""
    return value is not None and math.isfinite(value) and value > ACTUAL_LIMIT + 1e-9


def over_limit_question(row: IndicatorRow, value: float) -> str:
    """What the page asks before it takes an actual value above 100%."""
    return f"“{row.level2}”的实际值 {num(value)}% 超过 {num(ACTUAL_LIMIT)}%，确定吗？"


def set_actual(row: IndicatorRow, value, *, confirmed: bool = False) -> float | None:
    """Write what was typed as the actual value of ``row`` (88, 88%, blank). Negative values and
    non-numbers are refused; a value above 100% only with ``confirmed`` (the user said yes to
    :func:`over_limit_question`), otherwise a ValidationError naming 实际值 and the indicator."""
    number = parse_number(value, "实际值")
    if over_limit(number) and not confirmed:
        raise ValidationError(
            "实际值", f"“{row.level2}”的实际值 {num(number)}% 超过 {num(ACTUAL_LIMIT)}%，请确认后再填写。"
        )
    row.actual = number
    row.over_confirmed = over_limit(number)
    return number


def _row_name(index: int, row: IndicatorRow) -> str:
    name = (row.level2 or "").strip()
    return f"第 {index + 1} 项“{name}”" if name else f"第 {index + 1} 项"


def validate(data: ScorecardData | list[IndicatorRow]) -> str | None:
    """What must be fixed before the indicators can be saved, as one Chinese message; None if
    nothing. Weights that do not add up to 100 come first: "权重合计为 95,应为 100"."""
    rows = data.rows if isinstance(data, ScorecardData) else list(data)
    if not rows:
        return "评价表至少需要一项指标，请点“添加指标”。"
    problems: list[str] = []
    total = sum(row.weight or 0 for row in rows)
    if math.isfinite(total) and abs(total - WEIGHT_TOTAL) >= 1e-6:  # nan/inf: named per row below
        problems.append(f"权重合计为 {num(total)}，应为 {num(WEIGHT_TOTAL)}")
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        name = _row_name(index, row)
        if not (row.level1 or "").strip():
            problems.append(f"{name}：一级指标不能为空，请填写（如 时效性）。")
        level2 = (row.level2 or "").strip()
        if not level2:
            problems.append(f"{name}：二级指标不能为空，请填写指标名称。")
        elif level2 in seen:
            problems.append(f"{name}：二级指标与第 {seen[level2] + 1} 项重名，请改一个名称。")
        else:
            seen[level2] = index
        if row.weight is None or not math.isfinite(row.weight) or row.weight <= 0:
            problems.append(f"{name}：权重必须大于 0。")
        if not row.qualitative:
            if row.target is None or not math.isfinite(row.target) or row.target <= 0:
                problems.append(f"{name}：目标值必须大于 0（如 90 表示 90%）。")
            if row.actual is not None and not math.isfinite(row.actual):
                problems.append(f"{name}：实际值不是有效的数字，请填写如 88 或 88.5。")
            elif row.actual is not None and row.actual < 0:
                problems.append(f"{name}：实际值不能为负数。")
            elif over_limit(row.actual) and not row.over_confirmed:
                problems.append(
                    f"{name}：实际值 {num(row.actual)}% 超过 {num(ACTUAL_LIMIT)}%，请确认后再保存。"
                )
        problems.extend(reviewer_problems(name, row.reviewers))
        if len(row.note or "") > 500:
            problems.append(f"{name}：备注太长，最多 500 字。")
    return "\n".join(problems) or None


def reviewer_problems(name: str, reviewers: list[tuple[str, int]]) -> list[str]:
    problems: list[str] = []
    names: set[str] = set()
    for reviewer, score in reviewers:
        who = (reviewer or "").strip()
        if not who:
            problems.append(f"{name}：评审人姓名不能为空。")
        elif who in names:
            problems.append(f"{name}：评审人“{who}”重复，每人只打一次分。")
        names.add(who)
        if score not in REVIEWER_SCORES:
            problems.append(f"{name}：评审分 {score} 无效，只能打 1–5 分。")
    return problems


def _clean_row(row: IndicatorRow) -> IndicatorRow:
    clean = row.copy()
    clean.level1 = clean_text(row.level1, "一级指标", required=True, max_len=30)
    clean.level2 = clean_text(row.level2, "二级指标", required=True, max_len=60)
    clean.definition = (row.definition or "").strip()
    clean.note = (row.note or "").strip()
    clean.reviewers = [((who or "").strip(), int(score)) for who, score in row.reviewers]
    if clean.qualitative or clean.source not in SOURCES:
        clean.source = MANUAL
    return clean


# ---------------------------------------------------------------- reading
def rows_of(card_ids: list[int]) -> dict[int, list[IndicatorRow]]:
    by_card: dict[int, list[IndicatorRow]] = {cid: [] for cid in card_ids}
    if not card_ids:
        return by_card
    indicators = list(
        KpiIndicator.select()
        .where(KpiIndicator.scorecard.in_(card_ids))
        .order_by(KpiIndicator.scorecard, KpiIndicator.position, KpiIndicator.id)
    )
    reviewers: dict[int, list[tuple[str, int]]] = {}
    if indicators:
        for ind_id, who, score in (
            KpiReviewerScore.select(
                KpiReviewerScore.indicator, KpiReviewerScore.reviewer, KpiReviewerScore.score
            )
            .where(KpiReviewerScore.indicator.in_([i.id for i in indicators]))
            .order_by(KpiReviewerScore.id)
            .tuples()
        ):
            reviewers.setdefault(ind_id, []).append((who, score))
    for ind in indicators:
        by_card[ind.scorecard_id].append(
            IndicatorRow(
                level1=ind.level1,
                level2=ind.level2,
                weight=ind.weight,
                target=ind.target,
                actual=ind.actual,
                definition=ind.definition,
                qualitative=ind.qualitative,
                source=ind.source,
                note=ind.note,
                reviewers=reviewers.get(ind.id, []),
                id=ind.id,
                over_confirmed=over_limit(ind.actual),
            )
        )
    return by_card


def _card_id(scorecard) -> int:
    if isinstance(scorecard, ScorecardData):
        if scorecard.id is None:
            raise UserError("评价表还没有保存，请先保存。")
        return scorecard.id
    return scorecard.id if isinstance(scorecard, KpiScorecard) else int(scorecard)


def load(scorecard) -> ScorecardData:
    """A saved scorecard (id or model) with its indicators and reviewer scores."""
    card_id = _card_id(scorecard)
    card = KpiScorecard.get_or_none(KpiScorecard.id == card_id)
    if card is None:
        raise UserError(f"找不到第 {card_id} 号质量评价表，它可能已被删除。")
    return ScorecardData(
        card.period,
        card.target,
        rows_of([card.id])[card.id],
        card.note,
        card.id,
        card.row_version,
        card.scope_kind,
    )


SCORECARD_LABELS = {"period": "考核期", "target": "考核对象", "note": "备注", "rows": "各项指标"}


def _rows_key(rows: list[IndicatorRow]) -> list[tuple]:
    return [
        (r.level1, r.level2, r.weight, r.target, r.actual, r.definition, r.qualitative, r.source, r.note,
         tuple(r.reviewers))
        for r in rows
    ]  # fmt: skip


def _rows_text(rows: list[IndicatorRow]) -> str:
    def num(value) -> str:
        return "—" if value is None else f"{value:g}"

    return "；".join(
        f"{r.level2}（权重 {num(r.weight)}，目标 {num(r.target)}，实际 {num(r.actual)}）" for r in rows
    )


def scorecard_differences(mine: dict, theirs: dict) -> list[versions.FieldDiff]:
    """The parts of a 质量评价表 (``vars`` of two ``ScorecardData``) that differ, for 对照修改:
    考核期, 考核对象, 备注, and the indicators as one choice (they are weighed together)."""
    heads = {key: label for key, label in SCORECARD_LABELS.items() if key != "rows"}
    diffs = versions.differences(mine, theirs, heads)
    if _rows_key(mine["rows"]) != _rows_key(theirs["rows"]):
        diffs.append(
            versions.FieldDiff("rows", SCORECARD_LABELS["rows"], _rows_text(mine["rows"]), _rows_text(theirs["rows"]))
        )
    return diffs


@dataclass(frozen=True)
class ScorecardSummary:
    id: int
    period: str
    target: str
    total: float
    grade: str
    complete: bool
    flagged: int
    start: date | None
    scope_kind: str = TEAM

    @property
    def target_label(self) -> str:
        return scopes.target_text(self.scope_kind, self.target)


def list_scorecards() -> list[ScorecardSummary]:
    """Every scorecard with its total and grade, newest period first."""
    cards = list(KpiScorecard.select())
    rows = rows_of([c.id for c in cards])
    summaries = []
    for card in cards:
        data = ScorecardData(
            card.period, card.target, rows[card.id], card.note, card.id, scope_kind=card.scope_kind
        )
        period = data.period_info
        summaries.append(
            ScorecardSummary(
                card.id,
                card.period,
                card.target,
                data.total,
                data.grade,
                data.complete,
                len(data.flagged),
                period.start if period else None,
                card.scope_kind,
            )
        )
    summaries.sort(key=lambda s: (s.start or date.min, s.id), reverse=True)
    return summaries


# ---------------------------------------------------------------- writing
def _check_unique(period: str, target: str, kind: str, card_id: int | None) -> None:
    query = KpiScorecard.select().where(
        KpiScorecard.period == period, KpiScorecard.target == target, KpiScorecard.scope_kind == kind
    )
    if card_id is not None:
        query = query.where(KpiScorecard.id != card_id)
    if query.exists():
        raise ValidationError(
            "评价周期",
            f"{period}{scopes.target_text(kind, target)}的评价表已经存在，请打开它修改，或换一个周期/评价对象。",
        )


@accounts.requires(accounts.MANAGE, "修改质量评价")
def create_scorecard(
    period, target, indicators: list[IndicatorRow] | None = None, note: str = "", scope_kind: str = TEAM
) -> KpiScorecard:
    """A new scorecard for (评价周期, 评价对象 within its 评价范围) with the default indicators (or
    the given ones)."""
    clean_period = parse_period(period).code
    kind = clean_kind(scope_kind)
    clean_tgt = clean_target(target, kind)
    rows = [_clean_row(r) for r in (indicators if indicators is not None else default_indicators())]
    message = validate(rows)
    if message:
        raise UserError(message)
    _check_unique(clean_period, clean_tgt, kind, None)
    with db.atomic():
        card = KpiScorecard.create(
            period=clean_period, target=clean_tgt, scope_kind=kind, note=(note or "").strip()
        )
        _write_rows(card.id, rows)
    return card


def _write_rows(card_id: int, rows: list[IndicatorRow]) -> None:
    """Update the kept indicators, create the new ones, delete the removed ones."""
    existing = {i.id: i for i in KpiIndicator.select().where(KpiIndicator.scorecard == card_id)}
    kept: set[int] = set()
    for position, row in enumerate(rows):
        values = {
            "position": position,
            "level1": row.level1,
            "level2": row.level2,
            "definition": row.definition,
            "weight": float(row.weight),
            "target": None if row.target is None else float(row.target),
            "actual": None if row.actual is None else float(row.actual),
            "qualitative": row.qualitative,
            "source": row.source,
            "note": row.note,
        }
        if row.id is not None and row.id in existing:
            KpiIndicator.update(values).where(KpiIndicator.id == row.id).execute()
            ind_id = row.id
        else:
            ind_id = KpiIndicator.insert(scorecard=card_id, **values).execute()
        row.id = ind_id
        kept.add(ind_id)
        KpiReviewerScore.delete().where(KpiReviewerScore.indicator == ind_id).execute()
        if row.reviewers:
            KpiReviewerScore.insert_many(
                [{"indicator": ind_id, "reviewer": who, "score": score} for who, score in row.reviewers]
            ).execute()
    removed = [ind_id for ind_id in existing if ind_id not in kept]
    if removed:
        KpiIndicator.delete().where(KpiIndicator.id.in_(removed)).execute()


@accounts.requires(accounts.MANAGE, "修改质量评价")
def save(data: ScorecardData) -> int:
    """Write a scorecard and all its indicators (added, removed, reordered, edited) at once.

    Refused — nothing written — while :func:`validate` has something to say (weights ≠ 100 …).
    """
    message = validate(data)
    if message:
        raise UserError(message)
    period = parse_period(data.period).code
    kind = clean_kind(data.scope_kind)
    target = clean_target(data.target, kind)
    rows = [_clean_row(r) for r in data.rows]
    _check_unique(period, target, kind, data.id)
    values = {"period": period, "target": target, "scope_kind": kind, "note": (data.note or "").strip()}
    with db.atomic():
        if data.id is None:
            card = KpiScorecard.create(**values, modified_by=versions.actor(), modified_at=now())
        else:
            card = KpiScorecard.get_or_none(KpiScorecard.id == data.id)
            if card is None:
                raise UserError(f"找不到第 {data.id} 号质量评价表，它可能已被删除。")
            versions.guarded_update(
                KpiScorecard, card.id, values, data.row_version, "张质量评价表", lambda: load(card.id)
            )
            card = KpiScorecard.get_by_id(card.id)
        _write_rows(card.id, rows)
    data.id, data.period, data.target, data.row_version = card.id, period, target, card.row_version
    data.scope_kind = kind
    for row, clean in zip(data.rows, rows, strict=True):
        row.id = clean.id
    return card.id


@accounts.requires(accounts.MANAGE, "修改质量评价")
def delete_scorecard(scorecard) -> None:
    card_id = _card_id(scorecard)
    with db.atomic():
        KpiScorecard.delete().where(KpiScorecard.id == card_id).execute()


@accounts.requires(accounts.MANAGE, "修改质量评价")
def set_reviewer_scores(indicator, scores: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Replace the reviewer scores (评审人, 1–5) of a qualitative indicator."""
    ind = indicator if isinstance(indicator, KpiIndicator) else KpiIndicator.get_or_none(id=int(indicator))
    if ind is None:
        raise UserError("找不到这项指标，它可能已被删除。")
    if not ind.qualitative:
        raise UserError(f"“{ind.level2}”不是定性指标，请填写实际值，无需评审打分。")
    problems = reviewer_problems(f"“{ind.level2}”", list(scores))
    if problems:
        raise UserError("\n".join(problems))
    clean = [((who or "").strip(), int(score)) for who, score in scores]
    with db.atomic():
        KpiReviewerScore.delete().where(KpiReviewerScore.indicator == ind.id).execute()
        for who, score in clean:
            KpiReviewerScore.create(indicator=ind.id, reviewer=who, score=score)
    return clean


def groups(rows: list[IndicatorRow]) -> list[tuple[str, int, int]]:
    """Runs of consecutive rows with the same 一级指标: (一级指标, first row, row count) — the
    merged cells of the table."""
    runs: list[tuple[str, int, int]] = []
    for index, row in enumerate(rows):
        if runs and runs[-1][0] == row.level1:
            name, first, count = runs[-1]
            runs[-1] = (name, first, count + 1)
        else:
            runs.append((row.level1, index, 1))
    return runs


def rename_level1(rows: list[IndicatorRow], index: int, name: str) -> None:
    """Rename the 一级指标 of row ``index``: every row of its merged group is renamed with it."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("一级指标", "不能为空，请填写（如 时效性）。")
    for _group, first, count in groups(rows):
        if first <= index < first + count:
            for member in rows[first : first + count]:
                member.level1 = name
            return


def rename_level2(row: IndicatorRow, name: str) -> None:
    """Rename one indicator (二级指标)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("二级指标", "不能为空，请填写指标名称。")
    row.level2 = name
