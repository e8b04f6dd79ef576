"""Issue 13 item 3, the files that were still written in place: the ``screenshots`` PNGs, 另存为 of an
attachment and printing to a PDF file through the print dialog. Each is written under a temporary
name beside the target and renamed: a failed write (a real full disk, an interrupted print) leaves
the file that was there and no half file under the final name."""

from datetime import date
from pathlib import Path

import pytest
from modal_boxes import answer_next_box
from preview_helpers import run_print_dialog
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QFileDialog
from test_attachments import _tamper
from test_disk_full import _fill, _only, small_disk  # noqa: F401 (the fixture)

from desktop import cli
from desktop.screenshots import save_png
from desktop.services.common import safe_files
from desktop.services.common.errors import UserError
from desktop.services.intake import customers
from desktop.services.visits import attachments, templates, visits
from desktop.services.visits.visits import VisitInput
from desktop.views.printing import visit_form_print as printing
from desktop.views.printing.print_dialogs import print_with_dialog

PDF_BODY = b"%PDF-1.4\n" + bytes(range(256)) * 256 + b"\n%%EOF\n"  # 64 KB: more than the disk has left


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if safe_files.is_temp_name(p.name)]


def _good_png(path: Path) -> bytes:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(0x336699)
    assert image.save(str(path), "PNG")
    return path.read_bytes()


@pytest.fixture
def visit(database):
    customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
    template = templates.active_template("after_sales")
    return visits.save_visit(
        VisitInput(customer_id=customer.id, template_id=template.id, visit_date=date(2024, 10, 9)),
        final=False,
    )


# ---------------------------------------------------------------- screenshots
def test_a_screenshot_that_cannot_be_written_keeps_the_old_picture(tmp_path, qapp):
    target = tmp_path / "dashboard.png"
    before = _good_png(target)
    with pytest.raises(UserError, match="保存截图失败") as caught:
        save_png(QImage(), target)  # Qt refuses to write an empty picture
    assert str(target) in str(caught.value)
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []
    image = QImage(80, 60, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    assert save_png(image, target) == target
    safe_files.check_png(target)
    assert QImage(str(target)).width() == 80 and _leftovers(tmp_path) == []


@pytest.mark.sqlite_only
def test_screenshots_on_a_full_disk_keep_the_old_pictures_and_fail(small_disk, capsys):  # noqa: F811
    from desktop.views.common.pages import PAGES

    names = [spec.screenshot_name for spec in PAGES]
    old = {name: _good_png(small_disk / name) for name in names}
    _fill(small_disk, leave=4096)
    code = cli.main(["screenshots", "--out", str(small_disk)])
    err = capsys.readouterr().err
    assert code != 0 and "磁盘空间不足" in err and "Traceback" not in err
    assert {name: (small_disk / name).read_bytes() for name in names} == old
    _only(small_disk, *names)


# ---------------------------------------------------------------- 另存为 of an attachment
@pytest.mark.sqlite_only
def test_saving_a_copy_of_an_attachment_on_a_full_disk_keeps_the_old_file(visit, tmp_path, small_disk):  # noqa: F811
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF_BODY)
    info = attachments.add_attachment(visit.id, scan)
    target = small_disk / "副本.pdf"
    target.write_bytes(b"%PDF-1.4 the copy saved last week\n%%EOF\n")
    before = target.read_bytes()
    _fill(small_disk)
    with pytest.raises(UserError, match="磁盘空间不足"):
        attachments.copy_out(info.id, target)
    assert target.read_bytes() == before
    _only(small_disk, target.name)


def test_save_as_button_writes_the_checked_copy(visit, tmp_path, qtbot, monkeypatch):
    from desktop.views.visit_form.attachments_panel import AttachmentsPanel

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF_BODY)
    attachments.add_attachment(visit.id, scan)
    panel = AttachmentsPanel()
    qtbot.addWidget(panel)
    panel.set_visit(visit.id)
    assert not panel.copy_button.isEnabled()
    panel.list.setCurrentRow(0)
    assert panel.copy_button.isEnabled()
    out = tmp_path / "out" / "给总部.pdf"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    assert panel.save_selected_copy() == out
    assert out.read_bytes() == PDF_BODY and _leftovers(out.parent) == []
    _tamper(attachments.attachments_of(visit.id)[0], PDF_BODY + b"% changed")
    seen: list = []
    answer_next_box("OK", seen)
    assert panel.save_selected_copy() is None  # refused with the reason, the earlier copy kept
    assert seen and "已被改动" in seen[0]["text"] and out.read_bytes() == PDF_BODY


# ---------------------------------------------------------------- printing to a PDF file
def _paint_then_fail(printer) -> None:
    painter = QPainter(printer)
    painter.drawText(QPoint(200, 200), "第一页")
    printer.newPage()
    painter.drawText(QPoint(200, 200), "第二页")
    painter.end()
    raise RuntimeError("打印中断")


def test_an_interrupted_print_to_pdf_keeps_the_old_file(database, tmp_path, qapp):
    target = tmp_path / "回访表.pdf"
    target.write_bytes(b"%PDF-1.4 printed yesterday\n%%EOF\n")
    before = target.read_bytes()
    errors: list = []

    def trigger():
        try:
            print_with_dialog(None, "回访表", _paint_then_fail)
        except RuntimeError as exc:
            errors.append(exc)

    run_print_dialog(trigger, target)
    assert errors, "the painting failed"
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_print_to_pdf_renames_a_whole_file(database, tmp_path, qapp):
    template = templates.active_template("after_sales")
    target = tmp_path / "空白表.pdf"
    target.write_bytes(b"old")
    results = []
    seen = run_print_dialog(lambda: results.append(printing.print_blank_form(None, template.id)), target)
    assert results == [True] and seen.message == ""
    safe_files.check_pdf(target)
    assert _leftovers(tmp_path) == []


@pytest.mark.sqlite_only
def test_print_to_pdf_on_a_full_disk_says_so_and_keeps_the_old_file(database, small_disk, qapp):  # noqa: F811
    from desktop.services.visits.forms import build_blank_form
    from desktop.views.printing.visit_form_print import render_form

    doc = build_blank_form(templates.active_template("after_sales"))
    target = small_disk / "空白表.pdf"
    target.write_bytes(b"%PDF-1.4 printed yesterday\n%%EOF\n")
    before = target.read_bytes()
    _fill(small_disk, leave=4096)
    boxes: list = []
    results = []

    def render(printer):
        answer_next_box("OK", boxes)  # the error box comes after the print dialog has closed
        render_form(doc, printer)

    run_print_dialog(lambda: results.append(print_with_dialog(None, doc.title, render)), target)
    assert results == [False]
    assert boxes and "磁盘空间不足" in boxes[0]["text"] and str(target) in boxes[0]["text"]
    assert target.read_bytes() == before
    _only(small_disk, target.name)


def _preview_then_print(render, target: Path, qapp) -> list:
    """The real preview of ``render`` with its printer aimed at ``target`` (what the toolbar's
    打印 does once a PDF file name is chosen): wait for the pages, print, close. Returns the boxes."""
    from PySide6.QtCore import QTimer
    from PySide6.QtPrintSupport import QPrinter
    from PySide6.QtWidgets import QApplication

    from desktop.views.printing.print_dialogs import PrintPreview, new_printer, show_preview

    printer = new_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(target))
    boxes: list = []
    pages: list = []

    def in_preview(left: int = 500) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PrintPreview) or dialog.page_count() == 0:
            if left > 0:
                QTimer.singleShot(20, lambda: in_preview(left - 1))
            return
        pages.append(dialog.page_count())
        answer_next_box("OK", boxes)  # a 打印失败 box, if any, comes while printing
        dialog.preview_widget().print_()
        dialog.reject()

    QTimer.singleShot(0, in_preview)
    show_preview(None, "空白表", render, printer=printer)
    assert pages and pages[0] >= 1, "the preview painted its pages first"
    return boxes


def _blank_form_render():
    from desktop.services.visits.forms import build_blank_form
    from desktop.views.printing.visit_form_print import render_form

    doc = build_blank_form(templates.active_template("after_sales"))
    return lambda printer: render_form(doc, printer)


def test_printing_from_the_preview_to_pdf_renames_a_whole_file(database, tmp_path, qapp):
    target = tmp_path / "空白表.pdf"
    target.write_bytes(b"old")
    assert _preview_then_print(_blank_form_render(), target, qapp) == []
    safe_files.check_pdf(target)
    assert _leftovers(tmp_path) == []


@pytest.mark.sqlite_only
def test_printing_from_the_preview_on_a_full_disk_keeps_the_old_file(database, small_disk, qapp):  # noqa: F811
    target = small_disk / "空白表.pdf"
    target.write_bytes(b"%PDF-1.4 printed yesterday\n%%EOF\n")
    before = target.read_bytes()
    _fill(small_disk, leave=4096)
    boxes = _preview_then_print(_blank_form_render(), target, qapp)
    assert boxes and "磁盘空间不足" in boxes[0]["text"] and str(target) in boxes[0]["text"]
    assert target.read_bytes() == before
    _only(small_disk, target.name)
