"""The main window fits 1366×768 and 1280×720 screens with a taskbar (issue 11 item 7): it opens
within the screen's available area, a saved geometry is used only when it fits, every page's
buttons stay on screen, and long status messages are cut with … instead of running over the
数据库 label."""

import pytest
from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication

from desktop.app import build_main_window
from desktop.views.common.pages import PAGES
from desktop.views.shell.status_bar import FRAME, PREFERRED_SIZE, fit_geometry, fits

# available geometry (the taskbar excluded) of the small screens a shop PC has
SCREENS = {"1366×768": QRect(0, 0, 1366, 728), "1280×720": QRect(0, 0, 1280, 680)}


def _frame_of(client: QRect) -> QRect:
    return client.marginsAdded(FRAME)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_window_opens_within_the_available_area(screen):
    available = SCREENS[screen]
    client = fit_geometry(available)
    assert fits(_frame_of(client), available), (client, available)
    assert client.width() <= PREFERRED_SIZE.width()


def test_a_big_screen_gets_the_preferred_size_centred():
    available = QRect(0, 0, 1920, 1040)
    client = fit_geometry(available)
    assert client.size() == PREFERRED_SIZE
    assert fits(_frame_of(client), available)
    assert abs(client.center().x() - available.center().x()) <= 1


def test_a_second_screen_to_the_left_is_respected():
    available = QRect(-1366, 0, 1366, 728)
    assert fits(_frame_of(fit_geometry(available)), available)


def test_the_window_does_not_open_taller_than_the_screen(qtbot, database, db_path):
    window = build_main_window(db_path)
    qtbot.addWidget(window)
    available = window.screen().availableGeometry()
    assert fits(window.geometry().marginsAdded(FRAME), available)


def test_a_saved_geometry_from_a_bigger_screen_is_not_restored(qtbot, database, db_path):
    big = build_main_window(db_path)
    qtbot.addWidget(big)
    available = big.screen().availableGeometry()
    big.setGeometry(QRect(available.x() + 100, available.y() + 80, available.width() + 400, available.height() + 300))
    QSettings().setValue("main_window/geometry", big.saveGeometry())
    try:
        window = build_main_window(db_path)
        qtbot.addWidget(window)
        assert fits(window.geometry().marginsAdded(FRAME), available)
    finally:
        QSettings().remove("main_window/geometry")


def test_a_saved_geometry_that_fits_is_restored(qtbot, database, db_path):
    first = build_main_window(db_path)
    qtbot.addWidget(first)
    available = first.screen().availableGeometry()
    wanted = QRect(available.x() + 40, available.y() + 50, available.width() - 100, available.height() - 120)
    first.setGeometry(wanted)
    QSettings().setValue("main_window/geometry", first.saveGeometry())
    try:
        window = build_main_window(db_path)
        qtbot.addWidget(window)
        assert window.geometry().size() == wanted.size()
    finally:
        QSettings().remove("main_window/geometry")


def _off_screen_buttons(window) -> list[str]:
    """Visible buttons outside the window that no scroll area can bring into view."""
    off = []
    area = window.rect()
    for button in window.findChildren(QAbstractButton):
        if not button.isVisibleTo(window) or button.window() is not window:
            continue
        parent, scrolled = button.parentWidget(), False
        while parent is not None and parent is not window:
            if isinstance(parent, QAbstractScrollArea):
                scrolled = True
                break
            parent = parent.parentWidget()
        if scrolled:
            continue
        rect = QRect(button.mapTo(window, button.rect().topLeft()), button.size())
        if not area.contains(rect):
            off.append(f"{button.text() or button.objectName()} at {rect.getRect()}")
    return off


@pytest.mark.parametrize("screen", SCREENS)
def test_every_page_fits_and_keeps_its_buttons_on_screen(qtbot, database, db_path, screen):
    from desktop.selftest import first_finished_visit_id
    from desktop.services.demo.demo import generate_demo

    generate_demo(customers=15, seed=5)
    window = build_main_window(db_path)
    qtbot.addWidget(window)
    client = fit_geometry(SCREENS[screen])
    window.resize(client.size())
    window.show()
    for spec in PAGES:
        page = window.show_page(spec.id)
        if spec.id == "visit_form":  # a filled 回访表: its buttons (保存, 打印…) under the questions
            page.open_with(visit_id=first_finished_visit_id())
        QApplication.processEvents()
        need = window.minimumSizeHint()
        assert need.width() <= client.width() and need.height() <= client.height(), (spec.id, need, client)
        assert window.size() == client.size(), spec.id  # no page forced the window to grow
        assert not _off_screen_buttons(window), (spec.id, _off_screen_buttons(window))
        assert not _squeezed_tab_bars(window), (spec.id, _squeezed_tab_bars(window))


def _squeezed_tab_bars(window) -> list[str]:
    """The visible tab bars too narrow for their tabs (scroll arrows, a tab cut off)."""
    from PySide6.QtWidgets import QTabBar

    return [
        " / ".join(bar.tabText(i) for i in range(bar.count()))
        for bar in window.findChildren(QTabBar)
        if bar.isVisible() and bar.count() and bar.width() < bar.sizeHint().width()
    ]


LONG = "已为 2,345 位客户生成回访任务：首次回访 1,200 个，投诉回访 300 个，交付后一个月 400 个，" * 4


def test_a_long_status_message_is_elided_with_the_whole_text_in_the_tooltip(qtbot, database, db_path):
    window = build_main_window(db_path)
    qtbot.addWidget(window)
    window.resize(QSize(1264, 641))
    window.show()
    window.statusBar().showMessage(LONG, 5000)
    QApplication.processEvents()
    label = window.statusBar().message_label
    assert window.statusBar().currentMessage() == LONG  # the Qt API is unchanged
    assert label.text().endswith("…") and label.text() != LONG
    assert label.toolTip() == LONG
    db_label = window._db_label
    assert db_label.isVisible()
    assert label.geometry().right() < db_label.geometry().left()  # never over the 数据库 label
    assert label.geometry().right() <= window.statusBar().width()


def test_a_short_status_message_is_shown_whole(qtbot, database, db_path):
    window = build_main_window(db_path)
    qtbot.addWidget(window)
    window.resize(QSize(1264, 641))
    window.show()
    window.statusBar().showMessage("已保存。", 5000)
    QApplication.processEvents()
    label = window.statusBar().message_label
    assert label.text() == "已保存。" and label.toolTip() == ""
    window.statusBar().clearMessage()
    assert label.text() == ""


def test_a_long_database_path_is_elided_in_the_middle(qtbot, database, db_path):
    window = build_main_window(db_path)
    qtbot.addWidget(window)
    window.resize(QSize(1264, 641))
    window.show()
    QApplication.processEvents()
    assert window._db_label.width() <= 360
    assert str(db_path) in window._db_label.full_text()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_rating_grid_is_not_cut_off_on_a_small_screen(qtbot, database, db_path, screen):
    """回访表 beside its call script: the script narrows so the form needs no sideways scrolling."""
    from desktop.selftest import first_finished_visit_id
    from desktop.services.demo.demo import generate_demo

    generate_demo(customers=15, seed=5)
    window = build_main_window(db_path)
    qtbot.addWidget(window)
    window.resize(fit_geometry(SCREENS[screen]).size())
    window.show()
    page = window.show_page("visit_form")
    page.open_with(visit_id=first_finished_visit_id())
    qtbot.waitUntil(lambda: not page.scroll.horizontalScrollBar().isVisible(), timeout=2000)
    assert page.scroll.viewport().width() >= page.scroll.widget().minimumWidth()
    assert page.script.width() >= page.script.minimumWidth()
