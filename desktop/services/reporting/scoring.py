"""The figures everything else shows: satisfaction rate, mean, NPS, KPI item scores, grades.

Denominator of the satisfaction rate (stated in the UI and the report, because tools differ):
all valid answers to the question — 一般 counts in it; unanswered questions and visits marked
invalid do not.
"""

import math
from collections.abc import Iterable, Mapping

from .scale import LEVEL_NAMES

DENOMINATOR_NOTE = "满意率 =（非常满意 + 满意）÷ 该题全部有效回答（含“一般”；未作答、无效问卷及二次回访不计）"
GRADES = ((90, "优秀"), (80, "良好"), (70, "达标"))
GRADE_BELOW = "待改进"
FLAG_RATIO = 0.8  # an indicator scoring below 80% of its weight needs root-cause analysis
NPS_GOAL = 50
RECOVERY_TARGET = 0.70


def _valid(counts: Mapping[int, int]) -> int:
    return sum(n for level, n in counts.items() if level in LEVEL_NAMES)


def satisfaction_rate(counts: Mapping[int, int]) -> float | None:
    """Top-2-box share (非常满意 + 满意) of the valid answers, as a fraction 0…1; None if none."""
    total = _valid(counts)
    if total == 0:
        return None
    return (counts.get(5, 0) + counts.get(4, 0)) / total


def mean_score(counts: Mapping[int, int]) -> float | None:
    """Mean on the 5-point scale; None if there are no valid answers."""
    total = _valid(counts)
    if total == 0:
        return None
    return sum(level * n for level, n in counts.items() if level in LEVEL_NAMES) / total


def nps(scores: Iterable[int]) -> float | None:
    """Net Promoter Score on 0–10 answers: %promoters (9–10) − %detractors (0–6), −100…100."""
    counts: dict[int, int] = {}
    for s in scores:
        counts[s] = counts.get(s, 0) + 1
    return nps_from_counts(counts)


def nps_from_counts(counts: Mapping[int, int]) -> float | None:
    total = sum(n for s, n in counts.items() if 0 <= s <= 10)
    if total == 0:
        return None
    promoters = sum(n for s, n in counts.items() if s >= 9)
    detractors = sum(n for s, n in counts.items() if 0 <= s <= 6)
    return (promoters - detractors) * 100 / total


def kpi_item_score(weight: float, actual: float, target: float) -> float:
    """权重 × 实际值 / 目标值, not capped (beating the target scores above the weight).
    Works alike with percentages (88, 90) and fractions (0.88, 0.90)."""
    if target is None or actual is None:
        raise ValueError("actual and target are required")
    if target <= 0:
        raise ValueError("target must be positive")
    return weight * actual / target


def qualitative_score(reviewer_scores: Iterable[float], weight: float) -> float | None:
    """Reviewers score 1 (不达标) … 5 (优秀); the mean scaled to the weight: mean / 5 × weight."""
    scores = [float(s) for s in reviewer_scores]
    if not scores:
        return None
    if any(not 1 <= s <= 5 for s in scores):
        raise ValueError("reviewer scores are 1–5")
    return sum(scores) / len(scores) / 5 * weight


def grade(total: float) -> str:
    """优秀 ≥ 90; 良好 80–<90; 达标 70–<80; 待改进 < 70."""
    for floor, name in GRADES:
        if total >= floor - 1e-9:
            return name
    return GRADE_BELOW


def needs_root_cause(score: float | None, weight: float) -> bool:
    """Flag an indicator scoring below 80% of its weight."""
    return score is not None and weight > 0 and score < FLAG_RATIO * weight - 1e-9


def trend(
    current: float | None, previous: float | None, tolerance: float = 0.005
) -> tuple[str, float | None]:
    """(arrow, change) against the previous period: ↑ / ↓ / → (within ``tolerance``)."""
    if current is None or previous is None:
        return "", None
    delta = current - previous
    if math.isclose(delta, 0.0, abs_tol=tolerance):
        return "→", delta
    return ("↑" if delta > 0 else "↓"), delta
