"""设置 → 修改记录: the audit log listed newest first, filtered by 类别, paged lazily."""

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from desktop.models import AuditLog
from desktop.views.settings.audit_panel import CHANGES_COLUMN, AuditPanel

T0 = datetime(2026, 3, 2, 9, 0)


def entry(entity, entity_id, minutes, action="修改已签字回访", changes=None, **kw):
    return AuditLog.create(
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=changes,
        at=T0 + timedelta(minutes=minutes),
        **kw,
    )


@pytest.fixture
def panel(qtbot, database):
    widget = AuditPanel()
    qtbot.addWidget(widget)
    widget.resize(1100, 500)
    return widget


def shown(panel, column: int) -> list[str]:
    model = panel.table.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_lists_newest_first_with_kind_and_changes(qtbot, panel):
    many = [{"field": f"第{n}题", "old": "满意", "new": "一般"} for n in range(1, 11)]
    entry("visit", 12, 0, changes=many, operator="张三", supervisor_name="王主管", reason="看错了第3题")
    entry("action", 4, 5, action="状态变更", changes=[{"field": "状态", "old": "未启动", "new": "进行中"}])
    entry("account", 1, 10, action="解锁账号：张三", operator="王主管")
    panel.show()  # loads when shown
    assert shown(panel, 1) == ["账号", "改进措施", "回访"]
    assert shown(panel, 0)[0] == "2026-03-02 09:10"
    assert shown(panel, 2) == ["1", "4", "12"]
    assert shown(panel, 3)[2] == "修改已签字回访"
    assert shown(panel, 5)[2] == "王主管" and shown(panel, 6)[2] == "看错了第3题"
    assert shown(panel, CHANGES_COLUMN)[1] == "状态：未启动 → 进行中"
    cell = panel.table.model().index(2, CHANGES_COLUMN)
    assert cell.data().endswith("…")
    assert cell.data(Qt.ToolTipRole).count("\n") == 9  # every change in the tooltip
    assert panel.count_label.text() == "共 3 条修改记录"


def test_filter_by_kind_and_refresh(qtbot, panel):
    entry("visit", 1, 0)
    entry("account", 1, 1, action="添加账号：张三")
    panel.show()
    panel.kind_combo.setCurrentText("账号")
    assert shown(panel, 3) == ["添加账号：张三"]
    assert panel.count_label.text() == "共 1 条账号的修改记录"
    entry("account", 1, 2, action="重置密码：张三")
    assert panel.table.model().rowCount() == 1  # not until 刷新
    qtbot.mouseClick(panel.refresh_button, Qt.LeftButton)
    assert shown(panel, 3) == ["重置密码：张三", "添加账号：张三"]
    panel.kind_combo.setCurrentText("全部")
    assert panel.table.model().rowCount() == 3


def test_many_entries_are_paged(qtbot, panel):
    for n in range(450):
        entry("visit", n + 1, n)
    panel.show()
    model = panel.table.model()
    assert model.total == 450 and model.rowCount() == 200
    assert shown(panel, 2)[0] == "450"
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > 200, timeout=2000)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 450 and shown(panel, 2)[-1] == "1"
