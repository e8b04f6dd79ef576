"""Issue 16 item 1: the 扫码评价 phone page, driven over plain HTTP against a server started on
127.0.0.1 (a free port) in a thread."""

import base64
import json
import re
import struct
import zlib
from datetime import datetime, timedelta
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from desktop.cli import main
from desktop.models import (
    Answer,
    Question,
    QuestionnaireTemplate,
    SurveyLink,
    Visit,
    VisitSignature,
    VisitTask,
)
from desktop.services.admin import settings
from desktop.services.intake import customers
from desktop.services.web import links, server

TIMEOUT = 10
KINDS = ("level5", "score10", "nps", "yesno", "choice", "text")


@pytest.fixture
def task(database):
    """An open task of 张三丰 (phone, address on file) whose questionnaire has every kind."""
    settings.set_value("survey_enabled", True)
    customer = customers.create_customer(
        {"code": "C1", "name": "张三丰", "phone": "13812345678", "address": "武当山紫霄宫1号"}
    )
    order = customers.create_order(
        {"order_no": "GD1", "customer_id": customer.id, "service_type": "维修", "product_model": "KFR-35GW",
         "completed_at": "2024-05-01 10:00"}
    )  # fmt: skip
    template = QuestionnaireTemplate.create(family="scan", name="扫码全题型", title="服务满意度评价")
    for position, kind in enumerate(KINDS):
        Question.create(
            template=template,
            position=position,
            text=f"{kind}题目",
            kind=kind,
            options=["上门", "电话", "到店"] if kind == "choice" else None,
            required=kind != "text",
            allow_comment=kind == "level5",
        )
    return VisitTask.create(customer=customer, order=order, template=template, trigger="首次回访")


@pytest.fixture
def serve(database):
    """Start a server (rate limit as given); stopped after the test, within seconds."""
    started = []

    def start(**kwargs):
        httpd = server.SurveyServer("127.0.0.1", 0, **kwargs)
        started.append((httpd, server.start_in_thread(httpd)))
        return httpd

    yield start
    for httpd, thread in started:
        server.stop(httpd, thread, timeout=5)
        assert not thread.is_alive()


def fetch(url, data=None):
    """(status, body) of a GET, or of a POST of the form ``data``."""
    body = urlencode(data).encode() if data is not None else None
    try:
        with urlopen(Request(url, data=body), timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except HTTPError as err:
        return err.code, err.read().decode()


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def tiny_png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00\x00\x00\x00\x00")
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


ANSWERS = {"q1": "4", "q1_note": "师傅很细心", "q2": "9", "q3": "0", "q4": "否", "q5": "电话",
           "q6": "下次早点来", "feedback": "整体不错"}  # fmt: skip


def test_the_page_shows_every_question_and_no_personal_data(task, serve):
    httpd = serve()
    url = links.url_of(links.link_for_task(task.id), httpd.url)
    status, page = fetch(url)
    assert status == 200
    assert 'name="viewport"' in page and "张**" in page and "维修" in page
    for number in range(1, 7):
        assert f'name="q{number}"' in page
    assert 'value="5"' in page and 'value="0"' in page and 'value="是"' in page and 'value="到店"' in page
    assert "非常满意" in page and 'name="q1_note"' in page and '<canvas id="pad"' in page
    for secret in ("张三丰", "13812345678", "5678", "武当山"):
        assert secret not in page


def test_a_submission_becomes_the_tasks_visit_once(task, serve):
    httpd = serve()
    url = links.url_of(links.link_for_task(task.id), httpd.url)
    _status, page = fetch(url)
    png = tiny_png()
    form = {**ANSWERS, "csrf": csrf_of(page), "signature": "data:image/png;base64," + base64.b64encode(png).decode()}
    status, thanks = fetch(url, form)
    assert status == 200 and "感谢" in thanks
    visit = Visit.get()
    assert (visit.task_id, visit.method, visit.status, visit.sign_status) == (task.id, "扫码问卷", "已完成", "电子签名")
    assert visit.feedback == "整体不错"
    got = {a.question.kind: (a.value, a.text) for a in Answer.select().where(Answer.visit == visit.id)}
    assert got == {"level5": (4, "师傅很细心"), "score10": (9, ""), "nps": (0, ""), "yesno": (0, ""),
                   "choice": (1, ""), "text": (None, "下次早点来")}  # fmt: skip
    assert bytes(VisitSignature.get(VisitSignature.visit == visit.id).image) == png
    assert VisitTask.get_by_id(task.id).status == "已完成"
    assert SurveyLink.get().visit_id == visit.id

    status, again = fetch(url, form)  # the same form sent twice
    assert status == 409 and "已经提交过" in again
    assert Visit.select().count() == 1
    status, reopened = fetch(url)
    assert status == 200 and "已经提交过" in reopened and "csrf" not in reopened


def test_a_missing_answer_is_named_and_nothing_is_saved(task, serve):
    httpd = serve()
    url = links.url_of(links.link_for_task(task.id), httpd.url)
    _status, page = fetch(url)
    form = {**ANSWERS, "csrf": csrf_of(page)}
    del form["q2"]
    status, again = fetch(url, form)
    assert status == 400 and "第2题" in again and "师傅很细心" in again  # what was typed stays
    assert Visit.select().count() == 0 and SurveyLink.get().used_at is None


def test_unknown_links_are_a_bare_404(task, serve):
    httpd = serve()
    real = links.link_for_task(task.id).token
    for path in ("/s/" + "A" * len(real), "/s/" + real[:-1], "/", "/s/", "/admin"):
        status, page = fetch(httpd.url + path)
        assert status == 404 and "页面不存在" in page and "过期" not in page and "提交" not in page
    status, _page = fetch(httpd.url + "/s/" + "A" * len(real), {"csrf": "x"})
    assert status == 404 and Visit.select().count() == 0


def test_an_expired_link_says_so_politely(task, serve):
    httpd = serve()
    link = links.link_for_task(task.id, at=datetime.now() - timedelta(days=30))
    status, page = fetch(links.url_of(link, httpd.url))
    assert status == 200 and "已经过期" in page and 'name="q1"' not in page
    assert settings.get("hotline") in page


def test_a_post_without_the_anti_forgery_token_is_refused(task, serve):
    httpd = serve()
    url = links.url_of(links.link_for_task(task.id), httpd.url)
    for form in (ANSWERS, {**ANSWERS, "csrf": "0" * 64}):
        status, page = fetch(url, form)
        assert status == 403 and "重新打开" in page
    other = serve()  # another server (a restart): the page's token is no longer valid
    _status, page = fetch(url)
    status, _page = fetch(links.url_of(SurveyLink.get(), other.url), {**ANSWERS, "csrf": csrf_of(page)})
    assert status == 403 and Visit.select().count() == 0


def test_requests_are_rate_limited_per_address(task, serve):
    httpd = serve(rate_limit=3, rate_window=60)
    url = links.url_of(links.link_for_task(task.id), httpd.url)
    assert [fetch(url)[0] for _ in range(3)] == [200, 200, 200]
    status, page = fetch(url)
    assert status == 429 and "稍" in page
    assert fetch(httpd.url + "/s/unknown")[0] == 429  # guessing links counts too


def test_the_rate_limiter_window_slides():
    limiter = server.RateLimiter(limit=2, window=10)
    assert limiter.allow("a", 0) and limiter.allow("a", 1) and not limiter.allow("a", 2)
    assert limiter.allow("b", 2)  # per address
    assert limiter.allow("a", 10.5)  # the first hit left the window


def test_switched_off_the_pages_are_closed(task, serve):
    httpd = serve()
    url = links.url_of(links.link_for_task(task.id), httpd.url)
    settings.set_value("survey_enabled", False)
    httpd._switch = (True, 0.0)  # the next request reads the setting again
    status, page = fetch(url)
    assert status == 503 and 'name="q1"' not in page


def test_a_link_is_kept_until_used_and_then_renewed(task):
    first = links.link_for_task(task.id)
    assert links.link_for_task(task.id).token == first.token
    assert len(base64.urlsafe_b64decode(first.token + "==")) * 8 >= 128
    days = settings.get("survey_link_days")
    assert (first.expires_at - first.created_at).days == days
    SurveyLink.update(used_at=datetime.now()).execute()
    VisitTask.update(status="待回访").execute()
    assert links.link_for_task(task.id).token != first.token


def test_cli_link_and_serve(task, db_target, capsys):
    assert main(["--db", db_target, "link", "--task", str(task.id), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["url"] == f"http://127.0.0.1:8765/s/{SurveyLink.get().token}"
    assert main(["--db", db_target, "link", "--task", "999"]) == 2
    assert "999" in capsys.readouterr().err
    settings.set_value("survey_enabled", False)
    assert main(["--db", db_target, "serve", "--port", "0"]) == 2
    assert "扫码评价未开启" in capsys.readouterr().err


def test_settings_check_the_address_port_and_days(database):
    from desktop.services.common.errors import ValidationErrors

    clean = settings.validate_values({"survey_host": "0.0.0.0", "survey_port": "9000", "survey_link_days": 7})
    assert clean == {"survey_host": "0.0.0.0", "survey_port": 9000, "survey_link_days": 7}
    with pytest.raises(ValidationErrors) as caught:
        settings.validate_values({"survey_host": "店里电脑", "survey_port": 80, "survey_link_days": 0})
    assert caught.value.fields == ["扫码评价监听地址", "扫码评价端口", "扫码评价链接有效天数"]
    assert settings.get("survey_enabled") is False


def test_the_customers_answers_are_not_the_signed_in_persons(team, task, serve):
    """A 只读 account signed in on this PC cannot make links, but the customer's submission is
    saved all the same — under 客户自助, not under the signed-in name."""
    from conftest import TEAM_PASSWORD

    from desktop.services.admin import accounts
    from desktop.services.admin.accounts import PermissionDenied

    httpd = serve()
    url = links.url_of(links.link_for_task(task.id), httpd.url)  # nobody signed in yet
    accounts.login("hq", TEAM_PASSWORD)
    with pytest.raises(PermissionDenied):
        links.link_for_task(task.id)
    _status, page = fetch(url)
    assert fetch(url, {**ANSWERS, "csrf": csrf_of(page)})[0] == 200
    assert Visit.get().visitor == links.SELF_SERVICE_VISITOR


def test_the_log_never_holds_a_links_token(task, serve, caplog):
    import logging

    httpd = serve()
    link = links.link_for_task(task.id)
    with caplog.at_level(logging.INFO, logger="desktop.services.web.server"):
        fetch(links.url_of(link, httpd.url))
        fetch(httpd.url + "/s/guessed-token")
    assert "扫码评价" in caplog.text and "/s/…" in caplog.text
    assert link.token not in caplog.text and "guessed-token" not in caplog.text


def test_an_oversized_or_overlong_form_is_refused(task, serve):
    httpd = serve()
    url = links.url_of(links.link_for_task(task.id), httpd.url)
    status, _page = fetch(url, {f"x{i}": "1" for i in range(server.MAX_FIELDS + 1)})
    assert status == 413
    # a body announced too large is refused before it is read
    from http.client import HTTPConnection
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    con = HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        con.putrequest("POST", parts.path)
        con.putheader("Content-Length", str(server.MAX_BODY + 1))
        con.endheaders()
        assert con.getresponse().status == 413
    finally:
        con.close()
    assert Visit.select().count() == 0
