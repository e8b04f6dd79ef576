"""Pages a role may see but not change look read-only: the controls that write are disabled (with a
tooltip naming the role that may use them) or hidden, and the data is still shown and printable.

A team like tests/test_roles.py: 主管 boss, 回访员 qian (a staff row), 只读 hq. The records are made
by the 主管, then the test signs in as the role it is about and builds the page."""

from datetime import date
from types import SimpleNamespace

import pytest
from conftest import TEAM_PASSWORD
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QFileDialog, QLabel, QMessageBox
from test_signatures import tiny_png

from desktop.models import ProblemCategory, Visit, VisitTask
from desktop.services.admin import accounts
from desktop.services.improvement import flow, improvement
from desktop.services.intake import customers
from desktop.services.kpi import kpi
from desktop.services.visits import templates, visits
from desktop.services.visits.visits import SignatureInput, VisitInput
from desktop.views.common.context import AppContext
from desktop.views.common.widgets import deny_tooltip, gate

PASSWORD = TEAM_PASSWORD
VIEWER_SAVE_TIP = "只读账号不能保存回访表；请用回访员或主管账号登录"


def sign_in(username: str) -> None:
    accounts.login(username, PASSWORD)


@pytest.fixture
def records(team):
    """Made by the 主管: a customer with an order, a signed completed visit and a draft, a task
    assigned to 钱员工, an improvement action from the visit, and a scorecard with one row below
    80% of its weight and one qualitative row with a reviewer's score."""
    sign_in("boss")
    customer = customers.create_customer(
        {"code": "C1", "name": "张三", "title": "先生", "phone": "13812345678"}
    )
    order = customers.create_order(
        {"order_no": "GD1", "customer_id": customer.id, "service_type": "维修", "product_model": "KFR-35GW"}
    )
    template = templates.active_template("after_sales")
    answers = {
        q.id: (2, "") if q.kind == "level5" else (3, "")
        for q in templates.questions_of(template)
        if q.kind in ("level5", "nps")
    }
    done = visits.save_visit(
        VisitInput(
            customer_id=customer.id,
            order_id=order.id,
            template_id=template.id,
            visit_date=date(2024, 10, 9),
            method="电话",
            visitor="王芳",
            respondent="张先生",
            answers=answers,
            feedback="师傅迟到了两个小时",
        ),
        final=True,
        signature=SignatureInput(tiny_png()),
    )
    draft = visits.save_visit(
        VisitInput(
            customer_id=customer.id, template_id=template.id, visit_date=date(2024, 10, 10), visitor="王芳"
        ),
        final=False,
    )
    task = VisitTask.create(
        customer=customer, order=order, template=template, trigger="首次回访", assignee=team.qian
    )
    category = ProblemCategory.get(ProblemCategory.name == "响应速度类")
    action = improvement.create_action(
        improvement.ActionInput(
            problem="工程师上门迟到",
            measure="按片区排班，提前一天确认上门时间",
            department="维修部",
            owner="李强",
            deadline=date.today(),
            category_id=category.id,
            visit_ids=[done.id],
        )
    )
    card = kpi.create_scorecard("2024Q1", "维修事业部")
    data = kpi.load(card.id)
    for row in data.rows:
        row.actual = 40 if row.level2 == "上门服务到达及时率" else row.target
    data.rows[-1].qualitative = True
    data.rows[-1].source = kpi.MANUAL
    data.rows[-1].reviewers = [("李评审", 4)]
    kpi.save(data)
    accounts.sign_out()
    return SimpleNamespace(
        customer=customer, order=order, done=done, draft=draft, task=task, action=action, card=card.id
    )


@pytest.fixture
def ctx(db_path):
    return AppContext(db_path=db_path)


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch):
    """Message boxes are recorded (their text): a refused write would show one."""
    shown = []
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: shown.append(a[2]))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    return shown


def build(qtbot, cls, ctx, width=1300, height=850):
    page = cls(ctx)
    qtbot.addWidget(page)
    page.resize(width, height)
    page.show()
    qtbot.waitExposed(page)
    if hasattr(page, "on_shown"):
        page.on_shown()
    return page


def settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def off(*widgets) -> bool:
    return all(not w.isEnabled() for w in widgets)


def select_row(table, row: int = 0) -> None:
    table.selectRow(row)
    settle()


# ---------------------------------------------------------------- the helper
def test_deny_tooltip_names_the_role_and_who_may(team):
    sign_in("hq")
    assert deny_tooltip(accounts.MANAGE) == "只读账号不能修改；请用主管账号登录"
    assert deny_tooltip(accounts.CALL, "保存回访表") == VIEWER_SAVE_TIP
    sign_in("qian")
    assert deny_tooltip(accounts.MANAGE, "删除客户") == "回访员账号不能删除客户；请用主管账号登录"


def test_gate_leaves_widgets_alone_with_nobody_signed_in(qtbot, team):
    from PySide6.QtWidgets import QPushButton

    button = QPushButton("删除")
    qtbot.addWidget(button)
    button.setToolTip("原来的提示")
    assert gate(accounts.MANAGE, button) is True
    assert button.isEnabled() and button.toolTip() == "原来的提示"
    sign_in("hq")
    assert gate(accounts.MANAGE, button, what="删除客户") is False
    assert not button.isEnabled() and button.toolTip() == "只读账号不能删除客户；请用主管账号登录"


# ---------------------------------------------------------------- 回访表
def test_viewer_sees_a_signed_visit_on_the_form_but_changes_nothing(
    qtbot, ctx, records, tmp_path, monkeypatch, no_dialogs
):
    from desktop.views.visit_form.visit_form_view import VisitFormView

    sign_in("hq")
    form = build(qtbot, VisitFormView, ctx, 1400, 1000)
    form.open_with(visit_id=records.done.id)
    settle()
    # the visit is shown: header, answers, feedback, the lock bar and the saved signature
    assert form.visit_id == records.done.id
    assert "只读" in form.status_label.text() and f"#{records.done.id}" in form.status_label.text()
    assert form.header_values["phone"].text() == "138****5678"
    assert form.matrix.answers() and form.feedback_edit.toPlainText() == "师傅迟到了两个小时"
    assert form.lock_bar.isVisible() and not form.unlock_button.isVisible()
    assert form.signature_box.pad.showing_saved()
    # nothing that writes can be used
    assert off(form.new_button, form.draft_button, form.final_button, form.paper_check)
    assert form.final_button.toolTip() == VIEWER_SAVE_TIP
    assert form.new_button.toolTip().startswith("只读账号不能")
    assert off(form.answers_box, form.respondent_edit, form.date_edit, form.method_combo)
    assert off(form.visitor_edit, form.sign_combo, form.search, form.pick, form.template_combo)
    assert off(*form.script.buttons.values())
    assert form.script.buttons["方便"].toolTip().startswith("只读账号不能记录拨打结果")
    assert off(form.signature_box.pad, form.signature_box.resign_button)
    panel = form.attachments_panel
    assert panel.add_button.isHidden() and panel.remove_button.isHidden() and not panel.acceptDrops()
    assert panel.open_button.isVisible()
    # printing stays, and prints what is saved without saving again
    assert form.preview_button.isEnabled() and form.print_button.isEnabled() and form.blank_button.isEnabled()
    saved_at = Visit.get_by_id(records.done.id).updated_at
    target = tmp_path / "回访表.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.mouseClick(form.pdf_button, Qt.LeftButton)
    assert target.exists() and target.stat().st_size > 1000
    assert Visit.get_by_id(records.done.id).updated_at == saved_at
    assert no_dialogs == [f"已导出：{target}"]  # no refused save on the way


def test_caller_fills_the_form_as_before(qtbot, ctx, records):
    from desktop.views.visit_form.visit_form_view import VisitFormView

    sign_in("qian")
    form = build(qtbot, VisitFormView, ctx, 1400, 1000)
    form.open_with(visit_id=records.draft.id)
    settle()
    assert form.new_button.isEnabled() and form.draft_button.isEnabled() and form.final_button.isEnabled()
    assert form.answers_box.isEnabled() and form.attachments_panel.add_button.isVisible()
    assert "只读" not in form.status_label.text()


# ---------------------------------------------------------------- 回访记录
def test_viewer_lists_visits_but_cannot_delete_a_draft(qtbot, ctx, records):
    from desktop.views.visits.visits_view import VisitsView

    sign_in("hq")
    page = build(qtbot, VisitsView, ctx)
    assert page.model.total == 2
    row = next(r for r in range(page.model.rowCount()) if page.model.row_id(r) == records.draft.id)
    select_row(page.table, row)
    assert page.open_button.isEnabled()
    assert off(page.delete_button, page.new_button)
    assert page.delete_button.toolTip().startswith("只读账号不能")
    qtbot.mouseClick(page.delete_button, Qt.LeftButton)
    assert Visit.get_or_none(Visit.id == records.draft.id) is not None


# ---------------------------------------------------------------- 客户 and 服务工单
def test_viewer_looks_at_a_customer_in_a_read_only_dialog(qtbot, ctx, records):
    from desktop.views.customers.customers_view import CustomersView

    sign_in("hq")
    page = build(qtbot, CustomersView, ctx)
    assert page.model.total == 1
    assert page.model.index(0, 3).data() == "138****5678"
    select_row(page.table)
    assert off(page.add_button, page.delete_button, page.restore_button, page.new_order_button)
    assert page.delete_button.toolTip() == "只读账号不能删除或恢复客户；请用主管账号登录"
    assert page.edit_button.isEnabled() and page.edit_button.text() == "查看"
    qtbot.mouseClick(page.edit_button, Qt.LeftButton)
    dialog = page.dialog
    assert dialog is not None and dialog.windowTitle().startswith("查看客户")
    assert dialog.name_edit.text() == "张三" and dialog.name_edit.isReadOnly()
    assert dialog.phone_edit.text() == "138****5678"  # 只读 never sees the full number
    assert not dialog.ok_button.isVisible() and not dialog.ctype_combo.isEnabled()
    dialog.reject()


def test_caller_adds_and_edits_customers_but_does_not_delete(qtbot, ctx, records):
    from desktop.views.customers.customers_view import CustomersView

    sign_in("qian")
    page = build(qtbot, CustomersView, ctx)
    select_row(page.table)
    assert page.add_button.isEnabled() and page.new_order_button.isEnabled()
    assert page.edit_button.isEnabled() and page.edit_button.text() == "编辑"
    assert off(page.delete_button, page.restore_button)
    assert page.delete_button.toolTip() == "回访员账号不能删除或恢复客户；请用主管账号登录"
    assert page.model.index(0, 3).data() == "13812345678"


def test_viewer_opens_an_order_read_only_and_cannot_start_a_visit(qtbot, ctx, records):
    from desktop.views.orders.orders_view import OrdersView

    sign_in("hq")
    page = build(qtbot, OrdersView, ctx)
    assert page.model.total == 1
    select_row(page.table)
    assert off(page.add_button, page.visit_button)
    assert page.edit_button.text() == "查看" and page.customer_button.isEnabled()
    opened = []
    ctx.events.open_page.connect(lambda page_id, kwargs: opened.append(page_id))
    rect = page.table.visualRect(page.model.index(0, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.LeftButton, pos=rect.center())  # a double click:
    qtbot.mouseDClick(page.table.viewport(), Qt.LeftButton, pos=rect.center())  # press, release, double
    settle()
    assert opened == []  # no visit started: the order's details instead
    dialog = page.dialog
    assert dialog is not None and dialog.windowTitle().startswith("查看服务工单")
    assert dialog.order_no_edit.text() == "GD1" and dialog.order_no_edit.isReadOnly()
    assert not dialog.ok_button.isVisible() and not dialog.complaint_group.isEnabled()
    combo = dialog.picker.combo
    assert combo.count() == 1 and "138****5678" in combo.currentText()
    assert dialog.picker.search.isHidden()
    dialog.reject()


# ---------------------------------------------------------------- 改进方案
def test_viewer_sees_the_action_and_prints_but_changes_nothing(qtbot, ctx, records, tmp_path, monkeypatch):
    from desktop.views.improvement.improvement_view import ImprovementView

    sign_in("hq")
    page = build(qtbot, ImprovementView, ctx, 1400, 900)
    assert page.model.rowCount() == 1 and page.action_id == records.action.id
    assert "工程师上门迟到" in page.title_label.text() and page.log_list.count() >= 1
    assert off(page.new_button, page.edit_button, page.delete_button, page.note_edit, page.note_button)
    assert off(page.told_button, *page.step_buttons.values())
    assert page.step_buttons and page.told_button.toolTip() == "只读账号不能修改改进方案；请用主管账号登录"
    assert page.message_edit.isReadOnly() and page.copy_button.isEnabled()
    page.edit_action()  # what a double-click does
    assert page.dialog is None
    page.open_with(new_from_category="响应速度类")
    assert page.dialog is None
    target = tmp_path / "改进方案.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.mouseClick(page.pdf_button, Qt.LeftButton)
    assert target.exists()


# ---------------------------------------------------------------- 质量评价
def test_viewer_reads_the_scorecard_compares_and_prints(qtbot, ctx, records, monkeypatch):
    from desktop.views.kpi.kpi_view import COL_ACTION, KpiView, ReviewerDialog

    sign_in("hq")
    page = build(qtbot, KpiView, ctx, 1300, 850)
    assert page.draft is not None and page.draft.id == records.card and page.model.rowCount() > 5
    assert page.total_label.text().startswith("总分")
    assert off(page.add_button, page.remove_button, page.up_button, page.down_button, page.refresh_button)
    assert off(
        page.save_button, page.revert_button, page.scorecards.new_button, page.scorecards.delete_button
    )
    assert page.save_button.toolTip() == "只读账号不能修改质量评价；请用主管账号登录"
    assert page.table.editTriggers() == QAbstractItemView.NoEditTriggers
    assert page.period_edit.isReadOnly() and not page.target_combo.isEnabled()
    assert off(page.detail.level1_combo, page.detail.source_combo, page.detail.qualitative_check)
    assert page.compare_button.isEnabled() and page.preview_button.isEnabled() and page.pdf_button.isEnabled()
    # the row below 80%: 转为改进措施 is off; the qualitative row: 查看评分… shows the scores only
    buttons = {}
    for r in range(page.model.rowCount()):
        holder = page.table.indexWidget(page.model.index(r, COL_ACTION))
        for button in holder.findChildren(type(page.save_button)) if holder else []:
            buttons[button.text()] = button
    assert not buttons["转为改进措施"].isEnabled()
    assert "只读账号不能转为改进措施" in buttons["转为改进措施"].toolTip()
    shown = []

    def fake_exec(dialog):
        shown.append((dialog.reviewers(), dialog.add_button.isEnabled(), dialog.windowTitle()))
        return QDialog.Rejected

    monkeypatch.setattr(ReviewerDialog, "exec", fake_exec)
    qtbot.mouseClick(buttons["查看评分…"], Qt.LeftButton)
    assert len(shown) == 1 and shown[0][:2] == ([("李评审", 4)], False)
    page.tabs.setCurrentIndex(1)  # 两期对比 still works
    assert page.tabs.currentIndex() == 1
    assert kpi.load(records.card).rows[-1].reviewers == [("李评审", 4)]


# ---------------------------------------------------------------- 回访任务
def test_caller_calls_tasks_but_does_not_assign_them(qtbot, ctx, records):
    from desktop.views.tasks.tasks_view import TasksView

    sign_in("qian")
    page = build(qtbot, TasksView, ctx)
    page.tabs.setCurrentIndex(page.tabs.count() - 1)  # 全部
    settle()
    assert page.model.total == 1
    select_row(page.table)
    assert page.open_button.isEnabled()
    assert page.reschedule_button.isEnabled() and page.refuse_button.isEnabled()
    assert page.unreachable_button.isEnabled()
    assert page.assign_button.isHidden() and page.assign_combo.isHidden() and page.assign_label.isHidden()


def test_supervisor_still_assigns(qtbot, ctx, records):
    from desktop.views.tasks.tasks_view import TasksView

    sign_in("boss")
    page = build(qtbot, TasksView, ctx)
    assert page.assign_button.isVisible() and page.assign_combo.isVisible()


# ---------------------------------------------------------------- 问题分析
def test_viewer_cannot_tag_problems_or_plan_actions(qtbot, ctx, records):
    from desktop.views.analysis.analysis_view import AnalysisView

    sign_in("hq")
    page = build(qtbot, AnalysisView, ctx, 1300, 900)
    page.refresh()
    assert off(page.keywords_button, page.apply_all_button, page.apply_selected_button, page.tag_button)
    assert off(page.tag_category, *(card.plan_button for card in page.top_cards))
    assert page.keywords_button.toolTip() == "只读账号不能归类问题或制定改进措施；请用主管账号登录"
    assert page.refresh_button.isEnabled()


# ---------------------------------------------------------------- the main window
def test_viewer_main_window_hides_the_managing_pages(qtbot, records, db_path):
    from desktop.views.common.pages import PAGES, allowed
    from desktop.views.shell.main_window import MainWindow

    sign_in("hq")
    window = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(window)
    hidden = {spec.title for row, spec in enumerate(PAGES) if window.nav.isRowHidden(row)}
    assert hidden == {"设置", "导入数据", "抽样计划", "问卷模板", "回访任务", "工长自评", "扫描录入"}
    row = window.nav.currentRow()
    assert row >= 0 and not window.nav.isRowHidden(row) and allowed(PAGES[row])
    assert window.stack.currentWidget() is window.page(PAGES[row].id)
    assert window.show_page("settings") is None


# ---------------------------------------------------------------- nothing reads like an edit screen
# (a new user test: 只读 screens still showed how to fill fields in and looked editable)
READ_ONLY_GREY = "#f1f3f4"


def background(widget) -> str:
    """The colour a field is painted with, away from its text (its right end, half-way down)."""
    widget.style().polish(widget)
    image = widget.grab().toImage()
    return image.pixelColor(image.width() - 6, image.height() // 2).name()


def edit_hints(dialog) -> list:
    from desktop.views.common.widgets import EDIT_HINT

    return [w for w in dialog.findChildren(QLabel) if w.property(EDIT_HINT)]


def required_marks(dialog) -> list[str]:
    return [w.text() for w in dialog.findChildren(QLabel) if w.buddy() is not None and w.text().endswith("*")]


def open_customer(qtbot, ctx, username):
    from desktop.views.customers.customers_view import CustomersView

    sign_in(username)
    page = build(qtbot, CustomersView, ctx)
    select_row(page.table)
    qtbot.mouseClick(page.edit_button, Qt.LeftButton)
    settle()
    return page.dialog


def test_viewer_customer_dialog_has_no_edit_hints_and_looks_read_only(qtbot, ctx, records):
    dialog = open_customer(qtbot, ctx, "hq")
    (hint,) = edit_hints(dialog)
    assert "必填项" in hint.text() and hint.isHidden()
    assert not any(
        "必填" in w.text() or "保存时" in w.text() for w in dialog.findChildren(QLabel) if w.isVisible()
    )
    assert required_marks(dialog) == []  # "客户编号 *" → "客户编号"
    assert dialog.region_edit.text() == "" and dialog.region_edit.placeholderText() == ""  # no "如 朝阳区"
    for edit in (dialog.name_edit, dialog.region_edit, dialog.note_edit):
        assert edit.isReadOnly() and background(edit) == READ_ONLY_GREY
    dialog.reject()


def test_caller_customer_dialog_keeps_its_hints(qtbot, ctx, records):
    dialog = open_customer(qtbot, ctx, "qian")
    (hint,) = edit_hints(dialog)
    assert hint.isVisible()
    assert "客户编号 *" in required_marks(dialog) and len(required_marks(dialog)) == 3
    assert dialog.region_edit.placeholderText().startswith("如 ")
    assert not dialog.name_edit.isReadOnly() and background(dialog.name_edit) == "#ffffff"
    dialog.reject()


def open_order(qtbot, ctx, username):
    from desktop.views.orders.orders_view import OrdersView

    sign_in(username)
    page = build(qtbot, OrdersView, ctx)
    select_row(page.table)
    page.edit_selected()
    settle()
    return page.dialog


def test_viewer_order_dialog_has_no_edit_hints_and_shows_no_unset_dates(qtbot, ctx, records):
    dialog = open_order(qtbot, ctx, "hq")
    (hint,) = edit_hints(dialog)
    assert "找客户" in hint.text() and hint.isHidden()
    assert required_marks(dialog) == []
    # 完成时间: grey, no calendar arrow; 交付日期 / 保修到期日 not filled in: no made-up date beside them
    completed = dialog.completed_edit
    assert completed.isReadOnly() and not completed.calendarPopup() and completed.isVisible()
    assert background(completed) == READ_ONLY_GREY
    assert not dialog.delivered_check.isChecked() and dialog.delivered_edit.isHidden()
    assert not dialog.warranty_check.isChecked() and dialog.warranty_edit.isHidden()
    # not a complaint: the 投诉工单 title alone, none of its (default) level and times
    group = dialog.complaint_group
    assert group.isVisible() and not group.isChecked()
    assert dialog.isVisible() and not dialog.level_combo.isVisible() and not dialog.accepted_edit.isVisible()
    assert group.height() < 40
    assert background(dialog.order_no_edit) == READ_ONLY_GREY
    dialog.reject()


def test_viewer_order_dialog_shows_a_complaints_times(qtbot, ctx, records):
    from datetime import datetime

    sign_in("boss")
    customers.update_order(
        records.order.id,
        {
            **{k: getattr(records.order, k) for k in ("order_no", "service_type", "product_model")},
            "customer_id": records.customer.id,
            "completed_at": datetime(2024, 10, 8, 17, 0),
            "is_complaint": True,
            "complaint_level": "二级",
            "complaint_at": datetime(2024, 10, 8, 9, 0),
            "complaint_responded_at": datetime(2024, 10, 8, 11, 0),
        },
    )
    accounts.sign_out()
    dialog = open_order(qtbot, ctx, "hq")
    assert dialog.complaint_group.isChecked() and dialog.level_combo.isVisible()
    assert dialog.accepted_edit.isVisible() and dialog.accepted_edit.text() == "2024-10-08 09:00"
    assert dialog.responded_edit.isVisible() and dialog.closed_edit.isHidden()  # not closed yet
    dialog.reject()


def test_caller_order_dialog_keeps_its_hints_and_date_boxes(qtbot, ctx, records):
    dialog = open_order(qtbot, ctx, "qian")
    (hint,) = edit_hints(dialog)
    assert hint.isVisible() and "工单号 *" in required_marks(dialog)
    assert dialog.completed_edit.calendarPopup() and not dialog.completed_edit.isReadOnly()
    assert dialog.delivered_edit.isVisible() and not dialog.delivered_edit.isEnabled()
    assert dialog.level_combo.isVisible()
    dialog.reject()


def test_viewer_kpi_period_and_target_read_as_text(qtbot, ctx, records):
    from desktop.views.kpi.kpi_view import KpiView

    sign_in("hq")
    page = build(qtbot, KpiView, ctx)
    assert page.period_edit.isReadOnly() and background(page.period_edit) == READ_ONLY_GREY
    assert page.target_combo.isHidden() and page.target_view.isVisible()
    assert page.target_view.text() == "维修事业部" and page.target_view.isReadOnly()
    assert background(page.target_view) == READ_ONLY_GREY
    assert background(page.detail.definition_edit) == READ_ONLY_GREY


def test_supervisor_kpi_period_and_target_stay_editable(qtbot, ctx, records):
    from desktop.views.kpi.kpi_view import KpiView

    sign_in("boss")
    page = build(qtbot, KpiView, ctx)
    assert not page.period_edit.isReadOnly() and background(page.period_edit) == "#ffffff"
    assert page.target_combo.isVisible() and page.target_view.isHidden()


def test_viewer_kpi_reviewer_scores_dialog_offers_no_adding(qtbot, ctx, records, monkeypatch):
    from desktop.views.kpi.kpi_view import KpiView, ReviewerDialog

    sign_in("hq")
    page = build(qtbot, KpiView, ctx)
    shown = []

    def fake_exec(dialog):
        shown.append(dialog)
        return QDialog.Rejected

    monkeypatch.setattr(ReviewerDialog, "exec", fake_exec)
    page.edit_reviewers(page.draft.rows[-1])
    (dialog,) = shown
    assert dialog.windowTitle().startswith("评审得分") and "打分" not in dialog.windowTitle()
    assert dialog.add_button.isHidden() and dialog.remove_button.isHidden()
    dialog.deleteLater()


def test_viewer_without_scorecards_is_not_told_to_make_one(qtbot, ctx, team):
    from desktop.views.kpi.kpi_view import KpiView

    sign_in("hq")
    page = build(qtbot, KpiView, ctx)
    assert page.empty_label.isVisible()
    assert "新建评价表" not in page.empty_label.text() and "主管" in page.empty_label.text()
    sign_in("boss")
    assert "新建评价表" in build(qtbot, KpiView, ctx).empty_label.text()


def visit_form(qtbot, ctx, username, visit_id=None):
    from desktop.views.visit_form.visit_form_view import VisitFormView

    sign_in(username)
    form = build(qtbot, VisitFormView, ctx, 1400, 1000)
    if visit_id is not None:
        form.open_with(visit_id=visit_id)
        settle()
    return form


def test_viewer_signature_area_does_not_ask_to_sign(qtbot, ctx, records):
    from desktop.views.visit_form.signature_pad import VIEWER_NOTE, VIEWER_UNSIGNED

    form = visit_form(qtbot, ctx, "hq", records.draft.id)
    box = form.signature_box
    assert not box.pad.showing_saved()
    assert box.time_label.text() == VIEWER_UNSIGNED and box.check_label.text() == VIEWER_NOTE
    assert "可签字" not in box.check_label.text()
    assert box.clear_button.isHidden()
    assert form.visitor_edit.placeholderText() == ""
    # a signed one: its time and check as before
    form.open_with(visit_id=records.done.id)
    settle()
    assert box.pad.showing_saved() and box.time_label.text().startswith("签字时间：")
    assert "SHA-256" in box.check_label.text()


def test_caller_signature_area_unchanged(qtbot, ctx, records):
    from desktop.views.visit_form.signature_pad import VIEWER_NOTE

    form = visit_form(qtbot, ctx, "qian", records.draft.id)
    box = form.signature_box
    assert box.check_label.text() != VIEWER_NOTE and "只读" not in box.time_label.text()
    assert box.clear_button.isVisible()


def test_viewer_empty_visit_form_points_to_the_visit_list(qtbot, ctx, records):
    from desktop.views.visit_form.call_script import VIEWER_NO_VISIT
    from desktop.views.visit_form.visit_form_view import VIEWER_EMPTY

    form = visit_form(qtbot, ctx, "hq")
    assert form.status_label.text() == VIEWER_EMPTY and "回访记录" in VIEWER_EMPTY
    assert form.script.who.text() == VIEWER_NO_VISIT
    assert form.visitor_edit.text() == ""  # not the viewer's own name as 回访人员
    caller = visit_form(qtbot, ctx, "qian")
    assert caller.status_label.text() == "请先选择客户或工单"
    assert caller.script.who.text() == "请先在上方选择客户或工单。"
    assert caller.visitor_edit.text() == "钱员工"


def placeholder_painted(edit) -> bool:
    """Whether an empty field shows anything besides its background (its placeholder)."""
    image = edit.viewport().grab().toImage() if hasattr(edit, "viewport") else edit.grab().toImage()
    colours = {
        image.pixelColor(x, y).name() for x in range(4, min(image.width() - 4, 300)) for y in range(4, 20)
    }
    return len(colours) > 1


def test_viewer_answer_fields_show_no_filling_in_prompts(qtbot, ctx, records):
    form = visit_form(qtbot, ctx, "hq", records.draft.id)
    assert form.feedback_edit.toPlainText() == ""
    assert not placeholder_painted(form.feedback_edit)
    caller = visit_form(qtbot, ctx, "qian", records.draft.id)
    assert caller.feedback_edit.toPlainText() == "" and placeholder_painted(caller.feedback_edit)


def verifying_action_without_visits() -> int:
    sign_in("boss")
    category = ProblemCategory.get(ProblemCategory.name == "服务态度类")
    action = improvement.create_action(
        improvement.ActionInput(
            problem="上门未穿鞋套",
            measure="上门规范培训",
            department="安装组",
            owner="郑浩",
            deadline=date.today(),
            category_id=category.id,
        )
    )
    flow.change_status(action.id, improvement.IN_PROGRESS)
    flow.change_status(action.id, improvement.DONE, completion_note="培训完成")
    flow.change_status(action.id, improvement.VERIFYING)
    accounts.sign_out()
    return action.id


def test_viewer_improvement_verification_does_not_say_press_close(qtbot, ctx, records):
    from desktop.views.improvement.improvement_view import ImprovementView

    action_id = verifying_action_without_visits()
    sign_in("hq")
    page = build(qtbot, ImprovementView, ctx, 1400, 900)
    page.show_action(action_id)
    settle()
    text = page.outcome_label.text()
    assert "没有安排二次回访" in text and "待主管人工验证效果后闭环" in text
    assert "点“闭环" not in text
    assert page.note_edit.isHidden() and page.author_edit.isHidden() and page.note_button.isHidden()
    sign_in("boss")
    page = build(qtbot, ImprovementView, ctx, 1400, 900)
    page.show_action(action_id)
    settle()
    assert "请人工验证效果后点“闭环…”" in page.outcome_label.text()
    assert page.note_edit.isVisible() and page.note_edit.placeholderText()


def test_viewer_without_actions_is_not_told_to_make_one(qtbot, ctx, team):
    from desktop.views.improvement.improvement_view import ImprovementView

    sign_in("hq")
    page = build(qtbot, ImprovementView, ctx)
    assert page.empty_hint.isVisible() and page.empty_hint.buttons == []
    assert "点“新建改进措施”" not in page.empty_hint.label.text() and "主管" in page.empty_hint.label.text()


def test_viewer_scans_a_task_code_to_look(qtbot, ctx, records):
    from desktop.views.shell.scan_box import ScanBox

    sign_in("hq")
    box = ScanBox(ctx)
    qtbot.addWidget(box)
    assert box.label.text() == "扫码查看：" and "录入纸质表的答案" in box.edit.toolTip()
    assert "只读账号不能" in box.edit.toolTip()
    opened = []
    ctx.events.open_page.connect(lambda page_id, kwargs: opened.append((page_id, kwargs)))
    assert box.submit(text=f"HUIFANG:TASK:{records.task.id}")
    text = box.message.text()
    assert "请录入" not in text and "仅供查看" in text
    assert text.endswith("只读账号不能录入纸质表的答案；请用回访员或主管账号登录。")
    assert opened == [("visit_form", {"task_id": records.task.id})]  # no 纸质表录入
    # the next person signs in at the same window: 扫码录入 again
    sign_in("qian")
    box.clear()
    assert box.label.text() == "扫码录入：" and "直接按 1–5" in box.edit.toolTip()
    assert box.submit(text=f"HUIFANG:TASK:{records.task.id}")
    assert "请录入纸质表的答案" in box.message.text()
    assert opened[-1] == ("visit_form", {"task_id": records.task.id, "paper": True})


def test_viewer_dashboard_task_tiles_are_not_links(qtbot, ctx, records):
    from desktop.views.dashboard.dashboard_view import DashboardView

    sign_in("hq")
    page = build(qtbot, DashboardView, ctx)
    qtbot.waitUntil(lambda: page.tile_data is not None, timeout=10_000)
    for key in ("today", "overdue"):
        assert not page.tiles[key].clickable and "点击" not in page.tiles[key].toolTip()
    assert "点击" not in page.tiles["today"].note.text()
    with qtbot.assertNotEmitted(ctx.events.open_page):
        qtbot.mouseClick(page.tiles["today"], Qt.LeftButton)
    assert page.tiles["actions"].clickable  # 改进方案 is a page a viewer has
    sign_in("qian")
    caller = build(qtbot, DashboardView, ctx)
    qtbot.waitUntil(lambda: caller.tile_data is not None, timeout=10_000)
    assert caller.tiles["today"].clickable and caller.tiles["today"].note.text() == "点击查看今日任务"


def test_viewer_analysis_does_not_ask_to_tag(qtbot, ctx, records):
    from desktop.views.analysis.analysis_view import AnalysisView

    sign_in("hq")
    page = build(qtbot, AnalysisView, ctx, 1300, 900)
    page.refresh()
    qtbot.waitUntil(lambda: not page.loading and not page.details_loading, timeout=30_000)
    assert "请先" not in page.top_empty.text()
    note = page.untagged_note.text()
    assert "归类由主管完成" in note and "可多选后应用建议" not in note
    cells = [page.untagged_table.item(r, 5).text() for r in range(page.untagged_table.rowCount())]
    assert not any("请手工归类" in c for c in cells)
    sign_in("boss")
    boss = build(qtbot, AnalysisView, ctx, 1300, 900)
    boss.refresh()
    qtbot.waitUntil(lambda: not boss.loading and not boss.details_loading, timeout=30_000)
    assert "可多选后应用建议" in boss.untagged_note.text() and "请先" in boss.top_empty.text()
