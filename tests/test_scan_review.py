"""待核对 (services.paper_scan.review): the doubtful questions of a scanned page, cut out of the
scan with the printer's layout and answered with one key each, complete the visit as a certain
page would; a stale or already-confirmed page is refused, a file read before is not read again."""

import numpy as np
import pytest
from PIL import Image

from desktop.models import Answer, Question, QuestionnaireTemplate, Visit, VisitAttachment, VisitTask
from desktop.models.questionnaire import LEVEL5, NPS, SCORE10, YESNO
from desktop.services.common.errors import StaleEdit, UserError, ValidationErrors
from desktop.services.paper_scan import reader, review, scan
from desktop.services.paper_scan.reader import find_code
from desktop.services.visits import visits as visit_svc
from desktop.services.visits.forms import build_task_form, printed_index
from desktop.views.printing import visit_form_print as printing
from tests.paper_marks import gray_of, scanned_pages
from tests.test_paper_scan import choose, make_task, save_png


def doubtful_scan(tmp_path, seed=5, angle=-2.0):
    """A task and the PNG of its form with questions 2 (five levels) and 6 (0–10) left blank."""
    task = make_task()
    doc = build_task_form(task.id)
    rng = np.random.default_rng(seed)
    marks = choose(doc, rng, skip=2)
    marks.pop(6)
    (page,) = scanned_pages(doc, 200, marks, rng, angle=angle)
    return task, doc, marks, save_png(page, tmp_path / "form.png")


def test_keys_follow_the_printed_boxes():
    # 1–5 for 非常满意…非常不满意, as the form numbers its boxes
    assert review.option_keys(LEVEL5, 5) == ["1", "2", "3", "4", "5"]
    assert review.option_for_key(LEVEL5, 5, "1") == 0 and review.option_for_key(LEVEL5, 5, "6") is None
    # the 0–10 row: 0–9 and + (or = without Shift) for ten
    assert review.option_for_key(NPS, 11, "0") == 0 and review.option_for_key(NPS, 11, "9") == 9
    assert review.option_for_key(NPS, 11, "+") == 10 and review.option_for_key(NPS, 11, "=") == 10
    # the 1–10 row: 1–9 and 0 for ten
    assert review.option_for_key(SCORE10, 10, "1") == 0 and review.option_for_key(SCORE10, 10, "0") == 9
    # 是/否: 1/2 or Y/N
    assert [review.option_for_key(YESNO, 2, k) for k in ("1", "2", "y", "N", "3")] == [0, 1, 0, 1, None]
    assert "10 分按 +" in review.key_hint(NPS, 11) and "10 分按 0" in review.key_hint(SCORE10, 10)
    assert review.key_hint(LEVEL5, 5) == "按 1–5"


def test_answering_the_doubtful_questions_completes_the_visit(database, qapp, tmp_path):
    task, doc, marks, file = doubtful_scan(tmp_path)
    (result,) = scan.scan_files([file], printing.form_layout)
    assert result.status == scan.NEEDS_REVIEW and result.uncertain == [2, 6]
    (entry,) = review.queue_entries()
    assert entry.visit_id == result.visit and entry.task_id == task.id and "欧阳" in entry.label
    item = review.load_item(entry.visit_id, printing.form_layout)
    assert [d.number for d in item.doubts] == [2, 6] and item.missing_pages == []
    q2, q6 = item.doubts
    assert q2.keys == ["1", "2", "3", "4", "5"] and q6.kind == NPS and q6.keys[-1] == "+"
    assert q2.reason == q6.reason == "没有勾选"
    marked, circled, struck, doubtful, empty = (
        reader.MARKED_BOX, reader.CIRCLED_BOX, reader.STRUCK_BOX, reader.DOUBTFUL_BOX, reader.EMPTY_BOX
    )  # fmt: skip
    assert review.doubt_reason([marked, empty, circled]) == "勾了 2 个框"  # a circle is a choice too
    assert review.doubt_reason([empty, doubtful]) == "笔迹太淡或有涂改"
    assert review.doubt_reason([struck, empty]) == "划掉了勾选，旁边没有改选"
    assert review.doubt_reason([empty, empty]) == "没有勾选"
    for doubt in item.doubts:  # the whole printed row, upright, at 6 px/mm
        rect = printing.form_layout(doc).pages[0].rows[doubt.number]
        assert doubt.image.shape == (round((rect[3] + 3) * 6), round((rect[2] + 3) * 6))
        assert (doubt.image < 128).mean() > 0.02  # its grid lines and printed text
        # each box where the keys are shown under it: an outlined square in the cut-out
        assert len(doubt.box_centres) == len(doubt.options)
        boxes = printing.form_layout(doc).pages[0].questions()[doubt.number]
        for share, box in zip(doubt.box_centres, boxes, strict=True):
            x = round(share * doubt.image.shape[1])
            y = round((box.y + box.side / 2 - rect[1] + 1.5) * 6)
            line = doubt.image[y - 3 : y + 4].min(0) < 128  # the box's left and right edges
            left = x - next(i for i in range(1, 40) if line[x - i])
            right = x + next(i for i in range(1, 40) if line[x + i])
            assert abs((left + right) / 2 - x) <= 3 and 18 <= right - left <= 30, (
                doubt.number,
                left,
                x,
                right,
            )
    visit_id = review.complete_review(
        item.visit_id,
        item.row_version,
        {q2.question_id: q2.option_for("4"), q6.question_id: q6.option_for("+")},
    )
    visit = Visit.get_by_id(visit_id)
    assert (visit.status, visit.method, visit.sign_status) == ("已完成", "问卷", "纸质已签")
    assert VisitTask.get_by_id(task.id).status == "已完成"
    stored = {a.question_id: a.value for a in Answer.select().where(Answer.visit == visit_id)}
    assert stored[q2.question_id] == 2 and stored[q6.question_id] == 10  # 不满意, ten
    for row in doc.rows:  # the certain answers kept as read
        if row.number in marks:
            question = Question.get_by_id(row.question_id)
            assert printed_index(question, stored[question.id]) == marks[row.number][0]
    (attachment,) = VisitAttachment.select().where(VisitAttachment.visit == visit_id)
    assert attachment.note == scan.SCAN_NOTE and attachment.marked_signed
    assert review.queue_entries() == [] and scan.review_queue() == []
    # confirmed twice (another window): refused, nothing changed
    with pytest.raises(UserError, match="已经核对完成"):
        review.complete_review(item.visit_id, item.row_version, {q2.question_id: 0})
    # the same paper scanned again is a duplicate, and a watched folder does not read it again
    (again,) = scan.scan_files([file], printing.form_layout)
    assert again.status == scan.DUPLICATE and again.visit == visit_id
    assert review.unread([file], set()) == []


def test_a_draft_changed_meanwhile_is_stale_and_a_blank_answer_stays_blank(database, qapp, tmp_path):
    _task, _doc, _marks, file = doubtful_scan(tmp_path, seed=8, angle=1.0)
    (result,) = scan.scan_files([file], printing.form_layout)
    item = review.load_item(result.visit, printing.form_layout)
    data = visit_svc.load_visit(result.visit)  # someone edits the draft in the 回访表 meanwhile
    data.feedback = "电话里补充：师傅很准时"
    visit_svc.save_visit(data, False)
    q2, q6 = item.doubts
    with pytest.raises(StaleEdit):
        review.complete_review(item.visit_id, item.row_version, {q2.question_id: 0, q6.question_id: 9})
    assert Visit.get_by_id(result.visit).status == "草稿"
    fresh = review.load_item(result.visit, printing.form_layout)
    # 未作答 on a required question: the save names it and keeps the draft waiting
    with pytest.raises(ValidationErrors, match="第2题 响应及时性：必答题未作答"):
        review.complete_review(fresh.visit_id, fresh.row_version, {q2.question_id: None, q6.question_id: 9})
    assert scan.review_queue() == [result.visit]
    review.complete_review(fresh.visit_id, fresh.row_version, {q2.question_id: 0, q6.question_id: 9})
    stored = {a.question_id: a.value for a in Answer.select().where(Answer.visit == result.visit)}
    assert stored[q2.question_id] == 5 and stored[q6.question_id] == 9
    assert Visit.get_by_id(result.visit).feedback == "电话里补充：师傅很准时"


def test_the_cut_out_row_is_the_printed_row(database, qapp, tmp_path):
    """The row cut out of a turned, shifted scan matches the same row of the printed page."""
    task = make_task()
    doc = build_task_form(task.id)
    layout = printing.form_layout(doc)
    rng = np.random.default_rng(2)
    (scanned,) = scanned_pages(doc, 200, {}, rng, angle=3.0, noise=4.0)
    gray, code, matrix = review.align(np.ascontiguousarray(np.rot90(scanned, 2)))  # fed upside down
    assert code.id == task.id and code.page == 1
    clean = gray_of(printing.form_page_images(doc, dpi=200)[0])
    unit = 200 / 25.4
    identity = np.array([[unit, 0, 0], [0, unit, 0]])
    for number, rect in layout.pages[0].rows.items():
        got = review.crop_row(gray, matrix, rect).astype(float)
        want = review.crop_row(clean, identity, rect).astype(float)
        assert np.abs(got - want).mean() < 20, number  # a 3° turn's resampling and the noise


def test_files_read_before_are_not_read_again(database, qapp, tmp_path):
    first = tmp_path / "a.png"
    Image.fromarray(np.full((40, 30), 255, np.uint8)).save(first)
    copy = tmp_path / "copy-of-a.png"
    copy.write_bytes(first.read_bytes())
    other = tmp_path / "b.png"
    Image.fromarray(np.zeros((40, 30), np.uint8)).save(other)
    (tmp_path / "notes.txt").write_text("不是扫描件", encoding="utf-8")
    files = review.scan_files_in(tmp_path)
    assert [f.name for f in files] == ["a.png", "b.png", "copy-of-a.png"]
    fresh = review.unread(files, set())
    assert [f.name for f, _ in fresh] == ["a.png", "b.png"]  # the copy has a's content
    assert review.unread(files, {sha for _, sha in fresh}) == []
    with pytest.raises(UserError, match="找不到文件夹"):
        review.scan_files_in(tmp_path / "missing")
    assert find_code(np.full((50, 50), 255, np.uint8))[1] is None


def test_a_missing_page_is_answered_from_the_paper(database, qapp, tmp_path):
    """A two-page form scanned without its second page: the second page's questions wait with no
    cut-out (the person reads the paper), and answering them completes the visit."""
    template = QuestionnaireTemplate.create(family="long", name="长问卷", title="长问卷回访表")
    for n in range(26):
        Question.create(template=template, position=n, text=f"第{n + 1}项服务您满意吗？", kind="level5")
    task = make_task()
    VisitTask.update(template=template.id).where(VisitTask.id == task.id).execute()
    doc = build_task_form(task.id)
    rng = np.random.default_rng(13)
    first, _second = scanned_pages(doc, 150, choose(doc, rng), rng, angle=1.0)
    (result,) = scan.scan_files([save_png(first, tmp_path / "p1.png")], printing.form_layout)
    assert result.status == scan.NEEDS_REVIEW
    item = review.load_item(result.visit, printing.form_layout)
    page2 = sorted({b.number for b in printing.form_layout(doc).pages[1].boxes})
    assert item.missing_pages == [2] and [d.number for d in item.doubts] == page2
    assert all(d.image is None and d.page == 2 and d.reason == "缺少第2页的扫描件" for d in item.doubts)
    review.complete_review(item.visit_id, item.row_version, {d.question_id: 2 for d in item.doubts})
    visit = Visit.get_by_id(result.visit)
    assert visit.status == "已完成" and Answer.select().where(Answer.visit == visit.id).count() == 26
