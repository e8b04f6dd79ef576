"""The print preview and the printer dialog, shared by every printable document (回访表, 改进方案表,
表1, 调查报告): each passes its own ``render(device)`` function."""

from collections.abc import Callable

from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog


def new_printer(*, landscape: bool = False) -> QPrinter:
    """A high-resolution A4 printer that paints the whole page (the renderers set margins)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    printer.setPageOrientation(orientation)
    printer.setFullPage(True)
    return printer


def show_preview(
    parent, title: str, render: Callable, *, printer: QPrinter | None = None, size=(900, 1000)
) -> QPrintPreviewDialog:
    """The print preview (its toolbar can print); returns the dialog after it closes."""
    dialog = QPrintPreviewDialog(printer or new_printer(), parent)
    dialog.setWindowTitle(f"打印预览 — {title}")
    dialog.paintRequested.connect(render)
    dialog.resize(*size)
    dialog.exec()
    return dialog


def print_with_dialog(parent, title: str, render: Callable, *, printer: QPrinter | None = None) -> bool:
    """Ask for a printer, then print; False when the user cancels."""
    printer = printer or new_printer()
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"打印 — {title}")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    printer.setFullPage(True)
    render(printer)
    return True
