"""The look shared by the parts of the 质量评价 page: colours of flags and grades, read-only table
cells, large bold labels, and 一级指标 merged over its group."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QTableView, QTableWidgetItem

from desktop.services.kpi import kpi

RED = "#c62828"
AMBER = "#8d6e00"  # unsaved changes, indicators without a score
FLAG_BG = QColor("#fde4e1")  # a row scoring below 80% of its weight
FLAG_INK = QColor("#b3261e")
GRADE_COLORS = {
    "优秀": "#1b5e20",
    "良好": "#1565c0",
    "达标": AMBER,
    "待改进": RED,
    kpi.PENDING_GRADE: "#757575",
}
ARROW_COLORS = {"↑": "#1b5e20", "↓": RED}


def grade_color(grade: str) -> QColor:
    return QColor(GRADE_COLORS.get(grade, "#000000"))


def arrow_color(arrow: str) -> QColor:
    return QColor(ARROW_COLORS.get(arrow, "#555555"))


def big_label(scale: float = 1.9) -> QLabel:
    """A bold label ``scale`` times the normal size (总分, 等级, the comparison's summary)."""
    label = QLabel()
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def cell(text: str, align=Qt.AlignLeft | Qt.AlignVCenter, bold: bool = False) -> QTableWidgetItem:
    """A read-only table cell."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
    item.setTextAlignment(align)
    if bold:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item


def merge_level1(table: QTableView, rows, column: int) -> None:
    """Merge the 一级指标 cells of consecutive rows of the same group, as on the paper 表1."""
    table.clearSpans()
    for _name, first, count in kpi.groups(rows):
        if count > 1:
            table.setSpan(first, column, count, 1)
