"""The printed 回访表 (satisfaction visit form) as plain data — no Qt here.

``build_visit_form(visit_id)`` describes a filled form (the customer signs it, so the name is
shown in full; the phone number is masked, 138****5678, as on every print) with its code
``HUIFANG:VISIT:<id>`` and the customer's on-screen signature if there is one;
``build_blank_form(template, customer_id=None, order_id=None)`` describes an empty one for paper
visits, optionally with the header already filled in for one customer/order (coded
``HUIFANG:TEMPLATE:<id>`` when no task is behind it); ``build_task_form(task_id)`` is the blank
form of one visit task, header filled in and coded ``HUIFANG:TASK:<id>`` so the paper can be
scanned back to its task (``due_task_ids``: today's tasks, for printing them all as one job).
``desktop.views.printing.visit_form_print`` paints a :class:`FormDoc` onto paper, PDF or images and knows nothing
about the database. Every form has a ``job_name`` (回访表-王*-20251202) for the print queue.

Questions keep their template order (the paper's numbering is what the typist follows when the
answers are entered afterwards). Consecutive five-level questions form one rating matrix under a
header row with one column per level; the other kinds print their boxes inside the row.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from desktop.models import Answer, Customer, Question, QuestionnaireTemplate, ServiceOrder, Visit, VisitTask
from desktop.models.questionnaire import CHOICE, LEVEL5, LEVEL5_LABELS, NPS, SCORE10, TEXT, YESNO

from ..admin import settings
from ..common.errors import UserError
from ..common.validation import mask_name, mask_phone, mask_phones_in_text
from . import qrcodes, signatures
from .templates import active_template, active_templates, find_template, questions_of

MATRIX = "matrix"  # a run of five-level questions under one header row of level names
ROWS = "rows"  # other kinds: every row carries its own box labels

SIGNATURE_LABEL = "客户签字"
FEEDBACK_LABEL = "宝贵意见"
COMMENT_LABEL = "意见"


@dataclass
class FormRow:
    """One printed question."""

    number: int  # printed question number, 1-based
    text: str
    kind: str  # level5 / score10 / nps / yesno / choice / text
    dimension: str = ""
    options: list[str] = field(default_factory=list)  # box labels in printed order
    chosen: int | None = None  # index into ``options`` of the ticked box (None: nothing ticked)
    inline_labels: bool = False  # five-level row whose labels differ from its matrix header
    comment: str = ""  # the per-question comment that was given (filled form)
    comment_line: bool = False  # print an "意见" line under the row
    answer_text: str = ""  # the answer of a free-text question
    question_id: int | None = None

    @property
    def chosen_label(self) -> str | None:
        return None if self.chosen is None else self.options[self.chosen]


@dataclass
class FormSection:
    """Consecutive rows printed under one header: a rating matrix or plain rows."""

    layout: str  # MATRIX or ROWS
    columns: list[str] = field(default_factory=list)  # MATRIX: the header's level names
    rows: list[FormRow] = field(default_factory=list)


@dataclass
class FormDoc:
    title: str
    company: str
    greeting: str
    header: list[list[tuple[str, str]]]  # grid rows of (label, value) cells
    sections: list[FormSection]
    feedback: str = ""
    blank: bool = False
    logo: str = ""  # image file path, "" for none
    footer: list[tuple[str, str]] = field(default_factory=list)  # (label, value): 回访人员, 回访编号 …
    signature_label: str = SIGNATURE_LABEL
    feedback_label: str = FEEDBACK_LABEL
    template_label: str = ""
    code: str = ""  # HUIFANG:TASK/VISIT/TEMPLATE:<id>: printed as a QR code and as text
    template_id: int | None = None  # the template version printed: in each page's QR code
    job_name: str = ""  # the print job's name (print queue, PDF title): 回访表-王*-20251202
    signature_png: bytes = b""  # the customer's on-screen signature (filled form)
    signed_at: datetime | None = None
    signature_sha256: str = ""
    # 设置 → 扫码评价 on: the task's phone-page link, printed as a second QR code (扫码评价)
    survey_url: str = ""

    @property
    def rows(self) -> list[FormRow]:
        return [row for section in self.sections for row in section.rows]


# ------------------------------------------------------------------ building blocks
def printed_options(question: Question) -> list[str]:
    """Box labels as printed: five-level/yes-no/choice best first, scores in ascending order."""
    if question.kind == SCORE10:
        return [str(i) for i in range(1, 11)]
    if question.kind == NPS:
        return [str(i) for i in range(0, 11)]
    if question.kind == TEXT:
        return []
    return question.labels()


def printed_index(question: Question, value: int | None) -> int | None:
    """Index into ``printed_options`` of a stored answer value (None if none or out of range)."""
    if value is None or question.kind == TEXT:
        return None
    if question.kind == SCORE10:
        index = value - 1
    elif question.kind == NPS:
        index = value
    else:
        index = question.option_of_value(value)
    count = len(printed_options(question))
    return index if index is not None and 0 <= index < count else None


def printed_value(question: Question, index: int) -> int:
    """The stored answer value of the printed option at ``index`` (the inverse of
    ``printed_index``): scores as printed, the others by ``value_of_option``."""
    if question.kind == SCORE10:
        return index + 1
    if question.kind == NPS:
        return index
    return question.value_of_option(index)


def _sections(questions: list[Question], answers: dict[int, Answer], blank: bool) -> list[FormSection]:
    sections: list[FormSection] = []
    for number, q in enumerate(questions, start=1):
        answer = answers.get(q.id)
        value = answer.value if answer is not None else None
        text = (answer.text if answer is not None else "") or ""
        row = FormRow(
            number=number,
            text=q.text,
            kind=q.kind,
            dimension=q.dimension or "",
            options=printed_options(q),
            chosen=printed_index(q, value),
            question_id=q.id,
        )
        text = mask_phones_in_text(text.strip())  # every print masks phone numbers
        if q.kind == TEXT:
            row.answer_text = text
        else:
            row.comment = text
            row.comment_line = bool(row.comment) or (blank and q.allow_comment)
        layout = MATRIX if q.kind == LEVEL5 and len(row.options) == len(LEVEL5_LABELS) else ROWS
        if not sections or sections[-1].layout != layout:
            sections.append(FormSection(layout=layout))
        sections[-1].rows.append(row)
    for section in sections:
        if section.layout == MATRIX:
            section.columns = _matrix_columns(section.rows)
            for row in section.rows:
                row.inline_labels = row.options != section.columns
    return sections


def _matrix_columns(rows: list[FormRow]) -> list[str]:
    """The header's level names: the label set most rows use (ties: the standard names)."""
    counts = Counter(tuple(r.options) for r in rows)
    standard = tuple(LEVEL5_LABELS)
    best = max(counts.items(), key=lambda item: (item[1], item[0] == standard))[0]
    return list(best)


def _date_text(value) -> str:
    if not value:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def _header(
    customer: Customer | None, order: ServiceOrder | None, visit: Visit | None
) -> list[list[tuple[str, str]]]:
    respondent = ""
    if visit is not None:
        respondent = visit.respondent or (customer.display_name if visit.respondent_is_customer else "")
    return [
        [("客户名称", customer.display_name if customer else ""), ("被回访人", respondent)],
        [
            ("联系电话", mask_phone(customer.phone) if customer else ""),
            ("通讯地址", customer.address if customer else ""),
        ],
        [
            ("服务类型", order.service_type if order else ""),
            ("产品型号", order.product_model if order else ""),
        ],
        [
            ("服务工程师", order.engineer if order else ""),
            ("回访日期", _date_text(visit.visit_date) if visit else ""),
            ("回访方式", visit.method if visit else ""),
        ],
    ]


def _company() -> tuple[str, str]:
    return str(settings.get("company_name") or ""), str(settings.get("company_logo") or "")


def template_names() -> list[str]:
    """The names (and codes) of the templates a blank form can use, for messages and menus."""
    return [f"{t.name}（{t.family}）" for t in active_templates()]


def resolve_template(template) -> QuestionnaireTemplate:
    """A template from an instance, an id, a name or family code, or None (the default one)."""
    if isinstance(template, QuestionnaireTemplate):
        return template
    found = None
    if template is None or (isinstance(template, str) and not template.strip()):
        family = settings.get("default_template_family")
        found = active_template(family)
        wanted = f"默认问卷“{family}”"
    elif isinstance(template, int):
        found = QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == template)
        wanted = f"编号 {template} 的问卷模板"
    else:
        found = find_template(str(template).strip())
        wanted = f"问卷模板“{template}”"
    if found is None:
        names = "、".join(template_names()) or "（没有可用的模板）"
        raise UserError(f"找不到{wanted}。可用的模板：{names}。")
    return found


# ------------------------------------------------------------------ print job names
FILLED_JOB = "回访表"
BLANK_JOB = "空白回访表"


def job_name(kind: str, customer_name: str = "", day: date | None = None) -> str:
    """A print job's name as the print queue shows it: ``回访表-王*-20251202`` (the customer's
    name masked as on every print, and the visit or print date)."""
    parts = [kind]
    if customer_name:
        parts.append(mask_name(customer_name))
    if isinstance(day, str):  # a date read back as text
        day = date.fromisoformat(day[:10])
    parts.append(f"{day or date.today():%Y%m%d}")
    return "-".join(parts)


def forms_job_name(docs: list["FormDoc"], day: date | None = None) -> str:
    """The name of one job printing several forms: a single form keeps its own name."""
    if len(docs) == 1 and docs[0].job_name:
        return docs[0].job_name
    kind = BLANK_JOB if all(doc.blank for doc in docs) else FILLED_JOB
    return f"{kind}-{len(docs)}份-{day or date.today():%Y%m%d}"


# ------------------------------------------------------------------ the two forms
def build_visit_form(visit_id: int) -> FormDoc:
    """The filled form of one visit, with its answers ticked, for the customer's signature."""
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise UserError(f"找不到编号为 {visit_id} 的回访记录，请检查回访记录编号。")
    template = visit.template
    answers = {a.question_id: a for a in Answer.select().where(Answer.visit == visit)}
    questions = [q for q in questions_of(template, include_retired=True) if not q.retired or q.id in answers]
    company, logo = _company()
    signature = signatures.signature_image(visit.id)
    png, signed_at, sha = signature if signature is not None else (b"", None, "")
    return FormDoc(
        title=template.title,
        company=company,
        logo=logo,
        greeting=template.greeting,
        header=_header(visit.customer, visit.order, visit),
        sections=_sections(questions, answers, blank=False),
        feedback=mask_phones_in_text((visit.feedback or "").strip()),
        blank=False,
        footer=[("回访人员", visit.visitor or ""), ("回访编号", str(visit.id))],
        template_label=template.label,
        code=qrcodes.visit_code(visit.id),
        template_id=template.id,
        job_name=job_name(FILLED_JOB, visit.customer.name, visit.visit_date),
        signature_png=png,
        signed_at=signed_at,
        signature_sha256=sha,
    )


def build_blank_form(
    template=None, customer_id: int | None = None, order_id: int | None = None, *, task_id: int | None = None
) -> FormDoc:
    """An empty form of ``template`` (instance, id, name/code, or None for the default).

    With ``customer_id``/``order_id`` the header is filled in for that customer and order (a
    paper visit prepared for one task); otherwise every cell is left empty to write in. With
    ``task_id`` the form carries that task's code (see ``build_task_form``); without one it
    carries the template's code ``HUIFANG:TEMPLATE:<id>`` (every printed form has a QR code).
    """
    tpl = resolve_template(template)
    order = ServiceOrder.get_or_none(ServiceOrder.id == order_id) if order_id is not None else None
    if order_id is not None and order is None:
        raise UserError(f"找不到编号为 {order_id} 的服务工单。")
    customer = None
    if customer_id is not None:
        customer = Customer.get_or_none(Customer.id == customer_id)
        if customer is None:
            raise UserError(f"找不到编号为 {customer_id} 的客户。")
    elif order is not None:
        customer = order.customer
    company, logo = _company()
    return FormDoc(
        title=tpl.title,
        company=company,
        logo=logo,
        greeting=tpl.greeting,
        header=_header(customer, order, None),
        sections=_sections(questions_of(tpl), {}, blank=True),
        feedback="",
        blank=True,
        footer=[("回访人员", ""), ("回访编号", "")],
        template_label=tpl.label,
        code=qrcodes.task_code(task_id) if task_id is not None else qrcodes.template_code(tpl.id),
        template_id=tpl.id,
        job_name=job_name(BLANK_JOB, customer.name if customer else ""),
    )


def build_task_form(task_id: int) -> FormDoc:
    """The blank form of one visit task: its questionnaire (the default one if the task names
    none), the header filled in for its customer and order, and the code ``HUIFANG:TASK:<id>``."""
    task = VisitTask.get_or_none(VisitTask.id == task_id)
    if task is None:
        raise UserError(f"找不到编号为 {task_id} 的回访任务，请检查任务编号。")
    template = task.template_id
    if (
        template is not None
        and QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == template) is None
    ):
        template = None
    doc = build_blank_form(template, task.customer_id, task.order_id, task_id=task.id)
    doc.survey_url = survey_url_of(task.id)
    return doc


def survey_url_of(task_id: int) -> str:
    """The task's 扫码评价 link while 设置 → 扫码评价 is on (made by the first print), else ""; a
    closed task, or an account that may not make links, prints the form without it."""
    from desktop.services.web import links

    if not settings.get("survey_enabled"):
        return ""
    try:
        return links.url_of(links.link_for_task(task_id))
    except UserError:
        return ""


def build_task_forms(task_ids) -> list[FormDoc]:
    """The blank forms of several tasks, in the order given (duplicates printed once)."""
    ids = list(dict.fromkeys(int(i) for i in task_ids))
    if not ids:
        raise UserError("没有要打印的回访任务：请先选择任务。")
    return [build_task_form(i) for i in ids]


def due_task_ids(today: date | None = None) -> list[int]:
    """The open tasks of 今日 (as the task queue shows them), most urgent first."""
    from ..scheduling.tasks import bucket_condition

    today = today or date.today()
    query = (
        VisitTask.select(VisitTask.id)
        .where(bucket_condition("今日", today))
        .order_by(VisitTask.latest.asc(nulls="LAST"), VisitTask.id)
    )
    return [tid for (tid,) in query.tuples()]


__all__ = [
    "CHOICE",
    "FEEDBACK_LABEL",
    "LEVEL5",
    "MATRIX",
    "NPS",
    "ROWS",
    "SCORE10",
    "SIGNATURE_LABEL",
    "TEXT",
    "YESNO",
    "FormDoc",
    "FormRow",
    "FormSection",
    "build_blank_form",
    "build_task_form",
    "build_task_forms",
    "build_visit_form",
    "due_task_ids",
    "forms_job_name",
    "job_name",
    "printed_index",
    "printed_options",
    "resolve_template",
    "template_names",
]
