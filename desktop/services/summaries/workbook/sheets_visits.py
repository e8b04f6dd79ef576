"""The 回访记录 sheet of the head-office workbook: one row per visit, one column per question, streamed from SQL."""

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import peewee as pw
from openpyxl.cell.cell import Cell

from desktop.models import (
    Answer,
    Customer,
    ProblemCategory,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitProblem,
    VisitTask,
    db,
)
from desktop.models.connection import group_concat
from desktop.models.questionnaire import NPS, SCORE10, TEXT

from ...common.validation import mask_name, mask_names_in_text, mask_phone, mask_phones_in_text
from ...reporting.periods import Period
from ...reporting.scope import VERIFY_TRIGGER, verification_condition
from .book_format import (
    INVALID,
    NO,
    VALID,
    VISIT_COLUMNS,
    VISIT_GROUP,
    VISIT_KIND_MANUAL,
    YES,
)
from .xlsx import Sheet

Progress = Callable[[int, int, str], None]
PROGRESS_EVERY = 500  # rows between two progress reports

# ---------------------------------------------------------------- the templates of the period
@dataclass(frozen=True)
class TemplateUsed:
    id: int
    name: str
    version: int
    family: str

    @property
    def label(self) -> str:
        return f"{self.name}（第{self.version}版）"


def in_period(period: Period) -> list:
    return [Visit.visit_date >= period.start, Visit.visit_date <= period.end]


def templates_used(period: Period) -> list[TemplateUsed]:
    used = Visit.select(Visit.template).where(*in_period(period)).distinct()
    query = (
        QuestionnaireTemplate.select(
            QuestionnaireTemplate.id,
            QuestionnaireTemplate.name,
            QuestionnaireTemplate.version,
            QuestionnaireTemplate.family,
        )
        .where(QuestionnaireTemplate.id.in_(used))
        .order_by(QuestionnaireTemplate.id)
        .tuples()
    )
    return [TemplateUsed(*row) for row in query]


# ---------------------------------------------------------------- 回访记录
@dataclass
class _QuestionColumn:
    id: int
    template_id: int
    number: int  # 1-based within its template
    text: str
    kind: str
    labels: list[str]
    question: Question
    shown: dict = field(default_factory=dict)  # stored value → cell value, filled as met

    @property
    def is_text(self) -> bool:
        return self.kind == TEXT

    @property
    def header(self) -> str:
        return f"{self.number}. {self.text}"


def question_columns(templates: Sequence[TemplateUsed], period: Period) -> list[_QuestionColumn]:
    """Every question of the templates used, template by template in form order; a retired
    question only when it was answered in the period."""
    if not templates:
        return []
    ids = [t.id for t in templates]
    questions = list(
        Question.select()
        .where(Question.template.in_(ids))
        .order_by(Question.template, Question.position, Question.id)
    )
    retired = [q.id for q in questions if q.retired]
    answered: set[int] = set()
    if retired:
        answered = {
            qid
            for (qid,) in Answer.select(Answer.question)
            .join(Visit, on=(Answer.visit == Visit.id))
            .where(Answer.question.in_(retired), *in_period(period))
            .distinct()
            .tuples()
        }
    columns, numbers = [], {}
    order = {tid: i for i, tid in enumerate(ids)}
    for q in sorted(questions, key=lambda q: (order[q.template_id], q.position, q.id)):
        if q.retired and q.id not in answered:
            continue
        numbers[q.template_id] = numbers.get(q.template_id, 0) + 1
        columns.append(
            _QuestionColumn(q.id, q.template_id, numbers[q.template_id], q.text, q.kind, q.labels(), q)
        )
    return columns


def _customer_name(name: str, title: str, mask: bool) -> str:
    name, title = name or "", title or ""
    if mask:
        return mask_name(name) + title if name else ""
    return f"{name}{title}" if title and len(name) <= 1 else name


def _private_text(value: str | None, name: str | None, respondent: str | None) -> str | None:
    """A customer's free text fit for a masked workbook: phone numbers as 138****5678, the
    visit's customer and respondent names as 张* (other names cannot be told from words)."""
    if not value:
        return value
    value = mask_phones_in_text(value)
    if (name and name in value) or (respondent and respondent in value):
        value = mask_names_in_text(value, (name, respondent))
    return value


def _answer_value(column: _QuestionColumn, value, text: str):
    """What the cell shows: the option label (五级, 是/否, 单选), the number (1–10, 0–10) or the text."""
    if column.kind == TEXT:
        return text or None
    if value is None:
        return None
    if column.kind in (SCORE10, NPS):
        return int(value)
    index = column.question.option_of_value(value)
    if index is not None and 0 <= index < len(column.labels):
        return column.labels[index]
    return value


def _visit_rows_query(period: Period):
    categories = (
        VisitProblem.select(group_concat(ProblemCategory.name, "、"))
        .join(ProblemCategory, on=(VisitProblem.category == ProblemCategory.id))
        .where(VisitProblem.visit == Visit.id)
    )
    return (
        Visit.select(
            Visit.id,
            Visit.visit_date,
            visit_kind_sql(),
            Customer.code,
            Customer.name,
            Customer.title,
            Customer.phone,
            ServiceOrder.order_no,
            ServiceOrder.service_type,
            ServiceOrder.product_model,
            ServiceOrder.engineer,
            ServiceOrder.team,
            Customer.region,
            Visit.template,
            Visit.method,
            Visit.visitor,
            Visit.respondent,
            Visit.status,
            Visit.invalid,
            Visit.invalid_reason,
            Visit.mood,
            categories,
            Visit.repurchase,
            Visit.sign_status,
            Visit.feedback,
        )
        .join(Customer, on=(Visit.customer == Customer.id))
        .switch(Visit)
        .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
        .where(*in_period(period))
        .order_by(Visit.visit_date, Visit.id)
        .tuples()
    )


def visit_kind_sql():
    """SQL on ``Visit``: what kind of visit a row is — its task's trigger (首次回访, 投诉回访,
    交付1个月 … 二次回访), 二次回访 for the verification form without a task, else 手工."""
    trigger = VisitTask.select(VisitTask.trigger).where(VisitTask.id == Visit.task)
    return pw.Case(
        None,
        [(verification_condition(), pw.fn.COALESCE(trigger, VERIFY_TRIGGER))],
        pw.fn.COALESCE(trigger, VISIT_KIND_MANUAL),
    )


def _answer_rows_query(period: Period):
    """The answers of the same visits in the same order as ``_visit_rows_query``."""
    return (
        Answer.select(Answer.visit, Answer.question, Answer.value, Answer.text)
        .join(Visit, on=(Answer.visit == Visit.id))
        .where(*in_period(period))
        .order_by(Visit.visit_date, Visit.id)
        .tuples()
    )


_MISSING = object()


class _TextMemo(dict):
    """``memo[value]`` → ``text(value)``, remembered for plain results (a dict hit costs far
    less than the check). Quote-prefixed cells are made afresh each time."""

    def __init__(self, text: Callable):
        super().__init__()
        self._text = text

    def __missing__(self, key):
        value = self._text(key)
        if value.__class__ is not Cell and len(self) < 5000:
            self[key] = value
        return value


def _stream(query, size: int = 2000):
    """The query's rows as the database returns them, fetched in batches in SQL order (like
    ``.tuples().iterator()`` without peewee's per-value conversion, a tenth of the export's time
    on 100k visits): dates stay ISO text, booleans 0/1."""
    cursor = db.execute(query)
    try:
        while rows := cursor.fetchmany(size):
            yield from rows
    finally:
        cursor.close()


def write_visits(
    sheet: Sheet,
    period: Period,
    templates: Sequence[TemplateUsed],
    mask: bool,
    report: Progress,
    rows: int,
) -> int:
    """回访记录; ``rows`` is the number of visits the period holds (counted in the same read
    transaction), for the progress and the sheet's declared size."""
    columns = question_columns(templates, period)
    fixed = len(VISIT_COLUMNS)
    col_of = {c.id: fixed + i for i, c in enumerate(columns)}
    number_of = {c.id: c.number for c in columns}
    labels = {t.id: t.label for t in templates}
    widths = [w for _, w in VISIT_COLUMNS] + [30 if c.kind == TEXT else 16 for c in columns]
    sheet.widths(widths)
    sheet.freeze("C3")
    sheet.height(2, 60)
    sheet.print_setup(fit_width=False, title_rows=2)
    sheet.declare_size(rows + 2, fixed + len(columns))

    # row 1: group headers (回访信息, then each template over its questions); row 2: names
    groups: list[tuple[str, int, int]] = [(VISIT_GROUP, 1, fixed)]
    start = fixed + 1
    for t in templates:
        n = sum(1 for c in columns if c.template_id == t.id)
        if n:
            groups.append((t.label, start, start + n - 1))
            start += n
    top = [None] * (fixed + len(columns))
    for label, first, _last in groups:
        top[first - 1] = label
    sheet.styled_row(top, "group_left")
    sheet.header([name for name, _ in VISIT_COLUMNS] + [c.header for c in columns])
    for _label, first, last in groups:
        sheet.merge(1, first, last)
    by_id = {c.id: c for c in columns}
    text, coded = sheet.text, sheet.coded
    template_labels = {tid: text(label) for tid, label in labels.items()}
    # few distinct values (types, teams, statuses …): each text checked once, not once per row
    memo = _TextMemo(text)
    # 无效原因 may quote the customer ("换号了,新号139…"): masked once per distinct reason
    reasons = _TextMemo(lambda v: text(mask_phones_in_text(v)) if mask and v else text(v))

    answers = _stream(_answer_rows_query(period))
    visits = _stream(_visit_rows_query(period))
    # closed on the way out, also when cancelled: no cursor is left to a finaliser
    with contextlib.closing(answers), contextlib.closing(visits):
        pending = next(answers, None)
        done = 0
        width = fixed + len(columns)
        for row in visits:
            (
                vid,
                day,
                kind,
                code,
                name,
                title,
                phone,
                order_no,
                service_type,
                product,
                engineer,
                team,
                region,
                template_id,
                method,
                visitor,
                respondent,
                status,
                invalid,
                invalid_reason,
                mood,
                categories,
                repurchase,
                sign_status,
                feedback,
            ) = row
            values = [None] * width
            comments = None
            while pending is not None and pending[0] == vid:
                _, qid, value, answer_text = pending
                column = by_id.get(qid)
                if column is not None:
                    if column.is_text:
                        shown = text(_private_text(answer_text, name, respondent) if mask else answer_text)
                    else:
                        shown = column.shown.get(value, _MISSING)
                        if shown is _MISSING:
                            shown = _answer_value(column, value, answer_text)
                            shown = text(shown) if shown.__class__ is str else shown
                            if shown.__class__ is not Cell:
                                column.shown[value] = shown
                    values[col_of[qid]] = shown
                    if answer_text and not column.is_text:
                        comments = comments or []
                        comments.append(f"[第{number_of[qid]}题] {answer_text}")
                pending = next(answers, None)
            if comments:
                feedback = "\n".join([feedback, *comments]) if feedback else "\n".join(comments)
            values[:fixed] = (
                vid,
                date.fromisoformat(day[:10]) if day.__class__ is str else day,
                memo[kind],
                coded(code),
                text(_customer_name(name, title, mask)),
                coded(mask_phone(phone) if mask else phone),
                coded(order_no),
                memo[service_type],
                memo[product],
                memo[engineer],
                memo[team],
                memo[region],
                template_labels.get(template_id),
                memo[method],
                memo[visitor],
                text(mask_name(respondent) if mask and respondent else respondent),
                memo[status],
                INVALID if invalid else VALID,
                reasons[invalid_reason],
                memo[mood],
                memo[categories],
                YES if repurchase else NO,
                memo[sign_status],
                text(_private_text(feedback, name, respondent) if mask else feedback),
            )
            sheet.append_ready(values)
            done += 1
            if done % PROGRESS_EVERY == 0:
                report(done, rows + 6, f"正在写入回访记录 {done}/{rows}…")
    sheet.auto_filter(2, width)
    return done
