"""总部合并: several branches' head-office workbooks (``services.export``) into one.

``consolidate([A.xlsx, B.xlsx, …], out)`` first reads every file's 说明 sheet and refuses, with a
Chinese message naming the file and what differs, when the workbooks do not fit together: a
different 统计期间, a questionnaire used in different versions, the same branch twice, a file
that is not a branch workbook of this program (or already a consolidated one).

The result has the same sheets and formatting rules as a branch workbook, plus 分支对比:

* 回访记录 / 问题分类 / 改进方案表 / 质量评价表 — every branch's rows with a 分支 column in front
  (回访记录's question columns are the union over the branches, matched by questionnaire and
  question); 问题分类 also gets a 全部分支 Pareto below the table;
* 维度统计 — recomputed from the summed counts per level (and promoters/detractors, 是/否, visits,
  due and completed tasks): never an average of the branches' percentages. The previous period's
  rate is pooled the same way (each branch's rate × its sample gives back its count);
* 分支对比 — one row per branch and one for all: visits, 满意率, 平均分, NPS, 回收率 and each
  dimension's rate side by side;
* 投诉与回收 — 投诉率 and 投诉处理及时率 per level and 回收率 per channel against their goals
  (``reporting.followup_figures``): 全部分支 from the summed counts, then each branch's rows.

Files are read with openpyxl's read-only mode and written with the write-only mode, so memory
stays flat; the output is written under a temporary name and renamed at the end.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from ...common import archive_guard
from ...common.errors import UserError
from ...reporting import followup_figures, periods, statistics
from ...reporting.scoring import trend
from .book_format import (
    DATE_COLUMNS,
    DIM_COLUMNS,
    EMPTY_ROWS,
    FORMAT_VERSION,
    INFO_BRANCH,
    INFO_FORMAT,
    INFO_GENERATED,
    INFO_KIND,
    INFO_MASKED,
    INFO_PERIOD,
    INFO_PERIOD_CODE,
    INFO_TEMPLATE,
    KIND_BRANCH,
    KIND_CONSOLIDATED,
    KPI_COLUMNS,
    KPI_PERCENT_NOTE,
    KPI_TOTAL,
    MASKED_TEXT,
    PROBLEM_COLUMNS,
    SHEET_DIMENSIONS,
    SHEET_FOLLOWUP,
    SHEET_INFO,
    SHEET_KPI,
    SHEET_PLAN,
    SHEET_PROBLEMS,
    SHEET_VISITS,
    SUM_COMPLETED,
    SUM_DUE,
    SUM_INVALID,
    SUM_PREVIOUS,
    SUM_VALID,
    SUM_VISITS,
    TEXT_COLUMNS,
    VISIT_COLUMNS,
    VISIT_GROUP,
    VISIT_KIND,
    percent_style,
)
from .export import write_info_sheet
from .sheets_figures import DimensionRow, Summary, write_dimension_sheet, write_problem_header
from .sheets_plan import KPI_NOTES, PLAN_STYLES, plan_columns, write_kpi_header, write_plan_header
from .sheets_visits import TemplateUsed
from .xlsx import Book, Sheet, check_output

Progress = Callable[[int, int, str], None]

BRANCH = "分支"
ALL_BRANCHES = "全部分支"
SHEET_COMPARE = "分支对比"
SHEETS = (
    SHEET_VISITS, SHEET_DIMENSIONS, SHEET_COMPARE, SHEET_FOLLOWUP, SHEET_PROBLEMS, SHEET_PLAN, SHEET_KPI, SHEET_INFO,
)  # fmt: skip
MERGE_NOTE = (
    "合并口径",
    "各比率由各分支的计数相加后重新计算（不是各分支百分比的平均）；上期比率按各分支上期样本加权合并",
)
RATE_TOLERANCE = 0.005
PROGRESS_EVERY = 1000


# ---------------------------------------------------------------- reading a branch workbook
@dataclass
class BranchBook:
    path: Path
    branch: str
    period_code: str
    period_label: str
    templates: list[TemplateUsed]
    masked: bool
    generated_at: datetime | None

    @property
    def versions(self) -> dict[str, set[int]]:
        out: dict[str, set[int]] = {}
        for t in self.templates:
            out.setdefault(t.name, set()).add(t.version)
        return out


def _open(path: Path):
    if not path.is_file():
        raise UserError(f"找不到文件 {path}，请检查文件名和位置。")
    archive_guard.check_archive(path, "合并")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML or openpyxl errors: all mean "not readable"
        raise UserError(
            f"无法读取 {path.name}：它不是有效的 .xlsx 工作簿（{type(exc).__name__}）。"
        ) from None


def _sheet(wb, name: str, path: Path):
    if name not in wb.sheetnames:
        raise UserError(
            f"{path.name} 缺少“{name}”工作表：它不是回访通导出的总部工作簿，或被修改过。请重新导出后再合并。"
        )
    return wb[name]


def _blank(row) -> bool:
    return all(v is None or v == "" for v in row)


def read_info(path) -> BranchBook:
    """The 说明 sheet of a branch workbook; UserError when the file is not one."""
    path = Path(path)
    wb = _open(path)
    try:
        return _read_info(wb, path)
    finally:
        wb.close()


def _read_info(wb, path: Path) -> BranchBook:
    ws = _sheet(wb, SHEET_INFO, path)
    facts: dict[str, list] = {}
    templates = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        if not row or row[0] is None:
            continue
        key, values = str(row[0]), list(row[1:])
        if key == INFO_TEMPLATE:
            if len(values) >= 3 and values[1]:
                family = values[3] if len(values) > 3 else ""
                templates.append(TemplateUsed(0, str(values[1]), _int(values[2]), str(family or "")))
            continue
        facts.setdefault(key, values)

    def fact(key: str):
        values = facts.get(key)
        return values[0] if values else None

    kind = fact(INFO_KIND)
    if kind == KIND_CONSOLIDATED:
        raise UserError(f"{path.name} 已经是合并工作簿，不能再次合并。请选择各分支导出的工作簿。")
    if kind != KIND_BRANCH:
        raise UserError(f"{path.name} 的“说明”工作表不是回访通分支工作簿的格式，请用回访通重新导出。")
    version = fact(INFO_FORMAT)
    if isinstance(version, int | float) and version > FORMAT_VERSION:
        raise UserError(
            f"{path.name} 由更新版本的回访通导出（格式版本 {int(version)}），请升级回访通后再合并。"
        )
    code = fact(INFO_PERIOD_CODE)
    branch = fact(INFO_BRANCH)
    if not code or not branch:
        raise UserError(f"{path.name} 的“说明”缺少分支或统计期间，请重新导出。")
    generated = fact(INFO_GENERATED)
    return BranchBook(
        path=path,
        branch=str(branch).strip(),
        period_code=str(code).strip(),
        period_label=str(fact(INFO_PERIOD) or code),
        templates=templates,
        masked=fact(INFO_MASKED) == MASKED_TEXT,
        generated_at=generated if isinstance(generated, datetime) else None,
    )


def check_compatible(books: Sequence[BranchBook]) -> None:
    """Refuse (UserError) workbooks of different periods, questionnaire versions or branches."""
    first = books[0]
    for book in books[1:]:
        if book.period_code != first.period_code:
            raise UserError(
                f"统计期间不同，不能合并：{book.path.name} 是 {book.period_label}（{book.period_code}），"
                f"{first.path.name} 是 {first.period_label}（{first.period_code}）。"
                "请让各分支按同一期间重新导出。"
            )
    seen: dict[str, BranchBook] = {}
    for book in books:
        other = seen.get(book.branch)
        if other is not None:
            raise UserError(
                f"分支名称重复：{other.path.name} 和 {book.path.name} 都是“{book.branch}”。"
                "同一分支只能合并一次；若是不同分支，请导出时填写各自的分支名称。"
            )
        seen[book.branch] = book
    versions: dict[str, tuple[BranchBook, set[int]]] = {}
    for book in books:
        for name, used in book.versions.items():
            if name not in versions:
                versions[name] = (book, used)
                continue
            other, other_used = versions[name]
            if used != other_used:
                raise UserError(
                    f"问卷“{name}”的版本不同，不能合并：{other.path.name} 用的是{_versions(other_used)}，"
                    f"{book.path.name} 用的是{_versions(used)}。请各分支统一使用同一版问卷后重新导出。"
                )


def _versions(used: set[int]) -> str:
    return "、".join(f"第{v}版" for v in sorted(used))


# ---------------------------------------------------------------- 维度统计 read and merged
def _columns(header: Sequence, path: Path, sheet: str, needed: Sequence[str]) -> dict[str, int]:
    index = {str(v): i for i, v in enumerate(header) if v is not None}
    missing = [name for name in needed if name not in index]
    if missing:
        raise UserError(
            f"{path.name} 的“{sheet}”缺少列：{'、'.join(missing)}。文件可能被修改过，请重新导出后再合并。"
        )
    return index


def _num(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value) -> int:
    number = _num(value)
    return int(round(number)) if number is not None else 0


def read_dimensions(ws, path: Path) -> tuple[list[DimensionRow], Summary]:
    rows_iter = ws.iter_rows(values_only=True)
    header = next(rows_iter, ())
    col = _columns(header, path, SHEET_DIMENSIONS, DIM_COLUMNS)

    def get(row, name):
        i = col[name]
        return row[i] if i < len(row) else None

    out: list[DimensionRow] = []
    summary = Summary()
    in_table = True
    for row in rows_iter:
        if _blank(row):
            in_table = False
            continue
        if in_table:
            out.append(
                DimensionRow(
                    name=str(get(row, "维度")),
                    n=_int(get(row, "有效样本")),
                    counts={
                        level: _int(get(row, name))
                        for level, name in zip((5, 4, 3, 2, 1), DIM_COLUMNS[2:7], strict=True)
                    },
                    promoters=_int(get(row, DIM_COLUMNS[9])),
                    passives=_int(get(row, DIM_COLUMNS[10])),
                    detractors=_int(get(row, DIM_COLUMNS[11])),
                    yes=_int(get(row, "是")),
                    no=_int(get(row, "否")),
                    metric=str(get(row, "比较指标") or ""),
                    previous=_num(get(row, "上期")),
                    previous_n=_int(get(row, "上期样本")),
                    arrow=str(get(row, "较上期") or ""),
                    change=_num(get(row, "变化")),
                )
            )
            continue
        label, value = row[0], row[1] if len(row) > 1 else None
        if label == SUM_VISITS:
            summary.visits = _int(value)
        elif label == SUM_VALID:
            summary.valid = _int(value)
        elif label == SUM_INVALID:
            summary.invalid = _int(value)
        elif label == SUM_DUE:
            summary.due = _int(value)
        elif label == SUM_COMPLETED:
            summary.completed = _int(value)
        elif label == SUM_PREVIOUS:
            summary.previous_label = str(value or "")
    if not out or out[0].name != statistics.OVERALL:
        raise UserError(f"{path.name} 的“{SHEET_DIMENSIONS}”缺少“总体”一行，请重新导出后再合并。")
    return out, summary


def _metric_count(metric: str, rate: float, n: int) -> int:
    """A branch's rate × its sample gives back its count (top-2 answers, P − D, 是)."""
    return round(rate * n / 100) if metric == "NPS" else round(rate * n)


def merge_dimensions(branches: Sequence[list[DimensionRow]]) -> list[DimensionRow]:
    """Sum the branches' counts per dimension (总体 first, then by first appearance) and recompute
    the previous-period comparison from the pooled counts."""
    merged: dict[str, DimensionRow] = {}
    previous: dict[str, dict[str, list[int]]] = {}  # name → metric → [count, sample]
    for rows in branches:
        for row in rows:
            m = merged.get(row.name)
            if m is None:
                m = merged[row.name] = DimensionRow(row.name)
            m.n += row.n
            for level in (5, 4, 3, 2, 1):
                m.counts[level] += row.counts.get(level, 0)
            m.promoters += row.promoters
            m.passives += row.passives
            m.detractors += row.detractors
            m.yes += row.yes
            m.no += row.no
            if row.metric and row.previous is not None and row.previous_n:
                slot = previous.setdefault(row.name, {}).setdefault(row.metric, [0, 0])
                slot[0] += _metric_count(row.metric, row.previous, row.previous_n)
                slot[1] += row.previous_n
    for name, m in merged.items():
        pooled = previous.get(name, {})
        if m.level_n or pooled.get("满意率"):
            m.metric = "满意率"
        elif m.nps_n or pooled.get("NPS"):
            m.metric = "NPS"
        elif m.yes + m.no or pooled.get("是占比"):
            m.metric = "是占比"
        slot = pooled.get(m.metric)
        if slot and slot[1]:
            count, sample = slot
            m.previous = count * 100 / sample if m.metric == "NPS" else count / sample
            m.previous_n = sample
            tolerance = statistics.NPS_TOLERANCE if m.metric == "NPS" else RATE_TOLERANCE
            m.arrow, m.change = trend(m.metric_value(), m.previous, tolerance)
    return list(merged.values())


def merge_summaries(summaries: Sequence[Summary]) -> Summary:
    out = Summary(previous_label=next((s.previous_label for s in summaries if s.previous_label), ""))
    for s in summaries:
        out.visits += s.visits
        out.valid += s.valid
        out.invalid += s.invalid
        out.due += s.due
        out.completed += s.completed
    return out


# ---------------------------------------------------------------- the consolidation
@dataclass
class ConsolidateResult:
    path: Path
    period_label: str
    branches: list[str]
    visits: int
    seconds: float = 0.0
    rows_per_branch: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        per = "，".join(f"{b} {n} 条" for b, n in self.rows_per_branch.items())
        return (
            f"已合并 {len(self.branches)} 个分支到 {self.path}：{self.period_label}，"
            f"回访记录共 {self.visits} 条（{per}），用时 {self.seconds:.1f} 秒。"
        )


@dataclass
class _VisitLayout:
    """A branch's 回访记录 columns and where each goes in the merged sheet."""

    fixed: list[str]
    questions: list[tuple[str, str]]  # (questionnaire label, question header)


def _visit_layout(ws, path: Path) -> _VisitLayout:
    rows = ws.iter_rows(min_row=1, max_row=2, values_only=True)
    groups = list(next(rows, ()))
    names = list(next(rows, ()))
    fixed_names = [name for name, _ in VISIT_COLUMNS]
    older = [name for name in fixed_names if name != VISIT_KIND]  # workbooks before 回访类型
    if names[: len(fixed_names)] != fixed_names and names[: len(older)] == older:
        fixed_names = older
    if names[: len(fixed_names)] != fixed_names:
        raise UserError(
            f"{path.name} 的“{SHEET_VISITS}”表头与本程序的格式不一致，文件可能被修改过。请重新导出后再合并。"
        )
    questions = []
    current = ""
    for i in range(len(fixed_names), len(names)):
        if i < len(groups) and groups[i]:
            current = str(groups[i])
        if names[i] is None:
            continue
        questions.append((current, str(names[i])))
    return _VisitLayout(fixed_names, questions)


def consolidate(
    inputs: Sequence,
    out,
    *,
    progress: Progress | None = None,
    generated_at: datetime | None = None,
) -> ConsolidateResult:
    """Merge the branch workbooks ``inputs`` into ``out`` (see the module docstring). Raises
    UserError naming the file and the difference when they do not fit together."""
    started = time.perf_counter()
    report = progress or (lambda done, total, text="": None)
    paths = [Path(str(p)).expanduser() for p in inputs]
    if len(paths) < 2:
        raise UserError("请至少选择两个分支工作簿进行合并。")
    out = check_output(out)
    resolved = [p.resolve() for p in paths]
    if len(set(resolved)) != len(resolved):
        dup = next(p for p in paths if resolved.count(p.resolve()) > 1)
        raise UserError(f"{dup.name} 被选择了两次，请每个分支只选一次。")
    if out.resolve() in resolved:
        raise UserError(f"输出文件 {out.name} 就是要合并的文件之一，请换一个文件名。")
    generated_at = generated_at or datetime.now().replace(microsecond=0)
    logging.getLogger(__name__).info("合并 %s 个分支工作簿 → %s", len(paths), out)
    steps = len(paths) * 2 + 2

    # pass 1: check every file and learn the question columns
    books, layouts, dims, summaries, sizes = [], [], [], [], []
    for i, path in enumerate(paths):
        report(i, steps, f"正在检查 {path.name}…")
        wb = _open(path)
        try:
            books.append(_read_info(wb, path))
            visits_ws = _sheet(wb, SHEET_VISITS, path)
            layouts.append(_visit_layout(visits_ws, path))
            sizes.append(visits_ws.max_row)  # declared by the export; None when a program dropped it
            rows, summary = read_dimensions(_sheet(wb, SHEET_DIMENSIONS, path), path)
            dims.append(rows)
            summaries.append(summary)
            for name in (SHEET_PROBLEMS, SHEET_PLAN, SHEET_KPI):
                _sheet(wb, name, path)
        finally:
            wb.close()
    check_compatible(books)
    period = periods.parse_period(books[0].period_code)

    # the union of the question columns, kept together by questionnaire
    groups: dict[str, list[str]] = {}
    for layout in layouts:
        for label, name in layout.questions:
            names = groups.setdefault(label, [])
            if name not in names:
                names.append(name)
    question_keys = [(label, name) for label, names in groups.items() for name in names]

    book = Book()
    sheets = {name: book.sheet(name) for name in SHEETS}
    visits_sheet = sheets[SHEET_VISITS]
    problems_sheet, plan_sheet, kpi_sheet = sheets[SHEET_PROBLEMS], sheets[SHEET_PLAN], sheets[SHEET_KPI]
    pareto: dict[str, int] = {}
    rows_per_branch: dict[str, int] = {}
    figures: list[tuple[str, list]] = []  # 投诉与回收 of each branch that has the sheet
    try:
        if all(sizes):  # an upper bound of the rows to come (blank rows are skipped); before the header
            visits_sheet.declare_size(
                sum(n - 2 for n in sizes) + 2, 1 + len(VISIT_COLUMNS) + len(question_keys)
            )
        _visit_header(visits_sheet, question_keys)
        write_problem_header(problems_sheet, (BRANCH,))
        write_plan_header(plan_sheet, (BRANCH,))
        write_kpi_header(kpi_sheet, (BRANCH,))
        # pass 2: copy each branch's rows
        for i, (path, branch_book, layout) in enumerate(zip(paths, books, layouts, strict=True)):
            report(len(paths) + i, steps, f"正在合并 {branch_book.branch}…")
            wb = _open(path)
            try:
                n = _copy_visits(
                    wb[SHEET_VISITS], visits_sheet, branch_book.branch, layout, question_keys, report
                )
                rows_per_branch[branch_book.branch] = n
                _copy_problems(wb[SHEET_PROBLEMS], problems_sheet, branch_book.branch, pareto)
                _copy_table(
                    wb[SHEET_PLAN], plan_sheet, branch_book.branch, 3, len(plan_columns()), PLAN_STYLES
                )
                _copy_kpi(wb[SHEET_KPI], kpi_sheet, branch_book.branch)
                if SHEET_FOLLOWUP in wb.sheetnames and (
                    rows := followup_figures.read_rows(wb[SHEET_FOLLOWUP])
                ):
                    figures.append((branch_book.branch, rows))
            finally:
                wb.close()
        visits_sheet.auto_filter(2, visits_sheet.columns or 1)
        _finish_problems(problems_sheet, pareto)
        plan_sheet.auto_filter(2, len(plan_columns()) + 1)
        plan_sheet.blank()
        plan_sheet.note("各分支的改进方案表；“分支”列标明来源。")
        kpi_sheet.auto_filter(1, len(KPI_COLUMNS) + 1)
        kpi_sheet.blank()
        for label, text in KPI_NOTES:
            kpi_sheet.note(text, label)

        report(steps - 2, steps, "正在汇总维度统计…")
        merged = merge_dimensions(dims)
        total = merge_summaries(summaries)
        write_dimension_sheet(sheets[SHEET_DIMENSIONS], merged, total, notes=(MERGE_NOTE,))
        _write_compare(sheets[SHEET_COMPARE], books, dims, summaries, merged, total)
        pooled = followup_figures.pooled([rows for _, rows in figures])
        followup_figures.write_rows(sheets[SHEET_FOLLOWUP], [(ALL_BRANCHES, pooled), *figures])
        _write_info(sheets[SHEET_INFO], books, period, generated_at)
        report(steps - 1, steps, "正在保存文件…")
        book.save(out)
    except BaseException:
        book.discard()
        raise
    return ConsolidateResult(
        out,
        period.label,
        [b.branch for b in books],
        sum(rows_per_branch.values()),
        seconds=time.perf_counter() - started,
        rows_per_branch=rows_per_branch,
    )


# ---------------------------------------------------------------- 回访记录
def _visit_header(sheet: Sheet, question_keys: list[tuple[str, str]]) -> None:
    fixed = [name for name, _ in VISIT_COLUMNS]
    widths = [12] + [w for _, w in VISIT_COLUMNS] + [16] * len(question_keys)
    sheet.widths(widths)
    sheet.freeze("D3")
    sheet.height(2, 60)
    sheet.print_setup(fit_width=False, title_rows=2)
    top: list[str | None] = [VISIT_GROUP] + [None] * (len(fixed) + len(question_keys))
    spans = [(1, len(fixed) + 1)]
    col = len(fixed) + 2
    previous = None
    for label, _name in question_keys:
        if label != previous:
            top[col - 1] = label
            spans.append((col, col))
            previous = label
        else:
            spans[-1] = (spans[-1][0], col)
        col += 1
    sheet.styled_row(top, "group_left")
    sheet.header([BRANCH, *fixed, *[name for _, name in question_keys]])
    for first, last in spans:
        sheet.merge(1, first, last)


def _converter(sheet: Sheet, name: str):
    """How a value read back from a branch workbook is written again under column ``name``."""
    if name in TEXT_COLUMNS:
        return lambda v: sheet.coded(v if isinstance(v, str) else str(v))
    if name in DATE_COLUMNS:
        return lambda v: sheet.cell(v, "date") if isinstance(v, date | datetime) else sheet.cell(v)
    return lambda v: sheet.text(v) if isinstance(v, str) else sheet.cell(v)


def _copy_visits(ws, sheet: Sheet, branch: str, layout: _VisitLayout, keys, report: Progress) -> int:
    all_fixed = [name for name, _ in VISIT_COLUMNS]
    fixed = len(all_fixed)
    width = 1 + fixed + len(keys)
    where = {key: 1 + fixed + keys.index(key) for key in layout.questions}
    # by name: a workbook written before a column was added (回访类型) leaves that column empty
    target = [1 + all_fixed.index(name) for name in layout.fixed] + [where[key] for key in layout.questions]
    convert = [_converter(sheet, name) for name in layout.fixed] + [
        (lambda v: sheet.text(v) if isinstance(v, str) else sheet.cell(v))
    ] * len(layout.questions)
    branch_cell = sheet.text(branch)
    n = 0
    for row in ws.iter_rows(min_row=3, values_only=True):
        if _blank(row):
            continue
        values = [None] * width
        values[0] = branch_cell if branch_cell.__class__ is str else sheet.text(branch)
        for i, value in enumerate(row[: len(target)]):
            if value is not None:
                values[target[i]] = convert[i](value)
        sheet.append_ready(values)
        n += 1
        if n % PROGRESS_EVERY == 0:
            report(n, 0, f"正在合并 {branch} 的回访记录 {n} 条…")
    return n


# ---------------------------------------------------------------- the other tables
def _table_rows(ws, first_row: int, width: int):
    """The table's rows from ``first_row`` up to the first blank row, without placeholders."""
    for row in ws.iter_rows(min_row=first_row, values_only=True):
        if _blank(row):
            return
        row = list(row[:width]) + [None] * max(0, width - len(row))
        if isinstance(row[0], str) and row[0] in EMPTY_ROWS and _blank(row[1:]):
            continue
        yield row


def _copy_table(ws, sheet: Sheet, branch: str, first_row: int, width: int, styles: Sequence) -> None:
    for row in _table_rows(ws, first_row, width):
        sheet.append([branch, *row], [None, *styles])


def _copy_problems(ws, sheet: Sheet, branch: str, pareto: dict[str, int]) -> None:
    for name, count, share, cumulative in _table_rows(ws, 2, len(PROBLEM_COLUMNS)):
        sheet.append([branch, name, count, share, cumulative], [None, None, None, "pct", "pct"])
        if name is not None:
            pareto[str(name)] = pareto.get(str(name), 0) + _int(count)


def _finish_problems(sheet: Sheet, pareto: dict[str, int]) -> None:
    if sheet.rows == 1:
        sheet.append([None, "（各分支本期都没有标记问题分类的回访）"])
    sheet.auto_filter(1, len(PROBLEM_COLUMNS) + 1)
    sheet.blank()
    sheet.styled_row([ALL_BRANCHES, *PROBLEM_COLUMNS], "head")
    total = sum(pareto.values())
    running = 0
    for name, count in sorted(pareto.items(), key=lambda kv: (-kv[1], kv[0])):
        running += count
        sheet.append(
            [ALL_BRANCHES, name, count, count / total if total else None, running / total if total else None],
            [None, None, None, "pct", "pct"],
        )
    sheet.append([ALL_BRANCHES, KPI_TOTAL, total], ["total", "total", "total"])
    sheet.blank()
    sheet.note("上表为各分支的问题分类；“全部分支”按各分支频次相加后重新计算占比。")


_KPI_TOTAL_STYLES = [None, *["total"] * 7, "total_dec2", "total", "total"]


def _kpi_styles(row) -> list:
    """分支 + KPI_COLUMNS: 目标值 / 实际值 in percent as the branch wrote them (a qualitative
    indicator has no 目标值; its 实际值 is the reviewers' mean), 得分 with two decimals."""
    target, actual = row[5], row[6]
    numbers = all(v is None or isinstance(v, int | float) for v in (target, actual))
    if not numbers:
        target_style = actual_style = None
    elif target is None:
        target_style, actual_style = None, "dec2"
    else:
        target_style, actual_style = percent_style(target), percent_style(actual)
    return [None] * 6 + [target_style, actual_style, "dec2", None, None]


def _copy_kpi(ws, sheet: Sheet, branch: str) -> None:
    for row in _table_rows(ws, 2, len(KPI_COLUMNS)):
        sheet.append([branch, *row], _KPI_TOTAL_STYLES if row[2] == KPI_TOTAL else _kpi_styles(row))


# ---------------------------------------------------------------- 分支对比
def _compare_columns(merged: Sequence[DimensionRow]) -> list[tuple[str, str]]:
    """(dimension, metric) for the per-dimension columns: 满意率, or NPS / 是占比 where that is
    the dimension's figure."""
    return [(row.name, row.metric or "满意率") for row in merged if row.name != statistics.OVERALL]


def _write_compare(sheet, books, dims, summaries, merged, total) -> None:
    columns = _compare_columns(merged)
    header = ["分支", "回访总数", "有效回访", "无效回访", "总体满意率", "平均分", "NPS", "回收率"]
    header += [f"{name}{metric}" for name, metric in columns]
    sheet.widths([14, 9, 9, 9, 10, 8, 8, 8] + [12] * len(columns))
    sheet.freeze("B2")
    sheet.height(1, 32)
    sheet.print_setup(fit_width=True)
    sheet.header(header)
    styles = [None, None, None, None, "pct", "dec2", "dec1", "pct"]
    styles += ["dec1" if metric == "NPS" else "pct" for _, metric in columns]

    def line(name: str, rows: Sequence[DimensionRow], summary: Summary) -> list:
        by_name = {r.name: r for r in rows}
        overall = by_name.get(statistics.OVERALL, DimensionRow(statistics.OVERALL))
        values = [
            name,
            summary.visits,
            summary.valid,
            summary.invalid,
            overall.satisfaction,
            overall.mean,
            overall.nps,
            summary.recovery,
        ]
        for dim, metric in columns:
            row = by_name.get(dim)
            values.append(
                None
                if row is None
                else {"NPS": row.nps, "是占比": row.yes_share}.get(metric, row.satisfaction)
            )
        return values

    for branch_book, rows, summary in zip(books, dims, summaries, strict=True):
        sheet.append(line(branch_book.branch, rows, summary), styles)
    sheet.auto_filter(1, len(header))
    totals = line(ALL_BRANCHES, merged, total)
    sheet.append(
        totals,
        ["total", "total", "total", "total", "total_pct", "total_dec2", "total_dec1", "total_pct"]
        + ["total_dec1" if metric == "NPS" else "total_pct" for _, metric in columns],
    )
    sheet.blank()
    sheet.note("“全部分支”一行由各分支的计数相加后重新计算；满意率口径见“维度统计”。")


# ---------------------------------------------------------------- 说明
def _write_info(sheet: Sheet, books: Sequence[BranchBook], period, generated_at: datetime) -> None:
    templates: list[TemplateUsed] = []
    for b in books:
        for t in b.templates:
            if all((t.name, t.version) != (u.name, u.version) for u in templates):
                templates.append(t)
    unmasked = [b.branch for b in books if not b.masked]
    masked = (
        MASKED_TEXT
        if not unmasked
        else f"含完整联系方式（分支：{'、'.join(unmasked)}），请妥善保管，不要随意转发"
    )
    extra = [
        [
            "来源文件",
            b.path.name,
            b.branch,
            None,
            f"{b.generated_at:%Y-%m-%d %H:%M}" if b.generated_at else None,
        ]
        for b in books
    ]
    write_info_sheet(
        sheet,
        kind=KIND_CONSOLIDATED,
        branch="、".join(b.branch for b in books),
        period=period,
        templates=templates,
        generated_at=generated_at,
        masked=masked,
        extra=extra,
        notes=(
            (SHEET_VISITS, "各分支的回访记录，“分支”列标明来源；题目列按问卷和题目对齐"),
            (SHEET_DIMENSIONS, MERGE_NOTE[1]),
            (SHEET_COMPARE, "各分支的主要指标并列比较"),
            (
                SHEET_FOLLOWUP,
                "投诉率、投诉处理及时率和分渠道回收率：“全部分支”由各分支的计数相加后重新计算，下方为各分支",
            ),
            (SHEET_PROBLEMS, "各分支的问题分类；表下方为全部分支合计"),
            (f"{SHEET_KPI}数值", KPI_PERCENT_NOTE),
        ),
    )
