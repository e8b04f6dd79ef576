"""The page-layout engine under every printed document (回访表, 改进方案表, 表1, 调查报告): blocks
placed top to bottom and carried to the next page whole, painted with QPainter in physical units
(millimetres converted with the device's resolution) so a PDF is vector output with a real text
layer in the shipped CJK font.

- ``PageLayout`` lays a document out for one paint device (``pages``) and paints a page
  (``paint_page``); a document supplies ``_blocks()``. It also draws the masthead, the title with
  the QR code of ``doc.code`` beside it, checkboxes and wrapped text.
- ``paint_layouts(layouts, device)`` paints laid-out documents as one job; ``write_pdf_file`` writes an
  A4 PDF (a Chinese UserError when the file cannot be written); ``qr_path`` gives a QR code as one
  vector outline.

``desktop.views.printing.visit_form_print`` builds the 回访表 on it (and re-exports these names).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QTextLayout,
    QTextOption,
    QTransform,
)

from desktop.services.common import safe_files
from desktop.services.common.errors import UserError
from desktop.services.paper_scan.layout import TITLE_QR_SIDE
from desktop.services.visits.qrcodes import QUIET_ZONE, qr_matrix
from desktop.views.common.fonts import print_font

log = logging.getLogger(__name__)

PDF_DPI = 1200

# Page geometry and table columns, in millimetres.
MARGIN_LEFT = 16.0
MARGIN_RIGHT = 16.0
MARGIN_TOP = 11.0
MARGIN_BOTTOM = 15.0
PAGE_NUMBER_FROM_BOTTOM = 8.0
NUMBER_COL = 9.0
LEVEL_COL = 18.6
HEADER_LABEL_COL = 23.0
BOX = 3.6
OPTION_INK = 3.4  # mm: the height a 9 pt CJK label's ink takes (the label rectangle the reader gets)
SCALE_GAP = 0.5  # between a scale box and its number
CELL_PAD = 1.8
ROW_MIN = 7.8
WRITE_LINE = 8.0  # height of one ruled line to write on
LOGO_HEIGHT = 13.0
QR_SIDE = TITLE_QR_SIDE  # the QR symbol without its quiet zone (the reader takes its scale from it)
SIGNATURE_W = 58.0  # room for the signature image in the 客户签字 box
SIGNATURE_H = 17.0

# Font sizes, in points.
COMPANY_PT = 12.5
TITLE_PT = 18.0
GREETING_PT = 10.0
CELL_PT = 10.0
QUESTION_PT = 10.0
HEAD_PT = 9.0
OPTION_PT = 9.0
SMALL_PT = 8.5
CODE_PT = 7.5

INK = QColor(0, 0, 0)
GREY_INK = QColor(70, 70, 70)
FILL = QColor(236, 236, 236)
ANSWER_INK = QColor(0, 0, 0)

Draw = Callable[[QPainter, float, float, float], None]  # painter, x, y, width


@dataclass
class LayoutBlock:
    """A slice of the page that is never split: placed top to bottom, carried to the next page."""

    height: float
    draw: Draw
    space_before: float = 0.0
    keep_with_next: bool = False
    repeat_header: "LayoutBlock | None" = None  # table header to repeat above this row on a new page
    group: str = ""  # consecutive blocks of one group get one frame per page
    optional: bool = False  # may be left out when that keeps its chain on the current page


@dataclass
class PlacedBlock:
    block: LayoutBlock
    y: float


@dataclass
class LayoutPage:
    placed: list[PlacedBlock] = field(default_factory=list)


class PageLayout:
    """Lays a document out for one paint device, then paints its pages. A subclass gives
    ``_blocks()``; ``doc`` needs ``title``, ``company``, ``logo`` (and ``code`` for a QR code)."""

    def __init__(self, doc, device):
        self.doc = doc
        self.device = device
        # while set, every keyed checkbox painted is recorded here: (page index, key, rect in mm)
        self.box_sink: list | None = None
        # … and every question row drawn: (page index, question number, (x, y, w, h) in mm)
        self.row_sink: list | None = None
        self.page_index = 0
        self.dpi = device.logicalDpiY()
        self._fonts: dict[tuple[float, bool], QFont] = {}
        self._metrics: dict[tuple[float, bool], QFontMetricsF] = {}
        self._pens: dict[tuple[float, int, bool], QPen] = {}
        self._wrap_option = QTextOption()
        self._wrap_option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.page_w = device.width()
        self.page_h = device.height()
        self.left = self.mm(MARGIN_LEFT)
        self.width = self.page_w - self.left - self.mm(MARGIN_RIGHT)
        self.top = self.mm(MARGIN_TOP)
        self.bottom = self.page_h - self.mm(MARGIN_BOTTOM)
        self.pages = self._paginate(self._blocks())

    def _blocks(self) -> list["LayoutBlock"]:
        raise NotImplementedError

    # ------------------------------------------------------------ units and text
    def mm(self, value: float) -> float:
        return value * self.dpi / 25.4

    def font(self, pt: float, bold: bool = False) -> QFont:
        key = (pt, bold)
        if key not in self._fonts:
            self._fonts[key] = print_font(pt, bold)
        return self._fonts[key]

    def metrics(self, font: QFont) -> QFontMetricsF:
        key = (font.pointSizeF(), font.bold())
        if key not in self._metrics:
            self._metrics[key] = QFontMetricsF(font, self.device)
        return self._metrics[key]

    def line_height(self, font: QFont) -> float:
        return self.metrics(font).height() * 1.18

    def wrap(self, text: str, font: QFont, width: float) -> list[str]:
        """Lines of ``text`` broken to ``width`` (Chinese may break between any characters)."""
        lines: list[str] = []
        for paragraph in (text or "").split("\n"):
            if not paragraph.strip():
                lines.append("")
                continue
            units = paragraph.encode("utf-16-le")
            layout = QTextLayout(paragraph, font, self.device)
            layout.setTextOption(self._wrap_option)
            layout.beginLayout()
            while True:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(max(width, 1.0))
                start, length = line.textStart(), line.textLength()
                piece = units[start * 2 : (start + length) * 2].decode("utf-16-le").rstrip()
                lines.append(piece)
            layout.endLayout()
        while lines and not lines[-1]:
            lines.pop()
        return lines or [""]

    def text_height(self, text: str, font: QFont, width: float) -> float:
        return len(self.wrap(text, font, width)) * self.line_height(font)

    def draw_lines(
        self,
        p: QPainter,
        lines: list[str],
        font: QFont,
        rect: QRectF,
        align=Qt.AlignmentFlag.AlignLeft,
        valign_center: bool = True,
        color: QColor = INK,
    ) -> None:
        lh = self.line_height(font)
        total = lh * len(lines)
        y = rect.top() + ((rect.height() - total) / 2 if valign_center else 0)
        p.setFont(font)
        p.setPen(color)
        flags = int(align | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip)
        for line in lines:
            if line:
                p.drawText(QRectF(rect.left(), y, rect.width(), lh), flags, line)
            y += lh

    def pen(self, width_mm: float = 0.25, color: QColor = INK, round_ends: bool = False) -> QPen:
        key = (width_mm, color.rgb(), round_ends)
        if key not in self._pens:
            pen = QPen(color)
            pen.setWidthF(self.mm(width_mm))
            if round_ends:
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            else:
                pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            self._pens[key] = pen
        return self._pens[key]

    def cell(self, p: QPainter, rect: QRectF, fill: bool = False) -> None:
        p.setPen(self.pen())
        p.setBrush(FILL if fill else Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        p.setBrush(Qt.BrushStyle.NoBrush)

    def record_row(self, number: int, rect: QRectF) -> None:
        """Record question ``number``'s row (the reader's 待核对 cut-out) in ``row_sink`` if set."""
        if self.row_sink is not None:
            unit = 25.4 / self.dpi
            mm = (rect.left() * unit, rect.top() * unit, rect.width() * unit, rect.height() * unit)
            self.row_sink.append((self.page_index, number, mm))

    def checkbox(
        self, p: QPainter, x: float, center_y: float, ticked: bool, key=None, label: QRectF | None = None
    ) -> None:
        """A full-size square at ``x`` (left edge), vertically centred; a drawn tick if chosen.
        A ``key`` (question number, option index) records the box in ``box_sink`` if set, with
        the rectangle of its printed ``label`` (a circle drawn round the label is read too)."""
        size = self.mm(BOX)
        box = QRectF(x, center_y - size / 2, size, size)
        if key is not None and self.box_sink is not None:
            unit = 25.4 / self.dpi
            text = None
            if label is not None:
                text = (label.left() * unit, label.top() * unit, label.width() * unit, label.height() * unit)
            self.box_sink.append((self.page_index, key, (box.left() * unit, box.top() * unit, BOX), text))
        p.setPen(self.pen(0.25))
        p.setBrush(QColor(255, 255, 255))
        p.drawRect(box)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if ticked:
            tick = QPainterPath()
            tick.moveTo(box.left() + size * 0.18, box.top() + size * 0.52)
            tick.lineTo(box.left() + size * 0.42, box.top() + size * 0.80)
            tick.lineTo(box.left() + size * 0.86, box.top() + size * 0.16)
            p.setPen(self.pen(0.55, ANSWER_INK, round_ends=True))
            p.drawPath(tick)

    def option_width(self, label: str, font: QFont) -> float:
        return self.mm(BOX) + self.mm(1.0) + self.metrics(font).horizontalAdvance(label)

    def option(
        self, p: QPainter, x: float, center_y: float, label: str, font: QFont, ticked: bool, key=None
    ) -> None:
        """A box and its label to the right of it."""
        lh = self.line_height(font)
        text_w = self.metrics(font).horizontalAdvance(label)
        left = x + self.mm(BOX) + self.mm(1.0)
        text = QRectF(left, center_y - self.mm(OPTION_INK) / 2, text_w, self.mm(OPTION_INK)) if label else None
        self.checkbox(p, x, center_y, ticked, key, text)
        if label:
            p.setFont(font)
            p.setPen(INK)
            flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip)
            p.drawText(
                QRectF(left, center_y - lh / 2, text_w + 2, lh),
                flags,
                label,
            )

    # ------------------------------------------------------------ masthead and title
    def _masthead(self) -> LayoutBlock:
        font = self.font(COMPANY_PT, bold=True)
        logo = _load_logo(self.doc.logo)
        logo_h = self.mm(LOGO_HEIGHT) if logo is not None else 0.0
        text_h = self.line_height(font)
        height = max(logo_h, text_h) + self.mm(1.5)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            if logo is not None:
                _draw_logo(p, logo, QRectF(x, y, self.mm(40), logo_h))
            rect = QRectF(x, y + (height - self.mm(1.5) - text_h) / 2, w, text_h)
            self.draw_lines(p, [self.doc.company], font, rect, Qt.AlignmentFlag.AlignHCenter)
            p.setPen(self.pen(0.5))
            p.drawLine(QPointF(x, y + height), QPointF(x + w, y + height))
            p.setPen(self.pen(0.2))
            p.drawLine(QPointF(x, y + height + self.mm(0.8)), QPointF(x + w, y + height + self.mm(0.8)))

        return LayoutBlock(height + self.mm(0.8), draw)

    def _title(self) -> LayoutBlock:
        font = self.font(TITLE_PT, bold=True)
        code = getattr(self.doc, "code", "")
        # the QR code sits at the right; the title keeps the same room free on the left so it
        # stays centred on the page
        side = self.mm(QR_SIDE) if code else 0.0
        reserve = side + self.mm(4) if code else 0.0
        lines = self.wrap(self.doc.title, font, self.width - 2 * reserve)
        title_h = self.line_height(font) * len(lines)
        code_font = self.font(CODE_PT)
        code_h = self.line_height(code_font)
        gap = side / 25 * QUIET_ZONE * 0.8 if code else 0.0  # keep the text out of the quiet zone
        height = max(title_h, side + gap + code_h) if code else title_h

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            rect = QRectF(x + reserve, y + (height - title_h) / 2, w - 2 * reserve, title_h)
            self.draw_lines(p, lines, font, rect, Qt.AlignmentFlag.AlignHCenter)
            if code:
                self.qr(p, self.page_code(0), QRectF(x + w - side, y, side, side))
                text_w = max(side, self.metrics(code_font).horizontalAdvance(code) + self.mm(1))
                self.draw_lines(
                    p,
                    [code],
                    code_font,
                    QRectF(x + w - text_w, y + side + gap, text_w, code_h),
                    Qt.AlignmentFlag.AlignRight,
                    color=GREY_INK,
                )

        return LayoutBlock(height, draw, space_before=self.mm(4))

    def paint_reader_marks(self, p: QPainter, index: int) -> None:
        """What a paper reader needs on page ``index`` (none here; the 回访表 draws its marks)."""

    def page_code(self, index: int) -> str:
        """The QR text of page ``index`` (the document's code here)."""
        return getattr(self.doc, "code", "")

    def qr(self, p: QPainter, text: str, rect: QRectF) -> None:
        """The QR code of ``text`` filling the square ``rect`` (see ``qr_path``)."""
        path, count = qr_path(text)
        scale = rect.width() / count
        transform = QTransform()
        transform.translate(rect.left(), rect.top())
        transform.scale(scale, scale)
        p.save()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(INK)
        p.drawPath(transform.map(path))
        p.restore()

    def _continued(self) -> LayoutBlock:
        font = self.font(SMALL_PT)
        h = self.line_height(font)
        text = f"{self.doc.title}（续）"

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            self.draw_lines(p, [text], font, QRectF(x, y, w, h), color=GREY_INK)
            p.setPen(self.pen(0.2, GREY_INK))
            p.drawLine(QPointF(x, y + h + self.mm(0.5)), QPointF(x + w, y + h + self.mm(0.5)))

        return LayoutBlock(h + self.mm(3), draw)

    # ------------------------------------------------------------ pages
    def _paginate(self, blocks: list[LayoutBlock]) -> list[LayoutPage]:
        pages = [LayoutPage()]
        y = self.top
        room = self.bottom - self.top - self._continued().height
        skipped: set[int] = set()
        for index, block in enumerate(blocks):
            if index in skipped:
                continue
            need = block.height + (0 if not pages[-1].placed else block.space_before)
            # blocks chained by keep_with_next move to the next page together (if they fit one)
            chain, k, optional = need, index, []
            while blocks[k].keep_with_next and k + 1 < len(blocks):
                k += 1
                chain += blocks[k].space_before + blocks[k].height
                if blocks[k].optional:
                    optional.append(k)
            spare = sum(blocks[i].height for i in optional)
            if pages[-1].placed and y + chain > self.bottom and y + chain - spare <= self.bottom:
                skipped.update(optional)
                chain -= spare
            if chain <= room:
                need = chain
            elif block.keep_with_next and index + 1 < len(blocks):
                need += blocks[index + 1].height
            if pages[-1].placed and y + need > self.bottom:
                pages.append(LayoutPage())
                y = self.top
                cont = self._continued()
                pages[-1].placed.append(PlacedBlock(cont, y))
                y += cont.height
                if block.repeat_header is not None:
                    pages[-1].placed.append(PlacedBlock(block.repeat_header, y))
                    y += block.repeat_header.height
            elif pages[-1].placed:
                y += block.space_before
            pages[-1].placed.append(PlacedBlock(block, y))
            y += block.height
        return pages

    def paint_page(self, p: QPainter, index: int) -> None:
        page = self.pages[index]
        self.page_index = index
        self.paint_reader_marks(p, index)
        frames: dict[str, QRectF] = {}
        for placed in page.placed:
            placed.block.draw(p, self.left, placed.y, self.width)
            if placed.block.group:
                rect = QRectF(self.left, placed.y, self.width, placed.block.height)
                frames[placed.block.group] = frames.get(placed.block.group, rect).united(rect)
        for rect in frames.values():
            p.setPen(self.pen(0.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
        font = self.font(SMALL_PT)
        h = self.line_height(font)
        y = self.page_h - self.mm(PAGE_NUMBER_FROM_BOTTOM) - h / 2
        text = f"第 {index + 1} 页 / 共 {len(self.pages)} 页"
        self.draw_lines(
            p,
            [text],
            font,
            QRectF(self.left, y, self.width, h),
            Qt.AlignmentFlag.AlignHCenter,
            color=GREY_INK,
        )


# ---------------------------------------------------------------- QR code
def qr_path(text: str) -> tuple[QPainterPath, int]:
    """The dark modules of the QR code of ``text`` as one outline, in module units (the symbol is
    ``count`` × ``count`` units, without its quiet zone), and ``count``.

    Every run of dark modules in a row is one rectangle; the rectangles are merged into one outline
    while the coordinates are still whole numbers (merging after scaling to fractional device units
    is not exact), so the printed code is vector art without hairline seams between modules.
    """
    matrix = qr_matrix(text)
    count = len(matrix)
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for r, row in enumerate(matrix):
        c = 0
        while c < count:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < count and row[c]:
                c += 1
            path.addRect(QRectF(start, r, c - start, 1))
    return path.simplified(), count


# ---------------------------------------------------------------- logo
def _load_logo(path: str):
    """A QSvgRenderer or QImage for the company logo, or None (missing/unreadable file)."""
    if not path:
        return None
    file = Path(path).expanduser()
    if not file.is_file():
        return None
    if file.suffix.lower() == ".svg":
        try:
            from PySide6.QtSvg import QSvgRenderer
        except ImportError:  # pragma: no cover - QtSvg is part of PySide6-Essentials
            return None
        renderer = QSvgRenderer(str(file))
        return renderer if renderer.isValid() else None
    image = QImage(str(file))
    return None if image.isNull() else image


def _draw_logo(p: QPainter, logo, box: QRectF) -> None:
    if isinstance(logo, QImage):
        size = QSizeF(logo.width(), logo.height())
    else:
        size = QSizeF(logo.defaultSize())
    if size.isEmpty():
        return
    size.scale(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRectF(box.left(), box.top() + (box.height() - size.height()) / 2, size.width(), size.height())
    if isinstance(logo, QImage):
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(target, logo)
    else:
        logo.render(p, target)


def load_png(data: bytes) -> QImage | None:
    if not data:
        return None
    image = QImage.fromData(data, "PNG")
    return None if image.isNull() else image


def draw_image(p: QPainter, image: QImage, box: QRectF, align_bottom: bool = False) -> None:
    """``image`` scaled into ``box`` keeping its proportions (left, and bottom or centre)."""
    size = QSizeF(image.width(), image.height())
    if size.isEmpty():
        return
    size.scale(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    top = box.bottom() - size.height() if align_bottom else box.top() + (box.height() - size.height()) / 2
    p.save()
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    p.drawImage(QRectF(box.left(), top, size.width(), size.height()), image)
    p.restore()


# ---------------------------------------------------------------- outputs
def start_painter(painter: QPainter) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)


def paint_layouts(layouts: list, device) -> int:
    """Paint every page of each laid-out document (``.pages``, ``.paint_page(painter, i)``) on a
    paged device (QPrinter in full-page mode, QPdfWriter) as one job; returns the page count."""
    painter = QPainter()
    if not painter.begin(device):
        raise UserError("无法开始打印：打印机或文件不可用，请检查打印机设置或输出路径。")
    pages = 0
    try:
        start_painter(painter)
        for layout in layouts:
            for index in range(len(layout.pages)):
                if pages:
                    device.newPage()
                layout.paint_page(painter, index)
                pages += 1
    finally:
        painter.end()
    return pages


def write_pdf_file(
    path: str | Path, title: str, render: Callable, *, example_name: str, layout: QPageLayout | None = None
) -> Path:
    """Write an A4 PDF (portrait unless ``layout`` says otherwise; vector, text in the shipped
    CJK font) by calling ``render(writer)``: under a temporary name beside ``path``, checked (a
    whole PDF) and renamed over it (``safe_files.write_atomic``), so a failure — a full disk —
    leaves the PDF that was there untouched. A Chinese UserError when the file cannot be written."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise UserError(f"{path} 是一个文件夹，请给出要保存的 PDF 文件名，例如 {path / example_name}。")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("ab"):  # open in a PDF reader (Windows): say so before any work
                pass
    except OSError as exc:
        raise UserError(
            f"无法写入 {path}：{safe_files.os_reason(exc)}。请换一个有写入权限的保存位置。"
        ) from exc

    def write(tmp: Path) -> None:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(PDF_DPI)
        if layout is not None:
            writer.setPageLayout(layout)
        else:
            writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
            writer.setPageOrientation(QPageLayout.Orientation.Portrait)
            writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
        writer.setTitle(title)
        writer.setCreator("回访通")
        try:
            render(writer)
        finally:
            del writer  # the file is complete once the writer is gone

    safe_files.write_atomic(path, write, check=safe_files.check_pdf, what="生成 PDF")
    log.info("已生成 PDF %s(%s)", path, title)
    return path


def a4_image(dpi: int) -> QImage:
    size = QPageSize(QPageSize.PageSizeId.A4).size(QPageSize.Unit.Millimeter)
    image = QImage(
        round(size.width() / 25.4 * dpi), round(size.height() / 25.4 * dpi), QImage.Format.Format_RGB32
    )
    dots = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots)
    image.setDotsPerMeterY(dots)
    image.fill(QColor(255, 255, 255))
    return image
