"""The answer grid of the 回访表: one row per question, laid out like the paper form.

Consecutive five-level questions share one header row of level names (非常满意 满意 一般 不满意
非常不满意) with one radio column per level; a row whose own labels differ from the header (the
bank's 非常快速…很缓慢) shows its labels in the cells. 是/否, single-choice, 1–10 and 0–10 rows
carry their own options; text rows a line to type in; questions that allow it get an 意见 line.

Fast typing of paper forms: with a row focused (or the grid itself), keys 1–5 pick a level
(1 = the first, best column) and move on to the next row; on 1–10 rows 1–9 and 0 (= 10); on 0–10
rows 0–9, and 1 followed by 0 for 10 (the 1 waits a moment for the 0; any other key or Enter
takes the 1 at once); Y/N on 是/否 rows. ↑/↓ or Enter move between rows, ←/→ change the choice,
Backspace/Delete clear it; - / + move the 回访日期 one day back / forward (``date_step``).
"""

from collections import Counter

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.models.questionnaire import CHOICE, LEVEL5, LEVEL5_LABELS, NPS, SCORE10, TEXT, YESNO

LINE = "#5f6368"
MATRIX_STYLE = f"""
QFrame#matrix {{ border: 1px solid {LINE}; background: white; }}
QFrame#qrow, QFrame#mheader {{ border: none; border-top: 1px solid {LINE}; background: white; }}
QFrame#mheader {{ background: #f1f3f4; }}
QFrame#mheader[first="true"], QFrame#qrow[first="true"] {{ border-top: none; }}
QFrame#qrow[current="true"] {{ background: #e8f0fe; }}
QFrame#qrow[missing="true"] {{ background: #fdecea; }}
QFrame#qrow[current="true"][missing="true"] {{ background: #fbd9d5; }}
QFrame#cell {{ border: none; border-left: 1px solid {LINE}; background: transparent; }}
QLabel#qnum {{ color: #202124; }}
QLabel#rowlabels {{ color: #5f6368; }}
QLabel#required {{ color: #c62828; }}
QLabel#hdr {{ font-weight: bold; }}
QToolButton#score {{ border: 1px solid #9aa0a6; border-radius: 2px; background: white; padding: 0; }}
QToolButton#score:checked {{ background: #1a73e8; color: white; border-color: #1a73e8; }}
QToolButton#score:disabled {{ color: #9aa0a6; }}
QLineEdit#comment, QLineEdit#textanswer {{ border: none; border-bottom: 1px solid #9aa0a6;
    background: transparent; padding: 1px 2px; }}
"""
COLUMNS = len(LEVEL5_LABELS)
NPS_TEN_WAIT_MS = 900  # on a 0–10 row, "1" waits this long for a "0" (= 10) before moving on


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _set_flag(widget: QWidget, name: str, on: bool) -> None:
    if bool(widget.property(name)) != on:
        widget.setProperty(name, on)
        _repolish(widget)


def matrix_columns(label_sets: list[list[str]]) -> list[str]:
    """The header's level names: the label set most rows use (ties: the standard names)."""
    counts = Counter(tuple(labels) for labels in label_sets)
    standard = tuple(LEVEL5_LABELS)
    return list(max(counts.items(), key=lambda item: (item[1], item[0] == standard))[0])


class Geometry:
    """Shared column widths so every row lines up under its header."""

    def __init__(self, metrics: QFontMetrics, labels: list[str]):
        widest = max((metrics.horizontalAdvance(t) for t in labels), default=0)
        self.option = max(widest + 34, 84)  # radio indicator + label + padding
        self.number = metrics.horizontalAdvance("序号") + 18
        self.area = self.option * COLUMNS  # the option area of non-matrix rows


class QuestionRow(QFrame):
    """One question. ``handler(row, event)`` (the grid's) does the keyboard work."""

    changed = Signal()

    def __init__(
        self, question, number: int, geometry: Geometry, header: list[str] | None, handler, parent=None
    ):
        super().__init__(parent)
        self.setObjectName("qrow")
        self.question = question
        self.number = number
        self.kind = question.kind
        self._handler = handler
        self.setFocusPolicy(Qt.StrongFocus)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.labels = question.labels()
        self.in_matrix = header is not None
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.text_edit: QLineEdit | None = None
        self.comment_edit: QLineEdit | None = None

        num = QLabel(str(number))
        num.setObjectName("qnum")
        num.setAlignment(Qt.AlignCenter)
        num.setFixedWidth(geometry.number)
        text = QLabel(question.text)
        self._text = text
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.NoTextInteraction)
        text.setMinimumWidth(140)  # wraps instead of pushing the option columns out of view
        tip = f"维度：{question.dimension}" if question.dimension else ""
        text.setToolTip(tip)
        title = QHBoxLayout()
        title.setSpacing(2)
        title.addWidget(text, 1)
        if question.required and not question.retired:
            star = QLabel("*")
            star.setObjectName("required")
            star.setToolTip("必答题")
            title.addWidget(star, 0, Qt.AlignTop)
        text_box = QVBoxLayout()
        text_box.setContentsMargins(6, 5, 6, 5)
        text_box.setSpacing(3)
        text_box.addLayout(title)
        if question.retired:
            note = QLabel("（该题已停用）")
            note.setObjectName("rowlabels")
            text_box.addWidget(note)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(0)
        top.addWidget(num)
        top.addLayout(text_box, 1)
        show_labels = self.in_matrix and self.labels != header
        if self.in_matrix:
            for index, label in enumerate(self.labels):
                button = QRadioButton(label if show_labels else "")
                button.setToolTip(f"{label}（键 {index + 1}）")
                self._add_button(button, index)
                top.addWidget(self._cell(button, geometry.option, center=not show_labels))
        else:
            top.addWidget(self._options_area(geometry))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addLayout(top)
        if question.allow_comment and self.kind != TEXT:
            self.comment_edit = QLineEdit()
            self.comment_edit.setObjectName("comment")
            self.comment_edit.setPlaceholderText("意见（可选）")
            self.comment_edit.setMaxLength(1000)
            self.comment_edit.textChanged.connect(lambda _t: self.changed.emit())
            line = QHBoxLayout()
            line.setContentsMargins(geometry.number + 6, 0, 8, 5)
            line.addWidget(QLabel("意见："))
            line.addWidget(self.comment_edit, 1)
            outer.addLayout(line)
        self.setToolTip(self._key_hint())
        self.group.idClicked.connect(self._clicked)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        # a wrapped question needs the height of all its lines at the width it actually got
        need = self._text.heightForWidth(self._text.width())
        if need > 0 and self._text.minimumHeight() != need:
            self._text.setMinimumHeight(need)

    # -- building
    def _add_button(self, button: QAbstractButton, ident: int) -> None:
        button.setFocusPolicy(Qt.NoFocus)  # the row takes the keys
        self.group.addButton(button, ident)

    @staticmethod
    def _cell(widget: QWidget | None, width: int, center: bool = True) -> QFrame:
        cell = QFrame()
        cell.setObjectName("cell")
        cell.setFixedWidth(width)
        layout = QHBoxLayout(cell)
        layout.setContentsMargins(4, 2, 4, 2)
        if widget is not None:
            if center:
                layout.addWidget(widget, 0, Qt.AlignCenter)
            else:
                layout.addWidget(widget)
        return cell

    def _options_area(self, geometry: Geometry) -> QFrame:
        area = QFrame()
        area.setObjectName("cell")
        area.setFixedWidth(geometry.area)
        grid = QGridLayout(area)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        inner = geometry.area - 16
        if self.kind in (SCORE10, NPS):
            scores = range(1, 11) if self.kind == SCORE10 else range(0, 11)
            width = min(34, (inner - 4 * (len(scores) - 1)) // len(scores))
            for col, score in enumerate(scores):
                button = QToolButton()
                button.setObjectName("score")
                button.setText(str(score))
                button.setCheckable(True)
                button.setFixedSize(width, 24)
                button.setToolTip(f"{score} 分")
                self._add_button(button, score)
                grid.addWidget(button, 0, col)
            grid.setColumnStretch(len(scores), 1)
        elif self.kind == TEXT:
            self.text_edit = QLineEdit()
            self.text_edit.setObjectName("textanswer")
            self.text_edit.setPlaceholderText("在此记录客户的回答")
            self.text_edit.setMaxLength(1000)
            self.text_edit.textChanged.connect(lambda _t: self.changed.emit())
            grid.addWidget(self.text_edit, 0, 0)
        else:
            buttons = []
            for index, label in enumerate(self.labels):
                button = QRadioButton(label)
                button.setToolTip(f"{label}（键 {self._index_key(index)}）")
                self._add_button(button, index)
                buttons.append(button)
            widest = max((b.sizeHint().width() for b in buttons), default=60) + 8
            per_line = max(1, min(len(buttons), inner // max(widest, 1)))
            for index, button in enumerate(buttons):
                grid.addWidget(button, index // per_line, index % per_line)
            grid.setColumnStretch(per_line, 1)
        return area

    def _index_key(self, index: int) -> str:
        if self.kind == YESNO:
            return "Y" if index == 0 else "N"
        return str(index + 1)

    def _key_hint(self) -> str:
        if self.kind == LEVEL5:
            return "键盘：1–5 选择（1 = 最左一栏），自动跳到下一题；Backspace 清除"
        if self.kind == YESNO:
            return "键盘：Y = 是，N = 否；Backspace 清除"
        if self.kind == SCORE10:
            return "键盘：1–9 直接打分，0 = 10 分；Backspace 清除"
        if self.kind == NPS:
            return "键盘：0–9 直接打分，10 分连按 1 0（按 1 后其他键或回车立即确认 1 分）；Backspace 清除"
        if self.kind == CHOICE:
            return f"键盘：1–{min(len(self.labels), 9)} 选择；Backspace 清除"
        return "直接输入文字，回车跳到下一题"

    # -- values
    def _clicked(self, _ident: int) -> None:
        self.setFocus(Qt.MouseFocusReason)
        self.changed.emit()

    def option_count(self) -> int:
        return len(self.group.buttons())

    def value(self) -> int | None:
        """The stored value (see ``Question.value_of_option``); None when nothing is chosen."""
        ident = self.group.checkedId()
        if ident < 0:
            return None
        if self.kind in (SCORE10, NPS):
            return ident
        return self.question.value_of_option(ident)

    def text(self) -> str:
        edit = self.text_edit or self.comment_edit
        return edit.text().strip() if edit is not None else ""

    def is_answered(self) -> bool:
        return bool(self.text()) if self.kind == TEXT else self.value() is not None

    def _check(self, ident: int | None) -> None:
        if ident is None or self.group.button(ident) is None:
            checked = self.group.checkedButton()
            if checked is not None:
                self.group.setExclusive(False)
                checked.setChecked(False)
                self.group.setExclusive(True)
        else:
            self.group.button(ident).setChecked(True)

    def set_value(self, value: int | None) -> None:
        if self.kind == TEXT:
            return
        if value is None:
            ident = None
        elif self.kind in (SCORE10, NPS):
            ident = value
        else:
            ident = self.question.option_of_value(value)
        self._check(ident)
        self.changed.emit()

    def pick_index(self, index: int) -> bool:
        """Choose the option at ``index`` (left to right); False if there is none."""
        buttons = self.buttons_in_order()
        if not 0 <= index < len(buttons):
            return False
        buttons[index].setChecked(True)
        self.changed.emit()
        return True

    def buttons_in_order(self) -> list[QAbstractButton]:
        return sorted(self.group.buttons(), key=lambda b: self.group.id(b))

    def step(self, delta: int) -> None:
        buttons = self.buttons_in_order()
        if not buttons:
            return
        checked = self.group.checkedButton()
        index = (
            buttons.index(checked) + delta if checked is not None else (0 if delta > 0 else len(buttons) - 1)
        )
        self.pick_index(max(0, min(index, len(buttons) - 1)))

    def set_answer(self, value: int | None, text: str) -> None:
        self.set_value(value)
        edit = self.text_edit or self.comment_edit
        if edit is not None:
            edit.setText(text or "")

    def clear(self) -> None:
        self.set_answer(None, "")

    # -- keys and focus
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not self._handler(self, event):
            super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:  # noqa: N802
        super().focusInEvent(event)
        self._handler(self, None)  # tells the grid this row is current

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.setFocus(Qt.MouseFocusReason)
        super().mousePressEvent(event)


class RatingMatrix(QFrame):
    """``set_questions(questions)`` builds the rows; ``answers()`` / ``set_answers()`` read and
    fill them as {question id: (value, text)}. ``finished`` is emitted when typing moves past the
    last row."""

    changed = Signal()
    finished = Signal()
    submitted = Signal()  # Enter on the last row (the form completes a paper form on it)
    date_step = Signal(int)  # - / + typed in the grid: the 回访日期 one day back / forward

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("matrix")
        self.setStyleSheet(MATRIX_STYLE)
        self.setFocusPolicy(Qt.StrongFocus)
        self.rows: list[QuestionRow] = []
        self.headers: list[QFrame] = []
        self.current = 0
        self._pending_ten: QuestionRow | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NPS_TEN_WAIT_MS)
        self._timer.timeout.connect(self._pending_timeout)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(1, 1, 1, 1)
        self._layout.setSpacing(0)
        self._empty = QLabel("（该问卷没有题目）")
        self._empty.setAlignment(Qt.AlignCenter)
        self._layout.addWidget(self._empty)

    # -- building
    def set_questions(self, questions: list) -> None:
        self._cancel_pending()
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget()
            if widget is not None and widget is not self._empty:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.rows, self.headers, self.current = [], [], 0
        if not questions:
            self._layout.addWidget(self._empty)
            self._empty.show()
            return
        self._empty.hide()
        sections: list[tuple[bool, list]] = []
        for q in questions:
            in_matrix = q.kind == LEVEL5 and len(q.labels()) == COLUMNS
            if not sections or sections[-1][0] != in_matrix:
                sections.append((in_matrix, []))
            sections[-1][1].append(q)
        label_texts = list(LEVEL5_LABELS)
        for q in questions:
            if q.kind == LEVEL5:
                label_texts.extend(q.labels())
        geometry = Geometry(self.fontMetrics(), label_texts)
        number = 0
        for in_matrix, items in sections:
            header = matrix_columns([q.labels() for q in items]) if in_matrix else None
            self._add_header(geometry, header, first=not self.headers and not self.rows)
            for q in items:
                number += 1
                row = QuestionRow(q, number, geometry, header, self._on_key, self)
                row.changed.connect(lambda r=row: self._row_changed(r))
                if row.text_edit is not None:
                    row.text_edit.returnPressed.connect(lambda r=row: self._enter(r))
                self._layout.addWidget(row)
                self.rows.append(row)

    def _add_header(self, geometry: Geometry, columns: list[str] | None, first: bool) -> None:
        frame = QFrame()
        frame.setObjectName("mheader")
        frame.setProperty("first", first)
        layout = QHBoxLayout(frame)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        num = QLabel("序号")
        num.setObjectName("hdr")
        num.setAlignment(Qt.AlignCenter)
        num.setFixedWidth(geometry.number)
        layout.addWidget(num)
        item = QLabel("评价项目")
        item.setObjectName("hdr")
        item.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(item, 1)
        if columns is not None:
            for label in columns:
                cell = QLabel(label)
                cell.setObjectName("hdr")
                cell.setAlignment(Qt.AlignCenter)
                layout.addWidget(QuestionRow._cell(cell, geometry.option))
        else:
            cell = QLabel("评价 / 回答")
            cell.setObjectName("hdr")
            cell.setAlignment(Qt.AlignCenter)
            layout.addWidget(QuestionRow._cell(cell, geometry.area))
        self._layout.addWidget(frame)
        self.headers.append(frame)

    # -- values
    def answers(self) -> dict[int, tuple[int | None, str]]:
        """Question id → (value, text) of every row with something filled in."""
        out = {}
        for row in self.rows:
            value, text = row.value(), row.text()
            if value is not None or text:
                out[row.question.id] = (value, text)
        return out

    def set_answers(self, answers: dict) -> None:
        for row in self.rows:
            value, text = answers.get(row.question.id, (None, ""))
            row.set_answer(value, text)
        self.clear_marks()

    def clear_answers(self) -> None:
        self.set_answers({})

    def row_for(self, question_id: int) -> QuestionRow | None:
        return next((r for r in self.rows if r.question.id == question_id), None)

    def mark_missing(self, question_ids) -> QuestionRow | None:
        """Highlight the rows of ``question_ids``; returns the first one."""
        wanted = set(question_ids)
        first = None
        for row in self.rows:
            missing = row.question.id in wanted
            _set_flag(row, "missing", missing)
            if missing and first is None:
                first = row
        return first

    def missing_rows(self) -> list[QuestionRow]:
        return [r for r in self.rows if r.property("missing")]

    def clear_marks(self) -> None:
        for row in self.rows:
            _set_flag(row, "missing", False)

    def _row_changed(self, row: QuestionRow) -> None:
        if row.property("missing") and row.is_answered():
            _set_flag(row, "missing", False)
        self.changed.emit()

    # -- focus and keys
    def focus_row(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        self._set_current(index)
        row = self.rows[index]
        if row.kind == TEXT and row.text_edit is not None:
            row.text_edit.setFocus(Qt.TabFocusReason)
        else:
            row.setFocus(Qt.TabFocusReason)

    def _set_current(self, index: int) -> None:
        self.current = index
        for i, row in enumerate(self.rows):
            _set_flag(row, "current", i == index)

    def current_row(self) -> QuestionRow | None:
        return self.rows[self.current] if self.rows else None

    def focusInEvent(self, event) -> None:  # noqa: N802
        super().focusInEvent(event)
        if self.rows and event.reason() in (Qt.TabFocusReason, Qt.BacktabFocusReason):
            self.focus_row(self.current)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        row = self.current_row()
        if row is None or not self._on_key(row, event):
            super().keyPressEvent(event)

    def _advance(self, row: QuestionRow) -> None:
        index = self.rows.index(row)
        if index + 1 < len(self.rows):
            self.focus_row(index + 1)
        else:
            self.finished.emit()

    def _enter(self, row: QuestionRow) -> None:
        """Enter: the next row, or ``submitted`` on the last one."""
        if self.rows and row is self.rows[-1]:
            self.submitted.emit()
        else:
            self._advance(row)

    def _cancel_pending(self) -> QuestionRow | None:
        row = self._pending_ten
        self._pending_ten = None
        self._timer.stop()
        return row

    def _pending_timeout(self) -> None:
        row = self._cancel_pending()
        if row is None or row not in self.rows:
            return
        focus = QApplication.focusWidget()
        if row is self.rows[-1]:
            return  # the last row: only Enter completes
        if focus is None or focus is self or focus is row or row.isAncestorOf(focus):
            self._advance(row)  # not when the user has clicked somewhere else meanwhile

    def _on_key(self, row: QuestionRow, event: QKeyEvent | None) -> bool:
        """Keyboard entry for ``row``; ``event`` None just makes the row current."""
        if row not in self.rows:
            return False
        if event is None:
            if self.rows.index(row) != self.current or not row.property("current"):
                self._set_current(self.rows.index(row))
            return True
        key, text = event.key(), event.text().lower()
        pending = self._cancel_pending()
        if pending is not None:
            if pending is row and text == "0":
                row.set_value(10)
                self._advance(row)
                return True
            self._advance(pending)
            if key in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Down):
                return True  # Enter takes the 1 and moves on: one row, not two
            nxt = self.current_row()
            if nxt is not None and nxt is not pending:
                return self._on_key(nxt, event)
            return True
        index = self.rows.index(row)
        if key == Qt.Key_Up:
            if index > 0:
                self.focus_row(index - 1)
            return True
        if key in (Qt.Key_Return, Qt.Key_Enter):
            self._enter(row)
            return True
        if key == Qt.Key_Down:
            self._advance(row)
            return True
        if text in ("-", "+", "=") and row.kind != TEXT:
            self.date_step.emit(-1 if text == "-" else 1)
            return True
        if row.kind == TEXT:
            if text and text.isprintable() and row.text_edit is not None:
                row.text_edit.setFocus(Qt.OtherFocusReason)
                row.text_edit.insert(event.text())
                return True
            return False
        if key in (Qt.Key_Backspace, Qt.Key_Delete):
            row.clear()
            return True
        if key in (Qt.Key_Left, Qt.Key_Right):
            row.step(-1 if key == Qt.Key_Left else 1)
            return True
        if key == Qt.Key_Space:
            if row.value() is None:
                row.pick_index(0)
            self._advance(row)
            return True
        return self._choose(row, text)

    def _choose(self, row: QuestionRow, text: str) -> bool:
        if not text:
            return False
        if row.kind == YESNO:
            index = {"y": 0, "1": 0, "是": 0, "n": 1, "2": 1, "否": 1}.get(text)
            if index is None:
                return False
            row.pick_index(index)
        elif row.kind in (LEVEL5, CHOICE):
            if not (text.isdigit() and len(text) == 1 and 1 <= int(text) <= row.option_count()):
                return False
            row.pick_index(int(text) - 1)
        elif row.kind == SCORE10:
            if not (text.isdigit() and len(text) == 1):
                return False
            row.set_value(10 if text == "0" else int(text))
        elif row.kind == NPS:
            if not (text.isdigit() and len(text) == 1):
                return False
            row.set_value(int(text))
            if text == "1":  # maybe the start of "10": wait a moment for the 0
                self._pending_ten = row
                self._timer.start()
                return True
        else:
            return False
        self._advance(row)
        return True
