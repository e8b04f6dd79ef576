"""Which spreadsheet column feeds which field: the known Chinese headers, finding the header row
below title or blank rows, and remembering the user's own mapping per kind and header layout."""

import re
from dataclasses import dataclass

from desktop.models import Setting, db

from ..admin import accounts
from ..common.validation import to_halfwidth

KINDS = {"customers": "客户", "orders": "服务工单"}
HEADER_SCAN_ROWS = 20  # the header row is looked for in the first rows only
MAX_REMEMBERED = 20  # mappings kept per kind (most recent first)
SETTING_PREFIX = "import_mapping:"


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str  # what the mapping table shows
    aliases: tuple[str, ...]  # headers that mean this field (compared after normalise_header)
    required: bool = False


CUSTOMER_FIELDS = (
    FieldDef("code", "客户编号", ("客户编号", "编号", "客户代码", "客户号", "客户id"), required=True),
    FieldDef(
        "name", "客户姓名", ("客户姓名", "姓名", "客户名称", "客户名", "名称", "单位名称"), required=True
    ),
    FieldDef(
        "phone",
        "联系电话",
        ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"),
        required=True,
    ),
    FieldDef("title", "称谓", ("称谓", "称呼")),
    FieldDef("address", "通讯地址", ("通讯地址", "地址", "联系地址", "详细地址")),
    FieldDef("ctype", "客户类型", ("客户类型", "类型", "客户类别", "客户等级")),
    FieldDef("region", "区域", ("区域", "所属区域", "地区", "片区")),
    FieldDef("source", "客户来源", ("客户来源", "来源", "获客渠道")),
    FieldDef("note", "备注", ("备注", "说明")),
)

# An order names its customer by 客户编号. The customer columns after it are optional: when the
# code is not in the database yet, a row that also carries the name and phone creates the customer.
ORDER_FIELDS = (
    FieldDef("order_no", "工单号", ("工单号", "工单编号", "服务单号", "单号"), required=True),
    FieldDef("customer_code", "客户编号", ("客户编号", "客户代码", "客户号"), required=True),
    FieldDef("service_type", "服务类型", ("服务类型", "服务项目", "业务类型")),
    FieldDef("product_model", "产品型号", ("产品型号", "型号", "机型")),
    FieldDef("engineer", "服务工程师", ("服务工程师", "工程师", "服务人员", "维修人员")),
    FieldDef("team", "责任部门/班组", ("责任部门/班组", "责任部门", "班组", "部门", "服务班组")),
    FieldDef(
        "completed_at", "完成时间", ("完成时间", "服务完成时间", "完成日期", "服务完成日期", "完工时间")
    ),
    FieldDef("delivered_on", "交付日期", ("交付日期", "交付时间", "交车日期")),
    FieldDef("warranty_end", "保修到期日", ("保修到期日", "保修到期", "保修截止日期", "保修到期日期")),
    FieldDef("is_complaint", "是否投诉", ("是否投诉", "投诉")),
    FieldDef("complaint_level", "投诉等级", ("投诉等级", "投诉级别")),
    FieldDef("complaint_at", "投诉受理时间", ("投诉受理时间", "投诉时间", "受理时间")),
    FieldDef("complaint_responded_at", "首次响应时间", ("首次响应时间", "投诉响应时间", "响应时间")),
    FieldDef("complaint_closed_at", "投诉关闭时间", ("投诉关闭时间", "投诉关闭日期", "投诉结案时间")),
    FieldDef(
        "first_time_fixed",
        "一次性解决",
        ("一次性解决", "是否一次性解决", "是否一次解决", "一次性解决率", "一次解决", "首次解决", "一次修复"),
    ),
    FieldDef("note", "备注", ("备注", "说明")),
    FieldDef("customer_name", "客户姓名（新客户）", ("客户姓名", "姓名", "客户名称", "客户名")),
    FieldDef(
        "customer_phone", "联系电话（新客户）", ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式")
    ),
    FieldDef("customer_title", "称谓（新客户）", ("称谓", "称呼")),
    FieldDef("customer_address", "通讯地址（新客户）", ("通讯地址", "地址", "联系地址")),
    FieldDef("customer_ctype", "客户类型（新客户）", ("客户类型", "客户类别")),
    FieldDef("customer_region", "区域（新客户）", ("区域", "所属区域", "地区")),
)

FIELDS = {"customers": CUSTOMER_FIELDS, "orders": ORDER_FIELDS}


def fields_of(kind: str) -> tuple[FieldDef, ...]:
    try:
        return FIELDS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}") from None


_DECORATION = re.compile(r"[\s*:：()（）\[\]【】<>《》#]|必填|选填")


def normalise_header(value) -> str:
    """ "  联系电话 * " / "联系电话(必填)" / "手机号:" → comparable text."""
    if value is None:
        return ""
    text = to_halfwidth(str(value)).lower()
    return _DECORATION.sub("", text)


def _aliases(kind: str) -> list[tuple[str, str]]:
    return [(field.key, normalise_header(alias)) for field in fields_of(kind) for alias in field.aliases]


def _score(header: str, alias: str) -> int:
    """3 for the same text, 1 when the header contains the alias (客户联系电话 ⊃ 联系电话), else 0."""
    if not header or len(header) > 20:
        return 0
    if header == alias:
        return 3
    if len(alias) >= 2 and alias in header:
        return 1
    return 0


def auto_mapping(kind: str, headers: list) -> dict[str, int]:
    """field key → column index for the columns whose header names a known field.

    Exact header matches win over partial ones, longer aliases over shorter ones; each column
    feeds at most one field and each field takes at most one column.
    """
    normalised = [normalise_header(h) for h in headers]
    candidates = []
    for col, header in enumerate(normalised):
        for key, alias in _aliases(kind):
            score = _score(header, alias)
            if score:
                candidates.append((score, len(alias), -col, key, col))
    candidates.sort(reverse=True)
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for *_rank, key, col in candidates:
        if key in mapping or col in used:
            continue
        mapping[key] = col
        used.add(col)
    return mapping


def header_score(kind: str, row: list) -> int:
    """How much a row looks like a header row: known headers in it (exact matches count more)."""
    aliases = _aliases(kind)
    total = 0
    for cell in row:
        header = normalise_header(cell)
        if header:
            total += max((_score(header, alias) for _key, alias in aliases), default=0)
    return total


def find_header_row(kind: str, rows: list[list]) -> int:
    """Index of the row (among the first ``HEADER_SCAN_ROWS``) naming the most known fields.

    Title rows and blank rows above the header score nothing; ties go to the upper row. A sheet
    without any known header falls back to its first non-blank row.
    """
    best, best_score = None, 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = header_score(kind, row)
        if score > best_score:
            best, best_score = index, score
    if best is not None:
        return best
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(str(c).strip() for c in row if c is not None):
            return index
    return 0


def header_signature(headers: list) -> str:
    """The layout of a header row, to recognise the same kind of file next time."""
    return "|".join(normalise_header(h) for h in headers).rstrip("|")


def _setting_key(kind: str) -> str:
    fields_of(kind)
    return SETTING_PREFIX + kind


def saved_mapping(kind: str, headers: list) -> dict[str, int] | None:
    """The mapping the user confirmed last time for a file with these headers, if any."""
    row = Setting.get_or_none(Setting.key == _setting_key(kind))
    if row is None or not isinstance(row.value, list):
        return None
    signature = header_signature(headers)
    known = {f.key for f in fields_of(kind)}
    for entry in row.value:
        if isinstance(entry, dict) and entry.get("signature") == signature:
            mapping = entry.get("mapping") or {}
            return {
                key: int(col)
                for key, col in mapping.items()
                if key in known and isinstance(col, int) and 0 <= col < len(headers)
            }
    return None


@accounts.requires(accounts.MANAGE, "导入数据")
def remember_mapping(kind: str, headers: list, mapping: dict[str, int]) -> None:
    """Store ``mapping`` for this kind and header layout (most recent first, a few kept)."""
    key = _setting_key(kind)
    signature = header_signature(headers)
    with db.atomic():
        row = Setting.get_or_none(Setting.key == key)
        entries = row.value if row is not None and isinstance(row.value, list) else []
        entries = [e for e in entries if isinstance(e, dict) and e.get("signature") != signature]
        entries.insert(0, {"signature": signature, "mapping": {k: int(v) for k, v in mapping.items()}})
        Setting.insert(key=key, value=entries[:MAX_REMEMBERED]).on_conflict(
            conflict_target=[Setting.key], preserve=[Setting.value]
        ).execute()


def mapping_for(kind: str, headers: list) -> tuple[dict[str, int], bool]:
    """(mapping, remembered): the user's remembered mapping for these headers, else the automatic one."""
    remembered = saved_mapping(kind, headers)
    if remembered is not None:
        return remembered, True
    return auto_mapping(kind, headers), False


def missing_required(kind: str, mapping: dict[str, int]) -> list[str]:
    """Labels of required fields that no column feeds."""
    return [f.label for f in fields_of(kind) if f.required and mapping.get(f.key) is None]
