"""Starting the GUI: QApplication, fonts, the database, the main window."""

import sys
from pathlib import Path

from desktop import APP_ID, APP_NAME


def create_qapp():
    from PySide6.QtWidgets import QApplication

    from desktop.views.fonts import setup_app_font

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setOrganizationName(APP_ID)
        app.setApplicationName(APP_ID)
        app.setApplicationDisplayName(APP_NAME)
        setup_app_font(app)
        from PySide6.QtGui import QIcon

        from desktop.paths import resource_path

        app.setWindowIcon(QIcon(str(resource_path("icons", "huifang.png"))))
    return app


def build_main_window(db_path: Path):
    from desktop.views.context import AppContext
    from desktop.views.main_window import MainWindow

    return MainWindow(AppContext(db_path=db_path))


def ask_first_run(db_path: Path) -> str | None:
    """First launch with no database: "empty", "demo", or None (quit)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox()
    box.setWindowTitle(f"欢迎使用{APP_NAME}")
    box.setText(f"还没有数据库。\n将创建:{db_path}\n\n您想从空白开始,还是先用演示数据熟悉功能?")
    empty = box.addButton("空白开始", QMessageBox.AcceptRole)
    demo = box.addButton("使用演示数据", QMessageBox.ActionRole)
    box.addButton("退出", QMessageBox.RejectRole)
    box.exec()
    if box.clickedButton() is empty:
        return "empty"
    if box.clickedButton() is demo:
        return "demo"
    return None


def fill_demo(parent=None) -> None:
    from desktop.services.demo import generate_demo
    from desktop.views.tasks import run_with_progress

    run_with_progress(parent, "正在生成演示数据…", lambda report: generate_demo(progress=report))


def start_scheduler() -> str:
    """Set the working-day calendar from the settings and create the visit tasks now due.
    Returns a one-line summary for the status bar; a failure here never stops the start-up."""
    from desktop.services import scheduler

    try:
        scheduler.configure_calendar()
        return scheduler.describe(scheduler.run_scheduler()).replace("\n", " ")
    except Exception as exc:  # noqa: BLE001 - the app must open even if task creation fails
        return f"自动生成回访任务失败:{exc}。可稍后在命令行运行 huifang schedule 重试。"


def run_gui(db_path: Path, *, demo_if_new: bool = False) -> int:
    from PySide6.QtWidgets import QMessageBox

    from desktop.models.connection import DatabaseOpenError
    from desktop.services.bootstrap import open_app_database

    app = create_qapp()
    is_new = not db_path.exists()
    choice = "empty"
    if is_new:
        choice = "demo" if demo_if_new else ask_first_run(db_path)
        if choice is None:
            return 0
    try:
        open_app_database(db_path)
    except DatabaseOpenError as err:
        QMessageBox.critical(None, "无法打开数据库", str(err))
        return 2
    if is_new and choice == "demo":
        fill_demo()
    schedule_text = start_scheduler()
    window = build_main_window(db_path)
    window.statusBar().showMessage(schedule_text, 15000)
    window.show()
    return app.exec()
