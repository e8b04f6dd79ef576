"""改进方案表 service: create → 进行中 → 已完成 → 二次回访 → 已闭环, failures, rules, table rows."""

from datetime import date

import pytest

from desktop.models import (
    ActionLog,
    ActionTask,
    ActionVisit,
    Answer,
    Customer,
    ImprovementAction,
    ProblemCategory,
    ServiceOrder,
    Visit,
    VisitProblem,
    VisitTask,
)
from desktop.services.common.errors import UserError, ValidationError, ValidationErrors
from desktop.services.improvement import dossier, flow, plan_table
from desktop.services.improvement import improvement as svc
from desktop.services.visits.templates import active_template, questions_of
from desktop.services.visits.visits import VisitInput, save_visit

TODAY = date(2024, 9, 27)  # a Friday before the National Day holiday


def make_visit(
    name, phone, code, levels=(4, 4, 2), feedback="", *, day=date(2024, 9, 20), order=True, **extra
):
    customer = Customer.get_or_none(Customer.code == code) or Customer.create(
        code=code, name=name, phone=phone, **extra
    )
    order_row = None
    if order:
        order_row = ServiceOrder.create(
            order_no=f"WX-{code}-{ServiceOrder.select().count()}",
            customer=customer,
            service_type="维修",
            product_model="KFR-35GW",
            engineer="李强",
        )
    template = active_template("after_sales")
    visit = Visit.create(
        customer=customer,
        order=order_row,
        template=template,
        status="已完成",
        visit_date=day,
        method="电话",
        feedback=feedback,
    )
    by_dimension = {q.dimension: q for q in questions_of(template)}
    for dimension, value in zip(("服务态度", "响应及时性", "问题解决效果"), levels, strict=True):
        if value is not None:
            Answer.create(visit=visit, question=by_dimension[dimension], value=value)
    return visit


@pytest.fixture
def visits(database):
    """Three negative visits of two customers (the seed's row first)."""
    category = ProblemCategory.get(ProblemCategory.name == "流程便捷性类")
    first = make_visit(
        "张伟", "13812345678", "C202310001", (4, 3, 2), "维修师傅第一次上门时未携带空调滤网，导致需二次预约"
    )
    second = make_visit("李娜", "13987654321", "C202310002", (3, 2, 2), "备件没货，等了一周")
    third = make_visit("张伟", "13812345678", "C202310001", (4, 4, 3), "又缺配件", day=date(2024, 9, 22))
    for v in (first, second, third):
        VisitProblem.create(visit=v, category=category)
    return category, [first, second, third]


def seed_input(category, visits, **changes) -> svc.ActionInput:
    data = svc.ActionInput(
        problem="多位客户反映维修备件短缺导致二次上门",
        measure="备件库存预警，低于阈值自动补货",
        department="物流部",
        owner="张建军",
        deadline=date(2024, 10, 10),
        acceptance="常用备件缺货率≤2%",
        expected_effect="问题一次性解决率提升至85%",
        category_id=category.id,
        visit_ids=[v.id for v in visits],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def answer_verification(task: VisitTask, satisfaction: int, solved: bool, day=TODAY, final=True) -> Visit:
    """Save the verification visit of ``task`` through the visits service, as the form does."""
    template = active_template("verification")
    questions = {q.dimension: q for q in questions_of(template)}
    answers = {}
    if satisfaction is not None:
        answers[questions["改进满意度"].id] = (satisfaction, "")
    if solved is not None:
        answers[questions["问题解决"].id] = (1 if solved else 0, "")
    data = VisitInput(
        customer_id=task.customer_id,
        task_id=task.id,
        template_id=template.id,
        visit_date=day,
        answers=answers,
        visitor="王小丽",
    )
    visit = save_visit(data, final=final, today=day)
    flow.on_visit_saved(visit.id, today=day)
    return visit


def tasks_of(action) -> list[VisitTask]:
    return list(
        VisitTask.select()
        .join(ActionTask, on=(ActionTask.task == VisitTask.id))
        .where(ActionTask.action == action.id)
        .order_by(VisitTask.id)
    )


def statuses(action) -> list[tuple[str, str]]:
    return [
        (r.status_from, r.status_to)
        for r in ActionLog.select().where(ActionLog.action == action.id).order_by(ActionLog.id)
        if r.status_to
    ]


# ---------------------------------------------------------------- creating
def test_create_links_visits_and_logs(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), "杨慧", today=TODAY)
    assert action.status == "未启动"
    assert {a.visit_id for a in ActionVisit.select().where(ActionVisit.action == action)} == {
        v.id for v in rows
    }
    log = ActionLog.get(ActionLog.action == action)
    assert (log.status_from, log.status_to, log.author) == ("", "未启动", "杨慧")
    assert "关联 3 条回访反馈" in log.note


def test_create_refuses_missing_fields_and_past_deadline_naming_each(visits):
    category, rows = visits
    data = seed_input(category, rows, measure=" ", department="", owner="", deadline=date(2024, 9, 26))
    with pytest.raises(ValidationErrors) as err:
        svc.create_action(data, today=TODAY)
    assert err.value.fields == ["改进措施", "责任部门", "责任人", "完成时限"]
    assert "早于今天" in str(err.value)
    assert ImprovementAction.select().count() == 0 and ActionLog.select().count() == 0
    with pytest.raises(ValidationErrors, match="完成时限"):
        svc.create_action(seed_input(category, rows, deadline="下周"), today=TODAY)
    with pytest.raises(ValidationErrors, match="完成时限：请填写"):
        svc.create_action(seed_input(category, rows, deadline=None), today=TODAY)


def test_create_refuses_draft_or_missing_visits(visits):
    category, rows = visits
    Visit.update(status="草稿").where(Visit.id == rows[0].id).execute()
    with pytest.raises(ValidationErrors, match="关联回访"):
        svc.create_action(seed_input(category, rows), today=TODAY)
    with pytest.raises(ValidationErrors, match="关联回访"):
        svc.create_action(seed_input(category, [], visit_ids=[9999]), today=TODAY)


def test_prefill_from_category_and_from_visits(visits):
    category, rows = visits
    candidates = svc.candidate_visits(category_id=category.id)
    assert [c.id for c in candidates] == [rows[2].id, rows[1].id, rows[0].id]  # latest first
    assert svc.default_problem(visit_ids=[rows[0].id]) == "维修师傅第一次上门时未携带空调滤网，导致需二次预约"
    text = svc.default_problem(category.id, [v.id for v in rows])
    assert text.startswith("流程便捷性类问题（3 条回访反馈）")
    assert svc.common_category([rows[0].id]) == category.id
    assert svc.find_category("流程便捷性类") == category.id == svc.find_category(str(category.id))
    action = svc.create_action(seed_input(category, rows[:1]), today=TODAY)
    linked = {c.id: c.linked_to for c in svc.candidate_visits(category_id=category.id)}
    assert linked[rows[0].id] == (action.id,) and linked[rows[1].id] == ()


# ---------------------------------------------------------------- the whole flow
def test_whole_flow_to_closed(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), "杨慧", today=TODAY)
    flow.change_status(action.id, "进行中", note="与仓库核定安全库存", author="张建军", today=TODAY)
    flow.add_progress(action.id, "第2周：预警规则开发中", "张建军")
    action = flow.change_status(
        action.id, "已完成", completed_on=TODAY, completion_note="完成系统调试", author="张建军", today=TODAY
    )
    # 已完成 created the verification visits and moved on to 效果验证中 (both logged)
    assert action.status == "效果验证中"
    assert action.completed_on == TODAY and action.completion_note == "完成系统调试"
    assert statuses(action) == [
        ("", "未启动"),
        ("未启动", "进行中"),
        ("进行中", "已完成"),
        ("已完成", "效果验证中"),
    ]
    progress = ActionLog.get((ActionLog.action == action) & (ActionLog.status_to == ""))
    assert progress.note == "第2周：预警规则开发中" and progress.author == "张建军"
    tasks = tasks_of(action)
    # one task per distinct customer (张伟 has two visits), on the verification questionnaire
    assert sorted(t.customer.name for t in tasks) == ["张伟", "李娜"]
    verification = active_template("verification")
    for t in tasks:
        assert t.trigger == "二次回访" and t.status == "待回访" and t.order_id is None
        assert t.template_id == verification.id
        # next working day … 5th working day: Sun 09-29 is a 调休 working day, 10-01…07 holiday
        assert (t.earliest, t.latest) == (date(2024, 9, 29), date(2024, 10, 10))
    assert flow.verification_outcome(action.id).state == "pending"

    answer_verification(tasks[0], 5, True)
    assert ImprovementAction.get_by_id(action.id).status == "效果验证中"  # one still to visit
    outcome = flow.verification_outcome(action.id)
    assert outcome.state == "pending" and "还有 1 位待回访" in outcome.summary

    answer_verification(tasks[1], 4, True)
    action = ImprovementAction.get_by_id(action.id)
    assert action.status == "已闭环" and action.closed_on == TODAY
    assert action.verification_result == "2 位客户二次回访：2 位满意，问题均已解决"
    assert statuses(action)[-1] == ("效果验证中", "已闭环")
    assert {t.status for t in tasks_of(action)} == {"已完成"}
    # closed is final
    with pytest.raises(UserError, match="已闭环"):
        flow.change_status(action.id, "进行中", note="再看看", today=TODAY)


def test_failed_verification_reopens_then_second_round_closes(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    first, second = tasks_of(action)
    answer_verification(first, 3, True)  # 一般: not satisfied → fails at once
    action = ImprovementAction.get_by_id(action.id)
    assert action.status == "进行中" and action.verification_result == "" and action.closed_on is None
    last = ActionLog.select().where(ActionLog.action == action).order_by(ActionLog.id.desc()).first()
    assert (last.status_from, last.status_to) == ("效果验证中", "进行中")
    assert "二次回访未通过" in last.note and "张伟" in last.note and "一般" in last.note
    # the other customer's call is no longer needed
    assert VisitTask.get_by_id(second.id).status == "已取消"

    flow.change_status(action.id, "已完成", completion_note="补充调整预警阈值", today=TODAY)
    round2 = [t for t in tasks_of(action) if t.id not in (first.id, second.id)]
    assert len(round2) == 2 and {t.trigger for t in round2} == {"二次回访（第2轮）"}
    answer_verification(round2[0], 5, True)
    answer_verification(round2[1], 4, False)  # satisfied but the problem is not solved
    action = ImprovementAction.get_by_id(action.id)
    assert action.status == "进行中"
    assert (
        "问题未解决"
        in ActionLog.select().where(ActionLog.action == action).order_by(ActionLog.id.desc()).first().note
    )

    flow.change_status(action.id, "已完成", completion_note="更换供应商", today=TODAY)
    round3 = tasks_of(action)[-2:]
    for t in round3:
        answer_verification(t, 5, True)
    assert ImprovementAction.get_by_id(action.id).status == "已闭环"


def test_unreachable_customers_are_left_out_and_all_unreachable_needs_a_person(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    first, second = tasks_of(action)
    VisitTask.update(status="无法联系").where(VisitTask.id == second.id).execute()
    assert flow.close_if_verified(action.id, today=TODAY) is None
    answer_verification(first, 4, True)
    action = ImprovementAction.get_by_id(action.id)
    assert action.status == "已闭环"
    assert action.verification_result == "1 位客户二次回访：1 位满意，问题均已解决；1 位未能回访（李娜无法联系）"


def test_nobody_reached_stays_pending_and_can_be_closed_by_hand(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    VisitTask.update(status="拒访").where(VisitTask.id.in_([t.id for t in tasks_of(action)])).execute()
    outcome = flow.verification_outcome(action.id)
    assert outcome.state == "pending" and "人工验证" in outcome.summary
    assert flow.check_verifications(today=TODAY) == []
    with pytest.raises(ValidationErrors, match="验证结果"):
        flow.change_status(action.id, "已闭环", today=TODAY)
    flow.change_status(action.id, "已闭环", verification_result="内部抽查20单，均未再缺件", today=TODAY)
    assert ImprovementAction.get_by_id(action.id).verification_result == "内部抽查20单，均未再缺件"


def test_missing_answers_keep_it_pending(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows[1:2]), today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    (task,) = tasks_of(action)
    visit = answer_verification(task, 5, None, final=False)  # a draft does not count
    assert flow.verification_outcome(action.id).state == "pending"
    Visit.update(status="已完成").where(Visit.id == visit.id).execute()  # completed without 问题解决
    outcome = flow.verification_outcome(action.id)
    assert outcome.state == "pending" and "未回答“问题解决”" in outcome.reasons[0]
    assert flow.on_visit_saved(visit.id, today=TODAY) == []


def test_completed_without_linked_customers_waits_for_a_person(database):
    action = svc.create_action(
        svc.ActionInput(
            problem="热线难打通", measure="增加坐席", department="客服中心", owner="杨慧", deadline=TODAY
        ),
        today=TODAY,
    )
    flow.change_status(action.id, "进行中", today=TODAY)
    action = flow.change_status(action.id, "已完成", completion_note="新坐席上岗", today=TODAY)
    assert action.status == "已完成" and not tasks_of(action)
    assert flow.allowed_next("已完成") == ("效果验证中", "进行中")
    action = flow.change_status(action.id, "效果验证中", today=TODAY)
    assert flow.verification_outcome(action.id).state == "none"
    assert flow.close_if_verified(action.id) is None


# ---------------------------------------------------------------- the rules
def test_illegal_transitions_are_refused_with_a_message(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    with pytest.raises(UserError, match="不能从“未启动”直接改为“已完成”"):
        flow.change_status(action.id, "已完成", completion_note="x", today=TODAY)
    with pytest.raises(UserError, match="不能从“未启动”直接改为“已闭环”"):
        flow.change_status(action.id, "已闭环", verification_result="好", today=TODAY)
    with pytest.raises(UserError, match="不是有效的落实状态"):
        flow.change_status(action.id, "搁置", today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    with pytest.raises(UserError, match="不能从“进行中”直接改为“效果验证中”"):
        flow.change_status(action.id, "效果验证中", today=TODAY)
    with pytest.raises(ValidationErrors) as err:
        flow.change_status(action.id, "已完成", completed_on=date(2024, 9, 30), today=TODAY)
    assert err.value.fields == ["完成日期", "完成说明"]
    assert ImprovementAction.get_by_id(action.id).status == "进行中"
    assert VisitTask.select().count() == 0
    assert statuses(action) == [("", "未启动"), ("未启动", "进行中")]


def test_going_back_needs_a_reason(database):
    action = svc.create_action(
        svc.ActionInput(problem="p", measure="m", department="d", owner="o", deadline=TODAY), today=TODAY
    )
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="done", today=TODAY)
    with pytest.raises(ValidationErrors, match="退回原因"):
        flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "进行中", note="验收发现阈值设置有误", today=TODAY)
    assert statuses(action)[-1] == ("已完成", "进行中")


def test_overdue(database):
    def make(deadline, status):
        action = svc.create_action(
            svc.ActionInput(problem="p", measure="m", department="d", owner="o", deadline=date(2024, 12, 31)),
            today=TODAY,
        )
        ImprovementAction.update(deadline=deadline, status=status).where(
            ImprovementAction.id == action.id
        ).execute()
        return action.id

    late_new = make(date(2024, 9, 20), "未启动")
    late_doing = make(date(2024, 9, 26), "进行中")
    make(date(2024, 9, 27), "进行中")  # due today: not late yet
    for status in ("已完成", "效果验证中", "已闭环"):
        make(date(2024, 9, 1), status)
    assert [a.id for a in flow.overdue(TODAY)] == [late_new, late_doing]
    assert flow.status_counts(TODAY)["已逾期"] == 2
    rows = plan_table.plan_rows("已逾期", today=TODAY)
    assert {r.action_id for r in rows} == {late_new, late_doing} and all(r.overdue for r in rows)
    assert "逾期7天" in rows[0].status_text(TODAY)


def test_edit_keeps_an_old_deadline_but_refuses_a_new_past_one(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    later = date(2024, 10, 15)
    data = svc.action_input(action.id)
    data.visit_ids = [rows[0].id]
    data.owner = "赵磊"
    svc.update_action(action.id, data, today=later)  # deadline 10-10 unchanged though past
    assert [a.visit_id for a in ActionVisit.select().where(ActionVisit.action == action)] == [rows[0].id]
    assert ImprovementAction.get_by_id(action.id).owner == "赵磊"
    assert "责任人" in ActionLog.select().order_by(ActionLog.id.desc()).first().note
    data.deadline = date(2024, 10, 12)
    with pytest.raises(ValidationErrors, match="完成时限"):
        svc.update_action(action.id, data, today=later)


# ---------------------------------------------------------------- telling the customer
def test_customer_message(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    assert dossier.customer_message(action.id) == (
        "您好，您之前反馈的“多位客户反映维修备件短缺导致二次上门”我们已经改进："
        "备件库存预警，低于阈值自动补货。感谢您的宝贵意见，期待再次为您服务！"
    )
    with pytest.raises(UserError, match="措施完成后"):
        dossier.mark_customer_told(action.id, "您好", today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    with pytest.raises(ValidationError, match="告知客户的话"):
        dossier.mark_customer_told(action.id, "  ", today=TODAY)
    dossier.mark_customer_told(action.id, "您好，缺件问题已经解决了。", "林小燕", today=TODAY)
    action = ImprovementAction.get_by_id(action.id)
    assert action.customer_message == "您好，缺件问题已经解决了。" and action.customer_told_on == TODAY
    assert dossier.customer_message(action.id) == "您好，缺件问题已经解决了。"
    log = ActionLog.select().order_by(ActionLog.id.desc()).first()
    assert log.author == "林小燕" and "2 位反馈客户" in log.note


# ---------------------------------------------------------------- the table
def test_plan_rows_one_per_feedback_masked(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    lonely = svc.create_action(
        svc.ActionInput(
            problem="热线难打通", measure="增加坐席", department="客服中心", owner="杨慧", deadline=TODAY
        ),
        today=TODAY,
    )
    table = plan_table.plan_rows(today=TODAY)
    assert [(r.action_id, r.visit_id) for r in table] == [
        (lonely.id, None),  # earliest deadline first
        (action.id, rows[0].id),  # then the action's visits by date
        (action.id, rows[1].id),
        (action.id, rows[2].id),
    ]
    seed = table[1]
    assert (seed.customer_name, seed.customer_code, seed.phone) == ("张*", "C202310001", "138****5678")
    assert (seed.service_type, seed.product_model, seed.engineer, seed.method) == (
        "维修",
        "KFR-35GW",
        "李强",
        "电话",
    )
    assert seed.levels == (4, 3, 2)
    assert [seed.level_label(i) for i in range(3)] == ["满意", "一般", "不满意"]
    assert seed.feedback.startswith("维修师傅第一次上门")
    assert (seed.measure, seed.department, seed.owner, seed.deadline) == (
        "备件库存预警，低于阈值自动补货",
        "物流部",
        "张建军",
        date(2024, 10, 10),
    )
    assert seed.first_of_action and seed.action_rows == 3 and not table[2].first_of_action
    assert table[0].customer_name == "" and table[0].feedback == "热线难打通"
    full = plan_table.plan_rows(mask=False, today=TODAY)
    assert full[1].customer_name == "张伟" and full[1].phone == "13812345678"
    assert {r.action_id for r in plan_table.plan_rows("进行中", today=TODAY)} == {action.id}
    assert plan_table.plan_rows("已闭环", today=TODAY) == []


def test_levels_from_other_dimension_names_and_ten_point_scores(database):
    visit = make_visit("王芳", "13700001111", "C1", (5, 1, None))
    assert plan_table.visit_levels([visit.id]) == {visit.id: (5, 1, None)}
    car = active_template("car_service")
    question = next(q for q in questions_of(car) if q.kind == "score10")
    other = Visit.create(customer=visit.customer, template=car, status="已完成", visit_date=TODAY)
    Answer.create(visit=other, question=question, value=9)
    assert plan_table.visit_levels([other.id]) == {}  # 接车服务 is none of the three columns


def test_detail_and_document(visits):
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), "杨慧", today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    detail = dossier.action_detail(action.id, today=TODAY)
    assert detail.category == "流程便捷性类" and len(detail.visits) == 3
    assert detail.next_steps == ("已闭环", "进行中")
    assert [r.what for r in detail.log][:2] == ["已完成 → 效果验证中", "进行中 → 已完成"]
    assert len(detail.verification) == 2 and detail.outcome.state == "pending"
    assert detail.verification[0].result == "待回访"
    doc = plan_table.plan_document("全部", today=TODAY)
    assert doc.scope == "范围：全部（共 1 项改进措施，3 条客户反馈）" and len(doc.rows) == 3
    assert doc.rows[0].status_text(TODAY) == "效果验证中（完成 2024-09-27完成系统调试）"


def test_one_loop_leaves_the_period_figures_alone(visits):
    """Issue 12: after one improvement loop the month's 满意率 is the same with and without the
    verification visits; they appear in their own 改进验证 figures."""
    from desktop.services.reporting import statistics
    from desktop.services.reporting.scope import Scope

    category, rows = visits
    month = Scope(period="2024-09")
    before = statistics.overall(month, today=TODAY)
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    for task in tasks_of(action):
        answer_verification(task, 5, True)  # visited on TODAY, inside September
    after = statistics.overall(month, today=TODAY)
    assert (after.valid, after.counts, after.satisfaction) == (before.valid, before.counts, before.satisfaction)
    assert "改进满意度" not in {d.dimension for d in statistics.dimension_stats(month)}
    # no group row gains the verification visits (they have no order: once a "(未填写)" team)
    assert sum(g.visits for g in statistics.by_group(month, "team")) == before.valid
    verification = statistics.verification_figures(month)
    assert verification.visits == 2
    assert {d.dimension for d in verification.dimensions} == {"改进满意度", "问题解决"}
