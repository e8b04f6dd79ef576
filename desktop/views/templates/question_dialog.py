"""The dialog that adds or edits one question of a questionnaire template.

It only collects and checks input (with ``services.templates.validate_question``); the caller
writes it through the templates service, which decides whether a new version is needed.
"""

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.models import KINDS, Question
from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, SCORE10, TEXT, YESNO
from desktop.services.common.errors import ValidationError
from desktop.services.visits import templates

from ..common.unsaved import GuardedDialog
from ..common.widgets import form, vbox

_OPTION_HINTS = {
    LEVEL5: "正好5个选项，从好到差，每行一个。可按行业改写，如：非常快速、比较快速、一般、不快速、很缓慢。",
    YESNO: "正好2个选项，先肯定后否定，如：是 / 否，已落实 / 未落实。",
    CHOICE: "至少2个选项，每行一个。",
    SCORE10: "1–10分题按分数作答，无需选项。",
    NPS: "0–10推荐题按分数作答（9–10 推荐者，0–6 贬损者），无需选项。",
    TEXT: "文字题由客户自由回答，无需选项。",
}


def _default_text(kind: str) -> str:
    return "\n".join(templates.DEFAULT_OPTIONS.get(kind, []))


class QuestionDialog(GuardedDialog, QDialog):
    """Add (``question=None``) or edit a question. ``values()`` is what the user entered."""

    def __init__(
        self, dimensions: list[str], question: Question | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle("编辑题目" if question is not None else "添加题目")
        self.setMinimumWidth(520)
        self._kept_options = ""  # options typed before switching to a kind without options

        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("如：您对上门工程师的服务态度满意吗？")
        self.dimension = QComboBox()
        self.dimension.setEditable(True)
        self.dimension.addItems(dimensions)
        self.dimension.setCurrentText("")
        self.dimension.lineEdit().setPlaceholderText("如：服务态度、响应及时性（可直接输入新维度）")
        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.options = QPlainTextEdit()
        self.options.setFixedHeight(118)
        self.options_hint = QLabel()
        self.options_hint.setWordWrap(True)
        self.options_hint.setStyleSheet("color: #666;")
        self.required = QCheckBox("必答")
        self.required.setChecked(True)
        self.weight = QDoubleSpinBox()
        self.weight.setRange(0, templates.MAX_WEIGHT)
        self.weight.setDecimals(1)
        self.weight.setSingleStep(0.5)
        self.weight.setValue(1.0)
        self.weight.setToolTip("统计综合得分时该题的权重；0 表示不计入得分")
        self.allow_comment = QCheckBox("该题后留“宝贵意见”填写栏")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("确定")
        self.buttons.button(QDialogButtonBox.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = form(
            ("题目：", self.text_edit),
            ("维度：", self.dimension),
            ("题型：", self.kind),
            ("选项：", self.options),
            ("", self.options_hint),
            ("", self.required),
            ("权重：", self.weight),
            ("每题意见：", self.allow_comment),
        )
        self.setLayout(vbox(layout, self.error_label, self.buttons, margin=12))
        self._field_widgets = {
            "题目": self.text_edit,
            "维度": self.dimension,
            "题型": self.kind,
            "选项": self.options,
            "权重": self.weight,
        }

        self._kind_shown = LEVEL5
        self.options.setPlainText(_default_text(LEVEL5))
        if question is not None:
            self._load(question)
        self._apply_kind()
        self.kind.currentIndexChanged.connect(self._on_kind_changed)

    def _load(self, q: Question) -> None:
        self.text_edit.setText(q.text)
        self.dimension.setCurrentText(q.dimension)
        self.kind.setCurrentIndex(max(0, self.kind.findData(q.kind)))
        self._kind_shown = q.kind
        self.options.setPlainText("\n".join(q.labels()) if q.kind in (LEVEL5, YESNO, CHOICE) else "")
        self.required.setChecked(q.required)
        self.weight.setValue(q.weight)
        self.allow_comment.setChecked(q.allow_comment)

    # -- kind-dependent parts
    def current_kind(self) -> str:
        return self.kind.currentData()

    def _on_kind_changed(self) -> None:
        old, new = self._kind_shown, self.current_kind()
        if old in templates.KINDS_WITHOUT_OPTIONS:
            text = self._kept_options
        else:
            text = self.options.toPlainText()
        if new in templates.KINDS_WITHOUT_OPTIONS:
            self._kept_options = text
            text = ""
        elif not text.strip() or text.strip() == _default_text(old):
            text = _default_text(new)  # untouched defaults follow the kind
        self.options.setPlainText(text)
        if new == TEXT:
            self.required.setChecked(False)
        elif old == TEXT:
            self.required.setChecked(True)
        self._kind_shown = new
        self._apply_kind()

    def _apply_kind(self) -> None:
        kind = self.current_kind()
        has_options = kind not in templates.KINDS_WITHOUT_OPTIONS
        self.options.setEnabled(has_options)
        self.options.setPlaceholderText("每行一个选项" if has_options else "该题型无需选项")
        self.options_hint.setText(_OPTION_HINTS[kind])
        self.allow_comment.setEnabled(kind != TEXT)
        if kind == TEXT:
            self.allow_comment.setChecked(False)

    # -- result
    def values(self) -> dict:
        kind = self.current_kind()
        options = None
        if kind not in templates.KINDS_WITHOUT_OPTIONS:
            options = [line for line in self.options.toPlainText().splitlines() if line.strip()]
        return {
            "text": self.text_edit.text(),
            "dimension": self.dimension.currentText(),
            "kind": kind,
            "options": options,
            "required": self.required.isChecked(),
            "weight": self.weight.value(),
            "allow_comment": self.allow_comment.isChecked(),
        }

    def show_error(self, err: ValidationError) -> None:
        self.error_label.setText(f"{err.field}：{err.message}")
        self.error_label.show()
        widget = self._field_widgets.get(err.field)
        if widget is not None:
            widget.setFocus()

    def accept(self) -> None:
        try:
            templates.validate_question(self.values())
        except ValidationError as err:
            self.show_error(err)
            return
        self.error_label.hide()
        super().accept()
