"""Weekly follow-up (seed 000: 售后服务部指定专人每周跟踪各部门落实进度): an improvement action
still being worked on with no progress entry for 7 days is flagged on 工作台 and in the plan list."""

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from test_customers_view import type_text

from desktop.models import ActionLog, Customer, ImprovementAction, QuestionnaireTemplate, Visit
from desktop.services.improvement import flow, followup
from desktop.services.improvement import improvement as svc
from desktop.views.common.context import AppContext

CREATED = date(2023, 10, 26)  # the seed's row: visited 2023-10-25, measure decided the next day


def _at(action_id: int, day: date) -> None:
    """Date the action's log back to ``day`` (entries are stamped with the real clock)."""
    ActionLog.update(at=datetime.combine(day, datetime.min.time()) + timedelta(hours=9)).where(
        ActionLog.action == action_id
    ).execute()


@pytest.fixture
def seed_action(database):
    """The seed's first row: 滤网 not brought, 备件库存预警 by 物流部, due 2023-11-10."""
    customer = Customer.create(code="C202310001", name="张先生", phone="13800005678")
    tpl = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "after_sales")
    visit = Visit.create(
        customer=customer,
        template=tpl,
        status="已完成",
        visit_date=date(2023, 10, 25),
        feedback="维修师傅第一次上门时未携带空调滤网，导致需二次预约",
    )
    action = svc.create_action(
        svc.ActionInput(
            problem="第一次上门未携带滤网导致二次预约",
            measure="建立备件库库存预警机制，当备件库存低于阈值时自动补货",
            department="物流部",
            owner="张工",
            deadline=date(2023, 11, 10),
            visit_ids=[visit.id],
        ),
        today=CREATED,
    )
    _at(action.id, CREATED)
    return action


def test_seven_days_without_an_entry_is_flagged(seed_action):
    assert followup.stale_actions(CREATED + timedelta(days=6)) == []
    (stale,) = followup.stale_actions(CREATED + timedelta(days=7))
    assert (stale.action_id, stale.days, stale.last_entry, stale.department) == (
        seed_action.id,
        7,
        CREATED,
        "物流部",
    )
    assert stale.text == "7天未跟进"


def test_a_progress_entry_or_a_finished_measure_clears_it(seed_action):
    today = date(2023, 11, 6)
    assert followup.stale_days(today) == {seed_action.id: 11}
    flow.add_progress(seed_action.id, "预警规则已在测试环境上线", "王主管")
    ActionLog.update(at=datetime(2023, 11, 3, 10)).where(ActionLog.note.startswith("预警规则")).execute()
    assert followup.stale_days(today) == {}  # 3 days ago
    assert followup.stale_days(date(2023, 11, 10)) == {seed_action.id: 7}
    flow.change_status(seed_action.id, svc.IN_PROGRESS, today=date(2023, 11, 3))
    flow.change_status(
        seed_action.id,
        svc.DONE,
        completed_on=date(2023, 11, 8),
        completion_note="完成系统调试",
        today=date(2023, 11, 8),
    )
    _at(seed_action.id, date(2023, 11, 8))
    assert followup.stale_days(date(2023, 11, 30)) == {}  # done: the verification visits follow it


def test_the_plan_list_flags_it_and_a_typed_entry_clears_it(seed_action, db_path, qtbot):
    from desktop.views.improvement.improvement_view import STALE_BG, STATUS_COL, ImprovementView

    view = ImprovementView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.today_override = date.today() + timedelta(days=30)  # the log's last entry: 2023-10-26 … today
    view.resize(1300, 860)
    view.show()
    view.refresh()
    days = (view.today() - CREATED).days
    assert f"{days}天未跟进" in view.model.index(0, STATUS_COL).data()
    assert "没有进度记录" in view.model.index(0, STATUS_COL).data(Qt.ToolTipRole)
    assert "1 项超过 7 天未跟进" in view.summary_label.text()
    view.filter_combo.setCurrentIndex(view.filter_combo.findData(followup.STALE))
    assert view.filter_combo.currentText() == "待跟进（1）"
    assert {r.action_id for r in view.model.rows} == {seed_action.id}
    if view.model.index(0, 0).data(Qt.BackgroundRole) != STALE_BG:  # overdue wins the colour
        assert view.model.rows[0].overdue
    view.today_override = date.today()  # a fresh entry is less than 7 days old on any later day
    view.refresh()
    view.table.selectRow(0)
    type_text(qtbot, view.note_edit, "预警规则已上线测试")
    qtbot.mouseClick(view.note_button, Qt.LeftButton)
    assert view.model.rowCount() == 0  # the 待跟进 list is empty now
    assert view.filter_combo.currentText() == "待跟进（0）"
    assert followup.stale_days(date.today()) == {}


def test_the_dashboard_flags_it_and_opens_the_list(seed_action, db_path, qtbot):
    from desktop.views.dashboard.dashboard_view import DashboardView

    ImprovementAction.update(deadline=date.today() + timedelta(days=60)).execute()
    view = DashboardView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.today_override = date.today()
    view.resize(1238, 800)
    view.show()
    view.on_shown()
    qtbot.waitUntil(lambda: view.charts_drawn, timeout=20_000)
    tile = view.tiles["actions"]
    assert tile.value.text() == "0"
    assert "1 项超过 7 天未跟进" in tile.note.text()
    with qtbot.waitSignal(view.ctx.events.open_page, timeout=1000) as blocker:
        qtbot.mouseClick(tile, Qt.LeftButton)
    assert blocker.args == ["improvement", {"status_filter": "待跟进"}]
