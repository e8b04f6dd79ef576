"""工作台's figure tiles: ``Tile`` (a title, a big value, a short note) and the 改进验证 section.

The 改进验证 section shows the period's verification visits (二次回访) apart from the period
tiles — they measure the improvement actions and are not in 本期满意率, NPS or 回收率 — one
tile for the visits and one per question of the verification form (改进满意度, 问题解决 …).
Every tile's tooltip is the catalogue's definition of its figure (``reporting.metrics``), the
same text as the report and the workbook's 说明.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout

from desktop.services.reporting import metrics

from .dashboard_charts import LOADING_TEXT, MUTED, TOTAL_COLOUR

TILE_STYLE = """
QFrame#tile { background: white; border: 1px solid #d9dde3; border-radius: 6px; }
QFrame#tile[clickable="true"]:hover { border-color: #1f6fb2; background: #f5f9fd; }
QLabel#tile_title { color: #475467; }
QLabel#tile_note { color: #667085; }
QFrame#verification { background: #f7f8fa; border: 1px solid #e4e7ec; border-radius: 6px; }
"""
VERIFY_TITLE = "改进验证（二次回访）"
VERIFY_APART = "不计入本期满意率、NPS 和回收率"
NO_VERIFY = "本期没有完成的二次回访"
MAX_VERIFY_TILES = 4  # questions of the verification form shown (besides the visits)


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


class Tile(QFrame):
    """One figure: a title, a big value and a short note. Clickable ones emit ``clicked``.
    ``compact``: a smaller value and a one-line note (the 改进验证 section)."""

    clicked = Signal()

    def __init__(self, title: str, tooltip: str = "", clickable: bool = False, parent=None, compact=False):
        super().__init__(parent)
        self.setObjectName("tile")
        self.clickable = clickable
        self.setProperty("clickable", "true" if clickable else "false")
        self.title = QLabel(title)
        self.title.setObjectName("tile_title")
        self.value = QLabel("—")
        self.value.setObjectName("tile_value")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * (1.4 if compact else 1.9))
        font.setBold(True)
        self.value.setFont(font)
        self.note = QLabel("")
        self.note.setObjectName("tile_note")
        self.note.setWordWrap(not compact)
        small = self.note.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.note.setFont(small)
        if not compact:
            self.note.setMinimumHeight(self.note.fontMetrics().lineSpacing() * 2)  # equal tile heights
        self.note.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4 if compact else 6, 10, 4 if compact else 6)
        layout.setSpacing(1)
        if compact:
            top = QHBoxLayout()
            top.setSpacing(8)
            top.addWidget(self.title)
            top.addWidget(self.value)
            top.addStretch(1)
            layout.addLayout(top)
        else:
            layout.addWidget(self.title)
            layout.addWidget(self.value)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.setMinimumWidth(124)  # eight tiles in a row on a 1280-wide screen
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        if clickable:
            self.setCursor(QCursor(Qt.PointingHandCursor))
            tooltip = f"{tooltip}\n点击打开" if tooltip else "点击打开"
        self.setToolTip(tooltip)

    def show_value(self, value: str, note: str = "", colour: str | None = None) -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"color: {colour};" if colour else f"color: {TOTAL_COLOUR};")
        self.note.setText(note)

    def show_loading(self) -> None:
        self.show_value("…", LOADING_TEXT, MUTED)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if (
            self.clickable
            and event.button() == Qt.LeftButton
            and self.rect().contains(event.position().toPoint())
        ):
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)


class VerificationSection(QFrame):
    """改进验证: the visits tile, then one compact tile per question of the verification form
    (satisfied share of a rating, 是 share of a 是/否 question). ``tiles``: "visits" and the
    dimensions shown, by name."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("verification")
        self.definition = metrics.VERIFICATION.definition
        heading = QLabel(f"<b>{VERIFY_TITLE}</b>")
        heading.setToolTip(self.definition)
        apart = QLabel(VERIFY_APART)
        apart.setStyleSheet(f"color: {MUTED};")
        apart.setToolTip(self.definition)
        head = QVBoxLayout()
        head.setSpacing(0)
        head.addWidget(heading)
        head.addWidget(apart)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 4, 8, 4)
        self.row.setSpacing(8)
        self.row.addLayout(head)
        self.row.addStretch(1)  # the tiles go before it
        self.tiles: dict[str, Tile] = {"visits": self._tile("二次回访")}
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def _tile(self, title: str) -> Tile:
        tile = Tile(title, self.definition, compact=True)
        tile.setMinimumWidth(120)
        tile.setMaximumWidth(220)
        self.row.insertWidget(self.row.count() - 1, tile)
        return tile

    def _drop_dimension_tiles(self) -> None:
        for name in [n for n in self.tiles if n != "visits"]:
            tile = self.tiles.pop(name)
            self.row.removeWidget(tile)
            tile.deleteLater()

    def show_loading(self) -> None:
        for tile in self.tiles.values():
            tile.show_loading()

    def show_failed(self) -> None:
        for tile in self.tiles.values():
            tile.show_value("—", "")

    def show_figures(self, figures) -> None:
        """``figures``: ``statistics.VerificationFigures`` of the period (and team) shown."""
        self._drop_dimension_tiles()
        if figures.empty:
            note = NO_VERIFY + (f"（无效 {figures.invalid} 次）" if figures.invalid else "")
            self.tiles["visits"].show_value("0", note, MUTED)
            return
        invalid = f"，另有无效 {figures.invalid} 次" if figures.invalid else ""
        self.tiles["visits"].show_value(str(figures.visits), f"本期完成的有效二次回访{invalid}", None)
        shown = 0
        for d in figures.dimensions:
            if shown >= MAX_VERIFY_TILES:
                break
            if d.level_n:
                good = d.counts.get(5, 0) + d.counts.get(4, 0)
                value, note = d.satisfaction, f"满意 {good}/{d.level_n}"
            elif d.yes_n:
                value, note = d.yes_share, f"是 {d.yes}/{d.yes_n}"
            else:
                continue
            tile = self._tile(d.dimension)
            tile.show_value(pct(value * 100), note)
            self.tiles[d.dimension] = tile
            shown += 1
