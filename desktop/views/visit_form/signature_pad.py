"""The customer's on-screen signature: a pad for mouse, pen (with pressure) and touch, the box
around it in the 回访表 (clear, re-sign, signing time, check result). The supervisor's confirmation
used to change a signed visit is in supervisor_dialog.py (re-exported here for older imports).

The pad keeps the strokes as points (x, y, pressure) in its own coordinates and renders them
twice: on screen, and into a PNG three times the pad's size with a transparent background — the
image stored with the visit and printed in the 客户签字 box.
"""

from datetime import datetime

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QTabletEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from desktop.services.visits import signatures as svc

from ..common.widgets import hbox, vbox
from .supervisor_dialog import SupervisorDialog, ask_supervisor

__all__ = [
    "SignatureBox",
    "SignaturePad",
    "SupervisorDialog",  # moved to supervisor_dialog.py
    "ask_supervisor",  # moved to supervisor_dialog.py
    "signature_pixmap",
]

PAD_SIZE = QSize(400, 140)
EXPORT_SCALE = 3
INK = QColor(16, 32, 90)
BASE_WIDTH = 2.4  # stroke width in pad pixels at medium pressure
DEFAULT_PRESSURE = 0.5
# under an empty pad for a role that only looks (只读): no prompt to sign (a 纸质已签 visit has
# no signature on the pad either)
VIEWER_UNSIGNED = "没有电子签名"
VIEWER_NOTE = "只读账号：只能查看签字，不能签字。"
MOUSE, PEN, TOUCH = svc.DEVICES  # 鼠标 / 手写笔 / 触摸屏
_TOUCH_EVENTS = (
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TouchEnd,
    QEvent.Type.TouchCancel,
)


def _width(pressure: float) -> float:
    return BASE_WIDTH * (0.2 + 1.6 * max(0.0, min(1.0, pressure)))


def _png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


class SignaturePad(QWidget):
    """Draw with the mouse, a tablet pen (width follows the pressure) or a finger."""

    changed = Signal()  # a stroke ended, or the pad was cleared

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedSize(PAD_SIZE)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.strokes: list[list[tuple[float, float, float]]] = []
        self.device = ""
        self.signed_at: datetime | None = None
        self._drawing = False
        self._saved: QImage | None = None  # a stored signature shown instead of strokes
        self._read_only = False
        self.prompt = "请客户在此签字（鼠标、手写笔或手指）"  # shown on the empty pad
        self.setToolTip("请客户用鼠标、手写笔或手指在此签字")

    # -- state
    def is_empty(self) -> bool:
        return not any(len(stroke) >= 2 for stroke in self.strokes)

    def clear(self) -> None:
        had = bool(self.strokes)
        self.strokes = []
        self.device = ""
        self.signed_at = None
        self._drawing = False
        self.update()
        if had:
            self.changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.CrossCursor)
        self.update()

    def is_read_only(self) -> bool:
        return self._read_only

    def show_saved(self, png: bytes | None) -> None:
        """Show a stored signature (read-only); None goes back to drawing."""
        self._saved = QImage.fromData(png, "PNG") if png else None
        if self._saved is not None and self._saved.isNull():
            self._saved = None
        self.strokes = []
        self.signed_at = None
        self.set_read_only(self._saved is not None)

    def showing_saved(self) -> bool:
        return self._saved is not None

    # -- input
    def _begin(self, pos: QPointF, pressure: float, device: str) -> bool:
        if self._read_only:
            return False
        self._drawing = True
        self.device = device if not self.device or self.device == MOUSE else self.device
        self.strokes.append([(pos.x(), pos.y(), pressure)])
        self.update()
        return True

    def _extend(self, pos: QPointF, pressure: float) -> None:
        if not self._drawing or not self.strokes:
            return
        x = max(0.0, min(float(self.width()), pos.x()))
        y = max(0.0, min(float(self.height()), pos.y()))
        last = self.strokes[-1][-1]
        if abs(last[0] - x) < 0.5 and abs(last[1] - y) < 0.5:
            return
        self.strokes[-1].append((x, y, pressure))
        margin = _width(1.0) + 2
        self.update(
            QRectF(QPointF(min(last[0], x), min(last[1], y)), QPointF(max(last[0], x), max(last[1], y)))
            .adjusted(-margin, -margin, margin, margin)
            .toAlignedRect()
        )

    def _end(self) -> None:
        if not self._drawing:
            return
        self._drawing = False
        if self.strokes and len(self.strokes[-1]) == 1:  # a tap: a dot
            x, y, p = self.strokes[-1][0]
            self.strokes[-1].append((x + 0.6, y + 0.6, p))
        self.signed_at = datetime.now().replace(microsecond=0)
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton and self._begin(
            event.position(), DEFAULT_PRESSURE, _mouse_device(event)
        ):
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._drawing:
            self._extend(event.position(), DEFAULT_PRESSURE)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._drawing and event.button() == Qt.MouseButton.LeftButton:
            self._end()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802
        """A pen: the pressure the tablet reports sets the stroke width. Accepted, so Qt does
        not also send the synthesized mouse events."""
        kind = event.type()
        pressure = event.pressure() if event.pressure() > 0 else DEFAULT_PRESSURE
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position(), pressure, PEN)
        elif kind == QTabletEvent.Type.TabletMove:
            self._extend(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def event(self, event) -> bool:
        kind = event.type()
        if kind in _TOUCH_EVENTS and not self._read_only and event.points():
            point = event.points()[0]
            pressure = point.pressure()
            pressure = pressure if 0.0 < pressure < 1.0 else DEFAULT_PRESSURE  # most screens report 1.0
            if kind == QEvent.Type.TouchBegin:
                self._begin(point.position(), pressure, TOUCH)
            elif kind == QEvent.Type.TouchUpdate:
                self._extend(point.position(), pressure)
            else:
                self._end()
            event.accept()
            return True
        return super().event(event)

    # -- drawing
    def paint_strokes(self, painter: QPainter, scale: float = 1.0) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(INK)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        for stroke in self.strokes:
            for (x1, y1, p1), (x2, y2, p2) in zip(stroke, stroke[1:], strict=False):
                pen.setWidthF(_width((p1 + p2) / 2) * scale)
                painter.setPen(pen)
                painter.drawLine(QPointF(x1 * scale, y1 * scale), QPointF(x2 * scale, y2 * scale))

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(
            QPen(QColor("#9aa0a6"), 1, Qt.PenStyle.DashLine if not self._read_only else Qt.PenStyle.SolidLine)
        )
        p.setBrush(QColor("#ffffff") if self.isEnabled() else QColor("#f5f5f5"))
        p.drawRoundedRect(rect, 4, 4)
        base_y = self.height() * 0.74
        p.setPen(QPen(QColor("#c4c7cc"), 1))
        p.drawLine(QPointF(34, base_y), QPointF(self.width() - 16, base_y))
        p.setPen(QColor("#9aa0a6"))
        p.drawText(QRectF(12, base_y - 22, 20, 22), Qt.AlignmentFlag.AlignCenter, "×")
        if self._saved is not None:
            target = QRectF(0, 0, self.width(), self.height())
            p.drawImage(target, self._saved)
        elif not self.strokes and not self._read_only and self.isEnabled():
            p.setPen(QColor("#b0b4ba"))
            p.drawText(
                QRectF(0, 0, self.width(), base_y - 6),
                Qt.AlignmentFlag.AlignCenter,
                self.prompt,
            )
        self.paint_strokes(p)
        p.end()

    # -- output
    def to_image(self, scale: int = EXPORT_SCALE) -> QImage:
        image = QImage(self.width() * scale, self.height() * scale, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        self.paint_strokes(painter, scale)
        painter.end()
        return image

    def to_png(self, scale: int = EXPORT_SCALE) -> bytes:
        """The strokes as a PNG with a transparent background (``scale`` × the pad's size)."""
        return _png_bytes(self.to_image(scale))


def _mouse_device(event) -> str:
    source = event.source()
    if source in (
        Qt.MouseEventSource.MouseEventSynthesizedBySystem,
        Qt.MouseEventSource.MouseEventSynthesizedByQt,
    ):
        return TOUCH  # a touch screen or pen the system turned into mouse events
    return MOUSE


class SignatureBox(QWidget):
    """客户签字 in the 回访表: the pad, 清除 / 重新签字, the signing time and the check result.

    ``new_signature()`` is the signature drawn and not yet saved (None if none). The form saves it
    with the visit; ``set_saved(info)`` then shows the stored one read-only. ``resign_requested``
    asks the form to allow re-signing (a signed visit needs a supervisor's confirmation first).
    """

    changed = Signal()
    resign_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pad = SignaturePad()
        self.pad.changed.connect(self._pad_changed)
        self.title = QLabel("客户签字：")
        self.title.setObjectName("section")
        self.clear_button = QPushButton("清除")
        self.clear_button.setToolTip("擦掉签字板上的笔迹，重新签")
        self.clear_button.clicked.connect(self.clear)
        self.resign_button = QPushButton("重新签字")
        self.resign_button.setToolTip("已保存的签字作废，请客户重新签字（已签字的回访需主管确认）")
        self.resign_button.clicked.connect(self.resign_requested.emit)
        self.time_label = QLabel()
        self.time_label.setObjectName("signTime")
        self.check_label = QLabel()
        self.check_label.setObjectName("signCheck")
        self.check_label.setWordWrap(True)
        self.check_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._info: svc.SignatureInfo | None = None
        self.viewer = False  # set_viewer: a role that may only look at signatures (只读)
        self.setLayout(
            vbox(
                hbox(self.title, None, self.clear_button, self.resign_button, spacing=6),
                self.pad,
                self.time_label,
                self.check_label,
                spacing=4,
            )
        )
        self._refresh()

    def clear(self) -> None:
        self.pad.clear()
        self._refresh()

    def has_new_signature(self) -> bool:
        return not self.pad.showing_saved() and not self.pad.is_empty()

    def new_signature(self) -> tuple[bytes, datetime, str] | None:
        """(PNG, signing time, device) of a signature drawn and not saved yet."""
        if not self.has_new_signature():
            return None
        return self.pad.to_png(), self.pad.signed_at or datetime.now().replace(microsecond=0), self.pad.device

    def set_saved(self, info: svc.SignatureInfo | None) -> None:
        """Show the visit's stored signature (or an empty pad when it has none)."""
        self._info = info
        self.pad.show_saved(info.image if info is not None else None)
        self._refresh()

    def start_resign(self) -> None:
        """Let the customer sign again over an empty pad (the stored one stays until saved)."""
        self.pad.show_saved(None)
        self.pad.clear()
        self._refresh()

    def set_viewer(self) -> None:
        """A role that may look at signatures but never sign (只读): no 清除, and no prompt to
        sign; an unsigned visit says so."""
        self.viewer = True
        self._refresh()

    def set_signing_enabled(self, enabled: bool) -> None:
        self.pad.setEnabled(enabled)
        self._refresh()

    def _pad_changed(self) -> None:
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        saved = self.pad.showing_saved()
        drawn = not saved and not self.pad.is_empty()
        self.clear_button.setVisible(not saved and not self.viewer)
        self.clear_button.setEnabled(bool(self.pad.strokes))
        self.resign_button.setVisible(saved)
        if saved and self._info is not None:
            info = self._info
            device = f" · {info.device}" if info.device else ""
            signer = f" · 签字人：{info.signer}" if info.signer else ""
            self.time_label.setText(f"签字时间：{info.signed_at:%Y-%m-%d %H:%M:%S}{device}{signer}")
            ok = info.image_ok and info.content_ok
            color = "#1b5e20" if ok else ("#8a4b00" if info.image_ok else "#c62828")
            self.check_label.setStyleSheet(f"color: {color};")
            self.check_label.setText(f"{info.status_text}\nSHA-256:{info.short_hash}…")
        elif drawn:
            when = self.pad.signed_at
            self.time_label.setText(
                f"签字时间：{when:%Y-%m-%d %H:%M:%S}（保存回访表时一并保存）" if when else ""
            )
            self.check_label.setStyleSheet("color: #3c4043;")
            self.check_label.setText("签字后，回访表的答案即被锁定；修改需主管确认。")
        elif self.viewer:
            self.time_label.setText(VIEWER_UNSIGNED)
            self.check_label.setStyleSheet("color: #5f6368;")
            self.check_label.setText(VIEWER_NOTE)
        else:
            self.time_label.setText("尚未签字" if self.pad.isEnabled() else "")
            self.check_label.setStyleSheet("color: #5f6368;")
            self.check_label.setText("" if self.pad.isEnabled() else "选择客户并填写回访表后可签字。")


def signature_pixmap(png: bytes, height: int) -> QPixmap:
    """A stored signature scaled to ``height`` (for lists and tooltips)."""
    image = QImage.fromData(png, "PNG")
    if image.isNull():
        return QPixmap()
    return QPixmap.fromImage(image.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation))
