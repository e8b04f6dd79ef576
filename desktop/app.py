"""Starting the GUI: QApplication, fonts, the database, the main window.

``create_qapp`` is the one place that configures the QApplication — Qt's own Chinese
translations, the font, the log file and the exception hook — for the app, the command-line
commands that draw (offscreen when there is no display) and the tests.
"""

import logging
import os
import sys
import threading
from pathlib import Path

from desktop import APP_ID, APP_NAME

log = logging.getLogger(__name__)

# Qt's own catalogues (QMessageBox buttons, context menus, print and preview dialogs)
QT_CATALOGUES = ("qtbase",)
LOCALE = "zh_CN"
_translators: list = []  # QTranslator objects must outlive the application's use of them
_hook = None
READ_ONLY_NOTE = "数据库已损坏，只读打开：请从备份恢复（文件 → 从备份恢复…）"


def create_qapp(*, interactive: bool = False):
    """The QApplication, created once and configured once. ``interactive``: the GUI proper, where
    an unexpected error shows a dialog (elsewhere it is logged and written to stderr). Without a
    display (no ``DISPLAY``/``WAYLAND_DISPLAY`` on Linux and no ``QT_QPA_PLATFORM``), Qt draws
    offscreen: PDFs and screenshots need no screen."""
    from PySide6.QtWidgets import QApplication

    from desktop.paths import has_display

    app = QApplication.instance()
    if app is None:
        if not has_display():
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(sys.argv[:1])
    if not app.property("huifang_configured"):
        _configure(app)
        app.setProperty("huifang_configured", True)
    if interactive:
        _hook.show_dialog = True
    return app


def _configure(app) -> None:
    from PySide6.QtGui import QIcon

    from desktop.paths import resource_path
    from desktop.services.common.logs import setup_logging
    from desktop.views.common.fonts import setup_app_font

    setup_logging()
    app.setOrganizationName(APP_ID)
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    load_qt_translations(app)
    setup_app_font(app)
    app.setWindowIcon(QIcon(str(resource_path("icons", "huifang.png"))))
    install_exception_hook()


def translation_folders() -> list[Path]:
    """Where Qt's .qm files are: PySide6's own folder (in a bundle too: PyInstaller's runtime hook
    points QLibraryInfo at it) and, as a fallback, the bundle's copy (build.spec)."""
    from PySide6.QtCore import QLibraryInfo

    folders = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        folders.append(Path(bundle) / "PySide6" / "Qt" / "translations")
    return folders


def load_qt_translations(app) -> list[str]:
    """Chinese for Qt's own words (是/否/确定, 撤销/复制/粘贴, the print dialogs); the default
    locale becomes zh_CN. Returns the catalogues loaded."""
    from PySide6.QtCore import QLocale, QTranslator

    QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
    loaded = []
    for name in QT_CATALOGUES:
        for folder in translation_folders():
            translator = QTranslator(app)
            if translator.load(f"{name}_{LOCALE}", str(folder)) and app.installTranslator(translator):
                _translators.append(translator)
                loaded.append(name)
                break
        else:
            log.warning("没有找到 Qt 的中文翻译 %s_%s.qm（查找位置：%s）", name, LOCALE, translation_folders())
    return loaded


def install_exception_hook():
    """``sys.excepthook`` and ``threading.excepthook`` → desktop.views.shell.error_dialog.ExceptionHook.
    A hook that was there before (pytest's thread hook, say) still gets every error too."""
    global _hook
    from desktop.views.shell.error_dialog import ExceptionHook

    if _hook is None:
        _hook = ExceptionHook()
    if sys.excepthook is not _hook:
        _hook.previous = sys.excepthook if sys.excepthook is not sys.__excepthook__ else None
        sys.excepthook = _hook
    if threading.excepthook != _hook.thread_hook:
        previous = threading.excepthook
        _hook.previous_thread = previous if previous is not threading.__excepthook__ else None
        threading.excepthook = _hook.thread_hook
    return _hook


def exception_hook():
    """The installed hook (None before ``create_qapp``)."""
    return _hook


def report_fatal(exc: BaseException) -> bool:
    """An unexpected error that ended the GUI's start-up (the windowed program has no console for
    the CLI's stderr line): logged and shown in the error dialog. False when no GUI is up."""
    if _hook is None or not _hook.show_dialog:
        return False
    _hook(type(exc), exc, exc.__traceback__)
    return True


def build_main_window(db_path: Path):
    from desktop.views.common.context import AppContext
    from desktop.views.shell.main_window import MainWindow

    return MainWindow(AppContext(db_path=db_path))


def keep_out_of_gc() -> None:
    """Once the window is on screen: collect what start-up left behind, then move every object
    alive now — modules, models, the window, which live as long as the app — out of the cyclic
    garbage collector's full passes (``gc.freeze``). A full pass over them took 90–160 ms on the
    benchmark data set and landed inside page opens at random; what is made afterwards is
    collected as before. The app calls it (``run_gui``), tests do not (their windows come and go)."""
    import gc

    gc.collect()
    gc.freeze()


def show_main_window(db_path: Path):
    """Build and show the main window. The visit-task scheduler (it reads the recent orders: a
    second or more on a big database) runs in the background once the window is on screen
    (``views.tasks``); its summary goes to the status bar and, when it made tasks, the pages
    showing tasks refresh. Its write is one short transaction: a save on the GUI thread meanwhile
    waits for it (WAL, busy timeout), never fails."""
    from desktop.models.connection import is_read_only
    from desktop.views.common.operations import start_in_background
    from desktop.views.common.widgets import after_first_paint

    window = build_main_window(db_path)
    window.scheduler_job = None
    if is_read_only():  # a damaged file opened read-only: the scheduler would write
        window.set_read_only(READ_ONLY_NOTE)
        window.show()
        return window

    def done(outcome: tuple[str, int]) -> None:
        summary, created = outcome
        window.statusBar().showMessage(summary, 15000)
        if created:
            window.ctx.events.visits_changed.emit()

    def start() -> None:
        window.scheduler_job = start_in_background(lambda _report: _scheduler_run(), done, owner=window)
        window.survey.arm()  # 设置 → 扫码评价 on: the phone page's server starts (off the GUI thread)

    after_first_paint(window, start)
    window.show()
    return window


def ask_first_run(db_path: Path) -> str | None:
    """First launch with no database: "empty", "demo" (the separate demo database), or None
    (quit)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.paths import demo_db_path

    demo_file = demo_db_path(db_path)
    box = QMessageBox()
    box.setWindowTitle(f"欢迎使用{APP_NAME}")
    box.setText(
        f"还没有数据库。\n将创建：{db_path}\n\n您想从空白开始，还是先用演示数据熟悉功能？"
        f"\n（演示数据单独存放在 {demo_file.name} 中，不会混入正式数据。）"
    )
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
    from desktop.services.demo.demo import generate_demo
    from desktop.views.common.operations import run_with_progress

    run_with_progress(parent, "正在生成演示数据…", lambda report: generate_demo(progress=report))


def start_scheduler() -> str:
    """Set the working-day calendar from the settings and create the visit tasks now due.
    Returns a one-line summary for the status bar; a failure here never stops the start-up."""
    return _scheduler_run()[0]


def _scheduler_run() -> tuple[str, int]:
    """``start_scheduler``'s summary and the number of tasks it created."""
    from desktop.services.scheduling import scheduler

    try:
        scheduler.configure_calendar()
        result = scheduler.run_scheduler()
        return scheduler.describe(result).replace("\n", " "), result["total"]
    except Exception as exc:  # noqa: BLE001 - the app must open even if task creation fails
        return f"自动生成回访任务失败：{exc}。可稍后在命令行运行 huifang schedule 重试。", 0


def open_checked(db_path: Path) -> bool:
    """Open the database. When the file is damaged or not a database (the quick check at start,
    or an error while opening), offer to restore the newest good backup — or, for a damaged file
    SQLite still reads, to open it read-only (``connection.is_read_only`` says so afterwards).
    False: the database cannot be used and the user was told."""
    import sqlite3

    import peewee as pw
    from PySide6.QtWidgets import QMessageBox

    from desktop.models.connection import DatabaseDamagedError, DatabaseOpenError
    from desktop.services.maintenance import backup
    from desktop.services.maintenance.bootstrap import open_app_database
    from desktop.views.settings.backup_dialog import READ_ONLY, offer_restore_at_startup

    unusable = (backup.DAMAGED, backup.NOT_DATABASE)
    readable = False  # a damaged file SQLite still reads: 只读打开 is offered
    try:
        # opening runs SQLite's quick check first (~1 s for 100k visits): a damaged file is
        # refused before anything is written to it
        open_app_database(db_path)
        return True
    except DatabaseDamagedError as err:
        problem, readable = str(err), True
    except DatabaseOpenError as err:
        verdict = backup.check(db_path, quick=True)
        if verdict.status not in unusable:  # a newer version's file, …
            QMessageBox.critical(None, "无法打开数据库", str(err))
            return False
        problem = verdict.message
    except (sqlite3.DatabaseError, pw.DatabaseError) as err:
        problem = f"数据库 {db_path} 无法读取（{err}），文件可能已损坏。"
    choice = offer_restore_at_startup(db_path, problem, read_only=readable)
    if choice is None:
        return False
    try:
        if choice == READ_ONLY:
            from desktop.models.connection import open_read_only

            log.warning("数据库 %s 已损坏，只读打开", db_path)
            open_read_only(db_path)
            return True
        open_app_database(db_path)
        return True
    except (DatabaseOpenError, sqlite3.DatabaseError, pw.DatabaseError) as err:
        QMessageBox.critical(None, "无法打开数据库", str(err))
        return False


def signed_in() -> bool:
    """With sign-in accounts on (设置 → 账号): the login (and a forced password change); False
    when the person quit instead. With accounts off: True, no dialog. A database opened
    read-only: the 只读 role, no dialog."""
    from desktop.models.connection import is_read_only
    from desktop.services.admin import accounts
    from desktop.views.shell.login_dialog import sign_in_at_start

    if is_read_only():  # a login writes (failures, last sign-in): the 只读 role without one
        accounts.sign_in_read_only()
        return True
    return sign_in_at_start()


def _run_gui_server(app, url: str) -> int:
    """The GUI on a shared PostgreSQL database (backups are the server's job: pg_dump)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.models.connection import DatabaseOpenError, close_database
    from desktop.services.maintenance.bootstrap import open_app_database

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


class _Session:
    """The main window on screen and the database file it shows (it changes when 新建正式数据库
    leaves the demo database)."""

    window = None
    db_path: Path | None = None


def attach_demo(window, real_db: Path) -> None:
    """Mark ``window`` as showing the demo database and let its 新建正式数据库 switch to
    ``real_db``."""
    window.set_demo(real_db)
    window.real_database_requested.connect(lambda: switch_to_real_database(window, real_db))


def switch_to_real_database(window, real_db: Path):
    """新建正式数据库: ask, then open (creating it empty when missing) the real database and show
    a new main window on it in place of ``window``. Returns the new window, or None (cancelled,
    or the real database could not be opened: the demo stays open)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.models.connection import close_database

    demo_path = window.ctx.db_path
    if real_db.exists():
        text = f"正式数据库已经存在：\n{real_db}\n\n关闭演示数据，切换到正式数据库吗？"
    else:
        text = (
            f"将新建一个空白的正式数据库：\n{real_db}\n\n"
            f"演示数据留在 {demo_path.name} 中，不会带入正式数据库；以后用 huifang --demo 仍可打开演示数据。"
            "\n\n现在新建并切换过去吗？"
        )
    answer = QMessageBox.question(window, "新建正式数据库", text, QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    if answer != QMessageBox.Yes:
        return None
    if hasattr(window, "may_leave_pages") and not window.may_leave_pages():
        return None
    log.info("从演示数据库 %s 切换到正式数据库 %s", demo_path, real_db)
    survey = getattr(window, "survey", None)
    if survey is not None:
        survey.stop()  # the phone page follows the database the new window opens
    close_database()
    if not open_checked(real_db) or not signed_in():
        close_database()
        open_checked(demo_path)  # back on the demo database, as it was
        if survey is not None:
            survey.arm()
        return None
    new_window = show_main_window(real_db)
    new_window.statusBar().showMessage(f"已切换到正式数据库：{real_db}", 10000)
    _Session.window, _Session.db_path = new_window, real_db
    window.close()
    window.deleteLater()
    return new_window


def pick_database(db_path: Path, *, demo: bool = False) -> Path | None:
    """The file the GUI opens: the demo database beside ``db_path`` with ``demo``; else
    ``db_path`` — or, when it does not exist yet, what the first-run question chose (the demo
    file for 使用演示数据). None: the person chose 退出."""
    from desktop.paths import demo_db_path, is_demo_path, real_db_path

    real_db = real_db_path(db_path) if is_demo_path(db_path) else db_path
    if demo:
        return demo_db_path(real_db)
    if db_path.exists():
        return db_path
    choice = ask_first_run(db_path)
    if choice is None:
        return None
    return demo_db_path(real_db) if choice == "demo" else db_path


def clean_user_folders() -> list[Path]:
    """Temporary files a killed export or import left in the folders last exported to and
    imported from (its error report goes beside the file); the data folder's own are cleaned
    when the database opens (``bootstrap.clean_leftovers``)."""
    from PySide6.QtCore import QSettings

    from desktop.services.common import safe_files
    from desktop.views.intake.import_view import LAST_DIR_KEY as IMPORT_DIR_KEY
    from desktop.views.report.export_dialog import LAST_DIR_KEY

    settings = QSettings()
    return safe_files.clean_stale([settings.value(LAST_DIR_KEY), settings.value(IMPORT_DIR_KEY)])


def run_gui(db_path: Path | str, *, demo: bool = False) -> int:
    """The GUI. ``demo`` (``huifang --demo``, run.sh): open the demo database beside the real one
    (``huifang-demo.db``, filled on first use); the real database is never given demo data."""
    from desktop.paths import has_display, is_demo_path, real_db_path
    from desktop.views.common.widgets import after_first_paint
    from desktop.views.settings.backup_dialog import daily_backup, exit_backup

    if not has_display():
        print(
            "错误：没有图形显示（未设置 DISPLAY 或 WAYLAND_DISPLAY），无法打开窗口。"
            "请在桌面环境中启动，或使用命令行命令（huifang --help）。",
            file=sys.stderr,
        )
        return 2
    app = create_qapp(interactive=True)
    clean_user_folders()
    if isinstance(db_path, str):  # a postgresql:// URL: no file, no first-run choice, no backups
        return _run_gui_server(app, db_path)
    real_db = real_db_path(db_path) if is_demo_path(db_path) else db_path
    db_path = pick_database(db_path, demo=demo)
    if db_path is None:
        return 0
    is_new = not db_path.exists()
    log.info("打开图形界面，数据库 %s%s", db_path, "（新建）" if is_new else "")
    if not open_checked(db_path):
        return 2
    if is_new and db_path != real_db:
        fill_demo()
    if not signed_in():
        from desktop.models.connection import close_database

        close_database()
        return 0
    window = show_main_window(db_path)
    after_first_paint(window, keep_out_of_gc)
    if db_path != real_db:
        attach_demo(window, real_db)
    _Session.window, _Session.db_path = window, db_path  # kept alive while the event loop runs
    from desktop.models.connection import close_database, is_read_only

    if not is_new and not is_read_only():  # a backup at most a day old; a new database: at exit
        after_first_paint(window, lambda: daily_backup(window, db_path))
    code = app.exec()
    if not is_read_only():  # a damaged file opened read-only is no backup (restored: it is)
        exit_backup(_Session.db_path)

    close_database()  # checkpoints and removes the -wal file: the next start knows it was clean
    _Session.window = None
    return code
