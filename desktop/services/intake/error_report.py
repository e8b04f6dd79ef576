"""The import's error report: the rejected rows of a file in a workbook of their own, each with the reason, to fix and import again."""

from datetime import datetime
from pathlib import Path
from typing import Protocol

from ..common import safe_files
from ..common.errors import UserError

REPORT_SUFFIX = "_错误报告"


class ReportSource(Protocol):
    """What the report needs of the imported file (``importer.ImportSource`` has it)."""

    path: Path

    @property
    def column_names(self) -> list[str]: ...


def default_report_path(source_path: Path) -> Path:
    stem = source_path.stem
    if stem.endswith(REPORT_SUFFIX):
        stem = stem[: -len(REPORT_SUFFIX)]
    path = source_path.with_name(f"{stem}{REPORT_SUFFIX}.xlsx")
    if path.resolve() == source_path.resolve():  # importing the report itself: keep it intact
        path = source_path.with_name(f"{stem}{REPORT_SUFFIX}_{datetime.now():%Y%m%d%H%M%S}.xlsx")
    return path


MAX_CELL_TEXT = 32767  # Excel's limit for one cell


def _report_cell(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str):
        # an .xlsx cannot hold control characters (a CSV can): drop them, and keep within Excel's limit
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
    return None if value == "" else value


def _text_cell(sheet, value):
    """Text stays text in the report: openpyxl would write "=1+1" as a formula (and Excel would
    run it) — the user must see, fix and import again exactly what the file held."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def write_error_report(
    source: ReportSource, rejected: list[tuple[int, list, str]], path: str | Path | None = None
) -> Path:
    """The rejected rows with the file's own columns, plus 行号 and 错误原因 (fix and import again)."""
    target = Path(path) if path else default_report_path(source.path)

    def save(where: Path) -> Path:
        return safe_files.write_book(where, _report_book(source, rejected), what="保存错误报告")

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return save(target)
    except (OSError, UserError):
        import tempfile

        # a read-only folder (a CD, a shared drive), a full disk or the old report open in Excel:
        # keep it anyway
        return save(Path(tempfile.gettempdir()) / target.name)


def _report_book(source: ReportSource, rejected: list[tuple[int, list, str]]):
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误报告")
    sheet.freeze_panes = "B2"
    headers = ["行号", *source.column_names, "错误原因"]
    widths = [8] + [max(10, min(30, len(h) * 2 + 4)) for h in source.column_names] + [60]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    header_cells = []
    for text in headers:
        cell = _text_cell(sheet, _report_cell(text) or "")
        cell.font = bold
        cell.fill = fill
        header_cells.append(cell)
    sheet.append(header_cells)
    red = Font(color="C00000")
    width = len(source.column_names)
    for row_no, row, reason in rejected:
        cells = [_text_cell(sheet, _report_cell(v)) for v in list(row)[:width]]
        cells += [None] * (width - len(cells))
        reason_cell = _text_cell(sheet, _report_cell(reason))
        reason_cell.font = red
        sheet.append([row_no, *cells, reason_cell])
    return book
