from datetime import date, datetime, timedelta

import pytest
from modal_boxes import answer_next_box
from PySide6.QtCore import QDate, QDateTime, QEvent, Qt, QTime
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from desktop.models import Answer, CallAttempt, ProblemCategory, Visit, VisitProblem, VisitTask
from desktop.services.intake import customers
from desktop.services.visits import templates
from desktop.views.common.context import AppContext


@pytest.fixture
def order(database):
    customer = customers.create_customer(
        {
            "code": "C202310001",
            "name": "张三",
            "title": "先生",
            "phone": "13812345678",
            "address": "北京市海淀区",
        }
    )
    return customers.create_order(
        {
            "order_no": "GD20231015001",
            "customer_id": customer.id,
            "service_type": "维修",
            "product_model": "KFR-35GW",
            "engineer": "李工",
            "completed_at": "2023-10-15 14:00",
        }
    )


@pytest.fixture
def task(order):
    return VisitTask.create(customer=order.customer, order=order, trigger="首次回访")


@pytest.fixture
def ctx(db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def view(qtbot, ctx, order):
    from desktop.services.admin import settings
    from desktop.views.visit_form.visit_form_view import VisitFormView

    settings.set_value("visitor_name", "王芳")  # 回访人员 is required on a completed visit
    widget = VisitFormView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args, **kw: shown.append(args[2]) or QMessageBox.Ok)
    return shown


def settle() -> None:
    """Let queued show/layout requests run, as the event loop does before a user can click."""
    for _ in range(3):
        QApplication.processEvents()


def click(qtbot, widget):
    settle()
    assert widget.isVisible() and widget.isEnabled(), widget
    qtbot.mouseClick(widget, Qt.LeftButton)


def type_text(widget, text: str) -> None:
    """Type Chinese text key by key (QTest.keyClicks only knows Latin-1 characters)."""
    for char in text:
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key_unknown, Qt.NoModifier, char))


@pytest.mark.pg_too  # the whole walk also on PostgreSQL (HUIFANG_TEST_PG_ALL)
def test_a_whole_call_typed_and_clicked_is_saved_and_reopens_unchanged(
    qtbot, view, ctx, order, task, warnings
):
    view.open_with(order_id=order.id)
    assert view.task_id == task.id  # the open task of the order is linked
    assert view.header_values["customer"].text() == "张三"
    assert view.header_values["product"].text() == "KFR-35GW"
    assert view.header_values["engineer"].text() == "李工"
    assert "张先生您好" in view.script.opening.text()
    assert not view.answers_box.isEnabled()  # locked until the customer says 方便

    click(qtbot, view.script.buttons["方便"])
    assert view.answers_box.isEnabled()
    rows = view.matrix.rows
    rows[0].setFocus()
    qtbot.keyClicks(rows[0], "1")  # 1 = 非常满意
    assert view.matrix.current == 1  # moved on by itself
    qtbot.keyClicks(rows[1], "2")  # 满意
    click(qtbot, rows[2].buttons_in_order()[2])  # 一般, by mouse
    qtbot.keyClicks(rows[3], "4")  # 不满意
    qtbot.keyClicks(rows[4], "1")
    qtbot.keyClicks(rows[5], "10")  # NPS 10 typed as 1 0
    assert view.matrix.current == 6
    type_text(rows[6].text_edit, "上门前先打电话")
    type_text(view.feedback_edit, "手续太麻烦，要跑两趟")
    click(qtbot, view.mood_group.button(2))  # 轻微不满
    category = ProblemCategory.get(name="流程便捷性类")
    click(qtbot, view.problem_checks[category.id])
    click(qtbot, view.repurchase_check)

    with qtbot.waitSignal(ctx.events.visits_changed, timeout=1000):
        click(qtbot, view.final_button)
    assert warnings == []

    visit = Visit.get()
    assert visit.status == "已完成" and visit.order_id == order.id and visit.task_id == task.id
    questions = templates.questions_of(templates.active_template("after_sales"))
    saved = {a.question_id: (a.value, a.text) for a in Answer.select().where(Answer.visit == visit)}
    assert saved == {
        questions[0].id: (5, ""),
        questions[1].id: (4, ""),
        questions[2].id: (3, ""),
        questions[3].id: (2, ""),
        questions[4].id: (5, ""),
        questions[5].id: (10, ""),
        questions[6].id: (None, "上门前先打电话"),
    }
    assert visit.feedback == "手续太麻烦，要跑两趟" and visit.mood == "轻微不满" and visit.repurchase
    assert [p.category_id for p in VisitProblem.select()] == [category.id]
    assert VisitTask.get_by_id(task.id).status == "已完成"
    assert [(a.outcome, a.visit_id) for a in CallAttempt.select()] == [("方便", visit.id)]
    assert not view.draft_button.isEnabled()  # a completed visit cannot go back to draft

    # reopen in a fresh form: every widget shows the same values
    from desktop.views.visit_form.visit_form_view import VisitFormView

    again = VisitFormView(ctx)
    qtbot.addWidget(again)
    again.open_with(visit_id=visit.id)
    assert again.visit_id == visit.id and again.status == "已完成"
    assert again.answers_box.isEnabled()
    assert again.matrix.answers() == saved
    assert [r.value() for r in again.matrix.rows[:6]] == [5, 4, 3, 2, 5, 10]
    assert again.matrix.rows[6].text_edit.text() == "上门前先打电话"
    assert again.feedback_edit.toPlainText() == "手续太麻烦，要跑两趟"
    assert again.mood_group.checkedButton().text() == "轻微不满"
    assert again.problem_checks[category.id].isChecked()
    assert sum(box.isChecked() for box in again.problem_checks.values()) == 1
    assert again.repurchase_check.isChecked()
    assert again.date_edit.date() == QDate.currentDate()
    assert again.method_combo.currentText() == "电话"
    assert again.respondent_edit.text() == "张三" and again.self_check.isChecked()
    assert again.header_values["customer"].text() == "张三"
    assert "GD20231015001" in again.pick.currentText()


def test_complete_with_missing_answers_is_refused_naming_them_then_draft_saves(qtbot, view, order, warnings):
    view.open_with(order_id=order.id)
    click(qtbot, view.script.buttons["方便"])
    qtbot.keyClicks(view.matrix.rows[0], "1")
    qtbot.keyClicks(view.matrix.rows[1], "2")

    click(qtbot, view.final_button)
    assert len(warnings) == 1
    assert "第3题 问题解决效果：必答题未作答" in warnings[0]
    assert "第6题 推荐意愿：必答题未作答" in warnings[0]
    assert "第7题" not in warnings[0]  # the open question is optional
    assert Visit.select().count() == 0 and Answer.select().count() == 0
    missing = [r.number for r in view.matrix.missing_rows()]
    assert missing == [3, 4, 5, 6]
    qtbot.keyClicks(view.matrix.rows[2], "3")  # answering clears the mark
    assert [r.number for r in view.matrix.missing_rows()] == [4, 5, 6]

    click(qtbot, view.draft_button)
    visit = Visit.get()
    assert visit.status == "草稿"
    assert sorted(a.value for a in visit.answers) == [3, 4, 5]
    assert len(warnings) == 1


def test_not_convenient_books_the_next_attempt(qtbot, view, order, task):
    view.open_with(order_id=order.id)
    click(qtbot, view.script.buttons["不方便"])
    assert view.script.inline.currentIndex() == 1
    suggested = view.script.booking.value()
    assert suggested > datetime.now() and suggested.minute == 0 and suggested.hour in (10, 15)
    when = (datetime.now() + timedelta(days=2)).replace(hour=15, minute=30, second=0, microsecond=0)
    view.script.booking.when.setDateTime(
        QDateTime(QDate(when.year, when.month, when.day), QTime(when.hour, when.minute))
    )
    click(qtbot, view.script.book_button)  # no reason yet: refused
    assert "原因" in view.script.result.text() and CallAttempt.select().count() == 0
    type_text(view.script.booking.reason.lineEdit(), "正在开车")
    click(qtbot, view.script.book_button)
    task = VisitTask.get_by_id(task.id)
    assert task.status == "已预约" and task.next_attempt_at == when
    attempt = CallAttempt.get()
    assert attempt.outcome == "不方便" and attempt.reason == "正在开车"
    assert view.script.log.rowCount() == 1 and view.script.log.item(0, 1).text() == "不方便"
    assert not view.answers_box.isEnabled()


def test_three_unanswered_calls_mark_the_task_unreachable(qtbot, view, order, task):
    view.open_with(order_id=order.id)
    for n in (1, 2, 3):
        click(qtbot, view.script.buttons["无法接通"])
        assert f"未接通次数：{n}" == view.script.counter.text()
    assert VisitTask.get_by_id(task.id).status == "无法联系"
    assert "无法联系" in view.script.result.text()
    assert view.script.log.rowCount() == 3


def test_wrong_person_who_uses_the_product_becomes_the_respondent(qtbot, view, order):
    view.open_with(order_id=order.id)
    click(qtbot, view.script.buttons["非本人"])
    click(qtbot, view.script.uses_yes_button)  # nobody named yet: refused
    assert "接听人" in view.script.result.text() and not view.answers_box.isEnabled()
    type_text(view.script.answered_by, "张太太")
    click(qtbot, view.script.uses_yes_button)
    assert view.answers_box.isEnabled()
    assert view.respondent_edit.text() == "张太太" and not view.self_check.isChecked()
    click(qtbot, view.draft_button)
    visit = Visit.get()
    assert visit.respondent == "张太太" and not visit.respondent_is_customer
    attempt = CallAttempt.get()
    assert attempt.answered_by == "张太太" and attempt.detail == {"uses_product": True}
    assert attempt.visit_id == visit.id


def test_wrong_person_not_the_user_books_a_call_back(qtbot, view, order, task):
    view.open_with(order_id=order.id)
    click(qtbot, view.script.buttons["非本人"])
    type_text(view.script.answered_by, "保姆")
    click(qtbot, view.script.uses_no_button)
    assert view.script.wrong_more.isVisible()
    click(qtbot, view.script.wrong_book_button)
    task = VisitTask.get_by_id(task.id)
    assert task.status == "已预约" and task.next_attempt_at > datetime.now()
    assert CallAttempt.get().detail == {"uses_product": False}
    assert not view.answers_box.isEnabled()


def test_refusal_marks_the_task(qtbot, view, order, task):
    view.open_with(order_id=order.id)
    click(qtbot, view.script.buttons["拒访"])
    type_text(view.script.refusal_reason, "不需要回访")
    click(qtbot, view.script.refuse_button)
    assert VisitTask.get_by_id(task.id).status == "拒访"
    assert CallAttempt.get().reason == "不需要回访"


def test_paper_entry_unlocks_the_form_without_a_call(qtbot, view, order):
    view.open_with(order_id=order.id)
    click(qtbot, view.paper_check)
    assert view.answers_box.isEnabled() and view.method_combo.currentText() == "问卷"
    qtbot.keyClicks(view.matrix, "11111" + "9")  # typed into the grid: row after row
    assert [r.value() for r in view.matrix.rows[:6]] == [5, 5, 5, 5, 5, 9]
    click(qtbot, view.final_button)
    visit = Visit.get()
    assert visit.status == "已完成" and visit.method == "问卷"
    assert CallAttempt.select().count() == 0


def test_bank_template_shows_per_question_labels_and_keys_pick_them(qtbot, view, order, monkeypatch):
    view.open_with(order_id=order.id)
    bank = templates.active_template("bank")
    view.template_combo.setCurrentIndex(view.template_combo.findData(bank.id))
    view.template_combo.activated.emit(view.template_combo.currentIndex())
    assert view.template_id == bank.id and view.title_label.text() == "银行客户满意度调查问卷"
    rows = view.matrix.rows
    header_labels = [w.text() for w in view.matrix.headers[0].findChildren(type(view.title_label))]
    assert "比较满意" in header_labels and "很不满意" in header_labels
    assert [b.text() for b in rows[0].buttons_in_order()] == [""] * 5  # same as the header
    assert [b.text() for b in rows[2].buttons_in_order()] == [
        "非常快速",
        "比较快速",
        "一般",
        "不快速",
        "很缓慢",
    ]
    assert all(r.comment_edit is not None for r in rows)  # the bank allows a comment on each
    click(qtbot, view.paper_check)
    qtbot.keyClicks(rows[2], "5")
    assert rows[2].value() == 1 and view.matrix.current == 3
    type_text(rows[2].comment_edit, "等了很久")
    assert view.matrix.answers()[rows[2].question.id] == (1, "等了很久")


def test_yes_no_and_score_keys(qtbot, view, order):
    view.open_with(order_id=order.id)
    car = templates.active_template("car_service")
    view.template_combo.setCurrentIndex(view.template_combo.findData(car.id))
    view.template_combo.activated.emit(view.template_combo.currentIndex())
    click(qtbot, view.paper_check)
    rows = view.matrix.rows
    qtbot.keyClicks(rows[0], "n")  # 是/否 → 否
    qtbot.keyClicks(rows[1], "0")  # 1–10: 0 = 10
    qtbot.keyClicks(rows[2], "7")
    assert [rows[0].value(), rows[1].value(), rows[2].value()] == [0, 10, 7]
    assert view.matrix.current == 3
    qtbot.keyClick(rows[2], Qt.Key_Backspace)
    assert rows[2].value() is None
    qtbot.keyClicks(rows[4], "y")
    assert rows[4].value() == 1


def test_print_buttons_save_a_draft_first(qtbot, view, order, monkeypatch, tmp_path):
    import desktop.views.printing.visit_form_print as printing

    calls = []
    monkeypatch.setattr(printing, "preview_visit_form", lambda parent, vid: calls.append(("preview", vid)))
    monkeypatch.setattr(printing, "print_visit_form", lambda parent, vid: calls.append(("print", vid)))
    monkeypatch.setattr(printing, "visit_form_pdf", lambda vid, out: calls.append(("pdf", vid, str(out))))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.Ok)
    out = tmp_path / "form"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF 文件 (*.pdf)"))
    view.open_with(order_id=order.id)
    click(qtbot, view.preview_button)
    visit = Visit.get()
    assert visit.status == "草稿"
    click(qtbot, view.print_button)
    click(qtbot, view.pdf_button)
    assert calls == [("preview", visit.id), ("print", visit.id), ("pdf", visit.id, f"{out}.pdf")]
    assert Visit.select().count() == 1  # saved once, reused


def test_new_clears_the_form_and_asks_before_dropping_edits(qtbot, view, order):
    view.open_with(order_id=order.id)
    click(qtbot, view.paper_check)
    qtbot.keyClicks(view.matrix.rows[0], "1")
    seen = []
    answer_next_box("取消", seen)
    click(qtbot, view.new_button)
    assert seen and sorted(seen[0]["buttons"]) == sorted(["保存草稿", "放弃", "取消"])
    assert view.customer_id == order.customer_id and view.matrix.rows[0].value() == 5  # kept
    answer_next_box("放弃")
    click(qtbot, view.new_button)
    assert view.customer_id is None and view.matrix.answers() == {}
    assert not view.final_button.isEnabled()
    assert Visit.select().count() == 0


def test_picker_searches_orders_by_phone(qtbot, view, order):
    view.search.edit.setText("1381234")
    view.search.flush()
    index = view.pick.findData(f"{order.customer_id}:{order.id}")
    assert index >= 0
    view.pick.setCurrentIndex(index)
    view.pick.activated.emit(index)
    assert view.order_id == order.id and view.header_values["service_type"].text() == "维修"


def test_typing_an_order_number_picks_it(qtbot, view, order, task):
    view.search.edit.setText("GD20231015001")
    view.search.flush()
    assert (view.customer_id, view.order_id, view.task_id) == (order.customer_id, order.id, task.id)
    assert view.header_values["customer"].text() == "张三"


def test_task_with_a_draft_reopens_the_draft(qtbot, view, ctx, order, task):
    view.open_with(task_id=task.id)
    click(qtbot, view.paper_check)
    qtbot.keyClicks(view.matrix.rows[0], "2")
    click(qtbot, view.draft_button)
    draft = Visit.get()
    view.open_with(new=True)
    view.open_with(task_id=task.id)
    assert view.visit_id == draft.id and view.matrix.rows[0].value() == 4


def test_visit_date_cannot_be_in_the_future(qtbot, view, order):
    view.open_with(order_id=order.id)
    assert view.date_edit.maximumDate() == QDate.currentDate()
    view.date_edit.setDate(QDate.currentDate().addDays(3))
    assert view.date_edit.date() == QDate.currentDate()
    assert view.collect().visit_date == date.today()


def test_a_cancelled_task_is_not_opened_for_filling(qtbot, view, task):
    VisitTask.update(status="已取消").where(VisitTask.id == task.id).execute()
    seen = []
    answer_next_box("OK", seen)
    view.open_with(task_id=task.id, paper=True)
    assert seen and "已取消" in seen[0]["text"]
    assert view.task_id is None and not view.final_button.isEnabled()


def test_a_paper_date_before_the_service_was_completed_is_refused_naming_the_field(qtbot, view, order):
    view.open_with(order_id=order.id, paper=True)
    view.date_edit.setFocus()
    qtbot.keyClicks(view.date_edit, "20231014")  # typed straight from the paper; done on 10-15
    assert view.collect().visit_date == date(2023, 10, 14)
    seen = []
    answer_next_box("OK", seen)
    qtbot.keyClick(view.feedback_edit, Qt.Key_Return, Qt.ControlModifier)  # Ctrl+Enter: 完成并保存
    assert seen and "回访日期" in seen[0]["text"] and "2023-10-15" in seen[0]["text"]
    assert Visit.select().count() == 0


def test_ctrl_s_saves_a_draft_and_ctrl_enter_completes_from_anywhere(qtbot, view, order):
    view.open_with(order_id=order.id, paper=True)
    qtbot.keyClicks(view.matrix, "11111" + "9")
    qtbot.keyClick(view.matrix.rows[6].text_edit, Qt.Key_S, Qt.ControlModifier)
    assert Visit.get().status == "草稿"
    type_text(view.feedback_edit, "好")
    seen = []
    answer_next_box("OK", seen)
    qtbot.keyClick(view.feedback_edit, Qt.Key_Enter, Qt.ControlModifier)
    assert seen == [] and Visit.get().status == "已完成" and Visit.get().feedback == "好"


def test_the_visit_date_is_typed_as_on_the_paper():
    from desktop.views.visit_form.visit_header import typed_date

    today = date(2026, 12, 3)
    assert typed_date("1202", today) == date(2026, 12, 2)
    assert typed_date("1205", today) == date(2025, 12, 5)  # not yet this year: last year's
    assert typed_date("02", today) == date(2026, 12, 2)
    assert typed_date("28", today) == date(2026, 11, 28)  # still to come this month: last month's
    assert typed_date("20251202", today) == date(2025, 12, 2)
    assert typed_date("1345", today) is None
