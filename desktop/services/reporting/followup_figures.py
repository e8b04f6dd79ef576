"""投诉率 and 投诉处理及时率 per complaint level, and 回收率 per channel, as the rows the report and
the workbook's 投诉与回收 sheet show: each with its counts (so it recomputes), its goal and
whether it is met. The figures come from ``reporting.orders`` and ``chasing``."""

from dataclasses import dataclass
from datetime import date, datetime

from ..intake import complaints
from ..scheduling import chasing
from . import metrics, orders
from .scope import Scope

SHEET_TITLE = "投诉与回收"
COLUMNS = ["指标", "分组", "分子", "分母", "比率", "目标", "是否达标", "说明"]
WIDTHS = [16, 26, 8, 8, 9, 9, 10, 60]
ALL_LEVELS = "全部等级"
PREVIOUS = "上期（全部等级）"  # the comparison period's 投诉率: its counts let a merge pool the goal


@dataclass(frozen=True)
class FigureRow:
    metric: str  # 投诉率 / 投诉处理及时率 / 回收率
    group: str  # 全部等级, 一级（普通，24 小时内响应） …, or the channel
    part: int
    whole: int
    goal: float | None  # a fraction; None without one
    lower_is_better: bool = False

    @property
    def rate(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def met(self) -> bool | None:
        if self.rate is None or self.goal is None:
            return None
        return self.rate <= self.goal + 1e-12 if self.lower_is_better else self.rate >= self.goal

    @property
    def verdict(self) -> str:
        return {True: "达标", False: "未达标", None: "—"}[self.met]

    def text(self) -> str:
        if self.rate is None:
            return f"{self.group}：无数据"
        goal = ""
        if self.goal is not None:
            goal = f"，目标 {'≤' if self.lower_is_better else '≥'}{self.goal:.1%}，{self.verdict}"
        return f"{self.group} {self.rate:.1%}（{self.part} / {self.whole}{goal}）"


def complaint_rows(scope: Scope, at: datetime | None = None, *, previous: bool = False) -> list[FigureRow]:
    """投诉率 (all, then per level; the goal is the previous period's rate × 0.75 on the whole)
    and 投诉处理及时率 (all, then per level; no goal in the seeds but 100% within the deadline).
    With ``previous`` the previous period's 投诉率 follows the whole (the workbook's row)."""
    figures = orders.complaint_figures(scope, at=at)
    rate, timely = metrics.COMPLAINT_RATE.name, metrics.COMPLAINT_TIMELY.name
    rows = [FigureRow(rate, ALL_LEVELS, figures.rate.part, figures.rate.whole, figures.goal, True)]
    if previous:
        rows.append(FigureRow(rate, PREVIOUS, figures.previous.part, figures.previous.whole, None, True))
    rows += [
        FigureRow(rate, complaints.level_text(f.level), f.rate.part, f.rate.whole, None, True)
        for f in figures.levels
    ]
    rows.append(FigureRow(timely, ALL_LEVELS, figures.timely.part, figures.timely.whole, None))
    rows += [
        FigureRow(timely, complaints.level_text(f.level), f.timely.part, f.timely.whole, None)
        for f in figures.levels
    ]
    return rows


def recovery_rows(start: date, end: date) -> list[FigureRow]:
    return [
        FigureRow(metrics.RECOVERY.name, f"{r.channel}（{r.kind}）", r.returned, r.sent, r.target)
        for r in chasing.recovery_by_channel(start, end)
    ]


def report_lines(scope: Scope, at: datetime | None = None) -> list[tuple[str, str]]:
    """(项目, 内容) rows for the report's 调查概述: 回收率（分渠道）, 投诉率, 投诉处理及时率."""
    period = scope.period
    channel = "；".join(r.text() for r in recovery_rows(period.start, period.end))
    rows = complaint_rows(scope, at)
    by_metric: dict[str, list[FigureRow]] = {}
    for row in rows:
        by_metric.setdefault(row.metric, []).append(row)
    out = [("回收率（分渠道）", f"{channel}（按发放时间统计）")]
    for name, group in by_metric.items():
        text = "；".join(r.text() for r in group)
        if name == metrics.COMPLAINT_RATE.name and group[0].goal is None:
            text += "（上期无数据，无目标值）"
        out.append((name, text))
    return out


def pooled(branches: list[list[FigureRow]]) -> list[FigureRow]:
    """Several branches' rows as one: the counts of each (指标, 分组) added up, in the order first
    seen, so every rate is recomputed from counts; 投诉率's goal is the pooled previous period's
    rate × 0.75, a channel's 回收率 keeps its goal."""
    parts: dict[tuple[str, str], list[int]] = {}
    goals: dict[tuple[str, str], float | None] = {}
    for rows in branches:
        for row in rows:
            counts = parts.setdefault((row.metric, row.group), [0, 0])
            counts[0] += row.part
            counts[1] += row.whole
            if row.metric == metrics.RECOVERY.name and goals.get((row.metric, row.group)) is None:
                goals[(row.metric, row.group)] = row.goal
    rate = metrics.COMPLAINT_RATE.name
    before = parts.get((rate, PREVIOUS), [0, 0])
    goals[(rate, ALL_LEVELS)] = before[0] / before[1] * orders.GOAL_FACTOR if before[1] else None
    return [
        FigureRow(metric, group, part, whole, goals.get((metric, group)), metric == rate)
        for (metric, group), (part, whole) in parts.items()
    ]


def write_sheet(sheet, period, today: date) -> None:
    """The 投诉与回收 sheet of the head-office workbook (``export.Sheet``): one row per figure,
    numbers as numbers, the definitions below."""
    at = datetime.combine(today, datetime.max.time())
    rows = complaint_rows(Scope(period=period), at, previous=True) + recovery_rows(period.start, period.end)
    write_rows(sheet, [(None, rows)])


def write_rows(sheet, groups: list[tuple[str | None, list[FigureRow]]]) -> None:
    """The sheet's table: (分支, rows) groups — without a 分支 (None) the single-shop sheet, else a
    分支 column in front (the merged workbook) — then the definitions."""
    branch = [] if groups and groups[0][0] is None else [None]
    sheet.widths(([12] if branch else []) + WIDTHS)
    sheet.freeze("A2")
    sheet.print_setup(fit_width=True)
    sheet.header((["分支"] if branch else []) + COLUMNS)
    for name, rows in groups:
        for row in rows:
            note = ""
            if row.metric == metrics.COMPLAINT_RATE.name and row.group == ALL_LEVELS:
                note = (
                    "目标 = 上期投诉率 × 0.75（下降25%）" if row.goal is not None else "上期无数据，无目标值"
                )
            sheet.append(
                ([name] if branch else [])
                + [row.metric, row.group, row.part, row.whole, row.rate, row.goal, row.verdict, note],
                branch + [None, None, None, None, "pct", "pct", "center", "note"],
            )
    sheet.blank()
    for metric in (metrics.COMPLAINT_RATE, metrics.COMPLAINT_TIMELY):
        sheet.note(metric.definition, f"{metric.name}口径")
    sheet.note(
        "分渠道回收率 = 已收回 ÷ 已发放（按发放时间统计；已取消的任务和二次回访不计）；"
        "纸质问卷目标 ≥70%，短信、微信等线上问卷目标 ≥30%",
        "分渠道回收率口径",
    )


def read_rows(ws) -> list[FigureRow] | None:
    """A branch workbook's 投诉与回收 table (openpyxl worksheet) back as rows; None when its
    header is not this program's."""
    lines = ws.iter_rows(values_only=True)
    header = next(lines, ())
    if [str(v or "").strip() for v in header[: len(COLUMNS)]] != COLUMNS:
        return None
    rows = []
    for values in lines:
        metric, group, part, whole, _rate, goal = (list(values) + [None] * 6)[:6]
        if not metric:
            break
        rows.append(
            FigureRow(
                str(metric), str(group or ""), int(part or 0), int(whole or 0),
                float(goal) if isinstance(goal, int | float) else None,
                str(metric) == metrics.COMPLAINT_RATE.name,
            )
        )  # fmt: skip
    return rows
