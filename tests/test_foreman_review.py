"""工长自评 (issue 14 item 5, seed 002): the foreman's own assessment of each of the day's
completed orders on the three factors of the maintenance centre (满意 10 / 基本满意 8 / 不满意 6)
— its own record, not a customer visit, and a foreman only assesses his own team's orders."""

from datetime import date, datetime

import pytest
from conftest import TEAM_PASSWORD

from desktop.models import Customer, Department, ForemanReview, ServiceOrder, Staff, Visit, VisitTask
from desktop.services.admin import accounts
from desktop.services.admin.accounts import PermissionDenied
from desktop.services.common.errors import ValidationErrors
from desktop.services.visits import foreman_review as fr
from desktop.services.visits.foreman_review import ReviewInput

DAY = date(2024, 9, 12)


def make_orders(n, team, start=1, day=DAY):
    made = []
    for k in range(start, start + n):
        cust = Customer.create(code=f"C{k:05d}", name=f"报修人{k}", phone=f"136{k:08d}")
        made.append(
            ServiceOrder.create(
                order_no=f"W{k:06d}",
                customer=cust,
                team=team,
                engineer=f"维修工{k % 3}",
                completed_at=datetime(day.year, day.month, day.day, 9 + k % 8),
            )
        )
    return made


def test_the_form_has_the_seed_factors_and_scale():
    assert [wording for _f, wording, _s in fr.FACTORS] == [
        "工单填写的故障情况及原因分析完整程度",
        "故障处理措施是否得当",
        "作业效率",
    ]
    assert fr.POINTS == {"满意": 10, "基本满意": 8, "不满意": 6}


def test_every_completed_order_of_the_day_is_listed_and_saved_as_its_own_record(database):
    orders = make_orders(20, "维修一班")
    make_orders(1, "维修一班", start=50, day=date(2024, 9, 13))  # another day
    rows = fr.day_orders(DAY)
    assert [r.order_id for r in rows] == [o.id for o in orders]  # 100%: all twenty
    assert not any(r.done for r in rows)
    saved = fr.save_reviews(
        [ReviewInput(o.id, 10, 8, 6, "原因分析写得清楚") for o in orders[:3]]
        + [ReviewInput(orders[3].id, None, None, None, "")],  # nothing entered: left alone
        today=date(2024, 9, 13),
    )
    assert saved == 3 and ForemanReview.select().count() == 3
    review = ForemanReview.get(ForemanReview.order == orders[0].id)
    assert (review.completeness, review.measures, review.efficiency) == (10, 8, 6)
    assert review.remark == "原因分析写得清楚"
    # saved again: the same record is changed, not a second one
    fr.save_reviews([ReviewInput(orders[0].id, 8, 8, 8)], today=date(2024, 9, 13))
    assert ForemanReview.select().count() == 3
    assert ForemanReview.get(ForemanReview.order == orders[0].id).completeness == 8
    assert [r.done for r in fr.day_orders(DAY)][:4] == [True, True, True, False]
    # not a customer call: no task, no visit
    assert VisitTask.select().count() == 0 and Visit.select().count() == 0


def test_a_half_rated_row_or_an_unknown_score_saves_nothing(database):
    first, second = make_orders(2, "维修一班")
    with pytest.raises(ValidationErrors) as err:
        fr.save_reviews([ReviewInput(first.id, 10, 10, 10), ReviewInput(second.id, 10, None, 9)])
    text = str(err.value)
    assert "W000002" in text and "处理措施" in text and "“9”不是可选的评分" in text
    assert ForemanReview.select().count() == 0


@pytest.fixture
def foreman(team):
    """钱员工 (the 回访员 account qian) is the foreman of 维修一班."""
    dept = Department.create(name="维修一班")
    Staff.update(department=dept).where(Staff.id == team.qian.id).execute()
    return team


def test_a_foreman_assesses_only_his_teams_orders_and_a_supervisor_all(foreman):
    mine = make_orders(3, "维修一班")
    theirs = make_orders(2, "维修二班", start=10)
    accounts.login("qian", TEAM_PASSWORD)
    try:
        assert [r.order_id for r in fr.day_orders(DAY)] == [o.id for o in mine]
        assert "维修一班" in fr.scope_text()
        assert fr.save_reviews([ReviewInput(mine[0].id, 10, 10, 8)]) == 1
        with pytest.raises(PermissionDenied, match="维修二班"):
            fr.save_reviews([ReviewInput(theirs[0].id, 10, 10, 8)])
        assert ForemanReview.get().reviewer == "钱员工"
    finally:
        accounts.sign_out()
    accounts.login("hq", TEAM_PASSWORD)
    try:
        with pytest.raises(PermissionDenied):
            fr.save_reviews([ReviewInput(mine[1].id, 10, 10, 8)])
    finally:
        accounts.sign_out()
    accounts.login("boss", TEAM_PASSWORD)
    try:
        assert len(fr.day_orders(DAY)) == 5
        assert fr.save_reviews([ReviewInput(theirs[0].id, 6, 8, 10)]) == 1
    finally:
        accounts.sign_out()
    assert ForemanReview.select().count() == 2
