"""总部工作簿: the Excel workbook a branch sends head office for one period (DOMAIN §4).

``export_workbook(out, period, branch=…, full_contact=False, progress=…)`` writes six sheets:

* 回访记录 — one row per visit of the period (drafts and invalid visits too, with their status),
  the visit's fields and one column per question of every questionnaire used (grouped under a
  merged header naming the template and version);
* 维度统计 — per dimension: valid answers, counts per level, 满意率, 平均分, NPS counts, 是/否
  counts and the change against the previous period; then 回访数, NPS, 回收率 and the notes on
  how each rate is computed. All figures come from ``services.statistics`` (SQL aggregates);
  the counts are written so head office (and ``services.consolidate``) can recompute the rates;
* 三方评价 — 工长自评 beside the 调度 and 管理人员 phone visits per team (``report_evaluators``);
* 问题分类 — the Pareto of the problem categories (``services.problems.pareto``);
* 改进方案表 — the improvement plan (``services.improvement.plan_rows``) with its four column
  groups under a merged group header;
* 质量评价表 — 表1 of every KPI scorecard of the period (``services.kpi``), with total and grade;
* 说明 — period, branch, questionnaires and versions, generated at, program version, masking,
  the satisfaction-rate denominator. ``services.consolidate`` reads it to check that branch
  workbooks fit together.

Formatting: bold filled header rows, column widths, frozen headers, auto-filter; counts and
scores are numbers, rates numbers with a % format, dates real dates; 客户编号, 工单号 and phone
numbers are text cells formatted "@" (leading zeros survive); text that Excel would read as a
formula (= + - @ …) is written as a string cell with the quote-prefix style, so it shows as text
and never runs. Names and phone numbers are masked (张*, 138****5678) unless ``full_contact``:
the 姓名/电话 columns, and inside what customers said (宝贵意见, text answers, the comments to
answers, 无效原因, the plan's 客户反馈) every phone number and the visit's own customer and
respondent names (``_private_text``).

The visit rows stream from SQLite (cursors read in batches in SQL order — visits and their answers
in the same order, merged as they come) into openpyxl's write-only mode, so memory stays flat for
100k visits.
The file is written under a temporary name next to the target and renamed at the end: an error
or a cancel (the ``progress`` callback raising) leaves no partial file.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from desktop import APP_NAME, __version__
from desktop.models import (
    Visit,
    db,
)

from ...admin import accounts
from ...admin import settings as app_settings
from ...common.errors import UserError
from ...reporting import channels, followup_figures, periods, statistics
from ...reporting.metrics import definitions as metric_definitions
from ...reporting.periods import Period
from ...reporting.scope import Scope
from ...reporting.scoring import DENOMINATOR_NOTE
from .. import report_evaluators
from .book_format import (
    FORMAT_VERSION,
    FULL_TEXT,
    INFO_BRANCH,
    INFO_DENOMINATOR,
    INFO_END,
    INFO_FORMAT,
    INFO_GENERATED,
    INFO_KIND,
    INFO_MASKED,
    INFO_PERIOD,
    INFO_PERIOD_CODE,
    INFO_PROGRAM,
    INFO_START,
    INFO_TEMPLATE,
    KIND_BRANCH,
    KPI_PERCENT_NOTE,
    MASKED_TEXT,
    SHEET_CHANNELS,
    SHEET_DIMENSIONS,
    SHEET_EVALUATORS,
    SHEET_FOLLOWUP,
    SHEET_INFO,
    SHEET_KPI,
    SHEET_PLAN,
    SHEET_PROBLEMS,
    SHEET_SEGMENTS,
    SHEET_VERIFY,
    SHEET_VISITS,
    SHEETS,
)
from .sheets_figures import (
    write_channel_sheet,
    write_dimensions,
    write_problems,
    write_segment_sheet,
    write_verification_sheet,
)
from .sheets_plan import write_kpi, write_plan
from .sheets_visits import Progress, TemplateUsed, in_period, templates_used, write_visits
from .xlsx import Book, Sheet, check_output

log = logging.getLogger(__name__)



# ---------------------------------------------------------------- what is exported
@dataclass
class ExportResult:
    path: Path
    period: Period
    branch: str
    visits: int
    masked: bool
    templates: list[TemplateUsed] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        masked = "已脱敏" if self.masked else "含完整联系方式"
        return (
            f"已导出 {self.path}：{self.branch}，{self.period.label}，回访记录 {self.visits} 条，"
            f"个人信息{masked}，用时 {self.seconds:.1f} 秒。"
        )


def default_branch() -> str:
    return str(app_settings.get("company_name") or "").strip() or "本分支"


def clean_branch(value) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        return default_branch()
    if len(text) > 60:
        raise UserError("分支名称：太长，最多 60 个字，请精简。")
    return text


def default_filename(branch: str, period: Period) -> str:
    safe = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in branch).strip() or "分支"
    code = period.code.replace("~", "至")
    return f"{safe}_{code}_总部工作簿.xlsx"


def _period_of(period) -> Period:
    if period is None or (isinstance(period, str) and not period.strip()):
        raise UserError(f"统计期间：请填写要导出的期间。{periods.FORMAT_HELP}。")
    return periods.parse_period(period)


# ---------------------------------------------------------------- the export
@accounts.requires(accounts.SEE_ALL, "导出总部工作簿")  # every caller's visits: not a 回访员's
def export_workbook(
    out,
    period,
    *,
    branch: str | None = None,
    full_contact: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
    generated_at: datetime | None = None,
) -> ExportResult:
    """Write the head-office workbook of ``period`` (2024 / "2024Q2" / "2024-05" / (from, to) /
    a ``Period``) to ``out``. ``progress(done, total, text)`` is called as rows are written and
    may raise to cancel; nothing is left at ``out`` then. Raises UserError for a bad period, a
    bad output path or a file that cannot be replaced."""
    started = time.perf_counter()
    if full_contact:
        accounts.require(accounts.FULL_EXPORT, "导出完整联系方式")
    period = _period_of(period)
    out = check_output(out)
    log.info("导出总部工作簿：%s → %s（完整联系方式：%s）", period, out, "是" if full_contact else "否")
    branch = clean_branch(branch)
    today = today or date.today()
    generated_at = generated_at or datetime.now().replace(microsecond=0)
    report = progress or (lambda done, total, text="": None)
    mask = not full_contact

    book = Book()
    sheets = {name: book.sheet(name) for name in SHEETS}
    try:
        with db.atomic("DEFERRED"):  # one read snapshot (no write lock): the figures and the rows agree
            total = Visit.select().where(*in_period(period)).count()
            steps = total + 6
            report(0, steps, "正在准备…")
            templates = templates_used(period)
            visits = write_visits(sheets[SHEET_VISITS], period, templates, mask, report, total)
            report(total + 1, steps, "正在计算维度统计…")
            write_dimensions(sheets[SHEET_DIMENSIONS], period, today)
            write_segment_sheet(sheets[SHEET_SEGMENTS], statistics.segments(Scope(period=period)))
            write_channel_sheet(sheets[SHEET_CHANNELS], channels.channel_rows(Scope(period=period)))
            followup_figures.write_sheet(sheets[SHEET_FOLLOWUP], period, today)
            report_evaluators.write_sheet(sheets[SHEET_EVALUATORS], period)
            report(total + 2, steps, "正在整理问题分类…")
            write_problems(sheets[SHEET_PROBLEMS], period)
            report(total + 3, steps, "正在整理改进方案表…")
            write_plan(sheets[SHEET_PLAN], period, mask, today)
            report(total + 4, steps, "正在整理质量评价表…")
            write_kpi(sheets[SHEET_KPI], period)
            write_verification_sheet(sheets[SHEET_VERIFY], statistics.verification_figures(Scope(period=period)))
        write_info_sheet(
            sheets[SHEET_INFO],
            kind=KIND_BRANCH,
            branch=branch,
            period=period,
            templates=templates,
            generated_at=generated_at,
            masked=mask,
        )
        report(total + 5, steps, "正在保存文件…")
        book.save(out)  # the last step: once saved, nothing can cancel it any more
    except BaseException:
        book.discard()
        raise
    return ExportResult(out, period, branch, visits, mask, templates, seconds=time.perf_counter() - started)


# ---------------------------------------------------------------- 说明
BRANCH_SCOPE_NOTES = (
    (
        SHEET_VISITS,
        "期间内的全部回访，含草稿、无效回访和二次回访（见“回访类型”“状态”“有效/无效”列）；"
        "统计只计已完成且有效的回访，二次回访另列于“改进验证”",
    ),
    (SHEET_DIMENSIONS, "按维度汇总各题有效回答；各比率可由表中的计数重新计算，多个分支合并时请按计数相加"),
    (SHEET_PLAN, "本期回访所反馈问题的改进措施及本期内进行中的改进措施"),
    (SHEET_KPI, "评价周期在本期内的质量评价表（没有时取包含本期的评价表）"),
    (f"{SHEET_KPI}数值", KPI_PERCENT_NOTE),
    (SHEET_VERIFY, "本期的二次回访（改进效果验证），与本期满意率分开统计"),
    (SHEET_FOLLOWUP, "投诉率和投诉处理及时率按投诉等级分列，回收率按发放渠道（纸质问卷、短信、微信、问卷平台、柜台自助）分列，各附目标值"),
    (SHEET_CHANNELS, "按渠道并列：满意率、NPS、综合得分按回访方式（答案如何收回），回收率按发放渠道（问卷如何发出）"),
    (SHEET_EVALUATORS, "维修中心三方评价：工长自评（100%）、调度回访（90%）、管理人员回访（10%）按班组并列，工长自评不计入满意率"),
    (SHEET_SEGMENTS, "按客户类型、客户来源、服务类型、回访方式和服务工程师分组的满意率、NPS 和综合得分"),
)


def write_info_sheet(
    sheet: Sheet,
    *,
    kind: str,
    branch: str,
    period: Period,
    templates: Sequence[TemplateUsed],
    generated_at: datetime,
    masked: str | bool,
    extra: Sequence[Sequence] = (),
    notes: Sequence[tuple[str, str]] = BRANCH_SCOPE_NOTES,
) -> None:
    """说明: one fact per row, its name in column A (``services.consolidate`` reads them back).
    ``masked``: True / False, or a text of its own (a consolidated workbook)."""
    sheet.widths((14, 46, 26, 8, 18))
    sheet.freeze("A2")
    sheet.print_setup(fit_width=True)
    sheet.header(("项目", "内容", "问卷名称", "版本", "问卷代号"))
    rows: list[tuple[list, list]] = [
        ([INFO_KIND, kind], []),
        ([INFO_FORMAT, FORMAT_VERSION], []),
        ([INFO_BRANCH, branch], []),
        ([INFO_PERIOD, period.label], []),
        ([INFO_PERIOD_CODE, period.code], [None, "text"]),
        ([INFO_START, period.start], []),
        ([INFO_END, period.end], []),
    ]
    if templates:
        for t in templates:
            rows.append(([INFO_TEMPLATE, t.label, t.name, t.version, t.family], []))
    else:
        rows.append(([INFO_TEMPLATE, "（本期没有回访）"], []))
    rows += [
        ([INFO_GENERATED, generated_at], [None, "datetime"]),
        ([INFO_PROGRAM, f"{APP_NAME} {__version__}"], []),
    ]
    if isinstance(masked, bool):
        masked = MASKED_TEXT if masked else FULL_TEXT
    rows.append(([INFO_MASKED, masked], []))
    rows += [(list(values), []) for values in extra]
    rows.append(([INFO_DENOMINATOR, DENOMINATOR_NOTE], []))
    rows += [([name, text], []) for name, text in notes]
    rows += [([f"指标定义·{name}", text], []) for name, text in metric_definitions()]
    for values, styles in rows:
        sheet.append(values, ["bold", *(styles[1:] if styles else [])])
