"""Indicators whose actual value the program computes (满意度, 投诉, 一次解决) from the visits and
orders of the period and the scorecard's 评价对象 (a team, a service type or 新客户 / 老客户: the
reporting core's ``Scope``), and refreshing a scorecard with them."""

import re
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from desktop.models import KpiIndicator, db

from ..admin import accounts
from ..intake import first_fix
from ..reporting.periods import Period
from ..reporting.scope import Scope
from . import scopes
from .kpi import (
    ALL_TEAMS,
    COMPLAINT_TIMELY,
    CSAT,
    FIRST_TIME_FIX,
    NO_DATA,
    ScorecardData,
    clean_target,
    load,
    num,
    parse_period,
)


# ---------------------------------------------------------------- computed actual values
@dataclass(frozen=True)
class Computed:
    value: float | None  # percent, one decimal; None: no data
    numerator: int
    denominator: int
    basis: str  # how it was computed, for the status line / tooltip


def _scope(period_or_scope: Period | Scope, team: str = ALL_TEAMS) -> Scope:
    """The reporting core's scope of a figure: a ``Scope`` as is, or a period and a team (全部:
    every team) as the older call style passes them."""
    if isinstance(period_or_scope, Scope):
        return period_or_scope
    return scopes.reporting_scope(period_or_scope, scopes.TEAM, team)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def csat_counts(period: Period | Scope, team: str = ALL_TEAMS) -> tuple[int, int]:
    """(非常满意 + 满意, all valid level answers) of completed, valid visits in the scope (a
    ``Scope``, or a period and a team), verification visits left out — counted by
    ``statistics.overall`` over the reporting ``Scope``."""
    from ..reporting.statistics import overall

    figures = overall(_scope(period, team))
    return figures.counts.get(5, 0) + figures.counts.get(4, 0), figures.level_n


def complaint_counts(
    period: Period | Scope, team: str = ALL_TEAMS, at: datetime | None = None
) -> tuple[int, int]:
    """(answered in time, complaints) among the complaint orders received in the scope —
    ``reporting.orders.complaint_timeliness`` summed over the levels: in time is within the
    level's hours (一级 24 h, 二级 12 h, 三级 2 h; ``intake.complaints``).

    The response moment is 首次响应时间, or the closing time when no response was recorded (the
    customer was answered by then at the latest). A complaint with neither counts as late once
    its deadline is over, and is left out while it is still running (at ``at``, now).
    """
    from ..reporting.orders import complaint_timeliness, total

    rate = total(complaint_timeliness(_scope(period, team), at), "")
    return rate.part, rate.whole


def first_time_fix_counts(
    period: Period | Scope, team: str = ALL_TEAMS, at: datetime | None = None
) -> tuple[int, int]:
    """(fixed at the first visit, orders where that is known) among the scope's orders completed
    in its period: what the order says (是/否), else judged by ``first_fix`` (同一产品返修 within
    返修判定天数, as of ``at``, now)."""
    return first_fix.counts(_scope(period, team), at=at)


def fn_sum_case(condition) -> pw.Expression:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END)."""
    return pw.fn.SUM(pw.Case(None, [(condition, 1)], 0))


COUNTERS = {CSAT: csat_counts, COMPLAINT_TIMELY: complaint_counts, FIRST_TIME_FIX: first_time_fix_counts}
WORDS = {
    CSAT: "非常满意+满意 {good} / 有效回答 {total}",
    COMPLAINT_TIMELY: "按等级时限内响应 {good} / 投诉 {total}",
    FIRST_TIME_FIX: "一次性解决 {good} / 已知结果的工单 {total}",
}


def compute_actual(source: str, period: Period, team: str, scope_kind: str = scopes.TEAM) -> Computed | None:
    """The actual value of a computed indicator for the period and 评价对象 (``team``: a team,
    or a service type / 新客户 / 老客户 as ``scope_kind`` says); None for manual ones."""
    counter = COUNTERS.get(source)
    if counter is None:
        return None
    good, total = counter(scopes.reporting_scope(period, scope_kind, team))
    words = f"{period.code} {scopes.target_text(scope_kind, team)}：" + WORDS[source].format(
        good=good, total=total
    )
    value = _percent(good, total)
    basis = f"{words} = {num(value, 1)}%" if value is not None else f"{words}（{NO_DATA}）"
    if source == FIRST_TIME_FIX:
        basis += f"；未填写一次性解决的工单：{first_fix.rule_text()}"
    return Computed(value, good, total, basis)


@dataclass(frozen=True)
class RefreshItem:
    level2: str
    source: str
    value: float | None
    basis: str


def _note_after_refresh(note: str, has_data: bool) -> str:
    note = (note or "").strip()
    rest = re.sub(rf"^{NO_DATA}[;；\s]*", "", note)
    if has_data:
        return rest
    return f"{NO_DATA}；{rest}" if rest else NO_DATA


def apply_computed(data: ScorecardData) -> list[RefreshItem]:
    """Fill the computed indicators of a draft from the data of its period and 评价对象 — a team,
    a service type or 新客户 / 老客户, through the reporting core's ``Scope`` (no write).

    No data → actual value empty and the note says 无数据."""
    period = parse_period(data.period)
    kind = scopes.clean_kind(data.scope_kind)
    target = clean_target(data.target, kind)
    items = []
    for row in data.rows:
        if not row.computed:
            continue
        result = compute_actual(row.source, period, target, kind)
        row.actual = result.value
        row.note = _note_after_refresh(row.note, result.value is not None)
        items.append(RefreshItem(row.level2, row.source, result.value, result.basis))
    return items


@accounts.requires(accounts.MANAGE, "修改质量评价")
def refresh_actuals(scorecard) -> list[RefreshItem]:
    """Recompute the computed indicators of a saved scorecard from the data and save them."""
    data = load(scorecard)
    items = apply_computed(data)
    with db.atomic():
        for row in data.rows:
            if row.computed:
                KpiIndicator.update(actual=row.actual, note=row.note).where(
                    KpiIndicator.id == row.id
                ).execute()
    return items
