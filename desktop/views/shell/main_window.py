"""The shell: navigation, status bar, menus. Each page lives in its own module."""

import logging
import sqlite3

import peewee as pw
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME, __version__
from desktop.models.connection import is_db_url, is_read_only, shown_name
from desktop.services.admin import accounts

from ..common.context import AppContext
from ..common.pages import PAGES, PageSpec, allowed, load_page_class
from ..settings.survey_switch import SurveySwitch
from .scan_box import ScanBox, ScannerFilter
from .status_bar import ElidedLabel, ElidingStatusBar, fit_geometry, fits, frame_margins

NAV_WIDTH = 128
# ends with the application name, so the platform adds no second "— 回访通" (Qt appends
# applicationDisplayName to a title that does not end with it)
log = logging.getLogger(__name__)

WINDOW_TITLE = f"售后服务回访与满意度管理 — {APP_NAME}"
DEMO_TITLE = f"【演示数据】{WINDOW_TITLE}"
DEMO_NOTE_STYLE = "QLabel#demoNote { background: #fff4ce; border: 1px solid #e0c97a; padding: 0 6px; }"
READ_ONLY_TITLE = f"【只读】{WINDOW_TITLE}"
READ_ONLY_STYLE = "QLabel#readOnlyNote { background: #fde2e1; color: #a4262c; font-weight: bold; padding: 2px 8px; }"
NAV_STYLE = """
QListWidget#nav { background: #f2f4f7; border: none; border-right: 1px solid #d9dde3; padding-top: 6px; }
QListWidget#nav::item { padding: 9px 14px; color: #1f2933; }
QListWidget#nav::item:hover { background: #e3e8ef; }
QListWidget#nav::item:selected { background: #1f6fb2; color: white; }
"""


class MainWindow(QMainWindow):
    # 新建正式数据库 on the demo database (desktop.app.attach_demo switches the window over)
    real_database_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.real_db = None  # set by set_demo: the real database beside the demo one
        self.read_only = False  # set by set_read_only: a damaged database opened read-only
        self.setWindowTitle(WINDOW_TITLE)
        self._pages: dict[str, QWidget] = {}
        self._specs = {spec.id: spec for spec in PAGES}

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setStyleSheet(NAV_STYLE)
        self.nav.setFocusPolicy(Qt.NoFocus)
        for spec in PAGES:
            item = QListWidgetItem(spec.title)
            item.setData(Qt.UserRole, spec.id)
            item.setToolTip(spec.title)
            self.nav.addItem(item)
        self.stack = QStackedWidget()
        # a damaged database opened read-only (shown by set_read_only): above every page
        self.read_only_note = QLabel()
        self.read_only_note.setObjectName("readOnlyNote")
        self.read_only_note.setStyleSheet(READ_ONLY_STYLE)
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setVisible(False)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.read_only_note)
        layout = QHBoxLayout()
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        outer.addLayout(layout, 1)
        self.setCentralWidget(central)

        # 扫码录入 (Ctrl+L): a scanned paper form opens its task or visit
        self.scan_box = ScanBox(ctx)
        scan_bar = self.addToolBar("扫码录入")
        scan_bar.setObjectName("scanBar")
        scan_bar.setMovable(False)
        scan_bar.addWidget(self.scan_box)
        scan_action = QAction("扫码录入", self)
        scan_action.setShortcut(QKeySequence("Ctrl+L"))
        scan_action.setShortcutContext(Qt.ApplicationShortcut)
        scan_action.triggered.connect(self.scan_box.focus_input)
        self.addAction(scan_action)

        self.setStatusBar(ElidingStatusBar())  # long messages cut with …, never over the labels
        # 演示数据 · 新建正式数据库… (shown by set_demo; costs no height on a 720 px screen)
        self.demo_note = QLabel("演示数据 · <a href='new'>新建正式数据库…</a>")
        self.demo_note.setObjectName("demoNote")
        self.demo_note.setStyleSheet(DEMO_NOTE_STYLE)
        self.demo_note.linkActivated.connect(lambda _link: self.real_database_requested.emit())
        self.demo_note.setVisible(False)
        self.statusBar().addPermanentWidget(self.demo_note)
        self._user_label = QLabel()
        self.statusBar().addPermanentWidget(self._user_label)
        self._db_label = ElidedLabel(f"数据库：{shown_name(ctx.db_path)}", mode=Qt.ElideMiddle)
        self._db_label.setMaximumWidth(360)
        self._db_label.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)  # room before messages
        self.statusBar().addPermanentWidget(self._db_label)
        self._page_actions: dict[str, QAction] = {}
        self._build_menus()

        self.nav.currentRowChanged.connect(self._on_nav)
        ctx.events.open_page.connect(self.open_page)
        ctx.events.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        # 设置 → 扫码评价: the phone page's server, followed once the app arms it (app.py)
        self.survey = SurveySwitch(ctx, self)
        self._restore_geometry()
        self.apply_role()
        self.scanner = ScannerFilter(self, self.scan_box)  # a scan wherever the cursor is
        QTimer.singleShot(0, self, self.offer_recovery)  # a 回访表 left unsaved last time

    # -- pages
    def page(self, page_id: str) -> QWidget:
        """The page widget, created on first use."""
        if page_id not in self._pages:
            spec: PageSpec = self._specs[page_id]
            widget = load_page_class(spec)(self.ctx)
            widget.setObjectName(f"page_{page_id}")
            if hasattr(widget, "accounts_changed"):  # 设置 → 账号
                widget.accounts_changed.connect(self.on_accounts_changed)
            self._pages[page_id] = widget
            self.stack.addWidget(widget)
        return self._pages[page_id]

    def show_page(self, page_id: str) -> QWidget | None:
        """Make the page current; None (and a status-bar note) when the signed-in role may not
        open it."""
        row = next(i for i, spec in enumerate(PAGES) if spec.id == page_id)
        if not allowed(PAGES[row]):
            self.statusBar().showMessage(f"当前账号没有“{PAGES[row].title}”页面的权限。", 5000)
            return None
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)
        return self._pages[page_id]

    def open_page(self, page_id: str, kwargs: dict | None = None) -> None:
        widget = self.show_page(page_id)
        if widget is not None and kwargs and hasattr(widget, "open_with"):
            widget.open_with(**kwargs)

    # -- who is signed in (desktop.services.admin.accounts; nothing changes with sign-in off)
    def apply_role(self) -> None:
        """Show the pages and menu entries the signed-in person may use, name them in the status
        bar, and start on their first page."""
        for row, spec in enumerate(PAGES):
            self.nav.setRowHidden(row, not allowed(spec))
            self._page_actions[spec.id].setVisible(allowed(spec))
        me = accounts.current()
        self._role = me.role if me is not None else None
        self._user_label.setText(f"当前用户：{me.label}" if me else "")
        self._user_label.setVisible(me is not None)
        self._account_menu.menuAction().setVisible(me is not None)
        for action in (self._backup_action, self._restore_action):  # whole copies of the data
            may = accounts.can(accounts.MANAGE) or (action is self._restore_action and self.read_only)
            action.setEnabled(may)
            action.setToolTip("" if may else "只有主管可以备份和恢复数据库")
        for action in (self._export_action, self._merge_action):  # every caller's visits
            action.setEnabled(accounts.can(accounts.SEE_ALL))
            action.setToolTip(
                "" if accounts.can(accounts.SEE_ALL) else "总部工作簿由主管或只读（总部）账号导出"
            )
        current = self.nav.currentRow()
        if current < 0 or not allowed(PAGES[current]):
            first = next((i for i, spec in enumerate(PAGES) if allowed(spec)), 0)
            self.nav.setCurrentRow(first)

    def may_leave_pages(self) -> bool:
        """Every open page agrees to be dropped (a page with unsaved work defines ``may_leave``
        and asks its own question), and so does the counter screen when a customer is answering
        on it (it asks; agreed, it closes)."""
        if not all(page.may_leave() for page in self._pages.values() if hasattr(page, "may_leave")):
            return False
        from ..counter.counter_panel import current_panel

        panel = current_panel()
        if panel is None or not panel.isVisible():
            return True
        panel.end()
        return not panel.isVisible()

    def switch_user(self) -> None:
        """切换用户: offer to keep unsaved work, sign out, sign in again (or quit), and rebuild
        the pages for the new role with nothing of the previous person's left on screen."""
        from .login_dialog import sign_in_at_start

        if not self.may_leave_pages():
            return
        accounts.sign_out()
        self.hide()
        self.scan_box.clear()
        self.statusBar().clearMessage()
        if not sign_in_at_start(self):
            self.close()
            return
        self.reload_pages()
        self.apply_role()
        self.show()
        self.offer_recovery()

    def offer_recovery(self) -> None:
        """恢复 / 丢弃 the 回访表 a killed program left unsaved (desktop.views.visit_form.visit_recovery)."""
        from ..visit_form.visit_recovery import offer_recovery

        offer_recovery(self)

    def change_password(self) -> None:
        from .login_dialog import ChangePasswordDialog

        if ChangePasswordDialog(self).exec():
            self.statusBar().showMessage("密码已修改。", 5000)

    def on_accounts_changed(self) -> None:
        """Sign-in was turned on or off, or accounts changed (设置 → 账号): the pages are built
        anew when the signed-in person's role changed (they read it once, when built)."""
        me = accounts.current()
        role = me.role if me is not None else None
        if role != self._role:
            self._role = role
            self.reload_pages()
        self.apply_role()
        if PAGES[self.nav.currentRow()].id == "settings":  # back where the change was made
            self.open_page("settings", {"tab": "accounts"})

    def _on_nav(self, row: int) -> None:
        if row < 0:
            return
        try:
            widget = self.page(PAGES[row].id)
            self.stack.setCurrentWidget(widget)
            if hasattr(widget, "on_shown"):
                widget.on_shown()
        except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
            if not self.read_only:
                raise
            self._show_unreadable(PAGES[row], exc)

    def _show_unreadable(self, spec: PageSpec, exc: Exception) -> None:
        """A page of a damaged database opened read-only that cannot read its data: a Chinese
        note in its place (the page is built again after 从备份恢复)."""
        text = f"“{spec.title}”页面的数据无法读取：数据库已损坏（{exc}）。请从备份恢复（文件 → 从备份恢复…）。"
        log.warning("%s", text)
        old = self._pages.pop(spec.id, None)
        if old is not None:
            self.stack.removeWidget(old)
            old.deleteLater()
        note = QLabel(text)
        note.setObjectName(f"page_{spec.id}")
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignCenter)
        note.setStyleSheet(READ_ONLY_STYLE.replace("#readOnlyNote", ""))
        self._pages[spec.id] = note
        self.stack.addWidget(note)
        self.stack.setCurrentWidget(note)
        self.statusBar().showMessage(text, 15000)

    # -- the demo database (desktop.app.attach_demo)
    def set_demo(self, real_db) -> None:
        """This window shows the demo database: say so in the title bar and the status bar, and
        offer 新建正式数据库 (creates or opens ``real_db``)."""
        self.real_db = real_db
        self.setWindowTitle(DEMO_TITLE)
        self.demo_note.setToolTip(
            f"正在使用演示数据（{self.ctx.db_path.name}）：客户、工单和回访都是虚构的。\n"
            f"正式使用前，请新建正式数据库 {real_db.name}（空白，演示数据不会带入）。"
        )
        self.demo_note.setVisible(True)
        self._new_real_action.setVisible(True)

    # -- a damaged database opened read-only (desktop.app.show_main_window)
    def set_read_only(self, text: str) -> None:
        """This window shows a damaged database opened read-only: say so above every page and in
        the title bar; 从备份恢复 stays open to the 只读 session (it is the way out)."""
        self.read_only = True
        self.setWindowTitle(READ_ONLY_TITLE)
        self.read_only_note.setText(text)
        self.read_only_note.setVisible(True)
        self.apply_role()

    def _leave_read_only(self) -> None:
        """Restored from a backup: the database is open for writing again; sign in as usual."""
        from .login_dialog import sign_in_at_start

        self.read_only = False
        self.read_only_note.setVisible(False)
        self.setWindowTitle(WINDOW_TITLE)
        accounts.sign_out()
        if not sign_in_at_start(self):
            self.close()
            return
        self.apply_role()

    # -- menus
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("文件(&F)")
        self._new_real_action = QAction("新建正式数据库(&N)…", self)
        self._new_real_action.triggered.connect(self.real_database_requested)
        self._new_real_action.setVisible(False)
        file_menu.addAction(self._new_real_action)
        self._export_action = QAction("导出总部工作簿(&E)…", self)
        self._export_action.triggered.connect(self.export_workbook)
        file_menu.addAction(self._export_action)
        self._merge_action = QAction("合并分支工作簿(&M)…", self)
        self._merge_action.triggered.connect(self.consolidate_workbooks)
        file_menu.addAction(self._merge_action)
        file_menu.addSeparator()
        for text, slot in (
            ("备份数据库(&B)…", self.backup_database),
            ("从备份恢复(&R)…", self.restore_database),
            ("检查数据库(&C)", self.check_database),
        ):
            action = QAction(text, self)
            action.triggered.connect(slot)
            file_menu.addAction(action)
            if slot == self.restore_database:
                self._restore_action = action
            elif slot == self.backup_database:
                self._backup_action = action
        file_menu.addSeparator()
        quit_action = QAction("退出(&X)", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # Windows has no standard Quit key
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        go_menu = self.menuBar().addMenu("页面(&G)")
        for i, spec in enumerate(PAGES):
            action = QAction(spec.title, self)
            if i < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _=False, pid=spec.id: self.show_page(pid))
            go_menu.addAction(action)
            self._page_actions[spec.id] = action
        self._account_menu = self.menuBar().addMenu("账号(&A)")
        for text, slot in (("修改密码(&P)…", self.change_password), ("切换用户(&U)…", self.switch_user)):
            action = QAction(text, self)
            action.triggered.connect(slot)
            self._account_menu.addAction(action)
        help_menu = self.menuBar().addMenu("帮助(&H)")
        guide = QAction("使用指南(&G)", self)
        guide.setShortcut(QKeySequence(Qt.Key_F1))
        guide.setShortcutContext(Qt.ApplicationShortcut)
        guide.triggered.connect(self.show_guide)
        help_menu.addAction(guide)
        self.addAction(guide)  # F1 from anywhere in the window, as 扫码录入's Ctrl+L
        template = QAction("下载导入模板(&T)…", self)
        template.triggered.connect(self._save_import_template)
        help_menu.addAction(template)
        help_menu.addSeparator()
        about = QAction("关于回访通", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def show_guide(self):
        from .help_dialog import show_guide

        return show_guide(self)

    def _save_import_template(self) -> None:
        from .help_dialog import save_import_template

        path = save_import_template(self)
        if path is not None:
            self.statusBar().showMessage(f"导入模板已保存到 {path}", 8000)

    def export_workbook(self) -> None:
        from ..report.export_dialog import ExportDialog  # openpyxl is loaded only when exporting

        ExportDialog(self.ctx, self).exec()

    def consolidate_workbooks(self) -> None:
        from ..report.export_dialog import ConsolidateDialog

        ConsolidateDialog(self.ctx, self).exec()

    # -- backups (desktop.views.settings.backup_dialog; pages are rebuilt after a restore)
    def _is_file_database(self) -> bool:
        """Backups, restore and the file check are for SQLite files; say so for PostgreSQL."""
        if is_db_url(self.ctx.db_path):
            from ..common.widgets import show_info

            show_info(self, "PostgreSQL 数据库请用 pg_dump 备份、用 pg_restore 恢复（由服务器管理员负责）。")
            return False
        return True

    def backup_database(self) -> None:
        from ..settings.backup_dialog import backup_now

        if not self._is_file_database():
            return
        path = backup_now(self, self.ctx.db_path)
        if path is not None:
            self.statusBar().showMessage(f"已备份到 {path}", 8000)

    def restore_database(self) -> None:
        from ..settings.backup_dialog import restore_from_gui

        if not self._is_file_database():
            return
        if restore_from_gui(self, self.ctx.db_path) is not None:
            if self.read_only and not is_read_only():
                self._leave_read_only()
            self.reload_pages()

    def check_database(self) -> None:
        from ..settings.backup_dialog import check_now

        if not self._is_file_database():
            return
        if check_now(self, self.ctx.db_path):
            self.reload_pages()

    def reload_pages(self) -> None:
        """Drop every page (they show the database as it was) and show the current one anew."""
        for widget in self._pages.values():
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self._pages.clear()
        if allowed(PAGES[max(self.nav.currentRow(), 0)]):
            self._on_nav(self.nav.currentRow())

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "关于回访通",
            f"<b>{APP_NAME}</b> {__version__}<br>售后服务回访与客户满意度管理<br>数据库：{shown_name(self.ctx.db_path)}",
        )

    # -- geometry
    def _restore_geometry(self) -> None:
        """The saved size and place when they fit the screen now (it may be smaller than the
        one the window was closed on), else a size that fits its available area."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
        geometry = QSettings().value("main_window/geometry")
        if (
            geometry is not None
            and self.restoreGeometry(geometry)
            and (self.isMaximized() or fits(self.geometry().marginsAdded(frame_margins(self)), available))
        ):
            return
        self.setGeometry(fit_geometry(available))

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.may_leave_pages():  # a 回访表 with unsaved changes: 保存草稿 / 放弃 / 取消
            event.ignore()
            return
        QSettings().setValue("main_window/geometry", self.saveGeometry())
        self.survey.stop()
        super().closeEvent(event)
