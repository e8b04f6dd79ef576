"""Two processes saving customers one transaction at a time, interleaved, while a third runs a long
import on the same database file: every write arrives and no "database is locked" escapes.

The import driver holds its write transaction open (after writing its rows, before the commit)
until both writers have started, plus a second: the writers' first saves must wait on the busy
timeout (10 s) and then succeed. Each writer reports when each save started and ended, so the test
can see that a save really was waiting while the import held the lock.
"""

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from desktop.models import Customer, db
from desktop.models.connection import close_database
from desktop.services.maintenance import backup
from desktop.services.maintenance.bootstrap import open_app_database

REPO = Path(__file__).resolve().parent.parent
IMPORT_ROWS = 30_000
PER_WRITER = 200
TIMEOUT_S = 300

WRITER = """
    import json, sys, time
    from pathlib import Path
    from desktop.services.intake import customers
    from desktop.services.maintenance.bootstrap import open_app_database

    db, prefix, n, go, started = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5])
    open_app_database(db)
    print("READY", flush=True)
    deadline = time.monotonic() + 240
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("the go file never appeared")
        time.sleep(0.005)
    started.touch()
    spans = []
    for i in range(n):
        begin = time.time()
        customers.create_customer({"code": f"{prefix}{i:04d}", "name": f"并发客户{i}", "phone": "13812345678"})
        spans.append((begin, time.time()))
    print("SPANS " + json.dumps(spans), flush=True)
"""

IMPORTER = """
    import sys, time
    from pathlib import Path
    from desktop.services.maintenance.bootstrap import open_app_database
    from desktop.services.intake.importer import run_import

    db, source = sys.argv[1], sys.argv[2]
    started = [Path(p) for p in sys.argv[3:]]
    open_app_database(db)
    state = {"writing": False}

    def progress(done, total, text):
        if text.startswith("正在写入") and not state["writing"]:
            state["writing"] = True
            print("WRITING", flush=True)  # the first batch is written: the write lock is held
        if text.startswith("正在保存"):  # every row written, not committed yet
            deadline = time.monotonic() + 120
            while not all(p.exists() for p in started):
                if time.monotonic() > deadline:
                    sys.exit("the writers never started")
                time.sleep(0.005)
            time.sleep(1.0)  # a long transaction: the writers are now waiting for the lock
            print(f"RELEASE {time.time()}", flush=True)

    result = run_import(source, "customers", progress=progress)
    print(f"IMPORTED {result.imported}", flush=True)
"""


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_two_writers_and_a_long_import_all_succeed(tmp_path, db_path):
    open_app_database(db_path)
    close_database()
    source = tmp_path / "customers.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["客户编号", "姓名", "联系电话", "通讯地址"])
        out.writerows(
            [f"I{i:06d}", f"导入客户{i}", f"139{i:08d}", f"黄浦区{i}号"] for i in range(IMPORT_ROWS)
        )
    go = tmp_path / "go"
    started = [tmp_path / "started-A", tmp_path / "started-B"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}

    def start(*args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=REPO,
            env=env,
        )

    importer = start(
        str(script(tmp_path, "importer", IMPORTER)), str(db_path), str(source), *map(str, started)
    )
    writer_script = str(script(tmp_path, "writer", WRITER))
    writers = [
        start(writer_script, str(db_path), prefix, str(PER_WRITER), str(go), str(flag))
        for prefix, flag in zip(("A", "B"), started, strict=True)
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "READY", writer.stderr.read()
        assert importer.stdout.readline().strip() == "WRITING", importer.stderr.read()
        go.touch()  # the writers start while the import holds the write lock
        results = [proc.communicate(timeout=TIMEOUT_S) for proc in (importer, *writers)]
    finally:
        for proc in (importer, *writers):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=60)

    for proc, (_stdout, stderr) in zip((importer, *writers), results, strict=True):
        assert proc.returncode == 0, stderr
        assert "locked" not in stderr and "Traceback" not in stderr, stderr
    import_out = results[0][0].splitlines()
    release = float(next(line for line in import_out if line.startswith("RELEASE")).split()[1])
    assert f"IMPORTED {IMPORT_ROWS}" in import_out
    for stdout, _ in results[1:]:
        spans = json.loads(next(line for line in stdout.splitlines() if line.startswith("SPANS "))[6:])
        assert len(spans) == PER_WRITER
        assert any(begin <= release <= end for begin, end in spans), "a save waited for the import's lock"

    assert backup.check(db_path).ok
    open_app_database(db_path)
    try:
        codes = {code for (code,) in Customer.select(Customer.code).tuples()}
        assert len(codes) == IMPORT_ROWS + 2 * PER_WRITER
        for prefix in ("A", "B"):
            assert {f"{prefix}{i:04d}" for i in range(PER_WRITER)} <= codes
        assert f"I{IMPORT_ROWS - 1:06d}" in codes
    finally:
        if not db.is_closed():
            close_database()
