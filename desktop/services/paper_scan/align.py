"""Finding a printed 回访表 page in an image: its four corner marks and the homography from the
printed millimetres to the image's pixels — an office scan (turned, shifted, scaled) and a phone
photo of a page lying on a table (perspective, shadows) alike. No Qt.

1. The image is shrunk to ~1000 px, divided by its own paper brightness (a wide max-filter: a
   shadow or light falling off to one side keeps the page white and the ink dark), and cut at
   60 % of it. The corner marks are the solid, square, dark blobs of the right size (the QR code
   read before gives the scale) that lie furthest towards the four corners — nothing is printed
   beyond them.
2. Each mark's centre is refined on the full-resolution image (Otsu threshold in a window).
3. Of the four ways to name the corners, the page's long side and the QR code's place (page 1:
   in the top half; later pages: in the bottom half) pick the one right way up; OpenCV's
   ``getPerspectiveTransform`` gives the homography.
4. ``canonical`` warps the page onto a fixed millimetre grid (``SCALE`` px/mm), where every box
   is axis-aligned wherever the page lay in the image.
"""

import math

import cv2
import numpy as np

from .layout import MARK_SIDE, PAGE_H, PAGE_W, mark_centers

SCALE = 8.0  # px per mm of the canonical page (≈ 203 dpi)
WORK_SIDE = 1000  # px: the long side of the image the marks are looked for in
INK = 0.6  # a pixel darker than this share of its paper's brightness is ink


class MarksNotFound(Exception):
    """The four corner marks are not where a printed 回访表 has them."""


def normalise(gray: np.ndarray, paper_mm: float, px_per_mm: float) -> np.ndarray:
    """``gray`` divided by the brightness of the paper around each pixel (a max-filter wider
    than ``paper_mm``, smoothed): 1.0 is paper, ink is near 0, whatever the lighting."""
    factor = 4 if min(gray.shape) > 400 else 1
    small = (
        cv2.resize(gray, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
        if factor > 1
        else gray
    )
    k = max(3, int(paper_mm * px_per_mm / factor) | 1)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (0, 0), k / 3)
    if factor > 1:
        paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return gray.astype(np.float32) / np.maximum(paper.astype(np.float32), 16.0)


def _candidates(gray: np.ndarray, px_per_mm: float | None) -> tuple[np.ndarray, np.ndarray, float]:
    """(centres, sides, scale) of the solid square blobs in the shrunk image, in full-image px."""
    scale = min(1.0, WORK_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    guess = (px_per_mm or max(gray.shape) / (PAGE_H * 1.15)) * scale
    ink = (normalise(small, 3 * MARK_SIDE, guess) < INK).astype(np.uint8)
    count, _, stats, centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    side = np.sqrt(area)
    keep = (area >= 9) & (area >= 0.55 * w * h) & (w <= 1.7 * h) & (h <= 1.7 * w)
    if px_per_mm:
        expected = MARK_SIDE * px_per_mm * scale
        keep &= (side > 0.55 * expected) & (side < 1.8 * expected)
    return centres[1:][keep] / scale, side[keep] / scale, scale


def _refine(gray: np.ndarray, centre: np.ndarray, side: float) -> np.ndarray:
    """The centre of the dark blob at ``centre`` on the full image (Otsu in a window around it)."""
    reach = int(side * 1.3) + 3
    x, y = int(round(centre[0])), int(round(centre[1]))
    x0, y0 = max(0, x - reach), max(0, y - reach)
    window = gray[y0 : y + reach + 1, x0 : x + reach + 1]
    if window.size == 0:
        return centre
    window = np.ascontiguousarray(window.astype(np.uint8))
    _, ink = cv2.threshold(window, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        return centre
    here = labels[min(y - y0, labels.shape[0] - 1), min(x - x0, labels.shape[1] - 1)]
    if here == 0:
        here = 1 + int(np.argmax(stats[1:, 4]))
    return centres[here] + (x0, y0)


def find_marks(gray: np.ndarray, px_per_mm: float | None = None) -> np.ndarray:
    """The four corner marks' pixel centres, clockwise from the one nearest the image's top-left
    corner (which page corner each one is, ``page_homography`` decides)."""
    centres, sides, _ = _candidates(gray, px_per_mm)
    if len(centres) < 4:
        raise MarksNotFound("找到的定位标记不足四个")
    middle = centres.mean(0)
    found = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        score = (centres[:, 0] - middle[0]) * dx + (centres[:, 1] - middle[1]) * dy
        found.append(int(np.argmax(score)))
    if len(set(found)) < 4:
        raise MarksNotFound("四角定位标记不全")
    size = sides[found]
    if size.max() > 1.8 * size.min():
        raise MarksNotFound("四角定位标记大小不一")
    return np.array([_refine(gray, centres[i], sides[i]) for i in found])


def page_homography(marks: np.ndarray, code_at: tuple[float, float] | None, page: int) -> np.ndarray:
    """The 3×3 homography from printed millimetres to image pixels, given the four marks
    (clockwise, ``find_marks``) and the centre of the page's QR code in the image (page 1 has it
    in the top half, later pages at the bottom)."""
    printed = np.array(mark_centers(), np.float32)[[0, 1, 3, 2]]  # clockwise: TL, TR, BR, BL
    short = PAGE_W / PAGE_H
    best = None
    for turn in range(4):
        image = np.roll(marks, -turn, axis=0).astype(np.float32)
        across = (np.linalg.norm(image[1] - image[0]) + np.linalg.norm(image[2] - image[3])) / 2
        down = (np.linalg.norm(image[3] - image[0]) + np.linalg.norm(image[2] - image[1])) / 2
        if down <= 0 or across / down > math.sqrt(short):  # the page's long side runs down
            continue
        matrix = cv2.getPerspectiveTransform(printed, image)
        if code_at is None:
            best = best if best is not None else matrix
            continue
        x, y = to_mm(matrix, np.array([code_at]))[0]
        inside = -5 < x < PAGE_W + 5 and -5 < y < PAGE_H + 5
        if inside and (y < PAGE_H / 2) == (page == 1):
            return matrix
    if best is None:
        raise MarksNotFound("四角定位标记不成 A4 纸的形状")
    return best


def to_mm(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Image pixels → printed millimetres."""
    pts = np.asarray(points, np.float64).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(pts, np.linalg.inv(matrix)).reshape(-1, 2)


def to_px(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Printed millimetres → image pixels."""
    pts = np.asarray(points, np.float64).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(pts, matrix).reshape(-1, 2)


def canonical(
    gray: np.ndarray, matrix: np.ndarray, area: tuple[float, float, float, float] = (0.0, 0.0, PAGE_W, PAGE_H)
) -> np.ndarray:
    """The page's ``area`` (x0, y0, x1, y1 in mm; default the whole A4 page) warped onto the
    printed millimetre grid at ``SCALE`` px/mm, upright."""
    x0, y0, x1, y1 = area
    to_image = matrix @ np.array([[1 / SCALE, 0, x0], [0, 1 / SCALE, y0], [0, 0, 1.0]])
    size = (round((x1 - x0) * SCALE), round((y1 - y0) * SCALE))
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpPerspective(gray, to_image, size, flags=flags, borderValue=255)
