"""Merging branch workbooks at head office: a 分支 column, 维度统计 recomputed from the summed
counts (not averaged rates), refusal of workbooks that do not fit together, the CLI."""

from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from desktop.cli import main
from desktop.models.connection import close_database
from desktop.services.common.errors import UserError
from desktop.services.demo.demo import generate_demo
from desktop.services.maintenance.bootstrap import open_app_database
from desktop.services.reporting import statistics
from desktop.services.summaries.workbook import book_format, export
from desktop.services.summaries.workbook import consolidate as merge

TODAY = date(2024, 7, 15)
PERIOD = "2024Q2"
LEVELS = ("非常满意", "满意", "一般", "不满意", "非常不满意")


def _branch(db_file, seed: int, out, branch: str, period: str = PERIOD, customers: int = 60) -> dict:
    """A demo database for one branch, exported; returns its statistics for the period."""
    open_app_database(db_file)
    generate_demo(customers=customers, seed=seed, today=TODAY)
    result = export.export_workbook(out, period, branch=branch, today=TODAY)
    flt = statistics.Filters(period=period)
    figures = {
        "rows": result.visits,
        "dims": {d.dimension: d for d in statistics.dimension_stats(flt)},
        "overall": statistics.overall(flt, today=TODAY),
        "compare": {r.dimension: r for r in statistics.compare(flt).rows},
    }
    close_database()
    return figures


@pytest.fixture
def branches(database, tmp_path):
    """Two branches (different seeds and sizes), each its own database and workbook."""
    close_database()
    folder = tmp_path / "out"
    folder.mkdir()
    a = _branch(tmp_path / "a.db", 5, folder / "城东.xlsx", "城东分店", customers=60)
    b = _branch(tmp_path / "b.db", 17, folder / "城西.xlsx", "城西分店", customers=110)
    return folder, a, b


def _table(ws, header_row: int = 1) -> tuple[list, list[tuple]]:
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    header, body = list(rows[0]), []
    for row in rows[1:]:
        if all(v is None for v in row):
            break
        body.append(row)
    return header, body


def test_merged_workbook_has_branch_columns_and_all_rows(branches):
    folder, a, b = branches
    out = folder / "全部.xlsx"
    result = merge.consolidate([folder / "城东.xlsx", folder / "城西.xlsx"], out)
    assert result.branches == ["城东分店", "城西分店"]
    assert result.visits == a["rows"] + b["rows"]
    assert result.rows_per_branch == {"城东分店": a["rows"], "城西分店": b["rows"]}
    wb = load_workbook(out)
    assert wb.sheetnames == list(merge.SHEETS)

    header, rows = _table(wb[book_format.SHEET_VISITS], header_row=2)
    assert header[0] == "分支" and header[1 : 1 + len(book_format.VISIT_COLUMNS)] == [
        n for n, _ in book_format.VISIT_COLUMNS
    ]
    assert [r[0] for r in rows].count("城东分店") == result.rows_per_branch["城东分店"]
    assert {r[0] for r in rows} == {"城东分店", "城西分店"}
    assert len(rows) == result.visits
    ws = wb[book_format.SHEET_VISITS]
    code_cell = ws.cell(3, header.index("客户编号") + 1)
    assert code_cell.data_type == "s" and code_cell.number_format == "@"
    assert ws.cell(3, header.index("回访日期") + 1).is_date
    assert ws.freeze_panes == "D3"

    for sheet, header_row in ((book_format.SHEET_PROBLEMS, 1), (book_format.SHEET_PLAN, 2), (book_format.SHEET_KPI, 1)):
        header, rows = _table(wb[sheet], header_row)
        assert header[0] == "分支", sheet
        assert rows and {r[0] for r in rows} <= {"城东分店", "城西分店"}, sheet
    plan = wb[book_format.SHEET_PLAN]
    assert {str(r) for r in plan.merged_cells.ranges} >= {"B1:F1", "G1:I1", "J1:M1", "N1:V1"}

    info = {r[0]: r[1] for r in wb[book_format.SHEET_INFO].iter_rows(values_only=True)}
    assert info[book_format.INFO_KIND] == book_format.KIND_CONSOLIDATED
    assert info[book_format.INFO_PERIOD_CODE] == PERIOD
    assert info[book_format.INFO_BRANCH] == "城东分店、城西分店"


def test_merged_dimension_counts_are_the_sums_and_rates_recomputed(branches):
    folder, a, b = branches
    out = folder / "全部.xlsx"
    merge.consolidate([folder / "城东.xlsx", folder / "城西.xlsx"], out)
    frame = pd.read_excel(out, sheet_name=book_format.SHEET_DIMENSIONS, engine="openpyxl")
    table = {row["维度"]: row for _, row in frame.iterrows() if row["维度"] in set(a["dims"]) | {"总体"}}
    assert set(table) == set(a["dims"]) | set(b["dims"]) | {"总体"}
    differs = False
    for name, da in a["dims"].items():
        db = b["dims"][name]
        row = table[name]
        assert int(row["有效样本"]) == (da.level_n or da.nps_n or da.yes_n) + (db.level_n or db.nps_n or db.yes_n)
        for level, column in zip((5, 4, 3, 2, 1), LEVELS, strict=True):
            assert int(row[column]) == da.counts[level] + db.counts[level]
        if da.level_n and db.level_n:
            pooled = (da.counts[5] + da.counts[4] + db.counts[5] + db.counts[4]) / (da.level_n + db.level_n)
            assert row["满意率"] == pytest.approx(pooled)
            mean_of_rates = (da.satisfaction + db.satisfaction) / 2
            differs = differs or abs(pooled - mean_of_rates) > 1e-6
        if da.nps_n and db.nps_n:
            pooled_nps = (da.nps * da.nps_n + db.nps * db.nps_n) / (da.nps_n + db.nps_n)
            assert row["NPS"] == pytest.approx(pooled_nps)
        # the previous period pooled from both branches' counts
        ca, cb = a["compare"][name], b["compare"][name]
        if ca.previous is not None and cb.previous is not None and ca.metric == "满意率":
            prev = (
                ca.previous.satisfaction * ca.previous.level_n
                + cb.previous.satisfaction * cb.previous.level_n
            ) / (ca.previous.level_n + cb.previous.level_n)
            assert row["上期"] == pytest.approx(prev)
            assert int(row["上期样本"]) == ca.previous.level_n + cb.previous.level_n
    assert differs  # the branches' sizes differ: averaging rates would give another figure
    overall = table["总体"]
    assert int(overall["有效样本"]) == a["overall"].level_n + b["overall"].level_n

    wb = load_workbook(out)
    summary = {}
    past = False
    for row in wb[book_format.SHEET_DIMENSIONS].iter_rows(values_only=True):
        past = past or row[0] is None
        if past and row[0]:
            summary[row[0]] = row[1]
    assert summary[book_format.SUM_VISITS] == a["overall"].visits + b["overall"].visits
    due = a["overall"].recovery.due + b["overall"].recovery.due
    done = a["overall"].recovery.completed + b["overall"].recovery.completed
    assert summary[book_format.SUM_RECOVERY] == pytest.approx(done / due)

    header, rows = _table(wb[merge.SHEET_COMPARE])
    by_branch = {r[0]: dict(zip(header, r, strict=False)) for r in rows}
    assert by_branch["城东分店"]["回访总数"] == a["overall"].visits
    assert by_branch["城西分店"]["总体满意率"] == pytest.approx(b["overall"].satisfaction)
    total_row = next(
        r for r in wb[merge.SHEET_COMPARE].iter_rows(values_only=True) if r[0] == merge.ALL_BRANCHES
    )
    assert total_row[1] == a["overall"].visits + b["overall"].visits


def test_period_mismatch_is_refused_naming_the_file(branches, tmp_path):
    folder, _a, _b = branches
    _branch(tmp_path / "c.db", 23, folder / "城南.xlsx", "城南分店", period="2024Q1")
    with pytest.raises(UserError) as err:
        merge.consolidate([folder / "城东.xlsx", folder / "城南.xlsx"], folder / "全部.xlsx")
    message = str(err.value)
    assert "城南.xlsx" in message and "2024年第1季度" in message and "2024年第2季度" in message
    assert not (folder / "全部.xlsx").exists()


def test_template_version_mismatch_is_refused(branches):
    folder, _a, _b = branches
    path = folder / "城西.xlsx"
    wb = load_workbook(path)
    ws = wb[book_format.SHEET_INFO]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == book_format.INFO_TEMPLATE and row[2].value == "售后服务回访（通用）":
            row[3].value = 2
    wb.save(path)
    with pytest.raises(UserError, match="版本不同") as err:
        merge.consolidate([folder / "城东.xlsx", path], folder / "全部.xlsx")
    assert "第1版" in str(err.value) and "第2版" in str(err.value) and "城西.xlsx" in str(err.value)


def test_other_refusals(branches, tmp_path):
    folder, _a, _b = branches
    east, west = folder / "城东.xlsx", folder / "城西.xlsx"
    with pytest.raises(UserError, match="至少"):
        merge.consolidate([east], folder / "全部.xlsx")
    with pytest.raises(UserError, match="两次"):
        merge.consolidate([east, east], folder / "全部.xlsx")
    with pytest.raises(UserError, match="就是要合并的文件"):
        merge.consolidate([east, west], west)
    junk = folder / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(UserError, match="junk.xlsx"):
        merge.consolidate([east, junk], folder / "全部.xlsx")
    merge.consolidate([east, west], folder / "全部.xlsx")
    with pytest.raises(UserError, match="已经是合并工作簿"):
        merge.consolidate([east, folder / "全部.xlsx"], folder / "再合并.xlsx")
    # the same branch name twice
    copy_db = tmp_path / "d.db"
    _branch(copy_db, 31, folder / "城东2.xlsx", "城东分店")
    with pytest.raises(UserError, match="分支名称重复"):
        merge.consolidate([east, folder / "城东2.xlsx"], folder / "x.xlsx")


def test_cli_consolidate(branches, capsys, tmp_path):
    folder, _a, _b = branches
    out = folder / "全部.xlsx"
    assert main(["consolidate", str(folder / "城东.xlsx"), str(folder / "城西.xlsx"), "--out", str(out)]) == 0
    assert "已合并 2 个分支" in capsys.readouterr().out
    _branch(tmp_path / "e.db", 41, folder / "一季度.xlsx", "城北分店", period="2024Q1")
    code = main(
        [
            "consolidate",
            str(folder / "城东.xlsx"),
            str(folder / "一季度.xlsx"),
            "--out",
            str(folder / "x.xlsx"),
        ]
    )
    assert code == 2
    assert "统计期间不同" in capsys.readouterr().err


def test_consolidate_dialog(branches, db_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desktop.views.common.context import AppContext
    from desktop.views.report import export_dialog

    folder, _a, _b = branches
    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: infos.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"warning: {a[2]}"))
    dialog = export_dialog.ConsolidateDialog(AppContext(db_path))
    qtbot.addWidget(dialog)
    dialog.add_files([folder / "城东.xlsx", folder / "城西.xlsx"])
    assert dialog.files.count() == 2
    assert dialog.files.item(0).text().startswith("城东分店 · 2024年第2季度")
    out = folder / "合并.xlsx"
    dialog.path_edit.setText(str(out))
    qtbot.mouseClick(dialog.merge_button, export_dialog.Qt.LeftButton)
    assert out.exists() and infos and "已合并" in infos[0]
