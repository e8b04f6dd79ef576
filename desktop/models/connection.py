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


def read_user_version(path: Path) -> int:
    """Schema version of an existing file, read without writing anything to it."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseOpenError(
            f"无法打开数据库文件 {path}:该文件不是回访通数据库或已损坏({exc})。"
            "请选择正确的 .db 文件,或从备份恢复。"
        ) from exc
    return version


def open_database(path: str | Path) -> pw.SqliteDatabase:
    """Open (creating if needed) the database at ``path`` and bind every model to it."""
    path = Path(path)
    if path.exists():
        version = read_user_version(path)
        if version > SCHEMA_VERSION:
            raise DatabaseOpenError(
                f"数据库 {path} 由更新版本的回访通创建(结构版本 {version},本程序支持到 {SCHEMA_VERSION})。"
                "为避免损坏数据,本程序不会打开或修改它。请升级回访通后再打开。"
            )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    database = pw.SqliteDatabase(str(path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_S)
    db.initialize(database)
    database.connect(reuse_if_open=True)
    migrate(database, path)
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
