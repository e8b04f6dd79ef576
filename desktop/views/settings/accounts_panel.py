"""账号 tab of the settings page: turning sign-in on and off, and the accounts of a shop that uses it.

Off (the default): what accounts are for and who does what, and 启用账号登录, which creates the
first 主管 account and signs that person in. On: the accounts (登录名, 姓名, 角色, 对应员工, 状态,
最近登录) with 添加账号 / 修改 / 重置密码 / 解锁 / 关闭账号登录 for a 主管; anyone else sees the list
read-only. ``AccountsPanel.accounts_changed`` is emitted whenever sign-in is turned on or off or
an account changes, so the main window can refresh what the signed-in person sees.

Dialogs are opened window-modal with ``open()`` (not ``exec()``); the one showing is
``AccountsPanel.dialog``. Each dialog calls the service itself and stays open on an error,
showing the message under the field it names; nothing is saved then.
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.models.accounts import ROLE_CALLER, ROLES
from desktop.services.admin import accounts, staff
from desktop.services.admin.accounts import ROLE_HELP, AccountInput, AccountRow
from desktop.services.common.errors import UserError

from ..common.unsaved import GuardedDialog
from ..common.widgets import MARGIN, confirm, hbox, heading, show_error, vbox
from ..shell.login_dialog import (
    HINT_STYLE,
    PASSWORD_RULES,
    ChangePasswordDialog,
    ErrorForm,
    busy,
    password_edit,
)

WARN_STYLE = "color: #a15c00;"
NO_STAFF = "（不对应员工）"
STAFF_HINT = "回访员要选对应的员工，才能在回访任务中看到分配给自己的任务；主管和只读可以不选。"
NEVER = "从未登录"


def _note(text: str, style: str = HINT_STYLE) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


def _buttons(ok_text: str, dialog: QDialog):
    ok = QPushButton(ok_text)
    ok.setDefault(True)
    ok.clicked.connect(dialog.accept)
    cancel = QPushButton("取消")
    cancel.setAutoDefault(False)
    cancel.clicked.connect(dialog.reject)
    return ok, cancel


def roles_help() -> QFormLayout:
    """Each role in bold with what it may do (``ROLE_HELP``)."""
    layout = QFormLayout()
    layout.setSpacing(6)
    for role in ROLES:
        name = QLabel(role)
        font = name.font()
        font.setBold(True)
        name.setFont(font)
        layout.addRow(name, _note(ROLE_HELP[role], ""))
    return layout


class EnableAccountsDialog(GuardedDialog, QDialog):
    """The first 主管 account (登录名, 姓名, 密码, 确认密码); on 启用 sign-in is on and that person is
    signed in (``signed_in``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("启用账号登录")
        self.signed_in = None
        intro = _note(
            "先为您自己建一个主管账号。启用后，打开回访通都要登录；其他人的账号由主管在这里添加。\n"
            "以前启用过的：填写原主管的登录名和密码即可。",
            "",
        )
        self.username = QLineEdit()
        self.username.setPlaceholderText("如 wang（字母、数字或汉字）")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("如 王主管（记录为经办人）")
        self.password = password_edit()
        self.confirm = password_edit()
        self.form = ErrorForm()
        self.form.add_row("登录名", self.username)
        self.form.add_row("姓名", self.display_name)
        self.form.add_row("密码", self.password, hint=PASSWORD_RULES)
        self.form.add_row("确认密码", self.confirm)
        self.ok_button, self.cancel_button = _buttons("启用", self)
        self.setLayout(
            vbox(intro, self.form, hbox(None, self.cancel_button, self.ok_button), margin=16, spacing=10)
        )
        self.setMinimumWidth(480)

    def accept(self) -> None:
        try:
            with busy():
                self.signed_in = accounts.enable_accounts(
                    self.username.text(), self.display_name.text(), self.password.text(), self.confirm.text()
                )
        except UserError as err:
            self.form.show_errors(err)
            return
        super().accept()


class AccountDialog(GuardedDialog, QDialog):
    """添加账号 (``account`` None) or 修改 one: 登录名 (fixed once created), 姓名, 角色, 对应员工, and
    在用 when editing or 初始密码 + 确认密码 when adding. ``saved_id`` after a save."""

    def __init__(self, account: AccountRow | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.account = account
        self.saved_id: int | None = None
        editing = account is not None
        self.setWindowTitle(f"修改账号：{account.username}" if editing else "添加账号")

        self.username = QLineEdit(account.username if editing else "")
        if editing:
            self.username.setReadOnly(True)
            self.username.setStyleSheet("background: #f1f3f4; color: #5f6368;")
            self.username.setToolTip("登录名创建后不能修改")
        else:
            self.username.setPlaceholderText("如 zhangsan（登录时填写，不区分大小写）")
        self.display_name = QLineEdit(account.display_name if editing else "")
        self.display_name.setPlaceholderText("如 张三（记录为回访人员 / 经办）")
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(role)
            self.role.setItemData(self.role.count() - 1, ROLE_HELP[role], Qt.ToolTipRole)
        self.role.setCurrentText(account.role if editing else ROLE_CALLER)
        self.role_hint = _note("")
        self.staff = QComboBox()
        self._fill_staff(self._linked_staff_id())
        self.staff_hint = _note("")
        self.active = QCheckBox("在用（取消勾选即停用：不能再登录，历史记录保留）")
        self.active.setChecked(account.active if editing else True)
        self.password = password_edit()
        self.confirm = password_edit()

        self.form = ErrorForm()
        self.form.add_row("登录名", self.username)
        self.form.add_row("姓名", self.display_name)
        self.form.add_row("角色", self.role, hint=self.role_hint)
        self.form.add_row("对应员工", self.staff, hint=self.staff_hint)
        if editing:
            self.form.add_row("状态", self.active)
        else:
            self.form.add_row(
                "初始密码", self.password, ("密码",), hint=PASSWORD_RULES + "本人首次登录时须改为自己的密码。"
            )
            self.form.add_row("确认密码", self.confirm)
        self.ok_button, self.cancel_button = _buttons("保存" if editing else "添加", self)
        self.setLayout(vbox(self.form, hbox(None, self.cancel_button, self.ok_button), margin=16, spacing=10))
        self.setMinimumWidth(500)

        self.role.currentIndexChanged.connect(lambda _i: self._update_hints())
        self.staff.currentIndexChanged.connect(self._staff_picked)
        self._update_hints()
        (self.display_name if editing else self.username).setFocus()

    def _linked_staff_id(self) -> int | None:
        if self.account is None:
            return None
        return accounts.linked_staff_id(self.account.id)

    def _fill_staff(self, linked_id: int | None) -> None:
        self.staff.addItem(NO_STAFF, None)
        for person in staff.list_staff(include_inactive=True):
            if not person.active and person.id != linked_id:
                continue
            extra = " · ".join(
                part for part in (person.role, person.department.name if person.department else "") if part
            )
            label = f"{person.name}（{extra}）" if extra else person.name
            if not person.active:
                label += " [已停用]"
            self.staff.addItem(label, person.id)
        index = self.staff.findData(linked_id) if linked_id is not None else 0
        self.staff.setCurrentIndex(max(index, 0))

    def select_staff(self, staff_id: int | None) -> None:
        self.staff.setCurrentIndex(max(self.staff.findData(staff_id), 0))

    def _staff_picked(self, _index: int) -> None:
        staff_id = self.staff.currentData()
        if staff_id is not None and not self.display_name.text().strip():
            self.display_name.setText(self.staff.currentText().split("（")[0])
        self._update_hints()

    def _update_hints(self) -> None:
        role = self.role.currentText()
        self.role_hint.setText(f"{role}：{ROLE_HELP.get(role, '')}")
        if role == ROLE_CALLER and self.staff.currentData() is None:
            self.staff_hint.setText("尚未对应员工：" + STAFF_HINT)
            self.staff_hint.setStyleSheet(WARN_STYLE)
        else:
            self.staff_hint.setText(STAFF_HINT)
            self.staff_hint.setStyleSheet(HINT_STYLE)

    def entered(self) -> AccountInput:
        return AccountInput(
            self.username.text(),
            self.display_name.text(),
            self.role.currentText(),
            self.staff.currentData(),
            self.active.isChecked(),
        )

    def accept(self) -> None:
        data = self.entered()
        try:
            with busy():
                if self.account is None:
                    saved = accounts.create_account(data, self.password.text(), self.confirm.text())
                else:
                    saved = accounts.update_account(self.account.id, data)
        except UserError as err:
            self.form.show_errors(err)
            return
        self.saved_id = saved.id
        super().accept()


class ResetPasswordDialog(GuardedDialog, QDialog):
    """A 主管 sets a new first password for someone (who changes it at the next sign-in); this
    also unlocks the account."""

    def __init__(self, account: AccountRow, parent: QWidget | None = None):
        super().__init__(parent)
        self.account = account
        self.setWindowTitle(f"重置密码：{account.display_name}")
        intro = _note(
            f"为 {account.display_name}（登录名 {account.username}）设置新的初始密码。"
            "请当面告诉本人；本人下次登录时须改为自己的密码。账号如被锁定，也会一并解锁。",
            "",
        )
        self.password = password_edit()
        self.confirm = password_edit()
        self.form = ErrorForm()
        self.form.add_row("新的初始密码", self.password, ("密码",), hint=PASSWORD_RULES)
        self.form.add_row("确认密码", self.confirm)
        self.ok_button, self.cancel_button = _buttons("重置密码", self)
        self.setLayout(
            vbox(intro, self.form, hbox(None, self.cancel_button, self.ok_button), margin=16, spacing=10)
        )
        self.setMinimumWidth(460)
        self.password.setFocus()

    def accept(self) -> None:
        try:
            with busy():
                accounts.reset_password(self.account.id, self.password.text(), self.confirm.text())
        except UserError as err:
            self.form.show_errors(err)
            return
        super().accept()


class AccountsPanel(QWidget):
    """设置 → 账号. ``accounts_changed`` after sign-in is turned on/off or an account is saved."""

    COLUMNS = ("登录名", "姓名", "角色", "对应员工", "状态", "最近登录")
    STATUS_COLUMN = 4

    accounts_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dialog: QDialog | None = None
        self._rows: list[AccountRow] = []
        self.stack = QStackedWidget()
        self.off_page = self._build_off_page()
        self.on_page = self._build_on_page()
        self.stack.addWidget(self.off_page)
        self.stack.addWidget(self.on_page)
        self.setLayout(vbox(self.stack, margin=MARGIN))
        self.reload()

    # -- pages
    def _build_off_page(self) -> QWidget:
        page = QWidget()
        explain = _note(
            "目前没有启用账号登录：打开回访通就能使用全部功能。一个人使用的小店不需要账号。\n"
            "几个人共用时可以启用：启用后，每个人打开回访通都要用自己的登录名和密码登录，"
            "能做什么由角色决定，回访和修改记录都会记下是谁做的。",
            "",
        )
        roles = QGroupBox("角色和权限")
        roles.setLayout(roles_help())
        first = _note(
            "启用时先为您自己建第一个主管账号，之后由主管为其他人添加账号。"
            "以后可以随时关闭账号登录，账号会保留。"
        )
        self.enable_button = QPushButton("启用账号登录")
        self.enable_button.clicked.connect(self.start_enable)
        page.setLayout(
            vbox(
                heading("账号登录（未启用）"),
                explain,
                roles,
                first,
                hbox(self.enable_button, None),
                None,
                spacing=10,
            )
        )
        return page

    def _build_on_page(self) -> QWidget:
        page = QWidget()
        self.signed_in_label = _note("", "")
        self.read_only_note = _note("", WARN_STYLE)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Stretch)
        header.setHighlightSections(False)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.start_edit())

        self.add_button = QPushButton("添加账号")
        self.add_button.clicked.connect(self.start_add)
        self.edit_button = QPushButton("修改")
        self.edit_button.clicked.connect(self.start_edit)
        self.reset_button = QPushButton("重置密码")
        self.reset_button.clicked.connect(self.start_reset)
        self.unlock_button = QPushButton("解锁")
        self.unlock_button.setToolTip("密码连续输错被锁定的账号，解锁后可以马上再登录")
        self.unlock_button.clicked.connect(self.unlock_selected)
        self.own_password_button = QPushButton("修改我的密码")
        self.own_password_button.clicked.connect(self.start_change_own_password)
        self.disable_button = QPushButton("关闭账号登录")
        self.disable_button.clicked.connect(self.disable)
        roles = QGroupBox("角色和权限")
        roles.setLayout(roles_help())
        buttons = hbox(
            self.add_button,
            self.edit_button,
            self.reset_button,
            self.unlock_button,
            None,
            self.own_password_button,
            self.disable_button,
        )
        page.setLayout(
            vbox(
                heading("账号"),
                self.signed_in_label,
                self.read_only_note,
                buttons,
                self.table,
                roles,
                spacing=8,
            )
        )
        return page

    # -- state
    def is_enabled(self) -> bool:
        return self.stack.currentWidget() is self.on_page

    def can_manage(self) -> bool:
        return accounts.can(accounts.MANAGE)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.reload()  # someone else may have signed in, or another PC changed the accounts

    def reload(self, select_id: int | None = None) -> None:
        if not accounts.accounts_enabled():
            self._rows = []
            self.table.setRowCount(0)
            self.stack.setCurrentWidget(self.off_page)
            self.enable_button.setEnabled(self.can_manage())
            return
        self.stack.setCurrentWidget(self.on_page)
        if select_id is None:
            selected = self.selected()
            select_id = selected.id if selected is not None else None
        me = accounts.current()
        if me is not None:
            self.signed_in_label.setText(
                f"已启用账号登录：打开回访通都要登录。当前登录：{me.label}，登录名 {me.username}。"
            )
        else:
            self.signed_in_label.setText("已启用账号登录：打开回访通都要登录。")
        manage = self.can_manage()
        self.read_only_note.setText(
            "" if manage else f"只有主管可以添加、修改账号或关闭账号登录。当前账号 {me.label} 只能查看。"
        )
        self.read_only_note.setVisible(not manage)
        self._fill_table(me.id if me is not None else None)
        row = next((i for i, r in enumerate(self._rows) if r.id == select_id), None)
        if row is not None:
            self.table.selectRow(row)
        self._update_buttons()

    def _fill_table(self, my_id: int | None) -> None:
        self._rows = accounts.list_accounts()
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self._rows))
        grey = QBrush(QColor("#9a9a9a"))
        red = QBrush(QColor("#c62828"))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for index, account in enumerate(self._rows):
            status = account.status_text()
            last = f"{account.last_login_at:%Y-%m-%d %H:%M}" if account.last_login_at else NEVER
            cells = (account.username, account.display_name, account.role, account.staff_name, status, last)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not account.active:
                    item.setForeground(grey)
                elif column == self.STATUS_COLUMN and status != "正常":
                    item.setForeground(red)
                if account.id == my_id:
                    item.setFont(bold)
                    item.setToolTip("当前登录的账号")
                self.table.setItem(index, column, item)
        self.table.blockSignals(False)

    def selected(self) -> AccountRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self._rows[rows[0].row()] if rows else None

    def select_username(self, username: str) -> bool:
        for index, account in enumerate(self._rows):
            if account.username == username:
                self.table.selectRow(index)
                return True
        return False

    def _update_buttons(self) -> None:
        manage = self.can_manage()
        account = self.selected()
        locked = account is not None and account.status_text().startswith("锁定")
        self.add_button.setEnabled(manage)
        self.edit_button.setEnabled(manage and account is not None)
        self.reset_button.setEnabled(manage and account is not None)
        self.unlock_button.setEnabled(manage and locked)
        self.disable_button.setEnabled(manage)
        self.own_password_button.setEnabled(accounts.current() is not None)

    # -- actions
    def _open(self, dialog: QDialog, on_accepted) -> None:
        self.dialog = dialog
        dialog.accepted.connect(on_accepted)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def start_enable(self) -> None:
        self._open(EnableAccountsDialog(self), self._changed)

    def start_add(self) -> None:
        dialog = AccountDialog(None, self)
        self._open(dialog, lambda: self._changed(dialog.saved_id))

    def start_edit(self) -> None:
        account = self.selected()
        if account is None or not self.can_manage():
            return
        dialog = AccountDialog(account, self)
        self._open(dialog, lambda: self._changed(dialog.saved_id))

    def start_reset(self) -> None:
        account = self.selected()
        if account is None:
            return
        self._open(ResetPasswordDialog(account, self), lambda: self._changed(account.id))

    def start_change_own_password(self) -> None:
        self._open(ChangePasswordDialog(False, self), lambda: None)

    def unlock_selected(self) -> None:
        account = self.selected()
        if account is None:
            return
        try:
            accounts.unlock(account.id)
        except UserError as err:
            show_error(self, str(err))
            return
        self._changed(account.id)

    def disable(self) -> None:
        if not confirm(
            self,
            "关闭后，打开回访通不再需要登录，任何人都能使用全部功能。\n"
            "账号会保留，以后重新启用时用主管的登录名和密码即可。\n\n确定关闭账号登录吗？",
            "关闭账号登录",
        ):
            return
        try:
            accounts.disable_accounts()
        except UserError as err:
            show_error(self, str(err))
            return
        accounts.sign_out()  # accounts off = nobody signed in, as at the next start
        self._changed()

    def _changed(self, select_id: int | None = None) -> None:
        self.reload(select_id)
        self.accounts_changed.emit()
