"""The 客户 page and dialog, driven like a user (pytest-qt), plus the paged model with 100k rows."""

import time
from datetime import datetime
from itertools import groupby

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QMessageBox

from desktop.models import Customer, ServiceOrder, VisitTask, db
from desktop.services.intake import customers as svc
from desktop.views.common.context import AppContext
from desktop.views.common.table_model import PagedQueryModel
from desktop.views.customers.customer_dialog import CustomerDialog
from desktop.views.customers.customers_view import COLUMNS, CustomersView
from desktop.views.orders.order_dialog import OrderDialog


@pytest.fixture
def ctx(database, db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def view(qtbot, ctx):
    widget = CustomersView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    return widget


@pytest.fixture
def messages(monkeypatch):
    """Stub the modal message boxes: confirm → Yes; information/warning texts are recorded."""
    shown = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, title, text, *a: shown.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text, *a: shown.append(text))
    return shown


def type_text(qtbot, widget, text: str) -> None:
    """Type like a user: ASCII as key clicks, Chinese as an input-method commit (the way a
    pinyin IME delivers it; QTest.keyClicks only knows ASCII keys)."""
    for ascii_run, chars in groupby(text, key=str.isascii):
        run = "".join(chars)
        if ascii_run:
            qtbot.keyClicks(widget, run)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(run)
            QCoreApplication.sendEvent(widget, event)


def add(code, name, phone, **extra):
    return svc.create_customer({"code": code, "name": name, "phone": phone, **extra})


def names_in(view) -> list[str]:
    return [view.model.row_tuple(r)[2] for r in range(view.model.rowCount())]


def open_add_dialog(view, qtbot) -> CustomerDialog:
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, CustomerDialog) and dialog.isVisible()
    return dialog


def test_create_customer_by_typing(view, qtbot):
    dialog = open_add_dialog(view, qtbot)
    suggested = dialog.code_edit.text()
    assert suggested == svc.suggest_customer_code()
    type_text(qtbot, dialog.name_edit, "张三")
    dialog.title_combo.setCurrentIndex(dialog.title_combo.findData("先生"))
    type_text(qtbot, dialog.phone_edit, "+86 138-1234 5678")
    type_text(qtbot, dialog.address_edit, "北京市朝阳区幸福路1号")
    dialog.ctype_combo.setCurrentIndex(dialog.ctype_combo.findData("VIP客户"))
    type_text(qtbot, dialog.region_edit, "朝阳区")
    type_text(qtbot, dialog.source_edit, "朋友介绍")
    with qtbot.waitSignal(view.ctx.events.customers_changed, timeout=1000):
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    c = Customer.get(Customer.code == suggested)
    assert (c.name, c.title, c.phone, c.ctype, c.region, c.source) == (
        "张三",
        "先生",
        "13812345678",
        "VIP客户",
        "朝阳区",
        "朋友介绍",
    )
    assert view.dialog is None  # closed
    assert names_in(view) == ["张三"]
    assert view.count_label.text().startswith("共 1 位客户")
    assert view.selected_id() == c.id
    assert view.model.index(0, 3).data() == "13812345678"  # full phone in this internal list


def test_invalid_phone_is_shown_next_to_the_field(view, qtbot):
    dialog = open_add_dialog(view, qtbot)
    type_text(qtbot, dialog.name_edit, "李四")
    type_text(qtbot, dialog.phone_edit, "1381234")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    assert not Customer.select().exists()
    assert dialog.isVisible()
    message = dialog.errors.message("联系电话")
    assert "联系电话" in message and "1381234" in message
    assert dialog.phone_edit.property("invalid") is True
    assert dialog.errors.message("客户姓名") == ""
    assert not dialog.errors.banner.isHidden()

    # fixing the number clears the mark and saves
    dialog.phone_edit.clear()
    type_text(qtbot, dialog.phone_edit, "0755 1234567")
    assert dialog.errors.message("联系电话") == ""
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert Customer.get(Customer.name == "李四").phone == "0755-1234567"


def test_duplicate_code_is_refused(view, qtbot):
    add("C202310001", "张三", "13812345678")
    view.reload()
    dialog = open_add_dialog(view, qtbot)
    dialog.code_edit.clear()
    type_text(qtbot, dialog.code_edit, "C202310001")
    type_text(qtbot, dialog.name_edit, "李四")
    type_text(qtbot, dialog.phone_edit, "13900000000")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    assert Customer.select().count() == 1
    assert dialog.isVisible()
    assert "已被客户“张三”使用" in dialog.errors.message("客户编号")


def test_edit_customer(view, qtbot):
    c = add("C202310001", "张三", "13812345678")
    view.reload()
    view.table.selectRow(0)
    qtbot.mouseClick(view.edit_button, Qt.LeftButton)
    dialog = view.dialog
    assert dialog.name_edit.text() == "张三"
    dialog.name_edit.clear()
    type_text(qtbot, dialog.name_edit, "张三丰")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert Customer.get_by_id(c.id).name == "张三丰"
    assert names_in(view) == ["张三丰"]


def test_delete_with_history_archives(view, qtbot, messages):
    c = add("C202310001", "张三", "13812345678")
    order = svc.create_order({"order_no": "GD1", "customer_id": c.id, "completed_at": datetime(2023, 10, 1)})
    VisitTask.create(customer=c, order=order, trigger="首次回访")
    view.reload()
    view.table.selectRow(0)
    qtbot.mouseClick(view.delete_button, Qt.LeftButton)

    assert Customer.get_by_id(c.id).archived  # kept, not deleted
    assert ServiceOrder.select().count() == 1
    assert any("该客户有回访记录，已归档，历史记录全部保留" in m for m in messages)
    assert view.model.rowCount() == 0
    assert view.count_label.text().startswith("共 0 位客户")

    # shown again with 显示已归档, and restored
    view.archived_check.setChecked(True)
    assert names_in(view) == ["张三"]
    view.table.selectRow(0)
    assert view.restore_button.isEnabled() and not view.delete_button.isEnabled()
    qtbot.mouseClick(view.restore_button, Qt.LeftButton)
    assert not Customer.get_by_id(c.id).archived
    view.archived_check.setChecked(False)
    assert names_in(view) == ["张三"]


def test_delete_without_history_deletes(view, qtbot, messages):
    add("C202310001", "张三", "13812345678")
    view.reload()
    view.table.selectRow(0)
    qtbot.mouseClick(view.delete_button, Qt.LeftButton)
    assert not Customer.select().exists()
    assert view.model.rowCount() == 0


def test_delete_cancelled_keeps_the_customer(view, qtbot, monkeypatch):
    add("C202310001", "张三", "13812345678")
    view.reload()
    view.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.No)
    qtbot.mouseClick(view.delete_button, Qt.LeftButton)
    assert Customer.select().count() == 1


def test_search_filters_the_list(view, qtbot):
    a = add("C202310001", "张三", "13812345678")
    add("C202310002", "李四", "13900000000")
    add("C202310003", "王五", "010-12345678")
    svc.create_order(
        {"order_no": "GD20231015077", "customer_id": a.id, "completed_at": datetime(2023, 10, 15)}
    )
    view.reload()
    assert view.model.rowCount() == 3

    type_text(qtbot, view.search.edit, "李")
    view.search.flush()
    assert names_in(view) == ["李四"]
    assert view.count_label.text().startswith("共 1 位客户")

    for text, expected in [("010 1234", ["王五"]), ("C202310003", ["王五"]), ("GD20231015077", ["张三"])]:
        view.search.edit.clear()
        type_text(qtbot, view.search.edit, text)
        view.search.flush()
        assert names_in(view) == expected, text

    view.search.edit.clear()
    view.search.flush()
    assert view.model.rowCount() == 3


def test_header_click_sorts_in_sql(view, qtbot):
    add("C202310001", "乙", "13800000001")
    add("C202310002", "甲", "13800000002")
    view.reload()
    assert names_in(view) == ["乙", "甲"]
    view.table.sortByColumn(0, Qt.DescendingOrder)
    assert names_in(view) == ["甲", "乙"]
    assert view.model.sort_key == "code" and view.model.descending


def test_view_orders_and_new_order_buttons(view, qtbot):
    c = add("C202310001", "张三", "13812345678")
    view.reload()
    view.table.selectRow(0)
    with qtbot.waitSignal(view.ctx.events.open_page, timeout=1000) as blocker:
        qtbot.mouseClick(view.orders_button, Qt.LeftButton)
    assert blocker.args == ["orders", {"customer_id": c.id}]

    qtbot.mouseClick(view.new_order_button, Qt.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, OrderDialog)
    assert dialog.picker.customer_id() == c.id
    type_text(qtbot, dialog.product_edit, "KFR-35GW")
    with qtbot.waitSignal(view.ctx.events.orders_changed, timeout=1000):
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    order = ServiceOrder.get()
    assert (order.customer_id, order.product_model) == (c.id, "KFR-35GW")


def test_reloads_when_customers_change_elsewhere(view):
    assert view.model.rowCount() == 0
    add("C202310001", "张三", "13812345678")
    view.ctx.events.customers_changed.emit()
    assert names_in(view) == ["张三"]


# ---------------------------------------------------------------- 100k customers
@pytest.mark.sqlite_only  # fills the file with sqlite3 executemany
def test_paged_model_with_100k_customers(database, qtbot):
    n = 100_000
    rows = [
        (
            f"C2023{i:06d}",
            "欧阳测试" if i % 1000 == 0 else f"客户{i}",
            "先生",
            f"138{i:08d}",
            f"某市某区某路{i}号",
            "普通客户",
            "华东区",
            "",
            "",
            "2023-10-01 00:00:00",
            0,
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    with db.atomic():
        db.connection().executemany(
            "INSERT INTO customer (code, name, title, phone, address, ctype, region, source, note,"
            " created_at, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    print(f"\ninsert {n} customers: {time.perf_counter() - started:.2f} s")
    assert Customer.select().count() == n

    model = PagedQueryModel(COLUMNS, svc.search_customers, svc.count_customers, sort="code")
    started = time.perf_counter()
    model.reload()
    print(f"reload + first page: {time.perf_counter() - started:.3f} s")
    assert model.rowCount() == 200
    assert model.total == n
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 400

    started = time.perf_counter()
    model.sort(1, Qt.DescendingOrder)  # ORDER BY name DESC
    print(f"sort by name: {time.perf_counter() - started:.3f} s")
    assert model.rowCount() == 200 and model.row_tuple(0)[2] == "欧阳测试"

    started = time.perf_counter()
    model.reload("欧阳测试")
    print(f"search reload: {time.perf_counter() - started:.3f} s")
    assert model.total == 100
    assert model.rowCount() == 100
    assert not model.canFetchMore()

    model.reload("13800012345")
    assert model.total == 1

    # and the page itself shows the count without loading everything
    ctx = AppContext(db_path=database.database)
    started = time.perf_counter()
    page = CustomersView(ctx)
    qtbot.addWidget(page)
    print(f"CustomersView built: {time.perf_counter() - started:.3f} s")
    assert page.count_label.text().startswith(f"共 {n} 位客户")
    assert page.model.rowCount() == 200


def test_pinyin_initials_typed_into_the_search_box_find_the_customer(view, qtbot):
    add("C202310001", "黄思远", "13812345678")
    add("C202310002", "何松", "13900000000")
    add("C202310003", "曾国藩", "13700000000")
    view.reload()
    assert "拼音首字母" in view.search.edit.placeholderText()
    for typed, expected in [("hsy", ["黄思远"]), ("HS", ["黄思远", "何松"]), ("zgf", ["曾国藩"])]:
        view.search.edit.clear()
        qtbot.keyClicks(view.search.edit, typed)
        view.search.flush()
        assert names_in(view) == expected, typed
