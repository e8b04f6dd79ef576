"""扫码问卷 links and what the phone page shows and saves (no HTTP here: ``server`` does that).

A link is ``http://<address>:<port>/s/<token>``: 192 random bits (``secrets.token_urlsafe``),
one per open visit task (``link_for_task`` hands out the same one until it is used or expires),
valid for 设置 → 扫码评价链接有效天数, accepting one submission. The page shows the customer's
masked name (张*) and the service only — never a phone number or an address.

Form fields: ``q<N>`` for 第N题 as the printed form numbers it (``visits.form_questions``), with
the values the 回访表 uses — 5…1 (five levels), 1–10 / 0–10 (scores), 是 / 否, the option text
(single choice), free text — ``q<N>_note`` for a per-question comment, ``feedback`` (宝贵意见) and
``signature`` (a PNG data URL from the signature pad, optional).

The same ``submit`` saves the answers given on the shop's counter screen (``counter``): one
saving path, told apart by its ``Source`` (回访方式 柜台自助 instead of 扫码问卷).
"""

import base64
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from desktop.models import (
    Customer,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    SurveyLink,
    VisitTask,
    db,
    now,
)
from desktop.models.questionnaire import CHOICE, TEXT, YESNO
from desktop.models.visit import COUNTER_METHOD, SCAN_METHOD

from ..admin import accounts
from ..admin import settings as app_settings
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import mask_name
from ..visits import visits as visit_svc

TOKEN_BYTES = 24  # 192 bits
SELF_SERVICE_VISITOR = "客户自助（扫码问卷）"  # 回访人员 of a visit the customer filled in
COUNTER_VISITOR = "客户自助（柜台）"


@dataclass(frozen=True)
class Source:
    """Where a customer's own answers came from: the visit's 回访方式, 回访人员 and the signing
    device."""

    method: str
    visitor: str
    device: str


PHONE = Source(SCAN_METHOD, SELF_SERVICE_VISITOR, "触摸屏")  # the phone page (server.py)
COUNTER = Source(COUNTER_METHOD, COUNTER_VISITOR, "触摸屏")  # the counter screen
# what a link's page says instead of the questionnaire
OPEN, USED, EXPIRED, CLOSED = "open", "used", "expired", "closed"
DATA_URL_PREFIX = "data:image/png;base64,"


def _days() -> int:
    return int(app_settings.get("survey_link_days") or 14)


@accounts.requires(accounts.CALL, "生成扫码评价链接")
def link_for_task(task_id: int, *, at: datetime | None = None) -> SurveyLink:
    """The task's open link (not used, not expired), or a new one; UserError for a task that is
    gone or closed (完成、取消、拒访、无法联系)."""
    at = at or now()
    task = VisitTask.get_or_none(VisitTask.id == task_id)
    if task is None:
        raise UserError(f"找不到编号为 {task_id} 的回访任务，请在“回访任务”中查看任务编号。")
    if task.status not in visit_svc.TASK_OPEN:
        raise UserError(f"回访任务 #{task_id} 的状态是“{task.status}”，不再需要客户填写问卷。")
    with db.atomic():
        link = (
            SurveyLink.select()
            .where((SurveyLink.task == task.id) & SurveyLink.used_at.is_null() & (SurveyLink.expires_at > at))
            .order_by(SurveyLink.expires_at.desc())
            .first()
        )
        if link is None:
            link = SurveyLink.create(
                token=secrets.token_urlsafe(TOKEN_BYTES),
                task=task.id,
                created_at=at,
                expires_at=at + timedelta(days=_days()),
            )
    return link


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def reach_problem() -> str:
    """Why a customer's phone cannot open a link now ("" when it can): 扫码评价 off, or the
    server listening on this PC only. Said without the closing punctuation, for the caller to
    add its own way out."""
    if not app_settings.get("survey_enabled"):
        return "扫码评价未开启：请在 设置 → 扫码评价 中开启"
    host = str(app_settings.get("survey_host") or "127.0.0.1")
    if host in LOOPBACK:
        return (
            f"扫码评价监听地址是 {host}（只有本机能打开），客户的手机打不开链接。"
            "请在 设置 → 扫码评价 中改为本机的局域网地址"
        )
    return ""


def lan_address() -> str:
    """This PC's address on the local network (no packet is sent); 127.0.0.1 without one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def base_url(host: str | None = None, port: int | None = None) -> str:
    """``http://address:port`` of the phone page as set in 设置 → 扫码评价 (a server listening on
    every address, 0.0.0.0, is reached at this PC's LAN address)."""
    host = host or str(app_settings.get("survey_host") or "127.0.0.1")
    port = port or int(app_settings.get("survey_port") or 8765)
    if host == "0.0.0.0":
        host = lan_address()
    return f"http://{host}:{port}"


def url_of(link: SurveyLink, base: str | None = None) -> str:
    return f"{base or base_url()}/s/{link.token}"


# ---------------------------------------------------------------- what the page shows
@dataclass
class PageQuestion:
    number: int
    question: Question
    options: list[tuple[str, str]] = field(default_factory=list)  # (form value, label)


@dataclass
class SurveyPage:
    state: str  # OPEN / USED / EXPIRED / CLOSED
    company: str = ""
    hotline: str = ""
    title: str = ""
    greeting: str = ""
    customer: str = ""  # masked: 张*
    service: str = ""
    questions: list[PageQuestion] = field(default_factory=list)


def find(token: str) -> SurveyLink | None:
    if not token or len(token) > 100:
        return None
    return SurveyLink.get_or_none(SurveyLink.token == token)


def _template_id(task: VisitTask) -> int | None:
    return task.template_id or visit_svc.default_template_id()


def form_value_options(question: Question) -> list[tuple[str, str]]:
    """(form value, label) of each option, best first; none for free text."""
    labels = question.labels()
    out = []
    for index, label in enumerate(labels):
        if question.kind == YESNO:
            value = "是" if question.value_of_option(index) else "否"
        elif question.kind == CHOICE:
            value = label
        else:
            value = str(question.value_of_option(index))
        out.append((value, label))
    return out


def state_of(link: SurveyLink, at: datetime | None = None) -> str:
    if link.used_at is not None:
        return USED
    task = VisitTask.get_or_none(VisitTask.id == link.task_id)
    if task is None or task.status not in visit_svc.TASK_OPEN:
        return CLOSED
    if link.expires_at <= (at or now()):
        return EXPIRED
    return OPEN


def page_of(link: SurveyLink, at: datetime | None = None) -> SurveyPage:
    """What the link's page shows: the questionnaire when the link is open, else only why not."""
    state = state_of(link, at)
    page = SurveyPage(
        state=state,
        company=str(app_settings.get("company_name") or ""),
        hotline=str(app_settings.get("hotline") or ""),
    )
    if state != OPEN:
        return page
    task = VisitTask.get_by_id(link.task_id)
    customer = Customer.get_by_id(task.customer_id)
    page.customer = mask_name(customer.name)
    order = ServiceOrder.get_or_none(ServiceOrder.id == task.order_id) if task.order_id else None
    if order is not None:
        page.service = order.service_type + (f" · {order.product_model}" if order.product_model else "")
    template_id = _template_id(task)
    if template_id is not None:
        template = QuestionnaireTemplate.get_by_id(template_id)
        page.title, page.greeting = template.title, template.greeting
        page.questions = [
            PageQuestion(number, q, form_value_options(q))
            for number, q in enumerate(visit_svc.form_questions(template_id), start=1)
        ]
    return page


# ---------------------------------------------------------------- what a submission saves
def answers_from_form(questions: list[Question], form: dict[str, str]) -> tuple[dict, list[ValidationError]]:
    """question id → (stored value, text) from form values (``q<N>``, ``q<N>_note``), and what is
    wrong with the rest; shared by the phone page and the survey-platform import."""
    answers, errors = {}, []
    for number, q in enumerate(questions, start=1):
        raw = (form.get(f"q{number}") or "").strip()
        note = (form.get(f"q{number}_note") or "").strip()
        if q.kind == TEXT:
            if raw or note:
                answers[q.id] = (None, raw or note)
            continue
        if not raw:
            if note:
                answers[q.id] = (None, note)
            continue
        values = dict(form_value_options(q))
        if raw not in values:
            errors.append(ValidationError(f"第{number}题", f"“{raw[:20]}”不是这道题的选项，请重新选择。"))
            continue
        index = list(values).index(raw)
        answers[q.id] = (q.value_of_option(index), note)
    return answers, errors


def _signature(form: dict[str, str], source: Source, png: bytes | None):
    if png is not None:  # drawn on the counter screen's pad
        return visit_svc.SignatureInput(png=png, signed_at=now(), device=source.device)
    data = (form.get("signature") or "").strip()
    if not data:
        return None
    if not data.startswith(DATA_URL_PREFIX):
        raise ValidationErrors([ValidationError("客户签字", "签字图像无效，请清除后重新签字。")])
    try:
        png = base64.b64decode(data[len(DATA_URL_PREFIX) :], validate=True)
    except ValueError:
        raise ValidationErrors([ValidationError("客户签字", "签字图像无效，请清除后重新签字。")]) from None
    return visit_svc.SignatureInput(png=png, signed_at=now(), device=source.device)


class LinkClosed(UserError):
    """The link was used (or expired, or its task closed) before this submission."""

    def __init__(self, state: str):
        self.state = state
        super().__init__("这个评价链接已不能再提交。")


def submit(
    token: str,
    form: dict[str, str],
    *,
    at: datetime | None = None,
    source: Source = PHONE,
    signature_png: bytes | None = None,
):
    """Save the customer's answers as the task's visit (回访方式 ``source.method``: 扫码问卷 from
    the phone page, 柜台自助 from the counter screen; 已完成), close the task and use up the
    link — one transaction. The signature is ``signature_png`` (the counter's pad) or the form's
    data URL. ValidationErrors lists what to fix (nothing is saved); LinkClosed when the link can
    no longer be used."""
    at = at or now()
    with db.atomic():
        link = find(token)
        if link is None:
            raise LinkClosed(CLOSED)
        state = state_of(link, at)
        if state != OPEN:
            raise LinkClosed(state)
        task = VisitTask.get_by_id(link.task_id)
        template_id = _template_id(task)
        if template_id is None:
            raise UserError("这份问卷暂时无法提交，请联系客服。")
        answers, errors = answers_from_form(visit_svc.form_questions(template_id), form)
        if errors:
            raise ValidationErrors(errors)
        data = visit_svc.VisitInput(
            customer_id=task.customer_id,
            order_id=task.order_id,
            task_id=task.id,
            template_id=template_id,
            visit_date=at.date(),
            method=source.method,
            visitor=source.visitor,
            answers=answers,
            feedback=form.get("feedback") or "",
            status=visit_svc.DONE,
        )
        visit = visit_svc.save_customer_answers(data, today=at.date(), signature=_signature(form, source, signature_png))
        taken = (
            SurveyLink.update(used_at=at, visit=visit.id)
            .where((SurveyLink.id == link.id) & SurveyLink.used_at.is_null())
            .execute()
        )
        if taken != 1:  # another submission won the race: this one is rolled back
            raise LinkClosed(USED)
    return visit
