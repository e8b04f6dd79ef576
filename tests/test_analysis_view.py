"""问题分析 page: TOP3 with 制定改进措施, Pareto table and chart, pain matrix, tagging the untagged."""

import itertools
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from desktop.models import Answer, Customer, ProblemCategory, ServiceOrder, Visit, VisitProblem
from desktop.services.visits import templates
from desktop.views.analysis.analysis_view import AnalysisView, KeywordsDialog
from desktop.views.common.context import AppContext

_seq = itertools.count(1)


def cat_id(name: str) -> int:
    return ProblemCategory.get(ProblemCategory.name == name).id


def visit(*, day=date(2024, 5, 10), mood="平静", feedback="", low=None, tags=(), team="维修一组") -> Visit:
    n = next(_seq)
    customer = Customer.create(code=f"C{n:06d}", name=f"客户{n}", phone=f"139{n:08d}")
    order = ServiceOrder.create(order_no=f"GD{n:06d}", customer=customer, team=team, engineer="李志强")
    template = templates.active_template("after_sales")
    v = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status="已完成",
        visit_date=day,
        mood=mood,
        feedback=feedback,
    )
    for q in templates.questions_of(template):
        if q.kind != "text":
            value = (low or {}).get(q.dimension, 8 if q.kind == "nps" else 4)
            Answer.create(visit=v, question=q, value=value)
    for name in tags:
        VisitProblem.create(visit=v, category=cat_id(name))
    return v


@pytest.fixture
def data(database):
    speed = [
        visit(
            mood="强烈不满",
            low={"响应及时性": 2},
            feedback="等了三天才上门",
            tags=("响应速度类",),
            team="维修二组",
        )
        for _ in range(4)
    ]
    tech = [
        visit(mood="轻微不满", low={"问题解决效果": 1}, feedback="空调又坏了", tags=("技术能力类",))
        for _ in range(2)
    ]
    attitude = [visit(mood="平静", low={"服务态度": 2}, feedback="师傅不耐烦", tags=("服务态度类",))]
    price = visit(mood="轻微不满", feedback="上门费太贵了")  # untagged, suggests 价格类
    silent = visit(low={"推荐意愿": 3})  # untagged, nothing to suggest
    visit(day=date(2024, 8, 1), mood="强烈不满", tags=("价格类",))  # next quarter
    return {"speed": speed, "tech": tech, "attitude": attitude, "price": price, "silent": silent}


@pytest.fixture
def view(qtbot, data, db_path):
    page = AnalysisView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.open_with(period="2024Q2")
    settle(qtbot, page)
    return page


def settle(qtbot, page) -> None:
    """Wait until the filter lists, the figures, the details and the chart have arrived."""
    qtbot.waitUntil(
        lambda: (
            not page.loading and not page.details_loading and not page._choices_job.busy and page.charts_drawn
        ),
        timeout=30_000,
    )


def _tags(v: Visit) -> list[str]:
    query = ProblemCategory.select(ProblemCategory.name).join(VisitProblem).where(VisitProblem.visit == v.id)
    return sorted(c.name for c in query)


def test_top3_shows_reasons_and_plan_button_opens_improvement(qtbot, view, data):
    assert view.period.label == "2024年第2季度"
    shown = [card for card in view.top_cards if not card.isHidden()]
    assert [card.title.text() for card in shown] == ["TOP1  响应速度类", "TOP2  技术能力类"]
    assert view.top_cards[2].isHidden()
    assert view.top_cards[0].reason.text().startswith("出现 4 次，占负面反馈 44%，客户情绪强烈不满占 100%")
    assert "等了三天才上门" in view.top_cards[0].quotes.text()
    assert view.top_cards[0].badge.text().strip() == "高频高痛 · 优先解决"

    with qtbot.waitSignal(view.ctx.events.open_page, timeout=1000) as blocker:
        qtbot.mouseClick(view.top_cards[1].plan_button, Qt.LeftButton)
    assert blocker.args == [
        "improvement",
        {"new_from_category": cat_id("技术能力类"), "visit_ids": [v.id for v in data["tech"]]},
    ]


def test_pareto_table_chart_and_matrix(view):
    table = view.pareto_table
    rows = [[table.item(r, c).text() for c in range(5)] for r in range(table.rowCount())]
    assert rows == [
        ["响应速度类", "4", "57.1%", "57.1%", "高频高痛"],
        ["技术能力类", "2", "28.6%", "85.7%", "高频高痛"],
        ["服务态度类", "1", "14.3%", "100.0%", "低频低痛"],
    ]
    assert "等了" in table.item(0, 5).text()
    ax = view.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["响应速度类", "技术能力类", "服务态度类"]
    assert [round(p.get_height()) for p in ax.patches] == [4, 2, 1]
    matrix = {
        name: [lst.item(i).text() for i in range(lst.count())] for name, lst in view.quadrant_lists.items()
    }
    assert matrix["高频高痛"] == ["响应速度类   4 次 · 痛感 4.00", "技术能力类   2 次 · 痛感 4.00"]
    assert matrix["低频低痛"] == ["服务态度类   1 次 · 痛感 2.00"]
    assert matrix["低频高痛"] == ["—"]
    assert "次数中位数 2 次" in view.matrix_note.text()
    assert view.summary.text().strip() == (
        "2024年第2季度：负面反馈 9 条，已归类 7 条，待归类 2 条；投诉率 —（投诉工单 0 / 完成工单 0）"
    )


def test_summary_shows_the_complaint_rate(qtbot, view, data):
    """投诉率 = complaint orders ÷ orders completed in the period (a 投诉处理 order is one too)."""
    from datetime import datetime

    from desktop.services.reporting import metrics

    speed = [v.order_id for v in data["speed"]]  # 维修二组
    others = [v.order_id for v in data["tech"] + data["attitude"]]  # 维修一组
    ServiceOrder.update(completed_at=datetime(2024, 5, 9, 10, 0)).where(
        ServiceOrder.id.in_(speed + others)
    ).execute()
    ServiceOrder.update(is_complaint=True).where(ServiceOrder.id == speed[0]).execute()
    ServiceOrder.update(service_type="投诉处理").where(ServiceOrder.id == others[0]).execute()
    # completed after the quarter: not counted
    ServiceOrder.update(completed_at=datetime(2024, 7, 1, 0, 0), is_complaint=True).where(
        ServiceOrder.id == data["price"].order_id
    ).execute()
    view.refresh()
    settle(qtbot, view)
    assert view.summary.text().endswith("投诉率 28.6%（投诉工单 2 / 完成工单 7）")
    assert view.summary.toolTip() == metrics.COMPLAINT_RATE.definition
    view.team.setCurrentIndex(view.team.findData("维修二组"))
    settle(qtbot, view)
    assert view.summary.text().endswith("投诉率 25.0%（投诉工单 1 / 完成工单 4）")


def test_team_filter_and_period_change(qtbot, view):
    view.team.setCurrentIndex(view.team.findData("维修二组"))
    settle(qtbot, view)
    assert view.pareto_table.rowCount() == 1
    assert view.pareto_table.item(0, 0).text() == "响应速度类"
    view.team.setCurrentIndex(0)
    view.period_picker.choice.setCurrentIndex(view.period_picker.choice.findText("2024年第3季度"))
    settle(qtbot, view)
    assert view.period.label == "2024年第3季度"
    assert [view.pareto_table.item(r, 0).text() for r in range(view.pareto_table.rowCount())] == ["价格类"]


def test_untagged_list_apply_suggestions_and_manual_tag(qtbot, view, data):
    table = view.untagged_table
    assert view.tabs.tabText(1) == "待归类负面反馈（2）"
    by_id = {table.item(r, 0).data(Qt.UserRole): r for r in range(table.rowCount())}
    assert set(by_id) == {data["price"].id, data["silent"].id}
    assert table.item(by_id[data["price"].id], 5).text() == "价格类"
    assert table.item(by_id[data["silent"].id], 5).text() == "（无建议，请手工归类）"
    assert not view.apply_selected_button.isEnabled()

    table.selectRow(by_id[data["price"].id])
    assert view.apply_selected_button.isEnabled()
    qtbot.mouseClick(view.apply_selected_button, Qt.LeftButton)
    assert _tags(data["price"]) == ["价格类"]
    settle(qtbot, view)
    assert table.rowCount() == 1  # refreshed

    table.selectRow(0)
    view.tag_category.setCurrentIndex(view.tag_category.findText("产品质量类"))
    qtbot.mouseClick(view.tag_button, Qt.LeftButton)
    assert _tags(data["silent"]) == ["产品质量类"]
    settle(qtbot, view)
    assert table.rowCount() == 0
    assert view.tabs.tabText(1) == "待归类负面反馈（0）"


def test_apply_all_asks_first(qtbot, view, data, monkeypatch):
    answers = iter([QMessageBox.No, QMessageBox.Yes])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))
    qtbot.mouseClick(view.apply_all_button, Qt.LeftButton)
    assert _tags(data["price"]) == []
    settle(qtbot, view)
    qtbot.mouseClick(view.apply_all_button, Qt.LeftButton)
    assert _tags(data["price"]) == ["价格类"]
    assert _tags(data["silent"]) == []


def test_keywords_dialog_saves_and_reports_errors(qtbot, database, monkeypatch):
    dialog = KeywordsDialog()
    qtbot.addWidget(dialog)
    row = next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == "价格类")
    dialog.table.item(row, 1).setText("贵、收费、太坑")
    errors = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: errors.append(text))
    other = next(r for r in range(dialog.table.rowCount()) if r != row)
    dialog.table.item(other, 1).setText("这是一个远远超过十二个字的关键词")
    dialog.save()
    assert errors and "的关键词" in errors[0] and dialog.result() != QDialog.Accepted
    assert "太坑" not in ProblemCategory.get(ProblemCategory.name == "价格类").keywords  # nothing half-saved
    dialog.table.item(other, 1).setText("态度")
    dialog.table.setCurrentCell(other, 1)
    dialog.save()
    assert dialog.result() == QDialog.Accepted
    assert ProblemCategory.get(ProblemCategory.name == "价格类").keywords == ["贵", "收费", "太坑"]


def test_empty_period_shows_hint(qtbot, database, db_path):
    page = AnalysisView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.on_shown()
    settle(qtbot, page)
    assert all(card.isHidden() for card in page.top_cards)
    assert not page.top_empty.isHidden()
    assert page.pareto_table.rowCount() == 0
    assert not page.figure.axes[0].axison


def test_page_shows_at_once_and_reads_off_the_gui_thread(qtbot, data, db_path, monkeypatch):
    import threading

    from desktop.services.reporting import problems
    from desktop.views.common.operations import in_gui_thread

    gate = threading.Event()
    on_gui = []
    real_pareto, real_words = problems.pareto, problems.customer_words

    def pareto(*args, **kwargs):
        on_gui.append(in_gui_thread())
        gate.wait(10)
        return real_pareto(*args, **kwargs)

    def words(*args, **kwargs):
        on_gui.append(in_gui_thread())
        return real_words(*args, **kwargs)

    monkeypatch.setattr(problems, "pareto", pareto)
    monkeypatch.setattr(problems, "customer_words", words)
    page = AnalysisView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.show()
    page.open_with(period="2024Q2")
    assert page.loading and "正在计算" in page.summary.text()  # at once, before any figure
    assert page.chart.canvas is None or not page.chart.drawn
    gate.set()
    qtbot.waitUntil(lambda: not page.loading, timeout=20_000)
    assert page.pareto_table.rowCount() == 3  # the list first …
    settle(qtbot, page)  # … then the matrix, the TOP3 and the words
    assert "等了" in page.pareto_table.item(0, 5).text()
    assert on_gui and not any(on_gui)


def test_a_newer_filter_supersedes_the_older_request(qtbot, view, data, monkeypatch):
    import threading

    from desktop.services.reporting import problems

    started, release = threading.Event(), threading.Event()
    real = problems.pareto
    calls = []

    def pareto(*args, **kwargs):
        calls.append(args[0].team)  # the page passes its Scope
        if len(calls) == 1:
            started.set()
            release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(problems, "pareto", pareto)
    view.team.setCurrentIndex(view.team.findData("维修二组"))
    qtbot.waitUntil(started.is_set, timeout=5_000)
    view.team.setCurrentIndex(0)  # 全部班组 again, while the first request still runs
    release.set()
    settle(qtbot, view)
    qtbot.wait(50)
    assert calls == ["维修二组", None]
    assert view.pareto_table.rowCount() == 3  # every team's rows, not the dropped 维修二组 ones


# ---------------------------------------------------------------- 细分对比 (issue 12)
def test_segments_tab_by_customer_group_and_channel(qtbot, view, data):
    """满意率, NPS and 综合得分 per segment: figures worked out by hand from the fixture (five
    1–5 questions and a 0–10 one per visit; every answer 4 / 8 unless made low)."""
    for v in data["speed"]:  # 4 visits, 响应及时性 2
        Customer.update(ctype="VIP客户", source="网络").where(Customer.id == v.customer_id).execute()
    for v in data["tech"]:  # 2 visits, 问题解决效果 1
        Visit.update(method="问卷").where(Visit.id == v.id).execute()
    view.refresh()
    settle(qtbot, view)
    tab = view.segments
    view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: not tab.loading and tab.table.rowCount() > 0, timeout=20_000)
    assert tab.buttons["customer_group"].isChecked()
    # VIP: 20 level answers, 16 satisfied; four 8s (NPS 0); mean (4·4 + 2) / 5 = 3.6 → 65.0
    assert tab.row_of("VIP客户") == ["VIP客户", "4", "20", "80.0%", "0.0", "4", "65.0"]
    # 普通: tech ×2, attitude, price, silent (推荐意愿 3): 25 answers, 22 satisfied; NPS −1/5
    mean = (22 * 4 + 2 + 1 + 1) / 25
    assert tab.row_of("普通客户") == ["普通客户", "5", "25", "88.0%", "-20.0", "5", f"{(mean - 1) / 4 * 100:.1f}"]
    assert tab.row_of("（未填写）") is None  # the August visit is outside 2024Q2

    qtbot.mouseClick(tab.buttons["channel"], Qt.LeftButton)
    assert tab.buttons["channel"].isChecked() and not tab.buttons["customer_group"].isChecked()
    qtbot.waitUntil(lambda: not tab.loading and tab.row_of("问卷") is not None, timeout=20_000)
    assert tab.row_of("问卷")[:4] == ["问卷", "2", "10", "80.0%"]
    assert tab.row_of("电话")[:4] == ["电话", "7", "35", f"{30 / 35 * 100:.1f}%"]

    qtbot.mouseClick(tab.buttons["source"], Qt.LeftButton)
    qtbot.waitUntil(lambda: not tab.loading and tab.row_of("网络") is not None, timeout=20_000)
    assert tab.row_of("网络")[:4] == ["网络", "4", "20", "80.0%"]
    assert tab.row_of("（未填写）")[:3] == ["（未填写）", "5", "25"]
    # the page's filters narrow the segments too
    view.team.setCurrentIndex(view.team.findData("维修二组"))
    settle(qtbot, view)
    qtbot.waitUntil(lambda: not tab.loading, timeout=20_000)
    assert [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())] == ["网络"]


def test_a_callers_pareto_and_top3_count_only_their_own_visits(qtbot, team, data, db_path):
    """问题分析 reads ``Scope.for_signed_in`` as the dashboard does: a 回访员 sees the Pareto, the
    pain matrix, TOP3 and the untagged list of the visits they made; a 主管 sees everyone's."""
    from conftest import TEAM_PASSWORD

    from desktop.services.admin import accounts

    mine = data["tech"] + [data["price"]]
    Visit.update(visitor="钱员工").where(Visit.id.in_([v.id for v in mine])).execute()
    Visit.update(visitor="王主管").where(Visit.id.not_in([v.id for v in mine])).execute()
    accounts.login("qian", TEAM_PASSWORD)
    page = AnalysisView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.open_with(period="2024Q2")
    settle(qtbot, page)
    assert [(r.name, r.count) for r in page.pareto_rows] == [("技术能力类", len(data["tech"]))]
    assert [p.name for p in page.proposals] == ["技术能力类"]
    assert [v.visit_id for v in page.untagged] == [data["price"].id]
    accounts.login("boss", TEAM_PASSWORD)
    page.refresh()
    settle(qtbot, page)
    assert [(r.name, r.count) for r in page.pareto_rows] == [("响应速度类", 4), ("技术能力类", 2), ("服务态度类", 1)]
