"""Reading spreadsheet files into rows: .xlsx / .xls / .ods through calamine (openpyxl without it), .csv in UTF-8, UTF-16 or GBK with its delimiter guessed."""

import csv
import io
import itertools
from collections import Counter
from datetime import date, datetime
from pathlib import Path

from ..common import archive_guard
from ..common.errors import UserError

BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


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
    if not any(row_has_data(r) for r in rows):
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
            if any(row_has_data(r) for r in rows):
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


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def row_has_data(row) -> bool:
    return any(not blank(v) for v in row)


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
