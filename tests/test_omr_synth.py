"""The paper reader against generated scans (``tests/scan_synth.py``): every kind of mark, every
degradation on its own, office scans and phone photos of every built-in form, and ``huifang
scan`` on a PDF of degraded pages. A question is read right or flagged uncertain — never wrong."""

import time

import numpy as np
import pytest
from PIL import Image

from desktop.models import Answer, Question, Visit
from desktop.services.paper_scan import reader
from desktop.services.visits import qrcodes, templates
from desktop.services.visits.forms import build_blank_form, build_task_form, printed_index
from desktop.views.printing import visit_form_print as printing
from tests import scan_synth as synth
from tests.test_paper_scan import make_task, run_scan

FAMILIES = ("after_sales", "bank", "car_service", "travel_front_desk", "maintenance_centre", "verification")


def form(family: str):
    doc = build_blank_form(templates.active_template(family))
    doc.code = qrcodes.task_code(900)  # reading needs a code; the layout is the blank form's
    return doc, printing.form_layout(doc)


def read(sheet, layout):
    return reader.read_page(sheet.gray, lambda code: layout)


def assert_right_or_uncertain(sheet, got, allow_uncertain=True):
    assert got.error == "", got.error
    reads = {q.number: q for q in got.questions}
    assert set(reads) == set(sheet.marks)
    for number, (option, kind) in sheet.marks.items():
        q = reads[number]
        if allow_uncertain and q.option is None:
            continue
        assert q.option == option, (number, kind, option, q.states, q.fills, q.rings)


def test_every_built_in_template_is_generated_and_read(database, qapp):
    assert {t.family for t in templates.active_templates()} == set(FAMILIES)


@pytest.mark.parametrize("kind", synth.MARK_KINDS)
@pytest.mark.parametrize("family", ["bank", "car_service"])
def test_each_kind_of_mark_is_read(database, qapp, kind, family):
    """✓, ✗, a filled box, a circle round the box or its label, and a scribbled-out box with the
    correction beside it — on matrix rows with labels, choice rows, 是/否 and the 1–10/0–10 rows —
    are read as the person meant, with no question left doubtful on a clean scan."""
    doc, layout = form(family)
    rng = np.random.default_rng(synth.MARK_KINDS.index(kind) + len(family))
    (sheet,) = synth.synth_pages(doc, layout, rng, mode="clean", dpi=200, kinds=(kind,))
    got = read(sheet, layout)
    assert_right_or_uncertain(sheet, got, allow_uncertain=False)
    assert all(q.confidence >= 0.5 for q in got.questions)


def test_a_blank_question_and_two_marks_are_uncertain(database, qapp):
    doc, layout = form("car_service")
    rng = np.random.default_rng(4)
    (sheet,) = synth.synth_pages(doc, layout, rng, mode="office", dpi=200, blank=0.4)
    blank = [n for n, (option, _) in sheet.marks.items() if option is None]
    assert blank
    got = read(sheet, layout)
    assert_right_or_uncertain(sheet, got)
    assert set(blank) <= set(got.uncertain)
    # two ticks in one row, and a box only scribbled out (no correction): a person decides
    two = {1: (0, synth.TICK), 2: (1, synth.TICK)}
    images = synth.marked_pages(doc, layout, 200, two, rng)
    painter_marks = {2: (3, synth.CORRECTED)}
    images2 = synth.marked_pages(doc, layout, 200, painter_marks, rng, wrong={2: 0})
    page = synth.gray_of(images[0])
    second = synth.gray_of(images2[0])
    both = np.minimum(page, second)  # q1: one tick; q2: a tick in box 1 and a correction to 3
    (q1, q2, *_) = read(synth.Sheet(both, 1), layout).questions
    assert q1.option == 0 and q2.option is None and q2.states[1] == "marked" and q2.states[0] == "struck"


DEGRADATIONS = {
    "turned +5°": {"angle": 5.0},
    "turned −5°": {"angle": -5.0},
    "scaled 95 %": {"scale": 0.95},
    "scaled 105 %": {"scale": 1.05},
    "shifted": {"shift": (3.0, -3.0)},
    "noise σ 18": {"noise": 18.0},
    "blur σ 1.5 px": {"blur": 1.5},
    "JPEG q 35": {"jpeg": 35},
    "light 55 %": {"light": 0.55},
}
PLAIN = {
    "angle": 0.0,
    "scale": 1.0,
    "shift": (0.0, 0.0),
    "noise": 0.0,
    "blur": 0.0,
    "jpeg": False,
    "light": 1.0,
}


@pytest.mark.parametrize("dpi", [150, 300])
@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_each_degradation_alone(database, qapp, name, dpi):
    doc, layout = form("car_service")
    rng = np.random.default_rng(dpi + len(name))
    marks, wrong = synth.random_marks(doc, rng)
    page = synth.gray_of(synth.marked_pages(doc, layout, dpi, marks, rng, wrong)[0])
    scan = synth.office_scan(page, dpi, rng, **{**PLAIN, **DEGRADATIONS[name]})
    got = read(synth.Sheet(scan, 1, marks), layout)
    assert_right_or_uncertain(synth.Sheet(scan, 1, marks), got)
    assert len(got.uncertain) <= 1, got.uncertain


@pytest.mark.parametrize("family", ["after_sales", "car_service"])
def test_a_phone_photo_at_an_angle_with_a_shadow(database, qapp, family):
    doc, layout = form(family)
    rng = np.random.default_rng(31)
    (sheet,) = synth.synth_pages(doc, layout, rng, mode=synth.PHONE)
    got = read(sheet, layout)
    assert_right_or_uncertain(sheet, got)
    assert len(got.uncertain) <= 1


@pytest.mark.sqlite_only  # the reader's accuracy does not depend on the database (20 s a run)
def test_accuracy_on_a_generated_sample(database, qapp):
    """Every built-in form, office scans at 150/200/300 dpi and phone photos, marks of every
    kind: the issue's targets on a modest sample (``bench/bench.py --only omr`` runs hundreds)."""
    rng = np.random.default_rng(2026)
    office, phone, plain = synth.Score(), synth.Score(), synth.Score()
    for family in FAMILIES:
        doc, layout = form(family)
        for mode, dpi, kinds, score in (
            (synth.OFFICE, 150, synth.MARK_KINDS, office),
            (synth.OFFICE, 300, synth.MARK_KINDS, office),
            (synth.OFFICE, 200, synth.PLAIN_KINDS, plain),
            (synth.PHONE, 200, synth.MARK_KINDS, phone),
        ):
            for sheet in synth.synth_pages(doc, layout, rng, mode=mode, dpi=dpi, kinds=kinds):
                start = time.perf_counter()
                got = read(sheet, layout)
                score.seconds += time.perf_counter() - start
                score.add(sheet, got)
    for score in (office, plain):
        assert score.box_accuracy >= 0.995 and score.wrong_certain == 0, score
    assert phone.box_accuracy >= 0.98 and phone.wrong_certain == 0, phone
    assert plain.review == 0, plain  # (< 5 % of clean pages: none of these few)
    assert office.pages + plain.pages + phone.pages == 24


def test_scan_enters_a_degraded_pdf_of_every_kind_of_mark(database, db_target, qapp, tmp_path, capsys):
    """``huifang scan`` on a scanner's PDF: a form printed for a task, marked with every kind of
    mark, scanned turned, noisy and compressed — the right answers are saved."""
    task = make_task("car_service")
    doc = build_task_form(task.id)
    layout = printing.form_layout(doc)
    rng = np.random.default_rng(77)
    marks, wrong = synth.random_marks(doc, rng, cycle=True)
    assert {kind for _, kind in marks.values()} == set(synth.MARK_KINDS)
    pages = synth.marked_pages(doc, layout, 200, marks, rng, wrong)
    scans = [synth.office_scan(synth.gray_of(page), 200, rng, angle=-3.5, jpeg=80) for page in pages]
    images = [Image.fromarray(scan) for scan in scans]
    pdf = tmp_path / "scanner.pdf"
    images[0].save(pdf, resolution=200, save_all=True, append_images=images[1:])
    code, results = run_scan(db_target, [pdf], capsys)
    assert code == 0 and [r["status"] for r in results] == ["saved"] * len(pages), results
    visit = Visit.get_by_id(results[0]["visit"])
    stored = {a.question_id: a.value for a in Answer.select().where(Answer.visit == visit.id)}
    for row in doc.rows:
        if row.number in marks:
            question = Question.get_by_id(row.question_id)
            assert printed_index(question, stored[question.id]) == marks[row.number][0], row.number


def test_a_row_cuts_out_upright_from_a_phone_photo(database, qapp):
    """``PageRead.homography`` cuts any printed rectangle out of the page upright (the 待核对
    queue shows a doubtful question's row so): the boxes' outlines are where the layout says."""
    from desktop.services.paper_scan import align

    doc, layout = form("after_sales")
    (sheet,) = synth.synth_pages(doc, layout, np.random.default_rng(8), mode=synth.PHONE)
    got = read(sheet, layout)
    box = layout.pages[0].questions()[1][0]
    area = (box.x - 2, box.y - 2, box.x + box.side + 2, box.y + box.side + 2)
    cut = align.canonical(sheet.gray, got.homography, area).astype(float)
    unit = align.SCALE
    assert cut.shape == (round((box.side + 4) * unit), round((box.side + 4) * unit))
    edge, inside = round(2 * unit), slice(round(2.8 * unit), round((box.side + 1.2) * unit))
    top_edge = cut[edge - 2 : edge + 3, inside].min(0).mean()
    assert top_edge < cut[inside, inside].mean() - 60  # the printed outline, dark, where expected
