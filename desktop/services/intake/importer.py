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

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import peewee as pw

from desktop.models import Customer, ServiceOrder, db, now
from desktop.models.connection import execute_rows, insert_rows

from ..admin import accounts
from ..common.errors import UserError
from ..common.pinyin import name_keys
from . import import_mapping as im
from .error_report import write_error_report
from .import_checks import MODES, CustomerChecker, OrderChecker, make_checker
from .readers import cell_text, read_rows, row_has_data

log = logging.getLogger(__name__)

BATCH = 500  # rows per executemany call (and per progress report while writing)
CHECK_EVERY = 250  # rows between progress reports while checking
PREVIEW_ROWS = 20

Progress = Callable[[int, int, str], None]


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
        return sum(1 for row in self.data_rows if row_has_data(row))

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
        checker = make_checker(self.kind, self.mapping, mode, today)
        out: list[PreviewRow] = []
        for offset, row in enumerate(self.data_rows):
            if len(out) >= limit:
                break
            if not row_has_data(row):
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
    checker = make_checker(source.kind, source.mapping, mode, today)
    result = ImportResult(source.kind)

    n = len(rows)
    report_progress(0, n, "正在检查数据…")
    for offset, row in enumerate(rows):
        if offset and offset % CHECK_EVERY == 0:
            report_progress(offset, n, f"正在检查第 {offset} / {n} 行…")
        if not row_has_data(row):
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


def _write_customers(checker: CustomerChecker, result: ImportResult, progress: Progress) -> None:
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


def _write_orders(checker: OrderChecker, result: ImportResult, progress: Progress) -> None:
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

