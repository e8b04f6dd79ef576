"""Hand-like scans of printed 回访表 pages for the paper reader's tests.

``scanned_pages(doc, dpi, marks, rng)`` renders a form with the printer's own painter, draws a
person's marks into chosen boxes (a filled box, a ✓ or a ✗, each with a little jitter), turns the
page by a small angle about its centre and adds sensor noise, and returns greyscale numpy pages
(0 black … 255 white) as an office scanner would give them.
"""

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from desktop.views.printing import visit_form_print as printing

FILL, TICK, CROSS = "fill", "tick", "cross"


def _draw(image: QImage, rect: QRectF, kind: str, rng) -> None:
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    unit = image.dotsPerMeterX() / 1000  # pixels per millimetre
    pen = QPen(QColor(20, 20, 60))
    pen.setWidthF(unit * rng.uniform(0.45, 0.7))  # a ballpoint pen
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)

    def at(fx: float, fy: float) -> QPointF:
        jitter = rect.width() * 0.08
        return QPointF(
            rect.left() + fx * rect.width() + rng.uniform(-jitter, jitter),
            rect.top() + fy * rect.height() + rng.uniform(-jitter, jitter),
        )

    if kind == FILL:
        p.setBrush(QColor(30, 30, 30))
        p.drawRect(rect.adjusted(unit * 0.3, unit * 0.3, -unit * 0.3, -unit * 0.3))
    elif kind == TICK:
        path = QPainterPath(at(0.15, 0.5))
        path.lineTo(at(0.42, 0.85))
        path.lineTo(at(0.95, 0.05))
        p.drawPath(path)
    else:
        p.drawLine(at(0.12, 0.12), at(0.88, 0.88))
        p.drawLine(at(0.88, 0.12), at(0.12, 0.88))
    p.end()


def gray_of(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return data[:, :width].astype(np.float32)


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    """``gray`` turned about its centre (nearest pixel; the uncovered corners white)."""
    h, w = gray.shape
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    sx = cos * (xs - cx) + sin * (ys - cy) + cx
    sy = -sin * (xs - cx) + cos * (ys - cy) + cy
    xi, yi = np.rint(sx).astype(int), np.rint(sy).astype(int)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    out = np.full_like(gray, 255.0)
    out[inside] = gray[yi[inside], xi[inside]]
    return out


def scanned_pages(
    doc,
    dpi: int,
    marks: dict[int, tuple[int, str]],
    rng,
    angle: float = 0.0,
    noise: float = 12.0,
    bed: float = 6.0,
):
    """The pages of ``doc`` at ``dpi`` with ``marks`` (question number → (option index, kind))
    drawn in, lying on a scanner bed ``bed`` mm wider than the paper on each side, turned by
    ``angle`` degrees, with Gaussian noise of ``noise`` grey levels."""
    layout = printing.form_layout(doc)
    images = printing.form_page_images(doc, dpi=dpi)
    unit = dpi / 25.4
    pages = []
    for page, image in zip(layout.pages, images, strict=True):
        for number, boxes in page.questions().items():
            if number in marks:
                option, kind = marks[number]
                box = boxes[option]
                rect = QRectF(box.x * unit, box.y * unit, box.side * unit, box.side * unit)
                _draw(image, rect, kind, rng)
        margin = round(bed * unit)
        gray = np.pad(gray_of(image), margin, constant_values=255.0)
        gray = rotate(gray, angle) if angle else gray
        gray = gray + rng.normal(0, noise, gray.shape)
        pages.append(np.clip(gray, 0, 255).astype(np.uint8))
    return pages
