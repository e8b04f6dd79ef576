"""Visits (回访记录): saving the 回访表, call attempts, the call script's context, the visit list.

``save_visit`` writes a visit, its answers and its problem tags in one transaction; a final save
(完成并保存) insists on every required question, a draft (保存草稿) keeps whatever was filled in.
``record_attempt`` logs one call attempt (方便 / 不方便 / 非本人 / 无法接通 / 拒访) and moves the
visit task along. Lists are paged SQL (``visit_rows`` + ``count_visits``).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import peewee as pw

from desktop.models import (
    METHODS,
    MOODS,
    OUTCOMES,
    SIGN_STATUSES,
    Answer,
    CallAttempt,
    Customer,
    ProblemCategory,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitProblem,
    VisitTask,
    db,
    now,
)
from desktop.models.connection import group_concat
from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, SCORE10, TEXT, YESNO
from desktop.models.visit import DONE

from . import accounts, calendar, improvement, quality, signatures, tasks, versions
from . import settings as app_settings
from . import templates as template_svc
from .customers import name_condition
from .dates import parse_date
from .errors import UserError, ValidationError, ValidationErrors
from .validation import check_not_future, clean_text

DRAFT = "草稿"
VISIT_STATUSES = (DRAFT, DONE)
# task statuses this module sets
TASK_BOOKED = "已预约"
TASK_DONE = DONE
TASK_REFUSED = "拒访"
TASK_UNREACHABLE = "无法联系"
TASK_OPEN = ("待回访", "已预约")
TASK_CANCELLED = "已取消"
TASK_CLOSED = ("已完成", TASK_CANCELLED)
UNREACHABLE_LIMIT = 3  # 无法接通 this many times → the task is 无法联系
GOOD_SLOTS = ((time(10, 0), time(11, 30)), (time(15, 0), time(17, 30)))
FEEDBACK_MAX = 2000
ANSWER_TEXT_MAX = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "宇文", "长孙",
    "司徒", "夏侯", "端木", "独孤", "南宫", "西门",
)  # fmt: skip


@dataclass
class VisitInput:
    """Everything the 回访表 holds; ``load_visit`` returns the same shape ``save_visit`` takes.

    ``answers`` maps question id → (stored value or None, text): the value follows
    ``Question.value_of_option`` (5…1 for five levels, the score for 1–10 / 0–10, 1/0 for 是/否,
    the option index for single choice); the text is a free-text answer or a per-question comment.
    """

    customer_id: int | None = None
    order_id: int | None = None
    task_id: int | None = None
    template_id: int | None = None
    visit_date: date | str | None = None
    method: str = "电话"
    visitor: str = ""
    respondent: str = ""
    respondent_is_customer: bool = True
    answers: dict[int, tuple[int | None, str]] = field(default_factory=dict)
    feedback: str = ""
    mood: str = "平静"
    repurchase: bool = False
    problem_ids: list[int] = field(default_factory=list)
    status: str = DRAFT
    sign_status: str = "未签"
    visit_id: int | None = None
    # call attempts made during this call (recorded before the visit existed) to link to it
    attempt_ids: list[int] = field(default_factory=list)
    # the edit version the form loaded (None: a new visit, or a caller that checks nothing); a
    # save from a stale copy raises StaleEdit (services.versions)
    row_version: int | None = None


class MissingAnswer(ValidationError):
    """A required question left unanswered; ``question_id`` lets the form highlight its row."""

    def __init__(self, number: int, question: Question):
        self.question_id = question.id
        self.number = number
        name = question.dimension or _short(question.text)
        super().__init__(f"第{number}题 {name}", "必答题未作答")


def _short(text: str, limit: int = 16) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_block(value, field_name: str, max_len: int) -> str:
    """Free text kept as typed (line breaks too, it may be a complaint word for word)."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > max_len:
        raise ValidationError(field_name, f"太长（{len(text)} 字），最多 {max_len} 字，请精简。")
    return text


# ---------------------------------------------------------------- questions shown on a form
def form_questions(template_id: int, visit_id: int | None = None) -> list[Question]:
    """The questions the form shows, in order: the template's current ones, plus retired ones
    that the saved visit ``visit_id`` answered. Question numbers (第N题) count in this list."""
    query = Question.select().where(Question.template == template_id)
    if visit_id is not None:
        answered = Answer.select(Answer.question).where(Answer.visit == visit_id)
        query = query.where(~Question.retired | Question.id.in_(answered))
    else:
        query = query.where(~Question.retired)
    return list(query.order_by(Question.position, Question.id))


def default_template_id() -> int | None:
    """The questionnaire a new 回访表 starts with: the default family's current version (设置),
    else the first active template; None when there is none."""
    tpl = template_svc.active_template(app_settings.get("default_template_family"))
    if tpl is None:
        templates = template_svc.active_templates()
        tpl = templates[0] if templates else None
    return tpl.id if tpl is not None else None


def value_range(question: Question) -> tuple[int, int] | None:
    """(lowest, highest) stored value the question accepts; None for free text."""
    if question.kind == LEVEL5:
        return 1, 5
    if question.kind == SCORE10:
        return 1, 10
    if question.kind == NPS:
        return 0, 10
    if question.kind == YESNO:
        return 0, 1
    if question.kind == CHOICE:
        return 0, max(len(question.labels()) - 1, 0)
    return None


def is_answered(question: Question, value: int | None, text: str) -> bool:
    if question.kind == TEXT:
        return bool((text or "").strip())
    return value is not None


# ---------------------------------------------------------------- validation
def _get_customer(customer_id) -> Customer:
    customer = Customer.get_or_none(Customer.id == customer_id) if customer_id else None
    if customer is None:
        raise ValidationError("客户", "请先选择要回访的客户（可按姓名、电话、客户编号或工单号查找）。")
    return customer


def _check_answers(
    questions: list[Question], answers: dict, final: bool
) -> tuple[list[tuple[int, int | None, str]], list[ValidationError]]:
    by_id = {q.id: (number, q) for number, q in enumerate(questions, start=1)}
    rows, errors = [], []
    for qid, pair in (answers or {}).items():
        try:
            qid = int(qid)
        except (TypeError, ValueError):
            errors.append(ValidationError("答案", f"题目编号“{qid}”无效。"))
            continue
        if qid not in by_id:
            errors.append(ValidationError("答案", "有答案不属于当前问卷的题目，请刷新问卷后重新填写。"))
            continue
        number, q = by_id[qid]
        value, text = (pair if isinstance(pair, tuple | list) else (pair, ""))[:2]
        name = f"第{number}题 {q.dimension or _short(q.text)}"
        try:
            text = _clean_block(text, name, ANSWER_TEXT_MAX)
        except ValidationError as err:
            errors.append(err)
            continue
        bounds = value_range(q)
        if value is not None:
            if bounds is None:
                errors.append(ValidationError(name, "这是文字题，只能填写文字。"))
                continue
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors.append(ValidationError(name, f"“{value}”不是有效的选项。"))
                continue
            low, high = bounds
            if not low <= value <= high:
                errors.append(ValidationError(name, f"答案 {value} 超出范围，应在 {low} 到 {high} 之间。"))
                continue
        if value is None and not text:
            continue  # nothing given: not stored
        rows.append((qid, value, text))
    if final:
        given = {qid: (value, text) for qid, value, text in rows}
        for number, q in enumerate(questions, start=1):
            if not q.required or q.retired:
                continue
            value, text = given.get(q.id, (None, ""))
            if not is_answered(q, value, text):
                errors.append(MissingAnswer(number, q))
    return rows, errors


def _collect(checks, errors: list) -> dict:
    out = {}
    for key, check in checks:
        try:
            out[key] = check()
        except ValidationError as err:
            errors.append(err)
    return out


def _visit_date(value, today: date | None, order: ServiceOrder | None = None):
    day = parse_date(value, "回访日期") if value not in (None, "") else None
    if day is None:
        raise ValidationError("回访日期", "请填写回访日期。")
    if isinstance(day, datetime):
        day = day.date()
    day = check_not_future(day, "回访日期", today=today)
    completed = order.completed_at if order is not None else None
    if completed is not None:
        done_day = completed.date() if isinstance(completed, datetime) else completed
        if day < done_day:
            raise ValidationError(
                "回访日期",
                f"{day:%Y-%m-%d} 早于工单 {order.order_no} 的完成时间 {done_day:%Y-%m-%d}："
                "回访在服务完成之后。请填写完成当天或之后的日期（纸质表上的日期）。",
            )
    return day


def cancelled_message(task_id: int) -> str:
    return (
        f"回访任务 #{task_id} 已取消，不能再填写或完成回访。"
        "如仍需回访这位客户，请在“回访任务”中新建一个任务。"
    )


def task_for_filling(task_id: int) -> dict:
    """``task_info`` of a task whose 回访表 may be filled in; UserError for a cancelled task."""
    info = task_info(task_id)
    if info["status"] == TASK_CANCELLED:
        raise UserError(cancelled_message(info["id"]))
    return info


def _choice(value, field_name: str, choices) -> str:
    text = clean_text(value, field_name, max_len=20)
    if text not in choices:
        raise ValidationError(field_name, f"“{text}”不是可选的值，请选择 {'、'.join(choices)}。")
    return text


def validate_visit(data: VisitInput, final: bool, *, visit_id: int | None = None, today: date | None = None):
    """Check the whole form; returns (clean fields, answer rows, problem ids) or raises
    ValidationErrors listing every problem (missing answers named 第N题 …)."""
    errors: list[ValidationError] = []
    customer = None
    try:
        customer = _get_customer(data.customer_id)
    except ValidationError as err:
        errors.append(err)

    template = (
        QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == data.template_id)
        if data.template_id
        else None
    )
    if template is None:
        errors.append(ValidationError("问卷模板", "请选择回访使用的问卷模板。"))

    order = None
    if data.order_id:
        order = ServiceOrder.get_or_none(ServiceOrder.id == data.order_id)
        if order is None:
            errors.append(ValidationError("服务工单", "所选工单已不存在，请重新选择。"))
        elif customer is not None and order.customer_id != customer.id:
            errors.append(
                ValidationError("服务工单", f"工单 {order.order_no} 不属于客户“{customer.name}”，请重新选择。")
            )
    task = None
    if data.task_id:
        task = VisitTask.get_or_none(VisitTask.id == data.task_id)
        if task is None:
            errors.append(ValidationError("回访任务", "关联的回访任务已不存在，请从任务列表重新打开。"))
        elif customer is not None and task.customer_id != customer.id:
            errors.append(ValidationError("回访任务", "回访任务与所选客户不一致，请从任务列表重新打开。"))
        elif task.status == TASK_CANCELLED:
            errors.append(ValidationError("回访任务", cancelled_message(task.id)))

    def respondent():
        text = clean_text(data.respondent, "被回访人", max_len=30)
        if not data.respondent_is_customer and not text and final:
            raise ValidationError("被回访人", "非客户本人接听时，请填写被回访人的姓名或称呼（如 张太太）。")
        return text

    def visitor():
        text = clean_text(data.visitor, "回访人员", max_len=30)
        if final and not text:
            raise ValidationError("回访人员", "完成回访时必须填写回访人员：请在签字栏旁的“回访人员”中填写打电话或上门的人。")
        return text

    clean = _collect(
        [
            ("visit_date", lambda: _visit_date(data.visit_date, today, order)),
            ("method", lambda: _choice(data.method or "电话", "回访方式", METHODS)),
            ("visitor", visitor),
            ("respondent", respondent),
            ("feedback", lambda: _clean_block(data.feedback, "宝贵意见", FEEDBACK_MAX)),
            ("mood", lambda: _choice(data.mood or "平静", "客户情绪", MOODS)),
            ("sign_status", lambda: _choice(data.sign_status or "未签", "签字状态", SIGN_STATUSES)),
        ],
        errors,
    )
    clean["respondent_is_customer"] = bool(data.respondent_is_customer)
    clean["repurchase"] = bool(data.repurchase)

    problem_ids = list(dict.fromkeys(int(i) for i in (data.problem_ids or [])))
    if problem_ids:
        found = {
            c
            for (c,) in ProblemCategory.select(ProblemCategory.id)
            .where(ProblemCategory.id.in_(problem_ids))
            .tuples()
        }
        if len(found) != len(problem_ids):
            errors.append(ValidationError("问题分类", "有问题分类已被删除，请刷新后重新勾选。"))

    rows = []
    if template is not None:
        rows, answer_errors = _check_answers(form_questions(template.id, visit_id), data.answers, final)
        errors.extend(answer_errors)

    if errors:
        raise ValidationErrors(errors)
    clean.update(customer=customer.id, order=order.id if order else None, task=task.id if task else None)
    clean["template"] = template.id
    return clean, rows, problem_ids


# ---------------------------------------------------------------- save / load
@dataclass(frozen=True)
class SignatureInput:
    """A signature drawn on the form's signature pad, saved together with the visit."""

    png: bytes
    signed_at: datetime | None = None
    signer: str = ""  # 被回访人 as shown when signing
    device: str = ""  # 鼠标 / 手写笔 / 触摸屏


@accounts.requires(accounts.CALL, "填写回访表")
def save_visit(
    data: VisitInput,
    final: bool,
    visit_id: int | None = None,
    *,
    today: date | None = None,
    signature: SignatureInput | None = None,
    override: signatures.SupervisorOverride | None = None,
) -> Visit:
    """Save the 回访表: ``final`` (完成并保存) needs every required question and marks the visit
    (and its task) 已完成; otherwise it is saved as a 草稿 with whatever is filled in.

    Visit, answers (replaced on re-save), problem tags, the task's status, the call attempts
    of this call, a new ``signature`` and the audit rows are written in one transaction.

    A signed visit (签字状态 电子签名 / 纸质已签) is locked: changing its signed content (header,
    answers, 宝贵意见), unlocking it or replacing its signature raises
    ``signatures.LockedVisitError`` unless ``override`` names an active 主管 and a reason; the
    change is then recorded in the audit log (who, when, what: old → new). 客户情绪, 问题分类 and
    再购意向 are the caller's own notes and stay editable.
    """
    visit_id = visit_id if visit_id is not None else data.visit_id
    existing = None
    if visit_id is not None:
        existing = Visit.get_or_none(Visit.id == visit_id)
        if existing is None:
            raise UserError("找不到这条回访记录，可能已被删除。请从回访记录列表重新打开。")
        versions.check(Visit, existing.id, data.row_version, "条回访记录", lambda: load_visit(existing.id))
        if existing.status == DONE and not final:
            raise UserError("这条回访已完成，不能再改回草稿。修改后请点“完成并保存”。")
    clean, rows, problem_ids = validate_visit(data, final, visit_id=visit_id, today=today)
    _check_own(existing, clean)
    png = None
    try:
        if signature is not None:
            png = signatures.check_png(signature.png)
        clean["sign_status"] = signatures.resolve_sign_status(
            existing, clean["sign_status"], new_signature=png is not None
        )
    except ValidationError as err:
        raise ValidationErrors([err]) from None
    content = signatures.snapshot(clean, rows)
    audits = []
    if existing is not None:
        audits = signatures.plan_locked_edit(
            existing, content, clean["sign_status"], new_signature=png is not None, override=override
        ) or signatures.plan_answer_edit(existing, content, accounts.actor_name() or clean.get("visitor", ""))
    clean["status"] = DONE if final else DRAFT
    clean["updated_at"] = now()
    with db.atomic():
        if existing is None:
            visit = Visit.create(**clean, modified_by=versions.actor(), modified_at=now())
        else:
            versions.guarded_update(
                Visit, existing.id, clean, data.row_version, "条回访记录", lambda: load_visit(existing.id)
            )
            visit = Visit.get_by_id(existing.id)
            Answer.delete().where(Answer.visit == visit.id).execute()
            VisitProblem.delete().where(VisitProblem.visit == visit.id).execute()
        if rows:
            Answer.insert_many(
                [
                    {"visit": visit.id, "question": qid, "value": value, "text": text}
                    for qid, value, text in rows
                ]
            ).execute()
        if problem_ids:
            VisitProblem.insert_many([{"visit": visit.id, "category": cid} for cid in problem_ids]).execute()
        if final and clean["task"] is not None:
            VisitTask.update(status=TASK_DONE, next_attempt_at=None).where(
                VisitTask.id == clean["task"]
            ).execute()
        if data.attempt_ids:
            CallAttempt.update(visit=visit.id).where(
                CallAttempt.id.in_([int(i) for i in data.attempt_ids])
                & CallAttempt.visit.is_null()
                & (CallAttempt.customer == clean["customer"])
            ).execute()
        if png is not None:
            signatures.store_signature(
                visit.id,
                png,
                content_sha256=signatures.content_digest(content),
                signed_at=signature.signed_at,
                signer=signature.signer or clean.get("respondent", ""),
                device=signature.device,
            )
        for plan in audits:
            signatures.write_audit(visit.id, plan)
        if final:
            # in the same transaction: the invalid-visit rules, and any improvement action whose
            # verification visit (二次回访) this was gets closed or reopened
            quality.flag_invalid([visit.id])
            improvement.on_visit_saved(visit.id, today=today)
    data.row_version = visit.row_version  # the form saving again is not a stale copy
    return visit


def _check_own(existing: Visit | None, clean: dict) -> None:
    """A 回访员 saves only their own visits (or new ones on their own or unassigned tasks),
    always under their own name."""
    me = accounts.current()
    if me is None or me.can(accounts.SEE_ALL):
        return
    if existing is not None:
        accounts.require_own(visitor=existing.visitor, what="条回访记录")
    elif clean.get("task") is not None:
        task = VisitTask.get_by_id(clean["task"])
        accounts.require_own(assignee_id=task.assignee_id, what="个回访任务")
    clean["visitor"] = me.display_name


def load_visit(visit_id: int) -> VisitInput:
    """A saved visit as the form holds it (reopening shows it unchanged)."""
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise UserError(f"找不到编号为 {visit_id} 的回访记录，可能已被删除。")
    shown = accounts.text_for_screen  # a 只读 viewer (who cannot save) sees numbers masked
    answers = {
        qid: (value, shown(text or ""))
        for qid, value, text in Answer.select(Answer.question, Answer.value, Answer.text)
        .where(Answer.visit == visit.id)
        .tuples()
    }
    problems = [
        cid
        for (cid,) in VisitProblem.select(VisitProblem.category)
        .join(ProblemCategory)
        .where(VisitProblem.visit == visit.id)
        .order_by(ProblemCategory.position, ProblemCategory.id)
        .tuples()
    ]
    return VisitInput(
        customer_id=visit.customer_id,
        order_id=visit.order_id,
        task_id=visit.task_id,
        template_id=visit.template_id,
        visit_date=visit.visit_date,
        method=visit.method,
        visitor=visit.visitor,
        respondent=visit.respondent,
        respondent_is_customer=visit.respondent_is_customer,
        answers=answers,
        feedback=shown(visit.feedback or ""),
        mood=visit.mood,
        repurchase=visit.repurchase,
        problem_ids=problems,
        status=visit.status,
        sign_status=visit.sign_status,
        visit_id=visit.id,
        row_version=visit.row_version,
    )


@accounts.requires(accounts.CALL, "删除回访草稿")
def delete_draft(visit_id: int) -> None:
    """Delete a 草稿 visit (completed visits are kept: statistics and improvement actions use them)."""
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        return
    accounts.require_own(visitor=visit.visitor, what="份回访草稿")
    if visit.status != DRAFT:
        raise UserError("只能删除草稿。已完成的回访记录会保留，用于统计和改进跟踪。")
    if signatures.is_signed(visit.sign_status):
        raise UserError(f"这份草稿已有客户签字（{visit.sign_status}），不能删除。")
    with db.atomic():
        CallAttempt.update(visit=None).where(CallAttempt.visit == visit.id).execute()
        visit.delete_instance(recursive=False)


def find_open_task(customer_id: int, order_id: int | None = None) -> int | None:
    """The open visit task (待回访/已预约) of this order — or the customer's task without an
    order when no order is given — that a new visit should complete; the one due first."""
    query = VisitTask.select(VisitTask.id).where(
        (VisitTask.customer == customer_id) & VisitTask.status.in_(TASK_OPEN)
    )
    if order_id is not None:
        query = query.where(VisitTask.order == order_id)
    else:
        query = query.where(VisitTask.order.is_null())
    row = query.order_by(VisitTask.latest.asc(nulls="LAST"), VisitTask.id).first()
    return row.id if row else None


def draft_for_task(task_id: int) -> int | None:
    """A draft visit already started for the task (reopened instead of starting a second one)."""
    row = (
        Visit.select(Visit.id)
        .where((Visit.task == task_id) & (Visit.status == DRAFT))
        .order_by(Visit.id.desc())
        .first()
    )
    return row.id if row else None


def task_info(task_id: int) -> dict:
    task = VisitTask.get_or_none(VisitTask.id == task_id)
    if task is None:
        raise UserError("找不到该回访任务，可能已被删除。请刷新任务列表。")
    return {
        "id": task.id,
        "customer_id": task.customer_id,
        "order_id": task.order_id,
        "template_id": task.template_id,
        "status": task.status,
        "trigger": task.trigger,
        "next_attempt_at": task.next_attempt_at,
    }


# ---------------------------------------------------------------- call attempts
@dataclass(frozen=True)
class AttemptResult:
    attempt_id: int
    outcome: str
    task_status: str | None  # the task's status afterwards (None: no task)
    unanswered: int  # 无法接通 attempts so far (of the task, or of the customer without a task)
    message: str  # a Chinese line for the status bar / the script panel


def next_good_slot(after: datetime | None = None) -> datetime:
    """The start of the next good calling slot (10:00 or 15:00 on a working day) after ``after``."""
    after = (after or datetime.now()).replace(second=0, microsecond=0)
    day = after.date()
    for _ in range(60):
        if calendar.is_workday(day):
            for start, _end in GOOD_SLOTS:
                moment = datetime.combine(day, start)
                if moment > after:
                    return moment
        day += timedelta(days=1)
    return after + timedelta(days=1)


def in_good_hours(at: datetime) -> bool:
    return any(start <= at.time() <= end for start, end in GOOD_SLOTS)


def _unanswered(task_id: int | None, customer_id: int) -> int:
    query = CallAttempt.select().where(CallAttempt.outcome == "无法接通")
    if task_id is not None:
        query = query.where(CallAttempt.task == task_id)
    else:
        query = query.where((CallAttempt.customer == customer_id) & CallAttempt.task.is_null())
    return query.count()


def _as_moment(value, field_name: str) -> datetime | None:
    if value in (None, ""):
        return None
    moment = parse_date(value, field_name)
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(10, 0))
    return moment.replace(microsecond=0)


@accounts.requires(accounts.CALL, "记录拨打结果")
def record_attempt(
    customer_id: int,
    outcome: str,
    *,
    reason: str = "",
    next_at: datetime | str | None = None,
    answered_by: str = "",
    uses_product: bool | None = None,
    staff: str = "",
    task_id: int | None = None,
    visit_id: int | None = None,
    at: datetime | None = None,
) -> AttemptResult:
    """Log one call attempt and move the task along.

    不方便: ``next_at`` (in the future) and ``reason`` are required; the task becomes 已预约.
    非本人: ``answered_by`` is required; ``uses_product`` says whether that person uses the
    product (then the visit may go on with them); with ``next_at`` the call is booked again.
    无法接通: counted; the third one marks the task 无法联系. 拒访: the task becomes 拒访.
    """
    at = (at or now()).replace(microsecond=0)
    errors: list[ValidationError] = []
    if outcome not in OUTCOMES:
        raise ValidationErrors(
            [ValidationError("通话结果", f"“{outcome}”不是可选的结果，请选择 {'、'.join(OUTCOMES)}。")]
        )
    try:
        customer = _get_customer(customer_id)
    except ValidationError as err:
        raise ValidationErrors([err]) from None
    task = None
    if task_id is not None:
        task = VisitTask.get_or_none(VisitTask.id == task_id)
        if task is None or task.customer_id != customer.id:
            raise ValidationErrors(
                [ValidationError("回访任务", "回访任务不存在或不属于该客户，请刷新后重试。")]
            )
        accounts.require_own(assignee_id=task.assignee_id, what="个回访任务")
        if task.status == TASK_DONE:
            raise UserError(f"回访任务 #{task.id} 已完成，不能再记录通话结果。如需再联系客户，请新建回访。")
    else:
        tasks.require_own_customer(customer.id)
    if visit_id is not None:
        visit = Visit.get_or_none(Visit.id == visit_id)
        accounts.require_own(visitor=visit.visitor if visit else None, what="条回访记录")
    staff = accounts.actor_name() or staff  # signed in: the call is recorded under who made it
    reason_field = "拒访原因" if outcome == "拒访" else "原因"
    clean = _collect(
        [
            ("reason", lambda: clean_text(reason, reason_field, max_len=200)),
            ("answered_by", lambda: clean_text(answered_by, "接听人", max_len=30)),
            ("staff", lambda: clean_text(staff, "回访人员", max_len=30)),
            ("next_at", lambda: _as_moment(next_at, "下次联系时间")),
        ],
        errors,
    )
    if not errors:
        if outcome == "不方便":
            if clean["next_at"] is None:
                errors.append(ValidationError("下次联系时间", "客户不方便时，请约定下次回访的日期和时间。"))
            if not clean["reason"]:
                errors.append(ValidationError("原因", "请记录客户不方便的原因（如 正在开车、在开会）。"))
        if outcome == "非本人" and not clean["answered_by"]:
            errors.append(ValidationError("接听人", "请记录实际接听的人（如 张太太、同事小李）。"))
        if clean["next_at"] is not None and clean["next_at"] <= at:
            errors.append(
                ValidationError(
                    "下次联系时间", f"{clean['next_at']:%Y-%m-%d %H:%M} 已经过去，请选择以后的时间。"
                )
            )
    if errors:
        raise ValidationErrors(errors)

    detail = {"uses_product": uses_product} if outcome == "非本人" and uses_product is not None else None
    with db.atomic():
        attempt = CallAttempt.create(
            task=task.id if task else None,
            visit=visit_id,
            customer=customer.id,
            at=at,
            outcome=outcome,
            reason=clean["reason"],
            next_at=clean["next_at"],
            answered_by=clean["answered_by"],
            staff=clean["staff"],
            detail=detail,
        )
        unanswered = _unanswered(task.id if task else None, customer.id)
        status = task.status if task else None
        changes: dict = {}
        if task is not None and task.status not in TASK_CLOSED:
            if outcome == "拒访":
                changes["status"] = TASK_REFUSED
                changes["next_attempt_at"] = None
            elif outcome == "无法接通" and unanswered >= UNREACHABLE_LIMIT:
                changes["status"] = TASK_UNREACHABLE
                changes["next_attempt_at"] = None
            elif clean["next_at"] is not None:
                changes["status"] = TASK_BOOKED
                changes["next_attempt_at"] = clean["next_at"]
            if changes:
                VisitTask.update(**changes).where(VisitTask.id == task.id).execute()
                status = changes["status"]
    return AttemptResult(
        attempt.id,
        outcome,
        status,
        unanswered,
        _attempt_message(outcome, clean, unanswered, uses_product, status),
    )


def _attempt_message(outcome: str, clean: dict, unanswered: int, uses_product, status) -> str:
    booked = f"，已预约 {clean['next_at']:%m-%d %H:%M} 再次回访" if clean["next_at"] else ""
    if outcome == "不方便":
        return f"已记录：客户不方便（{clean['reason']}）{booked}。"
    if outcome == "非本人":
        who = clean["answered_by"]
        if uses_product:
            return f"已记录：由{who}接听，其为产品使用人，继续回访。"
        return f"已记录：由{who}接听{booked}。"
    if outcome == "无法接通":
        text = f"已记录：无法接通（第{unanswered}次）。"
        if status == TASK_UNREACHABLE:
            text += f"已连续{UNREACHABLE_LIMIT}次无法接通，任务已标记为“无法联系”。"
        return text
    if outcome == "拒访":
        return "已记录：客户拒绝回访" + (f"({clean['reason']})" if clean["reason"] else "") + "。"
    return "已记录：客户方便接听，开始回访。"


def attempts_of(customer_id: int, limit: int = 30) -> list[tuple]:
    """Rows (at, outcome, note, next_at, staff) of the customer's latest call attempts."""
    rows = []
    query = (
        CallAttempt.select(
            CallAttempt.at,
            CallAttempt.outcome,
            CallAttempt.reason,
            CallAttempt.answered_by,
            CallAttempt.next_at,
            CallAttempt.staff,
            CallAttempt.detail,
        )
        .where(CallAttempt.customer == customer_id)
        .order_by(CallAttempt.at.desc(), CallAttempt.id.desc())
        .limit(limit)
        .tuples()
    )
    for at, outcome, reason, answered_by, next_at, staff, detail in query:
        parts = []
        if answered_by:
            uses = (detail or {}).get("uses_product")
            parts.append(f"接听人：{answered_by}" + ({True: "（使用人）", False: "（非使用人）"}.get(uses, "")))
        if reason:
            parts.append(reason)
        rows.append((at, outcome, "；".join(parts), next_at, staff))
    return rows


# ---------------------------------------------------------------- the call script
def salutation(customer: Customer) -> str:
    """How the caller addresses the customer: 张先生 / 欧阳女士, or the full name."""
    name = (customer.name or "").strip()
    if customer.title and customer.ctype != "企业客户" and 2 <= len(name) <= 4:
        surname = name[:2] if name[:2] in _COMPOUND_SURNAMES else name[0]
        return surname + customer.title
    return customer.display_name


def _day_text(value, today: date) -> str:
    if not value:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    if day.year == today.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def call_context(
    customer_id: int, order_id: int | None = None, *, visitor: str | None = None, today: date | None = None
) -> dict:
    """What the call-script panel shows and the script's {placeholders} are filled with."""
    today = today or date.today()
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise UserError("找不到该客户，可能已被删除。")
    order = ServiceOrder.get_or_none(ServiceOrder.id == order_id) if order_id else None
    if visitor is None:
        visitor = accounts.default_visitor()
    service_type = order.service_type if order else ""
    product = order.product_model if order else ""
    when = (order.completed_at or order.delivered_on) if order else None
    service = f"{product}{service_type}服务" if service_type else "售后服务"
    return {
        "customer": salutation(customer),
        "customer_name": customer.display_name,
        "phone": accounts.phone_for_screen(customer.phone),
        "address": customer.address,
        "ctype": customer.ctype,
        "company": str(app_settings.get("company_name") or ""),
        "hotline": str(app_settings.get("hotline") or ""),
        "reply_days": str(app_settings.get("reply_workdays") or 3),
        "visitor": visitor,
        "service": service,
        "service_type": service_type,
        "service_date": _day_text(when, today) or "近期",
        "product": product,
        "engineer": order.engineer if order else "",
        "order_no": order.order_no if order else "",
        "is_complaint": bool(order.is_complaint) if order else False,
    }


def render_script(text: str, context: dict) -> str:
    """Fill the {customer} {company} {visitor} {service} {service_date} {reply_days} {hotline}
    placeholders of an opening/closing line; a line with broken braces is shown as written."""
    values = {
        key: str(context[key]) for key in template_svc.PLACEHOLDERS if context.get(key) not in (None, "")
    }
    if "visitor" not in values:
        values["visitor"] = ""
    try:
        return template_svc.render_script(text or "", values)
    except (ValueError, KeyError, IndexError):
        return text or ""


# ---------------------------------------------------------------- picking the customer / order
def _order_label(order_no, name, title, phone, service_type, product, completed) -> str:
    who = f"{name}{title}" if title and len(name) <= 1 else name
    day = f"{completed:%Y-%m-%d}" if completed else ""
    parts = [order_no, who, accounts.phone_for_screen(phone), f"{service_type} {product}".strip(), day]
    return " · ".join(p for p in parts if p)


def _customer_label(name, title, phone, code) -> str:
    who = f"{name}{title}" if title and len(name) <= 1 else name
    return f"{who} · {accounts.phone_for_screen(phone)} · {code}（不指定工单）"


def _order_picks(condition, limit: int, *, include_archived: bool = False) -> list[tuple]:
    query = (
        ServiceOrder.select(
            ServiceOrder.customer,
            ServiceOrder.id,
            ServiceOrder.order_no,
            Customer.name,
            Customer.title,
            Customer.phone,
            ServiceOrder.service_type,
            ServiceOrder.product_model,
            ServiceOrder.completed_at,
        )
        .join(Customer, on=(ServiceOrder.customer == Customer.id))
        .where(condition)
        .order_by(ServiceOrder.completed_at.desc(nulls="LAST"), ServiceOrder.id.desc())
        .limit(limit)
    )
    if not include_archived:
        query = query.where(~Customer.archived)
    return [(cid, oid, _order_label(*rest)) for cid, oid, *rest in query.tuples()]


def pick_rows(text: str, limit: int = 30) -> list[tuple]:
    """Candidates for the form's 客户/工单 picker: rows (customer_id, order_id or None, label).

    Orders whose 工单号 matches come first, then the orders of customers whose 姓名, 客户编号 or
    电话 match, then those customers as "不指定工单". Each step is one LIMITed query over one
    table, so typing stays fast with 100k customers and orders.
    """
    from .validation import to_halfwidth

    text = to_halfwidth(text or "").strip()
    if not text:
        return _order_picks(ServiceOrder.id.is_null(False), limit)
    order_ids = [
        oid
        for (oid,) in ServiceOrder.select(ServiceOrder.id)
        .where(ServiceOrder.order_no.contains(text))
        .order_by(ServiceOrder.id.desc())
        .limit(limit)
        .tuples()
    ]
    cond = name_condition(text) | Customer.code.contains(text)
    phone = accounts.phone_search(Customer.phone, text)
    if phone is not None:
        cond |= phone
    matches = list(
        Customer.select(Customer.id, Customer.name, Customer.title, Customer.phone, Customer.code)
        .where(cond & ~Customer.archived)
        .order_by(Customer.id.desc())
        .limit(limit)
        .tuples()
    )
    rows = _order_picks(ServiceOrder.id.in_(order_ids), limit) if order_ids else []
    seen = {oid for _cid, oid, _label in rows}
    if matches and len(rows) < limit:
        more = _order_picks(ServiceOrder.customer.in_([m[0] for m in matches]), limit - len(rows))
        rows.extend(r for r in more if r[1] not in seen)
    rows.extend((m[0], None, _customer_label(*m[1:])) for m in matches[:10])
    return rows


def customer_orders(customer_id: int, limit: int = 30) -> list[tuple]:
    """Picker rows for one customer: their latest orders, then the customer without an order."""
    rows = _order_picks(ServiceOrder.customer == customer_id, limit, include_archived=True)
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is not None:
        rows.append(
            (customer.id, None, _customer_label(customer.name, customer.title, customer.phone, customer.code))
        )
    return rows


def pick_label(customer_id: int, order_id: int | None) -> str:
    """The picker text of one customer / order (also for an archived customer's old visit)."""
    if order_id:
        rows = _order_picks(ServiceOrder.id == order_id, 1, include_archived=True)
        if rows:
            return rows[0][2]
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        return ""
    return _customer_label(customer.name, customer.title, customer.phone, customer.code)


def single_order_match(rows: list[tuple]) -> tuple[int, int] | None:
    """(customer id, order id) when the picker rows hold exactly one order and nothing of another
    customer (e.g. a 工单号 typed in full): the form takes it without a click; else None."""
    orders = [(cid, oid) for cid, oid, _label in rows if oid is not None]
    if len(orders) == 1 and {cid for cid, _oid, _label in rows} == {orders[0][0]}:
        return orders[0]
    return None


def header_info(customer_id: int, order_id: int | None = None) -> dict:
    """The header grid's read-only cells: 客户名称, 联系电话, 通讯地址, 服务类型, 产品型号, 服务工程师."""
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise UserError("找不到该客户，可能已被删除。")
    order = ServiceOrder.get_or_none(ServiceOrder.id == order_id) if order_id else None
    return {
        "customer": customer.display_name,
        "code": customer.code,
        "ctype": customer.ctype,
        "phone": accounts.phone_for_screen(customer.phone),
        "address": customer.address,
        "service_type": order.service_type if order else "",
        "product": order.product_model if order else "",
        "engineer": order.engineer if order else "",
        "order_no": order.order_no if order else "",
    }


# ---------------------------------------------------------------- the visit list
def _problem_names():
    return (
        ProblemCategory.select(group_concat(ProblemCategory.name, "、"))
        .join(VisitProblem, on=(VisitProblem.category == ProblemCategory.id))
        .where(VisitProblem.visit == Visit.id)
    )


SORT_KEYS = {
    "id": Visit.id,
    "visit_date": Visit.visit_date,
    "customer": Customer.name,
    "order_no": ServiceOrder.order_no,
    "service_type": ServiceOrder.service_type,
    "template": QuestionnaireTemplate.name,
    "method": Visit.method,
    "visitor": Visit.visitor,
    "status": Visit.status,
    "mood": Visit.mood,
    "repurchase": Visit.repurchase,
    "respondent": Visit.respondent,
    "updated_at": Visit.updated_at,
    "sign_status": Visit.sign_status,
}


_JOINED_SORTS = ("customer", "order_no", "service_type", "template")


def _list_query(select, text: str, status: str | None, *, joins: bool = True):
    """Visits filtered by ``text`` and ``status``; ``joins`` False skips the customer / order /
    template joins when nothing needs them (counting, sorting by a visit column)."""
    text = (text or "").strip()
    query = Visit.select(*select)
    if joins or text:
        query = (
            query.join(Customer, on=(Visit.customer == Customer.id))
            .switch(Visit)
            .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
            .switch(Visit)
            .join(QuestionnaireTemplate, on=(Visit.template == QuestionnaireTemplate.id))
        )
    if status:
        query = query.where(Visit.status == status)
    if accounts.own_staff_filter() is not False:  # a 回访员: the visits they made
        query = query.where(Visit.visitor.in_(sorted(accounts.my_names())))
    if text:
        cond = (
            name_condition(text)
            | Customer.code.contains(text)
            | ServiceOrder.order_no.contains(text)
            | Visit.visitor.contains(text)
            | Visit.respondent.contains(text)
            | accounts.words_search(Visit.feedback, text, Visit.id)
            | (Visit.mood == text)
            | (Visit.method == text)
        )
        phone = accounts.phone_search(Customer.phone, text)
        if phone is not None:
            cond |= phone
        query = query.where(cond)
    return query


def visit_rows(
    text: str = "",
    offset: int = 0,
    limit: int = 200,
    sort: str = "visit_date",
    descending: bool = True,
    *,
    status: str | None = None,
) -> list[tuple]:
    """Rows (id, 回访日期, 客户, 工单号, 服务类型, 模板, 回访方式, 回访人员, 状态, 情绪, 再购意向,
    被回访人, 问题分类, customer id, order id, 签字状态, 有效性) for one page of the list;
    有效性 is 无效, 待复核 (a pattern the rules flagged: still counted) or empty."""
    key = SORT_KEYS.get(sort, Visit.visit_date)
    order = [key.desc(nulls="LAST") if descending else key.asc(nulls="LAST")]
    order.append(Visit.id.desc() if descending else Visit.id)
    page_ids = [
        row[0]
        for row in _list_query([Visit.id], text, status, joins=sort in _JOINED_SORTS)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
        .tuples()
    ]
    if not page_ids:
        return []
    details = _list_query(
        [
            Visit.id,
            Visit.visit_date,
            Customer.name,
            ServiceOrder.order_no,
            ServiceOrder.service_type,
            QuestionnaireTemplate.name,
            Visit.method,
            Visit.visitor,
            Visit.status,
            Visit.mood,
            Visit.repurchase,
            Visit.respondent,
            _problem_names(),
            Visit.customer,
            Visit.order,
            Visit.sign_status,
            quality.validity_sql(),
        ],
        "",
        None,
    ).where(Visit.id.in_(page_ids))
    by_id = {row[0]: row for row in details.tuples()}
    return [by_id[i] for i in page_ids if i in by_id]


def count_visits(text: str = "", *, status: str | None = None) -> int:
    return _list_query([pw.fn.COUNT(Visit.id)], text, status, joins=False).scalar() or 0
