"""Printing the 改进方案表 on landscape A4: preview, printer, PDF and page images.

Laid out like the paper table (DOMAIN §2): a spanning header row with the four column groups
客户基本信息 | 回访信息 | 满意度反馈 | 改进方案与落实跟踪, then one row per feedback, each cell holding
its "label:value" lines, the satisfaction levels and the 落实情况 as drawn boxes with a drawn tick.

The painter reuses the 回访表 printer (``desktop.views.printing.visit_form_print``): its units, fonts, text wrapping,
boxes and ticks, pagination (rows never split; the group header repeats on every page) and page
numbers — only the blocks differ. The data comes from ``services.improvement.plan_document``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QTextOption
from PySide6.QtPrintSupport import QPrinter

from desktop.models.questionnaire import LEVEL5_LABELS
from desktop.services.common.errors import UserError
from desktop.services.improvement.improvement import ACTION_STATUSES, DONE
from desktop.services.improvement.plan_table import PlanDoc, PlanRow, plan_document
from desktop.views.printing import print_layout
from desktop.views.printing.print_dialogs import print_with_dialog, show_preview
from desktop.views.printing.print_layout import BOX, GREY_INK, LayoutBlock, paint_layouts, write_pdf_file
from desktop.views.printing.visit_form_print import FormPainter

__all__ = [
    "GROUPS",
    "guarded",
    "plan_page_images",
    "plan_pdf",
    "preview_plan",
    "print_plan",
    "render_plan",
    "row_cells",
    "write_plan_pdf",
]

GROUPS = ("客户基本信息", "回访信息", "满意度反馈", "改进方案与落实跟踪")
GROUP_SHARES = (0.175, 0.14, 0.36, 0.325)  # of the table's width

# landscape page, in millimetres
MARGIN_SIDE = 11.0
MARGIN_TOP = 9.0
MARGIN_BOTTOM = 13.0
PAD = 1.5  # inside a cell
OPTION_GAP = 1.6  # between two boxes on a line
ROW_MIN = 14.0

CELL_PT = 8.5
OPTION_PT = 8.0
GROUP_PT = 10.5
META_PT = 8.5


@dataclass
class _Item:
    """One line group inside a cell: a label and its text, its boxes, or a block of text."""

    label: str
    text: str = ""
    options: list[tuple[str, bool]] | None = None
    below: bool = False  # the text starts on the line under the label (long free text)


def _levels(row: PlanRow, index: int) -> list[tuple[str, bool]]:
    value = row.levels[index]
    return [(label, value is not None and 5 - n == value) for n, label in enumerate(LEVEL5_LABELS)]


def _statuses(row: PlanRow) -> list[tuple[str, bool]]:
    out = []
    for status in ACTION_STATUSES:
        label = status
        if status == DONE and row.completed_on:
            label = f"{status}（{row.completion_text}）"
        if status == ACTION_STATUSES[-1] and row.closed_on:
            label = f"{status}（{row.closed_on:%Y-%m-%d}）"
        out.append((label, row.status == status))
    return out


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def row_cells(row: PlanRow, today=None) -> list[list[_Item]]:
    """The four cells of one printed row."""
    deadline = _day(row.deadline)
    if row.overdue and row.deadline:
        days = (today - row.deadline).days if today else 0
        deadline += f"（已逾期{days}天）" if days > 0 else "（已逾期）"
    customer = [
        _Item("客户姓名", row.customer_name),
        _Item("客户编号", row.customer_code),
        _Item("联系方式", row.phone),
        _Item("服务类型", row.service_type),
        _Item("产品型号", row.product_model),
    ]
    visit = [
        _Item("回访日期", _day(row.visit_date)),
        _Item("回访方式", row.method),
        _Item("服务工程师", row.engineer),
    ]
    feedback_label = "开放式反馈建议" if row.visit_id is not None else "问题描述"
    feedback = row.feedback if row.visit_id is None else (f"“{row.feedback}”" if row.feedback else "")
    satisfaction = [
        _Item("服务态度", options=_levels(row, 0)),
        _Item("响应速度", options=_levels(row, 1)),
        _Item("问题解决效果", options=_levels(row, 2)),
        _Item(feedback_label, feedback, below=True),
    ]
    plan = [
        _Item("改进措施", row.measure),
        _Item("责任部门", row.department),
        _Item("责任人", row.owner),
        _Item("完成时限", deadline),
        _Item("落实情况", options=_statuses(row)),
    ]
    return [customer, visit, satisfaction, plan]


class _PlanPainter(FormPainter):
    """The 回访表 painter's tools with the 改进方案表's blocks (landscape, four column groups)."""

    def __init__(self, doc: PlanDoc, device, today=None):  # noqa: D107 - no super().__init__: other blocks
        self.doc = doc
        self.device = device
        self.today = today or doc.printed_on
        self.dpi = device.logicalDpiY()
        self._fonts = {}
        self._metrics = {}
        self._pens = {}
        self._wrap_option = QTextOption()
        self._wrap_option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.page_w = device.width()
        self.page_h = device.height()
        self.left = self.mm(MARGIN_SIDE)
        self.width = self.page_w - 2 * self.left
        self.top = self.mm(MARGIN_TOP)
        self.bottom = self.page_h - self.mm(MARGIN_BOTTOM)
        self.col_w = [self.width * share for share in GROUP_SHARES]
        self.pages = self._paginate(self._blocks())

    # ------------------------------------------------------------ blocks
    def _blocks(self) -> list[LayoutBlock]:
        blocks = []
        if self.doc.company or self.doc.logo:
            blocks.append(self._masthead())
        title = self._title()
        title.space_before = self.mm(2)
        blocks += [title, self._meta(), self._group_header()]
        header = blocks[-1]
        if not self.doc.rows:
            blocks.append(self._empty_row())
        for row in self.doc.rows:
            blocks.append(self._row(row, header))
        blocks.append(self._footer())
        return blocks

    def _meta(self) -> LayoutBlock:
        font = self.font(META_PT)
        h = self.line_height(font)
        left = self.doc.scope
        if self.doc.masked:
            left += "    客户姓名、联系方式已隐去部分内容"
        right = f"打印日期：{self.doc.printed_on:%Y-%m-%d}"

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            self.draw_lines(p, [left], font, QRectF(x, y, w, h), color=GREY_INK)
            self.draw_lines(p, [right], font, QRectF(x, y, w, h), Qt.AlignmentFlag.AlignRight, color=GREY_INK)

        return LayoutBlock(h, draw, space_before=self.mm(2), keep_with_next=True)

    def _group_header(self) -> LayoutBlock:
        font = self.font(GROUP_PT, bold=True)
        height = self.line_height(font) + self.mm(2.6)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            left = x
            for name, col_w in zip(GROUPS, self.col_w, strict=True):
                rect = QRectF(left, y, col_w, height)
                self.cell(p, rect, fill=True)
                self.draw_lines(p, [name], font, rect, Qt.AlignmentFlag.AlignHCenter)
                left += col_w

        return LayoutBlock(height, draw, space_before=self.mm(1.5), keep_with_next=True, group="table")

    def _empty_row(self) -> LayoutBlock:
        font = self.font(CELL_PT)
        height = self.mm(ROW_MIN)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            rect = QRectF(x, y, w, height)
            self.cell(p, rect)
            self.draw_lines(p, ["（没有符合条件的改进措施）"], font, rect, Qt.AlignmentFlag.AlignHCenter)

        return LayoutBlock(height, draw, group="table")

    def _row(self, row: PlanRow, header: LayoutBlock) -> LayoutBlock:
        cells = row_cells(row, self.today)
        pad = self.mm(PAD)
        label_ws = [self._label_width(items) for items in cells]
        heights = [
            self._items(None, items, 0, 0, col_w - 2 * pad, label_w)
            for items, col_w, label_w in zip(cells, self.col_w, label_ws, strict=True)
        ]
        height = max([self.mm(ROW_MIN), *(h + 2 * pad for h in heights)])

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            left = x
            for items, col_w, label_w in zip(cells, self.col_w, label_ws, strict=True):
                self.cell(p, QRectF(left, y, col_w, height))
                self._items(p, items, left + pad, y + pad, col_w - 2 * pad, label_w)
                left += col_w

        return LayoutBlock(height, draw, repeat_header=header, group="table")

    def _footer(self) -> LayoutBlock:
        font = self.font(CELL_PT)
        small = self.font(META_PT)
        lh, sh = self.line_height(font), self.line_height(small)
        note = "说明：方框内打勾为当前情况；满意度取自该次回访的答案；落实情况每周跟踪，措施完成后1周内二次回访验证效果。"
        sign = "编制：______________      审核：______________      日期：       年      月      日"

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            self.draw_lines(p, [note], small, QRectF(x, y, w, sh), color=GREY_INK)
            self.draw_lines(
                p, [sign], font, QRectF(x, y + sh + self.mm(3), w, lh), Qt.AlignmentFlag.AlignRight
            )

        return LayoutBlock(sh + self.mm(3) + lh, draw, space_before=self.mm(3))

    # ------------------------------------------------------------ cell contents
    def _label_width(self, items: list[_Item]) -> float:
        bold = self.font(CELL_PT, bold=True)
        inline = [i.label for i in items if not i.below]
        if not inline:
            return 0.0
        return max(self.metrics(bold).horizontalAdvance(f"{label}：") for label in inline) + self.mm(1.2)

    def _items(
        self, p: QPainter | None, items: list[_Item], x: float, y: float, w: float, label_w: float
    ) -> float:
        """Lay out (and, with a painter, draw) a cell's items from (x, y); returns the height."""
        font = self.font(CELL_PT)
        bold = self.font(CELL_PT, bold=True)
        lh = self.line_height(font)
        top = y
        for item in items:
            label = f"{item.label}："
            if item.below:
                lines = self.wrap(item.text, font, w) if item.text else []
                if p is not None:
                    self.draw_lines(p, [label], bold, QRectF(x, y, w, lh))
                    self.draw_lines(p, lines, font, QRectF(x, y + lh, w, lh * len(lines)))
                y += lh * (1 + len(lines))
                continue
            if p is not None:
                self.draw_lines(p, [label], bold, QRectF(x, y, label_w, lh))
            area_x, area_w = x + label_w, w - label_w
            if item.options is not None:
                y += self._options(p, item.options, area_x, y, area_w)
            else:
                lines = self.wrap(item.text, font, area_w)
                if p is not None:
                    self.draw_lines(p, lines, font, QRectF(area_x, y, area_w, lh * len(lines)))
                y += lh * len(lines)
        return y - top

    def _options(
        self, p: QPainter | None, options: list[tuple[str, bool]], x: float, y: float, w: float
    ) -> float:
        """Boxes flowed over as many lines as needed; a label too long for a line wraps after its box."""
        font = self.font(OPTION_PT)
        line_h = max(self.line_height(font), self.mm(BOX + 0.9))
        text_lh = self.line_height(font)
        box_w = self.mm(BOX) + self.mm(1.0)
        gap = self.mm(OPTION_GAP)
        cx, cy = x, y  # cy: top of the current line
        used = False
        for label, ticked in options:
            width = self.option_width(label, font)
            if used and cx + width > x + w:
                cx, cy = x, cy + line_h
                used = False
            if width <= x + w - cx:
                if p is not None:
                    self.option(p, cx, cy + line_h / 2, label, font, ticked)
                cx += width + gap
                used = True
                continue
            # longer than a whole line: the box, then the label wrapped beside it
            lines = self.wrap(label, font, x + w - cx - box_w)
            if p is not None:
                self.checkbox(p, cx, cy + line_h / 2, ticked)
                top = cy + (line_h - text_lh) / 2
                self.draw_lines(
                    p, lines, font, QRectF(cx + box_w, top, x + w - cx - box_w, text_lh * len(lines))
                )
            cy += line_h + text_lh * (len(lines) - 1)
            cx, used = x, False
        return (cy - y) + (line_h if used else 0.0)


# ---------------------------------------------------------------- outputs
def render_plan(doc: PlanDoc, device) -> int:
    """Paint every page on a paged device (QPrinter in full-page mode, QPdfWriter); page count."""
    return paint_layouts([_PlanPainter(doc, device)], device)


def _landscape() -> QPageLayout:
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Landscape,
        QMarginsF(0, 0, 0, 0),
        QPageLayout.Unit.Millimeter,
    )


def write_plan_pdf(doc: PlanDoc, path: str | Path) -> Path:
    """The table as a landscape A4 PDF (vector, text in the shipped CJK font)."""
    render = lambda writer: render_plan(doc, writer)  # noqa: E731
    return write_pdf_file(path, job_name(doc), render, example_name="改进方案表.pdf", layout=_landscape())


def plan_page_images(doc: PlanDoc, dpi: int = 90) -> list[QImage]:
    """Every page as a landscape A4 image (screenshots, tests)."""
    size = QPageSize(QPageSize.PageSizeId.A4).size(QPageSize.Unit.Millimeter)
    width = round(size.height() / 25.4 * dpi)
    height = round(size.width() / 25.4 * dpi)

    def blank_page() -> QImage:
        image = QImage(width, height, QImage.Format.Format_RGB32)
        dots = round(dpi / 0.0254)
        image.setDotsPerMeterX(dots)
        image.setDotsPerMeterY(dots)
        image.fill(0xFFFFFF)
        return image

    layout = _PlanPainter(doc, blank_page())
    images = []
    for index in range(len(layout.pages)):
        image = blank_page()
        painter = QPainter(image)
        print_layout.start_painter(painter)
        layout.paint_page(painter, index)
        painter.end()
        images.append(image)
    return images


def _new_printer() -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(_landscape())
    printer.setFullPage(True)
    return printer


def job_name(doc: PlanDoc) -> str:
    """The print job's name (print queue, PDF title): 改进方案表-20251202."""
    return f"改进方案表-{doc.printed_on:%Y%m%d}"


def preview_plan(parent, doc: PlanDoc) -> int:
    """The print preview (its toolbar can print); the number of pages shown, after it closes."""
    render = lambda target: render_plan(doc, target)  # noqa: E731
    return show_preview(
        parent, doc.title, render, printer=_new_printer(), size=(1200, 860), job_name=job_name(doc)
    )


def print_plan(parent, doc: PlanDoc) -> bool:
    """Ask for a printer, then print; False when the user cancels."""
    render = lambda p: render_plan(doc, p)  # noqa: E731
    return print_with_dialog(parent, doc.title, render, printer=_new_printer(), job_name=job_name(doc))


def plan_pdf(out: str | Path, status_filter: str = "全部", *, mask: bool = True, today=None) -> Path:
    """The 改进方案表 of ``status_filter`` as a PDF file (for the CLI and tests)."""
    return write_plan_pdf(plan_document(status_filter, mask=mask, today=today), out)


def guarded(parent, build: Callable[[], PlanDoc], action: Callable):
    from desktop.views.common.widgets import show_error

    try:
        return action(parent, build())
    except UserError as err:
        show_error(parent, str(err), "无法打印改进方案表")
        return None
