"""登录 and 修改密码 dialogs, and the sign-in at start-up, used like a person would."""

import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from desktop.models import UserAccount
from desktop.services.admin import accounts
from desktop.services.admin.accounts import AccountInput
from desktop.views.shell.login_dialog import ChangePasswordDialog, LoginDialog, sign_in_at_start

FIRST = "first2026x"  # the 主管's first password for 张三


@pytest.fixture
def shop(database):
    """Accounts on: 主管 boss, and 回访员 zhang with a first password; nobody signed in."""
    accounts.enable_accounts("boss", "王主管", "boss2026pw", "boss2026pw")
    accounts.create_account(AccountInput("zhang", "张三", "回访员"), FIRST, FIRST)
    accounts.sign_out()


@pytest.fixture
def login(qtbot, shop):
    dialog = LoginDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def zhang() -> UserAccount:
    return UserAccount.get(UserAccount.username == "zhang")


def enter(qtbot, widget, text: str) -> None:
    """Type ``text`` into an empty line edit and press Enter there."""
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key_Return)


class ModalDriver:
    """Acts on modal dialogs as they come up while the code under test blocks in ``exec()``.

    ``steps``: (dialog class, action) in order; an action runs once its class is the active modal
    widget. A failing action (or a dialog left open too long) rejects the dialog so ``exec()``
    returns; ``check()`` re-raises the failure and asserts every step ran."""

    def __init__(self, steps, timeout: float = 15.0):
        self.steps = list(steps)
        self.error: BaseException | None = None
        self.deadline = time.monotonic() + timeout
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            return
        if self.error is not None or not self.steps or time.monotonic() > self.deadline:
            widget.reject()
            return
        cls, action = self.steps[0]
        if not isinstance(widget, cls):
            return
        self.steps.pop(0)
        try:
            action(widget)
        except BaseException as err:  # noqa: BLE001 (re-raised by check())
            self.error = err
            widget.reject()

    def check(self) -> None:
        self.timer.stop()
        if self.error is not None:
            raise self.error
        assert not self.steps, f"dialogs never shown for {len(self.steps)} step(s)"


def test_wrong_password_shows_the_message_in_the_dialog_and_stays_open(qtbot, login):
    qtbot.keyClicks(login.username, "zhang")
    enter(qtbot, login.password, "wrong-pass1")
    assert login.isVisible()
    assert login.error_label.isVisible()
    assert "登录名或密码不正确" in login.error_label.text()
    assert "登录名或密码不正确" in login.error_label.text()
    assert login.password.text() == ""
    assert login.focusWidget() is login.password
    assert login.username.text() == "zhang"
    assert accounts.current() is None
    assert zhang().failed_logins == 1


def test_empty_fields_are_asked_for_without_counting_a_failure(qtbot, login):
    qtbot.keyClick(login.username, Qt.Key_Return)
    assert login.error_label.text() == "请填写登录名。"
    enter(qtbot, login.username, "zhang")  # Enter in 登录名 with no password yet
    assert login.error_label.text() == "请填写密码。"
    assert login.focusWidget() is login.password
    assert login.isVisible()
    assert zhang().failed_logins == 0


def test_five_wrong_passwords_lock_the_account(qtbot, login):
    qtbot.keyClicks(login.username, "zhang")
    for n in range(1, accounts.MAX_FAILURES + 1):
        enter(qtbot, login.password, f"bad{n}xxxxx")
    assert "已锁定到" in login.error_label.text()
    assert zhang().locked_until is not None
    enter(qtbot, login.password, FIRST)  # the right one does not help while locked
    assert "已锁定到" in login.error_label.text()
    assert login.isVisible() and accounts.current() is None


def test_right_password_signs_in(qtbot, login):
    qtbot.keyClicks(login.username, " ZHANG ")
    enter(qtbot, login.password, FIRST)
    assert login.result() == QDialog.DialogCode.Accepted
    assert not login.isVisible()
    assert login.signed_in.username == "zhang"
    me = accounts.current()
    assert me.display_name == "张三" and me.role == "回访员" and me.must_change_password
    assert zhang().last_login_at is not None


def test_quit_at_login_returns_false(qtbot, shop):
    def quit_(dialog):
        qtbot.mouseClick(dialog.quit_button, Qt.LeftButton)

    driver = ModalDriver([(LoginDialog, quit_)])
    assert sign_in_at_start() is False
    driver.check()
    assert accounts.current() is None


def test_first_sign_in_must_change_the_password(qtbot, shop):
    seen = {}

    def sign_in(dialog):
        qtbot.keyClicks(dialog.username, "zhang")
        enter(qtbot, dialog.password, FIRST)

    def too_short(dialog):
        seen["title"] = dialog.windowTitle()
        seen["cancel"] = dialog.cancel_button.text()
        qtbot.keyClicks(dialog.old, FIRST)
        qtbot.keyClicks(dialog.new, "short1")
        qtbot.keyClicks(dialog.confirm, "short1")
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
        assert dialog.isVisible()
        seen["error"] = dialog.form.error_text("新密码")
        assert zhang().must_change_password

    def fixed(dialog):
        for edit in (dialog.new, dialog.confirm):
            edit.clear()
            qtbot.keyClicks(edit, "zhang2026ok")
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    driver = ModalDriver(
        [(LoginDialog, sign_in), (ChangePasswordDialog, too_short), (ChangePasswordDialog, fixed)]
    )
    assert sign_in_at_start() is True
    driver.check()
    assert seen["title"] == "首次登录请修改密码"
    assert seen["cancel"] == "退出"
    assert seen["error"] == "新密码：至少 8 位，请加长。"
    assert not accounts.current().must_change_password
    row = zhang()
    assert not row.must_change_password
    assert accounts.verify_password("zhang2026ok", row.password_hash)


def test_quitting_the_forced_change_signs_out(qtbot, shop):
    def sign_in(dialog):
        qtbot.keyClicks(dialog.username, "zhang")
        enter(qtbot, dialog.password, FIRST)

    def quit_(dialog):
        qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)

    driver = ModalDriver([(LoginDialog, sign_in), (ChangePasswordDialog, quit_)])
    assert sign_in_at_start() is False
    driver.check()
    assert accounts.current() is None
    assert zhang().must_change_password


def test_supervisor_with_own_password_is_not_asked_to_change(qtbot, shop):
    def sign_in(dialog):
        qtbot.keyClicks(dialog.username, "boss")
        enter(qtbot, dialog.password, "boss2026pw")

    driver = ModalDriver([(LoginDialog, sign_in)])
    assert sign_in_at_start() is True
    driver.check()
    assert accounts.current().role == "主管"


def test_accounts_off_starts_without_any_dialog(database, monkeypatch):
    def no_dialog(*_args, **_kwargs):
        raise AssertionError("a dialog was shown although accounts are off")

    for name in ("exec", "open", "show"):
        monkeypatch.setattr(QDialog, name, no_dialog)
    monkeypatch.setattr(LoginDialog, "__init__", no_dialog)
    assert sign_in_at_start() is True
    assert accounts.current() is None


def test_optional_change_from_the_menu(qtbot, shop):
    accounts.login("boss", "boss2026pw")
    dialog = ChangePasswordDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "修改密码" and dialog.cancel_button.text() == "取消"
    qtbot.keyClicks(dialog.old, "not-it-123")
    qtbot.keyClicks(dialog.new, "boss2027pw")
    qtbot.keyClicks(dialog.confirm, "boss2027px")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert dialog.isVisible()
    assert dialog.form.error_text("原密码") == "原密码：不正确，请重新输入。"
    assert "确认新密码：两次输入的密码不一致" in dialog.form.error_text("确认新密码")
    assert dialog.form.error_text("新密码") == ""
    boss = UserAccount.get(UserAccount.username == "boss")
    assert accounts.verify_password("boss2026pw", boss.password_hash)
    qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected
