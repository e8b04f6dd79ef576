"""Opening a database: checks, pragmas, schema creation and migration."""

import contextlib
import logging
import os
import shutil
import sqlite3
from pathlib import Path

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

from . import resilience
from .base import db
from .migrations import SCHEMA_VERSION, STEPS

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",  # ~1 ms per small commit with WAL; survives a power cut
    "cache_size": -16000,  # 16 MB page cache
}
log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = resilience.BUSY_TIMEOUT_S  # other programs' connections to the file (backup)


QUICK_CHECK_ROWS = 20  # problems listed at most


class DatabaseOpenError(Exception):
    """A database that cannot be used; ``str()`` is a Chinese message for the user."""


class DatabaseDamagedError(DatabaseOpenError):
    """The file fails SQLite's quick check: it is not opened for writing (``details``: the
    problems SQLite listed)."""

    def __init__(self, message: str, details: list[str]):
        super().__init__(message)
        self.details = details


def connect_read_only(path: Path, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """The file opened read-only. With no ``-wal``, ``-shm`` or ``-journal`` beside it nobody
    has it open, and it is opened as immutable: a read-only connection to a WAL file would
    otherwise leave a ``-wal`` and ``-shm`` behind (it may not remove them), even on a file this
    program refuses to touch (a newer version's)."""
    sides = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    immutable = "&immutable=1" if not any(side.exists() for side in sides) else ""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{immutable}", uri=True, timeout=timeout)


def quick_check(path: Path) -> list[str]:
    """``PRAGMA quick_check`` on the file opened read-only: [] when sound, else the problems."""
    con = connect_read_only(path)
    try:
        rows = [r[0] for r in con.execute(f"PRAGMA quick_check({QUICK_CHECK_ROWS})").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        con.close()
    return [] if rows == ["ok"] else [line for row in rows for line in row.splitlines()]


def _read_only(path: Path, sql: str):
    """The first row of ``sql`` on the file opened read-only (nothing written to it)."""
    try:
        con = connect_read_only(path)
        try:
            row = con.execute(sql).fetchone()
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseOpenError(
            f"无法打开数据库文件 {path}：该文件不是回访通数据库或已损坏（{exc}）。"
            "请选择正确的 .db 文件，或从备份恢复。"
        ) from exc
    return row


def read_user_version(path: Path) -> int:
    """Schema version of an existing file, read without writing anything to it."""
    return _read_only(path, "PRAGMA user_version")[0]


def _check_existing(path: Path) -> None:
    """Refuse, before anything is written to it, a file this program must not open read-write:
    an empty file (a failed copy: opening it would silently start an empty database), a newer
    version, another program's SQLite database (opening it would switch its journal to WAL)."""
    if path.is_dir():
        raise DatabaseOpenError(f"{path} 是一个文件夹，不是数据库文件。请选择回访通的 .db 文件。")
    if path.stat().st_size == 0:
        raise DatabaseOpenError(
            f"数据库文件 {path} 是空的（0 字节），可能复制或保存时出错。为避免误用，本程序不会使用它。"
            "请从备份恢复，或删除该文件后重新打开以新建数据库。"
        )
    version = read_user_version(path)
    if version > SCHEMA_VERSION:
        raise DatabaseOpenError(
            f"数据库 {path} 由更新版本的回访通创建（结构版本 {version}，本程序支持到 {SCHEMA_VERSION}）。"
            "为避免损坏数据，本程序不会打开或修改它。请升级回访通后再打开。"
        )
    has_tables = _read_only(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'")[0]
    if version < 0 or (version == 0 and has_tables):
        raise DatabaseOpenError(
            f"{path} 是一个 SQLite 数据库，但不是回访通的数据库（没有有效的版本标记）。"
            "本程序不会打开或修改它。请选择回访通的 .db 文件。"
        )


def _refuse_read_only_place(path: Path) -> None:
    """A file in a folder (or itself) this program may not write: said as such, not as damage."""
    folder = path.parent if path.parent != Path("") else Path(".")
    if path.is_dir():
        return  # _check_existing names it
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        what = f"文件夹 {folder.resolve()}" if not os.access(folder, os.W_OK) else f"文件 {path}"
        raise DatabaseOpenError(
            f"数据库 {path} 所在的{what}是只读的，回访通无法在其中保存数据。"
            "请把数据库复制到可以写入的文件夹（如“文档”），或请管理员开放写入权限后再打开。"
        )


CLOSED_SUFFIX = "-closed"  # beside huifang.db: the file's size and time when this program last closed it


def _seal_path(path: Path) -> Path:
    return path.with_name(path.name + CLOSED_SUFFIX)


def _file_stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns}"


def _seal(path: Path) -> None:
    """After a clean close: note the file as it was left (no -wal any more, every page written)."""
    try:
        if not path.with_name(path.name + "-wal").exists():
            _seal_path(path).write_text(_file_stamp(path), encoding="ascii")
    except OSError:
        pass  # no note: the next open checks the file in full, which is only slower


def _closed_cleanly(path: Path) -> bool:
    """The file is exactly as this program left it at a clean close: nothing (a crash, a power
    cut, a disk error, a copy over it) has touched it since."""
    try:
        return _seal_path(path).read_text(encoding="ascii") == _file_stamp(path)
    except (OSError, UnicodeDecodeError):
        return False


def _check_integrity(path: Path) -> None:
    """The quick check before the file is opened for writing: every open, unless the file is
    exactly as a clean close left it (its size and modification time noted beside it — a
    quick check reads the whole file: ~1.7 s for 100k visits). A damaged file is refused, with
    the problems SQLite found."""
    sealed = _closed_cleanly(path)
    with contextlib.suppress(OSError):
        _seal_path(path).unlink(missing_ok=True)  # open from now on: a crash leaves no note
    if sealed:
        return
    problems = quick_check(path)
    if problems:
        shown = "；".join([line for line in problems if not line.startswith("***")][:2] or problems[:1])
        raise DatabaseDamagedError(
            f"数据库 {path} 已损坏：SQLite 快速检查发现问题（{shown}）。为免损坏扩大，"
            "本程序不会再写入它。请从备份恢复（huifang restore 备份文件，或在程序中选择备份）。",
            problems,
        )


READ_ONLY_WRITE = "数据库以只读方式打开，不能保存。请先从备份恢复。"


@contextlib.contextmanager
def _no_writes():
    """A write on a file opened read-only: a Chinese message (UserError), not sqlite3's."""
    from desktop.services.common.errors import UserError

    try:
        yield
    except (pw.OperationalError, sqlite3.OperationalError) as exc:
        if "readonly" not in str(exc):
            raise
        raise UserError(READ_ONLY_WRITE) from exc


class ReadOnlySqliteDatabase(pw.SqliteDatabase):
    """A damaged file opened only to look at it (``mode=ro``, immutable when nothing else has it
    open, so no -wal/-shm is left): no migration, no pragmas that write, never noted as closed
    cleanly. ``database`` stays the file's path (backups and attachments are found from it)."""

    read_only = True

    def _connect(self):
        conn = connect_read_only(Path(self.database), timeout=self._timeout)
        conn.isolation_level = None
        try:
            self._add_conn_hooks(conn)
        except Exception:
            conn.close()
            raise
        return conn

    def begin(self, lock_type=None):
        with _no_writes():
            return super().begin(lock_type)

    def execute_sql(self, sql, params=None):
        with _no_writes():
            return super().execute_sql(sql, params)

    def commit(self):
        with _no_writes():
            return super().commit()


def is_read_only(database=None) -> bool:
    """Is ``database`` (default: the bound one) a file opened read-only (``open_read_only``)?"""
    database = database if database is not None else db.obj
    return bool(getattr(database, "read_only", False))


def open_read_only(path: str | Path) -> pw.Database:
    """Open a (damaged) SQLite file read-only and bind every model to it: nothing is written to
    the file or beside it. Only a file of this program's schema version (no migration here)."""
    path = Path(path)
    if not path.is_file():
        raise DatabaseOpenError(f"数据库文件 {path} 不存在，无法只读打开。")
    version = read_user_version(path)
    if version != SCHEMA_VERSION:
        raise DatabaseOpenError(
            f"数据库 {path} 的结构版本是 {version}，本程序是 {SCHEMA_VERSION}：只读打开不能升级它。"
            "请从备份恢复。"
        )
    database = ReadOnlySqliteDatabase(str(path), pragmas={"foreign_keys": 1}, timeout=BUSY_TIMEOUT_S)
    db.initialize(database)
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
        close_database()
        raise DatabaseOpenError(f"无法只读打开数据库 {path}（{exc}）。请从备份恢复。") from exc
    return database


URL_SCHEMES = ("postgresql://", "postgres://")
PG_VERSION_TABLE = "huifang_schema"  # one row: the schema version of a PostgreSQL database


def is_db_url(target) -> bool:
    """Is ``target`` a server database URL (``postgresql://user:pass@host:port/db``)?"""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def is_sqlite(database=None) -> bool:
    """Is ``database`` (default: the one the models are bound to) a SQLite database?"""
    database = database if database is not None else db.obj
    return isinstance(database, pw.SqliteDatabase)


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


class _PostgresqlDatabase(resilience.ReconnectingPostgresql, pw.PostgresqlDatabase):
    """Accepts the SQLite transaction kinds the services ask for: ``atomic("DEFERRED")`` (a
    read-only snapshot) becomes REPEATABLE READ, so its queries all see one snapshot;
    ``"IMMEDIATE"`` / ``"EXCLUSIVE"`` (take the write lock up front) need nothing on PostgreSQL,
    which locks rows, not the whole database. A dropped connection is reconnected (resilience)."""

    _SQLITE_KINDS = {"DEFERRED": "REPEATABLE READ", "IMMEDIATE": None, "EXCLUSIVE": None}

    def begin(self, isolation_level=None):
        if isinstance(isolation_level, str) and isolation_level.upper() in self._SQLITE_KINDS:
            isolation_level = self._SQLITE_KINDS[isolation_level.upper()]
        return super().begin(isolation_level)


def shown_name(target) -> str:
    """The database as shown to the user: a file path, or the URL without its password."""
    return _redact(target) if is_db_url(target) else str(target)


def _open_postgresql(url: str) -> pw.PostgresqlDatabase:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    database = _PostgresqlDatabase(
        unquote(parts.path.lstrip("/")),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        host=parts.hostname,
        port=parts.port,
    )
    try:
        db.initialize(database)
        database.connect(reuse_if_open=True)
        migrate(database)
    except DatabaseOpenError:
        close_database()
        raise
    except pw.DatabaseError as exc:
        close_database()
        raise DatabaseOpenError(
            f"无法连接 PostgreSQL 数据库 {_redact(url)}（{str(exc).strip()}）。"
            "请确认服务器已启动、地址/端口/用户名/密码/数据库名正确。"
        ) from exc
    return database


def open_database(path: str | Path) -> pw.Database:
    """Open (creating if needed) the database at ``path`` and bind every model to it.

    ``path`` is a SQLite file, or a ``postgresql://user:pass@host:port/db`` URL so that several
    PCs can share one server database."""
    if is_db_url(path):
        return _open_postgresql(path)
    path = Path(path)
    if path.exists() or path.parent.is_dir():
        _refuse_read_only_place(path)
    if path.exists():
        _check_existing(path)
        _check_integrity(path)
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        # BEGIN IMMEDIATE: a transaction that reads before it writes takes the write lock up
        # front, so a second process waits out the busy timeout instead of failing with
        # "database is locked". Read-only snapshots (exports, reports) use db.atomic("DEFERRED").
        # A lock held past the timeout is retried, then reported in Chinese (resilience).
        database = resilience.RetryingSqliteDatabase(
            str(path), pragmas=PRAGMAS, timeout=resilience.BUSY_TIMEOUT_S, lock_type="IMMEDIATE"
        )
        db.initialize(database)
        database.connect(reuse_if_open=True)
        migrate(database, path)
    except (OSError, pw.DatabaseError, sqlite3.DatabaseError) as exc:
        # a folder that cannot be created or written, a file locked or damaged past its first page
        close_database()
        raise DatabaseOpenError(
            f"无法打开数据库文件 {path}（{exc}）。请确认文件所在的文件夹存在且可以写入、文件未损坏，"
            "或选择其他位置 / 从备份恢复。"
        ) from exc
    return database


def close_database() -> None:
    """Close the models' database; a SQLite file closed cleanly is noted as such (``-closed``),
    so the next open may skip its quick check (never one opened read-only: it was damaged)."""
    if db.obj is not None and not db.is_closed():
        database = db.obj
        db.close()
        if is_sqlite(database) and database.database not in ("", ":memory:") and not is_read_only(database):
            _seal(Path(database.database))


def _pg_version(database) -> int:
    if PG_VERSION_TABLE not in database.get_tables():
        return 0
    row = database.execute_sql(f"SELECT version FROM {PG_VERSION_TABLE}").fetchone()
    return row[0] if row else 0


def _pg_set_version(database, version: int) -> None:
    database.execute_sql(f"DELETE FROM {PG_VERSION_TABLE}")
    database.execute_sql(f"INSERT INTO {PG_VERSION_TABLE} (version) VALUES (%s)", (version,))


def _migrate_postgresql(database) -> int:
    """Same rules as SQLite: the version lives in the one-row table ``huifang_schema``."""
    from . import ALL_MODELS

    name = database.database
    with database.atomic():
        found = _pg_version(database)
        if found > SCHEMA_VERSION:
            raise DatabaseOpenError(
                f"PostgreSQL 数据库 {name} 由更新版本的回访通创建（结构版本 {found}，本程序支持到 "
                f"{SCHEMA_VERSION}）。为避免损坏数据，本程序不会修改它。请升级回访通后再连接。"
            )
        if found == SCHEMA_VERSION:
            return found
        if found == 0 and database.get_tables():
            raise DatabaseOpenError(
                f"PostgreSQL 数据库 {name} 里已有其他程序的表，但不是回访通的数据库（没有 "
                f"{PG_VERSION_TABLE} 版本表）。本程序不会修改它。请为回访通新建一个空数据库。"
            )
        if found == 0:
            database.execute_sql(f"CREATE TABLE {PG_VERSION_TABLE} (version INTEGER NOT NULL)")
            database.create_tables(ALL_MODELS)
            _pg_set_version(database, SCHEMA_VERSION)
            return found
    migrator = PostgresqlMigrator(database)
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with database.atomic():
            STEPS[version](migrator)
            _pg_set_version(database, version)
    return found


def migrate(database: pw.Database, path: Path | None = None) -> int:
    """Bring the schema to ``SCHEMA_VERSION``; returns the version found before."""
    from . import ALL_MODELS

    if not is_sqlite(database):
        return _migrate_postgresql(database)
    found = database.execute_sql("PRAGMA user_version").fetchone()[0]
    if found == SCHEMA_VERSION:
        return found
    if found == 0 and not database.get_tables():
        with database.atomic():
            database.create_tables(ALL_MODELS)
            database.execute_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return found
    if found == 0:
        raise DatabaseOpenError(
            "该文件是一个 SQLite 数据库，但不是回访通的数据库（没有版本标记）。请选择回访通的 .db 文件。"
        )
    if path is not None and path.exists():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy2(path, path.with_name(f"{path.name}.v{found}.bak"))
    log.info("升级数据库 %s：版本 %s → %s", path or "", found, SCHEMA_VERSION)
    migrator = SqliteMigrator(database)
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with database.atomic():
            STEPS[version](migrator)
            database.execute_sql(f"PRAGMA user_version = {version}")
        log.info("数据库已升级到版本 %s", version)
    return found


def portable_sql(sql: str) -> str:
    """Raw SQL written with ``?`` placeholders, in the bound database's own placeholder style
    (``%s`` for PostgreSQL). Only for SQL with no literal ``?`` or ``%`` in it."""
    param = db.param
    return sql if param == "?" else sql.replace("?", param)


def group_concat(expr, separator: str):
    """SQLite's ``GROUP_CONCAT(expr, sep)``; ``STRING_AGG`` on PostgreSQL."""
    if is_sqlite():
        return pw.fn.GROUP_CONCAT(expr, separator)
    return pw.fn.STRING_AGG(expr, separator)


def month_of(date_field):
    """``'YYYY-MM'`` of a date column (dates are ISO text in SQLite, ``date`` in PostgreSQL)."""
    if is_sqlite():
        return pw.fn.SUBSTR(date_field, 1, 7).coerce(False)
    return pw.fn.TO_CHAR(date_field, "YYYY-MM").coerce(False)


def hours_between(later, earlier):
    """Hours from ``earlier`` to ``later`` (two datetime columns/expressions), as a number."""
    if is_sqlite():
        return (pw.fn.julianday(later) - pw.fn.julianday(earlier)) * 24
    return pw.fn.EXTRACT(pw.NodeList((pw.SQL("EPOCH FROM"), later - earlier))) / 3600.0


def _bulk_guard():
    """The bulk writes below go to the driver's connection directly (not ``execute_sql``): on a
    file opened read-only they too say so in Chinese (``READ_ONLY_WRITE``)."""
    return _no_writes() if is_read_only() else contextlib.nullcontext()


def execute_rows(sql: str, rows: list[tuple]) -> None:
    """Run ``sql`` (written with ``?`` placeholders) once per tuple of ``rows`` on the bound
    database's connection, inside the caller's transaction: sqlite3's ``executemany`` (the fast
    path, see PERF_NOTES); on PostgreSQL psycopg2's ``execute_batch`` (many statements per round
    trip). Driver errors come out as peewee's (``pw.IntegrityError`` …) on both."""
    if not rows:
        return
    with _bulk_guard(), pw.__exception_wrapper__:
        if is_sqlite():
            db.connection().executemany(sql, rows)
            return
        from psycopg2.extras import execute_batch

        with db.cursor() as cursor:
            execute_batch(cursor, portable_sql(sql), rows, page_size=100)


def insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """INSERT prepared tuples (values in ``columns`` order, already in database form: ISO text
    dates, real booleans) into ``table``, inside the caller's transaction: sqlite3's
    ``executemany``; on PostgreSQL one multi-row INSERT (psycopg2's ``execute_values``).
    Rows that name the id (PostgreSQL): take it from the table's sequence (``reserve_ids``)."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    with _bulk_guard(), pw.__exception_wrapper__:
        if is_sqlite():
            marks = ", ".join("?" * len(columns))
            db.connection().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            return
        from psycopg2.extras import execute_values

        with db.cursor() as cursor:
            execute_values(cursor, f'INSERT INTO "{table}" ({names}) VALUES %s', rows, page_size=len(rows))


def reserve_ids(model, count: int) -> list[int]:
    """``count`` new ids for ``model``, taken from its PostgreSQL sequence (so rows inserted with
    these ids leave the sequence in step, whoever else inserts at the same time). PostgreSQL only:
    on SQLite, ``MAX(id) + 1`` onwards inside the write transaction does the same."""
    if is_sqlite():
        raise RuntimeError("reserve_ids is for PostgreSQL; on SQLite count on from MAX(id)")
    if count <= 0:
        return []
    table, column = model._meta.table_name, model._meta.primary_key.column_name
    rows = db.execute_sql(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        (f'"{table}"', column, count),
    ).fetchall()
    return sorted(r[0] for r in rows)
