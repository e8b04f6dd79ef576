"""帮助 → 下载导入模板: an .xlsx workbook whose first sheet has every column the importer knows,
with one example row, and a 说明 sheet telling what goes in each column.

The sheet imports as it is, both as 服务工单 (the example order and, being new, its customer) and
as 客户 (the example customer): its headers are the importer's own labels (import_mapping).
"""

from datetime import datetime
from pathlib import Path

from ..common import safe_files
from ..common.errors import UserError

DATA_SHEET = "客户和工单"
HELP_SHEET = "说明"
DEFAULT_NAME = "回访通导入模板.xlsx"

# (header, required, what goes in it, example value). Headers are the importer's labels, so the
# mapping is found without help; the order keeps customer columns next to each other.
COLUMNS: tuple[tuple[str, str, str, object], ...] = (
    ("工单号", "导入工单时必填", "服务工单的编号，不能重复。", "GD20231015001"),
    ("客户编号", "必填", "客户的编号，不能重复；工单用它找到客户。", "C202310001"),
    ("客户姓名", "必填", "个人填姓名，企业客户填单位名称。", "黄思远"),
    ("称谓", "选填", "先生 或 女士。", "先生"),
    ("联系电话", "必填", "手机号或带区号的座机（如 010-12345678）。", "13812345678"),
    ("通讯地址", "选填", "", "北京市朝阳区建国路88号"),
    ("客户类型", "选填", "VIP客户、普通客户 或 企业客户；留空为普通客户。", "普通客户"),
    ("区域", "选填", "如 华北、城东片区。", "华北"),
    ("客户来源", "选填", "客户从哪里知道我们（只在导入客户时读取）。", "老客户介绍"),
    ("服务类型", "选填", "安装、维修、保养、咨询、投诉处理 或 交付；留空为维修。", "维修"),
    ("产品型号", "选填", "", "KFR-35GW"),
    ("服务工程师", "选填", "", "李师傅"),
    ("责任部门/班组", "选填", "", "维修一组"),
    ("完成时间", "选填", "服务完成的日期和时间，用于安排首次回访（完成后3～5个工作日）。", None),
    ("交付日期", "选填", "交付类服务的交付日期（安排交付后1个月、3个月回访）。", None),
    ("保修到期日", "选填", "保修到期前安排一次回访。", None),
    ("是否投诉", "选填", "是 或 否；投诉工单在关闭后24小时内回访。", "否"),
    ("投诉等级", "选填", "一级、二级 或 三级（只对投诉工单）。", ""),
    ("投诉受理时间", "选填", "只对投诉工单。", None),
    ("首次响应时间", "选填", "只对投诉工单。", None),
    ("投诉关闭时间", "选填", "只对投诉工单。", None),
    (
        "一次性解决",
        "选填",
        "第一次上门是否就解决了问题：是 或 否（也可写 Y/N、1/0、√/×）。留空时按“返修判定天数”"
        "自动判定：同一客户同一产品型号在完成后这些天内再次报修记为否，期满未再报修记为是。",
        "是",
    ),
    ("备注", "选填", "", "第一次上门未携带滤网，已二次上门"),
)
EXAMPLE_DATES = {
    "完成时间": datetime(2023, 10, 15, 10, 30),
    "交付日期": None,
    "保修到期日": datetime(2024, 10, 15),
}
TEXT_COLUMNS = ("工单号", "客户编号", "联系电话")  # kept as text: Excel must not turn them into numbers

NOTES = (
    "使用方法：",
    "1. 在“客户和工单”工作表中，从第2行起每行填一张服务工单（示例行可以改写或删除）。",
    "2. 在回访通的“导入数据”页选择本文件，导入类型选“服务工单”：新客户会随工单一起建立。",
    "   只导入客户名单时，导入类型选“客户”（工单的列不会读取）。",
    "3. 日期可写成 2023-10-15 或 2023/10/15 10:30；电话和编号请保持文本格式。",
    "4. 导入前可先预览；有错误的行不会写入，并会生成错误报告，改正后可再次导入。",
    "5. 列的顺序可以调整，表头名称请保留；回访通会按表头自动对应各列。",
)


def _column(header: str) -> int:
    """1-based column of ``header`` in the data sheet."""
    return next(n for n, (name, *_rest) in enumerate(COLUMNS, start=1) if name == header)


def example_row() -> list:
    return [EXAMPLE_DATES.get(header, example) for header, _req, _what, example in COLUMNS]


def _check_target(out) -> Path:
    if out is None or not str(out).strip():
        raise UserError("请选择导入模板的保存位置和文件名（.xlsx）。")
    path = Path(str(out).strip()).expanduser()
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    if not path.parent.is_dir():
        raise UserError(f"文件夹 {path.parent} 不存在，请换一个保存位置。")
    return path


def write_import_template(out) -> Path:
    """Write the template workbook to ``out`` (.xlsx added when missing) through a temporary
    file renamed into place; returns the path written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = _check_target(out)
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    data.append([header for header, *_ in COLUMNS])
    data.append(example_row())
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for col, (header, required, _what, _example) in enumerate(COLUMNS, start=1):
        head = data.cell(row=1, column=col)
        head.font, head.fill = bold, fill
        if required == "必填":
            head.font = Font(bold=True, color="C00000")
        cell = data.cell(row=2, column=col)
        if header in TEXT_COLUMNS:
            cell.number_format = "@"
        elif isinstance(cell.value, datetime):
            has_time = cell.value.hour or cell.value.minute
            cell.number_format = "yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd"
        data.column_dimensions[head.column_letter].width = max(10, 2 * len(header) + 4)
    for header, width in (("通讯地址", 26), ("一次性解决", 12), ("备注", 30)):
        data.column_dimensions[get_column_letter(_column(header))].width = width
    data.freeze_panes = "A2"

    notes = book.create_sheet(HELP_SHEET)
    notes.append(["列名", "是否必填", "填写说明", "示例"])
    for cell in notes[1]:
        cell.font, cell.fill = bold, fill
    for (header, required, what, _example), shown in zip(COLUMNS, example_row(), strict=True):
        if isinstance(shown, datetime):
            shown = f"{shown:%Y-%m-%d %H:%M}" if shown.hour or shown.minute else f"{shown:%Y-%m-%d}"
        notes.append([header, required, what, shown or ""])
    notes.append([])
    for line in NOTES:
        notes.append([line])
    for letter, width in zip("ABCD", (16, 14, 60, 26), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2, max_col=3):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    notes.freeze_panes = "A2"

    safe_files.write_book(path, book, what="保存导入模板")
    return path
