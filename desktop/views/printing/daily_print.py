"""Printing the 日报 (``services.daily.build_daily``): one A4 page, painted by the period report's
painter (``report_render.render_report``) — preview, printer and PDF."""

from pathlib import Path

from desktop.services.summaries.report_doc import ReportDoc
from desktop.views.printing.print_dialogs import new_printer, print_with_dialog, show_preview
from desktop.views.printing.print_layout import write_pdf_file
from desktop.views.printing.report_render import render_report


def job_name(doc: ReportDoc) -> str:
    """The print job's name (print queue, PDF title): 回访日报-2023-10-25."""
    return f"回访日报-{doc.period.start.isoformat()}"


def default_file_name(doc: ReportDoc) -> str:
    return f"{job_name(doc)}.pdf"


def write_daily_pdf(doc: ReportDoc, path: str | Path) -> Path:
    """The 日报 as an A4 PDF (vector, text in the shipped CJK font); UserError in Chinese when the
    file cannot be written."""
    render = lambda writer: render_report(doc, writer)  # noqa: E731
    return write_pdf_file(path, job_name(doc), render, example_name=default_file_name(doc))


def preview_daily(parent, doc: ReportDoc) -> int:
    """The print preview (its toolbar can print); the number of pages shown, after it closes."""
    render = lambda target: render_report(doc, target)  # noqa: E731
    return show_preview(parent, doc.title, render, printer=new_printer(), job_name=job_name(doc))


def print_daily(parent, doc: ReportDoc) -> bool:
    """Ask for a printer, then print; False when the user cancels."""
    render = lambda printer: render_report(doc, printer)  # noqa: E731
    return print_with_dialog(parent, doc.title, render, printer=new_printer(), job_name=job_name(doc))
