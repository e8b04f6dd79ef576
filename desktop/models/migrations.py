"""Ordered schema steps. ``PRAGMA user_version`` holds the version a database is at.

To change the schema: bump ``SCHEMA_VERSION`` and add ``STEPS[N]`` (a function taking a
``playhouse.migrate.SchemaMigrator``). A fresh database gets every table at the current version
and skips the steps; an older one is copied aside, then stepped up, each step in one transaction
together with its version bump.
"""

from collections.abc import Callable

from playhouse.migrate import migrate

SCHEMA_VERSION = 17


def _add_user_accounts(migrator) -> None:
    """2: sign-in accounts (回访员 / 主管 / 只读), off until a 主管 turns them on."""
    from .accounts import UserAccount

    migrator.database.create_tables([UserAccount])


def _add_attachment_blobs(migrator) -> None:
    """3: the content of attached scans kept in the database (PostgreSQL has no folder beside
    it); stays empty on SQLite, whose scans stay in the ``attachments`` folder."""
    from .paper import AttachmentBlob, AttachmentBlobPart

    migrator.database.create_tables([AttachmentBlob, AttachmentBlobPart])


def _add_customer_pinyin(migrator) -> None:
    """4: pinyin search keys of every customer's name (hsy finds 黄思远), filled for the rows
    already there in batches, in the step's transaction."""
    from desktop.services.common.pinyin import name_keys

    from .customer import Customer

    database = migrator.database
    migrate(migrator.add_column(Customer._meta.table_name, "name_py", Customer.name_py))
    table, param = Customer._meta.table_name, database.param
    last = 0
    while True:
        rows = database.execute_sql(
            f'SELECT id, name FROM "{table}" WHERE id > {param} ORDER BY id LIMIT 1000', (last,)
        ).fetchall()
        if not rows:
            break
        database.cursor().executemany(
            f'UPDATE "{table}" SET name_py = {param} WHERE id = {param}',
            [(name_keys(name or ""), pk) for pk, name in rows],
        )
        last = rows[-1][0]


def _add_form_autosave(migrator) -> None:
    """5: the automatic draft of the open 回访表 (a killed program or a power cut loses at most a
    few seconds of typing)."""
    from .visit import FormAutosave

    migrator.database.create_tables([FormAutosave])


def _add_task_appointment(migrator) -> None:
    """6: the slot agreed with the customer when a visit is booked 1–2 days ahead (预约)."""
    from .visit import VisitTask

    table = VisitTask._meta.table_name
    migrate(
        migrator.add_column(table, "appointment_start", VisitTask.appointment_start),
        migrator.add_column(table, "appointment_end", VisitTask.appointment_end),
    )


def _add_standard_manual(migrator) -> None:
    """7: 标准手册 — closed, verified improvement actions kept as standard practice."""
    from .improvement import StandardEntry

    migrator.database.create_tables([StandardEntry])


def _add_row_versions(migrator) -> None:
    """8: the edit version of every record edited in a form (回访、客户、工单、改进措施、质量评价、
    问卷模板、设置) and who saved it last and when: a save from a stale copy is refused instead
    of silently overwriting another PC's save. Existing rows start at version 1."""
    from . import (
        Customer,
        ImprovementAction,
        KpiScorecard,
        QuestionnaireTemplate,
        ServiceOrder,
        Setting,
        Visit,
    )

    database = migrator.database
    for model in (Visit, Customer, ServiceOrder, ImprovementAction, KpiScorecard, QuestionnaireTemplate, Setting):
        table = model._meta.table_name
        database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "row_version" INTEGER NOT NULL DEFAULT 1')
        database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "modified_by" VARCHAR(255) NOT NULL DEFAULT \'\'')
        migrate(migrator.add_column(table, "modified_at", model.modified_at))


def _add_task_sending(migrator) -> None:
    """9: a questionnaire handed out or sent (问卷 / 短信 / 微信) and when, on its task, and the
    link from a 催收 task to the task it chases (回收率 per channel, reminders)."""
    from .visit import VisitTask

    table = VisitTask._meta.table_name
    migrate(
        migrator.add_column(table, "sent_via", VisitTask.sent_via),
        migrator.add_column(table, "sent_at", VisitTask.sent_at),
        migrator.add_column(table, "chase_of", VisitTask.chase_of),
    )


def _add_followups(migrator) -> None:
    """10: each customer told of an improvement (告知客户), the sales follow-up of 再购意向
    (销售跟进) and the targets set per period (目标)."""
    from .followup import CustomerNotice, PeriodGoal, SalesLead

    migrator.database.create_tables([CustomerNotice, SalesLead, PeriodGoal])


def _add_foreman_reviews(migrator) -> None:
    """11: 工长自评 — the foreman's own assessment of each completed order (three factors and a
    remark), kept apart from the customer visits."""
    from .evaluation import ForemanReview

    migrator.database.create_tables([ForemanReview])


def _add_scorecard_scope(migrator) -> None:
    """12: which scope a KPI scorecard grades (评价范围): a team (班组, every scorecard made
    before), a service type (服务类型) or new / returning customers (新客户 / 老客户)."""
    from .kpi import KpiScorecard

    migrate(migrator.add_column(KpiScorecard._meta.table_name, "scope_kind", KpiScorecard.scope_kind))


def _add_survey_links(migrator) -> None:
    """13: 扫码问卷 links — the unguessable, single-use, expiring link of a visit task that the
    customer opens on a phone to answer by themselves."""
    from .survey import SurveyLink

    migrator.database.create_tables([SurveyLink])


def _add_order_indexes(migrator) -> None:
    """14: two indexes on service orders for the period figures: 投诉受理时间 (投诉处理及时率,
    响应时效 and the overdue complaints read only the complaints, not every order) and (customer,
    完成时间) (老客户 / 复购率: whether a customer had an earlier order)."""
    from .customer import ServiceOrder

    table = ServiceOrder._meta.table_name
    migrate(
        migrator.add_index(table, ("complaint_at",), False),
        migrator.add_index(table, ("customer_id", "completed_at"), False),
    )


def _no_change_15(migrator) -> None:
    """15: no change. The number was set aside for the 扫描录入 queue, which needed no table (its
    待核对 pages are 草稿 visits with the scan attached); a database at 15 is the same as at 14."""


def _add_sms_tables(migrator) -> None:
    """16: 短信问卷 without a gateway — the batch files exported for the shop's SMS platform, the
    texts in them, and the customers' replies imported from the platform (read into visits, or
    waiting for a person in 短信回复待核对)."""
    from .sms import SmsBatch, SmsMessage, SmsReply

    migrator.database.create_tables([SmsBatch, SmsMessage, SmsReply])


def _add_imported_submissions(migrator) -> None:
    """17: the survey-platform answer sheets (问卷星, 腾讯问卷) already imported as visits, so that
    importing the same export again skips them."""
    from .survey import ImportedSubmission

    migrator.database.create_tables([ImportedSubmission])


# version → step that brings a database from version-1 to version. Version 1 is the first
# release: it is created from the models, so it has no step.
STEPS: dict[int, Callable] = {
    2: _add_user_accounts,
    3: _add_attachment_blobs,
    4: _add_customer_pinyin,
    5: _add_form_autosave,
    6: _add_task_appointment,
    7: _add_standard_manual,
    8: _add_row_versions,
    9: _add_task_sending,
    10: _add_followups,
    11: _add_foreman_reviews,
    12: _add_scorecard_scope,
    13: _add_survey_links,
    14: _add_order_indexes,
    15: _no_change_15,
    16: _add_sms_tables,
    17: _add_imported_submissions,
}
