"""帮助 menu: 使用指南 (F1) with the app's shortcuts, and 下载导入模板… whose workbook imports as it is."""

from datetime import date, datetime

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop.models import Customer, ServiceOrder
from desktop.services.intake import customers, importer
from desktop.services.intake.import_template import COLUMNS, DATA_SHEET, HELP_SHEET, write_import_template
from desktop.views.common.context import AppContext
from desktop.views.shell.help_dialog import GuideDialog
from desktop.views.shell.main_window import MainWindow

TODAY = date(2024, 11, 1)


def test_template_imports_as_orders_with_its_new_customer(database, tmp_path):
    path = write_import_template(tmp_path / "模板")  # .xlsx is added
    assert path.name == "模板.xlsx" and path.exists()
    assert not list(tmp_path.glob(".~*"))  # the temporary file was renamed into place
    result = importer.run_import(path, "orders", today=TODAY)
    assert (result.imported, result.rejected) == (1, 0)
    order = ServiceOrder.get()
    assert (order.order_no, order.service_type, order.product_model) == ("GD20231015001", "维修", "KFR-35GW")
    assert order.completed_at == datetime(2023, 10, 15, 10, 30) and not order.is_complaint
    assert order.first_time_fixed is True  # the 一次性解决 column's example 是
    customer = order.customer
    assert (customer.code, customer.name, customer.phone, customer.title) == (
        "C202310001",
        "黄思远",
        "13812345678",
        "先生",
    )
    assert [r[2] for r in customers.search_customers("hsy")] == ["黄思远"]


def test_template_imports_as_customers_and_explains_every_column(database, tmp_path):
    path = write_import_template(tmp_path / "导入模板.xlsx")
    result = importer.run_import(path, "customers", today=TODAY)
    assert (result.imported, result.rejected) == (1, 0)
    customer = Customer.get()
    assert (customer.code, customer.name, customer.ctype, customer.region, customer.source) == (
        "C202310001",
        "黄思远",
        "普通客户",
        "华北",
        "老客户介绍",
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [DATA_SHEET, HELP_SHEET]
    headers = [c.value for c in book[DATA_SHEET][1]]
    assert headers == [c[0] for c in COLUMNS]
    explained = [row[0] for row in book[HELP_SHEET].iter_rows(min_row=2, values_only=True)]
    assert set(headers) <= set(explained)
    assert book[DATA_SHEET]["E2"].value == "13812345678"  # the phone stays text
    help_rows = {row[0]: row for row in book[HELP_SHEET].iter_rows(min_row=2, values_only=True)}
    assert "是 或 否" in help_rows["一次性解决"][2] and "返修判定天数" in help_rows["一次性解决"][2]


def _window(qtbot, db_path):
    window = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _help_actions(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().startswith("帮助"))
    return {a.text(): a for a in menu.actions() if a.text()}


def test_f1_opens_the_guide_with_the_daily_loop_and_the_shortcuts(qtbot, database, db_path):
    window = _window(qtbot, db_path)
    assert list(_help_actions(window)) == ["使用指南(&G)", "下载导入模板(&T)…", "关于回访通"]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.nav.setFocus()
    qtbot.keyClick(window, Qt.Key_F1)
    qtbot.waitUntil(
        lambda: any(isinstance(w, GuideDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    )
    guide = next(w for w in QApplication.topLevelWidgets() if isinstance(w, GuideDialog))
    text = guide.browser.toPlainText()
    steps = [
        "导入客户和工单",
        "抽样计划",
        "回访任务",
        "回访表",
        "扫描录入",
        "问题分析",
        "改进方案",
        "质量评价",
        "导出总部工作簿",
    ]
    positions = [text.index(f"{i}. {step}") for i, step in enumerate(steps, start=1)]
    assert positions == sorted(positions)  # in the order of the day
    for keys in ("Ctrl+L", "Ctrl+2", "F1"):  # 扫码录入, 回访任务, this guide
        assert keys in text, keys
    guide.close()


def test_menu_saves_the_template_where_the_user_chose(qtbot, database, db_path, tmp_path, monkeypatch):
    window = _window(qtbot, db_path)
    target = tmp_path / "给门店的模板.xlsx"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Excel 工作簿 (*.xlsx)")
    )
    _help_actions(window)["下载导入模板(&T)…"].trigger()
    assert target.exists()
    assert str(target) in window.statusBar().currentMessage()
    assert importer.run_import(target, "orders", today=TODAY).imported == 1
