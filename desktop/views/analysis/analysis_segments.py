"""问题分析's 细分对比 tab: 满意率, NPS and 综合得分 per customer group (客户类型), 客户来源, service
type, channel (回访方式) or staff (服务工程师), over the page's period and filters.

One chooser button per segment; the table shows the chosen one (``statistics.by_group`` on the
page's ``Scope``: the same visits as every other figure — completed, valid, not verification
visits). By 回访方式 the rows are ``channels.channel_rows`` and a 回收率 column shows each
channel's questionnaires sent in the period and returned (the rule is in ``scheduling.chasing``). The figures are read in the background (``views.tasks``); "正在计算…" shows meanwhile.
Each column header's tooltip is the catalogue's definition of its figure.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHeaderView, QLabel, QPushButton

from desktop.services.reporting import channels, metrics, statistics

from ..common.widgets import MARGIN, hbox, vbox
from .analysis_widgets import note_label, table_item
from .figure_tab import FigureTab, percent, score

# (header, tooltip) of the table's columns
COLUMNS = (
    ("分组", ""),
    ("有效回访", "已完成、有效的回访份数（不含二次回访）"),
    ("评分回答", metrics.SAMPLE.definition),
    ("满意率", metrics.SATISFACTION.definition),
    ("NPS", metrics.NPS.definition),
    ("推荐题回答", "0–10 分推荐意愿题的回答数"),
    ("综合得分", metrics.COMPOSITE.definition),
    ("回收率", "按发放渠道：本期发放的问卷中已收回的比例（收回 / 发放，目标）；电话、上门无需发放"),
)
CHANNEL = "channel"
RECOVERY_COLUMN = len(COLUMNS) - 1
EMPTY = "本期（按当前筛选）没有有效回访，无法细分对比。"


class SegmentsTab(FigureTab):
    """The 细分对比 tab. ``show_scope(scope)`` (a ``reporting.scope.Scope``) reads the chosen
    segment's figures; ``choose(group)`` switches the segment (a key of ``statistics.SEGMENTS``).
    ``filled`` is emitted when the table shows them (``loading`` false)."""

    def __init__(self, parent=None):
        super().__init__([name for name, _tip in COLUMNS], parent)
        self.scope = None
        self.group = statistics.SEGMENTS[0]
        self.rows: list[statistics.GroupStat] = []
        self.buttons: dict[str, QPushButton] = {}
        self.chooser = QButtonGroup(self)
        self.chooser.setExclusive(True)
        for group in statistics.SEGMENTS:
            button = QPushButton(statistics.GROUPS[group])
            button.setCheckable(True)
            button.setChecked(group == self.group)
            button.clicked.connect(lambda _checked=False, g=group: self.choose(g))
            self.chooser.addButton(button)
            self.buttons[group] = button
        for col, (_name, tip) in enumerate(COLUMNS):
            if tip:
                self.table.horizontalHeaderItem(col).setToolTip(tip)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        definitions = note_label(
            "；".join(m.definition for m in (metrics.SATISFACTION, metrics.NPS, metrics.COMPOSITE)) + "。"
        )
        self.setLayout(
            vbox(
                hbox(QLabel("细分维度："), *self.buttons.values(), None),
                self.note,
                self.table,
                definitions,
                margin=MARGIN,
            )
        )

    def show_scope(self, scope) -> None:
        self.scope = scope
        self.load()

    def choose(self, group: str) -> None:
        if group not in self.buttons:
            raise ValueError(f"unknown segment {group!r}")
        self.buttons[group].setChecked(True)
        if group != self.group:
            self.group = group
            self.load()

    def load(self) -> None:
        if self.scope is None:
            return
        scope, group = self.scope, self.group
        read = channels.channel_rows if group == CHANNEL else (lambda sc: statistics.by_group(sc, group))
        self.read(lambda: read(scope), lambda rows: self._arrived(group, rows))

    def _arrived(self, group: str, rows) -> None:
        by_channel = group == CHANNEL
        self.rows = [g for g in rows if g.visits or (by_channel and g.sent)]
        table = self.table
        table.setColumnHidden(RECOVERY_COLUMN, not by_channel)
        right = Qt.AlignRight | Qt.AlignVCenter
        for g in self.rows:
            row = table.rowCount()
            table.insertRow(row)
            values = (g.visits, g.level_n, percent(g.satisfaction), score(g.nps), g.nps_n, score(g.composite))
            if by_channel:
                values += (channels.recovery_text(g),)
            table.setItem(row, 0, table_item(g.channel if by_channel else g.group))
            for col, value in enumerate(values, start=1):
                table.setItem(row, col, table_item(value, right))
        label = statistics.GROUPS[group]
        if self.rows:
            self.note.setText(
                f"按{label}分组：{len(self.rows)} 组。统计已完成、有效的回访（二次回访另列于工作台的“改进验证”）。"
            )
        else:
            self.note.setText(EMPTY)

    def row_of(self, name: str) -> list[str] | None:
        """The texts of the row of group ``name`` in the columns shown (None when not shown)."""
        return self.row_where(lambda texts: texts[0] == name)
