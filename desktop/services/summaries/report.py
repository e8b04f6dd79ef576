"""The period report (客户满意度调查与改进报告): one plain document assembled from the services.

``build_report(filters, today=…)`` returns a :class:`ReportDoc` — sections holding paragraphs,
tables (header + rows of texts), key–value grids and chart series — that
``desktop.views.printing.report_render`` paints for the print preview, the printer and the PDF, and that
tests read directly. Nothing here imports Qt or matplotlib; every figure comes from
``statistics``, ``problems``, ``improvement``, ``kpi`` and ``scoring``.

Sections (the structure of the report template in the seeds):

1. 报告基本信息 — 报告名称, 编制部门 (company name), 编制日期, 调查周期, 统计范围;
2. 调查概述 — orders and customers served in the period, the sample (visits), methods with
   counts, 回收率 against 70%, valid / invalid questionnaires;
3. 满意度分析 — per dimension 平均分 / 满意度占比 / 较上期变化, the denominator note, NPS against
   its goal, charts (dimension bars with the change, monthly trend, Pareto), the teams and the
   三方评价对比 (工长自评 / 调度 / 管理人员, ``report_evaluators``);
4. 核心问题 — the TOP3 problems with customers' own words (names and phone numbers masked);
5. 改进措施与责任分工 — the improvement actions about the period's feedback, with their status;
6. 质量评价 — the period's KPI scorecards (total and grade), or a note when there is none.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import peewee as pw

from desktop.models import ActionVisit, Customer, ImprovementAction, ServiceOrder, Visit

from ..admin import settings as app_settings
from ..common.errors import UserError
from ..improvement import flow, improvement
from ..kpi import comparison as kpi_comparison
from ..kpi import kpi
from ..reporting import metrics, periods, problems
from ..reporting.periods import Period
from ..reporting.scoring import DENOMINATOR_NOTE, NPS_GOAL, RECOVERY_TARGET
from ..reporting.statistics import (
    GROUPS,
    OVERALL,
    Comparison,
    Filters,
    Overall,
    by_group,
    compare,
    monthly_trend,
    overall,
    segments,
    verification_figures,
)
from .report_channels import channel_blocks
from .report_doc import (
    NO_DATA,
    Block,
    Chart,
    Grid,
    Paragraph,
    ReportDoc,
    Section,
    Series,
    Table,
    change_text,
    day_text,
    iso,
    mask_quote,
    pct,
    period_span,
    period_words,
    report_title,
    score,
    versus_previous,
)
from .report_evaluators import evaluator_blocks

ALL_TEAMS_LABEL = "全部班组"
SAMPLE_MIN = 0.10  # the sample should be at least 10% of the customers served
COMPOSITE_GOAL = 90
QUOTES_PER_PROBLEM = 2
MONTHS_MIN = 12
MONTHS_MAX = 24

SECTION_TITLES = ("报告基本信息", "调查概述", "满意度分析", "核心问题", "改进措施与责任分工", "质量评价")
SATISFACTION_HEADER = ("维度", "平均分（满分5分）", "满意度占比（%）", "较上期变化")
PROBLEM_HEADER = ("问题分类", "客户原话举例", "出现频次")
ACTION_HEADER = ("问题编号", "问题描述", "改进措施", "责任部门", "责任人", "完成时间", "预期效果", "状态")
KPI_HEADER = ("评价周期", "评价对象", "总分", "等级", "较上期", "需根因分析的指标")

# chart kinds (how report_render draws them)
DIMENSION_BARS = "dimension_bars"
TREND = "trend"
PARETO = "pareto"

Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------- queries of this report
def _order_scope(flt: Filters):
    start = datetime.combine(flt.period.start, datetime.min.time())
    stop = datetime.combine(flt.period.end + timedelta(days=1), datetime.min.time())
    query = ServiceOrder.select().where(ServiceOrder.completed_at >= start, ServiceOrder.completed_at < stop)
    if flt.team is not None:
        query = query.where(ServiceOrder.team == flt.team)
    return query


def served(flt: Filters) -> tuple[int, int]:
    """(orders completed in the period, distinct customers of them) — the survey's population."""
    query = _order_scope(flt)
    orders = query.count()
    customers = (
        _order_scope(flt).select(pw.fn.COUNT(ServiceOrder.customer.distinct())).scalar() if orders else 0
    )
    return orders, int(customers or 0)


def _visit_scope(flt: Filters, *, completed: bool = True):
    """The completed visits the report describes (valid and invalid, not verification visits:
    the reporting ``Scope``); with ``completed`` False every visit of the period and team."""
    if completed:
        return flt.conditions(valid_only=False)
    terms = [Visit.visit_date >= flt.period.start, Visit.visit_date <= flt.period.end]
    if flt.team is not None:
        terms.append(
            Visit.order.in_(ServiceOrder.select(ServiceOrder.id).where(ServiceOrder.team == flt.team))
        )
    return terms


def method_counts(flt: Filters) -> list[tuple[str, int]]:
    """(回访方式, completed visits) in the period, most used first."""
    n = pw.fn.COUNT(Visit.id)
    query = (
        Visit.select(Visit.method, n)
        .where(*_visit_scope(flt))
        .group_by(Visit.method)
        .order_by(n.desc(), Visit.method)
        .tuples()
    )
    return [(method or "未填写", int(count)) for method, count in query]


def sampled_customers(flt: Filters) -> int:
    return int(Visit.select(pw.fn.COUNT(Visit.customer.distinct())).where(*_visit_scope(flt)).scalar() or 0)


def period_action_ids(flt: Filters) -> list[int]:
    """Improvement actions about the period: linked to a visit of the period (in the team's
    orders when a team is chosen), or created in the period (for a team: its own department)."""
    linked = (
        ActionVisit.select(ActionVisit.action)
        .join(Visit, on=(ActionVisit.visit == Visit.id))
        .where(*_visit_scope(flt, completed=False))
    )
    start = datetime.combine(flt.period.start, datetime.min.time())
    stop = datetime.combine(flt.period.end + timedelta(days=1), datetime.min.time())
    created = (ImprovementAction.created_at >= start) & (ImprovementAction.created_at < stop)
    if flt.team is not None:
        created &= ImprovementAction.department == flt.team
    query = ImprovementAction.select(ImprovementAction.id).where(ImprovementAction.id.in_(linked) | created)
    return [row[0] for row in query.tuples()]


def _customer_names(visit_ids: list[int]) -> list[str]:
    names: list[str] = []
    for start in range(0, len(visit_ids), 400):
        chunk = visit_ids[start : start + 400]
        query = Customer.select(Customer.name).join(Visit, on=(Visit.customer == Customer.id))
        names.extend(r[0] for r in query.where(Visit.id.in_(chunk)).tuples())
    return names


# ---------------------------------------------------------------- sections
@dataclass
class _Context:
    flt: Filters
    today: date
    figures: Overall | None = None
    comparison: Comparison | None = None
    proposals: list = field(default_factory=list)


def _info_section(ctx: _Context, company: str, title: str) -> Section:
    """报告名称, 编制部门 and 负责人 (设置 → 基本设置; the department falls back on the company name),
    编制日期, 调查周期, 统计范围."""
    flt = ctx.flt
    department = str(app_settings.get("report_department") or "").strip() or company
    owner = str(app_settings.get("report_owner") or "").strip()
    items = [
        ("报告名称", title),
        ("编制部门", department or "（未设置：设置 → 报告编制部门）"),
        ("负责人", owner or "（未设置：设置 → 报告负责人）"),
        ("编制日期", day_text(ctx.today)),
        ("统计范围", flt.team or ALL_TEAMS_LABEL),
        ("调查周期", period_span(flt.period)),
    ]
    return Section("一", "报告基本信息", [Grid(items, per_row=2, wide={"报告名称", "调查周期"})])


def _overview_section(ctx: _Context) -> Section:
    flt = ctx.flt
    label = period_words(flt.period)
    figures = overall(flt, today=ctx.today)
    orders, customers = served(flt)
    sampled = sampled_customers(flt)
    methods = method_counts(flt)
    recovery = figures.recovery

    team_words = f"“{flt.team}”负责的" if flt.team else ""
    scope = f"{label}内完成的{team_words}服务工单 {orders} 张，涉及客户 {customers} 名（按工单完成时间统计）"
    if customers:
        share = sampled / customers
        verdict = "达到" if share >= SAMPLE_MIN else "低于"
        sample = (
            f"完成回访 {figures.visits} 次，覆盖客户 {sampled} 名，占服务客户的 {share:.1%}"
            f"（{verdict}不少于 {SAMPLE_MIN:.0%} 的抽样要求）"
        )
    else:
        sample = f"完成回访 {figures.visits} 次，覆盖客户 {sampled} 名（本期没有完成的服务工单可作比较）"
    method_text = "；".join(f"{m} {n} 次" for m, n in methods) or "本期没有完成的回访"
    if recovery.rate is None:
        recovery_text = f"本期没有到期的回访任务（目标 ≥{RECOVERY_TARGET:.0%}）"
    else:
        verdict = "达标" if recovery.met else "未达标"
        recovery_text = (
            f"{recovery.rate:.1%}（已完成 {recovery.completed} / 应回访 {recovery.due}，"
            f"目标 ≥{RECOVERY_TARGET:.0%}，{verdict}）"
        )
        if not figures.recovery_matches_filters:
            recovery_text += "；回收率按全部班组的回访任务计算"
    validity = (
        f"有效 {figures.valid} 份，无效 {figures.invalid} 份"
        f"（规律性填写、关键项缺失等无效问卷已剔除，不计入任何统计）"
    )
    purpose = f"评估{label}客户对售后服务的满意度，找出服务短板，确定需优先解决的问题并落实改进责任。"
    table = Table(
        header=["项目", "内容"],
        rows=[
            ["调查目标", purpose],
            ["调查范围", scope],
            ["样本量", sample],
            ["调查方式", method_text],
            ["回收率", recovery_text],
            *[[name, text] for name, text in followup_lines(flt, ctx.today)],
            ["有效问卷", validity],
        ],
        widths=[1.0, 6.0],
        align=["center", "left"],
    )
    blocks: list[Block] = [table]
    if figures.visits == 0:
        blocks.append(Paragraph(f"{label}没有已完成的回访记录，以下各项满意度指标均无数据。", "note"))
    ctx.figures = figures
    return Section("二", "调查概述", blocks)


def followup_lines(flt, today) -> list[tuple[str, str]]:
    """回收率 per channel, 投诉率 and 投诉处理及时率 per level (``followup_figures``)."""
    from datetime import datetime

    from ..reporting.followup_figures import report_lines

    return report_lines(flt, datetime.combine(today, datetime.max.time())) if flt.period is not None else []


def _rated(change) -> bool:
    """Rows of the satisfaction table: dimensions with 5-level (or 1–10) answers."""
    return any(f is not None and f.level_n for f in (change.current, change.previous))


def _satisfaction_section(ctx: _Context) -> Section:
    flt = ctx.flt
    figures = ctx.figures
    comparison = compare(flt)
    ctx.comparison = comparison
    rows, bold = [], set()
    for change in comparison.rows:
        if not _rated(change):
            continue
        cur = change.current
        if change.dimension == OVERALL:
            bold.add(len(rows))
        rows.append(
            [
                "总体满意度" if change.dimension == OVERALL else change.dimension,
                score(cur.mean if cur else None),
                pct(cur.satisfaction if cur else None),
                change_text(change.arrow, change.change, change.metric) if cur else "本期无回答",
            ]
        )
    if not rows:
        rows.append(["（本期和上期都没有满意度评分）", NO_DATA, NO_DATA, NO_DATA])
    table = Table(
        header=list(SATISFACTION_HEADER),
        rows=rows,
        widths=[2.2, 1.6, 1.6, 2.0],
        align=["left", "center", "center", "center"],
        caption=f"表1 各维度满意度（{period_words(flt.period)}，与{period_words(comparison.previous)}比较）",
        bold_rows=bold,
    )
    blocks: list[Block] = []
    blocks.extend(_summary_paragraphs(ctx, comparison, figures))
    blocks.append(table)
    blocks.append(Paragraph(f"注：{DENOMINATOR_NOTE}。“总体满意度”汇总全部维度的有效回答。", "note"))
    blocks.append(Paragraph(metrics.COMPOSITE.definition + "。", "note"))
    blocks.append(
        Paragraph(
            "平均分按 5 分制计（非常满意 5 … 非常不满意 1；1–10 分题按分段折算）；"
            "较上期变化为满意度占比的差值（百分点），±0.5 个百分点以内记为持平（→）。",
            "note",
        )
    )

    # NPS and yes/no dimensions
    blocks.append(Paragraph("净推荐值（NPS）", "subheading"))
    nps_rows = [c for c in comparison.rows if c.metric == "NPS"]
    if figures.nps is None:
        blocks.append(Paragraph(f"本期没有“推荐意愿”（0–10 分）的回答，无法计算 NPS（目标 ≥{NPS_GOAL}）。"))
    else:
        verdict = "达到" if figures.nps >= NPS_GOAL else "未达到"
        change = nps_rows[0] if nps_rows else None
        tail = ""
        if change is not None and change.arrow:
            tail = f"，{versus_previous(change.arrow, change.change, 'NPS')}"
        blocks.append(
            Paragraph(
                f"NPS = {figures.nps:.1f}（基于 {figures.nps_n} 条 0–10 分推荐意愿回答）{tail}；"
                f"目标 ≥{NPS_GOAL}，{verdict}目标。NPS = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比。"
            )
        )
    for change in comparison.rows:
        if change.metric == "是占比" and change.current is not None and change.current.yes_n:
            cur = change.current
            blocks.append(
                Paragraph(
                    f"{change.dimension}：回答“是”的占 {cur.yes_share:.1%}（{cur.yes}/{cur.yes_n}），"
                    f"{versus_previous(change.arrow, change.change)}。"
                )
            )

    # charts
    blocks.append(Paragraph("图表分析", "subheading"))
    blocks.append(_dimension_chart(comparison))
    blocks.append(_trend_chart(flt))
    blocks.append(_pareto_chart(flt))

    # teams (or engineers within one team)
    group, word = ("engineer", "服务工程师") if flt.team else ("team", "责任部门/班组")
    groups = [g for g in by_group(flt, group) if g.visits]
    if groups:
        blocks.append(Paragraph(f"各{word}满意度", "subheading"))
        blocks.append(
            Table(
                header=[word, "有效回访", "平均分", "满意度占比（%）", "NPS"],
                rows=[
                    [g.group, str(g.visits), score(g.mean), pct(g.satisfaction), score(g.nps, 1)]
                    for g in groups
                ],
                widths=[2.4, 1.2, 1.2, 1.5, 1.2],
                align=["left", "center", "center", "center", "center"],
                caption=f"表2 各{word}满意度对比",
            )
        )
    blocks.extend(goal_blocks(flt))
    blocks.extend(segment_blocks(flt))
    blocks.extend(evaluator_blocks(flt))  # 工长自评 beside the 调度 and 管理人员 phone visits
    blocks.extend(channel_blocks(flt))  # 满意率 by 回访方式 beside 回收率 by 发放渠道
    return Section("三", "满意度分析", blocks)


def goal_blocks(flt: Filters) -> list[Block]:
    """本期目标 against the period's figures (services.goals), when targets were set."""
    from ..kpi import goals

    if flt.period is None or not goals.targets(flt.period):
        return []
    rows = goals.goal_rows(flt)
    return [
        Table(
            header=["指标", "目标", "实际", "达成情况", "计算依据"],
            rows=[[r.metric.name, r.target_text, r.text(r.actual), r.status, r.basis] for r in rows],
            widths=[1.4, 1.3, 1.2, 1.2, 3.0],
            align=["left", "center", "center", "center", "left"],
            caption=f"表2-0 本期目标达成（{goals.summary(rows)}）",
            marked={(i, 3) for i, r in enumerate(rows) if r.met is False},
        )
    ]


SEGMENT_HEADER = ("细分", "分组", "有效回访", "满意度占比（%）", "NPS", "综合得分")
SEGMENT_ROWS = 8  # groups shown per segment (the most visited)


def segment_blocks(flt: Filters) -> list[Block]:
    """满意率, NPS and 综合得分 by customer group, 客户来源, service type, channel and engineer."""
    rows = []
    for group, stats in segments(flt).items():
        shown = [g for g in stats if g.visits][:SEGMENT_ROWS]
        if len(shown) < 2:  # one group only: nothing to compare
            continue
        for g in shown:
            rows.append(
                [
                    GROUPS[group],
                    g.group,
                    str(g.visits),
                    pct(g.satisfaction),
                    score(g.nps, 1),
                    score(g.composite, 1),
                ]
            )
    if not rows:
        return []
    return [
        Paragraph("客户细分满意度", "subheading"),
        Table(
            header=list(SEGMENT_HEADER),
            rows=rows,
            widths=[1.4, 2.0, 1.1, 1.5, 1.0, 1.1],
            align=["left", "left", "center", "center", "center", "center"],
            caption="表2-1 各客户细分的满意度、NPS 和综合得分",
            font_pt=8.5,
        ),
    ]


def _summary_paragraphs(ctx: _Context, comparison: Comparison, figures) -> list[Block]:
    if figures.level_n == 0:
        return [Paragraph("本期没有有效的满意度评分，无法进行满意度分析。")]
    total = comparison.rows[0]
    parts = [
        f"{period_words(ctx.flt.period)}总体满意度 {pct(figures.satisfaction)}%，平均分 {score(figures.mean)} 分"
    ]
    if total.arrow:
        parts.append(f"较{period_words(comparison.previous)}{change_text(total.arrow, total.change)}")
    composite = figures.composite  # 权重-weighted (weight 0: not counted)
    if composite is not None:
        parts.append(
            f"折合百分制综合得分 {composite:.1f} 分（长期目标 ≥{COMPOSITE_GOAL} 分，"
            f"{'已达到' if composite >= COMPOSITE_GOAL else '尚未达到'}）"
        )
    text = "，".join(parts) + "。"
    rated = [c for c in comparison.rows[1:] if c.current is not None and c.current.level_n]
    if rated:
        worst = min(rated, key=lambda c: (c.current.satisfaction, c.current.mean or 0))
        text += f"满意度最低的维度是“{worst.dimension}”（{pct(worst.current.satisfaction)}%）"
        falling = [c for c in rated if c.arrow == "↓"]
        if falling:
            steepest = min(falling, key=lambda c: c.change)
            text += f"，下降最多的是“{steepest.dimension}”（{change_text(steepest.arrow, steepest.change)}）"
        text += "。"
    return [Paragraph(text)]


def _dimension_chart(comparison: Comparison) -> Chart:
    rows = [c for c in comparison.rows if _rated(c)]
    names = ["总体" if c.dimension == OVERALL else c.dimension for c in rows]

    def rate(f):
        return None if f is None or f.satisfaction is None else round(f.satisfaction * 100, 1)

    labels = []
    for c in rows:
        if c.arrow and c.change is not None:
            labels.append("→" if c.arrow == "→" else f"{c.arrow}{abs(c.change) * 100:.1f}")
        else:
            labels.append("")
    return Chart(
        kind=DIMENSION_BARS,
        title=f"图1 各维度满意度占比：{period_words(comparison.period)}与{period_words(comparison.previous)}",
        categories=names,
        series=[
            Series(period_words(comparison.period), [rate(c.current) for c in rows]),
            Series(period_words(comparison.previous), [rate(c.previous) for c in rows]),
        ],
        y_label="满意度占比（%）",
        labels=labels,
        empty_text="本期和上期都没有满意度评分",
        height_mm=66.0,
    )


def _trend_months(period: Period) -> int:
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
    return min(max(MONTHS_MIN, months), MONTHS_MAX)


def _trend_chart(flt: Filters) -> Chart:
    trend = monthly_trend(flt, _trend_months(flt.period))
    inside = [
        i for i, m in enumerate(trend.months) if m.end >= flt.period.start and m.start <= flt.period.end
    ]

    def as_pct(values):
        return [None if v is None else round(v * 100, 1) for v in values]

    whole = len(inside) == len(trend.months)
    series = [Series("总体", as_pct(trend.overall))]
    series += [Series(d, as_pct(trend.satisfaction[d])) for d in trend.dimensions if d not in trend.nps]
    return Chart(
        kind=TREND,
        title=(
            f"图2 {period_words(flt.period)}各月满意度占比趋势"
            if whole
            else f"图2 近{len(trend.months)}个月满意度占比趋势（阴影为本报告期）"
        ),
        categories=[f"{m.start.year}年{m.start.month}月" for m in trend.months],
        series=series,
        y_label="满意度占比（%）",
        highlight=(inside[0], inside[-1]) if inside and not whole else None,
        empty_text="近期没有满意度评分",
        height_mm=84.0 if len(series) > 2 else 66.0,  # one small panel per line (drawing)
    )


def _pareto_chart(flt: Filters) -> Chart:
    rows = problems.pareto(flt)
    return Chart(
        kind=PARETO,
        title="图3 负面反馈问题分类帕累托图",
        categories=[r.name for r in rows],
        series=[
            Series("出现次数", [float(r.count) for r in rows]),
            Series("累计占比（%）", [round(r.cumulative_pct, 1) for r in rows]),
        ],
        y_label="出现次数",
        reference=80.0,
        reference_label="80%",
        empty_text="本期没有已归类的负面反馈",
        height_mm=58.0,
    )


def _problems_section(ctx: _Context) -> Section:
    flt = ctx.flt
    matrix = problems.pain_matrix(flt)
    proposals = problems.propose_top3(flt, matrix=matrix, words=False)
    ctx.proposals = proposals
    blocks: list[Block] = []
    feedback = matrix.feedback_total if matrix.rows else problems.count_feedback(flt)
    untagged = problems.count_untagged(flt)
    intro = f"本期负面反馈 {feedback} 条，涉及 {len(matrix.rows)} 个问题分类。"
    if untagged:
        intro += f"另有 {untagged} 条负面反馈尚未归类，未计入下表，请在“问题分析”页面补充分类。"
    if not proposals:
        blocks.append(Paragraph(intro + "本期没有需要列为核心问题的已归类反馈。"))
        return Section("四", "核心问题", blocks)
    intro += "按出现频次和客户痛感（情绪与评分）综合排序，需优先解决的问题如下："
    blocks.append(Paragraph(intro))
    used: set[str] = set()
    rows = []
    for p in proposals:
        names = _customer_names(p.visit_ids)
        fresh = [q for q in p.quotes if q not in used] or list(p.quotes)
        chosen = fresh[:QUOTES_PER_PROBLEM]
        used.update(chosen)
        quotes = "\n".join(f"“{mask_quote(q, names)}”" for q in chosen) or "（客户未留下文字意见）"
        rows.append([p.name, quotes, str(p.count)])
    blocks.append(
        Table(
            header=list(PROBLEM_HEADER),
            rows=rows,
            widths=[1.6, 5.0, 1.0],
            align=["center", "left", "center"],
            caption="表3 核心问题反馈（定性）",
        )
    )
    blocks.append(Paragraph("判定依据", "subheading"))
    for p in proposals:
        blocks.append(Paragraph(f"{p.rank}. {p.name}（{p.quadrant}）：{p.reason}。", "bullet"))
    blocks.append(Paragraph(problems.PAIN_FORMULA, "note"))
    return Section("四", "核心问题", blocks)


def _status_text(action: ImprovementAction, today: date) -> str:
    text = action.status
    if action.status == improvement.CLOSED and action.closed_on:
        text += f"({action.closed_on:%Y-%m-%d})"
    elif action.status in (improvement.DONE, improvement.VERIFYING) and action.completed_on:
        text += f"（{action.completed_on:%Y-%m-%d}完成）"
    if flow.is_overdue(action.status, action.deadline, today):
        text += f"，已逾期{(today - action.deadline).days}天"
    return text


def _actions_section(ctx: _Context) -> Section:
    flt, today = ctx.flt, ctx.today
    ids = period_action_ids(flt)
    actions = list(
        ImprovementAction.select().where(ImprovementAction.id.in_(ids or [0])).order_by(ImprovementAction.id)
    )
    rank = {p.category_id: p.rank for p in ctx.proposals}
    actions.sort(key=lambda a: (rank.get(a.category_id, 9), a.deadline or date.max, a.id))
    rows, marked = [], set()
    for n, a in enumerate(actions, start=1):
        late = flow.is_overdue(a.status, a.deadline, today)
        if late:
            marked.add((n - 1, 7))
        rows.append(
            [
                f"{n:02d}",
                a.problem,
                a.measure,
                a.department,
                a.owner,
                iso(a.deadline),
                a.expected_effect,
                _status_text(a, today),
            ]
        )
    blocks: list[Block] = []
    if not actions and not ctx.proposals:
        blocks.append(Paragraph("本期没有与回访反馈相关的改进措施。"))
    elif not actions:
        blocks.append(Paragraph("本期反馈尚未制定改进措施。请在“问题分析”页面为核心问题制定改进措施。"))
    else:
        counts: dict[str, int] = {}
        for a in actions:
            counts[a.status] = counts.get(a.status, 0) + 1
        parts = "、".join(f"{s} {counts[s]} 项" for s in improvement.ACTION_STATUSES if s in counts)
        late = len(marked)
        text = f"与本期反馈相关的改进措施共 {len(actions)} 项：{parts}"
        text += f"；其中 {late} 项已超过完成时间，需督办。" if late else "；没有逾期项。"
        blocks.append(Paragraph(text))
        blocks.append(
            Table(
                header=list(ACTION_HEADER),
                rows=rows,
                widths=[1.0, 3.3, 3.9, 1.6, 1.3, 1.9, 2.8, 2.0],
                align=["center", "left", "left", "center", "center", "center", "left", "center"],
                caption="表4 改进措施与责任分工",
                marked=marked,
                font_pt=8.5,
            )
        )
    covered = {a.category_id for a in actions}
    missing = [p.name for p in ctx.proposals if p.category_id not in covered]
    if missing:
        blocks.append(
            Paragraph(f"核心问题“{'”“'.join(missing)}”尚无对应的改进措施，请尽快明确措施、责任人和完成时间。")
        )
    blocks.append(
        Paragraph(
            "状态说明：未启动 → 进行中 → 已完成 → 效果验证中（完成后一周内对反馈客户二次回访）→ 已闭环；"
            "验证未通过的措施退回“进行中”。",
            "note",
        )
    )
    blocks.extend(verification_blocks(flt))
    return Section("五", "改进措施与责任分工", blocks)


VERIFY_HEADING = "改进验证（二次回访）"
VERIFY_HEADER = ("验证项目", "有效样本", "满意/是", "占比（%）")


def verification_blocks(flt: Filters) -> list[Block]:
    """改进验证: the period's verification visits, apart from the period's 满意率 (they measure
    the improvement actions)."""
    figures = verification_figures(flt)
    blocks: list[Block] = [Paragraph(VERIFY_HEADING, "subheading")]
    if figures.empty:
        blocks.append(Paragraph("本期没有完成的二次回访。"))
        return blocks
    rows = []
    for d in figures.dimensions:
        if d.level_n:
            good = d.counts.get(5, 0) + d.counts.get(4, 0)
            rows.append([d.dimension, str(d.level_n), str(good), pct(d.satisfaction)])
        elif d.yes_n:
            rows.append([d.dimension, str(d.yes_n), str(d.yes), pct(d.yes_share)])
    blocks.append(Paragraph(f"本期完成二次回访 {figures.visits} 次（另有无效 {figures.invalid} 次）。"))
    blocks.append(Paragraph(metrics.VERIFICATION.definition + "。", "note"))
    if rows:
        blocks.append(
            Table(
                header=list(VERIFY_HEADER),
                rows=rows,
                widths=[2.4, 1.2, 1.2, 1.2],
                align=["left", "center", "center", "center"],
                caption="表4-1 改进验证结果",
            )
        )
    return blocks


def _kpi_section(ctx: _Context) -> Section:
    flt = ctx.flt
    cards = kpi_comparison.scorecards_within(flt)
    blocks: list[Block] = []
    if not cards:
        blocks.append(
            Paragraph(
                f"{period_words(flt.period)}尚未建立售后服务质量评价表（KPI），本报告不评定等级。"
                f"请在“质量评价”页面建立{'“' + flt.team + '”的' if flt.team else ''}评价表后重新生成报告。"
            )
        )
        blocks.append(Paragraph(kpi.GRADE_RULE, "note"))
        return Section("六", "质量评价", blocks)
    rows, marked = [], set()
    for i, card in enumerate(cards):
        data = kpi.load(card.id)
        prev_id = kpi_comparison.previous_scorecard(data)
        change = NO_DATA
        if prev_id:
            prev = kpi.load(prev_id)
            cmp = kpi_comparison.compare(prev, data)
            arrow = "→ 持平" if cmp.total_arrow == "→" else f"{cmp.total_arrow}{abs(cmp.total_change):.2f}"
            change = f"{arrow}（上期 {prev.period}：{kpi.num(prev.total)}）"
        flagged = "、".join(
            f"{r.level2}（得分 {kpi.num(r.score)} / 权重 {kpi.num(r.weight)}）" for r in data.flagged
        )
        if data.flagged:
            marked.add((i, 5))
        total = kpi.num(data.total)
        if not data.complete:
            total += f"（尚有 {len(data.unscored)} 项未评分）"
        rows.append(
            [
                card.period,
                card.target_label,
                total,
                data.grade,
                change,
                flagged or "无",
            ]
        )
    blocks.append(
        Paragraph(f"{period_words(flt.period)}售后服务质量评价（表1 售后服务质量评价表）结果如下：")
    )
    blocks.append(
        Table(
            header=list(KPI_HEADER),
            rows=rows,
            widths=[1.3, 1.7, 1.2, 1.0, 2.3, 3.4],
            align=["center", "center", "center", "center", "center", "left"],
            caption="表5 质量评价得分与等级",
            marked=marked,
        )
    )
    blocks.append(Paragraph(f"{kpi.SCORE_FORMULA}；{kpi.GRADE_RULE}。{kpi.FLAG_RULE}。", "note"))
    return Section("六", "质量评价", blocks)


# ---------------------------------------------------------------- assembling
STEPS = (
    ("报告基本信息", _info_section),
    ("调查概述", _overview_section),
    ("满意度分析", _satisfaction_section),
    ("核心问题", _problems_section),
    ("改进措施", _actions_section),
    ("质量评价", _kpi_section),
)


def build_report(
    filters: Filters | str | Period,
    *,
    team: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ReportDoc:
    """The report of ``filters`` (a ``Filters`` with a period, or a period 2024 / 2024Q2 /
    2024-05 / (from, to) with ``team``). ``progress(done, total, text)`` is called before each
    section (it may raise to cancel). Raises UserError for a missing or unreadable period."""
    if not isinstance(filters, Filters):
        filters = Filters(period=periods.parse_period(filters), team=team)
    elif team is not None:
        filters = replace(filters, team=team)
    if filters.period is None:
        raise UserError("统计期间：请选择报告的统计期间（如 2024、2024Q2、2024-05 或起止日期）。")
    today = today or date.today()
    company = str(app_settings.get("company_name") or "")
    title = report_title(filters.period)
    ctx = _Context(filters, today)
    report = progress or (lambda done, total, text="": None)
    sections = []
    for n, (name, make) in enumerate(STEPS):
        report(n, len(STEPS), f"正在统计：{name}…")
        if make is _info_section:
            sections.append(make(ctx, company, title))
        else:
            sections.append(make(ctx))
    report(len(STEPS), len(STEPS), "统计完成")
    return ReportDoc(
        title=title,
        company=company,
        period=filters.period,
        team=filters.team,
        generated_on=today,
        sections=sections,
        logo=str(app_settings.get("company_logo") or ""),
    )
