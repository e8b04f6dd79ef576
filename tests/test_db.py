import sqlite3

import pytest

from desktop.models import Customer, Question, QuestionnaireTemplate
from desktop.models.connection import DatabaseOpenError, close_database, open_database
from desktop.models.migrations import SCHEMA_VERSION


def test_fresh_database_is_stamped_and_configured(database, db_path):
    assert database.execute_sql("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_builtin_templates_are_created_once(database, db_path):
    names = {t.family for t in QuestionnaireTemplate.select()}
    assert names == {"after_sales", "travel_front_desk", "car_service", "bank", "verification"}
    travel = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "travel_front_desk")
    assert Question.select().where(Question.template == travel, Question.kind == "level5").count() == 7
    close_database()
    open_database(db_path)
    from desktop.services.bootstrap import ensure_defaults

    ensure_defaults()
    assert QuestionnaireTemplate.select().count() == 5


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
