"""The report's 三方评价对比 table (seed 002 评价主体): per team, 工长自评 beside the 调度 and
管理人员 phone visits, each on its own factors (``reporting.evaluators``). Shown only when the
period has any of them — a shop that does not work this way gets no empty table."""

from ..reporting import evaluators
from ..reporting.statistics import Filters
from .report_doc import Block, Paragraph, Table, pct, score

HEADER = ("班组", "评价主体", "份数", "覆盖率（%）", "要求（%）", "因素一", "因素二", "因素三", "综合平均分")
NOTE = (
    "评价方式：工长自评＋调度电话回访＋管理人员电话回访，满意 10 分、基本满意 8 分、不满意 6 分。"
    "工长自评当日完工工单的 100%（工单填写完整程度、处理措施是否得当、作业效率）；"
    "调度回访 90%、管理人员回访 10%（故障响应速度、服务态度、维修后设备运行状态），同一工单只回访一次客户。"
    "工长自评不计入客户满意度。"
)


def evaluator_rows(rows: list[evaluators.TeamEvaluation]) -> list[list[str]]:
    """One row per team and evaluator: counts, coverage against its share, each factor's mean."""
    out = []
    for team in rows:
        for role in evaluators.ROLES:
            s = team.scores[role]
            factors = [f"{name} {score(s.means[name], 1)}" for name in evaluators.factor_names(role)]
            out.append(
                [
                    team.team,
                    role,
                    str(s.count),
                    pct(s.coverage, 0),
                    pct(s.target, 0),
                    *factors,
                    score(s.overall, 1),
                ]
            )
    return out


def evaluator_blocks(flt: Filters) -> list[Block]:
    """The heading, the table and the note, or nothing when no evaluator figure exists."""
    if flt.period is None:
        return []
    rows = evaluators.side_by_side(flt.period.start, flt.period.end, flt.team or "")
    if not any(s.count for r in rows for s in r.scores.values()):
        return []
    table_rows = evaluator_rows(rows)
    return [
        Paragraph("三方评价对比（工长自评、调度回访、管理人员回访）", "subheading"),
        Table(
            header=list(HEADER),
            rows=table_rows,
            widths=[1.2, 1.3, 0.7, 0.8, 0.7, 1.6, 1.6, 1.6, 1.0],
            align=["left", "left", "center", "center", "center", "left", "left", "left", "center"],
            caption="表2-2 三方评价对比",
            bold_rows={i for i, row in enumerate(table_rows) if row[0] == evaluators.ALL_TEAMS},
            font_pt=8.5,
        ),
        Paragraph(NOTE, "note"),
    ]


# ---------------------------------------------------------------- the workbook's sheet
SHEET_COLUMNS = (
    "班组", "评价主体", "完工工单", "份数", "覆盖率", "要求",
    "因素一", "平均分一", "因素二", "平均分二", "因素三", "平均分三", "综合平均分",
)  # fmt: skip
SHEET_WIDTHS = (12, 12, 9, 8, 9, 8, 14, 9, 14, 9, 14, 9, 10)


def write_sheet(sheet, period) -> None:
    """三方评价 of the head-office workbook (``workbook.xlsx.Sheet``): one row per team and
    evaluator, counts and means as numbers (覆盖率 = 份数 ÷ 完工工单), the rule below."""
    sheet.widths(SHEET_WIDTHS)
    sheet.freeze("C2")
    sheet.print_setup(fit_width=True)
    sheet.header(SHEET_COLUMNS)
    for team in evaluators.side_by_side(period.start, period.end):
        for role in evaluators.ROLES:
            s = team.scores[role]
            factors = []
            for name in evaluators.factor_names(role):
                factors += [name, s.means[name]]
            sheet.append(
                [
                    sheet.text(team.team),
                    role,
                    team.orders,
                    s.count,
                    s.coverage,
                    s.target,
                    *factors,
                    s.overall,
                ],
                [None, None, None, None, "pct", "pct", None, "dec1", None, "dec1", None, "dec1", "dec1"],
            )
    sheet.blank()
    sheet.note(NOTE, "评价口径")
