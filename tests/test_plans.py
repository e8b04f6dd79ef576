from datetime import date, datetime

import pytest

from desktop.models import Customer, ServiceOrder, Staff, VisitTask
from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.scheduling import plans
from desktop.services.scheduling.plans import PlanFilters, create_plan_tasks, preview_plan, served_customers
from desktop.services.scheduling.sampling import DEFAULT_QUOTAS, allocate, draw

START, END = date(2024, 9, 1), date(2024, 9, 30)


def customer(n, ctype="普通客户", region="东区"):
    return Customer.create(code=f"C{n:05d}", name=f"客户{n}", phone=f"139{n:08d}", ctype=ctype, region=region)


def order(cust, no, day, **fields):
    return ServiceOrder.create(
        order_no=f"W{no:06d}", customer=cust, completed_at=datetime(2024, 9, day, 10, 0), **fields
    )


@pytest.fixture
def population(database):
    """200 customers served in September 2024: 20 VIP, 30 with a complaint (5 of them VIP), 150 普通."""
    no = 0
    people = {}
    for n in range(1, 201):
        ctype = "VIP客户" if n <= 20 or 21 <= n <= 25 else "普通客户"
        cust = customer(n, ctype, region="东区" if n % 2 else "西区")
        people[n] = cust
        no += 1
        order(cust, no, 1 + n % 28, team="一班" if n % 3 else "二班")
        if 21 <= n <= 50:  # a complaint order later in the month (the latest order of the period)
            no += 1
            order(cust, no, 29, is_complaint=True, complaint_closed_at=datetime(2024, 9, 29, 18, 0))
    # served outside the period, and an archived customer: not in the population
    outside = customer(900)
    ServiceOrder.create(order_no="W900000", customer=outside, completed_at=datetime(2024, 10, 1, 9, 0))
    archived = customer(901)
    order(archived, 901001, 10)
    Customer.update(archived=True).where(Customer.id == archived.id).execute()
    return people


def test_strata_precedence_complaint_then_vip_then_ordinary(population):
    members, latest = served_customers(START, END)
    sizes = {k: len(v) for k, v in members.items()}
    assert sizes == {"VIP": 20, "投诉": 30, "普通": 150}
    assert population[22].id in members["投诉"]  # VIP with a complaint → 投诉
    assert population[3].id in members["VIP"]
    assert population[100].id in members["普通"]
    # the latest order of the period is the complaint order
    latest_order = ServiceOrder.get_by_id(latest[population[22].id])
    assert latest_order.is_complaint


def test_counts_equal_allocate(population):
    preview = preview_plan(START, END, rate=0.10)
    expected = allocate({"VIP": 20, "投诉": 30, "普通": 150}, DEFAULT_QUOTAS, 0.10)
    assert preview.counts == expected == {"VIP": 6, "投诉": 4, "普通": 10}
    assert preview.population == 200 and preview.total == 20
    assert preview.warnings == []
    low = preview_plan(START, END, rate=0.05)
    assert any("低于" in w and "10%" in w for w in low.warnings)


def test_filters_narrow_the_population(population):
    preview = preview_plan(START, END, PlanFilters(region="东区"))
    assert preview.population == 100
    team = preview_plan(START, END, PlanFilters(team="二班"))
    assert 0 < team.population < 200


def test_create_tasks_reproducible_from_seed_and_rerun_creates_nothing(population):
    preview = preview_plan(START, END)
    result = create_plan_tasks("2024年9月抽样", START, END, seed=7, today=date(2024, 10, 8))
    assert result.created == 20 and result.skipped == 0
    assert result.drawn == preview.counts
    tasks = list(VisitTask.select().where(VisitTask.trigger == "抽样：2024年9月抽样"))
    assert len(tasks) == 20
    drawn = draw(preview.members, preview.counts, 7)
    assert sorted(t.customer_id for t in tasks) == sorted(c for ids in drawn.values() for c in ids)
    assert len({t.customer_id for t in tasks}) == 20
    for t in tasks:
        assert t.order_id == preview.latest_order[t.customer_id]
        assert t.status == "待回访" and t.assignee_id is None
        # 10 working days from Tue 10-08; Sat 10-12 is a swapped working day
        assert (t.earliest, t.latest) == (date(2024, 10, 8), date(2024, 10, 21))
    again = create_plan_tasks("2024年9月抽样", START, END, seed=7, today=date(2024, 10, 9))
    assert again.created == 0 and again.skipped == 20
    assert VisitTask.select().count() == 20
    other_seed = draw(preview.members, preview.counts, 8)
    assert other_seed != drawn


def test_round_robin_assignment(population):
    staff = [Staff.create(name=n) for n in ("王芳", "李娜", "赵敏")]
    result = create_plan_tasks(
        "均分", START, END, seed=1, staff_ids=[s.id for s in staff], today=date(2024, 10, 8)
    )
    per = {s.name: VisitTask.select().where(VisitTask.assignee == s).count() for s in staff}
    assert sorted(per.values()) == [6, 7, 7]
    assert result.per_staff == per
    assert "分配" in result.text()


def test_validation_and_empty_period(population):
    with pytest.raises(ValidationErrors) as err:
        preview_plan(END, START, quotas={"VIP": -1, "投诉": 20, "普通": 50}, rate=0)
    assert {"抽样期间", "VIP配额", "抽样比例"} <= set(err.value.fields)
    with pytest.raises(ValidationErrors) as err:
        preview_plan(START, END, quotas={"VIP": 0, "投诉": 0, "普通": 0})
    assert "配额" in err.value.fields
    with pytest.raises(UserError):
        create_plan_tasks("空", date(2023, 1, 1), date(2023, 1, 31))
    with pytest.raises(UserError):
        create_plan_tasks("  ", START, END)
    assert VisitTask.select().count() == 0


def test_small_stratum_warning(database):
    for n in range(1, 101):
        cust = customer(n, "VIP客户" if n <= 2 else "普通客户")
        order(cust, n, 5)
    preview = preview_plan(START, END, rate=0.5)
    assert preview.counts["VIP"] == 2
    assert preview.total == 50
    assert any("VIP" in w and "全部抽取" in w for w in preview.warnings)


def _plan_orders(trigger):
    return {t.order_id for t in VisitTask.select().where(VisitTask.trigger == trigger)}


def test_evaluator_mode(database):
    """Seed 002: of the day's 20 completed orders 调度 calls 18 and 管理人员 2 — never the same
    order twice; 工长自评 (all 20) is the foreman's own form, not a call task."""
    Staff.create(name="张工", role="服务工程师")
    boss = Staff.create(name="刘主管", role="主管")
    caller = Staff.create(name="王芳", role="回访员")
    for n in range(1, 21):
        order(customer(n), n, 12, engineer="张工" if n % 2 else "外协")
    order(customer(99), 99, 13)  # another day
    rows = plans.preview_evaluator(date(2024, 9, 12))
    assert [(r.role, r.population, r.count) for r in rows] == [
        ("工长自评", 20, 20),
        ("调度回访", 20, 18),
        ("管理人员回访", 20, 2),
    ]
    result = plans.create_evaluator_tasks(
        "9月12日评价", date(2024, 9, 12), seed=3, staff_ids=[caller.id], today=date(2024, 9, 13)
    )
    assert result.created == 20
    assert result.drawn == {"调度回访": 18, "管理人员回访": 2}
    assert "工长自评" in result.text() and "20" in result.text()
    assert VisitTask.select().where(VisitTask.trigger.endswith("工长自评")).count() == 0
    dispatch = _plan_orders("抽样：9月12日评价·调度回访")
    managers = _plan_orders("抽样：9月12日评价·管理人员回访")
    assert len(dispatch) == 18 and len(managers) == 2
    assert not dispatch & managers  # no customer called twice for one order
    day_ids = {o.id for o in ServiceOrder.select().where(ServiceOrder.order_no != "W000099")}
    assert dispatch | managers == day_ids
    assert {t.assignee_id for t in VisitTask.select().where(VisitTask.order.in_(list(dispatch)))} == {
        caller.id
    }
    assert {t.assignee_id for t in VisitTask.select().where(VisitTask.order.in_(list(managers)))} == {boss.id}
    again = plans.create_evaluator_tasks("9月12日评价", date(2024, 9, 12), seed=3, today=date(2024, 9, 13))
    assert again.created == 0
    # another seed on the same plan: still no order in both lists
    plans.create_evaluator_tasks("9月12日评价", date(2024, 9, 12), seed=8, today=date(2024, 9, 13))
    assert not _plan_orders("抽样：9月12日评价·调度回访") & _plan_orders("抽样：9月12日评价·管理人员回访")
    # reproducible: the same seed draws the same orders in a plan of another name
    plans.create_evaluator_tasks("复核", date(2024, 9, 12), seed=3, today=date(2024, 9, 13))
    assert _plan_orders("抽样：复核·管理人员回访") == managers


@pytest.mark.parametrize(
    ("orders", "dispatch", "managers"), [(20, 18, 2), (10, 9, 1), (15, 13, 2), (1, 0, 1), (7, 6, 1)]
)
def test_evaluator_phone_draws_are_disjoint_and_cover_the_day(orders, dispatch, managers):
    from desktop.services.scheduling.sampling import EVALUATOR_RATES, evaluator_draw, phone_counts

    counts = phone_counts(orders, EVALUATOR_RATES)
    assert counts == {"调度回访": dispatch, "管理人员回访": managers}
    ids = list(range(100, 100 + orders))
    picked = evaluator_draw(ids, counts, seed=5)
    assert len(picked["调度回访"]) == dispatch and len(picked["管理人员回访"]) == managers
    assert not set(picked["调度回访"]) & set(picked["管理人员回访"])
    assert picked == evaluator_draw(list(reversed(ids)), counts, seed=5)  # reproducible


def test_list_plans_and_names(population):
    create_plan_tasks("甲计划", START, END, seed=1, today=date(2024, 10, 8))
    (row,) = plans.list_plans()
    assert row[0] == "甲计划" and row[1] == 20 and row[2] == 0
    assert plans.default_plan_name(START, END) == "2024年9月抽样"
    assert plans.default_plan_name(date(2024, 7, 1), END) == "2024Q3抽样"
    assert plans.default_plan_name(date(2024, 9, 3), END) == "20240903-20240930抽样"
    choices = plans.filter_choices()
    assert choices["region"] == ["东区", "西区"]
    assert choices["team"] == ["一班", "二班"]
    assert "维修" in choices["service_type"]
