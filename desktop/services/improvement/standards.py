"""标准手册 (seed 001: 对效果显著的措施纳入《售后服务标准手册》,形成长效机制).

A closed action (已闭环) whose effect was verified — it has a 验证结果 — may be marked 纳入标准:
its measure and verified effect are copied into the manual (editable there without changing the
action's history). The manual lists them by problem category, in the categories' order.
"""

from dataclasses import dataclass
from datetime import date

import peewee as pw

from desktop.models import ImprovementAction, ProblemCategory, StandardEntry, db

from ..admin import accounts
from ..admin import settings as app_settings
from ..common.errors import UserError
from ..common.validation import clean_text
from . import flow, improvement

TITLE = "售后服务标准手册"
UNCATEGORISED = "未分类"
RULE = "已闭环且效果经二次回访验证的改进措施，可纳入标准手册，作为长期执行的服务标准。"
MAX_TEXT = 500


def why_not(action: ImprovementAction) -> str:
    """Why the action cannot be made standard ("" when it can)."""
    if action.status != improvement.CLOSED:
        return f"只有已闭环的措施才能纳入标准（当前为“{action.status}”）。"
    if not (action.verification_result or "").strip():
        return "这项措施还没有效果验证结果，请先完成二次回访验证并填写验证结果。"
    if StandardEntry.select().where(StandardEntry.action == action.id).exists():
        return "这项措施已纳入标准手册。"
    return ""


def is_standard(action_id: int) -> bool:
    return StandardEntry.select().where(StandardEntry.action == action_id).exists()


@accounts.requires(accounts.MANAGE, "纳入标准")
def adopt(
    action_id: int,
    measure: str | None = None,
    effect: str | None = None,
    *,
    today: date | None = None,
) -> StandardEntry:
    """Mark a closed, verified action 纳入标准 (its measure and verification result unless
    given); noted in the action's log."""
    action = improvement.get_action(action_id)
    reason = why_not(action)
    if reason:
        raise UserError(reason)
    measure = clean_text(
        action.measure if measure is None else measure, "标准措施", required=True, max_len=MAX_TEXT
    )
    effect = clean_text(
        action.verification_result if effect is None else effect, "验证效果", required=True, max_len=MAX_TEXT
    )
    with db.atomic():
        entry = StandardEntry.create(
            action=action.id,
            measure=measure,
            effect=effect,
            adopted_on=today or date.today(),
            adopted_by=accounts.actor_name() or app_settings.default_visitor(),
        )
        flow.add_progress(action.id, "纳入标准手册")
    return entry


@accounts.requires(accounts.MANAGE, "纳入标准")
def withdraw(action_id: int) -> bool:
    """Take an action out of the manual (the action itself stays closed)."""
    with db.atomic():
        removed = StandardEntry.delete().where(StandardEntry.action == action_id).execute()
        if removed:
            flow.add_progress(action_id, "移出标准手册")
    return bool(removed)


@dataclass(frozen=True)
class ManualEntry:
    action_id: int
    problem: str
    measure: str
    effect: str
    department: str
    closed_on: date | None
    adopted_on: date


@dataclass(frozen=True)
class ManualSection:
    category: str
    entries: list[ManualEntry]


def manual() -> list[ManualSection]:
    """The manual: one section per category (the categories' order, 未分类 last), entries in the
    order they were adopted."""
    query = (
        StandardEntry.select(
            StandardEntry.action,
            ImprovementAction.problem,
            StandardEntry.measure,
            StandardEntry.effect,
            ImprovementAction.department,
            ImprovementAction.closed_on,
            StandardEntry.adopted_on,
            ProblemCategory.name,
            ProblemCategory.position,
        )
        .join(ImprovementAction, on=(StandardEntry.action == ImprovementAction.id))
        .join(ProblemCategory, pw.JOIN.LEFT_OUTER, on=(ImprovementAction.category == ProblemCategory.id))
        .order_by(StandardEntry.adopted_on, StandardEntry.id)
        .tuples()
    )
    sections: dict[str, list[ManualEntry]] = {}
    order: dict[str, tuple] = {}
    for action_id, problem, measure, effect, dept, closed_on, adopted_on, name, position in query:
        name = name or UNCATEGORISED
        order.setdefault(name, (position is None, position or 0))
        sections.setdefault(name, []).append(
            ManualEntry(action_id, problem, measure, effect, dept, closed_on, adopted_on)
        )
    return [ManualSection(name, sections[name]) for name in sorted(sections, key=lambda n: order[n])]
