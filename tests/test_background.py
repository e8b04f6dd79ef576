"""The one background helper (desktop.views.common.operations.start_in_background / Latest) and the start-up
scheduler that runs with it after the window's first paint."""

import threading
import time

from desktop.views.common import operations as tasks
from desktop.views.common.operations import Latest, in_gui_thread, start_in_background


def test_job_runs_off_the_gui_thread_and_reports_in_it(qtbot, database):
    seen = {}

    def job(_report):
        seen["job_on_gui"] = in_gui_thread()
        return 42

    def done(value):
        seen["done_on_gui"] = in_gui_thread()
        seen["value"] = value

    start_in_background(job, done)
    qtbot.waitUntil(lambda: "value" in seen, timeout=10_000)
    assert seen == {"job_on_gui": False, "done_on_gui": True, "value": 42}


def test_progress_reaches_the_gui_thread_in_order(qtbot, database):
    seen, done = [], []

    def job(report):
        for n in range(1, 4):
            report(n, 3, f"第{n}页")
        return "ok"

    start_in_background(
        job, done.append, on_progress=lambda d, t, text: seen.append((d, t, text, in_gui_thread()))
    )
    qtbot.waitUntil(lambda: done == ["ok"], timeout=10_000)
    assert seen == [(n, 3, f"第{n}页", True) for n in range(1, 4)]


def test_errors_reach_on_error_and_cancelled_jobs_report_nothing(qtbot, database):
    errors, results = [], []
    start_in_background(lambda _r: 1 / 0, results.append, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert isinstance(errors[0], ZeroDivisionError) and results == []

    gate = threading.Event()

    def slow(report):
        gate.wait(10)
        report(1, 1)  # raises Cancelled once cancelled
        return "late"

    task = start_in_background(slow, results.append, errors.append)
    task.cancel()
    gate.set()
    qtbot.waitUntil(lambda: not tasks.running_jobs(), timeout=10_000)
    qtbot.wait(20)
    assert results == [] and len(errors) == 1


def test_latest_keeps_only_the_newest_request(qtbot, database):
    got = []
    gate = threading.Event()
    latest = Latest()
    latest.start(lambda _r: (gate.wait(10), "old")[1], got.append)
    latest.start(lambda _r: "new", got.append)
    gate.set()
    qtbot.waitUntil(lambda: not tasks.running_jobs(), timeout=10_000)
    qtbot.wait(20)
    assert got == ["new"]


def test_a_gui_write_waits_for_a_background_write_instead_of_failing(qtbot, database):
    from desktop.models import Customer, db

    holding = threading.Event()

    def writer(_report):
        with db.atomic():
            Customer.create(code="BG1", name="后台", phone="13900000001")
            holding.set()
            time.sleep(0.4)  # the write lock is held meanwhile
        return True

    done = []
    start_in_background(writer, done.append)
    assert holding.wait(10)
    Customer.create(code="GUI1", name="前台", phone="13900000002")  # waits, then succeeds
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    assert {c.code for c in Customer.select()} >= {"BG1", "GUI1"}


def test_scheduler_runs_in_the_background_after_the_first_paint(qtbot, database, db_path, monkeypatch):
    from desktop import app as desktop_app
    from desktop.services.scheduling import scheduler

    calls = []

    def fake_run(today=None):
        calls.append(in_gui_thread())
        return {"created": {"首次回访": 2}, "total": 2, "warning": None}

    monkeypatch.setattr(scheduler, "run_scheduler", fake_run)
    window = desktop_app.show_main_window(db_path)
    qtbot.addWidget(window)
    assert calls == []  # not before the window is on screen
    with qtbot.waitSignal(window.ctx.events.visits_changed, timeout=20_000):  # the task lists refresh
        pass
    assert calls == [False]  # once, on a worker thread
    assert "已新建回访任务 2 个" in window.statusBar().currentMessage()


def test_sampling_page_first_shows_then_reads_its_preview_off_the_gui_thread(
    qtbot, database, db_path, monkeypatch
):
    from desktop.services.scheduling import plans
    from desktop.views.common.context import AppContext
    from desktop.views.sampling.sampling_view import SamplingView

    gate = threading.Event()
    on_gui = []
    real_preview, real_choices = plans.preview_plan, plans.filter_choices

    def preview(*args, **kwargs):
        on_gui.append(in_gui_thread())
        gate.wait(10)
        return real_preview(*args, **kwargs)

    def choices():
        on_gui.append(in_gui_thread())
        return real_choices()

    monkeypatch.setattr(plans, "preview_plan", preview)
    monkeypatch.setattr(plans, "filter_choices", choices)
    page = SamplingView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.show()
    page.on_shown()
    assert page.loading and page.warning_label.text() == "正在计算…"
    assert not page.create_button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: not page.choices_loading, timeout=20_000)
    assert len(on_gui) == 2 and not any(on_gui)
    assert page.warning_label.text() != "正在计算…"
