"""Sampling plans (抽样计划) on the database: whom to call this period, as 回访任务.

Stratified mode (DOMAIN §3 抽样): the customers served in a period (an order completed in it,
matching the filters) are put in one stratum each — 投诉 if any of their orders in the period was
a complaint, otherwise VIP if the customer is a VIP客户, otherwise 普通 — then ``sampling.allocate``
says how many to take from each and ``sampling.draw`` picks them from the seed. Each drawn customer
gets one task (trigger ``抽样:<plan name>``) for their latest order of the period; tasks are unique
on (order, trigger), so running the same plan again creates nothing new.

Evaluator mode (the maintenance centre's variant): of one day's completed orders, 工长自评 takes
100%, 调度回访 90% and 管理人员回访 10%, each as its own task list (trigger ``抽样:<name>·<role>``).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

import peewee as pw

from desktop.models import Customer, QuestionnaireTemplate, ServiceOrder, Staff, VisitTask, db

from ..admin import accounts
from ..common import calendar
from ..common.calendar import WorkCalendar
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_text
from ..reporting.orders import complaint_condition
from ..reporting.scale import MAINTENANCE_FAMILY
from .sampling import (
    DEFAULT_QUOTAS,
    DEFAULT_RATE,
    EVALUATOR_RATES,
    MANAGERS,
    PHONE_ROLES,
    SELF_REVIEW,
    allocate,
    draw,
    evaluator_draw,
    phone_counts,
    sample_size,
)
from .tasks import NewTask, default_template_id, insert_tasks, round_robin

STRATA = tuple(DEFAULT_QUOTAS)  # VIP, 投诉, 普通
STRATUM_RULE = (
    "分层规则：期内有投诉工单的客户归入“投诉”；其余客户中客户类型为“VIP客户”的归入“VIP”；"
    "其他客户归入“普通”。每位客户在一个计划中最多抽到一次，任务关联其期内最近一张工单。"
)
PLAN_PREFIX = "抽样："
MIN_RATE = DEFAULT_RATE  # the sample must be at least 10% of the customers served
DEFAULT_WINDOW_WORKDAYS = 10
VIP_TYPE = "VIP客户"  # the 客户类型 of the VIP stratum


@dataclass(frozen=True)
class PlanFilters:
    service_type: str = ""
    region: str = ""
    team: str = ""
    engineer: str = ""

    def describe(self) -> str:
        parts = [
            f"{label}：{value}"
            for label, value in (
                ("服务类型", self.service_type),
                ("区域", self.region),
                ("班组", self.team),
                ("工程师", self.engineer),
            )
            if value
        ]
        return "；".join(parts) or "全部客户"


@dataclass
class StratumRow:
    name: str
    population: int
    quota: float
    count: int


@dataclass
class PlanPreview:
    rows: list[StratumRow]
    warnings: list[str]
    served: tuple = field(repr=False)  # (start, end, filters): whom the preview counted

    @cached_property
    def _served(self) -> tuple[dict[str, list[int]], dict[int, int]]:
        return served_customers(*self.served)

    @property
    def members(self) -> dict[str, list[int]]:
        """Stratum → customer ids (read when drawing; the preview itself only counts)."""
        return self._served[0]

    @property
    def latest_order(self) -> dict[int, int]:
        """Customer id → their latest order id in the period."""
        return self._served[1]

    @property
    def population(self) -> int:
        return sum(r.population for r in self.rows)

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        return {r.name: r.count for r in self.rows}


@dataclass
class PlanResult:
    trigger: str
    drawn: dict[str, int]  # stratum (or role) → how many were drawn
    created: int
    skipped: int  # drawn, but the plan had already created their task
    per_staff: dict[str, int]  # assignee name (or 未分配) → tasks created
    earliest: date
    latest: date
    note: str = ""  # a line of its own after the counts (the evaluator plan's 工长自评)

    def text(self) -> str:
        drawn = "、".join(f"{k} {v}" for k, v in self.drawn.items())
        text = (
            f"计划“{self.trigger.removeprefix(PLAN_PREFIX)}”：抽取 {sum(self.drawn.values())} 个（{drawn}）"
        )
        text += f"，新建任务 {self.created} 个"
        if self.skipped:
            text += f"，{self.skipped} 个此前已建（未重复创建）"
        text += f"。回访窗口 {self.earliest:%Y-%m-%d} 至 {self.latest:%Y-%m-%d}。"
        if self.per_staff:
            text += "\n分配：" + "、".join(f"{k} {v} 个" for k, v in self.per_staff.items())
        if self.note:
            text += "\n" + self.note
        return text


# ---------------------------------------------------------------- validation
def _check_period(start: date | None, end: date | None, errors: list) -> None:
    if start is None or end is None:
        errors.append(ValidationError("抽样期间", "请填写开始和结束日期。"))
    elif start > end:
        errors.append(ValidationError("抽样期间", f"开始日期 {start} 晚于结束日期 {end}，请调换或重新选择。"))


def _check_quotas(quotas: Mapping[str, float], errors: list) -> dict[str, float]:
    clean = {}
    for name in STRATA:
        try:
            value = float(quotas.get(name, 0) or 0)
        except (TypeError, ValueError):
            errors.append(ValidationError(f"{name}配额", f"“{quotas.get(name)}”不是数字，请填写如 30。"))
            continue
        if value < 0:
            errors.append(ValidationError(f"{name}配额", "不能为负数，请填写 0 或更大的数。"))
        clean[name] = value
    if clean and len(clean) == len(STRATA) and sum(clean.values()) <= 0:
        errors.append(ValidationError("配额", "各分层配额合计为 0，请至少给一个分层设置配额。"))
    return clean


def _check_rate(rate, errors: list, label: str = "抽样比例") -> float:
    try:
        value = float(rate)
    except (TypeError, ValueError):
        errors.append(ValidationError(label, f"“{rate}”不是数字，请填写如 10%。"))
        return 0.0
    if not 0 < value <= 1:
        errors.append(ValidationError(label, "请填写大于 0、不超过 100% 的比例。"))
    return value


def clean_plan_name(name) -> str:
    text = clean_text(name, "计划名称", required=True, max_len=40)
    return text.removeprefix(PLAN_PREFIX)


def default_plan_name(start: date, end: date) -> str:
    """2024年10月抽样 for a whole month, 2024Q3抽样 for a quarter, else the date range."""
    month_end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if start.day == 1 and end == month_end:
        return f"{start.year}年{start.month}月抽样"
    if start.day == 1 and start.month % 3 == 1 and end == _quarter_end(start):
        return f"{start.year}Q{(start.month - 1) // 3 + 1}抽样"
    return f"{start:%Y%m%d}-{end:%Y%m%d}抽样"


def _quarter_end(start: date) -> date:
    month = (start.month - 1) // 3 * 3 + 3
    nxt = date(start.year + 1, 1, 1) if month == 12 else date(start.year, month + 1, 1)
    return nxt - timedelta(days=1)


# ---------------------------------------------------------------- who was served
def _day(day: date) -> pw.Value:
    return pw.Value(day.isoformat(), converter=False)


def _orders_in(start: date, end: date, filters: PlanFilters) -> pw.ModelSelect:
    """Orders completed from ``start`` through ``end`` (inclusive) of active customers."""
    cond = (
        (ServiceOrder.completed_at >= _day(start))
        & (ServiceOrder.completed_at < _day(end + timedelta(days=1)))
        & ~Customer.archived
    )
    if filters.service_type:
        cond &= ServiceOrder.service_type == filters.service_type
    if filters.region:
        cond &= Customer.region == filters.region
    if filters.team:
        cond &= ServiceOrder.team == filters.team
    if filters.engineer:
        cond &= ServiceOrder.engineer == filters.engineer
    return ServiceOrder.select().join(Customer, on=(ServiceOrder.customer == Customer.id)).where(cond)


def _raw(query) -> list[tuple]:
    """Run a peewee query without converting values (100k date-times parse slowly)."""
    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


def _strata(start: date, end: date, filters: PlanFilters) -> pw.ModelSelect:
    """One row per customer served in the period: (customer id, stratum). 投诉 when any of their
    orders then is a complaint (``reporting.orders.complaint_condition``), else VIP for a VIP客户,
    else 普通 — the precedence the page states."""
    complaint = pw.fn.MAX(pw.Case(None, [(complaint_condition(), 1)], 0))
    stratum = pw.Case(None, [(complaint == 1, "投诉"), (Customer.ctype == VIP_TYPE, "VIP")], "普通")
    return (
        _orders_in(start, end, filters)
        .select(ServiceOrder.customer.alias("customer_id"), stratum.alias("stratum"))
        .group_by(ServiceOrder.customer, Customer.ctype)
    )


def stratum_sizes(start: date, end: date, filters: PlanFilters = PlanFilters()) -> dict[str, int]:
    """How many customers each stratum holds (counted in the database: the preview needs no ids)."""
    inner = _strata(start, end, filters).alias("served")
    query = pw.Select([inner], [inner.c.stratum, pw.fn.COUNT(inner.c.customer_id)]).group_by(inner.c.stratum)
    sizes = dict.fromkeys(STRATA, 0)
    sizes.update({name: int(n) for name, n in db.execute(query).fetchall()})
    return sizes


def served_customers(
    start: date, end: date, filters: PlanFilters = PlanFilters()
) -> tuple[dict[str, list[int]], dict[int, int]]:
    """(stratum → customer ids, customer id → latest order id in the period)."""
    members: dict[str, list[int]] = {name: [] for name in STRATA}
    for customer_id, stratum in sorted(_raw(_strata(start, end, filters))):
        members[stratum].append(customer_id)
    latest: dict[int, tuple] = {}
    query = _orders_in(start, end, filters).select(
        ServiceOrder.id, ServiceOrder.customer, ServiceOrder.completed_at
    )
    for order_id, customer_id, completed in _raw(query):
        key = (str(completed), order_id)
        if customer_id not in latest or key > latest[customer_id]:
            latest[customer_id] = key
    return members, {cid: key[1] for cid, key in latest.items()}


# ---------------------------------------------------------------- stratified plans
def preview_plan(
    start: date,
    end: date,
    filters: PlanFilters = PlanFilters(),
    quotas: Mapping[str, float] | None = None,
    rate: float = DEFAULT_RATE,
) -> PlanPreview:
    """Population, quota and number to draw per stratum, with warnings in Chinese."""
    errors: list[ValidationError] = []
    _check_period(start, end, errors)
    clean_quotas = _check_quotas(DEFAULT_QUOTAS if quotas is None else quotas, errors)
    rate = _check_rate(rate, errors)
    if errors:
        raise ValidationErrors(errors)
    sizes = stratum_sizes(start, end, filters)
    counts = allocate(sizes, clean_quotas, rate)
    weight = sum(clean_quotas.values())
    rows = [StratumRow(name, sizes[name], clean_quotas[name] / weight, counts[name]) for name in STRATA]
    warnings = []
    population = sum(sizes.values())
    if rate < MIN_RATE:
        warnings.append(
            f"抽样比例 {rate:.1%} 低于规定的最低 {MIN_RATE:.0%}，样本可能不足以代表本期客户，建议调高到 10% 以上。"
        )
    if population == 0:
        warnings.append("该期间没有符合筛选条件的已完成工单，没有可抽样的客户。请调整期间或筛选条件。")
    if abs(sum(clean_quotas.values()) - 1) > 1e-9 and abs(sum(clean_quotas.values()) - 100) > 1e-9:
        warnings.append(f"配额合计不是 100%，已按各分层配额的比例换算（合计 {weight:g}）。")
    for row in rows:
        if row.population and row.count == row.population and row.quota > 0 and population:
            share = sample_size(population, rate) * row.quota
            if share > row.population:
                warnings.append(
                    f"“{row.name}”只有 {row.population} 位客户，少于按配额应抽的 {share:.0f} 位：已全部抽取，"
                    "差额按配额比例分给其他分层。"
                )
    planned = sample_size(population, rate)
    total = sum(counts.values())
    if total < planned:
        warnings.append(
            f"可抽取的客户只有 {total} 位，少于按比例应抽的 {planned} 位（配额为 0 的分层不抽取）。"
        )
    return PlanPreview(rows, warnings, (start, end, filters))


def _staff_names(staff_ids: Sequence[int]) -> dict[int, str]:
    ids = list(dict.fromkeys(int(i) for i in staff_ids))
    names = dict(Staff.select(Staff.id, Staff.name).where(Staff.id.in_(ids)).tuples()) if ids else {}
    missing = [i for i in ids if i not in names]
    if missing:
        raise ValidationError("分配人员", "所选人员中有已被删除的，请刷新后重新选择。")
    return names


def _window(cal: WorkCalendar, today: date, window_start: date | None, workdays: int) -> tuple[date, date]:
    if workdays < 1:
        raise ValidationError("回访期限", "请填写至少 1 个工作日。")
    earliest = window_start or cal.next_workday(today)
    return earliest, cal.add_workdays(earliest, workdays)


def _existing_orders(trigger: str) -> set[int]:
    return {
        row[0]
        for row in VisitTask.select(VisitTask.order).where(VisitTask.trigger == trigger).tuples()
        if row[0] is not None
    }


PLAN_TEMPLATE_EXCLUDED = ("verification",)  # the 二次回访 form follows improvement actions only


def plan_templates() -> list[QuestionnaireTemplate]:
    """The questionnaires a plan's tasks may use: every active template but the 二次回访 one."""
    from ..visits.templates import active_templates

    return [t for t in active_templates() if t.family not in PLAN_TEMPLATE_EXCLUDED]


def evaluator_template_id() -> int | None:
    """The questionnaire an evaluator-role plan starts with: the maintenance centre's (its three
    answers 满意 10 / 基本满意 8 / 不满意 6), else the default one."""
    from ..visits.templates import active_template

    tpl = active_template(MAINTENANCE_FAMILY)
    return tpl.id if tpl is not None else default_template_id()


def _plan_template(template_id: int | None) -> int | None:
    if template_id is None:
        return default_template_id()
    tpl = QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == int(template_id))
    if tpl is None or not tpl.active:
        raise ValidationError("问卷模板", "所选问卷模板已被修改或停用，请刷新后重新选择。")
    return tpl.id


def _create(
    trigger: str,
    picks: list[tuple[int, int, str]],
    assignees: list[int | None],
    names: dict[int, str],
    window,
    template_id: int | None,
) -> tuple[int, int, dict[str, int]]:
    """Insert one task per (customer, order, note) pick not yet in the plan, on the template.
    Returns (created, skipped, per-staff counts of the created ones)."""
    existing = _existing_orders(trigger)
    new, per_staff = [], {}
    for (customer_id, order_id, note), staff_id in zip(picks, assignees, strict=True):
        if order_id in existing:
            continue
        existing.add(order_id)
        new.append(NewTask(customer_id, order_id, trigger, window[0], window[1], staff_id, template_id, note))
        who = names.get(staff_id, "未分配")
        per_staff[who] = per_staff.get(who, 0) + 1
    created = insert_tasks(new)
    return created, len(picks) - created, per_staff


@accounts.requires(accounts.MANAGE, "生成抽样回访任务")
def create_plan_tasks(
    name: str,
    start: date,
    end: date,
    filters: PlanFilters = PlanFilters(),
    quotas: Mapping[str, float] | None = None,
    rate: float = DEFAULT_RATE,
    seed: int = 0,
    staff_ids: Sequence[int] = (),
    *,
    window_start: date | None = None,
    window_workdays: int = DEFAULT_WINDOW_WORKDAYS,
    today: date | None = None,
    cal: WorkCalendar | None = None,
    template_id: int | None = None,
) -> PlanResult:
    """Draw the sample and create its tasks (all in one transaction); see the module docstring.
    The tasks use ``template_id`` (default: the default questionnaire)."""
    name = clean_plan_name(name)
    template_id = _plan_template(template_id)
    cal = cal or calendar.current()
    today = today or date.today()
    preview = preview_plan(start, end, filters, quotas, rate)
    if preview.population == 0:
        raise UserError("该期间没有符合筛选条件的已完成工单，没有可抽样的客户。请调整期间或筛选条件。")
    window = _window(cal, today, window_start, window_workdays)
    names = _staff_names(staff_ids)
    drawn = draw(preview.members, preview.counts, int(seed))
    note_tail = f"；种子：{int(seed)}；期间：{start}至{end}；{filters.describe()}"
    picks = [
        (cid, preview.latest_order[cid], f"分层：{stratum}{note_tail}")
        for stratum in STRATA
        for cid in drawn[stratum]
    ]
    trigger = PLAN_PREFIX + name
    with db.atomic():
        created, skipped, per_staff = _create(
            trigger, picks, round_robin(picks, list(names)), names, window, template_id
        )
    return PlanResult(trigger, {k: len(v) for k, v in drawn.items()}, created, skipped, per_staff, *window)


# ---------------------------------------------------------------- evaluator-role plans
@dataclass
class EvaluatorRow:
    role: str
    population: int
    rate: float
    count: int


def _check_rates(rates: Mapping[str, float] | None) -> dict[str, float]:
    errors: list[ValidationError] = []
    clean = {
        role: _check_rate(value, errors, f"{role}比例") for role, value in (rates or EVALUATOR_RATES).items()
    }
    if errors:
        raise ValidationErrors(errors)
    return clean


def _day_orders(day: date, filters: PlanFilters) -> list[tuple[int, int, str]]:
    """(order id, customer id, engineer) of the orders completed on ``day``."""
    query = (
        _orders_in(day, day, filters)
        .select(ServiceOrder.id, ServiceOrder.customer, ServiceOrder.engineer)
        .order_by(ServiceOrder.id)
    )
    return [tuple(row) for row in _raw(query)]


def preview_evaluator(
    day: date, filters: PlanFilters = PlanFilters(), rates: Mapping[str, float] | None = None
) -> list[EvaluatorRow]:
    """Per role: the day's completed orders, the share and how many orders it covers — 工长自评
    all of them on its own form, 调度 and 管理人员 by phone, never the same order (``phone_counts``)."""
    if day is None:
        raise ValidationError("日期", "请选择要抽样的完工日期。")
    clean = _check_rates(rates)
    population = len(_day_orders(day, filters))
    counts = phone_counts(population, clean)
    counts[SELF_REVIEW] = sample_size(population, clean.get(SELF_REVIEW, EVALUATOR_RATES[SELF_REVIEW]))
    return [
        EvaluatorRow(role, population, clean.get(role, EVALUATOR_RATES[role]), counts[role])
        for role in EVALUATOR_RATES
    ]


@accounts.requires(accounts.MANAGE, "生成评价回访任务")
def create_evaluator_tasks(
    name: str,
    day: date,
    filters: PlanFilters = PlanFilters(),
    rates: Mapping[str, float] | None = None,
    seed: int = 0,
    staff_ids: Sequence[int] = (),
    *,
    window_start: date | None = None,
    window_workdays: int = 3,
    today: date | None = None,
    cal: WorkCalendar | None = None,
    template_id: int | None = None,
) -> PlanResult:
    """The phone lists of the day: 调度回访 round-robin to the chosen staff, 管理人员回访 to the
    active 主管 (``evaluator_draw``: reproducible from ``seed``, no order in both; an order already
    in the other list of this plan is skipped). 工长自评 makes no task: the foreman fills his own
    form (``desktop.services.visits.foreman_review``). The tasks use ``template_id`` (default: the
    maintenance centre's questionnaire)."""
    name = clean_plan_name(name)
    template_id = evaluator_template_id() if template_id is None else _plan_template(template_id)
    cal = cal or calendar.current()
    today = today or date.today()
    rows = {r.role: r for r in preview_evaluator(day, filters, rates)}
    orders = _day_orders(day, filters)
    if not orders:
        raise UserError(f"{day} 没有符合筛选条件的已完成工单，无法抽样。请换一个日期或调整筛选条件。")
    window = _window(cal, today, window_start, window_workdays)
    names = _staff_names(staff_ids)
    managers = [i for (i,) in Staff.select(Staff.id).where(Staff.active & (Staff.role == "主管")).tuples()]
    all_names = dict(Staff.select(Staff.id, Staff.name).tuples())
    customer_of = {o[0]: o[1] for o in orders}
    chosen = evaluator_draw(list(customer_of), {role: rows[role].count for role in PHONE_ROLES}, int(seed))
    triggers = {role: f"{PLAN_PREFIX}{name}·{role}" for role in PHONE_ROLES}
    created, skipped, per_staff = 0, 0, {}
    with db.atomic():
        for role in PHONE_ROLES:
            other = next(r for r in PHONE_ROLES if r != role)
            taken = _existing_orders(triggers[other])
            picks = [
                (customer_of[oid], oid, f"评价角色：{role}；种子：{int(seed)}；完工日：{day}")
                for oid in chosen[role]
                if oid not in taken
            ]
            skipped += len(chosen[role]) - len(picks)
            staff = managers if role == MANAGERS else list(names)
            made, skip, counts = _create(
                triggers[role], picks, round_robin(picks, staff), all_names, window, template_id
            )
            created += made
            skipped += skip
            for who, n in counts.items():
                per_staff[who] = per_staff.get(who, 0) + n
    note = (
        f"工长自评 {rows[SELF_REVIEW].count} 张工单由工长在“工长自评”页逐单评分（不建回访任务，"
        "不计入客户满意度）。"
    )
    drawn = {role: len(chosen[role]) for role in PHONE_ROLES}
    return PlanResult(PLAN_PREFIX + name, drawn, created, skipped, per_staff, *window, note=note)


# ---------------------------------------------------------------- quarterly batch and history
def run_quarterly_batch(today: date, cal: WorkCalendar | None = None) -> int:
    """In the first 30 days of a quarter, sample last quarter's customers with the default
    quotas and rate (plan "季度批量 2024Q3", unassigned). Returns the tasks created."""
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    if (today - quarter_start).days > 30:
        return 0
    prev_end = quarter_start - timedelta(days=1)
    prev_start = date(prev_end.year, (prev_end.month - 1) // 3 * 3 + 1, 1)
    quarter = (prev_end.month - 1) // 3 + 1
    name = f"季度批量 {prev_end.year}Q{quarter}"
    if not _orders_in(prev_start, prev_end, PlanFilters()).exists():
        return 0
    # the scheduler's own work at start-up, whoever is signed in: not the guarded entry point
    result = create_plan_tasks.__wrapped__(
        name, prev_start, prev_end, seed=prev_end.year * 10 + quarter, today=today, cal=cal
    )
    return result.created


def list_plans(limit: int = 50) -> list[tuple[str, int, int, object]]:
    """(plan name, tasks, completed, first created) of the plans made so far, newest first."""
    done = pw.fn.SUM(pw.Case(None, [(VisitTask.status == "已完成", 1)], 0))
    first = pw.fn.MIN(VisitTask.created_at)
    query = (
        VisitTask.select(VisitTask.trigger, pw.fn.COUNT(VisitTask.id), done, first)
        .where(VisitTask.trigger.startswith(PLAN_PREFIX))
        .group_by(VisitTask.trigger)
        .order_by(first.desc(), VisitTask.trigger)
        .limit(limit)
    )
    return [(t.removeprefix(PLAN_PREFIX), n, int(d or 0), c) for t, n, d, c in query.tuples()]


def filter_choices() -> dict[str, list[str]]:
    """Values for the filter pickers: service types, regions, teams, engineers in use."""

    def distinct(column) -> list[str]:
        rows = column.model.select(column).where(column != "").distinct().order_by(column).tuples()
        return [r[0] for r in rows if r[0]]

    types = list(ServiceOrder.SERVICE_TYPES)
    types += [t for t in distinct(ServiceOrder.service_type) if t not in types]
    return {
        "service_type": types,
        "region": distinct(Customer.region),
        "team": distinct(ServiceOrder.team),
        "engineer": distinct(ServiceOrder.engineer),
    }
