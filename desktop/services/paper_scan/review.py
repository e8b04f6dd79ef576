"""待核对: the scanned pages whose answers the reader could not decide, answered by a person with
one key per doubtful question — no Qt here (``desktop.views.scanning`` shows it).

A page with doubtful boxes was saved by ``scan.scan_files`` as a 草稿 visit holding the certain
answers, with the page image attached under ``scan.REVIEW_NOTE``. Its doubtful questions are the
form's box questions the draft has no answer for. ``load_item`` cuts each doubtful question's row
out of the attached scan — the row's rectangle comes from the printer's own layout
(``FormLayout`` ``rows``, recorded while the form is painted), mapped onto the scan through the
corner marks as the reader maps the boxes — and ``complete_review`` saves the person's answers
the way a certain page is saved: the visit completed (回访方式 问卷) and its scans turned into the
signed-paper record (纸质已签), in one transaction.

One key per question (``option_keys`` / ``option_for_key``): the boxes as the form numbers them,
1–5 for 非常满意…非常不满意, 1/2 (or Y/N) for 是/否, 1…n for a choice; the 1–10 row takes 1–9 and
0 for ten; the 0–10 row takes 0–9 and ``KEY_TEN`` (+, or = without Shift) for ten.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np

from desktop.models import Answer, Customer, Question, Visit, VisitAttachment, VisitTask, db, now
from desktop.models.questionnaire import NPS, SCORE10, TEXT, YESNO

from ..admin import accounts, versions
from ..common.errors import UserError
from ..visits import attachments, forms
from ..visits import visits as visit_svc
from ..visits.signatures import PAPER_SIGNED, UNSIGNED
from . import reader
from .layout import FormLayout
from .pages import IMAGE_EXTS, iter_pages
from .scan import REVIEW_NOTE, SCAN_NOTE, _form_of, review_queue

KEY_TEN = "+"  # the ten of a 0–10 row (its 0 is the key 0)
KEY_BLANK = "Del"  # 未作答: the customer left the question blank
CROP_PX_PER_MM = 6.0  # the cut-out rows' resolution (≈150 dpi: the printed text stays readable)
CROP_MARGIN = 1.5  # mm of the scan kept around a row
SCAN_EXTS = (".pdf", *IMAGE_EXTS)


# ---------------------------------------------------------------- one key per question
def option_keys(kind: str, count: int) -> list[str]:
    """The key of each printed box of a question, in printed order ("" for a box without one:
    a choice past its ninth option is answered in the full form)."""
    if kind == NPS:  # printed 0 … 10
        return [str(i) for i in range(10)] + [KEY_TEN]
    if kind == SCORE10:  # printed 1 … 10
        return [str(i) for i in range(1, 10)] + ["0"]
    return [str(i + 1) if i < 9 else "" for i in range(count)]


def option_for_key(kind: str, count: int, key: str) -> int | None:
    """The printed option index a pressed ``key`` ("1", "+", "Y" …) picks, or None."""
    key = key.strip().upper()
    if kind == NPS and key == "=":  # the + key without Shift
        key = KEY_TEN
    if kind == YESNO and key in ("Y", "N"):
        key = "1" if key == "Y" else "2"
    keys = option_keys(kind, count)
    return keys.index(key) if key and key in keys else None


def key_hint(kind: str, count: int) -> str:
    """How a question of ``kind`` with ``count`` boxes is answered, for the screen."""
    if kind == NPS:
        return f"按 0–9；10 分按 {KEY_TEN}（或 =）"
    if kind == SCORE10:
        return "按 1–9；10 分按 0"
    if kind == YESNO:
        return "是按 1 或 Y，否按 2 或 N"
    return f"按 1–{min(count, 9)}"


# ---------------------------------------------------------------- the queue
@dataclass
class QueueEntry:
    visit_id: int
    task_id: int | None
    customer: str
    scanned_at: datetime | None

    @property
    def label(self) -> str:
        task = f"任务 #{self.task_id}" if self.task_id else f"回访记录 #{self.visit_id}"
        when = f" · {self.scanned_at:%m-%d %H:%M}" if self.scanned_at else ""
        return f"{self.customer} · {task}{when}"


def queue_entries() -> list[QueueEntry]:
    """The 待核对 list (``scan.review_queue``) with who and when, oldest first."""
    ids = review_queue()
    if not ids:
        return []
    rows = {
        vid: (task, name)
        for vid, task, name in Visit.select(Visit.id, Visit.task, Customer.name)
        .join(Customer, on=Visit.customer == Customer.id)
        .where(Visit.id.in_(ids))
        .tuples()
    }
    scanned = {}
    for vid, added in (
        VisitAttachment.select(VisitAttachment.visit, VisitAttachment.added_at)
        .where(VisitAttachment.visit.in_(ids) & (VisitAttachment.note == REVIEW_NOTE))
        .tuples()
    ):
        scanned[vid] = max(added, scanned.get(vid, added))
    shown = accounts.text_for_screen
    return [
        QueueEntry(vid, rows[vid][0], shown(rows[vid][1] or ""), scanned.get(vid))
        for vid in ids
        if vid in rows
    ]


def task_labels(task_ids: Iterable[int]) -> dict[int, str]:
    """ "欧阳娜娜 · 任务 #3" for each task id (the scan results' 客户/任务 column)."""
    ids = sorted({int(t) for t in task_ids if t})
    if not ids:
        return {}
    query = (
        VisitTask.select(VisitTask.id, Customer.name)
        .join(Customer, on=VisitTask.customer == Customer.id)
        .where(VisitTask.id.in_(ids))
        .tuples()
    )
    return {tid: f"{accounts.text_for_screen(name or '')} · 任务 #{tid}" for tid, name in query}


# ---------------------------------------------------------------- cutting the rows out
def align(gray: np.ndarray) -> tuple[np.ndarray, reader.qrcodes.ScanCode, np.ndarray] | None:
    """(the page, its code, the homography from printed millimetres to its pixels) — found as
    the reader finds them (``reader.locate``) — or None when the page shows none of our codes."""
    located = reader.locate(gray)
    return None if located is None else (gray, *located)


def crop_row(
    gray: np.ndarray,
    matrix: np.ndarray,
    rect: tuple[float, float, float, float],
    *,
    px_per_mm: float = CROP_PX_PER_MM,
    margin: float = CROP_MARGIN,
) -> np.ndarray:
    """The printed rectangle ``rect`` (x, y, w, h in mm, plus ``margin``) of a scanned page whose
    ``matrix`` maps printed millimetres to its pixels (3×3, or 2×3 affine), resampled upright at
    ``px_per_mm`` (bilinear; beyond the scan is white): uint8, 0 black."""
    import cv2  # the reader's own warp (align.canonical), at the cut-out's resolution

    if matrix.shape == (2, 3):
        matrix = np.vstack([matrix, [0.0, 0.0, 1.0]])
    x, y, w, h = rect
    x, y, w, h = x - margin, y - margin, w + 2 * margin, h + 2 * margin
    size = (max(1, round(w * px_per_mm)), max(1, round(h * px_per_mm)))
    to_image = matrix @ np.array([[1 / px_per_mm, 0, x], [0, 1 / px_per_mm, y], [0, 0, 1.0]])
    page = np.ascontiguousarray(np.asarray(gray, dtype=np.uint8))
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpPerspective(page, to_image, size, flags=flags, borderValue=255)


def doubt_reason(states: list[str]) -> str:
    """Why a question's boxes were not certain, from what the reader read each box as
    (``reader.QuestionRead.states``: the reader's own judgement, circles and strikes included)."""
    chosen = sum(state in (reader.MARKED_BOX, reader.CIRCLED_BOX) for state in states)
    if chosen >= 2:
        return f"勾了 {chosen} 个框"
    if reader.STRUCK_BOX in states and not chosen:
        return "划掉了勾选，旁边没有改选"
    if reader.DOUBTFUL_BOX in states:
        return "笔迹太淡或有涂改"
    return "没有勾选" if chosen == 0 else ""


def box_centres(boxes, rect: tuple[float, float, float, float], margin: float = CROP_MARGIN) -> list[float]:
    """Where each of a row's printed boxes sits across its cut-out (``crop_row`` of ``rect``), as
    a share of the cut-out's width."""
    left, width = rect[0] - margin, rect[2] + 2 * margin
    return [(box.x + box.side / 2 - left) / width for box in boxes]


# ---------------------------------------------------------------- one page to confirm
@dataclass
class Doubt:
    number: int  # question number as printed
    question_id: int
    text: str
    kind: str
    options: list[str]  # box labels as printed
    keys: list[str]  # the key of each box (``option_keys``)
    page: int
    image: np.ndarray | None = None  # the row cut out of the scan (None: that page is not scanned)
    # each box's centre across ``image`` as a share of its width (the keys are shown under them)
    box_centres: list[float] = field(default_factory=list)
    reason: str = ""  # why the reader could not decide (``doubt_reason``)

    def option_for(self, key: str) -> int | None:
        return option_for_key(self.kind, len(self.options), key)

    @property
    def hint(self) -> str:
        return key_hint(self.kind, len(self.options))


@dataclass
class ReviewItem:
    visit_id: int
    task_id: int | None
    customer: str
    row_version: int | None  # the draft as loaded: a change meanwhile makes the save stale
    doubts: list[Doubt] = field(default_factory=list)
    missing_pages: list[int] = field(default_factory=list)  # pages of the form not scanned

    @property
    def title(self) -> str:
        task = f"任务 #{self.task_id}" if self.task_id else f"回访记录 #{self.visit_id}"
        return f"{self.customer} · {task}"


def _waiting_visit(visit_id: int) -> Visit:
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise UserError(f"找不到回访记录 #{visit_id}，可能已被删除。请刷新待核对列表。")
    if visit.status != visit_svc.DRAFT or visit_id not in review_queue():
        raise UserError(
            f"回访记录 #{visit_id} 已经核对完成（{visit.status}），不用再核对。请刷新待核对列表。"
        )
    return visit


def _scans(visit_id: int) -> list[tuple[np.ndarray, reader.qrcodes.ScanCode, np.ndarray]]:
    """The visit's scanned pages waiting for review, aligned (see ``align``)."""
    out = []
    query = VisitAttachment.select().where(
        (VisitAttachment.visit == visit_id) & (VisitAttachment.note == REVIEW_NOTE)
    )
    for row in query.order_by(VisitAttachment.id):
        path = attachments.file_to_open(row.id)
        for page in iter_pages(path):
            try:
                aligned = align(page.gray)
            except reader.MarksNotFound:  # read once by the scan, so rare: no cut-outs from it
                aligned = None
            if aligned is not None:
                out.append(aligned)
            break  # each scan attached is one page
    return out


def load_item(visit_id: int, layout_of: Callable[[forms.FormDoc], FormLayout]) -> ReviewItem:
    """One 待核对 page: its doubtful questions with their rows cut out of the scan.
    ``layout_of`` is the printer's ``form_layout`` (as for ``scan.scan_files``)."""
    visit = _waiting_visit(visit_id)
    scans = _scans(visit.id)
    form = _form_of(scans[0][1], layout_of) if scans else None
    if form is None:  # the scan is unreadable now (or its task went): the form as the draft is
        doc = forms.build_blank_form(
            visit.template_id, visit.customer_id, visit.order_id, task_id=visit.task_id
        )
        layout = layout_of(doc)
    else:
        doc, layout = form.doc, form.layout
    answered = {qid for (qid,) in Answer.select(Answer.question).where(Answer.visit == visit.id).tuples()}
    by_page = {code.page or 1: (gray, matrix) for gray, code, matrix in scans}
    states: dict[int, list[str]] = {}
    for number, (gray, matrix) in by_page.items():
        states.update({q.number: q.states for q in reader.read_boxes(gray, layout, number, matrix)})
    page_of = {b.number: p.page for p in layout.pages for b in p.boxes}
    item = ReviewItem(
        visit.id,
        visit.task_id,
        accounts.text_for_screen(visit.customer.name or ""),
        visit.row_version,
        missing_pages=[p.page for p in layout.pages if p.page not in by_page],
    )
    for row in doc.rows:
        if row.kind == TEXT or row.question_id is None or row.question_id in answered:
            continue
        page = page_of.get(row.number, 1)
        doubt = Doubt(
            row.number, row.question_id, row.text, row.kind, list(row.options),
            option_keys(row.kind, len(row.options)), page,
        )  # fmt: skip
        rect = layout.page(page).rows.get(row.number) if layout.page(page) else None
        if page in by_page and rect is not None:
            gray, matrix = by_page[page]
            doubt.image = crop_row(gray, matrix, rect)
            doubt.box_centres = box_centres(layout.page(page).questions().get(row.number, []), rect)
            doubt.reason = doubt_reason(states.get(row.number, []))
        elif page not in by_page:
            doubt.reason = f"缺少第{page}页的扫描件"
        item.doubts.append(doubt)
    return item


@accounts.requires(accounts.CALL, "核对扫描的纸质回访表")
def complete_review(
    visit_id: int, row_version: int | None, answers: dict[int, int | None], *, today: date | None = None
) -> int:
    """Save a 待核对 page once every doubtful question is answered: ``answers`` maps question id
    → printed option index (None: 未作答, left blank). The visit is completed with its certain
    answers and these, and its scans become the signed paper (纸质已签) — one transaction, as
    ``scan.scan_files`` saves a certain page. A draft changed meanwhile (``row_version``) is
    refused as stale (``StaleEdit``); a page already confirmed raises a ``UserError``."""
    visit = _waiting_visit(visit_id)
    data = visit_svc.load_visit(visit.id)
    data.row_version = row_version
    for qid, option in answers.items():
        if option is None:
            data.answers.pop(qid, None)
            continue
        question = Question.get_by_id(qid)
        if not 0 <= option < len(forms.printed_options(question)):
            raise UserError(f"“{question.text}”没有第 {option + 1} 个选项，请重新选择。")
        data.answers[qid] = (forms.printed_value(question, option), "")
    with db.atomic():
        saved = visit_svc.save_visit(data, True, today=today)
        scans = list(
            VisitAttachment.select()
            .where((VisitAttachment.visit == saved.id) & (VisitAttachment.note == REVIEW_NOTE))
            .order_by(VisitAttachment.id)
        )
        sign = Visit.get_by_id(saved.id).sign_status == UNSIGNED
        for n, scan_row in enumerate(scans):
            VisitAttachment.update(note=SCAN_NOTE, marked_signed=sign and n == 0).where(
                VisitAttachment.id == scan_row.id
            ).execute()
        if sign and scans:
            versions.touch(Visit, saved.id, {Visit.sign_status: PAPER_SIGNED, Visit.updated_at: now()})
    return saved.id


# ---------------------------------------------------------------- files not read before
def scan_files_in(folder: str | Path) -> list[Path]:
    """The scans (PDF, PNG, JPEG, TIFF, BMP) directly in ``folder``, by name."""
    root = Path(folder)
    if not root.is_dir():
        raise UserError(f"找不到文件夹 {root}，请重新选择。")
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in SCAN_EXTS)


def unread(paths: Iterable[str | Path], seen: set[str]) -> list[tuple[Path, str]]:
    """The files among ``paths`` not read before, with their SHA-256: neither in ``seen`` (hashes
    read in this session or remembered) nor archived already as a visit's scan (a scanned image
    is attached as the file itself). The same content twice in ``paths`` is read once."""
    out: list[tuple[Path, str]] = []
    fresh: set[str] = set()
    for path in paths:
        file = Path(path)
        try:
            sha = attachments.file_sha256(file)
        except OSError:
            continue  # gone, or still locked by the scanner: the next look finds it
        if sha in seen or sha in fresh:
            continue
        fresh.add(sha)
        out.append((file, sha))
    if out:
        archived = {
            sha
            for (sha,) in VisitAttachment.select(VisitAttachment.sha256)
            .where(VisitAttachment.sha256.in_([sha for _, sha in out]))
            .tuples()
        }
        out = [(file, sha) for file, sha in out if sha not in archived]
    return out
