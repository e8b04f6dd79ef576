"""Backing up, checking and restoring the database from the GUI (文件 menu and start-up).

``RestoreDialog`` lists the backups of the backup folder (date, kind, size) and restores the one
chosen — or a file picked with 从文件选择… — after a confirmation. ``backup_now``, ``check_now``,
``offer_restore_at_startup``, ``exit_backup`` and ``daily_backup`` are the entry points the main
window and ``desktop.app`` call. All the work is ``services.backup``; this module only asks and
shows.
"""

import contextlib
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.services.common.errors import UserError
from desktop.services.maintenance import backup as svc

from ..common.operations import run_with_progress
from ..common.widgets import MARGIN, hbox, heading, show_error, show_info, vbox

DB_FILTER = "回访通数据库 (*.db);;所有文件 (*)"
WARNING_STYLE = """
QLabel { color: #8a1c1c; background: #fdecea; border: 1px solid #f5c2c0; border-radius: 3px; padding: 8px; }
"""
HINT_STYLE = "QLabel { color: #555; }"
COLUMNS = ("备份时间", "类型", "大小", "文件")


def _when(info: svc.BackupInfo) -> str:
    return f"{info.created:%Y-%m-%d %H:%M:%S}"


def _describe(info: svc.BackupInfo) -> str:
    return f"{info.created:%Y-%m-%d %H:%M} 的{info.label}（{info.size_text}）"


def _confirm_text(info: svc.BackupInfo, db_path: Path) -> str:
    return (
        f"确定用 {_describe(info)} 替换当前数据库吗？\n\n"
        f"备份文件：{info.path}\n数据库：{db_path}\n\n"
        f"当前数据库会先另存为同一文件夹中的“{db_path.name}.before-restore-日期-时间”；"
        f"{info.created:%Y-%m-%d %H:%M} 之后录入的数据不在这个备份中。"
    )


def perform_restore(parent: QWidget | None, backup: Path, db_path: Path) -> svc.RestoreResult | None:
    """Restore with a progress dialog; the database connection of this (GUI) thread is closed
    first. Returns None when it failed (the message was shown) or was cancelled. The caller
    opens the database again afterwards, whatever the outcome."""
    from desktop.models.connection import close_database

    close_database()
    try:
        return run_with_progress(
            parent,
            "正在从备份恢复…",
            lambda report: svc.restore(backup, db_path, progress=report),
        )
    except UserError as err:
        show_error(parent, str(err), "恢复失败")
        return None


class RestoreDialog(QDialog):
    """Choose a backup and restore it. ``result_info`` holds the RestoreResult once restored."""

    def __init__(
        self,
        db_path: Path,
        folder: Path | None = None,
        parent: QWidget | None = None,
        *,
        problem: str = "",
    ):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.folder = Path(folder) if folder else svc.backup_folder(self.db_path)
        self.result_info: svc.RestoreResult | None = None
        self.setWindowTitle("从备份恢复")

        self.problem_label = QLabel(problem)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(WARNING_STYLE)
        self.problem_label.setVisible(bool(problem))
        intro = QLabel(
            f"恢复会用所选备份替换数据库 {self.db_path}。\n"
            f"恢复前的数据库会先另存为“{self.db_path.name}.before-restore-日期-时间”，选错了也能找回。\n"
            "备份时间之后录入的数据不在备份中。"
        )
        intro.setWordWrap(True)
        folder_label = QLabel(f"备份文件夹：{self.folder}")
        folder_label.setStyleSheet(HINT_STYLE)
        folder_label.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        for col, sample in enumerate(("2024-12-31 23:59:59", "退出时自动备份", "1023.9 MB")):
            self.table.setColumnWidth(col, metrics.horizontalAdvance(sample) + 24)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.restore_selected())
        self.empty_label = QLabel("备份文件夹中还没有备份。可点“从文件选择…”选择其他位置的备份文件。")
        self.empty_label.setStyleSheet(HINT_STYLE)
        self.empty_label.setWordWrap(True)

        self.file_button = QPushButton("从文件选择…")
        self.file_button.clicked.connect(self.choose_file)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.reject)
        self.restore_button = QPushButton("恢复所选备份")
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(self.restore_selected)

        self.setLayout(
            vbox(
                heading("从备份恢复数据库"),
                self.problem_label,
                intro,
                folder_label,
                self.table,
                self.empty_label,
                hbox(self.file_button, None, self.cancel_button, self.restore_button),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.resize(720, 460)
        self.load()

    # -- the list
    def load(self) -> None:
        self.backups = svc.list_backups(self.folder)
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            cells = (_when(info), info.label, info.size_text, info.path.name)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path))
                if col == 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
        self.empty_label.setVisible(not self.backups)
        if self.backups:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> svc.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)

    # -- restoring
    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择备份文件", str(self.folder), DB_FILTER)
        if name:
            self.restore_from(Path(name))

    def restore_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self.restore_from(info.path)

    def restore_from(self, path: Path) -> bool:
        verdict = svc.check(path)
        if not verdict.restorable:
            show_error(self, f"不能用这个文件恢复：{verdict.message}", "备份不可用")
            return False
        info = svc.backup_info(path)
        answer = QMessageBox.question(
            self,
            "确认恢复",
            _confirm_text(info, self.db_path),
            QMessageBox.Yes | QMessageBox.No,
            QMessageBox.No,
        )
        if answer != QMessageBox.Yes:
            return False
        result = perform_restore(self, path, self.db_path)
        if result is None:
            return False
        self.result_info = result
        show_info(self, result.summary(), "恢复完成")
        self.accept()
        return True


# ---------------------------------------------------------------- entry points
def _reopen(parent: QWidget | None, db_path: Path) -> bool:
    from desktop.services.maintenance.bootstrap import open_app_database

    try:
        open_app_database(db_path)
        return True
    except Exception as exc:  # noqa: BLE001 - shown to the user; the window cannot go on without it
        show_error(parent, f"无法重新打开数据库 {db_path}：{exc}", "无法打开数据库")
        return False


def restore_from_gui(parent: QWidget | None, db_path: Path) -> svc.RestoreResult | None:
    """文件 → 从备份恢复…: the dialog, then the database opened again (restored or not; a
    damaged file that was open read-only and is still damaged: read-only again)."""
    from desktop.models.connection import DatabaseOpenError, is_read_only, open_read_only

    was_read_only = is_read_only()
    dialog = RestoreDialog(db_path, parent=parent)
    dialog.exec()
    if (dialog.result_info is not None or not _is_open()) and not _reopen(parent, db_path) and was_read_only:
        with contextlib.suppress(DatabaseOpenError):
            open_read_only(db_path)
    return dialog.result_info


def _is_open() -> bool:
    from desktop.models import db

    return db.obj is not None and not db.is_closed()


def default_backup_name(now: datetime | None = None) -> str:
    return f"{svc.PREFIX}{(now or datetime.now()).strftime(svc.STAMP)}-manual.db"


def backup_now(parent: QWidget | None, db_path: Path) -> Path | None:
    """文件 → 备份数据库…: choose where, copy, verify, tell where it went."""
    folder = svc.backup_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    name, _ = QFileDialog.getSaveFileName(
        parent, "备份数据库", str(folder / default_backup_name()), DB_FILTER
    )
    if not name:
        return None
    out = Path(name)
    if out.suffix.lower() != ".db":
        out = out.with_name(out.name + ".db")
    try:
        written = run_with_progress(
            parent, "正在备份数据库…", lambda report: svc.backup_to(out, source=db_path, progress=report)
        )
    except UserError as err:
        show_error(parent, str(err), "备份失败")
        return None
    if written is not None:
        show_info(parent, f"备份已保存并通过完整性检查：\n{written}", "备份完成")
    return written


def check_now(parent: QWidget | None, db_path: Path) -> bool:
    """文件 → 检查数据库: the full check; on a problem, offer the restore dialog. True when the
    database was restored from a backup (the caller shows it anew)."""
    result = run_with_progress(parent, "正在检查数据库…", lambda report: svc.check(db_path))
    if result is None:
        return False
    if result.ok:
        show_info(parent, result.message, "检查数据库")
        return False
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Warning)
    box.setWindowTitle("检查数据库")
    box.setText(result.message)
    if len(result.details) > 1:
        box.setDetailedText("\n".join(result.details))
    restore = box.addButton("从备份恢复…", QMessageBox.ActionRole)
    box.addButton("关闭", QMessageBox.RejectRole)
    box.exec()
    if box.clickedButton() is restore:
        return restore_from_gui(parent, db_path) is not None
    return False


RESTORED, READ_ONLY = "restored", "read_only"  # what offer_restore_at_startup's person chose


def offer_restore_at_startup(db_path: Path, problem: str, *, read_only: bool = False) -> str | None:
    """The database cannot be used: offer the newest good backup (or any backup) and, with
    ``read_only`` (a damaged file SQLite can still read), 只读打开. RESTORED when the database
    was restored and can be opened now, READ_ONLY for 只读打开, None for 退出."""
    folder = svc.backup_folder(db_path)
    newest = svc.newest_good_backup(folder)
    box = QMessageBox()
    box.setIcon(QMessageBox.Critical)
    box.setWindowTitle("数据库无法使用")
    if newest is not None:
        box.setText(
            f"{problem}\n\n找到最近的完好备份：{_describe(newest)}。\n"
            f"是否用它恢复？当前文件会先另存为“{db_path.name}.before-restore-日期-时间”。"
        )
        use_newest = box.addButton("恢复此备份", QMessageBox.AcceptRole)
    else:
        box.setText(f"{problem}\n\n备份文件夹 {folder} 中没有找到可用的备份。可以选择其他位置的备份文件。")
        use_newest = None
    choose = box.addButton("选择其他备份…", QMessageBox.ActionRole)
    look = box.addButton("只读打开", QMessageBox.ActionRole) if read_only else None
    if look is not None:
        look.setToolTip("只查看，不写入：可以先核对数据，再从备份恢复（文件 → 从备份恢复…）。")
    box.addButton("退出", QMessageBox.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    if look is not None and clicked is look:
        return READ_ONLY
    if use_newest is not None and clicked is use_newest:
        answer = QMessageBox.question(
            None,
            "确认恢复",
            _confirm_text(newest, db_path),
            QMessageBox.Yes | QMessageBox.No,
            QMessageBox.Yes,
        )
        if answer != QMessageBox.Yes:
            return None
        result = perform_restore(None, newest.path, db_path)
        if result is not None:
            show_info(None, result.summary(), "恢复完成")
        return RESTORED if result is not None else None
    if clicked is choose:
        dialog = RestoreDialog(db_path, folder, problem=problem)
        dialog.exec()
        return RESTORED if dialog.result_info is not None else None
    return None


def exit_backup(db_path: Path) -> Path | None:
    """The automatic backup when the window closes; a failure is shown, never blocks the exit."""
    try:
        result = run_with_progress(
            None,
            "正在备份数据库…",
            lambda report: svc.auto_backup("exit", db_path=db_path, progress=report),
            cancel_text="跳过备份",
        )
    except Exception as err:  # noqa: BLE001 - the exit goes on; the data is untouched
        show_error(None, f"{err}\n\n数据没有丢失：本次退出时没有生成新的备份。", "自动备份失败")
        return None
    return result.path if result is not None else None


def daily_backup(parent: QWidget | None, db_path: Path) -> Path | None:
    """At start-up: back up when the newest backup is more than a day old."""
    try:
        if not svc.backup_due(svc.backup_folder(db_path)):
            return None
        result = run_with_progress(
            parent,
            "正在进行每日自动备份…",
            lambda report: svc.auto_backup("daily", db_path=db_path, progress=report),
        )
    except Exception as err:  # noqa: BLE001 - the app goes on; the data is untouched
        show_error(parent, f"每日自动备份失败：{err}", "自动备份失败")
        return None
    return result.path if result is not None else None
