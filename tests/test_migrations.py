"""Stepping an older database up to the current schema."""

import sqlite3

from desktop.models import Customer, UserAccount
from desktop.models.connection import close_database
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.bootstrap import open_app_database


def make_version_1(path):
    """A database as release 1 left it: no account table, user_version 1, one customer."""
    open_app_database(path)
    Customer.create(code="C0001", name="老客户", phone="13800001111")
    close_database()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE user_account")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()


def test_version_1_database_gets_accounts_table_and_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    make_version_1(path)
    open_app_database(path)
    try:
        assert SCHEMA_VERSION == 2
        assert UserAccount.select().count() == 0  # the table exists now
        assert Customer.get().name == "老客户"
    finally:
        close_database()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()
    backup = tmp_path / "old.db.v1.bak"
    assert backup.exists()
    con = sqlite3.connect(backup)
    tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert "user_account" not in tables and "customer" in tables
