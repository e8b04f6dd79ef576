"""Refusing a "zip bomb" before a workbook reader opens it (no Qt).

An .xlsx / .xlsm / .xlsb / .ods file is a zip archive. A few megabytes of zip can expand to
gigabytes (a member of zeros or one repeated letter): the readers (calamine, openpyxl) would hold
the expanded sheet or shared strings in memory and the program would crash. ``check_archive``
refuses such a file with a Chinese UserError, in well under a second and without holding more than
one chunk of expanded data:

1. the sizes the archive declares: the total expanded size over ``MAX_TOTAL``, or a large member
   (over ``RATIO_MIN_SIZE``) that expands more than ``MAX_RATIO`` times;
2. the real sizes, because a crafted archive can declare small sizes and still expand without
   end: every member is inflated in chunks (``STEP``), counted and thrown away, and the count
   stops at the same limits.

A file that is not a zip at all (an .xls, a CSV) or whose zip cannot be read is left to the
reader, which already reports a damaged file in Chinese.
"""

import struct
import zipfile
import zlib
from pathlib import Path

from .errors import UserError

MAX_TOTAL = 200 * 1024 * 1024  # expanded bytes of the whole archive
MAX_RATIO = 100  # expanded / compressed, for a member over RATIO_MIN_SIZE (real sheets: 5–25)
RATIO_MIN_SIZE = 8 * 1024 * 1024
STEP = 1024 * 1024  # expanded bytes held at a time while counting
READ = 64 * 1024  # compressed bytes read at a time
ZIP_MAGIC = b"PK\x03\x04"
LOCAL_HEADER = struct.Struct("<4s5H3L2H")
MB = 1024 * 1024


class _TooBig(Exception):
    def __init__(self, expanded: int):
        super().__init__()
        self.expanded = expanded


def _message(path: Path, what: str, expanded: int, compressed: int) -> str:
    ratio = expanded / max(compressed, 1)
    return (
        f"{what}失败：{path.name} 压缩后体积异常（{compressed / MB:.1f} MB 的文件解压后超过 "
        f"{expanded / MB:.0f} MB，约 {ratio:.0f} 倍），文件可能已损坏，或不是正常的 Excel 工作簿；"
        "为防止程序因内存不足而崩溃，没有读取它。请用 Excel 打开该文件，确认内容正常后另存为新的 .xlsx 再试；"
        "来历不明的文件请不要打开。"
    )


def _member_limit(info: zipfile.ZipInfo, left: int) -> int:
    """The most a member may expand to: the total still allowed, and for a large member at most
    ``MAX_RATIO`` times its compressed size."""
    return min(left, max(RATIO_MIN_SIZE, MAX_RATIO * info.compress_size))


def _check_declared(members: list[zipfile.ZipInfo]) -> None:
    total = sum(i.file_size for i in members)
    if total > MAX_TOTAL:
        raise _TooBig(total)
    for info in members:
        if info.file_size > _member_limit(info, MAX_TOTAL):
            raise _TooBig(info.file_size)


def _inflated_size(fh, info: zipfile.ZipInfo, limit: int) -> int:
    """Inflate a deflated member chunk by chunk, counting; _TooBig once past ``limit``."""
    fh.seek(info.header_offset)
    header = fh.read(LOCAL_HEADER.size)
    if len(header) < LOCAL_HEADER.size or header[:4] != ZIP_MAGIC:
        raise zipfile.BadZipFile(info.filename)
    name_len, extra_len = LOCAL_HEADER.unpack(header)[-2:]
    fh.seek(info.header_offset + LOCAL_HEADER.size + name_len + extra_len)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left = info.compress_size
    size = 0
    while left > 0 and not inflater.eof:
        data = fh.read(min(READ, left))
        if not data:
            break
        left -= len(data)
        while data and not inflater.eof:
            size += len(inflater.decompress(data, STEP))
            if size > limit:
                raise _TooBig(size)
            data = inflater.unconsumed_tail
    return size


def _check_real(path: Path, members: list[zipfile.ZipInfo]) -> None:
    total = 0
    with path.open("rb") as fh:
        for info in members:
            limit = _member_limit(info, MAX_TOTAL - total)
            if info.compress_type == zipfile.ZIP_DEFLATED:
                try:
                    size = _inflated_size(fh, info, limit)
                except zlib.error:
                    return  # a damaged stream: the reader says the file is damaged
            else:
                size = info.file_size  # stored (the file holds it) or rare methods the readers refuse
            total += size
            if size > limit:
                raise _TooBig(size)


def check_archive(path: str | Path, what: str = "导入") -> None:
    """Refuse (UserError naming the file) a zip-based workbook that expands abnormally; ``what``
    names the action (导入, 合并)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            if fh.read(4) != ZIP_MAGIC:
                return
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return
    try:
        _check_declared(members)
        _check_real(path, members)
    except _TooBig as big:
        raise UserError(_message(path, what, big.expanded, max(path.stat().st_size, 1))) from None
    except (OSError, zipfile.BadZipFile, EOFError):
        return
