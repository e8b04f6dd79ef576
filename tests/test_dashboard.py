"""services.dashboard: the tiles and chart series, by hand and against the owning services."""

from datetime import date

import pytest

from desktop.models import (
    Answer,
    Customer,
    ImprovementAction,
    ProblemCategory,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitProblem,
    VisitTask,
)
from desktop.services.common.errors import UserError
from desktop.services.improvement import flow, improvement
from desktop.services.kpi import kpi
from desktop.services.reporting import periods, problems, statistics
from desktop.services.reporting.statistics import Filters
from desktop.services.scheduling import tasks
from desktop.services.summaries import dashboard as svc

TODAY = date(2024, 5, 25)
MAY = periods.month_period(2024, 5)
APRIL = periods.month_period(2024, 4)


def _visit(tpl, q, customer, order, day, att, speed, nps):
    visit = Visit.create(customer=customer, order=order, template=tpl, status="已完成", visit_date=day)
    Answer.insert_many(
        [
            {"visit": visit, "question": q["att"], "value": att, "text": ""},
            {"visit": visit, "question": q["speed"], "value": speed, "text": ""},
            {"visit": visit, "question": q["nps"], "value": nps, "text": ""},
        ]
    ).execute()
    return visit


@pytest.fixture
def hand(database):
    """May 2024 (4 visits), April (2), March (1); two teams; tasks, actions, tags, scorecards.

    May, all teams — 服务态度 5,4,3,1 → 50%; 响应速度 4,2,5,4 → 75%; pooled 5 of 8 → 62.5%;
    NPS 10,9,5,8 → (2 − 1) / 4 = 25. April — 服务态度 5,2 → 50%; 响应速度 5,1 → 50%; pooled 50%;
    NPS 10,0 → 0. March — everything top: 100%, NPS 100.
    一组 in May: 服务态度 5,4 + 响应速度 4,2 → 75%; 二组: 3,1 + 5,4 → 50%.
    """
    tpl = QuestionnaireTemplate.create(family="dash", version=1, name="工作台测试问卷", active=True)
    q = {
        key: Question.create(template=tpl, position=i, text=f"{dim}?", dimension=dim, kind=kind)
        for i, (key, dim, kind) in enumerate(
            [("att", "服务态度", "level5"), ("speed", "响应速度", "level5"), ("nps", "推荐意愿", "nps")]
        )
    }
    east = Customer.create(code="C1", name="东区客户", phone="13800000001")
    west = Customer.create(code="C2", name="西区客户", phone="13800000002")
    o1 = ServiceOrder.create(order_no="W1", customer=east, team="一组", engineer="张工", service_type="维修")
    o2 = ServiceOrder.create(order_no="W2", customer=west, team="二组", engineer="李工", service_type="安装")
    may = [
        _visit(tpl, q, east, o1, date(2024, 5, 2), 5, 4, 10),
        _visit(tpl, q, east, o1, date(2024, 5, 3), 4, 2, 9),
        _visit(tpl, q, west, o2, date(2024, 5, 4), 3, 5, 5),
        _visit(tpl, q, west, o2, date(2024, 5, 5), 1, 4, 8),
    ]
    _visit(tpl, q, east, o1, date(2024, 4, 10), 5, 5, 10)
    _visit(tpl, q, west, o2, date(2024, 4, 11), 2, 1, 0)
    _visit(tpl, q, east, o1, date(2024, 3, 10), 5, 5, 10)
    # tasks: one due today, one overdue, one done in May → recovery 1 of 2 due (the open one in
    # its window is not due yet)
    VisitTask.create(
        customer=east, order=o1, trigger="t1", earliest=date(2024, 5, 24), latest=date(2024, 5, 27)
    )
    VisitTask.create(
        customer=east, order=o1, trigger="t2", earliest=date(2024, 5, 14), latest=date(2024, 5, 20)
    )
    VisitTask.create(
        customer=west,
        order=o2,
        trigger="t3",
        earliest=date(2024, 5, 6),
        latest=date(2024, 5, 10),
        status="已完成",
    )
    # actions: 一组 进行中 past its deadline (overdue), 一组 未启动 not yet due, 二组 已闭环
    ImprovementAction.create(problem="响应慢", department="一组", deadline=date(2024, 5, 1), status="进行中")
    ImprovementAction.create(problem="态度", department="一组", deadline=date(2024, 6, 30), status="未启动")
    ImprovementAction.create(problem="价格", department="二组", deadline=date(2024, 4, 1), status="已闭环")
    # problem tags in May: 响应速度类 ×2, 服务态度类 ×1
    speed_cat = ProblemCategory.get(ProblemCategory.name == "响应速度类")
    att_cat = ProblemCategory.get(ProblemCategory.name == "服务态度类")
    VisitProblem.create(visit=may[1], category=speed_cat)
    VisitProblem.create(visit=may[3], category=speed_cat)
    VisitProblem.create(visit=may[3], category=att_cat)
    # scorecards for May: every team (total 100 → 优秀) and 一组 (total 50 → 待改进)
    good = [
        kpi.IndicatorRow("时效性", "及时率", 50, 90, 90),
        kpi.IndicatorRow("专业性", "解决率", 50, 80, 80),
    ]
    poor = [
        kpi.IndicatorRow("时效性", "及时率", 50, 90, 45),
        kpi.IndicatorRow("专业性", "解决率", 50, 80, 40),
    ]
    kpi.create_scorecard("2024-05", kpi.ALL_TEAMS, good)
    kpi.create_scorecard("2024-05", "一组", poor)
    return {"q": q, "may": may}


def scope(team=None, period=MAY):
    return svc.Scope(period, team, TODAY)


# ---------------------------------------------------------------- periods
def test_period_for_each_choice():
    today = date(2024, 5, 25)
    assert svc.period_for("本月", today) == periods.month_period(2024, 5)
    assert svc.period_for("本季度", today) == periods.quarter_period(2024, 2)
    assert svc.period_for("本年", today) == periods.year_period(2024)
    assert svc.period_for("上月", today) == periods.month_period(2024, 4)
    assert svc.period_for("上季度", today) == periods.quarter_period(2024, 1)
    assert svc.period_for("上季度", date(2024, 2, 1)) == periods.quarter_period(2023, 4)
    assert svc.period_for("上月", date(2024, 1, 9)) == periods.month_period(2023, 12)
    custom = svc.period_for("自定义", today, date(2024, 3, 5), date(2024, 4, 4))
    assert (custom.start, custom.end) == (date(2024, 3, 5), date(2024, 4, 4))


def test_period_for_rejects_bad_custom_range():
    with pytest.raises(UserError, match="开始日期"):
        svc.period_for("自定义", TODAY, None, None)
    with pytest.raises(UserError, match="对调"):
        svc.period_for("自定义", TODAY, date(2024, 5, 2), date(2024, 5, 1))
    with pytest.raises(UserError, match="无效"):
        svc.period_for("明年", TODAY)


def test_trend_stops_at_today_in_a_running_period():
    assert svc.Scope(periods.year_period(2024), None, TODAY).trend_end == TODAY
    assert svc.Scope(periods.year_period(2023), None, TODAY).trend_end == date(2023, 12, 31)


# ---------------------------------------------------------------- tiles
def test_tiles_by_hand(hand):
    t = svc.tiles(scope())
    assert (t.today_tasks, t.overdue_tasks, t.overdue_actions) == (1, 1, 1)
    assert (t.recovery, t.recovery_completed, t.recovery_due) == (50.0, 1, 2)
    assert t.recovery_target == 70
    assert not t.recovery_all_teams
    assert t.visits == 4
    assert t.satisfaction == pytest.approx(62.5)
    assert t.satisfaction_arrow == "↑"
    assert t.satisfaction_change == pytest.approx(12.5)
    assert t.nps == pytest.approx(25)
    assert t.nps_n == 4
    assert t.nps_goal == 50
    assert (t.grade, t.grade_total, t.grade_target) == ("优秀", 100.0, "全部班组")  # as printed


def test_tiles_for_one_team(hand):
    t = svc.tiles(scope("一组"))
    assert t.satisfaction == pytest.approx(75)
    assert t.recovery_all_teams  # tasks carry no team: the rate is every team's
    assert (t.grade, t.grade_total, t.grade_target) == ("待改进", 50.0, "一组")
    t2 = svc.tiles(scope("二组"))
    assert (t2.grade, t2.grade_total, t2.scorecard_id) == (svc.NO_GRADE, None, None)


def test_tiles_without_a_scorecard_or_data(hand):
    t = svc.tiles(scope(period=periods.month_period(2024, 2)))
    assert t.grade == "—"
    assert t.satisfaction is None and t.nps is None and t.visits == 0
    assert t.satisfaction_arrow == ""


def test_tiles_match_the_services(hand):
    flt = Filters(period=MAY)
    overall = statistics.overall(flt, today=TODAY)
    t = svc.tiles(scope())
    assert t.satisfaction == pytest.approx(overall.satisfaction * 100)
    assert t.nps == overall.nps
    assert t.today_tasks == tasks.count_tasks(tasks.TaskFilter(bucket="今日"), today=TODAY)
    assert t.overdue_tasks == tasks.count_tasks(tasks.TaskFilter(bucket="逾期"), today=TODAY)
    assert t.overdue_actions == flow.status_counts(TODAY)[improvement.OVERDUE]


# ---------------------------------------------------------------- charts
def test_satisfaction_trend_by_hand(hand):
    data = svc.satisfaction_trend(scope())
    assert len(data.labels) == 12 and data.labels[-1] == "2024-05" and data.labels[0] == "2023-06"
    assert list(data.series) == ["服务态度", "响应速度"]  # 推荐意愿 has no satisfaction scale
    assert data.series["服务态度"][-3:] == [100.0, 50.0, 50.0]
    assert data.series["响应速度"][-3:] == [100.0, 50.0, 75.0]
    assert data.overall[-3:] == [100.0, 50.0, 62.5]
    assert data.overall[:-3] == [None] * 9
    assert not data.empty


def test_nps_trend_by_hand(hand):
    data = svc.nps_trend(scope())
    assert data.values[-3:] == [100.0, 0.0, 25.0]
    assert data.goal == 50
    one = svc.nps_trend(scope("二组"))
    assert one.values[-3:] == [None, -100.0, -50.0]  # April: 0 alone; May: 5, 8 → (0 − 1) / 2


def test_dimension_bars_by_hand(hand):
    data = svc.dimension_bars(scope())
    assert data.previous == APRIL
    by_name = {b.name: b for b in data.bars}
    assert [b.name for b in data.bars] == ["总体", "服务态度", "响应速度"]  # no NPS bar
    assert by_name["总体"].rate == pytest.approx(62.5)
    assert by_name["总体"].n == 8
    assert (by_name["服务态度"].rate, by_name["服务态度"].arrow) == (50.0, "→")
    assert by_name["响应速度"].arrow == "↑"
    assert by_name["响应速度"].change == pytest.approx(25)
    assert by_name["响应速度"].previous == pytest.approx(50)


def test_pareto_by_hand(hand):
    data = svc.pareto_series(scope())
    assert data.names == ["响应速度类", "服务态度类"]
    assert data.counts == [2, 1]
    assert data.cumulative == pytest.approx([200 / 3, 100])
    assert svc.pareto_series(scope(period=APRIL)).empty
    assert svc.pareto_series(scope("一组")).counts == [1]  # only visit may[1] is 一组's


def test_action_status_by_hand(hand):
    everyone = svc.action_status(scope())
    assert everyone.statuses == ["未启动", "进行中", "已完成", "效果验证中", "已闭环"]
    assert everyone.counts == [1, 1, 0, 0, 1]
    assert everyone.overdue == 1
    assert everyone.overdue_by_status == [0, 1, 0, 0, 0]
    team = svc.action_status(scope("一组"))
    assert team.counts == [1, 1, 0, 0, 0]
    assert team.overdue_by_status == [0, 1, 0, 0, 0]
    assert team.department == "一组"
    assert svc.action_status(scope("三组")).empty


def test_group_comparison_by_hand(hand):
    teams = svc.group_comparison(scope())
    assert teams.group == "team"
    assert [(b.name, b.rate, b.n, b.visits) for b in teams.bars] == [
        ("一组", 75.0, 4, 2),
        ("二组", 50.0, 4, 2),
    ]
    engineers = svc.group_comparison(scope("一组"))
    assert engineers.group == "engineer"
    assert [(b.name, b.rate) for b in engineers.bars] == [("张工", 75.0)]
    limited = svc.group_comparison(scope(), limit=1)
    assert len(limited.bars) == 1 and limited.more == 1


def test_empty_database_gives_empty_series(database):
    s = svc.Scope(MAY, None, TODAY)
    assert svc.satisfaction_trend(s).empty
    assert svc.nps_trend(s).empty
    assert svc.dimension_bars(s).empty
    assert svc.pareto_series(s).empty
    assert svc.action_status(s).empty
    assert svc.group_comparison(s).empty
    t = svc.tiles(s)
    assert (t.today_tasks, t.overdue_tasks, t.overdue_actions, t.recovery) == (0, 0, 0, None)


# ---------------------------------------------------------------- on demo data: equal to statistics
@pytest.fixture
def demo(database):
    from desktop.services.demo.demo import generate_demo

    generate_demo(customers=80, seed=11, today=date(2026, 11, 23))
    return date(2026, 11, 23)


@pytest.mark.parametrize("choice", ["本月", "本季度", "上季度", "本年"])
@pytest.mark.parametrize("team", [None, "维修一组"])
def test_series_equal_statistics_on_demo(demo, choice, team):
    s = svc.Scope(svc.period_for(choice, demo), team, demo)
    flt = Filters(period=s.period, team=team)

    # 1: the trend equals statistics.monthly_trend ending with the month of min(end, today)
    trend = svc.satisfaction_trend(s)
    last = min(s.period.end, demo)
    expected = statistics.monthly_trend(flt.with_period(periods.month_period(last.year, last.month)))
    assert trend.labels == expected.labels
    assert trend.labels[-1] == f"{last.year}-{last.month:02d}"
    for name, values in trend.series.items():
        assert values == [None if v is None else v * 100 for v in expected.satisfaction[name]]
    assert trend.overall == [None if v is None else v * 100 for v in expected.overall]
    assert not trend.empty
    assert svc.nps_trend(s).values == expected.overall_nps

    # 2: dimension bars equal statistics.compare
    rows = {r.dimension: r for r in statistics.compare(flt).rows}
    bars = svc.dimension_bars(s).bars
    assert bars and bars[0].name == "总体"
    for b in bars:
        assert b.rate == pytest.approx(rows[b.name].current.satisfaction * 100)
        assert b.arrow == rows[b.name].arrow
    # every dimension stat with a satisfaction rate is a bar
    stats = [d for d in statistics.dimension_stats(flt) if d.satisfaction is not None]
    assert {d.dimension for d in stats} == {b.name for b in bars[1:]}

    # 4: Pareto equals problems.pareto
    pareto = problems.pareto(flt)
    assert svc.pareto_series(s).counts == [r.count for r in pareto]

    # 6: groups equal statistics.by_group
    group = "engineer" if team else "team"
    expected_groups = {
        g.group: g.satisfaction * 100 for g in statistics.by_group(flt, group) if g.satisfaction is not None
    }
    got = svc.group_comparison(s)
    assert {b.name: b.rate for b in got.bars} == pytest.approx(expected_groups)
    assert [b.rate for b in got.bars] == sorted((b.rate for b in got.bars), reverse=True)

    # tiles equal statistics.overall
    overall = statistics.overall(flt, today=demo)
    t = svc.tiles(s)
    assert t.satisfaction == pytest.approx(overall.satisfaction * 100)
    assert t.nps == overall.nps
    assert t.recovery_due == overall.recovery.due


def test_demo_grade_of_last_quarter(demo):
    # the demo grades the last two quarters for every team (全部): the tile names it 全部班组
    card = next(c for c in kpi.list_scorecards() if c.period == "2026Q3")
    t = svc.tiles(svc.Scope(svc.period_for("上季度", demo), None, demo))
    assert (t.grade, t.grade_target, t.scorecard_id) == (card.grade, "全部班组", card.id)
    assert svc.tiles(svc.Scope(svc.period_for("本月", demo), None, demo)).grade == "—"


def test_team_choices_on_demo(demo):
    assert svc.team_choices() == problems.filter_choices()["teams"]
    assert "维修一组" in svc.team_choices()


def test_snapshot_equals_the_single_functions(hand):
    for team in (None, "一组"):
        s = scope(team)
        snap = svc.snapshot(s)
        assert set(snap.series) == set(svc.CHART_IDS)
        assert snap.tiles == svc.tiles(s)
        assert snap.series["trend"] == svc.satisfaction_trend(s)
        assert snap.series["dimensions"] == svc.dimension_bars(s)
        assert snap.series["nps"] == svc.nps_trend(s)
        assert snap.series["pareto"] == svc.pareto_series(s)
        assert snap.series["actions"] == svc.action_status(s)
        assert snap.series["groups"] == svc.group_comparison(s)


def test_the_tile_change_is_compares_first_row(demo):
    """The 满意率 tile's arrow and change come from ``statistics.overall_change`` (one pooled count
    of the previous period): the same as ``statistics.compare``'s 总体 row, for every period."""
    for choice in ("本月", "本季度", "上季度", "上月", "本年"):
        scope = svc.Scope(svc.period_for(choice, demo), None, demo)
        row = statistics.compare(scope.filters).rows[0]
        t = svc.tiles(scope, details=False)
        assert (t.satisfaction_arrow, t.satisfaction_change) == (
            row.arrow if row.metric == svc.SATISFACTION_METRIC else "",
            (row.change * 100 if row.change is not None else None)
            if row.metric == svc.SATISFACTION_METRIC
            else None,
        ), choice
    empty = svc.Scope(svc.period_for("本月", date(2019, 5, 5)), None, date(2019, 5, 5))
    assert svc.tiles(empty, details=False).satisfaction_arrow == ""
