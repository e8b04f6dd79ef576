"""Demo data lives in its own file beside the real database (issue 11 item 12): ``huifang
--demo``, run.sh and the first-run 使用演示数据 open ``huifang-demo.db``; the title bar says
演示数据; 新建正式数据库 switches to the real, empty database. The title never repeats the
app's name (item 13)."""

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import APP_NAME, app
from desktop.cli import main
from desktop.models import Customer
from desktop.models.connection import close_database
from desktop.paths import DATA_ENV, DB_ENV, demo_db_path, is_demo_path, real_db_path
from desktop.services.demo.demo import generate_demo
from desktop.services.maintenance.bootstrap import open_app_database
from desktop.views.shell.main_window import DEMO_TITLE, WINDOW_TITLE


def platform_title(window) -> str:
    """The title bar as Qt's platform plugins (xcb, windows) draw it: the application display
    name is appended unless the title already ends with it (QPlatformWindow::formatWindowTitle)."""
    title, name = window.windowTitle(), QApplication.applicationDisplayName()
    return title if title.endswith(name) else f"{title} — {name}"


def answer_box(clicks: list, choose):
    """From a timer: answer the next QMessageBox with ``choose(box)`` (a button), noting its text."""

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        clicks.append(box.text())
        choose(box).click()

    QTimer.singleShot(0, answer)


def test_demo_file_sits_beside_the_real_one(tmp_path):
    real = tmp_path / "huifang.db"
    assert demo_db_path(real) == tmp_path / "huifang-demo.db"
    assert real_db_path(demo_db_path(real)) == real
    assert is_demo_path(demo_db_path(real)) and not is_demo_path(real)


def test_demo_flag_opens_the_demo_file_never_the_real_one(tmp_path):
    real = tmp_path / "huifang.db"
    assert app.pick_database(real, demo=True) == tmp_path / "huifang-demo.db"
    real.write_bytes(b"")  # even when the real one exists
    assert app.pick_database(real, demo=True) == tmp_path / "huifang-demo.db"


@pytest.mark.parametrize(("button", "expected"), [("使用演示数据", "huifang-demo.db"), ("空白开始", "huifang.db")])
def test_first_run_choice(qtbot, tmp_path, button, expected):
    real = tmp_path / "huifang.db"
    clicks: list = []
    answer_box(clicks, lambda box: next(b for b in box.buttons() if b.text() == button))
    assert app.pick_database(real) == tmp_path / expected
    assert "huifang-demo.db" in clicks[0]  # the question says where demo data goes
    assert not real.exists()


def test_demo_command_without_db_fills_the_demo_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    monkeypatch.delenv(DB_ENV, raising=False)
    try:
        assert main(["demo", "--customers", "3"]) == 0
    finally:
        close_database()
    assert (tmp_path / "huifang-demo.db").exists()
    assert not (tmp_path / "huifang.db").exists()
    assert "huifang-demo.db" in capsys.readouterr().out


@pytest.fixture
def gui_run(monkeypatch):
    """run_gui turns the error dialog on for the session's hook: off again afterwards."""
    monkeypatch.setattr(app.exception_hook(), "show_dialog", False)


def test_huifang_demo_runs_the_app_on_the_demo_file(qtbot, tmp_path, gui_run):
    """``huifang --db huifang.db --demo`` (what run.sh does): the window shows huifang-demo.db,
    filled with demo data, and says 演示数据; huifang.db is not created."""
    real = tmp_path / "huifang.db"
    seen: dict = {}

    def look_then_close():
        window = app._Session.window
        if window is None or not window.isVisible():
            QTimer.singleShot(50, look_then_close)
            return
        seen["db"] = window.ctx.db_path
        seen["title"] = window.windowTitle()
        seen["customers"] = Customer.select().count()
        window.close()

    QTimer.singleShot(0, look_then_close)
    assert main(["--db", str(real), "--demo"]) == 0
    assert seen["db"] == tmp_path / "huifang-demo.db"
    assert seen["title"] == DEMO_TITLE and "演示数据" in seen["title"]
    assert seen["customers"] > 0  # filled with demo data
    assert not real.exists()


@pytest.fixture
def demo_window(qtbot, tmp_path):
    demo = tmp_path / "huifang-demo.db"
    open_app_database(demo)
    generate_demo(customers=4, seed=3)
    window = app.build_main_window(demo)
    qtbot.addWidget(window)
    app.attach_demo(window, tmp_path / "huifang.db")
    window.show()
    yield window
    if app._Session.window is not None and app._Session.window is not window:
        app._Session.window.close()
    app._Session.window = None
    close_database()


def test_demo_window_says_so_and_offers_the_real_database(demo_window):
    assert demo_window.windowTitle() == DEMO_TITLE
    assert platform_title(demo_window).count(APP_NAME) == 1
    assert demo_window.demo_note.isVisible()
    assert "新建正式数据库" in demo_window.demo_note.text()
    assert demo_window._new_real_action.isVisible()


def test_new_real_database_asks_then_switches_to_an_empty_real_file(demo_window, tmp_path, qtbot):
    clicks: list = []
    answer_box(clicks, lambda box: box.button(QMessageBox.Yes))
    demo_window._new_real_action.trigger()
    new = app._Session.window
    assert "新建" in clicks[0] and "huifang-demo.db" in clicks[0]
    assert new is not None and new is not demo_window
    assert new.ctx.db_path == tmp_path / "huifang.db"
    assert (tmp_path / "huifang.db").exists()
    assert Customer.select().count() == 0  # the real database starts empty
    assert new.windowTitle() == WINDOW_TITLE and "演示数据" not in new.windowTitle()
    assert not new.demo_note.isVisible() and not new._new_real_action.isVisible()
    assert not demo_window.isVisible()
    close_database()
    open_app_database(tmp_path / "huifang-demo.db")
    assert Customer.select().count() == 4  # the demo data stayed where it was


def test_new_real_database_answered_no_changes_nothing(demo_window, tmp_path, qtbot):
    clicks: list = []
    answer_box(clicks, lambda box: box.button(QMessageBox.No))
    demo_window.demo_note.linkActivated.emit("new")  # the 新建正式数据库… link in the status bar
    assert clicks and app._Session.window is None
    assert not (tmp_path / "huifang.db").exists()
    assert demo_window.isVisible() and Customer.select().count() == 4


def test_title_names_the_app_once(qtbot, database, db_path):
    window = app.build_main_window(db_path)
    qtbot.addWidget(window)
    assert window.windowTitle() == WINDOW_TITLE
    assert platform_title(window) == f"售后服务回访与满意度管理 — {APP_NAME}"
    assert platform_title(window).count(APP_NAME) == 1


@pytest.mark.qt_no_exception_capture
def test_an_error_while_the_window_starts_is_shown_not_lost(qtbot, tmp_path, gui_run, monkeypatch):
    """HuiFang.exe has no console: an unexpected error in start-up shows the error dialog (and
    goes to the log) instead of a stderr line nobody sees."""
    from desktop.services.common import logs
    from desktop.views.shell.error_dialog import ErrorDialog

    def broken(_path):
        raise RuntimeError("主窗口无法创建 99")

    monkeypatch.setattr(app, "show_main_window", broken)
    seen: dict = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ErrorDialog):
            QTimer.singleShot(20, answer)
            return
        seen["text"] = dialog.summary_label.text()
        dialog.close_button.click()

    QTimer.singleShot(0, answer)
    open_app_database(tmp_path / "huifang.db")
    close_database()
    assert main(["--db", str(tmp_path / "huifang.db")]) == 1
    close_database()
    assert "主窗口无法创建 99" in seen["text"]
    logs.flush()
    assert "主窗口无法创建 99" in logs.current_log().read_text(encoding="utf-8")
