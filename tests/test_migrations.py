"""Stepping an older database up to the current schema."""

import sqlite3

import pytest

from desktop.models import AttachmentBlob, AttachmentBlobPart, Customer, UserAccount
from desktop.models.connection import close_database
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.maintenance.bootstrap import open_app_database


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


VERSIONED_TABLES = (
    "visit", "customer", "service_order", "improvement_action", "kpi_scorecard", "questionnaire_template", "setting",
)  # fmt: skip


def _indexes(path) -> set[tuple[str, str]]:
    """(table, index name) of every index the models declare (SQLite's own autoindexes left out)."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT tbl_name, name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")
        return set(rows)
    finally:
        con.close()


def _columns(path) -> dict[str, list[tuple]]:
    """Each table's columns (name, type, not null, default), by name."""
    con = sqlite3.connect(path)
    try:
        tables = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(r[1:5] for r in con.execute(f'PRAGMA table_info("{t}")')) for t in tables}
    finally:
        con.close()


def make_old_version(path, version: int):
    """A database as release ``version`` left it, with one customer: release 1 had no account
    table, releases 1 and 2 no attachment blob table, releases 1 to 3 no pinyin column, releases
    1 to 4 no automatic-draft table, releases 1 to 5 no agreed slot (预约) on the visit task,
    releases 1 to 6 no 标准手册 table, releases 1 to 7 no edit versions, releases 1 to 8 no
    sending channel (问卷 / 短信 / 微信) on the visit task, releases 1 to 9 no 告知客户 / 销售跟进 /
    目标 tables, releases 1 to 10 no 工长自评 table, releases 1 to 11 no 评价范围 (班组 / 服务类型 /
    新老客户) on the KPI scorecard, releases 1 to 12 no 扫码问卷 link table, releases 1 to 13 no
    indexes on the orders' 投诉受理时间 and (customer, 完成时间), releases 1 to 15 no 短信 batch,
    text and reply tables (release 15 changed nothing), releases 1 to 16 no table of the imported
    问卷星 / 腾讯问卷 answer sheets."""
    open_app_database(path)
    Customer.create(code="C0001", name="老客户", phone="13800001111")
    close_database()
    downgrade(path, version)


def downgrade(path, version: int) -> None:
    """Take a closed database of this release back to what release ``version`` had (its data in
    the tables that release knew stays)."""
    con = sqlite3.connect(path)
    if version < 17:
        con.execute("DROP TABLE imported_submission")
    if version < 16:
        for table in ("sms_reply", "sms_message", "sms_batch"):
            con.execute(f"DROP TABLE {table}")
    if version < 14:
        con.execute("DROP INDEX service_order_complaint_at")
        con.execute("DROP INDEX service_order_customer_id_completed_at")
    if version < 13:
        con.execute("DROP TABLE survey_link")
    if version < 12:
        con.execute("ALTER TABLE kpi_scorecard DROP COLUMN scope_kind")
    if version < 11:
        con.execute("DROP TABLE foreman_review")
    if version < 10:
        for table in ("customer_notice", "sales_lead", "period_goal"):
            con.execute(f"DROP TABLE {table}")
    if version < 9:
        for column in ("sent_via", "sent_at", "chase_of"):
            con.execute(f"ALTER TABLE visit_task DROP COLUMN {column}")
    if version < 8:
        for table in VERSIONED_TABLES:
            for column in ("row_version", "modified_by", "modified_at"):
                con.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    if version < 7:
        con.execute("DROP TABLE standard_entry")
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
        assert SCHEMA_VERSION == 17
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
        cur.execute("DROP INDEX service_order_complaint_at, service_order_customer_id_completed_at")
        cur.execute("DROP TABLE survey_link")
        cur.execute("ALTER TABLE kpi_scorecard DROP COLUMN scope_kind")
        cur.execute("DROP TABLE customer_notice, sales_lead, period_goal")
        cur.execute("ALTER TABLE visit_task DROP COLUMN appointment_start, DROP COLUMN appointment_end")
        cur.execute("ALTER TABLE visit_task DROP COLUMN sent_via, DROP COLUMN sent_at, DROP COLUMN chase_of")
        cur.execute("DROP TABLE form_autosave")
        cur.execute("DROP TABLE attachment_blob_part")
        cur.execute("DROP TABLE attachment_blob")
        cur.execute("ALTER TABLE customer DROP COLUMN name_py")
        for table in VERSIONED_TABLES:
            for column in ("row_version", "modified_by", "modified_at"):
                cur.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        cur.execute("UPDATE huifang_schema SET version = 2")
    open_app_database(pg_url)
    assert AttachmentBlob.select().count() == AttachmentBlobPart.select().count() == 0
    assert Customer.get().name == "老客户"
    assert Customer.get().name_py == " lkh laokehu"  # step 4 filled the pinyin
    assert Customer.get().row_version == 1  # step 6 added the edit versions
    close_database()
    with con, con.cursor() as cur:
        cur.execute("SELECT version FROM huifang_schema")
        assert cur.fetchall() == [(SCHEMA_VERSION,)]
    con.close()


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
def test_every_step_reaches_the_tables_of_a_fresh_database(tmp_path, version):
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    open_app_database(fresh)
    close_database()
    make_old_version(old, version)
    open_app_database(old)
    close_database()
    assert _tables(old) == _tables(fresh)
    assert _columns(old) == _columns(fresh)
    assert _indexes(old) == _indexes(fresh)


def test_version_7_database_gets_edit_versions_and_a_stale_save_is_refused(tmp_path):
    from desktop.services.common.errors import StaleEdit
    from desktop.services.intake import customers

    path = tmp_path / "v7.db"
    make_old_version(path, 7)
    assert "row_version" not in {c[0] for c in _columns(path)["customer"]}
    open_app_database(path)
    try:
        old = Customer.get()
        assert old.row_version == 1 and old.modified_by == "" and old.modified_at is None
        loaded = customers.customer_fields(old.id)
        customers.update_customer(old.id, {**loaded, "address": "上海"})
        assert Customer.get().row_version == 2
        with pytest.raises(StaleEdit):
            customers.update_customer(old.id, {**loaded, "note": "旧的一份"})
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION


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
    assert _user_version(path) == SCHEMA_VERSION and "form_autosave" in _tables(path)


def _column_names(path, table: str) -> set[str]:
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
        'INSERT INTO visit_task (customer_id, "trigger", earliest, latest, status, note, created_at) '
        "VALUES (1, '首次回访', '2023-10-25', '2023-10-27', '待回访', '', '2023-10-20 09:00:00')"
    )
    con.commit()
    con.close()
    assert "appointment_start" not in _column_names(path, "visit_task")
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
    assert _user_version(path) == SCHEMA_VERSION
    assert {"appointment_start", "appointment_end"} <= _column_names(path, "visit_task")
    assert "appointment_start" not in _column_names(tmp_path / "v5.db.v5.bak", "visit_task")


def test_version_8_database_gets_the_sending_channel_on_the_task(tmp_path):
    """Step 9: a version-8 database keeps its tasks and can record a questionnaire sent by 短信."""
    from datetime import datetime

    from desktop.models import VisitTask

    path = tmp_path / "v8.db"
    make_old_version(path, 8)
    con = sqlite3.connect(path)
    con.execute(
        'INSERT INTO visit_task (customer_id, "trigger", earliest, latest, status, note, created_at) '
        "VALUES (1, '交付1个月', '2023-10-25', '2023-10-27', '待回访', '', '2023-10-20 09:00:00')"
    )
    con.commit()
    con.close()
    assert "sent_via" not in _column_names(path, "visit_task")
    open_app_database(path)
    try:
        task = VisitTask.get()
        assert task.trigger == "交付1个月" and task.sent_via is None and task.chase_of is None
        VisitTask.update(sent_via="短信", sent_at=datetime(2023, 10, 25, 10, 0)).execute()
        assert (VisitTask.get().sent_via, VisitTask.get().sent_at) == ("短信", datetime(2023, 10, 25, 10, 0))
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    assert {"sent_via", "sent_at", "chase_of"} <= _column_names(path, "visit_task")
    assert "sent_via" not in _column_names(tmp_path / "v8.db.v8.bak", "visit_task")


def test_version_9_database_gets_the_followup_tables(tmp_path):
    """Step 10: a version-9 database keeps its data and can record who was told, the sales
    follow-up of 再购意向 and the period's targets."""
    from desktop.models import PeriodGoal

    path = tmp_path / "v9.db"
    make_old_version(path, 9)
    assert "period_goal" not in _tables(path)
    open_app_database(path)
    try:
        PeriodGoal.create(period="2024Q1", metric="composite", target=90)
        assert PeriodGoal.get().target == 90 and Customer.get().name == "老客户"
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    assert {"customer_notice", "sales_lead", "period_goal"} <= _tables(path)
    assert "sales_lead" not in _tables(tmp_path / "v9.db.v9.bak")


def test_version_10_database_gets_the_foreman_review_table(tmp_path):
    """Step 11: a version-10 database keeps its data and can record 工长自评."""
    from datetime import date

    from desktop.models import ForemanReview, ServiceOrder

    path = tmp_path / "v10.db"
    make_old_version(path, 10)
    assert "foreman_review" not in _tables(path)
    open_app_database(path)
    try:
        order = ServiceOrder.create(order_no="W1", customer=Customer.get())
        ForemanReview.create(
            order=order, completeness=10, measures=8, efficiency=6, reviewed_on=date(2024, 9, 5)
        )
        assert ForemanReview.get().measures == 8 and Customer.get().name == "老客户"
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    assert "foreman_review" in _tables(path)
    assert "foreman_review" not in _tables(tmp_path / "v10.db.v10.bak")


def test_version_11_database_gets_the_scorecards_scope(tmp_path):
    """Step 12: a scorecard says which scope it grades (评价范围); the ones made before were for a
    team (班组) and stay so, and a scorecard for a service type can be saved beside them."""
    from desktop.models import KpiScorecard

    path = tmp_path / "v11.db"
    make_old_version(path, 11)
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO kpi_scorecard (period, target, created_at, note, row_version) "
        "VALUES ('2024Q1', '维修事业部', '2024-04-01 09:00:00', '', 1)"
    )
    con.commit()
    con.close()
    open_app_database(path)
    try:
        assert [(c.period, c.target, c.scope_kind) for c in KpiScorecard.select()] == [
            ("2024Q1", "维修事业部", "team")
        ]
        KpiScorecard.create(period="2024Q1", target="维修", scope_kind="service_type")
        assert KpiScorecard.select().count() == 2
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    assert "scope_kind" not in {
        r[1] for r in sqlite3.connect(tmp_path / "v11.db.v11.bak").execute("PRAGMA table_info(kpi_scorecard)")
    }


def test_version_12_database_gets_the_survey_link_table(tmp_path):
    """Step 13: a version-12 database keeps its data and can hold a task's 扫码问卷 link."""
    from datetime import datetime

    from desktop.models import SurveyLink, VisitTask

    path = tmp_path / "v12.db"
    make_old_version(path, 12)
    assert "survey_link" not in _tables(path)
    open_app_database(path)
    try:
        task = VisitTask.create(customer=Customer.get())
        SurveyLink.create(token="t" * 32, task=task, expires_at=datetime(2030, 1, 1))
        assert SurveyLink.get().task_id == task.id and Customer.get().name == "老客户"
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    assert "survey_link" in _tables(path)
    assert "survey_link" not in _tables(tmp_path / "v12.db.v12.bak")


def test_version_16_database_gets_the_imported_submissions_table(tmp_path):
    """Step 17: a version-16 database keeps its data and remembers imported answer sheets."""
    import peewee

    from desktop.models import ImportedSubmission

    path = tmp_path / "v16.db"
    make_old_version(path, 16)
    assert "imported_submission" not in _tables(path)
    open_app_database(path)
    try:
        ImportedSubmission.create(key="k" * 64, platform="问卷星", source="问卷.xlsx", row_no=2)
        with pytest.raises(peewee.IntegrityError):
            ImportedSubmission.create(key="k" * 64, platform="问卷星")
        assert Customer.get().name == "老客户"
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    assert "imported_submission" in _tables(path)


def test_version_15_database_gets_the_sms_tables(tmp_path):
    """Step 16: a version-15 database keeps its data and can hold a 短信 batch, its text and a
    reply; the copy set aside before the step has none of the three tables."""
    from datetime import datetime

    from desktop.models import SmsBatch, SmsMessage, SmsReply, VisitTask

    path = tmp_path / "v15.db"
    make_old_version(path, 15)
    assert not {"sms_batch", "sms_message", "sms_reply"} & _tables(path)
    open_app_database(path)
    try:
        task = VisitTask.create(customer=Customer.get())
        batch = SmsBatch.create(mode="reply", count=1)
        SmsMessage.create(batch=batch, task=task, phone="13800001111", sent_at=datetime(2026, 1, 2), mode="reply", text="…")
        SmsReply.create(key="k", phone="13800001111", received_at=datetime(2026, 1, 3), content="5", status="待核对")
        assert SmsMessage.get().task_id == task.id and Customer.get().name == "老客户"
    finally:
        close_database()
    assert _user_version(path) == SCHEMA_VERSION
    assert {"sms_batch", "sms_message", "sms_reply"} <= _tables(path)
    assert not {"sms_batch", "sms_message", "sms_reply"} & _tables(tmp_path / "v15.db.v15.bak")
