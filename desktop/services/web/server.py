"""The 扫码评价 web server: Python's own ``ThreadingHTTPServer`` (no framework — two routes, GET
and POST of ``/s/<token>``), bound to the address the 主管 picks in 设置 → 扫码评价.

- Anything but a known link is a bare 404; a used / expired / closed link is a polite page.
- The form carries an anti-forgery token: an HMAC of the link's token under a key made when the
  server starts (a page opened before a restart is asked to reload).
- Every address gets ``rate_limit`` requests per ``rate_window`` seconds, then 429.
- Bodies over ``MAX_BODY`` bytes are refused; responses are never cached, send no referrer (the
  token is in the address) and may only run the page's own inline script (CSP nonce).
- Each request runs on its own thread with its own database connection, closed afterwards.
- While 设置 → 扫码评价 is off (checked every few seconds) every page answers 503.
"""

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from desktop.models import db

from ..admin import settings as app_settings
from ..common.errors import UserError, ValidationErrors
from . import links, pages

log = logging.getLogger(__name__)

MAX_BODY = 2 * 1024 * 1024
MAX_FIELDS = 500
RATE_LIMIT = 60
RATE_WINDOW = 60.0
SWITCH_CHECK_SECONDS = 5.0
PATH_PREFIX = "/s/"
REQUEST_TIMEOUT = 30
_TOKEN_IN_PATH = re.compile(r"/s/[^\s\"?]+")


class RateLimiter:
    """At most ``limit`` requests per ``window`` seconds from one address (a sliding window)."""

    def __init__(self, limit: int = RATE_LIMIT, window: float = RATE_WINDOW):
        self.limit, self.window = limit, window
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, address: str, at: float | None = None) -> bool:
        at = time.monotonic() if at is None else at
        with self._lock:
            hits = self._hits[address]
            while hits and at - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(at)
            if len(self._hits) > 10_000:  # forget idle addresses
                for key in [k for k, v in self._hits.items() if not v]:
                    del self._hits[key]
            return True


class SurveyServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, *, rate_limit: int = RATE_LIMIT, rate_window: float = RATE_WINDOW,
                 check_switch: bool = True):  # fmt: skip
        self.secret = secrets.token_bytes(32)
        self.limiter = RateLimiter(rate_limit, rate_window)
        self.check_switch = check_switch
        self._switch = (True, 0.0)
        super().__init__((host, port), SurveyHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return links.base_url(host, port)

    def csrf_for(self, token: str) -> str:
        return hmac.new(self.secret, token.encode(), hashlib.sha256).hexdigest()

    def switched_on(self) -> bool:
        if not self.check_switch:
            return True
        on, checked = self._switch
        if time.monotonic() - checked > SWITCH_CHECK_SECONDS:
            on = bool(app_settings.get("survey_enabled"))
            self._switch = (on, time.monotonic())
        return on


class SurveyHandler(BaseHTTPRequestHandler):
    server: SurveyServer
    server_version = "HuiFang"
    sys_version = ""
    timeout = REQUEST_TIMEOUT  # a client that stops sending half-way is dropped

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        # the link's token is the customer's key: never written to the log file
        log.info("扫码评价 %s %s", self.address_string(), _TOKEN_IN_PATH.sub("/s/…", format % args))

    # -- responses
    def _send(self, status: int, body: str, nonce: str = "") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header(
            "Content-Security-Policy",
            f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
            "img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _not_found(self, nonce: str) -> None:
        self._send(HTTPStatus.NOT_FOUND, pages.not_found_page(nonce), nonce)

    def _token(self) -> str | None:
        path = self.path.split("?", 1)[0]
        if not path.startswith(PATH_PREFIX):
            return None
        token = path[len(PATH_PREFIX) :]
        return token if token and "/" not in token else None

    def _guarded(self, handler) -> None:
        nonce = secrets.token_urlsafe(12)
        try:
            if not self.server.limiter.allow(self.client_address[0]):
                self._send(
                    HTTPStatus.TOO_MANY_REQUESTS,
                    pages.message_page("请稍后再试", "访问过于频繁，请稍等一分钟后再打开。", nonce),
                    nonce,
                )
                return
            if not self.server.switched_on():
                self._send(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    pages.message_page("暂停服务", "扫码评价暂时关闭，请稍后再试或联系客服。", nonce),
                    nonce,
                )
                return
            token = self._token()
            link = links.find(token) if token else None
            if link is None:
                self._not_found(nonce)
                return
            handler(link, nonce)
        except Exception:  # noqa: BLE001 - the customer sees a polite page, the log the detail
            log.exception("扫码评价页面出错")
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                pages.message_page("暂时无法打开", "页面出了点问题，请稍后再试或联系客服。", nonce),
                nonce,
            )
        finally:
            if not db.is_closed():
                db.close()

    # -- GET / POST
    def do_GET(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's name
        self._guarded(self._show)

    def do_HEAD(self) -> None:  # noqa: N802
        self._guarded(self._show)

    def do_POST(self) -> None:  # noqa: N802
        self._guarded(self._submit)

    def _show(self, link, nonce: str, form=None, errors=()) -> None:
        page = links.page_of(link)
        if page.state != links.OPEN:
            self._send(HTTPStatus.OK, pages.closed_page(page, nonce), nonce)
            return
        csrf = self.server.csrf_for(link.token)
        status = HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK
        self._send(status, pages.survey_page(page, link.token, csrf, nonce, form, errors), nonce)

    def _form(self) -> dict[str, str] | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY:
            return None
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            fields = parse_qs(raw, max_num_fields=MAX_FIELDS)
        except ValueError:  # more fields than any questionnaire has
            return None
        return {key: values[0] for key, values in fields.items()}

    def _submit(self, link, nonce: str) -> None:
        form = self._form()
        if form is None:
            self.close_connection = True
            self._send(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                pages.message_page("无法提交", "提交的内容过大，请清除签名后重新签字再提交。", nonce),
                nonce,
            )
            return
        if not hmac.compare_digest(form.get("csrf", ""), self.server.csrf_for(link.token)):
            self._send(
                HTTPStatus.FORBIDDEN,
                pages.message_page("页面已过期", "页面已过期，请重新打开评价链接后再提交。", nonce),
                nonce,
            )
            return
        try:
            links.submit(link.token, form)
        except links.LinkClosed:
            link = links.find(link.token)
            self._send(HTTPStatus.CONFLICT, pages.closed_page(links.page_of(link), nonce), nonce)
            return
        except ValidationErrors as errs:
            self._show(link, nonce, form, errs.errors)
            return
        except UserError as err:
            self._send(HTTPStatus.BAD_REQUEST, pages.message_page("无法提交", str(err), nonce), nonce)
            return
        page = links.page_of(link)
        self._send(HTTPStatus.OK, pages.thanks_page(page, nonce), nonce)


def start_in_thread(server: SurveyServer) -> threading.Thread:
    """Serve on a daemon thread; ``stop`` ends it."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                              name="扫码评价")  # fmt: skip
    thread.start()
    return thread


def stop(server: SurveyServer, thread: threading.Thread | None = None, timeout: float = 5.0) -> None:
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(timeout)
