"""Reading one scanned 回访表 page: its code, its corner marks, and the ink in every answer box.

Pure numpy on a greyscale page (0 black … 255 white); no Qt. ``read_page(gray, layout_of)``:

1. the QR code (zxing-cpp) names the form and the page (``HUIFANG:TASK:12:P1:T3``);
2. the four corner marks are found near the page's corners (a filled square scores highest
   against its white surroundings) and an affine map from the printed millimetres to the
   image's pixels is fitted to them (rotation, scale, shift and a little skew);
3. each question's boxes are found exactly by sliding their outlines a little around where the
   map puts them (a printer's own fonts may move a row by a fraction of a millimetre);
4. the share of dark pixels inside each box is measured: a filled box, a ✓ and a ✗ all count as
   marked. A question with exactly one clearly marked box is certain; none, two, or a faint mark
   makes it uncertain. The confidence is how far the marks stand from the decision thresholds.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..common.errors import ValidationError
from ..visits import qrcodes
from .layout import MARK_SIDE, PAGE_H, PAGE_W, FormLayout, mark_centers

DARK = 128  # a pixel darker than this is ink
MARKED = 0.10  # share of dark pixels inside a box above which it is marked
EMPTY = 0.035  # … below which it is empty; in between the box is doubtful
INSET = 0.55  # mm kept clear of the printed outline when measuring a box's ink
SEARCH_MARK = 32.0  # mm from each corner searched for its mark
SEARCH_BOX = 1.6  # mm around the mapped position searched for a question's boxes
MARK_RESIDUAL = 1.5  # mm: four marks that fit the printed rectangle worse are not our marks


class MarksNotFound(Exception):
    """The four corner marks are not where a printed 回访表 has them."""


@dataclass
class QuestionRead:
    number: int
    option: int | None  # index into the printed options, None when uncertain
    confidence: float  # 0 … 1
    fills: list[float] = field(default_factory=list)  # share of dark pixels per box

    @property
    def certain(self) -> bool:
        return self.option is not None


@dataclass
class PageRead:
    code: str = ""  # the QR text as read ("" when none was found)
    scan_code: qrcodes.ScanCode | None = None
    page: int = 1
    questions: list[QuestionRead] = field(default_factory=list)
    error: str = ""  # why the page could not be read (Chinese)

    @property
    def uncertain(self) -> list[int]:
        return [q.number for q in self.questions if not q.certain]


def find_code(gray: np.ndarray) -> tuple[str, qrcodes.ScanCode | None, float]:
    """The first of our codes on the page: (text, parsed, the height of its centre as a share of
    the page's), or ("", None, 0.0)."""
    import zxingcpp  # imported on first use: only reading scans needs it

    image = np.ascontiguousarray(gray.astype(np.uint8))
    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        try:
            code = qrcodes.parse_code(result.text)
        except ValidationError:
            continue
        corners = result.position
        middle = (corners.top_left.y + corners.bottom_right.y) / 2 / gray.shape[0]
        return result.text, code, middle
    return "", None, 0.0


def _box_sums(dark: np.ndarray, side: int) -> np.ndarray:
    """Sum of ``dark`` over every ``side``×``side`` window (top-left indexed)."""
    integral = np.pad(dark.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    return (
        integral[side:, side:] - integral[:-side, side:] - integral[side:, :-side] + integral[:-side, :-side]
    )


def find_marks(gray: np.ndarray, px_per_mm: float) -> np.ndarray:
    """The pixel centres (x, y) of the four corner marks, in ``mark_centers`` order."""
    dark = (gray < DARK).astype(np.float64)
    h, w = dark.shape
    side = max(3, round(MARK_SIDE * px_per_mm))
    ring = max(2, side // 2)
    reach = round(SEARCH_MARK * px_per_mm)
    found = []
    for corner in range(4):
        right, bottom = corner % 2 == 1, corner >= 2
        x0 = max(0, w - reach) if right else 0
        y0 = max(0, h - reach) if bottom else 0
        window = np.pad(dark[y0 : y0 + reach, x0 : x0 + reach], ring)  # beyond the page is white
        inner = _box_sums(window, side)[ring:-ring, ring:-ring]
        outer = _box_sums(window, side + 2 * ring)
        inner = inner[: outer.shape[0], : outer.shape[1]]
        outer = outer[: inner.shape[0], : inner.shape[1]]
        score = inner / side**2 - (outer - inner) / ((side + 2 * ring) ** 2 - side**2)
        y, x = np.unravel_index(np.argmax(score), score.shape)
        found.append((x0 + x - ring + ring + side / 2 - 0.5, y0 + y - ring + ring + side / 2 - 0.5))
    return np.array(found)


def fit_affine(mm_points: np.ndarray, px_points: np.ndarray) -> np.ndarray:
    """The 2×3 matrix mapping millimetres to pixels that fits the point pairs best."""
    ones = np.ones((len(mm_points), 1))
    design = np.hstack([mm_points, ones])
    solution, *_ = np.linalg.lstsq(design, px_points, rcond=None)
    return solution.T


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:, :2].T + matrix[:, 2]


def _sample(dark: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``dark`` at the (x, y) ``points`` (nearest pixel; off the page counts as white)."""
    xs = np.rint(points[..., 0]).astype(int)
    ys = np.rint(points[..., 1]).astype(int)
    h, w = dark.shape
    inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    out = np.zeros(xs.shape)
    out[inside] = dark[ys[inside], xs[inside]]
    return out


def _outline(x: float, y: float, side: float, count: int = 12) -> np.ndarray:
    t = np.linspace(0, side, count, endpoint=False)
    return np.concatenate(
        [
            np.stack([x + t, np.full_like(t, y)], 1),
            np.stack([x + side - 0 * t, y + t], 1),
            np.stack([x + side - t, np.full_like(t, y + side)], 1),
            np.stack([np.full_like(t, x), y + side - t], 1),
        ]
    )


def _interior(x: float, y: float, side: float, count: int = 12) -> np.ndarray:
    t = np.linspace(x + INSET, x + side - INSET, count)
    u = np.linspace(y + INSET, y + side - INSET, count)
    gx, gy = np.meshgrid(t, u)
    return np.stack([gx.ravel(), gy.ravel()], 1)


def _best_shift(dark: np.ndarray, outline_px: np.ndarray, reach: int) -> np.ndarray:
    """The pixel shift (dx, dy) within ±``reach`` that puts the most ink under the outlines."""
    steps = np.arange(-reach, reach + 1)
    dx, dy = np.meshgrid(steps, steps)
    shifts = np.stack([dx.ravel(), dy.ravel()], 1)
    scores = _sample(dark, outline_px[None, :, :] + shifts[:, None, :]).sum(1)
    best = scores.max()
    ties = shifts[scores >= best - 1e-9]
    return ties.mean(0)  # the middle of a plateau, not its corner


def decide(fills: list[float]) -> tuple[int | None, float]:
    """(the marked option or None, confidence) from the boxes' ink shares."""
    marked = [i for i, f in enumerate(fills) if f >= MARKED]
    doubtful = [i for i, f in enumerate(fills) if EMPTY < f < MARKED]
    if len(marked) != 1 or doubtful:
        return None, 0.0
    others = max((f for i, f in enumerate(fills) if i != marked[0]), default=0.0)
    margin_up = min(1.0, (fills[marked[0]] - MARKED) / MARKED + 0.5)
    margin_down = min(1.0, (EMPTY - others) / EMPTY + 0.5)
    return marked[0], round(max(0.5, min(margin_up, margin_down)), 3)


def read_boxes(gray: np.ndarray, layout: FormLayout, page: int) -> list[QuestionRead]:
    """Every question's read on ``page`` of a page image whose layout is ``layout``."""
    h, w = gray.shape
    px_per_mm = w / PAGE_W
    marks = find_marks(gray, px_per_mm)
    printed = np.array(mark_centers())
    matrix = fit_affine(printed, marks)
    residual = np.abs(_apply(matrix, printed) - marks).max() / px_per_mm
    if residual > MARK_RESIDUAL:
        raise MarksNotFound(f"四角定位标记偏差 {residual:.1f} 毫米")
    dark = (gray < DARK).astype(np.float64)
    boxes = layout.page(page)
    reach = max(2, round(SEARCH_BOX * px_per_mm))
    reads = []
    for number, row in sorted((boxes.questions() if boxes else {}).items()):
        outline = np.concatenate([_outline(b.x, b.y, b.side) for b in row])
        shift = _best_shift(dark, _apply(matrix, outline), reach)
        fills = [
            float(_sample(dark, _apply(matrix, _interior(b.x, b.y, b.side)) + shift).mean()) for b in row
        ]
        option, confidence = decide(fills)
        reads.append(QuestionRead(number, option, confidence, [round(f, 4) for f in fills]))
    return reads


def read_page(gray: np.ndarray, layout_of: Callable[[qrcodes.ScanCode], FormLayout | None]) -> PageRead:
    """Read one page: its code, then (if ``layout_of(code)`` knows the form) every question.
    A page scanned upside down or sideways is turned upright first."""
    if gray.shape[0] < gray.shape[1]:  # a landscape scan of a portrait form: turn it upright
        gray = np.rot90(gray, -1)
    text, code, middle = find_code(gray)
    if code is None:
        return PageRead(error="没有找到回访通的二维码")
    # page 1 has its code at the top (beside the title), later pages at the bottom: a page fed
    # upside down (or turned the other way in landscape) is turned round
    if (middle < 0.5) != ((code.page or 1) == 1):
        gray = np.rot90(gray, 2)
    if gray.shape[0] / gray.shape[1] < PAGE_H / PAGE_W * 0.9:
        return PageRead(text, code, error="图像不是整页 A4 扫描件")
    page = code.page or 1
    layout = layout_of(code)
    if layout is None or layout.page(page) is None:
        return PageRead(text, code, page, error="找不到这张表的版面")
    try:
        return PageRead(text, code, page, read_boxes(gray, layout, page))
    except MarksNotFound as err:
        return PageRead(text, code, page, error=f"找不到四角的定位标记（{err}），请整页重新扫描")
