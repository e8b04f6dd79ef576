"""The 改进方案表 and 质量评价表 sheets of the head-office workbook."""

from collections.abc import Sequence
from datetime import date, datetime

from openpyxl.utils import get_column_letter

from desktop.models import ActionVisit, ImprovementAction, Visit

from ...improvement import improvement, plan_table
from ...kpi import kpi
from ...reporting.periods import Period
from .book_format import (
    EMPTY_KPI,
    EMPTY_PLAN,
    KPI_COLUMNS,
    KPI_PERCENT_NOTE,
    KPI_TOTAL,
    KPI_WIDTHS,
    PLAN_GROUPS,
    PLAN_WIDTHS,
    percent_style,
)
from .sheets_visits import in_period
from .xlsx import Sheet


# ---------------------------------------------------------------- 改进方案表
def plan_action_ids(period: Period) -> list[int]:
    """Actions about the period: linked to a visit of the period, or running during it
    (created by its end and not closed before it began)."""
    linked = (
        ActionVisit.select(ActionVisit.action)
        .join(Visit, on=(ActionVisit.visit == Visit.id))
        .where(*in_period(period))
    )
    end_moment = datetime.combine(period.end, datetime.max.time()).replace(microsecond=0)
    running = ImprovementAction.select(ImprovementAction.id).where(
        (ImprovementAction.created_at <= end_moment)
        & (ImprovementAction.closed_on.is_null() | (ImprovementAction.closed_on >= period.start))
    )
    query = ImprovementAction.select(ImprovementAction.id).where(
        ImprovementAction.id.in_(linked) | ImprovementAction.id.in_(running)
    )
    return [row[0] for row in query.tuples()]


def plan_columns() -> list[str]:
    return [name for _, names in PLAN_GROUPS for name in names]


def write_plan_header(sheet: Sheet, prefix: Sequence[str] = ()) -> None:
    sheet.widths([12] * len(prefix) + list(PLAN_WIDTHS))
    sheet.freeze(f"{get_column_letter(len(prefix) + 2)}3")
    sheet.height(2, 32)
    sheet.print_setup(fit_width=True, title_rows=2)
    top: list[str | None] = [None] * len(prefix)
    if prefix:
        top[0] = ""
    spans = []
    col = len(prefix) + 1
    for label, names in PLAN_GROUPS:
        top.append(label)
        top.extend([None] * (len(names) - 1))
        spans.append((col, col + len(names) - 1))
        col += len(names)
    sheet.styled_row(top, "group")
    sheet.header([*prefix, *plan_columns()])
    if prefix:
        sheet.merge(1, 1, len(prefix))
    for first, last in spans:
        sheet.merge(1, first, last)


PLAN_STYLES = (
    None, "text", "text", None, None,
    "date", None, None,
    None, None, None, None,
    None, None, None, None, "date", None, "date", "date", None,
)  # fmt: skip


def plan_values(row, today: date) -> list:
    late = (today - row.deadline).days if row.overdue and row.deadline else None
    return [
        row.customer_name or None,
        row.customer_code or None,
        row.phone or None,
        row.service_type or None,
        row.product_model or None,
        row.visit_date,
        row.method or None,
        row.engineer or None,
        row.level_label(0) or None,
        row.level_label(1) or None,
        row.level_label(2) or None,
        row.feedback or None,
        row.category or None,
        row.measure or None,
        row.department or None,
        row.owner or None,
        row.deadline,
        row.status,
        row.completed_on,
        row.closed_on,
        late,
    ]


def write_plan(sheet: Sheet, period: Period, mask: bool, today: date) -> None:
    write_plan_header(sheet)
    ids = plan_action_ids(period)
    rows = plan_table.plan_rows(improvement.ALL, mask=mask, today=today, action_ids=ids) if ids else []
    for row in rows:
        sheet.append(plan_values(row, today), PLAN_STYLES)
    if not rows:
        sheet.append([EMPTY_PLAN])
    sheet.auto_filter(2, len(plan_columns()))
    sheet.blank()
    sheet.note("本期回访所反馈问题的改进措施，以及本期内进行中的改进措施；逾期天数按导出当天计算。")


# ---------------------------------------------------------------- 质量评价表
def scorecards_of(period: Period) -> list:
    """The scorecards whose 评价周期 lies inside the period; when there are none, the ones whose
    period contains it (a monthly export shows its quarter's scorecard)."""
    inside, around = [], []
    for summary in kpi.list_scorecards():
        info = kpi.period_of(summary.period)
        if info is None:
            continue
        if period.start <= info.start and info.end <= period.end:
            inside.append((info.start, summary.target, summary.id))
        elif info.start <= period.start and period.end <= info.end:
            around.append((info.start, summary.target, summary.id))
    chosen = sorted(inside or around)
    return [kpi.load(card_id) for _, _, card_id in chosen]


def kpi_rows(card) -> list[tuple[list, list]]:
    """(values, styles) for each indicator of ``card`` and its 合计 row (without a 分支 column)."""
    out = []
    for ind in card.rows:
        if ind.qualitative:
            target, actual = None, ind.reviewer_mean
            note = ind.note or ""
            extra = (
                f"定性指标：{len(ind.reviewers)} 位评审平均 {kpi.num(actual)} 分（满分 5）"
                if ind.reviewers
                else "定性指标：尚未评审"
            )
            note = f"{note}；{extra}" if note else extra
        else:
            target, actual, note = ind.target, ind.actual, ind.note or ""
        out.append(
            (
                [
                    card.period,
                    card.target_label,
                    ind.level1,
                    ind.level2,
                    ind.weight,
                    target,
                    actual,
                    ind.score,
                    note or None,
                    "需要" if ind.flagged else None,
                ],
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    percent_style(target),
                    "dec2" if ind.qualitative else percent_style(actual),
                    "dec2",
                    None,
                    None,
                ],
            )
        )
    grade = card.grade
    out.append(
        (
            [
                card.period,
                card.target_label,
                KPI_TOTAL,
                None,
                card.weight_total,
                None,
                None,
                card.total,
                f"等级：{grade}",
                None,
            ],
            ["total"] * 7 + ["total_dec2", "total", "total"],
        )
    )
    return out


KPI_NOTES = (
    ("目标值/实际值", KPI_PERCENT_NOTE),
    ("得分", kpi.SCORE_FORMULA),
    ("定性指标", kpi.QUALITATIVE_FORMULA),
    ("等级", kpi.GRADE_RULE),
    ("根因分析", kpi.FLAG_RULE),
)


def write_kpi_header(sheet: Sheet, prefix: Sequence[str] = ()) -> None:
    sheet.widths([12] * len(prefix) + list(KPI_WIDTHS))
    sheet.freeze("A2")
    sheet.print_setup(fit_width=True)
    sheet.header([*prefix, *KPI_COLUMNS])


def write_kpi(sheet: Sheet, period: Period) -> None:
    write_kpi_header(sheet)
    cards = scorecards_of(period)
    for card in cards:
        for values, styles in kpi_rows(card):
            sheet.append(values, styles)
    if not cards:
        sheet.append([EMPTY_KPI])
    sheet.auto_filter(1, len(KPI_COLUMNS))
    sheet.blank()
    for label, text in KPI_NOTES:
        sheet.note(text, label)
