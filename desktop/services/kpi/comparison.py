"""Two scorecards side by side (质量评价 对比): the change of every indicator, the previous
scorecard of a target, and the scorecards a report period and scope take in."""

from dataclasses import dataclass
from datetime import date

from desktop.models import KpiScorecard

from ..reporting.scope import Scope
from ..reporting.scoring import trend
from . import scopes
from .kpi import ALL_TEAMS, TEAM, ScorecardData, ScorecardSummary, list_scorecards, load, period_of


# ---------------------------------------------------------------- two periods side by side
@dataclass(frozen=True)
class CompareRow:
    level1: str
    level2: str
    weight_a: float | None
    weight_b: float | None
    score_a: float | None
    score_b: float | None
    change: float | None  # b − a
    arrow: str  # ↑ / ↓ / → ("" when one side has no score)


@dataclass(frozen=True)
class Comparison:
    a: ScorecardData
    b: ScorecardData
    rows: list[CompareRow]
    total_a: float
    total_b: float
    total_change: float
    total_arrow: str
    grade_a: str
    grade_b: str


def compare(a, b) -> Comparison:
    """Scorecard ``a`` (the earlier, say) against ``b``: per indicator (matched by 二级指标) the two
    scores and the change b − a, then the totals and grades. Indicators in only one of them are
    listed with the other side empty."""
    card_a = a if isinstance(a, ScorecardData) else load(a)
    card_b = b if isinstance(b, ScorecardData) else load(b)
    by_name_a = {row.level2: row for row in card_a.rows}
    rows = []
    for row in card_b.rows:
        other = by_name_a.pop(row.level2, None)
        score_a = other.score if other else None
        arrow, change = trend(row.score, score_a)
        rows.append(
            CompareRow(
                row.level1,
                row.level2,
                other.weight if other else None,
                row.weight,
                score_a,
                row.score,
                change,
                arrow,
            )
        )
    for row in by_name_a.values():
        rows.append(CompareRow(row.level1, row.level2, row.weight, None, row.score, None, None, ""))
    total_arrow, total_change = trend(card_b.total, card_a.total)
    return Comparison(
        card_a,
        card_b,
        rows,
        card_a.total,
        card_b.total,
        round(total_change or 0.0, 2),
        total_arrow,
        card_a.grade,
        card_b.grade,
    )


def compare_in_period_order(x: ScorecardData, y: ScorecardData) -> Comparison:
    """:func:`compare` with the earlier period as ``a``; ``y`` comes first unless ``x``'s period
    is known and starts before ``y``'s."""
    px, py = x.period_info, y.period_info
    if px is not None and py is not None and px.start < py.start:
        return compare(x, y)
    return compare(y, x)


def change_text(arrow: str, change: float | None) -> str:
    """A score change as shown beside two periods: "↑ +1.76", "↓ -0.62", "→ +0.00"; "—" when one
    side has no score."""
    if not arrow or change is None:
        return "—"
    return f"{arrow} {change:+.2f}"


def previous_scorecard(scorecard) -> int | None:
    """The latest scorecard of the same 评价对象 from an earlier period (for 两期对比)."""
    data = scorecard if isinstance(scorecard, ScorecardData) else load(scorecard)
    period = data.period_info
    if period is None:
        return None
    best: tuple[date, int] | None = None
    for card in KpiScorecard.select().where(
        KpiScorecard.target == data.target,
        KpiScorecard.scope_kind == data.scope_kind,
        KpiScorecard.id != data.id,
    ):
        other = period_of(card.period)
        if other is not None and other.start < period.start and (best is None or other.start > best[0]):
            best = (other.start, card.id)
    return best[1] if best else None


def scorecards_within(scope: Scope) -> list[ScorecardSummary]:
    """The scorecards of a report's period and scope: the same period, or periods inside it (the
    quarters of a year report); for a team, its own and the 全部 ones, for a service type or
    新客户 / 老客户 its own (``scopes.fits``). Oldest period first, the teams' before the others."""
    cards = []
    for card in list_scorecards():
        period = period_of(card.period)
        if period is None or period.start < scope.period.start or period.end > scope.period.end:
            continue
        if scopes.fits(card.scope_kind, card.target, scope):
            cards.append(card)
    cards.sort(key=lambda c: (c.start or date.min, c.scope_kind != TEAM, c.target == ALL_TEAMS, c.target))
    return cards
