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
    ActionVisit,
    AuditLog,
    Customer,
    ImprovementAction,
    ProblemCategory,
    ServiceOrder,
    Visit,
    VisitProblem,
    db,
    now,
)
from desktop.models.visit import DONE as VISIT_DONE_STATUS

from ..admin import accounts, versions
from ..admin import settings as app_settings
from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import (
    clean_text,
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
BATCH = 400  # ids per IN (...) list


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


def text_block(value, field_name: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str:
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
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
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
        ("problem", lambda: text_block(data.problem, "问题描述", required=True)),
        ("measure", lambda: text_block(data.measure, "改进措施", required=True)),
        ("department", lambda: clean_text(data.department, "责任部门", required=True, max_len=MAX_NAME)),
        ("owner", lambda: clean_text(data.owner, "责任人", required=True, max_len=MAX_NAME)),
        ("deadline", lambda: _deadline(data.deadline, creating, today, current_deadline)),
        ("acceptance", lambda: text_block(data.acceptance, "验收标准", max_len=300)),
        ("expected_effect", lambda: text_block(data.expected_effect, "预期效果", max_len=300)),
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


def write_log(action_id: int, status_from: str, status_to: str, note: str, author: str) -> ActionLog:
    """One row of the action's own log; a status change also goes to the audit log (who, when,
    from what to what), which the action's record shows."""
    at = now()
    if author != SYSTEM_AUTHOR:
        author = accounts.actor_name() or author or app_settings.default_visitor()
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
    return write_log(action_id, "", "", note, author)


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
        write_log(
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
            write_log(action.id, "", "", "修改了" + "、".join(changed), author)
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


ACTION_LABELS = {**dict(_FIELD_LABELS), "category_id": "问题分类", "visit_ids": "关联回访"}


def action_differences(mine: dict, theirs: dict) -> list[versions.FieldDiff]:
    """The fields of the 改进措施 dialog that differ (对照修改): the category by its name, the
    linked visits by their numbers."""

    def shown(key: str, value):
        if key == "category_id":
            found = ProblemCategory.get_or_none(ProblemCategory.id == value) if value else None
            return found.name if found is not None else value
        if key == "visit_ids":
            return "、".join(f"#{v}" for v in sorted(value or [])) or None
        return value

    return [
        versions.FieldDiff(d.key, d.label, shown(d.key, d.mine), shown(d.key, d.theirs))
        for d in versions.differences(mine, theirs, ACTION_LABELS)
    ]


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
    for start in range(0, len(found_ids), BATCH):
        chunk = found_ids[start : start + BATCH]
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
        .where(Visit.id.in_([int(i) for i in visit_ids or []][:BATCH]) & (Visit.feedback != ""))
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
        .where(VisitProblem.visit.in_([int(i) for i in visit_ids][:BATCH]))
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
