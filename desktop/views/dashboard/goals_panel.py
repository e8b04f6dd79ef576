"""工作台's 本期目标 line: each goal (综合得分, 投诉率, 复购率, 响应时效) of the period shown against
its actual figure, and 设定目标… (a 主管) to set the period's targets. The rows are read with the
tiles, in the background (``dashboard.tiles``); after the targets change the panel emits
``edited`` and the page reads them again."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QFrame, QLabel, QLineEdit, QPushButton

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError
from desktop.services.kpi import goals
from desktop.services.reporting.scope import Scope

from ..common.widgets import gate, hbox, vbox

GOOD = "#1e7b34"
BAD = "#b3261e"
MUTED = "#6b6b6b"


class GoalsDialog(QDialog):
    """The targets of one period; blank clears a target."""

    def __init__(self, period, parent=None):
        super().__init__(parent)
        self.period = period
        self.setWindowTitle(f"设定目标 · {period.label}")
        current = goals.targets(period)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for metric in goals.GOAL_METRICS:
            edit = QLineEdit("" if metric.key not in current else f"{current[metric.key]:g}")
            edit.setPlaceholderText(f"{metric.rule}（{metric.unit}），参考：{metric.example}")
            edit.setToolTip(metric.definition)
            self.edits[metric.key] = edit
            form.addRow(f"{metric.name}（{metric.unit}）：", edit)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(f"color: {BAD};")
        self.save_button = QPushButton("保存")
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("取消")
        cancel.clicked.connect(self.reject)
        self.setLayout(vbox(form, self.error_label, hbox(None, self.save_button, cancel), margin=12))

    def save(self) -> None:
        try:
            goals.set_targets(self.period, {k: e.text() for k, e in self.edits.items()})
        except UserError as err:
            self.error_label.setText(str(err))
            return
        self.accept()


class GoalsPanel(QFrame):
    """``show_rows(scope, rows)`` fills it with ``goals.goal_rows`` of the scope."""

    edited = Signal()  # the period's targets were changed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.scope: Scope | None = None
        self.rows: list[goals.GoalRow] = []
        self.title = QLabel("本期目标")
        self.title.setStyleSheet("font-weight: bold;")
        self.labels = {m.key: QLabel() for m in goals.GOAL_METRICS}
        self.summary_label = QLabel()
        self.set_button = QPushButton("设定目标…")
        self.set_button.clicked.connect(self.edit_goals)
        gate(accounts.MANAGE, self.set_button, what="设定目标")
        self.setLayout(hbox(self.title, *self.labels.values(), None, self.summary_label, self.set_button))

    def show_loading(self) -> None:
        for label in self.labels.values():
            label.setText("")
        self.summary_label.setText("正在计算…")

    def show_failed(self) -> None:
        self.summary_label.setText("目标统计失败")

    def show_rows(self, scope: Scope, rows) -> None:
        self.scope, self.rows = scope, list(rows)
        if scope.period is None:
            self.summary_label.setText("目标按期间设定：请选择一个期间。")
            return
        for row in self.rows:
            label = self.labels[row.metric.key]
            label.setText(f"{row.metric.name} {row.text(row.actual)} / 目标 {row.target_text} · {row.status}")
            color = MUTED if row.met is None else (GOOD if row.met else BAD)
            label.setStyleSheet(f"color: {color};")
            label.setToolTip(f"{row.metric.definition}\n{row.basis}")
        self.summary_label.setText(goals.summary(self.rows))

    def edit_goals(self) -> None:
        if self.scope is None or self.scope.period is None:
            return
        dialog = GoalsDialog(self.scope.period, self)
        if dialog.exec() == QDialog.Accepted:
            self.show_loading()
            self.edited.emit()
