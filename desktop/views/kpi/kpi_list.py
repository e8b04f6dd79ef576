"""The left side of the 质量评价 page: the scorecards (评价周期, 评价对象, 总分, 等级 in its colour; a
total marked * while some indicators have no score yet) with 新建评价表… and 删除 below."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QPushButton, QTableWidget, QWidget

from desktop.services.kpi import kpi

from ..common.widgets import hbox, heading, vbox
from .kpi_style import cell, grade_color


class ScorecardList(QWidget):
    """``fill(summaries)`` shows them; ``select(id)`` selects one without emitting ``picked``;
    ``picked`` is emitted when the user selects another row (see ``selected_id()``)."""

    picked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.summaries: list[kpi.ScorecardSummary] = []
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["评价周期", "评价对象", "总分", "等级"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.new_button = QPushButton("新建评价表…")
        self.delete_button = QPushButton("删除")
        self.may_change = True  # False: 新建 / 删除 stay off (the page gates them)
        self.setLayout(vbox(heading("质量评价"), self.table, hbox(self.new_button, self.delete_button, None)))
        self.setMinimumWidth(220)
        self.table.itemSelectionChanged.connect(self.picked)

    def fill(self, summaries: list[kpi.ScorecardSummary]) -> None:
        self.summaries = summaries
        self.table.blockSignals(True)
        self.table.setRowCount(len(summaries))
        for r, s in enumerate(summaries):
            self.table.setItem(r, 0, cell(s.period))
            self.table.setItem(r, 1, cell(s.target_label))
            total = cell(
                kpi.score_text(s.total) + ("" if s.complete else "*"), Qt.AlignRight | Qt.AlignVCenter
            )
            if not s.complete:
                total.setToolTip("* 还有指标没有实际值/评审分，总分未含这些指标")
            self.table.setItem(r, 2, total)
            grade = cell(s.grade, Qt.AlignCenter, bold=True)
            grade.setForeground(grade_color(s.grade))
            self.table.setItem(r, 3, grade)
        self.table.blockSignals(False)
        self.delete_button.setEnabled(bool(summaries) and self.may_change)

    def select(self, card_id: int | None) -> None:
        self.table.blockSignals(True)
        for r, s in enumerate(self.summaries):
            if s.id == card_id:
                self.table.selectRow(r)
        self.table.blockSignals(False)

    def selected_id(self) -> int | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if not rows:
            return None
        return self.summaries[min(rows)].id
