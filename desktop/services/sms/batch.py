"""导出短信批量文件: the selected open tasks as one file for the shop's SMS platform.

What the platforms take (looked up for this feature): 腾讯云短信 群发 takes a standard workbook
whose first column is the mobile number and the next columns the template's variables {1}…{N};
阿里云短信 群发助手 imports a number file (.xlsx/.txt) with the template variables in columns;
the smaller 106 platforms (亿美, 赛邮 and the like) import number + 短信内容 rows with the
【签名】 written in the content. So the file has 手机号码 first (as text, no number format),
then the whole 短信内容, then the variables 称呼 / 日期 / 服务 (/ 链接) for template-based
platforms — the .xlsx adds a 说明 sheet with the template text to register (``texts
.platform_template``). .csv is UTF-8 with a BOM (Excel and the platforms read its Chinese).

One row per task. Not exported, and listed with the reason: tasks gone or no longer open, 催收
tasks (send the original task again), numbers that are not mobile numbers, numbers whose customer
replied 退订 (the customer record has no opt-out flag: the 退订 replies are the record), and a
second task for a number already in the batch (its replies could not be told apart).

Exporting makes each task's 扫码评价 link (link mode), records the batch and its texts, marks the
tasks sent by 短信 (``chasing.mark_sent``) — one transaction — and writes the file under a
temporary name renamed at the end; a failed write rolls everything back. The full numbers leave
the app: a 主管's job (导出完整联系方式).
"""

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from desktop.models import Customer, ServiceOrder, SmsBatch, SmsMessage, SmsReply, VisitTask, db, now
from desktop.models.visit import TASK_STATUSES

from ..admin import accounts, versions
from ..admin import settings as app_settings
from ..common.errors import UserError
from ..common.safe_files import write_atomic, write_book
from ..common.validation import mask_phone
from ..scheduling import chasing
from ..web import links
from . import texts

SMS = "短信"  # the channel (chasing.CHANNELS)
OPEN = tuple(TASK_STATUSES[:2])  # 待回访 / 已预约
SUFFIXES = (".xlsx", ".csv")
TOKEN_CHARS = 32  # links.TOKEN_BYTES in url-safe base64: what a preview measures a link with


@dataclass(frozen=True)
class Options:
    mode: str = texts.REPLY
    signature: str = ""  # without 【】
    sign_in_text: bool = True  # 【签名】 written at the start of 短信内容


@dataclass(frozen=True)
class Target:
    task_id: int
    customer: str  # masked, for the preview
    phone: str
    recipient: texts.Recipient


@dataclass(frozen=True)
class Skipped:
    task_id: int
    customer: str
    reason: str


@dataclass
class Targets:
    rows: list[Target] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    task_id: int
    customer: str
    phone: str
    text: str
    recipient: texts.Recipient
    url: str = ""

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def segments(self) -> int:
        return texts.segments(self.text)


@dataclass(frozen=True)
class ExportResult:
    batch_id: int
    path: Path
    exported: int
    skipped: list[Skipped]

    def summary(self) -> str:
        text = f"已导出 {self.exported} 条短信到 {self.path.name}，这些任务已登记为经短信发出"
        if self.skipped:
            text += f"；{len(self.skipped)} 个任务未导出（见列表）"
        return text + "。"


def shop_name() -> str:
    return str(app_settings.get("company_name") or "").strip()


def default_signature() -> str:
    """The 签名 of the last batch, else the shop's name when it fits a signature."""
    last = SmsBatch.select(SmsBatch.signature).order_by(SmsBatch.id.desc()).first()
    if last is not None and last.signature:
        return last.signature
    shop = shop_name()
    return shop if 2 <= len(shop) <= texts.SIGNATURE_MAX else ""


def link_mode_problem() -> str:
    """Why links cannot go out now ("" when they can)."""
    problem = links.reach_problem()
    return f"{problem}，或选择“回复数字”。" if problem else ""


def opted_out_phones(phones) -> dict[str, datetime]:
    """Number → when its customer replied 退订."""
    phones = list(set(phones))
    out: dict[str, datetime] = {}
    for start in range(0, len(phones), 400):
        query = SmsReply.select(SmsReply.phone, SmsReply.received_at).where(
            SmsReply.opt_out & SmsReply.phone.in_(phones[start : start + 400])
        )
        for phone, at in query.tuples():
            out.setdefault(phone, at)
    return out


def _recipient(customer: Customer, order: ServiceOrder | None) -> texts.Recipient:
    service, day = "", None
    if order is not None:
        service = order.service_type or ""
        done = order.completed_at or order.delivered_on
        day = done.date() if isinstance(done, datetime) else done
    return texts.Recipient(texts.greeting_of(customer.name, customer.title, customer.ctype), service, day)


def targets(task_ids) -> Targets:
    """The tasks that can be sent, in the order given, and the others with the reason."""
    ids = list(dict.fromkeys(int(i) for i in task_ids))
    if not ids:
        raise UserError("请先在回访任务列表中选择要发短信的任务（可按住 Ctrl 或 Shift 多选）。")
    tasks = {t.id: t for t in VisitTask.select().where(VisitTask.id.in_(ids))}
    customers = {c.id: c for c in Customer.select().where(Customer.id.in_({t.customer_id for t in tasks.values()}))}
    order_ids = {t.order_id for t in tasks.values() if t.order_id}
    orders = {o.id: o for o in ServiceOrder.select().where(ServiceOrder.id.in_(order_ids))} if order_ids else {}
    out = Targets()
    stopped = opted_out_phones(c.phone for c in customers.values())
    taken: dict[str, int] = {}
    for task_id in ids:
        task = tasks.get(task_id)
        if task is None:
            out.skipped.append(Skipped(task_id, "", "任务已不存在"))
            continue
        customer = customers[task.customer_id]
        who = texts.greeting_of(customer.name, customer.title, customer.ctype)
        phone = customer.phone or ""
        if task.status not in OPEN:
            reason = f"任务已结束（{task.status}）"
        elif task.chase_of is not None:
            reason = "催收任务不发短信：请选择它催收的原回访任务再导出"
        elif not texts.is_mobile(phone):
            reason = f"没有有效的手机号（{mask_phone(phone) or '未填'}），固定电话收不到短信"
        elif phone in stopped:
            reason = f"客户 {stopped[phone]:%Y-%m-%d} 回复过退订"
        elif phone in taken:
            reason = f"同一号码在本批已有任务 #{taken[phone]}，客户的回复将无法分辨是哪一单"
        else:
            taken[phone] = task_id
            out.rows.append(Target(task_id, who, phone, _recipient(customer, orders.get(task.order_id))))
            continue
        out.skipped.append(Skipped(task_id, who, reason))
    earlier = (
        VisitTask.select(Customer.phone)
        .join(Customer)
        .where(
            (VisitTask.sent_via == SMS)
            & VisitTask.status.in_(OPEN)
            & VisitTask.id.not_in([t.task_id for t in out.rows] or [0])
            & Customer.phone.in_(list(taken) or [""])
        )
        .distinct()
    )
    doubled = [phone for (phone,) in earlier.tuples()]
    if doubled:
        out.warnings.append(
            f"{len(doubled)} 个号码还有一个更早经短信发出、尚未收回的任务：它们的回复会列入“待核对”，由您选择对应的任务。"
        )
    return out


def lines(found: Targets, options: Options, urls: dict[int, str] | None = None) -> list[Line]:
    """Each target's text; link mode without ``urls`` measures a link as long as a real one."""
    shop = shop_name()
    signature = options.signature if options.sign_in_text else ""
    placeholder = f"{links.base_url()}/s/{'x' * TOKEN_CHARS}" if options.mode == texts.LINK else ""
    out = []
    for target in found.rows:
        url = (urls or {}).get(target.task_id, placeholder)
        text = texts.compose(target.recipient, shop=shop, signature=signature, mode=options.mode, url=url)
        out.append(Line(target.task_id, target.customer, target.phone, text, target.recipient, url))
    return out


def length_warning(rows: list[Line]) -> str:
    long_rows = [r for r in rows if r.segments > 1]
    if not long_rows:
        return ""
    most = max(r.segments for r in long_rows)
    return (
        f"{len(long_rows)} 条短信超过 {texts.SEGMENT} 字，将按 {most} 条计费（长短信每条 {texts.PART} 字）。"
        "可缩短签名或公司名称。"
    )


# ---------------------------------------------------------------- the file
def _columns(mode: str) -> list[str]:
    return ["手机号码", "短信内容", "称呼", "日期", "服务"] + (["链接"] if mode == texts.LINK else [])


def _cells(line: Line, mode: str) -> list[str]:
    day = line.recipient.day
    cells = [line.phone, line.text, line.recipient.greeting, f"{day.month}月{day.day}日" if day else "", line.recipient.service]
    return cells + ([line.url] if mode == texts.LINK else [])


def _write_csv(target: Path, rows: list[Line], mode: str) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(_columns(mode))
            out.writerows(_cells(line, mode) for line in rows)

    write_atomic(target, write, what="导出短信批量文件")


def _write_xlsx(target: Path, rows: list[Line], options: Options) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "短信"
    sheet.append(_columns(options.mode))
    for line in rows:
        sheet.append(_cells(line, options.mode))
    for cell in sheet["A"]:
        cell.number_format = "@"  # the number as text: no 1.38E+10, no lost leading digits
    for column, width in zip("ABCDEF", (14, 80, 12, 10, 10, 46), strict=False):
        sheet.column_dimensions[column].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    notes = book.create_sheet("说明")
    template = texts.platform_template(shop=shop_name(), signature=options.signature, mode=options.mode)
    for row in (
        ["第一张表“短信”可直接上传到短信平台：第1列手机号码，第2列完整短信内容（已含签名时请勿再选签名，避免重复）。"],
        ["阿里云、腾讯云等按模板发送的平台：先申请下面这个模板，批量文件里的“称呼、日期、服务”等列即为模板变量。"],
        [f"短信签名：{options.signature or '（未填）'}"],
        [f"模板内容：{template}"],
        [f"回复方式：{texts.MODE_NAMES[options.mode]}。回复数字时 5非常满意 4满意 3一般 2不满意 1非常不满意（与回访表五级评分一致）。"],
        [f"单条短信 {texts.SEGMENT} 字（含签名）以内按 1 条计费，超过按每 {texts.PART} 字 1 条计费。"],
    ):
        notes.append(row)
    notes.column_dimensions["A"].width = 120
    for cell in notes["A"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    write_book(target, book, what="导出短信批量文件")


def check_target(path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise UserError(f"短信批量文件请保存为 .xlsx 或 .csv（现在是“{path.suffix or '无扩展名'}”）。")
    return path


@accounts.requires(accounts.FULL_EXPORT, "导出短信批量文件（完整手机号码）")
def export_batch(
    task_ids,
    options: Options,
    path,
    *,
    at: datetime | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ExportResult:
    """Write the batch file and record it (see the module docstring); UserError when nothing can
    be sent or link mode cannot be used."""
    path = check_target(path)
    signature = texts.clean_signature(options.signature)
    options = Options(options.mode, signature, options.sign_in_text)
    if options.mode == texts.LINK and (problem := link_mode_problem()):
        raise UserError(problem)
    report = progress or (lambda *_a: None)
    at = (at or now()).replace(microsecond=0)
    with db.atomic():
        found = targets(task_ids)
        if not found.rows:
            raise UserError("所选任务都不能发短信（原因见列表），没有导出文件。")
        total = len(found.rows)
        urls: dict[int, str] = {}
        if options.mode == texts.LINK:
            base = links.base_url()
            for n, target in enumerate(found.rows):
                report(n, total + 2, "正在生成评价链接…")
                urls[target.task_id] = links.url_of(links.link_for_task(target.task_id, at=at), base)
        rows = lines(found, options, urls)
        report(total, total + 2, "正在登记发送记录…")
        batch = SmsBatch.create(
            created_at=at, created_by=versions.actor(), mode=options.mode, signature=signature,
            file_name=path.name, count=len(rows),
        )  # fmt: skip
        SmsMessage.insert_many(
            [
                {"batch": batch.id, "task": r.task_id, "phone": r.phone, "sent_at": at, "mode": options.mode, "text": r.text}
                for r in rows
            ]
        ).execute()
        chasing.mark_sent([r.task_id for r in rows], SMS, at)
        report(total + 1, total + 2, "正在写出文件…")
        if path.suffix.lower() == ".csv":
            _write_csv(path, rows, options.mode)
        else:
            _write_xlsx(path, rows, options)
    report(total + 2, total + 2, "完成")
    return ExportResult(batch.id, path, len(rows), found.skipped)
