"""Generated scans of printed 回访表 pages, for the paper reader's tests and ``bench/bench.py``.

Everything is drawn from a seeded ``numpy`` generator, so a seed gives the same pages every time.

1. ``marked_pages(doc, layout, dpi, marks, rng)`` renders the form with the printer's own painter
   (``form_page_images``) and draws a person's marks into it with a ballpoint pen and a shaky
   hand: ✓ (``TICK``), ✗ (``CROSS``), a box filled in (``FILL``), a circle round the box
   (``CIRCLE_BOX``) or round its printed label (``CIRCLE_LABEL``), and a wrong box struck out with
   a scribble and the right box ticked beside it (``CORRECTED``).
2. ``office_scan(page, dpi, rng)``: the page lies on a scanner's bed turned up to ±5°, shifted,
   scaled 95–105 %, with sensor noise, a little blur, uneven lighting and (sometimes) JPEG.
3. ``phone_photo(page, dpi, rng)``: the page lies on a table, photographed from an angle (a
   perspective warp), with a hand's or phone's shadow, uneven light, defocus, noise and JPEG.

``random_marks(doc, rng, kinds)`` picks a mark for every question with boxes; ``synth_pages``
puts the three together and returns ``Sheet`` objects (image + what was marked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF

from desktop.services.paper_scan.layout import FormLayout
from desktop.services.visits.forms import TEXT
from desktop.views.printing import visit_form_print as printing
from tests.paper_marks import gray_of

TICK, CROSS, FILL = "tick", "cross", "fill"
CIRCLE_BOX, CIRCLE_LABEL, CORRECTED = "circle_box", "circle_label", "corrected"
BLANK = "blank"  # the question is left unanswered: the reader must call it uncertain
MARK_KINDS = (TICK, CROSS, FILL, CIRCLE_BOX, CIRCLE_LABEL, CORRECTED)
PLAIN_KINDS = (TICK, CROSS, FILL)
OFFICE, PHONE = "office", "phone"


@dataclass
class Sheet:
    """One generated page: the image (0 black … 255 white) and what the person marked on it."""

    gray: np.ndarray
    page: int  # 1-based page of the form
    marks: dict[int, tuple[int | None, str]] = field(default_factory=dict)  # number → (option, kind)


# ---------------------------------------------------------------------------- marks
def _pen(unit: float, rng) -> QPen:
    ink = int(rng.integers(10, 45))
    pen = QPen(QColor(ink, ink, ink + int(rng.integers(20, 70))))  # blue-black ballpoint
    pen.setWidthF(unit * rng.uniform(0.4, 0.65))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _ellipse_path(cx: float, cy: float, rx: float, ry: float, rng) -> QPainterPath:
    """A hand-drawn loop: a wobbly ellipse that overshoots its start a little."""
    start = rng.uniform(0, 2 * math.pi)
    turn = 2 * math.pi * rng.uniform(1.02, 1.15)
    wobble = [rng.uniform(-0.06, 0.06) for _ in range(4)]
    path = QPainterPath()
    steps = 48
    for k in range(steps + 1):
        t = start + turn * k / steps
        r = 1 + wobble[0] * math.sin(2 * t + wobble[1] * 10) + wobble[2] * math.sin(3 * t + wobble[3] * 10)
        point = QPointF(cx + rx * r * math.cos(t), cy + ry * r * math.sin(t))
        path.moveTo(point) if k == 0 else path.lineTo(point)
    return path


def _draw_mark(p: QPainter, unit: float, box, kind: str, rng) -> None:
    """One mark of ``kind`` on ``box`` (an AnswerBox, millimetres) in pixels of ``unit``/mm."""
    x, y, side = box.x * unit, box.y * unit, box.side * unit
    p.setPen(_pen(unit, rng))
    p.setBrush(Qt.BrushStyle.NoBrush)

    def at(fx: float, fy: float, jitter: float = 0.08) -> QPointF:
        j = side * jitter
        return QPointF(x + fx * side + rng.uniform(-j, j), y + fy * side + rng.uniform(-j, j))

    if kind == TICK:
        path = QPainterPath(at(0.12, 0.5))
        path.quadTo(at(0.3, 0.7), at(0.42, 0.88))
        path.lineTo(at(rng.uniform(0.9, 1.15), rng.uniform(-0.15, 0.08)))  # often beyond the box
        p.drawPath(path)
    elif kind == CROSS:
        p.drawLine(at(0.1, 0.1), at(0.9, 0.9))
        p.drawLine(at(0.9, 0.1), at(0.1, 0.9))
    elif kind == FILL:  # a box blacked in: a filled shape with uneven edges, within the box
        corners = [at(0.08, 0.08, 0.06), at(0.92, 0.1, 0.06), at(0.9, 0.92, 0.06), at(0.1, 0.9, 0.06)]
        p.setBrush(p.pen().color())
        p.drawPolygon(QPolygonF(corners))
    elif kind == CIRCLE_BOX:
        grow = unit * rng.uniform(0.6, 1.5)
        cx, cy = x + side / 2 + rng.uniform(-0.1, 0.1) * side, y + side / 2 + rng.uniform(-0.1, 0.1) * side
        p.drawPath(_ellipse_path(cx, cy, side / 2 + grow * rng.uniform(0.9, 1.2), side / 2 + grow, rng))
    elif kind == CIRCLE_LABEL:
        if box.label is None:
            _draw_mark(p, unit, box, CIRCLE_BOX, rng)
            return
        lx, ly, lw, lh = (v * unit for v in box.label)
        cx, cy = lx + lw / 2, ly + lh / 2
        p.drawPath(_ellipse_path(cx, cy, lw / 2 * 1.15 + unit * 0.9, lh / 2 * 1.2 + unit * 0.8, rng))
    elif kind == "strike":  # a wrong mark scribbled out: zig-zags over the box and past its edges
        _draw_mark(p, unit, box, TICK if rng.random() < 0.6 else CROSS, rng)
        over = rng.uniform(0.2, 0.4)
        strokes = int(rng.integers(6, 10))
        path = QPainterPath(at(-over, -over + 0.1))
        for k in range(strokes):
            fy = -over + (1 + 2 * over) * (k + 1) / strokes
            path.lineTo(at(1 + over if k % 2 == 0 else -over, fy, 0.05))
        pen = p.pen()
        pen.setWidthF(pen.widthF() * 1.3)
        p.setPen(pen)
        p.drawPath(path)
    else:
        raise ValueError(kind)


def marked_pages(
    doc,
    layout: FormLayout,
    dpi: int,
    marks: dict[int, tuple[int | None, str]],
    rng,
    wrong: dict | None = None,
) -> list[QImage]:
    """The pages of ``doc`` at ``dpi`` with ``marks`` (number → (option, kind)) drawn in. A
    ``CORRECTED`` mark strikes out box ``wrong[number]`` (another option) and ticks the option."""
    images = printing.form_page_images(doc, dpi=dpi)
    unit = dpi / 25.4
    for page, image in zip(layout.pages, images, strict=True):
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for number, boxes in page.questions().items():
            option, kind = marks.get(number, (None, BLANK))
            if option is None:
                continue
            if kind == CORRECTED:
                _draw_mark(p, unit, boxes[(wrong or {})[number]], "strike", rng)
                _draw_mark(p, unit, boxes[option], (TICK, CROSS, CIRCLE_BOX)[int(rng.integers(3))], rng)
            else:
                _draw_mark(p, unit, boxes[option], kind, rng)
        p.end()
    return images


def random_marks(doc, rng, kinds=MARK_KINDS, blank: float = 0.0, cycle: bool = False) -> tuple[dict, dict]:
    """(marks, wrong boxes of corrected marks): a mark of a random kind (``cycle``: the kinds
    in turn) on a random option of every question with boxes; a share ``blank`` of the
    questions is left unanswered."""
    marks, wrong = {}, {}
    for index, row in enumerate(doc.rows):
        if row.kind == TEXT or not row.options:
            continue
        if rng.random() < blank:
            marks[row.number] = (None, BLANK)
            continue
        count = len(row.options)
        option = int(rng.integers(count))
        kind = kinds[index % len(kinds)] if cycle else kinds[int(rng.integers(len(kinds)))]
        if kind == CORRECTED:
            if count < 2:
                kind = TICK
            else:
                wrong[row.number] = (option + int(rng.integers(1, count))) % count
        marks[row.number] = (option, kind)
    return marks, wrong


# ---------------------------------------------------------------------------- degradations
def _lighting(shape, rng, low: float) -> np.ndarray:
    """A smooth multiplicative light field between ``low`` and 1."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xs / w - 0.5) * math.cos(angle) + (ys / h - 0.5) * math.sin(angle)
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    return (1 - (1 - low) * ramp).astype(np.float32)


def _finish(gray: np.ndarray, rng, noise: float, blur: float, jpeg: int | None) -> np.ndarray:
    if blur > 0:
        gray = cv2.GaussianBlur(gray, (0, 0), blur)
    gray = gray + rng.normal(0, noise, gray.shape).astype(np.float32)
    out = np.clip(gray, 0, 255).astype(np.uint8)
    if jpeg:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg)])
        out = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return out


def office_scan(
    page: np.ndarray,
    dpi: int,
    rng,
    *,
    angle: float | None = None,
    scale: float | None = None,
    shift: tuple[float, float] | None = None,
    noise: float | None = None,
    blur: float | None = None,
    jpeg: int | None | bool = None,
    light: float | None = None,
) -> np.ndarray:
    """``page`` (rendered at ``dpi``) as an office scanner gives it: on a bed 15 mm wider than
    the paper each side (so a turned page keeps its corners), turned up to ±5°, shifted up to
    ±3 mm, scaled 95–105 %, with sensor noise (σ 3–10), a little blur (σ 0.3–0.8 px), light
    falling to 88–100 % across the page, and half of the time saved as JPEG (quality 70–95).
    Each keyword fixes one of them instead (``jpeg=False``: no JPEG)."""
    unit = dpi / 25.4
    h, w = page.shape
    bed = round(15 * unit)
    out_w, out_h = w + 2 * bed, h + 2 * bed
    angle = rng.uniform(-5, 5) if angle is None else angle
    scale = rng.uniform(0.95, 1.05) if scale is None else scale
    shift = rng.uniform(-3, 3, 2) if shift is None else np.array(shift)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    matrix[:, 2] += (out_w - w) / 2 + shift[0] * unit, (out_h - h) / 2 + shift[1] * unit
    lid = float(rng.uniform(232, 250))
    gray = cv2.warpAffine(
        page.astype(np.float32), matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=lid
    )
    gray *= _lighting(gray.shape, rng, rng.uniform(0.88, 1.0) if light is None else light)
    if jpeg is None:
        jpeg = int(rng.integers(70, 95)) if rng.random() < 0.5 else None
    noise = rng.uniform(3, 10) if noise is None else noise
    blur = rng.uniform(0.3, 0.8) if blur is None else blur
    return _finish(gray, rng, noise, blur, jpeg or None)


def phone_photo(page: np.ndarray, dpi: int, rng, size: int = 2400) -> np.ndarray:
    """``page`` photographed lying on a table: a ``size`` px tall photo (3:4) where the page
    fills 75–90 % of the height, seen from an angle (each corner moved up to 5 % of the page's
    width, turned up to ±5°), a soft shadow across part of it, light falling off to one side,
    a little out of focus, noisy and saved as JPEG."""
    h, w = page.shape
    out_h, out_w = size, size * 3 // 4
    fill = rng.uniform(0.75, 0.9)
    scale = out_h * fill / h
    cx, cy = out_w / 2 + rng.uniform(-0.04, 0.04) * out_w, out_h / 2 + rng.uniform(-0.03, 0.03) * out_h
    angle = math.radians(rng.uniform(-5, 5))
    cos, sin = math.cos(angle), math.sin(angle)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = []
    keystone = rng.uniform(-0.05, 0.05)  # the top edge nearer or further than the bottom one
    for k, (sx, sy) in enumerate(src):
        px, py = (sx - w / 2) * scale, (sy - h / 2) * scale
        if k < 2:
            px *= 1 - keystone
        else:
            px *= 1 + keystone
        px += rng.uniform(-0.025, 0.025) * w * scale
        py += rng.uniform(-0.025, 0.025) * w * scale
        dst.append([cx + px * cos - py * sin, cy + px * sin + py * cos])
    homography = cv2.getPerspectiveTransform(src, np.float32(dst))
    table = float(rng.uniform(70, 150))
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    background = table + 12 * np.sin(xs / rng.uniform(40, 90)) * np.sin(ys / rng.uniform(200, 400))
    paper = cv2.warpPerspective(page.astype(np.float32), homography, (out_w, out_h), flags=cv2.INTER_AREA)
    cover = cv2.warpPerspective(np.ones_like(page, np.float32), homography, (out_w, out_h))
    gray = paper * cover + background * (1 - cover)
    gray *= _lighting(gray.shape, rng, rng.uniform(0.6, 0.9))
    if rng.random() < 0.8:  # the phone's or a hand's shadow: a soft-edged blob over one side
        shadow = np.zeros(gray.shape, np.float32)
        corner = rng.integers(4)
        ox, oy = (corner % 2) * out_w, (corner // 2) * out_h
        axes = (int(out_w * rng.uniform(0.3, 0.6)), int(out_h * rng.uniform(0.2, 0.45)))
        cv2.ellipse(shadow, (int(ox), int(oy)), axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        shadow = cv2.GaussianBlur(shadow, (0, 0), out_w * 0.03)
        gray *= 1 - rng.uniform(0.25, 0.45) * shadow
    return _finish(gray, rng, rng.uniform(3, 7), rng.uniform(0.6, 1.3), int(rng.integers(70, 92)))


def synth_pages(
    doc,
    layout: FormLayout,
    rng,
    mode: str = OFFICE,
    dpi: int = 200,
    kinds=MARK_KINDS,
    blank: float = 0.0,
) -> list[Sheet]:
    """Every page of ``doc``, marked at random (``random_marks``) and degraded as ``mode`` says
    (``OFFICE``, ``PHONE``, or ``"clean"``: no degradation at all)."""
    marks, wrong = random_marks(doc, rng, kinds, blank)
    images = marked_pages(doc, layout, dpi, marks, rng, wrong)
    sheets = []
    for page, image in zip(layout.pages, images, strict=True):
        gray = gray_of(image)
        if mode == OFFICE:
            gray = office_scan(gray, dpi, rng)
        elif mode == PHONE:
            gray = phone_photo(gray, dpi, rng)
        numbers = {b.number for b in page.boxes}
        sheets.append(Sheet(gray, page.page, {n: m for n, m in marks.items() if n in numbers}))
    return sheets


@dataclass
class Score:
    """Box- and question-level counts of reads against what was marked (``add``)."""

    pages: int = 0
    review: int = 0  # pages with a doubtful question (or that could not be read)
    boxes: int = 0
    wrong_boxes: int = 0  # a box read marked that was not, or not read marked that was
    questions: int = 0
    uncertain: int = 0
    wrong_certain: int = 0  # a question read certain with the wrong answer: never allowed
    seconds: float = 0.0

    def add(self, sheet: Sheet, read) -> None:
        """Count one page's ``PageRead`` against ``sheet``; a page that could not be read counts
        every box of it wrong."""
        self.pages += 1
        got = {q.number: q for q in read.questions}
        self.review += bool(read.error or read.uncertain)
        for number, (option, _kind) in sheet.marks.items():
            self.questions += 1
            q = got.get(number)
            if q is None:
                self.uncertain += 1
                self.boxes += 1
                self.wrong_boxes += 1
                continue
            self.boxes += len(q.states)
            for i, state in enumerate(q.states):
                self.wrong_boxes += (i == option) != (state in ("marked", "circled"))
            if q.option is None:
                self.uncertain += 1
            elif q.option != option:
                self.wrong_certain += 1

    @property
    def box_accuracy(self) -> float:
        return 1 - self.wrong_boxes / max(1, self.boxes)

    @property
    def review_rate(self) -> float:
        return self.review / max(1, self.pages)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0
