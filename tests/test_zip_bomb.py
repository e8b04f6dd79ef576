"""Issue 13 item 5: a tiny .xlsx that expands to hundreds of megabytes (a zip bomb) is refused
before any reader opens it — fast, without the memory, with a Chinese message naming the file —
by the importer, the CLI import and the merge of branch workbooks.

The bombs are real workbooks: a valid .xlsx whose sheet holds, under the header 客户名称, one
cell of hundreds of megabytes of "A". They are built without ever holding that string: a raw deflate
block of 1 MiB of "A" ended by a full flush is self-contained, so the member's compressed data is
that block repeated (the test stays light in memory and time)."""

import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from desktop import cli
from desktop.services.common import archive_guard
from desktop.services.common.errors import UserError
from desktop.services.intake import importer
from desktop.services.summaries.workbook import consolidate

MIB = 1024 * 1024
CHUNK = b"A" * MIB
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    + '<row r="1"><c r="A1" t="inlineStr"><is><t>客户名称</t></is></c></row>'.encode()
    + b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
)
SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"
SHEET = "xl/worksheets/sheet1.xml"
LOCAL = struct.Struct("<4s5H3L2H")
CENTRAL = struct.Struct("<4s6H3L5H2L")
END = struct.Struct("<4s4H2LH")


def _deflated_pieces(times: int) -> tuple[list[bytes], int, int]:
    """(compressed pieces, CRC-32, expanded size) of SHEET_HEAD + CHUNK * times + SHEET_TAIL."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = comp.compress(SHEET_HEAD) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(CHUNK) + comp.flush(zlib.Z_FULL_FLUSH)
    assert comp.compress(CHUNK) + comp.flush(zlib.Z_FULL_FLUSH) == block  # every block alike
    tail = comp.compress(SHEET_TAIL) + comp.flush()
    crc = zlib.crc32(SHEET_HEAD)
    for _ in range(times):
        crc = zlib.crc32(CHUNK, crc)
    crc = zlib.crc32(SHEET_TAIL, crc)
    return [head, *([block] * times), tail], crc, len(SHEET_HEAD) + times * MIB + len(SHEET_TAIL)


def _write_zip(path: Path, members: list[tuple[str, list[bytes], int, int, int]]) -> Path:
    """A zip of (name, compressed pieces, crc, expanded size, declared expanded size) members."""
    central = []
    with path.open("wb") as fh:
        for name, pieces, crc, _size, declared in members:
            raw_name = name.encode()
            offset = fh.tell()
            compressed = sum(len(p) for p in pieces)
            fh.write(
                LOCAL.pack(b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, compressed, declared, len(raw_name), 0)
            )
            fh.write(raw_name)
            for piece in pieces:
                fh.write(piece)
            central.append(
                CENTRAL.pack(
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    8,
                    0,
                    0x21,
                    crc,
                    compressed,
                    declared,
                    len(raw_name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + raw_name
            )
        start = fh.tell()
        for entry in central:
            fh.write(entry)
        fh.write(END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), fh.tell() - start, start, 0))
    return path


def _bomb(
    folder: Path, megabytes: int = 400, *, declared: int | None = None, name: str = "客户.xlsx"
) -> Path:
    """A real customer workbook whose sheet expands to ``megabytes`` MiB; ``declared``
    (bytes) is what the archive claims the part holds (a lying archive), the truth by default."""
    plain = folder / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["客户名称"])
    book.save(plain)
    members = []
    with zipfile.ZipFile(plain) as zf:
        for info in zf.infolist():
            if info.filename == SHEET:
                pieces, crc, size = _deflated_pieces(megabytes)
                members.append((info.filename, pieces, crc, size, size if declared is None else declared))
                continue
            data = zf.read(info)
            comp = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
            members.append(
                (info.filename, [comp.compress(data) + comp.flush()], zlib.crc32(data), len(data), len(data))
            )
    plain.unlink()
    return _write_zip(folder / name, members)


def _refused(call, *args) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(UserError) as caught:
        call(*args)
    return str(caught.value), time.perf_counter() - started


def test_the_bomb_is_a_sound_zip(tmp_path):
    path = _bomb(tmp_path, megabytes=3)  # small enough to read: the construction itself is sound
    assert path.stat().st_size < 64 * 1024
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every CRC right
        data = zf.read(SHEET)
    assert data.startswith(SHEET_HEAD) and data.endswith(SHEET_TAIL) and len(data) > 3 * MIB


@pytest.mark.parametrize("declared", [None, 1 * MIB], ids=["honest-sizes", "lying-sizes"])
def test_import_refuses_a_zip_bomb_fast(database, tmp_path, declared):
    path = _bomb(tmp_path, megabytes=400, declared=declared)
    assert path.stat().st_size < 1 * MIB
    message, seconds = _refused(importer.open_source, path, "customers")
    assert seconds < 1.0, f"refused after {seconds:.2f} s"
    assert "压缩后体积异常" in message and path.name in message and "另存为" in message


def test_an_ordinary_workbook_passes_the_check(tmp_path):
    path = tmp_path / "客户.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["客户名称", "电话", "地址"])
    for n in range(5_000):  # repetitive, as real lists are: still far from the limits
        sheet.append([f"客户{n}", "13800000000", "北京市朝阳区"])
    book.save(path)
    archive_guard.check_archive(path)


def test_consolidate_refuses_a_zip_bomb(tmp_path):
    path = _bomb(tmp_path, megabytes=300, name="分店_总部工作簿.xlsx")
    message, seconds = _refused(consolidate.read_info, path)
    assert seconds < 1.0
    assert "压缩后体积异常" in message and path.name in message


def test_cli_import_of_a_zip_bomb_exits_nonzero_without_the_memory(tmp_path):
    path = _bomb(tmp_path, megabytes=1500)  # the bomb: ~1.5 GB from a few megabytes
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a regression fails, not the machine\n"
        "from desktop import cli\n"
        "code = cli.main(sys.argv[1:])\n"
        # VmHWM: this program's own peak (ru_maxrss keeps the forking pytest process's peak,
        # gigabytes late in a full run)
        "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print('PEAK_KB', hwm, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "--db", str(tmp_path / "cli.db"), "import", "customers", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 2, done.stderr
    assert "压缩后体积异常" in done.stderr and path.name in done.stderr and "Traceback" not in done.stderr
    peak_mb = int(done.stderr.split("PEAK_KB")[1].split()[0]) / 1024
    assert peak_mb < 400, f"peak memory {peak_mb:.0f} MB"


def test_cli_import_of_a_zip_bomb_in_process(database, db_path, tmp_path, capsys):
    path = _bomb(tmp_path, megabytes=400)
    assert cli.main(["--db", str(db_path), "import", "orders", str(path)]) == 2
    err = capsys.readouterr().err
    assert "压缩后体积异常" in err and path.name in err
