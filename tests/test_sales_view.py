"""销售跟进 from the 回访记录 page: the 再购意向 visit is listed, its follow-up is filled in and
saved, and 导出Excel writes a workbook that is read back."""

from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from desktop.models import SalesLead
from desktop.services.visits import sales_followup
from tests.modal_boxes import answer_next_box
from tests.test_improvement_view import type_text
from tests.test_visits_view import ctx, data, view  # noqa: F401 (fixtures)


def type_into(qtbot, widget, text: str) -> None:
    widget.clear()
    type_text(widget, text)


@pytest.fixture
def sales(qtbot, view):  # noqa: F811
    qtbot.mouseClick(view.sales_button, Qt.LeftButton)
    dialog = view.sales_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_follow_up_a_repurchase_visit_and_export_it(qtbot, sales, data, tmp_path, monkeypatch):  # noqa: F811
    done, _draft = data
    assert sales.table.rowCount() == 1 and sales.count_label.text() == "共 1 条"
    assert sales.table.item(0, 1).text() == "张三" and sales.table.item(0, 8).text() == "待跟进"
    type_into(qtbot, sales.salesperson_edit, "陈经理")
    type_into(qtbot, sales.interest_edit, "再购一台KFR-35GW柜机")
    type_into(qtbot, sales.date_edit, "2023-10-27")
    sales.outcome_combo.setCurrentText("跟进中")
    qtbot.mouseClick(sales.save_button, Qt.LeftButton)
    lead = SalesLead.get()
    assert (lead.visit_id, lead.salesperson, lead.follow_up_on, lead.outcome) == (
        done.id,
        "陈经理",
        date(2023, 10, 27),
        "跟进中",
    )
    assert sales.table.item(0, 5).text() == "陈经理" and sales.table.item(0, 7).text() == "2023-10-27"
    # every short column shows its whole text (no “…”); the long ones wrap
    metrics = sales.table.fontMetrics()
    for column in (0, 1, 2, 3, 5, 7, 8):
        text = sales.table.item(0, column).text()
        assert sales.table.columnWidth(column) >= metrics.horizontalAdvance(text), column
    assert sales.table.wordWrap()

    # a wrong date is refused in a box naming the field; nothing changes
    type_into(qtbot, sales.date_edit, "10月32日")
    seen: list = []
    answer_next_box("确定", seen)
    qtbot.mouseClick(sales.save_button, Qt.LeftButton)
    assert seen and "跟进日期" in seen[0]["text"]
    assert SalesLead.get().follow_up_on == date(2023, 10, 27)

    out = tmp_path / "exports"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out / "销售跟进"), ""))
    answer_next_box("确定")
    qtbot.mouseClick(sales.export_button, Qt.LeftButton)
    rows = list(load_workbook(out / "销售跟进.xlsx")[sales_followup.SHEET].iter_rows(values_only=True))
    assert rows[0] == sales_followup.HEADER
    record = dict(zip(sales_followup.HEADER, rows[1], strict=True))
    assert record["客户"] == "张*" and record["联系电话"] == "138****5678"  # masked unless asked
    assert (record["跟进人"], record["意向内容"], record["跟进结果"]) == ("陈经理", "再购一台KFR-35GW柜机", "跟进中")

    # 已成交 leaves the 未完结 list
    type_into(qtbot, sales.date_edit, "2023-10-27")
    sales.outcome_combo.setCurrentText("已成交")
    qtbot.mouseClick(sales.save_button, Qt.LeftButton)
    assert sales.table.rowCount() == 0
    sales.filter_combo.setCurrentText("已成交")
    assert sales.table.rowCount() == 1
