"""Finding visits and what to visit: the customer / order pick list of the 回访表 header and the visit list (回访记录), searched and sorted in SQL."""

import peewee as pw

from desktop.models import Customer, ProblemCategory, QuestionnaireTemplate, ServiceOrder, Visit, VisitProblem
from desktop.models.connection import group_concat

from ..admin import accounts
from ..common.errors import UserError
from ..intake.customers import name_condition
from ..reporting import quality


# ---------------------------------------------------------------- picking the customer / order
def _order_label(order_no, name, title, phone, service_type, product, completed) -> str:
    who = f"{name}{title}" if title and len(name) <= 1 else name
    day = f"{completed:%Y-%m-%d}" if completed else ""
    parts = [order_no, who, accounts.phone_for_screen(phone), f"{service_type} {product}".strip(), day]
    return " · ".join(p for p in parts if p)


def _customer_label(name, title, phone, code) -> str:
    who = f"{name}{title}" if title and len(name) <= 1 else name
    return f"{who} · {accounts.phone_for_screen(phone)} · {code}（不指定工单）"


def _order_picks(condition, limit: int, *, include_archived: bool = False) -> list[tuple]:
    query = (
        ServiceOrder.select(
            ServiceOrder.customer,
            ServiceOrder.id,
            ServiceOrder.order_no,
            Customer.name,
            Customer.title,
            Customer.phone,
            ServiceOrder.service_type,
            ServiceOrder.product_model,
            ServiceOrder.completed_at,
        )
        .join(Customer, on=(ServiceOrder.customer == Customer.id))
        .where(condition)
        .order_by(ServiceOrder.completed_at.desc(nulls="LAST"), ServiceOrder.id.desc())
        .limit(limit)
    )
    if not include_archived:
        query = query.where(~Customer.archived)
    return [(cid, oid, _order_label(*rest)) for cid, oid, *rest in query.tuples()]


def pick_rows(text: str, limit: int = 30) -> list[tuple]:
    """Candidates for the form's 客户/工单 picker: rows (customer_id, order_id or None, label).

    Orders whose 工单号 matches come first, then the orders of customers whose 姓名, 客户编号 or
    电话 match, then those customers as "不指定工单". Each step is one LIMITed query over one
    table, so typing stays fast with 100k customers and orders.
    """
    from ..common.validation import to_halfwidth

    text = to_halfwidth(text or "").strip()
    if not text:
        return _order_picks(ServiceOrder.id.is_null(False), limit)
    order_ids = [
        oid
        for (oid,) in ServiceOrder.select(ServiceOrder.id)
        .where(ServiceOrder.order_no.contains(text))
        .order_by(ServiceOrder.id.desc())
        .limit(limit)
        .tuples()
    ]
    cond = name_condition(text) | Customer.code.contains(text)
    phone = accounts.phone_search(Customer.phone, text)
    if phone is not None:
        cond |= phone
    matches = list(
        Customer.select(Customer.id, Customer.name, Customer.title, Customer.phone, Customer.code)
        .where(cond & ~Customer.archived)
        .order_by(Customer.id.desc())
        .limit(limit)
        .tuples()
    )
    rows = _order_picks(ServiceOrder.id.in_(order_ids), limit) if order_ids else []
    seen = {oid for _cid, oid, _label in rows}
    if matches and len(rows) < limit:
        more = _order_picks(ServiceOrder.customer.in_([m[0] for m in matches]), limit - len(rows))
        rows.extend(r for r in more if r[1] not in seen)
    rows.extend((m[0], None, _customer_label(*m[1:])) for m in matches[:10])
    return rows


def customer_orders(customer_id: int, limit: int = 30) -> list[tuple]:
    """Picker rows for one customer: their latest orders, then the customer without an order."""
    rows = _order_picks(ServiceOrder.customer == customer_id, limit, include_archived=True)
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is not None:
        rows.append(
            (customer.id, None, _customer_label(customer.name, customer.title, customer.phone, customer.code))
        )
    return rows


def pick_label(customer_id: int, order_id: int | None) -> str:
    """The picker text of one customer / order (also for an archived customer's old visit)."""
    if order_id:
        rows = _order_picks(ServiceOrder.id == order_id, 1, include_archived=True)
        if rows:
            return rows[0][2]
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        return ""
    return _customer_label(customer.name, customer.title, customer.phone, customer.code)


def single_order_match(rows: list[tuple]) -> tuple[int, int] | None:
    """(customer id, order id) when the picker rows hold exactly one order and nothing of another
    customer (e.g. a 工单号 typed in full): the form takes it without a click; else None."""
    orders = [(cid, oid) for cid, oid, _label in rows if oid is not None]
    if len(orders) == 1 and {cid for cid, _oid, _label in rows} == {orders[0][0]}:
        return orders[0]
    return None


def header_info(customer_id: int, order_id: int | None = None) -> dict:
    """The header grid's read-only cells: 客户名称, 联系电话, 通讯地址, 服务类型, 产品型号, 服务工程师."""
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise UserError("找不到该客户，可能已被删除。")
    order = ServiceOrder.get_or_none(ServiceOrder.id == order_id) if order_id else None
    return {
        "customer": customer.display_name,
        "code": customer.code,
        "ctype": customer.ctype,
        "phone": accounts.phone_for_screen(customer.phone),
        "address": customer.address,
        "service_type": order.service_type if order else "",
        "product": order.product_model if order else "",
        "engineer": order.engineer if order else "",
        "order_no": order.order_no if order else "",
    }


# ---------------------------------------------------------------- the visit list
def _problem_names():
    return (
        ProblemCategory.select(group_concat(ProblemCategory.name, "、"))
        .join(VisitProblem, on=(VisitProblem.category == ProblemCategory.id))
        .where(VisitProblem.visit == Visit.id)
    )


SORT_KEYS = {
    "id": Visit.id,
    "visit_date": Visit.visit_date,
    "customer": Customer.name,
    "order_no": ServiceOrder.order_no,
    "service_type": ServiceOrder.service_type,
    "template": QuestionnaireTemplate.name,
    "method": Visit.method,
    "visitor": Visit.visitor,
    "status": Visit.status,
    "mood": Visit.mood,
    "repurchase": Visit.repurchase,
    "respondent": Visit.respondent,
    "updated_at": Visit.updated_at,
    "sign_status": Visit.sign_status,
}


_JOINED_SORTS = ("customer", "order_no", "service_type", "template")


def _list_query(select, text: str, status: str | None, *, joins: bool = True):
    """Visits filtered by ``text`` and ``status``; ``joins`` False skips the customer / order /
    template joins when nothing needs them (counting, sorting by a visit column)."""
    text = (text or "").strip()
    query = Visit.select(*select)
    if joins or text:
        query = (
            query.join(Customer, on=(Visit.customer == Customer.id))
            .switch(Visit)
            .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
            .switch(Visit)
            .join(QuestionnaireTemplate, on=(Visit.template == QuestionnaireTemplate.id))
        )
    if status:
        query = query.where(Visit.status == status)
    if accounts.own_staff_filter() is not False:  # a 回访员: the visits they made
        query = query.where(Visit.visitor.in_(sorted(accounts.my_names())))
    if text:
        cond = (
            name_condition(text)
            | Customer.code.contains(text)
            | ServiceOrder.order_no.contains(text)
            | Visit.visitor.contains(text)
            | Visit.respondent.contains(text)
            | accounts.words_search(Visit.feedback, text, Visit.id)
            | (Visit.mood == text)
            | (Visit.method == text)
        )
        phone = accounts.phone_search(Customer.phone, text)
        if phone is not None:
            cond |= phone
        query = query.where(cond)
    return query


def visit_rows(
    text: str = "",
    offset: int = 0,
    limit: int = 200,
    sort: str = "visit_date",
    descending: bool = True,
    *,
    status: str | None = None,
) -> list[tuple]:
    """Rows (id, 回访日期, 客户, 工单号, 服务类型, 模板, 回访方式, 回访人员, 状态, 情绪, 再购意向,
    被回访人, 问题分类, customer id, order id, 签字状态, 有效性) for one page of the list;
    有效性 is 无效, 待复核 (a pattern the rules flagged: still counted) or empty."""
    key = SORT_KEYS.get(sort, Visit.visit_date)
    order = [key.desc(nulls="LAST") if descending else key.asc(nulls="LAST")]
    order.append(Visit.id.desc() if descending else Visit.id)
    page_ids = [
        row[0]
        for row in _list_query([Visit.id], text, status, joins=sort in _JOINED_SORTS)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
        .tuples()
    ]
    if not page_ids:
        return []
    details = _list_query(
        [
            Visit.id,
            Visit.visit_date,
            Customer.name,
            ServiceOrder.order_no,
            ServiceOrder.service_type,
            QuestionnaireTemplate.name,
            Visit.method,
            Visit.visitor,
            Visit.status,
            Visit.mood,
            Visit.repurchase,
            Visit.respondent,
            _problem_names(),
            Visit.customer,
            Visit.order,
            Visit.sign_status,
            quality.validity_sql(),
        ],
        "",
        None,
    ).where(Visit.id.in_(page_ids))
    by_id = {row[0]: row for row in details.tuples()}
    return [by_id[i] for i in page_ids if i in by_id]


def count_visits(text: str = "", *, status: str | None = None) -> int:
    return _list_query([pw.fn.COUNT(Visit.id)], text, status, joins=False).scalar() or 0
