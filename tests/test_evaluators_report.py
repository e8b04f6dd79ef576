"""The three evaluators side by side (issue 14 item 5, seed 002 评价主体): per team and date range,
工长自评 on its factors next to the 调度 and 管理人员 phone visits on theirs, each with the share of
the team's orders it covered (100% / 90% / 10%). 工长自评 never enters customer satisfaction."""

from datetime import date, datetime

import pytest

from desktop.models import Answer, Customer, Question, ServiceOrder, Staff, Visit, VisitTask
from desktop.services.reporting import evaluators, statistics
from desktop.services.reporting.scope import Scope
from desktop.services.scheduling import plans
from desktop.services.visits import foreman_review as fr
from desktop.services.visits.templates import active_template

DAY = date(2024, 9, 12)
# the maintenance centre's 满意 10 / 基本满意 8 / 不满意 6
SELF_SCORES = [(10, 10, 8)] * 10 + [(8, 8, 6)] * 10  # → 9.0, 9.0, 7.0


def _orders(n, team, start, day=DAY):
    made = []
    for k in range(start, start + n):
        cust = Customer.create(code=f"C{k:05d}", name=f"报修人{k}", phone=f"136{k:08d}")
        made.append(
            ServiceOrder.create(
                order_no=f"W{k:06d}",
                customer=cust,
                team=team,
                completed_at=datetime(day.year, day.month, day.day, 10),
            )
        )
    return made


def _answer_task(task, values, visitor):
    """Complete the visit of ``task`` with the three score10 answers (响应速度, 服务态度, 问题解决效果)."""
    tpl = active_template("maintenance_centre")
    questions = {
        q.dimension: q
        for q in Question.select().where((Question.template == tpl) & (Question.kind == "score10"))
    }
    visit = Visit.create(
        task=task,
        customer=task.customer,
        order=task.order,
        template=tpl,
        status="已完成",
        visit_date=date(2024, 9, 13),
        visitor=visitor,
    )
    for dimension, value in zip(("响应速度", "服务态度", "问题解决效果"), values, strict=True):
        Answer.create(visit=visit, question=questions[dimension], value=value)
    return visit


@pytest.fixture
def evaluated(database):
    """维修一班: 20 orders on 2024-09-12, all self-assessed; the plan's 18 调度 visits and 2 管理人员
    visits answered. 维修二班: 10 orders, 5 self-assessed, no visits. One 维修一班 order a day later."""
    Staff.create(name="刘主管", role="主管")
    caller = Staff.create(name="调度王", role="回访员")
    first = _orders(20, "维修一班", 1)
    second = _orders(10, "维修二班", 30)
    _orders(1, "维修一班", 90, day=date(2024, 9, 13))
    fr.save_reviews([fr.ReviewInput(o.id, *s) for o, s in zip(first, SELF_SCORES, strict=True)])
    fr.save_reviews([fr.ReviewInput(o.id, 10, 10, 10) for o in second[:5]])
    plans.create_evaluator_tasks(
        "9月12日", DAY, plans.PlanFilters(team="维修一班"), seed=7, staff_ids=[caller.id]
    )
    dispatch = list(
        VisitTask.select().where(VisitTask.trigger == "抽样：9月12日·调度回访").order_by(VisitTask.id)
    )
    managers = list(
        VisitTask.select().where(VisitTask.trigger == "抽样：9月12日·管理人员回访").order_by(VisitTask.id)
    )
    for i, task in enumerate(dispatch):  # 响应速度: 15 × 10 and 3 × 8; 服务态度 all 10; 运行状态 all 8
        _answer_task(task, (10 if i < 15 else 8, 10, 8), "调度王")
    _answer_task(managers[0], (10, 8, 10), "刘主管")
    _answer_task(managers[1], (6, 8, 10), "刘主管")
    return first, second


def test_the_three_evaluators_side_by_side(evaluated):
    rows = {r.team: r for r in evaluators.side_by_side(DAY, DAY)}
    assert list(rows) == ["维修一班", "维修二班", "合计"]
    one = rows["维修一班"]
    assert one.orders == 20
    own, dispatch, managers = (one.scores[role] for role in ("工长自评", "调度回访", "管理人员回访"))
    assert (own.count, dispatch.count, managers.count) == (20, 18, 2)
    assert (own.coverage, dispatch.coverage, managers.coverage) == (1.0, 0.9, 0.1)
    assert (own.target, dispatch.target, managers.target) == (1.0, 0.9, 0.1)
    assert own.means == {"填写完整程度": 9.0, "处理措施": 9.0, "作业效率": 7.0}
    assert own.overall == pytest.approx(25 / 3)
    assert dispatch.means == {
        "响应速度": pytest.approx((15 * 10 + 3 * 8) / 18),
        "服务态度": 10.0,
        "设备运行状态": 8.0,
    }
    assert managers.means == {"响应速度": 8.0, "服务态度": 8.0, "设备运行状态": 10.0}
    two = rows["维修二班"]
    assert two.orders == 10 and two.scores["工长自评"].coverage == 0.5
    assert two.scores["调度回访"].count == 0 and two.scores["调度回访"].means["响应速度"] is None
    total = rows["合计"]
    assert total.orders == 30 and total.scores["工长自评"].count == 25
    assert total.scores["工长自评"].means["作业效率"] == pytest.approx((10 * 8 + 10 * 6 + 5 * 10) / 25)
    assert total.scores["调度回访"].means == dispatch.means


def test_one_team_and_the_range(evaluated):
    rows = evaluators.side_by_side(DAY, date(2024, 9, 13), team="维修一班")
    assert [r.team for r in rows] == ["维修一班"] and rows[0].orders == 21
    assert rows[0].scores["工长自评"].count == 20
    assert evaluators.side_by_side(date(2024, 10, 1), date(2024, 10, 31)) == []


def test_the_foreman_self_assessment_is_not_customer_satisfaction(evaluated):
    stats = statistics.question_stats(Scope(period="2024-09"))
    answered = sum(sum(s.counts.values()) for s in stats if s.kind == "score10")
    assert answered == 20 * 3  # the 20 phone visits' answers only, none of the 25 self-assessments


def test_the_analysis_page_shows_them_side_by_side(evaluated, db_path, qtbot):
    from desktop.views.analysis.analysis_view import AnalysisView
    from desktop.views.common.context import AppContext

    page = AnalysisView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.show()
    page.open_with(period="2024-09")
    tab = page.evaluators
    qtbot.waitUntil(lambda: not page.loading and not page._choices_job.busy, timeout=30_000)
    page.tabs.setCurrentWidget(tab)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "评价对比"
    qtbot.waitUntil(lambda: not tab.loading and tab.table.rowCount() > 0, timeout=30_000)
    speed = (15 * 10 + 3 * 8) / 18
    share = lambda n: f"{n / 21 * 100:.0f}%"  # noqa: E731 (21 orders in September: one on the 13th)
    assert tab.row_of("维修一班", "工长自评") == [
        "维修一班", "工长自评", "20", f"{share(20)}（100%）", "填写完整程度 9.0", "处理措施 9.0", "作业效率 7.0", "8.3",
    ]  # fmt: skip
    assert tab.row_of("维修一班", "调度回访")[:7] == [
        "维修一班", "调度回访", "18", f"{share(18)}（90%）", f"响应速度 {speed:.1f}", "服务态度 10.0", "设备运行状态 8.0",
    ]  # fmt: skip
    assert tab.row_of("维修一班", "管理人员回访")[2:4] == ["2", f"{share(2)}（10%）"]
    assert tab.row_of("合计", "工长自评")[2] == "25"
    # the page's team filter narrows it
    page.team.setCurrentIndex(page.team.findData("维修二班"))
    qtbot.waitUntil(lambda: not tab.loading and tab.row_of("维修一班", "工长自评") is None, timeout=30_000)
    assert tab.row_of("维修二班", "工长自评")[2:4] == ["5", "50%（100%）"]
    assert tab.row_of("维修二班", "调度回访")[4] == "响应速度 —"


def test_the_report_has_the_side_by_side_table_and_its_pdf_prints_it(evaluated, tmp_path, qapp):
    import re

    from pypdf import PdfReader

    from desktop.services.summaries import report
    from desktop.views.printing.report_render import write_report_pdf

    doc = report.build_report("2024-09", today=date(2024, 10, 8))
    section = next(s for s in doc.sections if s.title == "满意度分析")
    table = next(b for b in section.blocks if getattr(b, "caption", "") == "表2-2 三方评价对比")
    rows = {(r[0], r[1]): r for r in table.rows}
    assert rows[("维修一班", "工长自评")][2:] == [
        "20", f"{20 / 21 * 100:.0f}", "100", "填写完整程度 9.0", "处理措施 9.0", "作业效率 7.0", "8.3",
    ]  # fmt: skip
    assert rows[("维修一班", "调度回访")][2:5] == ["18", f"{18 / 21 * 100:.0f}", "90"]
    assert rows[("维修一班", "管理人员回访")][5:] == [
        "响应速度 8.0",
        "服务态度 8.0",
        "设备运行状态 10.0",
        "8.7",
    ]
    assert rows[("合计", "工长自评")][2] == "25"
    text = re.sub(
        r"\s+",
        "",
        "".join(p.extract_text() for p in PdfReader(str(write_report_pdf(doc, tmp_path / "r.pdf"))).pages),
    )
    assert "三方评价对比" in text and "管理人员回访" in text and "填写完整程度9.0" in text
    # a period without any of them: no empty table
    quiet = report.build_report("2024-08", today=date(2024, 10, 8))
    assert "三方评价对比" not in quiet.text()


def test_the_workbook_has_a_sheet_of_them(evaluated, tmp_path):
    from openpyxl import load_workbook

    from desktop.services.summaries.workbook.export import export_workbook

    out = export_workbook(tmp_path / "book.xlsx", "2024-09", today=date(2024, 10, 8)).path
    sheet = load_workbook(out)["三方评价"]
    rows = {(r[0], r[1]): r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] in evaluators.ROLES}
    own = rows[("维修一班", "工长自评")]
    assert own[2:6] == (21, 20, pytest.approx(20 / 21), 1.0)
    assert own[6:12] == ("填写完整程度", 9.0, "处理措施", 9.0, "作业效率", 7.0)
    assert rows[("维修一班", "调度回访")][3] == 18 and rows[("维修一班", "管理人员回访")][3] == 2
    assert rows[("维修一班", "管理人员回访")][7] == 8.0
    assert rows[("合计", "工长自评")][3] == 25
