"""Errors a user can act on: the message is Chinese and names the field and the fix."""

import peewee as pw


class UserError(Exception):
    """Something the user can fix; ``str(err)`` is shown as is."""


class ValidationError(UserError):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}：{message}")


class ValidationErrors(UserError):
    """Several field errors found at once (a form is checked as a whole)."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    @property
    def fields(self) -> list[str]:
        return [e.field for e in self.errors]


class StaleEdit(UserError):
    """A save from a copy loaded before someone else saved the same record: refused, nothing
    written. ``by`` / ``at`` say who saved in between and when, ``version`` is the stored
    version now (save the merged record with it) and ``current`` the stored record as the form
    holds it (a ``VisitInput``, a dict of fields …) for choosing field by field."""

    def __init__(self, what: str, by: str, at, version: int, current=None):
        self.what, self.by, self.at, self.version, self.current = what, by, at, version, current
        super().__init__(
            f"这{what}已被 {by or '其他用户'} 于 {when_text(at)} 修改，您打开的是修改前的内容，"
            "本次未保存（以免覆盖对方的修改）。请对照两边的内容逐项选择后再保存。"
        )


def when_text(at) -> str:
    """HH:MM today, 月-日 HH:MM on another day; 刚才 when the time is unknown."""
    from datetime import date

    if at is None:
        return "刚才"
    return f"{at:%H:%M}" if at.date() == date.today() else f"{at:%m-%d %H:%M}"


class DatabaseProblem(UserError, pw.OperationalError):
    """The database could not be reached or stayed busy after the retries; ``str()`` says in
    Chinese what happened and what to do. Still a peewee ``OperationalError`` for code that
    catches those."""


class DatabaseBusy(DatabaseProblem):
    """SQLite stayed locked by another program or PC past the wait and the retries."""


class DatabaseUnavailable(DatabaseProblem):
    """The PostgreSQL server cannot be reached (stopped, network down); reconnected by itself
    once it answers again."""
