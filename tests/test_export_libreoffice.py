"""The head-office workbook opened by another spreadsheet program: LibreOffice (headless) turns
维度统计 into CSV with the figures of the statistics service, and prints the workbook to a PDF
whose text is Chinese. Skipped where LibreOffice is not installed (CI installs
libreoffice-calc-nogui)."""

import csv
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from desktop.services.demo.demo import generate_demo
from desktop.services.reporting import statistics
from desktop.services.summaries.workbook import book_format, export

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

TODAY = date(2024, 7, 15)
PERIOD = "2024Q2"
# CSV: comma, double quotes, UTF-8 (76), from line 1, raw values (not as shown), every sheet (-1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _soffice(args: list[str], profile, cwd) -> None:
    cmd = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", *args]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def workbook(database, tmp_path):
    generate_demo(customers=60, seed=5, today=TODAY)
    folder = tmp_path / "lo"
    folder.mkdir()
    out = folder / "branch.xlsx"
    export.export_workbook(out, PERIOD, branch="城东分店", today=TODAY)
    return out


def _number(text: str):
    text = text.strip()
    if not text:
        return None
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def test_libreoffice_reads_the_dimension_figures(workbook, tmp_path):
    _soffice(
        ["--convert-to", CSV_FILTER, "--outdir", str(workbook.parent), str(workbook)],
        tmp_path / "profile",
        tmp_path,
    )
    sheet_csv = workbook.parent / f"{workbook.stem}-{book_format.SHEET_DIMENSIONS}.csv"
    assert sheet_csv.exists(), sorted(p.name for p in workbook.parent.iterdir())
    with sheet_csv.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[: len(book_format.DIM_COLUMNS)] == list(book_format.DIM_COLUMNS)
    table = {}
    for row in rows[1:]:
        if not row or not row[0]:
            break
        table[row[0]] = dict(zip(header, row, strict=False))

    flt = statistics.Filters(period=PERIOD)
    dims = statistics.dimension_stats(flt)
    total = statistics.overall(flt, today=TODAY)
    assert list(table) == [statistics.OVERALL] + [d.dimension for d in dims]
    for d in dims:
        row = table[d.dimension]
        assert _number(row["有效样本"]) == (d.level_n or d.nps_n or d.yes_n)
        assert [_number(row[name]) for name in book_format.DIM_COLUMNS[2:7]] == [
            d.counts[lv] for lv in (5, 4, 3, 2, 1)
        ]
        if d.satisfaction is not None:
            assert _number(row["满意率"]) == pytest.approx(d.satisfaction, rel=1e-9)
            assert _number(row["平均分"]) == pytest.approx(d.mean, rel=1e-9)
        if d.nps is not None:
            assert _number(row["NPS"]) == pytest.approx(d.nps, rel=1e-9)
    overall = table[statistics.OVERALL]
    assert _number(overall["有效样本"]) == total.level_n
    assert _number(overall["满意率"]) == pytest.approx(total.satisfaction, rel=1e-9)

    # the text columns of 回访记录 come through as the texts they are
    visits_csv = workbook.parent / f"{workbook.stem}-{book_format.SHEET_VISITS}.csv"
    with visits_csv.open(encoding="utf-8") as fh:
        visit_rows = list(csv.reader(fh))
    names = visit_rows[1]
    codes = [r[names.index("客户编号")] for r in visit_rows[2:]]
    assert codes and all(code.startswith("C") for code in codes)
    assert all("****" in r[names.index("联系电话")] for r in visit_rows[2:])


def test_libreoffice_prints_the_workbook_in_chinese(workbook, tmp_path):
    _soffice(
        ["--convert-to", "pdf", "--outdir", str(workbook.parent), str(workbook)],
        tmp_path / "profile",
        tmp_path,
    )
    pdf = workbook.with_suffix(".pdf")
    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= len(book_format.SHEETS)
    for words in ("回访编号", "客户姓名", "满意率", "改进方案与落实跟踪", "一级指标", "城东分店"):
        assert words in text, words
    if shutil.which("pdftoppm"):  # a page renders (the picture itself was looked at by hand)
        subprocess.run(
            ["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
            check=True,
            timeout=60,
        )
        assert list(tmp_path.glob("page*.png"))
