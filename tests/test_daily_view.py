"""The 日报 band on the 工作台: yesterday's line, the real print dialog and preview, 去预约."""

import html
import re
from datetime import date

from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from test_daily import DAY, MORNING, seed_day  # noqa: F401 (the fixture)

from desktop.services.summaries import daily
from desktop.views.common.context import AppContext
from desktop.views.dashboard.dashboard_view import DashboardView


def shown(panel) -> str:
    """The band's text as the user reads it (the label holds rich text)."""
    return html.unescape(re.sub(r"<[^>]+>", "", panel.summary.text()))


def test_the_band_wraps_between_clauses_only():
    from desktop.views.dashboard.daily_panel import clauses_unbroken

    text = clauses_unbroken("12-06 回访 3 份，满意率 90%；逾期任务 0 个，逾期改进措施 <1> 项")
    assert text.count('<span style="white-space:nowrap">') == 4
    assert '<span style="white-space:nowrap">逾期任务 0 个，</span>' in text
    assert "&lt;1&gt;" in text  # the words are escaped, not read as markup


def make_view(qtbot, db_path) -> DashboardView:
    view = DashboardView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.today_override = MORNING
    view.resize(1238, 800)
    view.show()
    view.on_shown()
    qtbot.waitUntil(lambda: view.daily.figures is not None and not view.daily.loading, timeout=20_000)
    return view


def test_band_shows_yesterday_and_prints_it(qtbot, seed_day, db_path, tmp_path):  # noqa: F811
    from preview_helpers import run_preview, run_print_dialog

    view = make_view(qtbot, db_path)
    panel = view.daily
    assert panel.day() == DAY  # yesterday, seen on MORNING
    expected = daily.daily_figures(DAY, today=MORNING)
    assert shown(panel) == expected.line()
    assert panel.book_button.text() == f"去预约（{expected.to_book}）"

    seen = run_preview(lambda: qtbot.mouseClick(panel.preview_button, Qt.LeftButton))
    assert seen.message == "" and seen.pages == 1 and seen.job_name == "回访日报-2023-10-25"

    out = tmp_path / "printed.pdf"
    seen = run_print_dialog(lambda: qtbot.mouseClick(panel.print_button, Qt.LeftButton), out)
    assert seen.message == ""
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    text = "".join(reader.pages[0].extract_text().split())
    assert "2023年10月25日回访日报" in text and "技术能力类" in text
    assert f"满意率{expected.overall.satisfaction * 100:.1f}%" in text


def test_another_day_and_the_booking_link(qtbot, seed_day, db_path):  # noqa: F811
    view = make_view(qtbot, db_path)
    panel = view.daily
    panel.day_edit.setDate(QDate(2023, 10, 24))  # a day without visits
    qtbot.waitUntil(lambda: not panel.loading and panel.figures.day == date(2023, 10, 24), timeout=20_000)
    assert "回访 0 份" in shown(panel)
    view.reload()  # a refresh keeps the day the user chose
    qtbot.waitUntil(lambda: not panel.loading, timeout=20_000)
    assert panel.day() == date(2023, 10, 24)
    opened = []
    view.ctx.events.open_page.connect(lambda page, args: opened.append((page, args)))
    qtbot.mouseClick(panel.book_button, Qt.LeftButton)
    assert opened == [("tasks", {"bucket": "待预约"})]
