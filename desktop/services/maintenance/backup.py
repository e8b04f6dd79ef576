"""Backups, the integrity check and restoring from a backup (no Qt here).

* ``backup_to(path)`` copies the open database with SQLite's online backup API: one step, so the
  copy is a consistent snapshot even while this or another process is writing (WAL readers do not
  block writers). The copy is written under a hidden temporary name in the target folder,
  switched to the rollback journal (a backup is one self-contained file, no ``-wal`` beside it),
  verified with ``PRAGMA integrity_check`` and only then renamed to its final name: a crash or
  a kill never leaves a half-written file under a backup's name.
* ``auto_backup("exit" | "daily")`` writes ``huifang-YYYYmmdd-HHMMSS-<reason>.db`` into the
  backup folder (setting ``backup_dir``; empty = ``backups`` beside the database file) and keeps
  the ``backup_keep`` newest automatic backups of each kind. Manual backups are never deleted,
  and rotation only runs after a verified backup was written, so a damaged database never pushes
  the good backups out.
* ``check(path)`` tells whether a file is a usable 回访通 database: a SQLite header, the file size
  the header promises (a truncated copy), ``PRAGMA integrity_check`` (or ``quick_check``),
  ``PRAGMA foreign_key_check`` and the schema version (``PRAGMA user_version``). It never writes
  to the file and never raises for a bad file: the result carries a Chinese message.
* ``restore(backup, target)`` checks the backup, makes sure no other program has the target
  open, keeps the current file as ``<name>.before-restore-YYYYmmdd-HHMMSS``, copies the backup
  with the backup API into a temporary file beside the target, verifies it, removes the target's
  stale ``-wal``/``-shm``/``-journal`` and renames the copy into place.

Extra folders (the attachments of issue 7): every ``(name, folder_of)`` pair in
``EXTRA_FOLDERS`` — ``folder_of(database path) -> folder`` — is copied into every backup as
``<backup>.files/<name>/`` and put back by ``restore`` (the current folder is kept as
``<folder>.before-restore-…``). Today that is the attachments folder: the scans of signed paper
forms (issue 7) that live in ``attachments/`` beside the database.
"""

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from desktop.models import Customer, Setting, Visit, db
from desktop.models.connection import BUSY_TIMEOUT_S, close_database, connect_read_only
from desktop.models.migrations import SCHEMA_VERSION

from ..admin import accounts
from ..common import safe_files
from ..common.errors import UserError
from ..visits import attachments

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

# ---------------------------------------------------------------- names and settings
AUTO_REASONS = ("exit", "daily")
REASON_LABELS = {"exit": "退出时自动备份", "daily": "每日自动备份", "manual": "手动备份"}
PREFIX = "huifang-"
STAMP = "%Y%m%d-%H%M%S"
NAME_RE = re.compile(r"^huifang-(\d{8}-\d{6})-([a-z]+)(?:-(\d+))?\.db$")
PARTIAL_SUFFIX = ".partial"
RESTORING_SUFFIX = ".restoring"
BEFORE_RESTORE = "before-restore"
FILES_SUFFIX = ".files"
DEFAULT_KEEP = 10
MAX_KEEP = 1000
DAILY_INTERVAL = timedelta(days=1)
STALE_PARTIAL_S = 3600  # a temporary file this old belongs to a backup that was killed
SQLITE_MAGIC = b"SQLite format 3\x00"
CHECK_DETAILS = 20  # problems listed at most

# (name, function of the database path → folder): folders copied into every backup
EXTRA_FOLDERS: list[tuple[str, Callable[[Path], Path]]] = [(attachments.FOLDER_NAME, attachments.folder_for_db)]


def current_db_path() -> Path:
    """The file of the database the models are bound to."""
    if db.obj is None:
        raise UserError("数据库尚未打开。")
    return Path(db.obj.database)


def _bound_to(path: Path) -> bool:
    if db.obj is None:
        return False
    try:
        return Path(db.obj.database).resolve() == path.resolve()
    except OSError:
        return False


def _stored_setting(db_path: Path, key: str):
    """A business setting of ``db_path`` (None when unset or unreadable): through the models when
    that database is the open one, else straight from the file (it may be damaged; a closed
    model database would reopen it read-write, leaving a -wal and -shm beside a damaged file)."""
    import json

    if _bound_to(db_path) and not db.is_closed():
        with contextlib.suppress(Exception):
            row = Setting.get_or_none(Setting.key == key)
            return None if row is None else row.value
    try:
        con = _connect_ro(db_path)
    except sqlite3.Error:
        return None
    try:
        row = con.execute(f"SELECT value FROM {Setting._meta.table_name} WHERE key = ?", (key,)).fetchone()
        return None if row is None or row[0] is None else json.loads(row[0])
    except (sqlite3.Error, ValueError):
        return None
    finally:
        con.close()


def backup_folder(db_path: str | Path | None = None) -> Path:
    """The setting ``backup_dir`` (relative paths count from the database's folder), or
    ``backups`` beside the database file."""
    db_path = Path(db_path) if db_path else current_db_path()
    db_path = db_path.expanduser().absolute()
    configured = str(_stored_setting(db_path, "backup_dir") or "").strip()
    if configured:
        folder = Path(configured).expanduser()
        return folder if folder.is_absolute() else db_path.parent / folder
    return db_path.parent / "backups"


def keep_count(db_path: str | Path | None = None) -> int:
    """The setting ``backup_keep``, as a sane whole number (1 … 1000)."""
    db_path = Path(db_path) if db_path else current_db_path()
    value = _stored_setting(db_path, "backup_keep")
    try:
        keep = int(value)
    except (TypeError, ValueError):
        return DEFAULT_KEEP
    return min(max(keep, 1), MAX_KEEP)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} 字节"


# ---------------------------------------------------------------- the check
OK = "ok"
INCONSISTENT = "inconsistent"  # the file is sound, but rows point at rows that are gone
MISSING = "missing"
NOT_DATABASE = "not_database"
DAMAGED = "damaged"
NOT_HUIFANG = "not_huifang"
NEWER = "newer"
RESTORABLE = (OK, INCONSISTENT)
# tables every 回访通 database has (from the first schema version on)
REQUIRED_TABLES = (Customer._meta.table_name, Visit._meta.table_name, Setting._meta.table_name)


@dataclass
class CheckResult:
    path: Path
    status: str
    message: str  # Chinese, for the user
    details: list[str] = field(default_factory=list)  # the problems found, at most CHECK_DETAILS
    user_version: int | None = None
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def restorable(self) -> bool:
        """Good enough to restore from (or to keep as a backup): every page reads back."""
        return self.status in RESTORABLE


def _connect_ro(path: Path) -> sqlite3.Connection:
    con = connect_read_only(path)
    con.execute("PRAGMA query_only = 1")
    return con


def _header_problem(path: Path, size: int) -> CheckResult | None:
    """A file that is not SQLite at all, or shorter than its header says."""
    if size == 0:
        return CheckResult(path, NOT_DATABASE, f"{path} 是空文件（0 字节），不是回访通的数据库。", size=0)
    with path.open("rb") as fh:
        header = fh.read(100)
    if not header.startswith(SQLITE_MAGIC):
        return CheckResult(
            path,
            NOT_DATABASE,
            f"{path} 不是数据库文件（文件开头没有 SQLite 数据库的标记）。请确认选择的是回访通的 .db 文件。",
            size=size,
        )
    if len(header) < 100:
        return CheckResult(path, DAMAGED, f"{path} 不完整：只有 {size} 字节，连文件头都不完整。", size=size)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_count_valid = header[24:28] == header[92:96]  # see "in-header database size"
    wal = path.with_name(path.name + "-wal")
    wal_has_data = wal.exists() and wal.stat().st_size > 0
    expected = page_size * pages
    if header_count_valid and pages and not wal_has_data and size < expected:
        return CheckResult(
            path,
            DAMAGED,
            f"{path} 不完整：按文件头应有 {size_text(expected)}（{expected} 字节），实际只有 {size} 字节"
            "（可能是复制中断或磁盘故障）。请从备份恢复。",
            size=size,
        )
    return None


def check(path: str | Path, *, quick: bool = False) -> CheckResult:
    """Is ``path`` a usable 回访通 database? ``quick`` uses ``PRAGMA quick_check`` (several
    times faster on a large file; it skips matching indexes against tables) and skips the
    foreign-key check. Read-only; never raises for a bad file."""
    path = Path(path).expanduser()
    if not path.exists():
        return CheckResult(path, MISSING, f"找不到文件 {path}。")
    if path.is_dir():
        return CheckResult(path, NOT_DATABASE, f"{path} 是一个文件夹，不是数据库文件。")
    try:
        size = path.stat().st_size
        problem = _header_problem(path, size)
    except OSError as exc:
        return CheckResult(path, DAMAGED, f"无法读取 {path}：{exc.strerror or exc}。")
    if problem is not None:
        return problem
    try:
        con = _connect_ro(path)
    except sqlite3.Error as exc:
        return CheckResult(path, DAMAGED, f"无法打开 {path}（{exc}）。文件可能已损坏，请从备份恢复。", size=size)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        # the data's size (the file alone says little while the -wal holds recent pages)
        data_size = (
            con.execute("PRAGMA page_count").fetchone()[0] * con.execute("PRAGMA page_size").fetchone()[0]
        )
        pragma = "quick_check" if quick else "integrity_check"
        rows = [r[0] for r in con.execute(f"PRAGMA {pragma}({CHECK_DETAILS})").fetchall()]
        if rows != ["ok"]:
            shown = "、".join(rows[:3])
            more = f"等 {len(rows)} 处问题" if len(rows) > 3 else ""
            return CheckResult(
                path,
                DAMAGED,
                f"{path} 已损坏：SQLite 完整性检查发现问题（{shown}{more}）。请从备份恢复。",
                rows,
                version,
                size,
            )
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version > SCHEMA_VERSION:
            return CheckResult(
                path,
                NEWER,
                f"{path} 由更新版本的回访通创建（结构版本 {version}，本程序支持到 {SCHEMA_VERSION}）。"
                "为避免损坏数据，请升级回访通后再使用它。",
                user_version=version,
                size=size,
            )
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if version == 0 or missing:
            why = "没有回访通的版本标记" if version == 0 else f"缺少数据表 {'、'.join(missing)}"
            return CheckResult(
                path,
                NOT_HUIFANG,
                f"{path} 是 SQLite 数据库，但不是回访通的数据库（{why}）。请选择回访通的 .db 文件。",
                user_version=version,
                size=size,
            )
        if not quick:
            orphans = con.execute("PRAGMA foreign_key_check").fetchmany(CHECK_DETAILS + 1)
            if orphans:
                details = [
                    f"{t} 第 {rowid} 行引用了 {parent} 中不存在的记录" for t, rowid, parent, _ in orphans
                ]
                count = f"{CHECK_DETAILS} 条以上" if len(orphans) > CHECK_DETAILS else f"{len(orphans)} 条"
                return CheckResult(
                    path,
                    INCONSISTENT,
                    f"{path} 文件完好，但有 {count}记录引用了已不存在的数据（如{details[0]}）。"
                    "数据仍可读取和备份；如页面显示异常，请从备份恢复。",
                    details[:CHECK_DETAILS],
                    version,
                    size,
                )
    except sqlite3.DatabaseError as exc:
        return CheckResult(
            path, DAMAGED, f"{path} 已损坏，无法读取（{exc}）。请从备份恢复。", user_version=None, size=size
        )
    finally:
        con.close()
    how = "快速检查" if quick else "完整性检查"
    return CheckResult(
        path,
        OK,
        f"数据库完好：{path}（{how}通过，结构版本 {version}，数据 {size_text(data_size)}）。",
        [],
        version,
        size,
    )


# ---------------------------------------------------------------- copying
def _copy_db(source: sqlite3.Connection, dest: Path) -> None:
    """Everything ``source`` sees, in one backup step (a consistent snapshot), into a new file
    ``dest`` in rollback-journal mode. SQLite syncs the file when the step commits."""
    safe_files.remove_quietly(dest)
    target = sqlite3.connect(str(dest))
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()


def _sqlite_problem(exc: sqlite3.Error, what: str, path: Path, target: Path | None = None) -> UserError:
    """``path`` the database read; ``target`` the file being written (named when the disk is full)."""
    if safe_files.is_disk_full(exc):
        return UserError(safe_files.disk_full_message(target or path, what))
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return UserError(f"{what}失败：{path} 已损坏或不是数据库（{text}）。请从备份恢复。")
    if "locked" in text or "busy" in text:
        return UserError(f"{what}失败：数据库正忙（{text}）。请稍后重试。")
    return UserError(f"{what}失败：{text}。请确认磁盘空间足够、文件夹可写后重试。")


def _os_problem(exc: OSError, what: str, path: Path) -> UserError:
    if safe_files.is_disk_full(exc):
        return UserError(safe_files.disk_full_message(path, what))
    return UserError(f"{what}失败：无法写入 {path}（{exc.strerror or exc}）。请确认磁盘空间足够、文件夹可写。")


def _copy_extras(db_path: Path, dest_dir: Path) -> None:
    for name, folder_of in EXTRA_FOLDERS:
        folder = Path(folder_of(db_path))
        if folder.is_dir():
            shutil.copytree(folder, dest_dir / name)


@accounts.requires(accounts.MANAGE, "备份数据库")
def backup_to(
    path: str | Path, *, source: str | Path | None = None, progress: Progress | None = None
) -> Path:
    """Copy the database (``source``, default the open one) to ``path`` and verify the copy.
    Returns the path written. Raises UserError (Chinese) when the copy cannot be made or the
    database turns out to be damaged — then nothing is left at ``path``. A full, unmasked copy
    anywhere: a 主管's (the automatic backups go through ``auto_backup``)."""
    return _backup_file(path, source=source, progress=progress)


def _backup_file(path: str | Path, *, source: str | Path | None, progress: Progress | None) -> Path:
    report = progress or (lambda done, total, text: None)
    src = Path(source).expanduser().absolute() if source else current_db_path().absolute()
    out = Path(path).expanduser().absolute()
    if not src.is_file():
        raise UserError(f"找不到数据库文件 {src}。")
    if out.is_dir():
        raise UserError(f"备份文件：{out} 是一个文件夹，请给出文件名（如 huifang-备份.db）。")
    if not out.parent.is_dir():
        raise UserError(f"备份文件：文件夹 {out.parent} 不存在，请先创建它或选择其他位置。")
    if out.exists() and out.resolve() == src.resolve():
        raise UserError("备份文件不能是数据库文件本身，请换一个文件名。")
    log.info("备份数据库 %s → %s", src, out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}{PARTIAL_SUFFIX}")
    files_tmp = tmp.with_name(tmp.name + FILES_SUFFIX)
    try:
        report(0, 3, "正在复制数据库…")
        try:
            con = _connect_ro(src)
            try:
                _copy_db(con, tmp)
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise _sqlite_problem(exc, "备份", src, out) from None
        report(1, 3, "正在校验备份…")
        result = check(tmp)
        if result.status == DAMAGED:
            reason = result.message.replace(str(tmp), "备份副本")
            raise UserError(
                f"备份失败：复制出的数据库没有通过校验，当前数据库 {src} 可能已损坏。{reason}"
                "已有的备份没有改动；请用“检查数据库”查看，必要时从备份恢复。"
            )
        if result.status not in (*RESTORABLE, NEWER):  # copied fine, but it is not ours
            raise UserError(f"备份失败：{result.message.replace(str(tmp), str(src))}")
        report(2, 3, "正在保存备份…")
        if EXTRA_FOLDERS:
            final_files = out.with_name(out.name + FILES_SUFFIX)
            safe_files.remove_quietly(final_files)
            # no ``.files`` folder beside the backup when there is nothing to keep in it
            if any(Path(folder_of(src)).is_dir() for _name, folder_of in EXTRA_FOLDERS):
                safe_files.remove_quietly(files_tmp)
                files_tmp.mkdir()
                _copy_extras(src, files_tmp)
                os.replace(files_tmp, final_files)
        os.replace(tmp, out)
        safe_files.fsync_dir(out.parent)
    except OSError as exc:
        safe_files.remove_quietly(tmp)
        safe_files.remove_quietly(files_tmp)
        raise _os_problem(exc, "备份", out) from None
    except BaseException:
        safe_files.remove_quietly(tmp)
        safe_files.remove_quietly(files_tmp)
        raise
    report(3, 3, "备份完成")
    return out


# ---------------------------------------------------------------- the backup folder
@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: datetime
    reason: str  # "exit", "daily", "manual", or "" for a file named otherwise
    size: int

    @property
    def label(self) -> str:
        return REASON_LABELS.get(self.reason, "其他备份")

    @property
    def size_text(self) -> str:
        return size_text(self.size)

    @property
    def automatic(self) -> bool:
        return self.reason in AUTO_REASONS


def backup_info(path: str | Path) -> BackupInfo:
    """Date, kind and size of one backup file (the date from its name, else its mtime)."""
    path = Path(path)
    stat = path.stat()
    match = NAME_RE.match(path.name)
    if match:
        with contextlib.suppress(ValueError):
            return BackupInfo(path, datetime.strptime(match.group(1), STAMP), match.group(2), stat.st_size)
    return BackupInfo(path, datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0), "", stat.st_size)


def list_backups(folder: str | Path | None = None) -> list[BackupInfo]:
    """The ``*.db`` files of the backup folder, newest first (temporary files are skipped)."""
    folder = Path(folder) if folder else backup_folder()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if path.name.startswith(".") or path.suffix.lower() != ".db" or not path.is_file():
            continue
        with contextlib.suppress(OSError):  # removed while we looked
            found.append(backup_info(path))
    found.sort(key=lambda b: (b.created, b.path.name), reverse=True)
    return found


def newest_good_backup(folder: str | Path | None = None, *, quick: bool = False) -> BackupInfo | None:
    """The newest backup that passes ``check`` (restorable), or None."""
    for info in list_backups(folder):
        if check(info.path, quick=quick).restorable:
            return info
    return None


def damage_advice(db_path: str | Path) -> str:
    """What to do about a damaged database: the newest good backup and how to restore it."""
    db_path = Path(db_path).expanduser()
    folder = backup_folder(db_path)
    newest = newest_good_backup(folder, quick=True)
    if newest is None:
        return f"备份文件夹 {folder} 中没有找到可用的备份；如有其他位置的备份，可用 huifang restore 备份文件 恢复。"
    return (
        f"最近的完好备份：{newest.path}（{newest.created:%Y-%m-%d %H:%M}）。"
        f"恢复命令：huifang --db {db_path} restore {newest.path}"
    )


def backup_due(folder: str | Path | None = None, *, now: datetime | None = None) -> bool:
    """True when there is no backup in the folder or the newest is older than a day."""
    now = now or datetime.now()
    backups = list_backups(folder)
    return not backups or now - backups[0].created >= DAILY_INTERVAL


def _unique_name(folder: Path, reason: str, when: datetime) -> Path:
    base = f"{PREFIX}{when.strftime(STAMP)}-{reason}"
    path = folder / f"{base}.db"
    n = 2
    while path.exists():
        path = folder / f"{base}-{n}.db"
        n += 1
    return path


def rotate(folder: Path, keep: int) -> list[Path]:
    """Keep the ``keep`` newest automatic backups of each kind (the last sessions' exit backups
    and the last days' daily ones: opening and closing the program ten times in an afternoon
    does not push out the daily history), delete the older ones and the temporary files left by
    a backup that was killed. Manual backups stay. Returns the backups deleted."""
    removed = []
    listed = list_backups(folder)
    for reason in AUTO_REASONS:
        for info in [b for b in listed if b.reason == reason][max(keep, 1) :]:
            safe_files.remove_quietly(info.path)
            safe_files.remove_quietly(info.path.with_name(info.path.name + FILES_SUFFIX))
            removed.append(info.path)
    cutoff = time.time() - STALE_PARTIAL_S
    for path in folder.iterdir():
        if path.name.startswith(".") and PARTIAL_SUFFIX in path.name:
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    safe_files.remove_quietly(path)
    return removed


@dataclass
class AutoBackupResult:
    path: Path
    removed: list[Path]


def auto_backup(
    reason: str = "exit",
    *,
    db_path: str | Path | None = None,
    folder: str | Path | None = None,
    keep: int | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> AutoBackupResult:
    """Back up into the backup folder as ``huifang-YYYYmmdd-HHMMSS-<reason>.db``, then keep the
    ``keep`` (setting ``backup_keep``) newest automatic backups."""
    if reason not in (*AUTO_REASONS, "manual"):
        raise ValueError(reason)
    if reason == "manual":  # the automatic ones run for whoever is signed in, into the set folder
        accounts.require(accounts.MANAGE, "备份数据库")
    db_path = Path(db_path).expanduser().absolute() if db_path else current_db_path().absolute()
    folder = Path(folder) if folder else backup_folder(db_path)
    keep = keep if keep is not None else keep_count(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"备份失败：无法创建备份文件夹 {folder}（{exc.strerror or exc}）。请在设置中更换“备份目录”。"
        ) from None
    out = _unique_name(folder, reason, now or datetime.now())
    written = _backup_file(out, source=db_path, progress=progress)
    return AutoBackupResult(written, rotate(folder, keep))


# ---------------------------------------------------------------- restoring
@dataclass
class RestoreResult:
    target: Path
    backup: Path
    kept: Path | None  # the database as it was before the restore (None: there was none)
    check: CheckResult

    def summary(self) -> str:
        text = f"已从备份 {self.backup} 恢复数据库 {self.target}。"
        if self.kept is not None:
            text += f"\n恢复前的数据库已另存为 {self.kept}。"
        return text


def ensure_not_in_use(path: Path) -> None:
    """Raise UserError when another connection (another 回访通 window, another program, or a
    connection of this process) has ``path`` open. A file SQLite cannot read is not checked."""
    if not path.exists():
        return
    try:
        con = sqlite3.connect(str(path), timeout=2, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        con.execute("PRAGMA locking_mode = EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        con.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise UserError(
                f"数据库 {path} 正被其他程序使用（可能是另一个回访通窗口）。请先关闭它，再恢复。"
            ) from None
    except sqlite3.DatabaseError:
        pass  # damaged: nobody can be using it, and it is about to be replaced
    finally:
        con.close()


def _keep_raw(target: Path, kept: Path) -> None:
    """The file and its ``-wal``/``-journal`` byte for byte (a damaged database: SQLite must not
    open it read-write first, that would drop a ``-wal`` it cannot make sense of)."""
    shutil.copy2(target, kept)
    for suffix in ("-wal", "-journal"):
        side = target.with_name(target.name + suffix)
        if side.exists():
            shutil.copy2(side, kept.with_name(kept.name + suffix))


def _keep_consistent(target: Path, kept: Path) -> None:
    """A consistent one-file copy of a sound database (what its ``-wal`` holds included)."""
    try:
        con = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_S)
        try:
            _copy_db(con, kept)
        finally:
            con.close()
    except sqlite3.DatabaseError:
        safe_files.remove_quietly(kept)
        _keep_raw(target, kept)


def _restore_extras(backup: Path, target: Path, stamp: str) -> None:
    stored = backup.with_name(backup.name + FILES_SUFFIX)
    for name, folder_of in EXTRA_FOLDERS:
        source = stored / name
        if not source.is_dir():
            continue  # a backup from before this folder existed: leave the current one alone
        folder = Path(folder_of(target))
        if folder.exists():
            os.replace(folder, folder.with_name(f"{folder.name}.{BEFORE_RESTORE}-{stamp}"))
        shutil.copytree(source, folder)


@accounts.requires(accounts.MANAGE, "从备份恢复")
def restore(
    backup_path: str | Path,
    target_path: str | Path | None = None,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RestoreResult:
    """Replace the database at ``target_path`` (default: the open one, which is closed first in
    this thread) with the backup. Raises UserError and leaves the target as it was when the
    backup does not pass ``check`` or the target is in use."""
    report = progress or (lambda done, total, text: None)
    backup = Path(backup_path).expanduser().absolute()
    target = Path(target_path).expanduser().absolute() if target_path else current_db_path().absolute()
    log.info("从备份 %s 恢复数据库 %s", backup, target)
    report(0, 4, "正在检查备份…")
    verdict = check(backup)
    if not verdict.restorable:
        raise UserError(f"不能用这个文件恢复：{verdict.message}")
    if target.exists() and target.resolve() == backup.resolve():
        raise UserError("所选备份就是当前数据库文件本身，请选择另一个备份。")
    if _bound_to(target):
        close_database()
    stamp = (now or datetime.now()).strftime(STAMP)
    tmp = target.with_name(f".{target.name}.{os.getpid()}{RESTORING_SUFFIX}")
    kept = target.with_name(f"{target.name}.{BEFORE_RESTORE}-{stamp}") if target.exists() else None
    sound = kept is not None and check(target, quick=True).restorable
    try:
        if kept is not None:
            report(1, 4, "正在保存恢复前的数据库…")
        if kept is not None and not sound:
            _keep_raw(target, kept)  # before anything opens it read-write
        try:
            ensure_not_in_use(target)
        except UserError:
            if kept is not None and not sound:
                for path in (
                    kept,
                    kept.with_name(kept.name + "-wal"),
                    kept.with_name(kept.name + "-journal"),
                ):
                    safe_files.remove_quietly(path)
            raise
        if kept is not None and sound:
            _keep_consistent(target, kept)
        report(2, 4, "正在复制备份…")
        try:
            con = _connect_ro(backup)
            try:
                _copy_db(con, tmp)
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise _sqlite_problem(exc, "恢复", backup, target) from None
        copied = check(tmp)
        if not copied.restorable:
            raise UserError(f"恢复失败：复制出的数据库没有通过校验（{copied.message}），原数据库未改动。")
        report(3, 4, "正在替换数据库…")
        # the old file's -wal/-journal must not be replayed onto the restored one
        for suffix in ("-wal", "-shm", "-journal"):
            safe_files.remove_quietly(target.with_name(target.name + suffix))
        os.replace(tmp, target)
        safe_files.fsync_dir(target.parent)
        if EXTRA_FOLDERS:
            _restore_extras(backup, target, stamp)
    except OSError as exc:
        safe_files.remove_quietly(tmp)
        raise _os_problem(exc, "恢复", target) from None
    except BaseException:
        safe_files.remove_quietly(tmp)
        raise
    after = check(target)
    if not after.restorable:
        where = f"恢复前的数据库在 {kept}。" if kept else ""
        raise UserError(f"恢复后的数据库没有通过校验：{after.message}{where}")
    report(4, 4, "恢复完成")
    return RestoreResult(target, backup, kept, after)

