"""An improvement action's status flow (制定 → 实施 → 效果验证中 → 已闭环) and its verification visits (二次回访): created, judged and closing the action when the customers confirm."""

from dataclasses import dataclass
from datetime import date, datetime

import peewee as pw

from desktop.models import (
    ACTION_STATUSES,
    ActionLog,
    ActionTask,
    ActionVisit,
    Answer,
    Customer,
    ImprovementAction,
    Question,
    QuestionnaireTemplate,
    Visit,
    VisitTask,
    db,
)
from desktop.models.visit import VERIFY_FAMILY, VERIFY_TRIGGER

from ..admin import accounts
from ..common import calendar
from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_text
from ..reporting import scale
from .improvement import (
    ALL,
    CLOSED,
    DIM_SATISFIED,
    DIM_SOLVED,
    DONE,
    IN_PROGRESS,
    MAX_NAME,
    NEXT_STEPS,
    NOT_CLOSED,
    OVERDUE,
    OVERDUE_STATUSES,
    SYSTEM_AUTHOR,
    TASK_CANCELLED,
    TASK_OPEN,
    VERIFY_FROM,
    VERIFY_TO,
    VERIFYING,
    VISIT_DONE,
    get_action,
    shorten,
    text_block,
    write_log,
)


# ---------------------------------------------------------------- the status flow
def allowed_next(status: str) -> tuple[str, ...]:
    return NEXT_STEPS.get(status, ())


def is_backward(status_from: str, status_to: str) -> bool:
    return status_to == IN_PROGRESS and status_from in (DONE, VERIFYING)


def _as_day(value, field_name: str) -> date | None:
    day = parse_date(value, field_name) if value not in (None, "") else None
    if isinstance(day, datetime):
        day = day.date()
    return day


def _change_status(
    action_id: int,
    status_to: str,
    *,
    note: str = "",
    author: str = "",
    completed_on: date | str | None = None,
    completion_note: str = "",
    verification_result: str = "",
    today: date | None = None,
) -> ImprovementAction:
    """Move the action one step along the flow; refuses skipped or unknown steps.

    → 已完成 needs ``completed_on`` (not in the future; default today) and ``completion_note``;
    it creates the verification visits and goes on to 效果验证中 when there are customers to ask.
    → 进行中 from 已完成/效果验证中 needs the reason in ``note``.
    → 已闭环 needs ``verification_result``.
    """
    today = today or date.today()
    action = get_action(action_id)
    status_from = action.status
    if status_to not in ACTION_STATUSES:
        raise UserError(f"“{status_to}”不是有效的落实状态，请选择 {'、'.join(ACTION_STATUSES)}。")
    if status_to == status_from:
        raise UserError(f"该改进措施已经是“{status_to}”。")
    allowed = allowed_next(status_from)
    if status_to not in allowed:
        if not allowed:
            raise UserError(f"该改进措施已闭环，不能再改为“{status_to}”。")
        steps = "或".join(f"“{s}”" for s in allowed)
        raise UserError(
            f"不能从“{status_from}”直接改为“{status_to}”：当前只能改为{steps}，请按流程逐步推进。"
        )

    errors: list[ValidationError] = []
    changes: dict = {"status": status_to}
    try:
        note = text_block(note, "说明")
    except ValidationError as err:
        errors.append(err)
    if is_backward(status_from, status_to) and not note:
        errors.append(ValidationError("退回原因", "退回“进行中”时请写明原因（如 二次回访客户仍不满意）。"))
    if status_to == DONE:
        try:
            day = _as_day(completed_on, "完成日期") or today
            if day > today:
                raise ValidationError("完成日期", f"{day:%Y-%m-%d} 在今天之后，请填写实际完成的日期。")
            changes["completed_on"] = day
        except ValidationError as err:
            errors.append(err)
        try:
            changes["completion_note"] = text_block(completion_note, "完成说明", required=True, max_len=200)
        except ValidationError as err:
            errors.append(
                ValidationError(err.field, "请简要写明完成了什么（如 完成系统调试）。")
                if "不能为空" in err.message
                else err
            )
    if status_to == CLOSED:
        try:
            changes["verification_result"] = text_block(verification_result, "验证结果", required=True)
            changes["closed_on"] = today
        except ValidationError as err:
            errors.append(
                ValidationError(err.field, "闭环前请填写效果验证结果（如 3 位客户二次回访均满意）。")
                if "不能为空" in err.message
                else err
            )
    if errors:
        raise ValidationErrors(errors)

    with db.atomic():
        if status_to == IN_PROGRESS and status_from == VERIFYING:
            _cancel_open_tasks(action.id, note)
        if status_to == IN_PROGRESS and status_from in (DONE, VERIFYING):
            changes["closed_on"] = None
        ImprovementAction.update(**changes).where(ImprovementAction.id == action.id).execute()
        if status_to == DONE:
            text = f"{changes['completed_on']:%Y-%m-%d}{changes['completion_note']}"
            write_log(action.id, status_from, DONE, text + (f";{note}" if note else ""), author)
            created = _create_verification_tasks(get_action(action.id), today)
            if created:
                ImprovementAction.update(status=VERIFYING).where(ImprovementAction.id == action.id).execute()
                write_log(
                    action.id,
                    DONE,
                    VERIFYING,
                    f"已为 {created} 位客户安排二次回访（{VERIFY_FROM}–{VERIFY_TO} 个工作日内），验证改进效果",
                    SYSTEM_AUTHOR,
                )
        elif status_to == VERIFYING:
            created = _create_verification_tasks(action, today)
            text = f"已为 {created} 位客户安排二次回访" if created else "没有关联回访客户，需人工验证效果"
            write_log(action.id, status_from, VERIFYING, text + (f";{note}" if note else ""), author)
        elif status_to == CLOSED:
            write_log(action.id, status_from, CLOSED, note or changes["verification_result"], author)
        else:
            write_log(action.id, status_from, status_to, note, author)
    return get_action(action.id)


@accounts.requires(accounts.MANAGE, "修改改进方案")
def change_status(action_id: int, status_to: str, **kwargs) -> ImprovementAction:
    """Move an action to ``status_to`` (see ``_change_status``); a 主管's work."""
    return _change_status(action_id, status_to, **kwargs)


@accounts.requires(accounts.MANAGE, "修改改进方案")
def add_progress(action_id: int, note: str, author: str = "") -> ActionLog:
    """A weekly progress note (a log row without a status change)."""
    action = get_action(action_id)
    text = text_block(note, "进度说明", required=True)
    author = clean_text(author, "记录人", max_len=MAX_NAME)
    with db.atomic():
        return write_log(action.id, "", "", text, author)


def is_overdue(status: str, deadline: date | None, today: date | None = None) -> bool:
    today = today or date.today()
    return deadline is not None and deadline < today and status in OVERDUE_STATUSES


def overdue(today: date | None = None) -> list[ImprovementAction]:
    """Actions past their deadline that are not done yet (not 已完成/效果验证中/已闭环)."""
    today = today or date.today()
    return list(
        ImprovementAction.select()
        .where((ImprovementAction.deadline < today) & ImprovementAction.status.in_(OVERDUE_STATUSES))
        .order_by(ImprovementAction.deadline, ImprovementAction.id)
    )


def status_counts(today: date | None = None) -> dict[str, int]:
    """How many actions each filter shows (for the filter's labels)."""
    counts = dict(
        ImprovementAction.select(ImprovementAction.status, pw.fn.COUNT(ImprovementAction.id))
        .group_by(ImprovementAction.status)
        .tuples()
    )
    out = {s: counts.get(s, 0) for s in ACTION_STATUSES}
    out[ALL] = sum(counts.values())
    out[NOT_CLOSED] = out[ALL] - out[CLOSED]
    out[OVERDUE] = len(overdue(today))
    return out


# ---------------------------------------------------------------- verification visits
def verification_template_id() -> int | None:
    from ..visits.templates import active_template, ensure_builtin_templates

    tpl = active_template(VERIFY_FAMILY)
    if tpl is None:  # a database from before the template shipped
        ensure_builtin_templates()
        tpl = active_template(VERIFY_FAMILY)
    return tpl.id if tpl else None


def _round(action_id: int) -> int:
    """Which verification round is current: how many times the action was marked 已完成."""
    return max(
        ActionLog.select().where((ActionLog.action == action_id) & (ActionLog.status_to == DONE)).count(), 1
    )


def round_trigger(n: int) -> str:
    return VERIFY_TRIGGER if n <= 1 else f"{VERIFY_TRIGGER}（第{n}轮）"


def linked_customers(action_id: int) -> list[int]:
    """Distinct customers of the linked visits, in the order of their first visit."""
    rows = (
        ActionVisit.select(Visit.customer)
        .join(Visit)
        .where(ActionVisit.action == action_id)
        .order_by(Visit.visit_date, Visit.id)
        .tuples()
    )
    return list(dict.fromkeys(c for (c,) in rows))


def verification_window(today: date) -> tuple[date, date]:
    return calendar.add_workdays(today, VERIFY_FROM), calendar.add_workdays(today, VERIFY_TO)


def _create_verification_tasks(action: ImprovementAction, today: date) -> int:
    """One 二次回访 task per distinct linked customer (no order: the visit is about the fix)."""
    customers = linked_customers(action.id)
    if not customers:
        return 0
    trigger = round_trigger(_round(action.id))
    earliest, latest = verification_window(today)
    template_id = verification_template_id()
    note = shorten(f"改进措施#{action.id}效果验证：{action.problem} → {action.measure}", 300)
    created = 0
    for customer_id in customers:
        task = VisitTask.create(
            customer=customer_id,
            order=None,
            trigger=trigger,
            earliest=earliest,
            latest=latest,
            template=template_id,
            status="待回访",
            note=note,
        )
        ActionTask.create(action=action.id, task=task.id)
        created += 1
    return created


def _round_tasks(action_id: int) -> list[VisitTask]:
    trigger = round_trigger(_round(action_id))
    return list(
        VisitTask.select(VisitTask, Customer)
        .join(ActionTask, on=(ActionTask.task == VisitTask.id))
        .switch(VisitTask)
        .join(Customer, on=(VisitTask.customer == Customer.id))
        .where((ActionTask.action == action_id) & (VisitTask.trigger == trigger))
        .order_by(VisitTask.id)
    )


def _cancel_open_tasks(action_id: int, reason: str) -> int:
    ids = [t.id for t in _round_tasks(action_id) if t.status in TASK_OPEN]
    if not ids:
        return 0
    return (
        VisitTask.update(status=TASK_CANCELLED, next_attempt_at=None, note=shorten(f"已取消：{reason}", 300))
        .where(VisitTask.id.in_(ids))
        .execute()
    )


@dataclass(frozen=True)
class VerificationItem:
    """One customer's verification visit (二次回访) as the detail panel shows it."""

    task_id: int
    customer: str
    task_status: str
    trigger: str
    earliest: date | None
    latest: date | None
    visit_id: int | None = None
    visit_date: date | None = None
    satisfaction: str = ""  # the answer's label, e.g. 满意
    solved: str = ""  # 是 / 否
    satisfied_ok: bool | None = None  # 改进满意度 满意 or better (None: not answered)
    solved_ok: bool | None = None  # 问题解决 = 是 (None: not answered)

    @property
    def ok(self) -> bool | None:
        """False when either answer fails, True when both pass, None otherwise (not judged)."""
        if self.satisfied_ok is False or self.solved_ok is False:
            return False
        if self.satisfied_ok and self.solved_ok:
            return True
        return None

    @property
    def problem(self) -> str:
        if self.visit_id is None:
            return ""
        failed = []
        if self.satisfied_ok is False:
            failed.append(f"改进满意度“{self.satisfaction}”")
        if self.solved_ok is False:
            failed.append("问题未解决")
        if failed:
            return "，".join(failed)
        missing = [
            n for n, ok in ((DIM_SATISFIED, self.satisfied_ok), (DIM_SOLVED, self.solved_ok)) if ok is None
        ]
        if missing:
            return "未回答“" + "”“".join(missing) + "”，请补充后重新保存"
        return ""

    @property
    def result(self) -> str:
        if self.visit_id is None:
            return self.task_status
        if self.ok is None:
            return self.problem
        solved = "问题已解决" if self.solved_ok else "问题未解决"
        return ("通过：" if self.ok else "未通过：") + f"{self.satisfaction}，{solved}"


@dataclass(frozen=True)
class Outcome:
    state: str  # "pass" / "fail" / "pending" / "none" (no verification visits at all)
    summary: str
    reasons: tuple[str, ...] = ()
    items: tuple[VerificationItem, ...] = ()

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.visit_id is not None)


PASS, FAIL, PENDING, NONE = "pass", "fail", "pending", "none"
STATE_TEXT = {PASS: "验证通过", FAIL: "验证未通过", PENDING: "验证中", NONE: "未安排二次回访"}


def _passes(question: Question, value: int | None) -> bool | None:
    """A verification answer that passes, read on the question's template scale."""
    return scale.passes(question.kind, value, _family_of(question.template_id))


def _family_of(template_id: int) -> str | None:
    return (
        QuestionnaireTemplate.select(QuestionnaireTemplate.family)
        .where(QuestionnaireTemplate.id == template_id)
        .scalar()
    )


def _label(question: Question, value: int | None) -> str:
    if value is None:
        return ""
    labels = question.labels()
    index = question.option_of_value(value)
    if index is not None and 0 <= index < len(labels):
        return labels[index]
    return str(value)


def _judge(task: VisitTask) -> VerificationItem:
    base = {
        "task_id": task.id,
        "customer": task.customer.display_name,
        "task_status": task.status,
        "trigger": task.trigger,
        "earliest": task.earliest,
        "latest": task.latest,
    }
    visit = (
        Visit.select(Visit.id, Visit.visit_date)
        .where((Visit.task == task.id) & (Visit.status == VISIT_DONE) & ~Visit.invalid)
        .order_by(Visit.id.desc())
        .first()
    )
    if visit is None:
        return VerificationItem(**base)
    answers: dict[str, tuple[Question, int | None]] = {}
    for answer in (
        Answer.select(Answer, Question)
        .join(Question)
        .where((Answer.visit == visit.id) & Question.dimension.in_((DIM_SATISFIED, DIM_SOLVED)))
        .order_by(Question.position, Question.id)
    ):
        answers.setdefault(answer.question.dimension, (answer.question, answer.value))
    sat_q, sat_v = answers.get(DIM_SATISFIED, (None, None))
    sol_q, sol_v = answers.get(DIM_SOLVED, (None, None))
    return VerificationItem(
        **base,
        visit_id=visit.id,
        visit_date=visit.visit_date,
        satisfaction=_label(sat_q, sat_v) if sat_q else "",
        solved=_label(sol_q, sol_v) if sol_q else "",
        satisfied_ok=_passes(sat_q, sat_v) if sat_q else None,
        solved_ok=_passes(sol_q, sol_v) if sol_q else None,
    )


def verification_items(action_id: int, all_rounds: bool = False) -> list[VerificationItem]:
    """The current round's verification visits (or every round's, newest first)."""
    if not all_rounds:
        return [_judge(t) for t in _round_tasks(action_id)]
    tasks = (
        VisitTask.select(VisitTask, Customer)
        .join(ActionTask, on=(ActionTask.task == VisitTask.id))
        .switch(VisitTask)
        .join(Customer, on=(VisitTask.customer == Customer.id))
        .where(ActionTask.action == action_id)
        .order_by(VisitTask.id.desc())
    )
    return [_judge(t) for t in tasks]


def _summary(items: list[VerificationItem]) -> str:
    """e.g. 3 位客户二次回访:3 位满意,问题均已解决"""
    visited = [i for i in items if i.visit_id is not None]
    waiting = [i for i in items if i.visit_id is None and i.task_status in TASK_OPEN]
    unreachable = [i for i in items if i.visit_id is None and i.task_status not in TASK_OPEN]
    text = f"{len(visited)} 位客户二次回访："
    satisfied = sum(1 for i in visited if i.satisfied_ok)
    unhappy = sum(1 for i in visited if i.satisfied_ok is False)
    unsolved = sum(1 for i in visited if i.solved_ok is False)
    parts = [f"{satisfied} 位满意"]
    if unhappy:
        parts.append(f"{unhappy} 位不满意")
    if unsolved:
        parts.append(f"{unsolved} 位表示问题未解决")
    elif visited and all(i.solved_ok for i in visited):
        parts.append("问题均已解决")
    text += "，".join(parts) if visited else "尚未完成"
    if waiting:
        text += f"；还有 {len(waiting)} 位待回访"
    if unreachable:
        text += (
            f"；{len(unreachable)} 位未能回访（"
            + "、".join(f"{i.customer}{i.task_status}" for i in unreachable)
            + "）"
        )
    return text


def verification_outcome(action_id: int) -> Outcome:
    """Judge the current round of verification visits.

    pass: every task settled, at least one customer visited, and every visit answered 改进满意度
    满意 or better and 问题解决 是; fail: any visited customer not satisfied or the problem not
    solved (decided at once); pending: visits still to make or answers missing. Customers who
    refused or could not be reached are left out (and named in the summary).
    """
    get_action(action_id)
    items = verification_items(action_id)
    if not items:
        return Outcome(NONE, "没有安排二次回访")
    summary = _summary(items)
    visited = [i for i in items if i.visit_id is not None]
    failed = [i for i in visited if i.ok is False]
    if failed:
        return Outcome(FAIL, summary, tuple(f"{i.customer}：{i.problem}" for i in failed), tuple(items))
    incomplete = [i for i in visited if i.ok is None]
    if incomplete:
        return Outcome(
            PENDING, summary, tuple(f"{i.customer}：{i.problem}" for i in incomplete), tuple(items)
        )
    if any(i.visit_id is None and i.task_status in TASK_OPEN for i in items):
        return Outcome(PENDING, summary, (), tuple(items))
    if not visited:
        return Outcome(
            PENDING,
            f"{len(items)} 位客户均未能二次回访，可填写人工验证结果后闭环",
            (),
            tuple(items),
        )
    return Outcome(PASS, summary, (), tuple(items))


def close_if_verified(
    action_id: int, author: str = SYSTEM_AUTHOR, *, today: date | None = None
) -> str | None:
    """After a verification visit: 已闭环 when the round passed, back to 进行中 when it failed.

    Returns the new status, or None when nothing changed (not 效果验证中, or still pending).
    """
    action = get_action(action_id)
    if action.status != VERIFYING:
        return None
    outcome = verification_outcome(action.id)
    if outcome.state == PASS:
        _change_status(
            action.id,
            CLOSED,
            note=f"二次回访验证通过：{outcome.summary}",
            author=author,
            verification_result=outcome.summary,
            today=today,
        )
        return CLOSED
    if outcome.state == FAIL:
        _change_status(
            action.id,
            IN_PROGRESS,
            note="二次回访未通过，退回进行中：" + ";".join(outcome.reasons) + f"。（{outcome.summary}）",
            author=author,
            today=today,
        )
        return IN_PROGRESS
    return None


def on_visit_saved(visit_id: int, *, today: date | None = None) -> list[tuple[int, str]]:
    """Call after a visit is saved: judges the actions whose verification task it completed.

    Returns (action id, new status) for every action that was closed or reopened.
    """
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None or visit.task_id is None:
        return []
    action_ids = [
        a
        for (a,) in ActionTask.select(ActionTask.action)
        .join(ImprovementAction)
        .where((ActionTask.task == visit.task_id) & (ImprovementAction.status == VERIFYING))
        .tuples()
    ]
    changed = []
    for action_id in action_ids:
        status = close_if_verified(action_id, today=today)
        if status:
            changed.append((action_id, status))
    return changed


def check_verifications(*, today: date | None = None) -> list[tuple[int, str]]:
    """Judge every action in 效果验证中 (the page does this when visits change)."""
    ids = [
        a
        for (a,) in ImprovementAction.select(ImprovementAction.id)
        .where(ImprovementAction.status == VERIFYING)
        .tuples()
    ]
    changed = []
    for action_id in ids:
        status = close_if_verified(action_id, today=today)
        if status:
            changed.append((action_id, status))
    return changed
