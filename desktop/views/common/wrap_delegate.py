"""``WrapDelegate``: a list's cells wrap their text over as many lines as the column's width needs,
and the rows grow to fit (Qt's own delegate measures one line, then elides: a manual's measures
and effects are read, not guessed from their first words)."""

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QStyledItemDelegate, QTreeView

PADDING = 8  # the cell's horizontal margins (both sides together)
LINE_GAP = 6  # above and below the wrapped lines


class WrapDelegate(QStyledItemDelegate):
    """Set on a QTreeView or QTableView with ``setWordWrap(True)``; rows are measured again when
    a column is resized."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        header = view.header() if isinstance(view, QTreeView) else view.horizontalHeader()
        header.sectionResized.connect(lambda *_args: view.doItemsLayout())

    def _width(self, index) -> int:
        width = self.view.columnWidth(index.column()) - PADDING
        if isinstance(self.view, QTreeView) and index.column() == 0:
            depth, parent = 0, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= self.view.indentation() * (depth + 1)
        return max(width, 20)

    def sizeHint(self, option, index) -> QSize:
        base = super().sizeHint(option, index)
        text = index.data(Qt.DisplayRole)
        if not text:
            return base
        width = self._width(index)
        bounds = option.fontMetrics.boundingRect(QRect(0, 0, width, 100_000), Qt.TextWordWrap, str(text))
        return QSize(base.width(), max(base.height(), bounds.height() + LINE_GAP))
