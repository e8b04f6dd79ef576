"""预约 (services.appointments and the 回访任务 page's 预约… dialog), on seed 000's example: call
*先生 (C202310001, 空调维修 KFR-35GW) about the visit of 2023-10-25, 1–2 days ahead, "为提升服务质量，
希望占用您3分钟时间"."""

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QDate, Qt, QTime, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from desktop.models import Customer, ServiceOrder, VisitTask
from desktop.services.admin import settings
from desktop.services.common import calendar
from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.scheduling import appointments, tasks
from desktop.services.scheduling.tasks import TaskFilter

VISIT_DAY = date(2023, 10, 25)  # Wednesday


def seed_task(earliest: date, latest: date) -> VisitTask:
    customer = Customer.create(code="C202310001", name="张伟", title="先生", phone="13800135678")
    order = ServiceOrder.create(
        order_no="W20231020", customer=customer, service_type="维修", product_model="KFR-35GW"
    )
    return VisitTask.create(
        customer=customer, order=order, trigger="首次回访", earliest=earliest, latest=latest
    )


@pytest.fixture
def task(database):
    calendar.configure()
    return seed_task(VISIT_DAY, date(2023, 10, 27))


def due_ids(today: date) -> set[int]:
    return {row[0] for row in tasks.search_tasks(TaskFilter(tasks.TO_BOOK), today=today)}


def test_task_is_to_book_one_to_two_working_days_ahead(task):
    assert due_ids(date(2023, 10, 22)) == set()  # Sunday: 10-25 is the 3rd working day after
    assert due_ids(date(2023, 10, 23)) == {task.id}  # 2 working days ahead
    assert due_ids(date(2023, 10, 24)) == {task.id}  # the day before
    assert due_ids(date(2023, 10, 25)) == set()  # the day itself: 今日, no longer ahead
    assert appointments.count_due(date(2023, 10, 24)) == 1
    assert tasks.bucket_counts(today=date(2023, 10, 24))[tasks.TO_BOOK] == 1
    # a Friday books Saturday … Tuesday (the 2nd working day after it)
    assert appointments.booking_range(date(2023, 10, 20)) == (date(2023, 10, 21), date(2023, 10, 24))


def test_booking_text_says_why_and_asks_for_a_slot(task):
    settings.set_value("company_name", "示例家电售后服务有限公司")
    sms = appointments.booking_text(task.id, "短信")
    assert sms.startswith("【示例家电售后服务有限公司】尊敬的张先生")
    for part in ("提升服务质量", "3分钟", "10月25日至10月27日", "维修服务", "什么时段方便", "400-800-1234"):
        assert part in sms
    call = appointments.booking_text(task.id, "电话")
    assert call.startswith("张先生您好") and "3分钟" in call and "10:00–11:30" in call


def test_book_stores_the_agreed_slot(task):
    now = datetime(2023, 10, 23, 16, 0)
    start, end = datetime(2023, 10, 25, 15, 0), datetime(2023, 10, 25, 17, 30)
    message = appointments.book(task.id, start, end, "短信", now=now)
    assert "2023-10-25 15:00–17:30" in message and "张伟" in message
    task = VisitTask.get_by_id(task.id)
    assert (task.status, task.appointment_start, task.appointment_end) == ("已预约", start, end)
    assert task.next_attempt_at == start
    assert "经短信预约：2023-10-25 15:00–17:30" in task.note
    assert due_ids(date(2023, 10, 24)) == set()  # booked: no longer a reminder
    today = {row[0] for row in tasks.search_tasks(TaskFilter("今日"), today=VISIT_DAY)}
    assert task.id in today  # on the agreed day it is today's work


def test_bad_slots_are_refused_with_the_field_named(task):
    now = datetime(2023, 10, 23, 16, 0)
    with pytest.raises(ValidationErrors, match="预约时段.*已经过去"):
        appointments.book(task.id, datetime(2023, 10, 23, 10, 0), datetime(2023, 10, 23, 11, 0), now=now)
    with pytest.raises(ValidationErrors, match="结束时间须晚于开始时间"):
        appointments.book(task.id, datetime(2023, 10, 25, 15, 0), datetime(2023, 10, 25, 14, 0), now=now)
    with pytest.raises(ValidationErrors, match="联系方式"):
        appointments.book(
            task.id, datetime(2023, 10, 25, 15, 0), datetime(2023, 10, 25, 16, 0), "微信", now=now
        )
    VisitTask.update(status="已完成").where(VisitTask.id == task.id).execute()
    with pytest.raises(UserError, match="已经结束"):
        appointments.book(task.id, datetime(2023, 10, 25, 15, 0), datetime(2023, 10, 25, 16, 0), now=now)
    assert VisitTask.get_by_id(task.id).appointment_start is None


def test_default_slot_is_the_first_good_slot_of_the_window(task):
    slot = appointments.default_slot(task.id, now=datetime(2023, 10, 23, 16, 0))
    assert (slot.start, slot.end) == (datetime(2023, 10, 25, 10, 0), datetime(2023, 10, 25, 11, 30))


# ---------------------------------------------------------------- the 回访任务 page
def test_book_from_the_task_page(qtbot, database, db_path):
    """待预约 tab → 预约… → the real dialog: copy the SMS, a slot in the past is refused (the real
    warning box), then the agreed slot is saved."""
    from desktop.views.common.context import AppContext
    from desktop.views.tasks.tasks_view import TasksView

    calendar.configure()
    today = date.today()
    opens = calendar.add_workdays(today, 1)
    task = seed_task(opens, opens + timedelta(days=3))
    view = TasksView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    view.on_shown()
    view.open_with(bucket=tasks.TO_BOOK)
    assert view.bucket == "待预约" and view.model.total == 1
    assert view.tabs.tabText(tasks.BUCKETS.index("待预约")) == "待预约（1）"
    assert view.select_id(task.id)
    assert view.book_button.isEnabled()

    seen, boxes = [], []
    yesterday = today - timedelta(days=1)

    def fill(day: date, start: time, end: time, copy: bool = False) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.windowTitle() != "预约回访":
            QTimer.singleShot(20, lambda: fill(day, start, end, copy))
            return
        seen.append(dialog.text_edit.toPlainText())
        if copy:
            qtbot.mouseClick(dialog.copy_button, Qt.LeftButton)
        dialog.date_edit.setDate(QDate(day.year, day.month, day.day))
        dialog.from_edit.setTime(QTime(start.hour, start.minute))
        dialog.to_edit.setTime(QTime(end.hour, end.minute))
        if day == yesterday:  # refused: the warning box comes, then the dialog again
            _answer_warning(boxes)
            QTimer.singleShot(0, lambda: fill(opens, time(15, 0), time(17, 30)))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).click()

    QTimer.singleShot(0, lambda: fill(yesterday, time(10, 0), time(11, 0), copy=True))
    qtbot.mouseClick(view.book_button, Qt.LeftButton)

    assert "3分钟" in seen[0] and "张先生" in seen[0]
    assert QApplication.clipboard().text() == seen[0]
    assert boxes and "已经过去" in boxes[0]
    task = VisitTask.get_by_id(task.id)
    assert task.status == "已预约"
    assert (task.appointment_start, task.appointment_end) == (
        datetime.combine(opens, time(15, 0)),
        datetime.combine(opens, time(17, 30)),
    )
    assert view.model.total == 0  # no longer to book
    assert view.tabs.tabText(tasks.BUCKETS.index("待预约")) == "待预约（0）"


def _answer_warning(seen: list) -> None:
    """Close the next warning box (QMessageBox) and keep its text."""

    def attempt(left: int) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            seen.append(box.text())
            box.accept()
            return
        if left:
            QTimer.singleShot(10, lambda: attempt(left - 1))

    QTimer.singleShot(0, lambda: attempt(300))
