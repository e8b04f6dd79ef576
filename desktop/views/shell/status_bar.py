"""The main window's status bar and its size on small screens.

``ElidingStatusBar``: ``showMessage`` works as in Qt, but the message is drawn by a label that
takes only the room left of the permanent labels (当前用户, 数据库); a longer message is cut with
… and shown whole in the tooltip. ``ElidedLabel`` does the same for a permanent label.

``fit_geometry``: where the main window opens on a screen's available area (the taskbar
excluded), so its buttons and status bar are never below the bottom of a 1366×768 or 1280×720
screen.
"""

from PySide6.QtCore import QMargins, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

# the size the window opens at when the screen has the room
PREFERRED_SIZE = QSize(1280, 820)
# a window frame around the client area (Windows 10/11: 31 px title bar, ~8 px borders)
FRAME = QMargins(8, 31, 8, 8)


class ElidedLabel(QLabel):
    """A one-line label that cuts its text with … to its width; the whole text in the tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None, mode=Qt.ElideRight):
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setMinimumWidth(40)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = " ".join(text.split("\n"))
        self._elide()

    def is_elided(self) -> bool:
        return self.text() != self._full

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        width = self.fontMetrics().horizontalAdvance(self._full) + 8 + self.contentsMargins().left() * 2
        return QSize(min(width, self.maximumWidth()), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.minimumWidth(), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, self._mode, max(self.width() - 4, 0))
        if shown != self.text():
            super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


class ElidingStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.message_label = ElidedLabel()
        self.message_label.setObjectName("statusMessage")
        self.message_label.setContentsMargins(4, 0, 4, 0)
        self.addPermanentWidget(self.message_label, 1)  # first: the room left of the others
        self.messageChanged.connect(self.message_label.set_full_text)

    def paintEvent(self, event) -> None:  # noqa: N802
        """Qt would paint the message text itself across the whole bar; the label shows it."""
        if not self.currentMessage():
            super().paintEvent(event)


def fit_geometry(available: QRect, preferred: QSize = PREFERRED_SIZE, frame: QMargins = FRAME,
                 minimum: QSize | None = None) -> QRect:
    """The client-area rectangle for the main window: ``preferred`` made smaller where
    ``available`` (a screen's available geometry) minus the window ``frame`` is smaller (never
    below ``minimum``), centred on it."""
    room_w = available.width() - frame.left() - frame.right()
    room_h = available.height() - frame.top() - frame.bottom()
    width = min(preferred.width(), room_w)
    height = min(preferred.height(), room_h)
    if minimum is not None:
        width, height = max(width, minimum.width()), max(height, minimum.height())
    x = available.x() + frame.left() + max((room_w - width) // 2, 0)
    y = available.y() + frame.top() + max((room_h - height) // 2, 0)
    return QRect(x, y, width, height)


def fits(frame_rect: QRect, available: QRect) -> bool:
    """The whole window (title bar and borders included) lies on the available area."""
    return available.contains(frame_rect)


def frame_margins(window: QWidget) -> QMargins:
    """The window frame (title bar, borders); before the first show, counted as on Windows."""
    outer, inner = window.frameGeometry(), window.geometry()
    if outer == inner:
        return FRAME
    return QMargins(inner.left() - outer.left(), inner.top() - outer.top(),
                    outer.right() - inner.right(), outer.bottom() - inner.bottom())
