"""工作台 (page "dashboard"): today's work and this period's figures at a glance.

The filters (统计期间, 班组), the 日报 band of yesterday (``daily_panel``), tiles (今日待回访,
逾期任务, 逾期改进措施, 本期回收率, 本期满意率, NPS, 本期投诉率, 本期等级 — the first three, and the grade, open
the page behind them), the 改进验证 section (the period's verification visits, apart from its
figures; ``dashboard_tiles``), then six charts in a scrolling grid. Each figure tile's tooltip is
its definition from ``reporting.metrics``. The figures come from ``services.dashboard``; this
module only shows them.

Nothing slow runs on the GUI thread. Showing the page starts three background jobs
(``views.tasks``, the project's one helper): the tiles (``dashboard.tiles``), the charts' series
(``dashboard.chart_series``, the twelve-month trend is the slow part) and, once, the import of
matplotlib with the chart font (``views.charts.preload``). Tiles and charts show "正在计算…"
until their figures arrive; a newer request (the filters changed meanwhile) supersedes the older,
whose result is dropped. ``loading`` is true until the tiles show the filters' figures (``filled``
is emitted then), ``charts_drawn`` once every chart is drawn with them (``charts_filled``). The
first showing starts the jobs after the window's first paint, so start-up stays quick; the
matplotlib import and ``services.dashboard`` are not loaded with this module.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QWidget,
)

from desktop.services.admin import accounts, next_steps
from desktop.services.common import safe_files
from desktop.services.common.errors import UserError
from desktop.services.reporting import metrics
from desktop.services.summaries.dashboard_periods import PERIOD_CHOICES

from ..common.context import AppContext
from ..common.empty_state import StepBanner
from ..common.operations import Latest
from ..common.widgets import MARGIN, after_first_paint, hbox, show_error, vbox
from .daily_panel import DailyPanel
from .dashboard_charts import (  # noqa: F401 (EMPTY_TEXT and CHARTS are part of the page's API)
    BAD,
    CHART_HEIGHT,
    CHARTS,
    EMPTY_TEXT,
    GOOD,
    LOADING_TEXT,
    MUTED,
    PANEL_STYLE,
    SAVE_DPI,
    SAVE_TEXT,
    ChartPanel,
    points_text,
)
from .dashboard_complaints import OverdueComplaintBand, show_complaint_rate
from .dashboard_tiles import TILE_STYLE, Tile, VerificationSection, pct
from .goals_panel import GoalsPanel


class _LazyService:
    """``desktop.services.summaries.dashboard``, imported on first use (~0.1 s of start-up saved)."""

    def __getattr__(self, name: str):
        from desktop.services.summaries import dashboard

        return getattr(dashboard, name)


svc = _LazyService()


def _overdue_actions() -> str:
    from desktop.services.improvement.improvement import OVERDUE

    return OVERDUE


def _stale_actions() -> str:
    from desktop.services.improvement.followup import STALE

    return STALE


ALL_TEAMS = "全部班组"


# ---------------------------------------------------------------- the page
class DashboardView(QWidget):
    """Page "dashboard". ``open_with(period=None, team=None)``: ``period`` one of
    ``dashboard.PERIOD_CHOICES`` (本月 …), ``team`` a team name ("" for every team)."""

    filled = Signal()  # the tiles show the figures of the current filters
    charts_filled = Signal()  # … and every chart is drawn with them

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today_override: date | None = None
        self.scope: svc.Scope | None = None
        self.tile_data: svc.Tiles | None = None
        self.series: dict[str, object] = {}
        self.charts_ready = False  # the canvases are built
        self.loading = False  # tiles being computed for the current filters
        self.details_loading = False  # … then 投诉率, the overdue complaints, 本期目标 and 改进验证
        self._extras_pending = False  # team list and 日报 to read once the tiles are in
        self.charts_loading = False  # chart series being computed
        self._first_shown = False
        self._stale = True
        self._loading = False  # filters being set by code (no refresh per change)
        self._tiles_job = Latest(self)
        self._details_job = Latest(self)
        self._series_jobs: list[Latest] = []  # one per group of charts (services.dashboard)
        self._pending: set[str] = set()  # charts whose series are still being read
        self._render_jobs: dict[str, Latest] = {}  # per batch of charts being rendered
        self._teams_job = Latest(self)
        self._charts_job = Latest(self)
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
        self.refresh_button.setToolTip("重新统计（其他页面修改了数据后）")
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
            "actions": Tile(
                "逾期改进措施",
                "超过完成时限仍未完成的改进措施；另标出超过 7 天没有进度记录的（每周跟进）",
                clickable=True,
            ),
            # the catalogue's definitions: the same text as the report and the workbook's 说明
            "recovery": Tile("本期回收率", metrics.RECOVERY.definition),
            "satisfaction": Tile("本期满意率", f"{metrics.SATISFACTION.definition}；与上期比较"),
            "nps": Tile("NPS", metrics.NPS.definition),
            "complaint": Tile("本期投诉率", metrics.COMPLAINT_RATE.definition),
            "grade": Tile("本期等级", "本期质量评价表（表1）的总分等级", clickable=True),
        }
        self.tiles["today"].clicked.connect(
            lambda: self.ctx.events.open_page.emit("tasks", {"bucket": "今日"})
        )
        self.tiles["overdue"].clicked.connect(
            lambda: self.ctx.events.open_page.emit("tasks", {"bucket": "逾期"})
        )
        self.tiles["actions"].clicked.connect(self._open_actions)
        self.tiles["grade"].clicked.connect(self._open_scorecard)
        for tile in self.tiles.values():
            tile.show_loading()
        tile_row = hbox(*self.tiles.values(), spacing=8)
        self.overdue_complaints = OverdueComplaintBand()  # complaints past their level's deadline
        self.verification = VerificationSection()  # 改进验证, apart from the period's figures
        self.goals = GoalsPanel()  # 本期目标 against the period's figures
        self.goals.edited.connect(self.refresh)
        self.verification.show_loading()
        self.verification_data = None

        # -- charts
        self.panels: dict[str, ChartPanel] = {}
        grid = QGridLayout()
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (chart_id, name, draw) in enumerate(CHARTS):
            panel = ChartPanel(chart_id, name, draw)
            panel.drawn_changed.connect(self._panel_drawn)
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
        self.next_step = StepBanner(ctx, next_steps.dashboard_step)  # an empty database: 先导入…
        self.daily = DailyPanel(ctx, self.today)  # yesterday's 日报, printable
        self.setLayout(
            vbox(
                filters,
                self.message,
                self.next_step,
                self.daily,
                self.overdue_complaints,
                tile_row,
                self.goals,
                self.verification,
                self.scroll,
                spacing=8,
                margin=MARGIN,
            )
        )

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
        if not self._first_shown:
            # the first showing (the window's first page at start-up): the jobs start once the
            # page is on screen, so they do not slow the window's first paint
            self._first_shown = True
            after_first_paint(self, self._first_load)
            return
        # tasks and actions change on other pages without an event: refresh each time
        self.next_step.refresh()
        self.reload()

    def _first_load(self) -> None:
        self.reload()
        self.load_charts()

    def open_with(self, period: str | None = None, team: str | None = None, **_ignored) -> None:
        self._loading = True
        try:
            if period is not None:
                index = self.period_combo.findData(period)
                if index >= 0:
                    self.period_combo.setCurrentIndex(index)
                    self._show_custom(period == svc.CUSTOM)
            if team is not None:
                index = self.team_combo.findData(team)
                if index < 0 and team:  # the team list may still be loading
                    self.team_combo.addItem(team, team)
                    index = self.team_combo.count() - 1
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

    def _load_teams(self, teams: list[str]) -> None:
        keep = self.team_combo.currentData() or ""
        self.team_combo.blockSignals(True)
        self.team_combo.clear()
        self.team_combo.addItem(ALL_TEAMS, "")
        teams = list(teams)
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
    @property
    def charts_drawn(self) -> bool:
        """Every chart is drawn, and every figure shown, with the current filters."""
        return (
            self.charts_ready
            and not self.loading
            and not self.details_loading
            and not self.charts_loading
            and all(panel.drawn for panel in self.panels.values())
        )

    def reload(self) -> None:
        """Re-read every figure, then the team list and the 日报 (in the background). The tiles
        and charts go first: the others wait for their series, not to share the processor."""
        self._extras_pending = True
        self.refresh()

    def _load_extras(self) -> None:
        if self._extras_pending:
            self._extras_pending = False
            self._teams_job.start(lambda _report: svc.team_choices(), self._load_teams, self._failed)
            self.daily.reload()

    def refresh(self) -> None:
        """Start reading the figures of the filters; tiles and charts show "正在计算…" until
        they arrive. A request still running is superseded (its result is dropped)."""
        try:
            scope = self.current_scope()
        except UserError as err:
            self.message.setText(str(err))
            self.message.setVisible(True)
            return
        self.message.setVisible(False)
        p = scope.period
        self.period_label.setText(f"{p.label}（{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}）")
        self.loading = self.charts_loading = self.details_loading = True
        self._details_job.cancel()
        for job in self._render_jobs.values():  # charts of the older request
            job.cancel()
        for tile in self.tiles.values():
            tile.show_loading()
        self.verification.show_loading()
        self.goals.show_loading()
        for panel in self.panels.values():
            panel.set_busy(True)
        self._tiles_job.start(
            lambda _report: svc.tiles(scope, details=False),
            lambda tiles: self._tiles_arrived(scope, tiles),
            self._failed,
        )
        # the charts in groups, read at the same time: each is drawn as soon as its series arrive
        if not self._series_jobs:
            self._series_jobs = [Latest(self) for _ in svc.CHART_GROUPS]
        self.series = {}
        self._pending = set(svc.CHART_IDS)
        for job, charts in zip(self._series_jobs, svc.CHART_GROUPS, strict=True):
            job.start(
                lambda _report, charts=charts: svc.chart_series(scope, charts),
                lambda series: self._series_arrived(scope, series),
                self._failed,
            )

    def _tiles_arrived(self, scope, tiles) -> None:
        """The main tiles are in: show them, then read the slower figures (投诉率, the overdue
        complaints, 本期目标, 改进验证)."""
        self.scope, self.tile_data = scope, tiles
        self.loading = False
        self._stale = False
        self._show_tiles()
        self.filled.emit()
        self._draw_charts(("groups",))  # it marks the overall rate of the tiles
        self._details_job.start(
            lambda _report: (svc.tile_details(scope, tiles), svc.verification(scope)),
            lambda figures: self._details_arrived(scope, *figures),
            self._failed,
        )

    def _details_arrived(self, scope, tiles, verification) -> None:
        self.tile_data, self.verification_data = tiles, verification
        self.details_loading = False
        self._show_tiles()
        self.goals.show_rows(scope.filters, tiles.goals)
        self.verification.show_figures(verification)
        if self.charts_drawn:
            self.charts_filled.emit()

    def _series_arrived(self, scope, series: dict) -> None:
        self.scope = scope
        self.series.update(series)
        self._pending -= set(series)
        self.charts_loading = bool(self._pending)
        self._draw_charts(tuple(series))
        if not self._pending:
            self._load_extras()

    def _failed(self, error: BaseException) -> None:
        """A job failed: say so above the tiles (the figures stay as they were)."""
        for job in (self._tiles_job, self._details_job, *self._series_jobs, *self._render_jobs.values()):
            job.cancel()
        self._pending = set()
        self.loading = self.charts_loading = self.details_loading = False
        for panel in self.panels.values():
            panel.set_busy(False)
        if self.tile_data is not None:  # the main tiles at least (their details may be missing)
            self._show_tiles()
            if self.tile_data.details:
                self.goals.show_rows(self.scope.filters, self.tile_data.goals)
            else:
                self.tiles["complaint"].show_value("—", "")
                self.goals.show_failed()
            if self.verification_data is not None:
                self.verification.show_figures(self.verification_data)
            else:
                self.verification.show_failed()
        else:
            for tile in self.tiles.values():
                tile.show_value("—", "")
            self.verification.show_failed()
            self.goals.show_failed()
        self.message.setText(f"统计失败：{error}。请点击“刷新”重试。")
        self.message.setVisible(True)
        self.filled.emit()
        self._load_extras()

    def _show_tiles(self) -> None:
        t = self.tile_data
        today = "点击查看今日任务" if self.tiles["today"].clickable else "今天在回访窗口内、尚未完成"
        self.tiles["today"].show_value(str(t.today_tasks), today, None)
        self.tiles["overdue"].show_value(
            str(t.overdue_tasks),
            "窗口已过仍未回访" if t.overdue_tasks else "没有逾期任务",
            BAD if t.overdue_tasks else GOOD,
        )
        note = "超过完成时限未完成" if t.overdue_actions else "没有逾期措施"
        if t.stale_actions:
            note += f"\n{t.stale_actions} 项超过 7 天未跟进"
        self.tiles["actions"].show_value(
            str(t.overdue_actions), note, BAD if t.overdue_actions or t.stale_actions else GOOD
        )
        if t.recovery is None:
            self.tiles["recovery"].show_value("—", f"本期还没有到期任务 · 目标 ≥{t.recovery_target:.0f}%")
        else:
            met = t.recovery >= t.recovery_target
            note = f"{t.recovery_completed}/{t.recovery_due} · 目标 ≥{t.recovery_target:.0f}%"
            if t.recovery_all_teams:
                note += "（全部班组）"
            self.tiles["recovery"].show_value(pct(t.recovery), note, GOOD if met else BAD)
        if t.satisfaction is None:
            self.tiles["satisfaction"].show_value("—", "本期暂无评价")
        else:
            if t.satisfaction_arrow in ("↑", "↓"):
                note = f"较上期 {t.satisfaction_arrow}{points_text(t.satisfaction_change)} 个百分点"
            elif t.satisfaction_arrow == "→":
                note = "较上期 → 持平"
            else:
                note = "上期无数据"
            colour = {"↑": GOOD, "↓": BAD}.get(t.satisfaction_arrow)
            self.tiles["satisfaction"].show_value(
                pct(t.satisfaction), f"{note}\n有效回访 {t.visits} 份", colour
            )
        if t.nps is None:
            self.tiles["nps"].show_value("—", f"本期暂无推荐题回答 · 目标 ≥{t.nps_goal:.0f}")
        else:
            met = t.nps >= t.nps_goal
            self.tiles["nps"].show_value(
                f"{t.nps:.0f}",
                f"目标 ≥{t.nps_goal:.0f} · {'已达标' if met else '未达标'}（n={t.nps_n}）",
                GOOD if met else BAD,
            )
        if t.details:
            show_complaint_rate(self.tiles["complaint"], t)
            self.overdue_complaints.show_overdue(t.overdue_complaint_count, t.overdue_complaints)
        else:  # read after the others (``tile_details``)
            self.tiles["complaint"].show_loading()
        if t.scorecard_id is None:
            self.tiles["grade"].show_value(svc.NO_GRADE, "本期没有质量评价表")
        else:
            total = f"{t.grade_total:.2f} 分" if t.grade_total is not None else ""
            colour = BAD if t.grade == "待改进" else (GOOD if t.grade in ("优秀", "良好") else None)
            self.tiles["grade"].show_value(t.grade, f"{t.grade_target} {total}".strip(), colour)

    def _open_actions(self) -> None:
        """The overdue actions; when none is overdue but some wait for their weekly follow-up,
        those."""
        t = self.tile_data
        late_or_none = t is None or t.overdue_actions or not t.stale_actions
        wanted = _overdue_actions() if late_or_none else _stale_actions()
        self.ctx.events.open_page.emit("improvement", {"status_filter": wanted})

    def _open_scorecard(self) -> None:
        if self.tile_data is not None and self.tile_data.scorecard_id is not None:
            self.ctx.events.open_page.emit("kpi", {"scorecard_id": self.tile_data.scorecard_id})
        else:
            self.ctx.events.open_page.emit("kpi", {})

    # ------------------------------------------------------------ charts
    def load_charts(self) -> None:
        """Import matplotlib and register the chart font in the background (once), then build
        the canvases here."""
        if self.charts_ready or self._charts_job.busy:
            return
        from ..common.charts import preload

        self._charts_job.start(lambda _report: preload(), lambda _none: self.build_charts(), self._failed)

    def build_charts(self) -> None:
        """Make the canvases and draw the figures read so far (with matplotlib already imported
        by ``load_charts`` this takes a few milliseconds)."""
        if self.charts_ready:
            return
        from ..common.charts import make_canvas

        for panel in self.panels.values():
            canvas, figure = make_canvas(6.0, 3.3)
            canvas.setMinimumHeight(CHART_HEIGHT - 12)
            panel.attach(canvas, figure)
            panel.set_busy(True)  # until its figures are drawn on it
        self.charts_ready = True
        self._draw_charts()

    def _draw_charts(self, chart_ids: tuple[str, ...] | None = None) -> None:
        """Draw the charts (all, or ``chart_ids``) whose series of the current request are there,
        once the canvases exist; the team chart also waits for the tiles (it marks their overall
        rate). They are drawn and rendered in the background, one job per batch (the charts of
        one arrival), and put on screen as each is done."""
        if not self.charts_ready:
            return
        ready = [
            chart_id
            for chart_id in chart_ids or tuple(self.panels)
            if chart_id in self.series and not (chart_id == "groups" and self.loading)
        ]
        view = SimpleNamespace(scope=self.scope, tile_data=self.tile_data)
        batch = []
        for chart_id in ready:
            panel, data = self.panels[chart_id], self.series[chart_id]
            overall = self.tile_data.satisfaction if chart_id == "groups" and self.tile_data else None
            key = (data, self.scope, overall)  # what the drawing depends on
            if panel.drawn and panel.shown_key == key:
                panel.set_busy(False)  # the same figures as shown (a page shown again): kept
                continue
            panel.drawn = False
            batch.append((panel, key, panel.render_job(data, view)))
        if not batch:
            self._panel_drawn()
            return

        def render(report):
            return [(panel, key, job(report)) for panel, key, job in batch]

        def show(results) -> None:
            for panel, key, rendered in results:
                panel.set_busy(False)
                panel.shown_key = key
                panel.show_rendered(key[0], rendered)

        name = "+".join(panel.chart_id for panel, _key, _job in batch)
        job = self._render_jobs.setdefault(name, Latest(self))
        job.start(render, show, self._failed)

    def _panel_drawn(self) -> None:
        if self.charts_drawn:
            self.charts_filled.emit()

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
        figure = panel.figure
        try:
            safe_files.write_atomic(
                target,
                lambda tmp: figure.savefig(str(tmp), format="png", dpi=SAVE_DPI, facecolor="white"),
                check=safe_files.check_png,
                what="保存图表",
            )
        except UserError as err:
            show_error(self, f"图表没有保存。{err}")
            return None
        self._save_dir = target.parent
        self.ctx.events.status_message.emit(f"图表已保存：{target}")
        return target
