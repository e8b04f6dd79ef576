"""问题分类 tab of the settings page: add, rename, reorder and deactivate problem categories."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from desktop.services.admin import categories
from desktop.services.common.errors import UserError

from ..common.widgets import MARGIN, hbox, show_error, vbox


class CategoriesPanel(QWidget):
    """The ordered list of categories; deactivated ones stay listed, greyed out."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        intro = QLabel(
            "回访中的负面反馈按这些分类归类，用于统计 TOP 问题（帕累托图）。"
            "不再使用的分类请停用：历史记录保留，新回访不再可选。"
        )
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #555;")
        self.list = QListWidget()
        self.list.setFixedWidth(360)
        self.list.setSpacing(2)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.list.itemDoubleClicked.connect(lambda _item: self.rename_selected())
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("新分类名称，如：安装规范类")
        self.new_name.setFixedWidth(360)
        self.new_name.returnPressed.connect(self.add)
        self.add_button = QPushButton("添加")
        self.add_button.clicked.connect(self.add)
        self.rename_button = QPushButton("重命名")
        self.rename_button.clicked.connect(self.rename_selected)
        self.up_button = QPushButton("上移")
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button = QPushButton("下移")
        self.down_button.clicked.connect(lambda: self.move_selected(+1))
        self.toggle_button = QPushButton("停用")
        self.toggle_button.clicked.connect(self.toggle_selected)
        side = vbox(self.rename_button, self.up_button, self.down_button, self.toggle_button, None)
        self.setLayout(
            vbox(
                intro, hbox(self.new_name, self.add_button, None), hbox(self.list, side, None), margin=MARGIN
            )
        )
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        if select_id is None:
            select_id = self.current_id()
        counts = categories.usage_counts()
        self.list.blockSignals(True)
        self.list.clear()
        for cat in categories.list_categories():
            used = counts.get(cat.id, 0)
            text = cat.name + (f"   （{used} 次）" if used else "")
            if not cat.active:
                text += "    [已停用]"
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, cat.id)
            item.setData(Qt.UserRole + 1, cat.active)
            item.setData(Qt.UserRole + 2, cat.name)
            if not cat.active:
                item.setForeground(QBrush(QColor("#9a9a9a")))
            self.list.addItem(item)
            if cat.id == select_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._update_buttons()

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        item = self.list.currentItem()
        row = self.list.currentRow()
        for button in (self.rename_button, self.toggle_button):
            button.setEnabled(item is not None)
        self.up_button.setEnabled(item is not None and row > 0)
        self.down_button.setEnabled(item is not None and row < self.list.count() - 1)
        active = item is None or item.data(Qt.UserRole + 1)
        self.toggle_button.setText("停用" if active else "启用")

    def _run(self, action) -> None:
        try:
            result = action()
        except UserError as err:
            show_error(self, str(err))
            return
        self.reload(select_id=result.id)
        self.changed.emit()

    def add(self) -> None:
        name = self.new_name.text()

        def create():
            created = categories.add_category(name)
            self.new_name.clear()
            return created

        self._run(create)

    def rename_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        old = item.data(Qt.UserRole + 2)
        name, ok = QInputDialog.getText(self, "重命名分类", "分类名称：", text=old)
        if ok:
            self._run(lambda: categories.rename_category(item.data(Qt.UserRole), name))

    def move_selected(self, delta: int) -> None:
        category_id = self.current_id()
        if category_id is not None:
            self._run(lambda: categories.move_category(category_id, delta))

    def toggle_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            active = bool(item.data(Qt.UserRole + 1))
            self._run(lambda: categories.set_active(item.data(Qt.UserRole), not active))
