"""The two halves of the template editor's right side: the info form and the question table.

Both only show data and report what the user asked for (signals); ``TemplatesView`` calls the
templates service.
"""

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QWidget,
)

from desktop.models import KINDS, Question, QuestionnaireTemplate
from desktop.models.questionnaire import NPS, SCORE10, TEXT
from desktop.services.visits import templates

from ..common.widgets import SPACING, hbox, vbox

INFO_FIELDS = ("name", "industry", "title", "greeting", "opening", "closing")
SCRIPT_FIELDS = ("opening", "closing")  # call-script lines with {placeholders}
_GREY = QBrush(QColor("#9a9a9a"))


def _text_box(lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    height = box.fontMetrics().lineSpacing() * lines + 14
    box.setFixedHeight(height)
    return box


class TemplateInfoBox(QGroupBox):
    """名称, 行业, 打印标题, 问候语 and the call script (开场白 / 结束语) of one template."""

    save_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("模板信息", parent)
        self.name = QLineEdit()
        self.industry = QLineEdit()
        self.title = QLineEdit()
        self.greeting = _text_box(2)
        self.opening = _text_box(3)
        self.closing = _text_box(3)
        self._editors = {
            "name": self.name,
            "industry": self.industry,
            "title": self.title,
            "greeting": self.greeting,
            "opening": self.opening,
            "closing": self.closing,
        }
        self._loaded: dict[str, str] = {}
        self._script_target = self.opening
        for box in (self.opening, self.closing):
            box.installEventFilter(self)

        self.save_button = QPushButton("保存模板信息")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.values()))
        self.revert_button = QPushButton("撤销修改")
        self.revert_button.setEnabled(False)
        self.revert_button.clicked.connect(self.revert)
        for editor in self._editors.values():
            editor.textChanged.connect(self._update_buttons)

        grid = QGridLayout()
        grid.setSpacing(SPACING)
        grid.addWidget(QLabel("名称："), 0, 0)
        grid.addWidget(self.name, 0, 1)
        grid.addWidget(QLabel("行业："), 0, 2)
        grid.addWidget(self.industry, 0, 3)
        grid.addWidget(QLabel("打印标题："), 1, 0)
        grid.addWidget(self.title, 1, 1, 1, 3)
        grid.addWidget(QLabel("问候语："), 2, 0, Qt.AlignTop)
        grid.addWidget(self.greeting, 2, 1, 1, 3)
        grid.addWidget(QLabel("开场白："), 3, 0, Qt.AlignTop)
        grid.addWidget(self.opening, 3, 1)
        grid.addWidget(QLabel("结束语："), 3, 2, Qt.AlignTop)
        grid.addWidget(self.closing, 3, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.setLayout(vbox(grid, hbox(*self._placeholder_row(), None, self.revert_button, self.save_button)))

    def _placeholder_row(self) -> list[QWidget]:
        label = QLabel("话术占位符（点击插入）：")
        label.setStyleSheet("color: #555;")
        widgets: list[QWidget] = [label]
        for key, meaning in templates.PLACEHOLDERS.items():
            button = QToolButton()
            button.setText("{" + templates.PLACEHOLDER_NAMES[key] + "}")
            button.setToolTip(f"{meaning}：拨打时替换为实际内容")
            button.setAutoRaise(True)
            button.clicked.connect(lambda _=False, k=key: self.insert_placeholder(k))
            widgets.append(button)
        return widgets

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.FocusIn and watched in (self.opening, self.closing):
            self._script_target = watched
        return super().eventFilter(watched, event)

    def insert_placeholder(self, key: str) -> None:
        """Insert the placeholder ``key`` ({客户称呼} for "customer") at the cursor of the script
        field last edited (开场白 by default)."""
        self._script_target.insertPlainText("{" + templates.PLACEHOLDER_NAMES[key] + "}")
        self._script_target.setFocus()

    # -- data
    def _text_of(self, key: str) -> str:
        editor = self._editors[key]
        return editor.text() if isinstance(editor, QLineEdit) else editor.toPlainText()

    def values(self) -> dict[str, str]:
        return {key: self._text_of(key) for key in INFO_FIELDS}

    def set_template(self, template: QuestionnaireTemplate | None) -> None:
        self._loaded = {key: getattr(template, key) or "" for key in INFO_FIELDS} if template else {}
        for key in SCRIPT_FIELDS:  # placeholders shown in Chinese ({customer} → {客户称呼})
            if key in self._loaded:
                self._loaded[key] = templates.script_for_editing(self._loaded[key])
        for key, editor in self._editors.items():
            editor.blockSignals(True)
            if isinstance(editor, QLineEdit):
                editor.setText(self._loaded.get(key, ""))
            else:
                editor.setPlainText(self._loaded.get(key, ""))
            editor.blockSignals(False)
            editor.setEnabled(template is not None)
        self._update_buttons()

    def is_dirty(self) -> bool:
        return bool(self._loaded) and self.values() != self._loaded

    def revert(self) -> None:
        self.set_template_values(self._loaded)

    def set_template_values(self, values: dict[str, str]) -> None:
        for key, editor in self._editors.items():
            if isinstance(editor, QLineEdit):
                editor.setText(values.get(key, ""))
            else:
                editor.setPlainText(values.get(key, ""))

    def focus_field(self, label: str) -> None:
        by_label = {
            "模板名称": self.name,
            "行业": self.industry,
            "打印标题": self.title,
            "问候语": self.greeting,
            "开场白": self.opening,
            "结束语": self.closing,
        }
        if label in by_label:
            by_label[label].setFocus()

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)


def options_text(q: Question) -> str:
    if q.kind == SCORE10:
        return "1–10分"
    if q.kind == NPS:
        return "0–10分"
    if q.kind == TEXT:
        return ""
    return "/".join(q.labels())


class QuestionTable(QGroupBox):
    """The template's questions in order; retired ones stay visible, greyed out."""

    COLUMNS = ("序号", "题目", "维度", "题型", "选项", "必答", "权重", "每题意见", "已停用")

    add_requested = Signal()
    edit_requested = Signal(int)  # position
    move_requested = Signal(int, int)  # position, delta
    retire_requested = Signal(int, bool)  # position, retired

    def __init__(self, parent: QWidget | None = None):
        super().__init__("题目", parent)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        widths = {0: 44, 2: 110, 3: 84, 4: 250, 5: 44, 6: 44, 7: 64, 8: 52}
        for column, width in widths.items():
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self._emit_edit())

        self.add_button = QPushButton("添加题目")
        self.edit_button = QPushButton("编辑")
        self.up_button = QPushButton("上移")
        self.down_button = QPushButton("下移")
        self.retire_button = QPushButton("停用")
        self.add_button.clicked.connect(lambda: self.add_requested.emit())
        self.edit_button.clicked.connect(self._emit_edit)
        self.up_button.clicked.connect(lambda: self._emit_move(-1))
        self.down_button.clicked.connect(lambda: self._emit_move(+1))
        self.retire_button.clicked.connect(self._emit_retire)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: #555;")
        buttons = hbox(
            self.add_button,
            self.edit_button,
            self.up_button,
            self.down_button,
            self.retire_button,
            None,
            self.count_label,
        )
        self.setLayout(vbox(self.table, buttons))
        self._questions: list[Question] = []
        self._update_buttons()

    def set_questions(self, questions: list[Question], select_position: int | None = None) -> None:
        self._questions = questions
        self.table.setRowCount(len(questions))
        number = 0
        for row, q in enumerate(questions):
            if not q.retired:
                number += 1
            cells = (
                "" if q.retired else str(number),
                q.text,
                q.dimension,
                KINDS.get(q.kind, q.kind),
                options_text(q),
                "是" if q.required else "",
                f"{q.weight:g}",
                "有" if q.allow_comment else "",
                "已停用" if q.retired else "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (0, 5, 6, 7, 8):
                    item.setTextAlignment(Qt.AlignCenter)
                if column in (1, 4):
                    item.setToolTip(text)
                if q.retired:
                    item.setForeground(_GREY)
                    font = QFont(item.font())
                    font.setItalic(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        active = sum(1 for q in questions if not q.retired)
        retired = len(questions) - active
        self.count_label.setText(f"共 {active} 题" + (f"，另有 {retired} 题已停用" if retired else ""))
        if select_position is not None:
            self.select_position(select_position)
        self._update_buttons()

    def select_position(self, position: int) -> None:
        for row, q in enumerate(self._questions):
            if q.position == position:
                self.table.selectRow(row)
                return
        self.table.clearSelection()

    def question_at(self, position: int) -> Question | None:
        return next((q for q in self._questions if q.position == position), None)

    def current_question(self) -> Question | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self._questions[rows[0].row()]

    def set_editable(self, enabled: bool) -> None:
        self.add_button.setEnabled(enabled)
        self._update_buttons(enabled)

    def _update_buttons(self, enabled: bool | None = None) -> None:
        enabled = self.add_button.isEnabled() if enabled is None else enabled
        q = self.current_question()
        row = self._questions.index(q) if q is not None else -1
        self.edit_button.setEnabled(enabled and q is not None)
        self.up_button.setEnabled(enabled and q is not None and row > 0)
        self.down_button.setEnabled(enabled and q is not None and row < len(self._questions) - 1)
        self.retire_button.setEnabled(enabled and q is not None)
        self.retire_button.setText("启用" if q is not None and q.retired else "停用")

    def _emit_edit(self) -> None:
        q = self.current_question()
        if q is not None and self.edit_button.isEnabled():
            self.edit_requested.emit(q.position)

    def _emit_move(self, delta: int) -> None:
        q = self.current_question()
        if q is not None:
            self.move_requested.emit(q.position, delta)

    def _emit_retire(self) -> None:
        q = self.current_question()
        if q is not None:
            self.retire_requested.emit(q.position, not q.retired)
