"""The 日报 band on the 工作台: yesterday's visits, problems and overdue items in one line, the
day to report (yesterday by default), 预览… / 打印… of the one-page 日报, and 去预约 (the visits to
book 1–2 days ahead, on the 回访任务 page). The figures come from ``services.daily``, read in the
background (``views.tasks.Latest``)."""

import html
import re
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QDateEdit, QFrame, QLabel, QPushButton

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError

from ..common.context import AppContext
from ..common.operations import Latest
from ..common.widgets import hbox, show_error

BAND_STYLE = "QFrame#dailyBand { background: #f3f7fc; border: 1px solid #d6e2f0; border-radius: 4px; }"


def clauses_unbroken(line: str) -> str:
    """The line as rich text that wraps only between its clauses (after ，and ；): a label wraps
    Chinese text between any two characters, “逾期任务 0” on one line and “个” on the next."""
    clauses = re.findall(r"[^，；]+[，；]?", line)
    return "".join(f'<span style="white-space:nowrap">{html.escape(c)}</span>' for c in clauses)


class DailyPanel(QFrame):
    """``reload()`` reads the figures of the chosen day; ``filled`` once they are shown."""

    filled = Signal()

    def __init__(self, ctx: AppContext, today: Callable[[], date], parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.figures = None
        self.loading = False
        self._job = Latest(self)
        self._day_chosen = False  # the user picked a day: keep it; else always yesterday
        self.setObjectName("dailyBand")
        self.setStyleSheet(BAND_STYLE)
        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setToolTip("日报的日期（默认昨天）")
        self._set_day(self.today() - timedelta(days=1))
        self.day_edit.dateChanged.connect(self._day_changed)
        self.summary = QLabel("正在计算…")
        self.summary.setWordWrap(True)
        self.preview_button = QPushButton("预览日报…")
        self.print_button = QPushButton("打印日报…")
        self.book_button = QPushButton("去预约")
        self.book_button.setToolTip("回访窗口 1–2 个工作日后开始、尚未预约的任务：发短信或致电约定时段")
        self.book_button.setVisible(accounts.can(accounts.CALL))
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_daily)
        self.book_button.clicked.connect(
            lambda: self.ctx.events.open_page.emit("tasks", {"bucket": "待预约"})
        )
        title = QLabel("<b>日报</b>")
        layout = hbox(
            title,
            self.day_edit,
            self.summary,
            self.book_button,
            self.preview_button,
            self.print_button,
            margin=6,
        )
        layout.setStretchFactor(self.summary, 1)  # the line takes the band's width, not 4 short lines
        self.setLayout(layout)

    # ------------------------------------------------------------ the day
    def _set_day(self, day: date) -> None:
        self.day_edit.blockSignals(True)
        self.day_edit.setDate(QDate(day.year, day.month, day.day))
        self.day_edit.blockSignals(False)

    def day(self) -> date:
        return self.day_edit.date().toPython()

    def _day_changed(self) -> None:
        self._day_chosen = True
        self.reload()

    # ------------------------------------------------------------ figures
    def reload(self) -> None:
        from desktop.services.summaries import daily

        if not self._day_chosen:  # a new morning: yesterday again
            self._set_day(self.today() - timedelta(days=1))
        day, today = self.day(), self.today()
        self.loading = True
        self.summary.setText("正在计算…")
        self._job.start(lambda _report: daily.daily_figures(day, today=today), self._arrived, self._failed)

    def _arrived(self, figures) -> None:
        self.figures = figures
        self.loading = False
        self.summary.setText(clauses_unbroken(figures.line()))
        self.book_button.setText(f"去预约（{figures.to_book}）")
        self.filled.emit()

    def _failed(self, error: BaseException) -> None:
        self.loading = False
        self.summary.setText(f"日报统计失败：{error}。请点击“刷新”重试。")
        self.filled.emit()

    # ------------------------------------------------------------ printing
    def _doc(self):
        from desktop.services.summaries.daily import build_daily

        return build_daily(self.day(), today=self.today())

    def preview(self) -> int:
        from ..printing.daily_print import preview_daily

        try:
            return preview_daily(self, self._doc())
        except UserError as err:
            show_error(self, str(err))
            return 0

    def print_daily(self) -> bool:
        from ..printing.daily_print import print_daily

        try:
            done = print_daily(self, self._doc())
        except UserError as err:
            show_error(self, str(err))
            return False
        if done:
            self.ctx.events.status_message.emit(f"日报（{self.day():%Y-%m-%d}）已发送到打印机")
        return done
