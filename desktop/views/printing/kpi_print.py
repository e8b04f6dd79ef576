"""Printing 表1 售后服务质量评价表: A4 portrait, one painter for preview, printer and PDF.

The page is laid out with the 回访表 painter of ``printing`` (same margins, fonts, masthead,
header grid, pagination with a repeated table header, page numbers): only the blocks differ —
评价周期 / 评价对象, the indicator table with 一级指标 merged over its group, the total and grade,
the scoring rules and the signature line.

Public helpers: ``build_doc(data)``, ``render_scorecard(data, device)``,
``write_scorecard_pdf(data, path)``, ``scorecard_page_images(data, dpi)``,
``preview_scorecard(parent, data)``, ``print_scorecard(parent, data)``.
"""

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter

from desktop.services.admin import settings as app_settings
from desktop.services.kpi import kpi
from desktop.views.printing.print_dialogs import print_with_dialog, show_preview
from desktop.views.printing.print_layout import (
    CELL_PAD,
    CELL_PT,
    GREY_INK,
    HEAD_PT,
    ROW_MIN,
    SMALL_PT,
    LayoutBlock,
    paint_layouts,
    start_painter,
    write_pdf_file,
)
from desktop.views.printing.visit_form_print import FormPainter, new_form_printer

TITLE = "售后服务质量评价表"
# column widths in millimetres; 备注 takes what is left of the 178 mm between the margins
COLUMNS = (
    ("一级指标", 18.0),
    ("二级指标", 38.0),
    ("权重", 11.0),
    ("目标值", 15.0),
    ("实际值", 20.0),
    ("得分\n（权重×实际值\n/目标值）", 24.0),
    ("备注（未达标原因）", 0.0),
)
FLAG_FILL = QColor(250, 226, 224)
TOTAL_PT = 13.0


@dataclass
class KpiDoc:
    """What the painter needs (``title``/``company``/``logo``/``header`` as ``printing`` expects)."""

    title: str
    company: str
    header: list[list[tuple[str, str]]]
    data: kpi.ScorecardData
    logo: str = ""
    notes: list[str] = field(default_factory=list)


def _period_text(data: kpi.ScorecardData) -> str:
    period = data.period_info
    if period is None or period.code == period.span.replace(" 至 ", "~"):
        return data.period
    return f"{data.period}（{period.span}）"


def build_doc(data: kpi.ScorecardData) -> KpiDoc:
    notes = [kpi.SCORE_FORMULA + "；" + kpi.QUALITATIVE_FORMULA, kpi.GRADE_RULE, kpi.FLAG_RULE]
    for row in data.rows:
        if row.qualitative and row.reviewers:
            scores = "、".join(f"{who} {score} 分" for who, score in row.reviewers)
            notes.append(f"“{row.level2}”评审：{scores}（均分 {row.reviewer_mean:.2f}）")
    if data.unscored:
        names = "、".join(r.level2 for r in data.unscored)
        notes.append(f"尚无得分的指标：{names}（未计入总分；全部指标有得分后评定等级）")
    return KpiDoc(
        title=TITLE,
        company=str(app_settings.get("company_name") or ""),
        logo=str(app_settings.get("company_logo") or ""),
        header=[[("评价周期", _period_text(data)), ("评价对象", data.target_label)]],
        data=data,
        notes=notes,
    )


def target_text(row: kpi.IndicatorRow) -> str:
    if row.qualitative:
        return "满分 5"
    return f"{kpi.num(row.target)}%" if row.target is not None else ""


def actual_text(row: kpi.IndicatorRow) -> str:
    if row.qualitative:
        mean = row.reviewer_mean
        return f"均分{mean:.2f}" if mean is not None else "未评审"
    return f"{kpi.num(row.actual)}%" if row.actual is not None else ""


def note_text(row: kpi.IndicatorRow) -> str:
    if row.flagged:
        mark = f"低于权重 {kpi.FLAG_RATIO:.0%}，需根因分析"
        return f"{row.note}（{mark}）" if row.note else mark
    return row.note


class _KpiPainter(FormPainter):
    """The 回访表 painter with the blocks of 表1."""

    def _blocks(self) -> list[LayoutBlock]:
        blocks = [self._masthead(), self._title(), self._header_grid()]
        header = self._kpi_header()
        blocks.append(header)
        for name, first, count in kpi.groups(self.doc.data.rows):
            blocks.append(self._group(name, self.doc.data.rows[first : first + count], header))
        blocks.append(self._total_row())
        blocks.append(self._result())
        blocks.append(self._notes())
        blocks.append(self._sign_line())
        return blocks

    # ------------------------------------------------------------ columns
    def _col_widths(self) -> list[float]:
        widths = [self.mm(w) for _, w in COLUMNS]
        widths[-1] = self.width - sum(widths[:-1])
        return widths

    def _row_cells(self, x: float) -> list[tuple[float, float]]:
        cells, left = [], x
        for w in self._col_widths():
            cells.append((left, w))
            left += w
        return cells

    def _kpi_header(self) -> LayoutBlock:
        font = self.font(HEAD_PT, bold=True)
        pad = self.mm(1.0)
        wrapped = [
            self.wrap(head, font, w - 2 * pad)
            for (head, _), w in zip(COLUMNS, self._col_widths(), strict=True)
        ]
        height = max(
            [self.mm(ROW_MIN + 2)] + [len(lines) * self.line_height(font) + self.mm(2.4) for lines in wrapped]
        )

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            for (left, width), lines in zip(self._row_cells(x), wrapped, strict=True):
                rect = QRectF(left, y, width, height)
                self.cell(p, rect, fill=True)
                self.draw_lines(p, lines, font, rect, Qt.AlignmentFlag.AlignHCenter)

        return LayoutBlock(height, draw, space_before=self.mm(4), keep_with_next=True)

    def _cells_of(self, row: kpi.IndicatorRow) -> list[str]:
        return [
            row.level2,
            kpi.num(row.weight),
            target_text(row),
            actual_text(row),
            kpi.score_text(row.score),
            note_text(row),
        ]

    def _group(self, name: str, rows: list[kpi.IndicatorRow], header: LayoutBlock) -> LayoutBlock:
        """One 一级指标 with its rows: the first cell merged over the whole group."""
        font = self.font(CELL_PT)
        bold = self.font(CELL_PT, bold=True)
        pad = self.mm(CELL_PAD)
        widths = self._col_widths()
        laid = []
        for row in rows:
            texts = self._cells_of(row)
            lines = [self.wrap(t, font, w - 2 * pad) for t, w in zip(texts, widths[1:], strict=True)]
            height = max([self.mm(ROW_MIN)] + [len(ls) * self.line_height(font) + 2 * pad for ls in lines])
            laid.append((row, lines, height))
        name_lines = self.wrap(name, bold, widths[0] - 2 * pad)
        total = max(sum(h for _, _, h in laid), len(name_lines) * self.line_height(bold) + 2 * pad)
        if total > sum(h for _, _, h in laid):  # a long group name: stretch the last row
            row, lines, height = laid[-1]
            laid[-1] = (row, lines, height + total - sum(h for _, _, h in laid))
        right = Qt.AlignmentFlag.AlignRight
        center = Qt.AlignmentFlag.AlignHCenter
        aligns = [Qt.AlignmentFlag.AlignLeft, center, center, center, right, Qt.AlignmentFlag.AlignLeft]

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            cells = self._row_cells(x)
            first = QRectF(cells[0][0], y, cells[0][1], total)
            self.cell(p, first)
            self.draw_lines(p, name_lines, bold, first, center)
            top = y
            for row, lines, height in laid:
                for n, ((left, width), text_lines) in enumerate(zip(cells[1:], lines, strict=True)):
                    rect = QRectF(left, top, width, height)
                    if row.flagged and n == 4:
                        p.fillRect(rect, FLAG_FILL)
                    self.cell(p, rect)
                    cell_font = bold if n == 4 and row.score is not None else font
                    self.draw_lines(p, text_lines, cell_font, rect.adjusted(pad, pad, -pad, -pad), aligns[n])
                top += height

        return LayoutBlock(total, draw, repeat_header=header)

    def _total_row(self) -> LayoutBlock:
        data = self.doc.data
        font = self.font(CELL_PT, bold=True)
        pad = self.mm(CELL_PAD)
        height = self.mm(ROW_MIN + 1)
        widths = self._col_widths()
        total_text = kpi.score_text(data.total)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            cells = self._row_cells(x)
            label = QRectF(x, y, widths[0] + widths[1], height)
            self.cell(p, label, fill=True)
            self.draw_lines(p, ["合计"], font, label, Qt.AlignmentFlag.AlignHCenter)
            weight = QRectF(cells[2][0], y, widths[2], height)
            self.cell(p, weight, fill=True)
            self.draw_lines(p, [kpi.num(data.weight_total)], font, weight, Qt.AlignmentFlag.AlignHCenter)
            blank = QRectF(cells[3][0], y, widths[3] + widths[4], height)
            self.cell(p, blank, fill=True)
            score = QRectF(cells[5][0], y, widths[5], height)
            self.cell(p, score, fill=True)
            self.draw_lines(
                p, [total_text], font, score.adjusted(pad, 0, -pad, 0), Qt.AlignmentFlag.AlignRight
            )
            grade = QRectF(cells[6][0], y, widths[6], height)
            self.cell(p, grade, fill=True)
            self.draw_lines(p, [f"等级：{data.grade}"], font, grade.adjusted(pad, 0, -pad, 0))
            p.setPen(self.pen(0.5))
            p.drawLine(QPointF(x, y), QPointF(x + w, y))

        return LayoutBlock(height, draw)

    def _result(self) -> LayoutBlock:
        data = self.doc.data
        font = self.font(TOTAL_PT, bold=True)
        height = self.line_height(font) + self.mm(2)
        flagged = len(data.flagged)
        parts = [f"总分：{kpi.score_text(data.total)} 分", f"等级：{data.grade}"]
        if flagged:
            parts.append(f"需改进指标：{flagged} 项")
        if not data.complete:
            parts.append("（尚有指标无得分，暂不评定等级）")
        text = "        ".join(parts)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            self.draw_lines(p, [text], font, QRectF(x, y, w, height), Qt.AlignmentFlag.AlignHCenter)

        return LayoutBlock(height, draw, space_before=self.mm(4))

    def _notes(self) -> LayoutBlock:
        font = self.font(SMALL_PT)
        lh = self.line_height(font)
        indent = self.mm(4)
        lines: list[tuple[str, bool]] = []
        for n, note in enumerate(["说明：", *self.doc.notes]):
            wrapped = self.wrap(note if n == 0 else f"{n}. {note}", font, self.width - (indent if n else 0))
            lines.extend((text, n > 0) for text in wrapped)
        height = lh * len(lines)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            for k, (text, indented) in enumerate(lines):
                left = x + (indent if indented else 0)
                self.draw_lines(p, [text], font, QRectF(left, y + k * lh, w, lh), color=GREY_INK)

        return LayoutBlock(height, draw, space_before=self.mm(4))

    def _sign_line(self) -> LayoutBlock:
        font = self.font(11)
        lh = self.line_height(font)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            third = w / 3
            for n, text in enumerate(
                ("评价人：____________", "审核人：____________", "日期：     年    月    日")
            ):
                self.draw_lines(p, [text], font, QRectF(x + n * third, y, third, lh))

        return LayoutBlock(lh, draw, space_before=self.mm(10))


# ---------------------------------------------------------------- outputs
def render_scorecard(data: kpi.ScorecardData, device) -> int:
    """Paint every page on a paged device (QPrinter in full-page mode, QPdfWriter)."""
    return paint_layouts([_KpiPainter(build_doc(data), device)], device)


def default_file_name(data: kpi.ScorecardData) -> str:
    safe = "".join(ch for ch in f"{data.period}_{data.target}" if ch not in '\\/:*?"<>|~')
    return f"质量评价表_{safe}.pdf"


def write_scorecard_pdf(data: kpi.ScorecardData, path: str | Path) -> Path:
    """An A4 PDF (vector, text in the shipped CJK font)."""
    render = lambda writer: render_scorecard(data, writer)  # noqa: E731
    return write_pdf_file(path, job_name(data), render, example_name=default_file_name(data))


def scorecard_page_images(data: kpi.ScorecardData, dpi: int = 110) -> list[QImage]:
    """Every page as an A4 image at ``dpi`` (white background), for screenshots and tests."""
    size = QPageSize(QPageSize.PageSizeId.A4).size(QPageSize.Unit.Millimeter)
    width, height = round(size.width() / 25.4 * dpi), round(size.height() / 25.4 * dpi)

    def blank_page() -> QImage:
        image = QImage(width, height, QImage.Format.Format_RGB32)
        dots = round(dpi / 0.0254)
        image.setDotsPerMeterX(dots)
        image.setDotsPerMeterY(dots)
        image.fill(QColor(255, 255, 255))
        return image

    layout = _KpiPainter(build_doc(data), blank_page())
    images = []
    for index in range(len(layout.pages)):
        image = blank_page()
        painter = QPainter(image)
        start_painter(painter)
        layout.paint_page(painter, index)
        painter.end()
        images.append(image)
    return images


def job_name(data: kpi.ScorecardData) -> str:
    """The print job's name (print queue, PDF title): 质量评价表-2024Q1-维修事业部."""
    return "-".join(part for part in ("质量评价表", data.period, data.target) if part)


def preview_scorecard(parent, data: kpi.ScorecardData) -> int:
    """The print preview (its toolbar can print); the number of pages shown, after it closes."""
    title = f"{TITLE} {data.period} {data.target}"
    render = lambda target: render_scorecard(data, target)  # noqa: E731
    return show_preview(parent, title, render, printer=new_form_printer(), job_name=job_name(data))


def print_scorecard(parent, data: kpi.ScorecardData) -> bool:
    """Ask for a printer, then print; False when the user cancels."""
    render = lambda p: render_scorecard(data, p)  # noqa: E731
    return print_with_dialog(parent, TITLE, render, printer=new_form_printer(), job_name=job_name(data))
