"""The whole path of issue 3 in the real main window: import → sampling plan → tasks → open a
task → complete the visit (a user with a workbook from their ERP and a phone)."""

from datetime import date, datetime, timedelta

import openpyxl
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from desktop.models import Customer, ServiceOrder, Staff, Visit, VisitTask
from desktop.services.admin import settings
from desktop.views.common.context import AppContext
from desktop.views.shell.main_window import MainWindow


def settle():
    for _ in range(4):
        QApplication.processEvents()


def workbook(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户资料导出"])  # a title row above the header, as ERPs write them
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def window(qtbot, database, db_path, tmp_path, monkeypatch):
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.Ok)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]) or QMessageBox.Ok)
    Staff.create(name="王芳", role="回访员")
    settings.set_value("visitor_name", "王芳")  # 回访人员 is required on a completed visit
    win = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(win)
    win.resize(1366, 860)
    win.show()
    win.warnings = warnings
    return win


def import_file(qtbot, window, monkeypatch, kind, path):
    page = window.show_page("import")
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(kind))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(page.choose_button, Qt.LeftButton)
    qtbot.mouseClick(page.import_button, Qt.LeftButton)
    settle()
    return page


@pytest.mark.pg_too  # the whole walk also on PostgreSQL (HUIFANG_TEST_PG_ALL)
def test_import_plan_tasks_open_and_complete(qtbot, window, tmp_path, monkeypatch):
    done = datetime.combine(date.today() - timedelta(days=10), datetime.min.time()).replace(hour=15)
    customers = [
        [
            f"C9{n:04d}",
            f"客户{n}",
            "先生",
            f"139 {n:04d} 5678",
            "城东区",
            "VIP" if n <= 6 else "普通",
            "城东区",
        ]
        for n in range(1, 41)
    ]
    orders = [
        [f"W9{n:05d}", f"C9{n:04d}", "维修", "KFR-35GW", "李工", "维修一组", done] for n in range(1, 41)
    ]
    import_file(
        qtbot,
        window,
        monkeypatch,
        "customers",
        workbook(
            tmp_path / "客户.xlsx",
            ["客户编号", "客户姓名", "称谓", "手机号", "地址", "客户类型", "区域"],
            customers,
        ),
    )
    assert Customer.select().count() == 40
    assert Customer.get(Customer.code == "C90001").phone == "13900015678"
    import_file(
        qtbot,
        window,
        monkeypatch,
        "orders",
        workbook(
            tmp_path / "工单.xlsx",
            ["工单号", "客户编号", "服务类型", "产品型号", "服务工程师", "班组", "完成时间"],
            orders,
        ),
    )
    assert ServiceOrder.select().count() == 40

    # a sampling plan for the period: 10% of 40 → 4 customers, assigned to 王芳
    sampling = window.show_page("sampling")
    sampling.open_with(start=done.date() - timedelta(days=3), end=date.today())
    settle()
    for row in range(sampling.staff_list.count()):
        sampling.staff_list.item(row).setCheckState(Qt.Checked)
    qtbot.mouseClick(sampling.create_button, Qt.LeftButton)
    settle()
    planned = VisitTask.select().where(VisitTask.trigger.startswith("抽样："))
    assert planned.count() == 4
    assert {t.assignee.name for t in planned} == {"王芳"}

    # the queue shows them; open one → the 回访表 opens on that task
    tasks = window.show_page("tasks")
    tasks.open_with(bucket="全部", search="抽样")
    settle()
    assert tasks.model.total == 4
    task_id = tasks.model.row_id(0)
    rect = tasks.table.visualRect(tasks.model.index(0, 0))
    qtbot.mouseClick(tasks.table.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tasks.table.viewport(), Qt.LeftButton, pos=rect.center())
    settle()
    form = window.stack.currentWidget()
    assert form is window.page("visit_form")
    assert form.task_id == task_id

    # the call: 方便, five ratings and the recommend score typed as on a paper form, save
    qtbot.mouseClick(form.script.buttons["方便"], Qt.LeftButton)
    settle()
    rows = form.matrix.rows
    rows[0].setFocus()
    for row, key in zip(rows[:5], "12121", strict=True):
        qtbot.keyClicks(row, key)
    qtbot.keyClicks(rows[5], "9")
    qtbot.mouseClick(form.final_button, Qt.LeftButton)
    settle()
    assert window.warnings == []
    visit = Visit.get(Visit.task == task_id)
    assert visit.status == "已完成"
    assert VisitTask.get_by_id(task_id).status == "已完成"
