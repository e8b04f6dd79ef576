"""工作台 (page "dashboard"): today's work and this period's figures at a glance.

Tiles on top (今日待回访, 逾期任务, 逾期改进措施, 本期回收率, 本期满意率, NPS, 本期等级 — the first
three, and the grade, open the page behind them), the filters (统计期间, 班组), then six charts in
a scrolling grid. The figures come from ``services.dashboard``; this module only shows them.

matplotlib is NOT imported when this module is imported: the canvases are made by
``build_charts`` (through ``views.charts``), which the first ``on_shown`` schedules for the
event-loop turn after the page is first painted, and which then reads the figures — the window
appears first (at once, even on a big database), the tiles and charts a moment later. For the same
reason ``services.dashboard`` (and the statistics, KPI and improvement services it brings in) is
imported when the first figure is read, not with this module.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QCursor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services import accounts
from desktop.services.dashboard_periods import PERIOD_CHOICES
from desktop.services.errors import UserError

from .context import AppContext
from .widgets import MARGIN, after_first_paint, hbox, show_error, vbox


class _LazyService:
    """``desktop.services.dashboard``, imported on first use (~0.1 s of start-up saved)."""

    def __getattr__(self, name: str):
        from desktop.services import dashboard

        return getattr(dashboard, name)


svc = _LazyService()


def _overdue_actions() -> str:
    from desktop.services.improvement import OVERDUE

    return OVERDUE


ALL_TEAMS = "全部班组"
EMPTY_TEXT = "本期暂无数据"
SAVE_TEXT = "保存为PNG"
SAVE_DPI = 150
MIN_SLOTS = 4  # bar charts are laid out for at least this many bars
CHART_HEIGHT = 330  # px: two rows of charts and the tiles fit 1366×860, the third row scrolls
GOOD = "#2e7d32"
BAD = "#c62828"
MUTED = "#667085"
TOTAL_COLOUR = "#1f2933"

TILE_STYLE = """
QFrame#tile { background: white; border: 1px solid #d9dde3; border-radius: 6px; }
QFrame#tile[clickable="true"]:hover { border-color: #1f6fb2; background: #f5f9fd; }
QLabel#tile_title { color: #475467; }
QLabel#tile_note { color: #667085; }
"""
PANEL_STYLE = "QFrame#chart_panel { background: white; border: 1px solid #d9dde3; border-radius: 6px; }"


# ---------------------------------------------------------------- tiles
class Tile(QFrame):
    """One figure: a title, a big value and a short note. Clickable ones emit ``clicked``."""

    clicked = Signal()

    def __init__(self, title: str, tooltip: str = "", clickable: bool = False, parent=None):
        super().__init__(parent)
        self.setObjectName("tile")
        self.clickable = clickable
        self.setProperty("clickable", "true" if clickable else "false")
        self.title = QLabel(title)
        self.title.setObjectName("tile_title")
        self.value = QLabel("—")
        self.value.setObjectName("tile_value")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setBold(True)
        self.value.setFont(font)
        self.note = QLabel("")
        self.note.setObjectName("tile_note")
        self.note.setWordWrap(True)
        small = self.note.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.note.setFont(small)
        self.note.setMinimumHeight(self.note.fontMetrics().lineSpacing() * 2)  # equal tile heights
        self.note.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.setMinimumWidth(140)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        if clickable:
            self.setCursor(QCursor(Qt.PointingHandCursor))
            tooltip = f"{tooltip}\n点击打开" if tooltip else "点击打开"
        self.setToolTip(tooltip)

    def show_value(self, value: str, note: str = "", colour: str | None = None) -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"color: {colour};" if colour else f"color: {TOTAL_COLOUR};")
        self.note.setText(note)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if (
            self.clickable
            and event.button() == Qt.LeftButton
            and self.rect().contains(event.position().toPoint())
        ):
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


def _points(change: float | None) -> str:
    return "" if change is None else f"{abs(change):.1f}"


# ---------------------------------------------------------------- chart panels
class ChartPanel(QFrame):
    """A framed chart: the canvas once built (a placeholder before), a "保存为PNG" button in the
    top-right corner and the same action in the canvas's context menu."""

    def __init__(self, chart_id: str, name: str, draw, parent=None):
        super().__init__(parent)
        self.setObjectName("chart_panel")
        self.chart_id = chart_id
        self.name = name  # short name, used for the PNG's file name
        self._draw = draw  # (figure, data, view) -> None
        self.canvas = None
        self.figure = None
        self.data = None
        self.placeholder = QLabel("正在加载图表…")
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

    def attach(self, canvas, figure) -> None:
        self.canvas, self.figure = canvas, figure
        self._layout.removeWidget(self.placeholder)
        self.placeholder.hide()
        self.placeholder.deleteLater()
        self.placeholder = None
        self._layout.addWidget(canvas)
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
        self.redraw(view)

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


# ---------------------------------------------------------------- drawing
def _colours():
    from .charts import BAR, LINE, REFERENCE, TEXT

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


def draw_trend(figure, data: svc.TrendSeries, view) -> None:
    title = f"各维度满意率月度趋势(近{len(data.labels)}个月){_team_suffix(view)}"
    if data.empty:
        _empty(figure, title)
        return
    ax = figure.add_subplot(111)
    xs = list(range(len(data.labels)))
    values = [v for series in data.series.values() for v in series if v is not None]
    values += [v for v in data.overall if v is not None]
    for name, series in data.series.items():
        ax.plot(
            xs,
            [float("nan") if v is None else v for v in series],
            marker="o",
            markersize=3,
            linewidth=1.4,
            label=name,
        )
    ax.plot(
        xs,
        [float("nan") if v is None else v for v in data.overall],
        color=TOTAL_COLOUR,
        linestyle="--",
        linewidth=2.2,
        label="总体",
    )
    low = min(values)
    ax.set_ylim(max(0, (low - 5) // 10 * 10), 103)
    ax.set_xticks(xs, _month_labels(data.labels))
    ax.set_ylabel("满意率(%)", fontsize=9)
    _tidy(ax)
    _title(ax, title)
    figure.legend(loc="outside lower center", ncols=min(7, len(data.series) + 1), fontsize=8, frameon=False)


def draw_dimensions(figure, data: svc.DimensionBars, view) -> None:
    bar, _line, reference, text = _colours()
    title = f"{data.period.label}各维度满意率(较上期:{data.previous.label}){_team_suffix(view)}"
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
            change = f"{b.arrow}{_points(b.change)}" if b.arrow != "→" else "→持平"
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
    ax.set_ylabel("满意率(%)", fontsize=9)
    _tidy(ax)
    _title(ax, title)
    ax.set_xlabel("↑↓ 为较上期变化(百分点);n 为有效回答数", fontsize=7.5, color=reference)


def draw_nps(figure, data: svc.NpsSeries, view) -> None:
    bar, line, reference, text = _colours()
    title = f"NPS 净推荐值月度趋势(目标 ≥{data.goal:.0f}){_team_suffix(view)}"
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
    ax2.set_ylabel("累计占比(%)", fontsize=9)
    ax2.tick_params(labelsize=8)
    ax2.spines[["top"]].set_visible(False)
    _title(ax, title)


def draw_actions(figure, data: svc.ActionSeries, view) -> None:
    bar, line, reference, text = _colours()
    who = f" · 责任部门:{data.department}" if data.department else ""
    title = f"改进措施落实情况(当前,共 {data.total} 项,逾期 {data.overdue} 项){who}"
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
        label = f"{n}" + (f"(逾期{late})" if late else "")
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
        title += f"(回访最多的 {len(data.bars)} 个)"
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
    ax.set_xlabel("满意率(%)", fontsize=9)
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


# ---------------------------------------------------------------- the page
class DashboardView(QWidget):
    """Page "dashboard". ``open_with(period=None, team=None)``: ``period`` one of
    ``dashboard.PERIOD_CHOICES`` (本月 …), ``team`` a team name ("" for every team)."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today_override: date | None = None
        self.scope: svc.Scope | None = None
        self.tile_data: svc.Tiles | None = None
        self.series: dict[str, object] = {}
        self.charts_ready = False
        self._build_pending = False
        self._stale = True
        self._loading = False
        self._save_dir = Path.home()
        self.setStyleSheet(TILE_STYLE + PANEL_STYLE)

        # -- filters
        self.period_combo = QComboBox()
        for choice in PERIOD_CHOICES:
            self.period_combo.addItem(choice, choice)
        self.start_edit = QDateEdit()
        self.end_edit = QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(lambda _d: self._filters_changed())
        self.to_label = QLabel("至")
        self.team_combo = QComboBox()
        self.team_combo.setMinimumWidth(120)
        self.team_combo.addItem(ALL_TEAMS, "")
        self.period_label = QLabel()
        self.period_label.setStyleSheet(f"color: {MUTED};")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新统计(其他页面修改了数据后)")
        self.refresh_button.clicked.connect(self.reload)
        self.period_combo.currentIndexChanged.connect(lambda _i: self._period_kind_changed())
        self.team_combo.currentIndexChanged.connect(lambda _i: self._filters_changed())
        self._show_custom(False)
        filters = hbox(
            QLabel("统计期间"),
            self.period_combo,
            self.start_edit,
            self.to_label,
            self.end_edit,
            QLabel("班组"),
            self.team_combo,
            self.period_label,
            None,
            self.refresh_button,
        )

        # -- tiles (the task tiles open 回访任务, a page a role that may not call (只读) has not)
        calls = accounts.can(accounts.CALL)
        self.tiles = {
            "today": Tile("今日待回访", "今天在回访窗口内、尚未完成的回访任务", clickable=calls),
            "overdue": Tile("逾期任务", "回访窗口已过仍未完成的任务", clickable=calls),
            "actions": Tile("逾期改进措施", "超过完成时限仍未完成的改进措施", clickable=True),
            "recovery": Tile("本期回收率", "本期应回访任务中已完成的比例,目标 ≥70%"),
            "satisfaction": Tile("本期满意率", "(非常满意 + 满意)÷ 有效回答,与上期比较"),
            "nps": Tile("NPS", "推荐者占比 − 贬损者占比(0–10 分推荐题),目标 ≥50"),
            "grade": Tile("本期等级", "本期质量评价表(表1)的总分等级", clickable=True),
        }
        self.tiles["today"].clicked.connect(
            lambda: self.ctx.events.open_page.emit("tasks", {"bucket": "今日"})
        )
        self.tiles["overdue"].clicked.connect(
            lambda: self.ctx.events.open_page.emit("tasks", {"bucket": "逾期"})
        )
        self.tiles["actions"].clicked.connect(
            lambda: self.ctx.events.open_page.emit("improvement", {"status_filter": _overdue_actions()})
        )
        self.tiles["grade"].clicked.connect(self._open_scorecard)
        tile_row = hbox(*self.tiles.values(), spacing=8)

        # -- charts
        self.panels: dict[str, ChartPanel] = {}
        grid = QGridLayout()
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (chart_id, name, draw) in enumerate(CHARTS):
            panel = ChartPanel(chart_id, name, draw)
            panel.save_action.triggered.connect(lambda _=False, p=panel: self.save_chart(p))
            self.panels[chart_id] = panel
            grid.addWidget(panel, i // 2, i % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        body = QWidget()
        body.setLayout(grid)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setWidget(body)

        self.message = QLabel()
        self.message.setStyleSheet(f"color: {BAD};")
        self.message.setVisible(False)
        self.setLayout(vbox(filters, self.message, tile_row, self.scroll, spacing=8, margin=MARGIN))

        for signal in (
            ctx.events.visits_changed,
            ctx.events.orders_changed,
            ctx.events.customers_changed,
            ctx.events.settings_changed,
            ctx.events.templates_changed,
        ):
            signal.connect(self._on_data_changed)

    # ------------------------------------------------------------ page API
    def today(self) -> date:
        return self.today_override or date.today()

    def on_shown(self) -> None:
        if not self.charts_ready:
            # the first showing: figures and charts load once the page is on screen, so the
            # window appears at once even on a big database (build_charts reads the figures)
            if not self._build_pending:
                self._build_pending = True
                after_first_paint(self, self.build_charts)
            return
        # tasks and actions change on other pages without an event: refresh each time
        self.reload()

    def open_with(self, period: str | None = None, team: str | None = None, **_ignored) -> None:
        self._loading = True
        try:
            if period is not None:
                index = self.period_combo.findData(period)
                if index >= 0:
                    self.period_combo.setCurrentIndex(index)
                    self._show_custom(period == svc.CUSTOM)
            if team is not None:
                self._load_teams()
                index = self.team_combo.findData(team)
                self.team_combo.setCurrentIndex(max(index, 0))
        finally:
            self._loading = False
        self.refresh()

    # ------------------------------------------------------------ filters
    def _show_custom(self, visible: bool) -> None:
        for w in (self.start_edit, self.to_label, self.end_edit):
            w.setVisible(visible)

    def _period_kind_changed(self) -> None:
        custom = self.period_combo.currentData() == svc.CUSTOM
        if custom and self.scope is not None:
            # start the custom range from the period shown so far
            self._loading = True
            try:
                for edit, day in (
                    (self.start_edit, self.scope.period.start),
                    (self.end_edit, self.scope.period.end),
                ):
                    edit.setDate(QDate(day.year, day.month, day.day))
            finally:
                self._loading = False
        self._show_custom(custom)
        self._filters_changed()

    def _filters_changed(self) -> None:
        if not self._loading:
            self.refresh()

    def _load_teams(self) -> None:
        keep = self.team_combo.currentData() or ""
        self.team_combo.blockSignals(True)
        self.team_combo.clear()
        self.team_combo.addItem(ALL_TEAMS, "")
        teams = svc.team_choices()
        if keep and keep not in teams:
            teams.append(keep)
        for team in teams:
            self.team_combo.addItem(team, team)
        self.team_combo.setCurrentIndex(max(self.team_combo.findData(keep), 0))
        self.team_combo.blockSignals(False)

    def current_scope(self) -> svc.Scope:
        """The scope the filters describe; UserError for an unusable custom range."""
        choice = self.period_combo.currentData()
        start = end = None
        if choice == svc.CUSTOM:
            start, end = self.start_edit.date().toPython(), self.end_edit.date().toPython()
        period = svc.period_for(choice, self.today(), start, end)
        return svc.Scope(period, self.team_combo.currentData() or None, self.today())

    def _on_data_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.reload()

    # ------------------------------------------------------------ loading
    def reload(self) -> None:
        """Re-read the team list and every figure."""
        self._load_teams()
        self.refresh()

    def refresh(self) -> None:
        try:
            scope = self.current_scope()
        except UserError as err:
            self.message.setText(str(err))
            self.message.setVisible(True)
            return
        self.message.setVisible(False)
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            snap = svc.snapshot(scope)
            self.scope, self.tile_data, self.series = scope, snap.tiles, snap.series
        finally:
            QApplication.restoreOverrideCursor()
        self._stale = False
        p = scope.period
        self.period_label.setText(f"{p.label}({p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d})")
        self._show_tiles()
        self._draw_charts()

    def _show_tiles(self) -> None:
        t = self.tile_data
        today = "点击查看今日任务" if self.tiles["today"].clickable else "今天在回访窗口内、尚未完成"
        self.tiles["today"].show_value(str(t.today_tasks), today, None)
        self.tiles["overdue"].show_value(
            str(t.overdue_tasks),
            "窗口已过仍未回访" if t.overdue_tasks else "没有逾期任务",
            BAD if t.overdue_tasks else GOOD,
        )
        self.tiles["actions"].show_value(
            str(t.overdue_actions),
            "超过完成时限未完成" if t.overdue_actions else "没有逾期措施",
            BAD if t.overdue_actions else GOOD,
        )
        if t.recovery is None:
            self.tiles["recovery"].show_value("—", f"本期还没有到期任务 · 目标 ≥{t.recovery_target:.0f}%")
        else:
            met = t.recovery >= t.recovery_target
            note = f"{t.recovery_completed}/{t.recovery_due} · 目标 ≥{t.recovery_target:.0f}%"
            if t.recovery_all_teams:
                note += "(全部班组)"
            self.tiles["recovery"].show_value(_pct(t.recovery), note, GOOD if met else BAD)
        if t.satisfaction is None:
            self.tiles["satisfaction"].show_value("—", "本期暂无评价")
        else:
            if t.satisfaction_arrow in ("↑", "↓"):
                note = f"较上期 {t.satisfaction_arrow}{_points(t.satisfaction_change)} 个百分点"
            elif t.satisfaction_arrow == "→":
                note = "较上期 → 持平"
            else:
                note = "上期无数据"
            colour = {"↑": GOOD, "↓": BAD}.get(t.satisfaction_arrow)
            self.tiles["satisfaction"].show_value(
                _pct(t.satisfaction), f"{note}\n有效回访 {t.visits} 份", colour
            )
        if t.nps is None:
            self.tiles["nps"].show_value("—", f"本期暂无推荐题回答 · 目标 ≥{t.nps_goal:.0f}")
        else:
            met = t.nps >= t.nps_goal
            self.tiles["nps"].show_value(
                f"{t.nps:.0f}",
                f"目标 ≥{t.nps_goal:.0f} · {'已达标' if met else '未达标'}(n={t.nps_n})",
                GOOD if met else BAD,
            )
        if t.scorecard_id is None:
            self.tiles["grade"].show_value(svc.NO_GRADE, "本期没有质量评价表")
        else:
            total = f"{t.grade_total:.2f} 分" if t.grade_total is not None else ""
            colour = BAD if t.grade == "待改进" else (GOOD if t.grade in ("优秀", "良好") else None)
            self.tiles["grade"].show_value(t.grade, f"{t.grade_target} {total}".strip(), colour)

    def _open_scorecard(self) -> None:
        if self.tile_data is not None and self.tile_data.scorecard_id is not None:
            self.ctx.events.open_page.emit("kpi", {"scorecard_id": self.tile_data.scorecard_id})
        else:
            self.ctx.events.open_page.emit("kpi", {})

    # ------------------------------------------------------------ charts
    def build_charts(self) -> None:
        """Make the canvases (the first matplotlib import happens here) and draw them."""
        if self.charts_ready:
            return
        from .charts import make_canvas

        for panel in self.panels.values():
            canvas, figure = make_canvas(6.0, 3.3)
            canvas.setMinimumHeight(CHART_HEIGHT - 12)
            panel.attach(canvas, figure)
        self.charts_ready = True
        if self.scope is None:
            self.reload()
        elif self._stale:
            self.refresh()
        else:
            self._draw_charts()

    def _draw_charts(self) -> None:
        if not self.charts_ready:
            return
        for chart_id, panel in self.panels.items():
            panel.set_data(self.series.get(chart_id), self)

    def save_chart(self, panel: ChartPanel) -> Path | None:
        """Ask for a file name and write the chart as a PNG (150 dpi); returns the path."""
        if panel.figure is None:
            return None
        code = self.scope.period.code if self.scope is not None else ""
        team = f"_{self.scope.team}" if self.scope is not None and self.scope.team else ""
        default = re.sub(r'[\\/:*?"<>|~ ]+', "_", f"{panel.name}_{code}{team}") + ".png"
        path, _filter = QFileDialog.getSaveFileName(
            self, SAVE_TEXT, str(self._save_dir / default), "PNG 图片 (*.png)"
        )
        if not path:
            return None
        target = Path(path)
        if target.suffix.lower() != ".png":
            target = target.with_name(target.name + ".png")
        try:
            panel.figure.savefig(str(target), dpi=SAVE_DPI, facecolor="white")
        except OSError as err:
            show_error(self, f"图表没有保存:无法写入 {target}({err.strerror or err})。请换一个文件夹再试。")
            return None
        self._save_dir = target.parent
        self.ctx.events.status_message.emit(f"图表已保存:{target}")
        return target
