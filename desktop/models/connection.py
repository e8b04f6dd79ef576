"""Opening a database: checks, pragmas, schema creation and migration."""

import shutil
import sqlite3
from pathlib import Path

import peewee as pw
from playhouse.migrate import SqliteMigrator

from .base import db
from .migrations import SCHEMA_VERSION, STEPS

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",  # ~1 ms per small commit with WAL; survives a power cut
    "cache_size": -16000,  # 16 MB page cache
}
BUSY_TIMEOUT_S = 10


class DatabaseOpenError(Exception):
    """A database that cannot be used; ``str()`` is a Chinese message for the user."""


def _read_only(path: Path, sql: str):
    """The first row of ``sql`` on the file opened read-only (nothing written to it)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = con.execute(sql).fetchone()
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseOpenError(
            f"无法打开数据库文件 {path}:该文件不是回访通数据库或已损坏({exc})。"
            "请选择正确的 .db 文件,或从备份恢复。"
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
        raise DatabaseOpenError(f"{path} 是一个文件夹,不是数据库文件。请选择回访通的 .db 文件。")
    if path.stat().st_size == 0:
        raise DatabaseOpenError(
            f"数据库文件 {path} 是空的(0 字节),可能复制或保存时出错。为避免误用,本程序不会使用它。"
            "请从备份恢复,或删除该文件后重新打开以新建数据库。"
        )
    version = read_user_version(path)
    if version > SCHEMA_VERSION:
        raise DatabaseOpenError(
            f"数据库 {path} 由更新版本的回访通创建(结构版本 {version},本程序支持到 {SCHEMA_VERSION})。"
            "为避免损坏数据,本程序不会打开或修改它。请升级回访通后再打开。"
        )
    has_tables = _read_only(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'")[0]
    if version < 0 or (version == 0 and has_tables):
        raise DatabaseOpenError(
            f"{path} 是一个 SQLite 数据库,但不是回访通的数据库(没有有效的版本标记)。"
            "本程序不会打开或修改它。请选择回访通的 .db 文件。"
        )


def open_database(path: str | Path) -> pw.SqliteDatabase:
    """Open (creating if needed) the database at ``path`` and bind every model to it."""
    path = Path(path)
    if path.exists():
        _check_existing(path)
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        # BEGIN IMMEDIATE: a transaction that reads before it writes takes the write lock up
        # front, so a second process waits out the busy timeout instead of failing with
        # "database is locked". Read-only snapshots (exports, reports) use db.atomic("DEFERRED").
        database = pw.SqliteDatabase(
            str(path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_S, lock_type="IMMEDIATE"
        )
        db.initialize(database)
        database.connect(reuse_if_open=True)
        migrate(database, path)
    except (OSError, pw.DatabaseError, sqlite3.DatabaseError) as exc:
        # a folder that cannot be created or written, a file locked or damaged past its first page
        close_database()
        raise DatabaseOpenError(
            f"无法打开数据库文件 {path}({exc})。请确认文件所在的文件夹存在且可以写入、文件未损坏,"
            "或选择其他位置 / 从备份恢复。"
        ) from exc
    return database


def close_database() -> None:
    if db.obj is not None and not db.is_closed():
        db.close()


def migrate(database: pw.SqliteDatabase, path: Path | None = None) -> int:
    """Bring the schema to ``SCHEMA_VERSION``; returns the version found before."""
    from . import ALL_MODELS

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
            "该文件是一个 SQLite 数据库,但不是回访通的数据库(没有版本标记)。请选择回访通的 .db 文件。"
        )
    if path is not None and path.exists():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy2(path, path.with_name(f"{path.name}.v{found}.bak"))
    migrator = SqliteMigrator(database)
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with database.atomic():
            STEPS[version](migrator)
            database.execute_sql(f"PRAGMA user_version = {version}")
    return found
