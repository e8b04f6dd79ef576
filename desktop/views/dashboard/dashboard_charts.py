"""工作台 charts: the framed chart panels and the six drawing functions (figure, series, page).

matplotlib is never imported here: ``ChartPanel`` gets its canvas from ``views.charts`` when the
page builds its charts, and the drawing functions only call methods of the figure they are given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QLabel, QToolButton, QVBoxLayout

if TYPE_CHECKING:
    from desktop.services.summaries import dashboard as svc

EMPTY_TEXT = "本期暂无数据"
SAVE_TEXT = "保存为PNG"
SAVE_DPI = 150
MIN_SLOTS = 4  # bar charts are laid out for at least this many bars
CHART_HEIGHT = 330  # px: two rows of charts and the tiles fit 1366×860, the third row scrolls
GOOD = "#2e7d32"
BAD = "#c62828"
MUTED = "#667085"
TOTAL_COLOUR = "#1f2933"
LOADING_TEXT = "正在计算…"
PANEL_STYLE = "QFrame#chart_panel { background: white; border: 1px solid #d9dde3; border-radius: 6px; }"


def points_text(change: float | None) -> str:
    return "" if change is None else f"{abs(change):.1f}"


# ---------------------------------------------------------------- chart panels
class ChartPanel(QFrame):
    """A framed chart: the canvas once built (a placeholder before), a "保存为PNG" button in the
    top-right corner and the same action in the canvas's context menu. ``set_busy(True)`` shows
    "正在计算…" over it while new figures load; ``drawn`` turns true (``drawn_changed``) when the
    canvas has rendered the data last set."""

    drawn_changed = Signal()

    def __init__(self, chart_id: str, name: str, draw, parent=None):
        super().__init__(parent)
        self.setObjectName("chart_panel")
        self.chart_id = chart_id
        self.name = name  # short name, used for the PNG's file name
        self._draw = draw  # (figure, data, view) -> None
        self.canvas = None
        self.figure = None
        self.data = None
        self.drawn = False
        self.shown_key = None  # what the page drew last (kept when the same comes again)
        self.placeholder = QLabel(LOADING_TEXT)
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {MUTED};")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.addWidget(self.placeholder)
        self.setMinimumHeight(CHART_HEIGHT)
        self.save_action = QAction(SAVE_TEXT, self)
        self.save_button = QToolButton(self)
        self.save_button.setDefaultAction(self.save_action)
        self.save_button.setToolTip(f"把“{name}”图表保存为 PNG 图片")
        self.save_button.setAutoRaise(True)
        self.save_button.setEnabled(False)
        self.save_action.setEnabled(False)
        self.busy = QLabel(LOADING_TEXT, self)
        self.busy.setStyleSheet(f"color: {MUTED}; background: rgba(255, 255, 255, 200); padding: 2px 6px;")
        self.busy.hide()

    def attach(self, canvas, figure) -> None:
        self.canvas, self.figure = canvas, figure
        self._layout.removeWidget(self.placeholder)
        self.placeholder.hide()
        self.placeholder.deleteLater()
        self.placeholder = None
        self._layout.addWidget(canvas)
        canvas.mpl_connect("draw_event", self._on_draw)
        canvas.setContextMenuPolicy(Qt.ActionsContextMenu)
        canvas.addAction(self.save_action)
        self.save_action.setEnabled(True)
        self.save_button.setEnabled(True)
        if self.isVisible():
            # show and lay out now, not on a later turn of the event loop (a grab right after
            # building must already see the canvas)
            canvas.show()
            self._layout.activate()
        self._place_button()

    def set_data(self, data, view) -> None:
        self.data = data
        self.drawn = False
        self.redraw(view)

    def render_job(self, data, view):
        """A ``views.tasks`` job drawing and rendering this chart for ``data`` on a figure of its
        own (matplotlib's Agg, the canvas's size and resolution) off the GUI thread: six charts
        take over a second of drawing, which would freeze the window. ``view`` is a snapshot of
        what the drawing functions read (``scope``, ``tile_data``). ``show_rendered`` puts the
        result on screen."""
        old = self.figure
        size, dpi, original_dpi = tuple(old.get_size_inches()), old.dpi, old._original_dpi
        draw = self._draw

        def job(_report):
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            figure = Figure(figsize=size, dpi=original_dpi, layout="constrained")
            if dpi != original_dpi:  # a high-resolution screen
                figure._set_dpi(dpi, forward=False)
            figure.patch.set_facecolor("white")
            agg = FigureCanvasAgg(figure)
            draw(figure, data, view)
            agg.draw()
            return figure, agg

        return job

    def show_rendered(self, data, rendered) -> None:
        """Show a figure rendered by ``render_job``: it becomes the canvas's figure (saving,
        redrawing on resize), its pixels are painted as they are."""
        figure, agg = rendered
        canvas = self.canvas
        figure.set_canvas(canvas)
        canvas.figure = figure
        canvas.renderer, canvas._lastKey = agg.renderer, agg._lastKey
        canvas.mpl_connect("draw_event", self._on_draw)  # callbacks belong to the figure
        self.figure, self.data = figure, data
        ratio = canvas.devicePixelRatioF()
        want = (round(canvas.width() * ratio), round(canvas.height() * ratio))
        if canvas.isVisible() and want != canvas.get_width_height(physical=True):
            # the canvas was resized meanwhile: render again at its size (here)
            figure.set_size_inches(want[0] / figure.dpi, want[1] / figure.dpi, forward=False)
            self.drawn = False
            canvas.draw_idle()
            return
        canvas.update()
        self.drawn = True
        self.drawn_changed.emit()

    def set_busy(self, busy: bool) -> None:
        """ "正在计算…" over the chart while its new figures load (the placeholder says it
        before the canvas exists)."""
        self.busy.setVisible(busy and self.canvas is not None)
        if busy:
            self._place_button()

    def _on_draw(self, _event) -> None:
        if not self.drawn and self.data is not None:
            self.drawn = True
            self.drawn_changed.emit()

    def redraw(self, view) -> None:
        if self.figure is None or self.data is None:
            return
        self.figure.clear()
        self._draw(self.figure, self.data, view)
        self.canvas.draw_idle()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._place_button()

    def _place_button(self) -> None:
        self.save_button.adjustSize()
        self.save_button.move(self.width() - self.save_button.width() - 6, 5)
        self.save_button.raise_()
        self.busy.adjustSize()
        self.busy.move((self.width() - self.busy.width()) // 2, 6)
        self.busy.raise_()


# ---------------------------------------------------------------- drawing
def _colours():
    from ..common.charts import BAR, LINE, REFERENCE, TEXT

    return BAR, LINE, REFERENCE, TEXT


def _title(ax, text: str) -> None:
    ax.set_title(text, loc="left", fontsize=10.5, color=TOTAL_COLOUR, pad=8)


def _empty(figure, title: str) -> None:
    _, _, reference, _ = _colours()
    ax = figure.add_subplot(111)
    ax.axis("off")
    _title(ax, title)
    ax.text(
        0.5, 0.5, EMPTY_TEXT, ha="center", va="center", color=reference, fontsize=13, transform=ax.transAxes
    )


def _month_labels(labels: list[str]) -> list[str]:
    out = []
    for i, code in enumerate(labels):
        year, month = code.split("-")
        month = int(month)
        out.append(f"{month}月\n{year}" if i == 0 or month == 1 else f"{month}月")
    return out


def _tidy(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", color="#e6e8eb", linewidth=0.8)
    ax.set_axisbelow(True)


def _team_suffix(view) -> str:
    team = view.scope.team if view.scope is not None else None
    return f" · {team}" if team else ""


QUIET_LINE = "#c9d0d8"  # the dimensions not picked out of the trend


def weakest_dimension(series: dict[str, list[float | None]]) -> str | None:
    """The dimension the trend picks out: the lowest latest monthly rate (ties: the first)."""
    latest = {
        name: next((v for v in reversed(values) if v is not None), None) for name, values in series.items()
    }
    shown = {name: v for name, v in latest.items() if v is not None}
    return min(shown, key=shown.get) if shown else None


def draw_trend(figure, data: svc.TrendSeries, view) -> None:
    """总体 and the weakest dimension drawn out, the other dimensions as quiet grey lines behind
    them: six coloured lines crossing in one small chart cannot be read. Each dimension's own
    trend is in the report (one small panel each) and on 问题分析."""
    title = f"各维度满意率月度趋势（近{len(data.labels)}个月）{_team_suffix(view)}"
    if data.empty:
        _empty(figure, title)
        return
    ax = figure.add_subplot(111)
    xs = list(range(len(data.labels)))
    values = [v for series in data.series.values() for v in series if v is not None]
    values += [v for v in data.overall if v is not None]
    weakest = weakest_dimension(data.series)

    def ys(series):
        return [float("nan") if v is None else v for v in series]

    others = [name for name in data.series if name != weakest]
    for n, name in enumerate(others):
        ax.plot(
            xs,
            ys(data.series[name]),
            color=QUIET_LINE,
            linewidth=1.0,
            label="其他维度" if n == 0 else "_" + name,
            zorder=1,
        )
    if weakest is not None:
        ax.plot(
            xs,
            ys(data.series[weakest]),
            color=BAD,
            marker="o",
            markersize=3.5,
            linewidth=2.0,
            label=f"{weakest}（最低）",
            zorder=3,
        )
    ax.plot(
        xs,
        ys(data.overall),
        color=TOTAL_COLOUR,
        marker="o",
        markersize=3.5,
        linewidth=2.2,
        label="总体",
        zorder=4,
    )
    low = min(values)
    ax.set_ylim(max(0, (low - 5) // 10 * 10), 103)
    ax.set_xticks(xs, _month_labels(data.labels))
    ax.set_ylabel("满意率（%）", fontsize=9)
    _tidy(ax)
    _title(ax, title)
    figure.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)


def draw_dimensions(figure, data: svc.DimensionBars, view) -> None:
    bar, _line, reference, text = _colours()
    title = f"{data.period.label}各维度满意率（较上期：{data.previous.label}）{_team_suffix(view)}"
    if data.empty:
        _empty(figure, title)
        return
    ax = figure.add_subplot(111)
    xs = list(range(len(data.bars)))
    colours = [TOTAL_COLOUR if b.name == "总体" else bar for b in data.bars]
    bars = ax.bar(xs, [b.rate for b in data.bars], color=colours, width=0.6)
    for rect, b in zip(bars, data.bars, strict=True):
        top = rect.get_height()
        ax.text(
            rect.get_x() + rect.get_width() / 2,
            top + 1.5,
            f"{b.rate:.0f}%",
            ha="center",
            va="bottom",
            fontsize=8.5,
            color=text,
        )
        if b.arrow:
            colour = {"↑": GOOD, "↓": BAD}.get(b.arrow, reference)
            change = f"{b.arrow}{points_text(b.change)}" if b.arrow != "→" else "→持平"
            ax.text(
                rect.get_x() + rect.get_width() / 2,
                top + 9,
                change,
                ha="center",
                va="bottom",
                fontsize=8.5,
                color=colour,
            )
        else:
            ax.text(
                rect.get_x() + rect.get_width() / 2,
                top + 9,
                "上期无数据",
                ha="center",
                va="bottom",
                fontsize=7.5,
                color=reference,
            )
    ax.set_xticks(xs, [f"{b.name}\nn={b.n}" for b in data.bars])
    ax.set_ylim(0, 122)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    ax.set_ylabel("满意率（%）", fontsize=9)
    _tidy(ax)
    _title(ax, title)
    ax.set_xlabel("↑↓ 为较上期变化（百分点）；n 为有效回答数", fontsize=7.5, color=reference)


def draw_nps(figure, data: svc.NpsSeries, view) -> None:
    bar, line, reference, text = _colours()
    title = f"NPS 净推荐值月度趋势（目标 ≥{data.goal:.0f}）{_team_suffix(view)}"
    if data.empty:
        _empty(figure, title)
        return
    ax = figure.add_subplot(111)
    xs = list(range(len(data.labels)))
    ys = [float("nan") if v is None else v for v in data.values]
    ax.plot(xs, ys, color=bar, linewidth=1.8, zorder=2)
    for x, v in zip(xs, data.values, strict=True):
        if v is None:
            continue
        colour = GOOD if v >= data.goal else line
        ax.plot([x], [v], marker="o", markersize=5, color=colour, zorder=3)
        ax.annotate(
            f"{v:.0f}",
            (x, v),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=7.5,
            color=text,
        )
    ax.axhline(data.goal, color=GOOD, linestyle="--", linewidth=1.2)
    ax.text(
        len(xs) - 0.6, data.goal + 2, f"目标 {data.goal:.0f}", color=GOOD, fontsize=8, ha="right", va="bottom"
    )
    values = [v for v in data.values if v is not None]
    ax.set_ylim(max(-100, min(min(values), 0) - 12), min(110, max(max(values), data.goal) + 18))
    ax.axhline(0, color=reference, linewidth=0.6)
    ax.set_xticks(xs, _month_labels(data.labels))
    ax.set_ylabel("NPS", fontsize=9)
    _tidy(ax)
    _title(ax, title)


def draw_pareto(figure, data: svc.ParetoSeries, view) -> None:
    bar, line, reference, text = _colours()
    title = f"{view.scope.period.label}问题分类帕累托图{_team_suffix(view)}"
    if data.empty:
        _empty(figure, title)
        return
    ax = figure.add_subplot(111)
    xs = list(range(len(data.names)))
    ax.bar(xs, data.counts, color=bar, width=0.6)
    ax.set_xticks(
        xs, [f"{name}\n{n} 次" for name, n in zip(data.names, data.counts, strict=True)], fontsize=8
    )
    pad = max(0.5, (MIN_SLOTS - len(xs)) / 2 + 0.5)  # a lone bar stays bar-sized
    ax.set_xlim(-pad, len(xs) - 1 + pad)
    ax.set_ylabel("出现次数", fontsize=9)
    ax.set_ylim(0, max(data.counts) * 1.2)
    ax.yaxis.get_major_locator().set_params(integer=True)
    _tidy(ax)
    ax2 = ax.twinx()
    ax2.plot(xs, data.cumulative, color=line, marker="o", markersize=4, linewidth=1.6)
    for x, v in zip(xs, data.cumulative, strict=True):
        ax2.annotate(
            f"{v:.0f}%",
            (x, v),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=7.5,
            color=line,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )
    ax2.axhline(80, color=reference, linestyle=":", linewidth=1)
    ax2.set_ylim(0, 115)
    ax2.set_ylabel("累计占比（%）", fontsize=9)
    ax2.tick_params(labelsize=8)
    ax2.spines[["top"]].set_visible(False)
    _title(ax, title)


def draw_actions(figure, data: svc.ActionSeries, view) -> None:
    bar, line, reference, text = _colours()
    who = f" · 责任部门：{data.department}" if data.department else ""
    title = f"改进措施落实情况（当前，共 {data.total} 项，逾期 {data.overdue} 项）{who}"
    if data.empty:
        _empty(figure, title)
        return
    ax = figure.add_subplot(111)
    xs = list(range(len(data.statuses)))
    on_time = [n - late for n, late in zip(data.counts, data.overdue_by_status, strict=True)]
    ax.bar(xs, on_time, color=bar, width=0.6, label="未逾期")
    if data.overdue:
        ax.bar(xs, data.overdue_by_status, bottom=on_time, color=line, width=0.6, label="已逾期")
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    for x, n, late in zip(xs, data.counts, data.overdue_by_status, strict=True):
        label = f"{n}" + (f"（逾期{late}）" if late else "")
        ax.text(
            x,
            n + max(data.counts) * 0.03,
            label,
            ha="center",
            va="bottom",
            fontsize=8.5,
            color=line if late else text,
        )
    ax.set_xticks(xs, data.statuses)
    ax.set_ylim(0, max(data.counts) * 1.25)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("措施数", fontsize=9)
    _tidy(ax)
    _title(ax, title)


def draw_groups(figure, data: svc.GroupComparison, view) -> None:
    bar, _line, reference, text = _colours()
    who = "各工程师" if data.group == "engineer" else "各班组"
    title = f"{view.scope.period.label}{who}满意率{_team_suffix(view)}"
    if data.more:
        title += f"（回访最多的 {len(data.bars)} 个）"
    if data.empty:
        _empty(figure, title)
        return
    ax = figure.add_subplot(111)
    ys = list(range(len(data.bars)))
    rects = ax.barh(ys, [b.rate for b in data.bars], color=bar, height=0.6)
    for rect, b in zip(rects, data.bars, strict=True):
        ax.text(
            rect.get_width() + 1,
            rect.get_y() + rect.get_height() / 2,
            f"{b.rate:.0f}%(n={b.n})",
            va="center",
            fontsize=8,
            color=text,
        )
    ax.set_yticks(ys, [b.name for b in data.bars], fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("满意率（%）", fontsize=9)
    overall = view.tile_data.satisfaction if view.tile_data is not None else None
    if overall is not None:
        ax.axvline(overall, color=TOTAL_COLOUR, linestyle="--", linewidth=1, label=f"总体 {overall:.0f}%")
        ax.legend(loc="lower right", fontsize=7.5, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", color="#e6e8eb", linewidth=0.8)
    ax.set_axisbelow(True)
    _title(ax, title)


# (id, short name for files, drawing function) in grid order: two per row
CHARTS = (
    ("trend", "满意率趋势", draw_trend),
    ("dimensions", "各维度满意率", draw_dimensions),
    ("nps", "NPS趋势", draw_nps),
    ("pareto", "问题帕累托", draw_pareto),
    ("actions", "改进措施状态", draw_actions),
    ("groups", "班组对比", draw_groups),
)
