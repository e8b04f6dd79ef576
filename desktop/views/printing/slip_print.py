"""评价小票 on paper: eight slips to an A4 sheet (2 × 4, dashed lines to cut along), each with the
shop's name, the customer's masked name and service, the task's 扫码评价 link as a QR code, how
to use it and until when (``desktop.services.web.slips`` gives the slips)."""

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter

from desktop.services.web.slips import Slip, SlipBatch

from .print_dialogs import new_printer, print_with_dialog
from .print_layout import GREY_INK, PageLayout, paint_layouts, write_pdf_file

TITLE = "评价小票"
COLUMNS, ROWS = 2, 4
PER_SHEET = COLUMNS * ROWS
SHEET_MARGIN = 8.0  # mm around the grid
PAD = 5.0  # mm inside a slip
SLIP_QR = 30.0  # mm, the symbol without its quiet zone
NAME_PT, TEXT_PT, SMALL_PT = 11.0, 9.5, 8.0
HOW_TO = "请连接本店 Wi-Fi，用手机扫描左侧二维码，约 1 分钟即可为本次服务评价。"


class _Doc:
    title = TITLE
    company = ""
    logo = ""


class SlipSheets(PageLayout):
    """The slips laid out for one paint device: ``pages`` are sheets of up to eight."""

    def __init__(self, slips: list[Slip], device):
        self.slips = slips
        super().__init__(_Doc(), device)
        self.pages = [slips[i : i + PER_SHEET] for i in range(0, len(slips), PER_SHEET)]

    def _blocks(self):
        return []

    def cell(self, index: int) -> QRectF:
        """The slip at ``index`` on its sheet (row by row)."""
        margin = self.mm(SHEET_MARGIN)
        w = (self.page_w - 2 * margin) / COLUMNS
        h = (self.page_h - 2 * margin) / ROWS
        return QRectF(margin + (index % COLUMNS) * w, margin + (index // COLUMNS) * h, w, h)

    def paint_page(self, p: QPainter, index: int) -> None:
        for n, slip in enumerate(self.pages[index]):
            self.paint_slip(p, slip, self.cell(n))
        self.paint_cut_lines(p)

    def paint_cut_lines(self, p: QPainter) -> None:
        pen = self.pen(0.2, GREY_INK)
        pen.setStyle(Qt.PenStyle.DashLine)
        p.save()
        p.setPen(pen)
        first, last = self.cell(0), self.cell(PER_SHEET - 1)
        left, top, right, bottom = first.left(), first.top(), last.right(), last.bottom()
        for col in range(COLUMNS + 1):
            x = left + col * first.width()
            p.drawLine(int(x), int(top), int(x), int(bottom))
        for row in range(ROWS + 1):
            y = top + row * first.height()
            p.drawLine(int(left), int(y), int(right), int(y))
        p.restore()

    def paint_slip(self, p: QPainter, slip: Slip, box: QRectF) -> None:
        pad = self.mm(PAD)
        inner = box.adjusted(pad, pad, -pad, -pad)
        name_font, text_font, small_font = self.font(NAME_PT, bold=True), self.font(TEXT_PT), self.font(SMALL_PT)
        y = inner.top()
        name = self.wrap(slip.company or "客户满意度评价", name_font, inner.width())[:1]
        self.draw_lines(p, name, name_font, QRectF(inner.left(), y, inner.width(), self.line_height(name_font)))
        y += self.line_height(name_font) + self.mm(2)
        side = self.mm(SLIP_QR)
        self.qr(p, slip.url, QRectF(inner.left(), y, side, side))
        text_x = inner.left() + side + self.mm(4)
        text_w = inner.right() - text_x
        thanks = f"{slip.greeting}感谢您选择我们的服务" + (f"（{slip.service}）" if slip.service else "") + "。"
        lines = self.wrap(thanks, text_font, text_w) + self.wrap(HOW_TO, text_font, text_w)
        height = self.line_height(text_font) * len(lines)
        self.draw_lines(p, lines, text_font, QRectF(text_x, y, text_w, height))
        foot = [f"链接有效期至 {slip.expires:%Y-%m-%d}，只能提交一次。"]
        if slip.hotline:
            foot.append(f"服务热线：{slip.hotline}")
        foot_h = self.line_height(small_font) * len(foot)
        foot_y = max(y + side + self.mm(1.5), y + height + self.mm(1.5))
        foot_box = QRectF(inner.left(), foot_y, inner.width(), foot_h)
        self.draw_lines(p, foot, small_font, foot_box, color=GREY_INK)
        self.draw_lines(p, [f"任务 #{slip.task_id}"], small_font, foot_box, Qt.AlignmentFlag.AlignRight, color=GREY_INK)


def render_slips(batch: SlipBatch, device) -> int:
    return paint_layouts([SlipSheets(batch.slips, device)], device)


def write_slips_pdf(batch: SlipBatch, path: str | Path) -> Path:
    """The slips as an A4 PDF (written under a temporary name and renamed)."""
    return write_pdf_file(path, TITLE, lambda writer: render_slips(batch, writer), example_name="评价小票.pdf")


def print_slips(parent, batch: SlipBatch) -> bool:
    """Ask for a printer, then print the slips; False when the user cancels."""
    return print_with_dialog(
        parent, TITLE, lambda printer: render_slips(batch, printer), printer=new_printer(), job_name=TITLE
    )
