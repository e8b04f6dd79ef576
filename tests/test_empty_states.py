"""Empty pages say what to do next, with a button to the page that does it (回访任务 on an empty
database: 先导入客户和工单 → 导入数据); the hint goes once there is data."""

from datetime import date, datetime

from PySide6.QtCore import Qt

from desktop.models import VisitTask
from desktop.services.admin import next_steps
from desktop.services.intake import customers
from desktop.views.common.context import AppContext
from desktop.views.shell.main_window import MainWindow


def _window(qtbot, db_path):
    window = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


def _customer_and_order():
    c = customers.create_customer({"code": "C202310001", "name": "黄思远", "phone": "13812345678"})
    order = customers.create_order(
        {"order_no": "GD1", "customer_id": c.id, "service_type": "维修", "completed_at": datetime(2024, 5, 6)}
    )
    return c, order


def test_tasks_page_on_an_empty_database_leads_to_the_import(qtbot, database, db_path):
    window = _window(qtbot, db_path)
    page = window.show_page("tasks")
    hint = page.empty_hint
    qtbot.waitUntil(hint.isVisible)
    assert "先导入客户和工单" in hint.label.text()
    assert hint.geometry() == page.table.viewport().rect()  # laid over the whole list
    [button] = hint.buttons
    assert button.text() == "导入客户和工单" and button.isVisible()
    qtbot.mouseClick(button, Qt.LeftButton)
    assert window.stack.currentWidget() is window.page("import")
    assert window.nav.currentItem().text() == "导入数据"


def test_the_hint_goes_once_there_are_tasks_and_changes_with_the_data(qtbot, database, db_path):
    window = _window(qtbot, db_path)
    page = window.show_page("tasks")
    qtbot.waitUntil(page.empty_hint.isVisible)
    c, order = _customer_and_order()
    page.reload()
    # orders but no tasks yet: the next step is the sampling plan
    assert page.empty_hint.isVisible() and "抽样计划" in page.empty_hint.label.text()
    assert [b.text() for b in page.empty_hint.buttons] == ["去抽样计划"]
    VisitTask.create(customer=c, order=order, trigger="手工", earliest=date.today(), latest=date.today())
    page.open_with(bucket="全部")
    page.reload()
    assert page.model.rowCount() == 1
    assert not page.empty_hint.isVisible()


def test_a_search_with_no_match_is_no_reason_to_import(qtbot, database, db_path):
    _customer_and_order()
    window = _window(qtbot, db_path)
    page = window.show_page("customers")
    page.search.edit.setText("没有这个人")
    page.search.flush()
    assert page.model.rowCount() == 0 and not page.empty_hint.isVisible()


def test_every_list_page_has_a_next_step_on_an_empty_database(qtbot, database, db_path):
    window = _window(qtbot, db_path)
    for page_id, words, target in [
        ("customers", "还没有客户", "import"),
        ("orders", "还没有服务工单", "import"),
        ("visits", "还没有回访记录", "import"),
        ("sampling", "无法抽样", "import"),
    ]:
        page = window.show_page(page_id)
        hint = page.empty_hint
        qtbot.waitUntil(hint.isVisible)
        assert words in hint.label.text(), page_id
        qtbot.mouseClick(hint.buttons[0], Qt.LeftButton)
        assert window.stack.currentWidget() is window.page(target), page_id


def test_a_caller_gets_the_text_without_a_button_to_a_page_they_cannot_open(qtbot, team, db_path):
    from conftest import TEAM_PASSWORD

    from desktop.services.admin import accounts

    accounts.login("qian", TEAM_PASSWORD)  # 回访员: 导入数据 is a 主管's page
    window = _window(qtbot, db_path)
    page = window.show_page("tasks")
    qtbot.waitUntil(page.empty_hint.isVisible)
    assert "先导入客户和工单" in page.empty_hint.label.text() and page.empty_hint.buttons == []


def test_next_steps_follow_the_data(database):
    assert next_steps.tasks_step().actions == (("导入客户和工单", "import"),)
    assert next_steps.customers_step() is not None and next_steps.orders_step() is not None
    _customer_and_order()
    assert next_steps.customers_step() is None and next_steps.orders_step() is None
    assert next_steps.sampling_step() is None
    assert next_steps.visits_step().actions == (("去回访任务", "tasks"),)


def test_dashboard_on_an_empty_database_says_to_import_then_to_call(qtbot, database, db_path):
    from desktop.models import Visit
    from desktop.services.visits.templates import active_template

    window = _window(qtbot, db_path)
    page = window.show_page("dashboard")
    banner = page.next_step
    qtbot.waitUntil(banner.isVisible)
    assert "先导入客户和工单" in banner.label.text()
    [button] = banner.buttons
    qtbot.mouseClick(button, Qt.LeftButton)
    assert window.stack.currentWidget() is window.page("import")
    c, order = _customer_and_order()
    page = window.show_page("dashboard")
    assert banner.isVisible() and "回访任务" in banner.label.text()
    assert [b.text() for b in banner.buttons] == ["去回访任务"]
    Visit.create(
        customer=c, order=order, template=active_template("after_sales"), visitor="王小丽", visit_date=date.today()
    )
    window.show_page("tasks")
    window.show_page("dashboard")
    assert not banner.isVisible()
