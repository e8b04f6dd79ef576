"""改进方案表: improvement actions from a TOP problem or selected visits, run to 已闭环.

The flow (DOMAIN §3 "Closing the loop"):

    未启动 → 进行中 → 已完成 → 效果验证中 → 已闭环
                 ↑_______|          |
                 ↑__________________|   (verification failed: back to 进行中)

Every status change and every weekly progress note writes an ``ActionLog`` row in the same
transaction as the change. Marking an action 已完成 creates one verification visit task (二次回访,
within a week) for each distinct customer of the linked visits, on the 改进效果二次回访
questionnaire, and moves the action on to 效果验证中. When those visits are saved,
``on_visit_saved`` judges them: every customer satisfied (改进满意度 满意 or better) and the
problem solved (问题解决 = 是) closes the action with a summary; any failure reopens it.

``plan_rows`` gives the 改进方案表 itself: one row per (action, linked visit) with the customer,
the visit, the visit's satisfaction levels and the action's measure and progress.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import peewee as pw

from desktop.models import (
    ACTION_STATUSES,
    ActionLog,
    ActionTask,
    ActionVisit,
    Answer,
    AuditLog,
    Customer,
    ImprovementAction,
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
from desktop.models.questionnaire import LEVEL5, LEVEL5_LABELS, SCORE10
from desktop.models.visit import DONE as VISIT_DONE_STATUS
from desktop.models.visit import VERIFY_FAMILY, VERIFY_TRIGGER

from . import accounts, calendar, versions
from . import settings as app_settings
from .dates import parse_date
from .errors import UserError, ValidationError, ValidationErrors
from .reporting import scale
from .validation import (
    clean_text,
    mask_name,
    mask_names_in_text,
    mask_phone,
    mask_phones_in_text,
    strip_control,
)

NOT_STARTED, IN_PROGRESS, DONE, VERIFYING, CLOSED = ACTION_STATUSES
# the steps each status may take (no skipping); backward steps need a reason
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    NOT_STARTED: (IN_PROGRESS,),
    IN_PROGRESS: (DONE,),
    DONE: (VERIFYING, IN_PROGRESS),
    VERIFYING: (CLOSED, IN_PROGRESS),
    CLOSED: (),
}
OVERDUE_STATUSES = (NOT_STARTED, IN_PROGRESS)  # still to be done: late once past the deadline
TELL_STATUSES = (DONE, VERIFYING, CLOSED)  # the customer may be told once the measure is done

# the list filter of the page (besides the five statuses)
ALL = "全部"
NOT_CLOSED = "未闭环"
OVERDUE = "已逾期"
FILTERS = (ALL, NOT_CLOSED, OVERDUE, *ACTION_STATUSES)

VERIFY_FROM = 1  # working days after the measure was done: next working day …
VERIFY_TO = 5  # … to the fifth, i.e. within one week
DIM_SATISFIED = "改进满意度"
DIM_SOLVED = "问题解决"
TASK_OPEN = ("待回访", "已预约")
TASK_DONE = VISIT_DONE_STATUS
TASK_CANCELLED = "已取消"
VISIT_DONE = VISIT_DONE_STATUS
SYSTEM_AUTHOR = "系统"

DEFAULT_MESSAGE = "您好，您之前反馈的“{problem}”我们已经改进：{measure}。感谢您的宝贵意见，期待再次为您服务！"

# The visit's satisfaction levels shown in the table, found by question dimension (templates
# name the same thing differently: the built-in after-sales one says 响应及时性).
LEVEL_COLUMNS = ("服务态度", "响应速度", "问题解决效果")
LEVEL_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "服务态度": ("服务态度",),
    "响应速度": ("响应速度", "响应及时性", "响应效率", "响应时效"),
    "问题解决效果": ("问题解决效果", "问题解决能力", "解决效率", "解决效果"),
}

MAX_TEXT = 500
MAX_NAME = 30
_BATCH = 400  # ids per IN (...) list


# ---------------------------------------------------------------- creating and editing
@dataclass
class ActionInput:
    """What the 改进措施 dialog submits."""

    problem: str = ""
    measure: str = ""
    department: str = ""
    owner: str = ""
    deadline: date | str | None = None
    acceptance: str = ""
    expected_effect: str = ""
    category_id: int | None = None
    visit_ids: list[int] = field(default_factory=list)
    row_version: int | None = None  # as loaded; a stale copy's save raises StaleEdit


def _text_block(value, field_name: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str:
    """Longer text kept with its line breaks; trimmed; length-checked."""
    text = strip_control("" if value is None else str(value))
    text = "\n".join(line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    text = text.strip()
    if required and not text:
        raise ValidationError(field_name, "不能为空，请填写。")
    if len(text) > max_len:
        raise ValidationError(field_name, f"太长（{len(text)} 字），最多 {max_len} 字，请精简。")
    return text


def _deadline(value, creating: bool, today: date, current: date | None) -> date:
    field_name = "完成时限"
    day = parse_date(value, field_name) if value not in (None, "") else None
    if day is None:
        raise ValidationError(field_name, "请填写完成时限（如 2024-11-10）。")
    if isinstance(day, datetime):
        day = day.date()
    # a new action — or a changed deadline — must not already be late
    if (creating or day != current) and day < today:
        raise ValidationError(field_name, f"{day:%Y-%m-%d} 早于今天，请选择今天或以后的日期。")
    return day


def _category(value) -> int | None:
    if value in (None, ""):
        return None
    found = ProblemCategory.get_or_none(ProblemCategory.id == int(value))
    if found is None:
        raise ValidationError("问题分类", "所选问题分类已不存在，请刷新后重新选择。")
    return found.id


def _visits(ids: Iterable[int]) -> list[int]:
    wanted = list(dict.fromkeys(int(i) for i in ids or ()))
    found: set[int] = set()
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        found.update(
            v
            for (v,) in Visit.select(Visit.id)
            .where(Visit.id.in_(chunk) & (Visit.status == VISIT_DONE))
            .tuples()
        )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationError(
            "关联回访", f"有 {len(missing)} 条回访记录不存在或尚未完成（草稿不能关联），请刷新后重新选择。"
        )
    return wanted


def validate_action(
    data: ActionInput, *, creating: bool, today: date | None = None, current_deadline: date | None = None
) -> dict:
    """Check the whole form; returns clean fields or raises ValidationErrors naming each field."""
    today = today or date.today()
    errors: list[ValidationError] = []
    clean: dict = {}
    checks = [
        ("problem", lambda: _text_block(data.problem, "问题描述", required=True)),
        ("measure", lambda: _text_block(data.measure, "改进措施", required=True)),
        ("department", lambda: clean_text(data.department, "责任部门", required=True, max_len=MAX_NAME)),
        ("owner", lambda: clean_text(data.owner, "责任人", required=True, max_len=MAX_NAME)),
        ("deadline", lambda: _deadline(data.deadline, creating, today, current_deadline)),
        ("acceptance", lambda: _text_block(data.acceptance, "验收标准", max_len=300)),
        ("expected_effect", lambda: _text_block(data.expected_effect, "预期效果", max_len=300)),
        ("category", lambda: _category(data.category_id)),
        ("visit_ids", lambda: _visits(data.visit_ids)),
    ]
    for key, check in checks:
        try:
            clean[key] = check()
        except ValidationError as err:
            errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    return clean


def _log(action_id: int, status_from: str, status_to: str, note: str, author: str) -> ActionLog:
    """One row of the action's own log; a status change also goes to the audit log (who, when,
    from what to what), which the action's record shows."""
    at = now()
    if author != SYSTEM_AUTHOR:
        author = accounts.actor_name() or author or accounts.default_visitor()
    if status_to and status_to != status_from:
        AuditLog.create(
            entity=AUDIT_ENTITY,
            entity_id=action_id,
            action="状态变更",
            operator=author,
            reason=note,
            changes=[{"field": "状态", "old": status_from or "（新建）", "new": status_to}],
            at=at,
        )
    return ActionLog.create(
        action=action_id, at=at, status_from=status_from, status_to=status_to, note=note, author=author
    )


def log_note(action_id: int, note: str, author: str = "") -> ActionLog:
    """A log row without a status change, written by another service (告知客户) in its own
    transaction."""
    return _log(action_id, "", "", note, author)


def status_audit(action_id: int) -> list[tuple]:
    """(at, who, from, to, note) of every status change of one action, newest first."""
    query = (
        AuditLog.select(AuditLog.at, AuditLog.operator, AuditLog.changes, AuditLog.reason)
        .where((AuditLog.entity == AUDIT_ENTITY) & (AuditLog.entity_id == action_id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    )
    return [
        (row.at, row.operator, row.changes[0]["old"], row.changes[0]["new"], row.reason)
        for row in query
        if row.changes
    ]


AUDIT_ENTITY = "action"


@accounts.requires(accounts.MANAGE, "修改改进方案")
def create_action(data: ActionInput, author: str = "", *, today: date | None = None) -> ImprovementAction:
    """A new action (未启动) linked to the visits whose feedback caused it; logged as 立项."""
    clean = validate_action(data, creating=True, today=today)
    visit_ids = clean.pop("visit_ids")
    with db.atomic():
        action = ImprovementAction.create(status=NOT_STARTED, **clean)
        for visit_id in visit_ids:
            ActionVisit.create(action=action.id, visit=visit_id)
        where = f"，关联 {len(visit_ids)} 条回访反馈" if visit_ids else ""
        _log(
            action.id,
            "",
            NOT_STARTED,
            f"立项{where}；责任部门：{clean['department']}，责任人：{clean['owner']}",
            author,
        )
    return action


@accounts.requires(accounts.MANAGE, "修改改进方案")
def update_action(
    action_id: int, data: ActionInput, author: str = "", *, today: date | None = None
) -> ImprovementAction:
    """Edit the fields and the linked visits (status is changed only by ``change_status``)."""
    action = get_action(action_id)
    versions.check(ImprovementAction, action.id, data.row_version, "项改进措施", lambda: action_input(action_id))
    if action.status == CLOSED:
        raise UserError("该改进措施已闭环，不能再修改。")
    clean = validate_action(data, creating=False, today=today, current_deadline=action.deadline)
    visit_ids = clean.pop("visit_ids")
    changed = [label for key, label in _FIELD_LABELS if getattr(action, key) != clean[key]]
    if action.category_id != clean["category"]:
        changed.append("问题分类")
    with db.atomic():
        versions.guarded_update(
            ImprovementAction, action.id, clean, data.row_version, "项改进措施", lambda: action_input(action_id)
        )
        before = {
            v
            for (v,) in ActionVisit.select(ActionVisit.visit).where(ActionVisit.action == action.id).tuples()
        }
        after = set(visit_ids)
        if before != after:
            ActionVisit.delete().where(
                (ActionVisit.action == action.id) & ActionVisit.visit.not_in(list(after) or [0])
            ).execute()
            for visit_id in visit_ids:
                if visit_id not in before:
                    ActionVisit.create(action=action.id, visit=visit_id)
            changed.append("关联回访")
        if changed:
            _log(action.id, "", "", "修改了" + "、".join(changed), author)
    saved = get_action(action.id)
    if data.row_version is not None:
        data.row_version = saved.row_version  # the dialog saving again is not a stale copy
    return saved


_FIELD_LABELS = (
    ("problem", "问题描述"),
    ("measure", "改进措施"),
    ("department", "责任部门"),
    ("owner", "责任人"),
    ("deadline", "完成时限"),
    ("acceptance", "验收标准"),
    ("expected_effect", "预期效果"),
)


def get_action(action_id: int) -> ImprovementAction:
    action = ImprovementAction.get_or_none(ImprovementAction.id == action_id)
    if action is None:
        raise UserError("找不到该改进措施，可能已被删除。请刷新改进方案表。")
    return action


@accounts.requires(accounts.MANAGE, "修改改进方案")
def delete_action(action_id: int) -> None:
    """Only an action that has not started may be deleted (anything later is history)."""
    action = get_action(action_id)
    if action.status != NOT_STARTED:
        raise UserError(f"该改进措施已{action.status}，不能删除；如不再推进，请在进度记录中说明。")
    with db.atomic():
        action.delete_instance(recursive=True)


# ---------------------------------------------------------------- what the dialog is prefilled with
@dataclass(frozen=True)
class CandidateVisit:
    id: int
    visit_date: date
    customer: str
    service: str  # 服务类型 产品型号
    feedback: str
    linked_to: tuple[int, ...]  # ids of open actions already answering this visit

    def label(self) -> str:
        text = " · ".join(p for p in (f"{self.visit_date:%Y-%m-%d}", self.customer, self.service) if p)
        if self.feedback:
            text += f" · “{shorten(self.feedback, 40)}”"
        if self.linked_to:
            text += "（已在改进措施 " + "、".join(f"#{i}" for i in self.linked_to) + " 中）"
        return text


def shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def candidate_visits(
    category_id: int | None = None, visit_ids: Sequence[int] | None = None, limit: int = 200
) -> list[CandidateVisit]:
    """Completed visits for the dialog's list: the given ones, or the latest visits tagged with
    the problem category (the TOP problem's feedback)."""
    query = (
        Visit.select(
            Visit.id,
            Visit.visit_date,
            Customer.name,
            Customer.title,
            ServiceOrder.service_type,
            ServiceOrder.product_model,
            Visit.feedback,
        )
        .join(Customer, on=(Visit.customer == Customer.id))
        .switch(Visit)
        .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
        .where(Visit.status == VISIT_DONE)
    )
    if visit_ids:
        ids = [int(i) for i in visit_ids][:limit]
        query = query.where(Visit.id.in_(ids))
    elif category_id is not None:
        tagged = VisitProblem.select(VisitProblem.visit).where(VisitProblem.category == int(category_id))
        query = query.where(Visit.id.in_(tagged) & ~Visit.invalid)
    else:
        return []
    rows = list(query.order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(limit).tuples())
    linked: dict[int, list[int]] = {}
    found_ids = [r[0] for r in rows]
    for start in range(0, len(found_ids), _BATCH):
        chunk = found_ids[start : start + _BATCH]
        for visit_id, action_id in (
            ActionVisit.select(ActionVisit.visit, ActionVisit.action)
            .join(ImprovementAction)
            .where(ActionVisit.visit.in_(chunk) & (ImprovementAction.status != CLOSED))
            .tuples()
        ):
            linked.setdefault(visit_id, []).append(action_id)
    out = []
    for vid, day, name, title, service_type, product, feedback in rows:
        who = f"{name}{title}" if title and len(name) <= 1 else name
        out.append(
            CandidateVisit(
                vid,
                day,
                who,
                " ".join(p for p in (service_type, product) if p),
                feedback or "",
                tuple(sorted(linked.get(vid, ()))),
            )
        )
    return out


def default_problem(category_id: int | None = None, visit_ids: Sequence[int] | None = None) -> str:
    """A first wording of 问题描述: the customers' own words, or the category and how often."""
    feedbacks = [
        f
        for (f,) in Visit.select(Visit.feedback)
        .where(Visit.id.in_([int(i) for i in visit_ids or []][:_BATCH]) & (Visit.feedback != ""))
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
        .tuples()
    ]
    if feedbacks and len(feedbacks) == 1:
        return shorten(feedbacks[0], 200)
    category = ProblemCategory.get_or_none(ProblemCategory.id == category_id) if category_id else None
    count = len(visit_ids or []) or (
        VisitProblem.select().where(VisitProblem.category == category.id).count() if category else 0
    )
    head = f"{category.name}问题" if category else "客户反馈的问题"
    text = f"{head}（{count} 条回访反馈）" if count else head
    if feedbacks:
        text += "，如：" + "；".join(f"“{shorten(f, 40)}”" for f in feedbacks[:2])
    return text


def common_category(visit_ids: Sequence[int]) -> int | None:
    """The problem category most of the given visits are tagged with (prefills the dialog)."""
    if not visit_ids:
        return None
    row = (
        VisitProblem.select(VisitProblem.category, pw.fn.COUNT(VisitProblem.id).alias("n"))
        .where(VisitProblem.visit.in_([int(i) for i in visit_ids][:_BATCH]))
        .group_by(VisitProblem.category)
        .order_by(pw.SQL("n").desc(), VisitProblem.category)
        .tuples()
        .first()
    )
    return row[0] if row else None


def category_choices() -> list[tuple[int, str]]:
    """(id, name) of the active problem categories, in their order."""
    return list(
        ProblemCategory.select(ProblemCategory.id, ProblemCategory.name)
        .where(ProblemCategory.active)
        .order_by(ProblemCategory.position, ProblemCategory.id)
        .tuples()
    )


def find_category(value) -> int | None:
    """A category id from an id or a name (what the analysis page passes)."""
    if value in (None, ""):
        return None
    if isinstance(value, int) or str(value).isdigit():
        found = ProblemCategory.get_or_none(ProblemCategory.id == int(value))
    else:
        found = ProblemCategory.get_or_none(ProblemCategory.name == str(value).strip())
    return found.id if found else None


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
        raise UserError(f"不能从“{status_from}”直接改为“{status_to}”：当前只能改为{steps}，请按流程逐步推进。")

    errors: list[ValidationError] = []
    changes: dict = {"status": status_to}
    try:
        note = _text_block(note, "说明")
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
            changes["completion_note"] = _text_block(completion_note, "完成说明", required=True, max_len=200)
        except ValidationError as err:
            errors.append(
                ValidationError(err.field, "请简要写明完成了什么（如 完成系统调试）。")
                if "不能为空" in err.message
                else err
            )
    if status_to == CLOSED:
        try:
            changes["verification_result"] = _text_block(verification_result, "验证结果", required=True)
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
            _log(action.id, status_from, DONE, text + (f";{note}" if note else ""), author)
            created = _create_verification_tasks(get_action(action.id), today)
            if created:
                ImprovementAction.update(status=VERIFYING).where(ImprovementAction.id == action.id).execute()
                _log(
                    action.id,
                    DONE,
                    VERIFYING,
                    f"已为 {created} 位客户安排二次回访（{VERIFY_FROM}–{VERIFY_TO} 个工作日内），验证改进效果",
                    SYSTEM_AUTHOR,
                )
        elif status_to == VERIFYING:
            created = _create_verification_tasks(action, today)
            text = f"已为 {created} 位客户安排二次回访" if created else "没有关联回访客户，需人工验证效果"
            _log(action.id, status_from, VERIFYING, text + (f";{note}" if note else ""), author)
        elif status_to == CLOSED:
            _log(action.id, status_from, CLOSED, note or changes["verification_result"], author)
        else:
            _log(action.id, status_from, status_to, note, author)
    return get_action(action.id)


@accounts.requires(accounts.MANAGE, "修改改进方案")
def change_status(action_id: int, status_to: str, **kwargs) -> ImprovementAction:
    """Move an action to ``status_to`` (see ``_change_status``); a 主管's work."""
    return _change_status(action_id, status_to, **kwargs)


@accounts.requires(accounts.MANAGE, "修改改进方案")
def add_progress(action_id: int, note: str, author: str = "") -> ActionLog:
    """A weekly progress note (a log row without a status change)."""
    action = get_action(action_id)
    text = _text_block(note, "进度说明", required=True)
    author = clean_text(author, "记录人", max_len=MAX_NAME)
    with db.atomic():
        return _log(action.id, "", "", text, author)


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
    from .templates import active_template, ensure_builtin_templates

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
        return Outcome(PENDING, summary, tuple(f"{i.customer}：{i.problem}" for i in incomplete), tuple(items))
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


# ---------------------------------------------------------------- telling the customer
def default_message(action: ImprovementAction) -> str:
    problem = shorten(action.problem, 60).rstrip("。")
    measure = shorten(action.measure, 120).rstrip("。")
    return DEFAULT_MESSAGE.format(problem=problem, measure=measure)


def customer_message(action_id: int) -> str:
    """The stored message, or the default wording."""
    action = get_action(action_id)
    return action.customer_message or default_message(action)


@accounts.requires(accounts.MANAGE, "修改改进方案")
def save_customer_message(action_id: int, message: str) -> ImprovementAction:
    action = get_action(action_id)
    text = _text_block(message, "告知客户的话", required=True)
    ImprovementAction.update(customer_message=text).where(ImprovementAction.id == action.id).execute()
    return get_action(action.id)


@accounts.requires(accounts.MANAGE, "修改改进方案")
def mark_customer_told(
    action_id: int, message: str, author: str = "", *, today: date | None = None
) -> ImprovementAction:
    """Store the message the customers were told and the day; logged."""
    today = today or date.today()
    action = get_action(action_id)
    if action.status not in TELL_STATUSES:
        raise UserError(f"该改进措施还在“{action.status}”，措施完成后再告知客户问题已改进。")
    text = _text_block(message, "告知客户的话", required=True)
    count = len(linked_customers(action.id))
    with db.atomic():
        ImprovementAction.update(customer_message=text, customer_told_on=today).where(
            ImprovementAction.id == action.id
        ).execute()
        who = f"{count} 位反馈客户" if count else "客户"
        _log(action.id, "", "", f"已告知{who}问题已改进：{shorten(text, 80)}", author)
    return get_action(action.id)


# ---------------------------------------------------------------- the 改进方案表
@dataclass(frozen=True)
class PlanRow:
    """One row of the 改进方案表: an action and one visit whose feedback caused it."""

    action_id: int
    visit_id: int | None
    customer_name: str
    customer_code: str
    phone: str
    service_type: str
    product_model: str
    visit_date: date | None
    method: str
    engineer: str
    levels: tuple[int | None, int | None, int | None]  # 服务态度, 响应速度, 问题解决效果: 5 … 1
    feedback: str
    measure: str
    department: str
    owner: str
    deadline: date | None
    status: str
    completed_on: date | None
    completion_note: str
    closed_on: date | None
    category: str
    problem: str
    overdue: bool
    first_of_action: bool  # the action's first row (the table spans the action's cells from it)
    action_rows: int  # how many rows the action has

    def level_label(self, index: int) -> str:
        value = self.levels[index]
        return "" if value is None else LEVEL5_LABELS[5 - value]

    @property
    def completion_text(self) -> str:
        """已完成(2023-11-08完成系统调试)'s bracket."""
        return completion_text(self.completed_on, self.completion_note)

    def status_text(self, today: date | None = None) -> str:
        text = self.status
        if self.status == CLOSED and self.closed_on:
            text += f" {self.closed_on:%Y-%m-%d}"
        elif self.status in (DONE, VERIFYING) and self.completed_on:
            text += f"（完成 {self.completion_text}）"
        if self.overdue and self.deadline:
            days = ((today or date.today()) - self.deadline).days
            text += f" · 逾期{days}天"
        return text


def completion_text(completed_on: date | None, note: str) -> str:
    """2023-11-08完成系统调试 (the date once, even when the note already starts with it)."""
    if completed_on is None:
        return ""
    day = f"{completed_on:%Y-%m-%d}"
    note = (note or "").strip()
    return note if note.startswith(day) else day + note


def visit_levels(visit_ids: Sequence[int]) -> dict[int, tuple[int | None, int | None, int | None]]:
    """Visit id → (服务态度, 响应速度, 问题解决效果) on the five-level scale (None: not asked)."""
    column_of = {dim: n for n, col in enumerate(LEVEL_COLUMNS) for dim in LEVEL_DIMENSIONS[col]}
    out: dict[int, list[int | None]] = {}
    ids = list(dict.fromkeys(visit_ids))
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        query = (
            Answer.select(
                Answer.visit, Question.dimension, Question.kind, Answer.value, QuestionnaireTemplate.family
            )
            .join(Question)
            .join(QuestionnaireTemplate)
            .where(
                Answer.visit.in_(chunk)
                & Question.dimension.in_(list(column_of))
                & Question.kind.in_((LEVEL5, SCORE10))
                & Answer.value.is_null(False)
            )
            .order_by(Answer.visit, Question.position, Question.id)
            .tuples()
        )
        for visit_id, dimension, kind, value, family in query:
            levels = out.setdefault(visit_id, [None, None, None])
            n = column_of[dimension]
            if levels[n] is None:  # the first question of a dimension counts
                levels[n] = scale.level_of(kind, value, family)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def _customer_label(name: str, title: str, mask: bool) -> str:
    if mask:
        masked = mask_name(name)
        return (masked if len(masked) <= 4 else masked[:1] + "***") + (title or "")
    return f"{name}{title}" if title and len(name) <= 1 else name


def _filtered_actions(status_filter: str, today: date, action_ids: Sequence[int] | None):
    query = ImprovementAction.select(ImprovementAction, ProblemCategory).join(
        ProblemCategory, pw.JOIN.LEFT_OUTER, on=(ImprovementAction.category == ProblemCategory.id)
    )
    if action_ids is not None:
        query = query.where(ImprovementAction.id.in_([int(i) for i in action_ids] or [0]))
    if status_filter in ACTION_STATUSES:
        query = query.where(ImprovementAction.status == status_filter)
    elif status_filter == NOT_CLOSED:
        query = query.where(ImprovementAction.status != CLOSED)
    elif status_filter == OVERDUE:
        query = query.where(
            (ImprovementAction.deadline < today) & ImprovementAction.status.in_(OVERDUE_STATUSES)
        )
    status_order = pw.Case(ImprovementAction.status, [(s, n) for n, s in enumerate(ACTION_STATUSES)], 9)
    closed_last = pw.Case(None, [(ImprovementAction.status == CLOSED, 1)], 0)
    return query.order_by(
        closed_last, ImprovementAction.deadline.asc(nulls="LAST"), status_order, ImprovementAction.id
    )


def plan_rows(
    status_filter: str = ALL,
    *,
    mask: bool = True,
    today: date | None = None,
    action_ids: Sequence[int] | None = None,
) -> list[PlanRow]:
    """The 改进方案表: open actions first (earliest deadline first), closed ones last; within an
    action its visits by date. An action without linked visits gets one row with blank customer
    cells. Names and phone numbers are masked unless ``mask`` is False: the name and phone cells,
    and in the free texts (客户反馈, 问题描述, 改进措施, 完成说明) every phone number and the names
    of the action's customers."""
    today = today or date.today()
    actions = list(_filtered_actions(status_filter, today, action_ids))
    if not actions:
        return []
    links: dict[int, list[tuple]] = {}
    ids = [a.id for a in actions]
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        query = (
            ActionVisit.select(
                ActionVisit.action,
                Visit.id,
                Customer.name,
                Customer.title,
                Customer.code,
                Customer.phone,
                ServiceOrder.service_type,
                ServiceOrder.product_model,
                Visit.visit_date,
                Visit.method,
                ServiceOrder.engineer,
                Visit.feedback,
            )
            .join(Visit, on=(ActionVisit.visit == Visit.id))
            .join(Customer, on=(Visit.customer == Customer.id))
            .switch(Visit)
            .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
            .where(ActionVisit.action.in_(chunk))
            .order_by(Visit.visit_date, Visit.id)
            .tuples()
        )
        for row in query:
            links.setdefault(row[0], []).append(row[1:])
    levels = visit_levels([v[0] for rows in links.values() for v in rows])

    def private(text: str, names: list[str]) -> str:
        """Masked: the customers' words (and staff notes quoting them) without phone numbers
        and without the names of the action's customers."""
        if not mask or not text:
            return text
        return mask_names_in_text(mask_phones_in_text(text), names)

    out: list[PlanRow] = []
    for action in actions:
        visits = links.get(action.id) or [None]
        late = is_overdue(action.status, action.deadline, today)
        names = [v[1] for v in visits if v is not None]
        common = {
            "action_id": action.id,
            "measure": private(action.measure, names),
            "department": action.department,
            "owner": action.owner,
            "deadline": action.deadline,
            "status": action.status,
            "completed_on": action.completed_on,
            "completion_note": private(action.completion_note, names),
            "closed_on": action.closed_on,
            "category": action.category.name if action.category_id else "",
            "problem": private(action.problem, names),
            "overdue": late,
            "action_rows": len(visits),
        }
        for n, visit in enumerate(visits):
            if visit is None:
                out.append(
                    PlanRow(
                        visit_id=None,
                        customer_name="",
                        customer_code="",
                        phone="",
                        service_type="",
                        product_model="",
                        visit_date=None,
                        method="",
                        engineer="",
                        levels=(None, None, None),
                        feedback=common["problem"],
                        first_of_action=True,
                        **common,
                    )
                )
                continue
            vid, name, title, code, phone, service_type, product, day, method, engineer, feedback = visit
            out.append(
                PlanRow(
                    visit_id=vid,
                    customer_name=_customer_label(name, title, mask),
                    customer_code=code,
                    phone=mask_phone(phone) if mask else phone,
                    service_type=service_type or "",
                    product_model=product or "",
                    visit_date=day,
                    method=method,
                    engineer=engineer or "",
                    levels=levels.get(vid, (None, None, None)),
                    feedback=private(feedback or "", names),
                    first_of_action=n == 0,
                    **common,
                )
            )
    return out


@dataclass(frozen=True)
class PlanDoc:
    """The printed 改进方案表 (plain data for ``desktop.views.improvement_print``)."""

    title: str
    company: str
    scope: str  # e.g. 范围:未闭环(共 4 项改进措施,9 条反馈)
    printed_on: date
    rows: list[PlanRow]
    masked: bool = True
    logo: str = ""


def plan_document(
    status_filter: str = ALL, *, mask: bool = True, today: date | None = None, action_ids=None
) -> PlanDoc:
    today = today or date.today()
    rows = plan_rows(status_filter, mask=mask, today=today, action_ids=action_ids)
    actions = len({r.action_id for r in rows})
    feedbacks = sum(1 for r in rows if r.visit_id is not None)
    return PlanDoc(
        title="客户满意度改进方案表",
        company=str(app_settings.get("company_name") or ""),
        scope=f"范围：{status_filter}（共 {actions} 项改进措施，{feedbacks} 条客户反馈）",
        printed_on=today,
        rows=rows,
        masked=mask,
        logo=str(app_settings.get("company_logo") or ""),
    )


# ---------------------------------------------------------------- one action in full
@dataclass(frozen=True)
class LogRow:
    at: datetime
    status_from: str
    status_to: str
    note: str
    author: str

    @property
    def what(self) -> str:
        if self.status_to and self.status_from:
            return f"{self.status_from} → {self.status_to}"
        if self.status_to:
            return f"立项（{self.status_to}）"
        return "进度"


@dataclass(frozen=True)
class ActionDetail:
    action: ImprovementAction
    category: str
    visits: list[CandidateVisit]
    log: list[LogRow]
    verification: list[VerificationItem]  # every round, newest first
    outcome: Outcome
    next_steps: tuple[str, ...]
    overdue: bool
    message: str  # what to tell the customers (stored, or the default wording)


def action_detail(action_id: int, *, today: date | None = None) -> ActionDetail:
    action = get_action(action_id)
    visit_ids = [
        v for (v,) in ActionVisit.select(ActionVisit.visit).where(ActionVisit.action == action.id).tuples()
    ]
    visits = candidate_visits(visit_ids=visit_ids, limit=10_000) if visit_ids else []
    log = [
        LogRow(at, f, t, note, author)
        for at, f, t, note, author in ActionLog.select(
            ActionLog.at, ActionLog.status_from, ActionLog.status_to, ActionLog.note, ActionLog.author
        )
        .where(ActionLog.action == action.id)
        .order_by(ActionLog.at.desc(), ActionLog.id.desc())
        .tuples()
    ]
    return ActionDetail(
        action=action,
        category=action.category.name if action.category_id else "",
        visits=visits,
        log=log,
        verification=verification_items(action.id, all_rounds=True),
        outcome=verification_outcome(action.id),
        next_steps=allowed_next(action.status),
        overdue=is_overdue(action.status, action.deadline, today),
        message=action.customer_message or default_message(action),
    )


def action_input(action_id: int) -> ActionInput:
    """An action as the edit dialog holds it."""
    action = get_action(action_id)
    return ActionInput(
        problem=action.problem,
        measure=action.measure,
        department=action.department,
        owner=action.owner,
        deadline=action.deadline,
        acceptance=action.acceptance,
        expected_effect=action.expected_effect,
        category_id=action.category_id,
        visit_ids=[
            v
            for (v,) in ActionVisit.select(ActionVisit.visit)
            .where(ActionVisit.action == action.id)
            .order_by(ActionVisit.id)
            .tuples()
        ],
        row_version=action.row_version,
    )


def department_choices() -> list[str]:
    """Departments known from settings and earlier actions (for the dialog's editable list)."""
    from desktop.models import Department

    names = [d for (d,) in Department.select(Department.name).order_by(Department.name).tuples()]
    used = [
        d
        for (d,) in ImprovementAction.select(ImprovementAction.department)
        .where(ImprovementAction.department != "")
        .distinct()
        .tuples()
    ]
    return list(dict.fromkeys([*names, *sorted(used)]))


def owner_choices() -> list[str]:
    from desktop.models import Staff

    names = [s for (s,) in Staff.select(Staff.name).where(Staff.active).order_by(Staff.name).tuples()]
    used = [
        o
        for (o,) in ImprovementAction.select(ImprovementAction.owner)
        .where(ImprovementAction.owner != "")
        .distinct()
        .tuples()
    ]
    return list(dict.fromkeys([*names, *sorted(used)]))
