"""Visits (回访记录): saving the 回访表, call attempts, the call script's context, the visit list.

``save_visit`` writes a visit, its answers and its problem tags in one transaction; a final save
(完成并保存) insists on every required question, a draft (保存草稿) keeps whatever was filled in.
``record_attempt`` logs one call attempt (方便 / 不方便 / 非本人 / 无法接通 / 拒访) and moves the
visit task along. Lists are paged SQL (``visit_rows`` + ``count_visits``).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from desktop.models import (
    METHODS,
    MOODS,
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
from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, SCORE10, TEXT, YESNO
from desktop.models.visit import DONE

from ..admin import accounts, versions
from ..admin import settings as app_settings
from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import check_not_future, clean_text
from ..improvement import flow
from ..reporting import quality
from . import signatures
from . import templates as template_svc

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
COMPOUND_SURNAMES = (
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
def get_customer(customer_id) -> Customer:
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


def collect(checks, errors: list) -> dict:
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
        customer = get_customer(data.customer_id)
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

    clean = collect(
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
    return _save(data, final, visit_id, today=today, signature=signature, override=override, own=True)


def save_customer_answers(data: VisitInput, *, today: date | None = None, signature=None) -> Visit:
    """The customer's own answers (扫码问卷, ``desktop.services.web``) saved as a new, completed
    visit exactly as ``save_visit`` saves one — but not in the name of whoever is signed in on
    this PC: the customer's single-use link is the permission, checked by the caller."""
    return _save(data, True, None, today=today, signature=signature, override=None, own=False)


def _save(data, final, visit_id, *, today, signature, override, own: bool) -> Visit:
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
    if own:
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
            flow.on_visit_saved(visit.id, today=today)
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

