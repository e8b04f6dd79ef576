"""Writing .xlsx sheets: cells cleaned of control characters and formula starts, typed columns, header rows, frozen panes, and the book saved under a temporary name and renamed."""

import contextlib
import math
import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ...common import safe_files
from ...common.errors import UserError
from .book_format import MAX_CELL_TEXT, NO, YES

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
