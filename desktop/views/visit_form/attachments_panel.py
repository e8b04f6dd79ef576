"""签字纸质表: the scans and photos of the signed paper form archived with a visit.

Files are added by drag-and-drop or 添加…, listed with their size and date, opened with the
system's viewer after their SHA-256 is checked (a changed or missing file gets a warning; on a
PostgreSQL database the viewer gets a temporary copy of the content kept in the database), and
removed only with a supervisor's confirmation once the visit is signed. The storage, the hashes
and the backups are ``desktop.services.visits.attachments``.
"""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStyle,
    QWidget,
)

from desktop.services.common.errors import UserError
from desktop.services.visits import attachments as svc
from desktop.services.visits import signatures as sign_svc

from ..common.widgets import hbox, show_error, vbox
from .signature_pad import ask_supervisor

FILE_FILTER = "扫描件或照片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.bmp *.gif *.webp);;所有文件 (*)"
PANEL_STYLE = """
QListWidget#attachments { border: 1px solid #c8ccd0; background: white; }
QListWidget#attachments[dragging="true"] { border: 2px dashed #1f6fb2; background: #eef5fc; }
QLabel#dropHint { color: #5f6368; }
"""


class AttachmentsPanel(QWidget):
    """The archived signed paper of one visit. ``changed`` is emitted after a file is added or
    removed (the visit's 签字状态 may have changed with it)."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.visit_id: int | None = None
        # called before adding files: the form saves itself first; False stops the adding
        self.before_add: Callable[[], bool] | None = None
        self.operator: Callable[[], str] = lambda: ""
        self.setAcceptDrops(True)
        self.setStyleSheet(PANEL_STYLE)
        self.title = QLabel("纸质签字表：")
        self.title.setToolTip("客户签字后的纸质回访表的扫描件或照片（PDF、JPG、PNG…）")
        self.title.setObjectName("section")
        self.list = QListWidget()
        self.list.setObjectName("attachments")
        self.list.setIconSize(QSize(18, 18))
        self.list.setMinimumHeight(78)
        self.list.setAcceptDrops(False)  # drops land on the panel
        self.list.itemDoubleClicked.connect(
            lambda item: self.open_attachment(item.data(Qt.ItemDataRole.UserRole))
        )
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.hint = QLabel()
        self.hint.setObjectName("dropHint")
        self.hint.setWordWrap(True)
        self.add_button = QPushButton("添加…")
        self.add_button.setToolTip(
            "选择签字后的纸质回访表的扫描件或照片（PDF、JPG、PNG…），也可以直接拖到列表里"
        )
        self.add_button.clicked.connect(self.pick_files)
        self.open_button = QPushButton("打开")
        self.open_button.setToolTip("校验后用系统默认程序打开（也可双击）")
        self.open_button.clicked.connect(self.open_selected)
        self.copy_button = QPushButton("另存为…")
        self.copy_button.setToolTip("校验后把存档的文件另存一份到别处（如发给总部）")
        self.copy_button.clicked.connect(self.save_selected_copy)
        self.remove_button = QPushButton("删除…")
        self.remove_button.setToolTip("从回访记录中移除（已签字的回访需主管确认）")
        self.remove_button.clicked.connect(self.remove_selected)
        self.setLayout(
            vbox(
                hbox(self.title, None, self.add_button, self.open_button, self.copy_button, self.remove_button, spacing=6),
                self.list,
                self.hint,
                spacing=4,
            )
        )
        self.set_visit(None)

    # -- content
    def set_visit(self, visit_id: int | None) -> None:
        self.visit_id = visit_id
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        if self.visit_id is None:
            self.hint.setText("保存回访表后，可把客户签字的纸质表扫描件或照片拖到这里存档。")
            self._update_buttons()
            return
        try:
            items = svc.attachments_of(self.visit_id)
        except UserError as err:
            self.hint.setText(str(err))
            items = []
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        for info in items:
            item = QListWidgetItem(
                icon, f"{info.name}  ·  {info.size_text}  ·  {info.added_at:%Y-%m-%d %H:%M}"
            )
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            item.setToolTip(f"存档位置：{info.stored_at}\nSHA-256:{info.sha256}")
            self.list.addItem(item)
        if items:
            self.hint.setText(f"已存档 {len(items)} 个文件；双击用系统程序打开，打开前会校验文件是否被改动。")
        else:
            self.hint.setText("把客户签字的纸质表扫描件或照片拖到这里，或点“添加…”。")
        self._update_buttons()

    def count(self) -> int:
        return self.list.count()

    def _update_buttons(self) -> None:
        has_visit = self.visit_id is not None
        selected = self.list.currentItem() is not None
        self.add_button.setEnabled(has_visit or self.before_add is not None)
        self.open_button.setEnabled(selected)
        self.copy_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    # -- adding
    def pick_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "选择签字纸质表的扫描件或照片", "", FILE_FILTER)
        if paths:
            self.add_files(paths)

    def add_files(self, paths) -> int:
        """Archive the files; returns how many were added (errors are listed in one message)."""
        paths = [Path(p) for p in paths]
        if not paths:
            return 0
        if self.before_add is not None and not self.before_add():
            return 0
        if self.visit_id is None:
            show_error(self, "请先保存回访表，再附加签字纸质表的扫描件。", "无法附加")
            return 0
        added, problems = 0, []
        for path in paths:
            try:
                svc.add_attachment(self.visit_id, path, added_by=self.operator())
                added += 1
            except UserError as err:
                problems.append(f"{path.name}:{err}")
        self.reload()
        if added:
            self.changed.emit()
        if problems:
            head = f"已附加 {added} 个文件，以下文件未附加：\n" if added else "以下文件未附加：\n"
            show_error(self, head + "\n".join(problems), "附加扫描件")
        return added

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
            self._set_dragging(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self._set_dragging(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        self._set_dragging(False)
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_files(paths)

    def _set_dragging(self, on: bool) -> None:
        self.list.setProperty("dragging", on)
        self.list.style().unpolish(self.list)
        self.list.style().polish(self.list)

    # -- opening and removing
    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def open_selected(self) -> None:
        attachment_id = self.selected_id()
        if attachment_id is not None:
            self.open_attachment(attachment_id)

    def open_attachment(self, attachment_id: int) -> bool:
        """Check the file's hash, warn if it changed or is missing, then open it with the
        system's viewer. Returns whether it was opened."""
        try:
            result = svc.verify(attachment_id)
        except UserError as err:
            show_error(self, str(err), "无法打开附件")
            return False
        if result.missing:
            show_error(self, result.message, "附件缺失")
            return False
        if not result.ok:
            answer = QMessageBox.warning(
                self,
                "附件已被改动",
                result.message + "\n\n仍要打开这个被改动过的文件吗？",
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Open:
                return False
        try:
            path = svc.file_to_open(attachment_id)
        except UserError as err:
            show_error(self, str(err), "无法打开附件")
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            show_error(self, f"系统没有能打开此文件的程序：{path}", "无法打开附件")
            return False
        return True

    def save_selected_copy(self) -> Path | None:
        """另存为…: the checked content written to a chosen file (temporary name, then renamed);
        the saved path, or None when cancelled or refused (the reason shown)."""
        attachment_id = self.selected_id()
        if attachment_id is None:
            return None
        name = self.list.currentItem().text().split("  ·  ")[0]
        path, _filter = QFileDialog.getSaveFileName(self, "另存附件", str(Path.home() / name), "所有文件 (*)")
        if not path:
            return None
        try:
            return svc.copy_out(attachment_id, path)
        except UserError as err:
            show_error(self, f"附件没有另存。{err}", "无法另存附件")
            return None

    def remove_selected(self) -> None:
        attachment_id = self.selected_id()
        if attachment_id is None or self.visit_id is None:
            return
        name = self.list.currentItem().text().split("  ·  ")[0]
        override = None
        if sign_svc.is_locked(self.visit_id):
            override = ask_supervisor(
                self,
                f"回访记录 #{self.visit_id} 已签字。删除签字纸质表“{name}”需要主管确认。"
                "（存档的扫描件本身会保留，只是不再关联到这条回访。）",
                self.operator(),
            )
            if override is None:
                return
        else:
            answer = QMessageBox.question(
                self,
                "删除附件",
                f"从这条回访记录中移除“{name}”？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            svc.remove_attachment(attachment_id, override)
        except UserError as err:
            show_error(self, str(err), "无法删除附件")
            return
        self.reload()
        self.changed.emit()
