"""Printing the 回访表: one painter, three outputs (print preview, printer, PDF) plus page images.

The form is described by ``desktop.services.visits.forms`` (``build_visit_form(visit_id)`` /
``build_blank_form(template, customer_id=None, order_id=None)`` / ``build_task_form(task_id)``,
re-exported here) and painted with QPainter in physical units (millimetres converted with the
device's resolution), so the PDF is vector output with a real text layer in the shipped CJK font.
Every checkbox is a drawn square and every tick a drawn stroke — never a font glyph. A form with a
code (``HUIFANG:TASK:<id>`` / ``HUIFANG:VISIT:<id>``) carries it as a QR code beside the title,
drawn as filled vector squares (sharp at any resolution), with the code as text under it; a
filled form with an on-screen signature prints the signature image in its 客户签字 box.

The page-layout engine (blocks, pagination, masthead, title with its QR code, PDF writing) is
``desktop.views.printing.print_layout``; the other printed documents import it from there.

Public helpers:
- ``render_form(doc, device)`` paints all pages on a QPrinter / QPdfWriter (full-page coordinates);
  ``render_forms(docs, device)`` several forms as one job (each numbered on its own);
- ``write_pdf(doc, path)``, ``write_forms_pdf(docs, path)``, ``visit_form_pdf(visit_id, path)``,
  ``blank_form_pdf(template, path)``, ``task_forms_pdf(task_ids, path)``;
- ``form_page_images(doc, dpi=110) -> list[QImage]`` (screenshots, tests), ``forms_page_images``;
- ``preview_visit_form(parent, visit_id)``, ``print_visit_form(parent, visit_id)``,
  ``preview_blank_form(parent, template_id)``, ``print_blank_form(parent, template_id)``,
  ``preview_task_forms(parent, task_ids)``, ``print_task_forms(parent, task_ids)``.
"""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtPrintSupport import QPrinter

from desktop.services.common.errors import UserError
from desktop.services.paper_scan import layout as reader_layout
from desktop.services.visits import qrcodes
from desktop.services.visits.forms import (
    COMMENT_LABEL,
    MATRIX,
    NPS,
    SCORE10,
    TEXT,
    YESNO,
    FormDoc,
    FormRow,
    FormSection,
    build_blank_form,
    build_task_form,
    build_task_forms,
    build_visit_form,
    forms_job_name,
)
from desktop.views.printing.print_dialogs import new_printer, print_with_dialog, show_preview
from desktop.views.printing.print_layout import (
    BOX,
    CELL_PAD,
    CELL_PT,
    GREETING_PT,
    GREY_INK,
    HEAD_PT,
    HEADER_LABEL_COL,
    INK,
    LEVEL_COL,
    NUMBER_COL,
    OPTION_PT,
    PDF_DPI,
    QR_SIDE,
    QUESTION_PT,
    ROW_MIN,
    SCALE_GAP,
    SIGNATURE_H,
    SIGNATURE_W,
    SMALL_PT,
    WRITE_LINE,
    LayoutBlock,
    PageLayout,
    a4_image,
    draw_image,
    load_png,
    paint_layouts,
    start_painter,
    write_pdf_file,
)

__all__ = [
    "blank_form_pdf",
    "build_blank_form",
    "build_task_form",
    "build_task_forms",
    "build_visit_form",
    "form_page_images",
    "form_layout",
    "forms_page_images",
    "preview_blank_form",
    "preview_form",
    "preview_task_forms",
    "preview_visit_form",
    "print_blank_form",
    "print_form",
    "print_task_forms",
    "print_visit_form",
    "render_form",
    "render_forms",
    "task_forms_pdf",
    "visit_form_pdf",
    "write_forms_pdf",
    "write_pdf",
]


class FormPainter(PageLayout):
    """Lays a FormDoc (回访表) out for one paint device, then paints its pages.

    A form that does not fit one page in the roomy layout is laid out again tighter (less padding
    in the rows, shorter writing lines, two lines for 宝贵意见 on a blank form); the tight layout is
    kept when it saves a page. Either way the last question goes to a new page together with
    宝贵意见 and 客户签字: the signature never stands on a page without answers.
    """

    # sizes by tightness (0 roomy, 1 snug, 2 tight), in millimetres
    PAD = (CELL_PAD, 1.4, 1.0)
    ROW = (ROW_MIN, 7.1, 6.4)
    LINE = (WRITE_LINE, 7.3, 6.6)
    GAP = (1.0, 0.75, 0.5)  # factor on the spaces between blocks
    HEAD_PAD = (2.4, 1.8, 1.2)
    SCALE_PAD = (1.8, 1.4, 1.0)
    BLANK_LINES = (4, 3, 2)  # ruled lines for 宝贵意见 on a blank form
    RULE_GAP = (4.5, 4.0, 3.5)

    def __init__(self, doc, device):
        self.tight = 0
        super().__init__(doc, device)
        if len(self.pages) > 1 and isinstance(doc, FormDoc):
            best = (len(self.pages), 0, self.pages)
            for level in (1, 2):
                self.tight = level
                pages = self._paginate(self._blocks())
                if len(pages) < best[0]:
                    best = (len(pages), level, pages)
                if len(pages) == 1:
                    break
            _, self.tight, self.pages = best
            if self.tight != level:  # the blocks' draw functions read the sizes: lay out again
                self.pages = self._paginate(self._blocks())

    # ------------------------------------------------------------ what the paper reader needs
    def page_code(self, index: int) -> str:
        """``HUIFANG:TASK:12:P1:T3``: the form's code with the page number and template version."""
        if not isinstance(self.doc, FormDoc):  # the other documents built on this painter
            return super().page_code(index)
        if not self.doc.code:
            return ""
        return qrcodes.page_code(self.doc.code, index + 1, self.doc.template_id)

    def paint_reader_marks(self, p: QPainter, index: int) -> None:
        """The four corner marks (alignment) and, from the second page on, a small QR code at
        the bottom right (page 1 carries its code beside the title)."""
        if not isinstance(self.doc, FormDoc):  # 改进方案表, 表1, reports: nothing to read back
            return
        p.save()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(INK)
        side = self.mm(reader_layout.MARK_SIDE)
        for cx, cy in reader_layout.mark_centers(
            self.page_w * 25.4 / self.dpi, self.page_h * 25.4 / self.dpi
        ):
            p.drawRect(QRectF(self.mm(cx) - side / 2, self.mm(cy) - side / 2, side, side))
        p.restore()
        if index > 0 and self.doc.code:
            qr_side = self.mm(reader_layout.PAGE_QR_SIDE)
            left = self.page_w - self.mm(reader_layout.PAGE_QR_RIGHT) - qr_side
            top = self.page_h - self.mm(reader_layout.PAGE_QR_BOTTOM) - qr_side
            self.qr(p, self.page_code(index), QRectF(left, top, qr_side, qr_side))

    def pad_mm(self) -> float:
        return self.PAD[self.tight]

    def row_min_mm(self) -> float:
        return self.ROW[self.tight]

    def write_line_mm(self) -> float:
        return self.LINE[self.tight]

    def gap(self, value: float) -> float:
        """A space between blocks, in device units."""
        return self.mm(value * self.GAP[self.tight])

    # ------------------------------------------------------------ blocks
    def _blocks(self) -> list[LayoutBlock]:
        blocks = [self._masthead(), self._title()]
        if self.doc.greeting.strip():
            blocks.append(self._greeting())
        blocks.append(self._header_grid())
        blocks.extend(self._question_table())
        blocks.extend(self._feedback())
        blocks.append(self._signature())
        if getattr(self.doc, "survey_url", ""):
            blocks.append(self._survey_code())
        return blocks

    def _survey_code(self) -> LayoutBlock:
        """设置 → 扫码评价 on: the task's phone-page link as a QR code, with how to use it."""
        side = self.mm(QR_SIDE)
        font = self.font(CELL_PT)
        lines = ["也可以用手机扫描左侧二维码，在手机上填写本问卷并签名（连接本店 Wi-Fi）。", "每份链接只能提交一次。"]
        lh = self.line_height(font)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            self.qr(p, self.doc.survey_url, QRectF(x + self.mm(2), y, side, side))
            text = QRectF(x + side + self.mm(8), y + (side - lh * len(lines)) / 2, w - side - self.mm(10), lh * 2)
            self.draw_lines(p, lines, font, text)

        return LayoutBlock(side, draw, space_before=self.gap(4))

    def _greeting(self) -> LayoutBlock:
        font = self.font(GREETING_PT)
        lines = self.wrap(self.doc.greeting.strip(), font, self.width)
        height = self.line_height(font) * len(lines)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            self.draw_lines(p, lines, font, QRectF(x, y, w, height))

        return LayoutBlock(height, draw, space_before=self.gap(3))

    def _header_grid(self) -> LayoutBlock:
        label_font = self.font(CELL_PT, bold=True)
        value_font = self.font(CELL_PT)
        label_w = self.mm(HEADER_LABEL_COL)
        pad = self.mm(self.pad_mm())
        rows = []
        for cells in self.doc.header:
            value_w = (self.width - label_w * len(cells)) / len(cells)
            wrapped = [self.wrap(value, value_font, value_w - 2 * pad) for _, value in cells]
            height = max(
                [self.mm(self.row_min_mm())]
                + [len(v) * self.line_height(value_font) + 2 * pad for v in wrapped]
            )
            rows.append((cells, value_w, wrapped, height))
        total = sum(r[3] for r in rows)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            top = y
            for cells, value_w, wrapped, height in rows:
                left = x
                for (label, _), lines in zip(cells, wrapped, strict=True):
                    label_rect = QRectF(left, top, label_w, height)
                    self.cell(p, label_rect, fill=True)
                    self.draw_lines(p, [label], label_font, label_rect, Qt.AlignmentFlag.AlignHCenter)
                    value_rect = QRectF(left + label_w, top, value_w, height)
                    self.cell(p, value_rect)
                    self.draw_lines(p, lines, value_font, value_rect.adjusted(pad, pad, -pad, -pad))
                    left += label_w + value_w
                top += height
            p.setPen(self.pen(0.5))
            p.drawRect(QRectF(x, y, w, total))

        return LayoutBlock(total, draw, space_before=self.gap(4))

    # ------------------------------------------------------------ the question table
    def _question_cols(self) -> tuple[float, float, float]:
        """x offsets (from the table's left) and widths: number, question, option area."""
        number_w = self.mm(NUMBER_COL)
        option_w = self.mm(LEVEL_COL) * 5
        question_w = self.width - number_w - option_w
        return number_w, question_w, option_w

    def _table_header(self, section: FormSection) -> LayoutBlock:
        font = self.font(HEAD_PT, bold=True)
        number_w, question_w, option_w = self._question_cols()
        if section.layout == MATRIX:
            heads = list(section.columns)
        else:
            heads = ["您的评价"]
        col_w = option_w / len(heads)
        wrapped = [self.wrap(h, font, col_w - self.mm(1.2)) for h in heads]
        height = max(
            [self.mm(self.row_min_mm())]
            + [len(lines) * self.line_height(font) + self.mm(self.HEAD_PAD[self.tight]) for lines in wrapped]
        )

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            center = Qt.AlignmentFlag.AlignHCenter
            rect = QRectF(x, y, number_w, height)
            self.cell(p, rect, fill=True)
            self.draw_lines(p, ["序号"], font, rect, center)
            rect = QRectF(x + number_w, y, question_w, height)
            self.cell(p, rect, fill=True)
            self.draw_lines(p, ["评价项目"], font, rect, center)
            left = x + number_w + question_w
            for lines in wrapped:
                rect = QRectF(left, y, col_w, height)
                self.cell(p, rect, fill=True)
                self.draw_lines(p, lines, font, rect, center)
                left += col_w

        return LayoutBlock(height, draw, keep_with_next=True)

    def _question_table(self) -> list[LayoutBlock]:
        """Every section starts with its header row (level names over a rating matrix)."""
        blocks: list[LayoutBlock] = []
        for section in self.doc.sections:
            header = None
            if section.layout == MATRIX or any(row.kind != TEXT for row in section.rows):
                header = self._table_header(section)
                blocks.append(header)
            # (free-text questions span the table's width: no column header above them)
            blocks.extend(self._question_row(row, section, header) for row in section.rows)
        if blocks:
            blocks[0].space_before = self.gap(4)
            # the last answer goes with 宝贵意见 and the signature (never a signature alone)
            blocks[-1].keep_with_next = True
        return blocks

    def _option_layout(self, row: FormRow, option_w: float) -> list[list[tuple[float, str, int]]]:
        """Box positions inside the option area: lines of (x offset, label, option index)."""
        font = self.font(OPTION_PT)
        pad = self.mm(self.pad_mm())
        if row.kind == YESNO and len(row.options) <= 5:
            slot = self.mm(LEVEL_COL)
            return [[(i * slot + pad + self.mm(2), label, i) for i, label in enumerate(row.options)]]
        lines: list[list[tuple[float, str, int]]] = [[]]
        x = pad
        gap = self.mm(4)
        for i, label in enumerate(row.options):
            width = self.option_width(label, font)
            if lines[-1] and x + width > option_w - pad:
                lines.append([])
                x = pad
            lines[-1].append((x, label, i))
            x += width + gap
        return lines

    def _question_row(self, row: FormRow, section: FormSection, header: LayoutBlock | None) -> LayoutBlock:
        number_w, question_w, option_w = self._question_cols()
        q_font = self.font(QUESTION_PT)
        opt_font = self.font(OPTION_PT)
        pad = self.mm(self.pad_mm())
        text_w = question_w - 2 * pad
        is_text = row.kind == TEXT
        if is_text:
            text_w = question_w + option_w - 2 * pad
        q_lines = self.wrap(row.text, q_font, text_w)
        main_h = len(q_lines) * self.line_height(q_font) + 2 * pad
        option_lines: list[list[tuple[float, str, int]]] = []
        label_font = opt_font
        scale = row.kind in (SCORE10, NPS)
        scale_font = self.font(SMALL_PT)
        scale_h = self.mm(BOX + SCALE_GAP) + self.line_height(scale_font)
        if scale:
            main_h = max(main_h, scale_h + self.mm(self.SCALE_PAD[self.tight]))
        elif not is_text and section.layout != MATRIX:
            option_lines = self._option_layout(row, option_w)
            opt_line_h = max(self.line_height(opt_font), self.mm(BOX + 2.2))
            main_h = max(main_h, len(option_lines) * opt_line_h + 2 * pad)
        inline: list[list[str]] = []
        if section.layout == MATRIX and row.inline_labels:
            # Labels printed beside the boxes: a smaller font until the longest fits its column,
            # and wrapped below the smallest size.
            room = self.mm(LEVEL_COL - 1.6)
            size = OPTION_PT - 0.5
            while size > 6.5 and max(self.option_width(o, self.font(size)) for o in row.options) > room:
                size -= 0.5
            label_font = self.font(size)
            text_room = room - self.mm(BOX + 1.0)
            inline = [self.wrap(label, label_font, text_room) for label in row.options]
            tallest = max(len(lines) for lines in inline) * self.line_height(label_font)
            main_h = max(main_h, tallest + 2 * pad)
        main_h = max(main_h, self.mm(self.row_min_mm()))

        # Second part of the row: the free-text answer, or a per-question comment.
        sub_label = ""
        sub_lines: list[str] = []
        sub_h = 0.0
        ruled = 0
        sub_w = question_w + option_w - 2 * pad
        if is_text:
            sub_label = ""
            if row.answer_text:
                sub_lines = self.wrap(row.answer_text, q_font, sub_w)
                sub_h = len(sub_lines) * self.line_height(q_font) + 2 * pad
            else:
                ruled = 2
                sub_h = ruled * self.mm(self.write_line_mm()) + pad
        elif row.comment_line:
            sub_label = f"{COMMENT_LABEL}："
            label_w = self.metrics(q_font).horizontalAdvance(sub_label) + self.mm(1)
            if row.comment:
                sub_lines = self.wrap(row.comment, q_font, sub_w - label_w)
                sub_h = len(sub_lines) * self.line_height(q_font) + 2 * pad
            else:
                ruled = 1
                sub_h = self.mm(self.write_line_mm()) + pad
        height = main_h + sub_h

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            center = Qt.AlignmentFlag.AlignHCenter
            self.record_row(row.number, QRectF(x, y, number_w + question_w + option_w, height))
            # number cell spans the whole row
            number_rect = QRectF(x, y, number_w, height)
            self.cell(p, number_rect)
            self.draw_lines(p, [str(row.number)], q_font, QRectF(x, y, number_w, main_h), center)
            q_rect = QRectF(x + number_w, y, question_w + (option_w if is_text else 0), main_h)
            self.cell(p, q_rect)
            self.draw_lines(p, q_lines, q_font, q_rect.adjusted(pad, pad, -pad, -pad))
            area_x = x + number_w + question_w
            mid = y + main_h / 2
            if section.layout == MATRIX:
                for i in range(len(row.options)):
                    rect = QRectF(area_x + i * self.mm(LEVEL_COL), y, self.mm(LEVEL_COL), main_h)
                    self.cell(p, rect)
                    ticked = row.chosen == i
                    if inline:
                        lines = inline[i]
                        text_w = max(self.metrics(label_font).horizontalAdvance(t) for t in lines)
                        width = self.mm(BOX + 1.0) + text_w
                        left = rect.center().x() - width / 2
                        text_rect = QRectF(left + self.mm(BOX + 1.0), y, text_w + 2, main_h)
                        ink_h = min(main_h, len(lines) * self.line_height(label_font))
                        ink = QRectF(text_rect.left(), mid - ink_h / 2, text_w, ink_h)
                        self.checkbox(p, left, mid, ticked, (row.number, i), ink)
                        self.draw_lines(p, lines, label_font, text_rect)
                    else:
                        self.checkbox(p, rect.center().x() - self.mm(BOX) / 2, mid, ticked, (row.number, i))
            elif scale:
                # a rating scale: boxes in a row, each number centred under its box
                self.cell(p, QRectF(area_x, y, option_w, main_h))
                slot = (option_w - 2 * pad) / len(row.options)
                top = y + (main_h - scale_h) / 2
                lh = self.line_height(scale_font)
                for i, label in enumerate(row.options):
                    cx = area_x + pad + slot * (i + 0.5)
                    box_y = top + self.mm(BOX) / 2
                    number_rect = QRectF(cx - slot / 2, top + self.mm(BOX + SCALE_GAP), slot, lh)
                    label_w = self.metrics(scale_font).horizontalAdvance(label)
                    ink = QRectF(cx - label_w / 2, number_rect.top() + lh * 0.15, label_w, lh * 0.7)
                    self.checkbox(p, cx - self.mm(BOX) / 2, box_y, row.chosen == i, (row.number, i), ink)
                    self.draw_lines(p, [label], scale_font, number_rect, center)
            elif not is_text:
                area = QRectF(area_x, y, option_w, main_h)
                self.cell(p, area)
                opt_line_h = max(self.line_height(opt_font), self.mm(BOX + 2.2))
                top = y + (main_h - opt_line_h * len(option_lines)) / 2
                for n, line in enumerate(option_lines):
                    cy = top + opt_line_h * (n + 0.5)
                    for offset, label, i in line:
                        key = (row.number, i)
                        self.option(p, area_x + offset, cy, label, opt_font, row.chosen == i, key)
            if sub_h:
                sub_rect = QRectF(x + number_w, y + main_h, question_w + option_w, sub_h)
                self.cell(p, sub_rect)
                inner = sub_rect.adjusted(pad, pad, -pad, -pad)
                label_w = 0.0
                if sub_label:
                    label_w = self.metrics(q_font).horizontalAdvance(sub_label) + self.mm(1)
                    first = QRectF(inner.left(), inner.top(), label_w, self.line_height(q_font))
                    if ruled:
                        first = QRectF(inner.left(), sub_rect.top(), label_w, sub_h - pad / 2)
                    self.draw_lines(p, [sub_label], q_font, first, color=GREY_INK)
                if sub_lines:
                    text_rect = QRectF(
                        inner.left() + label_w, inner.top(), inner.width() - label_w, inner.height()
                    )
                    self.draw_lines(p, sub_lines, q_font, text_rect, valign_center=False)
                for k in range(ruled):
                    line_y = sub_rect.top() + (k + 1) * self.mm(self.write_line_mm()) - self.mm(1.2)
                    p.setPen(self.pen(0.15, GREY_INK))
                    p.drawLine(QPointF(inner.left() + label_w, line_y), QPointF(inner.right(), line_y))

        return LayoutBlock(height, draw, repeat_header=header)

    # ------------------------------------------------------------ feedback, signature
    def _feedback(self) -> list[LayoutBlock]:
        font = self.font(QUESTION_PT)
        head_font = self.font(CELL_PT, bold=True)
        pad = self.mm(self.pad_mm() + 0.7)
        inner_w = self.width - 2 * pad
        head_h = self.line_height(head_font) + pad
        label = f"{self.doc.feedback_label}："

        def head(p: QPainter, x: float, y: float, w: float) -> None:
            self.draw_lines(p, [label], head_font, QRectF(x + pad, y + pad, w - 2 * pad, head_h - pad))

        blocks = [
            LayoutBlock(head_h, head, space_before=self.gap(3.5), keep_with_next=True, group="feedback")
        ]
        lh = self.line_height(font)
        if self.doc.feedback:
            lines = self.wrap(self.doc.feedback, font, inner_w)
            for line in lines:

                def text(p: QPainter, x: float, y: float, w: float, line=line) -> None:
                    self.draw_lines(p, [line], font, QRectF(x + pad, y, w - 2 * pad, lh))

                # a short text keeps its box in one piece
                blocks.append(LayoutBlock(lh, text, group="feedback", keep_with_next=len(lines) <= 8))
        else:
            count = self.BLANK_LINES[self.tight] if self.doc.blank else 1
            for n in range(count):

                def ruled(p: QPainter, x: float, y: float, w: float) -> None:
                    line_y = y + self.mm(self.write_line_mm()) - self.mm(1.5)
                    p.setPen(self.pen(0.15, GREY_INK))
                    p.drawLine(QPointF(x + pad, line_y), QPointF(x + w - pad, line_y))

                # on a blank form the first lines may be left out to keep the signature on the page
                optional = n < count - 2
                blocks.append(
                    LayoutBlock(
                        self.mm(self.write_line_mm()),
                        ruled,
                        group="feedback",
                        keep_with_next=True,
                        optional=optional,
                    )
                )
        blocks[-1].height += pad
        # the end of the box goes to a new page together with the signature
        blocks[-1].keep_with_next = True
        return blocks

    def _signature(self) -> LayoutBlock:
        font = self.font(11)
        small = self.font(SMALL_PT)
        lh = self.line_height(font)
        small_h = self.line_height(small)
        image = load_png(getattr(self.doc, "signature_png", b""))
        signed_at = getattr(self.doc, "signed_at", None)
        sign_h = self.mm(SIGNATURE_H) if image is not None else lh
        rule_gap = self.mm(self.RULE_GAP[self.tight])
        height = sign_h + rule_gap + small_h

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            label = f"{self.doc.signature_label}："
            if image is None:
                sign = f"{label}________________"
                self.draw_lines(p, [sign], font, QRectF(x + self.mm(2), y, w / 2, lh))
            else:
                # the signature stands on the line, as if written on the paper
                label_w = self.metrics(font).horizontalAdvance(label) + self.mm(1)
                line_top = y + sign_h - lh
                self.draw_lines(p, [label], font, QRectF(x + self.mm(2), line_top, label_w, lh))
                box = QRectF(x + self.mm(2) + label_w, y, self.mm(SIGNATURE_W), sign_h - self.mm(0.8))
                draw_image(p, image, box, align_bottom=True)
                p.setPen(self.pen(0.25))
                base = y + sign_h - self.mm(0.6)
                p.drawLine(QPointF(box.left(), base), QPointF(box.right(), base))
            if signed_at is not None:
                date = f"日期：{signed_at.year}年{signed_at.month}月{signed_at.day}日"
            else:
                date = "日期：         年       月       日"
            self.draw_lines(
                p,
                [date],
                font,
                QRectF(x + w / 2, y + sign_h - lh, w / 2 - self.mm(2), lh),
                Qt.AlignmentFlag.AlignRight,
            )
            parts = []
            for key, value in self.doc.footer:
                parts.append(f"{key}：{value if value else '____________'}")
            if self.doc.template_label:
                parts.append(f"问卷：{self.doc.template_label}")
            if image is not None and signed_at is not None:
                parts.append(f"电子签名：{signed_at:%Y-%m-%d %H:%M}")
                sha = getattr(self.doc, "signature_sha256", "")
                if sha:
                    parts.append(f"SHA-256 {sha[:16]}…")
            line_y = y + sign_h + rule_gap
            p.setPen(self.pen(0.15, GREY_INK))
            p.drawLine(QPointF(x, line_y - self.mm(1.5)), QPointF(x + w, line_y - self.mm(1.5)))
            footer = "      ".join(parts)
            if self.metrics(small).horizontalAdvance(footer) > w - self.mm(2):
                footer = "   ".join(parts)
            self.draw_lines(p, [footer], small, QRectF(x + self.mm(2), line_y, w, small_h), color=GREY_INK)

        return LayoutBlock(height, draw, space_before=self.gap(6))


# ---------------------------------------------------------------- outputs
def render_form(doc: FormDoc, device) -> int:
    """Paint every page of ``doc`` on a paged device (QPrinter in full-page mode, QPdfWriter).

    Returns the number of pages.
    """
    return render_forms([doc], device)


def render_forms(docs: list[FormDoc], device) -> int:
    """Paint several forms one after another as one job (each starts on a new page and numbers
    its own pages). Returns the number of pages."""
    return paint_layouts([FormPainter(doc, device) for doc in docs], device)


def write_pdf(doc: FormDoc, path: str | Path) -> Path:
    """Write ``doc`` as an A4 PDF (vector, text in the shipped CJK font)."""
    return write_forms_pdf([doc], path)


def write_forms_pdf(docs: list[FormDoc], path: str | Path, title: str = "") -> Path:
    """Write several forms into one A4 PDF (one job: print it once, get every form)."""
    if not docs:
        raise UserError("没有要打印的回访表。")
    title = title or forms_job_name(docs)  # the PDF's title is the print job's name
    return write_pdf_file(path, title, lambda writer: render_forms(docs, writer), example_name="回访表.pdf")


def visit_form_pdf(visit_id: int, out: str | Path) -> Path:
    """``huifang form --visit ID --out F.pdf``: the filled form of one visit."""
    return write_pdf(build_visit_form(visit_id), out)


def blank_form_pdf(template, out: str | Path) -> Path:
    """``huifang form --blank [--template NAME]``: an empty form (None = the default template)."""
    return write_pdf(build_blank_form(template), out)


def task_forms_pdf(task_ids, out: str | Path) -> Path:
    """``huifang form --blank --task ID`` / ``--due today``: the coded blank forms of tasks, one
    form per task, in one PDF."""
    return write_forms_pdf(build_task_forms(task_ids), out)


def form_layout(doc: FormDoc) -> reader_layout.FormLayout:
    """Where every answer box of ``doc`` is printed (millimetres, per page), recorded by the very
    painter that prints it, laid out for a PDF page (the printed PDF's own layout). The paper
    reader (``desktop.services.paper_scan``) looks exactly there."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    layout = FormPainter(doc, writer)
    layout.box_sink = sink = []
    layout.row_sink = rows = []
    paint_layouts([layout], writer)
    del writer
    pages = [reader_layout.PageBoxes(page=i + 1) for i in range(len(layout.pages))]
    for index, (number, option), (x, y, side), label in sink:
        pages[index].boxes.append(reader_layout.AnswerBox(number, option, x, y, side, label))
    for index, number, rect in rows:
        pages[index].rows[number] = rect
    return reader_layout.FormLayout(pages)


def form_page_images(doc: FormDoc, dpi: int = 110) -> list[QImage]:
    """Every page of ``doc`` as an A4 image at ``dpi`` (white background)."""
    layout = FormPainter(doc, a4_image(dpi))
    images = []
    for index in range(len(layout.pages)):
        image = a4_image(dpi)
        painter = QPainter(image)
        start_painter(painter)
        layout.paint_page(painter, index)
        painter.end()
        images.append(image)
    return images


def forms_page_images(docs: list[FormDoc], dpi: int = 110) -> list[QImage]:
    """The pages of several forms, in print order."""
    return [image for doc in docs for image in form_page_images(doc, dpi)]


def new_form_printer() -> QPrinter:
    return new_printer()


def preview_form(parent, doc: FormDoc) -> int:
    """Show the print preview of ``doc`` (its toolbar can print); returns the number of pages it
    showed, after it closes."""
    return show_preview(parent, doc.title, lambda target: render_form(doc, target), job_name=doc.job_name)


def print_form(parent, doc: FormDoc) -> bool:
    """Ask for a printer (QPrintDialog), then print ``doc``; False when the user cancels."""
    return print_with_dialog(
        parent, doc.title, lambda printer: render_form(doc, printer), job_name=doc.job_name
    )


def _guarded(parent, build: Callable[[], FormDoc], action: Callable) -> object:
    from desktop.views.common.widgets import show_error

    try:
        doc = build()
        return action(parent, doc)
    except UserError as err:
        show_error(parent, str(err), "无法打印回访表")
        return None


def preview_visit_form(parent, visit_id: int):
    return _guarded(parent, lambda: build_visit_form(visit_id), preview_form)


def print_visit_form(parent, visit_id: int):
    return _guarded(parent, lambda: build_visit_form(visit_id), print_form)


def preview_blank_form(parent, template_id=None, customer_id: int | None = None, order_id: int | None = None):
    return _guarded(parent, lambda: build_blank_form(template_id, customer_id, order_id), preview_form)


def print_blank_form(parent, template_id=None, customer_id: int | None = None, order_id: int | None = None):
    return _guarded(parent, lambda: build_blank_form(template_id, customer_id, order_id), print_form)


def preview_forms(parent, docs: list[FormDoc]) -> int:
    """Print preview of several forms as one job."""
    title = f"{docs[0].title}（共 {len(docs)} 份）"
    return show_preview(
        parent, title, lambda target: render_forms(docs, target), job_name=forms_job_name(docs)
    )


def print_forms(parent, docs: list[FormDoc]) -> bool:
    """One printer dialog, then every form; False when the user cancels."""
    title = f"{docs[0].title}（共 {len(docs)} 份）"
    return print_with_dialog(
        parent, title, lambda printer: render_forms(docs, printer), job_name=forms_job_name(docs)
    )


def _guarded_many(parent, build: Callable[[], list[FormDoc]], action: Callable) -> object:
    from desktop.views.common.widgets import show_error

    try:
        docs = build()
        return action(parent, docs)
    except UserError as err:
        show_error(parent, str(err), "无法打印回访表")
        return None


def preview_task_forms(parent, task_ids):
    """Preview the coded blank forms of ``task_ids`` (one form per task) as one job."""
    return _guarded_many(parent, lambda: build_task_forms(task_ids), preview_forms)


def print_task_forms(parent, task_ids):
    """Print the coded blank forms of ``task_ids`` as one job."""
    return _guarded_many(parent, lambda: build_task_forms(task_ids), print_forms)
