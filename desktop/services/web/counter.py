"""柜台自助: the customer answers the task's questionnaire on the shop's counter screen
(``desktop.views.counter``) while staff keep working on their own screen. No Qt here.

A session is the task's single-use link (``links.link_for_task``): the counter shows what the
phone page would show (``links.page_of``) and saves through the phone page's own path
(``links.submit`` with the ``links.COUNTER`` source: 回访方式 柜台自助, 回访人员 客户自助（柜台）),
so the answers are checked and stored exactly alike, the task is closed and the link used up in
one transaction. The same link's QR code lets a tablet or phone at the counter answer instead
(then 扫码问卷); whichever submits first wins, the other is told politely.

Starting a session registers the questionnaire as sent by 柜台自助 when it had not been sent by
another channel (``chasing.mark_sent_once``: the counter's 回收率).
"""

from dataclasses import dataclass
from datetime import datetime

from desktop.models import Visit, db, now

from ..admin import accounts
from ..admin import settings as app_settings
from ..common.errors import UserError
from ..scheduling import chasing
from . import links

__all__ = ["CounterSession", "LinkClosed", "closed_text", "shop_name", "start", "state", "submit"]

LinkClosed = links.LinkClosed
CLOSED_TEXT = {
    links.USED: "这份问卷已经提交过了，感谢您的评价！",
    links.EXPIRED: "这份问卷的填写时间已过，请联系工作人员。",
    links.CLOSED: "这次服务的回访已经完成，感谢您的支持！",
}


@dataclass(frozen=True)
class CounterSession:
    task_id: int
    token: str
    url: str  # the phone page's address of the same link (for the QR code on the staff side)
    page: links.SurveyPage  # masked name, service, questions

    @property
    def who(self) -> str:
        """Whom the staff side names: 任务 #12 · 张* · 维修 · KFR-35GW."""
        parts = [f"任务 #{self.task_id}", self.page.customer, self.page.service]
        return " · ".join(p for p in parts if p)


def shop_name() -> str:
    """What the idle counter screen shows (设置 → 公司名称)."""
    return str(app_settings.get("company_name") or "").strip() or "欢迎光临"


@accounts.requires(accounts.CALL, "请顾客在柜台填写")
def start(task_id: int, *, at: datetime | None = None) -> CounterSession:
    """Open the task's questionnaire for the counter (staff with 回访 permission). UserError for
    a task that is closed or has no questionnaire."""
    at = at or now()
    with db.atomic():
        link = links.link_for_task(task_id, at=at)
        page = links.page_of(link, at)
        if page.state != links.OPEN:
            raise UserError(f"回访任务 #{task_id} 已不能填写：{CLOSED_TEXT[page.state]}")
        if not page.questions:
            raise UserError(f"回访任务 #{task_id} 没有可用的问卷模板，请先在“问卷模板”中设置默认问卷。")
        chasing.mark_sent_once(task_id, chasing.COUNTER, at)
    return CounterSession(task_id, link.token, links.url_of(link), page)


def state(session: CounterSession, at: datetime | None = None) -> str:
    """links.OPEN while the customer may still answer; USED once anyone (the counter, or a phone
    that scanned the QR) submitted; EXPIRED / CLOSED otherwise."""
    link = links.find(session.token)
    return links.CLOSED if link is None else links.state_of(link, at)


def closed_text(state_: str) -> str:
    return CLOSED_TEXT.get(state_, CLOSED_TEXT[links.CLOSED])


def submit(
    session: CounterSession,
    answers: dict[str, str],
    *,
    feedback: str = "",
    signature_png: bytes | None = None,
    at: datetime | None = None,
) -> Visit:
    """Save the counter's answers (``q<N>`` / ``q<N>_note`` as the phone page names them):
    ``links.submit`` with the counter as the source. Raises what it raises (ValidationErrors,
    LinkClosed)."""
    form = {**answers, "feedback": feedback}
    return links.submit(session.token, form, at=at, source=links.COUNTER, signature_png=signature_png)
