"""The figure sheets of the head-office workbook: 维度统计, 问题分类, 细分统计 and 改进验证."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import peewee as pw

from desktop.models import Visit
from desktop.models.questionnaire import NPS

from ...reporting import metrics, problems, statistics
from ...reporting.channels import NOTE as CHANNEL_NOTE
from ...reporting.metrics import composite_100
from ...reporting.periods import Period
from ...reporting.scale import LEVEL_NAMES
from ...reporting.scope import Scope
from ...reporting.scoring import DENOMINATOR_NOTE, NPS_GOAL, RECOVERY_TARGET
from ...scheduling import tasks
from .book_format import (
    CHANGE_NOTE,
    DIM_COLUMNS,
    DIM_WIDTHS,
    EMPTY_PROBLEMS,
    INFO_DENOMINATOR,
    KPI_TOTAL,
    MEAN_NOTE,
    NPS_NOTE,
    PROBLEM_COLUMNS,
    PROBLEM_NOTE,
    RECOVERY_NOTE,
    SUM_ANSWERS,
    SUM_COMPLETED,
    SUM_COMPOSITE,
    SUM_DUE,
    SUM_INVALID,
    SUM_MEAN,
    SUM_NPS,
    SUM_PREVIOUS,
    SUM_RECOVERY,
    SUM_SATISFACTION,
    SUM_VALID,
    SUM_VISITS,
)
from .xlsx import Sheet


# ---------------------------------------------------------------- 维度统计
@dataclass
class DimensionRow:
    """One row of 维度统计 as written (and as consolidate reads and sums it)."""

    name: str
    n: int = 0
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys((5, 4, 3, 2, 1), 0))
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    yes: int = 0
    no: int = 0
    metric: str = ""
    previous: float | None = None  # the metric in the previous period
    previous_n: int = 0  # its denominator
    arrow: str = ""
    change: float | None = None

    @property
    def level_n(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfaction(self) -> float | None:
        return (self.counts[5] + self.counts[4]) / self.level_n if self.level_n else None

    @property
    def mean(self) -> float | None:
        return sum(k * v for k, v in self.counts.items()) / self.level_n if self.level_n else None

    @property
    def nps_n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        return (self.promoters - self.detractors) * 100 / self.nps_n if self.nps_n else None

    @property
    def yes_share(self) -> float | None:
        return self.yes / (self.yes + self.no) if self.yes + self.no else None

    def metric_value(self) -> float | None:
        return {"满意率": self.satisfaction, "NPS": self.nps, "是占比": self.yes_share}.get(self.metric)


@dataclass
class Summary:
    visits: int = 0
    valid: int = 0
    invalid: int = 0
    due: int = 0
    completed: int = 0
    previous_label: str = ""
    composite: float | None = None  # 综合得分 weighted by 权重; None: from the counts (unweighted)

    @property
    def recovery(self) -> float | None:
        return self.completed / self.due if self.due else None


def _nps_counts(stats: Iterable) -> dict[str, tuple[int, int, int]]:
    """Per dimension: (promoters, passives, detractors) summed over its 0–10 questions."""
    out: dict[str, list[int]] = {}
    for q in stats:
        if q.kind != NPS:
            continue
        bucket = out.setdefault(q.dimension, [0, 0, 0])
        for value, n in q.values.items():
            if value >= 9:
                bucket[0] += n
            elif value >= 7:
                bucket[1] += n
            elif value >= 0:
                bucket[2] += n
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def dimension_rows(period: Period, today: date) -> tuple[list[DimensionRow], Summary]:
    """总体 first, then each dimension, from ``statistics`` (the service's own figures)."""
    flt = statistics.Filters(period=period)
    # ``compare`` holds this period's figures too (the same tallies as ``dimension_stats`` and,
    # pooled, ``overall``): one aggregation per period instead of three
    comparison = statistics.compare(flt)
    changes = {row.dimension: row for row in comparison.rows}
    total = changes[statistics.OVERALL].current or statistics.Figures()
    dims = [row.current for row in comparison.rows[1:] if row.current is not None]
    nps = _nps_counts(statistics.question_stats(flt))
    all_nps = tuple(sum(v[i] for v in nps.values()) for i in range(3))

    def row_of(name: str, figures, nps_counts) -> DimensionRow:
        # 有效样本 is the denominator of the row's own rate (level answers for 满意率; 0–10 and
        # 是/否 answers are counted in their own columns), so every rate recomputes from the row
        row = DimensionRow(
            name=name,
            n=figures.level_n or sum(nps_counts) or figures.yes_n,
            counts={level: figures.counts.get(level, 0) for level in (5, 4, 3, 2, 1)},
            promoters=nps_counts[0],
            passives=nps_counts[1],
            detractors=nps_counts[2],
            yes=figures.yes,
            no=figures.yes_n - figures.yes,
        )
        change = changes.get(name)
        if change is not None and change.previous is not None:
            prev = change.previous
            row.metric = change.metric
            row.previous, row.previous_n = {
                "满意率": (prev.satisfaction, prev.level_n),
                "NPS": (prev.nps, prev.nps_n),
                "是占比": (prev.yes_share, prev.yes_n),
            }[change.metric]
            row.arrow, row.change = change.arrow, change.change
        elif change is not None:
            row.metric = change.metric
        return row

    rows = [row_of(statistics.OVERALL, total, all_nps)]
    rows += [row_of(d.dimension, d, nps.get(d.dimension, (0, 0, 0))) for d in dims]
    visits, invalid = _completed_visits(period)
    recovery = tasks.recovery_rate(period.start, period.end, today=today)
    summary = Summary(
        visits=visits,
        valid=visits - invalid,
        invalid=invalid,
        due=recovery.due,
        completed=recovery.completed,
        previous_label=comparison.previous.label,
        composite=total.composite,
    )
    return rows, summary


def _completed_visits(period: Period) -> tuple[int, int]:
    """(completed visits, of which invalid) in the period — ``statistics.overall``'s counts."""
    invalid = pw.fn.SUM(pw.Case(None, [(Visit.invalid == True, 1)], 0))  # noqa: E712
    n, bad = (
        Visit.select(pw.fn.COUNT(Visit.id), invalid)
        .where(*Scope(period=period).conditions(valid_only=False))
        .tuples()
        .get()
    )
    return int(n or 0), int(bad or 0)


def write_dimension_sheet(sheet: Sheet, rows: Sequence[DimensionRow], summary: Summary, notes=()) -> None:
    """The 维度统计 layout shared by the branch export and the consolidation."""
    sheet.widths(DIM_WIDTHS)
    sheet.freeze("B2")
    sheet.print_setup(fit_width=True)
    sheet.header(DIM_COLUMNS)
    for row in rows:
        rate_style = "dec1" if row.metric == "NPS" else "pct"
        change_style = "change1" if row.metric == "NPS" else "pct_change"
        values = [
            row.name,
            row.n,
            *(row.counts[level] for level in (5, 4, 3, 2, 1)),
            row.satisfaction,
            row.mean,
            row.promoters,
            row.passives,
            row.detractors,
            row.nps,
            row.yes,
            row.no,
            row.yes_share,
            row.metric or None,
            row.previous,
            row.previous_n if row.previous is not None else None,
            row.arrow or None,
            row.change,
        ]
        styles = [None, None, *[None] * 5, "pct", "dec2", None, None, None, "dec1", None, None, "pct"]
        styles += [None, rate_style, None, "center", change_style]
        if row.name == statistics.OVERALL:
            styles[0] = "bold"
        sheet.append(values, styles)
    last_table_row = sheet.rows
    sheet.auto_filter(1, len(DIM_COLUMNS), last_table_row)
    sheet.blank()
    overall = rows[0] if rows else DimensionRow(statistics.OVERALL)
    for label, value, style, extra in (
        (SUM_VISITS, summary.visits, None, None),
        (SUM_VALID, summary.valid, None, None),
        (SUM_INVALID, summary.invalid, None, "无效回访不计入任何统计"),
        (SUM_ANSWERS, overall.n, None, None),
        (SUM_SATISFACTION, overall.satisfaction, "pct", None),
        (SUM_MEAN, overall.mean, "dec2", None),
        (
            SUM_COMPOSITE,
            summary.composite if summary.composite is not None else composite_100(overall.mean),
            "dec1",
            "按题目权重加权" if summary.composite is not None else None,
        ),
        (SUM_NPS, overall.nps, "dec1", f"目标 ≥ {NPS_GOAL}"),
        (SUM_DUE, summary.due, None, None),
        (SUM_COMPLETED, summary.completed, None, None),
        (SUM_RECOVERY, summary.recovery, "pct", f"目标 ≥ {RECOVERY_TARGET:.0%}"),
        (SUM_PREVIOUS, summary.previous_label or None, None, "“较上期”比较的期间"),
    ):
        sheet.append([label, value, None, extra], ["bold", style, None, "note"])
    sheet.blank()
    sheet.note(DENOMINATOR_NOTE, INFO_DENOMINATOR)
    sheet.note(MEAN_NOTE, "平均分口径")
    sheet.note(NPS_NOTE, "NPS口径")
    sheet.note(RECOVERY_NOTE, "回收率口径")
    sheet.note(CHANGE_NOTE, "较上期口径")
    for label, text in notes:
        sheet.note(text, label)


def write_dimensions(sheet: Sheet, period: Period, today: date) -> None:
    rows, summary = dimension_rows(period, today)
    write_dimension_sheet(sheet, rows, summary)


# ---------------------------------------------------------------- 问题分类
def write_problem_header(sheet: Sheet, prefix: Sequence[str] = ()) -> None:
    sheet.widths([12] * len(prefix) + [16, 8, 9, 10])
    sheet.freeze("A2")
    sheet.print_setup(fit_width=True)
    sheet.header([*prefix, *PROBLEM_COLUMNS])


def write_problems(sheet: Sheet, period: Period) -> None:
    write_problem_header(sheet)
    rows = problems.pareto(period.start, period.end)
    for row in rows:
        sheet.append([row.name, row.count, row.share, row.cumulative], [None, None, "pct", "pct"])
    if not rows:
        sheet.append([EMPTY_PROBLEMS])
    sheet.auto_filter(1, len(PROBLEM_COLUMNS))
    total = sum(r.count for r in rows)
    sheet.blank()
    sheet.append([KPI_TOTAL, total], ["total", "total"])
    sheet.note(PROBLEM_NOTE)


# ---------------------------------------------------------------- 细分统计
SEGMENT_COLUMNS = (
    "细分维度",
    "分组",
    "有效回访",
    "有效样本",
    "非常满意+满意",
    "满意率",
    "平均分",
    "综合得分",
    "NPS样本",
    "NPS",
)
SEGMENT_NOTE = (
    "按客户类型、客户来源、服务类型、回访方式和服务工程师分组；有效样本为5级评分（含按模板折算的1–10分）回答数，"
    "满意率 = 非常满意+满意 ÷ 有效样本；综合得分按题目权重加权；二次回访和无效回访不计"
)


def write_segment_sheet(sheet: Sheet, segments: dict) -> None:
    """细分统计: 满意率, 平均分, 综合得分 and NPS per segment group; 满意率 recomputes from the
    counts next to it."""
    sheet.widths((12, 16, 9, 9, 12, 9, 9, 9, 9, 9))
    sheet.freeze("C2")
    sheet.print_setup(fit_width=True)
    sheet.header(SEGMENT_COLUMNS)
    for group, stats in segments.items():
        label = statistics.GROUPS[group]
        for g in stats:
            sheet.append(
                [
                    label,
                    sheet.text(g.group),
                    g.visits,
                    g.level_n,
                    g.counts.get(5, 0) + g.counts.get(4, 0),
                    g.satisfaction,
                    g.mean,
                    g.composite,
                    g.nps_n,
                    g.nps,
                ],
                [None, None, None, None, None, "pct", "dec2", "dec1", None, "dec1"],
            )
    sheet.blank()
    sheet.note(SEGMENT_NOTE)


# ---------------------------------------------------------------- 改进验证
VERIFY_COLUMNS = (
    "维度",
    "有效样本",
    *(LEVEL_NAMES[level] for level in (5, 4, 3, 2, 1)),
    "满意率",
    "是",
    "否",
    "是占比",
)
VERIFY_VISITS = "二次回访次数（有效）"
VERIFY_INVALID = "无效二次回访"
VERIFY_NOTE = metrics.VERIFICATION.definition  # the same text as the dashboard and 说明
EMPTY_VERIFY = "（本期没有二次回访）"


def write_verification_sheet(sheet: Sheet, figures) -> None:
    """改进验证: the period's verification visits, per dimension of the verification form; every
    rate recomputes from the counts next to it."""
    sheet.widths((16, 9, 9, 9, 9, 9, 11, 9, 9, 9, 9))
    sheet.freeze("B2")
    sheet.print_setup(fit_width=True)
    sheet.header(VERIFY_COLUMNS)
    for d in figures.dimensions:
        level_n = d.level_n
        n = level_n or d.yes_n
        sheet.append(
            [
                d.dimension,
                n,
                *(d.counts.get(level, 0) for level in (5, 4, 3, 2, 1)),
                d.satisfaction,
                d.yes if d.yes_n else None,
                d.yes_n - d.yes if d.yes_n else None,
                d.yes_share,
            ],
            [None, None, *[None] * 5, "pct", None, None, "pct"],
        )
    if not figures.dimensions:
        sheet.append([EMPTY_VERIFY])
    sheet.blank()
    sheet.append([VERIFY_VISITS, figures.visits], ["bold", None])
    sheet.append([VERIFY_INVALID, figures.invalid], ["bold", None])
    sheet.blank()
    sheet.note(VERIFY_NOTE)


# ---------------------------------------------------------------- 分渠道
CHANNEL_COLUMNS = (
    "渠道",
    "有效回访",
    "有效样本",
    "非常满意+满意",
    "满意率",
    "NPS样本",
    "NPS",
    "综合得分",
    "发放",
    "收回",
    "回收率",
    "回收率目标",
    "是否达标",
)


def write_channel_sheet(sheet: Sheet, rows) -> None:
    """分渠道 (``reporting.channels.channel_rows``): per channel 满意率, NPS, 综合得分 and 回收率,
    numbers as numbers; 满意率 and 回收率 recompute from the counts beside them."""
    sheet.widths((12, 9, 9, 12, 9, 9, 9, 9, 8, 8, 9, 11, 10))
    sheet.freeze("B2")
    sheet.print_setup(fit_width=True)
    sheet.header(CHANNEL_COLUMNS)
    for r in rows:
        sent = bool(r.sent)
        sheet.append(
            [
                sheet.text(r.channel),
                r.visits,
                r.level_n,
                r.satisfied,
                r.satisfaction,
                r.nps_n,
                r.nps,
                r.composite,
                r.sent if sent else None,
                r.returned if sent else None,
                r.recovery,
                r.goal if sent else None,
                r.verdict,
            ],
            [None, None, None, None, "pct", None, "dec1", "dec1", None, None, "pct", "pct", "center"],
        )
    if not rows:
        sheet.append(["（本期没有回访，也没有发放问卷）"])
    sheet.blank()
    sheet.note(CHANNEL_NOTE)
