"""质量评价 page — 表1 售后服务质量评价表.

Left: the scorecards (评价周期, 评价对象, 总分, 等级). Right, tab 评价表: the selected scorecard as
a draft laid out like 表1 (一级指标 merged over its group | 二级指标 | 权重 | 目标值 | 实际值 | 得分 |
备注(未达标原因) | 来源 | 操作), edited by typing in the cells; scores, the 权重合计 label, the
total and the grade follow every keystroke-committed edit. 保存 writes the draft (refused while
weights ≠ 100), 放弃修改 reloads it. 刷新实际值 fills the computed indicators from the period's data.
Rows scoring below 80% of their weight are tinted and offer 转为改进措施; qualitative rows offer
评审打分. Tab 两期对比 sets another scorecard beside this one. 打印预览 / 导出PDF print the draft.

``open_with(scorecard_id=...)`` selects a scorecard.
"""

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QWidget,
)

from desktop.services import kpi
from desktop.services.errors import UserError, ValidationError

from . import kpi_print
from .context import AppContext
from .widgets import MARGIN, confirm, form, hbox, heading, show_error, vbox

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
    "得分\n(权重×实际值\n/目标值)",
    "备注(未达标原因)",
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
FLAG_BG = QColor("#fde4e1")
FLAG_INK = QColor("#b3261e")
RED = "#c62828"
GRADE_COLORS = {
    "优秀": "#1b5e20",
    "良好": "#1565c0",
    "达标": "#8d6e00",
    "待改进": RED,
    kpi.PENDING_GRADE: "#757575",
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
            return "修改一级指标名称:同组(合并单元格)的各项一起改名"
        if col == COL_LEVEL2:
            return row.definition or None
        if col == COL_ACTUAL:
            if row.qualitative:
                return "定性指标:由评审人打分(1–5 分),点“评审打分…”"
            if row.computed:
                return (
                    self.basis.get(row.level2) or f"可由“刷新实际值”从{row.source_label}数据计算,也可手工填写"
                )
            return "填写百分数,如 88 表示 88%"
        if col == COL_SCORE:
            if row.score is None:
                return "填写实际值后计算" if not row.qualitative else "评审打分后计算"
            share = row.score / row.weight if row.weight else 0
            text = f"得分 {kpi.score_text(row.score)} / 权重 {kpi.num(row.weight)}({share:.0%})"
            return text + (f",低于 {kpi.FLAG_RATIO:.0%},需根因分析" if row.flagged else "")
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
                    row.actual = number
                    self.basis.pop(row.level2, None)
            elif col == COL_LEVEL1:
                name = text.strip()
                if not name:
                    raise ValidationError("一级指标", "不能为空,请填写(如 时效性)。")
                for _group, first, count in kpi.groups(self.rows):
                    if first <= index.row() < first + count:
                        for member in self.rows[first : first + count]:
                            member.level1 = name
                        break
            elif col == COL_LEVEL2:
                name = text.strip()
                if not name:
                    raise ValidationError("二级指标", "不能为空,请填写指标名称。")
                row.level2 = name
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


# ---------------------------------------------------------------- dialogs
class NewScorecardDialog(QDialog):
    """评价周期 + 评价对象 for a new scorecard; optionally the indicators of the latest one."""

    def __init__(self, parent=None, target: str = ""):
        super().__init__(parent)
        self.setWindowTitle("新建质量评价表")
        self.period_edit = QLineEdit(kpi.default_period())
        self.period_edit.setPlaceholderText("如 2024Q1、2024H1、2024、2024-03")
        self.span_label = QLabel()
        self.target_combo = QComboBox()
        self.target_combo.setEditable(True)
        self.target_combo.addItems(kpi.target_choices())
        if target:
            self.target_combo.setCurrentText(target)
        self.target_combo.setMinimumWidth(220)
        self.copy_check = QCheckBox("沿用该评价对象最近一期的指标(名称、权重、目标值)")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {RED};")
        hint = QLabel(
            "评价对象与工单的“责任部门/班组”一致时,客户满意度、投诉处理及时率、问题一次性解决率"
            "可按本期数据自动计算;“全部”表示所有班组。"
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("创建")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setLayout(
            vbox(
                form(("评价周期", self.period_edit), ("", self.span_label), ("评价对象", self.target_combo)),
                self.copy_check,
                hint,
                self.error_label,
                buttons,
                margin=MARGIN * 2,
            )
        )
        self.setMinimumWidth(460)
        self.period_edit.textChanged.connect(self._show_span)
        self.target_combo.currentTextChanged.connect(self._update_copy)
        self._show_span()
        self._update_copy()

    def _show_span(self) -> None:
        period = kpi.period_of(self.period_edit.text())
        self.span_label.setText(period.span if period else kpi.PERIOD_HINT)

    def _update_copy(self) -> None:
        latest = kpi.latest_for_target(self.target_combo.currentText().strip())
        self.copy_check.setEnabled(latest is not None)
        self.copy_check.setChecked(latest is not None)
        self.template_id = latest

    def values(self) -> tuple[str, str, list[kpi.IndicatorRow] | None]:
        indicators = None
        if self.copy_check.isChecked() and self.template_id is not None:
            indicators = kpi.indicators_from(self.template_id)
        return self.period_edit.text(), self.target_combo.currentText(), indicators

    def accept(self) -> None:
        try:
            kpi.parse_period(self.period_edit.text())
            kpi.clean_target(self.target_combo.currentText())
        except ValidationError as err:
            self.error_label.setText(str(err))
            return
        super().accept()


class ReviewerDialog(QDialog):
    """Reviewer scores (评审人, 1 不达标 … 5 优秀) of one qualitative indicator."""

    def __init__(self, row: kpi.IndicatorRow, parent=None):
        super().__init__(parent)
        self.row = row
        self.setWindowTitle(f"评审打分 — {row.level2}")
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["评审人", "评分"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.add_button = QPushButton("添加评审人")
        self.remove_button = QPushButton("删除所选")
        self.result_label = QLabel()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {RED};")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("确定")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        scale = "、".join(f"{score} {name}" for score, name in sorted(kpi.REVIEWER_SCORES.items()))
        self.setLayout(
            vbox(
                QLabel(f"每位评审人按 1–5 分打分({scale});得分 = 平均分 ÷ 5 × 权重 {kpi.num(row.weight)}。"),
                self.table,
                hbox(self.add_button, self.remove_button, None),
                self.result_label,
                self.error_label,
                buttons,
                margin=MARGIN * 2,
            )
        )
        self.resize(460, 360)
        for who, score in row.reviewers:
            self.add_reviewer(who, score)
        self.add_button.clicked.connect(lambda: self.add_reviewer("", 3))
        self.remove_button.clicked.connect(self._remove)
        self.table.itemChanged.connect(self._update)
        self._update()

    def add_reviewer(self, who: str, score: int) -> None:
        combo = QComboBox()
        for value, name in sorted(kpi.REVIEWER_SCORES.items(), reverse=True):
            combo.addItem(f"{value} 分 {name}", value)
        combo.setCurrentIndex(combo.findData(score))
        combo.currentIndexChanged.connect(self._update)
        r = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(who))
        self.table.setCellWidget(r, 1, combo)
        self.table.blockSignals(False)
        self._update()

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows or [self.table.rowCount() - 1]:
            if r >= 0:
                self.table.removeRow(r)
        self._update()

    def reviewers(self) -> list[tuple[str, int]]:
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            out.append(((item.text() if item else "").strip(), self.table.cellWidget(r, 1).currentData()))
        return out

    def _update(self) -> None:
        scores = [score for _, score in self.reviewers()]
        if not scores:
            self.result_label.setText("还没有评审分。")
            return
        preview = kpi.IndicatorRow(self.row.level1, self.row.level2, self.row.weight, qualitative=True)
        preview.reviewers = self.reviewers()
        self.result_label.setText(
            f"{len(scores)} 人评审,均分 {preview.reviewer_mean:.2f},得分 {kpi.score_text(preview.score)}"
        )

    def accept(self) -> None:
        problems = kpi.reviewer_problems(f"“{self.row.level2}”", self.reviewers())
        if problems:
            self.error_label.setText("\n".join(problems))
            return
        super().accept()


# ---------------------------------------------------------------- the page
def _big_label(scale: float = 1.9) -> QLabel:
    label = QLabel()
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def _cell(text: str, align=Qt.AlignLeft | Qt.AlignVCenter, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
    item.setTextAlignment(align)
    if bold:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item


class KpiView(QWidget):
    """Page "kpi" (质量评价)."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.draft: kpi.ScorecardData | None = None
        self.dirty = False
        self._summaries: list[kpi.ScorecardSummary] = []
        self._actions: dict[int, int] = {}  # indicator id → improvement action made from it
        self._loading = False

        # left: the scorecards
        self.list_table = QTableWidget(0, 4)
        self.list_table.setHorizontalHeaderLabels(["评价周期", "评价对象", "总分", "等级"])
        self.list_table.verticalHeader().hide()
        self.list_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.list_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.list_table.setSelectionMode(QAbstractItemView.SingleSelection)
        header = self.list_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.new_button = QPushButton("新建评价表…")
        self.delete_button = QPushButton("删除")
        left = QWidget()
        left.setLayout(
            vbox(heading("质量评价"), self.list_table, hbox(self.new_button, self.delete_button, None))
        )
        left.setMinimumWidth(220)

        # right, tab 1: the editor
        self.title_label = heading("表1 售后服务质量评价表")
        self.period_edit = QLineEdit()
        self.period_edit.setMaximumWidth(200)
        self.span_label = QLabel()
        self.target_combo = QComboBox()
        self.target_combo.setEditable(True)
        self.target_combo.setMinimumWidth(160)
        self.add_button = QPushButton("添加指标")
        self.remove_button = QPushButton("删除指标")
        self.up_button = QPushButton("上移")
        self.down_button = QPushButton("下移")
        self.refresh_button = QPushButton("刷新实际值")
        self.refresh_button.setToolTip(
            "按本期、本评价对象的数据重新计算客户满意度、投诉处理及时率、问题一次性解决率"
        )
        self.model = IndicatorModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.DoubleClicked
            | QAbstractItemView.EditKeyPressed
            | QAbstractItemView.AnyKeyPressed
        )
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.verticalHeader().setMinimumSectionSize(self.fontMetrics().height() + 16)
        theader = self.table.horizontalHeader()
        for col, width in WIDTHS.items():
            theader.setSectionResizeMode(col, QHeaderView.Interactive)
            self.table.setColumnWidth(col, width)
        theader.setSectionResizeMode(COL_NOTE, QHeaderView.Stretch)
        theader.setMinimumHeight(theader.fontMetrics().height() * 3 + 10)

        # the selected row's other fields
        self.level1_combo = QComboBox()
        self.level1_combo.setEditable(True)
        self.level1_combo.addItems(kpi.LEVEL1_CHOICES)
        self.definition_edit = QLineEdit()
        self.definition_edit.setPlaceholderText("指标定义:怎么算、数据从哪里来")
        self.source_combo = QComboBox()
        for key, label in kpi.SOURCES.items():
            self.source_combo.addItem(label, key)
        self.qualitative_check = QCheckBox("定性指标(评审打分)")
        self.reviewers_button = QPushButton("评审打分…")
        self.detail_box = QGroupBox("所选指标")
        self.detail_box.setLayout(
            vbox(
                hbox(
                    QLabel("一级指标"),
                    self.level1_combo,
                    QLabel("来源"),
                    self.source_combo,
                    self.qualitative_check,
                    self.reviewers_button,
                    None,
                ),
                hbox(QLabel("指标定义"), self.definition_edit),
                margin=MARGIN,
            )
        )

        self.weight_label = QLabel()
        wfont = self.weight_label.font()
        wfont.setPointSizeF(wfont.pointSizeF() * 1.15)
        wfont.setBold(True)
        self.weight_label.setFont(wfont)
        self.total_label = _big_label()
        self.grade_label = _big_label()
        self.incomplete_label = QLabel()
        self.incomplete_label.setStyleSheet("color: #8d6e00;")
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.dirty_label = QLabel()
        self.dirty_label.setStyleSheet("color: #8d6e00;")
        self.save_button = QPushButton("保存")
        self.save_button.setDefault(True)
        self.revert_button = QPushButton("放弃修改")
        self.compare_button = QPushButton("两期对比")
        self.preview_button = QPushButton("打印预览")
        self.pdf_button = QPushButton("导出PDF")

        editor = QWidget()
        editor.setLayout(
            vbox(
                hbox(
                    self.title_label,
                    None,
                    QLabel("评价周期"),
                    self.period_edit,
                    self.span_label,
                    QLabel("评价对象"),
                    self.target_combo,
                ),
                hbox(
                    self.add_button,
                    self.remove_button,
                    self.up_button,
                    self.down_button,
                    None,
                    self.refresh_button,
                ),
                self.table,
                self.detail_box,
                hbox(self.weight_label, None, self.incomplete_label, self.total_label, self.grade_label),
                self.message_label,
                hbox(
                    self.save_button,
                    self.revert_button,
                    self.dirty_label,
                    None,
                    self.compare_button,
                    self.preview_button,
                    self.pdf_button,
                ),
                margin=MARGIN,
            )
        )

        # right, tab 2: two periods
        self.compare_combo = QComboBox()
        self.compare_combo.setMinimumWidth(280)
        self.compare_table = QTableWidget(0, 5)
        self.compare_table.verticalHeader().hide()
        self.compare_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        cheader = self.compare_table.horizontalHeader()
        cheader.setSectionResizeMode(QHeaderView.ResizeToContents)
        cheader.setSectionResizeMode(1, QHeaderView.Stretch)
        self.compare_summary = _big_label(1.35)
        self.compare_summary.setWordWrap(True)
        compare_page = QWidget()
        compare_page.setLayout(
            vbox(
                hbox(QLabel("与另一期对比:"), self.compare_combo, None),
                self.compare_table,
                self.compare_summary,
                margin=MARGIN,
            )
        )

        self.tabs = QTabWidget()
        self.tabs.addTab(editor, "评价表")
        self.tabs.addTab(compare_page, "两期对比")
        self.empty_label = QLabel("还没有质量评价表。点左侧“新建评价表…”,按季度为班组打分。")
        self.empty_label.setAlignment(Qt.AlignCenter)

        splitter = QSplitter()
        splitter.addWidget(left)
        right = QWidget()
        right.setLayout(vbox(self.tabs, self.empty_label))
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 1000])
        splitter.setChildrenCollapsible(False)
        self.setLayout(vbox(splitter, margin=MARGIN))

        # wiring
        self.list_table.itemSelectionChanged.connect(self._on_list_selection)
        self.new_button.clicked.connect(self.new_scorecard)
        self.delete_button.clicked.connect(self.delete_scorecard)
        self.period_edit.textEdited.connect(self._on_period_edited)
        self.target_combo.editTextChanged.connect(self._on_target_edited)
        self.add_button.clicked.connect(self.add_indicator)
        self.remove_button.clicked.connect(self.remove_indicator)
        self.up_button.clicked.connect(lambda: self.move_indicator(-1))
        self.down_button.clicked.connect(lambda: self.move_indicator(1))
        self.refresh_button.clicked.connect(self.refresh_actuals)
        self.model.edited.connect(self._on_edited)
        self.model.rejected.connect(self._on_rejected)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        self.level1_combo.currentTextChanged.connect(self._on_level1_picked)
        self.definition_edit.textEdited.connect(self._on_definition_edited)
        self.source_combo.currentIndexChanged.connect(self._on_source_picked)
        self.qualitative_check.toggled.connect(self._on_qualitative_toggled)
        self.reviewers_button.clicked.connect(lambda: self.edit_reviewers(self.current_row()))
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        self.compare_button.clicked.connect(lambda: self.tabs.setCurrentIndex(1))
        self.preview_button.clicked.connect(self.print_preview)
        self.pdf_button.clicked.connect(self.export_pdf)
        self.compare_combo.currentIndexChanged.connect(lambda _i: self.show_comparison())
        self.tabs.currentChanged.connect(lambda _i: self.show_comparison())

        self.reload_list()

    # ------------------------------------------------------------ page protocol
    def on_shown(self) -> None:
        if not self.dirty:
            self.reload_list(self.draft.id if self.draft else None)

    def open_with(self, scorecard_id: int | None = None, **_kwargs) -> None:
        current = self.draft.id if self.draft else None
        if self.dirty and scorecard_id != current:
            if not confirm(self, "当前评价表有未保存的修改,打开另一张将放弃这些修改。继续吗?"):
                return
            self.dirty = False
        self.reload_list(scorecard_id)

    # ------------------------------------------------------------ the list
    def reload_list(self, select_id: int | None = None) -> None:
        if select_id is None and self.draft is not None:
            select_id = self.draft.id
        self._summaries = kpi.list_scorecards()
        self.list_table.blockSignals(True)
        self.list_table.setRowCount(len(self._summaries))
        for r, s in enumerate(self._summaries):
            self.list_table.setItem(r, 0, _cell(s.period))
            self.list_table.setItem(r, 1, _cell(s.target))
            total = kpi.score_text(s.total) + ("" if s.complete else "*")
            self.list_table.setItem(r, 2, _cell(total, Qt.AlignRight | Qt.AlignVCenter))
            grade = _cell(s.grade, Qt.AlignCenter, bold=True)
            grade.setForeground(QColor(GRADE_COLORS.get(s.grade, "#000000")))
            self.list_table.setItem(r, 3, grade)
            if not s.complete:
                self.list_table.item(r, 2).setToolTip("* 还有指标没有实际值/评审分,总分未含这些指标")
        self.list_table.blockSignals(False)
        ids = [s.id for s in self._summaries]
        has_cards = bool(ids)
        self.tabs.setVisible(has_cards)
        self.empty_label.setVisible(not has_cards)
        self.delete_button.setEnabled(has_cards)
        if not has_cards:
            self.draft = None
            self.dirty = False
            return
        row = ids.index(select_id) if select_id in ids else 0
        self.list_table.blockSignals(True)
        self.list_table.selectRow(row)
        self.list_table.blockSignals(False)
        self.load(ids[row])

    def _selected_list_id(self) -> int | None:
        rows = {i.row() for i in self.list_table.selectedIndexes()}
        if not rows:
            return None
        return self._summaries[min(rows)].id

    def _on_list_selection(self) -> None:
        card_id = self._selected_list_id()
        if card_id is None or (self.draft is not None and card_id == self.draft.id):
            return
        if self.dirty and not confirm(self, "当前评价表有未保存的修改,切换后将放弃这些修改。继续吗?"):
            self._select_in_list(self.draft.id if self.draft else None)
            return
        self.load(card_id)

    def _select_in_list(self, card_id: int | None) -> None:
        self.list_table.blockSignals(True)
        for r, s in enumerate(self._summaries):
            if s.id == card_id:
                self.list_table.selectRow(r)
        self.list_table.blockSignals(False)

    def new_scorecard(self) -> None:
        if self.dirty and not confirm(self, "当前评价表有未保存的修改,新建后将放弃这些修改。继续吗?"):
            return
        dialog = NewScorecardDialog(self, self.draft.target if self.draft else "")
        if dialog.exec() != QDialog.Accepted:
            return
        period, target, indicators = dialog.values()
        try:
            card = kpi.create_scorecard(period, target, indicators)
        except UserError as err:
            show_error(self, str(err), "无法新建评价表")
            return
        self.dirty = False
        self.reload_list(card.id)
        self.ctx.events.status_message.emit(f"已新建质量评价表:{card.period} {card.target}")

    def delete_scorecard(self) -> None:
        if self.draft is None or self.draft.id is None:
            return
        name = f"{self.draft.period}“{self.draft.target}”"
        if not confirm(self, f"删除质量评价表 {name}?其指标和评审分将一并删除,已转入的改进措施保留。"):
            return
        kpi.delete_scorecard(self.draft.id)
        self.draft = None
        self.dirty = False
        self.reload_list()

    # ------------------------------------------------------------ loading the editor
    def load(self, card_id: int) -> None:
        try:
            self.draft = kpi.load(card_id)
        except UserError as err:
            show_error(self, str(err))
            self.draft = None
            return
        self._loading = True
        self.period_edit.setText(self.draft.period)
        self.target_combo.clear()
        choices = kpi.target_choices()
        if self.draft.target not in choices:
            choices.insert(0, self.draft.target)
        self.target_combo.addItems(choices)
        self.target_combo.setCurrentText(self.draft.target)
        self._loading = False
        self._actions = {}
        for row in self.draft.rows:
            if row.flagged and row.id is not None:
                action = kpi.existing_action(row.id)
                if action is not None:
                    self._actions[row.id] = action.id
        self.model.basis = {}
        self.model.set_rows(self.draft.rows)
        self.message_label.setText("")
        self._set_dirty(False)
        self._after_change()
        if self.draft.rows:
            self.table.selectRow(0)
        self._show_detail()
        self._fill_compare_choices()

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.dirty_label.setText("● 有未保存的修改" if dirty else "")
        self.revert_button.setEnabled(dirty)

    # ------------------------------------------------------------ live figures
    def _after_change(self) -> None:
        """Spans, row buttons, 权重合计, total and grade after any change of the draft."""
        if self.draft is None:
            return
        self.table.clearSpans()
        for _name, first, count in kpi.groups(self.draft.rows):
            if count > 1:
                self.table.setSpan(first, COL_LEVEL1, count, 1)
        self._row_buttons()
        total = self.draft.weight_total
        ok = self.draft.weights_ok
        self.weight_label.setText(f"权重合计 {kpi.num(total)} / {kpi.num(kpi.WEIGHT_TOTAL)}")
        self.weight_label.setStyleSheet("" if ok else f"color: {RED};")
        self.weight_label.setToolTip("" if ok else f"权重合计为 {kpi.num(total)},应为 100,改好后才能保存")
        self.total_label.setText(f"总分 {kpi.score_text(self.draft.total)}")
        grade = self.draft.grade
        self.grade_label.setText(f"等级 {grade}")
        self.grade_label.setStyleSheet(f"color: {GRADE_COLORS.get(grade, '#000000')};")
        missing = self.draft.unscored
        self.incomplete_label.setText(
            f"{len(missing)} 项尚无得分(未计入总分),全部有得分后评定等级" if missing else ""
        )
        self.table.resizeRowsToContents()
        if self.tabs.currentIndex() == 1:
            self.show_comparison()

    def _row_buttons(self) -> None:
        for r, row in enumerate(self.draft.rows):
            index = self.model.index(r, COL_ACTION)
            buttons = []
            if row.qualitative:
                button = QPushButton("评审打分…")
                button.clicked.connect(lambda _=False, row=row: self.edit_reviewers(row))
                buttons.append(button)
            if row.flagged:
                done = self._actions.get(row.id) if row.id is not None else None
                if done is not None:
                    button = QPushButton(f"已转改进 #{done}")
                    button.setEnabled(False)
                else:
                    button = QPushButton("转为改进措施")
                    button.setStyleSheet(f"color: {RED};")
                    button.setToolTip(kpi.FLAG_RULE)
                    button.clicked.connect(lambda _=False, row=row: self.to_action(row))
                buttons.append(button)
            if not buttons:
                self.table.setIndexWidget(index, None)
                continue
            holder = QWidget()
            holder.setLayout(vbox(*buttons, spacing=2, margin=2))
            self.table.setIndexWidget(index, holder)

    # ------------------------------------------------------------ editing
    def current_row(self) -> kpi.IndicatorRow | None:
        index = self.table.currentIndex()
        if self.draft is None or not index.isValid() or index.row() >= len(self.draft.rows):
            return None
        return self.draft.rows[index.row()]

    def _on_edited(self) -> None:
        self._set_dirty(True)
        self.message_label.setText("")
        self._after_change()
        self._show_detail()

    def _on_rejected(self, message: str) -> None:
        self.message_label.setStyleSheet(f"color: {RED};")
        self.message_label.setText(message)

    def _on_period_edited(self, text: str) -> None:
        if self.draft is None or self._loading:
            return
        self.draft.period = text.strip()
        period = kpi.period_of(text)
        self.span_label.setText(period.span if period else "")
        self.span_label.setStyleSheet("" if period else f"color: {RED};")
        if period is None:
            self.span_label.setText("周期格式不对")
            self.span_label.setToolTip(kpi.PERIOD_HINT)
        self._set_dirty(True)

    def _on_target_edited(self, text: str) -> None:
        if self.draft is None or self._loading:
            return
        self.draft.target = text.strip()
        self._set_dirty(True)

    def _show_detail(self) -> None:
        row = self.current_row()
        self.detail_box.setEnabled(row is not None)
        self.remove_button.setEnabled(row is not None)
        period = self.draft.period_info if self.draft else None
        if period is not None and not self._loading:
            self.span_label.setText(period.span)
            self.span_label.setStyleSheet("")
        if row is None:
            return
        for widget in (self.level1_combo, self.definition_edit, self.source_combo, self.qualitative_check):
            widget.blockSignals(True)
        self.level1_combo.setCurrentText(row.level1)
        if self.definition_edit.text() != row.definition:
            self.definition_edit.setText(row.definition)
        self.source_combo.setCurrentIndex(max(self.source_combo.findData(row.source), 0))
        self.source_combo.setEnabled(not row.qualitative)
        self.qualitative_check.setChecked(row.qualitative)
        self.reviewers_button.setEnabled(row.qualitative)
        for widget in (self.level1_combo, self.definition_edit, self.source_combo, self.qualitative_check):
            widget.blockSignals(False)

    def _on_level1_picked(self, text: str) -> None:
        row = self.current_row()
        if row is None or not text.strip() or text.strip() == row.level1:
            return
        row.level1 = text.strip()
        self.model.changed()

    def _on_definition_edited(self, text: str) -> None:
        row = self.current_row()
        if row is not None:
            row.definition = text
            self._set_dirty(True)

    def _on_source_picked(self, _index: int) -> None:
        row = self.current_row()
        if row is None:
            return
        row.source = self.source_combo.currentData()
        self.model.changed()

    def _on_qualitative_toggled(self, checked: bool) -> None:
        row = self.current_row()
        if row is None:
            return
        row.qualitative = checked
        if checked:
            row.source = kpi.MANUAL
        self.model.changed()

    def add_indicator(self) -> None:
        if self.draft is None:
            return
        current = self.current_row()
        position = self.table.currentIndex().row() + 1 if current is not None else len(self.draft.rows)
        level1 = current.level1 if current is not None else kpi.LEVEL1_CHOICES[0]
        self.model.insert(position, kpi.IndicatorRow(level1, "新指标", 0))
        index = self.model.index(position, COL_LEVEL2)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def remove_indicator(self) -> None:
        index = self.table.currentIndex()
        if self.draft is None or not index.isValid():
            return
        self.model.remove(index.row())
        if self.draft.rows:
            self.table.selectRow(min(index.row(), len(self.draft.rows) - 1))

    def move_indicator(self, delta: int) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        if self.model.move(index.row(), delta):
            self.table.selectRow(index.row() + delta)

    def set_cell(self, row: int, col: int, text: str) -> bool:
        """Put ``text`` in a cell as if typed (used by the row editor and tests)."""
        return self.model.setData(self.model.index(row, col), text)

    def edit_reviewers(self, row: kpi.IndicatorRow | None) -> None:
        if row is None or not row.qualitative:
            return
        dialog = ReviewerDialog(row, self)
        if dialog.exec() != QDialog.Accepted:
            return
        row.reviewers = dialog.reviewers()
        self.model.changed()

    def refresh_actuals(self) -> None:
        if self.draft is None:
            return
        try:
            items = kpi.apply_computed(self.draft)
        except UserError as err:
            show_error(self, str(err), "无法刷新实际值")
            return
        if not items:
            self._message("本表没有可自动计算的指标(来源均为手工填写)。")
            return
        self.model.basis = {item.level2: item.basis for item in items}
        self.model.changed()
        lines = [f"{item.level2}:{item.basis}" for item in items]
        self._message("已按数据更新实际值(请保存):\n" + "\n".join(lines))

    def _message(self, text: str) -> None:
        self.message_label.setStyleSheet("")
        self.message_label.setText(text)

    # ------------------------------------------------------------ saving
    def save(self) -> bool:
        if self.draft is None:
            return False
        message = kpi.validate(self.draft)
        if message:
            show_error(self, message, "无法保存评价表")
            return False
        try:
            kpi.save(self.draft)
        except UserError as err:
            show_error(self, str(err), "无法保存评价表")
            return False
        self.ctx.events.status_message.emit(f"已保存质量评价表:{self.draft.period} {self.draft.target}")
        self._set_dirty(False)
        self.reload_list(self.draft.id)
        return True

    def revert(self) -> None:
        if self.draft is not None and self.draft.id is not None:
            self.load(self.draft.id)

    def to_action(self, row: kpi.IndicatorRow) -> None:
        if self.dirty:
            if not confirm(self, "转为改进措施前需要先保存评价表。现在保存吗?"):
                return
            if not self.save():
                return
            row = next((r for r in self.draft.rows if r.level2 == row.level2), None)
            if row is None:
                return
        try:
            action = kpi.flag_to_action(row.id)
        except UserError as err:
            show_error(self, str(err), "无法转为改进措施")
            return
        self._actions[row.id] = action.id
        self._row_buttons()
        self._message(
            f"已转为改进措施第 {action.id} 号:{action.problem}(责任部门 {action.department},状态 未启动)。"
            "责任人和完成时限可到“改进方案”页修改。"
        )
        self.ctx.events.status_message.emit(f"已创建改进措施:{action.problem}")

    # ------------------------------------------------------------ two periods
    def _fill_compare_choices(self) -> None:
        self.compare_combo.blockSignals(True)
        self.compare_combo.clear()
        others = [s for s in self._summaries if self.draft is None or s.id != self.draft.id]
        for s in others:
            self.compare_combo.addItem(f"{s.period} · {s.target} · {kpi.score_text(s.total)} {s.grade}", s.id)
        previous = kpi.previous_scorecard(self.draft) if self.draft and self.draft.id else None
        if previous is not None:
            self.compare_combo.setCurrentIndex(self.compare_combo.findData(previous))
        self.compare_combo.blockSignals(False)
        self.show_comparison()

    def show_comparison(self) -> None:
        other_id = self.compare_combo.currentData()
        self.compare_table.setRowCount(0)
        if self.draft is None or other_id is None:
            self.compare_summary.setText("没有可对比的其他评价表。" if self.draft is not None else "")
            return
        other = kpi.load(other_id)
        mine_first = (self.draft.period_info.start if self.draft.period_info else None) is not None and (
            other.period_info is not None and self.draft.period_info.start < other.period_info.start
        )
        result = kpi.compare(self.draft, other) if mine_first else kpi.compare(other, self.draft)
        a, b = result.a, result.b
        self.compare_table.setHorizontalHeaderLabels(
            ["一级指标", "二级指标", f"{a.period} 得分", f"{b.period} 得分", "变化"]
        )
        right = Qt.AlignRight | Qt.AlignVCenter
        rows = [*result.rows]
        self.compare_table.setRowCount(len(rows) + 2)
        for r, row in enumerate(rows):
            self.compare_table.setItem(r, 0, _cell(row.level1, Qt.AlignCenter, bold=True))
            self.compare_table.setItem(r, 1, _cell(row.level2))
            self.compare_table.setItem(r, 2, _cell(kpi.score_text(row.score_a) or "—", right))
            self.compare_table.setItem(r, 3, _cell(kpi.score_text(row.score_b) or "—", right))
            change = _cell(_change_text(row.arrow, row.change), Qt.AlignCenter, bold=True)
            change.setForeground(QColor(_arrow_color(row.arrow)))
            self.compare_table.setItem(r, 4, change)
        self.compare_table.clearSpans()
        for _name, first, count in kpi.groups(rows):
            if count > 1:
                self.compare_table.setSpan(first, 0, count, 1)
        n = len(rows)
        self.compare_table.setItem(n, 1, _cell("总分", bold=True))
        self.compare_table.setItem(n, 2, _cell(kpi.score_text(result.total_a), right, bold=True))
        self.compare_table.setItem(n, 3, _cell(kpi.score_text(result.total_b), right, bold=True))
        total_change = _cell(_change_text(result.total_arrow, result.total_change), Qt.AlignCenter, bold=True)
        total_change.setForeground(QColor(_arrow_color(result.total_arrow)))
        self.compare_table.setItem(n, 4, total_change)
        self.compare_table.setItem(n + 1, 1, _cell("等级", bold=True))
        self.compare_table.setItem(n + 1, 2, _cell(result.grade_a, Qt.AlignCenter, bold=True))
        self.compare_table.setItem(n + 1, 3, _cell(result.grade_b, Qt.AlignCenter, bold=True))
        self.compare_summary.setText(
            f"总分 {kpi.score_text(result.total_a)}({a.period})→ {kpi.score_text(result.total_b)}({b.period})"
            f"  {_change_text(result.total_arrow, result.total_change)};"
            f"等级 {result.grade_a} → {result.grade_b}"
        )

    # ------------------------------------------------------------ printing
    def _printable(self) -> kpi.ScorecardData | None:
        if self.draft is None:
            return None
        message = kpi.validate(self.draft)
        if message:
            show_error(self, f"请先修正以下问题再打印:\n{message}", "无法打印")
            return None
        return self.draft.copy()

    def print_preview(self) -> None:
        data = self._printable()
        if data is not None:
            kpi_print.preview_scorecard(self, data)

    def export_pdf(self) -> str | None:
        data = self._printable()
        if data is None:
            return None
        path, _ = QFileDialog.getSaveFileName(
            self, "导出质量评价表 PDF", kpi_print.default_file_name(data), "PDF 文件 (*.pdf)"
        )
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            kpi_print.write_scorecard_pdf(data, path)
        except UserError as err:
            show_error(self, str(err), "无法导出PDF")
            return None
        self._message(f"已导出:{path}")
        self.ctx.events.status_message.emit(f"已导出质量评价表 PDF:{path}")
        return path


def _change_text(arrow: str, change: float | None) -> str:
    if not arrow or change is None:
        return "—"
    return f"{arrow} {change:+.2f}"


def _arrow_color(arrow: str) -> str:
    return {"↑": "#1b5e20", "↓": RED}.get(arrow, "#555555")
