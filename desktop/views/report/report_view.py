"""调查报告 page: the period report (客户满意度调查与改进报告) — choose the period and the team,
生成预览 (statistics and charts off the GUI thread, with progress and cancel), then read the
pages in the embedded print preview, 打印 or 导出PDF."""

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from desktop.services.common.errors import UserError
from desktop.services.reporting import periods, problems
from desktop.services.reporting.statistics import Filters
from desktop.services.summaries.report import ALL_TEAMS_LABEL, build_report
from desktop.services.summaries.report_doc import ReportDoc

from ..analysis.analysis_view import PeriodPicker
from ..common.context import AppContext
from ..common.operations import run_with_progress
from ..common.widgets import MARGIN, hbox, heading, show_error, vbox

PLACEHOLDER = (
    "选择统计期间和班组，点击“生成预览”。\n\n"
    "报告包括：报告基本信息、调查概述、满意度分析（含图表）、核心问题、改进措施与责任分工、质量评价。"
)
STALE = "数据已有变化，点击“生成预览”可按最新数据重新生成。"


class ReportView(QWidget):
    """Page "report". ``open_with(period=None, team=None, generate=False)``: ``period`` is
    anything ``periods.parse_period`` reads (2024, 2024Q2, 2024-05, (from, to), a Period)."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.doc: ReportDoc | None = None
        self.charts: list[bytes] | None = None
        self.preview = None  # QPrintPreviewWidget, made on the first preview
        self.printer = None
        self.pages = 0
        self._period_chosen = False

        self.period_picker = PeriodPicker()
        self.team = QComboBox()
        self.team.setMinimumWidth(120)
        self.generate_button = QPushButton("生成预览")
        self.generate_button.setDefault(True)
        self.print_button = QPushButton("打印…")
        self.pdf_button = QPushButton("导出PDF…")
        self.zoom_in_button = QPushButton("放大")
        self.zoom_out_button = QPushButton("缩小")
        self.fit_width_button = QPushButton("适合宽度")
        self.whole_page_button = QPushButton("整页")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #555;")
        self.placeholder = QLabel(PLACEHOLDER)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #777; padding: 40px;")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.placeholder.setMinimumHeight(200)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)

        self.generate_button.clicked.connect(self.generate)
        self.print_button.clicked.connect(self.print_report)
        self.pdf_button.clicked.connect(self.export_pdf)
        self.zoom_in_button.clicked.connect(lambda: self.preview and self.preview.zoomIn())
        self.zoom_out_button.clicked.connect(lambda: self.preview and self.preview.zoomOut())
        self.fit_width_button.clicked.connect(lambda: self.preview and self.preview.fitToWidth())
        self.whole_page_button.clicked.connect(lambda: self.preview and self.preview.fitInView())
        self.period_picker.changed.connect(self._choice_changed)
        self.team.currentIndexChanged.connect(lambda _i: self._choice_changed())
        for signal in (ctx.events.visits_changed, ctx.events.orders_changed, ctx.events.settings_changed):
            signal.connect(self._data_changed)

        controls = hbox(
            QLabel("统计期间"),
            self.period_picker,
            QLabel("班组"),
            self.team,
            self.generate_button,
            None,
            self.print_button,
            self.pdf_button,
        )
        zoom = hbox(
            self.status,
            None,
            self.zoom_out_button,
            self.zoom_in_button,
            self.fit_width_button,
            self.whole_page_button,
        )
        layout = vbox(heading("客户满意度调查与改进报告"), controls, zoom, margin=MARGIN)
        layout.addWidget(self.stack, 1)
        self.setLayout(layout)
        self._load_teams()
        self._update_buttons()

    # ------------------------------------------------------------ choices
    def _load_teams(self) -> None:
        current = self.selected_team()
        self.team.blockSignals(True)
        self.team.clear()
        self.team.addItem(ALL_TEAMS_LABEL, None)
        for name in problems.team_names():  # one DISTINCT, not filter_choices' three
            self.team.addItem(name, name)
        index = self.team.findData(current) if current else 0
        self.team.setCurrentIndex(max(index, 0))
        self.team.blockSignals(False)

    def selected_team(self) -> str | None:
        return self.team.currentData() if self.team.count() else None

    def _choose_default_period(self) -> None:
        if self._period_chosen:
            return
        last = problems.last_visit_date()
        if last is None:
            return
        self._period_chosen = True
        self.period_picker.set_latest(last)
        quarter = periods.quarter_period(last.year, (last.month - 1) // 3 + 1)
        if quarter.end >= date.today():  # a quarter still running: report on the last finished one
            quarter = periods.previous(quarter)
        self.period_picker.set_period(quarter)

    def on_shown(self) -> None:
        self._load_teams()
        self._choose_default_period()

    def open_with(self, period=None, team=None, generate: bool = False, **_ignored) -> None:
        self._load_teams()
        if period is not None:
            try:
                chosen = periods.parse_period(period)
            except UserError as err:
                show_error(self, str(err), "无法打开报告")
                return
            self._period_chosen = True
            self.period_picker.set_latest(max(chosen.end, problems.last_visit_date() or chosen.end))
            self.period_picker.set_period(chosen)
        if team is not None:
            index = self.team.findData(team)
            if index < 0:
                self.team.addItem(team, team)
                index = self.team.count() - 1
            self.team.setCurrentIndex(index)
        if generate:
            self.generate()

    def _choice_changed(self) -> None:
        if self.doc is not None:
            self.status.setText(f"当前预览：{self._described()}。统计期间或班组已改变，点击“生成预览”更新。")

    def _data_changed(self) -> None:
        if self.doc is not None:
            self.status.setText(f"当前预览：{self._described()}。{STALE}")

    def _described(self) -> str:
        doc = self.doc
        if doc is None:
            return ""
        scope = doc.team or ALL_TEAMS_LABEL
        return f"{doc.title}（{scope}，共 {self.pages} 页）"

    def _update_buttons(self) -> None:
        ready = self.doc is not None
        for button in (
            self.print_button,
            self.pdf_button,
            self.zoom_in_button,
            self.zoom_out_button,
            self.fit_width_button,
            self.whole_page_button,
        ):
            button.setEnabled(ready)

    # ------------------------------------------------------------ generating
    def filters(self) -> Filters:
        """The chosen period and team; UserError for a range that ends before it starts."""
        return Filters(period=self.period_picker.period(), team=self.selected_team())

    def generate(self) -> bool:
        """Build the report off the GUI thread and show it in the preview; False if it failed or
        was cancelled."""
        try:
            flt = self.filters()
        except UserError as err:
            show_error(self, str(err), "无法生成报告")
            return False
        today = date.today()

        def job(report):
            from ..printing.report_render import render_charts

            doc = build_report(
                flt, today=today, progress=lambda done, total, text: report(done, total + 3, text)
            )
            total = len(doc.charts())
            charts = render_charts(doc, progress=lambda n, _t, text: report(6 + n, 6 + total, text))
            return doc, charts

        try:
            result = run_with_progress(self, "正在生成调查报告…", job)
        except UserError as err:
            show_error(self, str(err), "无法生成报告")
            return False
        if result is None:
            self.status.setText("已取消生成报告。" + (f"预览仍为：{self._described()}。" if self.doc else ""))
            return False
        self.doc, self.charts = result
        self._show_preview()
        self._update_buttons()
        self.status.setText(f"已生成：{self._described()}。可以打印或导出PDF。")
        self.ctx.events.status_message.emit(f"已生成{self.doc.title}")
        return True

    def _show_preview(self) -> None:
        from PySide6.QtPrintSupport import QPrintPreviewWidget

        from ..printing.report_render import new_printer

        if self.preview is None:
            self.printer = new_printer()
            self.preview = QPrintPreviewWidget(self.printer, self)
            self.preview.setViewMode(QPrintPreviewWidget.ViewMode.SinglePageView)
            self.preview.setZoomMode(QPrintPreviewWidget.ZoomMode.FitToWidth)
            self.preview.paintRequested.connect(self._paint)
            self.stack.addWidget(self.preview)
        self.stack.setCurrentWidget(self.preview)
        self.preview.updatePreview()
        self.pages = self.preview.pageCount()

    def _paint(self, printer) -> None:
        if self.doc is None:
            return
        from ..printing.report_render import render_report

        try:
            self.pages = render_report(self.doc, printer, self.charts)
        except UserError as err:
            show_error(self, str(err), "无法显示预览")

    # ------------------------------------------------------------ outputs
    def print_report(self) -> bool:
        if self.doc is None:
            return False
        from ..printing.report_render import print_report

        try:
            done = print_report(self, self.doc, self.charts)
        except UserError as err:
            show_error(self, str(err), "无法打印")
            return False
        if done:
            self.status.setText(f"已发送到打印机：{self._described()}。")
        return done

    def export_pdf(self) -> Path | None:
        if self.doc is None:
            return None
        from ..printing.report_render import default_file_name, write_report_pdf

        suggested = str(Path.home() / default_file_name(self.doc))
        path, _ = QFileDialog.getSaveFileName(self, "导出PDF", suggested, "PDF 文件 (*.pdf)")
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            written = write_report_pdf(self.doc, path, self.charts)
        except UserError as err:
            show_error(self, str(err), "无法导出PDF")
            return None
        self.status.setText(f"已导出：{written}")
        self.ctx.events.status_message.emit(f"报告已导出到 {written}")
        return written
