"""Issue 16 item 2, the service side of the counter screen (柜台自助): a session is the task's
single-use link; the answers are saved through the phone page's own ``links.submit`` as 柜台自助;
starting registers the questionnaire as sent by 柜台自助 unless it was sent otherwise."""

from datetime import datetime

import pytest

from desktop.models import Answer, SurveyLink, Visit, VisitSignature, VisitTask
from desktop.models.visit import METHODS
from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.scheduling import chasing
from desktop.services.web import counter, links
from tests.test_web_survey import ANSWERS, task, tiny_png  # noqa: F401 (the fixture)


def test_counter_answers_are_saved_as_the_tasks_visit_through_the_link(task):  # noqa: F811
    session = counter.start(task.id)
    assert session.page.customer == "张**" and len(session.page.questions) == 6
    assert session.url.endswith(f"/s/{session.token}") and "张**" in session.who
    answers = {k: v for k, v in ANSWERS.items() if k != "feedback"}
    png = tiny_png()
    visit = counter.submit(session, answers, feedback="整体不错", signature_png=png)
    visit = Visit.get_by_id(visit.id)
    assert (visit.method, visit.visitor, visit.status, visit.sign_status) == (
        "柜台自助", "客户自助（柜台）", "已完成", "电子签名",
    )  # fmt: skip
    assert "柜台自助" in METHODS
    got = {a.question.kind: (a.value, a.text) for a in Answer.select().where(Answer.visit == visit.id)}
    assert got["level5"] == (4, "师傅很细心") and got["choice"] == (1, "") and got["text"] == (None, "下次早点来")
    assert bytes(VisitSignature.get(VisitSignature.visit == visit.id).image) == png
    assert VisitTask.get_by_id(task.id).status == "已完成"
    assert SurveyLink.get().visit_id == visit.id  # the link is used up: one saving path
    assert counter.state(session) == links.USED
    with pytest.raises(counter.LinkClosed):
        counter.submit(session, answers)
    assert Visit.select().count() == 1
    with pytest.raises(UserError, match="已完成"):  # a closed task cannot start again
        counter.start(task.id)


def test_a_missing_required_answer_saves_nothing(task):  # noqa: F811
    session = counter.start(task.id)
    with pytest.raises(ValidationErrors) as caught:
        counter.submit(session, {"q1": "4"})
    assert "score10题目" in str(caught.value)  # the next required question is named
    assert Visit.select().count() == 0 and VisitTask.get_by_id(task.id).status == "待回访"


def test_the_phone_and_the_counter_share_one_link(task):  # noqa: F811
    session = counter.start(task.id)
    phone_link = links.link_for_task(task.id)
    assert phone_link.token == session.token
    links.submit(phone_link.token, dict(ANSWERS))  # the customer used the QR on a tablet
    assert Visit.get().method == "扫码问卷"
    assert counter.state(session) == links.USED
    with pytest.raises(counter.LinkClosed):
        counter.submit(session, dict(ANSWERS))


def test_starting_registers_the_counter_send_once(task):  # noqa: F811
    counter.start(task.id, at=datetime(2024, 5, 6, 9, 0))
    row = VisitTask.get_by_id(task.id)
    assert (row.sent_via, row.sent_at) == ("柜台自助", datetime(2024, 5, 6, 9, 0))
    counter.start(task.id, at=datetime(2024, 5, 7, 9, 0))  # started again: the first send stays
    assert VisitTask.get_by_id(task.id).sent_at == datetime(2024, 5, 6, 9, 0)


def test_a_task_sent_by_sms_stays_an_sms_send(task):  # noqa: F811
    chasing.mark_sent([task.id], "短信", datetime(2024, 5, 6, 9, 0))
    counter.start(task.id, at=datetime(2024, 5, 8, 9, 0))
    assert VisitTask.get_by_id(task.id).sent_via == "短信"
