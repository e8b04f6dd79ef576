"""设置 → 扫码评价 in the running app: off by default; switched on (with the address and port typed
on the 设置 page) the phone page is served, switched off it stops — never on the GUI thread."""

import socket
import threading

import pytest
from PySide6.QtWidgets import QGroupBox
from test_web_survey import fetch, task  # noqa: F401  (task is a fixture)

from desktop.services.admin import settings
from desktop.services.web import links
from desktop.views.common.context import AppContext
from desktop.views.settings.settings_view import SettingsView
from desktop.views.settings.survey_switch import SurveySwitch


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def page(qtbot, database, db_path):
    ctx = AppContext(db_path=db_path)
    view = SettingsView(ctx)
    qtbot.addWidget(view)
    switch = SurveySwitch(ctx, view)
    yield view, switch
    switch.stop()


def test_the_switch_is_off_by_default_and_serves_while_on(qtbot, page, task):  # noqa: F811
    view, switch = page
    form = view.general
    settings.set_value("survey_enabled", False)  # the task fixture turned it on
    form.load()
    switch.arm()
    assert not form.editors["survey_enabled"].get() and switch.httpd is None
    assert form.editors["survey_host"].get() == "127.0.0.1"
    assert "扫码评价" in [box.title() for box in form.findChildren(QGroupBox)]

    port = free_port()
    form.editors["survey_enabled"].set(True)
    form.editors["survey_port"].set(port)
    assert form.save()
    qtbot.waitUntil(lambda: switch.httpd is not None, timeout=5000)
    assert switch.thread is not threading.current_thread() and switch.thread.is_alive()
    assert switch.httpd.server_address == ("127.0.0.1", port)
    status, body = fetch(links.url_of(links.link_for_task(task.id)))
    assert status == 200 and 'name="q1"' in body
    assert "运行中" in switch.text

    thread = switch.thread
    form.editors["survey_enabled"].set(False)
    assert form.save()
    assert switch.httpd is None and switch.text == "扫码评价：关闭"
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_a_port_in_use_is_reported_in_chinese(qtbot, page):
    view, switch = page
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings.set_value("survey_enabled", True)
        settings.set_value("survey_port", taken.getsockname()[1])
        switch.arm()
        qtbot.waitUntil(lambda: "无法" in switch.text, timeout=5000)
    assert switch.httpd is None and "端口" in switch.text


def test_the_app_serves_once_on_screen_when_switched_on_and_stops_on_close(qtbot, database, db_path):
    from desktop import app as desktop_app

    port = free_port()
    settings.set_value("survey_enabled", True)
    settings.set_value("survey_port", port)
    window = desktop_app.show_main_window(db_path)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.survey.httpd is not None, timeout=20_000)
    assert window.survey.httpd.server_address == ("127.0.0.1", port)
    thread = window.survey.thread
    window.close()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)
    assert window.survey.httpd is None
