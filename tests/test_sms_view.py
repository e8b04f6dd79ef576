"""Issue 16 item 4 on the 回访任务 page: 短信问卷 → 导出短信批量文件 (preview, export off the GUI
thread) and 导入短信回复 (the review list), clicked through with generated files."""

from datetime import datetime

import pytest
from conftest import TEAM_PASSWORD
from openpyxl import Workbook, load_workbook
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop.models import Answer, SmsReply, Visit, VisitTask
from desktop.services.admin import accounts, settings
from desktop.services.intake import customers
from desktop.views.common.context import AppContext
from desktop.views.tasks.sms_export_dialog import SmsExportDialog
from desktop.views.tasks.sms_review_dialog import SmsReviewDialog
from desktop.views.tasks.tasks_view import TasksView


def make_task(code, name, phone, title=""):
    customer = customers.create_customer({"code": code, "name": name, "phone": phone, "title": title})
    order = customers.create_order(
        {"order_no": f"GD{code}", "customer_id": customer.id, "service_type": "维修", "completed_at": "2026-12-01 10:00"}
    )
    return VisitTask.create(customer=customer, order=order, trigger="首次回访", earliest=datetime.now().date())


@pytest.fixture
def tasks(database):
    settings.set_value("company_name", "示例家电")
    return [
        make_task("1", "王小明", "13812345678", "先生"),
        make_task("2", "李娜", "13900001111"),
        make_task("3", "赵六", "010-12345678"),
    ]


@pytest.fixture
def view(qtbot, db_path, tasks):
    page = TasksView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.on_shown()
    page.tabs.setCurrentIndex(page.tabs.count() - 1)  # 全部
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    return page


def select_all(view):
    view.table.selectAll()
    assert len(view.selected_ids()) == 3


def when_open(kind, act, seen):
    """Run ``act(dialog)`` once a modal ``kind`` dialog is up (the real one the click opened)."""

    def attempt(left=300):
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            seen.append(dialog)
            try:
                act(dialog)
            except BaseException as exc:  # a failed check must not leave the dialog open
                seen.append(exc)
                dialog.reject()
        elif left:
            QTimer.singleShot(10, lambda: attempt(left - 1))

    QTimer.singleShot(0, attempt)


def test_export_previews_then_writes_the_file_and_marks_the_tasks_sent(view, qtbot, tasks, tmp_path, monkeypatch):
    target = tmp_path / "短信.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    select_all(view)
    assert view.sms_export_action.isEnabled()
    seen, preview = [], {}

    def act(dialog: SmsExportDialog):
        assert dialog.signature_edit.text() == "示例家电"  # the shop's name fits a signature
        assert dialog.preview.rowCount() == 2 and dialog.skipped.rowCount() == 1
        assert "固定电话" in dialog.skipped.item(0, 2).text()
        assert dialog.preview.item(0, 0).text() == "138****5678"  # the preview masks the number
        assert not dialog.mode_combo.model().item(1).isEnabled()  # 扫码评价 is off
        dialog.signature_edit.setText("示例家电售后服务总部上海店")
        preview["long"] = dialog.warning_label.text()
        assert not dialog.xlsx_button.isEnabled()  # 13 characters: too long for a signature
        dialog.signature_edit.setText("示例家电")
        preview["text"] = dialog.preview.item(0, 2).text()
        dialog.xlsx_button.click()

    when_open(SmsExportDialog, act, seen)
    view.sms_export_action.trigger()
    assert seen and not isinstance(seen[-1], BaseException), seen
    assert "短信签名" in preview["long"]
    assert preview["text"].startswith("【示例家电】王先生您好")
    rows = list(load_workbook(target)["短信"].values)
    assert [r[0] for r in rows[1:]] == ["13812345678", "13900001111"]
    assert {t.sent_via for t in VisitTask.select().where(VisitTask.id.in_([tasks[0].id, tasks[1].id]))} == {"短信"}
    assert VisitTask.get_by_id(tasks[2].id).sent_via is None


def reply_book(path, rows):
    book = Workbook()
    book.active.append(["号码", "接收时间", "内容"])
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return path


def test_import_enters_clear_replies_and_the_review_resolves_the_rest(view, qtbot, tasks, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "发.csv"), ""))
    select_all(view)
    when_open(SmsExportDialog, lambda d: d.csv_button.click(), [])
    view.sms_export_action.trigger()
    sent = VisitTask.get_by_id(tasks[0].id).sent_at
    later = sent.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    path = reply_book(
        tmp_path / "回复.xlsx",
        [("13812345678", later, "5 师傅很专业"), ("13900001111", later, "还不错吧"), ("13700000000", later, "谁")],
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    seen, shown = [], {}

    def act(dialog: SmsReviewDialog):
        shown["summary"] = dialog.summary_label.text()
        shown["tabs"] = (dialog.tabs.tabText(0), dialog.tabs.tabText(1))
        assert dialog.table.rowCount() == 2
        li = next(n for n, r in enumerate(dialog.rows) if r.phone == "13900001111")
        dialog.table.selectRow(li)
        assert dialog.task_combo.currentData() == tasks[1].id  # the one task texted to that number
        assert not dialog.enter_button.isEnabled()  # no answer picked yet: nothing guessed
        dialog.level_combo.setCurrentIndex(dialog.level_combo.findData(4))
        dialog.enter_button.click()
        assert dialog.table.rowCount() == 1 and dialog.rows[0].phone == "13700000000"
        assert dialog.task_combo.itemText(0) == "这个号码没有待回访的任务"
        dialog.discard_reason.setText("打错了")
        dialog.discard_button.click()
        assert dialog.table.rowCount() == 0 and dialog.tabs.tabText(0) == "待核对（0）"
        dialog.accept()

    when_open(SmsReviewDialog, act, seen)
    view.sms_import_action.trigger()
    assert seen and not isinstance(seen[-1], BaseException), seen
    assert "录入回访 1 条，待核对 2 条" in shown["summary"]
    visit = Visit.get(Visit.task == tasks[0].id)
    assert (visit.method, visit.feedback, Answer.get(Answer.visit == visit.id).value) == ("短信", "师傅很专业", 5)
    li_visit = Visit.get(Visit.task == tasks[1].id)
    assert Answer.get(Answer.visit == li_visit.id).value == 4 and li_visit.feedback == "还不错吧"
    assert SmsReply.get(SmsReply.phone == "13700000000").status == "已放弃"
    assert {VisitTask.get_by_id(t.id).status for t in tasks[:2]} == {"已完成"}

    # the same file again: nothing doubled, nothing left to review
    again = []
    when_open(SmsReviewDialog, lambda d: (again.append(d.summary_label.text()), d.accept()), [])
    view.sms_import_action.trigger()
    assert "已导入过 3 条" in again[0] and Visit.select().count() == 2


def test_a_caller_cannot_export_the_numbers_but_can_import(team, qtbot, db_path, tasks):
    accounts.login("qian", TEAM_PASSWORD)
    page = TasksView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    page.table.selectAll()
    page._update_buttons()
    assert not page.sms_export_action.isEnabled() and "主管" in page.sms_export_action.toolTip()
    assert page.sms_import_action.isEnabled()
