"""Bad files, tried on purpose: spreadsheets that are not spreadsheets and databases that are not
databases. Each gives a clear Chinese message (UserError / DatabaseOpenError), the CLI exits with
it on stderr and no traceback, and a database file the program refuses is left byte for byte."""

import io
import os
import random
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop import cli
from desktop.models import Customer
from desktop.models.connection import DatabaseOpenError, close_database, open_database
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.common.errors import UserError
from desktop.services.intake import error_report, importer
from desktop.services.maintenance.bootstrap import open_app_database

# CI runs the same examples every time (a submission must not fail on a new random draw);
# developers' runs explore new ones and keep what failed in .hypothesis/
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADER = ["客户编号", "客户姓名", "联系电话"]
ROW = ["C001", "张三", "13812345678"]
REPO = Path(__file__).resolve().parent.parent


def _csv_text(rows) -> str:
    return "".join(",".join(r) + "\r\n" for r in rows)


def _workbook(path: Path, sheets: list[tuple[str, list[list]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _rezip(src: Path, dst: Path, change) -> Path:
    """Copy an .xlsx member by member through ``change(name, data)`` (None drops the member)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = change(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item, data)
    return dst


def _hide_sheets(names: set[str] | None = None):
    """A change for ``_rezip`` marking the named sheets (all when None) hidden in workbook.xml."""

    def change(name, data):
        if name != "xl/workbook.xml":
            return data
        text = data.decode("utf-8")
        for sheet in re.findall(r'<sheet [^>]*name="([^"]+)"', text):
            if names is None or sheet in names:
                text = re.sub(rf'(name="{sheet}"[^>]*?)state="visible"', r'\1state="hidden"', text)
        return text.encode("utf-8")

    return change


# ---------------------------------------------------------------- files the importer is given
def _random(n: int, seed: int, low: int = 0) -> bytes:
    rnd = random.Random(seed)
    return bytes(rnd.randrange(low, 256) for _ in range(n))


def _junk_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "这不是工作簿")
        z.writestr("xl/workbook.xml", "<workbook><sheets>")
    return buf.getvalue()


def _no_sheets(folder: Path) -> Path:
    base = _workbook(folder / "base.xlsx", [("客户", [HEADER, ROW])])

    def change(name, data):
        if name == "xl/workbook.xml":
            return re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data, flags=re.S)
        return None if name.startswith("xl/worksheets/") else data

    return _rezip(base, folder / "零个工作表.xlsx", change)


def _only_hidden(folder: Path) -> Path:
    base = _workbook(folder / "base.xlsx", [("客户", [HEADER, ROW]), ("查找表", [["VIP客户"]])])
    return _rezip(base, folder / "全部隐藏.xlsx", _hide_sheets())


BAD_BOOKS = {
    # name: (file name, bytes or a function of the folder, words the message must hold)
    "random bytes": ("客户.xlsx", _random(5000, 1), ["不是有效的 Excel 工作簿"]),
    "zip with junk": ("客户.xlsx", _junk_zip(), ["不是有效的 Excel 工作簿"]),
    "empty file": ("客户.xlsx", b"", ["不是有效的 Excel 工作簿"]),
    "renamed pdf": ("客户.xlsx", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", ["Excel"]),
    "encrypted-looking": (
        "客户.xlsx",
        bytes.fromhex("D0CF11E0A1B11AE1") + _random(4000, 2),
        ["打开密码"],
    ),
    "random bytes as xls": ("客户.xls", _random(3000, 3), ["Excel"]),
    "random bytes as ods": ("客户.ods", _random(3000, 4), ["Excel"]),
    "0 sheets": ("零个工作表.xlsx", _no_sheets, ["没有数据"]),
    "only hidden sheets": ("全部隐藏.xlsx", _only_hidden, ["隐藏"]),
    "only a title row": (
        "标题.xlsx",
        lambda folder: _workbook(folder / "标题.xlsx", [("客户", [["2024年度 客户名单（导出）"]])]),
        ["缺少必需的列"],
    ),
    "only a blank sheet": (
        "空白.xlsx",
        lambda folder: _workbook(folder / "空白.xlsx", [("Sheet1", [])]),
        ["没有数据"],
    ),
    "random bytes csv": ("客户.csv", _random(5000, 5), ["CSV"]),
    "random bytes csv without NUL": ("客户.csv", _random(5000, 6, low=0x80), ["编码"]),
    "utf-16 with a bom, cut mid-character": (
        "客户.csv",
        b"\xff\xfe" + _csv_text([HEADER, ROW]).encode("utf-16-le")[:-1],
        ["UTF-16"],
    ),
    "huge single cell": (
        "客户.csv",
        _csv_text([HEADER, ["C001", "张" * 300_000, "13812345678"]]).encode("utf-8"),
        ["过长", "第 2 行"],
    ),
    "empty csv": ("客户.csv", b"", ["没有数据"]),
    "wrong file type": ("客户.pdf", b"%PDF-1.4\n", ["不支持的文件类型"]),
}


def _make(folder: Path, name: str, content) -> Path:
    if callable(content):
        return content(folder)
    path = folder / name
    path.write_bytes(content)
    return path


def _assert_clear(message: str, words: list[str], file_name: str) -> None:
    assert CJK.search(message), message
    assert "Traceback" not in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    if "缺少必需的列" not in words:  # that one names the columns to map instead
        assert file_name in message, f"the message should name the file: {message!r}"


@pytest.mark.parametrize("case", list(BAD_BOOKS))
def test_bad_import_file_gives_a_clear_user_error(database, tmp_path, case):
    name, content, words = BAD_BOOKS[case]
    path = _make(tmp_path, name, content)
    with pytest.raises(UserError) as caught:
        importer.run_import(path, "customers")
    _assert_clear(str(caught.value), words, path.name)
    assert Customer.select().count() == 0


@pytest.mark.parametrize(
    "case", ["random bytes", "encrypted-looking", "only hidden sheets", "huge single cell"]
)
def test_cli_import_of_a_bad_file_exits_2_with_the_message(tmp_path, capsys, case):
    name, content, words = BAD_BOOKS[case]
    path = _make(tmp_path, name, content)
    try:
        code = cli.main(["--db", str(tmp_path / "cli.db"), "import", "customers", str(path)])
    finally:
        close_database()
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("错误：")
    _assert_clear(err, words, path.name)
    assert out == ""


def test_utf16_csv_without_bom_is_read_as_utf16(database, tmp_path):
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(_csv_text([HEADER, ROW]).encode(encoding))
        result = importer.run_import(path, "customers", mode="update")
        assert result.rejected == 0
    assert Customer.get(Customer.code == "C001").name == "张三"


def test_hidden_lookup_sheet_before_the_list_is_skipped(database, tmp_path):
    base = _workbook(
        tmp_path / "base.xlsx",
        [
            ("查找表", [["客户编号", "客户姓名", "联系电话"], ["X9", "不该导入", "13900000000"]]),
            ("客户", [HEADER, ROW]),
        ],
    )
    path = _rezip(base, tmp_path / "带隐藏表.xlsx", _hide_sheets({"查找表"}))
    result = importer.run_import(path, "customers")
    assert result.imported == 1
    assert [c.code for c in Customer.select()] == ["C001"]


def test_huge_cell_in_a_workbook_is_rejected_and_reported_within_excel_limits(database, tmp_path):
    path = _workbook(
        tmp_path / "大单元格.xlsx",
        [("客户", [HEADER, ["C001", "张" * 40_000, "13812345678"], ["C002", "李四", "13812345679"]])],
    )
    result = importer.run_import(path, "customers")
    assert (result.imported, result.rejected) == (1, 1)
    book = openpyxl.load_workbook(result.report, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[1][0] == 2
    assert len(rows[1][2]) == error_report.MAX_CELL_TEXT  # cut to what Excel can hold
    assert "太长" in rows[1][-1]
    assert Customer.get(Customer.code == "C002").name == "李四"


def test_error_report_keeps_formulas_and_control_characters_as_plain_text(database, tmp_path):
    path = tmp_path / "公式.csv"
    rows = [
        [*HEADER, "备注"],
        ["C001", "=1+1", "12345", '=HYPERLINK("http://x")'],
        ["C002", "王\x01五", "x\x02", "@SUM(A1)"],
    ]
    path.write_text(_csv_text(rows), encoding="utf-8")
    result = importer.run_import(path, "customers")
    assert result.rejected == 2
    book = openpyxl.load_workbook(result.report)  # not read-only: cell types are visible
    sheet = book.worksheets[0]
    assert sheet.cell(2, 3).value == "=1+1" and sheet.cell(2, 3).data_type == "s"
    assert sheet.cell(2, 5).value == '=HYPERLINK("http://x")' and sheet.cell(2, 5).data_type == "s"
    assert sheet.cell(3, 3).value == "王五"  # control characters cannot be stored in .xlsx
    assert sheet.cell(3, 5).value == "@SUM(A1)"
    book.close()


def test_comma_csv_whose_notes_hold_semicolons_and_tabs_keeps_its_columns(database, tmp_path):
    rows = [[*HEADER, "备注"]] + [
        [f"C00{i}", "张三", "13812345678", "未接；改约；再打；未接；改约；再打\t转\t主管"] for i in range(1, 4)
    ]
    path = tmp_path / "备注.csv"
    path.write_text(_csv_text([[c if ";" not in c else f'"{c}"' for c in r] for r in rows]), encoding="utf-8")
    result = importer.run_import(path, "customers")
    assert (result.imported, result.rejected) == (3, 0)
    assert Customer.get(Customer.code == "C002").note == "未接；改约；再打；未接；改约；再打 转 主管"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from(
        [b"", b"PK\x03\x04", bytes.fromhex("D0CF11E0A1B11AE1"), b"%PDF-", b"\xff\xfe", b"\xef\xbb\xbf"]
    ),
    body=st.binary(max_size=600),
    suffix=st.sampled_from([".xlsx", ".xls", ".ods", ".csv", ".txt"]),
)
def test_random_bytes_never_escape_as_anything_but_a_user_error(database, tmp_path, prefix, body, suffix):
    path = tmp_path / f"随机{suffix}"
    path.write_bytes(prefix + body)
    try:
        importer.run_import(path, "customers", report_path=tmp_path / "报告.xlsx")
    except UserError as err:
        assert CJK.search(str(err))
    finally:
        Customer.delete().execute()


# ---------------------------------------------------------------- database files
def _real_database(path: Path) -> bytes:
    open_app_database(path)
    Customer.create(code="C001", name="张三", phone="13812345678")
    close_database()
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    return path.read_bytes()


def _truncated(path: Path, keep) -> Path:
    """A real database cut short, as a failed copy to a full USB stick leaves it."""
    data = _real_database(path)
    path.write_bytes(data[: keep(len(data))])
    return path


def _with_version(path: Path, version: int) -> Path:
    _real_database(path)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {version}")
    con.execute("PRAGMA journal_mode = DELETE")
    con.commit()
    con.close()
    return path


def _foreign(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    con.execute("INSERT INTO notes (text) VALUES ('别的程序的数据')")
    con.commit()
    con.close()
    return path


BAD_DATABASES = {
    "text file": (
        lambda p: p.write_text("这不是数据库\n" * 200, encoding="utf-8"),
        "不是回访通数据库或已损坏",
    ),
    "random bytes": (lambda p: p.write_bytes(_random(8192, 7)), "不是回访通数据库或已损坏"),
    "empty file": (lambda p: p.write_bytes(b""), "空的"),
    "truncated to a third": (lambda p: _truncated(p, lambda size: size // 3), "已损坏"),
    "truncated to its header": (lambda p: _truncated(p, lambda size: 100), "已损坏"),
    "newer user_version": (lambda p: _with_version(p, SCHEMA_VERSION + 1), "更新版本"),
    "negative user_version": (lambda p: _with_version(p, -3), "不是回访通的数据库"),
    "another program's SQLite": (_foreign, "不是回访通的数据库"),
}


@pytest.mark.parametrize("case", list(BAD_DATABASES))
def test_bad_database_file_is_refused_and_left_as_it_was(tmp_path, case):
    make, words = BAD_DATABASES[case]
    path = tmp_path / "坏的.db"
    make(path)
    before = path.read_bytes()
    try:
        with pytest.raises(DatabaseOpenError) as caught:
            open_database(path)
    finally:
        close_database()
    message = str(caught.value)
    assert CJK.search(message) and words in message, message
    assert str(path) in message
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak")), "nothing to back up: the file is not opened for writing"


def _run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.mark.parametrize("case", ["text file", "empty file", "truncated to a third", "newer user_version"])
def test_cli_demo_on_a_bad_database_exits_with_the_message(tmp_path, case):
    make, words = BAD_DATABASES[case]
    path = tmp_path / "坏的.db"
    make(path)
    before = path.read_bytes()
    run = _run_cli(tmp_path, "--db", str(path), "demo", "--customers", "1")
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("错误：") and words in run.stderr, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert run.stdout == ""
    assert path.read_bytes() == before


def test_cli_demo_where_the_folder_cannot_be_made_exits_with_the_message(tmp_path):
    blocker = tmp_path / "一个文件"
    blocker.write_text("x", encoding="utf-8")
    run = _run_cli(tmp_path, "--db", str(blocker / "子目录" / "huifang.db"), "demo", "--customers", "1")
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("错误：") and "无法打开数据库文件" in run.stderr
    assert "Traceback" not in run.stderr
