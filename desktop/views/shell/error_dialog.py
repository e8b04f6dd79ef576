"""The last line of defence in the GUI: an unexpected error shows a Chinese dialog (what happened,
what to do, 复制详情) and its traceback goes to the log file (desktop.services.common.logs).

``ExceptionHook`` is installed as ``sys.excepthook`` and ``threading.excepthook`` by
``desktop.app.create_qapp``. pytest-qt swaps ``sys.excepthook`` for its own during each test, so a
test still fails on an exception in a slot; the hook here only runs when nothing replaced it.
"""

import logging
import sys
import threading
import traceback

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
)

from desktop import APP_NAME

log = logging.getLogger(__name__)

TITLE = "程序出错"


def _what_to_do(log_file) -> str:
    where = f"详细信息已记入日志文件：{log_file}。" if log_file else ""
    return (
        "已保存的数据不受影响；正在填写、尚未保存的内容可能没有保存。\n"
        "请先保存手头的工作；如果程序工作不正常，请关闭后重新打开。\n"
        f"问题反复出现时，请点“复制详情”，把内容发给技术支持。{where}"
    )


class ErrorDialog(QDialog):
    """What happened (one line), what to do, and the traceback behind 显示详情 / 复制详情."""

    def __init__(self, summary: str, details: str, log_file=None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setObjectName("errorDialog")
        self.details = details
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxCritical).pixmap(32, 32))
        self.summary_label = QLabel(f"<b>{APP_NAME}遇到了一个意外错误：</b><br>{_escape(summary)}")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.advice_label = QLabel(_what_to_do(log_file))
        self.advice_label.setWordWrap(True)
        self.details_box = QPlainTextEdit(details)
        self.details_box.setReadOnly(True)
        self.details_box.setVisible(False)
        self.details_box.setMinimumHeight(160)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("复制详情")
        self.copy_button.clicked.connect(self.copy_details)
        self.toggle_button = QPushButton("显示详情")
        self.toggle_button.clicked.connect(self._toggle_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        buttons.addButton(self.toggle_button, QDialogButtonBox.ActionRole)
        self.close_button = buttons.addButton("关闭", QDialogButtonBox.AcceptRole)
        buttons.accepted.connect(self.accept)
        icon.setAlignment(Qt.AlignTop)
        text = QVBoxLayout()
        text.addWidget(self.summary_label)
        text.addWidget(self.advice_label)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details_box, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText("已复制")

    def _toggle_details(self) -> None:
        shown = not self.details_box.isVisible()
        self.details_box.setVisible(shown)
        self.toggle_button.setText("隐藏详情" if shown else "显示详情")
        self.adjustSize()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")


class _ToGuiThread(QObject):
    """Carries an error from a worker thread to the GUI thread (queued signal)."""

    raised = Signal(str, str)


class ExceptionHook:
    """``sys.excepthook`` / ``threading.excepthook``: log the traceback, then show the dialog
    (GUI thread, one at a time; an error while the dialog is up is logged only). With
    ``show_dialog`` False (command-line runs that draw offscreen, where nobody could answer a
    dialog) the error goes to stderr instead."""

    def __init__(self, show_dialog: bool = False):
        self.show_dialog = show_dialog
        self.previous = None  # hooks that were installed before (e.g. pytest's): still called
        self.previous_thread = None
        self.showing = False
        self.dialogs_shown = 0
        self._bridge = _ToGuiThread()
        self._bridge.raised.connect(self._show, Qt.QueuedConnection)

    def __call__(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self._report(exc_type, exc, tb, thread=None)
        if self.previous is not None:
            self.previous(exc_type, exc, tb)

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self._report(args.exc_type, args.exc_value, args.exc_traceback, thread=args.thread)
        if self.previous_thread is not None:
            self.previous_thread(args)

    def _report(self, exc_type, exc, tb, thread) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        where = f"（线程 {thread.name}）" if thread is not None else ""
        log.error("未处理的错误%s\n%s", where, details.rstrip())
        from desktop.services.common import logs

        logs.flush()
        summary = f"{exc_type.__name__}：{exc}" if str(exc) else exc_type.__name__
        app = QApplication.instance()
        if not self.show_dialog or app is None:
            if self.previous is None:  # a previous hook prints it already
                sys.stderr.write(details)
            return
        if threading.current_thread() is threading.main_thread():
            self._show(summary, details)
        else:
            self._bridge.raised.emit(summary, details)

    def _show(self, summary: str, details: str) -> None:
        if self.showing:  # an error while the dialog is up (e.g. a timer firing): logged only
            return
        from desktop.services.common import logs

        self.showing = True
        try:
            dialog = ErrorDialog(summary, details, logs.current_log(), QApplication.activeWindow())
            self.dialogs_shown += 1
            dialog.exec()
            dialog.deleteLater()
        finally:
            self.showing = False
