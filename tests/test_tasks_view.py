from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox

from desktop.models import CallAttempt, Customer, ServiceOrder, Staff, VisitTask
from desktop.services.scheduling import tasks as svc
from desktop.services.visits import calls
from desktop.views.common.context import AppContext
from desktop.views.tasks.tasks_view import COLUMNS, STATUS_INDEX, TasksView


def add_task(n, earliest, latest, status="待回访", assignee=None):
    cust = Customer.create(code=f"C{n:05d}", name=f"客户{n}", phone=f"135{n:08d}")
    order = ServiceOrder.create(order_no=f"W{n:06d}", customer=cust, service_type="安装")
    return VisitTask.create(
        customer=cust,
        order=order,
        trigger="首次回访",
        earliest=earliest,
        latest=latest,
        status=status,
        assignee=assignee,
    )


@pytest.fixture
def queue(database):
    wang = Staff.create(name="王芳")
    li = Staff.create(name="李娜")
    d = date.today()
    made = {
        "a": add_task(1, d - timedelta(days=1), d + timedelta(days=4), assignee=wang),
        "b": add_task(2, d, d + timedelta(days=2)),
        "c": add_task(3, d, d + timedelta(days=6), assignee=li),
        "late": add_task(4, d - timedelta(days=10), d - timedelta(days=3), assignee=wang),
        "done": add_task(5, d - timedelta(days=6), d - timedelta(days=1), "已完成"),
    }
    return made, wang, li


@pytest.fixture
def ctx(db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def view(qtbot, ctx, queue):
    page = TasksView(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.on_shown()
    return page


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]) or QMessageBox.Ok)
    return shown


def click_tab(qtbot, view, bucket):
    index = svc.BUCKETS.index(bucket)
    qtbot.mouseClick(view.tabs, Qt.LeftButton, pos=view.tabs.tabRect(index).center())
    assert view.bucket == bucket


def ids_shown(view):
    return {view.model.row_id(r) for r in range(view.model.rowCount())}


def select(view, task_id):
    assert view.select_id(task_id)


def test_tabs_counts_and_columns(view, qtbot, queue):
    made, *_ = queue
    assert [c.title for c in COLUMNS] == [
        "客户", "电话", "工单号", "服务类型", "触发原因", "回访窗口", "负责人", "状态", "尝试次数", "下次联系", "优先级"
    ]  # fmt: skip
    assert view.bucket == "今日"
    assert ids_shown(view) == {made["a"].id, made["b"].id, made["c"].id}
    assert view.tabs.tabText(0) == "今日（3）"
    assert view.tabs.tabText(1) == "逾期（1）"
    click_tab(qtbot, view, "逾期")
    assert ids_shown(view) == {made["late"].id}
    click_tab(qtbot, view, "即将到期")
    assert ids_shown(view) == {made["b"].id}
    click_tab(qtbot, view, "已完成")
    assert ids_shown(view) == {made["done"].id}
    click_tab(qtbot, view, "全部")
    assert view.model.total == 5
    view.status_combo.setCurrentIndex(view.status_combo.findData("已完成"))
    assert ids_shown(view) == {made["done"].id}


def test_overdue_rows_are_red(view, qtbot, queue):
    made, *_ = queue
    click_tab(qtbot, view, "全部")
    for row in range(view.model.rowCount()):
        brush = view.model.data(view.model.index(row, 0), Qt.ForegroundRole)
        overdue = view.model.row_id(row) == made["late"].id
        assert (brush is not None and brush.color().name() == "#c62828") == overdue
    late_row = next(r for r in range(view.model.rowCount()) if view.model.row_id(r) == made["late"].id)
    window = view.model.data(view.model.index(late_row, 5))
    assert window.startswith(f"{date.today() - timedelta(days=10):%Y-%m-%d}")


def test_assignee_filter_and_assignment(view, qtbot, queue):
    made, wang, li = queue
    view.assignee_combo.setCurrentIndex(view.assignee_combo.findData(wang.id))
    assert ids_shown(view) == {made["a"].id}
    assert view.tabs.tabText(1) == "逾期（1）"
    view.assignee_combo.setCurrentIndex(view.assignee_combo.findData(svc.UNASSIGNED))
    assert ids_shown(view) == {made["b"].id}
    view.assignee_combo.setCurrentIndex(0)
    # assign two tasks to 李娜
    selection = view.table.selectionModel()
    for task in (made["a"], made["b"]):
        row = next(r for r in range(view.model.rowCount()) if view.model.row_id(r) == task.id)
        selection.select(view.model.index(row, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)
    view.assign_combo.setCurrentIndex(view.assign_combo.findData(li.id))
    qtbot.mouseClick(view.assign_button, Qt.LeftButton)
    assert VisitTask.select().where(VisitTask.assignee == li).count() == 3


def test_reschedule_refuse_and_unreachable(view, qtbot, queue, monkeypatch):
    made, *_ = queue
    later = datetime.combine(date.today() + timedelta(days=1), datetime.min.time()).replace(hour=15)
    monkeypatch.setattr(view, "ask_reschedule", lambda summary: (later, "在开会"))
    select(view, made["a"].id)
    qtbot.mouseClick(view.reschedule_button, Qt.LeftButton)
    task = VisitTask.get_by_id(made["a"].id)
    assert task.status == "已预约" and task.next_attempt_at == later
    assert CallAttempt.get(CallAttempt.task == task.id).reason == "在开会"
    assert made["a"].id not in ids_shown(view)  # booked for tomorrow: not today's work any more

    monkeypatch.setattr(view, "ask_refusal_reason", lambda summary: "不需要回访")
    select(view, made["b"].id)
    qtbot.mouseClick(view.refuse_button, Qt.LeftButton)
    assert VisitTask.get_by_id(made["b"].id).status == "拒访"

    click_tab(qtbot, view, "全部")
    for n in range(3):
        select(view, made["c"].id)
        assert view.unreachable_button.isEnabled()
        qtbot.mouseClick(view.unreachable_button, Qt.LeftButton)
        task = VisitTask.get_by_id(made["c"].id)
        if n < 2:
            assert task.status == "已预约" and task.next_attempt_at.date() > date.today()
    assert task.status == "无法联系"
    select(view, made["c"].id)
    assert not view.unreachable_button.isEnabled()  # a finished task takes no more outcomes
    row = next(r for r in range(view.model.rowCount()) if view.model.row_id(r) == made["c"].id)
    assert view.model.row_tuple(row)[STATUS_INDEX] == "无法联系"
    assert view.model.data(view.model.index(row, 8)) == "3"


def test_reschedule_needs_reason(view, qtbot, queue, monkeypatch, no_dialogs):
    made, *_ = queue
    answers = iter([(datetime.now() + timedelta(days=1), ""), None])
    monkeypatch.setattr(view, "ask_reschedule", lambda summary: next(answers))
    select(view, made["a"].id)
    qtbot.mouseClick(view.reschedule_button, Qt.LeftButton)
    assert no_dialogs and "原因" in no_dialogs[0]
    assert VisitTask.get_by_id(made["a"].id).status == "待回访"


def test_open_task_asks_for_the_visit_form(view, qtbot, ctx, queue):
    made, *_ = queue
    select(view, made["c"].id)
    with qtbot.waitSignal(ctx.events.open_page, timeout=2000) as opened:
        qtbot.mouseClick(view.open_button, Qt.LeftButton)
    assert opened.args == ["visit_form", {"task_id": made["c"].id}]


def test_hint_and_recovery_rate(view, queue):
    hint = calls.calling_hours_hint(datetime.now())
    assert view.hint_label.isVisibleTo(view) == bool(hint)
    text = view.recovery_label.text()
    assert "回收率" in text and "70%" in text
    view.period_combo.setCurrentText("本年")
    start, end = svc.period_bounds("本年")
    assert view.recovery_label.text() == svc.recovery_rate(start, end).text()


def test_search_box(view, qtbot, queue):
    made, *_ = queue
    click_tab(qtbot, view, "全部")
    view.search.edit.setText("W000004")
    view.search.flush()
    assert ids_shown(view) == {made["late"].id}


def test_settings_change_reconfigures_calendar(view, ctx):
    from desktop.services.admin import settings
    from desktop.services.common import calendar

    settings.set_value("calendar_extra_holidays", "2031-01-02")
    try:
        ctx.events.settings_changed.emit()
        assert date(2031, 1, 2) in calendar.current().extra_holidays
    finally:
        calendar.configure()


def test_reschedule_dialog_defaults_to_next_good_slot(view, qtbot, queue, monkeypatch):
    from desktop.services.visits.calls import next_good_slot
    from desktop.views.tasks.tasks_view import RescheduleDialog

    made, *_ = queue

    def accept(dialog):
        dialog.reason_edit.setText("客户在外地")
        return RescheduleDialog.Accepted

    monkeypatch.setattr(RescheduleDialog, "exec", accept)
    select(view, made["b"].id)
    qtbot.mouseClick(view.reschedule_button, Qt.LeftButton)
    task = VisitTask.get_by_id(made["b"].id)
    assert task.status == "已预约"
    assert task.next_attempt_at >= next_good_slot(datetime.now()) - timedelta(minutes=1)
    assert task.next_attempt_at.time().minute == 0 and task.next_attempt_at.hour in (10, 15)
    assert CallAttempt.get(CallAttempt.task == task.id).reason == "客户在外地"


def test_refusal_reason_asked_with_input_dialog(view, qtbot, queue, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    made, *_ = queue
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("家里人已经回访过了", True))
    select(view, made["c"].id)
    qtbot.mouseClick(view.refuse_button, Qt.LeftButton)
    assert VisitTask.get_by_id(made["c"].id).status == "拒访"
    assert CallAttempt.get(CallAttempt.task == made["c"].id).reason == "家里人已经回访过了"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
    select(view, made["a"].id)
    qtbot.mouseClick(view.refuse_button, Qt.LeftButton)  # cancelled: nothing recorded
    assert VisitTask.get_by_id(made["a"].id).status == "待回访"


def test_copy_survey_link_of_an_open_task(view, qtbot, ctx, queue):
    """评价链接 (copies the link): only with 设置 → 扫码评价 on and one open task selected; the link goes to
    the clipboard and stays the same when copied again."""
    from PySide6.QtGui import QGuiApplication

    from desktop.models import SurveyLink
    from desktop.services.admin import settings

    made, *_ = queue
    select(view, made["b"].id)
    assert not view.link_button.isEnabled()  # 扫码评价 is off by default
    settings.set_value("survey_enabled", True)
    ctx.events.settings_changed.emit()
    select(view, made["b"].id)  # the list was read again
    assert view.link_button.isEnabled()
    qtbot.mouseClick(view.link_button, Qt.LeftButton)
    link = SurveyLink.get()
    assert link.task_id == made["b"].id
    assert QGuiApplication.clipboard().text() == f"http://127.0.0.1:8765/s/{link.token}"
    qtbot.mouseClick(view.link_button, Qt.LeftButton)
    assert SurveyLink.select().count() == 1
