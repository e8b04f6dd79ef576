"""The automatic draft of the open 回访表 (no Qt here).

The form writes what is typed a few seconds after each change and when the window loses focus
(``write``); a normal save or 放弃 removes it (``clear``). It lives in the database, in one row
per PC and signed-in account, written in one transaction: SQLite with WAL and ``synchronous =
full`` keeps a committed row through a killed program or a power cut, so at most the seconds
since the last write are lost. At the next start ``pending`` finds it and the form offers it
back (恢复 / 丢弃).
"""

import socket
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

from desktop.models import Customer, FormAutosave, QuestionnaireTemplate, db, now

from ..admin import accounts
from .visits import VisitInput

_DATE_FIELDS = ("visit_date",)


def owner_key() -> str:
    """This PC and the signed-in account (a shared PostgreSQL database serves several PCs)."""
    me = accounts.current()
    return f"{socket.gethostname()}/{me.username if me is not None else ''}"


def to_json(data: VisitInput) -> dict:
    out = asdict(data)
    day = out.get("visit_date")
    if isinstance(day, (date, datetime)):
        out["visit_date"] = day.isoformat()[:10]
    out["answers"] = [[int(qid), value, text] for qid, (value, text) in (data.answers or {}).items()]
    return out


def from_json(raw: dict) -> VisitInput:
    known = {f.name for f in fields(VisitInput)}
    values = {k: v for k, v in raw.items() if k in known}
    values["answers"] = {int(qid): (value, text or "") for qid, value, text in raw.get("answers") or []}
    for name in _DATE_FIELDS:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return VisitInput(**values)


def _summary(data: VisitInput) -> str:
    parts = []
    customer = Customer.get_or_none(Customer.id == data.customer_id) if data.customer_id else None
    if customer is not None:
        parts.append(f"客户“{customer.name}”")
    tpl = (
        QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == data.template_id)
        if data.template_id
        else None
    )
    if tpl is not None:
        parts.append(tpl.name)
    if data.visit_id is not None:
        parts.append(f"回访记录 #{data.visit_id}")
    return " · ".join(parts)


def write(data: VisitInput, state: dict | None = None) -> None:
    """Keep ``data`` (and the form's ``state``: 纸质表录入, call accepted …) as this PC's and
    account's automatic draft, replacing the previous one."""
    payload = {"visit": to_json(data), "state": dict(state or {})}
    owner = owner_key()
    with db.atomic():
        updated = (
            FormAutosave.update(saved_at=now(), summary=_summary(data), data=payload)
            .where(FormAutosave.owner == owner)
            .execute()
        )
        if not updated:
            FormAutosave.create(owner=owner, summary=_summary(data), data=payload)


@dataclass(frozen=True)
class Recovery:
    saved_at: datetime
    summary: str
    data: VisitInput
    state: dict

    def question(self) -> str:
        when = self.saved_at.strftime("%Y-%m-%d %H:%M") if self.saved_at else ""
        what = f"（{self.summary}）" if self.summary else ""
        return (
            f"上次关闭回访通时，有一份回访表没有保存{what}，自动草稿保存于 {when}。\n\n"
            "恢复：打开这份回访表，继续填写后再保存；丢弃：删除这份自动草稿。"
        )


def pending() -> Recovery | None:
    """The automatic draft left by the last session of this PC and account, if any."""
    row = FormAutosave.get_or_none(FormAutosave.owner == owner_key())
    if row is None:
        return None
    raw = row.data or {}
    try:
        data = from_json(raw.get("visit") or {})
    except (TypeError, ValueError, KeyError):
        clear()  # unreadable (written by another version): nothing to offer
        return None
    return Recovery(row.saved_at, row.summary, data, dict(raw.get("state") or {}))


def clear() -> None:
    FormAutosave.delete().where(FormAutosave.owner == owner_key()).execute()
