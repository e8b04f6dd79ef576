"""Where a printed 回访表 page puts what the reader looks for — plain data, no Qt here.

The printer (``desktop.views.printing.visit_form_print.form_layout``) records every answer box
it draws as an :class:`AnswerBox` while it lays the form out; the reader maps the same millimetre
coordinates onto the scanned page. The corner marks' geometry is defined once here
(``mark_centers``) and both sides use it, so a box can never be printed where the reader does
not look.
"""

from dataclasses import dataclass, field

PAGE_W = 210.0  # A4, millimetres
PAGE_H = 297.0
MARK_SIDE = 5.0  # a filled square in each page corner
MARK_INSET = 6.0  # from the paper's edge to the mark's outer edge (inside what printers can print)
TITLE_QR_SIDE = 18.0  # the QR code beside page 1's title (the symbol without its quiet zone)
PAGE_QR_SIDE = 11.0  # the small QR code at the bottom right of a form's second and later pages
PAGE_QR_RIGHT = 16.0  # its right edge from the paper's right edge
PAGE_QR_BOTTOM = 4.5  # its bottom edge from the paper's bottom edge (printers leave ~4 mm blank)


def mark_centers(page_w: float = PAGE_W, page_h: float = PAGE_H) -> list[tuple[float, float]]:
    """The centres of the four corner marks in millimetres: top-left, top-right, bottom-left,
    bottom-right."""
    near = MARK_INSET + MARK_SIDE / 2
    return [(near, near), (page_w - near, near), (near, page_h - near), (page_w - near, page_h - near)]


@dataclass(frozen=True)
class AnswerBox:
    """One printed answer box: question ``number`` as printed, ``option`` index into the row's
    printed options, top-left corner and side in millimetres from the page's top-left corner;
    ``label``: the rectangle (x, y, width, height) of the option's printed label beside or under
    the box, if it has one of its own (a matrix row's levels are named in the column head)."""

    number: int
    option: int
    x: float
    y: float
    side: float
    label: tuple[float, float, float, float] | None = None


@dataclass
class PageBoxes:
    page: int  # 1-based
    boxes: list[AnswerBox] = field(default_factory=list)
    # each question's whole printed row (number, text, boxes) as (x, y, w, h) in millimetres:
    # the strip of the scan a person looks at in 待核对
    rows: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)

    def questions(self) -> dict[int, list[AnswerBox]]:
        """The boxes of each question on this page, by printed number, in option order."""
        out: dict[int, list[AnswerBox]] = {}
        for box in self.boxes:
            out.setdefault(box.number, []).append(box)
        for boxes in out.values():
            boxes.sort(key=lambda b: b.option)
        return out


@dataclass
class FormLayout:
    pages: list[PageBoxes] = field(default_factory=list)

    def page(self, number: int) -> PageBoxes | None:
        return next((p for p in self.pages if p.page == number), None)
