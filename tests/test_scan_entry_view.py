"""扫描录入 in the window: scans dropped or found in a watched folder are read off the GUI thread
(progress, 取消), one row per page; a doubtful page is confirmed in 待核对 with one key per
question and Enter, and the visit is saved."""

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent

from desktop.models import Answer, Visit
from desktop.services.paper_scan import scan
from desktop.services.visits.forms import build_task_form
from desktop.views.common.context import AppContext
from desktop.views.common.pages import PAGES, load_page_class
from desktop.views.scanning import scan_entry_view
from desktop.views.scanning.scan_entry_view import ScanEntryView
from tests.modal_boxes import answer_next_box
from tests.paper_marks import scanned_pages
from tests.test_paper_scan import choose, make_task, save_png

WAIT_MS = 60_000


@pytest.fixture(autouse=True)
def fresh_settings():
    settings = QSettings()
    for key in (scan_entry_view.SEEN_KEY, scan_entry_view.WATCH_KEY, scan_entry_view.WATCHING_KEY):
        settings.remove(key)
    yield
    for key in (scan_entry_view.SEEN_KEY, scan_entry_view.WATCH_KEY, scan_entry_view.WATCHING_KEY):
        settings.remove(key)


def form_png(path, family="after_sales", skip=(), seed=1):
    """A task of ``family`` and a PNG of its form, every question marked except ``skip``."""
    task = make_task(family)
    doc = build_task_form(task.id)
    rng = np.random.default_rng(seed)
    marks = {n: m for n, m in choose(doc, rng).items() if n not in skip}
    (page,) = scanned_pages(doc, 200, marks, rng, angle=1.5)
    return task, save_png(page, path)


def drop(widget, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    widget.dropEvent(QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def open_view(qtbot, db_path) -> ScanEntryView:
    view = ScanEntryView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    view.on_shown()
    return view


def cells(view, row) -> list[str]:
    return [view.table.item(row, c).text() for c in range(view.table.columnCount())]


def test_the_page_is_in_the_navigation_for_callers():
    spec = next(p for p in PAGES if p.id == "scan_entry")
    assert spec.title == "扫描录入" and load_page_class(spec) is ScanEntryView


def test_dropped_scans_are_read_and_a_doubtful_page_is_confirmed_with_keys(
    qtbot, database, db_path, tmp_path
):
    sure, sure_png = form_png(tmp_path / "sure.png", "bank", seed=2)
    task, doubtful_png = form_png(tmp_path / "doubtful.png", skip=(2, 6), seed=3)
    notes = tmp_path / "说明.docx"
    notes.write_bytes(b"PK")
    view = open_view(qtbot, db_path)
    drop(view, [sure_png, notes, doubtful_png])
    assert "已跳过 1 个不是扫描件的文件（说明.docx）" in view.summary.text()
    assert view.job is not None and view.progress.isVisible() and view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: view.job is None and view.table.rowCount() == 2, timeout=WAIT_MS)
    first, second = cells(view, 0), cells(view, 1)
    assert first[0] == "sure.png" and first[3] == "已录入" and f"任务 #{sure.id}" in first[2]
    assert second[3] == "待核对" and "待核对题号 2、6" in second[4] and "欧阳" in second[2]
    assert "已录入 1 页" in view.summary.text() and "待核对 1 页" in view.summary.text()
    assert "已跳过 1 个不是扫描件的文件" in view.summary.text()
    assert not view.progress.isVisible()
    assert view.tabs.tabText(1) == "待核对（1）"

    view.tabs.setCurrentWidget(view.review)
    panel = view.review
    qtbot.waitUntil(lambda: panel.item is not None and not panel.loading, timeout=WAIT_MS)
    assert [row.doubt.number for row in panel.rows] == [2, 6]
    assert not panel.rows[0].image.pixmap().isNull() and panel.rows[0].image.pixmap().width() > 300
    assert [b.text() for b in panel.rows[0].buttons][:2] == ["1  非常满意", "2  满意"]
    assert panel.rows[1].buttons[-1].text() == "+  10" and "+" in panel.keys_label.text()
    qtbot.keyClick(panel, Qt.Key_Return)  # nothing chosen yet: says so, stays
    assert "请先选择第 2 题" in panel.message.text() and panel.current == 0
    qtbot.keyClick(panel, Qt.Key_7)  # not a box of a five-level question
    assert "不是这道题的选项" in panel.message.text() and not panel.rows[0].answered
    qtbot.keyClick(panel, Qt.Key_2)
    assert panel.rows[0].buttons[1].isChecked()
    panel.reload()  # the list read anew (a scan finished meanwhile): the half-answered page stays
    assert panel.rows[0].answered and panel.rows[0].choice == 1
    qtbot.keyClick(panel, Qt.Key_Return)
    assert panel.current == 1 and panel.rows[1].property("current") is True
    qtbot.keyClick(panel, Qt.Key_Plus, Qt.ShiftModifier)  # ten on the 0–10 row
    assert panel.rows[1].buttons[10].isChecked()
    qtbot.keyClick(panel, Qt.Key_Return)  # the last question: saved

    visit = Visit.get(Visit.task == task.id)
    assert (visit.status, visit.sign_status) == ("已完成", "纸质已签")
    stored = {a.question.text[:6]: a.value for a in Answer.select().where(Answer.visit == visit.id)}
    assert stored["从报修到工程"] == 4 and stored["如果亲友需要"] == 10
    assert scan.review_queue() == []
    qtbot.waitUntil(lambda: panel.item is None, timeout=WAIT_MS)
    assert panel.title.text() == "没有待核对的扫描件" and view.tabs.tabText(1) == "待核对"

    # the same files dropped again: not read again (their content is archived / remembered)
    drop(view, [sure_png, doubtful_png])
    qtbot.waitUntil(lambda: view.job is None, timeout=WAIT_MS)
    assert view.table.rowCount() == 2 and "2 个文件以前读过" in view.summary.text()


def test_cancel_writes_nothing(qtbot, database, db_path, tmp_path):
    files = [form_png(tmp_path / f"{family}.png", family, seed=i)[1] for i, family in
             enumerate(("after_sales", "bank", "car_service"))]  # fmt: skip
    view = open_view(qtbot, db_path)
    view.add_paths(files)
    qtbot.mouseClick(view.cancel_button, Qt.LeftButton)
    assert view.progress_label.text() == "正在取消…" and not view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: view.job is None, timeout=WAIT_MS)
    assert view.summary.text() == "已取消，这次没有写入任何回访记录。" and not view.cancel_button.isVisible()
    assert view.table.rowCount() == 0 and Visit.select().count() == 0
    # read again later: nothing was remembered as read
    view.add_paths(files)
    qtbot.waitUntil(lambda: view.job is None and view.table.rowCount() == 3, timeout=WAIT_MS)
    assert [cells(view, r)[3] for r in range(3)] == ["已录入"] * 3 and Visit.select().count() == 3


def test_a_watched_folder_reads_each_new_scan_once(qtbot, database, db_path, tmp_path):
    folder = tmp_path / "scanner"
    folder.mkdir()
    _task, png = form_png(tmp_path / "form.png")
    view = open_view(qtbot, db_path)
    view.watch(folder)
    assert view.watch_box.isChecked() and view.watch_label.text() == str(folder)
    shutil.copy(png, folder / "scan-001.png")
    (folder / "readme.txt").write_text("扫描仪说明", encoding="utf-8")
    view.look_at_folder()  # first look: the file may still be being written
    assert view.job is None
    qtbot.waitUntil(lambda: view.job is None and view.table.rowCount() == 1, timeout=WAIT_MS)
    assert cells(view, 0)[:2] == ["scan-001.png", "1"] and cells(view, 0)[3] == "已录入"
    shutil.copy(png, folder / "scan-002.png")  # the same paper saved again under a new name
    qtbot.waitUntil(lambda: "以前读过" in view.summary.text(), timeout=WAIT_MS)
    assert view.table.rowCount() == 1 and Visit.select().count() == 1
    # the page opened again (next start): it watches the same folder, and reads nothing twice
    again = open_view(qtbot, db_path)
    assert again.watch_box.isChecked() and again.watcher.directories() == [str(folder)]
    view.watch_box.setChecked(False)
    assert view.watcher.directories() == [] and not view._poll.isActive()
    again.watch_box.setChecked(False)
    third = ScanEntryView(AppContext(db_path=db_path))
    qtbot.addWidget(third)
    assert not third.watch_box.isChecked()


def test_skip_and_open_the_full_form(qtbot, database, db_path, tmp_path):
    from desktop.views.shell.main_window import MainWindow

    first, first_png = form_png(tmp_path / "a.png", skip=(3,), seed=5)
    second, second_png = form_png(tmp_path / "b.png", "car_service", skip=(1,), seed=6)
    window = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(window)
    window.show()
    view = window.show_page("scan_entry")
    view.add_paths([first_png, second_png])
    qtbot.waitUntil(lambda: view.job is None and view.table.rowCount() == 2, timeout=WAIT_MS)
    view.tabs.setCurrentWidget(view.review)
    panel = view.review
    qtbot.waitUntil(lambda: panel.item is not None and not panel.loading, timeout=WAIT_MS)
    assert panel.item.task_id == first.id and panel.hasFocus()
    qtbot.keyClick(panel, Qt.Key_Right, Qt.ControlModifier)  # 跳过这张: the next page, this one waits
    qtbot.waitUntil(lambda: panel.item is not None and panel.item.task_id == second.id, timeout=WAIT_MS)
    assert [row.doubt.number for row in panel.rows] == [1] and panel.rows[0].doubt.kind == "yesno"
    assert panel.list.count() == 2
    # keys pressed, not yet saved: leaving (切换用户, closing) asks first
    qtbot.keyClick(panel, Qt.Key_N)
    asked = []
    answer_next_box("录入这张表", asked)
    assert window.may_leave_pages() is True  # the only question was answered: saved on the way out
    assert "已按键确认了 1 道题" in asked[0]["text"] and set(asked[0]["buttons"]) == {
        "录入这张表",
        "放弃",
        "取消",
    }
    assert Visit.get(Visit.task == second.id).status == "已完成" and panel.list.count() == 1
    qtbot.waitUntil(lambda: panel.item is not None and panel.item.task_id == first.id, timeout=WAIT_MS)
    qtbot.keyClick(panel, Qt.Key_1)
    answer_next_box("取消")
    assert window.may_leave_pages() is False and panel.rows[0].answered  # kept
    qtbot.mouseClick(panel.open_button, Qt.LeftButton)  # 打开完整回访表: its draft in the 回访表
    form = window.page("visit_form")
    assert window.stack.currentWidget() is form and form.visit_id == panel.item.visit_id
    answer_next_box("放弃")  # closing the window asks once more: the half-confirmed page is let go
    assert window.may_leave_pages() is True
    assert not any(row.answered for row in panel.rows) and window.may_leave_pages() is True  # no box now


def test_choosing_another_page_asks_before_letting_pressed_keys_go(qtbot, database, db_path, tmp_path):
    """Keys pressed on a page, then another page clicked in the list (or 跳过这张): asked first;
    取消 keeps the page and its keys, 放弃 lets them go and shows the other page."""
    first, first_png = form_png(tmp_path / "a.png", skip=(3,), seed=5)
    second, second_png = form_png(tmp_path / "b.png", "car_service", skip=(1,), seed=6)
    view = open_view(qtbot, db_path)
    view.add_paths([first_png, second_png])
    qtbot.waitUntil(lambda: view.job is None and view.table.rowCount() == 2, timeout=WAIT_MS)
    view.tabs.setCurrentWidget(view.review)
    panel = view.review
    qtbot.waitUntil(lambda: panel.item is not None and not panel.loading, timeout=WAIT_MS)
    assert panel.item.task_id == first.id
    qtbot.keyClick(panel, Qt.Key_1)
    assert panel.rows[0].answered
    asked = []
    answer_next_box("取消", asked)
    panel.list.setCurrentRow(1)  # the other page clicked
    assert "已按键确认了 1 道题" in asked[0]["text"], asked
    assert panel.item.task_id == first.id and panel.rows[0].answered and panel.list.currentRow() == 0
    answer_next_box("放弃", asked)
    qtbot.mouseClick(panel.skip_button, Qt.LeftButton)  # 跳过这张 asks too
    assert len(asked) == 2
    qtbot.waitUntil(lambda: panel.item is not None and panel.item.task_id == second.id, timeout=WAIT_MS)
    assert not panel.rows[0].answered and panel.list.currentRow() == 1
    assert Visit.get(Visit.task == first.id).status == "草稿"  # nothing was saved on the way
