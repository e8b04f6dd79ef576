"""标准手册 (seed 001: 对效果显著的措施纳入《售后服务标准手册》): a closed action whose effect was
verified is marked 纳入标准; the 标准手册 page lists them by category with their measure and
verified effect, and prints."""

import re
import sqlite3
from datetime import date

import pytest
from modal_boxes import answer_next_box
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.models import Customer, ProblemCategory, StandardEntry
from desktop.models.connection import close_database
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.common.errors import UserError
from desktop.services.improvement import dossier, flow, standards
from desktop.services.improvement import improvement as svc
from desktop.services.maintenance.bootstrap import open_app_database
from desktop.views.common.context import AppContext

YES = QApplication.translate("QPlatformTheme", "&Yes")
DAY = date(2024, 7, 15)
# seed 003's first improvement (响应效率低) and its expected effect, seed 001's 维修前预检流程
HOTLINE = "增加2名售后客服岗，实行7×12小时轮班；开设在线客服通道，分流电话咨询"
HOTLINE_EFFECT = "售后响应时长缩短至15分钟内，满意度提升至85分"
PRECHECK = "新增维修前预检流程"
PRECHECK_EFFECT = "问题一次性解决率由80%提升至86%，二次回访客户均满意"


def _action(category: str, problem: str, measure: str, effect: str | None) -> int:
    """An action taken through the flow; closed with ``effect`` as its verification result."""
    cat = ProblemCategory.get(ProblemCategory.name == category)
    action = svc.create_action(
        svc.ActionInput(
            problem=problem,
            measure=measure,
            department="客户服务部",
            owner="周主管",
            deadline=DAY,
            category_id=cat.id,
        ),
        today=date(2024, 6, 1),
    )
    flow.change_status(action.id, svc.IN_PROGRESS, today=date(2024, 6, 3))
    flow.change_status(
        action.id, svc.DONE, completed_on=date(2024, 6, 28), completion_note="已上线", today=DAY
    )
    if effect is not None:
        flow.change_status(action.id, svc.VERIFYING, today=DAY)
        flow.change_status(action.id, svc.CLOSED, verification_result=effect, today=DAY)
    return action.id


@pytest.fixture
def actions(database):
    return {
        "hotline": _action("响应速度类", "售后电话等待时长超30分钟", HOTLINE, HOTLINE_EFFECT),
        "precheck": _action("技术能力类", "维修返工多", PRECHECK, PRECHECK_EFFECT),
        "open": _action("流程便捷性类", "报修手续繁琐", "简化报修登记", None),
    }


def test_only_closed_verified_actions_are_adopted(actions):
    with pytest.raises(UserError, match="只有已闭环"):
        standards.adopt(actions["open"])
    entry = standards.adopt(actions["hotline"], today=DAY)
    assert (entry.measure, entry.effect, entry.adopted_on) == (HOTLINE, HOTLINE_EFFECT, DAY)
    assert standards.is_standard(actions["hotline"])
    with pytest.raises(UserError, match="已纳入"):
        standards.adopt(actions["hotline"])
    assert "纳入标准手册" in [row.note for row in dossier.action_detail(actions["hotline"]).log]
    assert standards.withdraw(actions["hotline"]) and not standards.is_standard(actions["hotline"])


def test_the_manual_lists_them_by_category(actions):
    standards.adopt(actions["precheck"], today=DAY)
    standards.adopt(actions["hotline"], today=DAY)
    sections = standards.manual()
    assert [s.category for s in sections] == ["响应速度类", "技术能力类"]  # the categories' order
    assert [(e.measure, e.effect) for e in sections[0].entries] == [(HOTLINE, HOTLINE_EFFECT)]
    assert [(e.measure, e.effect) for e in sections[1].entries] == [(PRECHECK, PRECHECK_EFFECT)]


def test_the_printed_manual(actions, tmp_path, qapp):
    from desktop.views.improvement.standards_view import write_manual_pdf

    standards.adopt(actions["hotline"], today=DAY)
    standards.adopt(actions["precheck"], today=DAY)
    out = write_manual_pdf(tmp_path / "manual.pdf", today=DAY)
    reader = PdfReader(str(out))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    assert reader.metadata.title == "售后服务标准手册"
    for expected in (
        "售后服务标准手册",
        "1.响应速度类（1项）",
        "2.技术能力类（1项）",
        PRECHECK,
        "2024-07-15",
    ):
        assert expected in text
    assert re.sub(r"\s+", "", HOTLINE_EFFECT) in text
    assert "简化报修登记" not in text  # not closed, not in the manual
    assert text.index("响应速度类") < text.index(PRECHECK)


def test_marked_from_the_plan_page_and_listed_on_the_manual_page(actions, db_path, qtbot):
    from desktop.views.improvement.improvement_view import ImprovementView
    from desktop.views.improvement.standards_view import StandardsView

    ctx = AppContext(db_path=db_path)
    plan = ImprovementView(ctx)
    qtbot.addWidget(plan)
    plan.resize(1300, 860)
    plan.show()
    plan.refresh()
    plan.show_action(actions["open"])
    assert not plan.standard_button.isVisible()  # not closed yet
    plan.show_action(actions["hotline"])
    assert plan.standard_button.isVisible() and plan.standard_button.isEnabled()
    seen: list = []
    answer_next_box(YES, seen)
    qtbot.mouseClick(plan.standard_button, Qt.LeftButton)
    assert "纳入" in seen[0]["text"] and standards.is_standard(actions["hotline"])
    assert plan.standard_button.text() == "已纳入标准" and not plan.standard_button.isEnabled()

    page = StandardsView(ctx)
    qtbot.addWidget(page)
    page.show()
    page.on_shown()
    top = page.tree.topLevelItem(0)
    assert page.tree.topLevelItemCount() == 1 and top.text(0) == "响应速度类（1 项）"
    row = top.child(0)
    expected = ["售后电话等待时长超30分钟", HOTLINE, HOTLINE_EFFECT, "客户服务部", f"{date.today():%Y-%m-%d}"]
    assert [row.text(c) for c in range(5)] == expected
    # the measure is read in full: at 1366×768 its cell wraps and the row grows (no "…")
    page.resize(1100, 600)
    qtbot.wait(20)
    one_line = page.tree.fontMetrics().height()
    rect = page.tree.visualItemRect(row)
    width = page.tree.columnWidth(1)
    assert page.tree.fontMetrics().horizontalAdvance(HOTLINE) > width  # too long for one line
    assert rect.height() >= 2 * one_line
    page.tree.setCurrentItem(row)
    answer_next_box(YES)
    qtbot.mouseClick(page.withdraw_button, Qt.LeftButton)
    assert page.tree.topLevelItemCount() == 0 and not standards.is_standard(actions["hotline"])


def test_the_page_is_registered():
    from desktop.views.common.pages import PAGES, load_page_class
    from desktop.views.improvement.standards_view import StandardsView

    spec = next(p for p in PAGES if p.id == "standards")
    assert spec.title == "标准手册" and load_page_class(spec) is StandardsView


@pytest.mark.sqlite_only
def test_a_version_6_database_gets_the_manual_table(tmp_path):
    from test_migrations import make_old_version

    path = tmp_path / "v6.db"
    make_old_version(path, 6)  # one customer 老客户, no 标准手册 table
    open_app_database(path)
    try:
        assert StandardEntry.select().count() == 0 and Customer.get().name == "老客户"
        action = _action("响应速度类", "售后电话等待时长超30分钟", HOTLINE, HOTLINE_EFFECT)
        standards.adopt(action, today=DAY)
        assert [s.category for s in standards.manual()] == ["响应速度类"]
    finally:
        close_database()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()
