"""The main window follows the signed-in person: pages, menus, 切换用户 and role changes."""

from conftest import TEAM_PASSWORD
from modal_boxes import answer_next_box

from desktop.models import Staff, VisitTask
from desktop.services.admin import accounts
from desktop.services.admin.accounts import AccountInput
from desktop.services.intake import customers
from desktop.services.scheduling import tasks
from desktop.services.visits import templates
from desktop.views.common.context import AppContext
from desktop.views.common.pages import PAGES
from desktop.views.shell import login_dialog
from desktop.views.shell.main_window import MainWindow

PASSWORD = TEAM_PASSWORD


def window_for(qtbot, db_path, username):
    accounts.login(username, PASSWORD)
    window = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(window)
    return window


def shown_pages(window) -> list[str]:
    return [spec.id for row, spec in enumerate(PAGES) if not window.nav.isRowHidden(row)]


def test_viewer_cannot_back_up_or_restore(qtbot, team, db_path):
    window = window_for(qtbot, db_path, "hq")
    assert not window._backup_action.isEnabled() and not window._restore_action.isEnabled()
    assert "主管" in window._backup_action.toolTip()
    assert "当前用户：总部（只读）" in window._user_label.text()
    assert window._export_action.isEnabled()  # head office exports (masked)


def test_caller_does_not_export_the_head_office_workbook(qtbot, team, db_path):
    window = window_for(qtbot, db_path, "qian")
    assert not window._export_action.isEnabled() and not window._merge_action.isEnabled()
    assert not window._backup_action.isEnabled()


def test_switch_user_asks_about_unsaved_work_and_forgets_the_last_person(qtbot, team, db_path, monkeypatch):
    window = window_for(qtbot, db_path, "boss")
    form = window.page("visit_form")
    form._dirty = True
    asked = []
    answer_next_box("取消", asked)  # the real 保存草稿 / 放弃 / 取消 box
    signed = []
    monkeypatch.setattr(login_dialog, "sign_in_at_start", lambda parent=None: signed.append(1) or True)
    window.switch_user()
    assert asked and "未保存" in asked[0]["text"]
    assert accounts.current() is not None and not signed  # kept working: nothing happened
    window.scan_box.edit.setText("HUIFANG:TASK:1")
    window.statusBar().showMessage("回访记录 #1 已保存")
    answer_next_box("放弃")

    def next_person(parent=None):
        accounts.login("hq", PASSWORD)
        return True

    monkeypatch.setattr(login_dialog, "sign_in_at_start", next_person)
    window.switch_user()
    assert accounts.current().role == "只读"
    assert window.scan_box.edit.text() == "" and window.statusBar().currentMessage() == ""
    assert "settings" not in shown_pages(window) and "tasks" not in shown_pages(window)
    assert window.page("visit_form") is not form  # built anew for the new person


def test_a_supervisor_demoting_themselves_gets_pages_for_the_new_role(qtbot, team, db_path):
    window = window_for(qtbot, db_path, "boss")
    accounts.create_account(AccountInput("li", "李主管", "主管"), PASSWORD, PASSWORD)
    window.open_page("customers")
    customers_page = window.page("customers")
    me = accounts.current()
    accounts.update_account(me.id, AccountInput("boss", "王主管", "只读"))
    window.on_accounts_changed()
    assert "settings" not in shown_pages(window)
    assert window.page("customers") is not customers_page  # rebuilt: it read the old role


def test_a_callers_recovery_rate_is_their_own(team, database):
    from datetime import date, timedelta

    customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
    template = templates.active_template("after_sales")
    yesterday = date.today() - timedelta(days=1)
    other = Staff.create(name="孙员工", role="回访员")
    for n, (assignee, status) in enumerate(
        ((team.qian.id, "已完成"), (team.qian.id, "待回访"), (other.id, "已完成"))
    ):
        VisitTask.create(
            customer=customer,
            template=template,
            trigger=f"回访{n}",
            assignee=assignee,
            status=status,
            earliest=yesterday,
            latest=yesterday,
        )
    start, end = yesterday, date.today()
    assert (tasks.recovery_rate(start, end).due, tasks.recovery_rate(start, end).completed) == (3, 2)
    accounts.login("qian", PASSWORD)
    mine = tasks.recovery_rate(start, end)
    assert (mine.due, mine.completed) == (2, 1)
