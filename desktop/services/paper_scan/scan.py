"""``huifang scan``: scanned 回访表 pages in, answers saved — or set aside, never guessed.

``scan_files(paths, layout_of)`` reads every page of every file, one at a time (``pages.iter_pages``), reads its
code and boxes (``reader.read_page``) against the layout the printer gives for the same form
(``layout_of(doc)``: ``desktop.views.printing.visit_form_print.form_layout``), and groups the
pages of one task (a form printed on two pages is one visit). Per task:

- every question certain and every page there → ``saved``: a completed visit (回访方式 问卷, the
  paper questionnaire; the visit's date is the scan date) through ``visits.save_visit``, and each
  page image attached as the signed-paper scan (``attachments.add_attachment``: hashed, the visit
  becomes 纸质已签) — all in one transaction;
- a doubtful question (none or two boxes marked, a faint mark) or a missing page →
  ``needs_review``: a 草稿 visit with the certain answers and the scan attached with the note
  ``REVIEW_NOTE`` (not marked signed, so the draft stays editable). These drafts are the 待核对
  list (``review_queue``): a person opens the task's draft, answers the doubtful questions from
  the attached scan and saves it as usual;
- a task already done, or already waiting in 待核对, or the same page twice → ``duplicate``;
- no code, a code that names no open task, a page that cannot be aligned → ``unknown_form``.

``dry_run`` reads and reports (status ``dry_run`` for a readable new form) and writes nothing.
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from desktop.models import Question, QuestionnaireTemplate, Visit, VisitAttachment, VisitTask, db
from desktop.models.questionnaire import CHOICE, YESNO
from desktop.models.visit import DONE, PAPER_METHOD

from ..admin import accounts
from ..common.errors import ValidationErrors
from ..visits import forms, qrcodes
from ..visits import visits as visit_svc
from ..visits.attachments import add_attachment
from .layout import FormLayout
from .pages import ScannedPage, iter_pages
from .reader import PageRead, read_page

SAVED = "saved"
NEEDS_REVIEW = "needs_review"
UNKNOWN_FORM = "unknown_form"
DUPLICATE = "duplicate"
DRY_RUN = "dry_run"
SCAN_NOTE = "纸质问卷扫描件"
REVIEW_NOTE = "待核对：纸质问卷扫描件"
SCANNED_BY = "扫描录入"
STATUS_TEXT = {
    SAVED: "已录入",
    NEEDS_REVIEW: "待核对",
    UNKNOWN_FORM: "无法识别",
    DUPLICATE: "重复",
    DRY_RUN: "试读（未写入）",
}


@dataclass
class PageResult:
    file: str
    page: int  # page of the file, 1-based
    code: str = ""
    task: int | None = None
    visit: int | None = None
    answers: dict[str, object] = field(default_factory=dict)  # printed number → answer
    uncertain: list[int] = field(default_factory=list)
    status: str = UNKNOWN_FORM
    message: str = ""  # Chinese, for the plain-text report

    def to_json(self) -> dict:
        keys = ("file", "page", "code", "task", "visit", "answers", "uncertain", "status")
        return {key: getattr(self, key) for key in keys}

    def describe(self) -> str:
        where = f"{Path(self.file).name} 第{self.page}页"
        task = f"任务 #{self.task}" if self.task else (self.code or "无二维码")
        text = f"{where}：{STATUS_TEXT[self.status]}（{task}"
        if self.visit:
            text += f"，回访记录 #{self.visit}"
        if self.uncertain:
            text += "，待核对题号 " + "、".join(str(n) for n in self.uncertain)
        text += "）"
        return text + (f"。{self.message}" if self.message else "")


@dataclass
class _Form:
    task: VisitTask
    doc: forms.FormDoc
    layout: FormLayout


def _form_of(code: qrcodes.ScanCode, layout_of: Callable[[forms.FormDoc], FormLayout]) -> _Form | None:
    """The task's form as it was printed (the template version the code names, if it still
    exists), or None for a code that names no open task."""
    if code.kind != qrcodes.TASK:
        return None
    task = VisitTask.get_or_none(VisitTask.id == code.id)
    if task is None or task.status == visit_svc.TASK_CANCELLED:
        return None
    template = code.template_id
    if (
        template is not None
        and QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == template) is None
    ):
        template = None
    if template is None:
        doc = forms.build_task_form(task.id)
    else:
        doc = forms.build_blank_form(template, task.customer_id, task.order_id, task_id=task.id)
    return _Form(task, doc, layout_of(doc))


def _recorded_visit(task_id: int) -> int | None:
    """The visit that already holds this task's paper: done, or waiting in 待核对."""
    done = Visit.get_or_none((Visit.task == task_id) & (Visit.status == DONE))
    if done is not None:
        return done.id
    waiting = (
        Visit.select(Visit.id)
        .join(VisitAttachment, on=VisitAttachment.visit == Visit.id)
        .where((Visit.task == task_id) & (VisitAttachment.note == REVIEW_NOTE))
        .first()
    )
    return waiting.id if waiting is not None else None


def review_queue() -> list[int]:
    """The 待核对 list: draft visits made from scanned pages with doubtful answers, oldest first."""
    query = (
        Visit.select(Visit.id)
        .join(VisitAttachment, on=VisitAttachment.visit == Visit.id)
        .where((Visit.status == visit_svc.DRAFT) & (VisitAttachment.note == REVIEW_NOTE))
        .order_by(Visit.id)
        .distinct()
    )
    return [vid for (vid,) in query.tuples()]


def _answers(form: _Form, read: PageRead) -> tuple[dict[str, object], dict[int, int]]:
    """(the JSON answers by printed number, stored values by question id) of a page's certain
    questions: 5…1 for five levels, the score, "是"/"否" and a choice's label as printed."""
    rows = {row.number: row for row in form.doc.rows}
    shown: dict[str, object] = {}
    values: dict[int, int] = {}
    for q in read.questions:
        row = rows.get(q.number)
        if row is None or q.option is None or row.question_id is None:
            continue
        question = Question.get_by_id(row.question_id)
        value = forms.printed_value(question, q.option)
        values[question.id] = value
        shown[str(q.number)] = row.options[q.option] if question.kind in (YESNO, CHOICE) else value
    return shown, values


def _visitor(task: VisitTask) -> str:
    """Who collected the paper (回访人员): the signed-in person, else the task's assignee, else
    ``SCANNED_BY`` (the name written on the paper is not read in this version)."""
    if accounts.actor_name():
        return accounts.actor_name()
    return task.assignee.name if task.assignee_id is not None else SCANNED_BY


def _save(
    form: _Form, values: dict[int, int], pages: list[ScannedPage], final: bool, today: date | None
) -> int:
    """The visit of a scanned form and its page images, in one transaction; its id."""
    task = form.task
    draft = visit_svc.draft_for_task(task.id)
    data = visit_svc.VisitInput(
        customer_id=task.customer_id,
        order_id=task.order_id,
        task_id=task.id,
        template_id=form.doc.template_id,
        visit_date=today or date.today(),
        method=PAPER_METHOD,
        visitor=_visitor(task),
        answers={qid: (value, "") for qid, value in values.items()},
        status=DONE if final else visit_svc.DRAFT,
        visit_id=draft,
    )
    with db.atomic():
        visit = visit_svc.save_visit(data, final, today=today)
        for page in pages:
            add_attachment(
                visit.id,
                page.kept,
                added_by=accounts.actor_name(),
                note=SCAN_NOTE if final else REVIEW_NOTE,
                mark_signed=final,
            )
    return visit.id


def _settle(
    form: _Form, group: list[tuple[ScannedPage, PageRead, PageResult]], dry_run: bool, today: date | None
) -> None:
    """Decide and write one task's pages (``group``: their page results filled in place)."""
    recorded = _recorded_visit(form.task.id)
    seen: set[int] = set()
    kept = []
    for page, read, result in group:
        result.task = form.task.id
        if recorded is not None or read.page in seen:
            result.status, result.visit = DUPLICATE, recorded
            result.message = "这张表已经录入过" if recorded else "同一页扫描了两次，只读第一次"
            continue
        seen.add(read.page)
        kept.append((page, read, result))
    if not kept:
        return
    values: dict[int, int] = {}
    missing = [p.page for p in form.layout.pages if p.page not in seen]
    missing_numbers = sorted({b.number for p in form.layout.pages if p.page in missing for b in p.boxes})
    for _, read, result in kept:
        result.answers, page_values = _answers(form, read)
        result.uncertain = read.uncertain + missing_numbers  # a missing page's questions too
        values.update(page_values)
    certain = not missing and not any(result.uncertain for *_, result in kept)
    note = (
        f"缺少第{'、'.join(str(p) for p in missing)}页（题号 {'、'.join(map(str, missing_numbers))}）"
        if missing
        else ""
    )
    if dry_run:
        for *_, result in kept:
            result.status, result.message = DRY_RUN, note
        return
    status = SAVED
    try:
        visit_id = _save(form, values, [page for page, *_ in kept], certain, today)
    except ValidationErrors as err:
        if not certain:
            raise
        status, note = NEEDS_REVIEW, str(err)  # e.g. a required written answer: a person adds it
        visit_id = _save(form, values, [page for page, *_ in kept], False, today)
    if not certain:
        status = NEEDS_REVIEW
    for *_, result in kept:
        result.status, result.visit, result.message = status, visit_id, note


@accounts.requires(accounts.CALL, "扫描录入纸质回访表")
def scan_files(
    paths,
    layout_of: Callable[[forms.FormDoc], FormLayout],
    *,
    dry_run: bool = False,
    today: date | None = None,
    report: Callable[[int, int, str], None] | None = None,
) -> list[PageResult]:
    """Read and enter every page of ``paths``; one result per page, in file and page order.
    ``report(done, total, text)`` is called before each page (files done of all files; the GUI's
    progress bar): it may raise to cancel — pages are all read before anything is written, so a
    cancelled scan writes nothing."""
    with tempfile.TemporaryDirectory(prefix="huifang-scan-") as folder:
        return _scan(paths, layout_of, Path(folder), dry_run, today, report)


def _scan(paths, layout_of, folder: Path, dry_run: bool, today: date | None, report=None) -> list[PageResult]:
    forms_by_code: dict[str, _Form | None] = {}
    groups: dict[int, list] = {}
    results = []
    paths = list(paths)
    for done, path in enumerate(paths):
        for page in iter_pages(path):
            if report is not None:
                report(done, len(paths), f"正在读取 {Path(path).name} 第{page.index}页…")
            result = PageResult(file=str(path), page=page.index)
            results.append(result)
            found: list[_Form | None] = [None]

            def layout_for(code: qrcodes.ScanCode, found=found) -> FormLayout | None:
                if code.text not in forms_by_code:
                    forms_by_code[code.text] = _form_of(code, layout_of)
                found[0] = forms_by_code[code.text]
                return found[0].layout if found[0] is not None else None

            read = read_page(page.gray, layout_for)
            result.code = read.code
            form = found[0]
            if read.error or form is None:
                _not_entered(result, read, form)
                continue
            if not dry_run:
                page.keep(folder)
            page.gray = None
            groups.setdefault(form.task.id, []).append((page, read, result))
    for group in groups.values():
        code = group[0][1].scan_code
        _settle(forms_by_code[code.text], group, dry_run, today)
    return results


def _not_entered(result: PageResult, read: PageRead, form: _Form | None) -> None:
    """A page that enters nothing: a filled form of a saved visit is a duplicate, anything else
    an unknown form (said why in ``message``)."""
    code = read.scan_code
    result.status = UNKNOWN_FORM
    if form is not None:
        result.task, result.message = form.task.id, read.error
        return
    if code is not None and code.kind == qrcodes.VISIT:
        visit = Visit.get_or_none(Visit.id == code.id)
        if visit is not None:
            result.status, result.visit, result.task = DUPLICATE, visit.id, visit.task_id
    result.message = _unknown_reason(code)


def _unknown_reason(code: qrcodes.ScanCode | None) -> str:
    if code is None:
        return "没有找到回访通的二维码"
    if code.kind == qrcodes.VISIT:
        return f"这是已填写的回访记录（{code.text}），回访已经录入过"
    if code.kind == qrcodes.TEMPLATE:
        return f"这是通用空白表（{code.text}），表上没有回访任务，请手工录入"
    return f"找不到可录入的回访任务（{code.text}），任务可能已取消或来自另一个数据库"
