"""设置 → 扫码评价 in the running app: the phone page's server (``services.web.server``) runs
while the switch is on, on the address and port chosen there, and moves or stops when they are
saved again. Binding and stopping happen on worker threads; the GUI thread never waits."""

import threading

from PySide6.QtCore import QObject, Signal

from desktop.services.admin import settings
from desktop.services.web import server

from ..common.context import AppContext
from ..common.operations import start_in_background


class SurveySwitch(QObject):
    """Owned by the main window; ``arm()`` (once the window is on screen, never for a database
    opened read-only) starts following the settings. ``changed(text)``: the state in words."""

    changed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.armed = False
        self.httpd: server.SurveyServer | None = None
        self.thread: threading.Thread | None = None
        self.wanted: tuple[str, int] | None = None  # (host, port) being started or running
        self.job = None
        self.text = "扫码评价：关闭"
        ctx.events.settings_changed.connect(self.apply)

    def arm(self) -> None:
        self.armed = True
        self.apply()

    def _desired(self) -> tuple[str, int] | None:
        if not settings.get("survey_enabled"):
            return None
        return str(settings.get("survey_host")), int(settings.get("survey_port"))

    def apply(self) -> None:
        """Start, move or stop the server to match the saved settings."""
        if not self.armed:
            return
        desired = self._desired()
        if desired == self.wanted:
            return
        self._stop_running()
        self.wanted = desired
        if desired is None:
            self._say("扫码评价：关闭")
            return
        host, port = desired
        self._say(f"扫码评价：正在启动（{host}:{port}）…")
        self.job = start_in_background(
            lambda _report: server.SurveyServer(host, port),
            lambda httpd: self._started(desired, httpd),
            lambda error: self._failed(desired, error),
            owner=self,
            name="扫码评价",
        )

    def _started(self, desired, httpd: server.SurveyServer) -> None:
        if desired != self.wanted:  # switched again meanwhile
            threading.Thread(target=httpd.server_close, daemon=True).start()
            return
        self.httpd, self.thread = httpd, server.start_in_thread(httpd)
        self._say(f"扫码评价：运行中，客户打开 {httpd.url}/s/… 的链接")

    def _failed(self, desired, error: BaseException) -> None:
        if desired != self.wanted:
            return
        self.wanted = None  # saving the settings again retries
        host, port = desired
        reason = getattr(error, "strerror", None) or str(error)
        self._say(f"扫码评价：无法在 {host}:{port} 上启动（{reason}），请在设置中换一个端口或地址。")

    def _stop_running(self) -> None:
        httpd, thread = self.httpd, self.thread
        self.httpd = self.thread = None
        if httpd is not None:
            threading.Thread(target=server.stop, args=(httpd, thread), daemon=True, name="扫码评价停止").start()

    def stop(self) -> None:
        """The window closes: the server stops (on a worker thread)."""
        self.armed = False
        self.wanted = None
        self._stop_running()

    def _say(self, text: str) -> None:
        self.text = text
        self.changed.emit(text)
        self.ctx.events.status_message.emit(text)
