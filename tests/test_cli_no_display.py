"""The command-line commands that draw (form, report) work without a display: they pick Qt's
offscreen platform themselves instead of aborting with exit 134 and an English Qt error
(issue 11 item 9). The GUI without a display says so in Chinese."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(HUIFANG_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO))
    env.pop("HUIFANG_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=180,
    )


@pytest.mark.skipif(sys.platform.startswith("win") or sys.platform == "darwin", reason="a display is always there")
def test_blank_form_without_a_display(tmp_path):
    run = _run(tmp_path, "--db", str(tmp_path / "x.db"), "form", "--blank", "--out", str(tmp_path / "f.pdf"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    assert "qt.qpa" not in run.stderr and "Could not" not in run.stderr


@pytest.mark.skipif(sys.platform.startswith("win") or sys.platform == "darwin", reason="a display is always there")
def test_report_without_a_display(tmp_path):
    db = str(tmp_path / "x.db")
    assert _run(tmp_path, "--db", db, "demo", "--customers", "20").returncode == 0
    year = str(date.today().year)
    run = _run(tmp_path, "--db", db, "report", "--period", year, "--out", str(tmp_path / "r.pdf"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.skipif(sys.platform.startswith("win") or sys.platform == "darwin", reason="a display is always there")
def test_the_window_without_a_display_says_so_in_chinese(tmp_path):
    run = _run(tmp_path, "--db", str(tmp_path / "x.db"))
    assert run.returncode == 2
    assert "没有图形显示" in run.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.skipif(sys.platform.startswith("win") or sys.platform == "darwin", reason="a display is always there")
def test_daily_without_a_display(tmp_path):
    run = _run(tmp_path, "--db", str(tmp_path / "x.db"), "daily", "--out", str(tmp_path / "d.pdf"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")
    assert "回访日报" in run.stdout
