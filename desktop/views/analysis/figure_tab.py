"""The base of 问题分析's figure tabs (评价对比, 细分对比): a read-only table filled in the
background, a note line above it ("正在计算…", the summary, or the failure and how to retry), and
``filled`` emitted once the table shows the figures or the failure."""

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QWidget

from ..common.operations import Latest
from .analysis_widgets import note_label

LOADING = "正在计算…"


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


class FigureTab(QWidget):
    """``read(compute, arrived)`` runs ``compute()`` off the GUI thread (the newest call wins) and
    hands its result to ``arrived`` on the GUI thread; ``loading`` is true meanwhile."""

    filled = Signal()

    def __init__(self, headers: list[str], parent=None):
        super().__init__(parent)
        self.loading = False
        self._job = Latest(self)
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.note = note_label()

    def read(self, compute: Callable[[], object], arrived: Callable[[object], None]) -> None:
        self.loading = True
        self.note.setText(LOADING)
        self._job.start(lambda _report: compute(), lambda result: self._show(arrived, result), self._failed)

    def _show(self, arrived: Callable[[object], None], result) -> None:
        self.loading = False
        self.table.setRowCount(0)
        arrived(result)
        self.filled.emit()

    def _failed(self, error: BaseException) -> None:
        self.loading = False
        self.table.setRowCount(0)  # the figures of an earlier read would pass for this one's
        self.note.setText(f"统计失败：{error}。请点击“刷新”重试。")
        self.filled.emit()

    def row_where(self, match: Callable[[list[str]], bool]) -> list[str] | None:
        """The texts in the shown columns of the first row ``match`` accepts (None when no row
        does)."""
        table = self.table
        shown = [col for col in range(table.columnCount()) if not table.isColumnHidden(col)]
        for row in range(table.rowCount()):
            texts = [table.item(row, col).text() for col in shown]
            if match(texts):
                return texts
        return None
