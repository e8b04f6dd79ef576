"""The 表1 table of the 质量评价 page: the draft's indicators laid out like the paper
(一级指标 merged over its group | 二级指标 | 权重 | 目标值 | 实际值 | 得分 | 备注(未达标原因) | 来源 | 操作),
edited by typing in the cells.

``IndicatorModel`` holds the draft's ``kpi.IndicatorRow`` objects and applies what is typed (a bad
number is refused with a message); ``IndicatorTable`` is the view: column widths, merged groups,
rows below 80% of their weight tinted, and the per-row buttons (评审打分… / 转为改进措施), which
it reports as signals.
"""

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QPushButton, QTableView, QWidget

from desktop.services.admin import accounts
from desktop.services.common.errors import ValidationError
from desktop.services.kpi import kpi

from ..common.widgets import deny_tooltip, vbox
from ..printing import kpi_print
from .kpi_style import FLAG_BG, FLAG_INK, RED, merge_level1

(
    COL_LEVEL1,
    COL_LEVEL2,
    COL_WEIGHT,
    COL_TARGET,
    COL_ACTUAL,
    COL_SCORE,
    COL_NOTE,
    COL_SOURCE,
    COL_ACTION,
) = range(9)
HEADERS = (
    "一级指标",
    "二级指标",
    "权重",
    "目标值",
    "实际值",
    "得分\n（权重×实际值\n/目标值）",
    "备注（未达标原因）",
    "来源",
    "操作",
)
WIDTHS = {
    COL_LEVEL1: 72,
    COL_LEVEL2: 172,
    COL_WEIGHT: 46,
    COL_TARGET: 58,
    COL_ACTUAL: 70,
    COL_SCORE: 88,
    COL_SOURCE: 98,
    COL_ACTION: 108,
}
_NUMBER_COLS = {COL_WEIGHT: "权重", COL_TARGET: "目标值", COL_ACTUAL: "实际值"}


class IndicatorModel(QAbstractTableModel):
    """The draft's indicator rows (the rows are the service's ``IndicatorRow`` objects)."""

    edited = Signal()  # a row changed, was added, moved or removed
    rejected = Signal(str)  # what was typed could not be used (the message says why)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[kpi.IndicatorRow] = []
        self.basis: dict[str, str] = {}  # 二级指标 → how its computed actual value came about
        # asks the user a yes/no question (an actual value above 100%); the page sets it
        self.confirm: Callable[[str], bool] = lambda _question: False

    def set_rows(self, rows: list[kpi.IndicatorRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    # -- read
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Vertical and role == Qt.DisplayRole:
            return str(section + 1)
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return self._display(row, col)
        if role == Qt.EditRole:
            return self._edit_text(row, col)
        if role == Qt.BackgroundRole and row.flagged and col != COL_LEVEL1:
            return FLAG_BG
        if role == Qt.ForegroundRole and col == COL_SCORE and row.flagged:
            return FLAG_INK
        if role == Qt.FontRole and col in (COL_SCORE, COL_LEVEL1):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.TextAlignmentRole:
            if col in (COL_WEIGHT, COL_TARGET, COL_ACTUAL, COL_LEVEL1):
                return int(Qt.AlignCenter)
            if col == COL_SCORE:
                return int(Qt.AlignRight | Qt.AlignVCenter)
            return int(Qt.AlignLeft | Qt.AlignVCenter)
        if role == Qt.ToolTipRole:
            return self._tooltip(row, col)
        return None

    def _display(self, row: kpi.IndicatorRow, col: int) -> str:
        if col == COL_LEVEL1:
            return row.level1
        if col == COL_LEVEL2:
            return row.level2
        if col == COL_WEIGHT:
            return kpi.num(row.weight)
        if col == COL_TARGET:
            return kpi_print.target_text(row)
        if col == COL_ACTUAL:
            return kpi_print.actual_text(row)
        if col == COL_SCORE:
            return kpi.score_text(row.score)
        if col == COL_NOTE:
            return row.note
        if col == COL_SOURCE:
            return row.source_label
        return ""

    def _edit_text(self, row: kpi.IndicatorRow, col: int) -> str:
        if col == COL_WEIGHT:
            return kpi.num(row.weight)
        if col == COL_TARGET:
            return kpi.num(row.target)
        if col == COL_ACTUAL:
            return kpi.num(row.actual)
        return self._display(row, col)

    def _tooltip(self, row: kpi.IndicatorRow, col: int) -> str | None:
        if col == COL_LEVEL1:
            return "修改一级指标名称：同组（合并单元格）的各项一起改名"
        if col == COL_LEVEL2:
            return row.definition or None
        if col == COL_ACTUAL:
            if row.qualitative:
                return "定性指标：由评审人打分（1–5 分），点“评审打分…”"
            if row.computed:
                return (
                    self.basis.get(row.level2) or f"可由“刷新实际值”从{row.source_label}数据计算，也可手工填写"
                )
            return "填写百分数，如 88 表示 88%"
        if col == COL_SCORE:
            if row.score is None:
                return "填写实际值后计算" if not row.qualitative else "评审打分后计算"
            share = row.score / row.weight if row.weight else 0
            text = f"得分 {kpi.score_text(row.score)} / 权重 {kpi.num(row.weight)}（{share:.0%}）"
            return text + (f"，低于 {kpi.FLAG_RATIO:.0%}，需根因分析" if row.flagged else "")
        return None

    # -- write
    def flags(self, index: QModelIndex):
        if not index.isValid():
            return Qt.NoItemFlags
        base = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        row = self.rows[index.row()]
        col = index.column()
        if col in (COL_LEVEL1, COL_LEVEL2, COL_WEIGHT, COL_NOTE) or (
            col in (COL_TARGET, COL_ACTUAL) and not row.qualitative
        ):
            return base | Qt.ItemIsEditable
        return base

    def setData(self, index: QModelIndex, value, role=Qt.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.EditRole:
            return False
        row = self.rows[index.row()]
        col = index.column()
        text = "" if value is None else str(value)
        try:
            if col in _NUMBER_COLS:
                number = kpi.parse_number(text, _NUMBER_COLS[col], required=col == COL_WEIGHT)
                if col == COL_WEIGHT:
                    row.weight = number
                elif col == COL_TARGET:
                    row.target = number
                else:
                    confirmed = kpi.over_limit(number) and self.confirm(kpi.over_limit_question(row, number))
                    if kpi.over_limit(number) and not confirmed:
                        return False  # the user said no: the old value stays
                    kpi.set_actual(row, text, confirmed=confirmed)
                    self.basis.pop(row.level2, None)
            elif col == COL_LEVEL1:
                kpi.rename_level1(self.rows, index.row(), text)
            elif col == COL_LEVEL2:
                kpi.rename_level2(row, text)
            elif col == COL_NOTE:
                row.note = text.strip()
            else:
                return False
        except ValidationError as err:
            self.rejected.emit(str(err))
            return False
        self.changed()
        return True

    def changed(self) -> None:
        """Everything may depend on one edit (scores, flags, merged groups): repaint all."""
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(HEADERS) - 1))
        self.edited.emit()

    def insert(self, position: int, row: kpi.IndicatorRow) -> None:
        self.beginInsertRows(QModelIndex(), position, position)
        self.rows.insert(position, row)
        self.endInsertRows()
        self.changed()

    def remove(self, position: int) -> None:
        self.beginRemoveRows(QModelIndex(), position, position)
        del self.rows[position]
        self.endRemoveRows()
        self.changed()

    def move(self, position: int, delta: int) -> bool:
        target = position + delta
        if not (0 <= position < len(self.rows) and 0 <= target < len(self.rows)):
            return False
        self.beginResetModel()
        self.rows[position], self.rows[target] = self.rows[target], self.rows[position]
        self.endResetModel()
        self.changed()
        return True


class IndicatorTable(QTableView):
    """The view of an ``IndicatorModel``; a click on a row's button is reported as
    ``review_requested(row)`` (评审打分…) or ``action_requested(row)`` (转为改进措施)."""

    review_requested = Signal(object)
    action_requested = Signal(object)

    def __init__(self, model: IndicatorModel, parent=None):
        super().__init__(parent)
        self.read_only = False  # set_read_only: no typing in cells, no 转为改进措施
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.DoubleClicked
            | QAbstractItemView.EditKeyPressed
            | QAbstractItemView.AnyKeyPressed
        )
        self.setWordWrap(True)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.verticalHeader().setMinimumSectionSize(self.fontMetrics().height() + 16)
        header = self.horizontalHeader()
        for col, width in WIDTHS.items():
            header.setSectionResizeMode(col, QHeaderView.Interactive)
            self.setColumnWidth(col, width)
        header.setSectionResizeMode(COL_NOTE, QHeaderView.Stretch)
        header.setMinimumHeight(header.fontMetrics().height() * 3 + 10)

    def set_read_only(self) -> None:
        """A role that may not change scorecards: cells are not edited; 评审打分 becomes 查看评分."""
        self.read_only = True
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)

    @property
    def rows(self) -> list[kpi.IndicatorRow]:
        return self.model().rows

    def merge_groups(self) -> None:
        merge_level1(self, self.rows, COL_LEVEL1)

    def show_row_buttons(self, actions: dict[int, int]) -> None:
        """评审打分… on qualitative rows; 转为改进措施 on flagged rows, or 已转改进 #N once the
        indicator (id) has become improvement action N (``actions``)."""
        for r, row in enumerate(self.rows):
            buttons = []
            if row.qualitative:
                button = QPushButton("查看评分…" if self.read_only else "评审打分…")
                button.clicked.connect(lambda _=False, row=row: self.review_requested.emit(row))
                buttons.append(button)
            if row.flagged:
                done = actions.get(row.id) if row.id is not None else None
                if done is not None:
                    button = QPushButton(f"已转改进 #{done}")
                    button.setEnabled(False)
                else:
                    button = QPushButton("转为改进措施")
                    button.setStyleSheet(f"color: {RED};")
                    button.setToolTip(kpi.FLAG_RULE)
                    button.clicked.connect(lambda _=False, row=row: self.action_requested.emit(row))
                    if self.read_only:
                        button.setEnabled(False)
                        button.setToolTip(deny_tooltip(accounts.MANAGE, "转为改进措施"))
                buttons.append(button)
            index = self.model().index(r, COL_ACTION)
            if not buttons:
                self.setIndexWidget(index, None)
                continue
            holder = QWidget()
            holder.setLayout(vbox(*buttons, spacing=2, margin=2))
            self.setIndexWidget(index, holder)
