"""Stepping an older database up to the current schema."""

import sqlite3

import pytest

from desktop.models import AttachmentBlob, AttachmentBlobPart, Customer, UserAccount
from desktop.models.connection import close_database
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.bootstrap import open_app_database


def _tables(path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()


def _user_version(path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()


def make_old_version(path, version: int):
    """A database as release ``version`` left it, with one customer: release 1 had no account
    table, releases 1 and 2 no attachment blob table, releases 1 to 3 no pinyin column, releases
    1 to 4 no automatic-draft table, releases 1 to 5 no agreed slot (预约) on the visit task,
    releases 1 to 6 no 告知客户 / 销售跟进 / 目标 tables."""
    open_app_database(path)
    Customer.create(code="C0001", name="老客户", phone="13800001111")
    close_database()
    con = sqlite3.connect(path)
    if version < 7:
        for table in ("customer_notice", "sales_lead", "period_goal"):
            con.execute(f"DROP TABLE {table}")
    if version < 6:
        con.execute("ALTER TABLE visit_task DROP COLUMN appointment_start")
        con.execute("ALTER TABLE visit_task DROP COLUMN appointment_end")
    if version < 5:
        con.execute("DROP TABLE form_autosave")
    if version < 4:
        con.execute("ALTER TABLE customer DROP COLUMN name_py")
    if version < 3:
        con.execute("DROP TABLE attachment_blob_part")
        con.execute("DROP TABLE attachment_blob")
    if version < 2:
        con.execute("DROP TABLE user_account")
    con.execute(f"PRAGMA user_version = {version}")
    con.commit()
    con.close()


def make_version_1(path):
    make_old_version(path, 1)


def test_version_1_database_gets_accounts_table_and_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    make_version_1(path)
    open_app_database(path)
    try:
        assert SCHEMA_VERSION == 7
        assert UserAccount.select().count() == 0  # the table exists now
        assert AttachmentBlob.select().count() == 0
        assert Customer.get().name == "老客户"
        assert Customer.get().name_py == " lkh laokehu"  # step 4 filled the pinyin
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    backup = tmp_path / "old.db.v1.bak"
    assert backup.exists()
    tables = _tables(backup)
    assert "user_account" not in tables and "attachment_blob" not in tables and "customer" in tables


def test_version_2_database_gets_the_attachment_blob_tables(tmp_path):
    path = tmp_path / "v2.db"
    make_old_version(path, 2)
    assert "attachment_blob" not in _tables(path) and "user_account" in _tables(path)
    open_app_database(path)
    try:
        blob = AttachmentBlob.create(sha256="0" * 64, ext="pdf", size=3)
        AttachmentBlobPart.create(blob=blob, seq=0, data=b"%PD")
        assert bytes(AttachmentBlobPart.get().data) == b"%PD"
        assert Customer.get().name == "老客户"
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    assert {"attachment_blob", "attachment_blob_part", "form_autosave"} <= _tables(path)
    assert "attachment_blob" not in _tables(tmp_path / "v2.db.v2.bak")


def test_version_2_postgresql_database_is_stepped_up(pg_url):
    """The same step on a shared PostgreSQL database (its version lives in huifang_schema)."""
    import psycopg2

    open_app_database(pg_url)
    Customer.create(code="C0001", name="老客户", phone="13800001111")
    close_database()
    con = psycopg2.connect(pg_url)
    with con, con.cursor() as cur:
        cur.execute("DROP TABLE customer_notice, sales_lead, period_goal")
        cur.execute("ALTER TABLE visit_task DROP COLUMN appointment_start, DROP COLUMN appointment_end")
        cur.execute("DROP TABLE form_autosave")
        cur.execute("DROP TABLE attachment_blob_part")
        cur.execute("DROP TABLE attachment_blob")
        cur.execute("ALTER TABLE customer DROP COLUMN name_py")
        cur.execute("UPDATE huifang_schema SET version = 2")
    open_app_database(pg_url)
    assert AttachmentBlob.select().count() == AttachmentBlobPart.select().count() == 0
    assert Customer.get().name == "老客户"
    assert Customer.get().name_py == " lkh laokehu"  # step 4 filled the pinyin
    close_database()
    with con, con.cursor() as cur:
        cur.execute("SELECT version FROM huifang_schema")
        assert cur.fetchall() == [(SCHEMA_VERSION,)]
    con.close()


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5, 6])
def test_every_step_reaches_the_tables_of_a_fresh_database(tmp_path, version):
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    open_app_database(fresh)
    close_database()
    make_old_version(old, version)
    open_app_database(old)
    close_database()
    assert _tables(old) == _tables(fresh)


def test_version_4_database_gets_the_automatic_draft_table(tmp_path):
    from desktop.models import FormAutosave

    path = tmp_path / "v4.db"
    make_old_version(path, 4)
    assert "form_autosave" not in _tables(path)
    open_app_database(path)
    try:
        FormAutosave.create(owner="pc/", data={"visit": {}})
        assert FormAutosave.select().count() == 1 and Customer.get().name == "老客户"
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION == 7 and "form_autosave" in _tables(path)


def _columns(path, table: str) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {row[1] for row in con.execute(f'PRAGMA table_info("{table}")')}
    finally:
        con.close()


def test_version_5_database_gets_the_agreed_slot_on_the_task(tmp_path):
    """Step 6: a version-5 database keeps its tasks and can store the slot a customer agreed to."""
    from datetime import date, datetime

    from desktop.models import VisitTask

    path = tmp_path / "v5.db"
    make_old_version(path, 5)
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO visit_task (customer_id, \"trigger\", earliest, latest, status, note, created_at) "
        "VALUES (1, '首次回访', '2023-10-25', '2023-10-27', '待回访', '', '2023-10-20 09:00:00')"
    )
    con.commit()
    con.close()
    assert "appointment_start" not in _columns(path, "visit_task")
    open_app_database(path)
    try:
        task = VisitTask.get()
        assert (task.trigger, task.earliest) == ("首次回访", date(2023, 10, 25))
        assert task.appointment_start is None and task.appointment_end is None
        slot = (datetime(2023, 10, 25, 15, 0), datetime(2023, 10, 25, 17, 30))
        VisitTask.update(appointment_start=slot[0], appointment_end=slot[1]).execute()
        task = VisitTask.get()
        assert (task.appointment_start, task.appointment_end) == slot
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION == 7
    assert {"appointment_start", "appointment_end"} <= _columns(path, "visit_task")
    assert "appointment_start" not in _columns(tmp_path / "v5.db.v5.bak", "visit_task")


def test_version_6_database_gets_the_followup_tables(tmp_path):
    """Step 7: a version-6 database keeps its data and can record who was told, the sales
    follow-up of 再购意向 and the period's targets."""
    from desktop.models import PeriodGoal

    path = tmp_path / "v6.db"
    make_old_version(path, 6)
    assert "period_goal" not in _tables(path)
    open_app_database(path)
    try:
        PeriodGoal.create(period="2024Q1", metric="composite", target=90)
        assert PeriodGoal.get().target == 90 and Customer.get().name == "老客户"
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION == 7
    assert {"customer_notice", "sales_lead", "period_goal"} <= _tables(path)
    assert "sales_lead" not in _tables(tmp_path / "v6.db.v6.bak")
