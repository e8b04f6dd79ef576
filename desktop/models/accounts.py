"""User accounts for shops that turn on sign-in (设置 → 账号): who may do what.

Off by default: a one-person shop never sees a login. The password is stored only as a
memory-hard hash (see ``desktop.services.admin.accounts``).
"""

import peewee as pw

from .base import BaseModel, now
from .org import Staff

ROLE_CALLER = "回访员"
ROLE_SUPERVISOR = "主管"
ROLE_VIEWER = "只读"
ROLES = (ROLE_CALLER, ROLE_SUPERVISOR, ROLE_VIEWER)


class UserAccount(BaseModel):
    username = pw.CharField(unique=True)  # stored lower-case: 登录名 is case-insensitive
    display_name = pw.CharField()  # 姓名, recorded as 回访人员 / 记录人 / 经办
    role = pw.CharField(default=ROLE_CALLER)
    staff = pw.ForeignKeyField(Staff, null=True, backref="accounts", on_delete="SET NULL")
    password_hash = pw.CharField()
    must_change_password = pw.BooleanField(default=True)
    failed_logins = pw.IntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=now)
    last_login_at = pw.DateTimeField(null=True)
