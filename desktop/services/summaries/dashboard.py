"""工作台 (dashboard): the tile figures and the series of each chart, as plain data.

Nothing is counted here: every figure comes from the services that own it — ``statistics``
(satisfaction, NPS, trends, per team / engineer), ``tasks`` (today's and overdue visit tasks,
recovery rate), ``problems`` (Pareto), ``improvement`` (action statuses, overdue actions) and
``kpi`` (the scorecard grade). This module only picks the scope (period, team), calls them and
shapes the results for the page: rates as percentages (0–100), one function per chart.

The scope of a figure:

* period and team (班组 = the order's team): satisfaction, NPS, trends, dimensions, Pareto,
  team / engineer comparison;
* period only: the recovery rate (visit tasks carry no team) — ``Tiles.recovery_all_teams``;
* neither (the state today): today's and overdue visit tasks, overdue improvement actions;
  the action-status chart is narrowed to the team through the action's 责任部门.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime

import peewee as pw

from desktop.models import ACTION_STATUSES, ImprovementAction

from ..common.errors import UserError
from ..improvement import flow, followup, improvement
from ..kpi import goals, kpi
from ..reporting import metrics, orders, periods, problems, statistics
from ..reporting.periods import Period
from ..reporting.scoring import NPS_GOAL
from ..reporting.statistics import Filters
from ..scheduling import tasks
from .dashboard_periods import (
    CUSTOM,
    LAST_MONTH,
    LAST_QUARTER,
    PERIOD_CHOICES,
    THIS_MONTH,
    THIS_QUARTER,
    THIS_YEAR,
)

# ---------------------------------------------------------------- the scope
# PERIOD_CHOICES (本月 …) come from .dashboard_periods: the page fills its filter before this
# module is imported
TREND_MONTHS = 12
SATISFACTION_METRIC = "满意率"
NO_GRADE = "—"
MAX_GROUPS = 15  # bars in the team / engineer comparison (the most visited ones)

__all__ = [
    "NO_GRADE",
    "PERIOD_CHOICES",
    "ActionSeries",
    "DimensionBar",
    "DimensionBars",
    "GroupBar",
    "GroupComparison",
    "NpsSeries",
    "ParetoSeries",
    "CHART_IDS",
    "Scope",
    "Snapshot",
    "Tiles",
    "TrendSeries",
    "action_status",
    "dimension_bars",
    "group_comparison",
    "nps_trend",
    "pareto_series",
    "period_for",
    "monthly",
    "satisfaction_trend",
    "snapshot",
    "team_choices",
    "tiles",
    "verification",
]


def period_for(choice: str, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The period a filter choice stands for on ``today``: 本月 / 本季度 / 本年 / 上月 / 上季度,
    or 自定义 from ``start`` to ``end`` (UserError when they are missing or reversed)."""
    month = periods.month_period(today.year, today.month)
    quarter = periods.quarter_period(today.year, (today.month - 1) // 3 + 1)
    if choice == THIS_MONTH:
        return month
    if choice == THIS_QUARTER:
        return quarter
    if choice == THIS_YEAR:
        return periods.year_period(today.year)
    if choice == LAST_MONTH:
        return periods.previous(month)
    if choice == LAST_QUARTER:
        return periods.previous(quarter)
    if choice == CUSTOM:
        if start is None or end is None:
            raise UserError("统计期间：自定义期间请填写开始日期和结束日期。")
        return periods.range_period(start, end)
    raise UserError(f"统计期间：“{choice}”无效，请选择 {'、'.join(PERIOD_CHOICES)}。")


@dataclass(frozen=True)
class Scope:
    """What the dashboard shows: a period, optionally one team, as seen on ``today``."""

    period: Period
    team: str | None = None
    today: date = field(default_factory=date.today)

    def __post_init__(self):
        team = self.team.strip() if isinstance(self.team, str) else self.team
        object.__setattr__(self, "team", team or None)

    @property
    def filters(self) -> Filters:
        """The reporting scope: the period and team, restricted like the signed-in role's lists."""
        return Filters.for_signed_in(period=self.period, team=self.team)

    @property
    def trend_end(self) -> date:
        """The last day the monthly trends reach: the period's end, or today while the period
        is running (本年 seen in November ends its trend with November, not an empty December)."""
        if self.period.start <= self.today < self.period.end:
            return self.today
        return self.period.end


# what the tiles mean: the catalogue's definitions (the same text as the report and the workbook)
TILE_DEFINITIONS = {
    "satisfaction": metrics.SATISFACTION.definition,
    "nps": metrics.NPS.definition,
    "recovery": metrics.RECOVERY.definition,
    "complaint_rate": metrics.COMPLAINT_RATE.definition,
}


def verification(scope: Scope) -> statistics.VerificationFigures:
    """改进验证: the period's verification visits (二次回访), apart from the tiles' figures."""
    return statistics.verification_figures(scope.filters)


def team_choices() -> list[str]:
    """The teams (班组) that occur on service orders."""
    return problems.team_names()


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else fraction * 100


# ---------------------------------------------------------------- tiles
@dataclass(frozen=True)
class Tiles:
    today_tasks: int  # 今日待回访
    overdue_tasks: int  # 逾期任务
    overdue_actions: int  # 逾期改进措施
    recovery: float | None  # 本期回收率, %
    recovery_completed: int
    recovery_due: int
    recovery_target: float  # %
    recovery_all_teams: bool  # the recovery rate covers every team's tasks (a team was chosen)
    visits: int  # valid completed visits counted
    satisfaction: float | None  # 本期满意率, %
    satisfaction_arrow: str  # 较上期: ↑ ↓ → ("" without both periods)
    satisfaction_change: float | None  # percentage points
    nps: float | None
    nps_n: int
    nps_goal: float
    grade: str  # KPI grade of the period's scorecard, "—" without one
    grade_total: float | None
    grade_target: str  # the scorecard's 评价对象 ("" without one)
    scorecard_id: int | None  # the scorecard graded, for opening it
    stale_actions: int = 0  # 待跟进: improvement actions without a progress entry for 7 days
    # 投诉率 of the period (%), its counts, the previous period's and the goal (previous × 0.75)
    complaint_rate: float | None = None
    complaint_part: int = 0
    complaint_whole: int = 0
    complaint_previous: float | None = None
    complaint_goal: float | None = None
    # complaints whose level's response deadline is over without a response (services.complaints)
    overdue_complaints: tuple[str, ...] = ()
    overdue_complaint_count: int = 0
    # 综合得分 and its count, as ``kpi.goals.composite_actual`` gives them
    composite: tuple = (None, "")
    # the figures ``tile_details`` adds: 投诉率 and the overdue complaints above, and
    # 本期目标 — each goal of the period against its actual figure (``kpi.goals``)
    details: bool = False
    goals: tuple = ()


def _scorecard_for(scope: Scope) -> kpi.ScorecardSummary | None:
    """The scorecard of exactly the dashboard's period: the team's when a team is chosen;
    otherwise the one for 全部, else the only (or first listed) one of the period."""
    same_period = []
    for card in kpi.list_scorecards():
        period = kpi.period_of(card.period)
        if period is not None and (period.start, period.end) == (scope.period.start, scope.period.end):
            same_period.append(card)
    if scope.team is not None:
        return next((c for c in same_period if c.scope_kind == kpi.TEAM and c.target == scope.team), None)
    teams = [c for c in same_period if c.scope_kind == kpi.TEAM]  # a service type's or 新老客户's: not the shop's
    return next((c for c in teams if c.target == kpi.ALL_TEAMS), teams[0] if teams else None)


def tiles(scope: Scope, comparison: statistics.Comparison | None = None, details: bool = True) -> Tiles:
    """The tile figures; ``comparison``: ``statistics.compare`` of the scope, if already made.
    ``details=False`` leaves out the slower ones (投诉率 with the overdue complaints, 本期目标),
    which read over every order: 工作台 shows the rest first and adds them (``tile_details``)."""
    today = scope.today
    overall = statistics.overall(scope.filters, today=today)
    # 总体 (every level answer pooled) against the previous period
    total = comparison.rows[0] if comparison is not None else statistics.overall_change(scope.filters, overall)
    arrow, change = "", None
    if total.metric == SATISFACTION_METRIC:
        arrow, change = total.arrow, _pct(total.change)
    card = _scorecard_for(scope)
    recovery = overall.recovery
    main = Tiles(
        today_tasks=tasks.count_tasks(tasks.TaskFilter(bucket="今日"), today=today),
        overdue_tasks=tasks.count_tasks(tasks.TaskFilter(bucket="逾期"), today=today),
        overdue_actions=len(flow.overdue(today)),
        recovery=_pct(recovery.rate),
        recovery_completed=recovery.completed,
        recovery_due=recovery.due,
        recovery_target=recovery.target * 100,
        recovery_all_teams=not overall.recovery_matches_filters,
        visits=overall.valid,
        satisfaction=_pct(overall.satisfaction),
        satisfaction_arrow=arrow,
        satisfaction_change=change,
        nps=overall.nps,
        nps_n=overall.nps_n,
        nps_goal=NPS_GOAL,
        grade=card.grade if card is not None else NO_GRADE,
        grade_total=card.total if card is not None else None,
        grade_target=card.target_label if card is not None else "",
        scorecard_id=card.id if card is not None else None,
        stale_actions=len(followup.stale_actions(today)),
        composite=goals.composite_actual(overall),
    )
    return tile_details(scope, main) if details else main


def tile_details(scope: Scope, main: Tiles) -> Tiles:
    """``main`` (``tiles(details=False)``) with 投诉率, the overdue complaints and 本期目标 added;
    the goals take 综合得分 from ``main`` and 投诉率 from the tile, so neither is read twice."""
    at = datetime.combine(scope.today, datetime.now().time())
    complaint_figures = orders.complaint_figures(scope.filters, at=at)
    known_goals = {
        "composite": main.composite,
        "complaint_rate": goals.rate_actual("complaint_rate", complaint_figures.rate),
    }
    rows = tuple(goals.goal_rows(scope.filters, known_goals)) if scope.period is not None else ()
    return replace(main, details=True, goals=rows, **_complaint_tile(scope, complaint_figures, at))


OVERDUE_SHOWN = 5  # overdue complaints named on the 工作台 (the count covers them all)


def _complaint_tile(scope: Scope, figures: orders.ComplaintFigures, at: datetime) -> dict:
    """投诉率 (``figures``) with its goal and the overdue complaint responses at ``at``, as
    ``Tiles`` fields."""
    from ..intake import complaints

    late = complaints.overdue_responses(at, team=scope.team, limit=OVERDUE_SHOWN)
    return {
        "complaint_rate": _pct(figures.rate.value),
        "complaint_part": figures.rate.part,
        "complaint_whole": figures.rate.whole,
        "complaint_previous": _pct(figures.previous.value),
        "complaint_goal": _pct(figures.goal),
        "overdue_complaints": tuple(o.line(at) for o in late),
        "overdue_complaint_count": complaints.overdue_count(at, team=scope.team),
    }


# ---------------------------------------------------------------- chart 1: satisfaction trend
@dataclass(frozen=True)
class TrendSeries:
    labels: list[str]  # months, oldest first: 2026-01 …
    series: dict[str, list[float | None]]  # dimension → satisfaction rate % per month
    overall: list[float | None]  # every level answer pooled, % per month

    @property
    def empty(self) -> bool:
        return all(v is None for v in self.overall)


def monthly(scope: Scope, months: int = TREND_MONTHS) -> statistics.MonthlyTrend:
    """``statistics.monthly_trend`` for ``months`` months ending with ``scope.trend_end``
    (shared by the satisfaction and NPS trends)."""
    last = scope.trend_end
    return statistics.monthly_trend(scope.filters.with_period(periods.range_period(last, last)), months)


def satisfaction_trend(
    scope: Scope, months: int = TREND_MONTHS, trend: statistics.MonthlyTrend | None = None
) -> TrendSeries:
    """Monthly satisfaction rate per dimension (dimensions without 5-level answers — NPS or
    是/否 only — are left out) for ``months`` months ending with the period."""
    trend = trend or monthly(scope, months)
    series = {
        name: [_pct(v) for v in trend.satisfaction[name]]
        for name in trend.dimensions
        if any(v is not None for v in trend.satisfaction[name])
    }
    return TrendSeries(trend.labels, series, [_pct(v) for v in trend.overall])


# ---------------------------------------------------------------- chart 2: dimensions vs last period
@dataclass(frozen=True)
class DimensionBar:
    name: str  # "总体" first, then the dimensions
    rate: float  # %
    n: int  # answers with a 5-level reading
    arrow: str  # ↑ ↓ → ("" when the previous period has no answers)
    change: float | None  # percentage points against the previous period
    previous: float | None  # the previous period's rate, %


@dataclass(frozen=True)
class DimensionBars:
    period: Period
    previous: Period
    bars: list[DimensionBar]

    @property
    def empty(self) -> bool:
        return not self.bars


def dimension_bars(scope: Scope, comparison: statistics.Comparison | None = None) -> DimensionBars:
    """This period's satisfaction rate per dimension with the change against the previous
    period (``statistics.compare``); only dimensions answered on a satisfaction scale now."""
    comparison = comparison or statistics.compare(scope.filters)
    bars = []
    for row in comparison.rows:
        if row.metric != SATISFACTION_METRIC or row.current is None or row.current.satisfaction is None:
            continue
        prev = row.previous.satisfaction if row.previous is not None else None
        bars.append(
            DimensionBar(
                row.dimension,
                row.current.satisfaction * 100,
                row.current.level_n,
                row.arrow,
                _pct(row.change),
                _pct(prev),
            )
        )
    return DimensionBars(comparison.period, comparison.previous, bars)


# ---------------------------------------------------------------- chart 3: NPS trend
@dataclass(frozen=True)
class NpsSeries:
    labels: list[str]
    values: list[float | None]  # NPS per month, every 0–10 answer pooled
    goal: float = NPS_GOAL

    @property
    def empty(self) -> bool:
        return all(v is None for v in self.values)


def nps_trend(
    scope: Scope, months: int = TREND_MONTHS, trend: statistics.MonthlyTrend | None = None
) -> NpsSeries:
    trend = trend or monthly(scope, months)
    return NpsSeries(trend.labels, list(trend.overall_nps))


# ---------------------------------------------------------------- chart 4: Pareto
@dataclass(frozen=True)
class ParetoSeries:
    names: list[str]  # problem categories, most frequent first
    counts: list[int]
    cumulative: list[float]  # %

    @property
    def empty(self) -> bool:
        return not self.names


def pareto_series(scope: Scope) -> ParetoSeries:
    rows = problems.pareto(scope.filters)
    return ParetoSeries([r.name for r in rows], [r.count for r in rows], [r.cumulative_pct for r in rows])


# ---------------------------------------------------------------- chart 5: improvement actions
@dataclass(frozen=True)
class ActionSeries:
    statuses: list[str]  # 未启动 … 已闭环
    counts: list[int]
    overdue: int  # past the deadline and not done yet (未启动 / 进行中)
    overdue_by_status: list[int]  # the overdue part of each status's count
    department: str | None  # the team the actions were narrowed to (责任部门)

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def empty(self) -> bool:
        return self.total == 0


def _department_counts(department: str, today: date) -> tuple[dict[str, int], dict[str, int]]:
    """Actions of one 责任部门: count per status, and overdue per status (one GROUP BY)."""
    late = pw.fn.SUM(
        pw.Case(
            None,
            [
                (
                    (ImprovementAction.deadline < today)
                    & ImprovementAction.status.in_(improvement.OVERDUE_STATUSES),
                    1,
                )
            ],
            0,
        )
    )
    rows = (
        ImprovementAction.select(ImprovementAction.status, pw.fn.COUNT(ImprovementAction.id), late)
        .where(ImprovementAction.department == department)
        .group_by(ImprovementAction.status)
        .tuples()
    )
    counts, overdue = {}, {}
    for status, n, bad in rows:
        counts[status] = int(n)
        overdue[status] = int(bad or 0)
    return counts, overdue


def action_status(scope: Scope) -> ActionSeries:
    """Improvement actions by status as they stand today (not limited to the period: an action
    runs across periods), with the overdue ones. With a team chosen, the actions whose 责任部门
    is that team."""
    today = scope.today
    if scope.team is None:
        counts = flow.status_counts(today)
        late: dict[str, int] = {}
        for action in flow.overdue(today):
            late[action.status] = late.get(action.status, 0) + 1
    else:
        counts, late = _department_counts(scope.team, today)
    statuses = list(ACTION_STATUSES)
    return ActionSeries(
        statuses,
        [counts.get(s, 0) for s in statuses],
        sum(late.values()),
        [late.get(s, 0) for s in statuses],
        scope.team,
    )


# ---------------------------------------------------------------- chart 6: teams / engineers
@dataclass(frozen=True)
class GroupBar:
    name: str
    rate: float  # satisfaction %
    n: int  # answers with a 5-level reading
    visits: int


@dataclass(frozen=True)
class GroupComparison:
    group: str  # "team" or "engineer"
    label: str  # 责任部门/班组 or 服务工程师
    bars: list[GroupBar]  # highest rate first
    more: int = 0  # groups left out (beyond MAX_GROUPS)

    @property
    def empty(self) -> bool:
        return not self.bars


def group_comparison(scope: Scope, limit: int = MAX_GROUPS) -> GroupComparison:
    """Satisfaction rate per team (or, with a team chosen, per engineer of that team), from
    ``statistics.by_group``; the ``limit`` most visited groups, highest rate first."""
    group = "engineer" if scope.team is not None else "team"
    stats = [g for g in statistics.by_group(scope.filters, group) if g.satisfaction is not None]
    shown = stats[:limit]  # by_group lists the most visited first
    bars = [GroupBar(g.group, g.satisfaction * 100, g.level_n, g.visits) for g in shown]
    bars.sort(key=lambda b: (-b.rate, -b.n, b.name))
    return GroupComparison(group, statistics.GROUPS[group], bars, len(stats) - len(shown))


# ---------------------------------------------------------------- everything at once
@dataclass(frozen=True)
class Snapshot:
    scope: Scope
    tiles: Tiles
    series: dict  # chart id → its series (see CHART_IDS)


CHART_IDS = ("trend", "dimensions", "nps", "pareto", "actions", "groups")


# the page reads the charts in these groups at the same time (two cores): the twelve-month trend
# (its two charts share one query) beside the other four
CHART_GROUPS = (("trend", "nps"), ("dimensions", "pareto", "actions", "groups"))


def chart_series(scope: Scope, charts: tuple[str, ...] = CHART_IDS) -> dict[str, object]:
    """The series of ``charts`` (all by default), keyed by chart id; the month-by-month trend
    and the comparison with the previous period are computed once, and only when needed. The
    page reads them apart from ``tiles``, so the tiles do not wait for the twelve-month trend."""
    out: dict[str, object] = {}
    if {"trend", "nps"} & set(charts):
        trend = monthly(scope)
        if "trend" in charts:
            out["trend"] = satisfaction_trend(scope, trend=trend)
        if "nps" in charts:
            out["nps"] = nps_trend(scope, trend=trend)
    if "dimensions" in charts:
        out["dimensions"] = dimension_bars(scope, statistics.compare(scope.filters))
    if "pareto" in charts:
        out["pareto"] = pareto_series(scope)
    if "actions" in charts:
        out["actions"] = action_status(scope)
    if "groups" in charts:
        out["groups"] = group_comparison(scope)
    return {chart_id: out[chart_id] for chart_id in CHART_IDS if chart_id in out}


def snapshot(scope: Scope) -> Snapshot:
    """The tiles and every chart's series at once (the page reads them apart, see
    ``chart_series``)."""
    return Snapshot(scope, tiles(scope), chart_series(scope))
