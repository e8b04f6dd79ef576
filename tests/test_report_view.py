"""调查报告 page: choose the period, 生成预览 (off the GUI thread), read the preview, 导出PDF."""

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop.services.demo.demo import generate_demo
from desktop.services.reporting import periods
from desktop.views.common.context import AppContext
from desktop.views.common.operations import Cancelled
from desktop.views.common.pages import PAGES
from desktop.views.report import report_view
from desktop.views.report.report_view import ReportView

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo(database):
    generate_demo(customers=80, seed=7, today=TODAY)
    return database


@pytest.fixture
def view(qtbot, db_path):
    page = ReportView(AppContext(db_path))
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    return page


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    return shown


def test_page_is_registered_before_templates():
    ids = [p.id for p in PAGES]
    assert "report" in ids
    assert ids.index("report") == ids.index("templates") - 1
    spec = PAGES[ids.index("report")]
    assert (spec.title, spec.module, spec.cls) == ("调查报告", "report.report_view", "ReportView")


def test_generate_preview_and_export_pdf(demo, view, qtbot, tmp_path, monkeypatch, warnings):
    view.on_shown()
    assert view.team.itemText(0) == "全部班组"
    view.open_with(period="2026Q3")
    assert view.period_picker.period() == periods.parse_period("2026Q3")
    assert not view.pdf_button.isEnabled()  # nothing to export yet

    qtbot.mouseClick(view.generate_button, Qt.LeftButton)
    assert warnings == []
    assert view.doc is not None and view.doc.title == "2026年第3季度客户满意度调查与改进报告"
    assert view.stack.currentWidget() is view.preview
    assert view.preview.pageCount() >= 3
    assert view.pages == view.preview.pageCount()
    assert len(view.charts) == 3 and all(svg.startswith(b"<?xml") for svg in view.charts)
    assert "共 " in view.status.text() and "页" in view.status.text()
    assert view.pdf_button.isEnabled() and view.print_button.isEnabled()

    target = tmp_path / "季度报告"  # no suffix typed: .pdf is added
    asked = []

    def save_dialog(parent, title, suggested, filters):
        asked.append((title, Path(suggested).name, filters))
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    qtbot.mouseClick(view.pdf_button, Qt.LeftButton)
    written = tmp_path / "季度报告.pdf"
    assert written.exists()
    assert asked[0][1] == "2026年第3季度客户满意度调查与改进报告.pdf"
    reader = PdfReader(str(written))
    assert len(reader.pages) == view.pages
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    assert "三、满意度分析" in text and "较上期变化" in text
    assert str(written) in view.status.text()


def test_team_choice_and_stale_notice(demo, view, qtbot):
    view.on_shown()
    view.open_with(period="2026-08", team="安装组")
    assert view.selected_team() == "安装组"
    assert view.generate()
    assert view.doc.team == "安装组" and view.doc.period.kind == periods.MONTH
    view.ctx.events.visits_changed.emit()
    assert "数据已有变化" in view.status.text()


def test_cancelled_generation_keeps_nothing(demo, view, monkeypatch, warnings):
    def cancelled(*args, **kwargs):
        raise Cancelled()

    monkeypatch.setattr(report_view, "build_report", cancelled)
    view.open_with(period="2026Q3")
    assert view.generate() is False
    assert view.doc is None
    assert "已取消" in view.status.text()
    assert not view.pdf_button.isEnabled()
    assert warnings == []


def test_range_ending_before_it_starts_is_refused(demo, view, warnings):
    picker = view.period_picker
    picker.kind.setCurrentIndex(picker.kind.findData(periods.RANGE))
    picker.start.setDate(QDate(2026, 9, 30))
    picker.end.setDate(QDate(2026, 7, 1))
    assert view.generate() is False
    assert warnings and "晚于结束日期" in warnings[0]
    assert view.doc is None


def test_export_to_an_unwritable_place_shows_why(demo, view, tmp_path, monkeypatch, warnings):
    view.open_with(period="2026Q3")
    assert view.generate()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(blocker / "r.pdf"), ""))
    assert view.export_pdf() is None
    assert warnings and "无法写入" in warnings[0]


def test_default_period_is_the_last_finished_quarter(demo, view):
    view.on_shown()
    chosen = view.period_picker.period()
    assert chosen.kind == periods.QUARTER
    assert chosen.end < date.today()


def test_print_goes_through_the_print_dialog(demo, view, qtbot, tmp_path):
    """The real QPrintDialog: 打印到文件 with a file name, accepted from a timer."""
    from preview_helpers import run_print_dialog

    out = tmp_path / "printed.pdf"
    view.open_with(period="2026Q3")
    assert view.generate()
    seen = run_print_dialog(lambda: qtbot.mouseClick(view.print_button, Qt.LeftButton), out)
    assert seen.message == "" and seen.job_name == "调查报告-2026Q3"
    assert out.exists()
    reader = PdfReader(str(out))
    assert len(reader.pages) == view.pages
    assert reader.metadata.title == "调查报告-2026Q3"
    assert "已发送到打印机" in view.status.text()
