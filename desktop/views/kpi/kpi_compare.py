"""两期对比 tab of the 质量评价 page: the scorecard being edited (with its unsaved changes) beside
another one — per indicator the two scores and the change (↑ green, ↓ red), then 总分 and 等级,
the earlier period on the left. The previous period of the same 评价对象 is offered first."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QLabel, QTableWidget, QWidget

from desktop.services.kpi import comparison, kpi

from ..common.widgets import MARGIN, hbox, vbox
from .kpi_style import arrow_color, big_label, cell, merge_level1

RIGHT = Qt.AlignRight | Qt.AlignVCenter


class ComparePanel(QWidget):
    """Pick the other scorecard in ``combo``; ``show_comparison(draft)`` fills ``table`` and
    ``summary``. The page calls it when the tab is shown and after each change of the draft."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setMinimumWidth(280)
        self.table = QTableWidget(0, 5)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.summary = big_label(1.35)
        self.summary.setWordWrap(True)
        self.setLayout(
            vbox(
                hbox(QLabel("与另一期对比："), self.combo, None),
                self.table,
                self.summary,
                margin=MARGIN,
            )
        )

    def fill_choices(self, draft: kpi.ScorecardData | None, summaries: list[kpi.ScorecardSummary]) -> None:
        """Offer every other scorecard, the previous period of the same 评价对象 selected."""
        self.combo.blockSignals(True)
        self.combo.clear()
        for s in summaries:
            if draft is None or s.id != draft.id:
                self.combo.addItem(f"{s.period} · {s.target_label} · {kpi.score_text(s.total)} {s.grade}", s.id)
        previous = comparison.previous_scorecard(draft) if draft and draft.id else None
        if previous is not None:
            self.combo.setCurrentIndex(self.combo.findData(previous))
        self.combo.blockSignals(False)

    def show_comparison(self, draft: kpi.ScorecardData | None) -> None:
        other_id = self.combo.currentData()
        self.table.setRowCount(0)
        if draft is None or other_id is None:
            self.summary.setText("没有可对比的其他评价表。" if draft is not None else "")
            return
        result = comparison.compare_in_period_order(draft, kpi.load(other_id))
        self.table.setHorizontalHeaderLabels(
            ["一级指标", "二级指标", f"{result.a.period} 得分", f"{result.b.period} 得分", "变化"]
        )
        rows = [*result.rows]
        self.table.setRowCount(len(rows) + 2)
        for r, row in enumerate(rows):
            self.table.setItem(r, 0, cell(row.level1, Qt.AlignCenter, bold=True))
            self.table.setItem(r, 1, cell(row.level2))
            self._put_scores(r, row.score_a, row.score_b, row.arrow, row.change)
        merge_level1(self.table, rows, 0)
        n = len(rows)
        self.table.setItem(n, 1, cell("总分", bold=True))
        self._put_scores(
            n, result.total_a, result.total_b, result.total_arrow, result.total_change, bold=True
        )
        self.table.setItem(n + 1, 1, cell("等级", bold=True))
        self.table.setItem(n + 1, 2, cell(result.grade_a, Qt.AlignCenter, bold=True))
        self.table.setItem(n + 1, 3, cell(result.grade_b, Qt.AlignCenter, bold=True))
        self.summary.setText(
            f"总分 {kpi.score_text(result.total_a)}（{result.a.period}）→ "
            f"{kpi.score_text(result.total_b)}（{result.b.period}）"
            f"  {comparison.change_text(result.total_arrow, result.total_change)};"
            f"等级 {result.grade_a} → {result.grade_b}"
        )

    def _put_scores(self, r: int, score_a, score_b, arrow: str, change, bold: bool = False) -> None:
        """Columns 3–5 of row ``r``: the two scores ("—" for none; the totals always have one)
        and the change."""
        self.table.setItem(r, 2, cell(kpi.score_text(score_a) or "—", RIGHT, bold=bold))
        self.table.setItem(r, 3, cell(kpi.score_text(score_b) or "—", RIGHT, bold=bold))
        item = cell(comparison.change_text(arrow, change), Qt.AlignCenter, bold=True)
        item.setForeground(arrow_color(arrow))
        self.table.setItem(r, 4, item)
