from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.models import Customer, ServiceOrder, Staff, VisitTask
from desktop.services.scheduling.sampling import DEFAULT_QUOTAS, allocate
from desktop.views.common.context import AppContext
from desktop.views.sampling.sampling_view import SamplingView
from desktop.views.tasks.tasks_view import TasksView

START, END = date(2024, 9, 1), date(2024, 9, 30)


@pytest.fixture
def served(database):
    """150 customers served in September 2024: 15 VIP, 20 with a complaint, 115 普通."""
    for n in range(1, 151):
        cust = Customer.create(
            code=f"C{n:05d}",
            name=f"客户{n}",
            phone=f"136{n:08d}",
            ctype="VIP客户" if n <= 15 else "普通客户",
            region="城东" if n % 2 else "城西",
        )
        ServiceOrder.create(
            order_no=f"W{n:06d}",
            customer=cust,
            service_type="维修" if n % 3 else "安装",
            team="维修一班",
            completed_at=datetime(2024, 9, 1 + n % 28, 10, 0),
            is_complaint=n > 130,
            complaint_closed_at=datetime(2024, 9, 29, 10, 0) if n > 130 else None,
        )
    return [Staff.create(name=name) for name in ("王芳", "李娜")]


@pytest.fixture
def ctx(db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def view(qtbot, ctx, served):
    page = SamplingView(ctx)
    qtbot.addWidget(page)
    page.show()
    page.on_shown()
    qtbot.waitUntil(lambda: not page.choices_loading, timeout=20_000)  # read in the background at first
    page.open_with(start=START, end=END)
    return page


@pytest.fixture
def yes(monkeypatch):
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2] if len(args) > 2 else "")
        return QMessageBox.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_preview_shows_allocation_and_rules(view):
    expected = allocate({"VIP": 15, "投诉": 20, "普通": 115}, DEFAULT_QUOTAS, 0.10)
    assert view.preview_counts() == expected
    assert view.name_edit.text() == "2024年9月抽样"
    assert "投诉" in view.rule_label.text() and "VIP" in view.rule_label.text()
    total_row = view.preview_table.rowCount() - 1
    assert view.preview_table.item(total_row, 0).text() == "合计"
    assert view.preview_table.item(total_row, 1).text() == "150"
    assert view.preview_table.item(total_row, 3).text() == "15"
    assert view.quota_sum_label.text().startswith("100")


def test_quota_editors_never_go_negative_and_show_sum(view):
    view.quota_spins["VIP"].setValue(-10)
    assert view.quota_spins["VIP"].value() == 0
    view.quota_spins["普通"].setValue(40)
    view.refresh_preview()
    assert view.quota_sum_label.text().startswith("60")
    assert "换算" in view.quota_sum_label.text()


def test_low_rate_warns(view, qtbot):
    view.rate_spin.setValue(5)
    view.refresh_preview()
    assert "低于" in view.warning_label.text() and "10%" in view.warning_label.text()
    assert sum(view.preview_counts().values()) == 8  # ceil(5% × 150)


def test_filter_changes_population(view):
    view.region_combo.setCurrentText("城东")
    view.refresh_preview()
    total_row = view.preview_table.rowCount() - 1
    assert view.preview_table.item(total_row, 1).text() == "75"


def test_build_plan_create_tasks_and_find_them_in_the_queue(view, qtbot, ctx, served, yes):
    wang, li = served
    for row in range(view.staff_list.count()):
        view.staff_list.item(row).setCheckState(Qt.Checked)
    view.seed_spin.setValue(42)
    with qtbot.waitSignal(ctx.events.visits_changed, timeout=2000):
        qtbot.mouseClick(view.create_button, Qt.LeftButton)
    assert yes and "15" in yes[0]
    trigger = "抽样：2024年9月抽样"
    tasks = VisitTask.select().where(VisitTask.trigger == trigger)
    assert tasks.count() == 15
    assert {tasks.where(VisitTask.assignee == s).count() for s in (wang, li)} == {7, 8}
    assert "新建任务 15 个" in view.result_label.text()
    qtbot.waitUntil(lambda: not view.history_loading, timeout=5000)  # read in the background
    assert view.history_table.item(0, 0).text() == "2024年9月抽样"

    # the same plan again: nothing new
    qtbot.mouseClick(view.create_button, Qt.LeftButton)
    assert VisitTask.select().count() == 15
    assert "新建任务 0 个" in view.result_label.text() and "此前已建" in view.result_label.text()

    # jump to the queue: the tasks are there
    with qtbot.waitSignal(ctx.events.open_page, timeout=2000) as opened:
        qtbot.mouseClick(view.open_tasks_button, Qt.LeftButton)
    page_id, kwargs = opened.args
    assert page_id == "tasks"
    queue = TasksView(ctx)
    qtbot.addWidget(queue)
    queue.show()
    queue.open_with(**kwargs)
    assert queue.model.total == 15
    assert {queue.model.row_tuple(r)[5] for r in range(queue.model.rowCount())} == {trigger}

    # open one → the 回访表 page is asked to open with that task
    first_id = queue.model.row_id(0)
    rect = queue.table.visualRect(queue.model.index(0, 0))
    with qtbot.waitSignal(ctx.events.open_page, timeout=2000) as opened:
        qtbot.mouseClick(queue.table.viewport(), Qt.LeftButton, pos=rect.center())
        qtbot.mouseDClick(queue.table.viewport(), Qt.LeftButton, pos=rect.center())
    assert opened.args == ["visit_form", {"task_id": first_id}]


def test_cancelled_confirmation_creates_nothing(view, qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.No)
    qtbot.mouseClick(view.create_button, Qt.LeftButton)
    assert VisitTask.select().count() == 0


def test_empty_period_disables_create(view):
    view.open_with(start=date(2023, 1, 1), end=date(2023, 1, 31))
    assert not view.create_button.isEnabled()
    assert "没有" in view.warning_label.text()


def test_evaluator_mode(view, qtbot, yes):
    Staff.create(name="刘主管", role="主管")
    view.on_shown()
    view.mode_combo.setCurrentIndex(1)
    view.start_edit.setDate(view.start_edit.date().fromString("2024-09-05", "yyyy-MM-dd"))
    view.refresh_preview()
    day_orders = ServiceOrder.select().where(
        (ServiceOrder.completed_at >= datetime(2024, 9, 5))
        & (ServiceOrder.completed_at < datetime(2024, 9, 6))
    )
    n = day_orders.count()
    assert view.preview_counts()["工长自评"] == n
    assert not view.end_edit.isVisible()
    assert not view.role_spins["工长自评"].isEnabled()  # 100%: the foreman's own form
    qtbot.mouseClick(view.create_button, Qt.LeftButton)
    assert VisitTask.select().where(VisitTask.trigger.endswith("·工长自评")).count() == 0
    dispatch = {t.order_id for t in VisitTask.select().where(VisitTask.trigger.endswith("·调度回访"))}
    managers = {t.order_id for t in VisitTask.select().where(VisitTask.trigger.endswith("·管理人员回访"))}
    assert len(dispatch) + len(managers) == n and not dispatch & managers
    assert "工长自评" in view.result_label.text() and "不建回访任务" in view.result_label.text()
