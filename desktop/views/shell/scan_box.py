"""扫码录入: the box in the main window's toolbar that takes a form's code and opens it.

A USB barcode scanner is a keyboard: it types the code fast and (usually) presses Enter. The
box opens the task's form with 纸质表录入 on, ready for typing the paper's answers (keys 1–5 per
row), or the saved visit. Scanners set up without the Enter suffix are caught too: a complete,
valid code typed at scanner speed opens by itself after a short pause. Anything else gets a clear
Chinese message under the box, and the text stays selected so the next scan replaces it.
Ctrl+L (set by the main window) puts the cursor in the box; a scan typed while the cursor is
anywhere else in the window (the answer grid …) is caught by ``ScannerFilter`` and opened here. A role that may not fill forms in
(只读) scans to look: the task's form opens without 纸质表录入, and the box says who may enter the
answers.
"""

import time

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QSizePolicy, QWidget

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError
from desktop.services.visits import qrcodes

from ..common.context import AppContext
from ..common.widgets import deny_tooltip, hbox

SCANNER_KEY_GAP_S = 0.05  # a scanner types a character every few ms; people take 100+ ms
SCANNER_IDLE_MS = 300  # no Enter from the scanner: open this long after the last character
MIN_SCANNED_CHARS = 12
OK_MESSAGE_MS = 8000  # a success line fades after this; an error stays until the next input
OK_STYLE = "color: #1b5e20;"
ERROR_STYLE = "color: #c62828; font-weight: bold;"
SCAN_TIP = (
    "用扫码枪扫描纸质回访表右上角的二维码（或手工输入二维码下方的编号后按回车）：\n"
    "空白表打开对应任务的回访表，直接按 1–5 录入纸质表的答案；已填写的表打开该回访记录。\n"
    "快捷键 Ctrl+L"
)
VIEWER_SCAN_TIP = (
    "用扫码枪扫描纸质回访表右上角的二维码（或手工输入二维码下方的编号后按回车），\n"
    "打开对应的回访表或回访记录查看。\n{deny}\n快捷键 Ctrl+L"
)


class ScanBox(QWidget):
    """``opened(target)`` after a code was opened (a ``qrcodes.ScanTarget``); ``failed(message)``."""

    opened = Signal(object)
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.label = QLabel("扫码录入：")
        self.edit = QLineEdit()
        self.edit.setObjectName("scanEdit")
        self.edit.setPlaceholderText("扫描回访表上的二维码，或输入 HUIFANG:TASK:12")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(260)
        self.edit.setToolTip(SCAN_TIP)
        self.open_button = QPushButton("打开")
        self.open_button.clicked.connect(self.submit)
        self.print_button = QPushButton("打印今日空白表…")
        self.print_button.setToolTip(
            "把“今日”待回访任务的空白回访表一次打印出来：每个任务一份，抬头已填好，带任务二维码，"
            "签字回收后扫码即可录入"
        )
        self.print_button.clicked.connect(self.print_due_forms)
        self.message = QLabel()
        self.message.setObjectName("scanMessage")
        self.message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit.returnPressed.connect(self.submit)
        self.edit.textEdited.connect(self._typed)
        self._times: list[float] = []
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(SCANNER_IDLE_MS)
        self._idle.timeout.connect(self._scanner_pause)
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.setInterval(OK_MESSAGE_MS)
        self._fade.timeout.connect(self.message.clear)
        self.setLayout(
            hbox(self.label, self.edit, self.open_button, self.message, self.print_button, spacing=6)
        )
        self._follow_role()

    def clear(self) -> None:
        """Forget what was typed or scanned and the last message (a new person signs in)."""
        self.edit.clear()
        self.message.clear()
        self._follow_role()

    @staticmethod
    def may_enter() -> bool:
        """Whether the signed-in person may type a paper form's answers in (not 只读)."""
        return accounts.can(accounts.CALL)

    def _follow_role(self) -> None:
        """扫码录入 for those who fill forms in, 扫码查看 for a role that only looks."""
        enter = self.may_enter()
        self.label.setText("扫码录入：" if enter else "扫码查看：")
        deny = deny_tooltip(accounts.CALL, "录入纸质表的答案")
        self.edit.setToolTip(SCAN_TIP if enter else VIEWER_SCAN_TIP.format(deny=deny + "。"))

    def focus_input(self) -> None:
        """Ctrl+L: cursor into the box, its text selected (the next scan replaces it)."""
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    # -- scanner speed
    def _typed(self, text: str) -> None:
        now = time.monotonic()
        if self.message.text():
            self.message.clear()  # a new scan: the last message no longer applies
        if not text:
            self._times = []
        else:
            self._times.append(now)
            self._times = self._times[-len(text) :]
        self._idle.start()

    def typed_by_scanner(self) -> bool:
        """Was the current text typed at scanner speed (not by a person)?"""
        times = self._times
        if len(times) < MIN_SCANNED_CHARS or len(times) < len(self.edit.text()) * 0.8:
            return False
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        return bool(gaps) and sum(gaps) / len(gaps) < SCANNER_KEY_GAP_S

    def _scanner_pause(self) -> None:
        text = self.edit.text()
        if not text.strip() or not self.typed_by_scanner():
            return  # a person typing: wait for Enter
        try:
            qrcodes.parse_code(text)
        except UserError:
            return  # incomplete or not ours: Enter shows the message
        self.submit()

    # -- opening
    def submit(self, _checked: bool = False, text: str | None = None) -> bool:
        """Open the code in the box (or ``text``); False (with a message) when it cannot be."""
        self._idle.stop()
        text = self.edit.text() if text is None else text
        try:
            target = qrcodes.lookup(text)
        except UserError as err:
            self.show_message(str(err), error=True)
            self.edit.setFocus()
            self.edit.selectAll()
            self.failed.emit(str(err))
            QApplication.beep()
            return False
        self.edit.clear()
        self._times = []
        message = target.message
        if target.task_id is None:
            page = {"visit_id": target.visit_id}
        elif self.may_enter():
            page = {"task_id": target.task_id, "paper": True}
        else:  # 只读: the form to look at, no 纸质表录入
            page = {"task_id": target.task_id}
            deny = deny_tooltip(accounts.CALL, "录入纸质表的答案")
            message = f"已打开回访任务 #{target.task_id} 的回访表（仅供查看）。{deny}。"
        self.show_message(message)
        self.ctx.events.open_page.emit("visit_form", page)
        self.ctx.events.status_message.emit(message)
        self.opened.emit(target)
        return True

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        self.message.setText(text)
        self.message.setToolTip(text)
        if error:
            self._fade.stop()
        else:
            self._fade.start()

    # -- printing the day's blank forms
    def print_due_forms(self) -> None:
        """Preview (and from there print) the blank forms of today's tasks as one job."""
        from desktop.services.visits.forms import due_task_ids

        from ..common.widgets import show_info
        from ..printing.visit_form_print import preview_task_forms

        ids = due_task_ids()
        if not ids:
            show_info(self, "今天没有待回访的任务，不需要打印空白表。", "打印今日空白表")
            return
        preview_task_forms(self, ids)


# ---------------------------------------------------------------- a scan wherever the cursor is
SCAN_PREFIX = f"{qrcodes.PREFIX}:"
SCAN_BURST_GAP_S = 0.05  # a scanner types a key every few ms (< 30 ms); a person takes 100+ ms
SCAN_MAX_CHARS = 40


def _could_be_code(text: str) -> bool:
    """``text`` is the start of one of our codes (HUIFANG:TASK:12)."""
    upper = text.upper()
    if len(upper) > SCAN_MAX_CHARS:
        return False
    if len(upper) <= len(SCAN_PREFIX):
        return SCAN_PREFIX.startswith(upper)
    return upper.startswith(SCAN_PREFIX) and all(c.isascii() and (c.isalnum() or c == ":") for c in upper)


class ScannerFilter(QObject):
    """Catches a code typed by a USB scanner wherever the focus is in ``window`` (the answer
    grid, a search box …) and hands it to 扫码录入 (``box.submit``) instead of the focused widget.

    A burst that starts with H, comes faster than ``SCAN_BURST_GAP_S`` per key, reads as the
    start of HUIFANG: and ends with Enter (or simply stops, complete) is a scan: its keys never
    reach the widget. Anything else is given back at once, in order, to the widget that had the
    focus — a person's "h" arrives at most ``SCAN_BURST_GAP_S`` late, other keys are not held.
    """

    def __init__(self, window: QWidget, box: "ScanBox"):
        super().__init__(window)
        self.window, self.box = window, box
        self._keys: list[tuple[QWidget, int, Qt.KeyboardModifier, str]] = []  # held back
        self._last = 0.0
        self._replaying = False
        self._passed: tuple | None = None  # (widget, key, text) of the last press let through
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(SCAN_BURST_GAP_S * 1000))
        self._timer.timeout.connect(self._burst_ended)
        # The filter sits on the focused widget (where a key press goes first) and on the window
        # (a press nobody takes), following the focus: an application-wide filter would run this
        # Python method for every event of the program — thousands while a page is built.
        self._focused: QWidget | None = None
        window.installEventFilter(self)
        app = QApplication.instance()
        app.focusChanged.connect(self._focus_moved)
        self._focus_moved(None, app.focusWidget())

    def _focus_moved(self, _old, now) -> None:
        focused = self._focused
        if focused is not None and focused is not self.window and shiboken6.isValid(focused):
            focused.removeEventFilter(self)
        self._focused = now
        if now is not None and now is not self.window:
            now.installEventFilter(self)

    def held_text(self) -> str:
        return "".join(text for _w, _k, _m, text in self._keys)

    def _watching(self, target: QWidget) -> bool:
        return (
            shiboken6.isValid(self.window)
            and target.window() is self.window
            and QApplication.activeModalWidget() is None
            and target is not self.box.edit  # the box reads scans typed into it itself
        )

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        kind = event.type()
        if (
            self._replaying
            or kind not in (QEvent.KeyPress, QEvent.KeyRelease)
            or not isinstance(obj, QWidget)
        ):
            return False
        if kind == QEvent.KeyRelease:
            return bool(self._keys)  # the releases of held keys (given back as press + release)
        key, text = event.key(), event.text()
        passed = self._passed
        if (
            passed is not None
            and obj is not passed[0]
            and shiboken6.isValid(passed[0])
            and obj.isAncestorOf(passed[0])
            and (key, text) == passed[1:]
        ):
            return False  # the same press, handed on to the parent: already seen
        self._passed = None
        target = obj  # the first widget a press goes to: the focused one
        plain = not (event.modifiers() & ~(Qt.ShiftModifier | Qt.KeypadModifier))
        now = time.monotonic()
        if self._keys:
            fast = now - self._last <= SCAN_BURST_GAP_S
            if fast and plain and key in (Qt.Key_Return, Qt.Key_Enter):
                if self._take_code():
                    return True
            elif fast and plain and text and _could_be_code(self.held_text() + text):
                self._hold(target, event, now)
                return True
            self._give_back()
        if text in ("H", "h") and plain and not event.isAutoRepeat() and self._watching(target):
            self._hold(target, event, now)
            return True
        self._passed = (obj, key, text)
        return False

    def _hold(self, target: QWidget, event, now: float) -> None:
        self._keys.append((target, event.key(), event.modifiers(), event.text()))
        self._last = now
        self._timer.start()

    def _take_code(self) -> bool:
        """The held keys are a whole code: open it (after this key event is done)."""
        text = self.held_text()
        try:
            qrcodes.parse_code(text)
        except UserError:
            return False
        self._keys = []
        self._timer.stop()
        QTimer.singleShot(0, self, lambda: self.box.submit(text=text))
        return True

    def _burst_ended(self) -> None:
        """No key for a while: a complete code (a scanner without Enter) opens, else the keys
        go to the widget they were typed into."""
        if len(self._keys) >= MIN_SCANNED_CHARS and self._take_code():
            return
        self._give_back()

    def _give_back(self) -> None:
        keys, self._keys = self._keys, []
        self._timer.stop()
        self._replaying = True
        try:
            for target, key, modifiers, text in keys:
                if not shiboken6.isValid(target):
                    continue
                for kind in (QEvent.KeyPress, QEvent.KeyRelease):
                    QApplication.sendEvent(target, QKeyEvent(kind, key, modifiers, text))
        finally:
            self._replaying = False
