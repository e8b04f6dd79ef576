"""总部工作簿: the Excel workbook a branch sends head office for one period (DOMAIN §4).

``export_workbook(out, period, branch=…, full_contact=False, progress=…)`` writes six sheets:

* 回访记录 — one row per visit of the period (drafts and invalid visits too, with their status),
  the visit's fields and one column per question of every questionnaire used (grouped under a
  merged header naming the template and version);
* 维度统计 — per dimension: valid answers, counts per level, 满意率, 平均分, NPS counts, 是/否
  counts and the change against the previous period; then 回访数, NPS, 回收率 and the notes on
  how each rate is computed. All figures come from ``services.statistics`` (SQL aggregates);
  the counts are written so head office (and ``services.consolidate``) can recompute the rates;
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

import contextlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import peewee as pw
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from desktop import APP_NAME, __version__
from desktop.models import (
    ActionVisit,
    Answer,
    Customer,
    ImprovementAction,
    ProblemCategory,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitProblem,
    VisitTask,
    db,
)
from desktop.models.connection import group_concat
from desktop.models.questionnaire import NPS, SCORE10, TEXT

from . import accounts, followup_figures, improvement, kpi, periods, problems, safe_files, statistics, tasks
from . import settings as app_settings
from .errors import UserError
from .periods import Period
from .reporting import metrics
from .reporting.metrics import composite_100
from .reporting.metrics import definitions as metric_definitions
from .reporting.scale import LEVEL_NAMES
from .reporting.scope import VERIFY_TRIGGER, Scope, verification_condition
from .scoring import DENOMINATOR_NOTE, NPS_GOAL, RECOVERY_TARGET
from .validation import mask_name, mask_names_in_text, mask_phone, mask_phones_in_text

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

FORMAT_VERSION = 1
KIND_BRANCH = "分支工作簿"
KIND_CONSOLIDATED = "合并工作簿"

SHEET_VISITS = "回访记录"
SHEET_DIMENSIONS = "维度统计"
SHEET_PROBLEMS = "问题分类"
SHEET_PLAN = "改进方案表"
SHEET_KPI = "质量评价表"
SHEET_INFO = "说明"
SHEET_VERIFY = "改进验证"
SHEET_SEGMENTS = "细分统计"
SHEET_FOLLOWUP = followup_figures.SHEET_TITLE  # 投诉与回收: per complaint level and channel
SHEETS = (
    SHEET_VISITS,
    SHEET_DIMENSIONS,
    SHEET_SEGMENTS,
    SHEET_FOLLOWUP,
    SHEET_PROBLEMS,
    SHEET_PLAN,
    SHEET_KPI,
    SHEET_VERIFY,
    SHEET_INFO,
)

# 说明: the first column names what the row holds (consolidate reads these keys)
INFO_KIND = "工作簿类型"
INFO_FORMAT = "格式版本"
INFO_BRANCH = "分支"
INFO_PERIOD = "统计期间"
INFO_PERIOD_CODE = "期间代码"
INFO_START = "开始日期"
INFO_END = "结束日期"
INFO_TEMPLATE = "问卷模板"  # B: label, C: name, D: version, E: family
INFO_GENERATED = "生成时间"
INFO_PROGRAM = "软件版本"
INFO_MASKED = "个人信息"
INFO_DENOMINATOR = "满意率口径"
MASKED_TEXT = "已脱敏：姓名只保留姓，电话只显示前3位和后4位"
FULL_TEXT = "完整联系方式：文件含客户完整姓名和电话，请妥善保管，不要随意转发"

# 维度统计 columns (consolidate finds them by these names)
DIM_COLUMNS = (
    "维度",
    "有效样本",
    *(LEVEL_NAMES[level] for level in (5, 4, 3, 2, 1)),
    "满意率",
    "平均分",
    "推荐者（9–10分）",
    "中立者（7–8分）",
    "贬损者（0–6分）",
    "NPS",
    "是",
    "否",
    "是占比",
    "比较指标",
    "上期",
    "上期样本",
    "较上期",
    "变化",
)
DIM_WIDTHS = (14, 9, 9, 7, 7, 7, 10, 9, 8, 13, 12, 12, 8, 6, 6, 8, 9, 9, 9, 7, 9)
SUM_VISITS = "回访总数（已完成）"
SUM_VALID = "有效回访"
SUM_INVALID = "无效回访（已剔除）"
SUM_ANSWERS = "计入满意率的评分回答数"
SUM_SATISFACTION = "总体满意率"
SUM_MEAN = "平均分（5分制）"
SUM_COMPOSITE = "综合得分（百分制）"
SUM_NPS = "NPS"
SUM_DUE = "应回访任务"
SUM_COMPLETED = "已完成任务"
SUM_RECOVERY = "回收率"
SUM_PREVIOUS = "上期"
# the metric definitions, as the catalogue states them (the same text on screen and in the report)
NPS_NOTE = metrics.NPS.definition
RECOVERY_NOTE = metrics.RECOVERY.definition
MEAN_NOTE = f"{metrics.MEAN.definition}；{metrics.COMPOSITE.definition}"
CHANGE_NOTE = "较上期：与上一个同长度期间比较，满意率/是占比相差不足 0.5 个百分点、NPS 相差不足 0.5 分记为 →"

PROBLEM_COLUMNS = ("问题分类", "频次", "占比", "累计占比")
PROBLEM_NOTE = "占比 = 该分类出现次数 ÷ 全部分类标记次数（一条回访可标记多个分类，累计占比到 100%）"

PLAN_GROUPS = (
    ("客户基本信息", ("客户姓名", "客户编号", "联系方式", "服务类型", "产品型号")),
    ("回访信息", ("回访日期", "回访方式", "服务工程师")),
    ("满意度反馈", ("服务态度满意度", "响应速度满意度", "问题解决效果满意度", "开放式反馈建议")),
    (
        "改进方案与落实跟踪",
        (
            "问题分类",
            "改进措施",
            "责任部门",
            "责任人",
            "完成时限",
            "落实情况",
            "完成日期",
            "闭环日期",
            "逾期天数",
        ),
    ),
)
PLAN_WIDTHS = (10, 13, 14, 8, 12, 11, 8, 9, 9, 9, 11, 36, 11, 30, 10, 8, 11, 11, 11, 11, 8)

KPI_COLUMNS = (
    "评价周期",
    "评价对象",
    "一级指标",
    "二级指标",
    "权重",
    "目标值",
    "实际值",
    "得分",
    "备注",
    "根因分析",
)
KPI_WIDTHS = (10, 12, 10, 22, 7, 8, 8, 8, 34, 10)
KPI_TOTAL = "合计"
KPI_PERCENT_NOTE = (
    "目标值、实际值为百分数的数值（90 即 90%），单元格格式显示 % 号，可直接计算和透视；"
    "定性指标的实际值为评审平均分（满分 5）"
)


def percent_style(value) -> str | None:
    """The cell style of a 目标值 / 实际值 in percent (90, 88.5): its % format with as many
    decimals as the value has (at most two); None for an empty cell."""
    if value is None:
        return None
    digits = next((d for d in (0, 1) if abs(value * 10**d - round(value * 10**d)) < 1e-9), 2)
    return f"pct_num{digits}"


# 回访记录: (header, column width); the questions follow
VISIT_KIND = "回访类型"  # 首次回访, 投诉回访, 交付1个月 … 二次回访: the task's trigger
VISIT_KIND_MANUAL = "手工"  # a visit without a task
VISIT_COLUMNS: tuple[tuple[str, float], ...] = (
    ("回访编号", 9),
    ("回访日期", 11),
    (VISIT_KIND, 10),
    ("客户编号", 13),
    ("客户姓名", 10),
    ("联系电话", 14),
    ("工单号", 16),
    ("服务类型", 9),
    ("产品型号", 16),
    ("服务工程师", 10),
    ("班组", 12),
    ("区域", 9),
    ("问卷", 22),
    ("回访方式", 9),
    ("回访人员", 9),
    ("被回访人", 9),
    ("状态", 7),
    ("有效/无效", 9),
    ("无效原因", 16),
    ("客户情绪", 9),
    ("问题分类", 16),
    ("再购意向", 9),
    ("签字状态", 9),
    ("宝贵意见", 40),
)
VISIT_GROUP = "回访信息"
TEXT_COLUMNS = frozenset({"客户编号", "联系电话", "工单号", "联系方式"})
DATE_COLUMNS = frozenset({"回访日期", "完成时限", "完成日期", "闭环日期", INFO_START, INFO_END})
VALID = "有效"
INVALID = "无效"
YES = "是"
NO = "否"
PROGRESS_EVERY = 500
# what a table shows when the period has nothing for it (consolidate skips these rows)
EMPTY_PROBLEMS = "（本期没有标记问题分类的回访）"
EMPTY_PLAN = "（本期没有改进措施）"
EMPTY_KPI = "（本期没有质量评价表）"
EMPTY_ROWS = frozenset({EMPTY_PROBLEMS, EMPTY_PLAN, EMPTY_KPI})
MAX_CELL_TEXT = 32767


# ---------------------------------------------------------------- writing cells
_FORMATS = {
    "text": "@",
    "quote": "@",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "pct": "0.0%",
    "pct_change": "+0.0%;-0.0%;0.0%",
    "dec1": "0.0",
    "dec2": "0.00",
    "change1": "+0.0;-0.0;0.0",
    "int": "0",
    # a percentage kept as the number people type (90 = 90%), shown with a % sign: 质量评价表's
    # 目标值 / 实际值 (KPI_PERCENT_NOTE)
    "pct_num0": '0"%"',
    "pct_num1": '0.0"%"',
    "pct_num2": '0.00"%"',
}
HEADER_FILL = "D9E2F3"
GROUP_FILL = "B4C6E7"
TOTAL_FILL = "F2F2F2"


def clean_cell_text(text: str) -> str:
    """A text Excel accepts: control characters dropped, cut at Excel's 32,767 characters."""
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text[:MAX_CELL_TEXT] if len(text) > MAX_CELL_TEXT else text


_FORMULA_START = frozenset("=+-@")
_ERROR_TEXTS = frozenset(ERROR_CODES)


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would take for a formula or an error value when typed in."""
    return bool(text) and (text[0] in _FORMULA_START or text in _ERROR_TEXTS)


def _install_row_converter(ws) -> None:
    """Let the write-only sheet take our prepared cells directly.

    openpyxl's own converter first tries ``cell.value = value`` on every value and only takes a
    ready cell after that raises (formatting the cell's repr for the message): ~3 µs per styled
    cell, a tenth of the whole export. This one checks the type first and otherwise does what
    openpyxl does (one reusable cell for plain values, a fresh one after a value that got a
    style, e.g. a date's number format)."""
    if not callable(getattr(ws, "_values_to_row", None)):
        return  # another openpyxl: keep its converter (slower, same result)

    def values_to_row(values, row_idx):
        cell = Cell(ws, row=1, column=1)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if value.__class__ is Cell:
                value.column = col_idx
                value.row = row_idx
                yield value
                continue
            cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            yield cell
            if cell.has_style:
                cell = Cell(ws, row=1, column=1)

    ws._values_to_row = values_to_row


class Sheet:
    """A write-only worksheet with the book's shared styles. Widths, frozen panes and heights
    must be set before the first row (openpyxl streams the sheet's top first)."""

    def __init__(self, book: "Book", title: str):
        self.book = book
        self.ws = book.wb.create_sheet(title)
        _install_row_converter(self.ws)
        self.rows = 0
        self.columns = 0

    def text(self, value: str | None):
        """A free text as written: None for blank, a string, or a string cell with the quote
        prefix when a spreadsheet would otherwise run it as a formula."""
        if not value:
            return None
        if ILLEGAL_CHARACTERS_RE.search(value) or len(value) > MAX_CELL_TEXT:
            value = clean_cell_text(value)
        if value[0] in _FORMULA_START or value in _ERROR_TEXTS:
            return self.book.make(self.ws, value, "quote", "s")
        return value

    def coded(self, value: str | None):
        """A code or phone number: always a text cell formatted "@" (leading zeros kept)."""
        if not value:
            return None
        value = clean_cell_text(value)
        style = "quote" if value[0] in _FORMULA_START or value in _ERROR_TEXTS else "text"
        return self.book.make(self.ws, value, style, "s")

    # -- layout (before the first row)
    def widths(self, widths: Iterable[float]) -> None:
        for i, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width

    def freeze(self, ref: str) -> None:
        self.ws.freeze_panes = ref

    def height(self, row: int, points: float) -> None:
        self.ws.row_dimensions[row].height = points

    def declare_size(self, rows: int, columns: int) -> None:
        """Write the sheet's size (``<dimension>``) at its top. Without it, a reader such as
        openpyxl's read-only mode scans the whole sheet once just to learn its extent, every time
        it opens it. Only for a row count known before the first row (never fewer than written)."""
        ref = f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"
        self.ws.calculate_dimension = lambda: ref

    def print_setup(self, *, fit_width: bool, title_rows: int = 1) -> None:
        """A4 landscape, the header rows repeated on every page; ``fit_width`` shrinks the
        columns onto one page width (the summary sheets; 回访记录 is too wide for that)."""
        ws = self.ws
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = 9  # A4
        if fit_width:
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
        ws.print_title_rows = f"1:{title_rows}"

    # -- rows
    def cell(self, value, style: str | None = None):
        """The value as openpyxl should write it: plain values where openpyxl's own typing is
        right, a styled cell otherwise (text that must stay text, dates, formatted numbers)."""
        if value is None:
            return None
        kind = type(value)
        if kind is str:
            value = clean_cell_text(value)
            if looks_like_formula(value):
                return self.book.make(self.ws, value, "quote", "s")
            if style is None:
                return value
            return self.book.make(self.ws, value, style, "s")
        if kind is bool:
            return YES if value else NO
        if kind is date or kind is datetime:
            return self.book.make(self.ws, value, style or "date", "d")
        if kind is float and not math.isfinite(value):
            return None
        if style is None:
            return value
        return self.book.make(self.ws, value, style, "n")

    def append(self, values: Sequence, styles: Sequence[str | None] | None = None) -> None:
        """One row; ``styles`` gives each column's style (None: plain)."""
        if styles is None:
            row = [self.cell(v) for v in values]
        else:
            row = [self.cell(v, s) for v, s in zip(values, styles, strict=False)]
            if len(values) > len(styles):
                row += [self.cell(v) for v in values[len(styles) :]]
        self.ws.append(row)
        self.rows += 1
        self.columns = max(self.columns, len(row))

    def append_ready(self, row: list) -> None:
        """A row already made of plain values and cells (see ``text``/``coded``/``cell``)."""
        self.ws.append(row)
        self.rows += 1
        if len(row) > self.columns:
            self.columns = len(row)

    def styled_row(self, values: Sequence, style: str) -> None:
        """A row where every cell has ``style`` (headers, totals); None stays an empty cell."""
        row = []
        for value in values:
            if value is None:
                row.append(self.book.make(self.ws, None, style, "n"))
            elif isinstance(value, str):
                value = clean_cell_text(value)
                row.append(self.book.make(self.ws, value, style, "s"))
            else:
                row.append(self.cell(value, style))
        self.ws.append(row)
        self.rows += 1
        self.columns = max(self.columns, len(row))

    def header(self, names: Sequence[str]) -> None:
        self.styled_row(names, "head")

    def blank(self) -> None:
        self.ws.append([])
        self.rows += 1

    def note(self, text: str, label: str = "说明") -> None:
        self.append([label, text], [None, "note"])

    # -- after the rows
    def auto_filter(self, header_row: int, columns: int, last_row: int | None = None) -> None:
        last_row = max(last_row or self.rows, header_row)
        self.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(columns, 1))}{last_row}"

    def merge(self, row: int, first_col: int, last_col: int) -> None:
        if last_col > first_col:
            self.ws.merged_cells.add(
                f"{get_column_letter(first_col)}{row}:{get_column_letter(last_col)}{row}"
            )


class Book:
    """A write-only workbook and the style arrays its cells copy (built once, reused per cell:
    assigning fonts and formats cell by cell would cost more than writing the cell)."""

    def __init__(self):
        self.wb = Workbook(write_only=True)
        self.sheets: list[Sheet] = []
        self._styles: dict[str, object] = {}

    def sheet(self, title: str) -> Sheet:
        sheet = Sheet(self, title)
        self.sheets.append(sheet)
        if not self._styles:
            self._build_styles(sheet.ws)
        return sheet

    def _build_styles(self, ws) -> None:
        thin = Side(style="thin", color="9FA8B5")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        for name, fmt in _FORMATS.items():
            proto = Cell(ws, row=1, column=1)
            proto.number_format = fmt
            if name == "quote":
                proto.quotePrefix = True
            self._styles[name] = proto._style
        for name, fill, size, align in (
            ("head", HEADER_FILL, None, "center"),
            ("group", GROUP_FILL, 12, "center"),
            ("group_left", GROUP_FILL, 12, "left"),
        ):
            proto = Cell(ws, row=1, column=1)
            proto.font = Font(bold=True, size=size) if size else Font(bold=True)
            proto.fill = PatternFill("solid", fgColor=fill)
            proto.alignment = Alignment(horizontal=align, vertical="center", wrap_text=align == "center")
            proto.border = border
            proto.number_format = "@"
            self._styles[name] = proto._style
        proto = Cell(ws, row=1, column=1)
        proto.font = Font(bold=True, size=14)
        self._styles["title"] = proto._style
        proto = Cell(ws, row=1, column=1)
        proto.font = Font(italic=True, color="5A6270")
        self._styles["note"] = proto._style
        for name, fmt in (
            ("total", "General"),
            ("total_dec1", "0.0"),
            ("total_dec2", "0.00"),
            ("total_pct", "0.0%"),
        ):
            proto = Cell(ws, row=1, column=1)
            proto.font = Font(bold=True)
            proto.fill = PatternFill("solid", fgColor=TOTAL_FILL)
            proto.number_format = fmt
            self._styles[name] = proto._style
        proto = Cell(ws, row=1, column=1)
        proto.font = Font(bold=True)
        self._styles["bold"] = proto._style
        proto = Cell(ws, row=1, column=1)
        proto.alignment = Alignment(horizontal="center")
        self._styles["center"] = proto._style

    def make(self, ws, value, style: str, data_type: str) -> Cell:
        cell = Cell(ws, row=1, column=1, style_array=self._styles[style])
        cell._value = value
        cell.data_type = data_type
        return cell

    def save(self, out: Path) -> None:
        """Close every sheet and write the file under a temporary name, then rename it over
        ``out`` (so a failure never leaves a half-written workbook behind)."""
        safe_files.write_book(out, self.wb)

    def discard(self) -> None:
        """Drop the sheets' temporary files (a cancelled or failed export)."""
        for sheet in self.sheets:
            writer = getattr(sheet.ws, "_writer", None)
            if writer is None:
                continue
            with contextlib.suppress(Exception):  # best effort: the export failed already
                sheet.ws.close()  # ends the streamed XML properly, then the temp file goes
            with contextlib.suppress(Exception):
                writer.close()
            with contextlib.suppress(OSError, ValueError):
                writer.cleanup()


def check_output(out, field: str = "输出文件") -> Path:
    """The target path as a Path ending in .xlsx, in an existing folder."""
    if out is None or not str(out).strip():
        raise UserError(f"{field}：请选择保存位置和文件名（.xlsx）。")
    path = Path(str(out).strip()).expanduser()
    if path.suffix == "":
        path = path.with_suffix(".xlsx")
    if path.suffix.lower() != ".xlsx":
        raise UserError(
            f"{field}：“{path.name}”不是 .xlsx 文件。总部工作簿只能保存为 .xlsx，请把扩展名改成 .xlsx。"
        )
    if path.is_dir():
        raise UserError(f"{field}：{path} 是一个文件夹，请给出文件名（如 分店_2024Q2.xlsx）。")
    if not path.parent.is_dir():
        raise UserError(f"{field}：文件夹 {path.parent} 不存在，请先创建它或选择其他位置。")
    if not os.access(path.parent, os.W_OK):
        raise UserError(f"{field}：没有权限写入文件夹 {path.parent}，请选择其他位置。")
    return path


# ---------------------------------------------------------------- what is exported
@dataclass(frozen=True)
class TemplateUsed:
    id: int
    name: str
    version: int
    family: str

    @property
    def label(self) -> str:
        return f"{self.name}（第{self.version}版）"


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


def _in_period(period: Period) -> list:
    return [Visit.visit_date >= period.start, Visit.visit_date <= period.end]


def templates_used(period: Period) -> list[TemplateUsed]:
    used = Visit.select(Visit.template).where(*_in_period(period)).distinct()
    query = (
        QuestionnaireTemplate.select(
            QuestionnaireTemplate.id,
            QuestionnaireTemplate.name,
            QuestionnaireTemplate.version,
            QuestionnaireTemplate.family,
        )
        .where(QuestionnaireTemplate.id.in_(used))
        .order_by(QuestionnaireTemplate.id)
        .tuples()
    )
    return [TemplateUsed(*row) for row in query]


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
            total = Visit.select().where(*_in_period(period)).count()
            steps = total + 6
            report(0, steps, "正在准备…")
            templates = templates_used(period)
            visits = _write_visits(sheets[SHEET_VISITS], period, templates, mask, report, total)
            report(total + 1, steps, "正在计算维度统计…")
            _write_dimensions(sheets[SHEET_DIMENSIONS], period, today)
            write_segment_sheet(sheets[SHEET_SEGMENTS], statistics.segments(Scope(period=period)))
            followup_figures.write_sheet(sheets[SHEET_FOLLOWUP], period, today)
            report(total + 2, steps, "正在整理问题分类…")
            _write_problems(sheets[SHEET_PROBLEMS], period)
            report(total + 3, steps, "正在整理改进方案表…")
            _write_plan(sheets[SHEET_PLAN], period, mask, today)
            report(total + 4, steps, "正在整理质量评价表…")
            _write_kpi(sheets[SHEET_KPI], period)
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


# ---------------------------------------------------------------- 回访记录
@dataclass
class _QuestionColumn:
    id: int
    template_id: int
    number: int  # 1-based within its template
    text: str
    kind: str
    labels: list[str]
    question: Question
    shown: dict = field(default_factory=dict)  # stored value → cell value, filled as met

    @property
    def is_text(self) -> bool:
        return self.kind == TEXT

    @property
    def header(self) -> str:
        return f"{self.number}. {self.text}"


def question_columns(templates: Sequence[TemplateUsed], period: Period) -> list[_QuestionColumn]:
    """Every question of the templates used, template by template in form order; a retired
    question only when it was answered in the period."""
    if not templates:
        return []
    ids = [t.id for t in templates]
    questions = list(
        Question.select()
        .where(Question.template.in_(ids))
        .order_by(Question.template, Question.position, Question.id)
    )
    retired = [q.id for q in questions if q.retired]
    answered: set[int] = set()
    if retired:
        answered = {
            qid
            for (qid,) in Answer.select(Answer.question)
            .join(Visit, on=(Answer.visit == Visit.id))
            .where(Answer.question.in_(retired), *_in_period(period))
            .distinct()
            .tuples()
        }
    columns, numbers = [], {}
    order = {tid: i for i, tid in enumerate(ids)}
    for q in sorted(questions, key=lambda q: (order[q.template_id], q.position, q.id)):
        if q.retired and q.id not in answered:
            continue
        numbers[q.template_id] = numbers.get(q.template_id, 0) + 1
        columns.append(
            _QuestionColumn(q.id, q.template_id, numbers[q.template_id], q.text, q.kind, q.labels(), q)
        )
    return columns


def _customer_name(name: str, title: str, mask: bool) -> str:
    name, title = name or "", title or ""
    if mask:
        return mask_name(name) + title if name else ""
    return f"{name}{title}" if title and len(name) <= 1 else name


def _private_text(value: str | None, name: str | None, respondent: str | None) -> str | None:
    """A customer's free text fit for a masked workbook: phone numbers as 138****5678, the
    visit's customer and respondent names as 张* (other names cannot be told from words)."""
    if not value:
        return value
    value = mask_phones_in_text(value)
    if (name and name in value) or (respondent and respondent in value):
        value = mask_names_in_text(value, (name, respondent))
    return value


def _answer_value(column: _QuestionColumn, value, text: str):
    """What the cell shows: the option label (五级, 是/否, 单选), the number (1–10, 0–10) or the text."""
    if column.kind == TEXT:
        return text or None
    if value is None:
        return None
    if column.kind in (SCORE10, NPS):
        return int(value)
    index = column.question.option_of_value(value)
    if index is not None and 0 <= index < len(column.labels):
        return column.labels[index]
    return value


def _visit_rows_query(period: Period):
    categories = (
        VisitProblem.select(group_concat(ProblemCategory.name, "、"))
        .join(ProblemCategory, on=(VisitProblem.category == ProblemCategory.id))
        .where(VisitProblem.visit == Visit.id)
    )
    return (
        Visit.select(
            Visit.id,
            Visit.visit_date,
            visit_kind_sql(),
            Customer.code,
            Customer.name,
            Customer.title,
            Customer.phone,
            ServiceOrder.order_no,
            ServiceOrder.service_type,
            ServiceOrder.product_model,
            ServiceOrder.engineer,
            ServiceOrder.team,
            Customer.region,
            Visit.template,
            Visit.method,
            Visit.visitor,
            Visit.respondent,
            Visit.status,
            Visit.invalid,
            Visit.invalid_reason,
            Visit.mood,
            categories,
            Visit.repurchase,
            Visit.sign_status,
            Visit.feedback,
        )
        .join(Customer, on=(Visit.customer == Customer.id))
        .switch(Visit)
        .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
        .where(*_in_period(period))
        .order_by(Visit.visit_date, Visit.id)
        .tuples()
    )


def visit_kind_sql():
    """SQL on ``Visit``: what kind of visit a row is — its task's trigger (首次回访, 投诉回访,
    交付1个月 … 二次回访), 二次回访 for the verification form without a task, else 手工."""
    trigger = VisitTask.select(VisitTask.trigger).where(VisitTask.id == Visit.task)
    return pw.Case(
        None,
        [(verification_condition(), pw.fn.COALESCE(trigger, VERIFY_TRIGGER))],
        pw.fn.COALESCE(trigger, VISIT_KIND_MANUAL),
    )


def _answer_rows_query(period: Period):
    """The answers of the same visits in the same order as ``_visit_rows_query``."""
    return (
        Answer.select(Answer.visit, Answer.question, Answer.value, Answer.text)
        .join(Visit, on=(Answer.visit == Visit.id))
        .where(*_in_period(period))
        .order_by(Visit.visit_date, Visit.id)
        .tuples()
    )


_MISSING = object()


class _TextMemo(dict):
    """``memo[value]`` → ``text(value)``, remembered for plain results (a dict hit costs far
    less than the check). Quote-prefixed cells are made afresh each time."""

    def __init__(self, text: Callable):
        super().__init__()
        self._text = text

    def __missing__(self, key):
        value = self._text(key)
        if value.__class__ is not Cell and len(self) < 5000:
            self[key] = value
        return value


def _stream(query, size: int = 2000):
    """The query's rows as the database returns them, fetched in batches in SQL order (like
    ``.tuples().iterator()`` without peewee's per-value conversion, a tenth of the export's time
    on 100k visits): dates stay ISO text, booleans 0/1."""
    cursor = db.execute(query)
    try:
        while rows := cursor.fetchmany(size):
            yield from rows
    finally:
        cursor.close()


def _write_visits(
    sheet: Sheet,
    period: Period,
    templates: Sequence[TemplateUsed],
    mask: bool,
    report: Progress,
    rows: int,
) -> int:
    """回访记录; ``rows`` is the number of visits the period holds (counted in the same read
    transaction), for the progress and the sheet's declared size."""
    columns = question_columns(templates, period)
    fixed = len(VISIT_COLUMNS)
    col_of = {c.id: fixed + i for i, c in enumerate(columns)}
    number_of = {c.id: c.number for c in columns}
    labels = {t.id: t.label for t in templates}
    widths = [w for _, w in VISIT_COLUMNS] + [30 if c.kind == TEXT else 16 for c in columns]
    sheet.widths(widths)
    sheet.freeze("C3")
    sheet.height(2, 60)
    sheet.print_setup(fit_width=False, title_rows=2)
    sheet.declare_size(rows + 2, fixed + len(columns))

    # row 1: group headers (回访信息, then each template over its questions); row 2: names
    groups: list[tuple[str, int, int]] = [(VISIT_GROUP, 1, fixed)]
    start = fixed + 1
    for t in templates:
        n = sum(1 for c in columns if c.template_id == t.id)
        if n:
            groups.append((t.label, start, start + n - 1))
            start += n
    top = [None] * (fixed + len(columns))
    for label, first, _last in groups:
        top[first - 1] = label
    sheet.styled_row(top, "group_left")
    sheet.header([name for name, _ in VISIT_COLUMNS] + [c.header for c in columns])
    for _label, first, last in groups:
        sheet.merge(1, first, last)
    by_id = {c.id: c for c in columns}
    text, coded = sheet.text, sheet.coded
    template_labels = {tid: text(label) for tid, label in labels.items()}
    # few distinct values (types, teams, statuses …): each text checked once, not once per row
    memo = _TextMemo(text)
    # 无效原因 may quote the customer ("换号了,新号139…"): masked once per distinct reason
    reasons = _TextMemo(lambda v: text(mask_phones_in_text(v)) if mask and v else text(v))

    answers = _stream(_answer_rows_query(period))
    visits = _stream(_visit_rows_query(period))
    # closed on the way out, also when cancelled: no cursor is left to a finaliser
    with contextlib.closing(answers), contextlib.closing(visits):
        pending = next(answers, None)
        done = 0
        width = fixed + len(columns)
        for row in visits:
            (
                vid,
                day,
                kind,
                code,
                name,
                title,
                phone,
                order_no,
                service_type,
                product,
                engineer,
                team,
                region,
                template_id,
                method,
                visitor,
                respondent,
                status,
                invalid,
                invalid_reason,
                mood,
                categories,
                repurchase,
                sign_status,
                feedback,
            ) = row
            values = [None] * width
            comments = None
            while pending is not None and pending[0] == vid:
                _, qid, value, answer_text = pending
                column = by_id.get(qid)
                if column is not None:
                    if column.is_text:
                        shown = text(_private_text(answer_text, name, respondent) if mask else answer_text)
                    else:
                        shown = column.shown.get(value, _MISSING)
                        if shown is _MISSING:
                            shown = _answer_value(column, value, answer_text)
                            shown = text(shown) if shown.__class__ is str else shown
                            if shown.__class__ is not Cell:
                                column.shown[value] = shown
                    values[col_of[qid]] = shown
                    if answer_text and not column.is_text:
                        comments = comments or []
                        comments.append(f"[第{number_of[qid]}题] {answer_text}")
                pending = next(answers, None)
            if comments:
                feedback = "\n".join([feedback, *comments]) if feedback else "\n".join(comments)
            values[:fixed] = (
                vid,
                date.fromisoformat(day[:10]) if day.__class__ is str else day,
                memo[kind],
                coded(code),
                text(_customer_name(name, title, mask)),
                coded(mask_phone(phone) if mask else phone),
                coded(order_no),
                memo[service_type],
                memo[product],
                memo[engineer],
                memo[team],
                memo[region],
                template_labels.get(template_id),
                memo[method],
                memo[visitor],
                text(mask_name(respondent) if mask and respondent else respondent),
                memo[status],
                INVALID if invalid else VALID,
                reasons[invalid_reason],
                memo[mood],
                memo[categories],
                YES if repurchase else NO,
                memo[sign_status],
                text(_private_text(feedback, name, respondent) if mask else feedback),
            )
            sheet.append_ready(values)
            done += 1
            if done % PROGRESS_EVERY == 0:
                report(done, rows + 6, f"正在写入回访记录 {done}/{rows}…")
    sheet.auto_filter(2, width)
    return done


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


def _write_dimensions(sheet: Sheet, period: Period, today: date) -> None:
    rows, summary = dimension_rows(period, today)
    write_dimension_sheet(sheet, rows, summary)


# ---------------------------------------------------------------- 问题分类
def write_problem_header(sheet: Sheet, prefix: Sequence[str] = ()) -> None:
    sheet.widths([12] * len(prefix) + [16, 8, 9, 10])
    sheet.freeze("A2")
    sheet.print_setup(fit_width=True)
    sheet.header([*prefix, *PROBLEM_COLUMNS])


def _write_problems(sheet: Sheet, period: Period) -> None:
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


# ---------------------------------------------------------------- 改进方案表
def plan_action_ids(period: Period) -> list[int]:
    """Actions about the period: linked to a visit of the period, or running during it
    (created by its end and not closed before it began)."""
    linked = (
        ActionVisit.select(ActionVisit.action)
        .join(Visit, on=(ActionVisit.visit == Visit.id))
        .where(*_in_period(period))
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


def _write_plan(sheet: Sheet, period: Period, mask: bool, today: date) -> None:
    write_plan_header(sheet)
    ids = plan_action_ids(period)
    rows = improvement.plan_rows(improvement.ALL, mask=mask, today=today, action_ids=ids) if ids else []
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
                    card.target,
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
                card.target,
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


def _write_kpi(sheet: Sheet, period: Period) -> None:
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
    (SHEET_FOLLOWUP, "投诉率和投诉处理及时率按投诉等级分列，回收率按发放渠道（纸质问卷、短信、微信）分列，各附目标值"),
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
