"""The print preview and the printer dialog, shared by every printable document (回访表, 改进方案表,
表1, 调查报告): each passes its own ``render(device)`` function and the name of its print job.

Qt's print dialogs keep only a pointer to the QPrinter they are given. A printer made for one
call (``QPrintPreviewDialog(new_printer(), parent)``) is freed by Python as soon as the
expression ends, and the dialog then paints on freed memory (a segfault). So the dialogs here are
subclasses that hold their printer for their whole life, and the preview is deleted (with its
page pictures) as soon as it closes, so no dialog outlives the call that made it.

Printing to a PDF file (the print dialog's 打印到文件, no system printer, or the preview toolbar's
打印 to a PDF) paints under a temporary name beside the chosen file and renames it once the painting
has finished and the PDF is whole (``safe_files.write_atomic``): a failed or interrupted print
leaves the file that was there, and a full disk says 磁盘空间不足.
"""

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize, QPaintEngine
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog, QPrintPreviewWidget

from desktop.services.common import safe_files
from desktop.services.common.errors import UserError

from ..common.widgets import show_error

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
    dialog.paintRequested.connect(lambda device: render_or_say(dialog, device, render))
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
        return render_or_say(parent, printer, render)
    finally:
        dialog.deleteLater()


def render_or_say(parent, printer: QPrinter, render: Callable) -> bool:
    """``render_to``; a file that could not be written is said in a box (False)."""
    try:
        render_to(printer, render)
    except UserError as err:
        show_error(parent, f"没有打印。{err}", "打印失败")
        return False
    return True


def render_to(printer: QPrinter, render: Callable) -> None:
    """``render(printer)``; a PDF file is painted under a temporary name beside it, checked and
    renamed (the printer keeps the chosen name). UserError when the file could not be written."""
    target = printer.outputFileName()
    engine = printer.paintEngine()
    previewing = engine is not None and engine.type() == QPaintEngine.Type.Picture  # the preview's pages
    if printer.outputFormat() != QPrinter.OutputFormat.PdfFormat or not target or previewing:
        render(printer)
        return

    def write(tmp: Path) -> None:
        printer.setOutputFileName(str(tmp))
        try:
            render(printer)
        finally:
            printer.setOutputFileName(target)

    safe_files.write_atomic(target, write, check=safe_files.check_pdf, what="打印到 PDF")
