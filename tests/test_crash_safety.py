"""Killing the program in the middle of its work (SIGKILL: no clean-up code runs) never leaves a
damaged database, a half-done import, a partial workbook or a half-written backup.

Each test starts a child process — the real CLI, or a small driver script calling the service —
waits until the child is inside the work (it prints a marker from the progress callback and
then blocks there, or the test polls the files with a deadline), kills it, and checks what is
on disk.
"""

import hashlib
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from desktop.models import Customer, Visit
from desktop.services.maintenance import backup

REPO = Path(__file__).resolve().parent.parent
ROWS = 30_000
DEADLINE_S = 240  # generous: a loaded 2-core machine


# ---------------------------------------------------------------- helpers
class Child:
    """A child process whose stdout lines are read by a thread (so waiting has a deadline)."""

    def __init__(self, args: list[str], log: Path):
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.log = log
        self._err = log.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=self._err, text=True, encoding="utf-8", cwd=REPO, env=env
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def stderr(self) -> str:
        self._err.flush()
        return self.log.read_text(encoding="utf-8")

    def wait_for(self, prefix: str, timeout: float = DEADLINE_S) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise AssertionError(f"no “{prefix}” from the child within {timeout} s:\n{self.stderr()}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                code = self.proc.wait(timeout=60)
                raise AssertionError(f"the child ended (exit {code}) before “{prefix}”：\n{self.stderr()}")
            if line.startswith(prefix):
                return line

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL on POSIX: nothing in the child gets to clean up
        self.proc.wait(timeout=60)
        self._err.close()


def driver(tmp_path: Path, name: str, body: str) -> Path:
    script = tmp_path / f"{name}.py"
    script.write_text(textwrap.dedent(body), encoding="utf-8")
    return script


def count(db: Path, table: str) -> int:
    con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_sound(db: Path) -> None:
    result = backup.check(db)
    assert result.ok, result.message


CUSTOMERS = Customer._meta.table_name
VISITS = Visit._meta.table_name


# ---------------------------------------------------------------- shared data (built once)
@pytest.fixture(scope="module")
def big_workbook(tmp_path_factory) -> Path:
    """~30k customer rows in a real .xlsx (openpyxl write-only)."""
    from openpyxl import Workbook

    path = tmp_path_factory.mktemp("crash-data") / "big.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(["客户编号", "姓名", "称谓", "联系电话", "通讯地址", "客户类型", "区域"])
    for i in range(ROWS):
        sheet.append(
            [
                f"K{i:06d}",
                f"客户{i}",
                "先生" if i % 2 else "女士",
                f"138{i:08d}",
                f"浦东新区张江路{i}号",
                "普通客户",
                "华东",
            ]
        )
    book.save(path)
    return path


def run_ok(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    """A new database with the shipped defaults, closed (no -wal beside it)."""
    path = tmp_path_factory.mktemp("crash-empty") / "huifang.db"
    code = f"from desktop.services.maintenance.bootstrap import open_app_database; open_app_database({str(path)!r})"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env=env, timeout=120)
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crash-demo") / "huifang.db"
    run_ok("--db", str(path), "demo", "--customers", "200")
    return path


def copy_db(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "huifang.db"
    shutil.copy2(source, target)
    return target


# ---------------------------------------------------------------- import
IMPORT_DRIVER = """
    import sys, time
    from desktop.services.maintenance.bootstrap import open_app_database
    from desktop.services.intake.importer import run_import

    db, source, pause_at = sys.argv[1:4]
    open_app_database(db)

    def progress(done, total, text):
        writing = text.startswith("正在写入") and done >= 10000
        saving = text.startswith("正在保存")
        if (pause_at == "writing" and writing) or (pause_at == "saving" and saving):
            print(f"IN_TRANSACTION {done}", flush=True)
            time.sleep(3600)  # killed here, inside the import's one transaction

    run_import(source, "customers", progress=progress)
    print("FINISHED", flush=True)
"""


@pytest.mark.parametrize("pause_at", ["writing", "saving"])
def test_import_killed_inside_its_transaction_leaves_nothing(tmp_path, big_workbook, empty_db, pause_at):
    db = copy_db(empty_db, tmp_path / "db")
    child = Child(
        [
            sys.executable,
            str(driver(tmp_path, "import_driver", IMPORT_DRIVER)),
            str(db),
            str(big_workbook),
            pause_at,
        ],
        tmp_path / "child.log",
    )
    marker = child.wait_for("IN_TRANSACTION")
    assert int(marker.split()[1]) >= 10000  # thousands of rows were written, not committed
    child.kill()
    assert_sound(db)
    assert count(db, CUSTOMERS) == 0
    # and the database works: the same import, run again, completes
    rerun = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db), "import", "customers", str(big_workbook)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert count(db, CUSTOMERS) == ROWS
    assert_sound(db)


def test_cli_import_killed_while_the_wal_grows_is_all_or_nothing(tmp_path, big_workbook, empty_db):
    db = copy_db(empty_db, tmp_path / "db")
    wal = db.with_name(db.name + "-wal")
    child = Child(
        [sys.executable, "-m", "desktop", "--db", str(db), "import", "customers", str(big_workbook)],
        tmp_path / "child.log",
    )
    deadline = time.monotonic() + DEADLINE_S
    while child.proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 256 * 1024:  # the import is writing its rows
            break
        time.sleep(0.002)
    assert time.monotonic() < deadline, "the import never started writing"
    child.kill()
    assert_sound(db)
    assert count(db, CUSTOMERS) in (0, ROWS)


# ---------------------------------------------------------------- export
EXPORT_DRIVER = """
    import os, sys, time, zipfile
    from datetime import date, timedelta
    from desktop.services.maintenance.bootstrap import open_app_database
    from desktop.services.summaries.workbook.export import export_workbook

    db, out, pause_at = sys.argv[1:4]
    open_app_database(db)

    def pause(marker):
        print(marker, flush=True)
        time.sleep(3600)  # killed here

    if pause_at == "rename":  # the temporary workbook is complete, not yet renamed over the target
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if os.path.abspath(dst) == os.path.abspath(out):
                pause(f"RENAMING {src}")
            return real_replace(src, dst, *args, **kwargs)

        os.replace = replace
    if pause_at == "zip":  # the workbook's zip is written but its directory is not
        real_close = zipfile.ZipFile.close

        def close(self):
            if self.mode == "w" and str(self.filename).endswith(".xlsx"):
                pause(f"ZIPPING {self.filename}")
            return real_close(self)

        zipfile.ZipFile.close = close

    def progress(done, total, text=""):
        if pause_at == "rows" and (text.startswith("正在写入回访记录") or text.startswith("正在计算")):
            pause("ROWS")

    today = date.today()
    period = ((today - timedelta(days=400)).isoformat(), today.isoformat())
    export_workbook(out, period, progress=progress)
    print("FINISHED", flush=True)
"""


@pytest.mark.parametrize(
    ("pause_at", "marker"), [("rows", "ROWS"), ("zip", "ZIPPING"), ("rename", "RENAMING")]
)
def test_export_killed_leaves_no_partial_workbook(tmp_path, demo_db, pause_at, marker):
    db = copy_db(demo_db, tmp_path / "db")
    visits = count(db, VISITS)
    assert visits > 0
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "分店_总部工作簿.xlsx"
    child = Child(
        [sys.executable, str(driver(tmp_path, "export_driver", EXPORT_DRIVER)), str(db), str(out), pause_at],
        tmp_path / "child.log",
    )
    child.wait_for(marker)
    child.kill()
    assert not out.exists(), "nothing under the destination name"
    leftovers = [p.name for p in out_dir.iterdir()]
    assert all(name.startswith(".~") for name in leftovers), leftovers  # at most the hidden temporary file
    assert_sound(db)
    assert count(db, VISITS) == visits


# ---------------------------------------------------------------- backup
BACKUP_DRIVER = """
    import sys, time
    from desktop.services.maintenance import backup

    db, folder, pause_at = sys.argv[1:4]
    texts = {"copy": "正在复制", "verify": "正在校验", "save": "正在保存"}

    def progress(done, total, text):
        if text.startswith(texts.get(pause_at, "-")):
            print(f"PAUSED {text}", flush=True)
            time.sleep(3600)  # killed here

    print("STARTING", flush=True)
    path = backup.auto_backup("exit", db_path=db, folder=folder, keep=10, progress=progress).path
    print(f"FINISHED {path}", flush=True)
"""


def previous_backups(db: Path, folder: Path) -> dict[Path, str]:
    from datetime import datetime, timedelta

    start = datetime(2024, 11, 1, 8, 0, 0)
    made = [
        backup.auto_backup("exit", db_path=db, folder=folder, keep=10, now=start + timedelta(days=i)).path
        for i in range(2)
    ]
    return {path: digest(path) for path in made}


def assert_previous_intact(folder: Path, before: dict[Path, str]) -> None:
    listed = [b.path for b in backup.list_backups(folder)]
    assert sorted(listed) == sorted(before), "no new (half-written) file under a backup name"
    for path, sha in before.items():
        assert digest(path) == sha
        assert backup.check(path).ok


@pytest.mark.parametrize("pause_at", ["verify", "save"])
def test_backup_killed_leaves_previous_backups_and_no_final_file(tmp_path, demo_db, pause_at):
    db = copy_db(demo_db, tmp_path / "db")
    folder = tmp_path / "backups"
    before = previous_backups(db, folder)
    child = Child(
        [
            sys.executable,
            str(driver(tmp_path, "backup_driver", BACKUP_DRIVER)),
            str(db),
            str(folder),
            pause_at,
        ],
        tmp_path / "child.log",
    )
    child.wait_for("PAUSED")
    child.kill()
    assert_previous_intact(folder, before)
    partial = [p for p in folder.iterdir() if p.name.endswith(backup.PARTIAL_SUFFIX)]
    assert len(partial) == 1 and partial[0].name.startswith(".")  # hidden, never listed
    assert_sound(db)
    # the next backup works and clears the killed one's temporary file once it is stale
    old = time.time() - 2 * backup.STALE_PARTIAL_S
    os.utime(partial[0], (old, old))
    fresh = backup.auto_backup("exit", db_path=db, folder=folder, keep=10).path
    assert backup.check(fresh).ok
    assert not partial[0].exists()


def test_backup_killed_mid_copy_of_a_large_database(tmp_path, demo_db):
    db = copy_db(demo_db, tmp_path / "db")
    con = sqlite3.connect(db)  # make the copy take a while (~40 MB)
    con.execute("CREATE TABLE ballast (id INTEGER PRIMARY KEY, text TEXT)")
    con.executemany("INSERT INTO ballast (text) VALUES (?)", (("回访" * 100,) for _ in range(60_000)))
    con.commit()
    con.close()
    folder = tmp_path / "backups"
    before = previous_backups(db, folder)
    child = Child(
        [sys.executable, str(driver(tmp_path, "backup_driver", BACKUP_DRIVER)), str(db), str(folder), "none"],
        tmp_path / "child.log",
    )
    child.wait_for("STARTING")
    deadline = time.monotonic() + DEADLINE_S
    while child.proc.poll() is None and time.monotonic() < deadline:
        if any(p not in before for p in folder.iterdir()):
            break  # the copy has begun: a new file appeared
        time.sleep(0.001)
    child.kill()
    listed = {b.path for b in backup.list_backups(folder)}
    new = listed - set(before)
    assert len(new) <= 1
    for path in new:  # the kill came after the rename: then the backup is complete and sound
        assert backup.check(path).ok
    for path, sha in before.items():
        assert digest(path) == sha
    assert_sound(db)
