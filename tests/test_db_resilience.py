"""A database that stays locked, and a PostgreSQL server that goes away (issue 13 item 2): every
write retries, then says in Chinese what happened and what to do; nothing half-written; the CLI
exits non-zero with that message; a PostgreSQL server that comes back is reconnected."""

import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from desktop.models import Customer, resilience
from desktop.models.connection import close_database
from desktop.services.common.errors import DatabaseBusy, DatabaseUnavailable, UserError
from desktop.services.intake import customers
from desktop.services.maintenance.bootstrap import open_app_database

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def short_waits(monkeypatch):
    """Small busy timeout and retry pauses, so the locked tests take well under a second each."""
    monkeypatch.setattr(resilience, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setattr(resilience, "RETRY_DELAYS_S", (0.05, 0.1))


@pytest.fixture
def locked_db(tmp_path, short_waits):
    path = tmp_path / "locked.db"
    open_app_database(path)
    customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
    other = sqlite3.connect(path, isolation_level=None)
    yield path, customer, other
    other.close()
    close_database()


def test_a_locked_database_is_reported_in_chinese_within_a_bounded_time(locked_db):
    path, customer, other = locked_db
    other.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    with pytest.raises(DatabaseBusy) as caught:
        customers.update_customer(customer.id, {**customers.customer_fields(customer.id), "address": "上海"})
    took = time.monotonic() - started
    assert took < 3, took  # 3 tries × 0.2 s + 0.15 s of pauses, not the default 5 s waits
    message = str(caught.value)
    assert isinstance(caught.value, UserError)
    assert message.startswith("数据库正忙") and "请稍后再试" in message and "locked" not in message
    other.execute("ROLLBACK")
    assert Customer.get_by_id(customer.id).address == ""  # nothing half-written
    # the lock gone, the same save goes through on the same connection
    customers.update_customer(customer.id, {**customers.customer_fields(customer.id), "address": "上海"})
    assert Customer.get_by_id(customer.id).address == "上海"


def test_a_lock_released_during_the_retries_lets_the_save_through(locked_db, monkeypatch):
    path, customer, other = locked_db
    monkeypatch.setattr(resilience, "RETRY_DELAYS_S", (0.3, 0.3))
    other.execute("BEGIN EXCLUSIVE")
    real_sleep = time.sleep

    def release_then_sleep(seconds):  # the other program finishes while we pause
        if other.in_transaction:
            other.execute("COMMIT")
        real_sleep(seconds)

    monkeypatch.setattr(resilience.time, "sleep", release_then_sleep)
    customers.update_customer(customer.id, {**customers.customer_fields(customer.id), "note": "重试后保存"})
    assert Customer.get_by_id(customer.id).note == "重试后保存"


def test_the_cli_exits_non_zero_with_the_chinese_message(locked_db, capsys):
    from desktop.cli import main

    path, _customer, other = locked_db
    close_database()
    other.execute("BEGIN EXCLUSIVE")
    code = main(["--db", str(path), "schedule"])
    err = capsys.readouterr().err
    other.execute("ROLLBACK")
    assert code != 0
    assert "数据库正忙" in err and "内部错误" not in err and "OperationalError" not in err


# ---------------------------------------------------------------- PostgreSQL
def _pg_ctl(action: str) -> None:
    """Stop / start the test server of ``scripts/pg-test-server.sh`` keeping its data."""
    port = os.environ.get("HUIFANG_PG_PORT", "54329")
    subprocess.run(
        ["bash", str(REPO / "scripts" / "pg-test-server.sh"), action], check=True, timeout=120,
        env={**os.environ, "HUIFANG_PG_PORT": port},
    )  # fmt: skip


@pytest.mark.skipif(not os.environ.get("HUIFANG_TEST_PG"), reason="需要 HUIFANG_TEST_PG（PostgreSQL 测试服务器）")
def test_a_stopped_postgresql_server_is_reported_then_reconnected(pg_url):
    open_app_database(pg_url)
    try:
        customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
        loaded = customers.customer_fields(customer.id)
        _pg_ctl("pause")
        try:
            with pytest.raises(DatabaseUnavailable) as caught:
                customers.update_customer(customer.id, {**loaded, "address": "上海"})
            message = str(caught.value)
            assert message.startswith("无法连接数据库服务器") and "自动重新连接" in message
            assert "connection already closed" not in message
            with pytest.raises(DatabaseUnavailable):  # still down: the same message, no crash
                customers.update_customer(customer.id, {**loaded, "address": "上海"})
        finally:
            _pg_ctl("resume")
        # the server is back: the same save, from the same form data, goes through
        customers.update_customer(customer.id, {**loaded, "address": "上海"})
        assert Customer.get_by_id(customer.id).address == "上海"
    finally:
        close_database()
