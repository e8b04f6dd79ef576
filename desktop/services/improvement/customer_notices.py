"""告知客户: telling each customer who reported a problem that it was fixed (seed 003: 短信通知
“您反馈的问题已优化，期待再次为您服务”).

Each customer is told in their own words: the message quotes the feedback of *their* visits
linked to the action, never the action's problem text (which may be built from several
customers' feedback). Every telling is recorded — the day, how (电话 / 短信 / 微信 / 上门), the
words and who told them — and the action counts as told (``customer_told_on``) once every
linked customer has been.
"""

from dataclasses import dataclass
from datetime import date

from desktop.models import ActionVisit, Customer, ImprovementAction, Visit, db
from desktop.models.followup import NOTICE_METHODS, CustomerNotice

from ..admin import accounts
from ..common.errors import UserError, ValidationError
from ..common.validation import clean_text, mask_name, mask_phone
from . import flow, improvement

MESSAGE = "您好，您之前反馈的{quoted}我们已经改进：{measure}。感谢您的宝贵意见，期待再次为您服务！"
QUOTE_LIMIT = 60
MAX_MESSAGE = 500

__all__ = [
    "NOTICE_METHODS",
    "NoticeRow",
    "default_message",
    "mark_told",
    "notice_rows",
    "own_feedback",
    "told_count",
]


def own_feedback(action_id: int, customer_id: int) -> list[str]:
    """The feedback (开放式反馈建议) of this customer's visits linked to the action, oldest first."""
    rows = (
        Visit.select(Visit.feedback)
        .join(ActionVisit, on=(ActionVisit.visit == Visit.id))
        .where((ActionVisit.action == action_id) & (Visit.customer == customer_id) & (Visit.feedback != ""))
        .order_by(Visit.visit_date, Visit.id)
        .tuples()
    )
    return list(dict.fromkeys(" ".join(f.split()) for (f,) in rows if f.strip()))


def default_message(action: ImprovementAction, customer_id: int) -> str:
    """The first wording for one customer: their own feedback quoted, then the measure."""
    feedback = own_feedback(action.id, customer_id)
    quoted = "；".join(feedback)
    quoted = f"“{improvement.shorten(quoted, QUOTE_LIMIT).rstrip('。')}”" if quoted else "问题"
    measure = improvement.shorten(action.measure, 120).rstrip("。") or "相关服务"
    return MESSAGE.format(quoted=quoted, measure=measure)


@dataclass(frozen=True)
class NoticeRow:
    """One customer of an action: their own feedback, the words for them, and whether (and when,
    how, by whom) they were told."""

    customer_id: int
    customer: str  # 姓名 (masked when asked)
    phone: str
    feedback: tuple[str, ...]
    message: str  # what they were told, or the first wording for them
    told_on: date | None
    method: str
    author: str

    @property
    def told(self) -> bool:
        return self.told_on is not None

    @property
    def status_text(self) -> str:
        if self.told_on is None:
            return "未告知"
        by = f"（{self.author}）" if self.author else ""
        return f"{self.told_on:%Y-%m-%d} {self.method}告知{by}"


def _latest_notices(action_id: int) -> dict[int, CustomerNotice]:
    latest: dict[int, CustomerNotice] = {}
    query = CustomerNotice.select().where(CustomerNotice.action == action_id).order_by(CustomerNotice.id)
    for notice in query:
        latest[notice.customer_id] = notice
    return latest


def notice_rows(action_id: int, *, mask: bool = False) -> list[NoticeRow]:
    """One row per distinct customer of the linked visits, in the order of their first visit."""
    action = improvement.get_action(action_id)
    customer_ids = flow.linked_customers(action.id)
    customers = {c.id: c for c in Customer.select().where(Customer.id.in_(customer_ids))} if customer_ids else {}
    notices = _latest_notices(action.id)
    rows = []
    for cid in customer_ids:
        customer = customers[cid]
        notice = notices.get(cid)
        rows.append(
            NoticeRow(
                customer_id=cid,
                customer=mask_name(customer.name) + customer.title if mask else customer.display_name,
                phone=mask_phone(customer.phone) if mask else customer.phone,
                feedback=tuple(own_feedback(action.id, cid)),
                message=notice.message if notice else default_message(action, cid),
                told_on=notice.told_on if notice else None,
                method=notice.method if notice else "",
                author=notice.author if notice else "",
            )
        )
    return rows


def told_count(action_id: int) -> tuple[int, int]:
    """(customers told, customers to tell) of the action."""
    customer_ids = flow.linked_customers(action_id)
    told = set(_latest_notices(action_id)) & set(customer_ids)
    return len(told), len(customer_ids)


@accounts.requires(accounts.MANAGE, "修改改进方案")
def mark_told(
    action_id: int,
    customer_id: int,
    message: str,
    method: str = "电话",
    author: str = "",
    *,
    today: date | None = None,
) -> NoticeRow:
    """Record that this customer was told, how and with which words; logged on the action. Once
    every linked customer was told, the action counts as told (``customer_told_on``)."""
    today = today or date.today()
    action = improvement.get_action(action_id)
    if action.status not in improvement.TELL_STATUSES:
        raise UserError(f"该改进措施还在“{action.status}”，措施完成后再告知客户问题已改进。")
    customer_ids = flow.linked_customers(action.id)
    if int(customer_id) not in customer_ids:
        raise UserError("该客户没有反馈过这个问题：只能告知改进措施关联回访中的客户。")
    text = clean_text(message, "告知客户的话", required=True, max_len=MAX_MESSAGE)
    if method not in NOTICE_METHODS:
        raise ValidationError("告知方式", f"请选择{'、'.join(NOTICE_METHODS)}之一。")
    author = clean_text(author, "告知人", max_len=improvement.MAX_NAME)
    customer = Customer.get_by_id(int(customer_id))
    with db.atomic():
        CustomerNotice.create(
            action=action.id, customer=customer.id, told_on=today, method=method, message=text, author=author
        )
        improvement.log_note(
            action.id, f"已{method}告知{mask_name(customer.name)}问题已改进：{improvement.shorten(text, 80)}", author
        )
        told, total = told_count(action.id)
        if told == total:
            ImprovementAction.update(customer_told_on=today).where(ImprovementAction.id == action.id).execute()
    return next(r for r in notice_rows(action.id) if r.customer_id == customer.id)
