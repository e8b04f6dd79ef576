"""Customers and service orders: validated create/update, safe delete, paged search in SQL."""

import re
from dataclasses import replace
from datetime import date, datetime

import peewee as pw

from desktop.models import CallAttempt, Customer, ServiceOrder, Visit, VisitTask, db, now
from desktop.models.connection import is_sqlite

from ..admin import accounts, versions
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.pinyin import name_keys, pinyin_condition
from ..common.validation import (
    check_not_future,
    clean_code,
    clean_name,
    clean_text,
    normalize_customer_type,
    normalize_phone,
    normalize_title,
    to_halfwidth,
)
from . import first_fix

CUSTOMER_SORT = {
    "code": Customer.code,
    "name": Customer.name,
    "title": Customer.title,
    "phone": Customer.phone,
    "ctype": Customer.ctype,
    "region": Customer.region,
    "address": Customer.address,
    "archived": Customer.archived,
    "created_at": Customer.created_at,
}
ORDER_SORT = {
    "order_no": ServiceOrder.order_no,
    "customer": Customer.name,
    "customer_code": Customer.code,
    "service_type": ServiceOrder.service_type,
    "product_model": ServiceOrder.product_model,
    "engineer": ServiceOrder.engineer,
    "team": ServiceOrder.team,
    "completed_at": ServiceOrder.completed_at,
    "is_complaint": ServiceOrder.is_complaint,
}


def _run(checks) -> tuple[dict, list[ValidationError]]:
    """Run (key, callable) checks; the clean values of those that passed and the errors."""
    out, errors = {}, []
    for key, check in checks:
        try:
            out[key] = check()
        except ValidationError as err:
            errors.append(err)
    return out, errors


def _choice(value, field: str, choices, aliases: dict, *, default: str | None = None) -> str:
    text = to_halfwidth(clean_text(value, field, max_len=20))
    if not text and default is not None:
        return default
    text = aliases.get(text.upper() if text.isascii() else text, text)
    if text not in choices:
        shown = "、".join(c for c in choices if c) + ("或留空" if "" in choices else "")
        raise ValidationError(field, f"“{text}”不是可选的值，请选择 {shown}。")
    return text


# ---------------------------------------------------------------- customers
def validate_customer(data: dict, *, existing_id: int | None = None) -> dict:
    clean, errors = _run(
        [
            ("code", lambda: clean_code(data.get("code"))),
            ("name", lambda: clean_name(data.get("name"))),
            ("phone", lambda: normalize_phone(data.get("phone"))),
            ("title", lambda: normalize_title(data.get("title"))),
            ("address", lambda: clean_text(data.get("address"), "通讯地址", max_len=200)),
            ("ctype", lambda: normalize_customer_type(data.get("ctype"))),
            ("region", lambda: clean_text(data.get("region"), "区域", max_len=40)),
            ("source", lambda: clean_text(data.get("source"), "客户来源", max_len=40)),
            ("note", lambda: clean_text(data.get("note"), "备注", max_len=1000)),
        ]
    )
    if "code" in clean:
        clash = Customer.select().where(Customer.code == clean["code"])
        if existing_id is not None:
            clash = clash.where(Customer.id != existing_id)
        clash = clash.first()
        if clash is not None:
            archived = "（已归档）" if clash.archived else ""
            errors.insert(
                0,
                ValidationError(
                    "客户编号", f"{clean['code']} 已被客户“{clash.name}”{archived}使用，请换一个编号。"
                ),
            )
    if errors:
        raise ValidationErrors(errors)
    return clean


@accounts.requires(accounts.EDIT_CUSTOMERS, "修改客户资料")
def create_customer(data: dict) -> Customer:
    clean = validate_customer(data)
    with db.atomic():
        return Customer.create(
            **clean, name_py=name_keys(clean["name"]), modified_by=versions.actor(), modified_at=now()
        )


@accounts.requires(accounts.EDIT_CUSTOMERS, "修改客户资料")
def update_customer(customer_id: int, data: dict) -> Customer:
    """Save the customer dialog; ``data["row_version"]`` (the version the dialog loaded, if
    given) refuses a save from a stale copy with ``StaleEdit`` (its ``current``: the stored
    fields as ``customer_fields`` gives them)."""
    get_customer(customer_id)
    expected = data.get("row_version")

    def current() -> dict:  # read only when refused
        return customer_fields(customer_id)

    versions.check(Customer, customer_id, expected, "位客户的资料", current)
    clean = validate_customer(data, existing_id=customer_id)
    with db.atomic():
        versions.guarded_update(
            Customer, customer_id, {**clean, "name_py": name_keys(clean["name"])}, expected, "位客户的资料", current
        )
    return Customer.get_by_id(customer_id)


CUSTOMER_LABELS = {
    "code": "客户编号",
    "name": "姓名/单位",
    "title": "称谓",
    "phone": "联系电话",
    "address": "通讯地址",
    "ctype": "客户类型",
    "region": "区域",
    "source": "客户来源",
    "note": "备注",
}


def customer_fields(customer_id: int) -> dict:
    """A stored customer as the dialog submits it, with its ``row_version``."""
    customer = get_customer(customer_id)
    return {key: getattr(customer, key) for key in CUSTOMER_LABELS} | {"row_version": customer.row_version}


def get_customer(customer_id: int) -> Customer:
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise UserError("找不到该客户，可能已被删除。请刷新列表后重试。")
    return customer


def customer_history(customer_id: int) -> dict[str, int]:
    """How many visits, visit tasks, call attempts and service orders refer to the customer."""
    return {
        "visits": Visit.select().where(Visit.customer == customer_id).count(),
        "tasks": VisitTask.select().where(VisitTask.customer == customer_id).count(),
        "attempts": CallAttempt.select().where(CallAttempt.customer == customer_id).count(),
        "orders": ServiceOrder.select().where(ServiceOrder.customer == customer_id).count(),
    }


@accounts.requires(accounts.MANAGE, "删除客户")
def delete_customer(customer_id: int) -> str:
    """Delete a customer with no history; archive one that has visits, tasks or orders.

    Returns "deleted" or "archived". Archived customers keep every visit and order and can be
    shown again with ``include_archived``.
    """
    with db.atomic():
        has_history = (
            Visit.select().where(Visit.customer == customer_id).exists()
            or VisitTask.select().where(VisitTask.customer == customer_id).exists()
            or CallAttempt.select().where(CallAttempt.customer == customer_id).exists()
            or ServiceOrder.select().where(ServiceOrder.customer == customer_id).exists()
        )
        if has_history:
            Customer.update(archived=True).where(Customer.id == customer_id).execute()
            return "archived"
        Customer.delete_by_id(customer_id)
        return "deleted"


@accounts.requires(accounts.MANAGE, "恢复已删除的客户")
def restore_customer(customer_id: int) -> None:
    with db.atomic():
        Customer.update(archived=False).where(Customer.id == customer_id).execute()


def _next_code(prefix: str, model_field: pw.Field, digits: int = 3) -> str:
    """``prefix`` + the next free zero-padded sequence number (C202310 → C202310001)."""
    width = digits
    while True:
        if is_sqlite():
            matches = pw.Expression(model_field, "GLOB", prefix + "[0-9]" * width)
        else:  # PostgreSQL: the same test as an anchored regular expression
            matches = pw.Expression(model_field, "~", f"^{re.escape(prefix)}[0-9]{{{width}}}$")
        top = model_field.model.select(pw.fn.MAX(model_field)).where(matches).scalar()
        first = 1 if width == digits else 10 ** (width - 1)  # after 999 comes 1000
        number = int(top[len(prefix) :]) + 1 if top else first
        if number < 10**width:
            return f"{prefix}{number:0{width}d}"
        width += 1  # 999 used this month: carry on with one more digit


def suggest_customer_code(today: date | None = None) -> str:
    """The next free 客户编号 for this month: C + yyyymm + 3-digit sequence (C202310001)."""
    today = today or date.today()
    return _next_code(f"C{today:%Y%m}", Customer.code)


def _search_text(text: str) -> str:
    return to_halfwidth(text or "").strip()


def name_condition(text: str):
    """What a search box matches on a customer's name: any part of it, or the start of its
    pinyin (hsy / huangsi → 黄思远) when ``text`` is letters only. For every customer search."""
    cond = Customer.name.contains(text)
    pinyin = pinyin_condition(Customer.name_py, text)
    return cond | pinyin if pinyin is not None else cond


def customer_query(text: str = "", *, include_archived: bool = False) -> pw.ModelSelect:
    """Customers whose 姓名 (or its pinyin initials), 客户编号, 联系电话, 通讯地址 or one of whose
    工单号 contains ``text``."""
    query = Customer.select()
    if not include_archived:
        query = query.where(~Customer.archived)
    text = _search_text(text)
    if text:
        orders = ServiceOrder.select(ServiceOrder.customer).where(ServiceOrder.order_no.contains(text))
        cond = (
            name_condition(text)
            | Customer.code.contains(text)
            | Customer.address.contains(text)
            | Customer.id.in_(orders)
        )
        phone = accounts.phone_search(Customer.phone, text)
        if phone is not None:
            cond |= phone
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
        .order_by(col.desc() if descending else col, Customer.id.desc() if descending else Customer.id)
        .offset(offset)
        .limit(limit)
    )
    return list(query.tuples())


def count_customers(text: str = "", *, include_archived: bool = False) -> int:
    return customer_query(text, include_archived=include_archived).count()


def customer_suggestions(field: str, limit: int = 200) -> list[str]:
    """Values already used for 区域 ("region") or 客户来源 ("source"), most used first."""
    col = {"region": Customer.region, "source": Customer.source}[field]
    query = (
        Customer.select(col)
        .where(col != "")
        .group_by(col)
        .order_by(pw.fn.COUNT(Customer.id).desc(), col)
        .limit(limit)
    )
    return [row[0] for row in query.tuples()]


# ---------------------------------------------------------------- orders
COMPLAINT_SERVICE = "投诉处理"
COMPLAINT_MOMENTS = {  # in the order they happen
    "complaint_at": "投诉受理时间",
    "complaint_responded_at": "首次响应时间",
    "complaint_closed_at": "投诉关闭时间",
}
_NEW_MOMENTS = ("complaint_at", "complaint_responded_at")
_ORDER_HINTS = {
    "complaint_responded_at": "首次响应应在受理投诉之后",
    "complaint_closed_at": "投诉只能在受理、响应之后关闭",
}
_DONE_BEFORE = {"complaint_at": "受理投诉", "complaint_responded_at": "响应客户"}


def _parse_when(value, field: str):
    if value in (None, ""):
        return None
    if isinstance(value, datetime | date):
        return value
    from ..common.dates import parse_date

    return parse_date(value, field)


def _as_date(value):
    return value.date() if isinstance(value, datetime) else value


def _as_datetime(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, datetime.min.time())


def _not_future_moment(value, field: str, today: date | None):
    """A day after today is refused; with no fixed ``today``, a time later today is refused too."""
    value = check_not_future(value, field, today=today)
    if today is None and isinstance(value, datetime) and value > datetime.now():
        raise ValidationError(field, f"{value:%Y-%m-%d %H:%M} 还没有到。请填写已经发生的时间。")
    return value


def validate_order(data: dict, *, existing_id: int | None = None, today: date | None = None) -> dict:
    def customer():
        cid = data.get("customer_id") or data.get("customer")
        if isinstance(cid, Customer):
            cid = cid.id
        try:
            cid = int(cid) if cid else None
        except (TypeError, ValueError, OverflowError):
            cid = None
        if cid is not None and not 0 < cid < 2**63:  # beyond SQLite's integers: no such customer
            cid = None
        if not cid or not Customer.select().where(Customer.id == cid).exists():
            raise ValidationError("客户", "请先选择该工单所属的客户。")
        return cid

    def completed():
        return _as_datetime(
            _not_future_moment(_parse_when(data.get("completed_at"), "完成时间"), "完成时间", today)
        )

    def complaint_moment(key: str):
        field = COMPLAINT_MOMENTS[key]

        def check():
            if not data.get("is_complaint"):
                return None
            return _as_datetime(_not_future_moment(_parse_when(data.get(key), field), field, today))

        return check

    def delivered():
        return _as_date(
            check_not_future(_parse_when(data.get("delivered_on"), "交付日期"), "交付日期", today=today)
        )

    def complaint_level():
        if not data.get("is_complaint"):
            return None
        level = clean_text(data.get("complaint_level"), "投诉等级", max_len=10)
        if level and level not in ServiceOrder.COMPLAINT_LEVELS:
            raise ValidationError("投诉等级", f"“{level}”不是可选的等级，请选择 一级、二级 或 三级。")
        return level or None

    # 一次性解决 是/否/未填 (None: judged by services.first_fix); a caller that leaves it out
    # keeps the stored value
    first_fixed = [("first_time_fixed", lambda: first_fix.parse(data.get("first_time_fixed")))]
    clean, errors = _run(
        [
            ("order_no", lambda: clean_code(data.get("order_no"), "工单号")),
            ("customer", customer),
            (
                "service_type",
                lambda: _choice(
                    data.get("service_type"), "服务类型", ServiceOrder.SERVICE_TYPES, {}, default="维修"
                ),
            ),
            ("product_model", lambda: clean_text(data.get("product_model"), "产品型号", max_len=60)),
            ("engineer", lambda: clean_text(data.get("engineer"), "服务工程师", max_len=30)),
            ("team", lambda: clean_text(data.get("team"), "责任部门/班组", max_len=40)),
            ("completed_at", completed),
            ("delivered_on", delivered),
            ("warranty_end", lambda: _as_date(_parse_when(data.get("warranty_end"), "保修到期日"))),
            ("is_complaint", lambda: bool(data.get("is_complaint"))),
            ("complaint_closed_at", complaint_moment("complaint_closed_at")),
            # 投诉受理时间 / 首次响应时间: a caller that leaves them out keeps the stored times
            *[(key, complaint_moment(key)) for key in _NEW_MOMENTS if key in data or existing_id is None],
            ("complaint_level", complaint_level),
            *(first_fixed if "first_time_fixed" in data or existing_id is None else []),
            ("note", lambda: clean_text(data.get("note"), "备注", max_len=1000)),
        ]
    )
    delivered, warranty = clean.get("delivered_on"), clean.get("warranty_end")
    if delivered and warranty and warranty < delivered:
        errors.append(
            ValidationError("保修到期日", f"{warranty:%Y-%m-%d} 早于交付日期 {delivered:%Y-%m-%d}，请核对。")
        )
    if "order_no" in clean:
        clash = ServiceOrder.select().where(ServiceOrder.order_no == clean["order_no"])
        if existing_id is not None:
            clash = clash.where(ServiceOrder.id != existing_id)
        if clash.exists():
            errors.insert(0, ValidationError("工单号", f"{clean['order_no']} 已存在，请检查是否重复录入。"))
    if clean.get("is_complaint"):
        errors.extend(_complaint_order_errors(clean, data, existing_id))
    if errors:
        raise ValidationErrors(errors)
    if not clean["is_complaint"]:
        clean["complaint_closed_at"] = None
        clean["complaint_level"] = None
        clean["complaint_at"] = clean["complaint_responded_at"] = None
    return clean


def _complaint_order_errors(clean: dict, data: dict, existing_id: int | None) -> list[ValidationError]:
    """Compare the complaint's times as they will be saved (a time left out of an update is the
    stored one); a time that failed its own check is not compared."""
    kept = [key for key in _NEW_MOMENTS if key not in data]
    stored = (
        ServiceOrder.get_or_none(ServiceOrder.id == existing_id) if kept and existing_id is not None else None
    )
    moments = {key: clean[key] for key in COMPLAINT_MOMENTS if key in clean}
    if stored is not None:
        moments.update({key: getattr(stored, key) for key in kept})
    handling = clean.get("service_type") == COMPLAINT_SERVICE
    return complaint_time_errors(**moments, completed_at=clean.get("completed_at") if handling else None)


def complaint_time_errors(
    complaint_at: datetime | None = None,
    complaint_responded_at: datetime | None = None,
    complaint_closed_at: datetime | None = None,
    completed_at: datetime | None = None,
) -> list[ValidationError]:
    """A complaint's times must follow each other: 投诉受理时间 ≤ 首次响应时间 ≤ 投诉关闭时间
    (each compared with the latest earlier one that is filled in). ``completed_at`` is given for a
    投诉处理 order, whose service is the handling of the complaint: it is accepted and answered
    before the order is completed. Empty times are not compared. One error per wrong field,
    naming both times and the fix."""
    errors: list[ValidationError] = []
    earlier: tuple[str, datetime] | None = None
    for key, value in (
        ("complaint_at", complaint_at),
        ("complaint_responded_at", complaint_responded_at),
        ("complaint_closed_at", complaint_closed_at),
    ):
        if value is None:
            continue
        field = COMPLAINT_MOMENTS[key]
        if earlier is not None and value < earlier[1]:
            before, when = earlier
            errors.append(
                ValidationError(
                    field,
                    f"{value:%Y-%m-%d %H:%M} 早于{before} {when:%Y-%m-%d %H:%M}。"
                    f"{_ORDER_HINTS[key]}，请改正{field}或{before}。",
                )
            )
        elif completed_at is not None and key != "complaint_closed_at" and value > completed_at:
            errors.append(
                ValidationError(
                    field,
                    f"{value:%Y-%m-%d %H:%M} 晚于完成时间 {completed_at:%Y-%m-%d %H:%M}。"
                    f"投诉处理工单完成前应已{_DONE_BEFORE[key]}，请改正{field}或完成时间。",
                )
            )
        if earlier is None or value >= earlier[1]:
            earlier = (field, value)
    return errors


@accounts.requires(accounts.EDIT_CUSTOMERS, "修改服务工单")
def create_order(data: dict) -> ServiceOrder:
    clean = validate_order(data)
    with db.atomic():
        return ServiceOrder.create(**clean)


@accounts.requires(accounts.EDIT_CUSTOMERS, "修改服务工单")
def update_order(order_id: int, data: dict) -> ServiceOrder:
    """Save the order dialog; ``data["row_version"]`` refuses a stale copy (``StaleEdit``)."""
    get_order(order_id)
    expected = data.get("row_version")

    def current() -> dict:  # read only when refused
        return order_fields(order_id)

    versions.check(ServiceOrder, order_id, expected, "张服务工单", current)
    clean = validate_order(data, existing_id=order_id)
    with db.atomic():
        versions.guarded_update(ServiceOrder, order_id, clean, expected, "张服务工单", current)
    return ServiceOrder.get_by_id(order_id)


ORDER_LABELS = {
    "order_no": "工单号",
    "customer_id": "客户",
    "service_type": "服务类型",
    "product_model": "产品型号",
    "engineer": "服务工程师",
    "team": "责任部门/班组",
    "completed_at": "完成时间",
    "first_time_fixed": "一次性解决",
    "delivered_on": "交付日期",
    "warranty_end": "保修到期日",
    "is_complaint": "投诉",
    "complaint_level": "投诉等级",
    **COMPLAINT_MOMENTS,
    "note": "备注",
}


def order_fields(order_id: int) -> dict:
    """A stored order as the order dialog submits it, with its ``row_version``."""
    order = get_order(order_id)
    return {key: getattr(order, key) for key in ORDER_LABELS} | {"row_version": order.row_version}


def order_differences(mine: dict, theirs: dict) -> list:
    """The fields of the order dialog that differ, the customer shown by its code and name."""
    names = {
        c.id: f"{c.code} {c.name}"
        for c in Customer.select().where(Customer.id.in_([mine.get("customer_id") or 0, theirs.get("customer_id") or 0]))
    }
    return [
        replace(d, mine=names.get(d.mine, d.mine), theirs=names.get(d.theirs, d.theirs)) if d.key == "customer_id" else d
        for d in versions.differences(mine, theirs, ORDER_LABELS)
    ]


def get_order(order_id: int) -> ServiceOrder:
    order = ServiceOrder.get_or_none(ServiceOrder.id == order_id)
    if order is None:
        raise UserError("找不到该工单，可能已被删除。请刷新列表后重试。")
    return order


def suggest_order_no(today: date | None = None) -> str:
    """The next free 工单号 for today: GD + yyyymmdd + 3-digit sequence (GD20231015001)."""
    today = today or date.today()
    return _next_code(f"GD{today:%Y%m%d}", ServiceOrder.order_no)


def order_suggestions(field: str, limit: int = 200) -> list[str]:
    """Values already used for 服务工程师 ("engineer"), 班组 ("team") or 产品型号 ("product_model")."""
    col = {
        "engineer": ServiceOrder.engineer,
        "team": ServiceOrder.team,
        "product_model": ServiceOrder.product_model,
    }[field]
    query = (
        ServiceOrder.select(col)
        .where(col != "")
        .group_by(col)
        .order_by(pw.fn.COUNT(ServiceOrder.id).desc(), col)
        .limit(limit)
    )
    return [row[0] for row in query.tuples()]


def order_query(text: str = "", customer_id: int | None = None) -> pw.ModelSelect:
    query = ServiceOrder.select().join(Customer)
    if customer_id is not None:
        query = query.where(ServiceOrder.customer == customer_id)
    text = _search_text(text)
    if text:
        cond = (
            ServiceOrder.order_no.contains(text)
            | name_condition(text)
            | Customer.code.contains(text)
            | ServiceOrder.product_model.contains(text)
            | ServiceOrder.engineer.contains(text)
            | ServiceOrder.team.contains(text)
        )
        phone = accounts.phone_search(Customer.phone, text)
        if phone is not None:
            cond |= phone
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
    team, completed_at, is_complaint, customer_id, complaint_level, customer phone)."""
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
            ServiceOrder.complaint_level,
            Customer.phone,
        )
        .order_by(col.desc() if descending else col, ServiceOrder.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(query.tuples())


def count_orders(text: str = "", customer_id: int | None = None) -> int:
    return order_query(text, customer_id).count()
