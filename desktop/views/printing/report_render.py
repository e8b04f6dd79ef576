"""Painting the period report (``services.report.ReportDoc``): A4 portrait pages for the print
preview, the printer and the PDF.

The layout reuses the 回访表 painter of ``printing`` (millimetre units, the shipped CJK font,
text wrapping, blocks that move to the next page whole, a repeated table header, "第 N 页 / 共 M
页"); this module adds the report's blocks: section headings, paragraphs, ruled tables whose
columns share the page width (text wraps inside its cell; a row never splits; the header row
repeats on each new page) and charts.

Charts are drawn by matplotlib (``Figure`` + the SVG backend, never pyplot) at their printed size
in inches, so 8-point labels print as 8 points, and painted as **vector** graphics through
``QSvgRenderer`` — sharp at any zoom and printer resolution. matplotlib writes the glyphs as
outlines (``svg.fonttype = path``) with the bundled WenQuanYi font, so Chinese labels need no
font on the printer. ``render_charts(doc)`` uses matplotlib only (no Qt), so the report view runs
it in the worker thread together with the statistics.

Public helpers: ``render_charts(doc)``, ``render_report(doc, device, charts=None)``,
``write_report_pdf(doc, path, charts=None)``, ``report_page_images(doc, dpi, charts=None)``,
``print_report(parent, doc, charts=None)``, ``default_file_name(doc)``.
"""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter

from desktop.services.summaries import report as rpt
from desktop.services.summaries import report_doc
from desktop.views.printing.print_dialogs import print_with_dialog
from desktop.views.printing.print_layout import (
    CELL_PAD,
    GREY_INK,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    PAGE_NUMBER_FROM_BOTTOM,
    SMALL_PT,
    LayoutBlock,
    paint_layouts,
    start_painter,
    write_pdf_file,
)
from desktop.views.printing.visit_form_print import FormPainter, new_form_printer

HEADING_PT = 13.0
SUBHEADING_PT = 10.5
BODY_PT = 10.0
NOTE_PT = 8.5
CAPTION_PT = 9.0
HEAD_FILL = QColor(226, 232, 240)
BOLD_FILL = QColor(244, 246, 248)
MARK_FILL = QColor(250, 226, 224)
MARK_INK = QColor(170, 30, 30)
ACCENT = QColor(44, 82, 130)
ROW_MIN_MM = 6.8
CHART_DPI = 200  # only used for the PNG fallback
PAGE_WIDTH_MM = 210.0
CONTENT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT - MARGIN_RIGHT

_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft,
    "center": Qt.AlignmentFlag.AlignHCenter,
    "right": Qt.AlignmentFlag.AlignRight,
}


# ---------------------------------------------------------------- charts (matplotlib only)
def _figure(chart: report_doc.Chart):
    from matplotlib.figure import Figure

    from desktop.views.common.charts import setup_fonts

    setup_fonts()
    fig = Figure(figsize=(CONTENT_WIDTH_MM / 25.4, chart.height_mm / 25.4), layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def _nan(values):
    return [math.nan if v is None else v for v in values]


def _style_axes(ax) -> None:
    from desktop.views.common.charts import TEXT

    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8, colors=TEXT)
    ax.yaxis.label.set_size(8.5)
    ax.grid(axis="y", color="#E3E3E3", linewidth=0.6)
    ax.set_axisbelow(True)


def _draw_empty(fig, chart: report_doc.Chart) -> None:
    from desktop.views.common.charts import REFERENCE

    ax = fig.add_subplot(111)
    ax.axis("off")
    ax.text(0.5, 0.5, chart.empty_text or "没有数据", ha="center", va="center", color=REFERENCE, fontsize=10)


def _draw_dimension_bars(fig, chart: report_doc.Chart) -> None:
    from desktop.views.common.charts import BAR, TEXT

    ax = fig.add_subplot(111)
    n = len(chart.categories)
    xs = list(range(n))
    width = 0.38
    now = chart.series[0]
    before = chart.series[1] if len(chart.series) > 1 else None
    if before is not None:
        ax.bar(
            [x + width / 2 for x in xs],
            _nan(before.values),
            width,
            color="#C9D3DF",
            label=before.name,
            zorder=2,
        )
    shift = -width / 2 if before is not None else 0
    bars = ax.bar([x + shift for x in xs], _nan(now.values), width, color=BAR, label=now.name, zorder=3)
    for rect, value in zip(bars, now.values, strict=True):
        if value is not None:
            ax.text(
                rect.get_x() + rect.get_width() / 2,
                value + 1.2,
                f"{value:.1f}",
                ha="center",
                va="bottom",
                fontsize=7.5,
                color=TEXT,
            )
    for x, label in zip(xs, chart.labels, strict=False):
        if not label:
            continue
        color = "#C0392B" if label.startswith("↓") else "#2E7D32" if label.startswith("↑") else "#777777"
        ax.text(x, 110, label, ha="center", va="bottom", fontsize=8, color=color)
    if any(chart.labels):
        ax.annotate(
            "较上期",
            xy=(0, 110),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=7.5,
            color="#777777",
        )
    ax.set_xticks(xs, chart.categories)
    ax.set_ylim(0, 122)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    ax.set_ylabel(chart.y_label)
    _style_axes(ax)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        names[::-1],
        fontsize=7.5,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncols=2,
        frameon=False,
    )


def month_ticks(categories: list[str], every: int) -> tuple[list[int], list[str]]:
    """Tick positions and labels for months written “2026年1月”: every ``every``-th month as
    “10月”, the year added to the first tick and to each January."""
    picked = list(range(0, len(categories), every))
    labels, year = [], None
    for i in picked:
        this_year, _sep, month = categories[i].partition("年")
        if not month:  # not a month
            labels.append(categories[i])
            continue
        labels.append(month if this_year == year else f"{this_year}年\n{month}")
        year = this_year
    return picked, labels


def _trend_panel(ax, xs, chart: report_doc.Chart, series: report_doc.Series, overall: report_doc.Series | None, low: float) -> None:
    from desktop.views.common.charts import BAR, REFERENCE, TEXT

    if chart.highlight is not None:
        first, last = chart.highlight
        ax.axvspan(first - 0.5, last + 0.5, color="#EEF3F9", zorder=0)
    if overall is not None:  # 总体 for comparison, quiet
        ax.plot(xs, _nan(overall.values), color="#B8C2CC", linewidth=1.0, zorder=1)
    ax.plot(xs, _nan(series.values), color=BAR, linewidth=1.8, marker="o", markersize=2.6, zorder=3)
    shown = [(x, v) for x, v in zip(xs, series.values, strict=True) if v is not None]
    ax.set_title(series.name, fontsize=8.5, color=TEXT, loc="left", pad=3)
    if shown:  # the latest month's figure, beside the name (a label at the point would hide the line)
        x, value = shown[-1]
        month = chart.categories[x].partition("年")[2] or chart.categories[x]
        ax.set_title(f"{month} {value:.1f}", fontsize=7.5, color=BAR, loc="right", pad=3)
    ax.set_ylim(low, 100)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=7, colors=TEXT, length=2)
    ax.grid(axis="y", color="#E3E3E3", linewidth=0.6)
    ax.set_axisbelow(True)
    if not shown:
        ax.text(0.5, 0.5, "无评分", transform=ax.transAxes, ha="center", va="center", color=REFERENCE, fontsize=8)


def _draw_trend(fig, chart: report_doc.Chart) -> None:
    """One small panel per line (总体 first, the dimensions after it, each over a quiet 总体 line)
    on a shared 0–100 scale cut at the lowest value: six crossing lines in one plot cannot be read."""
    xs = list(range(len(chart.categories)))
    values = [v for s in chart.series for v in s.values if v is not None]
    low = max(0, min(60, math.floor((min(values, default=100) - 5) / 10) * 10))
    count = len(chart.series)
    columns = 1 if count == 1 else 2 if count in (2, 4) else 3
    rows = math.ceil(count / columns)
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    overall = chart.series[0]
    ticks, labels = month_ticks(chart.categories, 3 if columns > 1 else 1)
    for n, ax in enumerate(axes.flat):
        if n >= count:
            ax.set_visible(False)
            continue
        series = chart.series[n]
        _trend_panel(ax, xs, chart, series, None if n == 0 else overall, low)
        ax.set_xticks(ticks, labels)
    for ax in axes.flat[count - columns : count] if rows > 1 else axes.flat[:count]:
        ax.tick_params(axis="x", labelbottom=True)
    fig.supylabel(chart.y_label, fontsize=8)
    if count > 1:
        fig.supxlabel("浅灰线为总体，供各维度对照", fontsize=7.5, color="#777777")


def _draw_pareto(fig, chart: report_doc.Chart) -> None:
    from desktop.views.common.charts import BAR, LINE, REFERENCE, TEXT

    ax = fig.add_subplot(111)
    counts = chart.series[0].values
    xs = list(range(len(counts)))
    bars = ax.bar(xs, _nan(counts), color=BAR, width=0.55, zorder=2)
    ax.bar_label(bars, labels=[f"{v:.0f}" for v in counts], padding=2, fontsize=8, color=TEXT)
    ax.set_xticks(xs, chart.categories)
    ax.set_ylabel(chart.y_label)
    top = max((v for v in counts if v is not None), default=1)
    ax.set_ylim(0, top * 1.25)
    ax.yaxis.get_major_locator().set_params(integer=True)
    _style_axes(ax)
    if len(chart.series) > 1:
        ax2 = ax.twinx()
        cumulative = chart.series[1].values
        ax2.plot(xs, _nan(cumulative), color=LINE, marker="o", markersize=3.5, linewidth=1.6, zorder=3)
        line = chart.reference
        for x, value in zip(xs, cumulative, strict=True):
            if value is not None:
                # below-right of its point, or above it where a label below would cross the 80% line
                above = line is not None and line <= value < line + 11
                ax2.annotate(
                    f"{value:.0f}%",
                    (x, value),
                    textcoords="offset points",
                    xytext=(9, 3) if above else (9, -3),
                    ha="left",
                    va="bottom" if above else "top",
                    fontsize=7.5,
                    color=LINE,
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "facecolor": "white",
                        "edgecolor": "none",
                        "alpha": 0.85,
                    },
                )
        if chart.reference is not None:
            ax2.axhline(chart.reference, color=REFERENCE, linestyle="--", linewidth=0.9)
            ax2.annotate(
                chart.reference_label,
                xy=(1, chart.reference),
                xycoords=("axes fraction", "data"),
                xytext=(-3, 2),
                textcoords="offset points",
                color=REFERENCE,
                fontsize=7.5,
                ha="right",
                va="bottom",
            )
        ax2.set_ylim(0, 118)
        ax2.set_yticks([0, 20, 40, 60, 80, 100])
        ax2.set_ylabel(chart.series[1].name, fontsize=8.5)
        ax2.tick_params(labelsize=8, colors=TEXT)
        ax2.spines[["top"]].set_visible(False)


_DRAW = {rpt.DIMENSION_BARS: _draw_dimension_bars, rpt.TREND: _draw_trend, rpt.PARETO: _draw_pareto}


def chart_figure(chart: report_doc.Chart):
    """The matplotlib ``Figure`` of one chart, sized as printed (content width × its height)."""
    fig = _figure(chart)
    if chart.empty:
        _draw_empty(fig, chart)
    else:
        _DRAW[chart.kind](fig, chart)
    return fig


_EMPTY_GLYPH = re.compile(rb'<path id="([^"]+)"(?: transform="[^"]*")?\s*/>')


def chart_svg(chart: report_doc.Chart) -> bytes:
    """The chart as SVG (text as outlines)."""
    import io

    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    fig = chart_figure(chart)
    FigureCanvasSVG(fig)
    out = io.BytesIO()
    with rc_context({"svg.fonttype": "path", "svg.hashsalt": "huifang"}):
        fig.savefig(out, format="svg", facecolor="white")
    # a blank glyph (a space) is written as a path without data, which QtSvg rejects with a
    # warning and then reports every use of it as undefined: make it an empty group instead
    return _EMPTY_GLYPH.sub(rb'<g id="\1"/>', out.getvalue())


def render_charts(doc: report_doc.ReportDoc, progress=None) -> list[bytes]:
    """SVG of every chart of ``doc``, in ``doc.charts()`` order (no Qt: safe in a worker thread)."""
    charts = doc.charts()
    out = []
    for n, chart in enumerate(charts):
        if progress is not None:
            progress(n, len(charts), f"正在绘制图表：{chart.title}…")
        out.append(chart_svg(chart))
    return out


# ---------------------------------------------------------------- the painter
@dataclass
class _PrintDoc:
    """What the 回访表 painter reads (masthead, title, header grid, "(续)" line)."""

    title: str
    company: str
    logo: str = ""
    header: list = field(default_factory=list)


class _ReportPainter(FormPainter):
    def __init__(self, report: report_doc.ReportDoc, device, charts: list[bytes] | None = None):
        self.report = report
        self.chart_images = list(charts) if charts is not None else None
        self._chart_index = 0
        self._table_index = 0
        super().__init__(_PrintDoc(report.title, report.company, report.logo), device)

    # ------------------------------------------------------------ blocks
    def _blocks(self) -> list[LayoutBlock]:
        blocks = [self._masthead(), self._title(), self._subtitle()]
        for section in self.report.sections:
            blocks.append(self._heading(section.heading))
            for item in section.blocks:
                if isinstance(item, report_doc.Paragraph):
                    blocks.extend(self._paragraph(item))
                elif isinstance(item, report_doc.Table):
                    blocks.extend(self._table(item))
                elif isinstance(item, report_doc.Grid):
                    self.doc.header = item.rows()
                    grid = self._header_grid()
                    grid.space_before = self.mm(1.5)
                    blocks.append(grid)
                elif isinstance(item, report_doc.Chart):
                    blocks.extend(self._chart(item))
        blocks.append(self._closing())
        return blocks

    def _subtitle(self) -> LayoutBlock:
        font = self.font(NOTE_PT + 0.5)
        text = self.report.subtitle or (
            f"调查周期：{report_doc.period_span(self.report.period)}    编制日期：{report_doc.day_text(self.report.generated_on)}"
        )
        h = self.line_height(font)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            self.draw_lines(
                p, [text], font, QRectF(x, y, w, h), Qt.AlignmentFlag.AlignHCenter, color=GREY_INK
            )

        return LayoutBlock(h, draw, space_before=self.mm(1.5))

    def _heading(self, text: str) -> LayoutBlock:
        font = self.font(HEADING_PT, bold=True)
        h = self.line_height(font)
        height = h + self.mm(1.6)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            bar = QRectF(x, y + self.mm(0.6), self.mm(1.4), h - self.mm(1.0))
            p.fillRect(bar, ACCENT)
            self.draw_lines(p, [text], font, QRectF(x + self.mm(3.2), y, w, h), color=ACCENT)
            p.setPen(self.pen(0.3, ACCENT))
            p.drawLine(QPointF(x, y + height - self.mm(0.4)), QPointF(x + w, y + height - self.mm(0.4)))

        return LayoutBlock(height, draw, space_before=self.mm(7), keep_with_next=True)

    def _paragraph(self, para: report_doc.Paragraph) -> list[LayoutBlock]:
        style = para.style
        if style == "subheading":
            font = self.font(SUBHEADING_PT, bold=True)
            indent, color, before = 0.0, ACCENT, self.mm(4)
        elif style == "note":
            font = self.font(NOTE_PT)
            indent, color, before = 0.0, GREY_INK, self.mm(1.2)
        elif style == "bullet":
            font = self.font(BODY_PT - 0.5)
            indent, color, before = self.mm(3), QColor(0, 0, 0), self.mm(1.2)
        else:
            font = self.font(BODY_PT)
            indent, color, before = 0.0, QColor(0, 0, 0), self.mm(2.5)
        first_indent = self.metrics(font).horizontalAdvance("中") * 2 if style == "body" else 0.0
        text = para.text
        # a body paragraph starts with two full-width spaces' room (Chinese typesetting)
        lines = self.wrap(text, font, self.width - indent - first_indent)
        if first_indent and len(lines) > 1:
            rest = "".join(lines[1:])
            lines = lines[:1] + self.wrap(rest, font, self.width - indent)
        lh = self.line_height(font)
        blocks = []
        for n, line in enumerate(lines):
            offset = indent + (first_indent if n == 0 else 0.0)

            def draw(p: QPainter, x: float, y: float, w: float, line=line, offset=offset) -> None:
                self.draw_lines(p, [line], font, QRectF(x + offset, y, w - offset, lh), color=color)

            blocks.append(
                LayoutBlock(
                    lh,
                    draw,
                    space_before=before if n == 0 else 0.0,
                    keep_with_next=style == "subheading" or len(lines) <= 4 and n < len(lines) - 1,
                )
            )
        return blocks

    # ------------------------------------------------------------ tables
    def _columns(self, table: report_doc.Table) -> list[float]:
        total = sum(table.widths)
        return [self.width * w / total for w in table.widths]

    def _table(self, table: report_doc.Table) -> list[LayoutBlock]:
        self._table_index += 1
        group = f"table{self._table_index}"
        widths = self._columns(table)
        pad = self.mm(CELL_PAD * 0.8)
        aligns = [_ALIGN.get(a, Qt.AlignmentFlag.AlignLeft) for a in table.align] or []
        aligns += [Qt.AlignmentFlag.AlignLeft] * (len(widths) - len(aligns))
        blocks: list[LayoutBlock] = []
        if table.caption:
            cap_font = self.font(CAPTION_PT, bold=True)
            ch = self.line_height(cap_font)

            def caption(p: QPainter, x: float, y: float, w: float) -> None:
                self.draw_lines(
                    p, [table.caption], cap_font, QRectF(x, y, w, ch), Qt.AlignmentFlag.AlignHCenter
                )

            blocks.append(LayoutBlock(ch + self.mm(1), caption, space_before=self.mm(3), keep_with_next=True))
        head_font = self.font(table.font_pt, bold=True)
        head_lines = [self.wrap(h, head_font, w - 2 * pad) for h, w in zip(table.header, widths, strict=True)]
        head_h = max(
            [self.mm(ROW_MIN_MM)] + [len(ls) * self.line_height(head_font) + 2 * pad for ls in head_lines]
        )

        def head(p: QPainter, x: float, y: float, w: float) -> None:
            left = x
            for lines, cw in zip(head_lines, widths, strict=True):
                rect = QRectF(left, y, cw, head_h)
                p.fillRect(rect, HEAD_FILL)
                self.cell(p, rect)
                self.draw_lines(
                    p, lines, head_font, rect.adjusted(pad, pad, -pad, -pad), Qt.AlignmentFlag.AlignHCenter
                )
                left += cw

        header = LayoutBlock(
            head_h,
            head,
            space_before=0.0 if table.caption else self.mm(3),
            keep_with_next=True,
            group=group,
        )
        blocks.append(header)
        for r, row in enumerate(table.rows):
            bold = r in table.bold_rows
            font = self.font(table.font_pt, bold=bold)
            mark_font = self.font(table.font_pt, bold=True)
            cells = []
            for c, (text, cw) in enumerate(zip(row, widths, strict=True)):
                f = mark_font if (r, c) in table.marked else font
                cells.append((self.wrap(text, f, cw - 2 * pad), f))
            height = max([self.mm(ROW_MIN_MM)] + [len(ls) * self.line_height(f) + 2 * pad for ls, f in cells])

            def draw(
                p: QPainter, x: float, y: float, w: float, r=r, cells=cells, height=height, bold=bold
            ) -> None:
                left = x
                for c, ((lines, f), cw) in enumerate(zip(cells, widths, strict=True)):
                    rect = QRectF(left, y, cw, height)
                    marked = (r, c) in table.marked
                    if marked:
                        p.fillRect(rect, MARK_FILL)
                    elif bold:
                        p.fillRect(rect, BOLD_FILL)
                    self.cell(p, rect)
                    self.draw_lines(
                        p,
                        lines,
                        f,
                        rect.adjusted(pad, pad, -pad, -pad),
                        aligns[c],
                        color=MARK_INK if marked else QColor(0, 0, 0),
                    )
                    left += cw

            blocks.append(LayoutBlock(height, draw, repeat_header=header, group=group))
        return blocks

    # ------------------------------------------------------------ charts
    def _chart_renderer(self, chart: report_doc.Chart):
        from PySide6.QtSvg import QSvgRenderer

        index = self._chart_index
        self._chart_index += 1
        if self.chart_images is not None and index < len(self.chart_images):
            data = self.chart_images[index]
        else:
            data = chart_svg(chart)
        renderer = QSvgRenderer(QByteArray(data))
        return renderer if renderer.isValid() else None

    def _chart(self, chart: report_doc.Chart) -> list[LayoutBlock]:
        renderer = self._chart_renderer(chart)
        cap_font = self.font(CAPTION_PT, bold=True)
        ch = self.line_height(cap_font)
        if chart.empty:
            return [self._empty_chart(chart, cap_font, ch)]
        height = self.mm(chart.height_mm)
        total = height + self.mm(1.5) + ch

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            rect = QRectF(x, y, w, height)
            if renderer is not None:
                p.save()
                renderer.render(p, rect)
                p.restore()
            else:  # pragma: no cover - matplotlib always writes valid SVG
                self.draw_lines(
                    p, ["（图表无法显示）"], self.font(BODY_PT), rect, Qt.AlignmentFlag.AlignHCenter
                )
            cap = QRectF(x, y + height + self.mm(1.5), w, ch)
            self.draw_lines(p, [chart.title], cap_font, cap, Qt.AlignmentFlag.AlignHCenter)

        return [LayoutBlock(total, draw, space_before=self.mm(4))]

    def _empty_chart(self, chart: report_doc.Chart, cap_font, ch: float) -> LayoutBlock:
        """A chart without data: a slim framed note instead of an empty plot."""
        font = self.font(BODY_PT - 0.5)
        box_h = self.mm(12)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            rect = QRectF(x, y, w, box_h)
            p.setPen(self.pen(0.2, GREY_INK))
            p.setBrush(BOLD_FILL)
            p.drawRect(rect)
            p.setBrush(Qt.BrushStyle.NoBrush)
            text = f"{chart.title}:{chart.empty_text or '没有数据'}"
            self.draw_lines(p, [text], font, rect, Qt.AlignmentFlag.AlignHCenter, color=GREY_INK)

        return LayoutBlock(box_h, draw, space_before=self.mm(4))

    def _closing(self) -> LayoutBlock:
        font = self.font(NOTE_PT)
        text = f"本报告由回访通根据回访记录自动生成 · {report_doc.day_text(self.report.generated_on)}"
        h = self.line_height(font)

        def draw(p: QPainter, x: float, y: float, w: float) -> None:
            p.setPen(self.pen(0.2, GREY_INK))
            p.drawLine(QPointF(x + w * 0.35, y), QPointF(x + w * 0.65, y))
            self.draw_lines(
                p,
                [text],
                font,
                QRectF(x, y + self.mm(1.2), w, h),
                Qt.AlignmentFlag.AlignHCenter,
                color=GREY_INK,
            )

        return LayoutBlock(h + self.mm(1.2), draw, space_before=self.mm(8))

    # ------------------------------------------------------------ page footer
    def paint_page(self, p: QPainter, index: int) -> None:
        super().paint_page(p, index)  # blocks, table frames, "第 N 页 / 共 M 页"
        font = self.font(SMALL_PT - 0.5)
        h = self.line_height(font)
        y = self.page_h - self.mm(PAGE_NUMBER_FROM_BOTTOM) - h / 2
        p.setPen(self.pen(0.15, GREY_INK))
        p.drawLine(QPointF(self.left, y - self.mm(1.2)), QPointF(self.left + self.width, y - self.mm(1.2)))
        self.draw_lines(
            p, [self.report.title], font, QRectF(self.left, y, self.width / 2.6, h), color=GREY_INK
        )
        self.draw_lines(
            p,
            [self.report.company],
            font,
            QRectF(self.left + self.width * (1 - 1 / 2.6), y, self.width / 2.6, h),
            Qt.AlignmentFlag.AlignRight,
            color=GREY_INK,
        )


# ---------------------------------------------------------------- outputs
def render_report(doc: report_doc.ReportDoc, device, charts: list[bytes] | None = None) -> int:
    """Paint every page of ``doc`` on a paged device (QPrinter in full-page mode, QPdfWriter);
    ``charts``: ``render_charts(doc)`` made beforehand (else drawn now). Returns the page count."""
    return paint_layouts([_ReportPainter(doc, device, charts)], device)


def default_file_name(doc: report_doc.ReportDoc) -> str:
    name = f"{doc.title}_{doc.team}" if doc.team else doc.title
    return "".join(ch for ch in name if ch not in '\\/:*?"<>|~ ') + ".pdf"


def write_report_pdf(doc: report_doc.ReportDoc, path: str | Path, charts: list[bytes] | None = None) -> Path:
    """Write ``doc`` as an A4 PDF (vector, text in the shipped CJK font); UserError in Chinese
    when the file cannot be written."""
    render = lambda writer: render_report(doc, writer, charts)  # noqa: E731
    return write_pdf_file(path, job_name(doc), render, example_name=default_file_name(doc))


def report_page_images(doc: report_doc.ReportDoc, dpi: int = 110, charts: list[bytes] | None = None) -> list[QImage]:
    """Every page of ``doc`` as an A4 image at ``dpi`` (white background): screenshots, tests."""
    size = QPageSize(QPageSize.PageSizeId.A4).size(QPageSize.Unit.Millimeter)
    width, height = round(size.width() / 25.4 * dpi), round(size.height() / 25.4 * dpi)

    def blank_page() -> QImage:
        image = QImage(width, height, QImage.Format.Format_RGB32)
        dots = round(dpi / 0.0254)
        image.setDotsPerMeterX(dots)
        image.setDotsPerMeterY(dots)
        image.fill(QColor(255, 255, 255))
        return image

    layout = _ReportPainter(doc, blank_page(), charts)
    images = []
    for index in range(len(layout.pages)):
        image = blank_page()
        painter = QPainter(image)
        start_painter(painter)
        layout.paint_page(painter, index)
        painter.end()
        images.append(image)
    return images


def new_printer():
    """An A4 portrait QPrinter in full-page mode (the painter keeps its own margins)."""
    return new_form_printer()


def job_name(doc: report_doc.ReportDoc) -> str:
    """The print job's name (print queue, PDF title): 调查报告-2024Q2 (-班组)."""
    return "-".join(part for part in ("调查报告", doc.period.code, doc.team or "") if part)


def print_report(parent, doc: report_doc.ReportDoc, charts: list[bytes] | None = None) -> bool:
    """Ask for a printer (QPrintDialog), then print ``doc``; False when the user cancels."""
    render = lambda printer: render_report(doc, printer, charts)  # noqa: E731
    return print_with_dialog(parent, doc.title, render, printer=new_form_printer(), job_name=job_name(doc))
