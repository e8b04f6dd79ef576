"""bench/bench.py works: its data generator fills the app's schema, and one measurement runs end to
end on a tiny data set. Timings are not asserted (they belong to the benchmark run itself)."""

import importlib.util
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "bench.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("huifang_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generator_fills_the_apps_schema(tmp_path):
    bench = load_bench()
    ds = bench.generate(tmp_path / "tiny.db", "tiny")
    size = bench.SIZES["tiny"]
    con = sqlite3.connect(ds.path)
    try:
        count = {
            t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            for t in ("customer", "service_order", "visit", "answer", "visit_task")
        }
        version = con.execute("PRAGMA user_version").fetchone()[0]
        orphans = con.execute(
            "SELECT COUNT(*) FROM answer AS a LEFT JOIN visit AS v ON v.id = a.visit_id WHERE v.id IS NULL"
        ).fetchone()[0]
        bad_fk = con.execute("PRAGMA foreign_key_check").fetchall()
        templates = con.execute("SELECT COUNT(*) FROM questionnaire_template").fetchone()[0]
    finally:
        con.close()
    assert count == {
        "customer": size["customers"],
        "service_order": size["orders"],
        "visit": size["visits"],
        "answer": size["visits"] * bench.ANSWERS_PER_VISIT,
        "visit_task": size["visits"],
    }
    assert version >= 1  # made by open_app_database: the app's schema and version stamp
    assert templates >= 1  # and its shipped defaults
    assert orphans == 0 and bad_fk == []
    assert ds.counts["answers"] == count["answer"]


def test_tiny_run_measures_stats_against_raw_sql(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--tiny", "--json", str(out), "--workdir", str(tmp_path / "work")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["size"] == "tiny"
    assert result["data_set"]["visits"] == 600
    assert {"date", "python", "cpus", "sqlite"} <= set(result["machine"])
    stats = result["figures"]["stats_vs_raw_sql"]
    assert {"value", "baseline", "ratio", "target", "pass"} <= set(stats)
    assert stats["value"] > 0 and stats["baseline"] > 0 and stats["target"] == 2.0
    assert stats["extra"]["same_numbers"] is True
    assert stats["extra"]["answers_counted"] > 0
    assert "stats_vs_raw_sql" in proc.stdout  # the printed table


def test_tiny_run_times_every_page_and_the_dashboard(tmp_path):
    from desktop.views.common.pages import PAGES

    bench = load_bench()
    assert set(bench.PAGE_IDS) == {p.id for p in PAGES}  # a new page gets its figure
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--tiny",
            "--only",
            "pages",
            "--json",
            str(out),
            "--workdir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(out.read_text(encoding="utf-8"))["figures"]
    for page in PAGES:
        figure = figures[f"page_open_ms.{page.id}"]
        assert figure["value"] > 0 and figure["target"] == 300.0 and figure["pass"] in (True, False)
        assert figure["extra"]["filled_in_time_limit"] is True, page.id  # the page said it was filled
    filled = figures["dashboard_filled_ms"]
    assert filled["value"] >= figures["page_open_ms.dashboard"]["value"] and filled["target"] == 1000.0
    assert filled["extra"]["at_start_up_ms"]["charts"] > 0
    assert "page_open_ms.analysis" in proc.stdout and "dashboard_filled_ms" in proc.stdout
