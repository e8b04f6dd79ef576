"""Issue 14 items 4 and 3 from the GUI: the order dialog's level deadline, the 工作台's 投诉率 tile
and overdue-complaint band, and on 回访任务 the priority column, 发放问卷 and the 催收 task the
scheduler makes for a questionnaire not back in time."""

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QDateTime, QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop.models import Customer, ServiceOrder, VisitTask
from desktop.services.common import calendar
from desktop.views.common.context import AppContext
from desktop.views.dashboard.dashboard_view import DashboardView
from desktop.views.orders.order_dialog import OrderDialog
from desktop.views.tasks.tasks_view import BUCKETS, COLUMNS, TasksView

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def official_calendar():
    calendar.configure()
    yield
    calendar.configure()


def _customer(n=1):
    return Customer.create(code=f"C20231000{n}", name=f"客户{n}", phone=f"1380000000{n}")


def test_order_dialog_shows_the_level_deadline(qtbot, database):
    c = _customer()
    received = datetime(2026, 11, 23, 9, 0)
    o = ServiceOrder.create(
        order_no="W1", customer=c, completed_at=received, is_complaint=True, complaint_level="一级", complaint_at=received
    )
    dialog = OrderDialog(o.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.deadline_label.text() == "24 小时内响应（截止 2026-11-24 09:00）"
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findData("三级"))
    assert dialog.deadline_label.text() == "2 小时内响应（截止 2026-11-23 11:00）"
    assert "三级（严重，2 小时内响应）" in dialog.level_combo.toolTip()


def test_dashboard_complaint_tile_and_overdue_band(qtbot, database, db_path):
    c = _customer()
    # seed 004: 投诉率下降25% — October 8 of 100 orders, November 6 of 100 (goal 8% × 0.75 = 6%)
    for month, complaints_n in ((10, 8), (11, 6)):
        for i in range(100):
            ServiceOrder.create(
                order_no=f"W{month}{i:03d}",
                customer=c,
                completed_at=datetime(2026, month, 5, 9, 0),
                is_complaint=i < complaints_n,
            )
    # a 三级 complaint received yesterday, never answered: past its 2 hours
    ServiceOrder.create(
        order_no="WLATE", customer=c, is_complaint=True, complaint_level="三级", complaint_at=datetime(2026, 11, 22, 9, 0)
    )
    view = DashboardView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.today_override = TODAY
    view.resize(1238, 800)
    view.show()
    view.on_shown()
    qtbot.waitUntil(lambda: view.tile_data is not None and not view.loading and not view.details_loading, timeout=20_000)
    tile = view.tiles["complaint"]
    assert tile.value.text() == "6.0%"
    assert "6/100" in tile.note.text() and "目标 ≤6.0%" in tile.note.text() and "已达标" in tile.note.text()
    assert "上期投诉率 × 0.75" in tile.toolTip()
    assert view.overdue_complaints.isVisible()
    assert "WLATE" in view.overdue_complaints.text() and "三级" in view.overdue_complaints.text()


def _select_rows(view, rows):
    view.table.clearSelection()
    model = view.table.selectionModel()
    for row in rows:
        index = view.model.index(row, 0)
        model.select(index, QItemSelectionModel.Select | QItemSelectionModel.Rows)


def test_tasks_priority_send_and_chase(qtbot, database, db_path):
    c = _customer()
    today = date.today()
    for no, level in (("W1", "一级"), ("W3", "三级")):
        o = ServiceOrder.create(order_no=no, customer=c, is_complaint=True, complaint_level=level)
        VisitTask.create(customer=c, order=o, trigger="投诉回访", earliest=today, latest=today + timedelta(days=1))
    sent = ServiceOrder.create(order_no="W9", customer=c)
    paper = VisitTask.create(customer=c, order=sent, trigger="首次回访", earliest=today, latest=today + timedelta(days=20))

    view = TasksView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    view.on_shown()
    view.tabs.setCurrentIndex(BUCKETS.index("全部"))
    column = [c.title for c in COLUMNS].index("优先级")
    view.table.horizontalHeader().setSortIndicator(column, Qt.DescendingOrder)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    shown = [view.model.index(r, column).data() for r in range(3)]
    assert shown == ["紧急", "普通", ""]

    # 发放问卷 by 短信, eight days ago, through the real dialog
    row = next(r for r in range(3) if view.model.row_id(r) == paper.id)
    _select_rows(view, [row])
    assert view.send_button.isEnabled()
    eight_days_ago = datetime.now().replace(second=0, microsecond=0) - timedelta(days=8)

    def fill():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, fill)
            return
        dialog.channel_combo.setCurrentIndex(dialog.channel_combo.findData("短信"))
        dialog.at_edit.setDateTime(QDateTime(eight_days_ago))
        dialog.buttons.button(QDialogButtonBox.Ok).click()

    QTimer.singleShot(0, fill)
    qtbot.mouseClick(view.send_button, Qt.LeftButton)
    task = VisitTask.get_by_id(paper.id)
    assert (task.sent_via, task.sent_at) == ("短信", eight_days_ago)
    from desktop.services.scheduling.tasks import PERIODS, period_bounds

    # the shortest period holding the day it was sent (none in the first 8 days of a year)
    period = next((p for p in PERIODS if period_bounds(p)[0] <= eight_days_ago.date()), None)
    if period is not None:
        view.period_combo.setCurrentText(period)
        assert "短信 0.0%（收回 0 / 发放 1，目标 ≥30%，未达标）" in view.channel_label.text()

    # 生成到期任务: the questionnaire is not back after 7 days → a 催收 task on the list
    qtbot.mouseClick(view.schedule_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.model.rowCount() == 4)
    triggers = [view.model.index(r, [c.title for c in COLUMNS].index("触发原因")).data() for r in range(4)]
    assert "催收·首次回访" in triggers
    assert VisitTask.get(VisitTask.chase_of == paper.id).status == "待回访"
