"""The paper reader: printed 回访表 pages, marked by hand-like strokes and scanned (generated
here: 150/200/300 dpi, turned up to ±3°, noisy), read back and entered by ``huifang scan``."""

import json

import numpy as np
import pytest
from PIL import Image

from desktop.cli import main
from desktop.models import (
    Answer,
    Customer,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitAttachment,
    VisitTask,
)
from desktop.models.questionnaire import TEXT
from desktop.services.paper_scan import reader, scan
from desktop.services.paper_scan.layout import PAGE_W
from desktop.services.paper_scan.pages import load_pages
from desktop.services.visits import qrcodes, templates
from desktop.services.visits.forms import build_blank_form, build_task_form, printed_index
from desktop.views.printing import visit_form_print as printing
from tests.paper_marks import CROSS, FILL, TICK, scanned_pages

KINDS = (FILL, TICK, CROSS)


def make_task(family: str = "after_sales") -> VisitTask:
    customer = Customer.create(
        code=f"C{family}", name="欧阳娜娜", phone="13812345678", address="杭州市西湖区"
    )
    order = ServiceOrder.create(
        order_no=f"WX-{family}", customer=customer, product_model="KFR-35GW", service_type="维修"
    )
    template = templates.active_template(family)
    return VisitTask.create(customer=customer, order=order, trigger="首次回访", template=template.id)


def choose(doc, rng, skip: int | None = None) -> dict[int, tuple[int, str]]:
    """A random mark (box, kind) for every question with boxes, except question ``skip``."""
    marks = {}
    for row in doc.rows:
        if row.kind == TEXT or row.number == skip:
            continue
        marks[row.number] = (int(rng.integers(len(row.options))), KINDS[row.number % 3])
    return marks


def save_png(page: np.ndarray, path) -> str:
    Image.fromarray(page).save(path)
    return str(path)


def run_scan(db_target, files, capsys, *extra) -> tuple[int, list[dict]]:
    code = main(["--db", db_target, "scan", *map(str, files), "--json", *extra])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, [json.loads(line) for line in lines]


@pytest.mark.parametrize(
    ("family", "dpi", "angle"), [("after_sales", 150, 3.0), ("bank", 200, -3.0), ("car_service", 300, 1.5)]
)
def test_marks_read_back_and_a_blank_question_is_uncertain(database, qapp, family, dpi, angle):
    task = make_task(family)
    doc = build_task_form(task.id)
    rng = np.random.default_rng(dpi)
    blank = next(row.number for row in doc.rows if row.kind != TEXT)
    marks = choose(doc, rng, skip=blank)
    layout = printing.form_layout(doc)
    pages = scanned_pages(doc, dpi, marks, rng, angle=angle)
    reads = [reader.read_page(page, lambda code: layout) for page in pages]
    got = {}
    for number, read in enumerate(reads, start=1):
        assert read.error == "" and read.page == number
        assert (
            qrcodes.parse_code(read.code).text == doc.code and read.scan_code.template_id == doc.template_id
        )
        got.update({q.number: q for q in read.questions})
    assert set(got) == set(marks) | {blank}
    for number, (option, _) in marks.items():
        assert got[number].option == option, (number, got[number].fills)
        assert got[number].confidence >= 0.5
    assert got[blank].option is None and got[blank].confidence == 0.0


def test_pages_fed_upside_down_or_sideways_are_turned_upright(database, qapp):
    doc = build_task_form(make_task().id)
    rng = np.random.default_rng(17)
    marks = choose(doc, rng)
    (page,) = scanned_pages(doc, 200, marks, rng, angle=-1.0)
    layout = printing.form_layout(doc)
    for turned in (np.rot90(page, 2), np.rot90(page, 1), np.rot90(page, -1)):
        read = reader.read_page(np.ascontiguousarray(turned), lambda code: layout)
        assert read.error == "" and {q.number: q.option for q in read.questions} == {
            number: option for number, (option, _) in marks.items()
        }


def test_two_marks_in_one_question_are_uncertain(database, qapp):
    doc = build_task_form(make_task().id)
    rng = np.random.default_rng(7)
    (page,) = scanned_pages(doc, 200, {1: (0, TICK)}, rng)
    layout = printing.form_layout(doc)
    # a second tick in the same row
    box = layout.pages[0].questions()[1][3]
    unit = 200 / 25.4
    y, x = round((box.y + 6.0) * unit), round((box.x + 6.0) * unit)  # the 6 mm bed margin
    side = round(box.side * unit)
    page[y + side // 4 : y + 3 * side // 4, x + side // 4 : x + 3 * side // 4] = 0
    (q1, *_) = reader.read_page(page, lambda code: layout).questions
    assert (
        q1.number == 1 and q1.option is None and q1.fills[0] >= reader.MARKED and q1.fills[3] >= reader.MARKED
    )


def test_every_box_is_printed_where_the_layout_says(database, qapp, tmp_path):
    """For every built-in template: the layout has one box per printed option, and at each
    recorded position the printed PDF (rendered as a scanner would see it) shows an outlined,
    empty square — the reader looks exactly where the printer drew."""
    for family in ("after_sales", "bank", "car_service"):
        doc = build_blank_form(templates.active_template(family))
        layout = printing.form_layout(doc)
        pages = load_pages(printing.write_pdf(doc, tmp_path / f"{family}.pdf"))
        assert len(layout.pages) == len(pages)
        for row in doc.rows:
            boxes = [b for p in layout.pages for b in p.boxes if b.number == row.number]
            assert [b.option for b in boxes] == list(range(len(row.options))), (family, row.number)
        for page, scanned in zip(layout.pages, pages, strict=True):
            gray = scanned.gray
            unit = gray.shape[1] / PAGE_W
            for box in page.boxes:
                x0, y0 = round(box.x * unit), round(box.y * unit)
                side = round(box.side * unit)
                inside = gray[y0 + 3 : y0 + side - 3, x0 + 3 : x0 + side - 3]
                top, left = (
                    gray[y0 - 1 : y0 + 2, x0 + 3 : x0 + side - 3],
                    gray[y0 + 3 : y0 + side - 3, x0 - 1 : x0 + 2],
                )
                assert inside.min() > 200 and top.min(0).max() < 160 and left.min(1).max() < 160, (
                    family,
                    box,
                )


def test_scan_saves_a_certain_page_and_a_second_scan_is_duplicate(
    database, db_target, qapp, tmp_path, capsys
):
    task = make_task()
    doc = build_task_form(task.id)
    rng = np.random.default_rng(3)
    marks = choose(doc, rng)
    (page,) = scanned_pages(doc, 200, marks, rng, angle=2.0)
    file = save_png(page, tmp_path / "form.png")
    code, (result,) = run_scan(db_target, [file], capsys)
    assert code == 0
    assert result["status"] == "saved" and result["task"] == task.id and result["uncertain"] == []
    assert set(result) == {"file", "page", "code", "task", "visit", "answers", "uncertain", "status"}
    visit = Visit.get_by_id(result["visit"])
    assert (visit.status, visit.method, visit.task_id, visit.sign_status) == (
        "已完成",
        "问卷",
        task.id,
        "纸质已签",
    )
    assert VisitTask.get_by_id(task.id).status == "已完成"
    stored = {a.question_id: a.value for a in Answer.select().where(Answer.visit == visit.id)}
    for row in doc.rows:
        if row.number in marks:
            question = Question.get_by_id(row.question_id)
            assert printed_index(question, stored[question.id]) == marks[row.number][0]
            shown = result["answers"][str(row.number)]
            assert shown == (
                row.options[marks[row.number][0]] if row.kind in ("yesno", "choice") else stored[question.id]
            )
    (attachment,) = VisitAttachment.select().where(VisitAttachment.visit == visit.id)
    assert attachment.note == scan.SCAN_NOTE and len(attachment.sha256) == 64
    # the same paper again: reported, nothing written
    code, (again,) = run_scan(db_target, [file], capsys)
    assert code == 4 and again["status"] == "duplicate" and again["visit"] == visit.id
    assert Visit.select().count() == 1 and VisitAttachment.select().count() == 1


def test_a_blank_question_sends_the_pdf_page_to_review(database, db_target, qapp, tmp_path, capsys):
    task = make_task()
    doc = build_task_form(task.id)
    rng = np.random.default_rng(5)
    marks = choose(doc, rng, skip=2)
    (page,) = scanned_pages(doc, 300, marks, rng, angle=-2.5)
    pdf = tmp_path / "scanner.pdf"
    Image.fromarray(page).save(pdf, resolution=300)  # a scanner's PDF: one raster page
    code, (result,) = run_scan(db_target, [pdf], capsys)
    assert code == 4 and result["status"] == "needs_review" and result["uncertain"] == [2]
    assert "2" not in result["answers"] and len(result["answers"]) == len(marks)
    visit = Visit.get_by_id(result["visit"])
    assert visit.status == "草稿" and visit.sign_status == "未签"  # still editable by the reviewer
    assert scan.review_queue() == [visit.id]
    (attachment,) = VisitAttachment.select().where(VisitAttachment.visit == visit.id)
    assert attachment.note == scan.REVIEW_NOTE and attachment.original_name == "scanner-第1页.png"
    assert Answer.select().where(Answer.visit == visit.id).count() == len(marks)
    # scanned again while it waits for review: a duplicate
    assert run_scan(db_target, [pdf], capsys)[1][0]["status"] == "duplicate"


def test_unknown_forms_are_reported_never_guessed(database, db_target, qapp, tmp_path, capsys):
    task = make_task()
    doc = build_task_form(task.id)
    rng = np.random.default_rng(9)
    doc.code = qrcodes.task_code(task.id + 100)  # a task of another database
    (foreign,) = scanned_pages(doc, 200, choose(doc, rng), rng)
    white = np.full((2339, 1654), 255, np.uint8)  # no code at all
    files = [save_png(foreign, tmp_path / "foreign.png"), save_png(white, tmp_path / "white.png")]
    code, results = run_scan(db_target, files, capsys)
    assert code == 4 and [r["status"] for r in results] == ["unknown_form", "unknown_form"]
    assert results[0]["code"].startswith(f"HUIFANG:TASK:{task.id + 100}:P1") and results[1]["code"] == ""
    assert Visit.select().count() == 0


def test_dry_run_reads_and_writes_nothing(database, db_target, qapp, tmp_path, capsys):
    task = make_task()
    doc = build_task_form(task.id)
    rng = np.random.default_rng(11)
    marks = choose(doc, rng)
    (page,) = scanned_pages(doc, 150, marks, rng, angle=-1.0)
    file = save_png(page, tmp_path / "form.png")
    code, (result,) = run_scan(db_target, [file], capsys, "--dry-run")
    assert code == 0 and result["status"] == "dry_run" and result["visit"] is None
    assert len(result["answers"]) == len(marks) and result["uncertain"] == []
    assert Visit.select().count() == 0 and VisitAttachment.select().count() == 0
    assert VisitTask.get_by_id(task.id).status == "待回访"
    # without --json: one line per page in Chinese
    assert main(["--db", db_target, "scan", file, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "试读（未写入）" in out and f"任务 #{task.id}" in out


def test_a_two_page_form_is_one_visit_and_a_missing_page_is_doubtful(
    database, db_target, qapp, tmp_path, capsys
):
    """A long questionnaire prints on two pages; the second page carries its own small QR code
    (page 2). Both pages in one PDF make one visit; page 1 alone goes to review."""
    template = QuestionnaireTemplate.create(family="long", name="长问卷", title="长问卷回访表")
    for n in range(26):
        Question.create(template=template, position=n, text=f"第{n + 1}项服务您满意吗？", kind="level5")
    task = make_task()
    VisitTask.update(template=template.id).where(VisitTask.id == task.id).execute()
    doc = build_task_form(task.id)
    rng = np.random.default_rng(13)
    marks = choose(doc, rng)
    pages = scanned_pages(doc, 150, marks, rng, angle=1.0)  # the later page's small code at 150 dpi
    assert len(pages) == 2
    first, second = (Image.fromarray(page) for page in pages)
    first.save(tmp_path / "first.pdf", resolution=150)
    code, results = run_scan(db_target, [tmp_path / "first.pdf"], capsys, "--dry-run")
    (alone,) = results
    page2 = sorted({b.number for b in printing.form_layout(doc).pages[1].boxes})
    assert code == 0 and alone["status"] == "dry_run" and alone["uncertain"] == page2
    first.save(tmp_path / "both.pdf", resolution=150, save_all=True, append_images=[second])
    code, results = run_scan(db_target, [tmp_path / "both.pdf"], capsys)
    assert code == 0 and [r["status"] for r in results] == ["saved", "saved"]
    assert results[0]["visit"] == results[1]["visit"] and results[1]["code"].endswith(f":P2:T{template.id}")
    assert sorted(int(n) for r in results for n in r["answers"]) == sorted(marks)
    assert VisitAttachment.select().where(VisitAttachment.visit == results[0]["visit"]).count() == 2


def test_a_file_that_is_no_scan_is_refused_in_chinese(database, db_target, tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("不是扫描件", encoding="utf-8")
    assert main(["--db", db_target, "scan", str(notes)]) == 2
    assert "不支持“notes.txt”的文件类型" in capsys.readouterr().err
    assert main(["--db", db_target, "scan", str(tmp_path / "missing.png")]) == 2
    assert "找不到扫描件" in capsys.readouterr().err
