"""Running slow work off the GUI thread with a progress dialog and a cancel button.

``run_with_progress(parent, title, job)`` runs ``job(report)`` in a worker thread, where
``report(done, total, text)`` updates the dialog and raises ``Cancelled`` once the user pressed
cancel (so the job's transaction rolls back). Returns the job's result, or None if cancelled;
an exception from the job is re-raised in the GUI thread.
"""

from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog


class Cancelled(Exception):
    """Raised inside a job when the user cancelled it."""


class _Worker(QObject):
    progress = Signal(int, int, str)
    finished = Signal()

    def __init__(self, job: Callable):
        super().__init__()
        self.job = job
        self.result = None
        self.error: BaseException | None = None
        self.cancel_requested = False

    def report(self, done: int, total: int, text: str = "") -> None:
        if self.cancel_requested:
            raise Cancelled()
        self.progress.emit(done, total, text)

    def run(self) -> None:
        try:
            self.result = self.job(self.report)
        except BaseException as exc:  # handed to the GUI thread
            self.error = exc
        finally:
            from desktop.models import db

            if db.obj is not None and not db.is_closed():
                db.close()  # this thread's connection
            self.finished.emit()


class _Relay(QObject):
    """Created in the GUI thread, so queued reports run there: a plain function connected to the
    worker's signal would run in the worker thread and touch the dialog from it."""

    def __init__(self, callback: Callable):
        super().__init__()
        self._callback = callback

    @Slot(int, int, str)
    def relay(self, done: int, total: int, text: str) -> None:
        self._callback(done, total, text)


def run_with_progress(parent, title: str, job: Callable, *, cancel_text: str = "取消"):
    dialog = QProgressDialog(title, cancel_text, 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    thread = QThread()
    worker = _Worker(job)
    worker.moveToThread(thread)

    def on_progress(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(text)

    def on_cancel() -> None:
        worker.cancel_requested = True
        dialog.setLabelText("正在取消…")

    loop = QEventLoop()
    relay = _Relay(on_progress)
    worker.progress.connect(relay.relay, Qt.QueuedConnection)
    worker.finished.connect(loop.quit, Qt.QueuedConnection)
    dialog.canceled.connect(on_cancel)
    thread.started.connect(worker.run)
    thread.start()
    loop.exec()
    thread.quit()
    thread.wait()
    dialog.close()
    dialog.deleteLater()
    if isinstance(worker.error, Cancelled):
        return None
    if worker.error is not None:
        raise worker.error
    return worker.result
