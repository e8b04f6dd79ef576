"""Issue 13 item 6: the services enforce the roles even when a screen is bypassed — each test
calls the service directly as the wrong role (sign-in on: 主管 boss, 回访员 qian, 只读 hq)."""

import ast
import importlib
from datetime import datetime
from pathlib import Path

import pytest
from conftest import TEAM_PASSWORD
from test_signatures import _input, setup  # noqa: F401  (setup is a fixture)

from desktop.models import CallAttempt, Staff, Visit, VisitAttachment, VisitTask
from desktop.services.admin import accounts
from desktop.services.admin.accounts import LoginFailed, PermissionDenied
from desktop.services.maintenance import backup
from desktop.services.visits import attachments, calls, visit_list, visits
from desktop.services.visits.visits import save_visit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(username):
    return accounts.login(username, TEAM_PASSWORD)


def _someone_elses_draft(setup):  # noqa: F811
    sign_in("boss")
    draft = save_visit(_input(setup, visitor="孙员工"), final=False)
    assert Visit.get_by_id(draft.id).visitor == "孙员工"
    return draft


def test_a_caller_cannot_delete_another_callers_draft(team, setup):  # noqa: F811
    draft = _someone_elses_draft(setup)
    sign_in("qian")
    with pytest.raises(PermissionDenied, match="不是您（钱员工）的"):
        visits.delete_draft(draft.id)
    assert Visit.get_or_none(Visit.id == draft.id) is not None
    mine = save_visit(_input(setup), final=False)
    visits.delete_draft(mine.id)  # one's own draft: still fine
    assert Visit.get_or_none(Visit.id == mine.id) is None


def test_a_caller_cannot_attach_a_scan_to_another_callers_visit(team, setup, tmp_path):  # noqa: F811
    draft = _someone_elses_draft(setup)
    scan = tmp_path / "签字.pdf"
    scan.write_bytes(PDF)
    sign_in("qian")
    with pytest.raises(PermissionDenied, match="不是您（钱员工）的"):
        attachments.add_attachment(draft.id, scan)
    assert Visit.get_by_id(draft.id).sign_status == "未签"  # the owner is not locked out
    assert VisitAttachment.select().count() == 0
    mine = save_visit(_input(setup), final=False)
    attachments.add_attachment(mine.id, scan)
    assert Visit.get_by_id(mine.id).sign_status == "纸质已签"


def test_a_caller_cannot_remove_a_scan_from_another_callers_visit(team, setup, tmp_path):  # noqa: F811
    draft = _someone_elses_draft(setup)
    scan = tmp_path / "签字.pdf"
    scan.write_bytes(PDF)
    info = attachments.add_attachment(draft.id, scan)  # by the 主管
    sign_in("qian")
    with pytest.raises(PermissionDenied, match="不是您（钱员工）的"):
        attachments.remove_attachment(info.id)
    assert VisitAttachment.select().count() == 1


def test_a_caller_cannot_log_calls_on_another_callers_customer_without_the_task(team, setup):  # noqa: F811
    customer, order, template, *_ = setup
    other = Staff.create(name="孙员工", role="回访员")
    VisitTask.create(customer=customer, order=order, template=template, trigger="甲", assignee=other.id)
    sign_in("qian")
    with pytest.raises(PermissionDenied, match="孙员工"):
        calls.record_attempt(customer.id, "无法接通")
    assert CallAttempt.select().count() == 0
    # once an open task of the customer is the caller's (or nobody's), the call may be logged
    VisitTask.create(customer=customer, order=order, template=template, trigger="乙")
    calls.record_attempt(customer.id, "无法接通")
    assert CallAttempt.select().count() == 1


def test_a_caller_cannot_hang_a_call_on_another_callers_visit(team, setup):  # noqa: F811
    draft = _someone_elses_draft(setup)
    customer = setup[0]
    sign_in("qian")
    with pytest.raises(PermissionDenied, match="不是您（钱员工）的"):
        calls.record_attempt(customer.id, "无法接通", visit_id=draft.id)
    assert CallAttempt.select().count() == 0


@pytest.mark.sqlite_only  # a backup copies the SQLite file (a server database has its own tools)
@pytest.mark.parametrize("who", ["qian", "hq"])
def test_only_a_supervisor_makes_a_full_backup(team, db_path, tmp_path, who):
    out = tmp_path / "copy.db"
    sign_in(who)
    with pytest.raises(PermissionDenied, match="备份数据库"):
        backup.backup_to(out)
    assert not out.exists()
    sign_in("boss")
    assert backup.backup_to(out) == out.absolute()


@pytest.mark.sqlite_only
def test_automatic_backups_still_run_whoever_is_signed_in(team, db_path, tmp_path):
    sign_in("qian")
    result = backup.auto_backup("exit", folder=tmp_path / "backups")
    assert result.path.is_file()
    with pytest.raises(PermissionDenied, match="备份数据库"):
        backup.auto_backup("manual", folder=tmp_path / "backups")


def test_a_viewer_cannot_rebuild_a_masked_number_by_searching_customers_words(team, setup):  # noqa: F811
    sign_in("qian")
    save_visit(_input(setup, feedback="新号码13912345678，白天打；2号楼"), final=True)
    assert visit_list.count_visits("1391234") == 1  # a caller sees the number, and finds it
    sign_in("hq")
    # digit by digit, as the viewer did in 30 searches: every guess at a masked digit finds nothing
    for probe in ("1391", "13912", "新号码1391", "1234", "9123", "12345678", "13912345678"):
        assert visit_list.count_visits(probe) == 0, probe
        assert visit_list.visit_rows(probe) == [], probe
    # what the viewer sees on screen is still found
    for shown in ("139", "5678", "新号码", "2号楼", "白天打"):
        assert visit_list.count_visits(shown) == 1, shown


def test_an_unknown_name_is_locked_like_a_real_one(team):
    at = datetime(2026, 3, 2, 9, 30)

    def answers(username):
        out = []
        for _ in range(accounts.MAX_FAILURES + 2):
            with pytest.raises(LoginFailed) as failed:
                accounts.login(username, "wrong-pass-1", at=at)
            out.append(str(failed.value))
        return out

    real, unknown = answers("qian"), answers("nobody")
    assert "锁定" in real[accounts.MAX_FAILURES - 1]
    assert unknown == real
    assert "锁定" in answers("Nobody")[0]  # the same name, spelled otherwise, stays locked


# ---------------------------------------------------------------- every writing function has a rule
SERVICES = Path(__file__).resolve().parent.parent / "desktop" / "services"
MODEL_WRITES = {"create", "insert", "insert_many", "insert_from", "update", "delete", "replace"}
MODEL_WRITES |= {"replace_many", "bulk_create", "bulk_update", "get_or_create"}

# public functions that write and legitimately check no role, each with the reason
ROLE_FREE = {
    # signing in, and what one does to one's own account
    "admin.accounts.login": "checks the password itself; counts failures before anyone is signed in",
    "admin.accounts.enable_accounts": "turns sign-in on with the first 主管; refused once it is on",
    "admin.accounts.change_password": "one's own password, the old one checked",
    "admin.accounts.verify_supervisor": "checks a 主管's password; counts the guesser's failures",
    "visits.autosave.write": "the automatic draft of one's own open 回访表 (a row per PC and account)",
    "visits.autosave.clear": "removes one's own automatic draft",
    "visits.autosave.pending": "reads one's own automatic draft back (drops an unreadable one)",
    # automatic work that comes out the same whoever runs it
    "maintenance.backup.auto_backup": "exit / daily backups into the 主管's backup folder; 'manual' checks 主管",
    "scheduling.scheduler.run_scheduler": "at every start: the due tasks the 主管's trigger settings ask for",
    "scheduling.chasing.create_chase_tasks": "part of run_scheduler: 催收 tasks for questionnaires not back in time",
    "improvement.flow.check_verifications": "closes actions whose verification visits are in (the rules)",
    "improvement.flow.close_if_verified": "the same, for one action",
    # opening a database: before anyone signs in
    "maintenance.bootstrap.open_app_database": "opens and migrates the database before the sign-in",
    "maintenance.bootstrap.ensure_defaults": "the shipped templates and categories, before the sign-in",
    "visits.templates.ensure_builtin_templates": "the shipped templates, before the sign-in",
    "reporting.problems.ensure_default_keywords": "the shipped keywords, before the sign-in",
    "improvement.flow.verification_template_id": "adds the shipped verification template if missing",
    "demo.demo.generate_demo": "fills the demo database (command line / --demo), nobody signed in",
    # steps of a guarded write, called from inside it (save_visit, plans, remove_*)
    "improvement.flow.on_visit_saved": "a step of visits.save_visit (回访, own visits only)",
    "improvement.improvement.write_log": "a step of every guarded write of an action (its own log row)",
    "reporting.quality.flag_invalid": "a step of save_visit and of the 主管's review",
    "visits.signatures.store_signature": "a step of visits.save_visit",
    "visits.signatures.write_audit": "a step of save_visit / remove_attachment / remove_signature",
    "visits.signatures.plan_locked_edit": "a step of save_visit (asks for the 主管's confirmation)",
    "visits.signatures.check_override": "checks the 主管's password for a guarded write",
    "scheduling.tasks.insert_tasks": "a step of the 主管's plans and of the scheduler",
    "improvement.improvement.log_note": "a step of customer_notices' 标记已告知 (主管, 修改改进方案)",
    "intake.import_template.write_import_template": "writes a blank template file: no data in it",
    # writing files the caller's own guarded command produced (no data of their own)
    "common.safe_files.write_atomic": "the temporary-name-and-rename step of every file writer",
    "common.safe_files.write_book": "the same for a workbook; the export that fills it checks the role",
    "intake.error_report.write_error_report": "the rejected rows of the user's own import file, beside it",
    "visits.attachments.copy_out": "另存为 of a scan anyone may open (file_to_open), checked; no database write",
    # the customer answering on the phone page: nobody of the shop is acting, the link is the permission
    "web.links.submit": "the customer's answers through an open, single-use 扫码问卷 link",
    "visits.visits.save_customer_answers": "a step of web.links.submit (the link checked there)",
}


def unguarded_writers(sources: dict[str, str], guarded) -> set[str]:
    """``module.function`` names of the public functions in ``sources`` ({module: code}) that
    write to the database (a model's create/insert/update/delete, ``delete_instance``, ``save()``,
    ``db.atomic``) or replace a file (``os.replace``) — themselves or through the functions
    they call — without passing through a function for which ``guarded(name)`` is true."""
    trees = {name: ast.parse(code) for name, code in sources.items()}
    direct, calls = {}, {}
    for module, tree in trees.items():
        imported = {}  # local name → "module.function" (or "module." for a module)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join([*module.split(".")[: -node.level], *([node.module] if node.module else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    imported[alias.asname or alias.name] = f"{full}." if full in trees else full
        for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
            key, writes, targets = f"{module}.{fn.name}", False, set()
            for node in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                f = node.func
                if isinstance(f, ast.Name):
                    targets.add(imported.get(f.id, f"{module}.{f.id}"))
                    continue
                if not isinstance(f, ast.Attribute):
                    continue
                receiver = f.value.id if isinstance(f.value, ast.Name) else ""
                writes |= (f.attr in MODEL_WRITES and receiver[:1].isupper()) or f.attr in (
                    "delete_instance",
                    "atomic",
                )
                writes |= (f.attr == "replace" and receiver == "os") or (f.attr == "save" and not node.args)
                if imported.get(receiver, "").endswith("."):
                    targets.add(imported[receiver] + f.attr)
            direct[key], calls[key] = writes, targets
    writers = {key for key, writes in direct.items() if writes and not guarded(key)}
    while True:
        more = {
            key
            for key, targets in calls.items()
            if key not in writers and not guarded(key) and targets & writers
        }
        if not more:
            break
        writers |= more
    return {key for key in writers if not key.rsplit(".", 1)[1].startswith("_")}


def _services_sources() -> dict[str, str]:
    root = SERVICES.parent.parent
    return {
        ".".join(path.relative_to(root).with_suffix("").parts): path.read_text(encoding="utf-8")
        for path in sorted(SERVICES.rglob("*.py"))
    }


def _declares_a_role_rule(key: str) -> bool:
    module, name = key.rsplit(".", 1)
    return hasattr(getattr(importlib.import_module(module), name, None), "role_rule")


def test_every_public_function_that_writes_declares_its_role_rule():
    sources = _services_sources()
    found = unguarded_writers(sources, _declares_a_role_rule)
    short = {key.removeprefix("desktop.services.") for key in found}
    assert short - set(ROLE_FREE) == set(), "写数据的服务函数没有声明角色规则（@accounts.requires）"
    assert set(ROLE_FREE) - short == set(), "ROLE_FREE 中的函数已不存在或不再写数据，请删去"
    # the walk itself sees the guarded writers (it is not blind)
    everything = unguarded_writers(sources, lambda key: False)
    for key in ("visits.visits.save_visit", "visits.visits.delete_draft", "maintenance.backup.backup_to", "visits.attachments.add_attachment"):
        assert f"desktop.services.{key}" in everything, key
        assert _declares_a_role_rule(f"desktop.services.{key}"), key


def test_the_walk_catches_a_new_writing_function_without_a_rule():
    code = (
        "from desktop.models import Note, db\n"
        "from . import accounts\n"
        "def _store(text):\n    Note.create(text=text)\n"
        "def add_note(text):\n    _store(text)\n"
        "@accounts.requires(accounts.CALL, 'x')\ndef add_checked(text):\n    _store(text)\n"
        "def rename(path):\n    import os\n    os.replace(path, path + '.old')\n"
        "def read(text):\n    return text.replace('a', 'b')\n"
    )
    found = unguarded_writers(
        {"desktop.services.notes": code}, lambda key: key.endswith(".add_checked")
    )
    assert found == {"desktop.services.notes.add_note", "desktop.services.notes.rename"}
