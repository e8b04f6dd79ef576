"""The 导入数据 page driven like a user: pick a file, check the mapping and preview, import."""

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox
from test_importer import (
    CUSTOMER_HEADER,
    ORDER_HEADER,
    customer_rows,
    order_rows,
    write_xlsx,
)

from desktop.models import Customer, ServiceOrder
from desktop.views.common.context import AppContext
from desktop.views.intake.import_view import NOT_IMPORTED, ImportView, column_letter


@pytest.fixture
def view(qtbot, database, db_path, tmp_path, monkeypatch):
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    page = ImportView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.resize(1200, 720)
    page.show()
    return page


def pick(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "表格文件"))


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_import_customers_through_the_page(qtbot, view, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "客户.xlsx", CUSTOMER_HEADER, customer_rows())
    pick(monkeypatch, path)
    qtbot.mouseClick(view.choose_button, Qt.LeftButton)

    assert view.file_edit.text() == str(path)
    assert view.header_spin.value() == 3
    assert view._combos["phone"].currentText() == "D 列 · 联系电话"
    assert view._combos["ctype"].currentData() == 5
    table = view.preview_table
    assert table.rowCount() == 9
    assert [table.item(r, 0).text() for r in range(table.rowCount())][:5] == ["4", "5", "6", "7", "9"]
    assert table.item(4, 1).text().startswith("错误：客户姓名")
    assert table.horizontalHeaderItem(2 + 3).text() == "联系电话\n→ 联系电话"
    assert view.import_button.isEnabled()

    # the user decides not to import the 备注 column
    note = view._combos["note"]
    note.setCurrentIndex(note.findText(NOT_IMPORTED))
    assert table.horizontalHeaderItem(2 + 8).text() == "备注\n（不导入）"

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    with qtbot.waitSignal(view.ctx.events.customers_changed, timeout=5000):
        qtbot.mouseClick(view.import_button, Qt.LeftButton)

    assert Customer.select().count() == 5
    assert Customer.get(Customer.code == "C001").name == "张三"
    assert Customer.get(Customer.code == "C002").note == ""  # 备注 not imported
    assert "新增客户 5 条" in view.result_label.text() and "拒绝 4 行" in view.result_label.text()
    assert view.report_button.isEnabled()
    qtbot.mouseClick(view.report_button, Qt.LeftButton)
    assert opened == [str(path.with_name("客户_错误报告.xlsx"))]
    assert table.item(0, 1).text() == "更新"  # the preview now knows C001 exists

    # importing the same file again in skip mode changes nothing
    qtbot.mouseClick(view.skip_radio, Qt.LeftButton)
    assert table.item(0, 1).text() == "跳过（已存在）"
    qtbot.mouseClick(view.import_button, Qt.LeftButton)
    assert Customer.select().count() == 5
    assert "新增客户 0 条" in view.result_label.text()

    # the next time a file with the same headers is opened, the user's mapping comes back
    view.load_file(path)
    assert view._combos["note"].currentText() == NOT_IMPORTED
    assert "上次" in view.mapping_note.text()


def test_header_row_and_required_columns(qtbot, view, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "客户.xlsx", CUSTOMER_HEADER, customer_rows())
    view.load_file(path)
    view.header_spin.setValue(1)  # the title row as header: nothing matches
    assert not view.import_button.isEnabled()
    assert "缺少必需的列" in view.preview_info.text()
    view.header_spin.setValue(3)
    assert view.import_button.isEnabled()
    phone = view._combos["phone"]
    phone.setCurrentIndex(0)
    assert not view.import_button.isEnabled()
    assert "联系电话" in view.preview_info.text()


def test_orders_page_emits_orders_changed(qtbot, view, tmp_path, monkeypatch):
    customers = write_xlsx(tmp_path / "客户.xlsx", CUSTOMER_HEADER, customer_rows())
    orders = write_xlsx(tmp_path / "工单.xlsx", ORDER_HEADER, order_rows())
    view.load_file(customers)
    qtbot.mouseClick(view.import_button, Qt.LeftButton)

    view.kind_combo.setCurrentIndex(view.kind_combo.findData("orders"))
    assert view.source.kind == "orders"
    assert view._combos["customer_code"].currentData() == 0  # the customer file read as orders
    pick(monkeypatch, orders)
    qtbot.mouseClick(view.choose_button, Qt.LeftButton)
    assert view._combos["completed_at"].currentText() == "G 列 · 服务完成时间"
    with qtbot.waitSignal(view.ctx.events.orders_changed, timeout=5000):
        qtbot.mouseClick(view.import_button, Qt.LeftButton)
    # W008 (2024-12-25) is in the past by now, so only the impossible date, the unknown
    # customer and the repeated order number are rejected
    assert ServiceOrder.select().count() == 8
    assert "新增服务工单 8 条" in view.result_label.text()


def test_unreadable_file_shows_a_message(qtbot, view, tmp_path, monkeypatch):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("not a workbook")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    pick(monkeypatch, bad)
    qtbot.mouseClick(view.choose_button, Qt.LeftButton)
    assert shown and "坏文件.xlsx" in shown[0][1] and "不是有效的 Excel 工作簿" in shown[0][1]
    assert view.source is None
    assert not view.import_button.isEnabled()


def test_cancelled_file_dialog_changes_nothing(qtbot, view, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    qtbot.mouseClick(view.choose_button, Qt.LeftButton)
    assert view.source is None and view.file_edit.text() == ""
