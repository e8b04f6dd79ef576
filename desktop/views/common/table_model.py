"""A lazy table model over a paged SQL query: fast with 100k rows.

Rows are fetched a page at a time as the view scrolls (``canFetchMore``/``fetchMore``); sorting
and filtering are done by the database (ORDER BY / WHERE), never by a proxy over Python rows.
``data()`` only indexes a tuple and formats it, because each painted cell calls it ~7 times.
"""

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import peewee as pw
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from desktop.models.connection import is_read_only

log = logging.getLogger(__name__)

Fetch = Callable[..., list[tuple]]  # fetch(text, offset=, limit=, sort=, descending=) -> rows
Count = Callable[[str], int]


@dataclass(frozen=True)
class Column:
    title: str
    index: int  # position in the row tuple
    sort_key: str | None = None  # key understood by the fetch function; None = not sortable
    format: Callable | None = None
    align: Qt.AlignmentFlag | None = None


def default_format(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


class PagedQueryModel(QAbstractTableModel):
    def __init__(
        self,
        columns: list[Column],
        fetch: Fetch,
        count: Count,
        *,
        page_size: int = 200,
        sort: str | None = None,
        descending: bool = False,
        parent=None,
    ):
        super().__init__(parent)
        self.columns = columns
        self._fetch = fetch
        self._count = count
        self.page_size = page_size
        self.text = ""
        self.sort_key = sort
        self.descending = descending
        self._rows: list[tuple] = []
        self._display: list[list[str]] = []
        self.total = 0

    # -- loading
    def reload(self, text: str | None = None) -> None:
        """Re-run the query (new filter text, new sort, or data changed)."""
        if text is not None:
            self.text = text
        self.beginResetModel()
        self.total = self._count(self.text)
        self._rows, self._display = [], []
        self._append(self._page(0))
        self.endResetModel()

    def _page(self, offset: int) -> list[tuple]:
        kwargs = {"offset": offset, "limit": self.page_size}
        if self.sort_key is not None:
            kwargs.update(sort=self.sort_key, descending=self.descending)
        return self._fetch(self.text, **kwargs)

    def _append(self, rows: list[tuple]) -> None:
        self._rows.extend(rows)
        for row in rows:
            self._display.append([(c.format or default_format)(row[c.index]) for c in self.columns])

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and len(self._rows) < self.total

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        if parent.isValid():
            return
        try:
            rows = self._page(len(self._rows))
        except (pw.DatabaseError, sqlite3.DatabaseError):
            if not is_read_only():
                raise
            # a damaged database opened read-only: the rows past here cannot be read; the page
            # keeps what it has (called by Qt while painting: an error here could not be shown)
            log.warning("数据库已损坏，第 %s 行之后的数据无法读取", len(self._rows), exc_info=True)
            rows = []
        if not rows:
            self.total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._append(rows)
        self.endInsertRows()

    # -- Qt model API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role == Qt.DisplayRole:
            return self._display[index.row()][index.column()]
        if role == Qt.TextAlignmentRole:
            align = self.columns[index.column()].align
            return int(align | Qt.AlignVCenter) if align is not None else None
        return None

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.columns[section].title
        return None

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        key = self.columns[column].sort_key
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.DescendingOrder
        self.reload()

    # -- helpers for views
    def row_tuple(self, row: int) -> tuple:
        return self._rows[row]

    def row_id(self, row: int) -> int:
        """The record id: by convention the first element of each row tuple."""
        return self._rows[row][0]


def list_table(model, widths: list[int], *, multi_select: bool = False):
    """A read-only QTableView for a big list: whole-row selection, no wrapping, compact rows,
    interactive column widths, sort indicator clickable (sorting is done by the model in SQL)."""
    from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(
        QAbstractItemView.ExtendedSelection if multi_select else QAbstractItemView.SingleSelection
    )
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.Interactive)
    for col, width in enumerate(widths):
        table.setColumnWidth(col, width)
    return table


def select_id(table, record_id: int) -> bool:
    """Select and scroll to the row of ``record_id`` if it is among the loaded rows of the
    table's PagedQueryModel; False when it is not loaded (or not in the list)."""
    model = table.model()
    for row in range(model.rowCount()):
        if model.row_id(row) == record_id:
            table.selectRow(row)
            table.scrollTo(model.index(row, 0))
            return True
    return False
