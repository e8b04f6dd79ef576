"""Sign-in accounts: hashes, lock-out, roles, account management, the audit trail."""

from datetime import datetime, timedelta

import pytest

from desktop.models import AuditLog, Staff, UserAccount
from desktop.services.admin import accounts
from desktop.services.admin.accounts import AccountInput, LoginFailed, PermissionDenied
from desktop.services.common.errors import UserError, ValidationErrors

T0 = datetime(2026, 11, 23, 9, 0)


@pytest.fixture
def boss(database):
    """Accounts on, with the first 主管 signed in."""
    return accounts.enable_accounts("Boss", "王主管", "boss2026pw", "boss2026pw")


def add(username, role, name=None, staff_id=None, password="caller123x"):
    return accounts.create_account(
        AccountInput(username, name or username, role, staff_id), password, password
    )


def test_hash_is_salted_scrypt_and_verifies():
    first = accounts.hash_password("huifang2026")
    second = accounts.hash_password("huifang2026")
    assert first != second  # salted
    assert first.startswith("scrypt$32768$8$1$")
    assert "huifang2026" not in first
    assert accounts.verify_password("huifang2026", first)
    assert not accounts.verify_password("huifang2027", first)
    assert not accounts.verify_password("huifang2026", "not-a-hash")
    assert not accounts.verify_password("huifang2026", "md5$1$1$1$AAAA$AAAA")


def test_accounts_are_off_by_default_and_everything_is_allowed(database):
    assert not accounts.accounts_enabled()
    assert accounts.current() is None
    assert accounts.can(accounts.MANAGE) and accounts.can(accounts.FULL_PHONE)
    accounts.require(accounts.MANAGE)  # no error
    assert accounts.phone_for_screen("13812345678") == "13812345678"


def test_enable_creates_first_supervisor_and_signs_in(boss):
    assert accounts.accounts_enabled()
    assert boss.role == "主管" and boss.username == "boss"  # 登录名 is case-insensitive
    row = UserAccount.get(UserAccount.username == "boss")
    assert not row.must_change_password
    assert accounts.verify_password("boss2026pw", row.password_hash)
    assert AuditLog.select().where(AuditLog.action.startswith("启用账号登录")).count() == 1


def test_enable_rejects_weak_password_and_saves_nothing(database):
    with pytest.raises(ValidationErrors) as err:
        accounts.enable_accounts("boss", "", "12345678", "1234")
    assert set(err.value.fields) == {"姓名", "密码"}
    assert not accounts.accounts_enabled()
    assert UserAccount.select().count() == 0


@pytest.mark.parametrize(
    ("password", "confirm", "field", "words"),
    [
        ("short1", "short1", "密码", "至少 8 位"),
        ("onlyletters", "onlyletters", "密码", "字母和数字"),
        ("1234567890", "1234567890", "密码", "字母和数字"),
        ("zhang2026a", "zhang2026b", "确认密码", "不一致"),
        ("x" * 70 + "1", "x" * 70 + "1", "密码", "最多"),
    ],
)
def test_password_rules_name_the_field(boss, password, confirm, field, words):
    with pytest.raises(ValidationErrors) as err:
        accounts.create_account(AccountInput("zhang", "张三", "回访员"), password, confirm)
    assert err.value.fields == [field]
    assert words in str(err.value)
    assert not UserAccount.select().where(UserAccount.username == "zhang").exists()


def test_username_rules(boss):
    for bad, words in (("", "不能为空"), ("a b", "不能有空格"), ("x", "至少 2"), ("boss", "已被使用")):
        with pytest.raises(ValidationErrors) as err:
            add(bad, "回访员", name="某人")
        assert words in str(err.value), bad
    with pytest.raises(ValidationErrors, match="角色"):
        add("li", "管理员")


def test_login_success_resets_failures_and_records_time(boss):
    add("zhang", "回访员", "张三")
    accounts.sign_out()
    with pytest.raises(LoginFailed, match="连续输错 5 次将锁定"):
        accounts.login("zhang", "wrong-pass1", at=T0)
    me = accounts.login(" ZHANG ", "caller123x", at=T0)
    assert me.display_name == "张三" and me.role == "回访员" and me.must_change_password
    row = UserAccount.get(UserAccount.username == "zhang")
    assert row.failed_logins == 0 and row.last_login_at == T0


def test_five_wrong_passwords_lock_the_account(boss):
    add("zhang", "回访员", "张三")
    accounts.sign_out()
    for n in range(1, accounts.MAX_FAILURES):
        with pytest.raises(LoginFailed) as wrong:
            accounts.login("zhang", f"bad{n}xxxxx", at=T0)
        # the same words as for a 登录名 that does not exist: nothing tells the two apart
        assert str(wrong.value) == accounts.WRONG_LOGIN
    with pytest.raises(LoginFailed) as unknown:
        accounts.login("nobody", "bad5xxxxx", at=T0)
    assert str(unknown.value) == accounts.WRONG_LOGIN
    with pytest.raises(LoginFailed, match="已锁定到 09:15"):
        accounts.login("zhang", "bad5xxxxx", at=T0)
    # the right password does not help while locked, and does not extend the lock
    with pytest.raises(LoginFailed, match="已锁定到 09:15"):
        accounts.login("zhang", "caller123x", at=T0 + timedelta(minutes=10))
    assert accounts.current() is None
    assert accounts.login("zhang", "caller123x", at=T0 + timedelta(minutes=16)).username == "zhang"
    assert AuditLog.select().where(AuditLog.action == "账号锁定：张三").count() == 1


def test_supervisor_unlocks(boss):
    account = add("zhang", "回访员", "张三")
    accounts.sign_out()
    for n in range(accounts.MAX_FAILURES):
        with pytest.raises(LoginFailed):
            accounts.login("zhang", f"bad{n}xxxxx")
    accounts.login("boss", "boss2026pw")
    accounts.unlock(account.id)
    accounts.sign_out()
    assert accounts.login("zhang", "caller123x").username == "zhang"


def test_unknown_user_and_disabled_account(boss):
    account = add("zhang", "回访员", "张三")
    with pytest.raises(LoginFailed, match="登录名或密码不正确"):
        accounts.login("nobody", "whatever1")
    accounts.update_account(account.id, AccountInput("zhang", "张三", "回访员", active=False))
    with pytest.raises(LoginFailed, match="已停用"):
        accounts.login("zhang", "caller123x")


def test_roles_decide_what_is_allowed(boss):
    add("zhang", "回访员", "张三")
    add("hq", "只读", "总部")
    accounts.sign_out()
    caller = accounts.login("zhang", "caller123x")
    assert caller.can(accounts.CALL) and caller.can(accounts.FULL_PHONE)
    assert not caller.can(accounts.MANAGE) and not caller.can(accounts.SEE_ALL)
    with pytest.raises(PermissionDenied, match=r"张三（回访员）.*没有“添加账号”的权限.*主管"):
        add("li", "回访员")
    accounts.login("hq", "caller123x")
    assert accounts.phone_for_screen("13812345678") == "138****5678"
    with pytest.raises(PermissionDenied, match="回访员或主管"):
        accounts.require(accounts.CALL, "填写回访表")
    assert accounts.own_staff_filter() is False  # 只读 sees everyone's, masked


def test_caller_sees_own_staff_id(boss):
    staff = Staff.create(name="张三", role="回访员")
    add("zhang", "回访员", "张三", staff_id=staff.id)
    accounts.sign_out()
    accounts.login("zhang", "caller123x")
    assert accounts.own_staff_filter() == staff.id
    assert accounts.actor_name() == "张三"


def test_last_supervisor_cannot_be_demoted_or_disabled(boss):
    with pytest.raises(UserError, match="最后一个在用的主管"):
        accounts.update_account(boss.id, AccountInput("boss", "王主管", "回访员"))
    with pytest.raises(UserError, match="最后一个在用的主管"):
        accounts.update_account(boss.id, AccountInput("boss", "王主管", "主管", active=False))
    assert UserAccount.get_by_id(boss.id).role == "主管"
    add("li", "主管", "李主管")
    accounts.update_account(boss.id, AccountInput("boss", "王主管", "只读"))
    assert UserAccount.get_by_id(boss.id).role == "只读"
    assert accounts.current().role == "只读"  # their own role: the session follows at once
    entry = AuditLog.select().where(AuditLog.action == "修改账号：王主管").get()
    assert entry.changes == [{"field": "角色", "old": "主管", "new": "只读"}]
    assert entry.entity_id == boss.id and entry.operator == "王主管"


def test_reset_password_forces_change_and_change_password(boss):
    account = add("zhang", "回访员", "张三")
    accounts.reset_password(account.id, "newfirst99", "newfirst99")
    accounts.sign_out()
    me = accounts.login("zhang", "newfirst99")
    assert me.must_change_password
    with pytest.raises(ValidationErrors) as err:
        accounts.change_password("wrong", "newfirst99", "newfirst99")
    assert set(err.value.fields) == {"原密码", "新密码"}
    accounts.change_password("newfirst99", "mine2026ok", "mine2026ok")
    assert not accounts.current().must_change_password
    accounts.sign_out()
    assert accounts.login("zhang", "mine2026ok").username == "zhang"


def test_verify_supervisor_by_name_or_login(boss):
    add("zhang", "回访员", "张三")
    accounts.sign_out()
    assert accounts.verify_supervisor("王主管", "boss2026pw").username == "boss"
    assert accounts.verify_supervisor("BOSS", "boss2026pw").username == "boss"
    with pytest.raises(ValidationErrors, match="主管密码"):
        accounts.verify_supervisor("boss", "nope12345")
    with pytest.raises(ValidationErrors, match="不是在用的主管账号"):
        accounts.verify_supervisor("张三", "caller123x")
    # nobody signed in (sign-in off): nothing to count against; the 主管 is never locked by it
    assert UserAccount.get(UserAccount.username == "boss").failed_logins == 0


def test_guessing_the_supervisor_password_locks_the_guesser_not_the_supervisor(boss):
    add("zhang", "回访员", "张三")
    accounts.sign_out()
    accounts.login("zhang", "caller123x")
    for n in range(accounts.MAX_FAILURES - 1, 0, -1):
        with pytest.raises(ValidationErrors, match=f"再错 {n} 次，当前账号将被锁定"):
            accounts.verify_supervisor("boss", "guess1234")
    with pytest.raises(ValidationErrors, match="已锁定到"):
        accounts.verify_supervisor("boss", "guess1234")
    with pytest.raises(ValidationErrors, match="已锁定到"):  # even the right one, while locked
        accounts.verify_supervisor("boss", "boss2026pw")
    assert UserAccount.get(UserAccount.username == "boss").failed_logins == 0
    assert UserAccount.get(UserAccount.username == "boss").locked_until is None
    accounts.sign_out()
    assert accounts.login("boss", "boss2026pw").role == "主管"


def test_disabled_or_demoted_meanwhile_counts_at_once_for_writes(boss):
    account = add("zhang", "回访员", "张三")
    accounts.sign_out()
    accounts.login("zhang", "caller123x")
    assert accounts.can(accounts.EDIT_CUSTOMERS)
    # a 主管 on another PC turns the account off
    UserAccount.update(active=False).where(UserAccount.id == account.id).execute()
    with pytest.raises(PermissionDenied, match="已停用"):
        accounts.require(accounts.CALL, "填写回访表")
    assert not accounts.can(accounts.FULL_PHONE)


def test_display_names_are_unique_and_staff_links_are_audited(boss):
    first = Staff.create(name="张三", role="回访员")
    second = Staff.create(name="张三丰", role="回访员")
    account = add("zhang", "回访员", "张三", staff_id=first.id)
    with pytest.raises(ValidationErrors, match="已有账号使用"):
        add("zhang2", "回访员", "张三")
    accounts.update_account(account.id, AccountInput("zhang", "张三", "回访员", second.id))
    entry = AuditLog.select().where(AuditLog.action == "修改账号：张三").get()
    assert entry.changes == [{"field": "对应员工", "old": "张三", "new": "张三丰"}]


def test_disable_keeps_accounts_and_needs_a_supervisor(boss):
    add("zhang", "回访员", "张三")
    accounts.sign_out()
    accounts.login("zhang", "caller123x")
    with pytest.raises(PermissionDenied):
        accounts.disable_accounts()
    accounts.login("boss", "boss2026pw")
    accounts.disable_accounts()
    assert not accounts.accounts_enabled()
    assert UserAccount.select().count() == 2
    # turning it on again with the existing 主管's password, no new account
    accounts.sign_out()
    again = accounts.enable_accounts("boss", "", "boss2026pw", "")
    assert again.id == boss.id and UserAccount.select().count() == 2
    accounts.disable_accounts()
    accounts.sign_out()
    with pytest.raises(ValidationErrors, match="密码"):
        accounts.enable_accounts("boss", "", "wrong", "")


# ---------------------------------------------------------------- the way back in: huifang accounts
def test_cli_resets_a_forgotten_supervisor_password_and_turns_sign_in_off(
    boss, db_target, capsys, monkeypatch
):
    import io

    from desktop.cli import main

    accounts.sign_out()
    for n in range(accounts.MAX_FAILURES):
        with pytest.raises(LoginFailed):
            accounts.login("boss", f"forgot{n}xx")
    assert main(["--db", db_target, "accounts", "list"]) == 0
    out = capsys.readouterr().out
    assert "账号登录：已启用" in out and "boss\t王主管\t主管\t锁定至" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("fresh2026pw\n"))
    assert main(["--db", db_target, "accounts", "reset-password", "BOSS", "--password-stdin"]) == 0
    me = accounts.login("boss", "fresh2026pw")
    assert me.must_change_password
    accounts.sign_out()
    assert main(["--db", db_target, "accounts", "unlock", "nobody"]) == 2
    assert "没有登录名为“nobody”的账号。现有账号：boss" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--db", db_target, "accounts", "reset-password", "boss", "--password-stdin"]) == 2
    assert "密码：至少 8 位" in capsys.readouterr().err
    assert main(["--db", db_target, "accounts", "off"]) == 0
    assert not accounts.accounts_enabled()
