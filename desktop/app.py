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


def show_main_window(db_path: Path):
    """Build and show the main window. The visit-task scheduler (it reads the recent orders: a
    second or more on a big database) runs in the background once the window is on screen
    (``views.tasks``); its summary goes to the status bar and, when it made tasks, the pages
    showing tasks refresh. Its write is one short transaction: a save on the GUI thread meanwhile
    waits for it (WAL, busy timeout), never fails."""
    from desktop.views.tasks import start_in_background
    from desktop.views.widgets import after_first_paint

    window = build_main_window(db_path)

    def done(outcome: tuple[str, int]) -> None:
        summary, created = outcome
        window.statusBar().showMessage(summary, 15000)
        if created:
            window.ctx.events.visits_changed.emit()

    def start() -> None:
        window.scheduler_job = start_in_background(lambda _report: _scheduler_run(), done, owner=window)

    window.scheduler_job = None
    after_first_paint(window, start)
    window.show()
    return window


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
    return _scheduler_run()[0]


def _scheduler_run() -> tuple[str, int]:
    """``start_scheduler``'s summary and the number of tasks it created."""
    from desktop.services import scheduler

    try:
        scheduler.configure_calendar()
        result = scheduler.run_scheduler()
        return scheduler.describe(result).replace("\n", " "), result["total"]
    except Exception as exc:  # noqa: BLE001 - the app must open even if task creation fails
        return f"自动生成回访任务失败:{exc}。可稍后在命令行运行 huifang schedule 重试。", 0


def _closed_uncleanly(db_path: Path) -> bool:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.exists() and wal.exists() and wal.stat().st_size > 0


def open_checked(db_path: Path) -> bool:
    """Open the database. When the file is damaged or not a database (the quick check at start,
    or an error while opening), offer to restore the newest good backup. False: the database
    cannot be used and the user was told."""
    import sqlite3

    import peewee as pw
    from PySide6.QtWidgets import QMessageBox

    from desktop.models.connection import DatabaseOpenError
    from desktop.services import backup
    from desktop.services.bootstrap import open_app_database
    from desktop.views.backup_dialog import offer_restore_at_startup

    unusable = (backup.DAMAGED, backup.NOT_DATABASE)
    if _closed_uncleanly(db_path):
        # the whole-file check costs ~0.3 s per 100 MB: only after a crash or power cut (a clean
        # exit checkpoints and removes the -wal file); otherwise opening it finds gross damage
        verdict = backup.check(db_path, quick=True)
        if verdict.status in unusable and not offer_restore_at_startup(db_path, verdict.message):
            return False
    try:
        open_app_database(db_path)
        return True
    except DatabaseOpenError as err:
        verdict = backup.check(db_path, quick=True)
        if verdict.status not in unusable:  # a newer version's file, …
            QMessageBox.critical(None, "无法打开数据库", str(err))
            return False
        problem = verdict.message
    except (sqlite3.DatabaseError, pw.DatabaseError) as err:
        problem = f"数据库 {db_path} 无法读取({err}),文件可能已损坏。"
    if not offer_restore_at_startup(db_path, problem):
        return False
    try:
        open_app_database(db_path)
        return True
    except (DatabaseOpenError, sqlite3.DatabaseError, pw.DatabaseError) as err:
        QMessageBox.critical(None, "无法打开数据库", str(err))
        return False


def signed_in() -> bool:
    """With sign-in accounts on (设置 → 账号): the login (and a forced password change); False
    when the person quit instead. With accounts off: True, no dialog."""
    from desktop.views.login_dialog import sign_in_at_start

    return sign_in_at_start()


def _run_gui_server(app, url: str) -> int:
    """The GUI on a shared PostgreSQL database (backups are the server's job: pg_dump)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.models.connection import DatabaseOpenError, close_database
    from desktop.services.bootstrap import open_app_database

    try:
        open_app_database(url)
    except DatabaseOpenError as err:
        QMessageBox.critical(None, "无法打开数据库", str(err))
        return 2
    if not signed_in():
        close_database()
        return 0
    window = show_main_window(url)  # noqa: F841 — kept alive while the event loop runs
    code = app.exec()
    close_database()
    return code


def run_gui(db_path: Path | str, *, demo_if_new: bool = False) -> int:
    from desktop.views.backup_dialog import daily_backup, exit_backup
    from desktop.views.widgets import after_first_paint

    app = create_qapp()
    if isinstance(db_path, str):  # a postgresql:// URL: no file, no first-run choice, no backups
        return _run_gui_server(app, db_path)
    is_new = not db_path.exists()
    choice = "empty"
    if is_new:
        choice = "demo" if demo_if_new else ask_first_run(db_path)
        if choice is None:
            return 0
    if not open_checked(db_path):
        return 2
    if is_new and choice == "demo":
        fill_demo()
    if not signed_in():
        from desktop.models.connection import close_database

        close_database()
        return 0
    window = show_main_window(db_path)  # kept alive while the event loop runs
    if not is_new:  # a backup at most a day old; a new database gets its first one at exit
        after_first_paint(window, lambda: daily_backup(window, db_path))
    code = app.exec()
    exit_backup(db_path)
    from desktop.models.connection import close_database

    close_database()  # checkpoints and removes the -wal file: the next start knows it was clean
    return code
