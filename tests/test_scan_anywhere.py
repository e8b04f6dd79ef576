"""A scanner's code typed while the cursor is in the answer grid opens the scanned task instead of
answering questions (issue 11, item 3), and a paper form is typed in with at most 10 keys after
the scan (item 6). Keys go where the focus is, with a scanner's timing."""

from datetime import date, timedelta

import pytest
from modal_boxes import answer_next_box
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.models import Answer, Visit, VisitTask
from desktop.services.admin import settings
from desktop.services.intake import customers
from desktop.services.visits import templates
from desktop.views.common.context import AppContext

SCANNER_GAP_MS = 4  # a USB scanner types a key every few ms


@pytest.fixture
def tasks(database, tmp_path):
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    settings.set_value("visitor_name", "王芳")
    out = []
    for n, name in ((1, "欧阳娜娜"), (2, "黄思远")):
        customer = customers.create_customer({"code": f"C{n}", "name": name, "phone": f"1381234567{n}"})
        order = customers.create_order(
            {
                "order_no": f"WX{n}",
                "customer_id": customer.id,
                "service_type": "维修",
                "completed_at": "2024-10-08 10:00",
            }  # fmt: skip
        )
        out.append(VisitTask.create(customer=customer, order=order, trigger="首次回访"))
    return out


@pytest.fixture
def window(qtbot, tasks, db_path):
    from desktop.views.shell.main_window import MainWindow

    win = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(win, before_close_func=_forget_edits)
    win.resize(1366, 728)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)
    return win


def _forget_edits(win) -> None:
    """Before pytest-qt closes the window: a failed test must not leave it asking."""
    for page in win._pages.values():
        page._dirty = False


def focused():
    return QApplication.focusWidget()


def scanner_types(code: str) -> None:
    """What a USB scanner does: the code's characters a few ms apart, then Enter, into whatever
    has the focus."""
    for key in [*code, Qt.Key_Return]:
        QTest.qWait(SCANNER_GAP_MS)
        QTest.keyPress(focused(), key)
        QTest.keyRelease(focused(), key)  # to whatever has the focus by then


def open_paper_form(qtbot, window, task):
    window.open_page("visit_form", {"task_id": task.id, "paper": True})
    form = window.page("visit_form")
    qtbot.waitUntil(lambda: focused() is form.matrix.rows[0], timeout=2000)
    return form


def test_a_scan_into_the_answer_grid_opens_the_task_and_answers_nothing(qtbot, window, tasks):
    first, second = tasks
    form = open_paper_form(qtbot, window, first)
    scanner_types(f"HUIFANG:TASK:{second.id}")
    qtbot.waitUntil(lambda: form.task_id == second.id, timeout=3000)
    assert form.matrix.answers() == {}  # not Q1 = 非常不满意 from the '1' …
    assert Visit.select().count() == 0
    assert form.paper_check.isChecked() and form.header_values["customer"].text() == "黄思远"
    assert "请录入" in window.scan_box.message.text()


def test_a_scan_over_unsaved_answers_asks_first_and_keeps_them_unchanged(qtbot, window, tasks):
    first, second = tasks
    form = open_paper_form(qtbot, window, first)
    QTest.keyClick(focused(), "2")  # a person: Q1 = 满意, on to Q2
    assert form.matrix.rows[0].value() == 4 and focused() is form.matrix.rows[1]
    seen = []
    answer_next_box("保存草稿", seen)
    scanner_types(f"HUIFANG:TASK:{second.id}")
    qtbot.waitUntil(lambda: form.task_id == second.id, timeout=3000)
    assert seen and sorted(seen[0]["buttons"]) == sorted(["保存草稿", "放弃", "取消"])
    draft = Visit.get(Visit.task == first.id)
    saved = {a.question_id: a.value for a in Answer.select().where(Answer.visit == draft.id)}
    assert list(saved.values()) == [4]  # Q2 … untouched by the code's digits
    assert form.matrix.answers() == {}


def test_a_person_typing_still_reaches_the_widget(qtbot, window, tasks):
    form = open_paper_form(qtbot, window, tasks[0])
    QTest.keyClick(focused(), "1")
    assert form.matrix.rows[0].value() == 5  # no delay for a rating key
    search = window.page("visit_form").search.edit
    search.setFocus()
    qtbot.waitUntil(lambda: focused() is search, timeout=1000)
    for char in "hsy":
        QTest.keyClick(focused(), char, Qt.NoModifier, 120)  # a person: 100+ ms per key
    qtbot.waitUntil(lambda: search.text() == "hsy", timeout=1000)  # the held "h" came back first
    assert form.task_id == tasks[0].id


def test_a_paper_form_after_the_scan_takes_at_most_ten_keys(qtbot, window, tasks):
    """The paper: collected yesterday, five ratings, 10 on the 0–10 row, no open answer."""
    task = tasks[0]
    window.scan_box.focus_input()
    scanner_types(f"HUIFANG:TASK:{task.id}")  # the scan (the scanner's keys, not the user's)
    form = window.page("visit_form")
    qtbot.waitUntil(lambda: focused() is form.matrix.rows[0], timeout=3000)
    assert form.paper_hint.isVisible() and "1 再按 0" in form.paper_hint.text()
    assert "Ctrl+Enter" in form.final_button.toolTip() and "Ctrl+S" in form.draft_button.toolTip()

    keys = 0

    def press(key, modifier=Qt.NoModifier):
        nonlocal keys
        keys += 1
        QTest.keyClick(focused(), key, modifier)

    press("-")  # 回访日期: yesterday
    for key in "12121":  # Q1–Q5, each moves on by itself
        press(key)
    press("1")  # 0–10: 1 then 0 = 10, at once
    press("0")
    press(Qt.Key_Return)  # on the (empty) open question, the last one: 完成并保存
    assert keys <= 10, keys
    visit = Visit.get(Visit.task == task.id)
    assert visit.status == "已完成" and visit.method == "问卷" and visit.visitor == "王芳"
    assert visit.visit_date == date.today() - timedelta(days=1)
    questions = templates.questions_of(templates.active_template("after_sales"))
    values = {a.question_id: a.value for a in Answer.select().where(Answer.visit == visit.id)}
    assert [values.get(q.id) for q in questions] == [5, 4, 5, 4, 5, 10, None]
    assert VisitTask.get_by_id(task.id).status == "已完成"
