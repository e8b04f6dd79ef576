import sqlite3

import pytest

from desktop.models import Customer, Question, QuestionnaireTemplate, VisitTask
from desktop.models.connection import DatabaseOpenError, close_database, open_database
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.visits.builtin_templates import BUILTIN_TEMPLATES


@pytest.mark.sqlite_only
def test_fresh_database_is_stamped_and_configured(database, db_path):
    assert database.execute_sql("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_builtin_templates_are_created_once(database, db_target):
    names = {t.family for t in QuestionnaireTemplate.select()}
    assert names == {"after_sales", "travel_front_desk", "car_service", "bank", "maintenance_centre", "verification"}
    travel = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "travel_front_desk")
    assert Question.select().where(Question.template == travel, Question.kind == "level5").count() == 7
    close_database()
    open_database(db_target)
    from desktop.services.maintenance.bootstrap import ensure_defaults

    ensure_defaults()
    assert QuestionnaireTemplate.select().count() == len(BUILTIN_TEMPLATES)


def test_newer_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE x (a)")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseOpenError, match="更新版本"):
        open_database(path)
    assert path.read_bytes() == before
    assert not (tmp_path / "future.db-wal").exists()


def test_not_a_database_gives_a_clear_message(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseOpenError, match="不是回访通数据库"):
        open_database(path)


def test_foreign_keys_are_enforced(database):
    import peewee

    from desktop.models import ServiceOrder

    with pytest.raises(peewee.IntegrityError):
        ServiceOrder.create(order_no="W1", customer=999)
    assert Customer.select().count() == 0


# ---------------------------------------------------------------- PostgreSQL (HUIFANG_TEST_PG)
def _pg(url, *statements):
    import psycopg2

    con = psycopg2.connect(url)
    try:
        con.autocommit = True
        with con.cursor() as cur:
            rows = None
            for sql in statements:
                cur.execute(sql)
                rows = cur.fetchall() if cur.description else None
            return rows
    finally:
        con.close()


def test_pg_fresh_database_is_stamped(pg_url):
    from desktop.services.maintenance.bootstrap import open_app_database

    database = open_app_database(pg_url)
    assert database.execute_sql("SELECT version FROM huifang_schema").fetchall() == [(SCHEMA_VERSION,)]
    assert {"customer", "visit", "answer", VisitTask._meta.table_name} <= set(database.get_tables())
    close_database()
    open_app_database(pg_url)  # a second PC opening it: nothing created twice
    assert QuestionnaireTemplate.select().count() == len(BUILTIN_TEMPLATES)
    assert _pg(pg_url, "SELECT count(*) FROM huifang_schema") == [(1,)]


def test_pg_newer_database_is_refused_and_left_untouched(pg_url):
    _pg(
        pg_url,
        "CREATE TABLE huifang_schema (version INTEGER NOT NULL)",
        f"INSERT INTO huifang_schema VALUES ({SCHEMA_VERSION + 5})",
    )
    with pytest.raises(DatabaseOpenError, match="更新版本"):
        open_database(pg_url)
    tables = _pg(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [("huifang_schema",)]
    assert _pg(pg_url, "SELECT version FROM huifang_schema") == [(SCHEMA_VERSION + 5,)]


def test_pg_other_programs_database_is_refused(pg_url):
    _pg(pg_url, "CREATE TABLE invoices (id serial PRIMARY KEY)")
    with pytest.raises(DatabaseOpenError, match="不是回访通的数据库"):
        open_database(pg_url)
    tables = _pg(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [("invoices",)]


def test_pg_unreachable_server_gives_a_clear_message():
    with pytest.raises(DatabaseOpenError, match="无法连接 PostgreSQL") as err:
        open_database("postgresql://huifang:secret@127.0.0.1:1/nothing")
    assert "secret" not in str(err.value)


def test_cli_keeps_a_database_url_as_text(monkeypatch):
    from desktop.cli import _db_path, main
    from desktop.paths import DB_ENV, default_db_path

    url = "postgresql://u:p@db.example:5432/branch"
    assert _db_path(type("A", (), {"db": url})()) == url
    monkeypatch.setenv(DB_ENV, url)
    assert default_db_path() == url
    assert main(["--db", url, "backup", "--out", "/tmp/x.db"]) == 2


def test_pg_main_window_hides_the_password_and_sends_backups_to_pg_dump(pg_url, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desktop.app import build_main_window
    from desktop.services.maintenance.bootstrap import open_app_database

    open_app_database(pg_url)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: shown.append(text))
    window = build_main_window(pg_url)
    qtbot.addWidget(window)
    assert ":***@" in window._db_label.text()
    window.backup_database()
    window.check_database()
    assert len(shown) == 2 and all("pg_dump" in text for text in shown)
