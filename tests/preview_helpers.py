"""Driving Qt's real print dialogs from a test: the button is clicked, the real modal
QPrintPreviewDialog / QPrintDialog runs its own event loop, and a timer finds it as the active
modal widget, looks at it (every preview page painted) and closes or accepts it."""

import time
from dataclasses import dataclass, field

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox


@dataclass
class PreviewSeen:
    """What the real preview dialog showed before the timer closed it."""

    title: str = ""
    job_name: str = ""
    pages: int = 0
    images: list[QImage] = field(default_factory=list)  # each page as painted in the dialog
    message: str = ""  # the text of a message box that came instead of (or after) the dialog
    file_name: str = ""  # the print dialog's output file name as it opened


def ink(image: QImage, step: int = 2) -> int:
    """Dark pixels (text, grid lines) in ``image``, sampled every ``step`` pixels."""
    return sum(
        1
        for y in range(0, image.height(), step)
        for x in range(0, image.width(), step)
        if QColor(image.pixel(x, y)).lightness() < 90
    )


def _when_modal(kind, act, seen, timeout: float):
    """Poll until a modal ``kind`` is up, then ``act(dialog)``; a message box (before or after)
    is recorded and closed; after ``timeout`` seconds whatever is modal is closed (the test then
    fails). Returns ``stop()``, to call once the trigger has returned."""
    deadline = time.monotonic() + timeout
    state = {"acted": False, "stopped": False}

    def poll() -> None:
        if state["stopped"]:
            return
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible() and not state["acted"]:
            state["acted"] = True
            act(widget)
        elif isinstance(widget, QMessageBox):
            seen.message = widget.text()
            widget.reject()
        elif widget is not None and time.monotonic() > deadline:
            widget.reject()
        QTimer.singleShot(50, poll)

    QTimer.singleShot(0, poll)

    def stop() -> None:
        state["stopped"] = True

    return stop


def run_preview(trigger, *, timeout: float = 30) -> PreviewSeen:
    """Call ``trigger()`` (a click that opens a print preview), let the real preview paint every
    page, record it and close it from a timer. Returns what was seen."""
    seen = PreviewSeen()

    def look(dialog: QPrintPreviewDialog) -> None:
        widget = dialog.findChild(QPrintPreviewWidget)
        for _ in range(100):  # the preview lays out its pages after it is first shown
            if widget.pageCount():
                break
            QApplication.processEvents()
        seen.title = dialog.windowTitle()
        seen.job_name = dialog.printer().docName()
        seen.pages = widget.pageCount()
        widget.setViewMode(QPrintPreviewWidget.ViewMode.SinglePageView)
        widget.setZoomMode(QPrintPreviewWidget.ZoomMode.FitInView)
        for number in range(1, seen.pages + 1):
            widget.setCurrentPage(number)
            QApplication.processEvents()
            seen.images.append(widget.grab().toImage())  # paints the page in the dialog
        dialog.reject()

    stop = _when_modal(QPrintPreviewDialog, look, seen, timeout)
    try:
        trigger()
    finally:
        stop()
    return seen


def run_print_dialog(trigger, pdf_path, *, accept: bool = True, timeout: float = 30) -> PreviewSeen:
    """Call ``trigger()`` (a click that opens the printer chooser); from a timer, point the real
    QPrintDialog's printer at ``pdf_path`` (PDF output) and accept it, or cancel it."""
    seen = PreviewSeen()

    def answer(dialog: QPrintDialog) -> None:
        seen.title = dialog.windowTitle()
        seen.job_name = dialog.printer().docName()
        if not accept:
            dialog.reject()
            return
        seen.file_name = dialog.findChild(QLineEdit, "filename").text()
        # the user picks 打印到文件 (PDF) and types the file's name into the dialog
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.findChild(QLineEdit, "filename").setText(str(pdf_path))
        dialog.accept()

    stop = _when_modal(QPrintDialog, answer, seen, timeout)
    try:
        trigger()
    finally:
        stop()
    return seen
