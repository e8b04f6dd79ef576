"""Answer the real modal boxes a test makes appear, as a user would: a timer finds the box that
is open (QApplication.activeModalWidget) and clicks the button with the given text."""

import os

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox


def answer_next_box(button_text: str, seen: list | None = None, tries: int = 200) -> None:
    """When the next modal box opens, click its button ``button_text`` (its text goes to ``seen``)."""

    test = _current_test()

    def attempt(left: int) -> None:
        if _current_test() != test:
            return  # armed by an earlier test whose box never came: not this test's box
        box = open_box(button_text)
        if box is None:
            if left > 0:
                QTimer.singleShot(10, lambda: attempt(left - 1))
            return
        buttons = box.buttons() if isinstance(box, QMessageBox) else []
        if seen is not None:
            seen.append(
                {
                    "title": box.windowTitle(),
                    "text": box.text() if isinstance(box, QMessageBox) else "",
                    "buttons": [b.text() for b in buttons],
                }  # fmt: skip
            )
        match = [b for b in buttons if b.text() == button_text]
        if not match:
            box.reject()  # never leave a test hanging on a box
            return
        match[0].click()

    QTimer.singleShot(0, lambda: attempt(tries))


def open_box(button_text: str = ""):
    """The modal box on screen: a visible message box with a button ``button_text`` first (a
    dialog left open elsewhere must not take the answer), else the active modal widget."""
    kinds = (QMessageBox, QDialog)
    for widget in [QApplication.activeModalWidget(), *QApplication.topLevelWidgets()]:
        if (
            isinstance(widget, QMessageBox)
            and widget.isVisible()
            and any(b.text() == button_text for b in widget.buttons())
        ):
            return widget
    box = QApplication.activeModalWidget()
    return box if isinstance(box, kinds) and box.isVisible() else None


def _current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
