"""工作台's 本期目标: a 主管 sets the period's targets in the real dialog and sees them against the
actual figures."""

from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop.services.kpi import goals
from desktop.services.reporting.scope import Scope
from desktop.views.dashboard.goals_panel import GoalsDialog
from tests.test_dashboard_view import choose, make_view, settle
from tests.test_goals import quarter  # noqa: F401 (fixture)


def fill_goals_dialog(values: dict[str, str], seen: list) -> None:
    """When the goals dialog opens, type the targets and press 保存 (as a user would)."""

    def attempt(left: int) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, GoalsDialog):
            if left:
                QTimer.singleShot(10, lambda: attempt(left - 1))
            return
        seen.append(box.windowTitle())
        for key, text in values.items():
            box.edits[key].setText(text)
        box.save_button.click()
        if box.isVisible():  # refused: keep the message, then close
            seen.append(box.error_label.text())
            box.reject()

    QTimer.singleShot(0, lambda: attempt(300))


def test_set_goals_on_the_dashboard_and_see_them_against_the_figures(qtbot, quarter, db_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr("tests.test_dashboard_view.TODAY", date(2024, 3, 15))  # 本季度 = 2024Q1
    view = make_view(qtbot, db_path)
    choose(view.period_combo, "本季度", qtbot, view)
    panel = view.goals
    assert panel.summary_label.text() == "本期未设定目标"
    assert "目标 — · 未设目标" in panel.labels["composite"].text()
    seen: list = []
    fill_goals_dialog({"composite": "90", "complaint_rate": "10", "response_time": "24"}, seen)
    qtbot.mouseClick(panel.set_button, Qt.LeftButton)
    assert seen[0].startswith("设定目标") and "2024" in seen[0]
    settle(qtbot, view)  # the rows are read again in the background
    assert goals.targets("2024Q1") == {"composite": 90, "complaint_rate": 10, "response_time": 24}
    rows = {r.metric.key: r for r in goals.goal_rows(Scope(period="2024Q1"))}
    assert panel.labels["complaint_rate"].text() == "投诉率 50% / 目标 ≤10% · 未达标"
    assert panel.labels["response_time"].text() == "响应时效 18小时 / 目标 ≤24小时 · 达标"
    assert panel.labels["composite"].text().startswith(f"综合得分 {rows['composite'].text(rows['composite'].actual)}")
    assert panel.summary_label.text() == goals.summary(list(rows.values())) == "达标 1/3"

    seen.clear()  # a wrong target is refused inside the dialog, nothing saved
    fill_goals_dialog({"composite": "abc"}, seen)
    qtbot.mouseClick(panel.set_button, Qt.LeftButton)
    assert "综合得分目标" in seen[-1] and goals.targets("2024Q1")["composite"] == 90


def test_goals_and_complaints_are_read_off_the_gui_thread(qtbot, quarter, db_path, monkeypatch):  # noqa: F811
    """本期目标 and 投诉率 read over every order (2 s on the benchmark's 300,000 before 复购率's query
    was fixed): 工作台 must never read them on the GUI thread, and shows its main tiles first."""
    import threading

    from desktop.services.reporting import orders

    seen: dict[str, list[bool]] = {"goal_rows": [], "complaint_figures": []}
    for module, name in ((goals, "goal_rows"), (orders, "complaint_figures")):
        original = getattr(module, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            seen[_name].append(threading.current_thread() is threading.main_thread())
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    monkeypatch.setattr("tests.test_dashboard_view.TODAY", date(2024, 3, 15))
    view = make_view(qtbot, db_path)
    assert seen["goal_rows"] and seen["complaint_figures"], "the dashboard read its goals and 投诉率"
    assert not any(seen["goal_rows"]) and not any(seen["complaint_figures"])
    assert view.goals.labels["complaint_rate"].text().startswith("投诉率 ")


def test_the_second_job_failing_leaves_the_main_tiles_and_says_so(qtbot, quarter, db_path, monkeypatch):  # noqa: F811
    """投诉率 / 本期目标 / 改进验证 are read after the main tiles: when that read fails, the main
    tiles stay, the others say they could not be computed, and nothing raises in the event loop."""
    from desktop.services.common.errors import UserError
    from desktop.services.summaries import dashboard as svc

    def broken(*_args, **_kwargs):
        raise UserError("数据库暂时无法读取")

    monkeypatch.setattr(svc, "tile_details", broken)
    from desktop.views.common.context import AppContext
    from desktop.views.dashboard.dashboard_view import DashboardView

    view = DashboardView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.today_override = date(2024, 3, 15)
    view.resize(1238, 800)
    view.show()
    view.on_shown()
    qtbot.waitUntil(lambda: view.message.isVisible(), timeout=20_000)
    assert view.tile_data is not None and not view.tile_data.details
    assert view.tiles["today"].value.text().isdigit()  # the main tiles stay
    assert view.tiles["complaint"].value.text() == "—"
    assert view.goals.summary_label.text() == "目标统计失败"
    assert "数据库暂时无法读取" in view.message.text() and view.message.isVisible()
