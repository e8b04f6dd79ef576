"""Issue 13 item 3: every file is written under a temporary name beside the target, checked and
renamed — on a REAL nearly full filesystem (a 256 KB tmpfs) the good file that was there survives,
the command fails with 磁盘空间不足, and nothing half-written is left; the temporary files of a
killed process are removed the next time a data folder is opened."""

import errno
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from desktop import cli
from desktop.services.common import safe_files
from desktop.services.common.errors import UserError
from desktop.services.maintenance import backup

DISK_SIZE = "256k"
FREE_LEFT = 16 * 1024  # room left on the small disk: less than any PDF, workbook or backup


@pytest.fixture
def small_disk(tmp_path):
    """A real 256 KB filesystem (tmpfs) mounted for the test; skipped where mounting is not allowed."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("挂载小磁盘（tmpfs）需要 root 权限：本机不是 root，磁盘已满的测试跳过")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"不允许挂载 tmpfs（{done.stderr.strip()}），磁盘已满的测试跳过")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(disk: Path, leave: int = FREE_LEFT) -> None:
    """Fill the disk to the brim, then give back ``leave`` bytes."""
    filler = disk / "filler.bin"
    block = b"\0" * 4096
    with filler.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(block)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))
    assert shutil.disk_usage(disk).free < safe_files.NEARLY_FULL_BYTES


def _only(disk: Path, *names: str) -> None:
    assert sorted(p.name for p in disk.iterdir()) == sorted(["filler.bin", *names]), "no temporary file left"


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "command",
    [["report", "--period", "2024"], ["form", "--blank"]],
    ids=["report", "form-blank"],
)
def test_pdf_on_a_full_disk_keeps_the_good_pdf_and_exits_nonzero(
    database, db_path, tmp_path, small_disk, capsys, qapp, command
):
    good = tmp_path / "good.pdf"
    assert cli.main(["--db", str(db_path), *command, "--out", str(good)]) == 0
    capsys.readouterr()
    target = small_disk / "回访.pdf"
    shutil.copyfile(good, target)
    before = target.read_bytes()
    _fill(small_disk)

    code = cli.main(["--db", str(db_path), *command, "--out", str(target)])

    err = capsys.readouterr().err
    assert code != 0
    assert "磁盘空间不足" in err and str(target) in err and "Traceback" not in err
    assert target.read_bytes() == before, "the good PDF is untouched"
    _only(small_disk, target.name)


@pytest.mark.sqlite_only
def test_backup_on_a_full_disk_says_so_and_leaves_no_partial(database, db_path, small_disk):
    with pytest.raises(UserError, match="磁盘空间不足"):
        _fill(small_disk)
        backup.backup_to(small_disk / "备份.db")
    _only(small_disk)


def test_workbook_on_a_full_disk_keeps_the_old_one(database, small_disk):
    from desktop.services.intake.import_template import write_import_template

    target = small_disk / "导入模板.xlsx"
    write_import_template(target)
    before = target.read_bytes()
    _fill(small_disk, leave=4096)
    with pytest.raises(UserError, match="磁盘空间不足") as caught:
        write_import_template(target)
    assert str(target) in str(caught.value)
    assert target.read_bytes() == before
    _only(small_disk, target.name)


def test_error_report_on_a_full_disk_keeps_the_old_report(database, small_disk, tmp_path):
    from desktop.services.intake import error_report, importer

    source_file = tmp_path / "客户.csv"
    source_file.write_text("客户名称,电话\n,13800000000\n张三,1\n", encoding="utf-8")
    source = importer.open_source(source_file, "customers")
    rejected = [(2, ["", "13800000000"], "客户名称：必填")]
    target = small_disk / "客户_错误报告.xlsx"
    error_report.write_error_report(source, rejected, target)
    before = target.read_bytes()
    _fill(small_disk, leave=4096)
    written = error_report.write_error_report(source, rejected, target)
    assert written != target  # kept in the system's temporary folder instead
    with zipfile.ZipFile(written) as zf:
        assert zf.testzip() is None
    written.unlink()
    assert target.read_bytes() == before
    _only(small_disk, target.name)


# ---------------------------------------------------------------- leftovers of a killed process
def _age(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def _left_behind(path: Path, age: float = 3600) -> Path:
    """A file (or a backup's ``.files`` folder) as a killed process left it, ``age`` seconds ago."""
    if path.name.endswith(".files"):
        path.mkdir()
        (path / "scan.pdf").write_bytes(b"half")
    else:
        path.write_bytes(b"half")
    return _age(path, age)


@pytest.mark.sqlite_only
def test_stale_temporary_files_are_removed_when_the_data_folder_is_opened(tmp_path, capsys):
    data = tmp_path / "data"
    backups = data / "backups"
    backups.mkdir(parents=True)
    stale = [
        _left_behind(data / ".~回访记录.4242.tmp.xlsx"),
        _left_behind(data / ".~报告.4242.tmp.pdf"),
        _left_behind(backups / ".huifang-20240101-000000-exit.db.999.partial"),
        _left_behind(backups / ".huifang-20240101-000000-exit.db.999.partial.files"),
    ]
    kept = [
        _left_behind(data / ".~正在写.4243.tmp.xlsx", age=0),  # fresh: a process may still be writing it
        _left_behind(data / ".~lock.客户.xlsx#"),  # LibreOffice's lock file, not ours
        _left_behind(data / "报告.tmp.pdf"),  # a user's file
        _left_behind(data / "~$客户.xlsx"),  # Excel's owner file
        _left_behind(tmp_path / ".~别处.4242.tmp.xlsx"),  # not a folder we write to
    ]

    assert cli.main(["--db", str(data / "huifang.db"), "accounts", "list"]) == 0
    capsys.readouterr()

    assert [p for p in stale if p.exists()] == []
    assert [p for p in kept if not p.exists()] == []


@pytest.mark.sqlite_only
def test_backup_folder_set_elsewhere_is_cleaned_too(database, db_path, tmp_path):
    from desktop.models.connection import close_database
    from desktop.services.admin import settings
    from desktop.services.maintenance.bootstrap import open_app_database

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    settings.set_value("backup_dir", str(elsewhere))
    left = _left_behind(elsewhere / ".huifang-20240101-000000-daily.db.77.partial")
    close_database()
    open_app_database(db_path)
    assert not left.exists()


@pytest.mark.sqlite_only
def test_chart_png_on_a_full_disk_keeps_the_old_picture(qtbot, database, db_path, small_disk, monkeypatch):
    from modal_boxes import answer_next_box
    from PySide6.QtWidgets import QFileDialog
    from test_dashboard_view import make_view

    view = make_view(qtbot, db_path)
    target = small_disk / "趋势图.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(target), "")))
    assert view.save_chart(view.panels["trend"]) == target
    before = target.read_bytes()
    assert before.startswith(safe_files.PNG_MAGIC)
    _fill(small_disk, leave=4096)
    seen: list = []
    answer_next_box("OK", seen)
    assert view.save_chart(view.panels["trend"]) is None
    assert seen and "磁盘空间不足" in seen[0]["text"] and str(target) in seen[0]["text"]
    assert target.read_bytes() == before
    _only(small_disk, target.name)
