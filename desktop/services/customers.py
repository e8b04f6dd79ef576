"""Customers and service orders: validated create/update, safe delete, paged search in SQL."""

from datetime import date, datetime

import peewee as pw

from desktop.models import Customer, ServiceOrder, Visit, VisitTask, db

from .errors import ValidationError, ValidationErrors
from .validation import check_not_future, clean_code, clean_name, clean_text, normalize_phone

CUSTOMER_SORT = {
    "code": Customer.code,
    "name": Customer.name,
    "phone": Customer.phone,
    "ctype": Customer.ctype,
    "region": Customer.region,
    "created_at": Customer.created_at,
}
ORDER_SORT = {
    "order_no": ServiceOrder.order_no,
    "customer": Customer.name,
    "service_type": ServiceOrder.service_type,
    "product_model": ServiceOrder.product_model,
    "engineer": ServiceOrder.engineer,
    "completed_at": ServiceOrder.completed_at,
}


def _collect(checks) -> dict:
    """Run (key, callable) checks; raise all field errors together."""
    out, errors = {}, []
    for key, check in checks:
        try:
            out[key] = check()
        except ValidationError as err:
            errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    return out


# ---------------------------------------------------------------- customers
def validate_customer(data: dict, *, existing_id: int | None = None) -> dict:
    clean = _collect(
        [
            ("code", lambda: clean_code(data.get("code"))),
            ("name", lambda: clean_name(data.get("name"))),
            ("phone", lambda: normalize_phone(data.get("phone"))),
            ("title", lambda: clean_text(data.get("title"), "称谓", max_len=10)),
            ("address", lambda: clean_text(data.get("address"), "通讯地址", max_len=200)),
            ("ctype", lambda: clean_text(data.get("ctype") or "普通客户", "客户类型", max_len=20)),
            ("region", lambda: clean_text(data.get("region"), "区域", max_len=40)),
            ("source", lambda: clean_text(data.get("source"), "客户来源", max_len=40)),
            ("note", lambda: clean_text(data.get("note"), "备注", max_len=1000)),
        ]
    )
    clash = Customer.select().where(Customer.code == clean["code"])
    if existing_id is not None:
        clash = clash.where(Customer.id != existing_id)
    clash = clash.first()
    if clash is not None:
        raise ValidationErrors(
            [ValidationError("客户编号", f"{clean['code']} 已被客户“{clash.name}”使用,请换一个编号。")]
        )
    return clean


def create_customer(data: dict) -> Customer:
    clean = validate_customer(data)
    with db.atomic():
        return Customer.create(**clean)


def update_customer(customer_id: int, data: dict) -> Customer:
    clean = validate_customer(data, existing_id=customer_id)
    with db.atomic():
        Customer.update(**clean).where(Customer.id == customer_id).execute()
    return Customer.get_by_id(customer_id)


def delete_customer(customer_id: int) -> str:
    """Delete a customer with no history; archive one that has visits, tasks or orders.

    Returns "deleted" or "archived". Archived customers keep every visit and order and can be
    shown again with ``include_archived``.
    """
    with db.atomic():
        has_history = (
            Visit.select().where(Visit.customer == customer_id).exists()
            or VisitTask.select().where(VisitTask.customer == customer_id).exists()
            or ServiceOrder.select().where(ServiceOrder.customer == customer_id).exists()
        )
        if has_history:
            Customer.update(archived=True).where(Customer.id == customer_id).execute()
            return "archived"
        Customer.delete_by_id(customer_id)
        return "deleted"


def restore_customer(customer_id: int) -> None:
    Customer.update(archived=False).where(Customer.id == customer_id).execute()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def customer_query(text: str = "", *, include_archived: bool = False) -> pw.ModelSelect:
    query = Customer.select()
    if not include_archived:
        query = query.where(~Customer.archived)
    text = (text or "").strip()
    if text:
        pat = _like(text)
        digits = "".join(ch for ch in text if ch.isdigit())
        cond = Customer.name**pat | Customer.code**pat | Customer.address**pat
        if digits and len(digits) >= 3:
            cond |= Customer.phone ** _like(digits)
        query = query.where(cond)
    return query


def search_customers(
    text: str = "",
    *,
    offset: int = 0,
    limit: int = 200,
    sort: str = "code",
    descending: bool = False,
    include_archived: bool = False,
) -> list[tuple]:
    """Rows (id, code, name, title, phone, ctype, region, address, archived) for a list view."""
    col = CUSTOMER_SORT.get(sort, Customer.code)
    query = (
        customer_query(text, include_archived=include_archived)
        .select(
            Customer.id,
            Customer.code,
            Customer.name,
            Customer.title,
            Customer.phone,
            Customer.ctype,
            Customer.region,
            Customer.address,
            Customer.archived,
        )
        .order_by(col.desc() if descending else col, Customer.id)
        .offset(offset)
        .limit(limit)
    )
    return list(query.tuples())


def count_customers(text: str = "", *, include_archived: bool = False) -> int:
    return customer_query(text, include_archived=include_archived).count()


# ---------------------------------------------------------------- orders
def _parse_when(value, field: str):
    if value in (None, ""):
        return None
    if isinstance(value, datetime | date):
        return value
    from .dates import parse_date

    return parse_date(value, field)


def validate_order(data: dict, *, existing_id: int | None = None, today: date | None = None) -> dict:
    def customer():
        cid = data.get("customer_id") or data.get("customer")
        if not cid or not Customer.select().where(Customer.id == int(cid)).exists():
            raise ValidationError("客户", "请先选择该工单所属的客户。")
        return int(cid)

    def completed():
        return check_not_future(_parse_when(data.get("completed_at"), "完成时间"), "完成时间", today=today)

    def closed():
        return check_not_future(
            _parse_when(data.get("complaint_closed_at"), "投诉关闭时间"), "投诉关闭时间", today=today
        )

    def delivered():
        return check_not_future(_parse_when(data.get("delivered_on"), "交付日期"), "交付日期", today=today)

    clean = _collect(
        [
            ("order_no", lambda: clean_code(data.get("order_no"), "工单号")),
            ("customer", customer),
            ("service_type", lambda: clean_text(data.get("service_type") or "维修", "服务类型", max_len=20)),
            ("product_model", lambda: clean_text(data.get("product_model"), "产品型号", max_len=60)),
            ("engineer", lambda: clean_text(data.get("engineer"), "服务工程师", max_len=30)),
            ("team", lambda: clean_text(data.get("team"), "责任部门/班组", max_len=40)),
            ("completed_at", completed),
            ("delivered_on", delivered),
            ("warranty_end", lambda: _parse_when(data.get("warranty_end"), "保修到期日")),
            ("is_complaint", lambda: bool(data.get("is_complaint"))),
            ("complaint_closed_at", closed),
            ("complaint_level", lambda: data.get("complaint_level") or None),
            ("note", lambda: clean_text(data.get("note"), "备注", max_len=1000)),
        ]
    )
    if isinstance(clean["delivered_on"], datetime):
        clean["delivered_on"] = clean["delivered_on"].date()
    if isinstance(clean["warranty_end"], datetime):
        clean["warranty_end"] = clean["warranty_end"].date()
    clash = ServiceOrder.select().where(ServiceOrder.order_no == clean["order_no"])
    if existing_id is not None:
        clash = clash.where(ServiceOrder.id != existing_id)
    if clash.exists():
        raise ValidationErrors(
            [ValidationError("工单号", f"{clean['order_no']} 已存在,请检查是否重复录入。")]
        )
    if not clean["is_complaint"]:
        clean["complaint_closed_at"] = None
        clean["complaint_level"] = None
    return clean


def create_order(data: dict) -> ServiceOrder:
    clean = validate_order(data)
    with db.atomic():
        return ServiceOrder.create(**clean)


def update_order(order_id: int, data: dict) -> ServiceOrder:
    clean = validate_order(data, existing_id=order_id)
    with db.atomic():
        ServiceOrder.update(**clean).where(ServiceOrder.id == order_id).execute()
    return ServiceOrder.get_by_id(order_id)


def order_query(text: str = "", customer_id: int | None = None) -> pw.ModelSelect:
    query = ServiceOrder.select().join(Customer)
    if customer_id is not None:
        query = query.where(ServiceOrder.customer == customer_id)
    text = (text or "").strip()
    if text:
        pat = _like(text)
        cond = (
            ServiceOrder.order_no**pat
            | Customer.name**pat
            | Customer.code**pat
            | ServiceOrder.product_model**pat
            | ServiceOrder.engineer**pat
        )
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits and len(digits) >= 3:
            cond |= Customer.phone ** _like(digits)
        query = query.where(cond)
    return query


def search_orders(
    text: str = "",
    *,
    customer_id: int | None = None,
    offset: int = 0,
    limit: int = 200,
    sort: str = "completed_at",
    descending: bool = True,
) -> list[tuple]:
    """Rows (id, order_no, customer name, customer code, service_type, product_model, engineer,
    team, completed_at, is_complaint, customer_id)."""
    col = ORDER_SORT.get(sort, ServiceOrder.completed_at)
    query = (
        order_query(text, customer_id)
        .select(
            ServiceOrder.id,
            ServiceOrder.order_no,
            Customer.name,
            Customer.code,
            ServiceOrder.service_type,
            ServiceOrder.product_model,
            ServiceOrder.engineer,
            ServiceOrder.team,
            ServiceOrder.completed_at,
            ServiceOrder.is_complaint,
            Customer.id,
        )
        .order_by(col.desc() if descending else col, ServiceOrder.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(query.tuples())


def count_orders(text: str = "", customer_id: int | None = None) -> int:
    return order_query(text, customer_id).count()
