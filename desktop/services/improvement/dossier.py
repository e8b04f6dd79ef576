"""One improvement action in full (its log, verification and what the customer was told) and the message that tells the customer."""

from dataclasses import dataclass
from datetime import date, datetime

from desktop.models import ActionLog, ActionVisit, ImprovementAction, db

from ..admin import accounts
from ..common.errors import UserError
from .flow import (
    Outcome,
    VerificationItem,
    allowed_next,
    is_overdue,
    linked_customers,
    verification_items,
    verification_outcome,
)
from .improvement import (
    DEFAULT_MESSAGE,
    TELL_STATUSES,
    CandidateVisit,
    candidate_visits,
    get_action,
    shorten,
    text_block,
    write_log,
)


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
    text = text_block(message, "告知客户的话", required=True)
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
    text = text_block(message, "告知客户的话", required=True)
    count = len(linked_customers(action.id))
    with db.atomic():
        ImprovementAction.update(customer_message=text, customer_told_on=today).where(
            ImprovementAction.id == action.id
        ).execute()
        who = f"{count} 位反馈客户" if count else "客户"
        write_log(action.id, "", "", f"已告知{who}问题已改进：{shorten(text, 80)}", author)
    return get_action(action.id)


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
