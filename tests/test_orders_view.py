"""The 服务工单 page and the order dialog, driven like a user (pytest-qt)."""

from datetime import date, datetime, timedelta
from itertools import groupby

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QLabel

from desktop.models import ServiceOrder
from desktop.services.intake import customers as svc
from desktop.views.common.context import AppContext
from desktop.views.orders.order_dialog import CustomerPicker, OrderDialog
from desktop.views.orders.orders_view import OrdersView


def type_text(qtbot, widget, text: str) -> None:
    """ASCII as key clicks, Chinese as an input-method commit (QTest only knows ASCII keys)."""
    for ascii_run, chars in groupby(text, key=str.isascii):
        run = "".join(chars)
        if ascii_run:
            qtbot.keyClicks(widget, run)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(run)
            QCoreApplication.sendEvent(widget, event)


@pytest.fixture
def ctx(database, db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def customers(database):
    return [
        svc.create_customer({"code": "C202310001", "name": "张三", "phone": "13812345678"}),
        svc.create_customer({"code": "C202310002", "name": "李四", "phone": "13900000000"}),
        svc.create_customer({"code": "C202310003", "name": "王五", "phone": "010-12345678"}),
    ]


@pytest.fixture
def view(qtbot, ctx, customers):
    widget = OrdersView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    return widget


def add_order(customer, order_no, days_ago=1, **extra):
    data = {
        "order_no": order_no,
        "customer_id": customer.id,
        "service_type": "维修",
        "completed_at": datetime.now().replace(microsecond=0) - timedelta(days=days_ago),
    }
    data.update(extra)
    return svc.create_order(data)


def order_nos(view) -> list[str]:
    return [view.model.row_tuple(r)[1] for r in range(view.model.rowCount())]


def set_datetime(edit, value: datetime) -> None:
    edit.setDateTime(QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute)))


def test_create_order_through_the_dialog(view, qtbot, customers):
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, OrderDialog) and dialog.isVisible()
    assert dialog.picker.customer_id() is None  # nobody chosen by default
    order_no = dialog.order_no_edit.text()
    assert order_no == svc.suggest_order_no()

    # find the customer by typing part of the phone number
    type_text(qtbot, dialog.picker.search.edit, "1390000")
    dialog.picker.search.flush()
    assert dialog.picker.customer_id() == customers[1].id
    assert "李四" in dialog.picker.combo.currentText()

    dialog.service_combo.setCurrentIndex(dialog.service_combo.findData("安装"))
    type_text(qtbot, dialog.product_edit, "KFR-35GW")
    type_text(qtbot, dialog.engineer_edit, "李师傅")
    type_text(qtbot, dialog.team_edit, "安装二组")
    done = datetime.now().replace(second=0, microsecond=0) - timedelta(days=2)
    set_datetime(dialog.completed_edit, done)
    dialog.delivered_check.setChecked(True)
    dialog.delivered_edit.setDate(QDate(2023, 10, 10))
    dialog.warranty_check.setChecked(True)
    assert dialog.warranty_edit.date() == QDate(2024, 10, 10)  # one year after delivery
    dialog.complaint_group.setChecked(True)
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findData("二级"))
    with qtbot.waitSignal(view.ctx.events.orders_changed, timeout=1000):
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    o = ServiceOrder.get(ServiceOrder.order_no == order_no)
    assert o.customer_id == customers[1].id
    assert (o.service_type, o.product_model, o.engineer, o.team) == ("安装", "KFR-35GW", "李师傅", "安装二组")
    assert o.completed_at == done
    assert (o.delivered_on, o.warranty_end) == (date(2023, 10, 10), date(2024, 10, 10))
    assert (o.is_complaint, o.complaint_level, o.complaint_closed_at) == (True, "二级", None)
    assert view.dialog is None
    assert order_nos(view) == [order_no]
    assert view.count_label.text().startswith("共 1 张工单")
    assert view.model.index(0, 8).data() == "投诉·二级"


def test_completion_in_the_future_is_refused(view, qtbot, customers):
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    dialog = view.dialog
    dialog.picker.set_customer(customers[0].id)
    set_datetime(dialog.completed_edit, datetime.now() + timedelta(days=3))
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    assert not ServiceOrder.select().exists()
    assert dialog.isVisible()
    assert "完成时间" in dialog.errors.message("完成时间")
    assert dialog.completed_edit.property("invalid") is True

    set_datetime(dialog.completed_edit, datetime.now() - timedelta(hours=3))
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert ServiceOrder.select().count() == 1


def test_customer_must_be_chosen(view, qtbot):
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    dialog = view.dialog
    type_text(qtbot, dialog.picker.search.edit, "没有这个人")
    dialog.picker.search.flush()
    assert dialog.picker.customer_id() is None
    assert "没有找到" in dialog.picker.combo.placeholderText()
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert not ServiceOrder.select().exists()
    assert "请先选择" in dialog.errors.message("客户")


def test_duplicate_order_no_is_refused(view, qtbot, customers):
    add_order(customers[0], "GD001")
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    dialog = view.dialog
    dialog.picker.set_customer(customers[1].id)
    dialog.order_no_edit.clear()
    type_text(qtbot, dialog.order_no_edit, "gd001")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert ServiceOrder.select().count() == 1
    assert "已存在" in dialog.errors.message("工单号")


def test_picker_stays_small_with_many_matches(qtbot, database):
    from desktop.models import Customer, db

    rows = [(f"C2023{i:05d}", f"客户{i}", f"138{i:08d}") for i in range(CustomerPicker.LIMIT * 3)]
    with db.atomic():
        Customer.insert_many(rows, fields=[Customer.code, Customer.name, Customer.phone]).execute()
    picker = CustomerPicker()
    qtbot.addWidget(picker)
    type_text(qtbot, picker.search.edit, "客户")
    picker.search.flush()
    assert picker.combo.count() == CustomerPicker.LIMIT + 1  # + the "type more" note
    assert picker.customer_id() is not None
    assert picker.combo.itemData(CustomerPicker.LIMIT) is None


def test_edit_order(view, qtbot, customers):
    o = add_order(customers[0], "GD001", engineer="王工")
    view.reload()
    view.table.selectRow(0)
    qtbot.mouseClick(view.edit_button, Qt.LeftButton)
    dialog = view.dialog
    assert dialog.order_no_edit.text() == "GD001"
    assert dialog.picker.customer_id() == customers[0].id
    dialog.engineer_edit.clear()
    type_text(qtbot, dialog.engineer_edit, "赵工")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert ServiceOrder.get_by_id(o.id).engineer == "赵工"
    assert view.model.index(0, 5).data() == "赵工"


def test_filter_by_customer_and_text(view, qtbot, customers):
    add_order(customers[0], "GD001", days_ago=3, product_model="KFR-35GW")
    add_order(customers[0], "GD002", days_ago=2)
    add_order(customers[1], "GD003", days_ago=1, engineer="李师傅")
    view.reload()
    assert order_nos(view) == ["GD003", "GD002", "GD001"]  # newest completion first

    view.open_with(customer_id=customers[0].id)
    assert order_nos(view) == ["GD002", "GD001"]
    assert view.filter_bar.isVisible() and "张三" in view.filter_label.text()

    type_text(qtbot, view.search.edit, "KFR")
    view.search.flush()
    assert order_nos(view) == ["GD001"]

    qtbot.mouseClick(view.clear_filter_button, Qt.LeftButton)
    assert not view.filter_bar.isVisible()
    view.search.edit.clear()
    type_text(qtbot, view.search.edit, "李")
    view.search.flush()
    assert order_nos(view) == ["GD003"]  # 李四's order, and 李师傅's
    assert view.count_label.text().startswith("共 1 张工单")


def test_start_visit_by_button_and_double_click(view, qtbot, customers):
    o = add_order(customers[0], "GD001")
    view.reload()
    view.table.selectRow(0)
    with qtbot.waitSignal(view.ctx.events.open_page, timeout=1000) as blocker:
        qtbot.mouseClick(view.visit_button, Qt.LeftButton)
    assert blocker.args == ["visit_form", {"order_id": o.id}]

    rect = view.table.visualRect(view.model.index(0, 1))
    with qtbot.waitSignal(view.ctx.events.open_page, timeout=1000) as blocker:
        # a real double click is press, release, then the double-click event
        qtbot.mouseClick(view.table.viewport(), Qt.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.LeftButton, pos=rect.center())
    assert blocker.args == ["visit_form", {"order_id": o.id}]


def test_new_order_for_the_filtered_customer(view, qtbot, customers):
    view.open_with(customer_id=customers[2].id, new=True)
    dialog = view.dialog
    assert dialog.picker.customer_id() == customers[2].id
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert ServiceOrder.get().customer_id == customers[2].id
    assert view.model.rowCount() == 1


def test_reloads_when_orders_change_elsewhere(view, customers):
    assert view.model.rowCount() == 0
    add_order(customers[0], "GD009")
    view.ctx.events.orders_changed.emit()
    assert order_nos(view) == ["GD009"]


# ---------------------------------------------------------------- complaint times
def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.LeftButton, pos=widget.rect().center())


def click_group_box(qtbot, group) -> None:
    """Click the check box in the title of a checkable group box."""
    from PySide6.QtWidgets import QStyle, QStyleOptionGroupBox

    option = QStyleOptionGroupBox()
    group.initStyleOption(option)
    rect = group.style().subControlRect(QStyle.CC_GroupBox, option, QStyle.SC_GroupBoxCheckBox, group)
    qtbot.mouseClick(group, Qt.LeftButton, pos=rect.center())


def pick_service(dialog, name: str) -> None:
    dialog.service_combo.setCurrentIndex(dialog.service_combo.findData(name))


def test_complaint_times_entered_in_the_dialog_are_saved(view, qtbot, customers):
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    dialog = view.dialog
    dialog.picker.set_customer(customers[0].id)
    assert not dialog.complaint_group.isChecked()
    pick_service(dialog, "投诉处理")
    assert dialog.complaint_group.isChecked()  # a 投诉处理 order is a complaint
    assert not dialog.accepted_edit.isEnabled() and not dialog.responded_edit.isEnabled()  # empty so far

    base = datetime.now().replace(second=0, microsecond=0) - timedelta(days=2)
    set_datetime(dialog.completed_edit, base + timedelta(hours=6))
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findData("三级"))
    click(qtbot, dialog.accepted_check)
    assert dialog.accepted_edit.isEnabled()
    set_datetime(dialog.accepted_edit, base)
    click(qtbot, dialog.responded_check)
    set_datetime(dialog.responded_edit, base + timedelta(hours=3, minutes=20))
    with qtbot.waitSignal(view.ctx.events.orders_changed, timeout=1000):
        click(qtbot, dialog.ok_button)

    o = ServiceOrder.get()
    assert (o.service_type, o.is_complaint, o.complaint_level) == ("投诉处理", True, "三级")
    assert o.complaint_at == base
    assert o.complaint_responded_at == base + timedelta(hours=3, minutes=20)
    assert o.complaint_closed_at is None  # left empty

    # open it again: the times are shown ticked; taking one out empties it in the database
    dialog = OrderDialog(o.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.accepted_check.isChecked() and dialog.responded_check.isChecked()
    assert dialog.responded_edit.dateTime().toPython() == o.complaint_responded_at
    assert not dialog.closed_check.isChecked()
    click(qtbot, dialog.responded_check)
    click(qtbot, dialog.ok_button)
    o = ServiceOrder.get()
    assert (o.complaint_at, o.complaint_responded_at) == (base, None)


def test_complaint_times_in_the_wrong_order_are_refused(view, qtbot, customers):
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    dialog = view.dialog
    dialog.picker.set_customer(customers[1].id)
    click_group_box(qtbot, dialog.complaint_group)  # a 维修 order the customer complained about
    assert dialog.complaint_group.isChecked()
    base = datetime.now().replace(second=0, microsecond=0) - timedelta(days=1)
    click(qtbot, dialog.accepted_check)
    set_datetime(dialog.accepted_edit, base)
    click(qtbot, dialog.responded_check)
    set_datetime(dialog.responded_edit, base - timedelta(minutes=30))  # answered before it came in
    click(qtbot, dialog.ok_button)

    assert not ServiceOrder.select().exists()
    assert dialog.isVisible() and view.dialog is dialog
    message = dialog.errors.message("首次响应时间")
    assert f"早于投诉受理时间 {base:%Y-%m-%d %H:%M}" in message
    assert "请改正首次响应时间或投诉受理时间" in message
    assert dialog.responded_edit.property("invalid") is True
    assert dialog.errors.message("投诉受理时间") == ""
    label = next(w for w in dialog.findChildren(QLabel, "fieldError") if w.text() == message)
    assert label.geometry().height() >= label.heightForWidth(label.width())  # not cut off

    set_datetime(dialog.responded_edit, base + timedelta(hours=1))  # the fix the message asks for
    click(qtbot, dialog.ok_button)
    o = ServiceOrder.get()
    assert (o.service_type, o.complaint_at, o.complaint_responded_at) == (
        "维修",
        base,
        base + timedelta(hours=1),
    )


def test_complaint_box_follows_the_service_type_unless_ticked_by_hand(qtbot, database, customers):
    dialog = OrderDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    pick_service(dialog, "投诉处理")
    assert dialog.complaint_group.isChecked()
    pick_service(dialog, "维修")  # picked by mistake: the box goes again
    assert not dialog.complaint_group.isChecked()
    pick_service(dialog, "投诉处理")
    click_group_box(qtbot, dialog.complaint_group)  # the user takes the tick out and puts it back
    assert not dialog.complaint_group.isChecked()
    click_group_box(qtbot, dialog.complaint_group)
    pick_service(dialog, "保养")
    assert dialog.complaint_group.isChecked()  # the user's own tick stays


def test_first_time_fixed_chosen_in_the_dialog_is_saved_and_shown_again(view, qtbot, customers):
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    dialog = view.dialog
    assert [dialog.fix_combo.itemText(i) for i in range(dialog.fix_combo.count())] == ["未填", "是", "否"]
    assert dialog.fix_combo.currentText() == "未填"  # nobody said: judged from later orders
    assert "30 天内再次报修" in dialog.fix_hint.text()
    type_text(qtbot, dialog.picker.search.edit, "1390000")
    dialog.picker.search.flush()
    type_text(qtbot, dialog.product_edit, "KFR-35GW")
    set_datetime(dialog.completed_edit, datetime.now().replace(second=0, microsecond=0) - timedelta(days=3))
    dialog.fix_combo.setCurrentIndex(dialog.fix_combo.findText("否"))
    assert "以此为准" in dialog.fix_hint.text()
    order_no = dialog.order_no_edit.text()
    with qtbot.waitSignal(view.ctx.events.orders_changed, timeout=1000):
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    o = ServiceOrder.get(ServiceOrder.order_no == order_no)
    assert o.first_time_fixed is False

    dialog = OrderDialog(o.id)
    qtbot.addWidget(dialog)
    assert dialog.fix_combo.currentText() == "否"
    dialog.fix_combo.setCurrentIndex(dialog.fix_combo.findText("未填"))
    assert "当前判定：待定" in dialog.fix_hint.text()  # its 30 days are still running
    dialog.save()
    assert ServiceOrder.get_by_id(o.id).first_time_fixed is None

    other = add_order(customers[0], "GD900", days_ago=60, product_model="BCD-215")
    dialog = OrderDialog(other.id)
    qtbot.addWidget(dialog)
    assert dialog.fix_combo.currentText() == "未填" and "当前判定：是" in dialog.fix_hint.text()
    svc.update_order(other.id, {**dialog.data(), "engineer": "赵工"})
    assert ServiceOrder.get_by_id(other.id).first_time_fixed is None
    data = dialog.data()
    del data["first_time_fixed"]  # a caller that does not know the field keeps what is stored
    data["row_version"] = ServiceOrder.get_by_id(other.id).row_version  # not a stale copy
    ServiceOrder.update(first_time_fixed=True).where(ServiceOrder.id == other.id).execute()
    svc.update_order(other.id, data)
    assert ServiceOrder.get_by_id(other.id).first_time_fixed is True
