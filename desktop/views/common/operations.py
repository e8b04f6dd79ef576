"""Running slow work off the GUI thread: the project's one background helper.

Two ways in, on the same worker (a ``QThread`` running ``job(report)``, which closes its own
database connection at the end — peewee keeps one SQLite connection per thread):

* ``run_with_progress(parent, title, job)`` blocks the caller (a modal progress dialog with a
  cancel button, an event loop running meanwhile): ``report(done, total, text)`` updates the
  dialog and raises ``Cancelled`` once the user pressed cancel (so the job's transaction rolls
  back). Returns the job's result, or None if cancelled; an exception from the job is re-raised in
  the GUI thread.
* ``start_in_background(job, on_done, on_error=None)`` returns at once with a ``Background``
  handle; ``on_done(result)`` (or ``on_error(exc)``) runs later in the GUI thread. A page fills in
  with placeholders first and shows the figures when they arrive. ``Latest`` keeps one request per
  page: a newer one cancels the older, whose result is dropped. ``on_progress`` shows the job's
  reports (a page's own progress bar). ``cancel()`` makes the job's next ``report()`` raise
  ``Cancelled`` and drops its result; callbacks that are bound methods of a deleted widget are not
  called (a page closed while loading). Every job still running is
  cancelled and waited for when the application quits (``wait_all``).
"""

import atexit
import threading
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QThread, Signal, Slot
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


# ---------------------------------------------------------------- without a dialog
_running: set["Background"] = set()  # kept alive until their thread has ended
_quit_hooked = False


class Background(QObject):
    """One job on its own thread, reporting to the GUI thread (see ``start_in_background``)."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)  # the job's report(done, total, text), in the GUI thread

    def __init__(self, job: Callable, name: str = "", owner: QObject | None = None):
        super().__init__()
        self.name = name
        self._owner = owner
        if owner is not None:  # a page closed while its job runs: the result is dropped
            owner.destroyed.connect(self.cancel)
        self.cancelled = False
        self.done = False
        self._thread = QThread()
        self._worker = _Worker(job)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        # the thread ends with its job (quit is thread-safe); self lives in the GUI thread: the
        # queued call runs _finish there
        self._worker.finished.connect(self._thread.quit, Qt.DirectConnection)
        self._worker.finished.connect(self._finish, Qt.QueuedConnection)
        self._worker.progress.connect(self._progress, Qt.QueuedConnection)

    def start(self) -> "Background":
        global _quit_hooked
        app = QCoreApplication.instance()
        if not _quit_hooked:  # no thread may outlive the application (Qt aborts the process)
            if app is not None:
                app.aboutToQuit.connect(wait_all)
            atexit.register(wait_all)
            _quit_hooked = True
        _running.add(self)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Drop the result; the job stops at its next ``report()`` (a query already running
        finishes first, in the background)."""
        self.cancelled = True
        self._worker.cancel_requested = True

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the thread has ended and deliver its result now (tests, quitting)."""
        self._thread.quit()  # once the job returns (if its finished signal has not yet done it)
        ended = self._thread.wait(timeout_ms)
        if ended:
            self._finish()
        return ended

    @property
    def running(self) -> bool:
        return not self.done

    @Slot(int, int, str)
    def _progress(self, done: int, total: int, text: str) -> None:
        if not self.cancelled and not self.done:
            self.progressed.emit(done, total, text)

    @Slot()
    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        self._thread.quit()
        self._thread.wait()
        _running.discard(self)
        error = self._worker.error
        if self.cancelled or isinstance(error, Cancelled):
            return
        if self._owner is not None and not shiboken6.isValid(self._owner):
            return
        if error is not None:
            self.failed.emit(error)
        else:
            self.succeeded.emit(self._worker.result)


def start_in_background(
    job: Callable,
    on_done: Callable,
    on_error: Callable | None = None,
    *,
    owner: QObject | None = None,
    name: str = "",
    on_progress: Callable | None = None,
) -> Background:
    """Run ``job(report)`` on a worker thread and return at once; ``on_done(result)`` or
    ``on_error(exception)`` then runs in the GUI thread (without ``on_error`` the exception goes
    to ``sys.excepthook``) — unless ``owner`` (the page asking) was deleted meanwhile.
    ``report(done, total, text)`` checks for cancellation and, given ``on_progress``, calls
    ``on_progress(done, total, text)`` in the GUI thread (a page's own progress bar)."""
    task = Background(job, name, owner)
    task.succeeded.connect(on_done)
    if on_progress is not None:
        task.progressed.connect(on_progress)
    if on_error is not None:
        task.failed.connect(on_error)
    else:
        task.failed.connect(_raise_in_gui)
    return task.start()


def _raise_in_gui(error: BaseException) -> None:
    import sys

    sys.excepthook(type(error), error, error.__traceback__)


def in_gui_thread() -> bool:
    """True on the thread the QApplication runs on (where a job must never run)."""
    app = QCoreApplication.instance()
    if app is None:
        return threading.current_thread() is threading.main_thread()
    return QThread.currentThread() == app.thread()


def running_jobs() -> list[Background]:
    return list(_running)


def wait_all(timeout_ms: int = 60_000, *, cancel: bool = True) -> None:
    """Cancel (unless ``cancel=False``) and wait for every job still running: at quit, so no
    thread outlives the database connection, and between tests."""
    for task in list(_running):
        if cancel:
            task.cancel()
        task.wait(timeout_ms)


class Latest:
    """The one request a page has in flight: ``start`` cancels the one before (its result would
    be stale — the filters changed while it was loading)."""

    def __init__(self, owner: QObject | None = None):
        self.owner = owner
        self.task: Background | None = None

    def start(self, job: Callable, on_done: Callable, on_error: Callable | None = None) -> Background:
        self.cancel()
        self.task = start_in_background(job, on_done, on_error, owner=self.owner)
        return self.task

    def cancel(self) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()
        self.task = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done
