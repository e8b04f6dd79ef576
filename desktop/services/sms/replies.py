"""导入短信回复: the platform's reply export (number, time, text) into visits; what cannot be
read waits for a person (短信回复待核对), never guessed.

**The file.** .xlsx / .xls / .csv (``intake.readers``). The header row is found among the first
rows by its text, whatever the platform calls the columns: number 手机号码 / 手机号 / 号码 / 发送
号码 / 回复号码 / 主叫号码 / 手机 / mobile / phone; time 回复时间 / 接收时间 / 上行时间 / 时间 /
发送时间; text 回复内容 / 上行内容 / 短信内容 / 内容 / content. A time without a clock time
counts as the end of that day. Rows whose number or time cannot be read are listed, not kept.

**Matching.** A reply belongs to the task sent by 短信 to that number (``SmsMessage`` of an
exported batch, or a task marked 短信 on 发放问卷 whose customer has that number) at or before the
reply time and still open (待回访 / 已预约). None → 待核对 (no task: sent elsewhere, closed, or
the reply came first); two or more → 待核对 (the person picks).

**Reading** (``reading.read_reply``): a clear answer becomes the task's visit — 回访方式 短信,
回访日期 the reply's day, the answer on the one question of the 短信满意度回访 questionnaire
(``SMS_FAMILY``: 本次服务总体评价, five levels; a task's own questionnaire has several required
questions a one-number reply does not answer, and no template marks an overall question), the
rest of the reply as 宝贵意见 — and the task is closed. Digits are only read when the text asked
for 1–5 (an exported 回复数字 text, or a 发放问卷 task whose text is unknown: then words only).

**退订.** The customer record has no opt-out flag: the 退订 / TD replies are kept
(``SmsReply.opt_out``; 已退订 when they say nothing else) and listed; the next export leaves those
numbers out. A clear answer in the same reply is still entered.

**Once.** Each row is kept once by number + time + text: importing the same file again adds
nothing. One transaction per import; the review's decisions one transaction each.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from desktop.models import (
    Customer,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    SmsMessage,
    SmsReply,
    VisitTask,
    db,
    now,
)
from desktop.models.questionnaire import LEVEL5
from desktop.models.visit import SMS_METHOD

from ..admin import accounts, versions
from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError
from ..common.validation import normalize_phone, shown
from ..intake.readers import cell_text, read_rows, row_has_data
from ..visits import templates as template_svc
from ..visits import visits as visit_svc
from . import texts
from .reading import LEVEL_NAMES, Reading, is_code, read_reply

DONE, REVIEW, DISCARDED, OPTED_OUT = "已录入", "待核对", "已放弃", "已退订"
OPEN = visit_svc.TASK_OPEN
SMS_VISITOR = "客户短信回复"  # 回访人员 of a visit read from a reply
SMS_FAMILY = "sms_reply"
SMS_TEMPLATE = {
    "family": SMS_FAMILY,
    "name": "短信满意度回访",
    "industry": "通用",
    "title": "短信满意度回访",
    "greeting": "客户回复短信评价本次服务：5非常满意 4满意 3一般 2不满意 1非常不满意。",
    "questions": [("您对本次服务的总体评价", "服务总体评价", LEVEL5)],
}
HEADERS = {
    "phone": ("手机号码", "手机号", "回复号码", "发送号码", "主叫号码", "号码", "手机", "mobile", "phone"),
    "time": ("回复时间", "接收时间", "上行时间", "发送时间", "时间", "time", "date"),
    "text": ("回复内容", "上行内容", "短信内容", "内容", "content", "message", "text"),
}
HEADER_ROWS = 10  # the header is looked for among the first rows
REASON_MAX = 200


@dataclass(frozen=True)
class Row:
    line: int
    phone: str
    at: datetime
    text: str


@dataclass
class ImportResult:
    file_name: str = ""
    entered: int = 0  # new visits
    review: int = 0  # new rows waiting for a person
    opt_outs: int = 0
    repeated: int = 0  # rows kept by an earlier import
    bad_rows: list[str] = field(default_factory=list)  # "第N行：reason"

    def summary(self) -> str:
        parts = [f"录入回访 {self.entered} 条", f"待核对 {self.review} 条"]
        if self.opt_outs:
            parts.append(f"退订 {self.opt_outs} 条")
        if self.repeated:
            parts.append(f"已导入过 {self.repeated} 条（未重复录入）")
        if self.bad_rows:
            parts.append(f"无法读取 {len(self.bad_rows)} 行")
        return f"{self.file_name}：" + "，".join(parts) + "。"


# ---------------------------------------------------------------- the questionnaire
def sms_template() -> QuestionnaireTemplate:
    """The current 短信满意度回访 questionnaire, made on first use."""
    template = template_svc.active_template(SMS_FAMILY)
    if template is None:
        template_svc.create_from_spec(SMS_TEMPLATE)
        template = template_svc.active_template(SMS_FAMILY)
    return template


def _question(template: QuestionnaireTemplate) -> Question:
    return visit_svc.form_questions(template.id)[0]


# ---------------------------------------------------------------- the file
def _header_index(row: list) -> dict[str, int] | None:
    names = [cell_text(c).strip().lower().replace(" ", "") for c in row]
    found: dict[str, int] = {}
    for role, words in HEADERS.items():
        for word in words:  # the more specific names first
            hits = [i for i, name in enumerate(names) if name == word.lower() and i not in found.values()]
            if hits:
                found[role] = hits[0]
                break
    return found if len(found) == len(HEADERS) else None


def _when(value) -> datetime:
    day = parse_date(value, "回复时间")
    if day is None:
        raise ValidationError("回复时间", "为空")
    if isinstance(day, datetime):
        return day.replace(microsecond=0)
    return datetime.combine(day, time(23, 59, 59))


def read_file(path) -> tuple[list[Row], list[str]]:
    """The replies in the file and the rows that could not be read ("第N行：…")."""
    path = Path(path)
    rows = read_rows(path)
    found = next(
        ((n, columns) for n, row in enumerate(rows[:HEADER_ROWS]) if (columns := _header_index(row)) is not None),
        None,
    )
    if found is None:
        raise UserError(
            f"{path.name} 中找不到表头：需要手机号码（或 号码 / 发送号码）、回复时间（或 接收时间）和"
            "回复内容（或 内容）三列。请用短信平台导出的“上行/回复记录”文件。"
        )
    n, columns = found
    out, bad = [], []
    for line, row in enumerate(rows[n + 1 :], start=n + 2):
        if not row_has_data(row):
            continue
        raw_phone, raw_time = row[columns["phone"]], row[columns["time"]]
        try:
            phone = normalize_phone(cell_text(raw_phone), "手机号码")
            at = _when(raw_time)
        except ValidationError as err:
            bad.append(f"第{line}行：{err.field}“{shown(cell_text(raw_phone if err.field == '手机号码' else raw_time))}”无法识别")
            continue
        out.append(Row(line, phone, at, cell_text(row[columns["text"]]).strip()))
    return out, bad


def reply_key(phone: str, at: datetime, text: str) -> str:
    return hashlib.sha1(f"{phone}|{at:%Y-%m-%d %H:%M:%S}|{text}".encode()).hexdigest()


# ---------------------------------------------------------------- matching
@dataclass(frozen=True)
class Candidate:
    task_id: int
    sent_at: datetime
    asked_codes: bool  # the text asked for 1–5 (an exported 回复数字 text)


def candidates(phone: str, at: datetime | None) -> list[Candidate]:
    """Open tasks sent by 短信 to ``phone`` at or before ``at``, the latest first."""
    found: dict[int, Candidate] = {}
    sent = SmsMessage.select(SmsMessage.task, SmsMessage.sent_at, SmsMessage.mode).join(VisitTask).where(
        (SmsMessage.phone == phone) & VisitTask.status.in_(OPEN)
    )
    if at is not None:
        sent = sent.where(SmsMessage.sent_at <= at)
    for task_id, sent_at, mode in sent.order_by(SmsMessage.sent_at).tuples():
        found[task_id] = Candidate(task_id, sent_at, mode == texts.REPLY)  # the latest text counts
    marked = VisitTask.select(VisitTask.id, VisitTask.sent_at).join(Customer).where(
        (Customer.phone == phone) & (VisitTask.sent_via == "短信") & VisitTask.status.in_(OPEN)
    )
    if at is not None:
        marked = marked.where(VisitTask.sent_at <= at)
    for task_id, sent_at in marked.tuples():
        found.setdefault(task_id, Candidate(task_id, sent_at, False))
    return sorted(found.values(), key=lambda c: (c.sent_at, c.task_id), reverse=True)


def _no_task_reason(phone: str, at: datetime) -> str:
    later = candidates(phone, None)
    if later:
        return f"回复时间早于短信发出时间（任务 #{later[0].task_id}）"
    closed = (
        SmsMessage.select(VisitTask.id, VisitTask.status).join(VisitTask).where(SmsMessage.phone == phone)
        .order_by(SmsMessage.sent_at.desc()).tuples().first()
    )  # fmt: skip
    if closed:
        return f"对应的回访任务 #{closed[0]} 已结束（{closed[1]}）"
    return "这个号码没有经短信发出、尚未收回的回访任务"


# ---------------------------------------------------------------- entering a visit
def _enter(task_id: int, level: int, remark: str, at: datetime) -> int:
    """The task's visit from the answer; returns its id (ValidationErrors: nothing saved)."""
    task = VisitTask.get_by_id(task_id)
    template = sms_template()
    question = _question(template)
    data = visit_svc.VisitInput(
        customer_id=task.customer_id,
        order_id=task.order_id,
        task_id=task.id,
        template_id=template.id,
        visit_date=at.date(),
        method=SMS_METHOD,
        visitor=SMS_VISITOR,
        answers={question.id: (level, "")},
        feedback=remark,
        status=visit_svc.DONE,
    )
    visit = visit_svc.save_customer_answers(data, today=max(at.date(), date.today()))
    return visit.id


def _decide(row: Row, reading: Reading) -> dict:
    """The stored fields of one new reply: entered as a visit, or waiting and why."""
    fields = {"level": reading.level, "opt_out": reading.opt_out}
    if reading.opt_out and reading.level is None:
        return {**fields, "status": OPTED_OUT, "reason": "客户回复退订：以后导出时不再发给这个号码"}
    found = candidates(row.phone, row.at)
    if not found:
        return {**fields, "status": REVIEW, "reason": _no_task_reason(row.phone, row.at)}
    if len(found) > 1:
        ids = "、".join(f"#{c.task_id}" for c in found[:4])
        return {**fields, "status": REVIEW, "reason": f"这个号码有 {len(found)} 个经短信发出的待回访任务（{ids}），请选择"}
    (candidate,) = found
    fields["task"] = candidate.task_id
    if not reading.readable:
        return {**fields, "status": REVIEW, "reason": reading.problem}
    if not candidate.asked_codes and is_code(row.text):
        return {**fields, "status": REVIEW, "reason": "发给客户的短信没有请客户回复数字，不能确定数字的含义"}
    try:
        with db.atomic():
            fields["visit"] = _enter(candidate.task_id, reading.level, reading.remark, row.at)
    except UserError as err:
        return {**fields, "status": REVIEW, "reason": f"无法录入：{err}"[:REASON_MAX]}
    return {**fields, "status": DONE, "reason": f"已录入：{LEVEL_NAMES[reading.level]}"}


@accounts.requires(accounts.CALL, "导入短信回复")
def import_replies(path, *, progress: Callable[[int, int, str], None] | None = None) -> ImportResult:
    """Read the platform's reply export into visits and the review list — one transaction."""
    path = Path(path)
    report = progress or (lambda *_a: None)
    rows, bad = read_file(path)
    result = ImportResult(file_name=path.name, bad_rows=bad)
    if not rows:
        raise UserError(f"{path.name} 中没有可导入的回复。" + (f"（{bad[0]}）" if bad else ""))
    with db.atomic():
        for n, row in enumerate(rows):
            report(n, len(rows), f"正在导入第 {n + 1} / {len(rows)} 条回复…")
            key = reply_key(row.phone, row.at, row.text)
            if SmsReply.select().where(SmsReply.key == key).exists():
                result.repeated += 1
                continue
            reading = read_reply(row.text)
            fields = _decide(row, reading)
            SmsReply.create(
                key=key, phone=row.phone, received_at=row.at, content=row.text, source_file=path.name[:200],
                imported_at=now(), **fields,
            )  # fmt: skip
            result.opt_outs += bool(reading.opt_out)
            if fields["status"] == REVIEW:
                result.review += 1
            elif fields.get("visit"):
                result.entered += 1
        report(len(rows), len(rows), "完成")
    return result


# ---------------------------------------------------------------- the review list
@dataclass(frozen=True)
class ReviewRow:
    reply_id: int
    phone: str
    received_at: datetime
    content: str
    reason: str
    level: int | None  # what the reading found (a suggestion only when it was clear)
    task_id: int | None
    choices: list[tuple[int, str]]  # (task id, label) the reply may belong to


def _task_label(task: VisitTask, customer: Customer, order: ServiceOrder | None) -> str:
    service = f" · {order.order_no} {order.service_type}" if order is not None else ""
    sent = f" · {task.sent_at:%m-%d %H:%M}发出" if task.sent_at else ""
    return f"#{task.id} {customer.name}{service} · {task.trigger}{sent}"


def task_choices(phone: str) -> list[tuple[int, str]]:
    """Every open task of the customers with this number (sent by 短信 or not), latest first."""
    tasks = list(
        VisitTask.select(VisitTask, Customer)
        .join(Customer)
        .where((Customer.phone == phone) & VisitTask.status.in_(OPEN))
        .order_by(VisitTask.sent_at.is_null(), VisitTask.sent_at.desc(), VisitTask.id.desc())
    )
    order_ids = {t.order_id for t in tasks if t.order_id}
    orders = {o.id: o for o in ServiceOrder.select().where(ServiceOrder.id.in_(order_ids))} if order_ids else {}
    return [(t.id, _task_label(t, t.customer, orders.get(t.order_id))) for t in tasks]


def review_rows() -> list[ReviewRow]:
    out = []
    for reply in SmsReply.select().where(SmsReply.status == REVIEW).order_by(SmsReply.received_at, SmsReply.id):
        out.append(
            ReviewRow(
                reply.id, reply.phone, reply.received_at, reply.content, reply.reason, reply.level,
                reply.task_id, task_choices(reply.phone),
            )
        )  # fmt: skip
    return out


def count_review() -> int:
    return SmsReply.select().where(SmsReply.status == REVIEW).count()


def opt_out_rows() -> list[SmsReply]:
    """The 退订 replies, latest first (the customer record has no opt-out flag)."""
    return list(SmsReply.select().where(SmsReply.opt_out).order_by(SmsReply.received_at.desc()))


def _waiting(reply_id: int) -> SmsReply:
    reply = SmsReply.get_or_none(SmsReply.id == reply_id)
    if reply is None:
        raise UserError("这条短信回复已不存在，请刷新列表。")
    if reply.status != REVIEW:
        raise UserError(f"这条短信回复已处理（{reply.status}），请刷新列表。")
    return reply


@accounts.requires(accounts.CALL, "核对短信回复")
def resolve(reply_id: int, task_id: int, level: int, remark: str | None = None) -> int:
    """A person read the reply: ``level`` (5…1) on ``task_id``'s visit; returns the visit id."""
    if level not in LEVEL_NAMES:
        raise ValidationError("评价", "请选择 5非常满意 … 1非常不满意 中的一项。")
    with db.atomic():
        reply = _waiting(reply_id)
        if task_id not in {t for t, _label in task_choices(reply.phone)}:
            raise UserError(f"回访任务 #{task_id} 不是这个号码的待回访任务，请从列表中选择。")
        text = reply.content if remark is None else remark
        visit_id = _enter(task_id, level, text.strip(), reply.received_at)
        reply.status, reply.task, reply.visit, reply.level = DONE, task_id, visit_id, level
        reply.reason = f"人工核对：{LEVEL_NAMES[level]}"
        reply.resolved_at, reply.resolved_by = now(), versions.actor()
        reply.save()
    return visit_id


@accounts.requires(accounts.CALL, "核对短信回复")
def discard(reply_id: int, reason: str = "") -> None:
    """The reply is not an answer (or not ours): kept, marked 已放弃, nothing entered."""
    with db.atomic():
        reply = _waiting(reply_id)
        reply.status = DISCARDED
        reply.reason = f"人工放弃：{reason.strip() or '不是评价'}"[:REASON_MAX]
        reply.resolved_at, reply.resolved_by = now(), versions.actor()
        reply.save()
