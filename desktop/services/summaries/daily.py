"""日报 (the daily summary): yesterday's visits, problems and the overdue items, on one page.

Seed 000: "每日回访结束后，24小时内完成当日数据汇总，按维度对问题进行分类统计，计算各维度满意度得分"
— the morning after, the 工作台 shows the summary of the day before and prints it.

Nothing is counted here: the figures come from the services that own them — ``statistics``
(visits, the satisfaction rate per dimension, NPS), ``report.method_counts`` (回访方式),
``problems`` (negative visits, the categories, the customers' words), ``tasks`` (today's and
overdue visit tasks), ``appointments`` (the visits to book in advance) and ``improvement``
(overdue actions). ``daily_figures`` gives the band on the 工作台; ``build_daily`` the printed
page as a ``report.ReportDoc`` (painted by ``views.report_render``, as the period report).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from ..admin import settings as app_settings
from ..common.validation import mask_name
from ..improvement import flow
from ..reporting import problems, statistics
from ..reporting.periods import range_period
from ..reporting.statistics import Filters
from ..scheduling import appointments, tasks
from .report import method_counts
from .report_doc import NO_DATA, Grid, Paragraph, ReportDoc, Section, Table, day_text, mask_quote

LIST_LIMIT = 8  # rows of each overdue list on the page (the rest are counted): one A4 page
QUOTE_CATEGORIES = 3  # categories quoted with the customers' words (the day's TOP3)
SECTION_TITLES = ("概况", "各维度满意度", "问题分类", "逾期事项", "今日待办")


@dataclass(frozen=True)
class DailyFigures:
    """The figures of one day's 日报 (``day``), as they stand on ``today``."""

    day: date
    today: date
    overall: statistics.Overall
    dimensions: list[statistics.DimensionStat]
    methods: list[tuple[str, int]]
    negative: int  # visits of the day with negative feedback
    untagged: int  # … of them not given a problem category yet
    pareto: list[problems.ParetoRow]
    quotes: dict[int, list[str]]  # category id → the customers' words (masked)
    overdue_tasks: int
    overdue_task_rows: list[tuple] = field(repr=False)  # tasks.search_tasks rows, latest first
    overdue_actions: list = field(repr=False)  # flow.overdue(today)
    today_tasks: int = 0
    to_book: int = 0  # visits to book 1–2 working days ahead (appointments)

    @property
    def satisfied(self) -> int:
        """非常满意 + 满意 answers of the day (the satisfaction rate's numerator)."""
        return self.overall.counts.get(5, 0) + self.overall.counts.get(4, 0)

    def line(self) -> str:
        """One line for the 工作台 band."""
        o = self.overall
        rate = (
            f"满意率 {o.satisfaction:.1%}（{self.satisfied}/{o.level_n}）"
            if o.satisfaction is not None
            else "无满意度评价"
        )
        problem = f"不满意 {self.negative} 份" + (f"（{self.untagged} 份待归类）" if self.untagged else "")
        return (
            f"{self.day:%m-%d} 回访 {o.valid} 份，{rate}，{problem}；"
            f"逾期任务 {self.overdue_tasks} 个，逾期改进措施 {len(self.overdue_actions)} 项；"
            f"今日待回访 {self.today_tasks} 个，需提前预约 {self.to_book} 个"
        )


def daily_figures(day: date | None = None, *, today: date | None = None) -> DailyFigures:
    """The 日报 of ``day`` (default: yesterday) as seen on ``today`` (default: the day after)."""
    today = today or date.today()
    day = day or today - timedelta(days=1)
    flt = Filters(period=range_period(day, day))
    pareto = problems.pareto(flt)
    top = problems.propose_top3(flt, words=False) if pareto else []
    quotes = {p.category_id: [mask_quote(q, []) for q in p.quotes[:1]] for p in top[:QUOTE_CATEGORIES]}
    overdue_filter = tasks.TaskFilter(bucket="逾期")
    return DailyFigures(
        day=day,
        today=today,
        overall=statistics.overall(flt, today=today),
        dimensions=statistics.dimension_stats(flt),
        methods=method_counts(flt),
        negative=problems.count_negative(flt),
        untagged=problems.count_untagged(flt),
        pareto=pareto,
        quotes=quotes,
        overdue_tasks=tasks.count_tasks(overdue_filter, today=today),
        overdue_task_rows=tasks.search_tasks(overdue_filter, limit=LIST_LIMIT, sort="latest", today=today),
        overdue_actions=flow.overdue(today),
        today_tasks=tasks.count_tasks(tasks.TaskFilter(bucket="今日"), today=today),
        to_book=appointments.count_due(today),
    )


# ---------------------------------------------------------------- the printed page
def daily_title(day: date) -> str:
    return f"{day_text(day)}回访日报"


def _pct(rate: float | None) -> str:
    return NO_DATA if rate is None else f"{rate * 100:.1f}"


def _overview(f: DailyFigures) -> Section:
    o = f.overall
    methods = "、".join(f"{m} {n} 份" for m, n in f.methods) or "无"
    rate = f"{_pct(o.satisfaction)}%（{f.satisfied}/{o.level_n}）" if o.satisfaction is not None else NO_DATA
    nps = f"{o.nps:.0f}（n={o.nps_n}）" if o.nps is not None else NO_DATA
    grid = Grid(
        [
            ("完成回访", f"{o.visits} 份"),
            ("有效 / 无效", f"{o.valid} / {o.invalid} 份"),
            ("满意率", rate),
            ("NPS", nps),
            ("回访方式", methods),
        ],
        wide={"回访方式"},
    )
    blocks: list = [grid]
    if not o.visits:
        blocks.append(Paragraph(f"{day_text(f.day)}没有完成的回访。", "note"))
    return Section("一", SECTION_TITLES[0], blocks)


def _dimensions(f: DailyFigures) -> Section:
    rows = []
    for d in f.dimensions:
        if not d.level_n:
            continue
        satisfied = d.counts.get(5, 0) + d.counts.get(4, 0)
        mean = f"{d.mean:.2f}" if d.mean is not None else NO_DATA
        rows.append([d.dimension, str(d.level_n), str(satisfied), _pct(d.satisfaction), mean])
    blocks: list = []
    if rows:
        blocks.append(
            Table(
                ["维度", "有效回答", "非常满意+满意", "满意度（%）", "平均分（满分5分）"],
                rows,
                [3, 2, 2.4, 2, 2.4],
                ["left", "right", "right", "right", "right"],
            )
        )
        blocks.append(Paragraph("满意度 =（非常满意数 + 满意数）÷ 有效回答数 × 100%", "note"))
    else:
        blocks.append(Paragraph("当天没有满意度评价。", "note"))
    return Section("二", SECTION_TITLES[1], blocks)


def _problems(f: DailyFigures) -> Section:
    text = f"不满意回访 {f.negative} 份"
    text += f"，其中 {f.untagged} 份尚未归类（请在“问题分析”中归类）。" if f.untagged else "。"
    blocks: list = [Paragraph(text)]
    if f.pareto:
        rows = [
            [r.name, str(r.count), f"{r.share_pct:.0f}", "；".join(f.quotes.get(r.category_id, []))]
            for r in f.pareto
        ]
        blocks.append(
            Table(
                ["问题分类", "次数", "占比（%）", "客户原话举例"],
                rows,
                [2.6, 1.2, 1.5, 7.5],
                ["left", "right", "right", "left"],
            )
        )
    return Section("三", SECTION_TITLES[2], blocks)


def _more(total: int, shown: int) -> Paragraph | None:
    return Paragraph(f"另有 {total - shown} 项未列出，详见系统。", "note") if total > shown else None


def _overdue(f: DailyFigures) -> Section:
    blocks: list = [
        Paragraph(f"逾期回访任务 {f.overdue_tasks} 个，逾期改进措施 {len(f.overdue_actions)} 项。")
    ]
    if f.overdue_task_rows:
        rows = [
            [mask_name(r[1]), r[5], r[7].isoformat() if r[7] else "", r[8] or "未分配", str(r[10])]
            for r in f.overdue_task_rows
        ]
        blocks.append(
            Table(
                ["客户", "触发原因", "窗口截止", "负责人", "尝试次数"],
                rows,
                [2, 3, 2, 2, 1.5],
                caption="逾期回访任务",
            )
        )
        blocks.append(_more(f.overdue_tasks, len(rows)))
    if f.overdue_actions:
        shown = f.overdue_actions[:LIST_LIMIT]
        rows = [
            [
                mask_quote(a.problem, []),
                a.department,
                mask_name(a.owner),
                a.deadline.isoformat() if a.deadline else "",
                a.status,
            ]
            for a in shown
        ]
        blocks.append(
            Table(
                ["问题描述", "责任部门", "责任人", "完成时限", "落实情况"],
                rows,
                [5, 2, 1.5, 2, 1.5],
                caption="逾期改进措施",
            )
        )
        blocks.append(_more(len(f.overdue_actions), len(shown)))
    return Section("四", SECTION_TITLES[3], [b for b in blocks if b is not None])


def _today(f: DailyFigures) -> Section:
    text = f"今日（{day_text(f.today)}）待回访 {f.today_tasks} 个；需提前 1–2 天预约的回访 {f.to_book} 个。"
    return Section("五", SECTION_TITLES[4], [Paragraph(text)])


def build_daily(day: date | None = None, *, today: date | None = None) -> ReportDoc:
    """The printed 日报 of ``day`` (default: yesterday), as seen on ``today``."""
    f = daily_figures(day, today=today)
    return ReportDoc(
        title=daily_title(f.day),
        company=str(app_settings.get("company_name") or ""),
        period=range_period(f.day, f.day),
        team=None,
        generated_on=f.today,
        sections=[_overview(f), _dimensions(f), _problems(f), _overdue(f), _today(f)],
        logo=str(app_settings.get("company_logo") or ""),
        subtitle=f"日期：{day_text(f.day)}    编制日期：{day_text(f.today)}",
    )
