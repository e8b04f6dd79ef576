"""Dialogs of the 改进方案 page: create/edit an improvement action, and move it one status step.

Both call the improvement service and show its field errors inside the dialog (the dialog stays
open with what was typed); nothing is saved until every field is right.
"""

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from desktop.services.common import calendar
from desktop.services.common.errors import StaleEdit, UserError, ValidationError, ValidationErrors
from desktop.services.improvement import dossier, flow
from desktop.services.improvement import improvement as svc

from ..common import merge_dialog
from ..common.unsaved import GuardedDialog
from ..common.widgets import hbox, vbox

ERROR_STYLE = "color: #b3261e;"
BAD_FIELD = "border: 1px solid #d93025;"
DEFAULT_WORKDAYS = 15  # the seed's example deadline: 15 个工作日


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _text_edit(placeholder: str, height: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


def _editable_combo(items: list[str], placeholder: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(items)
    combo.setCurrentIndex(-1)
    combo.lineEdit().setPlaceholderText(placeholder)
    combo.setInsertPolicy(QComboBox.NoInsert)
    return combo


class _ErrorsMixin:
    """Field errors listed under the form, the fields concerned outlined in red."""

    error_label: QLabel
    field_widgets: dict[str, QWidget]

    def clear_errors(self) -> None:
        self.error_label.hide()
        self.error_label.clear()
        for widget in self.field_widgets.values():
            widget.setStyleSheet("")

    def show_errors(self, err: UserError) -> None:
        errors = err.errors if isinstance(err, ValidationErrors) else [err]
        self.error_label.setText("未保存，请修改：\n" + "\n".join(f"• {e}" for e in errors))
        self.error_label.show()
        first = None
        for e in errors:
            widget = self.field_widgets.get(e.field) if isinstance(e, ValidationError) else None
            if widget is not None:
                widget.setStyleSheet(BAD_FIELD)
                first = first or widget
        if first is not None:
            first.setFocus(Qt.OtherFocusReason)


class ActionDialog(GuardedDialog, _ErrorsMixin, QDialog):
    """新建 / 编辑 改进措施: the problem, the feedback that caused it, and who does what by when."""

    def __init__(
        self,
        parent=None,
        *,
        action_id: int | None = None,
        category_id: int | None = None,
        visit_ids: list[int] | None = None,
        author: str = "",
        today: date | None = None,
    ):
        super().__init__(parent)
        self.action_id = action_id
        self.row_version: int | None = None  # set by _load
        self.author = author
        self.today = today or date.today()
        self.saved_id: int | None = None
        self._explicit_visits = bool(visit_ids)
        self._problem_touched = False
        self.setWindowTitle("编辑改进措施" if action_id else "新建改进措施")
        self.setMinimumWidth(720)

        self.category_combo = QComboBox()
        self.category_combo.addItem("（未分类）", None)
        for cid, name in svc.category_choices():
            self.category_combo.addItem(name, cid)
        self.problem_edit = _text_edit("客户反馈的问题，如：多位客户反映维修备件短缺导致二次上门", 58)
        self.visits_list = QListWidget()
        self.visits_list.setMinimumHeight(110)
        self.visits_note = QLabel()
        self.visits_note.setStyleSheet("color: #555;")
        all_button = QPushButton("全选")
        none_button = QPushButton("全不选")
        all_button.clicked.connect(lambda: self._check_all(True))
        none_button.clicked.connect(lambda: self._check_all(False))
        self.measure_edit = _text_edit("具体做什么，如：建立备件库存预警，低于阈值自动补货", 58)
        self.department_combo = _editable_combo(svc.department_choices(), "如 物流部")
        self.owner_combo = _editable_combo(svc.owner_choices(), "负责落实的人")
        self.deadline_edit = QDateEdit()
        self.deadline_edit.setDisplayFormat("yyyy-MM-dd")
        self.deadline_edit.setCalendarPopup(True)
        self.acceptance_edit = QLineEdit()
        self.acceptance_edit.setPlaceholderText("怎样算做到了，如：常用备件缺货率≤2%")
        self.expected_edit = QLineEdit()
        self.expected_edit.setPlaceholderText("如：响应时长≤15分钟，满意度提升至80%")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()

        self.field_widgets = {
            "问题分类": self.category_combo,
            "问题描述": self.problem_edit,
            "关联回访": self.visits_list,
            "改进措施": self.measure_edit,
            "责任部门": self.department_combo,
            "责任人": self.owner_combo,
            "完成时限": self.deadline_edit,
            "验收标准": self.acceptance_edit,
            "预期效果": self.expected_edit,
        }
        form = QFormLayout()
        form.addRow("问题分类：", self.category_combo)
        form.addRow("问题描述：", self.problem_edit)
        form.addRow(
            "关联回访：", vbox(self.visits_list, hbox(self.visits_note, None, all_button, none_button))
        )
        form.addRow("改进措施：", self.measure_edit)
        form.addRow("责任部门：", hbox(self.department_combo, QLabel("责任人："), self.owner_combo, spacing=8))
        form.addRow("完成时限：", hbox(self.deadline_edit, None))
        form.addRow("验收标准：", self.acceptance_edit)
        form.addRow("预期效果：", self.expected_edit)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("保存", QDialogButtonBox.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setLayout(vbox(form, self.error_label, buttons, margin=12))

        if action_id is not None:
            self._load(svc.action_input(action_id))
        else:
            self._start(category_id, visit_ids or [])
        self.problem_edit.textChanged.connect(self._problem_edited)
        self.category_combo.currentIndexChanged.connect(self._category_changed)
        self.visits_list.itemChanged.connect(self._update_note)

    # ------------------------------------------------------------ filling
    def _start(self, category_id: int | None, visit_ids: list[int]) -> None:
        if category_id is None and visit_ids:
            category_id = svc.common_category(visit_ids)
        self._select_category(category_id)
        self._fill_visits(category_id, visit_ids, checked=set(visit_ids) if visit_ids else None)
        self.problem_edit.setPlainText(svc.default_problem(category_id, self.checked_visits()))
        self.deadline_edit.setMinimumDate(_qdate(self.today))
        self.deadline_edit.setDate(_qdate(calendar.add_workdays(self.today, DEFAULT_WORKDAYS)))

    def _load(self, data: svc.ActionInput) -> None:
        self.row_version = data.row_version  # a save from a stale copy is refused (已被 X 于 HH:MM 修改)
        self._explicit_visits = True
        self._select_category(data.category_id)
        self._fill_visits(None, data.visit_ids, checked=set(data.visit_ids))
        self.problem_edit.setPlainText(data.problem)
        self.measure_edit.setPlainText(data.measure)
        self.department_combo.setCurrentText(data.department)
        self.owner_combo.setCurrentText(data.owner)
        if data.deadline:
            self.deadline_edit.setMinimumDate(_qdate(min(data.deadline, self.today)))
            self.deadline_edit.setDate(_qdate(data.deadline))
        self.acceptance_edit.setText(data.acceptance)
        self.expected_edit.setText(data.expected_effect)
        self._problem_touched = True

    def _select_category(self, category_id: int | None) -> None:
        index = self.category_combo.findData(category_id)
        self.category_combo.setCurrentIndex(max(index, 0))

    def _fill_visits(self, category_id: int | None, visit_ids: list[int], checked: set[int] | None) -> None:
        """The feedback the action answers: checked items are linked. ``checked`` None: every
        visit not already answered by another open action."""
        self.visits_list.blockSignals(True)
        self.visits_list.clear()
        rows = svc.candidate_visits(category_id=category_id, visit_ids=visit_ids or None)
        for row in rows:
            item = QListWidgetItem(row.label())
            item.setData(Qt.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            others = tuple(a for a in row.linked_to if a != self.action_id)
            on = row.id in checked if checked is not None else not others
            item.setCheckState(Qt.Checked if on else Qt.Unchecked)
            item.setToolTip(row.feedback)
            self.visits_list.addItem(item)
        self.visits_list.blockSignals(False)
        self._update_note()

    def checked_visits(self) -> list[int]:
        out = []
        for i in range(self.visits_list.count()):
            item = self.visits_list.item(i)
            if item.checkState() == Qt.Checked:
                out.append(int(item.data(Qt.UserRole)))
        return out

    def _check_all(self, on: bool) -> None:
        for i in range(self.visits_list.count()):
            self.visits_list.item(i).setCheckState(Qt.Checked if on else Qt.Unchecked)

    def _update_note(self, *_args) -> None:
        total = self.visits_list.count()
        if not total:
            self.visits_note.setText("没有关联的回访反馈（可不关联；措施完成后需人工验证效果）")
            return
        self.visits_note.setText(
            f"已勾选 {len(self.checked_visits())} / {total} 条反馈；完成后将对这些客户二次回访"
        )

    def _problem_edited(self) -> None:
        self._problem_touched = True

    def _category_changed(self, _index: int) -> None:
        if self._explicit_visits:
            return
        category_id = self.category_combo.currentData()
        self._fill_visits(category_id, [], checked=None)
        if not self._problem_touched:
            self.problem_edit.blockSignals(True)
            self.problem_edit.setPlainText(svc.default_problem(category_id, self.checked_visits()))
            self.problem_edit.blockSignals(False)

    # ------------------------------------------------------------ saving
    def collect(self) -> svc.ActionInput:
        return svc.ActionInput(
            problem=self.problem_edit.toPlainText(),
            measure=self.measure_edit.toPlainText(),
            department=self.department_combo.currentText(),
            owner=self.owner_combo.currentText(),
            deadline=_pydate(self.deadline_edit.date()),
            acceptance=self.acceptance_edit.text(),
            expected_effect=self.expected_edit.text(),
            category_id=self.category_combo.currentData(),
            visit_ids=self.checked_visits(),
            row_version=self.row_version,
        )

    def accept(self) -> None:
        self.clear_errors()
        try:
            if self.action_id is None:
                action = svc.create_action(self.collect(), self.author, today=self.today)
            else:
                action = svc.update_action(self.action_id, self.collect(), self.author, today=self.today)
        except StaleEdit as err:
            self._merge(err)
            return
        except UserError as err:
            self.show_errors(err)
            return
        self.saved_id = action.id
        super().accept()

    def _merge(self, err: StaleEdit) -> None:
        """Someone else saved this action meanwhile: 对照修改 field by field, the choice shown on
        the dialog, then saved at the stored version; cancelled: the dialog stays as typed."""
        merged = merge_dialog.merge_record(
            self, err, vars(self.collect()), svc.ACTION_LABELS, diffs=svc.action_differences
        )
        if merged is not None:
            self._load(svc.ActionInput(**merged))
            self.accept()


STEP_TITLES = {
    svc.IN_PROGRESS: "开始落实",
    svc.DONE: "标记已完成",
    svc.VERIFYING: "开始效果验证",
    svc.CLOSED: "闭环",
}


def step_title(status_from: str, status_to: str) -> str:
    if flow.is_backward(status_from, status_to):
        return "退回进行中"
    return STEP_TITLES.get(status_to, status_to)


class StatusDialog(GuardedDialog, _ErrorsMixin, QDialog):
    """One step of the flow with what that step needs (completion date and note, a reason to go
    back, the verification result to close)."""

    def __init__(
        self, parent, action_id: int, status_to: str, *, author: str = "", today: date | None = None
    ):
        super().__init__(parent)
        self.today = today or date.today()
        self.author = author
        self.result_action = None
        detail = dossier.action_detail(action_id, today=self.today)
        self.action_id = action_id
        self.status_from = detail.action.status
        self.status_to = status_to
        backward = flow.is_backward(self.status_from, status_to)
        title = step_title(self.status_from, status_to)
        self.setWindowTitle(f"{title} — 改进措施 #{action_id}")
        self.setMinimumWidth(520)

        intro = QLabel(f"“{self.status_from}” → “{status_to}”：{svc.shorten(detail.action.measure, 60)}")
        intro.setWordWrap(True)
        form = QFormLayout()
        self.field_widgets: dict[str, QWidget] = {}
        self.completed_edit = self.completion_edit = self.result_edit = None
        customers = len(flow.linked_customers(action_id))
        info = ""
        if status_to == svc.DONE:
            self.completed_edit = QDateEdit()
            self.completed_edit.setDisplayFormat("yyyy-MM-dd")
            self.completed_edit.setCalendarPopup(True)
            self.completed_edit.setMaximumDate(_qdate(self.today))
            self.completed_edit.setDate(_qdate(self.today))
            self.completion_edit = QLineEdit()
            self.completion_edit.setPlaceholderText("如 完成系统调试")
            form.addRow("完成日期：", self.completed_edit)
            form.addRow("完成说明：", self.completion_edit)
            self.field_widgets.update({"完成日期": self.completed_edit, "完成说明": self.completion_edit})
            info = (
                f"保存后将为 {customers} 位反馈客户安排二次回访（1周内），并转入“效果验证中”。"
                if customers
                else "没有关联的回访客户：完成后请人工验证效果。"
            )
        elif status_to == svc.VERIFYING:
            info = (
                f"将为 {customers} 位反馈客户安排二次回访（1周内）。"
                if customers
                else "没有关联客户，需人工验证效果。"
            )
        elif status_to == svc.CLOSED:
            self.result_edit = _text_edit("如：3 位客户二次回访均满意，问题已解决", 70)
            outcome = detail.outcome
            if outcome.state != flow.NONE:
                self.result_edit.setPlainText(outcome.summary)
            form.addRow("验证结果：", self.result_edit)
            self.field_widgets["验证结果"] = self.result_edit
            if outcome.state == flow.PENDING:
                info = "二次回访尚未全部完成；确认效果已经验证后再闭环。"
        self.note_edit = _text_edit("退回的原因（必填）" if backward else "补充说明（可选）", 60)
        form.addRow("退回原因：" if backward else "说明：", self.note_edit)
        self.field_widgets["退回原因" if backward else "说明"] = self.note_edit
        self.info_label = QLabel(info)
        self.info_label.setWordWrap(True)
        self.info_label.setStyleSheet("color: #555;")
        self.info_label.setVisible(bool(info))
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(title, QDialogButtonBox.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setLayout(vbox(intro, form, self.info_label, self.error_label, buttons, margin=12))
        first = self.completion_edit or self.result_edit or self.note_edit
        first.setFocus(Qt.OtherFocusReason)

    def accept(self) -> None:
        self.clear_errors()
        kwargs = {"note": self.note_edit.toPlainText(), "author": self.author, "today": self.today}
        if self.completed_edit is not None:
            kwargs["completed_on"] = _pydate(self.completed_edit.date())
            kwargs["completion_note"] = self.completion_edit.text()
        if self.result_edit is not None:
            kwargs["verification_result"] = self.result_edit.toPlainText()
        try:
            self.result_action = flow.change_status(self.action_id, self.status_to, **kwargs)
        except UserError as err:
            self.show_errors(err)
            return
        super().accept()
