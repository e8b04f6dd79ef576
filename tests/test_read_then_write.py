"""Transactions that read before they write, in two processes at once, must wait for each other
(BEGIN IMMEDIATE + busy timeout) instead of failing with "database is locked"."""

import subprocess
import sys
import textwrap

import pytest

from desktop.models import Customer
from desktop.models.connection import close_database

WORKER = textwrap.dedent(
    """
    import sys
    from desktop.models import Customer, db
    from desktop.models.connection import open_database
    open_database(sys.argv[1])
    tag = sys.argv[2]
    for i in range(150):
        with db.atomic():
            n = Customer.select().count()          # read first …
            Customer.create(code=f"{tag}{i:04d}", name="并发", phone="13800000000", note=str(n))  # … then write
    print("ok")
    """
)


@pytest.mark.sqlite_only  # two processes on one database file
def test_two_processes_reading_then_writing_lose_nothing(database, db_path):
    close_database()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db_path), tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("A", "B")
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
    from desktop.models.connection import open_database

    open_database(db_path)
    assert Customer.select().count() == 300
