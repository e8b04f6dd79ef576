"""Unsaved work on the 回访表 is never lost without a word (issue 11, item 2): closing the window
or Ctrl+Q asks 保存草稿 / 放弃 / 取消; an automatic draft survives a killed program and is offered
back at the next start; Esc on a dialog with typed data asks before discarding it."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from modal_boxes import answer_next_box
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from desktop.models import Answer, FormAutosave, Visit, VisitTask
from desktop.services.admin import settings
from desktop.services.intake import customers
from desktop.views.common.context import AppContext

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def task(database, tmp_path):
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    settings.set_value("visitor_name", "王芳")
    customer = customers.create_customer(
        {"code": "C1", "name": "欧阳娜娜", "title": "女士", "phone": "13812345678"}
    )
    order = customers.create_order(
        {
            "order_no": "WX1",
            "customer_id": customer.id,
            "service_type": "维修",
            "completed_at": "2024-10-08 10:00",
        }
    )
    return VisitTask.create(customer=customer, order=order, trigger="首次回访")


def _forget_edits(win) -> None:
    """Before pytest-qt closes the window: a failed test must not leave it asking."""
    for page in win._pages.values():
        page._dirty = False


def new_window(qtbot, db_path):
    from desktop.views.shell.main_window import MainWindow

    win = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(win, before_close_func=_forget_edits)
    win.resize(1366, 728)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot, task, db_path):
    return new_window(qtbot, db_path)


def settle():
    for _ in range(4):
        QApplication.processEvents()


def start_typing(qtbot, window, task):
    """The task's paper form, the first answer typed (2 = 满意)."""
    window.open_page("visit_form", {"task_id": task.id, "paper": True})
    form = window.page("visit_form")
    qtbot.waitUntil(lambda: form.matrix.rows[0].hasFocus() or not window.isActiveWindow(), timeout=2000)
    qtbot.keyClick(form.matrix.rows[0], "2")
    assert form._dirty and form.matrix.rows[0].value() == 4
    return form


def test_closing_the_window_with_unsaved_changes_asks_and_cancel_keeps_everything(qtbot, window, task):
    form = start_typing(qtbot, window, task)
    seen = []
    answer_next_box("取消", seen)
    assert window.close() is False
    assert sorted(seen[0]["buttons"]) == sorted(["保存草稿", "放弃", "取消"]) and "未保存" in seen[0]["text"]
    assert window.isVisible() and form._dirty and form.matrix.rows[0].value() == 4
    assert Visit.select().count() == 0

    answer_next_box("保存草稿")
    assert window.close() is True
    visit = Visit.get(Visit.task == task.id)
    assert visit.status == "草稿"
    assert [a.value for a in Answer.select().where(Answer.visit == visit.id) if a.value is not None] == [4]
    assert FormAutosave.select().count() == 0


def test_discard_closes_without_saving_and_drops_the_automatic_draft(qtbot, window, task):
    form = start_typing(qtbot, window, task)
    form.autosaver.flush()  # as when the window loses focus
    assert FormAutosave.select().count() == 1
    answer_next_box("放弃")
    assert window.close() is True
    assert Visit.select().count() == 0 and FormAutosave.select().count() == 0


def test_ctrl_q_asks_too(qtbot, window, task):
    form = start_typing(qtbot, window, task)
    seen = []
    answer_next_box("取消", seen)
    qtbot.keyClick(form.matrix.rows[1], Qt.Key_Q, Qt.ControlModifier)
    settle()
    assert seen and "未保存" in seen[0]["text"]
    assert window.isVisible() and form.matrix.rows[0].value() == 4
    window.activateWindow()  # back from the box, as a user's click on the window does
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    answer_next_box("放弃")
    qtbot.keyClick(form.matrix.rows[1], Qt.Key_Q, Qt.ControlModifier)
    assert not window.isVisible() and Visit.select().count() == 0


def test_opening_another_task_asks_first(qtbot, window, task):
    form = start_typing(qtbot, window, task)
    other = VisitTask.create(customer=task.customer, order=None, trigger="手工")
    seen = []
    answer_next_box("取消", seen)
    window.open_page("visit_form", {"task_id": other.id})
    assert seen and form.task_id == task.id and form.matrix.rows[0].value() == 4
    answer_next_box("保存草稿")
    window.open_page("visit_form", {"task_id": other.id})
    assert form.task_id == other.id and Visit.get().task_id == task.id


CHILD = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

app = QApplication([])
from desktop.services.maintenance.bootstrap import open_app_database
from desktop.views.common.context import AppContext
from desktop.views.shell.main_window import MainWindow

db, task_id = sys.argv[1], int(sys.argv[2])
open_app_database(db)
win = MainWindow(AppContext(db_path=db))
win.show()
win.open_page("visit_form", {"task_id": task_id, "paper": True})
form = win.page("visit_form")
for _ in range(20):
    app.processEvents()
row = form.matrix.rows
QTest.keyClick(row[0], "2")            # 满意
QTest.keyClick(row[1], "1")            # 非常满意
QTest.keyClick(row[1], "-")            # 回访日期: yesterday
for char in "等了两天":
    for kind in (QEvent.KeyPress, QEvent.KeyRelease):
        QApplication.sendEvent(form.feedback_edit, QKeyEvent(kind, Qt.Key_unknown, Qt.NoModifier, char))
QTest.mouseClick(form.mood_group.button(2), Qt.LeftButton)   # 轻微不满
QTest.mouseClick(form.repurchase_check, Qt.LeftButton)
print("typed", flush=True)
while True:  # the user goes on thinking; the program is killed meanwhile
    app.processEvents()
    time.sleep(0.02)
"""


def autosave_rows(db_path) -> int:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT COUNT(*) FROM form_autosave").fetchone()[0]
    finally:
        con.close()


@pytest.mark.sqlite_only  # the child program opens the SQLite file itself
def test_a_killed_program_leaves_a_draft_that_the_next_start_offers_back(qtbot, task, db_path, tmp_path):
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(tmp_path))
    child = subprocess.Popen(
        [sys.executable, str(script), str(db_path), str(task.id)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    watchdog = threading.Timer(90, child.kill)  # a child that never says "typed" cannot hang the run
    watchdog.start()
    try:
        assert child.stdout.readline().strip() == "typed", child.stderr.read()
        typed_at = time.monotonic()
        while autosave_rows(db_path) == 0 and time.monotonic() - typed_at < 20:
            time.sleep(0.1)
        waited = time.monotonic() - typed_at
        assert autosave_rows(db_path) == 1
        assert waited < 8  # written about 5 s after the last change: at most a few seconds lost
    finally:
        watchdog.cancel()
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)  # a crash or a power cut: no close, no question
        child.wait()
    assert Visit.select().count() == 0

    seen = []
    answer_next_box("恢复", seen)
    window = new_window(qtbot, db_path)
    form = window.page("visit_form")
    qtbot.waitUntil(lambda: form.task_id == task.id, timeout=3000)
    assert sorted(seen[0]["buttons"]) == ["丢弃", "恢复"] and "欧阳娜娜" in seen[0]["text"]
    assert window.stack.currentWidget() is form
    assert [r.value() for r in form.matrix.rows[:2]] == [4, 5]
    assert form.feedback_edit.toPlainText() == "等了两天"
    assert form.mood_group.checkedButton().text() == "轻微不满" and form.repurchase_check.isChecked()
    assert form.collect().visit_date == date.today() - timedelta(days=1)
    assert form.paper_check.isChecked() and form.method_combo.currentText() == "问卷"
    assert form._dirty and "未保存" in form.status_label.text()
    assert form.save(final=False)  # a normal save clears the automatic draft
    assert FormAutosave.select().count() == 0
    assert Visit.get().feedback == "等了两天"


def test_discarding_the_offered_draft_deletes_it(qtbot, window, task, db_path):
    form = start_typing(qtbot, window, task)
    form.autosaver.flush()
    form._dirty = False  # the program "dies" here: nothing asked, the row stays
    window.close()
    seen = []
    answer_next_box("丢弃", seen)
    again = new_window(qtbot, db_path)
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    settle()
    assert FormAutosave.select().count() == 0
    assert again.page("visit_form").task_id is None


def test_esc_on_a_dialog_with_typed_data_asks_before_discarding(qtbot, database):
    from desktop.views.customers.customer_dialog import CustomerDialog

    dialog = CustomerDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.phone_edit, "13900001111")
    seen = []
    answer_next_box("继续填写", seen)
    qtbot.keyClick(dialog.phone_edit, Qt.Key_Escape)
    assert seen and sorted(seen[0]["buttons"]) == ["放弃", "继续填写"]
    assert dialog.isVisible() and dialog.phone_edit.text() == "13900001111"
    answer_next_box("放弃")
    qtbot.keyClick(dialog.phone_edit, Qt.Key_Escape)
    assert not dialog.isVisible()


def test_esc_on_an_untouched_dialog_just_closes(qtbot, database):
    from desktop.views.orders.order_dialog import OrderDialog

    dialog = OrderDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClick(dialog, Qt.Key_Escape)
    assert not dialog.isVisible()


def test_esc_on_the_reschedule_and_keyword_dialogs_asks_before_discarding(qtbot, database):
    """改约 (a typed reason) and 关键词规则 (an edited table cell) are guarded like the others."""
    from desktop.views.analysis.analysis_widgets import KeywordsDialog
    from desktop.views.tasks.tasks_view import RescheduleDialog

    dialog = RescheduleDialog({"customer": "王*", "phone": "138****5678", "trigger": "首次回访"})
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.reason_edit.insert("在开会")  # what a Chinese input method commits
    seen = []
    answer_next_box("继续填写", seen)
    qtbot.keyClick(dialog.reason_edit, Qt.Key_Escape)
    assert seen and "放弃" in seen[0]["buttons"]
    assert dialog.isVisible() and dialog.reason_edit.text() == "在开会"

    keywords = KeywordsDialog()
    qtbot.addWidget(keywords)
    keywords.show()
    qtbot.waitExposed(keywords)
    keywords.table.item(0, 1).setText("慢、等了很久")
    seen = []
    answer_next_box("放弃", seen)
    qtbot.keyClick(keywords.table, Qt.Key_Escape)
    assert seen and "继续填写" in seen[0]["buttons"]
    assert not keywords.isVisible()
