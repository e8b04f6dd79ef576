"""Issue 13 item 4: a damaged database is not written to. The damage is real: a closed database
file whose table b-tree page in the middle is overwritten, so that ``PRAGMA quick_check`` fails
while the pages read when the file is opened are still sound."""

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from modal_boxes import answer_next_box

from desktop import cli
from desktop.models import VisitTask
from desktop.models.connection import (
    CLOSED_SUFFIX,
    DatabaseDamagedError,
    DatabaseOpenError,
    close_database,
    open_database,
    quick_check,
)
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.intake import customers
from desktop.services.maintenance import backup
from desktop.services.maintenance.bootstrap import open_app_database
from desktop.services.scheduling import scheduler


def damage_a_table_page(path: Path, table: str = "visit_task", *, header: bool = False) -> None:
    """Overwrite the cell pointers of ``table``'s root b-tree page (a leaf in a small database):
    its rows read as garbage. ``header``: its page header instead: reading its rows fails
    ("database disk image is malformed")."""
    con = sqlite3.connect(path)
    root, page_size = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[
        0
    ], con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page_size + (0 if header else 8))
        fh.write(b"\x00" * 8 if header else b"\xff\x07" * 20)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecars(path: Path) -> list[str]:
    """SQLite's files beside the database (-wal, -shm, -journal); not our clean-close note."""
    return sorted(
        p.name
        for p in path.parent.iterdir()
        if p.name.startswith(path.name + "-") and not p.name.endswith(CLOSED_SUFFIX)
    )


@pytest.fixture
def damaged(db_path):
    """A database with customers, orders and tasks and a good automatic backup, closed cleanly,
    then damaged in a page of the task table. Returns the backup's path."""
    open_app_database(db_path)
    for n in range(3):
        customer = customers.create_customer({"code": f"C{n}", "name": f"客户{n}", "phone": f"1381234567{n}"})
        customers.create_order(
            {"order_no": f"GD{n}", "customer_id": customer.id, "service_type": "安装", "finished_at": "2024-01-05"}
        )
    scheduler.run_scheduler()
    VisitTask.create(customer=customer.id, trigger="手工")
    good = backup.auto_backup("exit").path
    close_database()
    assert sidecars(db_path) == []
    damage_a_table_page(db_path)
    assert quick_check(db_path), "the damage is real"
    return good


def test_opening_a_damaged_file_for_writing_is_refused_and_writes_nothing(damaged, db_path):
    before = digest(db_path)
    with pytest.raises(DatabaseDamagedError, match="已损坏") as refused:
        open_app_database(db_path)
    assert refused.value.details
    assert digest(db_path) == before and sidecars(db_path) == []


def test_import_and_schedule_refuse_a_damaged_file_and_offer_the_newest_good_backup(
    damaged, db_path, tmp_path, capsys
):
    source = tmp_path / "customers.csv"
    source.write_text("客户编号,客户姓名,联系电话\nC10,吴芳,13900003333\n", encoding="utf-8")
    before = digest(db_path)
    assert cli.main(["--db", str(db_path), "check"]) == 3
    for command in (["import", "customers", str(source)], ["schedule"]):
        capsys.readouterr()
        assert cli.main(["--db", str(db_path), *command]) == 3, command
        err = capsys.readouterr().err
        assert "已损坏" in err and str(damaged) in err and "restore" in err, err
        assert digest(db_path) == before, f"{command} wrote to the damaged file"


def test_selftest_on_a_damaged_file_says_so_without_tracebacks(damaged, db_path, capsys):
    assert cli.main(["--db", str(db_path), "selftest"]) == 3
    out = capsys.readouterr()
    assert "已损坏" in out.err and "Traceback" not in out.out + out.err


def test_check_on_a_newer_versions_file_leaves_no_wal_or_shm(db_path, capsys):
    open_app_database(db_path)
    close_database()
    con = sqlite3.connect(db_path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    assert sidecars(db_path) == []
    assert cli.main(["--db", str(db_path), "check"]) == 3
    assert "更新版本" in capsys.readouterr().err
    assert sidecars(db_path) == []
    with pytest.raises(DatabaseOpenError, match="更新版本"):
        open_database(db_path)
    assert sidecars(db_path) == []


def _read_only_folder_message(db_path: Path) -> str:
    with pytest.raises(DatabaseOpenError) as refused:
        open_database(db_path)
    return str(refused.value)


def test_a_database_in_a_read_only_folder_is_reported_as_such(db_path, monkeypatch):
    open_app_database(db_path)
    close_database()
    folder = db_path.parent
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: real_access(p, mode) and Path(p) != folder)
    text = _read_only_folder_message(db_path)
    assert "只读" in text and str(folder) in text and "不是回访通数据库或已损坏" not in text


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_really_read_only_folder_is_reported_as_such(db_path):
    open_app_database(db_path)
    close_database()
    db_path.parent.chmod(0o555)
    try:
        text = _read_only_folder_message(db_path)
    finally:
        db_path.parent.chmod(0o755)
    assert "只读" in text and "不是回访通数据库或已损坏" not in text


def test_the_window_offers_the_newest_good_backup_for_a_damaged_file(qtbot, damaged, db_path):
    from desktop.app import create_qapp, open_checked

    create_qapp()
    before = digest(db_path)
    seen: list = []
    answer_next_box("退出", seen)
    assert not open_checked(db_path)
    assert seen and seen[0]["title"] == "数据库无法使用", seen
    assert "已损坏" in seen[0]["text"] and "恢复此备份" in seen[0]["buttons"]
    assert damaged.name.split("-")[1] in seen[0]["text"].replace("-", ""), seen[0]["text"]
    assert digest(db_path) == before


def test_a_cleanly_closed_file_opens_without_a_second_check(db_path, monkeypatch):
    """The quick check reads the whole file (seconds for years of data): it is skipped only when
    the file is exactly as a clean close left it; any change since (here: damage written while
    nothing had it open, or a crash that left no note) brings it back."""
    from desktop.models import connection

    checked = []
    real = connection.quick_check
    monkeypatch.setattr(connection, "quick_check", lambda path: checked.append(path) or real(path))
    open_app_database(db_path)
    customers.create_customer({"code": "C1", "name": "客户1", "phone": "13812345671"})
    close_database()
    assert db_path.with_name(db_path.name + "-closed").exists()

    open_database(db_path)  # as it was left: no check
    assert checked == []
    assert not db_path.with_name(db_path.name + "-closed").exists()  # open: a crash leaves no note
    close_database()

    damage_a_table_page(db_path, "customer")
    with pytest.raises(DatabaseDamagedError):
        open_database(db_path)
    assert checked == [db_path]


def test_a_crash_leaves_no_note_so_the_next_open_checks(db_path, monkeypatch):
    from desktop.models import connection

    open_app_database(db_path)
    close_database()
    open_database(db_path)  # … and the program dies here: close_database never runs
    connection.db.obj.close()  # the handle goes, as a killed process's would, without the note
    checked = []
    real = connection.quick_check
    monkeypatch.setattr(connection, "quick_check", lambda path: checked.append(path) or real(path))
    open_database(db_path)
    assert checked == [db_path]
    close_database()


def _allowed_pages():
    from desktop.views.common.pages import PAGES, allowed

    return [spec.id for spec in PAGES if allowed(spec)]


@pytest.mark.parametrize("header", [False, True], ids=["rows-garbled", "rows-unreadable"])
def test_a_damaged_file_can_be_opened_read_only_and_is_left_as_it_was(qtbot, damaged, db_path, header):
    """只读打开: the window shows the damaged database to look at (the 只读 role, a banner), its
    pages show data or a Chinese error, a write is refused in Chinese, and the file's bytes are
    as they were, with no -wal/-shm and no clean-close note (the next start checks it again)."""
    import peewee as pw
    from PySide6.QtWidgets import QLabel

    from desktop.app import create_qapp, open_checked, show_main_window, signed_in
    from desktop.models import Setting, db
    from desktop.models.accounts import ROLE_VIEWER
    from desktop.models.connection import is_read_only
    from desktop.services.admin import accounts
    from desktop.services.common.errors import UserError

    create_qapp()
    if header:
        damage_a_table_page(db_path, "customer", header=True)
    before = digest(db_path)
    seen: list = []
    answer_next_box("只读打开", seen)
    assert open_checked(db_path)
    assert seen and {"恢复此备份", "只读打开", "退出"} <= set(seen[0]["buttons"]), seen
    assert is_read_only()
    try:
        assert signed_in()
        assert accounts.current().role == ROLE_VIEWER
        window = show_main_window(db_path)
        qtbot.addWidget(window)
        qtbot.waitExposed(window)
        banner = window.read_only_note
        assert banner.isVisible() and "数据库已损坏，只读打开" in banner.text() and "从备份恢复" in banner.text()
        notes = []
        for page_id in _allowed_pages():
            window.open_page(page_id)
            qtbot.wait(50)
            shown = window.stack.currentWidget()
            assert shown.objectName() == f"page_{page_id}"
            if isinstance(shown, QLabel):  # the page could not read its data: said in Chinese
                assert "无法读取" in shown.text() and "从备份恢复" in shown.text(), shown.text()
                notes.append(page_id)
        assert bool(notes) == header, notes  # garbled rows are shown; unreadable ones are said so
        with pytest.raises(UserError, match="数据库以只读方式打开，不能保存。请先从备份恢复。"):
            Setting.create(key="只读测试", value=1)
        with pytest.raises(UserError, match="只读"), db.atomic():
            db.execute_sql("DELETE FROM customer")
        assert Setting.get_or_none(Setting.key == "只读测试") is None
        window.close()
    finally:
        accounts.sign_out()
        close_database()
    assert not isinstance(db.obj, pw.Database) or db.is_closed()
    assert digest(db_path) == before
    assert sidecars(db_path) == []
    assert not db_path.with_name(db_path.name + CLOSED_SUFFIX).exists()
    with pytest.raises(DatabaseDamagedError):  # the next start still checks it
        open_database(db_path)


def _click_when(which, seen: list, then=None, tries: int = 1000) -> None:
    """When a message box with the standard button ``which`` (its text is translated) is on
    screen, note its text, click it, then ``then()`` (the next answer is armed only after this
    box is gone)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def attempt(left: int) -> None:
        for box in QApplication.topLevelWidgets():
            if isinstance(box, QMessageBox) and box.isVisible():
                button = box.button(which)
                if button is not None:
                    seen.append(box.text())
                    button.click()
                    if then is not None:
                        then()
                    return
        if left > 0:
            QTimer.singleShot(20, lambda: attempt(left - 1))

    QTimer.singleShot(0, lambda: attempt(tries))


def test_restoring_from_inside_a_read_only_session_reopens_for_writing(qtbot, damaged, db_path):
    """只读打开, then 文件 → 从备份恢复… in that window: the good backup replaces the damaged file,
    the window leaves 只读 (no banner), the pages show the restored data and saving works."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.app import create_qapp, open_checked, show_main_window
    from desktop.models import Customer
    from desktop.models.connection import is_read_only
    from desktop.services.admin import accounts
    from desktop.views.settings.backup_dialog import RestoreDialog

    create_qapp()
    seen: list = []
    answer_next_box("只读打开", seen)
    assert open_checked(db_path) and is_read_only()
    try:
        window = show_main_window(db_path)
        qtbot.addWidget(window)
        qtbot.waitExposed(window)
        assert window.read_only and window.read_only_note.isVisible()
        boxes: list = []
        chosen: list = []

        def in_restore_dialog(left: int = 500) -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, RestoreDialog):
                if left > 0:
                    QTimer.singleShot(20, lambda: in_restore_dialog(left - 1))
                return
            dialog.table.selectRow(0)  # the newest: the good automatic backup
            chosen.append(dialog.selected().path)
            _click_when(QMessageBox.Yes, boxes, then=lambda: _click_when(QMessageBox.Ok, boxes))
            dialog.restore_button.click()

        QTimer.singleShot(0, in_restore_dialog)
        window.restore_database()
        assert chosen == [damaged]
        assert len(boxes) == 2 and "已从备份" in boxes[1], boxes
        assert not is_read_only() and not window.read_only
        assert not window.read_only_note.isVisible()
        assert quick_check(db_path) == [], "the damaged file was replaced by the good backup"
        for page_id in _allowed_pages():
            window.open_page(page_id)
            qtbot.wait(20)
            assert window.stack.currentWidget().objectName() == f"page_{page_id}"
        assert VisitTask.select().count() > 0, "the restored tasks read"
        customers.create_customer({"code": "C9", "name": "恢复后新客户", "phone": "13812345679"})
        assert Customer.get(Customer.code == "C9").name == "恢复后新客户"
        window.close()
    finally:
        accounts.sign_out()
        close_database()
    assert open_database(db_path) is not None, "the next start opens it for writing without a question"
    close_database()


def test_bulk_writes_on_a_read_only_session_say_so_in_chinese(damaged, db_path, tmp_path):
    """The importer's path (``insert_rows`` / ``execute_rows``: the driver's executemany, not
    ``execute_sql``) is refused with the same Chinese message as a single write; nothing written."""
    from test_importer import CUSTOMER_HEADER, customer_rows, write_xlsx

    from desktop.models import Customer, db
    from desktop.models.connection import READ_ONLY_WRITE, execute_rows, insert_rows, open_read_only
    from desktop.services.common.errors import UserError
    from desktop.services.intake import importer

    before = digest(db_path)
    open_read_only(db_path)
    try:
        count = Customer.select().count()
        with pytest.raises(UserError) as single:
            Customer.create(code="X1", name="单条", phone="13812340000")
        assert str(single.value) == READ_ONLY_WRITE
        with pytest.raises(UserError) as bulk, db.atomic():
            insert_rows("customer", ["code", "name", "phone"], [("X2", "批量", "13812340001")])
        assert str(bulk.value) == READ_ONLY_WRITE
        with pytest.raises(UserError) as update, db.atomic():
            execute_rows('UPDATE "customer" SET "name" = ? WHERE "code" = ?', [("改名", "C0")])
        assert str(update.value) == READ_ONLY_WRITE
        sheet = write_xlsx(tmp_path / "客户.xlsx", CUSTOMER_HEADER, customer_rows())
        with pytest.raises(UserError, match=READ_ONLY_WRITE):
            importer.run_import(sheet, "customers")
        assert Customer.select().count() == count
    finally:
        close_database()
    assert digest(db_path) == before
