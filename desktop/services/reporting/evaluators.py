"""The three evaluators of the maintenance centre side by side (seed 002 评价主体): per team, over
the orders completed in a date range, what 工长自评 (the foreman's own form: 填写完整程度, 处理措施,
作业效率), 调度回访 and 管理人员回访 (phone visits to the customer: 响应速度, 服务态度, 设备运行状态)
scored on their factors, with how many orders each covered against its share (100% / 90% / 10%).

The phone figures read the completed, valid visits of the evaluator plans' tasks (trigger
``抽样：<plan>·调度回访`` / ``·管理人员回访``), their 1–10 answers (满意 10 / 基本满意 8 / 不满意 6)
to the three questions of those factors. No Qt here."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import peewee as pw

from desktop.models import Answer, ForemanReview, Question, ServiceOrder, Visit, VisitTask
from desktop.models.visit import DONE

from ..scheduling.sampling import DISPATCH, EVALUATOR_RATES, MANAGERS, SELF_REVIEW
from ..visits.foreman_review import FACTORS

ROLES = tuple(EVALUATOR_RATES)  # 工长自评, 调度回访, 管理人员回访
# the customer-call factors: question dimension → the seed's wording, short
PHONE_FACTORS = {
    "响应速度": ("维修人员故障响应速度", "响应速度"),
    "服务态度": ("维修人员服务态度", "服务态度"),
    "问题解决效果": ("经维修后设备运行状态", "设备运行状态"),
}
SELF_FACTORS = {f: (wording, short) for f, wording, short in FACTORS}
ALL_TEAMS = "合计"
NO_TEAM = "（未填班组）"


@dataclass
class EvaluatorScore:
    """One evaluator's figures for one team: ``count`` orders assessed (or visits made), the mean
    of each factor (None: no answer), their overall mean and the share of the team's orders."""

    role: str
    count: int = 0
    means: dict[str, float | None] = field(default_factory=dict)  # factor short name → mean
    overall: float | None = None
    coverage: float | None = None  # count / the team's completed orders
    target: float = 0.0  # the share the seed sets (100% / 90% / 10%)


@dataclass
class TeamEvaluation:
    team: str
    orders: int
    scores: dict[str, EvaluatorScore]  # role → figures


def factor_names(role: str) -> list[str]:
    """The short names of the factors ``role`` scores, in the seed's order."""
    source = SELF_FACTORS if role == SELF_REVIEW else PHONE_FACTORS
    return [short for _wording, short in source.values()]


def _day(value: date) -> pw.Value:
    return pw.Value(value.isoformat(), converter=False)


def _in_range(start: date, end: date, team: str):
    cond = (ServiceOrder.completed_at >= _day(start)) & (
        ServiceOrder.completed_at < _day(end + timedelta(days=1))
    )
    if team:
        cond &= ServiceOrder.team == team
    return cond


def _role_of(trigger: str) -> str | None:
    for role in (DISPATCH, MANAGERS):
        if trigger.endswith("·" + role):
            return role
    return None


def side_by_side(start: date, end: date, team: str = "") -> list[TeamEvaluation]:
    """Per team (then a 合计 row when there is more than one): the orders completed from ``start``
    through ``end`` and each evaluator's scores on its own factors."""
    cond = _in_range(start, end, team)
    orders: dict[str, int] = defaultdict(int)
    for name, n in (
        ServiceOrder.select(ServiceOrder.team, pw.fn.COUNT(ServiceOrder.id))
        .where(cond)
        .group_by(ServiceOrder.team)
        .tuples()
    ):
        orders[name or NO_TEAM] += n
    # sums[team][role][factor] = [sum, n]; counts[team][role] = orders / visits
    sums: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [0, 0])))
    counts: dict = defaultdict(lambda: defaultdict(int))

    own = (
        ForemanReview.select(
            ServiceOrder.team,
            pw.fn.COUNT(ForemanReview.id),
            *(pw.fn.SUM(getattr(ForemanReview, f)) for f in SELF_FACTORS),
            *(pw.fn.COUNT(getattr(ForemanReview, f)) for f in SELF_FACTORS),
        )
        .join(ServiceOrder, on=(ForemanReview.order == ServiceOrder.id))
        .where(cond)
        .group_by(ServiceOrder.team)
        .tuples()
    )
    k = len(SELF_FACTORS)
    for name, n, *rest in own:
        name = name or NO_TEAM
        counts[name][SELF_REVIEW] += n
        for (_f, (_w, short)), total, answered in zip(SELF_FACTORS.items(), rest[:k], rest[k:], strict=True):
            cell = sums[name][SELF_REVIEW][short]
            cell[0] += int(total or 0)
            cell[1] += int(answered or 0)

    visit_cond = cond & (Visit.status == DONE) & ~Visit.invalid & VisitTask.trigger.contains("·")
    visits = (
        Visit.select(ServiceOrder.team, VisitTask.trigger, pw.fn.COUNT(pw.fn.DISTINCT(Visit.id)))
        .join(VisitTask, on=(Visit.task == VisitTask.id))
        .join(ServiceOrder, on=(VisitTask.order == ServiceOrder.id))
        .where(visit_cond)
        .group_by(ServiceOrder.team, VisitTask.trigger)
        .tuples()
    )
    for name, trigger, n in visits:
        role = _role_of(trigger)
        if role:
            counts[name or NO_TEAM][role] += n
    answers = (
        Answer.select(
            ServiceOrder.team,
            VisitTask.trigger,
            Question.dimension,
            pw.fn.SUM(Answer.value),
            pw.fn.COUNT(Answer.id),
        )
        .join(Question, on=(Answer.question == Question.id))
        .switch(Answer)
        .join(Visit, on=(Answer.visit == Visit.id))
        .join(VisitTask, on=(Visit.task == VisitTask.id))
        .join(ServiceOrder, on=(VisitTask.order == ServiceOrder.id))
        .where(
            visit_cond
            & (Question.kind == "score10")
            & Question.dimension.in_(list(PHONE_FACTORS))
            & Answer.value.is_null(False)
        )
        .group_by(ServiceOrder.team, VisitTask.trigger, Question.dimension)
        .tuples()
    )
    for name, trigger, dimension, total, n in answers:
        role = _role_of(trigger)
        if role:
            cell = sums[name or NO_TEAM][role][PHONE_FACTORS[dimension][1]]
            cell[0] += int(total or 0)
            cell[1] += int(n)

    teams = sorted(set(orders) | set(counts))
    rows = [_row(name, orders.get(name, 0), counts[name], sums[name]) for name in teams]
    if len(rows) > 1:
        rows.append(_total(rows, counts, sums))
    return rows


def _score(role: str, count: int, cells, orders: int) -> EvaluatorScore:
    means = {}
    total = answered = 0
    for short in factor_names(role):
        s, n = cells.get(short, (0, 0)) if cells else (0, 0)
        means[short] = s / n if n else None
        total, answered = total + s, answered + n
    return EvaluatorScore(
        role,
        count,
        means,
        total / answered if answered else None,
        count / orders if orders else None,
        EVALUATOR_RATES[role],
    )


def _row(name: str, orders: int, counts, sums) -> TeamEvaluation:
    return TeamEvaluation(
        name, orders, {role: _score(role, counts[role], sums[role], orders) for role in ROLES}
    )


def _total(rows: list[TeamEvaluation], counts, sums) -> TeamEvaluation:
    all_counts: dict[str, int] = defaultdict(int)
    all_sums: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in rows:
        for role in ROLES:
            all_counts[role] += counts[row.team][role]
            for short, (s, n) in sums[row.team][role].items():
                all_sums[role][short][0] += s
                all_sums[role][short][1] += n
    return _row(ALL_TEAMS, sum(r.orders for r in rows), all_counts, all_sums)
