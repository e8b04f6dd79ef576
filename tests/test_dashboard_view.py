"""工作台 page: tiles, filters that redraw the charts, tile links, saving a chart as PNG."""

import logging
import subprocess
import sys
import warnings
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog
from test_improvement import visits as improvement_visits  # noqa: F401  (a fixture)

from desktop.services.reporting import statistics
from desktop.services.summaries import dashboard as svc
from desktop.views.common.context import AppContext
from desktop.views.common.pages import PAGES
from desktop.views.dashboard import dashboard_charts
from desktop.views.dashboard.dashboard_view import EMPTY_TEXT, DashboardView

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo(database):
    from desktop.services.demo.demo import generate_demo

    generate_demo(customers=80, seed=5, today=TODAY)


def make_view(qtbot, db_path) -> DashboardView:
    view = DashboardView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.today_override = TODAY
    view.resize(1238, 800)
    view.show()
    view.on_shown()
    settle(qtbot, view)
    return view


def settle(qtbot, view) -> None:
    """Wait until the figures of the current filters are shown and every chart is drawn."""
    qtbot.waitUntil(lambda: view.charts_drawn, timeout=20_000)


def choose(combo, data, qtbot=None, view=None) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    if qtbot is not None:
        settle(qtbot, view)


def texts(figure) -> list[str]:
    found = [t.get_text() for t in figure.texts]
    for ax in figure.axes:
        found += [t.get_text() for t in ax.texts]
        found.append(ax.get_title(loc="left"))
    return found


def overall_line(panel):
    """The y values of the 总体 line of the trend chart."""
    line = next(ln for ln in panel.figure.axes[0].lines if ln.get_label() == "总体")
    return list(line.get_ydata())


def test_dashboard_is_the_first_page():
    assert PAGES[0].id == "dashboard"
    assert (PAGES[0].title, PAGES[0].module, PAGES[0].cls) == ("工作台", "dashboard.dashboard_view", "DashboardView")
    assert len({p.id for p in PAGES}) == len(PAGES)


def test_page_builds_and_tiles_match_services(qtbot, demo, db_path):
    view = make_view(qtbot, db_path)
    scope = svc.Scope(svc.period_for("本月", TODAY), None, TODAY)
    expected = svc.tiles(scope)
    overall = statistics.overall(scope.filters, today=TODAY)
    assert view.tiles["today"].value.text() == str(expected.today_tasks)
    assert view.tiles["overdue"].value.text() == str(expected.overdue_tasks)
    assert view.tiles["actions"].value.text() == str(expected.overdue_actions)
    assert view.tiles["satisfaction"].value.text() == f"{overall.satisfaction * 100:.1f}%"
    assert view.tiles["nps"].value.text() == f"{overall.nps:.0f}"
    assert view.tiles["recovery"].value.text() == f"{overall.recovery.rate * 100:.1f}%"
    assert view.tiles["grade"].value.text() == "—"  # no scorecard for this month
    assert "目标 ≥50" in view.tiles["nps"].note.text()
    # every chart was drawn from the service's series
    assert set(view.panels) == {"trend", "dimensions", "nps", "pareto", "actions", "groups"}
    for panel in view.panels.values():
        assert panel.figure is not None and panel.figure.axes
    assert view.series["trend"] == svc.satisfaction_trend(scope)
    assert view.series["groups"] == svc.group_comparison(scope)
    assert overall_line(view.panels["trend"])[-1] == pytest.approx(overall.satisfaction * 100)
    # the trend picks out 总体 and the weakest dimension; the others are quiet grey lines
    trend = view.series["trend"]
    latest = {name: [v for v in values if v is not None][-1] for name, values in trend.series.items()}
    weakest = min(latest, key=latest.get)
    lines = {ln.get_label(): ln for ln in view.panels["trend"].figure.axes[0].lines}
    assert f"{weakest}（最低）" in lines
    assert list(lines[f"{weakest}（最低）"].get_ydata())[-1] == pytest.approx(latest[weakest])
    coloured = {label for label, ln in lines.items() if ln.get_color() != dashboard_charts.QUIET_LINE}
    assert coloured == {"总体", f"{weakest}（最低）"}
    assert len(lines) == len(trend.series) + 1  # every dimension is still drawn


def test_changing_the_period_redraws(qtbot, demo, db_path):
    view = make_view(qtbot, db_path)
    panel = view.panels["trend"]
    before_series = view.series["dimensions"]
    before_line = overall_line(panel)
    before_figure = panel.figure
    choose(view.period_combo, "上季度", qtbot, view)
    period = svc.period_for("上季度", TODAY)
    assert view.scope.period == period
    assert view.series["dimensions"] != before_series
    assert view.series["dimensions"].period == period
    assert overall_line(panel) != before_line
    assert overall_line(panel)[-1] == pytest.approx(view.series["trend"].overall[-1])
    assert panel.figure is not before_figure and panel.drawn, "the chart was not redrawn"
    assert "2026年第3季度" in view.period_label.text()
    # the grade of the last quarter's scorecard (demo: 全部班组)
    assert view.tiles["grade"].value.text() == view.tile_data.grade != "—"


def test_team_filter_compares_engineers(qtbot, demo, db_path):
    view = make_view(qtbot, db_path)
    assert view.series["groups"].group == "team"
    qtbot.waitUntil(lambda: view.team_combo.findData("维修一组") >= 0, timeout=10_000)
    choose(view.team_combo, "维修一组", qtbot, view)
    assert view.scope.team == "维修一组"
    assert view.series["groups"].group == "engineer"
    expected = svc.tiles(svc.Scope(svc.period_for("本月", TODAY), "维修一组", TODAY))
    assert view.tiles["satisfaction"].value.text() == f"{expected.satisfaction:.1f}%"
    assert any("维修一组" in t for t in texts(view.panels["trend"].figure))


def test_custom_period_and_bad_range(qtbot, demo, db_path):
    view = make_view(qtbot, db_path)
    choose(view.period_combo, "自定义", qtbot, view)
    assert view.start_edit.isVisible() and view.end_edit.isVisible()
    view.start_edit.setDate(QDate(2026, 6, 1))
    view.end_edit.setDate(QDate(2026, 8, 31))
    settle(qtbot, view)
    assert (view.scope.period.start, view.scope.period.end) == (date(2026, 6, 1), date(2026, 8, 31))
    shown = view.series
    view.start_edit.setDate(QDate(2026, 9, 30))  # after the end
    assert view.message.isVisible() and "对调" in view.message.text()
    assert view.series is shown  # nothing recomputed from a bad range
    view.start_edit.setDate(QDate(2026, 7, 1))
    assert not view.message.isVisible()
    settle(qtbot, view)


def test_today_tile_opens_tasks(qtbot, demo, db_path):
    view = make_view(qtbot, db_path)
    with qtbot.waitSignal(view.ctx.events.open_page, timeout=1000) as blocker:
        qtbot.mouseClick(view.tiles["today"], Qt.LeftButton)
    assert blocker.args == ["tasks", {"bucket": "今日"}]
    with qtbot.waitSignal(view.ctx.events.open_page, timeout=1000) as blocker:
        qtbot.mouseClick(view.tiles["actions"], Qt.LeftButton)
    assert blocker.args[0] == "improvement"
    # a figure tile is not a link
    with qtbot.assertNotEmitted(view.ctx.events.open_page):
        qtbot.mouseClick(view.tiles["nps"], Qt.LeftButton)


def test_today_tile_opens_the_tasks_page_in_the_main_window(qtbot, demo, db_path):
    from desktop.views.shell.main_window import MainWindow

    window = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(window)
    page = window.page("dashboard")
    assert window.stack.currentWidget() is page
    qtbot.mouseClick(page.tiles["today"], Qt.LeftButton)
    tasks_page = window.page("tasks")
    assert window.stack.currentWidget() is tasks_page
    assert tasks_page.bucket == "今日"


def test_save_chart_as_png(qtbot, demo, db_path, tmp_path, monkeypatch):
    view = make_view(qtbot, db_path)
    asked = {}

    def fake_dialog(parent, title, default, filters):
        asked["default"] = default
        return str(tmp_path / "趋势图"), "PNG 图片 (*.png)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    panel = view.panels["trend"]
    with qtbot.waitSignal(view.ctx.events.status_message, timeout=1000):
        panel.save_button.click()
    target = tmp_path / "趋势图.png"
    assert target.exists()
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert asked["default"].endswith("满意率趋势_2026-11.png")
    # the context-menu action does the same
    assert panel.save_action in panel.canvas.actions()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(tmp_path / "p.png"), ""))
    )
    view.panels["pareto"].save_action.trigger()
    assert (tmp_path / "p.png").exists()


def test_cancelled_save_writes_nothing(qtbot, demo, db_path, tmp_path, monkeypatch):
    view = make_view(qtbot, db_path)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: ("", "")))
    assert view.save_chart(view.panels["nps"]) is None
    assert list(tmp_path.glob("*.png")) == []


def test_empty_database_shows_friendly_text(qtbot, database, db_path):
    view = make_view(qtbot, db_path)
    for chart_id, panel in view.panels.items():
        assert EMPTY_TEXT in texts(panel.figure), chart_id
    assert view.tiles["satisfaction"].value.text() == "—"
    assert view.tiles["today"].value.text() == "0"


def test_charts_render_chinese_without_missing_glyphs(qtbot, demo, db_path, caplog):
    view = make_view(qtbot, db_path)
    choose(view.period_combo, "上季度", qtbot, view)  # every chart has data, arrows included
    caplog.set_level(logging.WARNING, logger="matplotlib")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for panel in view.panels.values():
            panel.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    assert any(t.startswith(("↑", "↓", "→")) for t in texts(view.panels["dimensions"].figure))


def test_data_change_event_refreshes_visible_page(qtbot, demo, db_path):
    view = make_view(qtbot, db_path)
    from desktop.models import VisitTask

    before = int(view.tiles["today"].value.text())
    task = VisitTask.select().where(VisitTask.status == "已完成").first()
    VisitTask.create(
        customer=task.customer_id, order=None, trigger="测试", earliest=TODAY, latest=TODAY, status="待回访"
    )
    view.ctx.events.visits_changed.emit()
    assert view.loading and view.tiles["today"].note.text() == "正在计算…"
    settle(qtbot, view)
    assert int(view.tiles["today"].value.text()) == before + 1


def test_importing_the_page_does_not_import_matplotlib():
    code = (
        "import sys\n"
        "import desktop.views.dashboard.dashboard_view\n"
        "import desktop.services.summaries.dashboard\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_chart_of_the_service_has_a_panel():
    from desktop.views.dashboard.dashboard_view import CHARTS

    assert tuple(chart_id for chart_id, _name, _draw in CHARTS) == svc.CHART_IDS


# ---------------------------------------------------------------- loading in the background
def test_figures_are_read_off_the_gui_thread_with_placeholders_first(qtbot, demo, db_path, monkeypatch):
    import threading

    from desktop.views.common.operations import in_gui_thread

    gate = threading.Event()
    threads = []
    real_tiles, real_series = svc.tiles, svc.chart_series

    def slow_tiles(scope, *args, **kwargs):
        threads.append(in_gui_thread())
        gate.wait(10)
        return real_tiles(scope, *args, **kwargs)

    def slow_series(scope, *args, **kwargs):
        threads.append(in_gui_thread())
        gate.wait(10)
        return real_series(scope, *args, **kwargs)

    monkeypatch.setattr(svc, "tiles", slow_tiles)
    monkeypatch.setattr(svc, "chart_series", slow_series)
    view = DashboardView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.today_override = TODAY
    view.resize(1238, 800)
    view.show()
    view.on_shown()
    # the page is on screen at once, every tile and chart saying it is being computed
    qtbot.waitUntil(lambda: view.loading, timeout=5_000)
    assert all(tile.note.text() == "正在计算…" for tile in view.tiles.values())
    assert all(panel.figure is None or panel.busy.isVisible() for panel in view.panels.values())
    assert not view.charts_drawn
    gate.set()
    settle(qtbot, view)
    assert threads and not any(threads)  # every query ran on a worker thread
    assert view.tiles["today"].note.text() != "正在计算…"


def test_a_newer_request_supersedes_the_older_one(qtbot, demo, db_path, monkeypatch):
    import threading

    view = make_view(qtbot, db_path)
    first_started, release = threading.Event(), threading.Event()
    real_tiles = svc.tiles
    asked = []

    def tiles(scope, *args, **kwargs):
        asked.append(scope.period.label)
        if len(asked) == 1:  # the first request is still running when the filter changes again
            first_started.set()
            release.wait(10)
        return real_tiles(scope, *args, **kwargs)

    monkeypatch.setattr(svc, "tiles", tiles)
    choose(view.period_combo, "上季度")
    qtbot.waitUntil(first_started.is_set, timeout=5_000)
    choose(view.period_combo, "本年")
    release.set()
    settle(qtbot, view)
    qtbot.wait(50)
    this_year = svc.period_for("本年", TODAY)
    assert view.scope.period == this_year  # the older (上季度) result was dropped
    assert view.series["dimensions"].period == this_year
    expected = real_tiles(svc.Scope(this_year, None, TODAY))
    assert view.tiles["satisfaction"].value.text() == f"{expected.satisfaction:.1f}%"


def test_results_arriving_after_the_page_closed_are_dropped(qtbot, demo, db_path, monkeypatch):
    import threading

    from desktop.views.common import operations as tasks

    release = threading.Event()
    real_tiles = svc.tiles
    monkeypatch.setattr(svc, "tiles", lambda *a, **k: (release.wait(10), real_tiles(*a, **k))[1])
    view = DashboardView(AppContext(db_path=db_path))
    view.today_override = TODAY
    view.show()
    view.on_shown()
    qtbot.waitUntil(lambda: view.loading, timeout=5_000)
    view.close()
    view.deleteLater()
    qtbot.wait(20)  # deleted while its jobs still run
    release.set()
    qtbot.waitUntil(lambda: not tasks.running_jobs(), timeout=20_000)
    qtbot.wait(50)  # their results are dropped, nothing touches the deleted widgets


def test_showing_the_page_again_keeps_the_charts_whose_figures_did_not_change(qtbot, demo, db_path):
    view = make_view(qtbot, db_path)
    figures = {chart_id: panel.figure for chart_id, panel in view.panels.items()}
    view.on_shown()  # shown again: every figure is read again …
    assert view.loading
    settle(qtbot, view)
    # … and the charts with the same series are not drawn again
    assert all(panel.figure is figures[chart_id] for chart_id, panel in view.panels.items())
    choose(view.period_combo, "上季度", qtbot, view)
    assert view.panels["dimensions"].figure is not figures["dimensions"]


# ---------------------------------------------------------------- 改进验证 (issue 12)
def test_one_improvement_loop_shows_in_the_verification_section(qtbot, improvement_visits, db_path):  # noqa: F811
    """After one improvement loop the period tiles are unchanged; the 改进验证 section shows the
    verification visits; each tile's tooltip is the catalogue's definition of its figure."""
    from test_improvement import TODAY as LOOP_DAY
    from test_improvement import answer_verification, seed_input, tasks_of

    from desktop.services.improvement import flow, improvement
    from desktop.services.reporting import metrics

    view = DashboardView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.today_override = LOOP_DAY
    view.resize(1238, 800)
    view.show()
    view.on_shown()
    settle(qtbot, view)
    section = view.verification
    before = {k: (t.value.text(), t.note.text()) for k, t in view.tiles.items() if k != "today"}
    assert before["satisfaction"][0] != "—"
    assert section.tiles["visits"].value.text() == "0"
    assert "本期没有" in section.tiles["visits"].note.text()
    for key, metric in (
        ("satisfaction", metrics.SATISFACTION),
        ("nps", metrics.NPS),
        ("recovery", metrics.RECOVERY),
    ):
        assert metric.definition in view.tiles[key].toolTip(), key
    assert metrics.VERIFICATION.definition in section.tiles["visits"].toolTip()

    category, rows = improvement_visits
    action = improvement.create_action(seed_input(category, rows), today=LOOP_DAY)
    flow.change_status(action.id, "进行中", today=LOOP_DAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=LOOP_DAY)
    for task in tasks_of(action):
        answer_verification(task, 5, True)  # visited on LOOP_DAY, inside the month shown
    view.ctx.events.visits_changed.emit()
    settle(qtbot, view)

    after = {k: (t.value.text(), t.note.text()) for k, t in view.tiles.items() if k != "today"}
    assert after["satisfaction"] == before["satisfaction"] and after["nps"] == before["nps"]
    expected = svc.verification(svc.Scope(svc.period_for("本月", LOOP_DAY), None, LOOP_DAY))
    assert expected.visits == 2
    assert section.tiles["visits"].value.text() == "2"
    by_name = {d.dimension: d for d in expected.dimensions}
    assert section.tiles["改进满意度"].value.text() == f"{by_name['改进满意度'].satisfaction * 100:.1f}%"
    assert section.tiles["问题解决"].value.text() == f"{by_name['问题解决'].yes_share * 100:.1f}%"
    assert "2" in section.tiles["问题解决"].note.text()
    for tile in section.tiles.values():
        assert metrics.VERIFICATION.definition in tile.toolTip()
