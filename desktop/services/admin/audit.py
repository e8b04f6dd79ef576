"""修改记录: the whole audit log, newest first, for 设置 → 修改记录 (no Qt here).

Three kinds of entries share the ``AuditLog`` table (``entity``): changes to visits (signed or
completed), status changes of improvement actions, and account events (created, reset, locked,
sign-in on/off). The list is paged in SQL (it grows forever) and can be filtered by kind.
"""

from desktop.models import AuditLog

ENTITY_LABELS = {"visit": "回访", "action": "改进措施", "account": "账号"}
CHANGES_MAX = 80  # characters of the 改动 column in the list (the tooltip has all)


class AuditRow:
    """Positions of an ``audit_rows`` tuple (for the view's columns)."""

    ID = 0
    AT = 1
    KIND = 2  # 回访 / 改进措施 / 账号
    ENTITY_ID = 3
    ACTION = 4
    OPERATOR = 5
    SUPERVISOR = 6
    REASON = 7
    CHANGES = 8  # shortened
    CHANGES_FULL = 9  # one change per line


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity or "其他")


def changes_summary(changes, limit: int = CHANGES_MAX) -> str:
    """``字段: 旧 → 新; …`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = "；".join(_change(c) for c in _as_list(changes))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changes_lines(changes) -> str:
    return "\n".join(_change(c) for c in _as_list(changes))


def _as_list(changes) -> list:
    return [c for c in changes if isinstance(c, dict)] if isinstance(changes, list) else []


def _change(change: dict) -> str:
    old = _value(change.get("old"))
    new = _value(change.get("new"))
    field = change.get("field") or ""
    if old == "":
        return f"{field}：{new}"
    return f"{field}：{old} → {new}"


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return " ".join(str(value).split())  # one line


def _query(columns, entity: str | None):
    query = AuditLog.select(*columns)
    if entity:
        query = query.where(AuditLog.entity == entity)
    return query


def count_audit(entity: str | None = None) -> int:
    """How many entries (of one kind: ``visit`` / ``action`` / ``account``, or all)."""
    return _query([AuditLog.id], entity).count()


def audit_rows(entity: str | None = None, offset: int = 0, limit: int = 200) -> list[tuple]:
    """One page of entries, newest first: (id, 时间, 类别, 记录号, 操作, 经办, 主管确认, 原因,
    改动 (shortened), 改动 (full)) — see ``AuditRow`` for the positions."""
    query = (
        _query(
            [
                AuditLog.id,
                AuditLog.at,
                AuditLog.entity,
                AuditLog.entity_id,
                AuditLog.action,
                AuditLog.operator,
                AuditLog.supervisor_name,
                AuditLog.reason,
                AuditLog.changes,
            ],
            entity,
        )
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .offset(offset)
        .limit(limit)
        .tuples()
    )
    return [
        (
            row_id,
            at,
            entity_label(kind),
            entity_id or None,  # account events by nobody signed in carry 0
            action,
            operator,
            supervisor,
            " ".join((reason or "").split()),
            changes_summary(changes),
            changes_lines(changes),
        )
        for row_id, at, kind, entity_id, action, operator, supervisor, reason, changes in query
    ]
