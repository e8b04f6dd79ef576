"""Issue 16 item 2: the counter screen (柜台自助), tapped through like a customer — from 回访任务's
柜台填写 to the thank-you and idle screens — with the visit checked in the database; the customer
cannot close it; the staff side shows the link's QR code and ends the counter mode."""

import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from desktop.models import Answer, Question, QuestionnaireTemplate, Visit, VisitSignature, VisitTask
from desktop.services.admin import settings
from desktop.services.intake import customers
from desktop.views.common.context import AppContext
from desktop.views.counter import counter_panel
from desktop.views.tasks.tasks_view import BUCKETS, TasksView
from tests.modal_boxes import answer_next_box
from tests.test_signature_view import draw_signature

# the pictures are looked at by hand: COUNTER_SHOTS=/some/dir keeps them (else a temporary folder)
SHOTS = Path(os.environ.get("COUNTER_SHOTS") or tempfile.mkdtemp(prefix="counter-shots-"))


@pytest.fixture
def task(database):
    settings.set_value("company_name", "诚信汽车维修中心")
    customer = customers.create_customer({"code": "C1", "name": "张三丰", "phone": "13812345678"})
    order = customers.create_order(
        {"order_no": "GD1", "customer_id": customer.id, "service_type": "维修", "product_model": "KFR-35GW",
         "completed_at": "2024-05-01 10:00"}
    )  # fmt: skip
    template = QuestionnaireTemplate.create(family="counter", name="柜台评价", title="服务满意度评价")
    rows = (
        ("您对本次维修服务的总体满意程度", "level5", True, True, None),
        ("您向亲友推荐我们的可能性有多大", "nps", True, False, None),
        ("维修后的问题是否已经解决", "yesno", True, False, None),
        ("您是通过什么方式预约的", "choice", False, False, ["电话", "到店", "微信"]),
    )
    for position, (text, kind, required, comment, options) in enumerate(rows):
        Question.create(template=template, position=position, text=text, kind=kind, required=required,
                        allow_comment=comment, options=options)  # fmt: skip
    return VisitTask.create(customer=customer, order=order, template=template, trigger="首次回访")


@pytest.fixture
def tasks_view(qtbot, task, db_path):
    view = TasksView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    view.on_shown()
    view.tabs.setCurrentIndex(BUCKETS.index("全部"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    view.table.selectionModel().select(view.model.index(0, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)
    yield view
    panel = counter_panel.current_panel()
    if panel is not None:
        panel.session = None
        panel.end()


def shoot(widget, name: str, size=None) -> Path:
    """The widget as a PNG; a full-screen counter at ``size`` (a tablet, a 1366×768 monitor) for
    the picture, then full screen again."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    full = widget.isFullScreen()
    if size is not None:
        widget.showNormal()
        widget.resize(*size)
    QApplication.processEvents()
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    if full:
        widget.showFullScreen()
    return path


def test_a_customer_taps_through_the_counter_and_the_visit_is_saved(qtbot, tasks_view, task):
    settings.set_value("survey_enabled", True)
    assert tasks_view.counter_button.isEnabled()
    shoot(tasks_view, "tasks_1366", (1366, 700))
    qtbot.mouseClick(tasks_view.counter_button, Qt.LeftButton)
    panel = counter_panel.current_panel()
    screen = panel.screen_view
    assert panel.isVisible() and screen.isVisible() and screen.isFullScreen()
    assert screen.windowFlags() & Qt.FramelessWindowHint
    assert "张**" in panel.state_label.text() and panel.qr_label.pixmap() is not None
    assert "/s/" in panel.qr_note.text()
    assert VisitTask.get_by_id(task.id).sent_via == "柜台自助"  # counts in the counter's 回收率
    screen.thanks_ms = 200

    # question 1: five levels with their labels, a comment; 下一题 refuses a required blank
    assert screen.state() == "question" and screen.progress_label.text() == "第 1 / 4 题"
    assert [b.text() for b in screen.option_buttons] == ["非常满意", "满意", "一般", "不满意", "非常不满意"]
    shoot(screen, "counter_question_1024x768", (1024, 768))
    shoot(screen, "counter_question_1366x768", (1366, 768))
    qtbot.mouseClick(screen.next_button, Qt.LeftButton)
    assert "必须回答" in screen.question_error.text() and screen.progress_label.text() == "第 1 / 4 题"
    qtbot.mouseClick(screen.option("满意"), Qt.LeftButton)
    screen.note_edit.insert("师傅很细心")  # typed through the input method
    qtbot.mouseClick(screen.next_button, Qt.LeftButton)

    # question 2: 0–10 in two rows of large buttons
    assert screen.progress_label.text() == "第 2 / 4 题" and len(screen.option_buttons) == 11
    shoot(screen, "counter_nps_1024x768", (1024, 768))
    qtbot.mouseClick(screen.option("9"), Qt.LeftButton)
    # back and forward keeps the answers
    qtbot.mouseClick(screen.back_button, Qt.LeftButton)
    assert screen.option("满意").isChecked() and screen.note_edit.text() == "师傅很细心"
    qtbot.mouseClick(screen.next_button, Qt.LeftButton)
    assert screen.option("9").isChecked()
    qtbot.mouseClick(screen.next_button, Qt.LeftButton)
    qtbot.mouseClick(screen.option("是"), Qt.LeftButton)
    qtbot.mouseClick(screen.next_button, Qt.LeftButton)
    assert screen.next_button.text() == "下一步"  # the last question, optional: left blank
    qtbot.mouseClick(screen.next_button, Qt.LeftButton)

    # 宝贵意见 and the signature
    assert screen.state() == "final"
    screen.feedback_edit.insertPlainText("等候区很舒适")
    draw_signature(qtbot, screen.pad)
    shoot(screen, "counter_final_1366x768", (1366, 768))
    shoot(panel, "counter_panel")
    qtbot.mouseClick(screen.submit_button, Qt.LeftButton)

    visit = Visit.get()
    assert (visit.task_id, visit.method, visit.status, visit.sign_status, visit.feedback) == (
        task.id, "柜台自助", "已完成", "电子签名", "等候区很舒适",
    )  # fmt: skip
    got = {a.question.kind: (a.value, a.text) for a in Answer.select().where(Answer.visit == visit.id)}
    assert got == {"level5": (4, "师傅很细心"), "nps": (9, ""), "yesno": (1, "")}
    assert VisitSignature.select().where(VisitSignature.visit == visit.id).count() == 1
    assert VisitTask.get_by_id(task.id).status == "已完成"
    assert screen.state() == "thanks" and "诚信汽车维修中心" in screen.thanks_note.text()
    shoot(screen, "counter_thanks_1024x768", (1024, 768))
    assert f"#{visit.id}" in panel.state_label.text()
    qtbot.waitUntil(lambda: screen.state() == "idle", timeout=3000)
    assert screen.shop_label.text() == "诚信汽车维修中心"
    shoot(screen, "counter_idle_1366x768", (1366, 768))


def test_the_customer_cannot_close_the_counter_screen(qtbot, tasks_view):
    qtbot.mouseClick(tasks_view.counter_button, Qt.LeftButton)
    panel = counter_panel.current_panel()
    screen = panel.screen_view
    assert screen.close() is False and screen.isVisible()  # Alt+F4 / the window manager
    qtbot.keyClick(screen, Qt.Key_Escape)
    assert screen.isVisible() and screen.state() == "question"
    assert screen.contextMenuPolicy() == Qt.NoContextMenu
    # the staff end it: asked first, since the customer is answering
    seen = []
    answer_next_box("否(&N)", seen)
    panel.end()
    assert screen.isVisible() and "还没有提交" in seen[0]["text"], seen
    answer_next_box("是(&Y)", seen)
    qtbot.mouseClick(panel.end_button, Qt.LeftButton)
    assert not screen.isVisible() and not panel.isVisible(), seen
    assert Visit.select().count() == 0 and VisitTask.get().status == "待回访"


def test_the_staff_key_ends_the_counter_mode(qtbot, tasks_view):
    qtbot.mouseClick(tasks_view.counter_button, Qt.LeftButton)
    panel = counter_panel.current_panel()
    screen = panel.screen_view
    assert panel.screen_combo.count() == len(QApplication.screens())
    panel._screens_changed()  # a monitor plugged in or out: the list is read again, still full screen
    assert screen.isFullScreen() and "屏幕 1" in panel.screen_combo.currentText()
    answer_next_box("是(&Y)")  # a customer is answering: the staff confirm
    screen.activateWindow()
    qtbot.keyClick(screen, Qt.Key_F12, Qt.ControlModifier | Qt.ShiftModifier)
    assert not screen.isVisible() and not panel.isVisible()


def test_a_phone_that_scanned_the_qr_first_wins(qtbot, tasks_view, task):
    from desktop.services.web import links
    from tests.test_web_survey import ANSWERS  # noqa: F401

    settings.set_value("survey_enabled", True)
    qtbot.mouseClick(tasks_view.counter_button, Qt.LeftButton)
    panel = counter_panel.current_panel()
    screen = panel.screen_view
    screen.thanks_ms = 60_000
    links.submit(panel.session.token, {"q1": "5", "q2": "10", "q3": "是"})  # the tablet's answers
    panel._check_link()  # the panel's poll
    assert screen.state() == "thanks" and "平板或手机" in panel.state_label.text()
    assert Visit.get().method == "扫码问卷"


def test_a_customer_who_walks_away_leaves_nothing_for_the_next(qtbot, tasks_view, task):
    qtbot.mouseClick(tasks_view.counter_button, Qt.LeftButton)
    panel = counter_panel.current_panel()
    screen = panel.screen_view
    screen.quiet_ms, screen.grace_ms = 2000, 300
    screen.begin(panel.session)  # the quiet time as set here
    qtbot.wait(1200)
    qtbot.mouseClick(screen.option("满意"), Qt.LeftButton)  # a touch restarts the quiet time
    qtbot.wait(1200)
    assert screen.state() == "question"  # 2.4 s since the start, 1.2 s since the touch
    qtbot.mouseClick(screen.next_button, Qt.LeftButton)
    screen.quiet_ms = 300
    qtbot.mouseClick(screen.option("9"), Qt.LeftButton)
    qtbot.waitUntil(lambda: screen.state() == "still", timeout=3000)
    shoot(screen, "counter_still_1024x768", (1024, 768))
    qtbot.mouseClick(screen.still_button, Qt.LeftButton)  # 继续填写: back where they were
    assert screen.state() == "question" and screen.progress_label.text() == "第 2 / 4 题"
    qtbot.waitUntil(lambda: screen.state() == "still", timeout=3000)
    qtbot.waitUntil(lambda: screen.state() == "idle", timeout=3000)  # nobody came back
    assert screen.answers == {} and screen.session is None
    assert "长时间未操作" in panel.state_label.text() and panel.session is None
    assert Visit.select().count() == 0 and VisitTask.get_by_id(task.id).status == "待回访"


def test_closing_the_app_while_a_customer_answers_asks_first(qtbot, task, db_path):
    """The counter belongs to the running app: quitting it while a customer is mid-way asks the
    staff (否 keeps the app and the customer's screen open); agreed, both close."""
    from tests.test_unsaved_work import new_window

    win = new_window(qtbot, db_path)
    panel = counter_panel.open_counter(AppContext(db_path=db_path), task.id, parent=win)
    screen = panel.screen_view
    assert screen.isVisible() and panel.answering()
    seen = []
    answer_next_box("否(&N)", seen)
    assert win.close() is False
    assert win.isVisible() and screen.isVisible() and "还没有提交" in seen[0]["text"], seen
    answer_next_box("是(&Y)", seen)
    assert win.close() is True
    assert not screen.isVisible() and not panel.isVisible()
    assert Visit.select().count() == 0 and VisitTask.get().status == "待回访"
