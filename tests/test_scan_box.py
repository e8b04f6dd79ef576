"""The paper round trip: print a task's blank form, read its QR code off the page, scan it into the
main window's 扫码录入 box, type the paper's answers with keys 1–5 and save."""

import subprocess
from datetime import date

import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.models import Answer, Visit, VisitTask
from desktop.services.intake import customers
from desktop.services.visits import templates
from desktop.views.common.context import AppContext
from desktop.views.printing import visit_form_print as printing


@pytest.fixture
def task(database):
    customer = customers.create_customer(
        {"code": "C202310001", "name": "欧阳娜娜", "title": "女士", "phone": "13812345678"}
    )
    order = customers.create_order(
        {"order_no": "WX1", "customer_id": customer.id, "service_type": "维修", "product_model": "KFR-35GW"}
    )
    return VisitTask.create(customer=customer, order=order, trigger="首次回访")


@pytest.fixture
def window(qtbot, task, db_path):
    from desktop.views.shell.main_window import MainWindow

    win = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


def settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def scan(qtbot, window, code: str) -> None:
    """What a USB scanner does: Ctrl+L's box gets the characters fast, then Enter."""
    box = window.scan_box
    box.focus_input()
    qtbot.keyClicks(box.edit, code)
    qtbot.keyClick(box.edit, Qt.Key_Return)
    settle()


def read_code_from_printed_pdf(task_id: int, tmp_path) -> str:
    out = printing.task_forms_pdf([task_id], tmp_path / "blank.pdf")
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(out), str(tmp_path / "page")], check=True)
    (page,) = sorted(tmp_path.glob("page*.png"))
    codes = [r.text for r in zxingcpp.read_barcodes(Image.open(page))]
    assert len(codes) == 1
    return codes[0]


def test_printed_code_scanned_into_the_box_opens_the_task_for_typing(qtbot, window, task, tmp_path):
    code = read_code_from_printed_pdf(task.id, tmp_path)
    # printed since the paper reader: the page and template version follow the code, and the
    # scanner's whole text still opens the task
    assert code.startswith(f"HUIFANG:TASK:{task.id}:P1:T")
    scan(qtbot, window, code)
    form = window.page("visit_form")
    assert window.stack.currentWidget() is form
    assert form.task_id == task.id and form.customer_id == task.customer_id and form.order_id == task.order_id
    assert form.paper_check.isChecked() and form.method_combo.currentText() == "问卷"
    assert form.answers_box.isEnabled()
    assert window.scan_box.edit.text() == "" and "请录入" in window.scan_box.message.text()
    # the paper's answers typed straight in: keys 1–5 per row, from the first row on
    qtbot.waitUntil(lambda: form.matrix.current_row() is form.matrix.rows[0], timeout=2000)
    questions = templates.questions_of(templates.active_template("after_sales"))
    level_rows = [q for q in questions if q.kind == "level5"]
    for key in "12345"[: len(level_rows)]:
        qtbot.keyClick(QApplication.focusWidget(), key)
    form.save(final=False)
    visit = Visit.get(Visit.task == task.id)
    assert visit.method == "问卷"
    values = {a.question_id: a.value for a in Answer.select().where(Answer.visit == visit.id)}
    assert [values[q.id] for q in level_rows] == [5, 4, 3, 2, 1][: len(level_rows)]


def test_a_filled_forms_code_opens_the_visit(qtbot, window, task):
    visit = Visit.create(
        task=task,
        customer=task.customer,
        order=task.order,
        template=templates.active_template("after_sales"),
        visit_date=date(2024, 10, 9),
        status="已完成",
    )
    scan(qtbot, window, f"HUIFANG:VISIT:{visit.id}")
    form = window.page("visit_form")
    assert window.stack.currentWidget() is form and form.visit_id == visit.id


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [("HUIFANG:TASK:9999", "找不到编号为 9999 的回访任务"), ("WX20241001", "不是回访通的表单编号")],
)
def test_unknown_or_malformed_codes_get_a_message_and_open_nothing(qtbot, window, typed, fragment):
    before = window.stack.currentWidget()
    scan(qtbot, window, typed)
    assert fragment in window.scan_box.message.text()
    assert window.stack.currentWidget() is before
    # the text stays, selected: the next scan replaces it
    assert window.scan_box.edit.text() == typed and window.scan_box.edit.selectedText() == typed


def test_ctrl_l_puts_the_cursor_in_the_box(qtbot, window):
    window.activateWindow()
    window.nav.setFocus()
    qtbot.keyClick(window, Qt.Key_L, Qt.ControlModifier)
    settle()
    assert QApplication.focusWidget() is window.scan_box.edit


def test_a_scanner_without_enter_opens_after_a_pause_but_a_person_must_press_enter(qtbot, window, task):
    box = window.scan_box
    box.focus_input()
    qtbot.keyClicks(box.edit, f"HUIFANG:TASK:{task.id}")  # scanner speed, no Enter
    assert box.typed_by_scanner()
    form_opened = lambda: window.stack.currentWidget() is window.page("visit_form")  # noqa: E731
    qtbot.waitUntil(form_opened, timeout=3000)
    assert window.page("visit_form").task_id == task.id
    # a person typing slowly: nothing happens until Enter
    window.show_page("dashboard")
    box.edit.setText(f"HUIFANG:TASK:{task.id}")
    box._times = [i * 0.3 for i in range(len(box.edit.text()))]
    assert not box.typed_by_scanner()
    box._scanner_pause()
    assert window.stack.currentWidget() is window.page("dashboard")


def test_print_todays_blank_forms_from_the_toolbar(qtbot, window, task, monkeypatch):
    shown = []
    monkeypatch.setattr(printing, "preview_forms", lambda parent, docs: shown.append(docs))
    VisitTask.create(customer=task.customer, trigger="交付1个月", latest=date.today())
    window.scan_box.print_button.click()
    (docs,) = shown
    assert sorted(doc.code for doc in docs) == sorted(f"HUIFANG:TASK:{t.id}" for t in VisitTask.select())


def test_print_the_selected_tasks_blank_forms_as_one_job(qtbot, window, task, monkeypatch):
    shown = []
    monkeypatch.setattr(printing, "preview_forms", lambda parent, docs: shown.append(docs))
    other = VisitTask.create(customer=task.customer, trigger="交付3个月")
    VisitTask.create(customer=task.customer, trigger="不选这个")
    page = window.show_page("tasks")
    page.open_with(bucket="全部")
    settle()
    assert not page.print_button.isEnabled()
    page.select_id(task.id)
    row = next(r for r in range(page.model.rowCount()) if page.model.row_id(r) == other.id)
    page.table.selectionModel().select(
        page.model.index(row, 0),
        page.table.selectionModel().SelectionFlag.Select | page.table.selectionModel().SelectionFlag.Rows,
    )
    assert page.print_button.isEnabled()
    page.print_button.click()
    (docs,) = shown
    assert sorted(doc.code for doc in docs) == sorted(f"HUIFANG:TASK:{t}" for t in (task.id, other.id))
