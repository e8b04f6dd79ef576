"""设置 → 账号: turning sign-in on and off and managing accounts, used like a 主管 would."""

from datetime import timedelta

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QLabel, QMessageBox

from desktop.models import AuditLog, Staff, UserAccount, now
from desktop.services.admin import accounts
from desktop.services.admin.accounts import ROLE_HELP, AccountInput
from desktop.views.common.context import AppContext
from desktop.views.settings.accounts_panel import (
    AccountDialog,
    AccountsPanel,
    EnableAccountsDialog,
    ResetPasswordDialog,
)
from desktop.views.settings.settings_view import SettingsView


@pytest.fixture
def answers(monkeypatch):
    """QMessageBox stubbed: questions answered from ``answers["question"]``, warnings recorded."""
    state = {"question": QMessageBox.Yes, "asked": [], "warnings": []}

    def question(_parent, _title, text, *_a, **_k):
        state["asked"].append(text)
        return state["question"]

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: state["warnings"].append(text))
    return state


def make_panel(qtbot) -> AccountsPanel:
    panel = AccountsPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 650)
    panel.show()
    return panel


@pytest.fixture
def boss(database):
    return accounts.enable_accounts("boss", "王主管", "boss2026pw", "boss2026pw")


@pytest.fixture
def panel(qtbot, boss, answers):
    return make_panel(qtbot)


def add_zhang(staff_id=None):
    return accounts.create_account(
        AccountInput("zhang", "张三", "回访员", staff_id), "first2026x", "first2026x"
    )


def type_into(qtbot, widget, text: str) -> None:
    """Latin characters as key presses, Chinese committed as a pinyin input method does."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(char)
            QCoreApplication.sendEvent(widget, event)


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def cells(panel, username: str) -> list[str]:
    for row in range(panel.table.rowCount()):
        if panel.table.item(row, 0).text() == username:
            return [panel.table.item(row, c).text() for c in range(panel.table.columnCount())]
    raise AssertionError(f"{username} not listed")


def test_enable_from_the_panel_creates_the_first_supervisor(qtbot, database, answers):
    panel = make_panel(qtbot)
    assert not panel.is_enabled()
    shown = panel.off_page.findChildren(QLabel)
    texts = " ".join(label.text() for label in shown)
    assert "一个人使用的小店不需要账号" in texts
    assert all(help_text in texts for help_text in ROLE_HELP.values())

    click(qtbot, panel.enable_button)
    dialog = panel.dialog
    assert isinstance(dialog, EnableAccountsDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.username, "Wang")
    type_into(qtbot, dialog.display_name, "王主管")
    qtbot.keyClicks(dialog.password, "wang2026pw")
    qtbot.keyClicks(dialog.confirm, "wang2026px")
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert dialog.form.error_text("确认密码").startswith("确认密码：两次输入的密码不一致")
    assert not accounts.accounts_enabled() and UserAccount.select().count() == 0

    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, "wang2026pw")
    with qtbot.waitSignal(panel.accounts_changed, timeout=1000):
        click(qtbot, dialog.ok_button)
    assert accounts.accounts_enabled()
    me = accounts.current()
    assert me.username == "wang" and me.display_name == "王主管" and me.role == "主管"
    assert panel.is_enabled() and panel.dialog is None
    assert cells(panel, "wang")[:3] == ["wang", "王主管", "主管"]
    assert "当前登录：王主管（主管）" in panel.signed_in_label.text()


def test_add_a_caller_linked_to_a_staff_member(qtbot, panel):
    person = Staff.create(name="李四", role="回访员")
    click(qtbot, panel.add_button)
    dialog = panel.dialog
    assert isinstance(dialog, AccountDialog)
    assert dialog.role.currentText() == "回访员"
    assert "尚未对应员工" in dialog.staff_hint.text()
    qtbot.keyClicks(dialog.username, "lisi")
    dialog.staff.setCurrentIndex(dialog.staff.findData(person.id))
    assert dialog.display_name.text() == "李四"  # filled in from the chosen staff member
    assert "尚未对应员工" not in dialog.staff_hint.text()
    qtbot.keyClicks(dialog.password, "lisi2026ab")
    qtbot.keyClicks(dialog.confirm, "lisi2026ab")
    with qtbot.waitSignal(panel.accounts_changed, timeout=1000):
        click(qtbot, dialog.ok_button)
    row = UserAccount.get(UserAccount.username == "lisi")
    assert row.staff_id == person.id and row.role == "回访员" and row.display_name == "李四"
    assert row.must_change_password
    assert cells(panel, "lisi")[:5] == ["lisi", "李四", "回访员", "李四", "正常"]
    assert cells(panel, "lisi")[5] == "从未登录"
    assert panel.selected().username == "lisi"


def test_bad_password_shows_the_field_message_and_saves_nothing(qtbot, panel):
    click(qtbot, panel.add_button)
    dialog = panel.dialog
    qtbot.keyClicks(dialog.username, "zhao")
    type_into(qtbot, dialog.display_name, "赵六")
    qtbot.keyClicks(dialog.password, "short1")
    qtbot.keyClicks(dialog.confirm, "short1")
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and panel.dialog is dialog
    assert dialog.form.error_text("初始密码") == "初始密码：至少 8 位，请加长。"
    assert dialog.form.error_text("登录名") == ""
    assert not UserAccount.select().where(UserAccount.username == "zhao").exists()

    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "onlyletters")
    click(qtbot, dialog.ok_button)
    assert "字母和数字" in dialog.form.error_text("初始密码")
    assert UserAccount.select().count() == 1

    click(qtbot, dialog.cancel_button)
    assert panel.dialog is None
    assert panel.table.rowCount() == 1


def test_edit_role_and_stop_an_account(qtbot, panel):
    add_zhang()
    panel.reload()
    assert panel.select_username("zhang")
    click(qtbot, panel.edit_button)
    dialog = panel.dialog
    assert dialog.username.isReadOnly() and dialog.username.text() == "zhang"
    assert dialog.password.isHidden()  # no password when editing
    dialog.role.setCurrentText("只读")
    assert ROLE_HELP["只读"] in dialog.role_hint.text()
    dialog.active.setChecked(False)
    click(qtbot, dialog.ok_button)
    row = UserAccount.get(UserAccount.username == "zhang")
    assert row.role == "只读" and not row.active
    assert cells(panel, "zhang")[4] == "已停用"


def test_last_supervisor_cannot_be_demoted_and_nothing_is_saved(qtbot, panel):
    panel.select_username("boss")
    click(qtbot, panel.edit_button)
    dialog = panel.dialog
    dialog.role.setCurrentText("回访员")
    dialog.display_name.clear()
    type_into(qtbot, dialog.display_name, "王经理")
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert "最后一个在用的主管" in dialog.form.general.text()
    row = UserAccount.get(UserAccount.username == "boss")
    assert row.role == "主管" and row.display_name == "王主管"


def test_reset_password(qtbot, panel):
    account = add_zhang()
    UserAccount.update(must_change_password=False).where(UserAccount.id == account.id).execute()
    panel.reload()
    panel.select_username("zhang")
    click(qtbot, panel.reset_button)
    dialog = panel.dialog
    assert isinstance(dialog, ResetPasswordDialog)
    qtbot.keyClicks(dialog.password, "reset2026a")
    qtbot.keyClicks(dialog.confirm, "reset2026b")
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("确认密码").startswith("确认密码：")
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, "reset2026a")
    click(qtbot, dialog.ok_button)
    assert panel.dialog is None
    row = UserAccount.get_by_id(account.id)
    assert row.must_change_password
    assert accounts.verify_password("reset2026a", row.password_hash)
    assert AuditLog.select().where(AuditLog.action == "重置密码：张三").count() == 1


def test_unlock(qtbot, panel):
    account = add_zhang()
    UserAccount.update(locked_until=now() + timedelta(minutes=10)).where(
        UserAccount.id == account.id
    ).execute()
    panel.reload()
    panel.select_username("boss")
    assert not panel.unlock_button.isEnabled()  # only a locked account can be unlocked
    panel.select_username("zhang")
    assert cells(panel, "zhang")[4].startswith("锁定至")
    with qtbot.waitSignal(panel.accounts_changed, timeout=1000):
        click(qtbot, panel.unlock_button)
    assert UserAccount.get_by_id(account.id).locked_until is None
    assert cells(panel, "zhang")[4] == "正常"
    assert not panel.unlock_button.isEnabled()
    assert AuditLog.select().where(AuditLog.action == "解锁账号：张三").count() == 1


def test_disable_asks_first(qtbot, panel, answers):
    answers["question"] = QMessageBox.No
    click(qtbot, panel.disable_button)
    assert answers["asked"] and accounts.accounts_enabled()

    answers["question"] = QMessageBox.Yes
    with qtbot.waitSignal(panel.accounts_changed, timeout=1000):
        click(qtbot, panel.disable_button)
    assert not accounts.accounts_enabled()
    assert accounts.current() is None
    assert not panel.is_enabled()
    assert UserAccount.select().count() == 1  # kept for turning it on again
    assert answers["warnings"] == []


def test_caller_sees_the_list_read_only(qtbot, boss, answers):
    add_zhang()
    accounts.login("zhang", "first2026x")
    panel = make_panel(qtbot)
    assert panel.is_enabled()
    assert panel.read_only_note.isVisible()
    assert "只有主管" in panel.read_only_note.text()
    panel.select_username("zhang")
    for button in (panel.add_button, panel.edit_button, panel.reset_button, panel.unlock_button):
        assert not button.isEnabled(), button.text()
    assert not panel.disable_button.isEnabled()
    assert panel.own_password_button.isEnabled()
    panel.table.doubleClicked.emit(panel.table.currentIndex())
    assert panel.dialog is None
    assert panel.table.rowCount() == 2


def test_settings_page_has_the_tabs_and_passes_the_signal_on(qtbot, database, answers, db_path):
    view = SettingsView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    titles = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert titles[-2:] == ["账号", "修改记录"]
    view.open_with(tab="accounts")
    assert view.tabs.currentWidget() is view.accounts
    accounts.enable_accounts("boss", "王主管", "boss2026pw", "boss2026pw")
    with qtbot.waitSignal(view.accounts_changed, timeout=1000):
        view.accounts.reload()
        click(qtbot, view.accounts.disable_button)
