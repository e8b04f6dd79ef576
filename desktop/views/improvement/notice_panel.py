"""告知客户 on the 改进方案 page: one line per customer whose feedback caused the action, the words
for the selected one (quoting their own feedback only), how they were told, and 复制 / 标记已告知."""

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError
from desktop.services.improvement import customer_notices as notices

from ..common.widgets import hbox, show_error, vbox


class NoticePanel(QWidget):
    """``show_action(action_id, can_tell)`` fills it; ``told`` is emitted after a customer was
    marked as told (the page redraws the action)."""

    told = Signal(int)
    copied = Signal(str)

    def __init__(self, today: Callable[[], date], author: Callable[[], str], parent=None):
        super().__init__(parent)
        self.today = today
        self.author = author
        self.action_id: int | None = None
        self.rows: list[notices.NoticeRow] = []
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["客户", "电话", "告知情况"])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 70)
        self.tree.setColumnWidth(1, 100)
        self.tree.setMaximumHeight(96)
        self.tree.currentItemChanged.connect(lambda *_: self._show_current())
        self.message_edit = QPlainTextEdit()
        self.message_edit.setFixedHeight(64)
        self.message_edit.setPlaceholderText("告知该客户问题已改进的话（只引用该客户自己的反馈）")
        self.method_combo = QComboBox()
        self.method_combo.addItems(notices.NOTICE_METHODS)
        self.method_combo.setToolTip("告知方式")
        self.told_label = QLabel()
        self.copy_button = QPushButton("复制")
        self.copy_button.clicked.connect(self.copy_message)
        self.told_button = QPushButton("标记已告知")
        self.told_button.setToolTip("记录所选客户已于今天按所选方式告知")
        self.told_button.clicked.connect(self.mark_told)
        self.setLayout(
            vbox(
                hbox(QLabel("告知客户："), None, self.told_label),
                self.tree,
                self.message_edit,
                hbox(QLabel("方式："), self.method_combo, None, self.copy_button, self.told_button),
                margin=0,
            )
        )

    # ------------------------------------------------------------ filling
    def show_action(self, action_id: int, can_tell: bool, may_manage: bool) -> None:
        keep = self.current_customer() if action_id == self.action_id else None
        self.action_id = action_id
        self.rows = notices.notice_rows(action_id)
        self.tree.clear()
        nodes = {}
        for row in self.rows:
            node = QTreeWidgetItem([row.customer, accounts.phone_for_screen(row.phone), row.status_text])
            node.setData(0, Qt.UserRole, row.customer_id)
            node.setToolTip(2, row.message if row.told else "")
            self.tree.addTopLevelItem(node)
            nodes[row.customer_id] = node
        # the customer being worked on while still to tell, else the next one to tell
        waiting = [r.customer_id for r in self.rows if not r.told]
        pick = keep if keep in waiting else (waiting[0] if waiting else keep)
        current = nodes.get(pick) or (self.tree.topLevelItem(0) if self.rows else None)
        if current is not None:
            self.tree.setCurrentItem(current)
        self._show_current()
        told, total = notices.told_count(action_id)
        self.told_label.setText(f"已告知 {told}/{total} 位客户" if total else "没有关联回访的客户")
        self.told_button.setEnabled(can_tell and may_manage and total > 0)
        if may_manage:
            self.told_button.setToolTip("" if can_tell else "措施完成后才能告知客户")

    def current_customer(self) -> int | None:
        item = self.tree.currentItem()
        return None if item is None else int(item.data(0, Qt.UserRole))

    def current_row(self) -> notices.NoticeRow | None:
        cid = self.current_customer()
        return next((r for r in self.rows if r.customer_id == cid), None)

    def _show_current(self) -> None:
        row = self.current_row()
        self.message_edit.setPlainText(row.message if row else "")
        if row and row.method:
            self.method_combo.setCurrentText(row.method)

    # ------------------------------------------------------------ actions
    def copy_message(self) -> None:
        text = self.message_edit.toPlainText().strip()
        if not text:
            show_error(self, "告知客户的话：不能为空，请填写。", "未复制")
            return
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(text)

    def mark_told(self) -> None:
        row = self.current_row()
        if self.action_id is None or row is None:
            show_error(self, "告知客户：请先在列表中选择一位客户。", "未标记")
            return
        try:
            notices.mark_told(
                self.action_id,
                row.customer_id,
                self.message_edit.toPlainText(),
                self.method_combo.currentText(),
                self.author(),
                today=self.today(),
            )
        except UserError as err:
            show_error(self, str(err), "未标记")
            return
        self.told.emit(self.action_id)
