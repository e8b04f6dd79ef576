"""质量评价 page: create a scorecard, type actual values, watch the scores, the 权重合计 label and
the total; save (refused while weights ≠ 100); flagged rows → improvement actions; reviewer
scores; two periods side by side; PDF export."""

import re
import subprocess
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QFileDialog, QLineEdit, QMessageBox

from desktop.models import (
    Answer,
    Customer,
    ImprovementAction,
    KpiIndicator,
    KpiReviewerScore,
    KpiScorecard,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
)
from desktop.services.kpi import kpi
from desktop.views.common.context import AppContext
from desktop.views.common.pages import PAGES
from desktop.views.kpi.kpi_view import (
    COL_ACTION,
    COL_ACTUAL,
    COL_LEVEL2,
    COL_SCORE,
    COL_WEIGHT,
    KpiView,
    NewScorecardDialog,
    ReviewerDialog,
)
from desktop.views.printing import kpi_print

COMPLETE = {"客户满意度（CSAT）": 86, "投诉处理及时率（按等级时限响应）": 92}
SEED_ACTUALS = {
    "客服响应及时率": 88,
    "上门服务到达及时率": 75,
    "问题一次性解决率": 82,
    "技术方案准确率": 93,
    "服务流程合规率": 96,
}


@pytest.fixture
def ctx(db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args, **kw: shown.append(args[2]))
    return shown


@pytest.fixture
def yes(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kw: QMessageBox.Yes)


@pytest.fixture
def view(qtbot, ctx, database):
    page = KpiView(ctx)
    qtbot.addWidget(page)
    page.resize(1160, 800)
    page.show()
    page.on_shown()
    return page


def seeded(period="2024Q1", target="维修事业部", **overrides) -> int:
    card = kpi.create_scorecard(period, target)
    data = kpi.load(card.id)
    actuals = {**SEED_ACTUALS, **overrides}
    for row in data.rows:
        if row.level2 in actuals:
            row.actual = actuals[row.level2]
    kpi.save(data)
    return card.id


def row_of(view: KpiView, name: str) -> int:
    return next(i for i, row in enumerate(view.draft.rows) if row.level2.startswith(name))


def cell(view: KpiView, row: int, col: int) -> str:
    return view.model.index(row, col).data()


def type_into_cell(qtbot, view: KpiView, row: int, col: int, text: str) -> None:
    """Select the cell, open its editor like a double-click would, type, press Enter."""
    index = view.model.index(row, col)
    view.table.setCurrentIndex(index)
    view.table.edit(index)
    editors = [w for w in view.table.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key_Return)
    # the delegate commits and closes its editor through a queued call
    qtbot.waitUntil(lambda: view.table.state() != QAbstractItemView.EditingState, timeout=2000)


def in_modal(qtbot, action):
    """Run ``action(dialog)`` on the next modal dialog once it is shown."""
    done = []

    def run():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        action(dialog)
        done.append(dialog)

    QTimer.singleShot(0, run)
    return done


def test_page_is_registered_before_templates():
    ids = [spec.id for spec in PAGES]
    assert ids.index("kpi") < ids.index("templates")
    spec = PAGES[ids.index("kpi")]
    assert (spec.title, spec.module, spec.cls) == ("质量评价", "kpi.kpi_view", "KpiView")


def test_create_a_scorecard_in_the_page_and_type_an_actual(qtbot, view, warnings):
    assert view.empty_label.isVisible() and not view.tabs.isVisible()

    def accept(dialog: NewScorecardDialog):
        dialog.period_edit.setText("")
        qtbot.keyClicks(dialog.period_edit, "2024q1")
        dialog.target_combo.setCurrentText("")
        dialog.target_combo.lineEdit().insert("维修事业部")  # QTest types ASCII only: paste it
        assert dialog.span_label.text() == "2024-01-01 至 2024-03-31"
        dialog.accept()

    done = in_modal(qtbot, accept)
    qtbot.mouseClick(view.scorecards.new_button, Qt.LeftButton)
    assert done
    card = KpiScorecard.get()
    assert (card.period, card.target) == ("2024Q1", "维修事业部")
    assert KpiIndicator.select().where(KpiIndicator.scorecard == card.id).count() == 7
    assert view.tabs.isVisible() and view.scorecards.table.rowCount() == 1
    assert view.scorecards.table.item(0, 0).text() == "2024Q1"
    assert cell(view, 0, COL_LEVEL2) == "客服响应及时率"
    assert view.weight_label.text() == "权重合计 100 / 100"

    r = row_of(view, "客服响应及时率")
    assert cell(view, r, COL_SCORE) == ""
    type_into_cell(qtbot, view, r, COL_ACTUAL, "88")
    assert cell(view, r, COL_ACTUAL) == "88%"
    assert cell(view, r, COL_SCORE) == "14.67"
    assert view.total_label.text() == "总分 14.67"
    assert view.dirty and "未保存" in view.dirty_label.text()
    assert KpiIndicator.get(KpiIndicator.level2 == "客服响应及时率").actual is None  # not saved yet

    for name, value in SEED_ACTUALS.items():
        type_into_cell(qtbot, view, row_of(view, name), COL_ACTUAL, f"{value}%")
    assert [cell(view, row_of(view, n), COL_SCORE) for n in SEED_ACTUALS] == [
        "14.67",
        "13.24",
        "20.50",
        "14.68",
        "9.80",
    ]
    type_into_cell(qtbot, view, row_of(view, "客户满意度"), COL_ACTUAL, "86")
    type_into_cell(qtbot, view, row_of(view, "投诉处理及时率"), COL_ACTUAL, "92")
    assert view.total_label.text() == "总分 96.42"
    assert view.grade_label.text() == "等级 优秀"

    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    assert warnings == []
    assert not view.dirty
    assert KpiIndicator.get(KpiIndicator.level2 == "客服响应及时率").actual == 88
    assert (
        view.scorecards.table.item(0, 2).text() == "96.42"
        and view.scorecards.table.item(0, 3).text() == "优秀"
    )


def test_bad_number_is_rejected_with_a_message(qtbot, view):
    view.reload_list(seeded())
    r = row_of(view, "客服响应及时率")
    type_into_cell(qtbot, view, r, COL_ACTUAL, "8o")
    assert cell(view, r, COL_ACTUAL) == "88%"
    assert "实际值" in view.message_label.text() and "不是数字" in view.message_label.text()


def test_weight_label_turns_red_and_save_is_refused(qtbot, view, warnings):
    card_id = seeded()
    view.reload_list(card_id)
    assert "color" not in view.weight_label.styleSheet()
    type_into_cell(qtbot, view, row_of(view, "服务流程合规率"), COL_WEIGHT, "5")
    assert view.weight_label.text() == "权重合计 95 / 100"
    assert "#c62828" in view.weight_label.styleSheet()
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    assert warnings == ["权重合计为 95，应为 100"]
    assert KpiIndicator.get(KpiIndicator.level2 == "服务流程合规率").weight == 10
    assert view.dirty

    type_into_cell(qtbot, view, row_of(view, "技术方案准确率"), COL_WEIGHT, "20")
    assert view.weight_label.text() == "权重合计 100 / 100"
    assert "color" not in view.weight_label.styleSheet()
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    assert len(warnings) == 1
    assert KpiIndicator.get(KpiIndicator.level2 == "服务流程合规率").weight == 5


def test_add_move_remove_rows_and_revert(qtbot, view, warnings):
    card_id = seeded()
    view.reload_list(card_id)
    view.table.selectRow(row_of(view, "服务流程合规率"))
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    new = row_of(view, "新指标")
    assert view.draft.rows[new].level1 == "规范性"  # joins the selected row's group
    view.set_cell(new, COL_LEVEL2, "工单填写完整率")
    view.set_cell(new, COL_WEIGHT, "5")
    type_into_cell(qtbot, view, row_of(view, "服务流程合规率"), COL_WEIGHT, "5")
    view.set_cell(new, 3, "95")  # 目标值
    view.table.selectRow(new)
    qtbot.mouseClick(view.up_button, Qt.LeftButton)
    assert view.draft.rows[new - 1].level2 == "工单填写完整率"
    view.table.selectRow(row_of(view, "客服响应及时率"))
    qtbot.mouseClick(view.remove_button, Qt.LeftButton)
    view.set_cell(row_of(view, "上门服务到达及时率"), COL_WEIGHT, "30")
    assert view.weight_label.text() == "权重合计 100 / 100"
    assert view.table.rowSpan(row_of(view, "工单填写完整率"), 0) == 2
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    assert warnings == []
    names = [
        i.level2
        for i in KpiIndicator.select()
        .where(KpiIndicator.scorecard == card_id)
        .order_by(KpiIndicator.position)
    ]
    assert names[:4] == ["上门服务到达及时率", "问题一次性解决率", "技术方案准确率", "工单填写完整率"]
    assert "客服响应及时率" not in names

    view.set_cell(0, COL_WEIGHT, "1")
    assert view.dirty
    qtbot.mouseClick(view.revert_button, Qt.LeftButton)
    assert not view.dirty and cell(view, 0, COL_WEIGHT) == "30"


def test_flagged_row_is_highlighted_and_becomes_an_improvement_action(qtbot, view, warnings):
    view.reload_list(seeded(上门服务到达及时率=60))  # 15 × 60 / 85 = 10.59 < 12
    r = row_of(view, "上门服务到达及时率")
    assert view.draft.rows[r].flagged
    assert view.model.index(r, COL_SCORE).data(Qt.BackgroundRole) is not None
    assert view.model.index(0, COL_SCORE).data(Qt.BackgroundRole) is None
    holder = view.table.indexWidget(view.model.index(r, COL_ACTION))
    button = next(b for b in holder.findChildren(type(view.save_button)) if b.text() == "转为改进措施")
    assert view.table.indexWidget(view.model.index(0, COL_ACTION)) is None
    qtbot.mouseClick(button, Qt.LeftButton)
    action = ImprovementAction.get()
    assert action.problem == "上门服务到达及时率 得分 10.59/权重 15，低于 80%"
    assert (action.status, action.department) == ("未启动", "维修事业部")
    holder = view.table.indexWidget(view.model.index(r, COL_ACTION))
    label = holder.findChildren(type(view.save_button))[0]
    assert label.text() == f"已转改进 #{action.id}" and not label.isEnabled()
    assert warnings == []

    # typing an actual that clears the flag removes the row's button at once
    type_into_cell(qtbot, view, r, COL_ACTUAL, "80")
    assert view.table.indexWidget(view.model.index(r, COL_ACTION)) is None


def test_flag_on_unsaved_draft_asks_to_save_first(qtbot, view, warnings, yes):
    view.reload_list(seeded())
    r = row_of(view, "技术方案准确率")
    type_into_cell(qtbot, view, r, COL_ACTUAL, "50")  # 15 × 50 / 95 = 7.89
    holder = view.table.indexWidget(view.model.index(r, COL_ACTION))
    qtbot.mouseClick(holder.findChildren(type(view.save_button))[0], Qt.LeftButton)
    assert KpiIndicator.get(KpiIndicator.level2 == "技术方案准确率").actual == 50
    assert ImprovementAction.get().problem.startswith("技术方案准确率 得分 7.89/权重 15")


def test_reviewer_scores_dialog_for_a_qualitative_row(qtbot, view, warnings):
    card_id = seeded()
    view.reload_list(card_id)
    view.table.selectRow(row_of(view, "服务流程合规率"))
    qtbot.mouseClick(view.add_button, Qt.LeftButton)
    new = row_of(view, "新指标")
    view.set_cell(new, COL_LEVEL2, "服务礼仪规范")
    view.set_cell(new, COL_WEIGHT, "5")
    view.set_cell(row_of(view, "服务流程合规率"), COL_WEIGHT, "5")
    view.table.selectRow(new)
    view.detail.qualitative_check.setChecked(True)
    assert cell(view, new, COL_ACTUAL) == "未评审"

    def score(dialog: ReviewerDialog):
        dialog.add_reviewer("王经理", 4)
        dialog.add_reviewer("李主管", 5)
        assert "均分 4.50" in dialog.result_label.text()
        dialog.accept()

    done = in_modal(qtbot, score)
    holder = view.table.indexWidget(view.model.index(new, COL_ACTION))
    qtbot.mouseClick(holder.findChildren(type(view.save_button))[0], Qt.LeftButton)
    assert done
    assert cell(view, new, COL_ACTUAL) == "均分4.50"
    assert cell(view, new, COL_SCORE) == "4.50"
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    assert warnings == []
    assert sorted((s.reviewer, s.score) for s in KpiReviewerScore.select()) == [("李主管", 5), ("王经理", 4)]


def test_reviewer_dialog_refuses_a_blank_name(qtbot, database):
    row = kpi.IndicatorRow("规范性", "服务礼仪规范", 5, qualitative=True)
    dialog = ReviewerDialog(row)
    qtbot.addWidget(dialog)
    dialog.add_reviewer("", 3)
    dialog.accept()
    assert dialog.result() != QDialog.Accepted
    assert "评审人姓名不能为空" in dialog.error_label.text()


def test_refresh_actuals_from_the_data(qtbot, view):
    template = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "after_sales")
    question = template.questions.where(Question.kind == "level5").order_by(Question.position).first()
    customer = Customer.create(code="C1", name="张三", phone="13800000001")
    order = ServiceOrder.create(
        order_no="W1",
        customer=customer,
        team="维修一组",
        completed_at=datetime(2024, 2, 1),
        first_time_fixed=True,
    )
    for n, value in enumerate((5, 4, 2, 5)):
        visit = Visit.create(
            customer=customer,
            order=order,
            template=template,
            visit_date=date(2024, 2, 2 + n),
            status="已完成",
        )
        Answer.create(visit=visit, question=question, value=value)
    view.reload_list(kpi.create_scorecard("2024Q1", "维修一组").id)
    qtbot.mouseClick(view.refresh_button, Qt.LeftButton)
    assert cell(view, row_of(view, "客户满意度"), COL_ACTUAL) == "75%"
    assert cell(view, row_of(view, "问题一次性解决率"), COL_ACTUAL) == "100%"
    complaint = row_of(view, "投诉处理及时率")
    assert cell(view, complaint, COL_ACTUAL) == "" and view.draft.rows[complaint].note == "无数据"
    assert "非常满意+满意 3 / 有效回答 4" in view.message_label.text()
    assert view.dirty


def test_two_periods_side_by_side(qtbot, view):
    older = seeded("2023Q4", **COMPLETE, 上门服务到达及时率=70)
    newer = seeded("2024Q1", **COMPLETE)
    view.reload_list(newer)
    qtbot.mouseClick(view.compare_button, Qt.LeftButton)
    assert view.tabs.currentIndex() == 1
    assert view.compare.combo.currentData() == older
    headers = [view.compare.table.horizontalHeaderItem(c).text() for c in range(5)]
    assert headers[2:4] == ["2023Q4 得分", "2024Q1 得分"]
    r = next(
        i
        for i in range(view.compare.table.rowCount())
        if view.compare.table.item(i, 1) and view.compare.table.item(i, 1).text() == "上门服务到达及时率"
    )
    assert view.compare.table.item(r, 2).text() == "12.35"
    assert view.compare.table.item(r, 3).text() == "13.24"
    assert view.compare.table.item(r, 4).text() == "↑ +0.89"  # 13.24 − 12.35, as printed
    summary = view.compare.summary.text()
    assert "95.53（2023Q4）→ 96.42（2024Q1）  ↑ +0.89" in summary and "等级 优秀 → 优秀" in summary

    # an incomplete scorecard is not graded
    view.reload_list(seeded("2024Q2"))
    assert view.grade_label.text() == "等级 待评定"
    assert "2 项尚无得分" in view.incomplete_label.text()


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_export_pdf_has_the_table(qtbot, view, monkeypatch, tmp_path, warnings):
    view.reload_list(seeded(客服响应及时率=88))
    type_into_cell(qtbot, view, row_of(view, "客户满意度"), COL_ACTUAL, "86")
    type_into_cell(qtbot, view, row_of(view, "投诉处理及时率"), COL_ACTUAL, "92")
    out = tmp_path / "kpi.pdf"
    offered = []

    def save_name(parent, caption, name, filters):
        offered.append(name)
        return str(out), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    qtbot.mouseClick(view.pdf_button, Qt.LeftButton)
    assert warnings == []
    assert offered == ["质量评价表_2024Q1_维修事业部.pdf"]
    text = re.sub(r"\s+", "", pdf_text(out))
    for expected in (
        "售后服务质量评价表",
        "评价周期",
        "2024Q1",
        "评价对象",
        "维修事业部",
        "一级指标",
        "二级指标",
        "目标值",
        "实际值",
        "备注（未达标原因）",
        "时效性",
        "客服响应及时率",
        "14.67",
        "13.24",
        "20.50",
        "14.68",
        "9.80",
        "14.33",
        "9.20",
        "96.42",  # the total of the unsaved draft: what is on screen is printed
        "等级：优秀",
    ):
        assert expected in text, expected
    assert len(PdfReader(str(out)).pages) == 1
    png = subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "p")], check=False)
    assert png.returncode == 0


def test_print_refused_while_weights_are_wrong(qtbot, view, monkeypatch, warnings):
    view.reload_list(seeded())
    view.set_cell(0, COL_WEIGHT, "20")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("no file dialog"))
    qtbot.mouseClick(view.pdf_button, Qt.LeftButton)
    assert warnings and "权重合计为 105，应为 100" in warnings[0]


def test_page_images_render(qtbot, database):
    data = kpi.load(seeded())
    images = kpi_print.scorecard_page_images(data, dpi=60)
    assert len(images) == 1 and not images[0].isNull()


def test_group_rename_and_row_details(qtbot, view, warnings):
    card_id = seeded()
    view.reload_list(card_id)
    assert view.table.rowSpan(0, 0) == 2  # 时效性 merged over its two rows
    view.set_cell(1, 0, "响应时效")  # typing in the merged cell renames the whole group
    assert [r.level1 for r in view.draft.rows[:2]] == ["响应时效", "响应时效"]
    assert view.table.rowSpan(0, 0) == 2

    csat = row_of(view, "客户满意度")
    view.table.selectRow(csat)
    assert view.detail.source_combo.currentData() == "csat"
    view.detail.source_combo.setCurrentIndex(view.detail.source_combo.findData("manual"))
    assert view.model.index(csat, 7).data() == "手工填写"
    view.detail.definition_edit.setText("")
    qtbot.keyClicks(view.detail.definition_edit, "CSAT top-2")
    view.detail.level1_combo.setCurrentText("规范性")  # now merged with 服务流程合规率 above, not with 投诉
    assert view.draft.rows[csat - 1].level1 == "规范性"
    assert view.table.rowSpan(csat - 1, 0) == 2
    assert view.table.rowSpan(csat + 1, 0) == 1
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    assert warnings == []
    stored = KpiIndicator.get(KpiIndicator.level2 == "客户满意度（CSAT）")
    assert (stored.source, stored.definition, stored.level1) == ("manual", "CSAT top-2", "规范性")
    assert KpiIndicator.get(KpiIndicator.level2 == "客服响应及时率").level1 == "响应时效"


def test_print_preview_paints_the_scorecard(qtbot, view, warnings):
    """The real print preview paints the scorecard, then a timer closes it."""
    from preview_helpers import ink, run_preview

    data = seeded(**COMPLETE)
    view.reload_list(data)
    seen = run_preview(lambda: qtbot.mouseClick(view.preview_button, Qt.LeftButton))
    assert warnings == [] and seen.message == ""
    assert seen.pages >= 1 and all(ink(image) > 200 for image in seen.images)
    assert seen.title.startswith("打印预览 — 售后服务质量评价表")
    assert seen.job_name.startswith("质量评价表-") and view.draft.period in seen.job_name


# ---------------------------------------------------------------- an actual value above 100%
def answer_box(qtbot, button, seen: list):
    """Answer the next modal message box with ``button``, noting its title and text."""

    def run(box):
        assert isinstance(box, QMessageBox)
        seen.append((box.windowTitle(), box.text()))
        box.button(button).click()

    return in_modal(qtbot, run)


def test_actual_above_100_asks_first_and_no_keeps_the_old_value(qtbot, view):
    view.reload_list(seeded())
    r = row_of(view, "客服响应及时率")
    seen: list = []
    done = answer_box(qtbot, QMessageBox.No, seen)
    type_into_cell(qtbot, view, r, COL_ACTUAL, "120")
    assert done and seen == [("实际值超过 100%", "“客服响应及时率”的实际值 120% 超过 100%，确定吗？")]
    assert cell(view, r, COL_ACTUAL) == "88%" and cell(view, r, COL_SCORE) == "14.67"
    assert not view.dirty

    done = answer_box(qtbot, QMessageBox.Yes, seen)
    type_into_cell(qtbot, view, r, COL_ACTUAL, "120")
    assert done and len(seen) == 2
    assert cell(view, r, COL_ACTUAL) == "120%" and cell(view, r, COL_SCORE) == "20.00"
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    assert not view.dirty
    assert KpiIndicator.get(KpiIndicator.level2 == "客服响应及时率").actual == 120

    type_into_cell(qtbot, view, r, COL_ACTUAL, "99")  # up to 100%: no question
    assert len(seen) == 2 and cell(view, r, COL_ACTUAL) == "99%"


def test_screen_print_and_workbook_show_the_same_total(qtbot, view, tmp_path):
    from openpyxl import load_workbook

    from desktop.services.summaries.workbook import book_format, export

    rows = [kpi.IndicatorRow("时效性", f"指标{n}", 15, 90, 88) for n in range(1, 7)]
    rows.append(kpi.IndicatorRow("规范性", "服务流程合规率", 10, 100, 19.8))
    card = kpi.create_scorecard("2026Q3", "维修事业部", rows)
    view.reload_list(card.id)
    assert [cell(view, r, COL_SCORE) for r in range(7)] == ["14.67"] * 6 + ["1.98"]
    assert view.total_label.text() == "总分 90.00"  # 6 × 14.67 + 1.98, not the unrounded 89.98
    assert view.grade_label.text() == "等级 优秀"

    pdf = tmp_path / "kpi.pdf"
    kpi_print.write_scorecard_pdf(view.draft, pdf)
    text = re.sub(r"\s+", "", pdf_text(pdf))
    assert "90.00" in text and "等级：优秀" in text and "89.98" not in text

    out = tmp_path / "kpi.xlsx"
    export.export_workbook(out, "2026Q3", branch="城东分店", today=date(2026, 10, 10))
    ws = load_workbook(out)[book_format.SHEET_KPI]
    total = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[2] == book_format.KPI_TOTAL)
    assert kpi.score_text(total[7]) == "90.00" and total[8] == "等级：优秀"
    assert view.scorecards.table.item(0, 2).text() == "90.00"


def test_a_scorecard_for_a_service_type_from_the_page(qtbot, view, warnings):
    """评价范围 in the 新建 dialog (issue 14 item 12): 服务类型 offers the service types; the
    scorecard remembers its scope, its computed values count only that service type's orders,
    and the page, the printout, the workbook and the report name it 服务类型“维修”."""
    from desktop.services.kpi import comparison, scopes
    from desktop.services.reporting.scope import Scope
    from desktop.services.summaries.workbook import sheets_plan

    customer = Customer.create(code="C0001", name="张三", phone="13800000001")
    for n, (service, fixed) in enumerate([("维修", True)] * 4 + [("维修", False)] + [("安装", False)] * 5):
        ServiceOrder.create(
            order_no=f"GD{n:03d}",
            customer=customer,
            service_type=service,
            team="维修一组",
            product_model=f"M{n}",
            completed_at=datetime(2024, 2, 1, 9),
            first_time_fixed=fixed,
        )

    def accept(dialog: NewScorecardDialog):
        dialog.period_edit.setText("2024Q1")
        dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(scopes.SERVICE_TYPE))
        items = [dialog.target_combo.itemText(i) for i in range(dialog.target_combo.count())]
        assert "维修" in items and "安装" in items and kpi.ALL_TEAMS not in items
        assert "服务类型" in dialog.hint.text()
        dialog.target_combo.setCurrentText("维修")
        dialog.accept()

    done = in_modal(qtbot, accept)
    qtbot.mouseClick(view.scorecards.new_button, Qt.LeftButton)
    assert done and not warnings
    card = KpiScorecard.get()
    assert (card.period, card.target, card.scope_kind) == ("2024Q1", "维修", scopes.SERVICE_TYPE)
    assert view.kind_label.text() == "评价范围：服务类型"
    assert view.scorecards.table.item(0, 1).text() == "服务类型“维修”"
    qtbot.mouseClick(view.refresh_button, Qt.LeftButton)
    assert view.draft.rows[row_of(view, "问题一次性解决率")].actual == 80.0  # 4 of the 5 维修 orders

    data = kpi.load(card.id)
    assert ("评价对象", "服务类型“维修”") in kpi_print.build_doc(data).header[0]
    assert {values[1] for values, _ in sheets_plan.kpi_rows(data)} == {"服务类型“维修”"}
    q1 = kpi.parse_period("2024Q1")
    assert [c.id for c in comparison.scorecards_within(Scope(period=q1, service_type="维修"))] == [card.id]
    assert comparison.scorecards_within(Scope(period=q1, team="维修一组")) == []
    assert [c.id for c in comparison.scorecards_within(Scope(period=q1))] == [card.id]


def test_new_customers_scorecard_offers_only_new_and_returning(qtbot, view):
    def accept(dialog: NewScorecardDialog):
        dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("customer_tenure"))
        assert [dialog.target_combo.itemText(i) for i in range(dialog.target_combo.count())] == [
            "新客户",
            "老客户",
        ]
        assert not dialog.target_combo.isEditable()
        dialog.target_combo.setCurrentIndex(1)
        dialog.period_edit.setText("2024Q2")
        dialog.accept()

    done = in_modal(qtbot, accept)
    qtbot.mouseClick(view.scorecards.new_button, Qt.LeftButton)
    assert done
    assert [(c.target, c.scope_kind) for c in KpiScorecard.select()] == [("老客户", "customer_tenure")]
    assert view.target_view.text() == "老客户" and view.target_combo.currentText() == "老客户"
