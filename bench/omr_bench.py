"""The ``omr`` scenario of ``bench/bench.py``: the paper reader on hundreds of generated scans.

Every built-in 回访表 is printed (the printer's own painter), marked by a generated hand with
every kind of mark (✓, ✗, a filled box, a circle round the box or its label, a box scribbled out
with the correction beside it — ``tests/scan_synth.py``), then either scanned (office: 150, 200
and 300 dpi, turned ±5°, shifted, scaled 95–105 %, noise, blur, uneven light, half JPEG) or
photographed (phone: perspective, shadow, uneven light, defocus, noise, JPEG). Each page is
written to a file (PNG for scans, JPEG for photos) and read back the way ``huifang scan`` does:
``pages.iter_pages`` + ``reader.read_page`` — that is what ``omr_pages_per_s`` times.

Figures (``Score`` in ``tests/scan_synth.py``):

* ``omr_box_accuracy.<office|phone>`` — boxes whose marked / not-marked state was read right
  (a box the reader calls doubtful counts as wrong), %;
* ``omr_review_rate.<office|phone>`` — pages with at least one doubtful question (sent to
  待核对), %; every generated question is answered, so a page sent to review is one too many;
* ``omr_wrong_per_box`` — questions read *certain* with the wrong answer, per box, % (the issue
  allows fewer than 1 in 2,000 = 0.05 %);
* ``omr_pages_per_s.<office_200dpi|phone>`` — pages read per second (file decode + read).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

SEED = 15
# pages per built-in template: office scans at each resolution, phone photos
PAGES = {
    "full": {150: 6, 200: 20, 300: 6, "phone": 15},
    "quick": {150: 2, 200: 5, 300: 2, "phone": 4},
    "tiny": {150: 0, 200: 1, 300: 0, "phone": 1},
}
TARGETS = {
    "omr_box_accuracy.office": ("min", 99.5),
    "omr_box_accuracy.phone": ("min", 98.0),
    "omr_review_rate.office": ("value", 5.0),
    "omr_review_rate.phone": (None, None),
    "omr_wrong_per_box": ("value", 0.05),
    "omr_pages_per_s.office_200dpi": ("min", 2.0),
    "omr_pages_per_s.phone": (None, None),
}
LABELS = {
    "omr_box_accuracy.office": "纸质表读框准确率（办公扫描）/ box accuracy, office scans",
    "omr_box_accuracy.phone": "纸质表读框准确率（手机拍照）/ box accuracy, phone photos",
    "omr_review_rate.office": "送待核对的页（办公扫描）/ pages sent to review, office scans",
    "omr_review_rate.phone": "送待核对的页（手机拍照）/ pages sent to review, phone photos",
    "omr_wrong_per_box": "确定但读错的题 ÷ 框数 / certain-but-wrong answers per box",
    "omr_pages_per_s.office_200dpi": "读表速度（200 dpi 扫描）/ pages read per second, 200 dpi",
    "omr_pages_per_s.phone": "读表速度（手机照片）/ pages read per second, phone photos",
}
UNITS = {
    "omr_box_accuracy.office": "%",
    "omr_box_accuracy.phone": "%",
    "omr_review_rate.office": "%",
    "omr_review_rate.phone": "%",
    "omr_wrong_per_box": "%",
    "omr_pages_per_s.office_200dpi": "pages/s",
    "omr_pages_per_s.phone": "pages/s",
}


def measure_omr(size: str, work: Path, figure, log) -> list:
    """Generate, write and read the pages; ``figure(name, value, extra)`` makes a bench Figure."""
    import cv2

    from desktop.app import create_qapp
    from desktop.models.connection import close_database
    from desktop.services.maintenance.bootstrap import open_app_database
    from desktop.services.paper_scan import reader
    from desktop.services.paper_scan.pages import iter_pages
    from desktop.services.visits import qrcodes, templates
    from desktop.services.visits.forms import build_blank_form
    from desktop.views.printing import visit_form_print as printing
    from tests import scan_synth as synth

    create_qapp()
    folder = work / "omr"
    folder.mkdir(parents=True, exist_ok=True)
    close_database()
    open_app_database(folder / "forms.db")  # the shipped templates
    rng = np.random.default_rng(SEED)
    scores = {"office": synth.Score(), "phone": synth.Score(), "office_200dpi": synth.Score()}
    counts = PAGES[size]
    started = time.perf_counter()
    try:
        forms = []
        for n, template in enumerate(templates.active_templates()):
            doc = build_blank_form(template)
            doc.code = qrcodes.task_code(1000 + n)
            forms.append((doc, printing.form_layout(doc)))
        for doc, layout in forms:
            for kind in (150, 200, 300, "phone"):
                mode = synth.PHONE if kind == "phone" else synth.OFFICE
                dpi = 200 if kind == "phone" else kind
                for _ in range(counts[kind]):
                    for sheet in synth.synth_pages(doc, layout, rng, mode=mode, dpi=dpi):
                        file = folder / f"page.{'jpg' if mode == synth.PHONE else 'png'}"
                        cv2.imwrite(str(file), sheet.gray)
                        start = time.perf_counter()
                        (page,) = iter_pages(file)
                        read = reader.read_page(page.gray, lambda code, layout=layout: layout)
                        took = time.perf_counter() - start
                        for name in (
                            ("phone",)
                            if mode == synth.PHONE
                            else ("office",) + (("office_200dpi",) if dpi == 200 else ())
                        ):
                            scores[name].add(sheet, read)
                            scores[name].seconds += took
    finally:
        close_database()
    log(
        f"  {sum(s.pages for k, s in scores.items() if k != 'office_200dpi')} pages generated and read in {time.perf_counter() - started:.0f} s"
    )
    office, phone = scores["office"], scores["phone"]
    wrong = office.wrong_certain + phone.wrong_certain
    boxes = office.boxes + phone.boxes

    def extra(score):
        return {
            "pages": score.pages,
            "boxes": score.boxes,
            "wrong_boxes": score.wrong_boxes,
            "questions": score.questions,
            "uncertain_questions": score.uncertain,
            "wrong_certain": score.wrong_certain,
        }

    return [
        figure("omr_box_accuracy.office", 100 * office.box_accuracy, extra(office)),
        figure("omr_box_accuracy.phone", 100 * phone.box_accuracy, extra(phone)),
        figure("omr_review_rate.office", 100 * office.review_rate, {"pages_to_review": office.review}),
        figure("omr_review_rate.phone", 100 * phone.review_rate, {"pages_to_review": phone.review}),
        figure("omr_wrong_per_box", 100 * wrong / max(1, boxes), {"wrong_certain": wrong, "boxes": boxes}),
        figure(
            "omr_pages_per_s.office_200dpi",
            scores["office_200dpi"].pages_per_s,
            {"pages": scores["office_200dpi"].pages},
        ),
        figure("omr_pages_per_s.phone", phone.pages_per_s, {"pages": phone.pages}),
    ]
