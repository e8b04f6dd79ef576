"""Backups, the integrity check and restore: the service, the CLI and the GUI (dialog, start-up)."""

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.cli import main
from desktop.models import Answer, Customer, db
from desktop.models.connection import close_database
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.admin import settings as app_settings
from desktop.services.common.errors import UserError
from desktop.services.intake import customers as customers_svc
from desktop.services.maintenance import backup
from desktop.services.maintenance.bootstrap import open_app_database

REPO = Path(__file__).resolve().parent.parent
# file backups of the SQLite database (a PostgreSQL server is backed up with pg_dump)
pytestmark = pytest.mark.sqlite_only
T0 = datetime(2024, 11, 20, 18, 0, 0)


def add_customer(code: str, name: str = "张三") -> None:
    customers_svc.create_customer({"code": code, "name": name, "phone": "13812345678"})


def codes_in(path: Path) -> set[str]:
    """Customer codes in a database file, read with plain sqlite3 (not through the models)."""
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {row[0] for row in con.execute(f"SELECT code FROM {Customer._meta.table_name}")}
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corrupt(path: Path) -> None:
    """Overwrite pages in the middle of a closed database file with junk (header kept)."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    start = page * 2
    for i in range(start, min(len(data), start + page * 20)):
        data[i] = (i * 7 + 13) % 251
    path.write_bytes(bytes(data))


def sidecars(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-"))


# ---------------------------------------------------------------- backup_to
def test_backup_is_a_verified_single_file_copy(database, db_path, tmp_path):
    add_customer("C001")
    out = tmp_path / "copies" / "manual.db"
    out.parent.mkdir()
    assert backup.backup_to(out) == out
    assert codes_in(out) == {"C001"}
    result = backup.check(out)
    assert result.ok and result.user_version == SCHEMA_VERSION
    header = out.read_bytes()[:20]
    assert (header[18], header[19]) == (1, 1)  # rollback journal: one self-contained file
    assert not list(out.parent.glob(".*")), "no temporary file is left behind"
    assert sidecars(out) == []


def test_backup_sees_committed_data_only_and_does_not_wait_for_a_writer(database, db_path, tmp_path):
    add_customer("C001")
    writer = sqlite3.connect(str(db_path), isolation_level=None, timeout=10)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        f"INSERT INTO {Customer._meta.table_name} (code, name, title, phone, address, ctype, region, source,"
        " note, created_at, archived) VALUES ('C002', '李四', '', '13900000000', '', '普通客户', '', '', '',"
        " '2024-01-01 00:00:00', 0)"
    )
    try:
        out = backup.backup_to(tmp_path / "during-write.db")  # the writer still holds its transaction
        assert codes_in(out) == {"C001"}
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert codes_in(backup.backup_to(tmp_path / "after.db")) == {"C001", "C002"}


def test_backup_to_refuses_bad_targets(database, db_path, tmp_path):
    with pytest.raises(UserError, match="不存在"):
        backup.backup_to(tmp_path / "no-such-folder" / "x.db")
    with pytest.raises(UserError, match="文件夹"):
        backup.backup_to(tmp_path)
    with pytest.raises(UserError, match="数据库文件本身"):
        backup.backup_to(db_path)
    with pytest.raises(UserError, match="找不到数据库文件"):
        backup.backup_to(tmp_path / "x.db", source=tmp_path / "missing.db")


def test_backup_of_a_damaged_database_fails_and_keeps_the_good_backups(database, db_path, tmp_path):
    add_customer("C001")
    folder = tmp_path / "bk"
    first = backup.auto_backup("daily", folder=folder, keep=1, now=T0).path
    before = digest(first)
    close_database()
    corrupt(db_path)
    with pytest.raises(UserError, match="损坏"):
        backup.auto_backup("exit", db_path=db_path, folder=folder, keep=1, now=T0 + timedelta(hours=1))
    assert [b.path for b in backup.list_backups(folder)] == [first], "rotation must not run after a failure"
    assert digest(first) == before
    assert sorted(p.name for p in folder.iterdir()) == [first.name], "no partial file left"


# ---------------------------------------------------------------- the backup folder
def test_auto_backup_names_rotation_and_listing(database, db_path, tmp_path):
    folder = tmp_path / "bk"
    folder.mkdir()
    manual = folder / "huifang-20240101-090000-manual.db"
    backup.backup_to(manual)
    made = [backup.auto_backup("exit", folder=folder, keep=3, now=T0 + timedelta(hours=i)) for i in range(5)]
    assert made[0].path.name == "huifang-20241120-180000-exit.db"
    assert made[4].removed == [made[1].path]
    listed = backup.list_backups(folder)
    assert [b.path for b in listed] == [made[4].path, made[3].path, made[2].path, manual]
    assert [b.reason for b in listed] == ["exit", "exit", "exit", "manual"]
    assert listed[0].created == T0 + timedelta(hours=4)
    assert listed[0].label == "退出时自动备份" and listed[-1].label == "手动备份"
    # same second twice: a second name, nothing overwritten
    again = backup.auto_backup("daily", folder=folder, keep=10, now=T0)
    twice = backup.auto_backup("daily", folder=folder, keep=10, now=T0)
    assert again.path.name == "huifang-20241120-180000-daily.db"
    assert twice.path.name == "huifang-20241120-180000-daily-2.db"


def test_rotation_keeps_each_kind_of_automatic_backup(database, db_path, tmp_path):
    folder = tmp_path / "bk"
    daily = backup.auto_backup("daily", folder=folder, keep=2, now=T0).path
    exits = [
        backup.auto_backup("exit", folder=folder, keep=2, now=T0 + timedelta(hours=i + 1)).path
        for i in range(5)
    ]
    assert {b.path for b in backup.list_backups(folder)} == {daily, exits[3], exits[4]}


def test_backup_settings_folder_and_keep(database, db_path, tmp_path):
    assert backup.backup_folder() == db_path.parent / "backups"
    assert backup.keep_count() == 10
    app_settings.save_all({"backup_dir": "archive", "backup_keep": 2})
    assert backup.backup_folder() == db_path.parent / "archive"
    for i in range(4):
        backup.auto_backup("exit", now=T0 + timedelta(minutes=i))
    assert len(backup.list_backups(db_path.parent / "archive")) == 2
    app_settings.set_value("backup_keep", "junk")
    assert backup.keep_count() == 10
    app_settings.set_value("backup_keep", -5)
    assert backup.keep_count() == 1
    app_settings.set_value("backup_dir", str(tmp_path / "absolute"))
    assert backup.backup_folder() == tmp_path / "absolute"
    close_database()
    assert backup.backup_folder(db_path) == tmp_path / "absolute", "read from the file when not open"


def test_backup_due_after_a_day(database, db_path, tmp_path):
    folder = tmp_path / "bk"
    assert backup.backup_due(folder, now=T0)
    backup.auto_backup("exit", folder=folder, now=T0)
    assert not backup.backup_due(folder, now=T0 + timedelta(hours=23))
    assert backup.backup_due(folder, now=T0 + timedelta(hours=24))


def test_stale_partial_files_are_cleaned_up(database, db_path, tmp_path):
    folder = tmp_path / "bk"
    folder.mkdir()
    stale = folder / ".huifang-20240101-000000-exit.db.999.partial"
    fresh = folder / ".huifang-20240102-000000-exit.db.998.partial"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = datetime.now().timestamp() - 2 * backup.STALE_PARTIAL_S
    os.utime(stale, (old, old))
    backup.auto_backup("exit", folder=folder, now=T0)
    assert not stale.exists()
    assert fresh.exists(), "may belong to a backup still running"
    assert len(backup.list_backups(folder)) == 1


def test_newest_good_backup_skips_a_damaged_one(database, db_path, tmp_path):
    folder = tmp_path / "bk"
    older = backup.auto_backup("exit", folder=folder, now=T0).path
    newer = backup.auto_backup("exit", folder=folder, now=T0 + timedelta(hours=1)).path
    corrupt(newer)
    assert backup.newest_good_backup(folder).path == older
    corrupt(older)
    assert backup.newest_good_backup(folder) is None


# ---------------------------------------------------------------- check
def test_check_ok(database, db_path):
    result = backup.check(db_path)
    assert result.ok and result.restorable
    assert result.message.startswith("数据库完好")
    assert backup.check(db_path, quick=True).ok


def test_check_names_each_kind_of_bad_file(database, db_path, tmp_path):
    missing = backup.check(tmp_path / "nope.db")
    assert missing.status == backup.MISSING and "找不到" in missing.message

    text = tmp_path / "notes.db"
    text.write_text("这不是数据库", encoding="utf-8")
    assert backup.check(text).status == backup.NOT_DATABASE
    assert "不是数据库文件" in backup.check(text).message

    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert backup.check(empty).status == backup.NOT_DATABASE and "空文件" in backup.check(empty).message

    assert backup.check(tmp_path).status == backup.NOT_DATABASE

    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE things (x)")
    con.commit()
    con.close()
    result = backup.check(other)
    assert result.status == backup.NOT_HUIFANG and "不是回访通的数据库" in result.message

    good = backup.backup_to(tmp_path / "good.db")
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = backup.check(truncated)
    assert result.status == backup.DAMAGED and "不完整" in result.message

    damaged = backup.backup_to(tmp_path / "damaged.db")
    corrupt(damaged)
    result = backup.check(damaged)
    assert result.status == backup.DAMAGED and "损坏" in result.message
    assert not result.restorable

    newer = backup.backup_to(tmp_path / "newer.db")
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    result = backup.check(newer)
    assert result.status == backup.NEWER and "更新版本" in result.message and not result.restorable


def test_check_reports_orphan_rows(database, db_path, tmp_path):
    copy = backup.backup_to(tmp_path / "orphans.db")
    con = sqlite3.connect(copy)  # foreign keys are off on a plain connection
    con.execute(
        f"INSERT INTO {Answer._meta.table_name} (visit_id, question_id, value, text) VALUES (99999, 99999, 5, '')"
    )
    con.commit()
    con.close()
    result = backup.check(copy)
    assert result.status == backup.INCONSISTENT and result.restorable and not result.ok
    assert "引用" in result.message and result.details
    assert backup.check(copy, quick=True).ok, "the quick check does not look at references"


# ---------------------------------------------------------------- restore
def test_restore_replaces_the_database_and_keeps_the_old_one(database, db_path, tmp_path):
    add_customer("C001")
    saved = backup.backup_to(tmp_path / "saved.db")
    add_customer("C002")
    result = backup.restore(saved, db_path, now=T0)
    assert db.is_closed(), "the open database is closed before its file is replaced"
    assert result.kept == db_path.with_name("huifang.db.before-restore-20241120-180000")
    assert codes_in(result.kept) == {"C001", "C002"}
    assert codes_in(db_path) == {"C001"}
    assert result.check.restorable and "恢复" in result.summary()
    assert not (tmp_path / f".huifang.db.{os.getpid()}.restoring").exists()
    open_app_database(db_path)  # opens (and returns to WAL) like after any start
    assert {c.code for c in Customer.select()} == {"C001"}
    add_customer("C003")
    assert backup.check(db_path).ok


def test_restore_refuses_a_bad_backup_and_leaves_the_database_alone(database, db_path, tmp_path):
    add_customer("C001")
    close_database()
    before = digest(db_path)
    junk = tmp_path / "junk.db"
    junk.write_text("not a database", encoding="utf-8")
    with pytest.raises(UserError, match="不能用这个文件恢复"):
        backup.restore(junk, db_path)
    with pytest.raises(UserError, match="不能用这个文件恢复"):
        backup.restore(tmp_path / "missing.db", db_path)
    with pytest.raises(UserError, match="当前数据库文件本身"):
        backup.restore(db_path, db_path)
    assert digest(db_path) == before
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_restore_refuses_while_another_process_uses_the_database(database, db_path, tmp_path):
    add_customer("C001")
    saved = backup.backup_to(tmp_path / "saved.db")
    add_customer("C002")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"con = sqlite3.connect({str(db_path)!r})\n"
            "con.execute('SELECT count(*) FROM sqlite_master').fetchall()\n"
            "print('ready', flush=True)\n"
            "sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(UserError, match="正被其他程序使用"):
            backup.restore(saved, db_path)
    finally:
        holder.communicate("\n", timeout=60)
    assert codes_in(db_path) == {"C001", "C002"}
    assert not list(tmp_path.glob("*.before-restore-*"))
    backup.restore(saved, db_path)  # free again
    assert codes_in(db_path) == {"C001"}


def test_restore_over_a_damaged_database_with_a_stale_wal(database, db_path, tmp_path):
    add_customer("C001")
    saved = backup.backup_to(tmp_path / "saved.db")
    close_database()
    corrupt(db_path)
    stale = db_path.with_name(db_path.name + "-wal")
    stale.write_bytes(b"stale wal of the damaged file")
    broken = db_path.read_bytes()
    result = backup.restore(saved, db_path, now=T0)
    assert result.kept.read_bytes() == broken, "the damaged file is kept byte for byte"
    assert result.kept.with_name(result.kept.name + "-wal").read_bytes() == b"stale wal of the damaged file"
    assert not stale.exists()
    assert backup.check(db_path).ok and codes_in(db_path) == {"C001"}


def test_extra_folders_travel_with_backups(database, db_path, tmp_path, monkeypatch):
    attachments = tmp_path / "attachments"
    attachments.mkdir()
    (attachments / "a.txt").write_text("一", encoding="utf-8")
    monkeypatch.setattr(backup, "EXTRA_FOLDERS", [("attachments", lambda p: p.parent / "attachments")])
    folder = tmp_path / "bk"
    saved = backup.auto_backup("exit", folder=folder, keep=1, now=T0).path
    assert (folder / (saved.name + ".files") / "attachments" / "a.txt").read_text(encoding="utf-8") == "一"
    (attachments / "a.txt").write_text("二", encoding="utf-8")
    backup.restore(saved, db_path, now=T0)
    assert (attachments / "a.txt").read_text(encoding="utf-8") == "一"
    kept = tmp_path / "attachments.before-restore-20241120-180000" / "a.txt"
    assert kept.read_text(encoding="utf-8") == "二"
    open_app_database(db_path)
    newer = backup.auto_backup("exit", folder=folder, keep=1, now=T0 + timedelta(hours=1)).path
    assert not (folder / (saved.name + ".files")).exists(), "rotation removes a backup's folders too"
    assert (folder / (newer.name + ".files")).is_dir()


# ---------------------------------------------------------------- CLI
def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def test_cli_check_backup_and_damaged_file(database, db_path, tmp_path):
    add_customer("C001")
    ok = run_cli("--db", str(db_path), "check")
    assert ok.returncode == 0 and "数据库完好" in ok.stdout
    done = run_cli("--db", str(db_path), "backup", "--out", str(tmp_path / "cli.db"))
    assert done.returncode == 0 and done.stdout.strip() == str(tmp_path / "cli.db")
    assert codes_in(tmp_path / "cli.db") == {"C001"}
    into_folder = run_cli("--db", str(db_path), "backup", "--out", str(tmp_path))
    written = Path(into_folder.stdout.strip())
    assert into_folder.returncode == 0 and written.parent == tmp_path and written.name.endswith("-manual.db")

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes((tmp_path / "cli.db").read_bytes())
    corrupt(damaged)
    bad = run_cli("--db", str(damaged), "check")
    assert bad.returncode == 3 and "损坏" in bad.stderr and "Traceback" not in bad.stderr
    text = tmp_path / "readme.db"
    text.write_text("hello", encoding="utf-8")
    bad = run_cli("--db", str(text), "check")
    assert bad.returncode == 3 and "不是数据库文件" in bad.stderr and "Traceback" not in bad.stderr
    assert run_cli("check", str(tmp_path / "cli.db")).returncode == 0, "a backup file can be checked too"


def test_cli_restore_needs_confirmation(database, db_path, tmp_path):
    add_customer("C001")
    saved = tmp_path / "saved.db"
    backup.backup_to(saved)
    add_customer("C002")
    close_database()
    refused = run_cli("--db", str(db_path), "restore", str(saved), stdin="y\n")  # a pipe, not a TTY
    assert refused.returncode == 2 and "--yes" in refused.stderr and "Traceback" not in refused.stderr
    assert codes_in(db_path) == {"C001", "C002"}
    done = run_cli("--db", str(db_path), "restore", str(saved), "--yes")
    assert done.returncode == 0 and "已从备份" in done.stdout
    assert codes_in(db_path) == {"C001"}
    junk = tmp_path / "junk.db"
    junk.write_text("x", encoding="utf-8")
    bad = run_cli("--db", str(db_path), "restore", str(junk), "--yes")
    assert bad.returncode == 2 and "不能用这个文件恢复" in bad.stderr


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code", "expected"), [("y\n", 0, {"C001"}), ("n\n", 1, {"C001", "C002"})])
def test_cli_restore_asks_on_a_terminal(
    database, db_path, tmp_path, monkeypatch, capsys, answer, code, expected
):
    add_customer("C001")
    saved = backup.backup_to(tmp_path / "saved.db")
    add_customer("C002")
    monkeypatch.setattr(sys, "stdin", FakeTty(answer))
    assert main(["--db", str(db_path), "restore", str(saved)]) == code
    out = capsys.readouterr().out
    assert "确定恢复吗" in out
    assert codes_in(db_path) == expected


# ---------------------------------------------------------------- GUI
@pytest.fixture
def messages(monkeypatch):
    """Stub the modal boxes: question → Yes; information/warning texts are recorded."""
    shown = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, title, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, title, text, *a, **k: shown.append(text))
    return shown


def click_box_button(monkeypatch, text: str) -> list[str]:
    """Make every QMessageBox.exec() press the button labelled ``text``; returns the box texts."""
    seen = []

    def fake_exec(box):
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == text).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return seen


def test_restore_dialog_lists_backups_and_restores_the_chosen_one(qtbot, database, db_path, messages):
    from desktop.views.settings.backup_dialog import RestoreDialog

    add_customer("C001")
    older = backup.auto_backup("daily", now=T0).path
    add_customer("C002")
    backup.auto_backup("exit", now=T0 + timedelta(hours=2))
    add_customer("C003")
    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 0).text() == "2024-11-20 20:00:00"
    assert dialog.table.item(0, 1).text() == "退出时自动备份"
    assert dialog.table.item(1, 1).text() == "每日自动备份"
    assert dialog.table.item(1, 3).text() == older.name
    assert dialog.restore_button.isEnabled() and dialog.empty_label.isHidden()
    dialog.table.selectRow(1)
    dialog.restore_button.click()
    assert dialog.result_info is not None and dialog.result_info.backup == older
    assert any("已从备份" in text for text in messages)
    assert codes_in(db_path) == {"C001"}
    assert codes_in(dialog.result_info.kept) == {"C001", "C002", "C003"}


def test_restore_dialog_rejects_a_bad_file_from_disk(
    qtbot, database, db_path, tmp_path, messages, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    from desktop.views.settings.backup_dialog import RestoreDialog

    add_customer("C001")
    junk = tmp_path / "junk.db"
    junk.write_text("x", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(junk), ""))
    dialog = RestoreDialog(db_path, tmp_path / "empty-folder")
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and not dialog.restore_button.isEnabled()
    assert not dialog.empty_label.isHidden()
    dialog.file_button.click()
    assert dialog.result_info is None
    assert any("不是数据库文件" in text for text in messages)
    assert codes_in(db_path) == {"C001"}


def test_restore_dialog_cancelled_confirmation_changes_nothing(
    qtbot, database, db_path, messages, monkeypatch
):
    from desktop.views.settings.backup_dialog import RestoreDialog

    add_customer("C001")
    backup.auto_backup("exit", now=T0)
    add_customer("C002")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.No)
    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    dialog.restore_button.click()
    assert dialog.result_info is None
    assert codes_in(db_path) == {"C001", "C002"}


def test_startup_offers_the_newest_good_backup(qtbot, database, db_path, messages, monkeypatch):
    from desktop.app import create_qapp, open_checked

    create_qapp()
    add_customer("C001")
    good = backup.auto_backup("exit", now=T0).path
    add_customer("C002")
    damaged_newer = backup.auto_backup("exit", now=T0 + timedelta(hours=1)).path
    corrupt(damaged_newer)
    close_database()
    corrupt(db_path)
    texts = click_box_button(monkeypatch, "恢复此备份")
    assert open_checked(db_path)
    assert "2024-11-20 18:00" in texts[0], "the newest backup that passes the check is offered"
    assert {c.code for c in Customer.select()} == {"C001"}, "restored and opened"
    assert list(db_path.parent.glob("huifang.db.before-restore-*")), "the damaged file is kept"
    assert good.exists()


def test_startup_with_a_damaged_database_and_no_backup_can_quit(
    qtbot, database, db_path, messages, monkeypatch
):
    from desktop.app import create_qapp, open_checked

    create_qapp()
    close_database()
    db_path.write_bytes(b"garbage" * 1000)
    texts = click_box_button(monkeypatch, "退出")
    assert not open_checked(db_path)
    assert "不是数据库文件" in texts[0] and "没有找到可用的备份" in texts[0]
    assert db_path.read_bytes() == b"garbage" * 1000


def test_startup_newer_version_is_not_offered_a_restore(qtbot, database, db_path, messages, monkeypatch):
    from desktop.app import create_qapp, open_checked

    create_qapp()
    backup.auto_backup("exit", now=T0)
    close_database()
    con = sqlite3.connect(db_path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    offered = click_box_button(monkeypatch, "恢复此备份")
    assert not open_checked(db_path)
    assert offered == [] and any("更新版本" in text for text in messages)


def test_exit_and_daily_backups(qtbot, database, db_path, messages):
    from desktop.views.settings.backup_dialog import daily_backup, exit_backup

    first = daily_backup(None, db_path)
    assert first is not None and first.name.endswith("-daily.db")
    assert daily_backup(None, db_path) is None, "not due again within a day"
    last = exit_backup(db_path)
    assert last is not None and last.name.endswith("-exit.db")
    assert {b.reason for b in backup.list_backups()} == {"daily", "exit"}
    assert messages == []


def test_main_window_file_menu_backup_and_check(qtbot, database, db_path, tmp_path, messages, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from desktop.views.common.context import AppContext
    from desktop.views.shell.main_window import MainWindow

    window = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    for text in ("备份数据库(&B)…", "从备份恢复(&R)…", "检查数据库(&C)"):
        assert text in texts
    add_customer("C001")
    target = tmp_path / "menu-backup"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    next(a for a in file_menu.actions() if a.text() == "备份数据库(&B)…").trigger()
    assert codes_in(target.with_name("menu-backup.db")) == {"C001"}
    assert any("通过完整性检查" in text for text in messages)
    next(a for a in file_menu.actions() if a.text() == "检查数据库(&C)").trigger()
    assert any(text.startswith("数据库完好") for text in messages)
