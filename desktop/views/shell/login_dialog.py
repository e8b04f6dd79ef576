"""Signing in (登录) and changing one's own password (修改密码), shown only when accounts are on.

``sign_in_at_start(parent)`` is what start-up calls before the main window: with accounts off it
returns True at once (no dialog); with accounts on it asks for 登录名 and 密码 and, when the
password is a first one set by a 主管, for a new password (which cannot be skipped except by
quitting). ``ChangePasswordDialog.ask(parent)`` is the optional 修改密码 from a menu.

``ErrorForm`` is the small form these dialogs (and the ones in ``accounts_panel``) share: each
row shows a service's ValidationError for its field as red text under the field, naming it.
"""

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop import APP_NAME
from desktop.services.admin import accounts
from desktop.services.admin import settings as app_settings
from desktop.services.admin.accounts import SignedIn
from desktop.services.common.errors import UserError, ValidationErrors

from ..common.unsaved import GuardedDialog
from ..common.widgets import grow_to_fit, hbox, vbox

ERROR_STYLE = "color: #c62828;"
HINT_STYLE = "color: #5f6368;"
PASSWORD_RULES = (
    f"密码规则：至少 {accounts.PASSWORD_MIN} 位，同时包含字母和数字（如 huifang2026），不能与登录名相同。"
)


def _note(text: str = "", style: str = HINT_STYLE) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


class _Row:
    def __init__(self, label: str, widget: QWidget, error: QLabel):
        self.label = label
        self.widget = widget
        self.error = error


class ErrorForm(QWidget):
    """A form whose rows show the errors of their fields in red under the field.

    ``add_row(label, widget, fields)``: ``fields`` are the ValidationError field names the row
    answers for (default: the label itself). ``show_errors(err)`` puts each message under its row
    as "<row label>:<message>" and anything else (a UserError, an unknown field) in ``general``
    at the bottom; the first row with an error gets the focus.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: list[tuple[_Row, tuple[str, ...]]] = []
        self._form = QFormLayout()
        self._form.setSpacing(8)
        self._form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.general = _note(style=ERROR_STYLE)
        self.general.hide()
        self.setLayout(vbox(self._form, self.general, spacing=6))

    def add_row(
        self, label: str, widget: QWidget, fields: Iterable[str] = (), hint: str | QLabel = ""
    ) -> QWidget:
        """``hint``: grey text under the field (or a label of one's own, to change later)."""
        error = _note(style=ERROR_STYLE)
        error.hide()
        cell = QWidget()
        if isinstance(hint, str):
            hint = _note(hint) if hint else None
        items = [widget] + ([hint] if hint is not None else []) + [error]
        cell.setLayout(vbox(*items, spacing=2))
        self._form.addRow(f"{label}：", cell)
        self._rows.append((_Row(label, widget, error), tuple(fields) or (label,)))
        return widget

    def clear_errors(self) -> None:
        for row, _fields in self._rows:
            row.error.clear()
            row.error.hide()
        self.general.clear()
        self.general.hide()

    def show_errors(self, err: UserError) -> None:
        self.clear_errors()
        errors = err.errors if isinstance(err, ValidationErrors) else [err]
        first: QWidget | None = None
        unplaced: list[str] = []
        for error in errors:
            field = getattr(error, "field", None)
            row = next((r for r, fields in self._rows if field in fields), None)
            if row is None:
                unplaced.append(str(error))
                continue
            text = f"{row.label}：{error.message}"
            row.error.setText(f"{row.error.text()}\n{text}" if row.error.text() else text)
            row.error.show()
            first = first or row.widget
        if unplaced:
            self.general.setText("\n".join(unplaced))
            self.general.show()
        if first is not None:
            first.setFocus()
            if isinstance(first, QLineEdit):
                first.selectAll()
        grow_to_fit(self)

    def error_text(self, label: str) -> str:
        """The red text under the row called ``label`` ("" when none)."""
        return next((r.error.text() for r, _f in self._rows if r.label == label), "")

    def all_errors(self) -> str:
        texts = [r.error.text() for r, _f in self._rows if r.error.text()]
        return "\n".join(texts + ([self.general.text()] if self.general.text() else []))


def password_edit(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class _Busy:
    """A wait cursor while a password is hashed (~0.1 s)."""

    def __enter__(self):
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def __exit__(self, *exc):
        QGuiApplication.restoreOverrideCursor()
        return False


def busy() -> _Busy:
    return _Busy()


class LoginDialog(QDialog):
    """登录名 + 密码. A wrong password (or a locked / disabled account) is explained in red inside
    the dialog, the password is cleared and the dialog stays open; Enter signs in.

    ``LoginDialog.ask(parent)`` returns the ``SignedIn`` person, or None when 退出 was chosen.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"登录 — {APP_NAME}")
        self.signed_in: SignedIn | None = None
        title = QLabel(APP_NAME)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignCenter)
        company = QLabel(str(app_settings.get("company_name") or ""))
        company.setAlignment(Qt.AlignCenter)
        company.setStyleSheet(HINT_STYLE)
        company.setWordWrap(True)

        self.username = QLineEdit()
        self.username.setPlaceholderText("如 zhangsan")
        self.username.setMaxLength(accounts.USERNAME_MAX)
        self.password = password_edit()
        self.error_label = _note(style=ERROR_STYLE)
        self.error_label.setObjectName("loginError")
        self.error_label.hide()
        form = QFormLayout()
        form.setSpacing(10)
        form.addRow("登录名：", self.username)
        form.addRow("密码：", self.password)
        help_note = _note("忘记密码或账号被锁定，请找主管在“设置 → 账号”中重置或解锁。")

        self.login_button = QPushButton("登录")
        self.login_button.setDefault(True)  # Enter in either field signs in
        self.login_button.clicked.connect(self.try_login)
        self.quit_button = QPushButton("退出")
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.reject)
        self.setLayout(
            vbox(
                title,
                company,
                form,
                self.error_label,
                help_note,
                hbox(None, self.quit_button, self.login_button),
                margin=20,
                spacing=10,
            )
        )
        self.setMinimumWidth(400)
        self.username.setFocus()

    def try_login(self) -> None:
        name = self.username.text().strip()
        if not name:
            self._show_error("请填写登录名。", self.username)
            return
        if not self.password.text():
            self._show_error("请填写密码。", self.password)
            return
        try:
            with busy():
                person = accounts.login(name, self.password.text())
        except UserError as err:
            self.password.clear()
            self._show_error(str(err), self.password)
            return
        self.signed_in = person
        self.accept()

    def _show_error(self, text: str, focus: QLineEdit) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        grow_to_fit(self)
        focus.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> SignedIn | None:
        dialog = cls(parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.signed_in
        return None


class ChangePasswordDialog(GuardedDialog, QDialog):
    """原密码 / 新密码 / 确认新密码 for the signed-in person.

    ``forced``: the first sign-in with a password a 主管 set — the title says so and the only other
    way out is 退出 (quitting the app). Otherwise it is the optional 修改密码 (取消 closes it).
    """

    def __init__(self, forced: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.forced = forced
        person = accounts.current()
        who = person.label if person is not None else ""
        self.setWindowTitle("首次登录请修改密码" if forced else "修改密码")
        if forced:
            intro_text = (
                f"{who}，您好。您现在用的是主管设置的初始密码，请先改为只有您自己知道的新密码，再开始工作。"
            )
        else:
            intro_text = f"修改 {who} 的登录密码。"
        intro = _note(intro_text, "")
        self.old = password_edit()
        self.new = password_edit()
        self.confirm = password_edit()
        self.form = ErrorForm()
        self.form.add_row("原密码", self.old)
        self.form.add_row("新密码", self.new, ("新密码", "密码"))
        self.form.add_row("确认新密码", self.confirm, ("确认密码",))
        rules = _note(PASSWORD_RULES + "新密码不能与原密码相同。")

        self.ok_button = QPushButton("修改密码")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton("退出" if forced else "取消")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        if forced:
            self.cancel_button.setToolTip("不修改密码就不能使用；退出后下次登录仍需修改")
        self.setLayout(
            vbox(
                intro, self.form, rules, hbox(None, self.cancel_button, self.ok_button), margin=16, spacing=10
            )
        )
        self.setMinimumWidth(440)
        self.old.setFocus()

    def accept(self) -> None:
        try:
            with busy():
                accounts.change_password(self.old.text(), self.new.text(), self.confirm.text())
        except UserError as err:
            self.form.show_errors(err)
            return
        super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None = None, forced: bool = False) -> bool:
        """True when the password was changed."""
        return cls(forced, parent).exec() == QDialog.DialogCode.Accepted


def sign_in_at_start(parent: QWidget | None = None) -> bool:
    """Before the main window: True to go on (accounts off, or signed in with a password of
    one's own), False when the person chose 退出."""
    if not accounts.accounts_enabled():
        return True
    person = LoginDialog.ask(parent)
    if person is None:
        return False
    if person.must_change_password and not ChangePasswordDialog.ask(parent, forced=True):
        accounts.sign_out()
        return False
    return True
