"""Typed work is never dropped without a word.

``ask_unsaved`` is the one question asked before unsaved changes would be lost (保存草稿 / 放弃 /
取消). ``GuardedDialog`` is mixed into every dialog that takes typed data: Esc (or the window's
close button) on a dialog whose fields changed since it was shown asks before discarding them
(a button that says 取消 is a decision and closes at once). ``FormAutosaver`` keeps an automatic
draft of a form a few seconds after each change and when the window loses focus.
"""

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QTextEdit,
    QWidget,
)

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
AUTOSAVE_DELAY_MS = 5000  # the automatic draft is written this long after the last change


def ask_unsaved(parent: QWidget, text: str, save_text: str = "保存草稿", title: str = "未保存") -> str:
    """保存草稿 / 放弃 / 取消 (Esc = 取消): returns SAVE, DISCARD or CANCEL."""
    box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.NoButton, parent)
    save = box.addButton(save_text, QMessageBox.AcceptRole)
    discard = box.addButton("放弃", QMessageBox.DestructiveRole)
    cancel = box.addButton("取消", QMessageBox.RejectRole)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    if clicked is save:
        return SAVE
    if clicked is discard:
        return DISCARD
    return CANCEL


# ---------------------------------------------------------------- dialogs: Esc asks first
def _field_values(dialog: QWidget) -> list:
    """What the user can type or pick in ``dialog``, in a comparable form."""
    out = []
    for widget in dialog.findChildren(QWidget):
        if isinstance(widget, QLineEdit):
            if isinstance(widget.parent(), (QAbstractSpinBox, QComboBox)):
                continue  # the editor inside a spin box / combo: the outer widget says it
            out.append(widget.text())
        elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
            out.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            out.append((widget.currentIndex(), widget.currentText()))
        elif isinstance(widget, QDateTimeEdit):
            out.append(widget.dateTime().toString(Qt.ISODate))
        elif isinstance(widget, QAbstractSpinBox):
            out.append(widget.text())
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            out.append(widget.isChecked())
        elif isinstance(widget, QTableWidget):  # an editable table (关键词规则)
            out.append(
                tuple(
                    widget.item(r, c).text() if widget.item(r, c) else ""
                    for r in range(widget.rowCount())
                    for c in range(widget.columnCount())
                )
            )
    return out


class GuardedDialog:
    """Mix in before QDialog: ``class CustomerDialog(GuardedDialog, QDialog)``."""

    discard_question = "已填写的内容还没有保存，确定放弃吗？"

    def showEvent(self, event) -> None:  # noqa: N802
        if getattr(self, "_guard_shown", None) is None:
            self._guard_shown = _field_values(self)
        super().showEvent(event)

    def has_typed_data(self) -> bool:
        shown = getattr(self, "_guard_shown", None)
        return shown is not None and _field_values(self) != shown

    def may_discard(self) -> bool:
        if not self.has_typed_data():
            return True
        box = QMessageBox(QMessageBox.Question, "放弃已填写的内容？", self.discard_question, parent=self)
        drop = box.addButton("放弃", QMessageBox.DestructiveRole)
        keep = box.addButton("继续填写", QMessageBox.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is drop

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key_Escape and not event.modifiers() and not self.may_discard():
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        # the title bar's close button (a spontaneous event); close() from code has decided
        if event.spontaneous() and self.isVisible() and not self.may_discard():
            event.ignore()
            return
        super().closeEvent(event)


# ---------------------------------------------------------------- the form's automatic draft
class FormAutosaver(QObject):
    """Calls ``write()`` ``AUTOSAVE_DELAY_MS`` after the last ``changed()`` and at once when the
    application loses focus or ``flush()`` is called, while ``dirty()`` says there is something
    unsaved."""

    def __init__(self, parent: QObject, dirty, write, delay_ms: int = AUTOSAVE_DELAY_MS):
        super().__init__(parent)
        self._dirty, self._write = dirty, write
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.flush)
        QApplication.instance().applicationStateChanged.connect(self._app_state)

    def changed(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def flush(self) -> None:
        self.timer.stop()
        if self._dirty():
            self._write()

    def _app_state(self, state) -> None:
        if state != Qt.ApplicationActive:
            self.flush()
