"""工长自评 (seed 002's maintenance centre): the foreman assesses every order his team completed
in a day (100%) on three factors — 工单填写的故障情况及原因分析完整程度, 故障处理措施是否得当,
作业效率 — each 满意 10 / 基本满意 8 / 不满意 6, with a remark. One ``ForemanReview`` per order;
not a customer visit, so it never counts in the customers' satisfaction figures.

Who may assess: with sign-in on, a 回访员 account (the foreman's) only the orders of his team (the
department of the staff row linked to the account) or those naming him as the engineer; a 主管
every order; 只读 nobody. With sign-in off (one-person shop, command line) everyone may."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw

from desktop.models import Customer, Department, ForemanReview, ServiceOrder, Staff, db, now

from ..admin import accounts
from ..common.errors import ValidationError, ValidationErrors
from ..reporting.scale import MAINTENANCE_POINTS

# (field, the seed's wording, short column title)
FACTORS = (
    ("completeness", "工单填写的故障情况及原因分析完整程度", "填写完整程度"),
    ("measures", "故障处理措施是否得当", "处理措施"),
    ("efficiency", "作业效率", "作业效率"),
)
FIELDS = tuple(f for f, _t, _s in FACTORS)
POINTS = dict(MAINTENANCE_POINTS)  # 满意 10, 基本满意 8, 不满意 6
LABELS = {points: label for label, points in POINTS.items()}
REMARK_MAX = 200


@dataclass
class ReviewRow:
    """One completed order of the day and its self-assessment (None: not rated yet)."""

    order_id: int
    order_no: str
    customer: str
    service_type: str
    engineer: str
    team: str
    completed_at: datetime | None
    completeness: int | None = None
    measures: int | None = None
    efficiency: int | None = None
    remark: str = ""
    reviewer: str = ""

    @property
    def done(self) -> bool:
        return all(getattr(self, f) is not None for f in FIELDS)


@dataclass(frozen=True)
class ReviewInput:
    order_id: int
    completeness: int | None
    measures: int | None
    efficiency: int | None
    remark: str = ""


# ---------------------------------------------------------------- who may assess what
def _my_scope() -> tuple[set[str], set[str]] | None:
    """None: every order; else (teams, engineer names) the signed-in foreman may assess."""
    me = accounts.current()
    if me is None or me.can(accounts.SEE_ALL):
        return None
    teams: set[str] = set()
    if me.staff_id is not None:
        row = (
            Department.select(Department.name)
            .join(Staff, on=(Staff.department == Department.id))
            .where(Staff.id == me.staff_id)
            .tuples()
            .first()
        )
        if row and row[0]:
            teams.add(row[0])
    return teams, accounts.my_names()


def _scope_condition(scope: tuple[set[str], set[str]]):
    teams, names = scope
    cond = ServiceOrder.id == 0  # nothing, unless a team or a name matches
    if teams:
        cond |= ServiceOrder.team.in_(sorted(teams))
    if names:
        cond |= ServiceOrder.engineer.in_(sorted(names))
    return cond


def scope_text() -> str:
    """What the signed-in person sees on the page, in Chinese."""
    scope = _my_scope()
    if scope is None:
        return "可评价全部班组的工单。"
    teams, names = scope
    parts = [f"班组：{'、'.join(sorted(teams))}"] if teams else []
    if names:
        parts.append(f"工程师：{'、'.join(sorted(names))}")
    if not parts:
        return (
            "当前账号未关联员工或其班组，没有可自评的工单。"
            "请主管在“设置”中把账号关联到员工，并把该员工的部门填为班组名称（与工单的班组一致）。"
        )
    return "只列出您可自评的工单（" + "；".join(parts) + "）。"


# ---------------------------------------------------------------- reading
def _day(value: date) -> pw.Value:
    return pw.Value(value.isoformat(), converter=False)


def day_orders(day: date, team: str = "") -> list[ReviewRow]:
    """The orders completed on ``day`` (of ``team`` when given) that the signed-in person may
    assess, with their self-assessment so far, in order number order."""
    if day is None:
        raise ValidationError("完工日期", "请选择要自评的完工日期。")
    cond = (ServiceOrder.completed_at >= _day(day)) & (
        ServiceOrder.completed_at < _day(day + timedelta(days=1))
    )
    if team:
        cond &= ServiceOrder.team == team
    scope = _my_scope()
    if scope is not None:
        cond &= _scope_condition(scope)
    query = (
        ServiceOrder.select(
            ServiceOrder.id,
            ServiceOrder.order_no,
            Customer.name,
            ServiceOrder.service_type,
            ServiceOrder.engineer,
            ServiceOrder.team,
            ServiceOrder.completed_at,
            ForemanReview.completeness,
            ForemanReview.measures,
            ForemanReview.efficiency,
            ForemanReview.remark,
            ForemanReview.reviewer,
        )
        .join(Customer, on=(ServiceOrder.customer == Customer.id))
        .join(ForemanReview, pw.JOIN.LEFT_OUTER, on=(ForemanReview.order == ServiceOrder.id))
        .where(cond)
        .order_by(ServiceOrder.order_no)
        .tuples()
    )
    return [
        ReviewRow(oid, no, cust, stype, eng, tm, done, c, m, e, remark or "", who or "")
        for oid, no, cust, stype, eng, tm, done, c, m, e, remark, who in query
    ]


def latest_day(before: date, team: str = "") -> date | None:
    """The latest day up to ``before`` on which an order the signed-in person may assess (of
    ``team`` when given) was completed — where the page goes when the chosen day has none."""
    cond = ServiceOrder.completed_at < _day(before + timedelta(days=1))
    if team:
        cond &= ServiceOrder.team == team
    scope = _my_scope()
    if scope is not None:
        cond &= _scope_condition(scope)
    last = ServiceOrder.select(pw.fn.MAX(ServiceOrder.completed_at)).where(cond).scalar()
    if last is None:
        return None
    return last.date() if isinstance(last, datetime) else datetime.fromisoformat(str(last)).date()


def teams() -> list[str]:
    """The teams named on orders (for the page's team picker)."""
    rows = (
        ServiceOrder.select(ServiceOrder.team)
        .where(ServiceOrder.team != "")
        .distinct()
        .order_by(ServiceOrder.team)
    )
    return [t for (t,) in rows.tuples()]


# ---------------------------------------------------------------- saving
def _check(entry: ReviewInput, order_no: str, errors: list) -> dict | None:
    values = {}
    for field, _wording, short in FACTORS:
        value = getattr(entry, field)
        if value is not None and value not in LABELS:
            errors.append(
                ValidationError(
                    f"工单 {order_no} 的{short}",
                    f"“{value}”不是可选的评分，请选满意 10、基本满意 8 或不满意 6。",
                )
            )
        values[field] = value
    remark = (entry.remark or "").strip()
    if len(remark) > REMARK_MAX:
        errors.append(ValidationError(f"工单 {order_no} 的备注", f"不能超过 {REMARK_MAX} 字，请删减。"))
    filled = [f for f in FIELDS if values[f] is not None]
    if not filled and not remark:
        return None  # nothing entered on this row: left as it was
    if len(filled) < len(FIELDS):
        missing = "、".join(short for field, _w, short in FACTORS if values[field] is None)
        errors.append(ValidationError(f"工单 {order_no}", f"还没有评{missing}，请三项都评分后再保存。"))
    values["remark"] = remark
    return values


@accounts.requires(accounts.CALL, "填写工长自评")
def save_reviews(entries: Sequence[ReviewInput], *, today: date | None = None) -> int:
    """Store the self-assessments (all in one transaction; a row with nothing entered is skipped).
    Returns how many orders were saved. Every row is checked first; any error saves nothing."""
    ids = [int(e.order_id) for e in entries]
    orders = {o.id: o for o in ServiceOrder.select().where(ServiceOrder.id.in_(ids))} if ids else {}
    scope = _my_scope()
    errors: list[ValidationError] = []
    clean: list[tuple[int, dict]] = []
    for entry in entries:
        order = orders.get(int(entry.order_id))
        if order is None:
            errors.append(ValidationError("工单", "所选工单已被删除，请刷新后重新填写。"))
            continue
        if scope is not None and not (order.team in scope[0] or order.engineer in scope[1]):
            raise accounts.PermissionDenied(
                f"工单 {order.order_no}（班组：{order.team or '无'}）不是您班组的，工长只能自评本班组或自己名下的工单。"
                "如需评价，请主管操作。"
            )
        values = _check(entry, order.order_no, errors)
        if values is not None:
            clean.append((order.id, values))
    if errors:
        raise ValidationErrors(errors)
    who = accounts.actor_name()
    day = today or date.today()
    with db.atomic():
        for order_id, values in clean:
            row = dict(values, reviewer=who or orders[order_id].team, reviewed_on=day, updated_at=now())
            updated = ForemanReview.update(**row).where(ForemanReview.order == order_id).execute()
            if not updated:
                ForemanReview.create(order=order_id, **row)
    return len(clean)
