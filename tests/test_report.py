"""The period report: the ReportDoc's tables against the services' own figures, and
``huifang report`` writing a PDF whose text carries the sections and the figures."""

import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from desktop import cli
from desktop.models import ActionVisit, Customer, ImprovementAction, ServiceOrder, Visit
from desktop.services.common.errors import UserError
from desktop.services.demo.demo import generate_demo
from desktop.services.kpi import kpi
from desktop.services.reporting import periods, problems
from desktop.services.reporting.scoring import DENOMINATOR_NOTE
from desktop.services.reporting.statistics import Filters, dimension_stats, overall
from desktop.services.summaries import report, report_doc

TODAY = date(2026, 11, 23)
Q3 = periods.parse_period("2026Q3")


@pytest.fixture
def demo(database):
    generate_demo(customers=80, seed=7, today=TODAY)
    return database


@pytest.fixture
def doc(demo):
    return report.build_report("2026Q3", today=TODAY)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- the document
def test_sections_and_title(doc):
    assert doc.title == "2026年第3季度客户满意度调查与改进报告"
    assert [s.title for s in doc.sections] == list(report.SECTION_TITLES)
    assert [s.heading for s in doc.sections][:2] == ["一、报告基本信息", "二、调查概述"]
    grid = doc.section("报告基本信息").blocks[0]
    info = dict(grid.items)
    assert info["报告名称"] == doc.title
    assert info["编制部门"] == "客服中心"  # 设置 → 报告编制部门 (the demo fills it in)
    assert info["负责人"] == "客服中心主管 杨慧"
    assert info["编制日期"] == "2026年11月23日"
    assert info["调查周期"] == "2026年7月1日 — 2026年9月30日"
    assert info["统计范围"] == "全部班组"


def test_satisfaction_table_equals_statistics(doc):
    table = doc.satisfaction_table
    assert table.header == list(report.SATISFACTION_HEADER)
    now = {s.dimension: s for s in dimension_stats(Filters(period=Q3))}
    before = {s.dimension: s for s in dimension_stats(Filters(period="2026Q2"))}
    rated = [name for name, s in now.items() if s.level_n]
    assert [row[0] for row in table.rows] == ["总体满意度", *rated]
    assert "推荐意愿" not in [row[0] for row in table.rows]  # NPS is reported on its own
    for name in rated:
        row = table.row_of(name)
        cur, prev = now[name], before[name]
        assert row[1] == f"{cur.mean:.2f}"
        assert row[2] == f"{cur.satisfaction * 100:.1f}"
        delta = (cur.satisfaction - prev.satisfaction) * 100
        if abs(delta) <= 0.5:
            assert row[3].startswith("→")
        else:
            assert row[3] == f"{'↑' if delta > 0 else '↓'}{abs(delta):.1f}个百分点"
    total = overall(Filters(period=Q3), today=TODAY)
    first = table.rows[0]
    assert first[1] == f"{total.mean:.2f}" and first[2] == f"{total.satisfaction * 100:.1f}"
    assert table.bold_rows == {0}
    text = doc.section("满意度分析").blocks
    assert any(DENOMINATOR_NOTE in b.text for b in text if isinstance(b, report_doc.Paragraph))
    assert any(f"NPS = {total.nps:.1f}" in b.text and "≥50" in b.text for b in text if hasattr(b, "text"))


def test_overview_counts_match_the_data(doc):
    table = doc.section("调查概述").tables()[0]
    rows = dict((r[0], r[1]) for r in table.rows)
    total = overall(Filters(period=Q3), today=TODAY)
    assert f"完成回访 {total.visits} 次" in rows["样本量"]
    start, stop = datetime(2026, 7, 1), datetime(2026, 10, 1)
    orders = ServiceOrder.select().where(ServiceOrder.completed_at >= start, ServiceOrder.completed_at < stop)
    customers = {o.customer_id for o in orders}
    assert f"服务工单 {orders.count()} 张，涉及客户 {len(customers)} 名" in rows["调查范围"]
    done = Visit.select().where(
        Visit.status == "已完成", Visit.visit_date >= Q3.start, Visit.visit_date <= Q3.end
    )
    by_method: dict[str, int] = {}
    for v in done:
        by_method[v.method] = by_method.get(v.method, 0) + 1
    for method, n in by_method.items():
        assert f"{method} {n} 次" in rows["调查方式"]
    rec = total.recovery
    assert rows["回收率"].startswith(f"{rec.rate:.1%}（已完成 {rec.completed} / 应回访 {rec.due}")
    assert "≥70%" in rows["回收率"]
    assert f"有效 {total.valid} 份，无效 {total.invalid} 份" in rows["有效问卷"]


def test_charts_carry_the_same_series(doc):
    bars, trend, pareto = doc.charts()
    assert [c.kind for c in (bars, trend, pareto)] == [report.DIMENSION_BARS, report.TREND, report.PARETO]
    table = doc.satisfaction_table
    assert bars.series[0].values == [float(r[2]) for r in table.rows]
    assert all(label.startswith(("↑", "↓", "→")) for label in bars.labels)
    assert len(trend.categories) == 12 and trend.categories[-1] == "2026年9月"
    assert trend.highlight == (9, 11)  # July … September shaded
    rows = problems.pareto(start=Q3.start, end=Q3.end)
    assert pareto.categories == [r.name for r in rows]
    assert pareto.series[0].values == [float(r.count) for r in rows]
    assert pareto.series[1].values[-1] == 100.0


def test_problem_table_equals_top3(doc):
    proposals = problems.propose_top3(start=Q3.start, end=Q3.end, words=False)
    table = doc.problem_table
    assert table.header == ["问题分类", "客户原话举例", "出现频次"]
    assert [(r[0], r[2]) for r in table.rows] == [(p.name, str(p.count)) for p in proposals]
    for row, p in zip(table.rows, proposals, strict=True):
        quotes = row[1].split("\n")
        assert 1 <= len(quotes) <= report.QUOTES_PER_PROBLEM
        assert all(q.startswith("“") and q.endswith("”") for q in quotes)
        assert all(q.strip("“”") in p.quotes for q in quotes)


def test_action_table_lists_the_periods_actions(doc):
    linked = {
        a.action_id
        for a in ActionVisit.select(ActionVisit.action, Visit.visit_date).join(Visit)
        if Q3.start <= a.visit.visit_date <= Q3.end
    }
    created = {
        a.id
        for a in ImprovementAction.select()
        if datetime(2026, 7, 1) <= a.created_at < datetime(2026, 10, 1)
    }
    expected = linked | created
    assert expected, "the demo data should have improvement actions about 2026Q3"
    table = doc.action_table
    assert table.header == list(report.ACTION_HEADER)
    assert [r[0] for r in table.rows] == [f"{n:02d}" for n in range(1, len(expected) + 1)]
    by_problem = {a.problem: a for a in ImprovementAction.select().where(ImprovementAction.id.in_(expected))}
    assert {r[1] for r in table.rows} == set(by_problem)
    for row in table.rows:
        action = by_problem[row[1]]
        assert row[2:7] == [
            action.measure,
            action.department,
            action.owner,
            action.deadline.isoformat(),
            action.expected_effect,
        ]
        assert row[7].startswith(action.status)


def test_kpi_section_shows_the_scorecard_grade(doc):
    cards = [c for c in kpi.list_scorecards() if c.period == "2026Q3"]
    assert cards
    table = doc.section("质量评价").tables()[0]
    assert table.header[:4] == ["评价周期", "评价对象", "总分", "等级"]
    for card in cards:
        row = next(r for r in table.rows if r[:2] == [card.period, card.target_label])
        assert row[2] == kpi.num(card.total) and row[3] == card.grade
    assert all(r[0] == "2026Q3" for r in table.rows)  # not the 2026Q2 card


def test_year_report_lists_its_quarters_scorecards(demo):
    doc = report.build_report("2026", today=TODAY)
    table = doc.section("质量评价").tables()[0]
    assert [r[0] for r in table.rows] == ["2026Q2", "2026Q3"]
    trend = doc.charts()[1]
    assert trend.highlight is None and trend.title.startswith("图2 2026年各月")


def test_team_filter_narrows_everything(demo):
    team = "安装组"
    doc = report.build_report("2026Q3", team=team, today=TODAY)
    assert dict(doc.section("报告基本信息").blocks[0].items)["统计范围"] == team
    total = overall(Filters(period=Q3, team=team))
    assert doc.satisfaction_table.rows[0][2] == f"{total.satisfaction * 100:.1f}"
    group_table = doc.section("满意度分析").tables()[1]
    assert group_table.header[0] == "服务工程师"  # within one team: its engineers


def test_empty_period_gives_notes_not_errors(database):
    doc = report.build_report("2024Q2", today=TODAY)
    assert doc.satisfaction_table.rows == [["（本期和上期都没有满意度评分）", "—", "—", "—"]]
    text = doc.text()
    assert "本期没有有效的满意度评分" in text
    assert "无法计算 NPS" in text
    assert "尚未建立售后服务质量评价表" in text
    assert all(c.empty for c in doc.charts())


def test_range_period_title_and_progress(demo):
    seen = []
    doc = report.build_report(
        ("2026-07-01", "2026-08-15"), today=TODAY, progress=lambda d, t, text: seen.append((d, t))
    )
    assert doc.title == "2026年7月1日至8月15日客户满意度调查与改进报告"
    assert seen[0] == (0, len(report.STEPS)) and seen[-1] == (len(report.STEPS), len(report.STEPS))


def test_progress_can_cancel(demo):
    class Stop(Exception):
        pass

    def stop(done, total, text):
        if done == 2:
            raise Stop

    with pytest.raises(Stop):
        report.build_report("2026Q3", today=TODAY, progress=stop)


def test_bad_period_is_a_user_error(database):
    with pytest.raises(UserError, match="2024Q2"):
        report.build_report("2024Q9")


def test_quotes_are_masked(database):
    text = "我是张伟，电话13812345678，师傅迟到了很久" * 3
    masked = report_doc.mask_quote(text, ["张伟"])
    assert "张伟" not in masked and "张*" in masked
    assert "13812345678" not in masked and "138****5678" in masked
    assert len(masked) == report_doc.QUOTE_LIMIT and masked.endswith("…")


def test_quotes_in_the_report_hide_customer_names(demo):
    # a customer who writes their own name into the feedback
    visit = (
        Visit.select()
        .join(problems.VisitProblem, on=(problems.VisitProblem.visit == Visit.id))
        .where(Visit.visit_date >= Q3.start, Visit.visit_date <= Q3.end)
        .order_by(Visit.id)
        .first()
    )
    customer = Customer.get_by_id(visit.customer_id)
    Visit.update(feedback=f"我是{customer.name}，{visit.feedback}").where(Visit.id == visit.id).execute()
    doc = report.build_report("2026Q3", today=TODAY)
    quotes = " ".join(r[1] for r in doc.problem_table.rows)
    assert customer.name not in quotes


# ---------------------------------------------------------------- the command line
def _pdf_text(path) -> str:
    return _flat("".join(page.extract_text() for page in PdfReader(str(path)).pages))


def test_cli_report_writes_pdf(demo, db_target, tmp_path, capsys, qapp):
    out = tmp_path / "报告" / "q3.pdf"
    code = cli.main(["--db", db_target, "report", "--period", "2026Q3", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert "已生成" in capsys.readouterr().out
    reader = PdfReader(str(out))
    assert len(reader.pages) >= 3
    text = _pdf_text(out)
    for heading in (
        "一、报告基本信息",
        "二、调查概述",
        "三、满意度分析",
        "四、核心问题",
        "五、改进措施与责任分工",
    ):
        assert heading in text
    assert "2026年第3季度客户满意度调查与改进报告" in text
    assert "较上期" in text
    stat = next(s for s in dimension_stats(Filters(period=Q3)) if s.dimension == "响应及时性")
    printed = f"{stat.satisfaction * 100:.1f}"
    assert "响应及时性" + f"{stat.mean:.2f}" + printed in text  # the table row as printed
    assert "第1页/共" in text


def test_cli_report_from_to_and_team(demo, db_target, tmp_path, capsys, qapp):
    out = tmp_path / "range.pdf"
    args = ["--db", db_target, "report", "--from", "2026-07-01", "--to", "2026-09-30"]
    code = cli.main([*args, "--team", "安装组", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = _pdf_text(out)
    assert "2026年7月1日至9月30日客户满意度调查与改进报告" in text
    assert "安装组" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2024Q5"], "期间格式不正确"),
        (["--period", "二〇二四"], "期间格式不正确"),
        ([], "请用 --period"),
        (["--from", "2024-04-01"], "同时给出 --from 和 --to"),
        (["--from", "2024-06-01", "--to", "2024-04-01"], "晚于结束日期"),
        (["--period", "2024Q2", "--from", "2024-04-01", "--to", "2024-06-30"], "只能选一种"),
        (["--period", "2024Q2", "--team", "没有这个组"], "找不到“没有这个组”"),
    ],
)
def test_cli_bad_input_exits_2(database, db_target, tmp_path, capsys, args, message):
    code = cli.main(["--db", db_target, "report", *args, "--out", str(tmp_path / "r.pdf")])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()


def test_cli_unwritable_path_exits_2(database, db_target, tmp_path, capsys, qapp):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code = cli.main(["--db", db_target, "report", "--period", "2024Q2", "--out", str(blocker / "r.pdf")])
    assert code == 2
    err = capsys.readouterr().err
    assert "无法写入" in err and "请换一个" in err
    code = cli.main(["--db", db_target, "report", "--period", "2024Q2", "--out", str(tmp_path / "r.txt")])
    assert code == 2 and ".pdf" in capsys.readouterr().err


def test_report_services_import_no_qt():
    import subprocess
    import sys

    code = (
        "import sys, desktop.services.summaries.report; "
        "sys.exit(1 if any(m.startswith(('PySide6', 'matplotlib')) for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
