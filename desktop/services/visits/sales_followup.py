"""销售跟进: every completed visit flagged 再购意向 is a sales lead (seed 002: 了解到客户有再次购买的
欲望 … 及时将信息反馈给相关销售负责人). The list says who follows it up (跟进人), what the customer
wants (意向内容), when (跟进日期) and the outcome (待跟进 / 跟进中 / 已成交 / 暂无意向), and has its
own Excel export.

A visit's follow-up row is written only when someone fills it in; until then the lead is 待跟进.
"""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import peewee as pw

from desktop.models import Customer, ServiceOrder, Visit, db, now
from desktop.models.followup import LEAD_OUTCOMES, SalesLead
from desktop.models.visit import DONE

from ..admin import accounts
from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_text, mask_name, mask_phone
from ..summaries.workbook import xlsx

ALL = "全部"
OPEN = "未完结"  # 待跟进 and 跟进中
FILTERS = (ALL, OPEN, *LEAD_OUTCOMES)
NEW = LEAD_OUTCOMES[0]
CLOSED_OUTCOMES = ("已成交", "暂无意向")
SHEET = "销售跟进"
HEADER = (
    "回访日期",
    "客户编号",
    "客户",
    "联系电话",
    "服务类型",
    "产品型号",
    "回访人员",
    "客户反馈",
    "跟进人",
    "意向内容",
    "跟进日期",
    "跟进结果",
    "备注",
)
WIDTHS = (12, 13, 10, 15, 10, 12, 10, 36, 10, 28, 12, 10, 24)


@dataclass(frozen=True)
class LeadRow:
    visit_id: int
    visit_date: date
    customer_code: str
    customer: str
    phone: str
    service_type: str
    product_model: str
    visitor: str
    feedback: str
    salesperson: str
    interest: str
    follow_up_on: date | None
    outcome: str
    note: str

    def overdue(self, today: date) -> bool:
        """A follow-up day that has passed while the lead is still open."""
        return self.follow_up_on is not None and self.follow_up_on < today and self.outcome not in CLOSED_OUTCOMES


@dataclass
class LeadInput:
    salesperson: str = ""
    interest: str = ""
    follow_up_on: date | str | None = None
    outcome: str = NEW
    note: str = ""


def _day(value) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    return value.date() if isinstance(value, datetime) else parse_date(value)


def lead_rows(status: str = ALL, *, mask: bool = False) -> list[LeadRow]:
    """The sales leads, newest visit first: completed visits with 再购意向 and their follow-up."""
    if status not in FILTERS:
        raise ValueError(f"status must be one of {FILTERS}")
    outcome = pw.fn.COALESCE(SalesLead.outcome, NEW)
    query = (
        Visit.select(
            Visit.id,
            Visit.visit_date,
            Customer.code,
            Customer.name,
            Customer.title,
            Customer.phone,
            ServiceOrder.service_type,
            ServiceOrder.product_model,
            Visit.visitor,
            Visit.feedback,
            SalesLead.salesperson,
            SalesLead.interest,
            SalesLead.follow_up_on,
            outcome,
            SalesLead.note,
        )
        .join(Customer, on=(Visit.customer == Customer.id))
        .switch(Visit)
        .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
        .switch(Visit)
        .join(SalesLead, pw.JOIN.LEFT_OUTER, on=(SalesLead.visit == Visit.id))
        .where((Visit.status == DONE) & (Visit.repurchase == True))  # noqa: E712 (peewee expression)
    )
    if status == OPEN:
        query = query.where(outcome.not_in(CLOSED_OUTCOMES))
    elif status != ALL:
        query = query.where(outcome == status)
    rows = []
    for (vid, day, code, name, title, phone, stype, model, visitor, feedback, who, what, when, result, note) in (
        query.order_by(Visit.visit_date.desc(), Visit.id.desc()).tuples()
    ):
        shown = f"{name}{title}" if title and len(name) <= 1 else name
        rows.append(
            LeadRow(
                vid,
                _day(day),
                code,
                mask_name(name) + (title or "") if mask else shown,
                mask_phone(phone) if mask else phone,
                stype or "",
                model or "",
                visitor or "",
                feedback or "",
                who or "",
                what or "",
                _day(when),
                result or NEW,
                note or "",
            )
        )
    return rows


def lead_input(visit_id: int) -> LeadInput:
    lead = SalesLead.get_or_none(SalesLead.visit == visit_id)
    if lead is None:
        return LeadInput()
    return LeadInput(lead.salesperson, lead.interest, _day(lead.follow_up_on), lead.outcome, lead.note)


def validate(data: LeadInput) -> LeadInput:
    errors: list[ValidationError] = []
    clean = LeadInput()
    for name, label, limit in (("salesperson", "跟进人", 30), ("interest", "意向内容", 200), ("note", "备注", 200)):
        try:
            setattr(clean, name, clean_text(getattr(data, name), label, max_len=limit))
        except ValidationError as err:
            errors.append(err)
    try:
        clean.follow_up_on = _day(parse_date(data.follow_up_on, "跟进日期")) if data.follow_up_on else None
    except ValidationError as err:
        errors.append(err)
    if data.outcome not in LEAD_OUTCOMES:
        errors.append(ValidationError("跟进结果", f"请选择{'、'.join(LEAD_OUTCOMES)}之一。"))
    clean.outcome = data.outcome
    if not errors and clean.outcome != NEW and not clean.salesperson:
        errors.append(ValidationError("跟进人", f"跟进结果为“{clean.outcome}”时请填写跟进人。"))
    if errors:
        raise ValidationErrors(errors)
    return clean


@accounts.requires(accounts.CALL, "填写销售跟进")
def save_lead(visit_id: int, data: LeadInput) -> LeadRow:
    """Write the follow-up of a visit with 再购意向 (created on first save)."""
    visit = Visit.get_or_none(Visit.id == int(visit_id))
    if visit is None or visit.status != DONE or not visit.repurchase:
        raise UserError("该回访没有勾选“再购意向”（或尚未完成），不能转销售跟进。")
    clean = validate(data)
    values = {
        "salesperson": clean.salesperson,
        "interest": clean.interest,
        "follow_up_on": clean.follow_up_on,
        "outcome": clean.outcome,
        "note": clean.note,
        "updated_at": now(),
    }
    with db.atomic():
        if SalesLead.update(**values).where(SalesLead.visit == visit.id).execute() == 0:
            SalesLead.create(visit=visit.id, **values)
    return next(r for r in lead_rows() if r.visit_id == visit.id)


def counts() -> dict[str, int]:
    """Leads per outcome, and 未完结 (what still needs a call)."""
    out = dict.fromkeys(LEAD_OUTCOMES, 0)
    for row in lead_rows():
        out[row.outcome] = out.get(row.outcome, 0) + 1
    out[OPEN] = sum(n for k, n in out.items() if k in LEAD_OUTCOMES and k not in CLOSED_OUTCOMES)
    return out


def export_leads(out, status: str = ALL, *, mask: bool = True) -> tuple[Path, int]:
    """The 销售跟进 list as its own .xlsx (written beside the target under a temporary name, then
    renamed). Phone numbers are masked unless the signed-in role may export them in full."""
    path = xlsx.check_output(out, "销售跟进文件")
    if not mask:
        accounts.require(accounts.FULL_EXPORT, "导出完整联系方式")
    rows = lead_rows(status, mask=mask)
    book = xlsx.Book()
    sheet = book.sheet(SHEET)
    sheet.widths(WIDTHS)
    sheet.freeze("A2")
    sheet.declare_size(len(rows) + 1, len(HEADER))
    sheet.header(HEADER)
    for r in rows:
        sheet.append_ready(
            [
                sheet.cell(r.visit_date),
                sheet.coded(r.customer_code),
                sheet.text(r.customer),
                sheet.coded(r.phone),
                sheet.text(r.service_type),
                sheet.text(r.product_model),
                sheet.text(r.visitor),
                sheet.text(r.feedback),
                sheet.text(r.salesperson),
                sheet.text(r.interest),
                sheet.cell(r.follow_up_on),
                sheet.text(r.outcome),
                sheet.text(r.note),
            ]
        )
    sheet.auto_filter(1, len(HEADER))
    try:
        book.save(path)
    except BaseException:
        book.discard()
        raise
    return path, len(rows)
