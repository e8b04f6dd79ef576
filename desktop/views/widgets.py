"""Small shared layout helpers and message boxes (spacing constants in one place)."""

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

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
