"""员工 tab of the settings page: a small table of staff with an add/edit form beside it."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.models import Staff
from desktop.services.admin import staff
from desktop.services.common.errors import UserError, ValidationErrors

from ..common.widgets import MARGIN, form, hbox, show_error, vbox


class StaffForm(QGroupBox):
    """姓名, 角色, 部门, 电话 of one person (new when nothing is selected)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("新员工", parent)
        self.name = QLineEdit()
        self.role = QComboBox()
        self.role.addItems(Staff.ROLES)
        self.department = QComboBox()
        self.department.setEditable(True)
        self.department.lineEdit().setPlaceholderText("如：客服部、维修一组（可直接输入）")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("选填，手机或带区号的座机")
        self.save_button = QPushButton("添加员工")
        self.new_button = QPushButton("清空，新建")
        layout = form(
            ("姓名：", self.name), ("角色：", self.role), ("部门：", self.department), ("电话：", self.phone)
        )
        self.setLayout(vbox(layout, hbox(None, self.new_button, self.save_button)))
        self.setFixedWidth(380)

    def set_departments(self, names: list[str]) -> None:
        text = self.department.currentText()
        self.department.clear()
        self.department.addItems(names)
        self.department.setCurrentText(text)

    def load(self, person: Staff | None) -> None:
        self.setTitle(f"编辑：{person.name}" if person else "新员工")
        self.save_button.setText("保存修改" if person else "添加员工")
        self.name.setText(person.name if person else "")
        self.role.setCurrentText(person.role if person else Staff.ROLES[0])
        self.department.setCurrentText(person.department.name if person and person.department else "")
        self.phone.setText(person.phone if person else "")

    def values(self) -> dict:
        return {
            "name": self.name.text(),
            "role": self.role.currentText(),
            "department": self.department.currentText(),
            "phone": self.phone.text(),
        }

    def focus_field(self, label: str) -> None:
        widget = {"姓名": self.name, "角色": self.role, "部门": self.department, "电话": self.phone}.get(
            label
        )
        if widget is not None:
            widget.setFocus()


class StaffPanel(QWidget):
    COLUMNS = ("姓名", "角色", "部门", "电话", "状态")

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.show_inactive = QCheckBox("显示已停用的员工")
        self.show_inactive.toggled.connect(lambda _on: self.reload())
        self.toggle_button = QPushButton("停用")
        self.toggle_button.setEnabled(False)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.form = StaffForm()
        self.form.save_button.clicked.connect(self.save)
        self.form.new_button.clicked.connect(self.start_new)
        left = vbox(self.table, hbox(self.show_inactive, None, self.toggle_button))
        self.setLayout(hbox(left, vbox(self.form, None), margin=MARGIN))
        self._rows: list[Staff] = []
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        if select_id is None:
            current = self.current()
            select_id = current.id if current is not None else None
        self._rows = staff.list_staff(include_inactive=self.show_inactive.isChecked())
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._rows))
        grey = QBrush(QColor("#9a9a9a"))
        for row, person in enumerate(self._rows):
            cells = (
                person.name,
                person.role,
                person.department.name if person.department else "",
                person.phone,
                "在职" if person.active else "已停用",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not person.active:
                    item.setForeground(grey)
                if column == 4:
                    item.setTextAlignment(Qt.AlignCenter)
                self.table.setItem(row, column, item)
        self.table.clearSelection()
        self.table.blockSignals(False)
        self.form.set_departments(staff.department_names())
        row = next((i for i, p in enumerate(self._rows) if p.id == select_id), None)
        if row is not None:
            self.table.selectRow(row)
        else:
            self.start_new()

    def current(self) -> Staff | None:
        rows = self.table.selectionModel().selectedRows()
        return self._rows[rows[0].row()] if rows else None

    def _on_selection(self) -> None:
        person = self.current()
        self.form.load(person)
        self.toggle_button.setEnabled(person is not None)
        self.toggle_button.setText("启用" if person is not None and not person.active else "停用")

    def start_new(self) -> None:
        self.table.clearSelection()
        self.form.load(None)
        self.toggle_button.setEnabled(False)
        self.form.name.setFocus()

    def save(self) -> None:
        person = self.current()
        data = self.form.values()
        try:
            saved = staff.update_staff(person, data) if person is not None else staff.create_staff(data)
        except ValidationErrors as errs:
            show_error(self, "\n".join(str(e) for e in errs.errors), "请修改后再保存")
            self.form.focus_field(errs.errors[0].field)
            return
        except UserError as err:
            show_error(self, str(err))
            return
        self.reload(select_id=saved.id)
        self.changed.emit()

    def toggle_selected(self) -> None:
        person = self.current()
        if person is None:
            return
        try:
            saved = staff.set_active(person, not person.active)
        except UserError as err:
            show_error(self, str(err))
            return
        self.reload(select_id=saved.id if saved.active or self.show_inactive.isChecked() else None)
        self.changed.emit()
