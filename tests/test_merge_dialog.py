"""对照修改 on the 回访表 and the customer dialog (issue 13 item 1): another PC saved the record
meanwhile; the real dialog lists each differing field with both values and a choice per field,
the merged record is saved at the new version; cancelled, the input stays on screen. A locked
database on 保存草稿 shows the Chinese message and keeps the input (item 2)."""

import sqlite3
from dataclasses import replace

import pytest
from modal_boxes import answer_next_box
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from test_visit_form_view import ctx, order, task, view  # noqa: F401  (fixtures)
from test_visits_service import _full_answers

from desktop.models import Customer, Visit, resilience
from desktop.services.intake import customers
from desktop.services.visits import templates, visits
from desktop.services.visits.visits import VisitInput
from desktop.views.common.merge_dialog import MergeDialog


@pytest.fixture
def saved_visit(order, task):  # noqa: F811
    template = templates.active_template("after_sales")
    data = VisitInput(
        customer_id=order.customer_id, order_id=order.id, task_id=task.id, template_id=template.id,
        visit_date="2023-10-20", visitor="王芳", answers=_full_answers(templates.questions_of(template)),
        feedback="原来的意见",
    )  # fmt: skip
    return visits.save_visit(data, final=True)


def when_merge_dialog(act, seen: list, tries: int = 300) -> None:
    """When the 对照修改 dialog opens: note its rows (label, mine, theirs), then ``act(dialog)``."""

    def attempt(left: int) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, MergeDialog):
            if left > 0:
                QTimer.singleShot(10, lambda: attempt(left - 1))
            return
        seen.append({d.label: (d.mine_text, d.theirs_text) for d in dialog.diffs})
        act(dialog)

    QTimer.singleShot(0, lambda: attempt(tries))


def test_visit_form_merges_field_by_field(view, saved_visit):  # noqa: F811
    view.load(saved_visit.id)
    # another PC saves its 宝贵意见 while this form is open
    other = visits.load_visit(saved_visit.id)
    visits.save_visit(replace(other, feedback="A：希望周末也能上门。"), final=True)
    view.mood_group.button(3).setChecked(True)  # 强烈不满, typed here
    seen = []

    def keep_their_feedback(dialog):
        dialog.choose_theirs("feedback")
        dialog.save_button.click()

    when_merge_dialog(keep_their_feedback, seen)
    assert view.save(final=True)
    assert seen and seen[0]["宝贵意见"] == ("原来的意见", "A：希望周末也能上门。")
    assert seen[0]["客户情绪"][0] == "强烈不满"
    stored = Visit.get_by_id(saved_visit.id)
    assert stored.feedback == "A：希望周末也能上门。" and stored.mood == "强烈不满"
    assert view.feedback_edit.toPlainText() == "A：希望周末也能上门。"  # the screen shows what was saved
    assert view.row_version == stored.row_version


def test_cancelling_the_merge_keeps_the_input_and_saves_nothing(view, saved_visit):  # noqa: F811
    view.load(saved_visit.id)
    other = visits.load_visit(saved_visit.id)
    visits.save_visit(replace(other, feedback="A：希望周末也能上门。"), final=True)
    view.feedback_edit.setPlainText("B：我这边写的意见")
    seen = []
    when_merge_dialog(lambda dialog: dialog.reject(), seen)
    assert not view.save(final=True)
    assert seen
    assert view.feedback_edit.toPlainText() == "B：我这边写的意见"
    assert Visit.get_by_id(saved_visit.id).feedback == "A：希望周末也能上门。"


def test_customer_dialog_merges_field_by_field(qtbot, database):
    from desktop.views.customers.customer_dialog import CustomerDialog

    customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
    dialog = CustomerDialog(customer_id=customer.id)
    qtbot.addWidget(dialog)
    customers.update_customer(customer.id, {**customers.customer_fields(customer.id), "address": "北京市海淀区"})
    dialog.note_edit.setPlainText("只在晚上联系")
    seen = []

    def take_address(merge):
        merge.choose_theirs("address")
        merge.save_button.click()

    when_merge_dialog(take_address, seen)
    dialog.save()
    assert seen[0] == {"通讯地址": ("（空）", "北京市海淀区"), "备注": ("只在晚上联系", "（空）")}
    stored = Customer.get_by_id(customer.id)
    assert stored.address == "北京市海淀区" and stored.note == "只在晚上联系"


@pytest.mark.sqlite_only
def test_a_locked_database_on_save_draft_shows_the_message_and_keeps_the_input(
    view, order, db_path, monkeypatch  # noqa: F811
):
    monkeypatch.setattr(resilience, "RETRY_DELAYS_S", (0.05,))
    from desktop.models import db

    db.execute_sql("PRAGMA busy_timeout = 200")
    view.start(order.customer_id, order.id)
    view.paper_check.setChecked(True)  # a paper form typed in: no call needed first
    view.feedback_edit.setPlainText("客户说周末在家")
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    seen = []
    answer_next_box("OK", seen)
    try:
        assert not view.save(final=False)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert seen and seen[0]["text"].startswith("数据库正忙")
    assert view.feedback_edit.toPlainText() == "客户说周末在家"
    assert Visit.select().count() == 0


def test_long_texts_are_shown_whole_and_a_click_on_one_chooses_it(qtbot):
    """宝贵意见 runs long: both versions wrap in their cells (nothing cut off), and clicking a
    text chooses it as its button does."""
    from datetime import datetime

    from PySide6.QtCore import Qt

    from desktop.services.admin.versions import FieldDiff
    from desktop.services.common.errors import StaleEdit
    from desktop.views.common import merge_dialog

    long = "师傅很专业，就是上门比约定晚了一个小时，希望以后能提前电话说一声，另外收费单据请写清楚，" * 2
    diffs = [FieldDiff("feedback", "宝贵意见", long, "师傅很专业。"), FieldDiff("mood", "客户情绪", "平静", "不满")]
    dialog = MergeDialog(StaleEdit("份回访表", "何静", datetime(2026, 12, 7, 10, 42), 3), diffs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.wait(20)
    table = dialog.table
    text = table.item(0, merge_dialog.MINE_COLUMN).text()
    assert text == long
    width = table.columnWidth(merge_dialog.MINE_COLUMN)
    lines_needed = table.fontMetrics().horizontalAdvance(long) // width + 1
    assert lines_needed >= 2 and table.rowHeight(0) >= lines_needed * table.fontMetrics().height()
    rect = table.visualItemRect(table.item(1, merge_dialog.THEIRS_COLUMN))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    assert dialog.take_theirs() == {"mood"}
