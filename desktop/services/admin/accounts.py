"""Sign-in accounts and roles (no Qt here).

Off by default: a one-person shop never signs in, and every service works as before. A 主管 turns
accounts on in 设置 → 账号 (``enable_accounts``); from then on the app asks for a 登录名 and 密码
at start-up and what each person may do follows their role:

===========  =====================================================================
回访员        sees and calls their own tasks (and the unassigned ones), fills the 回访表,
             records call attempts, corrects customer details; full phone numbers.
主管          everything: settings, accounts, templates, imports, plans, 改进方案, KPI,
             confirming changes to signed visits; full phone numbers.
只读          head office: every page to look at, nothing to change; phone numbers masked.
===========  =====================================================================

* Passwords are stored only as scrypt hashes (memory-hard: 32 MiB per try), salted per account,
  with the cost in the stored text so it can be raised later without breaking old hashes.
* ``MAX_FAILURES`` wrong passwords in a row lock the account for ``LOCK_MINUTES``; a 主管 can
  unlock it. An unknown 登录名 gets the same message and the same work as a wrong password.
* The signed-in account is process-wide (``current``); services check ``require(capability)``
  at their write entry points. With nobody signed in (accounts off, or the command line, which
  works on the database file directly) every check passes — the file itself is protected by
  the operating system's accounts.
* Account changes (created, role, reset, unlock, on/off) go to the audit log.
"""

import base64
import functools
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import peewee as pw

from desktop.models import AuditLog, Setting, Staff, UserAccount, db, now
from desktop.models.accounts import ROLE_CALLER, ROLE_SUPERVISOR, ROLE_VIEWER, ROLES

from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_text, mask_phone, mask_phones_in_text

ENABLED_KEY = "accounts_enabled"  # a Setting row of its own: not on the 基本设置 form
UNKNOWN_FAILURES_KEY = "login_unknown_failures"  # {登录名: [failures, locked until]} of no account
UNKNOWN_KEPT = 200  # unknown names remembered at most
MAX_FAILURES = 5
LOCK_MINUTES = 15
PASSWORD_MIN = 8
PASSWORD_MAX = 64
USERNAME_MAX = 30

# scrypt cost: N=2^15, r=8 → 128·N·r bytes = 32 MiB of memory per hash, ~0.1 s here
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32

# what a role may do
CALL = "回访"  # tasks, the 回访表, call attempts
EDIT_CUSTOMERS = "修改客户资料"
MANAGE = "管理"  # settings, accounts, templates, import, plans, improvement, KPI, restore
FULL_PHONE = "查看完整电话"
SEE_ALL = "查看全部回访"  # every caller's tasks and visits
FULL_EXPORT = "导出完整联系方式"

CAPABILITIES = {
    ROLE_CALLER: {CALL, EDIT_CUSTOMERS, FULL_PHONE},
    ROLE_SUPERVISOR: {CALL, EDIT_CUSTOMERS, MANAGE, FULL_PHONE, SEE_ALL, FULL_EXPORT},
    ROLE_VIEWER: {SEE_ALL},
}

ROLE_HELP = {
    ROLE_CALLER: "查看并拨打自己的回访任务，填写回访表；可见完整电话",
    ROLE_SUPERVISOR: "全部功能：设置、账号、导入、抽样、改进方案、质量评价、确认修改已签字回访",
    ROLE_VIEWER: "总部查看：所有页面只看不改，电话号码脱敏",
}

DISABLED = "已停用"  # the role a session shows once its account was 停用 meanwhile
AUDIT_ENTITY = "account"
WRONG_LOGIN = f"登录名或密码不正确，请重新输入。（同一账号连续输错 {MAX_FAILURES} 次将锁定 {LOCK_MINUTES} 分钟）"
REFRESH_SECONDS = 30  # how old the signed-in account's role may be before it is read again


class PermissionDenied(UserError):
    """The signed-in account's role does not allow this."""


class LoginFailed(UserError):
    """Wrong 登录名 or 密码, or the account is locked or disabled."""


@dataclass(frozen=True)
class SignedIn:
    """Who is using the app now (a snapshot: the account row may change meanwhile)."""

    id: int
    username: str
    display_name: str
    role: str
    staff_id: int | None
    must_change_password: bool = False

    def can(self, capability: str) -> bool:
        return capability in CAPABILITIES.get(self.role, set())

    @property
    def label(self) -> str:
        return f"{self.display_name}（{self.role}）"


_current: SignedIn | None = None


# ---------------------------------------------------------------- password hashes
def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$N$r$p$salt$key`` (salt and key in base64)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, n, r, p)
    return "$".join(("scrypt", str(n), str(r), str(p), _b64(salt), _b64(key)))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20, dklen=_KEY_BYTES
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# what an unknown 登录名 is checked against, so it costs as long as a wrong password (the hash of
# a random text nobody knows, made once with ``hash_password``)
_DUMMY_HASH = "scrypt$32768$8$1$07M6O23fJGayJ0G/gDqYdQ==$28E1aQPAClC+SxKRx/xod8OjXBiyAXWQ3z1p6eFZqAs="


# ---------------------------------------------------------------- on / off
def accounts_enabled() -> bool:
    row = Setting.get_or_none(Setting.key == ENABLED_KEY)
    return bool(row and row.value)


def _set_enabled(value: bool) -> None:
    Setting.insert(key=ENABLED_KEY, value=value).on_conflict(
        conflict_target=[Setting.key], preserve=[Setting.value]
    ).execute()


def enable_accounts(username: str, display_name: str, password: str, confirm: str) -> SignedIn:
    """Turn sign-in on with the first 主管 account (or an existing 主管 whose password matches)
    and sign that person in. Everyone else gets an account from them afterwards."""
    if accounts_enabled():
        raise UserError("账号登录已经启用。")
    with db.atomic():
        key = _username_key(username, strict=False)  # _create checks it, with the other fields
        existing = UserAccount.get_or_none(UserAccount.username == key) if key else None
        if existing is not None and not (existing.role == ROLE_SUPERVISOR and existing.active):
            raise ValidationErrors(
                [
                    ValidationError(
                        "登录名",
                        f"“{existing.username}”不是在用的主管账号；请用主管的登录名和密码启用，或换一个新的登录名。",
                    )
                ]
            )
        if existing is not None:
            if not verify_password(password or "", existing.password_hash):
                raise ValidationErrors([ValidationError("密码", "与已有主管账号的密码不符，请重新输入。")])
            account = existing
        else:
            account = _create(
                username, display_name, ROLE_SUPERVISOR, None, password, confirm, must_change=False
            )
        _set_enabled(True)
        _audit("启用账号登录", account, [])
    return _sign_in_row(account)


# ---------------------------------------------------------------- the signed-in account
def current() -> SignedIn | None:
    return _current


READ_ONLY_SESSION = 0  # the id of the session of a database opened read-only: no account


def sign_in_read_only() -> SignedIn:
    """A damaged database opened read-only (desktop.models.connection.open_read_only): the
    session gets the 只读 role without an account or a login (either would write)."""
    global _current
    _current = SignedIn(READ_ONLY_SESSION, "", "只读打开", ROLE_VIEWER, None)
    return _current


def sign_out() -> None:
    global _current
    _current = None


_checked_at = 0.0


def _fresh(max_age: float = REFRESH_SECONDS) -> SignedIn | None:
    """The signed-in account, re-read when older than ``max_age`` seconds: a 主管 may have
    changed its role or 停用 it meanwhile (from another PC, on a shared database)."""
    global _current, _checked_at
    if _current is None or _current.id == READ_ONLY_SESSION or time.monotonic() - _checked_at < max_age:
        return _current
    row = UserAccount.get_or_none(UserAccount.id == _current.id)
    _checked_at = time.monotonic()
    if row is None or not row.active:
        _current = replace(_current, role=DISABLED)  # no capabilities left
    elif (row.role, row.display_name, row.staff_id) != (
        _current.role,
        _current.display_name,
        _current.staff_id,
    ):
        _current = replace(_current, role=row.role, display_name=row.display_name, staff_id=row.staff_id)
    return _current


def can(capability: str) -> bool:
    """True with nobody signed in (accounts off / command line) or when the role allows it."""
    me = _fresh()
    return me is None or me.can(capability)


def require(capability: str, what: str = "") -> None:
    """PermissionDenied (a Chinese message naming the role and the way out) unless allowed;
    the account is read again first, so a role taken away counts at once for writes."""
    me = _fresh(max_age=0)
    if me is None or me.can(capability):
        return
    doing = what or capability
    raise PermissionDenied(
        f"当前账号 {_current.label} 没有“{doing}”的权限。请用{_who_can(capability)}账号登录后再操作。"
    )


def requires(capability: str, what: str):
    """Decorator for a service's write entry point: ``require(capability, what)`` first."""

    def wrap(fn):
        @functools.wraps(fn)
        def checked(*args, **kwargs):
            require(capability, what)
            return fn(*args, **kwargs)

        checked.role_rule = (capability, what)  # tests/test_role_holes.py walks these
        return checked

    return wrap


def _who_can(capability: str) -> str:
    return "或".join(role for role in ROLES if capability in CAPABILITIES[role])


@requires(MANAGE, "关闭账号登录")
def disable_accounts() -> None:
    """Turn sign-in off (a 主管 only). The accounts stay, for turning it on again later."""
    with db.atomic():
        _set_enabled(False)
        _audit("关闭账号登录", None, [])


def actor_name() -> str:
    """The signed-in person's name (recorded as 经办 / 记录人), or "" with nobody signed in."""
    return _current.display_name if _current is not None else ""


def own_staff_filter() -> int | None | bool:
    """For lists of tasks and visits: False = show everyone's; otherwise the staff id (or None)
    whose work a 回访员 sees."""
    if _current is None or _current.can(SEE_ALL):
        return False
    return _current.staff_id


def my_names() -> set[str]:
    """The names the signed-in person's work is recorded under (姓名 and the linked 员工)."""
    me = _fresh()
    if me is None:
        return set()
    return {me.display_name} | {_staff_name(me.staff_id)} - {"（无）"}


def require_own(*, visitor: str | None = None, assignee_id: int | None = None, what: str) -> None:
    """A 回访员 works on their own visits and on tasks assigned to them or to nobody; roles that
    see everyone's work (and nobody signed in) pass. PermissionDenied otherwise."""
    me = _fresh(max_age=0)
    if me is None or me.can(SEE_ALL):
        return
    if visitor is not None and visitor in my_names():
        return
    if visitor is None and (assignee_id is None or assignee_id == me.staff_id):
        return
    raise PermissionDenied(
        f"这{what}不是您（{me.display_name}）的，回访员只能处理分配给自己或未分配的任务和自己做的回访。"
        "如需处理，请主管先把任务分配给您。"
    )


def text_for_screen(text: str) -> str:
    """Customers' own words (宝贵意见, text answers) as the signed-in person may see them: phone
    numbers in them masked for roles without full numbers."""
    return text if can(FULL_PHONE) else mask_phones_in_text(text)


def phone_search(column, text: str):
    """What a search box matches on a phone ``column`` (digits only, so "138 1234 5678" finds a
    stored "138-1234-5678"): any part of the number for roles that see full numbers, only the
    whole number for the others — a masked list must not be un-masked by searching digit by
    digit. None when the text has too few digits to be a phone search."""
    digits = "".join(ch for ch in text if ch.isdigit())
    stored = pw.fn.REPLACE(column, "-", "")
    if can(FULL_PHONE):
        return stored.contains(digits) if len(digits) >= 3 else None
    return stored == digits if len(digits) >= 7 else None


def words_search(column, text: str, key):
    """What a search box matches in customers' own words (``column``; ``key`` is its row id):
    the text as the signed-in person sees it. For roles that see numbers masked, a search with
    digits in it is matched against the masked words, so guessing digit by digit never finds
    the hidden ones (a search without digits cannot tell masked digits apart)."""
    if can(FULL_PHONE) or not any(ch.isdigit() for ch in text):
        return column.contains(text)
    wanted = text.casefold()
    rows = column.model.select(key, column).where(column.contains(text)).tuples()
    return key.in_([row_id for row_id, words in rows if wanted in mask_phones_in_text(words or "").casefold()])


def phone_for_screen(phone: str) -> str:
    """A phone number as the signed-in person may see it."""
    return phone if can(FULL_PHONE) else mask_phone(phone)


# ---------------------------------------------------------------- signing in
def login(username: str, password: str, *, at: datetime | None = None) -> SignedIn:
    """Check 登录名 and 密码 and sign the person in, or LoginFailed with the reason.

    Wrong passwords are counted on the account; the ``MAX_FAILURES``-th in a row locks it for
    ``LOCK_MINUTES``. While locked even the right password is refused (the lock is not extended).
    """
    at = at or now()
    key = _username_key(username, strict=False)
    account = UserAccount.get_or_none(UserAccount.username == key) if key else None
    # the hash is checked first, whatever the account's state: every answer takes as long, and
    # only the right password learns that an account is 停用
    right = verify_password(password or "", account.password_hash if account else _DUMMY_HASH)
    if account is None:
        with db.atomic():
            message = _unknown_name_failure(key, at)
        raise LoginFailed(message)
    if account.locked_until is not None and account.locked_until > at:
        raise LoginFailed(_locked_message(account.locked_until))
    if not right:
        with db.atomic():
            failures = _count_failure(account.id, at)
        if failures == 0:
            raise LoginFailed(_locked_message(UserAccount.get_by_id(account.id).locked_until))
        raise LoginFailed(WRONG_LOGIN)
    if not account.active:
        raise LoginFailed(f"账号“{account.username}”已停用。如需使用，请主管在“设置 → 账号”中重新启用。")
    with db.atomic():
        UserAccount.update(failed_logins=0, locked_until=None, last_login_at=at).where(
            UserAccount.id == account.id
        ).execute()
    return _sign_in_row(UserAccount.get_by_id(account.id))


def _count_failure(account_id: int, at: datetime) -> int:
    """One more wrong password; returns the failures so far, or 0 when this one locked it."""
    UserAccount.update(failed_logins=UserAccount.failed_logins + 1).where(
        UserAccount.id == account_id
    ).execute()
    failures = UserAccount.get_by_id(account_id).failed_logins
    if failures < MAX_FAILURES:
        return failures
    until = at + timedelta(minutes=LOCK_MINUTES)
    UserAccount.update(failed_logins=0, locked_until=until).where(UserAccount.id == account_id).execute()
    row = UserAccount.get_by_id(account_id)
    _audit("账号锁定", row, [{"field": "原因", "old": "", "new": f"连续 {MAX_FAILURES} 次密码错误"}])
    return 0


def _unknown_name_failure(key: str, at: datetime) -> str:
    """A wrong password for a 登录名 nobody has: counted and locked like a real account's (in a
    Setting row of its own), so the answers never tell which names exist."""
    row = Setting.get_or_none(Setting.key == UNKNOWN_FAILURES_KEY)
    seen = {
        name: (count, until)
        for name, (count, until) in dict(row.value if row else {}).items()
        if count or (until and datetime.fromisoformat(until) > at)  # expired locks are dropped
    }
    count, until = seen.pop(key, (0, ""))
    if until and datetime.fromisoformat(until) > at:
        message = _locked_message(datetime.fromisoformat(until))
    elif count + 1 >= MAX_FAILURES:
        until = (at + timedelta(minutes=LOCK_MINUTES)).isoformat()
        count, message = 0, _locked_message(datetime.fromisoformat(until))
    else:
        count, message = count + 1, WRONG_LOGIN
    if key:
        seen[key] = (count, until)  # the newest last: the oldest names go first when it is full
    Setting.insert(key=UNKNOWN_FAILURES_KEY, value=dict(list(seen.items())[-UNKNOWN_KEPT:])).on_conflict(
        conflict_target=[Setting.key], preserve=[Setting.value]
    ).execute()
    return message


def _locked_message(until: datetime) -> str:
    return (
        f"密码连续输错 {MAX_FAILURES} 次，账号已锁定到 {until:%H:%M}。请稍后再试，"
        "或请主管在“设置 → 账号”中解锁。"
    )


def _sign_in_row(account: UserAccount) -> SignedIn:
    global _current, _checked_at
    _checked_at = time.monotonic()
    _current = SignedIn(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        staff_id=account.staff_id,
        must_change_password=account.must_change_password,
    )
    return _current


def change_password(old: str, new: str, confirm: str) -> None:
    """The signed-in person changes their own password."""
    if _current is None:
        raise UserError("请先登录。")
    account = UserAccount.get_by_id(_current.id)
    errors = []
    if not verify_password(old or "", account.password_hash):
        errors.append(ValidationError("原密码", "不正确，请重新输入。"))
    try:
        new_hash = _new_password_hash(new, confirm, account.username)
        if verify_password(new, account.password_hash):
            raise ValidationError("新密码", "不能与原密码相同，请换一个。")
    except ValidationError as err:
        errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    with db.atomic():
        UserAccount.update(password_hash=new_hash, must_change_password=False).where(
            UserAccount.id == account.id
        ).execute()
    _sign_in_row(UserAccount.get_by_id(account.id))


# ---------------------------------------------------------------- managing accounts (主管)
@dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    display_name: str
    role: str
    staff_name: str
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    def status_text(self, at: datetime | None = None) -> str:
        if not self.active:
            return "已停用"
        if self.locked_until is not None and self.locked_until > (at or now()):
            return f"锁定至 {self.locked_until:%H:%M}"
        return "正常"


def list_accounts() -> list[AccountRow]:
    query = (
        UserAccount.select(UserAccount, Staff.id, Staff.name)
        .join(Staff, on=(UserAccount.staff == Staff.id), join_type="LEFT OUTER JOIN")
        .order_by(UserAccount.active.desc(), UserAccount.role, UserAccount.username)
    )
    return [
        AccountRow(
            a.id,
            a.username,
            a.display_name,
            a.role,
            a.staff.name if a.staff_id else "",
            a.active,
            a.locked_until,
            a.last_login_at,
        )
        for a in query
    ]


@dataclass
class AccountInput:
    username: str
    display_name: str
    role: str = ROLE_CALLER
    staff_id: int | None = None
    active: bool = True


@requires(MANAGE, "添加账号")
def create_account(data: AccountInput, password: str, confirm: str) -> UserAccount:
    """A new account with a first password the person must change at their first sign-in."""
    with db.atomic():
        account = _create(data.username, data.display_name, data.role, data.staff_id, password, confirm)
        _audit("添加账号", account, [{"field": "角色", "old": "", "new": account.role}])
    return account


@requires(MANAGE, "修改账号")
def update_account(account_id: int, data: AccountInput) -> UserAccount:
    """Name, role, linked staff member and 在用/停用 (the 登录名 stays)."""
    account = _get(account_id)
    errors = []
    name, role, staff_id = _check_profile(data, errors, account.id)
    if errors:
        raise ValidationErrors(errors)
    with db.atomic():
        if (
            account.role == ROLE_SUPERVISOR
            and account.active
            and (role != ROLE_SUPERVISOR or not data.active)
        ):
            _keep_one_supervisor(account.id)
        changes = _diff(
            (("姓名", account.display_name, name), ("角色", account.role, role)),
            (("对应员工", _staff_name(account.staff_id), _staff_name(staff_id)),),
            (("状态", "在用" if account.active else "停用", "在用" if data.active else "停用"),),
        )
        UserAccount.update(display_name=name, role=role, staff=staff_id, active=bool(data.active)).where(
            UserAccount.id == account.id
        ).execute()
        if changes:
            _audit("修改账号", UserAccount.get_by_id(account.id), changes)
    updated = UserAccount.get_by_id(account.id)
    if _current is not None and _current.id == updated.id:  # one's own name or role
        _sign_in_row(updated)
    return updated


@requires(MANAGE, "重置密码")
def reset_password(account_id: int, password: str, confirm: str) -> None:
    """A 主管 sets a new first password (the person changes it at the next sign-in) and unlocks."""
    account = _get(account_id)
    try:
        new_hash = _new_password_hash(password, confirm, account.username)
    except ValidationError as err:
        raise ValidationErrors([err]) from None
    with db.atomic():
        UserAccount.update(
            password_hash=new_hash, must_change_password=True, failed_logins=0, locked_until=None
        ).where(UserAccount.id == account.id).execute()
        _audit("重置密码", account, [])


@requires(MANAGE, "解锁账号")
def unlock(account_id: int) -> None:
    account = _get(account_id)
    with db.atomic():
        UserAccount.update(failed_logins=0, locked_until=None).where(UserAccount.id == account.id).execute()
        _audit("解锁账号", account, [])


def linked_staff_id(account_id: int) -> int | None:
    """The 员工 an account is linked to (None: not linked, or the account is gone)."""
    row = UserAccount.select(UserAccount.staff).where(UserAccount.id == account_id).first()
    return row.staff_id if row is not None else None


def account_id_of(username: str) -> int:
    """The id of the account with this 登录名, or a UserError naming the known ones."""
    account = UserAccount.get_or_none(UserAccount.username == _username_key(username, strict=False))
    if account is None:
        known = "、".join(row.username for row in list_accounts()) or "（还没有账号）"
        raise UserError(f"没有登录名为“{username}”的账号。现有账号：{known}。")
    return account.id


def verify_supervisor(name: str, password: str) -> UserAccount:
    """A 主管 confirming a change at someone else's PC: their 登录名 (or 姓名) and password.

    Wrong passwords count against the account of the person at the PC (the one guessing), not
    the 主管's: nobody can lock the 主管 out from this dialog. The ``MAX_FAILURES``-th locks the
    person at the PC: further confirmations are refused and their next sign-in waits for it."""
    me = current()
    if me is not None:
        row = UserAccount.get_or_none(UserAccount.id == me.id)
        if row is not None and row.locked_until is not None and row.locked_until > now():
            raise ValidationErrors([ValidationError("主管密码", _locked_message(row.locked_until))])
    text = (name or "").strip()
    key = _username_key(text, strict=False)
    account = (
        UserAccount.select()
        .where(
            ((UserAccount.username == key) | (UserAccount.display_name == text))
            & UserAccount.active
            & (UserAccount.role == ROLE_SUPERVISOR)
        )
        .order_by(UserAccount.id)
        .first()
    )
    right = verify_password(password or "", account.password_hash if account else _DUMMY_HASH)
    if account is None:
        raise ValidationErrors([ValidationError("主管", f"“{text}”不是在用的主管账号，请填写主管的登录名。")])
    if right:
        return account
    if me is None:
        raise ValidationErrors([ValidationError("主管密码", "不正确，请主管本人重新输入。")])
    with db.atomic():
        failures = _count_failure(me.id, now())
    if failures == 0:
        until = UserAccount.get_by_id(me.id).locked_until
        raise ValidationErrors([ValidationError("主管密码", _locked_message(until))])
    left = MAX_FAILURES - failures
    raise ValidationErrors(
        [
            ValidationError(
                "主管密码",
                f"不正确，请主管本人重新输入。再错 {left} 次，当前账号将被锁定 {LOCK_MINUTES} 分钟。",
            )
        ]
    )


# ---------------------------------------------------------------- checks and helpers
_USERNAME_RE = re.compile(r"^[0-9A-Za-z_.\-\u4e00-\u9fff]+$")


def _username_key(value, *, strict: bool = True) -> str:
    text = str(value or "").strip().lower()
    if not strict:
        return text[:USERNAME_MAX]
    if not text:
        raise ValidationError("登录名", "不能为空，请填写（如 zhangsan）。")
    if len(text) > USERNAME_MAX:
        raise ValidationError("登录名", f"太长，最多 {USERNAME_MAX} 个字符。")
    if len(text) < 2:
        raise ValidationError("登录名", "至少 2 个字符。")
    if not _USERNAME_RE.match(text):
        raise ValidationError(
            "登录名", "只能用字母、数字、汉字、下划线、点或短横线（不能有空格、表情或其他符号）。"
        )
    return text


def _new_password_hash(password, confirm, username: str) -> str:
    password = password if isinstance(password, str) else ""
    if not password:
        raise ValidationError("密码", f"不能为空，请填写（至少 {PASSWORD_MIN} 位，同时包含字母和数字）。")
    if len(password) < PASSWORD_MIN:
        raise ValidationError("密码", f"至少 {PASSWORD_MIN} 位，请加长。")
    if len(password) > PASSWORD_MAX:
        raise ValidationError("密码", f"最多 {PASSWORD_MAX} 位。")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"[0-9]", password)):
        raise ValidationError("密码", "需同时包含字母和数字（如 huifang2026）。")
    if password.strip().lower() == username:
        raise ValidationError("密码", "不能与登录名相同。")
    if password != confirm:
        raise ValidationError("确认密码", "两次输入的密码不一致，请重新输入。")
    return hash_password(password)


def _check_profile(
    data: AccountInput, errors: list, account_id: int | None = None
) -> tuple[str, str, int | None]:
    name = role = ""
    staff_id = None
    try:
        name = clean_text(data.display_name, "姓名", required=True, max_len=30)
        others = UserAccount.select().where(UserAccount.display_name == name)
        if account_id is not None:
            others = others.where(UserAccount.id != account_id)
        if others.exists():  # 回访人员 and the audit log name people by it
            raise ValidationError("姓名", f"“{name}”已有账号使用，请加以区分（如 {name}2 或写全名）。")
    except ValidationError as err:
        errors.append(err)
    if data.role in ROLES:
        role = data.role
    else:
        errors.append(ValidationError("角色", f"请选择{'、'.join(ROLES)}之一。"))
    if data.staff_id is not None:
        staff = Staff.get_or_none(Staff.id == data.staff_id)
        if staff is None:
            errors.append(ValidationError("对应员工", "所选员工已不存在，请重新选择或留空。"))
        else:
            staff_id = staff.id
    return name, role, staff_id


def _create(username, display_name, role, staff_id, password, confirm, *, must_change=True) -> UserAccount:
    errors = []
    key = ""
    try:
        key = _username_key(username)
        if UserAccount.select().where(UserAccount.username == key).exists():
            raise ValidationError("登录名", f"“{key}”已被使用，请换一个。")
    except ValidationError as err:
        errors.append(err)
    name, role, staff_id = _check_profile(AccountInput(key, display_name, role, staff_id), errors)
    try:
        new_hash = _new_password_hash(password, confirm, key)
    except ValidationError as err:
        errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    return UserAccount.create(
        username=key,
        display_name=name,
        role=role,
        staff=staff_id,
        password_hash=new_hash,
        must_change_password=must_change,
    )


def _staff_name(staff_id: int | None) -> str:
    staff = Staff.get_or_none(Staff.id == staff_id) if staff_id else None
    return staff.name if staff is not None else "（无）"


def _get(account_id: int) -> UserAccount:
    account = UserAccount.get_or_none(UserAccount.id == account_id)
    if account is None:
        raise UserError("找不到这个账号，可能已被删除。请刷新列表。")
    return account


def _keep_one_supervisor(account_id: int) -> None:
    others = (
        UserAccount.select()
        .where(UserAccount.active & (UserAccount.role == ROLE_SUPERVISOR) & (UserAccount.id != account_id))
        .exists()
    )
    if accounts_enabled() and not others:
        raise UserError("这是最后一个在用的主管账号，不能停用或改为其他角色；请先添加另一个主管账号。")


def _diff(*groups) -> list[dict]:
    return [
        {"field": label, "old": old, "new": new}
        for group in groups
        for label, old, new in group
        if old != new
    ]


def _audit(action: str, account: UserAccount | None, changes: list[dict]) -> None:
    """One audit row about ``account`` (its id is the 记录号; 0 for sign-in as a whole)."""
    subject = account.display_name if account is not None else ""
    AuditLog.create(
        entity=AUDIT_ENTITY,
        entity_id=account.id if account is not None else 0,
        action=f"{action}：{subject}" if subject else action,
        operator=actor_name(),
        changes=changes,
        at=now(),
    )
