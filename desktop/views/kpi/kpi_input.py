"""Entering a scorecard's data besides typing in the 表1 table: the 所选指标 panel (一级指标,
来源, 定性指标, 指标定义 of the selected row), the 新建质量评价表 dialog (评价周期 + 评价范围 + 评价对象,
optionally the indicators of the latest one) and the 评审打分 dialog (reviewers' 1–5 scores of a
qualitative indicator)."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from desktop.services.common.errors import ValidationError
from desktop.services.kpi import kpi, scopes

from ..common.unsaved import GuardedDialog
from ..common.widgets import MARGIN, form, hbox, vbox
from .kpi_style import RED


class IndicatorDetailBox(QGroupBox):
    """所选指标: the fields of the selected row that have no column of their own. What the user
    changes is written into the row shown; ``row_changed`` asks for the table to be redrawn
    (groups, source, scores), ``definition_edited`` only marks the draft as changed, and
    ``reviewers_clicked`` asks for the 评审打分 dialog."""

    row_changed = Signal()
    definition_edited = Signal()
    reviewers_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__("所选指标", parent)
        self.row: kpi.IndicatorRow | None = None
        self.read_only = False  # set_read_only: shown, not changed
        self.level1_combo = QComboBox()
        self.level1_combo.setEditable(True)
        self.level1_combo.addItems(kpi.LEVEL1_CHOICES)
        self.definition_edit = QLineEdit()
        self.definition_edit.setPlaceholderText("指标定义：怎么算、数据从哪里来")
        self.source_combo = QComboBox()
        for key, label in kpi.SOURCES.items():
            self.source_combo.addItem(label, key)
        self.qualitative_check = QCheckBox("定性指标（评审打分）")
        self.reviewers_button = QPushButton("评审打分…")
        self.setLayout(
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
        self.level1_combo.currentTextChanged.connect(self._on_level1_picked)
        self.definition_edit.textEdited.connect(self._on_definition_edited)
        self.source_combo.currentIndexChanged.connect(self._on_source_picked)
        self.qualitative_check.toggled.connect(self._on_qualitative_toggled)
        self.reviewers_button.clicked.connect(self.reviewers_clicked)

    def set_read_only(self, reason: str) -> None:
        """A role that may not change scorecards: the fields are shown, not changed (评审打分…
        still opens, to look at the scores)."""
        self.read_only = True
        self.definition_edit.setReadOnly(True)
        self.reviewers_button.setText("查看评分…")
        for widget in (self.level1_combo, self.source_combo, self.qualitative_check):
            widget.setEnabled(False)
            widget.setToolTip(reason)

    def show_row(self, row: kpi.IndicatorRow | None) -> None:
        """Show ``row``'s fields (disabled when None: the last row's values stay, greyed)."""
        self.row = row
        self.setEnabled(row is not None)
        if row is None:
            return
        fields = (self.level1_combo, self.definition_edit, self.source_combo, self.qualitative_check)
        for widget in fields:
            widget.blockSignals(True)
        self.level1_combo.setCurrentText(row.level1)
        if self.definition_edit.text() != row.definition:
            self.definition_edit.setText(row.definition)
        self.source_combo.setCurrentIndex(max(self.source_combo.findData(row.source), 0))
        self.source_combo.setEnabled(not row.qualitative and not self.read_only)
        self.qualitative_check.setChecked(row.qualitative)
        self.reviewers_button.setEnabled(row.qualitative)
        for widget in fields:
            widget.blockSignals(False)

    def _on_level1_picked(self, text: str) -> None:
        """Move the row to another group (typing in the table's 一级指标 renames the group)."""
        row = self.row
        if row is None or not text.strip() or text.strip() == row.level1:
            return
        row.level1 = text.strip()
        self.row_changed.emit()

    def _on_definition_edited(self, text: str) -> None:
        if self.row is not None:
            self.row.definition = text
            self.definition_edited.emit()

    def _on_source_picked(self, _index: int) -> None:
        if self.row is not None:
            self.row.source = self.source_combo.currentData()
            self.row_changed.emit()

    def _on_qualitative_toggled(self, checked: bool) -> None:
        if self.row is None:
            return
        self.row.qualitative = checked
        if checked:
            self.row.source = kpi.MANUAL  # scored by reviewers, never computed
        self.row_changed.emit()


# ---------------------------------------------------------------- dialogs
def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {RED};")
    return label


def _ok_cancel(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    buttons.button(QDialogButtonBox.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.Cancel).setText("取消")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class NewScorecardDialog(GuardedDialog, QDialog):
    """评价周期 + 评价范围 (班组 / 服务类型 / 新老客户) + 评价对象 for a new scorecard; optionally
    the indicators of the latest one of the same scope."""

    HINTS = {
        scopes.TEAM: "评价对象与工单的“责任部门/班组”一致时，客户满意度、投诉处理及时率、问题一次性解决率"
        "可按本期数据自动计算；“全部”表示所有班组。",
        scopes.SERVICE_TYPE: "按工单的服务类型（如 维修、安装）评价：自动计算的指标只统计该服务类型的工单及其回访。",
        scopes.CUSTOMER_TENURE: "新客户：本期工单是该客户第一次完成的服务；老客户：该客户此前已有完成的工单。"
        "自动计算的指标只统计所选客户的工单及其回访。",
    }

    def __init__(self, parent=None, target: str = "", scope_kind: str = scopes.TEAM):
        super().__init__(parent)
        self.setWindowTitle("新建质量评价表")
        self.period_edit = QLineEdit(kpi.default_period())
        self.period_edit.setPlaceholderText("如 2024Q1、2024H1、2024、2024-03")
        self.span_label = QLabel()
        self.kind_combo = QComboBox()
        for key, label in scopes.KINDS.items():
            self.kind_combo.addItem(label, key)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(scope_kind)))
        self.target_combo = QComboBox()
        self.target_combo.setEditable(True)
        self.target_combo.setMinimumWidth(220)
        self.copy_check = QCheckBox("沿用该评价对象最近一期的指标（名称、权重、目标值）")
        self.error_label = _error_label()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self._fill_targets(target)
        buttons = _ok_cancel(self, "创建")
        self.setLayout(
            vbox(
                form(
                    ("评价周期", self.period_edit),
                    ("", self.span_label),
                    ("评价范围", self.kind_combo),
                    ("评价对象", self.target_combo),
                ),
                self.copy_check,
                self.hint,
                self.error_label,
                buttons,
                margin=MARGIN * 2,
            )
        )
        self.setMinimumWidth(460)
        self.period_edit.textChanged.connect(self._show_span)
        self.target_combo.currentTextChanged.connect(self._update_copy)
        self.kind_combo.currentIndexChanged.connect(lambda: self._fill_targets(""))
        self._show_span()
        self._update_copy()

    @property
    def kind(self) -> str:
        return self.kind_combo.currentData()

    def _fill_targets(self, target: str) -> None:
        """The 评价对象 list of the chosen 评价范围 (its teams, service types, or 新客户 / 老客户)."""
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems(kpi.target_choices(self.kind))
        self.target_combo.setEditable(self.kind != scopes.CUSTOMER_TENURE)
        if target:
            self.target_combo.setCurrentText(target)
        self.target_combo.blockSignals(False)
        self.hint.setText(self.HINTS[self.kind])
        self._update_copy()

    def _show_span(self) -> None:
        period = kpi.period_of(self.period_edit.text())
        self.span_label.setText(period.span if period else kpi.PERIOD_HINT)

    def _update_copy(self) -> None:
        latest = kpi.latest_for_target(self.target_combo.currentText().strip(), self.kind)
        self.copy_check.setEnabled(latest is not None)
        self.copy_check.setChecked(latest is not None)
        self.template_id = latest

    def values(self) -> tuple[str, str, list[kpi.IndicatorRow] | None, str]:
        """评价周期, 评价对象, the indicators to copy (None: the defaults) and the 评价范围."""
        indicators = None
        if self.copy_check.isChecked() and self.template_id is not None:
            indicators = kpi.indicators_from(self.template_id)
        return self.period_edit.text(), self.target_combo.currentText(), indicators, self.kind

    def accept(self) -> None:
        try:
            kpi.parse_period(self.period_edit.text())
            kpi.clean_target(self.target_combo.currentText(), self.kind)
        except ValidationError as err:
            self.error_label.setText(str(err))
            return
        super().accept()


class ReviewerDialog(GuardedDialog, QDialog):
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
        self.error_label = _error_label()
        buttons = _ok_cancel(self, "确定")
        scale = "、".join(f"{score} {name}" for score, name in sorted(kpi.REVIEWER_SCORES.items()))
        self.setLayout(
            vbox(
                QLabel(
                    f"每位评审人按 1–5 分打分（{scale}）；得分 = 平均分 ÷ 5 × 权重 {kpi.num(row.weight)}。"
                ),
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
            f"{len(scores)} 人评审，均分 {preview.reviewer_mean:.2f}，得分 {kpi.score_text(preview.score)}"
        )

    def accept(self) -> None:
        problems = kpi.reviewer_problems(f"“{self.row.level2}”", self.reviewers())
        if problems:
            self.error_label.setText("\n".join(problems))
            return
        super().accept()
