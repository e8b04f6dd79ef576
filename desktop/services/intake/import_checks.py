"""Checking imported rows: each column's conversion and limits, customer codes and order numbers known or repeated, the row's errors named in Chinese."""

from datetime import date, datetime

from desktop.models import Customer, ServiceOrder

from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import (
    check_not_future,
    clean_code,
    clean_name,
    clean_text,
    normalize_complaint_level,
    normalize_customer_type,
    normalize_phone,
    normalize_title,
    parse_yes_no,
)
from . import first_fix
from .readers import blank, cell_text

MODES = ("update", "skip")
MIN_YEAR, MAX_YEAR = 1950, 2200


# ---------------------------------------------------------------- checking rows
def _value(row: list, mapping: dict[str, int], key: str):
    """The cell feeding ``key``, or None when the cell is blank or no column feeds the field."""
    col = mapping.get(key)
    if col is None or col >= len(row):
        return None
    value = row[col]
    return None if blank(value) else value


def _when(value, label: str, *, with_time: bool, not_future: bool, today: date):
    """A date cell → datetime (with_time) or date; None for blank. Raises ValidationError."""
    if value is None:
        return None
    parsed = parse_date(value, label)
    if parsed is None:
        return None
    day = parsed.date() if isinstance(parsed, datetime) else parsed
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(label, f"“{cell_text(value)}”不像是真实的日期（年份 {day.year}），请核对。")
    if not_future:
        check_not_future(day, label, today=today)
    if with_time:
        return parsed if isinstance(parsed, datetime) else datetime(day.year, day.month, day.day)
    return day


# A rule turns one cell (None when blank) into a value; optional fields give None for blank, which
# an update reads as "keep what is stored" and an insert as "use the default".
def _required(convert, label: str):
    return lambda value, _today: convert(cell_text(value), label)


def _optional(convert):
    return lambda value, _today: None if value is None else (convert(cell_text(value)) or None)


def _text(label: str, max_len: int):
    return _optional(lambda text: clean_text(text, label, max_len=max_len))


def _date(label: str, *, with_time: bool, not_future: bool = True):
    return lambda value, today: _when(value, label, with_time=with_time, not_future=not_future, today=today)


def _service_type(text: str, label: str = "服务类型") -> str:
    """One of the fixed 服务类型 (as the order form offers them); "空调维修" or "上门安装" name
    exactly one of them and are read as it. Anything else is refused, listing the choices."""
    clean = clean_text(text, label, max_len=20).replace(" ", "")
    if not clean or clean in ServiceOrder.SERVICE_TYPES:
        return clean
    named = [t for t in ServiceOrder.SERVICE_TYPES if t in clean]
    if len(named) == 1:
        return named[0]
    choices = "、".join(ServiceOrder.SERVICE_TYPES)
    raise ValidationError(label, f"“{clean}”不是可选的服务类型，请填写 {choices} 之一，或留空（按维修）。")


CUSTOMER_RULES = (  # (value key, mapping key, rule)
    ("code", "code", _required(clean_code, "客户编号")),
    ("name", "name", _required(clean_name, "客户姓名")),
    ("phone", "phone", _required(normalize_phone, "联系电话")),
    ("title", "title", _optional(normalize_title)),
    ("address", "address", _text("通讯地址", 200)),
    ("ctype", "ctype", _optional(normalize_customer_type)),
    ("region", "region", _text("区域", 40)),
    ("source", "source", _text("客户来源", 40)),
    ("note", "note", _text("备注", 1000)),
)
ORDER_RULES = (
    ("order_no", "order_no", _required(clean_code, "工单号")),
    ("customer_code", "customer_code", _required(clean_code, "客户编号")),
    ("service_type", "service_type", _optional(_service_type)),
    ("product_model", "product_model", _text("产品型号", 60)),
    ("engineer", "engineer", _text("服务工程师", 30)),
    ("team", "team", _text("责任部门/班组", 40)),
    ("completed_at", "completed_at", _date("完成时间", with_time=True)),
    ("delivered_on", "delivered_on", _date("交付日期", with_time=False)),
    ("warranty_end", "warranty_end", _date("保修到期日", with_time=False, not_future=False)),
    ("is_complaint", "is_complaint", lambda value, _today: parse_yes_no(value, "是否投诉")),
    ("complaint_level", "complaint_level", _optional(normalize_complaint_level)),
    ("complaint_at", "complaint_at", _date("投诉受理时间", with_time=True)),
    ("complaint_responded_at", "complaint_responded_at", _date("首次响应时间", with_time=True)),
    ("complaint_closed_at", "complaint_closed_at", _date("投诉关闭时间", with_time=True)),
    ("first_time_fixed", "first_time_fixed", lambda value, _today: first_fix.parse(value)),
    ("note", "note", _text("备注", 1000)),
)
NEW_CUSTOMER_RULES = (  # an order row's own customer columns, used when its 客户编号 is new
    ("name", "customer_name", _required(clean_name, "客户姓名")),
    ("phone", "customer_phone", _required(normalize_phone, "联系电话")),
    ("title", "customer_title", _optional(normalize_title)),
    ("address", "customer_address", _text("通讯地址", 200)),
    ("ctype", "customer_ctype", _optional(normalize_customer_type)),
    ("region", "customer_region", _text("区域", 40)),
)


def _apply(rules, row: list, mapping: dict[str, int], today: date) -> tuple[dict, list[ValidationError]]:
    values, errors = {}, []
    for key, source_key, rule in rules:
        try:
            values[key] = rule(_value(row, mapping, source_key), today)
        except ValidationErrors as errs:
            errors.extend(errs.errors)
        except ValidationError as err:
            errors.append(err)
    return values, errors


def _code_map(model, column) -> dict[str, int]:
    """Stored code (as clean_code writes it) → id, read once per import."""
    return {str(code).upper(): pk for code, pk in model.select(column, model.id).tuples().iterator()}


class _Checker:
    """Validates rows one by one, remembering codes seen earlier in the file, and collects what
    to insert, what to update and what to reject."""

    rules: tuple = ()
    code_key = code_label = ""

    def __init__(self, mapping: dict[str, int], mode: str, today: date):
        self.mapping = mapping
        self.mode = mode
        self.today = today
        self.existing: dict[str, int] = {}
        self.seen: dict[str, int] = {}  # code → row number of its first occurrence in the file
        self.inserts: list[dict] = []
        self.updates: list[tuple[int, dict]] = []  # (stored id, values)
        self.skipped_existing = 0
        self.rejected: list[tuple[int, list, str]] = []

    def check(self, row_no: int, row: list) -> tuple[str, str]:
        """("新增" | "更新" | "跳过(已存在)" | "错误", reason), recording what to write."""
        values, errors = _apply(self.rules, row, self.mapping, self.today)
        code = values.get(self.code_key)
        if code is not None:
            first = self.seen.setdefault(code, row_no)
            if first != row_no:
                errors.insert(
                    0,
                    ValidationError(
                        self.code_label,
                        f"{code} 与本文件第 {first} 行重复，此行未导入（请删除重复行或改用不同编号）。",
                    ),
                )
        if not errors:
            errors = self.resolve(values, row)
        if errors:
            reason = "；".join(str(e) for e in errors)
            self.rejected.append((row_no, row, reason))
            return "错误", reason
        existing = self.existing.get(code)
        if existing is None:
            self.inserts.append(values)
            self.accepted(values)
            return "新增", ""
        if self.mode == "skip":
            self.skipped_existing += 1
            return "跳过（已存在）", ""
        self.updates.append((existing, values))
        self.accepted(values)
        return "更新", ""

    def resolve(self, values: dict, row: list) -> list[ValidationError]:
        """Checks that need the row's fields valid first (an order's customer)."""
        return []

    def accepted(self, values: dict) -> None:
        """A row will be written."""


class CustomerChecker(_Checker):
    rules = CUSTOMER_RULES
    code_key, code_label = "code", "客户编号"

    def __init__(self, mapping, mode, today):
        super().__init__(mapping, mode, today)
        self.existing = _code_map(Customer, Customer.code)


class OrderChecker(_Checker):
    rules = ORDER_RULES
    code_key, code_label = "order_no", "工单号"

    def __init__(self, mapping, mode, today):
        super().__init__(mapping, mode, today)
        self.existing = _code_map(ServiceOrder, ServiceOrder.order_no)
        self.customers = _code_map(Customer, Customer.code)
        self.new_customers: dict[str, dict] = {}  # code → customer values, created by this import

    def resolve(self, values: dict, row: list) -> list[ValidationError]:
        """The order's customer: in the database, created by an earlier row of this file, or
        described by this row's own customer columns (then created with the order)."""
        delivered, warranty = values.get("delivered_on"), values.get("warranty_end")
        if delivered and warranty and warranty < delivered:  # as the order form refuses it
            return [
                ValidationError(
                    "保修到期日", f"{warranty:%Y-%m-%d} 早于交付日期 {delivered:%Y-%m-%d}，请核对。"
                )
            ]
        code = values["customer_code"]
        if code in self.customers or code in self.new_customers:
            return []
        if _value(row, self.mapping, "customer_name") or _value(row, self.mapping, "customer_phone"):
            customer, errors = _apply(NEW_CUSTOMER_RULES, row, self.mapping, self.today)
            values["customer"] = customer
            return errors
        return [
            ValidationError(
                "客户编号",
                f"{code} 不是已有的客户，本文件中也没有它的姓名和电话。"
                "请先导入该客户，或在此行填写客户姓名和联系电话。",
            )
        ]

    def accepted(self, values: dict) -> None:
        if values.get("customer") is not None:
            self.new_customers.setdefault(values["customer_code"], values["customer"])


def make_checker(kind: str, mapping: dict[str, int], mode: str, today: date | None) -> _Checker:
    if mode not in MODES:
        raise UserError(f"导入方式“{mode}”无效，请选择 update（更新已有记录）或 skip（跳过已有记录）。")
    today = today or date.today()
    cls = CustomerChecker if kind == "customers" else OrderChecker
    return cls(mapping, mode, today)
