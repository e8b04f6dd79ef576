"""Small shared layout helpers and message boxes (spacing constants in one place)."""

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDateTimeEdit,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QStyle,
    QStyleOptionGroupBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.models.accounts import ROLES
from desktop.services.admin import accounts

SPACING = 6
MARGIN = 8


def hbox(*items, spacing: int = SPACING, margin: int = 0) -> QHBoxLayout:
    layout = QHBoxLayout()
    _fill(layout, items, spacing, margin)
    return layout


def vbox(*items, spacing: int = SPACING, margin: int = 0) -> QVBoxLayout:
    layout = QVBoxLayout()
    _fill(layout, items, spacing, margin)
    return layout


def _fill(layout, items, spacing, margin):
    layout.setSpacing(spacing)
    layout.setContentsMargins(margin, margin, margin, margin)
    for item in items:
        if item is None:
            layout.addStretch(1)
        elif isinstance(item, QWidget):
            layout.addWidget(item)
        else:
            layout.addLayout(item)


def form(*rows) -> QFormLayout:
    layout = QFormLayout()
    layout.setSpacing(SPACING)
    for label, widget in rows:
        layout.addRow(label, widget)
    return layout


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    return label


def show_error(parent, text: str, title: str = "无法完成") -> None:
    QMessageBox.warning(parent, title, text)


def show_info(parent, text: str, title: str = "提示") -> None:
    QMessageBox.information(parent, title, text)


def confirm(parent, text: str, title: str = "请确认") -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    return answer == QMessageBox.Yes


# ---------------------------------------------------------------- what the signed-in role may change
def deny_tooltip(capability: str, what: str = "修改") -> str:
    """Why a control is off for the signed-in role, and whose account may use it:
    "只读账号不能修改;请用主管账号登录" (``capability`` of desktop.services.admin.accounts)."""
    me = accounts.current()
    role = me.role if me is not None else "当前"
    who = "或".join(r for r in ROLES if capability in accounts.CAPABILITIES.get(r, ()))
    return f"{role}账号不能{what}；请用{who}账号登录"


def gate(capability: str, *widgets: QWidget, what: str = "修改") -> bool:
    """Whether the signed-in person may use the ``widgets`` (always, with sign-in off); when not,
    they are disabled with ``deny_tooltip``. A page keeps the answer and leaves them disabled
    wherever it enables its buttons again (selection changes)."""
    if accounts.can(capability):
        return True
    for widget in widgets:
        widget.setEnabled(False)
        widget.setToolTip(deny_tooltip(capability, what))
    return False


# a label or note that only helps someone filling the form in ("带 * 的为必填项…"): set this
# property to True on it and ``show_read_only`` hides it
EDIT_HINT = "editHint"

# the look of a field that can be read and selected but not changed: grey, not white
# (a date box keeps its own arrows, made 0 wide: without them Qt lays its text out 1 px wide)
READ_ONLY_STYLE = """
QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"], QTextEdit[readOnly="true"],
QAbstractSpinBox[readOnly="true"] {
    background: #f1f3f4; color: #202124; border: 1px solid #d5d8dc; border-radius: 3px;
}
QAbstractSpinBox QLineEdit[readOnly="true"] { border: none; }
QAbstractSpinBox[readOnly="true"]::up-button, QAbstractSpinBox[readOnly="true"]::down-button {
    width: 0px; border: none;
}
"""
# an unticked group box of a dialog shown read-only: its title and tick box alone, no frame
_UNTICKED_GROUP_STYLE = """
QGroupBox[flat="true"] { border: none; }
QGroupBox[flat="true"]::indicator { width: 13px; height: 13px; }
"""


def mark_edit_hint(widget: QWidget) -> QWidget:
    """Mark ``widget`` as help for filling the form in (hidden by ``show_read_only``)."""
    widget.setProperty(EDIT_HINT, True)
    return widget


def show_read_only(dialog: QWidget, close_text: str = "关闭") -> None:
    """Turn an edit dialog into a view of the record: texts and tables read-only (still
    selectable) and grey, choices, buttons and ticked group boxes off, the dialog's own 保存 hidden
    and 取消 renamed ``close_text``, "编辑…" in the title becoming "查看…". What only helps someone
    filling the form in goes: hints marked with ``EDIT_HINT``, the "*" of required fields, example
    texts in empty fields, the arrows of date and number boxes. An optional date switched off by
    its own check box (not filled in), and the fields of an unticked group box, show no value."""
    boxes = dialog.findChildren(QDialogButtonBox)
    for box in boxes:
        for button in box.buttons():
            if box.buttonRole(button) == QDialogButtonBox.RejectRole:
                button.setText(close_text)
            else:
                button.hide()
    dialog.setWindowTitle(dialog.windowTitle().replace("编辑", "查看", 1))
    keep = {button for box in boxes for button in box.buttons()}
    for widget in dialog.findChildren(QWidget):
        if widget.property(EDIT_HINT):
            widget.hide()
        elif isinstance(widget, QLabel):
            if widget.buddy() is not None and widget.text().endswith(" *"):  # a required field
                widget.setText(widget.text()[:-2].rstrip())
        elif isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
            widget.setReadOnly(True)
            widget.setPlaceholderText("")
        elif isinstance(widget, QAbstractSpinBox):
            widget.setReadOnly(True)
            if isinstance(widget, QDateTimeEdit):
                widget.setCalendarPopup(False)  # no drop-down arrow (READ_ONLY_STYLE: no spin arrows)
            if widget.testAttribute(Qt.WA_ForceDisabled):  # its check box is off: no date
                widget.hide()
        elif isinstance(widget, QAbstractItemView):
            widget.setEditTriggers(QAbstractItemView.NoEditTriggers)
        if _is_choice(widget) and widget not in keep:
            widget.setEnabled(False)
        if isinstance(widget, QGroupBox) and widget.isCheckable() and not widget.isChecked():
            for child in widget.findChildren(QWidget, options=Qt.FindDirectChildrenOnly):
                child.hide()
            widget.setFlat(True)
            widget.setFixedHeight(_title_height(widget))  # the unticked title alone, no empty frame
    dialog.setStyleSheet(dialog.styleSheet() + READ_ONLY_STYLE + _UNTICKED_GROUP_STYLE)


def _title_height(box: QGroupBox) -> int:
    """The height of a group box's title line (its tick box and text)."""
    option = QStyleOptionGroupBox()
    box.initStyleOption(option)
    title = box.style().subControlRect(QStyle.CC_GroupBox, option, QStyle.SC_GroupBoxCheckBox, box)
    label = box.style().subControlRect(QStyle.CC_GroupBox, option, QStyle.SC_GroupBoxLabel, box)
    return max(title.bottom(), label.bottom()) + 2


def _is_choice(widget: QWidget) -> bool:
    """A control that changes a value by a click: a button, a list to choose from, a ticked box."""
    if isinstance(widget, QGroupBox):
        return widget.isCheckable()
    return isinstance(widget, (QComboBox, QAbstractButton))


class SearchBox(QWidget):
    """A search field that reports its text once typing pauses (no query per keystroke)."""

    search = Signal(str)

    def __init__(self, placeholder: str = "搜索", delay_ms: int = 250, parent=None):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(lambda: self.search.emit(self.edit.text().strip()))
        self.edit.textChanged.connect(lambda _t: self._timer.start())
        self.edit.returnPressed.connect(self.flush)
        self.setLayout(hbox(self.edit))

    def flush(self) -> None:
        """Emit now (Enter pressed, or tests that do not want to wait)."""
        self._timer.stop()
        self.search.emit(self.edit.text().strip())

    def text(self) -> str:
        return self.edit.text().strip()


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, callback):
        super().__init__(widget)  # dies with the widget: no call into a deleted page
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(self._callback)
            timer.start(0)
        return False


def after_first_paint(widget: QWidget, callback) -> None:
    """Call ``callback`` on the event-loop turn after ``widget`` is first painted. Slow work that
    would otherwise delay the first frame (database figures, the matplotlib import) starts once the
    window is on screen; a zero timer set before ``show()`` would run before the first paint."""
    _FirstPaint(widget, callback)


def grow_to_fit(widget: QWidget) -> None:
    """Make the window holding ``widget`` tall enough for what it shows now (an error line that
    wraps is taller than the dialog's first layout allowed: the fields would be squeezed)."""
    window = widget.window()
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    width = window.width()
    need = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
    need = max(need, layout.totalSizeHint().height())
    if need > window.height():
        window.resize(width, need)
