"""主管确认 with sign-in accounts on: a caller needs the supervisor's password."""

from PySide6.QtWidgets import QDialogButtonBox

from desktop.models import UserAccount
from desktop.services.admin import accounts
from desktop.services.admin.accounts import AccountInput
from desktop.views.visit_form.supervisor_dialog import SupervisorDialog

PASSWORD = "team2026pw"


def press_ok(dialog):
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def test_caller_needs_the_supervisors_password(qtbot, database):
    accounts.enable_accounts("boss", "王主管", PASSWORD, PASSWORD)
    accounts.create_account(AccountInput("qian", "钱员工", "回访员"), PASSWORD, PASSWORD)
    accounts.login("qian", PASSWORD)
    dialog = SupervisorDialog("修改已签字的回访", "钱员工")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.password_edit.isVisible()
    dialog.supervisor_combo.setCurrentText("boss")
    dialog.reason_edit.setPlainText("录入时看错了第1题")
    qtbot.keyClicks(dialog.password_edit, "wrong-pass1")
    press_ok(dialog)
    assert dialog.isVisible() and dialog.override is None
    assert "主管密码" in dialog.error_label.text()
    assert "再错 4 次，当前账号将被锁定" in dialog.error_label.text()
    # the guesses count against the person at the PC, never against the 主管
    assert UserAccount.get(UserAccount.username == "boss").failed_logins == 0
    assert UserAccount.get(UserAccount.username == "qian").failed_logins == 1
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    press_ok(dialog)
    assert dialog.override is not None and dialog.override.password == PASSWORD
    assert not dialog.isVisible()


def test_a_signed_in_supervisor_gives_only_the_reason(qtbot, database):
    accounts.enable_accounts("boss", "王主管", PASSWORD, PASSWORD)
    dialog = SupervisorDialog("修改已签字的回访", "王主管")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.password_edit.isVisible()
    assert dialog.supervisor_combo.currentText() == "王主管" and not dialog.supervisor_combo.isEnabled()
    dialog.reason_edit.setPlainText("客户来电更正")
    press_ok(dialog)
    assert dialog.override is not None and dialog.override.reason == "客户来电更正"
