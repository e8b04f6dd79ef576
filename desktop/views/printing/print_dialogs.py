"""The print preview and the printer dialog, shared by every printable document (回访表, 改进方案表,
表1, 调查报告): each passes its own ``render(device)`` function and the name of its print job.

Qt's print dialogs keep only a pointer to the QPrinter they are given. A printer made for one
call (``QPrintPreviewDialog(new_printer(), parent)``) is freed by Python as soon as the
expression ends, and the dialog then paints on freed memory (a segfault). So the dialogs here are
subclasses that hold their printer for their whole life, and the preview is deleted (with its
page pictures) as soon as it closes, so no dialog outlives the call that made it.
"""

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog, QPrintPreviewWidget

log = logging.getLogger(__name__)


def new_printer(*, landscape: bool = False, job_name: str = "") -> QPrinter:
    """A high-resolution A4 printer that paints the whole page (the renderers set margins).
    ``job_name`` names the print job (the Windows print queue and a PDF's title show it)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    printer.setPageOrientation(orientation)
    printer.setFullPage(True)
    if job_name:
        printer.setDocName(job_name)
    return printer


class PrintPreview(QPrintPreviewDialog):
    """A QPrintPreviewDialog that keeps its printer alive as long as the dialog itself."""

    def __init__(self, printer: QPrinter, parent=None):
        super().__init__(printer, parent)
        self._printer = printer  # Qt holds a bare pointer: this reference is what keeps it alive

    def preview_widget(self) -> QPrintPreviewWidget | None:
        return self.findChild(QPrintPreviewWidget)

    def page_count(self) -> int:
        widget = self.preview_widget()
        return widget.pageCount() if widget is not None else 0


class PrintDialog(QPrintDialog):
    """A QPrintDialog that keeps its printer alive as long as the dialog itself."""

    def __init__(self, printer: QPrinter, parent=None):
        super().__init__(printer, parent)
        self._printer = printer


def _job_printer(printer: QPrinter | None, job_name: str) -> QPrinter:
    printer = printer or new_printer()
    if job_name:
        printer.setDocName(job_name)
    return printer


def show_preview(
    parent,
    title: str,
    render: Callable,
    *,
    printer: QPrinter | None = None,
    size=(900, 1000),
    job_name: str = "",
) -> int:
    """The print preview (its toolbar can print, as the job ``job_name``); returns the number of
    pages it showed, after it closes (the dialog is deleted then)."""
    dialog = PrintPreview(_job_printer(printer, job_name), parent)
    dialog.setWindowTitle(f"打印预览 — {title}")
    dialog.paintRequested.connect(render)
    dialog.resize(*size)
    try:
        dialog.exec()
        return dialog.page_count()
    finally:
        dialog.deleteLater()


def print_with_dialog(
    parent, title: str, render: Callable, *, printer: QPrinter | None = None, job_name: str = ""
) -> bool:
    """Ask for a printer, then print (as the job ``job_name``); False when the user cancels."""
    printer = _job_printer(printer, job_name)
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and job_name:
        # no system printer (打印到文件): offer the job's name as the file's name
        printer.setOutputFileName(str(Path.home() / f"{job_name}.pdf"))
    dialog = PrintDialog(printer, parent)
    dialog.setWindowTitle(f"打印 — {title}")
    try:
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
        printer.setFullPage(True)
        if job_name:
            printer.setDocName(job_name)  # the dialog may have reset it
        log.info("打印 %s 到 %s", printer.docName() or title, printer.printerName() or printer.outputFileName())
        render(printer)
        return True
    finally:
        dialog.deleteLater()
