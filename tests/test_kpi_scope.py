"""KPI scope (issue 14 item 12, seed 001 步骤一): a scorecard for a service type or for 新客户 /
老客户, not only a team — its computed indicators count through the reporting core's ``Scope``,
and the stored scorecard says which scope it is for. Figures: DOMAIN.md's worked KPI rows
(问题一次性解决率 20 × 80 / 85 = 18.82; 20 × 82 / 80 = 20.50)."""

from datetime import date, datetime

import pytest

from desktop.models import (
    Answer,
    Customer,
    KpiScorecard,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
)
from desktop.services.common.errors import UserError, ValidationError
from desktop.services.kpi import automatic, kpi, scopes
from desktop.services.reporting import statistics
from desktop.services.reporting.scope import Scope

Q1 = kpi.parse_period("2024Q1")


def _fix_row(data: kpi.ScorecardData) -> kpi.IndicatorRow:
    return next(r for r in data.rows if r.source == kpi.FIRST_TIME_FIX)


def _orders(prefix: str, n: int, fixed: int, *, service_type: str, team: str = "维修一组", customers=None):
    """``n`` orders completed in 2024Q1, the first ``fixed`` of them said fixed the first time."""
    out = []
    for i in range(n):
        customer = (
            customers[i]
            if customers
            else Customer.create(code=f"{prefix}{i:04d}", name=f"客户{prefix}{i}", phone=f"139{i:08d}")
        )
        out.append(
            ServiceOrder.create(
                order_no=f"{prefix}{i:04d}",
                customer=customer,
                service_type=service_type,
                team=team,
                product_model=f"{prefix}-{i}",
                completed_at=datetime(2024, 2, 1, 9),
                first_time_fixed=i < fixed,
            )
        )
    return out


@pytest.fixture
def shop(database):
    """One team doing 100 维修 (80 fixed the first time) and 20 安装 orders (none fixed): the
    team's rate is 80 / 120, 维修's alone 80 / 100."""
    _orders("W", 100, 80, service_type="维修")
    _orders("A", 20, 0, service_type="安装")


def test_a_service_type_scorecard_scores_the_seed_row(shop):
    card = kpi.create_scorecard("2024Q1", "维修", scope_kind=scopes.SERVICE_TYPE)
    assert (card.scope_kind, card.target) == ("service_type", "维修")
    data = kpi.load(card.id)
    assert data.scope_kind == scopes.SERVICE_TYPE and data.target_label == "服务类型“维修”"
    _fix_row(data).target = 85
    kpi.save(data)
    items = automatic.refresh_actuals(card.id)
    row = _fix_row(kpi.load(card.id))
    assert row.actual == 80.0 and kpi.score_text(row.score) == "18.82"
    basis = next(i.basis for i in items if i.source == kpi.FIRST_TIME_FIX)
    assert basis.startswith("2024Q1 服务类型“维修”：一次性解决 80 / 已知结果的工单 100 = 80%")
    # the team's scorecard counts every order of the team: the same figure, another scope
    team = kpi.create_scorecard("2024Q1", "维修一组")
    automatic.refresh_actuals(team.id)
    assert _fix_row(kpi.load(team.id)).actual == round(100 * 80 / 120, 1)


def test_an_action_from_a_service_type_scorecard_waits_for_its_department(shop):
    """A flagged indicator of a 服务类型 scorecard becomes an action whose 责任部门 is 待指定 (维修
    is not a department); its origin note names the scorecard's scope as printed."""
    from desktop.models import ActionLog
    from desktop.services.kpi import flags

    card = kpi.create_scorecard("2024Q1", "维修", scope_kind=scopes.SERVICE_TYPE)
    automatic.refresh_actuals(card.id)
    data = kpi.load(card.id)
    row = _fix_row(data)
    row.actual = 50  # 20 × 50 / 80 = 12.5 < 16: flagged
    kpi.save(data)
    action = flags.flag_to_action(_fix_row(kpi.load(card.id)).id, today=date(2024, 4, 5))
    assert action.department == flags.ACTION_DEPARTMENT == "待指定"
    notes = [log.note for log in ActionLog.select().where(ActionLog.action == action.id).order_by(ActionLog.id)]
    assert notes[-1].startswith("由质量评价表 2024Q1·服务类型“维修”")


def test_returning_customers_scorecard_scores_the_seed_row(database):
    """老客户: 50 customers served in 2023 come back in 2024Q1, 41 of their orders fixed the
    first time (82%); 10 new customers' orders, none fixed. Target 80, weight 20 → 20.50."""
    back = [Customer.create(code=f"B{i:04d}", name=f"回头客{i}", phone=f"138{i:08d}") for i in range(50)]
    for i, customer in enumerate(back):
        ServiceOrder.create(
            order_no=f"OLD{i:04d}",
            customer=customer,
            service_type="维修",
            completed_at=datetime(2023, 6, 1, 9),
        )
    _orders("R", 50, 41, service_type="维修", customers=back)
    _orders("N", 10, 0, service_type="维修")
    returning = kpi.create_scorecard("2024Q1", "老客户", scope_kind=scopes.CUSTOMER_TENURE)
    newcomers = kpi.create_scorecard("2024Q1", "新客户", scope_kind="新老客户")  # the label reads too
    assert newcomers.scope_kind == scopes.CUSTOMER_TENURE
    for card in (returning, newcomers):
        automatic.refresh_actuals(card.id)
    row = _fix_row(kpi.load(returning.id))
    assert (row.target, row.actual, kpi.score_text(row.score)) == (80, 82.0, "20.50")
    new_row = _fix_row(kpi.load(newcomers.id))
    assert new_row.actual == 0.0 and new_row.flagged
    # the same counts the reporting core's Scope gives (one rule for 新客户 / 老客户)
    assert automatic.first_time_fix_counts(Scope(period=Q1, customer_tenure="老客户")) == (41, 50)


def test_csat_and_complaints_of_a_scope_are_the_reporting_cores(shop):
    """满意度 and 投诉处理及时率 of a service-type scorecard are ``statistics.overall`` and
    ``orders.complaint_timeliness`` over the same ``Scope``."""
    tpl = QuestionnaireTemplate.create(name="满意度", family="fa", version=1)
    q = Question.create(template=tpl, position=1, text="整体满意度", dimension="总体", kind="level5")
    repair = ServiceOrder.select().where(ServiceOrder.service_type == "维修").limit(4)
    install = ServiceOrder.select().where(ServiceOrder.service_type == "安装").limit(2)
    for order, value in [*zip(repair, (5, 4, 4, 2), strict=True), *zip(install, (1, 1), strict=True)]:
        visit = Visit.create(
            customer=order.customer, order=order, template=tpl, status="已完成", visit_date=date(2024, 2, 10)
        )
        Answer.create(visit=visit, question=q, value=value)
    orders = list(ServiceOrder.select().where(ServiceOrder.service_type == "维修").limit(2))
    for order, hours in zip(orders, (3, 30), strict=True):
        ServiceOrder.update(
            is_complaint=True,
            complaint_at=datetime(2024, 2, 2, 9),
            complaint_closed_at=datetime(2024, 2, 2, 9 + hours) if hours < 15 else datetime(2024, 2, 3, 15),
        ).where(ServiceOrder.id == order.id).execute()
    scope = scopes.reporting_scope(Q1, scopes.SERVICE_TYPE, "维修")
    overall = statistics.overall(scope)
    assert automatic.csat_counts(scope) == (overall.counts[5] + overall.counts[4], overall.level_n) == (3, 4)
    assert automatic.complaint_counts(scope, at=datetime(2024, 4, 1)) == (1, 2)
    assert automatic.csat_counts(scopes.reporting_scope(Q1, scopes.SERVICE_TYPE, "安装")) == (0, 2)
    card = kpi.create_scorecard("2024Q1", "维修", scope_kind=scopes.SERVICE_TYPE)
    automatic.refresh_actuals(card.id)
    actuals = {r.source: r.actual for r in kpi.load(card.id).rows if r.computed}
    assert actuals[kpi.CSAT] == 75.0 and actuals[kpi.FIRST_TIME_FIX] == 80.0


def test_the_stored_scorecard_says_its_scope(shop):
    kpi.create_scorecard("2024Q1", "维修")  # a team that happens to be called 维修
    kpi.create_scorecard("2024Q1", "维修", scope_kind=scopes.SERVICE_TYPE)  # not the same scorecard
    assert sorted(c.scope_kind for c in KpiScorecard.select()) == ["service_type", "team"]
    with pytest.raises(ValidationError, match="服务类型“维修”的评价表已经存在"):
        kpi.create_scorecard("2024Q1", "维修", scope_kind=scopes.SERVICE_TYPE)
    with pytest.raises(ValidationError, match="评价对象.*新客户或老客户"):
        kpi.create_scorecard("2024Q1", "维修一组", scope_kind=scopes.CUSTOMER_TENURE)
    with pytest.raises(ValidationError, match="评价范围"):
        kpi.create_scorecard("2024Q1", "维修", scope_kind="区域")
    labels = {(s.scope_kind, s.target_label) for s in kpi.list_scorecards()}
    assert labels == {("team", "维修"), ("service_type", "服务类型“维修”")}
    # 沿用最近一期: the template is looked up within the same scope
    card = kpi.load(kpi.latest_for_target("维修", scopes.SERVICE_TYPE))
    assert card.scope_kind == scopes.SERVICE_TYPE
    assert kpi.latest_for_target("老客户", scopes.CUSTOMER_TENURE) is None
    # a save keeps the scope; a stale kind cannot be smuggled past the check
    card.note = "改过"
    kpi.save(card)
    assert kpi.load(card.id).scope_kind == scopes.SERVICE_TYPE
    card.target = "维修一组"
    card.scope_kind = scopes.CUSTOMER_TENURE
    with pytest.raises(UserError):
        kpi.save(card)


def test_choices_per_scope_kind(shop):
    assert scopes.target_choices(scopes.TEAM) == ["维修一组", kpi.ALL_TEAMS]
    assert scopes.target_choices(scopes.SERVICE_TYPE)[:2] == ["安装", "维修"]
    assert scopes.target_choices(scopes.CUSTOMER_TENURE) == ["新客户", "老客户"]
    assert scopes.reporting_scope(Q1, scopes.TEAM, kpi.ALL_TEAMS) == Scope(period=Q1)
