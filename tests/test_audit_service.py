"""修改记录 service: the whole audit log, newest first, filtered by kind and paged in SQL."""

from datetime import datetime, timedelta

from desktop.models import AuditLog
from desktop.services.admin import accounts, audit
from desktop.services.admin.audit import AuditRow

T0 = datetime(2026, 3, 2, 9, 0)


def visit_entry(visit_id, minutes, changes=None, **kw):
    return AuditLog.create(
        entity="visit",
        entity_id=visit_id,
        action=kw.pop("action", "修改已签字回访"),
        operator=kw.pop("operator", "张三"),
        supervisor_name=kw.pop("supervisor_name", "王主管"),
        reason=kw.pop("reason", "录入时看错了第3题"),
        changes=changes,
        at=T0 + timedelta(minutes=minutes),
    )


def test_empty_log(database):
    assert audit.count_audit() == 0
    assert audit.audit_rows() == []
    assert audit.audit_rows("visit", 0, 50) == []


def test_rows_newest_first_with_labels_and_changes(database):
    visit_entry(7, 0, [{"field": "服务态度", "old": "满意", "new": "一般"}])
    visit_entry(
        8,
        5,
        [
            {"field": "服务态度", "old": "满意", "new": "一般"},
            {"field": "宝贵意见", "old": "", "new": "很好"},
        ],
        reason="客户来电\n更正",
    )
    AuditLog.create(
        entity="action",
        entity_id=3,
        action="状态变更",
        operator="李四",
        changes=[{"field": "状态", "old": "未启动", "new": "进行中"}],
        at=T0 + timedelta(minutes=2),
    )
    rows = audit.audit_rows()
    assert [r[AuditRow.ENTITY_ID] for r in rows] == [8, 3, 7]
    newest = rows[0]
    assert newest[AuditRow.AT] == T0 + timedelta(minutes=5)
    assert newest[AuditRow.KIND] == "回访"
    assert newest[AuditRow.ACTION] == "修改已签字回访"
    assert newest[AuditRow.OPERATOR] == "张三" and newest[AuditRow.SUPERVISOR] == "王主管"
    assert newest[AuditRow.REASON] == "客户来电 更正"  # one line in the list
    assert newest[AuditRow.CHANGES] == "服务态度：满意 → 一般；宝贵意见：很好"
    assert newest[AuditRow.CHANGES_FULL] == "服务态度：满意 → 一般\n宝贵意见：很好"
    assert rows[1][AuditRow.KIND] == "改进措施"
    assert rows[1][AuditRow.CHANGES] == "状态：未启动 → 进行中"


def test_same_time_entries_keep_insertion_order_newest_first(database):
    first = visit_entry(1, 0)
    second = visit_entry(2, 0)
    assert [r[AuditRow.ID] for r in audit.audit_rows()] == [second.id, first.id]


def test_filter_by_kind_and_count(database):
    for n in range(3):
        visit_entry(n + 1, n)
    accounts.enable_accounts("boss", "王主管", "boss2026pw", "boss2026pw")  # one 账号 entry
    assert audit.count_audit() == 4
    assert audit.count_audit("visit") == 3
    assert audit.count_audit("account") == 1
    assert audit.count_audit("action") == 0
    (row,) = audit.audit_rows("account")
    assert row[AuditRow.KIND] == "账号"
    assert row[AuditRow.ACTION] == "启用账号登录：王主管"
    assert row[AuditRow.CHANGES] == ""
    assert {r[AuditRow.KIND] for r in audit.audit_rows("visit")} == {"回访"}


def test_paging_covers_every_row_once(database):
    for n in range(25):
        visit_entry(n + 1, n)
    pages = [audit.audit_rows(None, offset, 10) for offset in (0, 10, 20, 30)]
    assert [len(p) for p in pages] == [10, 10, 5, 0]
    ids = [r[AuditRow.ENTITY_ID] for page in pages for r in page]
    assert ids == list(range(25, 0, -1))


def test_long_changes_are_shortened_and_odd_values_tolerated(database):
    many = [{"field": f"第{n}题", "old": "非常满意", "new": "不满意"} for n in range(1, 20)]
    visit_entry(1, 0, many)
    visit_entry(2, 1, None)
    visit_entry(3, 2, [{"field": "再购意向", "old": False, "new": True}, "junk"])
    by_id = {r[AuditRow.ENTITY_ID]: r for r in audit.audit_rows()}
    short = by_id[1][AuditRow.CHANGES]
    assert len(short) == audit.CHANGES_MAX and short.endswith("…")
    assert short.startswith("第1题：非常满意 → 不满意；第2题")
    assert by_id[1][AuditRow.CHANGES_FULL].count("\n") == 18
    assert by_id[2][AuditRow.CHANGES] == ""
    assert by_id[3][AuditRow.CHANGES] == "再购意向：否 → 是"


def test_unknown_kind_and_missing_record_number(database):
    AuditLog.create(entity="template", entity_id=0, action="导入", at=T0)
    (row,) = audit.audit_rows()
    assert row[AuditRow.KIND] == "template"
    assert row[AuditRow.ENTITY_ID] is None
