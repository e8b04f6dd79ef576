"""目标 (seed 004): targets for 综合得分, 投诉率, 复购率 and 响应时效 set per period, shown against
the period's actual figures on 工作台 and in the report.

The actual figures are the reporting core's own (``statistics.overall`` for 综合得分,
``reporting.orders`` for 投诉率, 复购率 and 响应时效) over the same ``Scope`` the page shows —
never a count of its own. A goal is stored under the period's code (2024Q1, 2024-05, 2024 …).
"""

from dataclasses import dataclass

from desktop.models import db, now
from desktop.models.followup import PeriodGoal

from ..admin import accounts
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..reporting import metrics, orders, periods
from ..reporting.scope import Scope
from .kpi import num, parse_number


@dataclass(frozen=True)
class GoalMetric:
    key: str
    name: str
    unit: str  # 分 / % / 小时
    higher_is_better: bool
    definition: str
    example: str  # the seed's goal, shown as a hint

    @property
    def rule(self) -> str:
        return "≥" if self.higher_is_better else "≤"


GOAL_METRICS = (
    GoalMetric("composite", "综合得分", "分", True, metrics.COMPOSITE.definition, "≥90"),
    GoalMetric("complaint_rate", "投诉率", "%", False, metrics.COMPLAINT_RATE.definition, "较上期下降25%"),
    GoalMetric("repurchase_rate", "复购率", "%", True, metrics.REPURCHASE_RATE.definition, "较上期提升30%"),
    GoalMetric("response_time", "响应时效", "小时", False, metrics.RESPONSE_TIME.definition, "≤24"),
)
BY_KEY = {m.key: m for m in GOAL_METRICS}
PERCENT_LIMIT = 100.0


def period_code(period) -> str:
    """The code a goal is stored under: anything ``periods.parse_period`` reads."""
    try:
        return periods.parse_period(period).code if not isinstance(period, periods.Period) else period.code
    except (ValueError, TypeError) as err:
        raise ValidationError("期间", f"“{period}”不是可识别的期间，请填写如 2024Q1、2024-05 或 2024。") from err


def targets(period) -> dict[str, float]:
    """The targets set for the period, by metric key."""
    code = period_code(period)
    return {g.metric: g.target for g in PeriodGoal.select().where(PeriodGoal.period == code)}


@accounts.requires(accounts.MANAGE, "设定目标")
def set_targets(period, values: dict[str, object]) -> dict[str, float]:
    """Set (or clear, with a blank) the targets of a period, all at once."""
    code = period_code(period)
    clean: dict[str, float | None] = {}
    errors: list[ValidationError] = []
    for key, raw in values.items():
        metric = BY_KEY.get(key)
        if metric is None:
            raise UserError(f"没有名为“{key}”的目标指标。")
        try:
            value = parse_number(raw, f"{metric.name}目标")
        except ValidationError as err:
            errors.append(err)
            continue
        if value is not None and metric.unit in ("%", "分") and value > PERCENT_LIMIT:
            errors.append(ValidationError(f"{metric.name}目标", f"不能超过 {PERCENT_LIMIT:.0f}{metric.unit}。"))
            continue
        clean[key] = value
    if errors:
        raise ValidationErrors(errors)
    with db.atomic():
        for key, value in clean.items():
            PeriodGoal.delete().where((PeriodGoal.period == code) & (PeriodGoal.metric == key)).execute()
            if value is not None:
                PeriodGoal.create(period=code, metric=key, target=value, updated_at=now())
    return targets(code)


@dataclass(frozen=True)
class GoalRow:
    metric: GoalMetric
    target: float | None
    actual: float | None
    basis: str  # the counts the actual comes from

    @property
    def met(self) -> bool | None:
        """None without a target or an actual value."""
        if self.target is None or self.actual is None:
            return None
        return self.actual >= self.target if self.metric.higher_is_better else self.actual <= self.target

    @property
    def status(self) -> str:
        if self.target is None:
            return "未设目标"
        if self.actual is None:
            return "无数据"
        return "达标" if self.met else "未达标"

    def text(self, value: float | None) -> str:
        return "—" if value is None else f"{num(value, 1)}{self.metric.unit}"

    @property
    def target_text(self) -> str:
        return "—" if self.target is None else f"{self.metric.rule}{self.text(self.target)}"


def composite_actual(figures) -> tuple[float | None, str]:
    """综合得分 from ``statistics.overall``'s figures, with its count."""
    value = None if figures.composite is None else round(figures.composite, 1)
    return value, f"有效评分回答 {figures.level_n} 个"


def rate_actual(key: str, rate: orders.Rate) -> tuple[float | None, str]:
    """投诉率 or 复购率 (``key``) from its ``orders.Rate``, in %, with its counts."""
    what = "投诉工单" if key == "complaint_rate" else "老客户工单"
    value = None if rate.value is None else round(rate.value * 100, 1)
    return value, f"{what} {rate.part} / 完成工单 {rate.whole}"


def actual(key: str, scope: Scope) -> tuple[float | None, str]:
    """The actual value of a goal metric over ``scope``, and the counts it is computed from."""
    if key == "composite":
        from ..reporting.statistics import overall

        return composite_actual(overall(scope))
    if key in ("complaint_rate", "repurchase_rate"):
        rate = orders.complaint_rate(scope) if key == "complaint_rate" else orders.repurchase_rate(scope)
        return rate_actual(key, rate)
    if key == "response_time":
        mean = orders.response_hours(scope)
        value = None if mean.value is None else round(mean.value, 1)
        return value, f"已响应投诉 {mean.n} 件"
    raise UserError(f"没有名为“{key}”的目标指标。")


def goal_rows(scope: Scope, known: dict[str, tuple[float | None, str]] | None = None) -> list[GoalRow]:
    """Each goal metric of the scope's period: its target (if set) against the actual value.
    ``known``: actual values (``composite_actual``, ``rate_actual``) the caller already has for
    this scope — 工作台's tiles read 综合得分 and 投诉率 anyway — so they are not read twice."""
    if scope.period is None:
        raise UserError("目标按期间设定：请选择一个期间。")
    goals = targets(scope.period)
    known = known or {}
    rows = []
    for metric in GOAL_METRICS:
        value, basis = known[metric.key] if metric.key in known else actual(metric.key, scope)
        rows.append(GoalRow(metric, goals.get(metric.key), value, basis))
    return rows


def summary(rows: list[GoalRow]) -> str:
    """达标 2/3 (only the goals that have a target and data count)."""
    judged = [r for r in rows if r.met is not None]
    if not any(r.target is not None for r in rows):
        return "本期未设定目标"
    return f"达标 {sum(1 for r in judged if r.met)}/{len(judged)}"
