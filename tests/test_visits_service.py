from datetime import date, datetime, timedelta

import pytest

from desktop.models import Answer, CallAttempt, ProblemCategory, Visit, VisitProblem, VisitTask
from desktop.services.admin import settings
from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.intake import customers
from desktop.services.visits import calls, templates, visit_list, visits
from desktop.services.visits.visits import VisitInput


@pytest.fixture
def setup(database):
    customer = customers.create_customer(
        {
            "code": "C202310001",
            "name": "张三",
            "title": "先生",
            "phone": "13812345678",
            "address": "北京市海淀区",
        }
    )
    order = customers.create_order(
        {
            "order_no": "GD20231015001",
            "customer_id": customer.id,
            "service_type": "维修",
            "product_model": "KFR-35GW",
            "engineer": "李工",
            "completed_at": "2023-10-15 14:00",
        }
    )
    task = VisitTask.create(customer=customer, order=order, trigger="首次回访")
    template = templates.active_template("after_sales")
    questions = templates.questions_of(template)
    return customer, order, task, template, questions


def _full_answers(questions):
    """Every question of the after-sales template answered (5 levels 4, NPS 9, text)."""
    answers = {}
    for q in questions:
        if q.kind == "level5":
            answers[q.id] = (4, "")
        elif q.kind == "nps":
            answers[q.id] = (9, "")
        else:
            answers[q.id] = (None, "上门前请先电话确认")
    return answers


def _input(setup, **overrides) -> VisitInput:
    customer, order, task, template, questions = setup
    data = VisitInput(
        customer_id=customer.id,
        order_id=order.id,
        task_id=task.id,
        template_id=template.id,
        visit_date=date(2023, 10, 20),
        method="电话",
        visitor="王芳",
        answers=_full_answers(questions),
        feedback="工程师很专业。\n希望上门前先打电话。",
        mood="满意",
        repurchase=True,
        problem_ids=[ProblemCategory.get(name="响应速度类").id],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def test_final_save_writes_visit_answers_tags_and_completes_the_task(setup):
    customer, order, task, template, questions = setup
    visit = visits.save_visit(_input(setup), final=True)
    assert visit.status == "已完成"
    assert Answer.select().where(Answer.visit == visit.id).count() == len(questions)
    assert [p.category.name for p in VisitProblem.select().where(VisitProblem.visit == visit.id)] == [
        "响应速度类"
    ]
    assert VisitTask.get_by_id(task.id).status == "已完成"
    saved = Visit.get_by_id(visit.id)
    assert saved.feedback == "工程师很专业。\n希望上门前先打电话。"
    assert saved.repurchase and saved.mood == "满意" and saved.order_id == order.id


def test_final_save_names_each_missing_required_question_and_saves_nothing(setup):
    *_, task, _template, questions = setup
    answers = _full_answers(questions)
    del answers[questions[2].id]  # 问题解决效果
    del answers[questions[5].id]  # 推荐意愿 (NPS)
    del answers[questions[6].id]  # open suggestion: not required
    with pytest.raises(ValidationErrors) as info:
        visits.save_visit(_input(setup, answers=answers), final=True)
    messages = [str(e) for e in info.value.errors]
    assert messages == ["第3题 问题解决效果：必答题未作答", "第6题 推荐意愿：必答题未作答"]
    assert [e.question_id for e in info.value.errors] == [questions[2].id, questions[5].id]
    assert Visit.select().count() == 0 and Answer.select().count() == 0
    assert VisitTask.get_by_id(task.id).status == "待回访"


def test_draft_keeps_whatever_is_filled(setup):
    *_, task, _template, questions = setup
    answers = {questions[0].id: (5, ""), questions[1].id: (None, "")}
    visit = visits.save_visit(_input(setup, answers=answers), final=False)
    assert visit.status == "草稿"
    assert [(a.question_id, a.value) for a in Answer.select()] == [(questions[0].id, 5)]
    assert VisitTask.get_by_id(task.id).status == "待回访"


def test_resave_replaces_answers_and_tags(setup):
    *_, questions = setup
    visit = visits.save_visit(_input(setup), final=False)
    answers = _full_answers(questions)
    answers[questions[0].id] = (2, "工程师态度一般")
    del answers[questions[6].id]
    cats = [ProblemCategory.get(name="服务态度类").id, ProblemCategory.get(name="价格类").id]
    again = visits.save_visit(_input(setup, answers=answers, problem_ids=cats), final=True, visit_id=visit.id)
    assert again.id == visit.id and Visit.select().count() == 1
    rows = {a.question_id: (a.value, a.text) for a in Answer.select().where(Answer.visit == visit.id)}
    assert len(rows) == len(questions) - 1
    assert rows[questions[0].id] == (2, "工程师态度一般")
    assert {p.category_id for p in VisitProblem.select()} == set(cats)


def test_load_visit_returns_what_was_saved(setup):
    data = _input(setup, respondent="张太太", respondent_is_customer=False, sign_status="纸质已签")
    visit = visits.save_visit(data, final=True)
    loaded = visits.load_visit(visit.id)
    assert loaded.visit_id == visit.id and loaded.status == "已完成"
    for key in (
        "customer_id",
        "order_id",
        "task_id",
        "template_id",
        "visit_date",
        "method",
        "visitor",
        "respondent",
        "respondent_is_customer",
        "answers",
        "feedback",
        "mood",
        "repurchase",
        "problem_ids",
        "sign_status",
    ):
        assert getattr(loaded, key) == getattr(data, key), key


@pytest.mark.parametrize(
    ("index", "value", "fragment"),
    [(0, 6, "1 到 5"), (0, 0, "1 到 5"), (5, 11, "0 到 10"), (5, -1, "0 到 10"), (6, 3, "文字题")],
)
def test_values_out_of_range_are_refused(setup, index, value, fragment):
    *_, questions = setup
    answers = _full_answers(questions)
    answers[questions[index].id] = (value, "")
    with pytest.raises(ValidationErrors) as info:
        visits.save_visit(_input(setup, answers=answers), final=False)
    assert f"第{index + 1}题" in str(info.value) and fragment in str(info.value)
    assert Visit.select().count() == 0


def test_yesno_and_score_ranges(database):
    customer = customers.create_customer({"code": "C1", "name": "王五", "phone": "13900001111"})
    tpl = templates.active_template("car_service")
    qs = templates.questions_of(tpl)
    yesno = next(q for q in qs if q.kind == "yesno")
    score = next(q for q in qs if q.kind == "score10")
    base = {"customer_id": customer.id, "template_id": tpl.id, "visit_date": date(2024, 1, 5)}
    with pytest.raises(ValidationErrors, match="0 到 1"):
        visits.save_visit(VisitInput(**base, answers={yesno.id: (2, "")}), final=False)
    with pytest.raises(ValidationErrors, match="1 到 10"):
        visits.save_visit(VisitInput(**base, answers={score.id: (0, "")}), final=False)
    visit = visits.save_visit(
        VisitInput(**base, answers={yesno.id: (0, ""), score.id: (10, "")}), final=False
    )
    assert {a.question_id: a.value for a in visit.answers} == {yesno.id: 0, score.id: 10}


def test_visit_date_in_future_and_missing_customer_refused(setup):
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(ValidationErrors) as info:
        visits.save_visit(_input(setup, visit_date=tomorrow, customer_id=None, task_id=None), final=False)
    fields = info.value.fields
    assert "回访日期" in fields and "客户" in fields
    assert Visit.select().count() == 0


def test_order_of_another_customer_refused(setup):
    other = customers.create_customer({"code": "C2", "name": "李四", "phone": "13900002222"})
    with pytest.raises(ValidationErrors, match="不属于客户"):
        visits.save_visit(_input(setup, customer_id=other.id, task_id=None), final=False)


def test_completed_visit_cannot_return_to_draft(setup):
    visit = visits.save_visit(_input(setup), final=True)
    with pytest.raises(UserError, match="不能再改回草稿"):
        visits.save_visit(_input(setup), final=False, visit_id=visit.id)
    assert Visit.get_by_id(visit.id).status == "已完成"


def test_retired_question_is_not_required(setup):
    _c, _o, _t, template, questions = setup
    templates.retire_question(template, questions[2].position)  # unused template: edited in place
    answers = _full_answers(questions)
    del answers[questions[2].id]
    visit = visits.save_visit(_input(setup, answers=answers), final=True)
    assert visit.status == "已完成"
    # the numbering skips the retired question: the old 第4题 is now 第3题
    answers = _full_answers(questions)
    del answers[questions[2].id], answers[questions[3].id]
    with pytest.raises(ValidationErrors) as info:
        visits.save_visit(_input(setup, answers=answers, task_id=None), final=True)
    assert [str(e) for e in info.value.errors] == ["第3题 流程便捷性：必答题未作答"]


def test_one_transaction_nothing_half_saved(setup, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(VisitProblem, "insert_many", boom)
    with pytest.raises(RuntimeError):
        visits.save_visit(_input(setup), final=True)
    assert Visit.select().count() == 0 and Answer.select().count() == 0
    assert VisitTask.get_by_id(setup[2].id).status == "待回访"


def test_attempt_ids_are_linked_to_the_visit(setup):
    customer, _o, task, *_ = setup
    first = calls.record_attempt(customer.id, "无法接通", task_id=task.id)
    ok = calls.record_attempt(customer.id, "方便", task_id=task.id)
    visit = visits.save_visit(_input(setup, attempt_ids=[first.attempt_id, ok.attempt_id]), final=True)
    assert {a.visit_id for a in CallAttempt.select()} == {visit.id}


# ---------------------------------------------------------------- call attempts
def test_not_convenient_needs_future_time_and_reason_and_books_the_task(setup):
    customer, _o, task, *_ = setup
    with pytest.raises(ValidationErrors) as info:
        calls.record_attempt(customer.id, "不方便", task_id=task.id)
    assert set(info.value.fields) == {"下次联系时间", "原因"}
    past = datetime.now() - timedelta(hours=1)
    with pytest.raises(ValidationErrors, match="已经过去"):
        calls.record_attempt(customer.id, "不方便", reason="开车", next_at=past, task_id=task.id)
    assert CallAttempt.select().count() == 0
    when = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    result = calls.record_attempt(customer.id, "不方便", reason="正在开车", next_at=when, task_id=task.id)
    task = VisitTask.get_by_id(task.id)
    assert task.status == "已预约" and task.next_attempt_at == when
    assert result.task_status == "已预约" and "正在开车" in result.message
    attempt = CallAttempt.get_by_id(result.attempt_id)
    assert attempt.reason == "正在开车" and attempt.next_at == when


def test_three_unanswered_calls_mark_the_task_unreachable(setup):
    customer, _o, task, *_ = setup
    counts = []
    for _ in range(3):
        result = calls.record_attempt(customer.id, "无法接通", task_id=task.id)
        counts.append((result.unanswered, VisitTask.get_by_id(task.id).status))
    assert counts == [(1, "待回访"), (2, "待回访"), (3, "无法联系")]
    assert "无法联系" in result.message


def test_refusal_marks_the_task(setup):
    customer, _o, task, *_ = setup
    calls.record_attempt(customer.id, "拒访", reason="不想接受回访", task_id=task.id)
    assert VisitTask.get_by_id(task.id).status == "拒访"


def test_wrong_person_records_who_answered(setup):
    customer, _o, task, *_ = setup
    with pytest.raises(ValidationErrors, match="接听人"):
        calls.record_attempt(customer.id, "非本人", task_id=task.id)
    result = calls.record_attempt(
        customer.id, "非本人", answered_by="张太太", uses_product=True, task_id=task.id
    )
    attempt = CallAttempt.get_by_id(result.attempt_id)
    assert attempt.answered_by == "张太太" and attempt.detail == {"uses_product": True}
    assert VisitTask.get_by_id(task.id).status == "待回访"
    log = calls.attempts_of(customer.id)
    assert log[0][1] == "非本人" and "张太太（使用人）" in log[0][2]


def test_unknown_outcome_refused(setup):
    with pytest.raises(ValidationErrors):
        calls.record_attempt(setup[0].id, "占线")


def test_next_good_slot_follows_the_working_calendar():
    # Fri 2024-09-27 16:00 → Sun 2024-09-29 is a 调休 working day
    assert calls.next_good_slot(datetime(2024, 9, 27, 16, 0)) == datetime(2024, 9, 29, 10, 0)
    assert calls.next_good_slot(datetime(2024, 9, 27, 10, 30)) == datetime(2024, 9, 27, 15, 0)
    assert calls.next_good_slot(datetime(2024, 9, 30, 18, 0)) == datetime(2024, 10, 8, 10, 0)


# ---------------------------------------------------------------- call script
def test_call_context_and_script(setup):
    customer, order, *_ = setup
    settings.set_value("company_name", "顺达家电维修")
    settings.set_value("hotline", "400-123-4567")
    settings.set_value("reply_workdays", 2)
    ctx = calls.call_context(customer.id, order.id, visitor="王芳", today=date(2023, 10, 20))
    assert ctx["customer"] == "张先生" and ctx["product"] == "KFR-35GW" and ctx["engineer"] == "李工"
    tpl = templates.active_template("after_sales")
    opening = calls.render_script(tpl.opening, ctx)
    assert opening.startswith(
        "张先生您好！我是顺达家电维修的客服王芳。您10月15日办理的KFR-35GW维修服务已经完成"
    )
    closing = calls.render_script(tpl.closing, ctx)
    assert "2个工作日内" in closing and "400-123-4567" in closing and "{" not in closing
    other_year = calls.call_context(customer.id, order.id, today=date(2024, 2, 1))
    assert other_year["service_date"] == "2023年10月15日"
    assert calls.render_script("您好{broken", ctx) == "您好{broken"


def test_salutation():
    from desktop.models import Customer

    assert calls.salutation(Customer(name="欧阳娜娜", title="女士")) == "欧阳女士"
    assert calls.salutation(Customer(name="李明", title="")) == "李明"
    assert (
        calls.salutation(Customer(name="华夏电器有限公司", title="先生", ctype="企业客户"))
        == "华夏电器有限公司"
    )


# ---------------------------------------------------------------- the list
def test_visit_rows_search_filter_and_sort(setup):
    customer, order, task, template, questions = setup
    first = visits.save_visit(_input(setup), final=True)
    other = customers.create_customer({"code": "C202310002", "name": "李四", "phone": "13900002222"})
    second = visits.save_visit(
        VisitInput(
            customer_id=other.id, template_id=template.id, visit_date=date(2023, 11, 1), visitor="赵敏"
        ),
        final=False,
    )
    assert visit_list.count_visits() == 2
    rows = visit_list.visit_rows("", 0, 50, "visit_date", True)
    assert [r[0] for r in rows] == [second.id, first.id]
    row = rows[1]
    assert row[1] == date(2023, 10, 20) and row[2] == "张三" and row[3] == "GD20231015001"
    assert row[4] == "维修" and row[8] == "已完成" and row[9] == "满意" and row[10] is True
    assert row[12] == "响应速度类"
    assert [r[0] for r in visit_list.visit_rows("GD2023", 0, 50, "visit_date", True)] == [first.id]
    assert [r[0] for r in visit_list.visit_rows("1390000", 0, 50, "visit_date", True)] == [second.id]
    assert visit_list.count_visits("赵敏") == 1
    assert [r[0] for r in visit_list.visit_rows("", 0, 50, "customer", False, status="草稿")] == [second.id]
    assert visit_list.count_visits(status="已完成") == 1
    assert [r[0] for r in visit_list.visit_rows("", 1, 1, "visit_date", False)] == [second.id]


def test_delete_draft_only(setup):
    done = visits.save_visit(_input(setup), final=True)
    draft = visits.save_visit(_input(setup, task_id=None), final=False)
    with pytest.raises(UserError):
        visits.delete_draft(done.id)
    visits.delete_draft(draft.id)
    assert [v.id for v in Visit.select()] == [done.id]


def test_find_open_task_and_draft(setup):
    customer, order, task, *_ = setup
    assert visits.find_open_task(customer.id, order.id) == task.id
    assert visits.draft_for_task(task.id) is None
    draft = visits.save_visit(_input(setup), final=False)
    assert visits.draft_for_task(task.id) == draft.id
    visits.save_visit(_input(setup), final=True, visit_id=draft.id)
    assert visits.find_open_task(customer.id, order.id) is None


def test_find_open_task_without_order_only_takes_tasks_without_order(setup):
    customer, _order, _task, *_ = setup
    assert visits.find_open_task(customer.id) is None
    loose = VisitTask.create(customer=customer, trigger="季度回访")
    assert visits.find_open_task(customer.id) == loose.id


def test_pick_rows_search_by_order_phone_and_code(setup):
    customer, order, *_ = setup
    by_order = visit_list.pick_rows("GD20231015")
    assert by_order[0][:2] == (customer.id, order.id) and "GD20231015001" in by_order[0][2]
    by_phone = visit_list.pick_rows("138 1234")
    assert (customer.id, order.id) in [r[:2] for r in by_phone]
    by_code = visit_list.pick_rows("C202310001")
    assert (customer.id, None) in [r[:2] for r in by_code]
    assert visit_list.customer_orders(customer.id)[-1][1] is None


# ---------------------------------------------------------------- three rules of a visit (issue 11)
def test_a_cancelled_task_cannot_be_filled_in_or_completed(setup):
    customer, order, task, template, questions = setup
    VisitTask.update(status="已取消").where(VisitTask.id == task.id).execute()
    for final in (False, True):
        with pytest.raises(ValidationErrors) as err:
            visits.save_visit(_input(setup), final=final)
        assert err.value.fields == ["回访任务"]
        assert "已取消" in str(err.value) and "新建" in str(err.value)
    with pytest.raises(UserError, match="已取消"):
        visits.task_for_filling(task.id)
    assert Visit.select().count() == 0 and VisitTask.get_by_id(task.id).status == "已取消"


def test_a_visit_date_before_the_service_was_completed_is_refused(setup):
    # the order was completed on 2023-10-15 14:00
    with pytest.raises(ValidationErrors) as err:
        visits.save_visit(_input(setup, visit_date=date(2023, 10, 14)), final=True)
    assert err.value.fields == ["回访日期"]
    message = str(err.value)
    assert "2023-10-14" in message and "2023-10-15" in message and "GD20231015001" in message
    same_day = visits.save_visit(_input(setup, visit_date=date(2023, 10, 15)), final=True)
    assert same_day.visit_date == date(2023, 10, 15)


def test_a_completed_visit_names_its_visitor(setup):
    with pytest.raises(ValidationErrors) as err:
        visits.save_visit(_input(setup, visitor="  "), final=True)
    assert err.value.fields == ["回访人员"] and "回访人员" in str(err.value.errors[0].message)
    draft = visits.save_visit(_input(setup, visitor=""), final=False)  # a draft may leave it open
    assert draft.status == "草稿"
    done = visits.save_visit(_input(setup, visitor="王芳"), final=True, visit_id=draft.id)
    assert done.status == "已完成" and done.visitor == "王芳"
