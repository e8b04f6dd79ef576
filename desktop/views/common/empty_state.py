"""A centred hint with buttons laid over an empty list: what to do next and where (one widget,
used by every list page). What it says comes from desktop.services.admin.next_steps."""

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.admin.next_steps import NextStep

from .context import AppContext
from .pages import PAGES, allowed

_STYLE = """
QWidget#emptyHint QLabel { color: #4a5560; font-size: 11pt; }
QWidget#emptyHint QPushButton { padding: 5px 16px; }
"""


class EmptyHint(QWidget):
    """Shown over ``view``'s viewport while its model has no rows and ``step()`` gives a next
    step; each of the step's pages the signed-in person may open becomes a button that opens it."""

    def __init__(self, ctx: AppContext, view: QAbstractItemView, step: Callable[[], NextStep | None]):
        super().__init__(view.viewport())
        self.setObjectName("emptyHint")
        self.setStyleSheet(_STYLE)
        self.ctx = ctx
        self._view = view
        self._step = step
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignCenter)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self._buttons = QHBoxLayout()  # the buttons, centred between two stretches
        self._buttons.setSpacing(8)
        self._buttons.addStretch(1)
        self._buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.label)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(10)
        layout.addLayout(self._buttons)
        layout.addStretch(3)
        self.buttons: list[QPushButton] = []
        self._shown: NextStep | None = None  # the step the buttons are for
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self.refresh)
        self.hide()
        self.refresh()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        if watched is self._view.viewport() and event.type() == QEvent.Resize:
            self._fit()
        return super().eventFilter(watched, event)

    def _fit(self) -> None:
        """Cover the viewport; the text wraps at a readable width (at most 560 px)."""
        rect = self._view.viewport().rect()
        self.setGeometry(rect)
        self.label.setFixedWidth(max(160, min(560, rect.width() - 40)))

    def refresh(self, *_args) -> None:
        step = self._step() if self._view.model().rowCount() == 0 else None
        if step is None:
            self.hide()
            return
        self.label.setText(step.text)
        if step != self._shown:
            self._set_buttons(step)
            self._shown = step
        self._fit()
        self.show()
        self.raise_()

    def _set_buttons(self, step: NextStep) -> None:
        for button in self.buttons:
            self._buttons.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.buttons = step_buttons(self.ctx, step)
        for i, button in enumerate(self.buttons):
            self._buttons.insertWidget(1 + i, button)


def step_buttons(ctx: AppContext, step: NextStep) -> list[QPushButton]:
    """A button for each page of ``step`` the signed-in person may open (e.g. a 回访员 cannot open
    导入数据: the text still says what is needed, without a button)."""
    specs = {spec.id: spec for spec in PAGES}
    buttons = []
    for text, page_id in step.actions:
        if page_id in specs and not allowed(specs[page_id]):
            continue
        button = QPushButton(text)
        button.setCursor(Qt.PointingHandCursor)
        button.clicked.connect(lambda _=False, pid=page_id: ctx.events.open_page.emit(pid, {}))
        buttons.append(button)
    return buttons


class StepBanner(QFrame):
    """The next step as a line across a page that is not a list (工作台 on an empty database):
    the text and its page buttons; hidden while ``step()`` gives None."""

    def __init__(self, ctx: AppContext, step: Callable[[], NextStep | None]):
        super().__init__()
        self.setObjectName("stepBanner")
        self.setStyleSheet(
            "QFrame#stepBanner { background: #eef4fb; border: 1px solid #b9d1ea; border-radius: 4px; }"
        )
        self.ctx = ctx
        self._step = step
        self.label = QLabel()
        self.label.setWordWrap(True)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(12, 8, 12, 8)
        self._row.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        self._shown: NextStep | None = None
        self.refresh()

    def refresh(self) -> None:
        step = self._step()
        if step is None:
            self.hide()
            return
        self.label.setText(step.text.replace("\n", ""))
        if step != self._shown:
            for button in self.buttons:
                self._row.removeWidget(button)
                button.deleteLater()
            self.buttons = step_buttons(self.ctx, step)
            for button in self.buttons:
                self._row.addWidget(button)
            self._shown = step
        self.show()
