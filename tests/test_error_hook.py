"""An unexpected error in the GUI shows a Chinese dialog (what happened, what to do, 复制详情)
and goes to the rotating log file in the data folder (issue 11 item 8)."""

import functools
import logging
import threading
from logging.handlers import RotatingFileHandler

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton

from desktop.app import exception_hook
from desktop.paths import data_dir
from desktop.services.common import logs
from desktop.views.shell.error_dialog import ErrorDialog


class Boom(RuntimeError):
    pass


def _raise_in_slot():
    raise Boom("模拟的意外错误 42")


@pytest.fixture
def gui_hook(qapp, monkeypatch):
    """The hook as the GUI has it (``create_qapp(interactive=True)`` in run_gui): dialogs on."""
    import sys

    hook = exception_hook()
    monkeypatch.setattr(hook, "show_dialog", True)
    if not pytest_qt_captures():
        assert sys.excepthook is hook  # installed by create_qapp
    return hook


def pytest_qt_captures() -> bool:
    import sys

    return isinstance(sys.excepthook, functools.partial)


def test_the_log_file_is_in_the_data_folder_and_rotates(qapp):
    path = logs.current_log()
    assert path == data_dir() / "huifang.log"
    handler = next(h for h in logging.getLogger("desktop").handlers if isinstance(h, RotatingFileHandler))
    assert handler.maxBytes == 1_000_000 and handler.backupCount == 5


@pytest.mark.qt_no_exception_capture
def test_error_in_a_slot_shows_a_chinese_dialog_and_is_logged(qtbot, gui_hook):
    seen: dict = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ErrorDialog):
            QTimer.singleShot(20, answer)
            return
        seen["title"] = dialog.windowTitle()
        seen["text"] = dialog.summary_label.text() + dialog.advice_label.text()
        seen["buttons"] = [b.text() for b in dialog.findChildren(QPushButton)]
        dialog.copy_button.click()
        seen["clipboard"] = QGuiApplication.clipboard().text()
        dialog.close_button.click()

    before = gui_hook.dialogs_shown
    QTimer.singleShot(0, answer)
    QTimer.singleShot(0, _raise_in_slot)  # raised inside Qt's event loop, as a slot would
    qtbot.waitUntil(lambda: "clipboard" in seen, timeout=5000)
    assert gui_hook.dialogs_shown == before + 1
    assert seen["title"] == "程序出错"
    assert "意外错误" in seen["text"] and "模拟的意外错误 42" in seen["text"]
    assert "重新打开" in seen["text"] and "复制详情" in seen["text"]  # what to do
    assert "复制详情" in seen["buttons"] and "关闭" in seen["buttons"]
    assert "Traceback" in seen["clipboard"] and "_raise_in_slot" in seen["clipboard"]
    logs.flush()
    text = logs.current_log().read_text(encoding="utf-8")
    assert "未处理的错误" in text and "Boom: 模拟的意外错误 42" in text and "_raise_in_slot" in text


@pytest.mark.qt_no_exception_capture
def test_an_error_while_the_dialog_is_up_is_logged_not_stacked(qtbot, gui_hook):
    """A timer that keeps failing must not open dialog upon dialog."""
    seen: dict = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ErrorDialog):
            QTimer.singleShot(20, answer)
            return
        if "second" not in seen:
            seen["second"] = True
            QTimer.singleShot(0, _raise_in_slot)  # fails again while the dialog is open
            QTimer.singleShot(100, answer)
            return
        seen["modals"] = len([w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()])
        dialog.close_button.click()
        seen["done"] = True

    before = gui_hook.dialogs_shown
    QTimer.singleShot(0, answer)
    QTimer.singleShot(0, _raise_in_slot)
    qtbot.waitUntil(lambda: "done" in seen, timeout=5000)
    assert seen["modals"] == 1
    assert gui_hook.dialogs_shown == before + 1
    logs.flush()
    assert logs.current_log().read_text(encoding="utf-8").count("Boom: 模拟的意外错误 42") >= 2


def test_pytest_qt_still_sees_errors_in_slots(qtbot, gui_hook):
    """During a test pytest-qt's own hook is in charge: the error is captured for the test and no
    dialog blocks the run."""
    before = gui_hook.dialogs_shown
    with qtbot.captureExceptions() as exceptions:
        QTimer.singleShot(0, _raise_in_slot)
        qtbot.wait(50)
    assert [type(e[1]) for e in exceptions] == [Boom]
    assert gui_hook.dialogs_shown == before


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_error_in_a_worker_thread_is_logged(qtbot, qapp, monkeypatch):
    monkeypatch.setattr(exception_hook(), "show_dialog", False)  # logged only: nobody answers here

    def work():
        raise Boom("后台线程出错 7")

    hook = exception_hook()
    assert threading.excepthook == hook.thread_hook
    assert hook.previous_thread is not None  # pytest's own thread hook still hears it
    worker = threading.Thread(target=work, name="导出线程")
    worker.start()
    worker.join()
    logs.flush()
    text = logs.current_log().read_text(encoding="utf-8")
    assert "导出线程" in text and "后台线程出错 7" in text


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_error_in_a_worker_thread_shows_the_dialog_on_the_gui_thread(qtbot, gui_hook):
    seen: dict = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ErrorDialog):
            QTimer.singleShot(20, answer)
            return
        seen["gui thread"] = threading.current_thread() is threading.main_thread()
        seen["text"] = dialog.summary_label.text()
        dialog.close_button.click()

    def work():
        raise Boom("后台线程出错 8")

    QTimer.singleShot(0, answer)
    worker = threading.Thread(target=work, name="备份线程")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: "text" in seen, timeout=5000)
    assert seen["gui thread"] and "后台线程出错 8" in seen["text"]
