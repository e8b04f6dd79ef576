"""工长自评 page, driven through its real widgets: the day's orders, keys 1/2/3 rate the three
factors and move on, Enter edits the remark, 保存 stores one record per order; a foreman sees
only his team's orders."""

from datetime import date, datetime

import pytest
from conftest import TEAM_PASSWORD
from modal_boxes import answer_next_box
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.models import Customer, Department, ForemanReview, ServiceOrder, Staff, VisitTask
from desktop.services.admin import accounts
from desktop.views.common.context import AppContext
from desktop.views.evaluation.foreman_review_view import RATING_COLUMNS, REMARK_COLUMN, ForemanReviewView

DAY = date(2024, 9, 12)


def make_orders(n, team, start=1):
    for k in range(start, start + n):
        cust = Customer.create(code=f"C{k:05d}", name=f"报修人{k}", phone=f"136{k:08d}")
        ServiceOrder.create(
            order_no=f"W{k:06d}",
            customer=cust,
            team=team,
            engineer="张工",
            completed_at=datetime(2024, 9, 12, 9 + k % 8),
        )


@pytest.fixture
def page(database, db_path, qtbot):
    make_orders(20, "维修一班")
    make_orders(3, "维修二班", start=40)
    view = ForemanReviewView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.show()
    view.on_shown()
    view.open_with(day=DAY)
    return view


def test_keys_rate_the_three_factors_and_save_one_record_per_order(page, qtbot):
    table = page.table
    assert table.rowCount() == 23 and "完工 23 张，已自评 0 张" in page.summary.text()
    assert (table.currentRow(), table.currentColumn()) == (0, RATING_COLUMNS[0])
    table.setFocus()
    for key in (Qt.Key_1, Qt.Key_2, Qt.Key_3):  # 满意, 基本满意, 不满意 — the cursor moves on
        qtbot.keyClick(table, key)
    assert table.currentColumn() == REMARK_COLUMN
    assert [table.item(0, c).text() for c in RATING_COLUMNS] == ["满意（10）", "基本满意（8）", "不满意（6）"]
    qtbot.keyClick(table, Qt.Key_Return)  # edit the remark
    editor = QApplication.focusWidget()
    editor.insert("效率偏低")  # what the input method commits (QTest types no Chinese)
    qtbot.keyClick(editor, Qt.Key_Return)
    table.setCurrentCell(1, RATING_COLUMNS[0])
    for key in (Qt.Key_1, Qt.Key_1, Qt.Key_1):
        qtbot.keyClick(table, key)
    assert "2 张待保存" in page.summary.text()
    qtbot.mouseClick(page.save_button, Qt.LeftButton)
    reviews = {r.order.order_no: r for r in ForemanReview.select()}
    assert set(reviews) == {"W000001", "W000002"}
    first = reviews["W000001"]
    assert (first.completeness, first.measures, first.efficiency, first.remark) == (10, 8, 6, "效率偏低")
    assert (reviews["W000002"].completeness, reviews["W000002"].efficiency) == (10, 10)
    assert VisitTask.select().count() == 0  # not a customer call
    assert "已自评 2 张" in page.summary.text() and table.item(0, table.columnCount() - 1).text() == "已评"


def test_a_half_rated_order_is_refused_with_its_number(page, qtbot):
    table = page.table
    table.setFocus()
    table.setCurrentCell(2, RATING_COLUMNS[0])
    qtbot.keyClick(table, Qt.Key_2)
    table.cellDoubleClicked.emit(2, RATING_COLUMNS[2])  # a double click steps to 满意
    assert table.item(2, RATING_COLUMNS[2]).text() == "满意（10）"
    seen = []
    answer_next_box("OK", seen)
    qtbot.mouseClick(page.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(seen))
    assert "W000003" in seen[0]["text"] and "处理措施" in seen[0]["text"]
    assert ForemanReview.select().count() == 0


def test_the_team_filter_and_a_foreman_sees_only_his_team(page, team, qtbot):
    page.team_combo.setCurrentText("维修二班")
    page.refresh()
    assert page.table.rowCount() == 3
    dept = Department.create(name="维修一班")
    Staff.update(department=dept).where(Staff.id == team.qian.id).execute()
    accounts.login("qian", TEAM_PASSWORD)
    try:
        page.team_combo.setCurrentIndex(0)
        page.refresh()
        assert page.table.rowCount() == 20
        assert "维修一班" in page.scope_label.text()
    finally:
        accounts.sign_out()


def test_switching_the_day_asks_before_dropping_unsaved_ratings(page, qtbot):
    no = QApplication.translate("QPlatformTheme", "&No")
    yes = QApplication.translate("QPlatformTheme", "&Yes")
    table = page.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key_1)
    seen = []
    answer_next_box(no, seen)
    page.day_edit.setDate(page.day_edit.date().addDays(1))
    assert "还没有保存" in seen[0]["text"]
    assert page.day() == DAY and table.item(0, RATING_COLUMNS[0]).text() == "满意（10）"  # kept
    page.ctx.events.orders_changed.emit()  # another page changed orders: what is typed stays
    assert table.item(0, RATING_COLUMNS[0]).text() == "满意（10）"
    answer_next_box(yes)
    page.day_edit.setDate(page.day_edit.date().addDays(1))
    assert page.day() == date(2024, 9, 13) and table.rowCount() == 0 and not page.changed
    assert ForemanReview.select().count() == 0


def test_an_empty_day_offers_the_latest_day_with_orders(page, qtbot):
    """A foreman opening the page on a day without completed orders is shown the way to the
    latest day that has some (the orders above were completed on DAY)."""
    page.open_with(day=date(2024, 9, 16))
    assert page.table.rowCount() == 0 and "当日没有可自评的完工工单" in page.summary.text()
    assert page.latest_button.isVisible() and "2024-09-12" in page.latest_button.text()
    qtbot.mouseClick(page.latest_button, Qt.LeftButton)
    assert page.day() == DAY and page.table.rowCount() == 23
    assert not page.latest_button.isVisible()
    page.open_with(day=date(2024, 9, 1))  # nothing completed up to then: no way to offer
    assert page.table.rowCount() == 0 and not page.latest_button.isVisible()
