"""Writing a file safely: under a temporary name beside the target, checked, then renamed (no Qt).

``write_atomic(target, write, check=...)`` lets ``write(tmp)`` produce the file under
``temp_path(target)`` (``.~<stem>.<pid>.tmp<suffix>``, hidden, in the same folder so the rename
is atomic), checks it is complete (``check_pdf``, ``check_zip`` for .xlsx, ``check_png``), makes
it durable and renames it over ``target``. A failed or killed write never touches the file that
was there. When the disk is full — an ``ENOSPC`` error, or a writer that fails silently (Qt's
QPdfWriter) and leaves an incomplete file on a disk with next to no space left — the UserError
says 磁盘空间不足 and names the target.

``clean_stale(folders)`` removes the temporary files a killed process left behind (ours only:
recognised by their names, older than ``STALE_AFTER_S``, directly in the given folders); the
program calls it when it opens a data folder (``bootstrap.open_app_database``).
"""

import contextlib
import errno
import logging
import os
import re
import shutil
import sqlite3
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import UserError

log = logging.getLogger(__name__)

STALE_AFTER_S = 300  # a temporary file untouched this long belongs to a process that is gone
NEARLY_FULL_BYTES = 1 << 20  # free space under this after a failed write: the disk is full
TAIL_BYTES = 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"
ZIP_LOCAL_HEADER = 30

# Our temporary names: this module's, the backup's (.partial / .restoring, with its .files
# folder) and the attachment store's incoming copies.
OURS = re.compile(
    r"^\.~.+\.\d+\.tmp(\.[A-Za-z0-9]{1,8})?$"
    r"|^\..+\.\d+\.(partial|restoring)(\.files)?$"
    r"|^\.incoming-\d+-\d+\.part$"
)


class IncompleteFile(ValueError):
    """The written file is not whole (the reason, in Chinese)."""


def temp_path(target: str | Path) -> Path:
    target = Path(target)
    return target.with_name(f".~{target.stem}.{os.getpid()}.tmp{target.suffix}")


def is_temp_name(name: str) -> bool:
    return bool(OURS.match(name))


# ---------------------------------------------------------------- why a write failed
def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
    if isinstance(exc, sqlite3.Error):
        return "disk is full" in str(exc).lower() or getattr(exc, "sqlite_errorcode", None) == 13
    return False


def nearly_full(folder: str | Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def disk_full_message(target: str | Path, what: str) -> str:
    return (
        f"{what}失败：磁盘空间不足，无法写入 {target}。原有的文件没有改动；"
        "请删除不需要的文件腾出空间，或换一个磁盘保存后重试。"
    )


def os_reason(exc: OSError) -> str:
    """Why a file could not be written, in words a shop owner understands."""
    if is_disk_full(exc):
        return "磁盘空间不足"
    if isinstance(exc, PermissionError):
        return "没有写入权限，或文件正被其他程序（如 Excel、PDF 阅读器）打开"
    if isinstance(exc, FileNotFoundError):
        return "文件夹不存在且无法创建"
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return "路径中有一段是文件而不是文件夹"
    if exc.errno == errno.EROFS:
        return "磁盘是只读的"
    return exc.strerror or str(exc)


def write_problem(exc: OSError, target: str | Path, what: str) -> UserError:
    if is_disk_full(exc):
        return UserError(disk_full_message(target, what))
    if isinstance(exc, PermissionError):
        return UserError(
            f"{what}失败：无法写入 {target}：文件正被其他程序（如 Excel、PDF 阅读器）打开或没有写入权限。"
            "请关闭该文件后重试，或换一个保存位置。"
        )
    return UserError(
        f"{what}失败：无法写入 {target}（{os_reason(exc)}）。请换一个有写入权限的保存位置后重试。"
    )


# ---------------------------------------------------------------- checks of a written file
def _head_tail(path: Path) -> tuple[bytes, bytes, int]:
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(16)
        fh.seek(max(0, size - TAIL_BYTES))
        return head, fh.read(), size


def check_pdf(path: Path) -> None:
    head, tail, size = _head_tail(path)
    if not head.startswith(b"%PDF-"):
        raise IncompleteFile("文件开头不是 PDF 标记")
    if b"%%EOF" not in tail:
        raise IncompleteFile(f"文件在 {size} 字节处中断，缺少 PDF 结尾")


def check_png(path: Path) -> None:
    head, tail, _size = _head_tail(path)
    if not head.startswith(PNG_MAGIC) or not tail.endswith(PNG_END):
        raise IncompleteFile("PNG 图片不完整")


def check_zip(path: Path) -> None:
    """A cheap check of an .xlsx: the central directory reads and every member lies inside the file
    (a truncated file fails both); nothing is decompressed."""
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise IncompleteFile(f"工作簿不完整（{exc}）") from None
    if not members:
        raise IncompleteFile("工作簿是空的")
    for info in members:
        if info.header_offset + ZIP_LOCAL_HEADER + info.compress_size > size:
            raise IncompleteFile(f"工作簿中的 {info.filename} 不完整")


# ---------------------------------------------------------------- writing
def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder for fsync; NTFS journals the rename itself
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def write_atomic(
    target: str | Path,
    write: Callable[[Path], object],
    *,
    check: Callable[[Path], None] | None = None,
    what: str = "保存文件",
) -> Path:
    """``write(tmp)`` writes the file under a temporary name; it is checked (not empty, then
    ``check``), flushed to disk and renamed to ``target``. Any failure removes the temporary file,
    leaves ``target`` as it was and raises a Chinese UserError (磁盘空间不足 when that is why)."""
    target = Path(target)
    tmp = temp_path(target)
    try:
        with tmp.open("wb"):
            pass  # the folder takes a new file (a clear message now, before any work)
        write(tmp)
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise IncompleteFile("没有写出任何内容")
        if check is not None:
            check(tmp)
        _fsync_file(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        remove_quietly(tmp)
        raise write_problem(exc, target, what) from None
    except IncompleteFile as exc:
        full = nearly_full(target.parent)  # measured while the incomplete file still takes its room
        remove_quietly(tmp)
        if full:
            raise UserError(disk_full_message(target, what)) from None
        raise UserError(
            f"{what}失败：写出的文件不完整（{exc}），{target} 没有改动。请确认磁盘空间足够、文件夹可写后重试。"
        ) from None
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(target.parent)
    return target


class _Sink:
    """The file an openpyxl workbook is saved into. After a failed write (a full disk) it only
    counts bytes: openpyxl leaves its zip to the garbage collector, whose late ``close`` would
    otherwise fail again on a file already removed."""

    def __init__(self, fh):
        self.fh = fh
        self.broken = False
        self.pos = 0
        self.name = fh.name  # zipfile keeps it as the archive's ``filename``

    def _call(self, name: str, *args):
        try:
            return getattr(self.fh, name)(*args)
        except OSError:
            self.broken = True
            raise

    def write(self, data) -> int:
        if self.broken:
            self.pos += len(data)
            return len(data)
        return self._call("write", data)

    def tell(self) -> int:
        return self.pos if self.broken else self._call("tell")

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.broken:
            self.pos = offset if whence == 0 else self.pos + offset
            return self.pos
        return self._call("seek", offset, whence)

    def flush(self) -> None:
        if not self.broken:
            self._call("flush")


def save_book(book) -> Callable[[Path], None]:
    """``write`` for ``write_atomic``: the openpyxl workbook ``book`` saved into the temporary file."""

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            sink = _Sink(fh)
            try:
                book.save(sink)
            except BaseException:
                sink.broken = True
                raise

    return write


def write_book(target: str | Path, book, *, what: str = "保存工作簿") -> Path:
    """Save the openpyxl workbook ``book`` to ``target`` safely (a whole zip, then renamed)."""
    return write_atomic(target, save_book(book), check=check_zip, what=what)


# ---------------------------------------------------------------- leftovers of a killed process
def clean_stale(folders: Iterable[str | Path | None], *, max_age: float = STALE_AFTER_S) -> list[Path]:
    """Remove our temporary files older than ``max_age`` seconds directly in ``folders`` (missing
    folders are skipped). Returns what was removed."""
    cutoff = time.time() - max_age
    removed: list[Path] = []
    seen: set[Path] = set()
    for folder in folders:
        if not folder:
            continue
        folder = Path(folder)
        with contextlib.suppress(OSError):
            folder = folder.resolve()
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for path in entries:
            if not is_temp_name(path.name):
                continue
            try:
                if path.lstat().st_mtime >= cutoff:
                    continue
            except OSError:
                continue
            remove_quietly(path)
            if not path.exists():
                removed.append(path)
    if removed:
        log.info("已清理中断留下的临时文件：%s", "，".join(str(p) for p in removed))
    return removed
