"""柜台自助, the staff side: a small non-modal window on the staff's screen that puts a task's
questionnaire on the counter screen (``counter_screen``), says what the customer is doing, shows
the task's link as a QR code for a tablet or phone when 设置 → 扫码评价 is on, and ends the
counter mode. ``open_counter(ctx, task_id, parent)`` is what 回访任务 and the 回访表 call: one
counter per app, reused.

The counter screen goes full screen on the monitor chosen here — a second monitor when there is
one (``QGuiApplication.screens()``), else the staff's own screen (then only the staff key or
this window ends it: it stays on top of the staff's windows).
"""

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget
from shiboken6 import isValid

from desktop.services.admin import settings as app_settings
from desktop.services.common.errors import UserError
from desktop.services.web import counter, links

from ..common.context import AppContext
from ..common.widgets import MARGIN, confirm, hbox, heading, show_error, vbox
from .counter_screen import STAFF_KEY, CounterScreen

POLL_MS = 2000  # how often the staff side looks whether a phone/tablet submitted the link
QR_SIZE = 220
_current: "CounterPanel | None" = None


def qr_pixmap(text: str, size: int = QR_SIZE) -> QPixmap:
    """The QR code of ``text`` as a pixmap with its quiet zone, dark on white."""
    from desktop.services.visits.qrcodes import QUIET_ZONE, qr_matrix

    matrix = qr_matrix(text)
    modules = len(matrix) + 2 * QUIET_ZONE
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    unit = size / modules
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = (c + QUIET_ZONE) * unit, (r + QUIET_ZONE) * unit
                painter.fillRect(QRectF(x, y, unit + 0.5, unit + 0.5), QColor("black"))
    painter.end()
    return pixmap


def screen_names() -> list[str]:
    primary = QGuiApplication.primaryScreen()
    out = []
    for number, screen in enumerate(QGuiApplication.screens(), start=1):
        size = screen.geometry().size()
        mark = "（主屏，员工屏幕）" if screen is primary else ""
        out.append(f"屏幕 {number}：{screen.name() or '显示器'} {size.width()}×{size.height()}{mark}")
    return out


def default_screen_index() -> int:
    """A second monitor when there is one, else the only one."""
    screens = QGuiApplication.screens()
    primary = QGuiApplication.primaryScreen()
    for index, screen in enumerate(screens):
        if screen is not primary:
            return index
    return 0


class CounterPanel(QWidget):
    """The staff's control of the counter screen. ``start(task_id)``; ``end()``."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent, Qt.Window)
        self.ctx = ctx
        self.setWindowTitle("柜台自助评价")
        self.screen_view = CounterScreen()
        # the app ends with the staff's windows, never kept alive by the counter screen
        self.screen_view.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.destroyed.connect(self.screen_view.deleteLater)
        self.session: counter.CounterSession | None = None
        self.screen_combo = QComboBox()
        self.screen_combo.addItems(screen_names())
        self.screen_combo.setCurrentIndex(default_screen_index())
        self.screen_combo.currentIndexChanged.connect(lambda _i: self.place_screen())
        app = QGuiApplication.instance()
        app.screenAdded.connect(self._screens_changed)  # a monitor plugged in or out
        app.screenRemoved.connect(self._screens_changed)
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.qr_label = QLabel()
        self.qr_label.setAlignment(Qt.AlignCenter)
        self.qr_label.setMinimumSize(QR_SIZE, QR_SIZE)
        self.qr_note = QLabel()
        self.qr_note.setWordWrap(True)
        self.qr_note.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.cancel_button = QPushButton("取消本次填写")
        self.cancel_button.setToolTip("柜台屏幕回到空闲画面，客户已填的答案不保存")
        self.end_button = QPushButton("结束柜台模式")
        hint = QLabel(
            f"客户在柜台屏幕上逐题作答、签名并提交后，回访记录自动保存（回访方式：柜台自助），任务完成。"
            f"柜台屏幕上没有菜单，客户无法进入本软件；员工可在此结束，或在柜台键盘上按 {STAFF_KEY}。"
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        self.cancel_button.clicked.connect(self.cancel_session)
        self.end_button.clicked.connect(self.end)
        self.screen_view.submitted.connect(self._submitted)
        self.screen_view.link_closed.connect(self._closed_elsewhere)
        self.screen_view.abandoned.connect(self._abandoned)
        self.screen_view.staff_exit.connect(self.end)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check_link)
        self.setLayout(
            vbox(
                heading("柜台自助评价"),
                hbox(QLabel("柜台屏幕"), self.screen_combo, None),
                self.state_label,
                self.qr_label,
                self.qr_note,
                hint,
                hbox(self.cancel_button, None, self.end_button),
                margin=MARGIN + 4,
                spacing=10,
            )
        )
        self.setMinimumWidth(440)
        self._show_state()

    # ------------------------------------------------------------------ the counter screen
    def place_screen(self) -> None:
        """Full screen on the chosen monitor; on top of the staff's windows when it shares theirs."""
        if not self.screen_view.isVisible() and self.session is None:
            return  # not started yet: placed when a task starts
        screens = QGuiApplication.screens()
        index = min(max(self.screen_combo.currentIndex(), 0), len(screens) - 1)
        screen = screens[index]
        shared = screen is QGuiApplication.primaryScreen()
        view = self.screen_view
        view.setWindowFlag(Qt.WindowStaysOnTopHint, shared)
        view.setScreen(screen)
        view.setGeometry(screen.geometry())
        view.showFullScreen()

    def _screens_changed(self, *_args) -> None:
        """The list follows the monitors; the counter moves to a second one plugged in (or back to
        the only one left)."""
        self.screen_combo.blockSignals(True)
        self.screen_combo.clear()
        self.screen_combo.addItems(screen_names())
        self.screen_combo.setCurrentIndex(default_screen_index())
        self.screen_combo.blockSignals(False)
        if self.screen_view.isVisible():
            self.place_screen()

    def start(self, task_id: int) -> bool:
        """Put ``task_id``'s questionnaire on the counter; asks before replacing a customer's
        answers in progress. False when not started (refused or cancelled)."""
        if self.answering():
            if self.session.task_id == task_id:
                self.raise_and_show()
                return True
            if not confirm(self, f"柜台正在为{self.session.who}填写问卷，放弃客户已填的答案，改为新的任务？"):
                return False
        try:
            session = counter.start(task_id)
        except UserError as err:
            show_error(self, str(err))
            return False
        self.session = session
        self.place_screen()
        self.screen_view.begin(session)
        self._poll.start()
        self._show_state()
        self.raise_and_show()
        self.ctx.events.status_message.emit(f"柜台屏幕已打开问卷：{session.who}")
        return True

    def answering(self) -> bool:
        """A customer is in the middle of the questionnaire."""
        return self.session is not None and self.screen_view.state() in ("question", "final", "still")

    def raise_and_show(self) -> None:
        self.show()
        self.raise_()

    def cancel_session(self) -> None:
        if self.session is None:
            return
        if self.answering() and not confirm(
            self, "放弃客户在柜台屏幕上已填的答案，回到空闲画面？"
        ):
            return
        self.session = None
        self._poll.stop()
        self.screen_view.show_idle()
        self._show_state()

    def end(self) -> None:
        """Close the counter screen and this window (asks when a customer is answering)."""
        if self.answering() and not confirm(
            self, "柜台屏幕上的客户还没有提交，结束柜台模式会丢弃已填的答案。确定结束？"
        ):
            return
        self.session = None
        self._poll.stop()
        self.screen_view.may_close = True
        self.screen_view.close()
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        global _current
        if self.screen_view.isVisible() and not self.screen_view.may_close:
            self.end()
            if self.screen_view.isVisible():
                event.ignore()
                return
        if _current is self:
            _current = None
        event.accept()

    # ------------------------------------------------------------------ what happened
    def _submitted(self, visit_id: int) -> None:
        who = self.session.who if self.session else ""
        self.session = None
        self._poll.stop()
        self._show_state(f"客户已提交：{who}，回访记录 #{visit_id} 已保存，任务已完成。")
        self.ctx.events.visits_changed.emit()
        self.ctx.events.status_message.emit(f"柜台自助评价已保存（回访记录 #{visit_id}）")

    def _abandoned(self) -> None:
        who = self.session.who if self.session else ""
        self.session = None
        self._poll.stop()
        self._show_state(f"客户长时间未操作，柜台已回到空闲画面：{who}（答案未保存，可重新开始）。")

    def _closed_elsewhere(self, text: str) -> None:
        self.session = None
        self._poll.stop()
        self._show_state(f"这份问卷已不能在柜台提交：{text}")
        self.ctx.events.visits_changed.emit()

    def _check_link(self) -> None:
        """A tablet or phone that scanned the QR submitted: the counter says thank you."""
        if self.session is None:
            self._poll.stop()
            return
        state = counter.state(self.session)
        if state != links.OPEN:
            who = self.session.who
            self.session = None
            self._poll.stop()
            self.screen_view.show_thanks(counter.closed_text(state) if state != links.USED else "")
            self._show_state(f"客户已用平板或手机提交：{who}。" if state == links.USED else counter.closed_text(state))
            self.ctx.events.visits_changed.emit()

    def _show_state(self, text: str = "") -> None:
        session = self.session
        if session is not None:
            text = f"客户填写中：{session.who}"
        elif not text:
            text = "空闲：柜台屏幕显示店名。在“回访任务”中选择任务，点“柜台填写”开始。"
        self.state_label.setText(text)
        self.cancel_button.setEnabled(session is not None)
        survey_on = bool(app_settings.get("survey_enabled"))
        if session is not None and survey_on:
            self.qr_label.setPixmap(qr_pixmap(session.url))
            self.qr_label.show()
            self.qr_note.setText(f"也可让客户用平板或手机扫码填写（同一链接，只能提交一次）：\n{session.url}")
        else:
            self.qr_label.clear()
            self.qr_label.hide()
            self.qr_note.setText(
                "" if survey_on else "在“设置 → 扫码评价”中开启后，这里会显示任务的二维码，客户也可用平板或手机填写。"
            )


def open_counter(ctx: AppContext, task_id: int, parent=None) -> CounterPanel | None:
    """Start ``task_id`` on the app's counter screen (made on first use); the panel, or None
    when it did not start."""
    global _current
    panel = current_panel()
    if panel is None:
        panel = _current = CounterPanel(ctx, parent.window() if parent is not None else None)
    return panel if panel.start(task_id) else None


def current_panel() -> CounterPanel | None:
    """The app's counter panel, None before the first use or once its window is gone."""
    return _current if _current is not None and isValid(_current) else None
