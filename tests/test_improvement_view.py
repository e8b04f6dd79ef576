"""页面 改进方案, clicked like a user: TOP problem → action dialog → 进行中 → progress → 已完成 →
verification visits answered on the 回访表 → 已闭环; a failing verification reopens; overdue rows;
printing the table (landscape PDF with the paper's column groups)."""

from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from desktop.models import (
    ActionLog,
    ActionTask,
    ActionVisit,
    Answer,
    Customer,
    CustomerNotice,
    ImprovementAction,
    ProblemCategory,
    ServiceOrder,
    Visit,
    VisitProblem,
    VisitTask,
)
from desktop.services.improvement import flow, plan_table
from desktop.services.improvement import improvement as svc
from desktop.services.visits.templates import active_template, questions_of
from desktop.views.common.context import AppContext
from desktop.views.improvement.action_dialog import StatusDialog

TODAY = date.today()


def type_text(widget, text: str) -> None:
    """Type Chinese text key by key (QTest.keyClicks only knows Latin-1 characters)."""
    for char in text:
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key_unknown, Qt.NoModifier, char))


def click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text() if hasattr(widget, "text") else widget
    qtbot.mouseClick(widget, Qt.LeftButton)


def make_visit(name, phone, code, levels, feedback, days_ago=6):
    customer = Customer.get_or_none(Customer.code == code) or Customer.create(
        code=code, name=name, title="先生", phone=phone
    )
    order = ServiceOrder.create(
        order_no=f"WX{ServiceOrder.select().count() + 1:04d}",
        customer=customer,
        service_type="空调维修",
        product_model="KFR-35GW",
        engineer="李强",
    )
    template = active_template("after_sales")
    visit = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status="已完成",
        visit_date=TODAY - timedelta(days=days_ago),
        feedback=feedback,
    )
    by_dimension = {q.dimension: q for q in questions_of(template)}
    for dimension, value in zip(("服务态度", "响应及时性", "问题解决效果"), levels, strict=True):
        Answer.create(visit=visit, question=by_dimension[dimension], value=value)
    return visit


@pytest.fixture
def category(database):
    """The TOP problem: three visits of two customers tagged 流程便捷性类."""
    cat = ProblemCategory.get(ProblemCategory.name == "流程便捷性类")
    visits = [
        make_visit(
            "张伟",
            "13812345678",
            "C202310001",
            (4, 3, 2),
            "维修师傅第一次上门时未携带空调滤网，导致需二次预约",
        ),
        make_visit("李强", "13987654321", "C202310002", (3, 2, 2), "备件没货，等了一周", days_ago=5),
        make_visit("张伟", "13812345678", "C202310001", (4, 4, 3), "又缺配件", days_ago=4),
    ]
    for v in visits:
        VisitProblem.create(visit=v, category=cat)
    return cat


@pytest.fixture
def ctx(db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def view(qtbot, ctx, category):
    from desktop.views.improvement.improvement_view import ImprovementView

    widget = ImprovementView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1300, 860)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def form(qtbot, ctx):
    """The 回访表 page, opened when the improvement page asks for it (as the main window does)."""
    from desktop.services.admin import settings
    from desktop.views.visit_form.visit_form_view import VisitFormView

    settings.set_value("visitor_name", "王芳")  # 回访人员 is required on a completed visit
    widget = VisitFormView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    ctx.events.open_page.connect(lambda page, kwargs: page == "visit_form" and widget.open_with(**kwargs))
    return widget


@pytest.fixture
def step_input(monkeypatch):
    """What the user types into the status-step dialog (its exec() runs without blocking)."""
    typed: dict = {}

    def run(dialog):
        typed["dialog"] = dialog
        if dialog.completion_edit is not None and typed.get("completion"):
            type_text(dialog.completion_edit, typed["completion"])
        if typed.get("note"):
            type_text(dialog.note_edit, typed["note"])
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(StatusDialog, "exec", run)
    return typed


@pytest.fixture
def messages(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]) or QMessageBox.Ok)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]) or QMessageBox.Ok)
    return shown


def create_through_dialog(qtbot, view, category) -> ImprovementAction:
    view.open_with(new_from_category=category.id)
    dialog = view.dialog
    qtbot.waitExposed(dialog)
    type_text(dialog.measure_edit, "备件库存预警，低于阈值自动补货")
    type_text(dialog.department_combo.lineEdit(), "物流部")
    type_text(dialog.owner_combo.lineEdit(), "张建军")
    click(qtbot, dialog.save_button)
    assert not dialog.isVisible()
    return ImprovementAction.get()


def answer_verification(qtbot, view, form, ctx, level_key: str, solved: bool) -> None:
    """Pick an open 二次回访 in the panel, 去回访, and answer it on the 回访表."""
    tree = view.verify_tree
    item = next(
        tree.topLevelItem(i)
        for i in range(tree.topLevelItemCount())
        if tree.topLevelItem(i).data(1, Qt.UserRole) in ("待回访", "已预约")
    )
    tree.setCurrentItem(item)
    click(qtbot, view.visit_button)
    assert form.task_id == item.data(0, Qt.UserRole)
    assert form.template_id == active_template("verification").id
    qtbot.waitUntil(lambda: form.script.buttons["方便"].isVisible())
    click(qtbot, form.script.buttons["方便"])
    rows = form.matrix.rows
    qtbot.waitUntil(lambda: rows[-1].isVisible())
    qtbot.keyClicks(rows[0], level_key)  # 改进后您对我们的服务满意吗?
    click(qtbot, rows[1].buttons_in_order()[0 if solved else 1])  # 您反馈的问题解决了吗? 是/否
    with qtbot.waitSignal(ctx.events.visits_changed):
        click(qtbot, form.final_button)


def test_top_problem_to_closed(qtbot, view, form, ctx, category, step_input, messages):
    assert view.empty_hint.isVisible() and [b.text() for b in view.empty_hint.buttons] == ["去问题分析"]
    view.open_with(new_from_category=category.id)
    dialog = view.dialog
    qtbot.waitExposed(dialog)
    # prefilled from the TOP problem: its three visits, checked; a first wording of the problem
    assert dialog.category_combo.currentText() == "流程便捷性类"
    assert dialog.visits_list.count() == 3 and len(dialog.checked_visits()) == 3
    assert dialog.problem_edit.toPlainText().startswith("流程便捷性类问题（3 条回访反馈）")

    click(qtbot, dialog.save_button)  # nothing filled in: refused, field by field
    assert dialog.isVisible() and dialog.error_label.isVisible()
    for name in ("改进措施", "责任部门", "责任人"):
        assert name in dialog.error_label.text()
    assert ImprovementAction.select().count() == 0

    type_text(dialog.measure_edit, "备件库存预警，低于阈值自动补货")
    type_text(dialog.department_combo.lineEdit(), "物流部")
    type_text(dialog.owner_combo.lineEdit(), "张建军")
    type_text(dialog.acceptance_edit, "常用备件缺货率≤2%")
    click(qtbot, dialog.save_button)
    assert not dialog.isVisible()
    action = ImprovementAction.get()
    assert (action.measure, action.department, action.owner, action.status) == (
        "备件库存预警，低于阈值自动补货",
        "物流部",
        "张建军",
        "未启动",
    )
    assert action.category_id == category.id and ActionVisit.select().count() == 3

    # the table: one row per feedback, masked; the detail shows the allowed next step only
    assert view.table.isVisible() and view.model.rowCount() == 3
    assert view.model.index(0, 2).data() == "138****5678" and view.model.index(0, 0).data() == "张*先生"
    assert view.model.index(0, 13).data() == "物流部"
    assert view.action_id == action.id and f"#{action.id}" in view.title_label.text()
    assert list(view.step_buttons) == ["进行中"]

    click(qtbot, view.step_buttons["进行中"])
    assert ImprovementAction.get_by_id(action.id).status == "进行中"
    assert list(view.step_buttons) == ["已完成"] and view.status_badge.text() == "进行中"

    type_text(view.note_edit, "第1周：完成备件安全库存核定")
    click(qtbot, view.note_button)
    progress = ActionLog.get((ActionLog.action == action) & (ActionLog.status_to == ""))
    assert progress.note == "第1周：完成备件安全库存核定"
    assert "第1周：完成备件安全库存核定" in view.log_list.item(0).text()

    # 已完成 without saying what was done is refused inside the dialog
    click(qtbot, view.step_buttons["已完成"])
    assert "完成说明" in step_input["dialog"].error_label.text()
    assert ImprovementAction.get_by_id(action.id).status == "进行中"

    step_input["completion"] = "完成系统调试"
    click(qtbot, view.step_buttons["已完成"])
    action = ImprovementAction.get_by_id(action.id)
    assert action.status == "效果验证中" and action.completion_note == "完成系统调试"
    tasks = list(VisitTask.select().join(ActionTask).where(ActionTask.action == action))
    assert sorted(t.customer.name for t in tasks) == ["张伟", "李强"]
    assert {t.trigger for t in tasks} == {"二次回访"}
    assert view.verify_tree.topLevelItemCount() == 2
    assert set(view.step_buttons) == {"已闭环", "进行中"}

    answer_verification(qtbot, view, form, ctx, "2", solved=True)  # 满意, 是
    assert ImprovementAction.get_by_id(action.id).status == "效果验证中"
    assert "还有 1 位待回访" in view.outcome_label.text()
    answer_verification(qtbot, view, form, ctx, "1", solved=True)  # 非常满意, 是

    action = ImprovementAction.get_by_id(action.id)
    assert action.status == "已闭环"
    assert action.verification_result == "2 位客户二次回访：2 位满意，问题均已解决"
    assert view.status_badge.text() == "已闭环" and view.step_buttons == {}
    assert "2 位客户二次回访" in view.fields["验证结果"].text()

    # tell each customer in their own words: 张伟 is quoted his feedback only, never 李强's
    assert view.notices.tree.topLevelItemCount() == 2
    assert view.told_label.text() == "已告知 0/2 位客户"
    assert view.notices.tree.currentItem().text(0) == "张伟"
    message = view.message_edit.toPlainText()
    assert "我们已经改进：备件库存预警，低于阈值自动补货" in message
    assert "又缺配件" in message and "备件没货" not in message
    click(qtbot, view.copy_button)
    assert QGuiApplication.clipboard().text() == message
    view.message_edit.moveCursor(QTextCursor.End)
    type_text(view.message_edit, "如有问题请拨打客服热线。")
    message += "如有问题请拨打客服热线。"
    view.notices.method_combo.setCurrentText("短信")
    click(qtbot, view.told_button)
    assert view.told_label.text() == "已告知 1/2 位客户"
    zhang = view.notices.tree.topLevelItem(0)
    assert zhang.text(2) == f"{TODAY:%Y-%m-%d} 短信告知"
    notice = CustomerNotice.get()
    assert (notice.customer.name, notice.method, notice.message, notice.told_on) == ("张伟", "短信", message, TODAY)
    assert ImprovementAction.get_by_id(action.id).customer_told_on is None  # 李强 not told yet
    # the next customer not told yet is selected, with his own words
    assert view.notices.tree.currentItem().text(0) == "李强"
    li_message = view.message_edit.toPlainText()
    assert "备件没货，等了一周" in li_message and "又缺配件" not in li_message
    view.notices.method_combo.setCurrentText("电话")
    click(qtbot, view.told_button)
    action = ImprovementAction.get_by_id(action.id)
    assert action.customer_told_on == TODAY and view.told_label.text() == "已告知 2/2 位客户"
    assert view.notices.tree.topLevelItem(1).text(2) == f"{TODAY:%Y-%m-%d} 电话告知"
    assert messages == []


def test_failed_verification_reopens(qtbot, view, form, ctx, category, step_input, messages):
    action = create_through_dialog(qtbot, view, category)
    click(qtbot, view.step_buttons["进行中"])
    step_input["completion"] = "完成系统调试"
    click(qtbot, view.step_buttons["已完成"])
    assert ImprovementAction.get_by_id(action.id).status == "效果验证中"

    answer_verification(qtbot, view, form, ctx, "4", solved=False)  # 不满意, 否

    action = ImprovementAction.get_by_id(action.id)
    assert action.status == "进行中" and action.closed_on is None
    last = ActionLog.select().where(ActionLog.action == action).order_by(ActionLog.id.desc()).first()
    assert (last.status_from, last.status_to) == ("效果验证中", "进行中")
    assert "不满意" in last.note and "问题未解决" in last.note
    assert list(view.step_buttons) == ["已完成"] and view.status_badge.text() == "进行中"
    assert "验证未通过" in view.outcome_label.text()
    statuses = sorted(
        t.status for t in VisitTask.select().join(ActionTask).where(ActionTask.action == action)
    )
    assert statuses == ["已取消", "已完成"]


def test_going_back_needs_a_reason_and_closing_by_hand(qtbot, view, category, step_input, messages):
    action = create_through_dialog(qtbot, view, category)
    click(qtbot, view.step_buttons["进行中"])
    step_input["completion"] = "完成系统调试"
    click(qtbot, view.step_buttons["已完成"])
    click(qtbot, view.step_buttons["进行中"])  # 退回 without a reason
    assert "退回原因" in step_input["dialog"].error_label.text()
    assert ImprovementAction.get_by_id(action.id).status == "效果验证中"
    step_input.update(completion="", note="供应商断货，措施需要调整")
    click(qtbot, view.step_buttons["进行中"])
    assert ImprovementAction.get_by_id(action.id).status == "进行中"
    assert {t.status for t in VisitTask.select()} == {"已取消"}


def test_overdue_rows_are_highlighted_and_filtered(qtbot, view, category):
    from desktop.views.improvement.improvement_view import OVERDUE_BG

    late = svc.create_action(
        svc.ActionInput(
            problem="热线难打通", measure="增加坐席", department="客服中心", owner="杨慧", deadline=TODAY
        )
    )
    ImprovementAction.update(deadline=TODAY - timedelta(days=3)).where(
        ImprovementAction.id == late.id
    ).execute()
    fine = svc.create_action(
        svc.ActionInput(
            problem="缺件",
            measure="备件库存预警",
            department="物流部",
            owner="张建军",
            deadline=TODAY + timedelta(days=10),
            visit_ids=[v.id for v in Visit.select()],
        )
    )
    view.refresh()
    rows = view.model.rows
    assert [r.action_id for r in rows] == [late.id, fine.id, fine.id, fine.id]
    assert view.model.index(0, 0).data(Qt.BackgroundRole) == OVERDUE_BG
    assert view.model.index(1, 0).data(Qt.BackgroundRole) is None
    assert "逾期3天" in view.model.index(0, 16).data()
    assert "1 项已逾期" in view.summary_label.text()
    # the action's cells span its rows, as on paper
    assert view.table.rowSpan(1, 12) == 3 and view.table.rowSpan(1, 0) == 1
    view.filter_combo.setCurrentIndex(view.filter_combo.findData("已逾期"))
    assert {r.action_id for r in view.model.rows} == {late.id}
    assert view.filter_combo.currentText() == "已逾期（1）"
    view.filter_combo.setCurrentIndex(view.filter_combo.findData("已闭环"))
    assert view.model.rowCount() == 0
    view.open_with(action_id=fine.id)  # shows it, switching the filter back to 全部
    assert view.action_id == fine.id and view.filter_combo.currentData() == "全部"
    view.table.selectRow(0)
    assert view.action_id == late.id and "已逾期" in view.status_badge.text()


def pdf_text(path) -> str:
    reader = PdfReader(str(path))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_print_to_pdf_in_landscape(qtbot, view, category, monkeypatch, tmp_path, messages):
    action = create_through_dialog(qtbot, view, category)
    flow.change_status(action.id, "进行中")
    flow.change_status(action.id, "已完成", completion_note="完成系统调试")
    out = tmp_path / "plan.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out.with_suffix("")), ""))
    click(qtbot, view.pdf_button)
    assert messages == [f"已导出：{out}"]
    reader = PdfReader(str(out))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape A4: 842 × 595 pt
    assert round(float(box.width)) == 842
    text = pdf_text(out)
    for group in ("客户基本信息", "回访信息", "满意度反馈", "改进方案与落实跟踪"):
        assert group in text
    assert "客户满意度改进方案表" in text
    assert "备件库存预警，低于阈值自动补货" in text and "物流部" in text and "张建军" in text
    assert "张*先生" in text and "138****5678" in text and "13812345678" not in text
    assert "KFR-35GW" in text and "维修师傅第一次上门时未携带空调滤网" in text
    assert f"已完成（{TODAY:%Y-%m-%d}完成系统调试）" in text
    # full numbers on screen when asked for, but never on paper
    view.full_check.setChecked(True)
    click(qtbot, view.pdf_button)
    assert "138****5678" in pdf_text(out) and "13812345678" not in pdf_text(out)


def test_preview_paints_the_table(qtbot, view, category):
    """The real print preview (landscape), every page painted, closed from a timer."""
    from preview_helpers import ink, run_preview

    create_through_dialog(qtbot, view, category)
    seen = run_preview(lambda: click(qtbot, view.preview_button))
    assert seen.message == "" and seen.pages == 1
    assert seen.images[0].width() > 0 and ink(seen.images[0]) > 200
    assert seen.job_name == f"改进方案表-{TODAY:%Y%m%d}"


def test_page_images_are_landscape_and_tick_the_status(qtbot, view, category):
    from desktop.views.printing import improvement_print as ip

    create_through_dialog(qtbot, view, category)
    doc = plan_table.plan_document()
    images = ip.plan_page_images(doc, dpi=60)
    assert len(images) == 1 and images[0].width() > images[0].height()
    # many rows paginate, every page repeating the group header
    many = plan_table.PlanDoc("客户满意度改进方案表", "公司", "范围", TODAY, doc.rows * 8)
    assert len(ip.plan_page_images(many, dpi=40)) >= 4


def test_dashboard_can_open_the_overdue_rows(qtbot, database):
    from desktop.views.common.context import AppContext
    from desktop.views.improvement.improvement_view import ImprovementView

    view = ImprovementView(AppContext(db_path=database.database))
    qtbot.addWidget(view)
    view.open_with(status_filter="已逾期")
    assert view.status_filter() == "已逾期"
