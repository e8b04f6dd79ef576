"""Importing customers (客户) and service orders (服务工单) from .xlsx / .xls / .ods / .csv.

The steps: ``open_source`` reads the file and finds its header row and column mapping;
``ImportSource.preview`` checks the first rows; ``import_source`` validates every row, writes the
accepted ones in one transaction (bulk writes: ``executemany`` on SQLite, multi-row INSERTs and
batched UPDATEs on PostgreSQL) and the rejected ones to an error-report workbook the user can fix
and import again. ``run_import`` does all of it for the CLI.

``progress(done, total, text)`` is called as the work advances; if it raises (the user pressed
cancel), the exception propagates and the transaction rolls back: nothing is written. A code
stored by someone else between the check and the write rolls back too (a UserError).
"""

import csv
import io
import itertools
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import peewee as pw

from desktop.models import Customer, ServiceOrder, db, now
from desktop.models.connection import execute_rows, insert_rows

from ..admin import accounts
from ..common import archive_guard, safe_files
from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.pinyin import name_keys
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
from . import import_mapping as im

log = logging.getLogger(__name__)

BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
MODES = ("update", "skip")
BATCH = 500  # rows per executemany call (and per progress report while writing)
CHECK_EVERY = 250  # rows between progress reports while checking
PREVIEW_ROWS = 20
REPORT_SUFFIX = "_错误报告"
MIN_YEAR, MAX_YEAR = 1950, 2200

Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------- reading files
def read_rows(path: str | Path) -> list[list]:
    """All rows of the file's first sheet with data (cells as read: str, float, date, datetime, bool)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到文件 {path}。请确认文件仍在原来的位置。")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        rows = _read_text(path)
    elif suffix in BOOK_SUFFIXES:
        rows = _read_book(path)
    else:
        raise UserError(
            f"不支持的文件类型“{path.suffix or '无扩展名'}”：{path.name}。请选择 .xlsx、.xls 或 .csv 文件。"
        )
    if not any(_row_has_data(r) for r in rows):
        raise UserError(f"{path.name} 中没有数据。请确认选择了正确的文件和工作表。")
    return rows


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # the container of .xls files and encrypted .xlsx files


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(magic)) == magic
    except OSError:
        return False


def _read_book(path: Path) -> list[list]:
    archive_guard.check_archive(path, "导入")  # a zip bomb never reaches the readers
    try:
        from python_calamine import CalamineWorkbook, PasswordError
    except ImportError:  # pragma: no cover - a build without the fast reader
        return _read_book_openpyxl(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise UserError(f"{path.name} 设置了打开密码。请在 Excel 中取消密码并另存后再导入。") from None
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        if path.suffix.lower() in (".xlsx", ".xlsm") and _starts_with(path, OLE_MAGIC):
            # an encrypted .xlsx is an OLE container, not a zip (so is an .xls given the wrong name)
            raise UserError(
                f"无法读取 {path.name}：它可能设置了打开密码，或是 .xls 文件被改成了 .xlsx 扩展名。"
                "请在 Excel 中打开，取消密码后另存为 .xlsx 再导入。"
            ) from None
        raise UserError(
            f"无法读取 {path.name}：它不是有效的 Excel 工作簿或已损坏（{exc}）。"
            "请用 Excel 打开并另存为 .xlsx 后再导入。"
        ) from None
    try:
        fallback: list[list] = []
        hidden = 0
        for meta in book.sheets_metadata:
            # SheetVisibleEnum.Visible / .Hidden / .VeryHidden (the enum has no .name)
            if str(meta.visible).rsplit(".", 1)[-1] != "Visible":
                hidden += 1
                continue  # hidden sheets hold lookups and the like, not the list to import
            try:
                rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except Exception:  # noqa: BLE001 - chart sheets and the like: try the next sheet
                continue
            if any(_row_has_data(r) for r in rows):
                return rows
            fallback = fallback or rows
        if hidden:
            raise UserError(
                f"{path.name} 中没有含数据的可见工作表（隐藏的 {hidden} 个工作表不会导入）。"
                "请在 Excel 中取消隐藏要导入的工作表，或把数据复制到可见的工作表后再导入。"
            )
        return fallback
    except UserError:
        raise
    except Exception as exc:
        raise UserError(
            f"无法读取 {path.name} 的工作表（{exc}）。请用 Excel 打开并另存为 .xlsx 后再导入。"
        ) from None
    finally:
        book.close()


def _read_book_openpyxl(path: Path) -> list[list]:  # pragma: no cover - used only without calamine
    if path.suffix.lower() == ".xls":
        raise UserError("读取 .xls 文件需要 python-calamine 组件。请重新安装回访通，或把文件另存为 .xlsx。")
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise UserError(f"无法读取 {path.name}：它不是有效的 Excel 工作簿或已损坏（{exc}）。") from None
    try:
        rows = [
            ["" if v is None else v for v in row] for row in book.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        book.close()
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UserError(
                f"{name} 以 UTF-16 标记开头，但内容无法按 UTF-16 读取（文件可能已损坏）。"
                "请用 Excel 另存为“CSV UTF-8”或 .xlsx 后再导入。"
            ) from None
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 is a superset of GBK and GB2312
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(f"无法识别 {name} 的文字编码。请用 Excel 另存为“CSV UTF-8”或 .xlsx 后再导入。")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without its byte-order mark (some tools' "Unicode text"): every ASCII
    character has a zero byte on the same side. None when the bytes do not read that way."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 2 or len(data) % 2:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > pairs // 5 and even == 0:
        encoding = "utf-16-le"
    elif even > pairs // 5 and odd == 0:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


DELIMITERS = (",", "\t", ";", "|")  # in order of preference when two split the file equally well


def _delimiter(text: str) -> str:
    """The separator that splits the first records into the same number of columns most often:
    every line has one between each pair of columns, while semicolons or tabs inside a note
    ("未接;改约;再打") differ from line to line. Quoted cells are read as cells, not counted."""
    sample = text[:65536]
    best, best_agree = ",", 0
    for candidate in DELIMITERS:
        try:
            records = list(
                itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=candidate), 20)
            )
        except csv.Error:
            continue
        widths = Counter(len(r) for r in records if any(c.strip() for c in r))
        if not widths:
            continue
        width, agree = widths.most_common(1)[0]
        if width > 1 and agree > best_agree:
            best, best_agree = candidate, agree
    return best


def _read_text(path: Path) -> list[list]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"无法读取 {path.name}：{exc.strerror or exc}。") from None
    text = None
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _utf16_without_bom(data)
        if text is None:
            raise UserError(f"{path.name} 不是文本格式的 CSV 文件。请选择 .xlsx、.xls 或 .csv 文件。")
    if text is None:
        text = _decode(data, path.name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = list(reader)
    except csv.Error as exc:  # a cell over the csv module's 131,072 characters, and the like
        what = "有单元格内容过长（超过 13 万字）" if "field larger" in str(exc) else f"格式有误（{exc}）"
        raise UserError(
            f"无法读取 {path.name} 第 {reader.line_num} 行：{what}。请检查该行，或另存为 .xlsx 后再导入。"
        ) from None
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _row_has_data(row) -> bool:
    return any(not _blank(v) for v in row)


def cell_text(value) -> str:
    """A cell as text: 13812345678.0 → "13812345678", dates as 2024-09-27 (with a time if any)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # 13812345678.0 → "13812345678"; past 2**53 a float holds no exact integer: 1.7e46 stays
        # 1.7e+46 (its 47 "digits" would be noise)
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, datetime):
        if value.second:
            return f"{value:%Y-%m-%d %H:%M:%S}"
        return f"{value:%Y-%m-%d %H:%M}" if value.hour or value.minute else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- the source: file + header + mapping
@dataclass
class PreviewRow:
    row_no: int  # as the spreadsheet numbers it (1-based)
    cells: list[str]
    status: str  # "新增" / "更新" / "跳过(已存在)" / "错误"
    reason: str = ""


@dataclass
class ImportSource:
    path: Path
    kind: str
    rows: list[list]
    header_row: int  # index into rows
    mapping: dict[str, int]  # field key → column index
    remembered: bool = False  # mapping came from the user's earlier import of this layout

    @property
    def headers(self) -> list[str]:
        if not self.rows:
            return []
        return [cell_text(h).strip() for h in self.rows[self.header_row]]

    @property
    def column_names(self) -> list[str]:
        """Header texts, with "列N" for columns that have none."""
        return [h or f"列{i + 1}" for i, h in enumerate(self.headers)]

    @property
    def data_rows(self) -> list[list]:
        return self.rows[self.header_row + 1 :]

    def count_data_rows(self) -> int:
        """Non-blank rows below the header."""
        return sum(1 for row in self.data_rows if _row_has_data(row))

    @property
    def first_data_row_no(self) -> int:
        return self.header_row + 2

    def set_header_row(self, index: int) -> None:
        """Use another row as the header; the mapping is found again for its headers."""
        if not 0 <= index < len(self.rows):
            raise UserError(f"表头行号应在 1 到 {len(self.rows)} 之间。")
        self.header_row = index
        self.mapping, self.remembered = im.mapping_for(self.kind, self.headers)

    def set_kind(self, kind: str) -> None:
        """Import the same file as another kind: header row and mapping are found again."""
        im.fields_of(kind)
        self.kind = kind
        self.header_row = im.find_header_row(kind, self.rows)
        self.mapping, self.remembered = im.mapping_for(kind, self.headers)

    def missing_required(self) -> list[str]:
        return im.missing_required(self.kind, self.mapping)

    def preview(
        self, limit: int = PREVIEW_ROWS, *, mode: str = "update", today: date | None = None
    ) -> list[PreviewRow]:
        """The first ``limit`` non-blank data rows with what the import would do to each."""
        checker = _make_checker(self, mode, today)
        out: list[PreviewRow] = []
        for offset, row in enumerate(self.data_rows):
            if len(out) >= limit:
                break
            if not _row_has_data(row):
                continue
            row_no = self.first_data_row_no + offset
            outcome, reason = checker.check(row_no, row)
            out.append(PreviewRow(row_no, [cell_text(v) for v in row], outcome, reason))
        return out


def open_source(path: str | Path, kind: str) -> ImportSource:
    """Read ``path`` and find its header row and column mapping (remembered or automatic)."""
    im.fields_of(kind)
    path = Path(path).expanduser().absolute()
    rows = read_rows(path)
    header_row = im.find_header_row(kind, rows)
    source = ImportSource(path, kind, rows, header_row, {})
    source.mapping, source.remembered = im.mapping_for(kind, source.headers)
    return source


# ---------------------------------------------------------------- checking rows
def _value(row: list, mapping: dict[str, int], key: str):
    """The cell feeding ``key``, or None when the cell is blank or no column feeds the field."""
    col = mapping.get(key)
    if col is None or col >= len(row):
        return None
    value = row[col]
    return None if _blank(value) else value


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


class _CustomerChecker(_Checker):
    rules = CUSTOMER_RULES
    code_key, code_label = "code", "客户编号"

    def __init__(self, mapping, mode, today):
        super().__init__(mapping, mode, today)
        self.existing = _code_map(Customer, Customer.code)


class _OrderChecker(_Checker):
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


def _make_checker(source: ImportSource, mode: str, today: date | None) -> _Checker:
    if mode not in MODES:
        raise UserError(f"导入方式“{mode}”无效，请选择 update（更新已有记录）或 skip（跳过已有记录）。")
    today = today or date.today()
    cls = _CustomerChecker if source.kind == "customers" else _OrderChecker
    return cls(source.mapping, mode, today)


# ---------------------------------------------------------------- the result
@dataclass
class ImportResult:
    kind: str
    imported: int = 0  # new records
    updated: int = 0  # existing records changed (mode "update")
    rejected: int = 0  # rows written to the error report
    skipped_blank: int = 0
    skipped_existing: int = 0  # existing records left alone (mode "skip")
    customers_created: int = 0  # orders import: customers created from the order rows
    tasks_created: int | None = None  # orders import: visit tasks the scheduler made (None: not run)
    report: Path | None = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "rejected": self.rejected,
            "skipped_blank": self.skipped_blank,
            "report": str(self.report) if self.report else None,
        }

    def summary(self) -> str:
        what = im.KINDS[self.kind]
        parts = [f"新增{what} {self.imported} 条", f"更新 {self.updated} 条"]
        if self.skipped_existing:
            parts.append(f"已存在未改动 {self.skipped_existing} 条")
        if self.customers_created:
            parts.append(f"同时新建客户 {self.customers_created} 个")
        if self.tasks_created:
            parts.append(f"生成回访任务 {self.tasks_created} 个")
        parts.append(f"拒绝 {self.rejected} 行")
        parts.append(f"跳过空行 {self.skipped_blank} 行")
        text = "导入完成：" + "，".join(parts) + "。"
        if self.report:
            text += f"\n被拒绝的行及原因已写入：{self.report}\n请在其中修改后再次导入。"
        for note in self.notes:
            text += "\n" + note
        return text


# ---------------------------------------------------------------- running an import
def run_import(
    path: str | Path,
    kind: str,
    *,
    mode: str = "update",
    report_path: str | Path | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportResult:
    """Read ``path`` with the remembered or automatic mapping and import it (the CLI's path)."""
    source = open_source(path, kind)
    return import_source(source, mode=mode, report_path=report_path, progress=progress, today=today)


@accounts.requires(accounts.MANAGE, "导入数据")
def import_source(
    source: ImportSource,
    *,
    mode: str = "update",
    report_path: str | Path | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    remember: bool = True,
) -> ImportResult:
    if mode not in MODES:
        raise UserError(f"导入方式“{mode}”无效，请选择 update（更新已有记录）或 skip（跳过已有记录）。")
    missing = source.missing_required()
    if missing:
        raise UserError(
            f"缺少必需的列：{'、'.join(missing)}。请在“列对应”中为它选择文件中的列，或检查表头所在行是否正确。"
        )
    report_progress = progress or (lambda done, total, text: None)
    rows = source.data_rows
    first_no = source.first_data_row_no
    checker = _make_checker(source, mode, today)
    result = ImportResult(source.kind)

    n = len(rows)
    report_progress(0, n, "正在检查数据…")
    for offset, row in enumerate(rows):
        if offset and offset % CHECK_EVERY == 0:
            report_progress(offset, n, f"正在检查第 {offset} / {n} 行…")
        if not _row_has_data(row):
            result.skipped_blank += 1
            continue
        checker.check(first_no + offset, row)
    result.rejected = len(checker.rejected)
    result.skipped_existing = checker.skipped_existing

    try:
        with db.atomic():
            if source.kind == "customers":
                _write_customers(checker, result, report_progress)
            else:
                _write_orders(checker, result, report_progress)
            if remember:
                im.remember_mapping(source.kind, source.headers, source.mapping)
            report_progress(n, n, "正在保存…")  # the last chance to cancel: raising here rolls back
    except pw.IntegrityError as exc:
        # a code added by someone else (another PC on a shared database) between check and write
        raise UserError(
            "写入时发现编号与数据库中的记录冲突（可能其他电脑刚刚录入了相同编号的客户或工单）。"
            f"本次导入已全部撤销，没有写入任何数据；请重新导入。（{str(exc).strip()}）"
        ) from exc

    if checker.rejected:
        result.report = write_error_report(source, checker.rejected, report_path)
    if source.kind == "orders" and (result.imported or result.updated):
        _after_orders(result, today)
    log.info(
        "导入%s：新增 %s，更新 %s，错误 %s 行（%s）",
        source.kind, result.imported, result.updated, result.rejected, getattr(source, "path", ""),
    )
    return result


def _after_orders(result: ImportResult, today: date | None) -> None:
    """New orders may be due a first visit: let the task scheduler look (when it is installed)."""
    try:
        from desktop.services.scheduling.scheduler import run_scheduler
    except ImportError:  # the scheduler service is not part of every build yet
        return
    try:
        outcome = run_scheduler(today) if today else run_scheduler()
    except Exception as exc:  # noqa: BLE001 - the import itself is committed and must be reported
        log.exception("run_scheduler after an order import failed")
        result.notes.append(f"注意：工单已导入，但自动生成回访任务失败（{exc}）。可稍后在“回访任务”页重新生成。")
        return
    if isinstance(outcome, dict):
        result.tasks_created = outcome.get("total")
        if outcome.get("warning"):
            result.notes.append(str(outcome["warning"]))


def _dt(value: datetime | None) -> str | None:
    return None if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def _d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _db(value):
    """A value as the database stores it (peewee's text forms for dates and times)."""
    if isinstance(value, datetime):
        return _dt(value)
    if isinstance(value, date):
        return _d(value)
    return value


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Writer:
    """Prepared tuples written in batches (``executemany`` on SQLite, a multi-row INSERT or
    batched statements on PostgreSQL) in the caller's transaction, reporting progress per batch."""

    def __init__(self, total: int, progress: Progress):
        self.total = max(total, 1)
        self.done = 0
        self.progress = progress

    def _step(self, n: int) -> None:
        self.done += n
        self.progress(self.done, self.total, f"正在写入 {self.done} / {self.total} 条…")

    def insert(self, model, fields: tuple[str, ...], rows: list[tuple]) -> None:
        columns = [model._meta.fields[name].column_name for name in fields]
        for batch in _batches(rows):
            insert_rows(model._meta.table_name, columns, batch)
            self._step(len(batch))

    def update(self, sql: str, params: list[tuple]) -> None:
        for batch in _batches(params):
            execute_rows(sql, batch)
            self._step(len(batch))


_CUSTOMER_INSERT = (
    "code", "name", "title", "phone", "address", "ctype", "region", "source", "note", "created_at", "archived",
    "name_py",
)  # fmt: skip
_CUSTOMER_KEEP = ("title", "address", "ctype", "region", "source", "note")  # a blank cell keeps these


def _customer_update_sql() -> str:
    f = Customer._meta.fields
    sets = [
        f"{f['name'].column_name} = ?",
        f"{f['name_py'].column_name} = ?",
        f"{f['phone'].column_name} = ?",
    ]
    sets += [f"{f[c].column_name} = COALESCE(?, {f[c].column_name})" for c in _CUSTOMER_KEEP]
    return f'UPDATE "{Customer._meta.table_name}" SET {", ".join(sets)} WHERE id = ?'


def _customer_insert_row(code: str, v: dict, stamp: str) -> tuple:
    return (
        code,
        v["name"],
        v.get("title") or "",
        v["phone"],
        v.get("address") or "",
        v.get("ctype") or "普通客户",
        v.get("region") or "",
        v.get("source") or "",
        v.get("note") or "",
        stamp,
        False,
        name_keys(v["name"]),
    )


def _write_customers(checker: _CustomerChecker, result: ImportResult, progress: Progress) -> None:
    stamp = _dt(now())
    writer = _Writer(len(checker.inserts) + len(checker.updates), progress)
    writer.insert(
        Customer, _CUSTOMER_INSERT, [_customer_insert_row(v["code"], v, stamp) for v in checker.inserts]
    )
    writer.update(
        _customer_update_sql(),
        [
            (v["name"], name_keys(v["name"]), v["phone"], *(v.get(k) for k in _CUSTOMER_KEEP), pk)
            for pk, v in checker.updates
        ],
    )
    result.imported = len(checker.inserts)
    result.updated = len(checker.updates)


# order columns an update sets only from non-blank cells (a blank cell keeps the stored value)
_ORDER_KEEP = (
    "service_type", "product_model", "engineer", "team", "completed_at", "delivered_on", "warranty_end", "note",
    "complaint_at", "complaint_responded_at", "first_time_fixed",
)  # fmt: skip
_ORDER_INSERT = (
    "order_no", "customer", "service_type", "product_model", "engineer", "team", "completed_at", "delivered_on",
    "warranty_end", "is_complaint", "complaint_closed_at", "complaint_level", "note", "created_at",
    "complaint_at", "complaint_responded_at", "first_time_fixed",
)  # fmt: skip


def _complaint(v: dict) -> tuple[bool | None, str | None, datetime | None]:
    """(is_complaint, level, closed): a level or closing time without 是否投诉 means a complaint;
    an explicit 否 clears both."""
    flag = v.get("is_complaint")
    level, closed = v.get("complaint_level"), v.get("complaint_closed_at")
    if flag is None and (level or closed):
        flag = True
    if flag is False:
        level, closed = None, None
    return flag, level, closed


def _order_update_sql() -> str:
    """Blank cells keep the stored value; 是否投诉 = 否 (the ``clear`` parameters, a real
    boolean) empties the complaint's level and closing time."""
    f = ServiceOrder._meta.fields
    keep = ", ".join(f"{f[c].column_name} = COALESCE(?, {f[c].column_name})" for c in _ORDER_KEEP)
    flag, level, closed = (
        f[c].column_name for c in ("is_complaint", "complaint_level", "complaint_closed_at")
    )
    return (
        f'UPDATE "{ServiceOrder._meta.table_name}" SET {f["customer"].column_name} = ?, {keep}, '
        f"{flag} = COALESCE(?, {flag}), "
        f"{level} = CASE WHEN ? THEN NULL ELSE COALESCE(?, {level}) END, "
        f"{closed} = CASE WHEN ? THEN NULL ELSE COALESCE(?, {closed}) END "
        "WHERE id = ?"
    )


def _write_orders(checker: _OrderChecker, result: ImportResult, progress: Progress) -> None:
    stamp = _dt(now())
    total = len(checker.new_customers) + len(checker.inserts) + len(checker.updates)
    writer = _Writer(total, progress)

    if checker.new_customers:
        writer.insert(
            Customer,
            _CUSTOMER_INSERT,
            [_customer_insert_row(code, v, stamp) for code, v in checker.new_customers.items()],
        )
        codes = list(checker.new_customers)
        for batch in _batches(codes, 400):
            query = Customer.select(Customer.code, Customer.id).where(Customer.code.in_(batch))
            checker.customers.update({code.upper(): pk for code, pk in query.tuples().iterator()})
        result.customers_created = len(codes)

    rows = []
    for v in checker.inserts:
        flag, level, closed = _complaint(v)
        rows.append(
            (
                v["order_no"],
                checker.customers[v["customer_code"]],
                v.get("service_type") or "维修",
                v.get("product_model") or "",
                v.get("engineer") or "",
                v.get("team") or "",
                _dt(v.get("completed_at")),
                _d(v.get("delivered_on")),
                _d(v.get("warranty_end")),
                bool(flag),
                _dt(closed),
                level,
                v.get("note") or "",
                stamp,
                _dt(v.get("complaint_at")) if flag else None,
                _dt(v.get("complaint_responded_at")) if flag else None,
                v.get("first_time_fixed"),  # None: not said, judged by services.first_fix
            )
        )
    writer.insert(ServiceOrder, _ORDER_INSERT, rows)

    params = []
    for pk, v in checker.updates:
        flag, level, closed = _complaint(v)
        clear = flag is False
        kept = [_db(v.get(c)) for c in _ORDER_KEEP]
        params.append(
            (checker.customers[v["customer_code"]], *kept, flag, clear, level, clear, _dt(closed), pk)
        )
    writer.update(_order_update_sql(), params)
    result.imported = len(checker.inserts)
    result.updated = len(checker.updates)


# ---------------------------------------------------------------- the error report
def default_report_path(source_path: Path) -> Path:
    stem = source_path.stem
    if stem.endswith(REPORT_SUFFIX):
        stem = stem[: -len(REPORT_SUFFIX)]
    path = source_path.with_name(f"{stem}{REPORT_SUFFIX}.xlsx")
    if path.resolve() == source_path.resolve():  # importing the report itself: keep it intact
        path = source_path.with_name(f"{stem}{REPORT_SUFFIX}_{datetime.now():%Y%m%d%H%M%S}.xlsx")
    return path


MAX_CELL_TEXT = 32767  # Excel's limit for one cell


def _report_cell(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str):
        # an .xlsx cannot hold control characters (a CSV can): drop them, and keep within Excel's limit
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
    return None if value == "" else value


def _text_cell(sheet, value):
    """Text stays text in the report: openpyxl would write "=1+1" as a formula (and Excel would
    run it) — the user must see, fix and import again exactly what the file held."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def write_error_report(
    source: ImportSource, rejected: list[tuple[int, list, str]], path: str | Path | None = None
) -> Path:
    """The rejected rows with the file's own columns, plus 行号 and 错误原因 (fix and import again)."""
    target = Path(path) if path else default_report_path(source.path)

    def save(where: Path) -> Path:
        return safe_files.write_book(where, _report_book(source, rejected), what="保存错误报告")

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return save(target)
    except (OSError, UserError):
        import tempfile

        # a read-only folder (a CD, a shared drive), a full disk or the old report open in Excel:
        # keep it anyway
        return save(Path(tempfile.gettempdir()) / target.name)


def _report_book(source: ImportSource, rejected: list[tuple[int, list, str]]):
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误报告")
    sheet.freeze_panes = "B2"
    headers = ["行号", *source.column_names, "错误原因"]
    widths = [8] + [max(10, min(30, len(h) * 2 + 4)) for h in source.column_names] + [60]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    header_cells = []
    for text in headers:
        cell = _text_cell(sheet, _report_cell(text) or "")
        cell.font = bold
        cell.fill = fill
        header_cells.append(cell)
    sheet.append(header_cells)
    red = Font(color="C00000")
    width = len(source.column_names)
    for row_no, row, reason in rejected:
        cells = [_text_cell(sheet, _report_cell(v)) for v in list(row)[:width]]
        cells += [None] * (width - len(cells))
        reason_cell = _text_cell(sheet, _report_cell(reason))
        reason_cell.font = red
        sheet.append([row_no, *cells, reason_cell])
    return book
