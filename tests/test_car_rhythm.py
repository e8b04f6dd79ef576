"""The car dealer's rhythm (seed 002): 首日 and 三日 visits after delivery, half-yearly visits while
the warranty runs — off until a 主管 switches them on."""

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from desktop.models import Customer, ServiceOrder, VisitTask
from desktop.services.admin import accounts, settings
from desktop.services.common import calendar
from desktop.services.scheduling.car_rhythm import half_year_targets, half_year_trigger
from desktop.services.scheduling.scheduler import describe, run_scheduler
from desktop.services.scheduling.triggers import add_months

DELIVERED = date(2024, 9, 27)  # a Friday; 09-29 is a swapped working Sunday, 10-01…10-07 National Day


def delivery(delivered: date, warranty_end: date | None = None, n: int = 1) -> ServiceOrder:
    customer = Customer.create(code=f"C20240900{n}", name=f"车主{n}", title="先生", phone=f"1390000000{n}")
    return ServiceOrder.create(
        order_no=f"JC2024{n:04d}",
        customer=customer,
        service_type="交付",
        product_model="SKODA 明锐",
        delivered_on=delivered,
        warranty_end=warranty_end,
    )


def window(order, trigger):
    task = VisitTask.get((VisitTask.order == order) & (VisitTask.trigger == trigger))
    return task.earliest, task.latest


@pytest.fixture(autouse=True)
def official_calendar():
    calendar.configure()
    yield
    calendar.configure()


def test_off_until_switched_on(database):
    delivery(DELIVERED)
    created = run_scheduler(today=DELIVERED)["created"]
    assert "首日回访" not in created and "三日回访" not in created and "保修期半年回访" not in created
    assert not VisitTask.select().where(VisitTask.trigger.in_(["首日回访", "三日回访"])).exists()


def test_first_and_third_day_after_delivery(database):
    """首日: "交车当天或第二天"; 三日: "交车之后第三天" (Mon 09-30), the next working day after it
    being 10-08 because of the National Day holiday."""
    order = delivery(DELIVERED)
    settings.set_value("trigger_car_delivery", True)
    result = run_scheduler(today=DELIVERED)
    assert result["created"]["首日回访"] == 1 and result["created"]["三日回访"] == 1
    assert window(order, "首日回访") == (DELIVERED, DELIVERED + timedelta(days=1))
    assert window(order, "三日回访") == (date(2024, 9, 30), calendar.add_workdays(date(2024, 9, 30), 1))
    assert window(order, "三日回访")[1] == date(2024, 10, 8)
    assert "首日回访 1 个" in describe(result)
    again = run_scheduler(today=DELIVERED + timedelta(days=1))
    assert again["created"]["首日回访"] == again["created"]["三日回访"] == 0


def test_half_yearly_while_the_warranty_runs(database):
    """ "在保修期内的项目一般每半年回访一次": a 3-year warranty gives visits at 6, 12 … 30 months;
    the 36th month is the 保修到期 visit's."""
    delivered, end = date(2024, 3, 15), date(2027, 3, 15)
    assert [m for m, _ in half_year_targets(delivered, end)] == [6, 12, 18, 24, 30]
    assert half_year_targets(delivered, date(2024, 9, 15)) == []  # a 6-month warranty: none inside
    order = delivery(delivered, end)
    settings.set_value("trigger_warranty_half_year", True)
    first = run_scheduler(today=date(2024, 9, 10))
    assert first["created"]["保修期半年回访"] == 1
    target = add_months(delivered, 6)
    assert window(order, half_year_trigger(6)) == (
        calendar.add_workdays(target, -3),
        calendar.add_workdays(target, 3),
    )
    assert run_scheduler(today=date(2024, 9, 11))["created"]["保修期半年回访"] == 0
    assert run_scheduler(today=date(2025, 3, 10))["created"]["保修期半年回访"] == 1
    triggers = [t.trigger for t in VisitTask.select().where(VisitTask.order == order).order_by(VisitTask.id)]
    assert triggers == ["保修期半年回访·6个月", "保修期半年回访·12个月"]


def test_only_a_manager_switches_them_on(team):
    accounts.login("qian", "team2026pw")
    with pytest.raises(accounts.PermissionDenied):
        settings.set_value("trigger_car_delivery", True)
    accounts.sign_out()
    accounts.login("boss", "team2026pw")
    settings.set_value("trigger_car_delivery", True)
    assert settings.get("trigger_car_delivery") is True


def test_switched_on_in_settings_then_tasks_made_from_the_task_page(qtbot, database, db_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desktop.views.common.context import AppContext
    from desktop.views.settings.settings_view import SettingsView
    from desktop.views.tasks.tasks_view import TasksView

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"unexpected warning {a[2:]}"))
    today = date.today()
    car = delivery(today - timedelta(days=2), n=1)
    six_months = delivery(add_months(today, -6), add_months(today, 30), n=2)
    ctx = AppContext(db_path=db_path)
    page = SettingsView(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    for key in ("trigger_car_delivery", "trigger_warranty_half_year"):
        box = page.general.editors[key].widget
        assert not box.isChecked()
        box.setFocus()
        qtbot.keyClick(box, Qt.Key_Space)  # tick it as a keyboard user does
        assert box.isChecked()
    with qtbot.waitSignal(ctx.events.settings_changed, timeout=1000):
        qtbot.mouseClick(page.general.save_button, Qt.LeftButton)
    assert settings.get("trigger_car_delivery") and settings.get("trigger_warranty_half_year")

    tasks_page = TasksView(ctx)
    qtbot.addWidget(tasks_page)
    tasks_page.show()
    tasks_page.on_shown()
    messages = []
    ctx.events.status_message.connect(messages.append)
    qtbot.mouseClick(tasks_page.schedule_button, Qt.LeftButton)
    made = {(t.order_id, t.trigger) for t in VisitTask.select()}
    assert {(car.id, "首日回访"), (car.id, "三日回访"), (six_months.id, half_year_trigger(6))} <= made
    assert any("首日回访" in m and "保修期半年回访" in m for m in messages)
