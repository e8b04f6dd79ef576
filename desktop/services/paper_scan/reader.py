"""Reading one scanned 回访表 page: its code, its corner marks, and the ink in and around every
answer box. No Qt; numpy and OpenCV on a greyscale page (0 black … 255 white).

``read_page(gray, layout_of)``:

1. the QR code (zxing-cpp) names the form and the page (``HUIFANG:TASK:12:P1:T3``);
2. the four corner marks give a homography from the printed millimetres to the image
   (``align``: an office scan turned ±5° and scaled, or a phone photo seen from an angle) and the
   page is warped onto the printed millimetre grid, its lighting divided out;
3. each question's boxes are found exactly by sliding their outlines a little around where the
   layout puts them (a printer's own fonts may move a row by a fraction of a millimetre);
4. per box two measures: ``fill``, the share of ink inside the box (✓, ✗ and a filled box all
   mark it), and ``ring``, the handwritten ink (mm²) around the box and its printed label — the
   printed outline, the label and the table's ruled lines taken out. A circle round the box or
   its label has ink in the ring and none inside: it marks the box. A box inked inside *and*
   scribbled over past its edges is struck out: a correction is looked for in the other boxes.
5. A question with exactly one marked box (struck boxes aside) and nothing doubtful is certain;
   none, two, a faint mark or a struck box alone make it uncertain (a person decides, 待核对).
   The confidence is how far the measures stand from the decision thresholds.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ..common.errors import ValidationError
from ..visits import qrcodes
from . import align
from .align import SCALE, MarksNotFound
from .layout import PAGE_QR_SIDE, TITLE_QR_SIDE, AnswerBox, FormLayout

__all__ = ["MARKED", "MarksNotFound", "PageRead", "QuestionRead", "decide", "find_code", "read_page"]

MARKED = 0.10  # share of ink inside a box above which it is marked
EMPTY = 0.035  # … below which it is empty; in between the box is doubtful
CIRCLED = 1.5  # mm² of handwriting round a box or its label above which it is circled
RING_EMPTY = 0.6  # … below which there is nothing round it; in between it is doubtful
STRUCK_FILL, STRUCK_RING = 0.40, 1.5  # a box this full with this much round it is scribbled out
INSET = 0.55  # mm kept clear of the printed outline when measuring a box's ink
SEARCH_BOX = 1.2  # mm around the mapped position searched for a question's boxes
SEARCH_ONE = 0.6  # … and then around the row's place for each box
RING_X, RING_Y = 2.0, 1.6  # mm the ring reaches beyond the box (and label) sideways, up/down
CLEAR_BOX, CLEAR_LABEL = 0.45, 0.35  # mm round the printed box and label left out of the ring
# a straight, thin run of ink this long across (down) is a printed rule, not handwriting: a row is
# never lower than 6.4 mm, and a scribble's strokes run across, so the vertical length is shorter
LINE_MM, COLUMN_MM = 10.0, 5.5

# what each box was read as
EMPTY_BOX, MARKED_BOX, CIRCLED_BOX, STRUCK_BOX, DOUBTFUL_BOX = (
    "empty",
    "marked",
    "circled",
    "struck",
    "doubtful",
)


@dataclass
class QuestionRead:
    number: int
    option: int | None  # index into the printed options, None when uncertain
    confidence: float  # 0 … 1
    fills: list[float] = field(default_factory=list)  # share of ink inside each box
    rings: list[float] = field(default_factory=list)  # mm² of handwriting round each box/label
    states: list[str] = field(default_factory=list)  # EMPTY_BOX, MARKED_BOX, … per box

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
    # printed millimetres → image pixels (3×3); ``align.canonical(gray, homography, (x0, y0, x1,
    # y1))`` cuts any printed rectangle out of the page upright (a question's row for 待核对)
    homography: np.ndarray | None = None

    @property
    def uncertain(self) -> list[int]:
        return [q.number for q in self.questions if not q.certain]


@dataclass
class _Code:
    text: str
    code: qrcodes.ScanCode
    centre: tuple[float, float]  # px
    side: float  # px


def _read_code(gray: np.ndarray) -> _Code | None:
    import zxingcpp  # imported on first use: only reading scans needs it

    image = np.ascontiguousarray(gray.astype(np.uint8))
    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        try:
            code = qrcodes.parse_code(result.text)
        except ValidationError:
            continue
        p = result.position
        corners = np.array(
            [(c.x, c.y) for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)], float
        )
        side = float(np.mean(np.linalg.norm(corners - np.roll(corners, 1, axis=0), axis=1)))
        return _Code(result.text, code, tuple(corners.mean(0)), side)
    return None


def find_code(gray: np.ndarray) -> tuple[str, qrcodes.ScanCode | None, float]:
    """The first of our codes on the page: (text, parsed, the height of its centre as a share of
    the page's), or ("", None, 0.0)."""
    found = _read_code(gray)
    if found is None:
        return "", None, 0.0
    return found.text, found.code, found.centre[1] / gray.shape[0]


# ---------------------------------------------------------------------------- measuring
def _px(mm: float) -> int:
    return int(round(mm * SCALE))


def _handwriting(ink: np.ndarray) -> np.ndarray:
    """``ink`` without the printed ruled lines: long, thin, straight horizontal or vertical runs
    (the page is upright on the millimetre grid, so a rule is exactly horizontal or vertical)."""
    long, tall, gap = _px(LINE_MM), _px(COLUMN_MM), _px(0.6)
    across = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))  # noise breaks a rule
    rules = cv2.morphologyEx(across, cv2.MORPH_OPEN, np.ones((1, long), np.uint8))
    down = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((gap, 1), np.uint8))
    rules |= cv2.morphologyEx(down, cv2.MORPH_OPEN, np.ones((tall, 1), np.uint8))
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))  # and its frayed edges
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((_px(1.0), _px(1.0)), np.uint8))
    return ink & ~(rules & ~solid)


def _rect_sum(integral: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> float:
    """Sum over the millimetre rectangle of the image whose integral image is ``integral``."""
    h, w = integral.shape[0] - 1, integral.shape[1] - 1
    a, b = min(max(_px(x0), 0), w), min(max(_px(x1), 0), w)
    c, d = min(max(_px(y0), 0), h), min(max(_px(y1), 0), h)
    if b <= a or d <= c:
        return 0.0
    return float(integral[d, b] - integral[c, b] - integral[d, a] + integral[c, a])


def _outline_template(row: list[AnswerBox], x0: float, y0: float, w: int, h: int) -> np.ndarray:
    """+1 on the row's printed outlines, −½ on the lines 0.6 mm inside and outside them (the
    template's top-left corner at (``x0``, ``y0``) mm)."""
    template = np.zeros((h, w), np.float32)
    for weight, d in ((-0.5, 0.6), (-0.5, -0.6), (1.0, 0.0)):
        for box in row:
            top_left = (_px(box.x - d - x0), _px(box.y - d - y0))
            bottom_right = (_px(box.x + box.side + d - x0), _px(box.y + box.side + d - y0))
            cv2.rectangle(template, top_left, bottom_right, weight, 1)
    return template


def _best_shift(dark: np.ndarray, row: list[AnswerBox], search: float = SEARCH_BOX) -> tuple[float, float]:
    """The shift (mm) within ±``search`` that puts the row's outlines on thin dark lines
    (dark on the outline, light just inside and outside it — a mark in a box does not pull)."""
    reach = _px(search)
    x0, y0 = min(b.x for b in row) - 1.0, min(b.y for b in row) - 1.0
    x1, y1 = max(b.x + b.side for b in row) + 1.0, max(b.y + b.side for b in row) + 1.0
    w, h = _px(x1) - _px(x0), _px(y1) - _px(y0)
    left, top = _px(x0) - reach, _px(y0) - reach
    region = np.zeros((h + 2 * reach, w + 2 * reach), np.float32)
    src = dark[max(0, top) : top + region.shape[0], max(0, left) : left + region.shape[1]]
    region[max(0, -top) : max(0, -top) + src.shape[0], max(0, -left) : max(0, -left) + src.shape[1]] = src
    scores = cv2.matchTemplate(region, _outline_template(row, x0, y0, w, h), cv2.TM_CCORR)
    dy, dx = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return (dx - reach) / SCALE, (dy - reach) / SCALE


def _moved(box: AnswerBox, dx: float, dy: float) -> AnswerBox:
    label = box.label
    if label is not None:
        label = (label[0] + dx, label[1] + dy, label[2], label[3])
    return replace(box, x=box.x + dx, y=box.y + dy, label=label)


def _extent(box: AnswerBox) -> tuple[float, float, float, float]:
    """The box and its label together (x0, y0, x1, y1), mm."""
    x0, y0, x1, y1 = box.x, box.y, box.x + box.side, box.y + box.side
    if box.label is not None:
        lx, ly, lw, lh = box.label
        x0, y0, x1, y1 = min(x0, lx), min(y0, ly), max(x1, lx + lw), max(y1, ly + lh)
    return x0, y0, x1, y1


def _zones(row: list[AnswerBox]) -> list[tuple[float, float, float, float]]:
    """The ring of each option: its box and label widened by ``RING_X``/``RING_Y``, but never
    past the middle of the gap to the next option on the same line."""
    extents = [_extent(b) for b in row]
    zones = []
    for i, (x0, y0, x1, y1) in enumerate(extents):
        left, right = x0 - RING_X, x1 + RING_X
        for j, (a0, b0, a1, b1) in enumerate(extents):
            if j == i or b1 < y0 or b0 > y1:  # another line of options
                continue
            if a0 >= x1:
                right = min(right, (x1 + a0) / 2)
            elif a1 <= x0:
                left = max(left, (a1 + x0) / 2)
        zones.append((left, y0 - RING_Y, right, y1 + RING_Y))
    return zones


def _clear_printed(hand: np.ndarray, row: list[AnswerBox]) -> None:
    """Take the row's printed boxes and labels out of the handwriting (in place)."""
    for box in row:
        c = CLEAR_BOX
        rects = [(box.x - c, box.y - c, box.x + box.side + c, box.y + box.side + c)]
        if box.label is not None:
            lx, ly, lw, lh = box.label
            c = CLEAR_LABEL
            rects.append((lx - c, ly - c, lx + lw + c, ly + lh + c))
        for x0, y0, x1, y1 in rects:
            hand[max(0, _px(y0)) : _px(y1), max(0, _px(x0)) : _px(x1)] = 0


def _ring(hand: np.ndarray, strokes: np.ndarray, middles: np.ndarray, zone) -> tuple[float, float]:
    """mm² of handwriting in ``zone`` (x0, y0, x1, y1 mm): (from strokes whose middle is in it,
    all of it)."""
    x0, y0, x1, y1 = (max(0, _px(v)) for v in zone)
    here = hand[y0:y1, x0:x1] > 0
    if not here.any():
        return 0.0, 0.0
    mx, my = middles[strokes[y0:y1, x0:x1][here]].T
    owned = ((mx >= x0) & (mx < x1) & (my >= y0) & (my < y1)).sum()
    return float(owned) / SCALE**2, float(here.sum()) / SCALE**2


def _fill(ink_sum: np.ndarray, box: AnswerBox) -> float:
    """The share of ink inside the box (its printed outline left out)."""
    x, y, s = box.x, box.y, box.side
    inside = (x + INSET, y + INSET, x + s - INSET, y + s - INSET)
    area = (_px(inside[2]) - _px(inside[0])) * (_px(inside[3]) - _px(inside[1]))
    return _rect_sum(ink_sum, *inside) / max(1, area)


def _state(fill: float, ring: float, spill: float = 0.0) -> str:
    """What a box with ``fill`` inside and ``ring`` mm² of its own strokes round it was marked
    as; ``spill``: all the ink round it (a scribble may run into the next row's strokes)."""
    if fill >= STRUCK_FILL and max(ring, spill) >= STRUCK_RING:
        return STRUCK_BOX
    if fill >= MARKED:
        return MARKED_BOX
    if ring >= CIRCLED:  # (a circle round the label may run through the box's corner)
        return CIRCLED_BOX
    if fill > EMPTY or ring > RING_EMPTY:
        return DOUBTFUL_BOX
    return EMPTY_BOX


def decide(
    fills: list[float], rings: list[float] | None = None, spills: list[float] | None = None
) -> tuple[int | None, float]:
    """(the marked option or None, confidence) from the boxes' ink inside and around them."""
    rings = rings if rings is not None else [0.0] * len(fills)
    spills = spills if spills is not None else [0.0] * len(fills)
    states = [_state(f, r, p) for f, r, p in zip(fills, rings, spills, strict=True)]
    chosen = [i for i, s in enumerate(states) if s in (MARKED_BOX, CIRCLED_BOX)]
    if len(chosen) != 1 or DOUBTFUL_BOX in states:
        return None, 0.0
    i = chosen[0]
    if states[i] == MARKED_BOX:
        up = (fills[i] - MARKED) / MARKED
    else:
        up = (rings[i] - CIRCLED) / CIRCLED
    rest = [j for j, s in enumerate(states) if s == EMPTY_BOX]
    down = min(
        [1.0]
        + [(EMPTY - fills[j]) / EMPTY for j in rest]
        + [(RING_EMPTY - rings[j]) / RING_EMPTY for j in rest]
    )
    return i, round(max(0.5, min(1.0, up + 0.5, down + 0.5)), 3)


def read_boxes(
    gray: np.ndarray, layout: FormLayout, page: int, matrix: np.ndarray | None = None
) -> list[QuestionRead]:
    """Every question's read on ``page`` of a page image whose layout is ``layout``; ``matrix``
    is the page's homography (millimetres → pixels) if already known."""
    if matrix is None:
        matrix = align.page_homography(align.find_marks(gray), None, page)
    boxes = layout.page(page)
    rows = sorted((boxes.questions() if boxes else {}).items())
    if not rows:
        return []
    # only the answer area is measured, on the printed millimetre grid (rows moved to its corner)
    margin = SEARCH_BOX + max(RING_X, RING_Y) + 1.0
    extents = np.array([_extent(b) for _, row in rows for b in row])
    x0, y0 = max(0.0, extents[:, 0].min() - margin), max(0.0, extents[:, 1].min() - margin)
    x1, y1 = extents[:, 2].max() + margin, extents[:, 3].max() + margin
    flat = align.canonical(np.ascontiguousarray(gray.astype(np.uint8)), matrix, (x0, y0, x1, y1))
    level = align.normalise(flat, 8.0, SCALE)
    rows = [(number, [_moved(b, -x0, -y0) for b in row]) for number, row in rows]
    ink = (level < align.INK).astype(np.uint8)
    dark = np.clip(1.0 - level, 0.0, 1.0).astype(np.float32)
    # each row where its outlines are, then each box on its own (a label's font may push the
    # next box along by a fraction of a millimetre)
    placed = []
    for number, row in rows:
        dx, dy = _best_shift(dark, row)
        row = [_moved(b, dx, dy) for b in row]
        placed.append((number, [_moved(b, *_best_shift(dark, [b], SEARCH_ONE)) for b in row]))
    hand = _handwriting(ink)
    # each stroke (a connected run of ink) belongs where its middle is: a circle drawn round a
    # box of the row above that reaches over the border, or a scribble spilling past its box,
    # is not counted round a neighbour (a stroke cut by a rule taken out is joined up again)
    joined = cv2.dilate(hand, np.ones((_px(0.9), _px(0.9)), np.uint8))
    _, strokes, _, middles = cv2.connectedComponentsWithStats(joined, connectivity=8)
    for _, row in placed:
        _clear_printed(hand, row)
    ink_sum = cv2.integral(ink)
    reads = []
    for number, row in placed:
        fills = [round(_fill(ink_sum, b), 4) for b in row]
        measured = [_ring(hand, strokes, middles, zone) for zone in _zones(row)]
        rings = [round(owned, 3) for owned, _ in measured]
        spills = [round(spill, 3) for _, spill in measured]
        option, confidence = decide(fills, rings, spills)
        states = [_state(*m) for m in zip(fills, rings, spills, strict=True)]
        reads.append(QuestionRead(number, option, confidence, fills, rings, states))
    return reads


def _page_matrix(gray: np.ndarray, found: _Code) -> np.ndarray:
    """The page's homography (printed millimetres → pixels) from its corner marks, sized and
    turned by its code. MarksNotFound when the marks are not there."""
    page = found.code.page or 1
    px_per_mm = found.side / (TITLE_QR_SIDE if page == 1 else PAGE_QR_SIDE)
    return align.page_homography(align.find_marks(gray, px_per_mm), found.centre, page)


def locate(gray: np.ndarray) -> tuple[qrcodes.ScanCode, np.ndarray] | None:
    """A page's code and homography, as ``read_page`` finds them (the 待核对 cut-outs use the
    same); None when the page shows none of our codes, MarksNotFound without its corner marks."""
    found = _read_code(gray)
    return None if found is None else (found.code, _page_matrix(gray, found))


def read_page(gray: np.ndarray, layout_of: Callable[[qrcodes.ScanCode], FormLayout | None]) -> PageRead:
    """Read one page: its code, then (if ``layout_of(code)`` knows the form) every question.
    A page scanned upside down or sideways, or photographed at an angle, is found by its marks."""
    found = _read_code(gray)
    if found is None:
        return PageRead(error="没有找到回访通的二维码")
    text, code = found.text, found.code
    page = code.page or 1
    layout = layout_of(code)
    if layout is None or layout.page(page) is None:
        return PageRead(text, code, page, error="找不到这张表的版面")
    try:
        matrix = _page_matrix(gray, found)
        return PageRead(text, code, page, read_boxes(gray, layout, page, matrix), homography=matrix)
    except MarksNotFound as err:
        return PageRead(text, code, page, error=f"找不到四角的定位标记（{err}），请整页重新扫描")
