"""The real print preview and printer dialogs, opened through the buttons a receptionist clicks:
回访表 → 打印预览 / 空白表 / 打印, the scan box's 打印今日空白表…, 回访任务 → 打印空白表…. Nothing is
faked: Qt's QPrintPreviewDialog paints every page, then a timer closes it (before the fix, the
preview's printer was freed while the dialog used it: a segfault)."""

from datetime import date

import pytest
from preview_helpers import ink, run_preview, run_print_dialog
from pypdf import PdfReader
from PySide6.QtCore import QEvent
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import QApplication

from desktop.models import VisitTask
from desktop.services.intake import customers
from desktop.views.common.context import AppContext

TODAY = f"{date.today():%Y%m%d}"


@pytest.fixture
def task(database):
    customer = customers.create_customer(
        {"code": "C202310001", "name": "欧阳娜娜", "title": "女士", "phone": "13812345678"}
    )
    order = customers.create_order(
        {"order_no": "WX1", "customer_id": customer.id, "service_type": "维修", "product_model": "KFR-35GW"}
    )
    return VisitTask.create(customer=customer, order=order, trigger="首次回访", latest=date.today())


@pytest.fixture
def window(qtbot, task, db_path):
    from desktop.views.shell.main_window import MainWindow

    win = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    return win


def settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def assert_painted(seen, pages: int = 1) -> None:
    assert seen.message == ""
    assert seen.pages == pages
    assert len(seen.images) == pages
    for image in seen.images:
        assert not image.isNull() and ink(image) > 200  # the page's text and grid were drawn


def filled_visit_page(window, task):
    """The 回访表 page with the task's visit answered and saved as a draft."""
    page = window.show_page("visit_form")
    page.open_with(task_id=task.id, paper=True)
    settle()
    return page


def test_visit_form_preview_button_runs_the_real_preview(qtbot, window, task):
    page = filled_visit_page(window, task)
    seen = run_preview(page.preview_button.click)
    assert_painted(seen)
    assert seen.title.startswith("打印预览")
    assert seen.job_name == f"回访表-欧***-{TODAY}"
    # the app is still alive and the dialog is gone (deleted with its page pictures)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    settle()
    assert QApplication.activeModalWidget() is None
    assert page.findChildren(QPrintPreviewDialog) == []


def test_visit_form_blank_button_previews_a_blank_form(qtbot, window, task):
    page = filled_visit_page(window, task)
    seen = run_preview(page.blank_button.click)
    assert_painted(seen)
    assert seen.job_name == f"空白回访表-欧***-{TODAY}"


def test_scan_box_prints_todays_blank_forms_through_the_real_preview(qtbot, window, task):
    VisitTask.create(customer=task.customer, trigger="交付1个月", latest=date.today())
    seen = run_preview(window.scan_box.print_button.click)
    assert_painted(seen, pages=2)  # one form per task, one job
    assert seen.job_name == f"空白回访表-2份-{TODAY}"


def test_tasks_page_prints_the_selected_blank_forms_through_the_real_preview(qtbot, window, task):
    page = window.show_page("tasks")
    page.open_with(bucket="全部")
    settle()
    page.select_id(task.id)
    settle()
    assert page.print_button.isEnabled()
    seen = run_preview(page.print_button.click)
    assert_painted(seen)
    assert seen.job_name == f"空白回访表-欧***-{TODAY}"


def test_print_button_goes_through_the_real_printer_dialog(qtbot, window, task, tmp_path):
    page = filled_visit_page(window, task)
    out = tmp_path / "printed.pdf"
    seen = run_print_dialog(page.print_button.click, out)
    assert seen.title.startswith("打印") and seen.message == ""
    assert seen.job_name == f"回访表-欧***-{TODAY}"
    if seen.file_name:  # no system printer: 打印到文件 offers the job's name
        assert seen.file_name.endswith(f"回访表-欧***-{TODAY}.pdf")
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    assert reader.metadata.title == f"回访表-欧***-{TODAY}"  # the job's name is the PDF's title
    text = "".join(reader.pages[0].extract_text().split())
    assert "欧阳娜娜" in text and "客户签字" in text
    # cancelled: nothing printed
    out.unlink()
    seen = run_print_dialog(page.print_button.click, out, accept=False)
    assert seen.title and not out.exists()


def test_a_second_preview_after_the_first_still_works(qtbot, window, task):
    """Each preview owns its printer: opening one after another (and the parent living on) is safe."""
    page = filled_visit_page(window, task)
    for _ in range(2):
        assert_painted(run_preview(page.preview_button.click))
        assert_painted(run_preview(page.blank_button.click))


def test_the_generic_blank_forms_code_scanned_says_what_to_do(qtbot, window, task, tmp_path):
    """The QR code read off the generic blank form (no task), typed by a scanner into the scan
    box: a Chinese message naming the questionnaire, and no form is opened."""
    import zxingcpp
    from PIL import Image
    from PySide6.QtCore import Qt

    from desktop.services.visits.forms import build_blank_form
    from desktop.views.printing import visit_form_print as printing

    (image,) = printing.form_page_images(build_blank_form(None), dpi=100)
    image.save(str(tmp_path / "blank.png"))
    (code,) = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "blank.png"))]
    assert code.startswith("HUIFANG:TEMPLATE:")
    form = window.show_page("tasks")
    box = window.scan_box
    box.focus_input()
    qtbot.keyClicks(box.edit, code)
    qtbot.keyClick(box.edit, Qt.Key_Return)
    settle()
    assert "通用空白表" in box.message.text() and "纸质表录入" in box.message.text()
    assert window.stack.currentWidget() is form  # nothing was opened
