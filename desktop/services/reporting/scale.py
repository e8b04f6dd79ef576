"""The answer scales (评分标准): one per question kind and template, defined once.

Every reading of an answer goes through here: its 5-level value (``level_of`` in Python,
``level_sql`` in SQL), whether it is satisfied (非常满意 + 满意), low (negative feedback) or
passes a verification visit — and the legend a printed form shows. The 10-point bands belong
to the template: the car template prints its legend from ``CAR_BANDS``, so the printed legend
and the statistics read a score the same way.

* 5 levels (非常满意 5 … 非常不满意 1), stored as 1–5;
* 1–10 scores, banded into the 5 levels by the template's bands (``bands_for(family)``);
  the engineering form's bands (DOMAIN §3) unless the template prints others;
* the maintenance centre's 满意 10 / 基本满意 8 / 不满意 6 (points on the 1–10 scale, read on its
  own bands ``MAINTENANCE_BANDS``; its form prints the points);
* 是/否 (1 / 0): no level; a 否 on a 落实度 question is low;
* 0–10 recommendation (NPS): promoters 9–10, detractors 0–6; low at 6 or less.
"""

from dataclasses import dataclass

import peewee as pw

from desktop.models import Question, QuestionnaireTemplate
from desktop.models.questionnaire import LEVEL5, NPS, SCORE10, YESNO

LEVEL_NAMES = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
SATISFIED_LEVELS = (5, 4)  # top-2-box
LOW_LEVELS = (2, 1)
NPS_PROMOTER = 9  # 9–10
NPS_DETRACTOR = 6  # 0–6
YESNO_LOW_DIMENSION = "落实"  # a 否 counts as a problem on the 落实度 (was it done?) questions


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    level: int
    label: str

    def text(self) -> str:
        span = f"{self.low}分" if self.low == self.high else f"{self.low}–{self.high}分"
        return f"{span}{self.label}"


# the engineering form: 很满意 10; 满意 9–8; 基本满意 7; 不满意 6–5; 很不满意 4–1
ENGINEERING_BANDS = (
    Band(10, 10, 5, "很满意"),
    Band(8, 9, 4, "满意"),
    Band(7, 7, 3, "基本满意"),
    Band(5, 6, 2, "不满意"),
    Band(1, 4, 1, "很不满意"),
)
# the car template (汽车维修保养回访): five equal bands, 5 一般 and 10 非常满意 as its legend says
CAR_BANDS = (
    Band(9, 10, 5, "非常满意"),
    Band(7, 8, 4, "满意"),
    Band(5, 6, 3, "一般"),
    Band(3, 4, 2, "不满意"),
    Band(1, 2, 1, "非常不满意"),
)
# the maintenance centre's three answers as points on the 1–10 scale (DOMAIN §3, seed 002);
# its form prints these points, and a score typed between them is read with the nearer answer
# above it (9 满意, 7 基本满意): 满意 is the top answer, 基本满意 一般 (as the engineering form's
# 基本满意 7), 不满意 low
MAINTENANCE_FAMILY = "maintenance_centre"
MAINTENANCE_POINTS = {"满意": 10, "基本满意": 8, "不满意": 6}
MAINTENANCE_BANDS = (
    Band(9, 10, 5, "满意"),
    Band(7, 8, 3, "基本满意"),
    Band(1, 6, 2, "不满意"),
)
TEMPLATE_BANDS = {"car_service": CAR_BANDS, MAINTENANCE_FAMILY: MAINTENANCE_BANDS}  # family → its bands
TEMPLATE_POINTS = {MAINTENANCE_FAMILY: MAINTENANCE_POINTS}  # family → the points its form prints


def bands_for(family: str | None) -> tuple[Band, ...]:
    return TEMPLATE_BANDS.get(family or "", ENGINEERING_BANDS)


def legend(family: str | None) -> str:
    """What the form prints for its 1–10 questions, lowest band first:
    1–2分非常不满意，3–4分不满意，… — or, for a form answered with fixed points, those points
    best first: 满意10分，基本满意8分，不满意6分."""
    points = TEMPLATE_POINTS.get(family or "")
    if points:
        return "，".join(f"{label}{value}分" for label, value in points.items())
    return "，".join(b.text() for b in sorted(bands_for(family), key=lambda b: b.low))


def level_of_score10(score: int, family: str | None = None) -> int:
    """The 5-level reading of a 1–10 score on the template's bands."""
    for band in bands_for(family):
        if band.low <= score <= band.high:
            return band.level
    return 5 if score > 10 else 1


def level_of(kind: str, value: int | None, family: str | None = None) -> int | None:
    """The 5-level reading of a stored answer; None for kinds without one (是/否, NPS, choice)."""
    if value is None:
        return None
    if kind == LEVEL5:
        return value if value in LEVEL_NAMES else None
    if kind == SCORE10:
        return level_of_score10(value, family)
    return None


def is_satisfied(kind: str, value: int | None, family: str | None = None) -> bool:
    return level_of(kind, value, family) in SATISFIED_LEVELS


def is_low(kind: str, value: int | None, family: str | None = None, dimension: str = "") -> bool:
    """Negative feedback: a level of 不满意 or below, an NPS of 6 or less, a 否 on a 落实度 question."""
    if value is None:
        return False
    if kind in (LEVEL5, SCORE10):
        return level_of(kind, value, family) in LOW_LEVELS
    if kind == NPS:
        return value <= NPS_DETRACTOR
    if kind == YESNO:
        return value == 0 and YESNO_LOW_DIMENSION in (dimension or "")
    return False


def passes(kind: str, value: int | None, family: str | None = None) -> bool | None:
    """A verification answer that passes: satisfied (满意 or better) on a rating, 是 on 是/否;
    None when the kind says nothing (no answer, NPS, choice)."""
    if value is None:
        return None
    if kind in (LEVEL5, SCORE10):
        return is_satisfied(kind, value, family)
    if kind == YESNO:
        return bool(value)
    return None


# ---------------------------------------------------------------- SQL
def _band_case(bands, value):
    return pw.Case(
        None,
        [((value >= b.low) & (value <= b.high), b.level) for b in bands],
        pw.Case(None, [(value > 10, 5)], 1),
    )


def _templates_of(family: str):
    return QuestionnaireTemplate.select(QuestionnaireTemplate.id).where(
        QuestionnaireTemplate.family == family
    )


def score10_case(value, template=None):
    """SQL: a 1–10 ``value`` banded into the 5 levels by its template's bands (``template``: the
    question's template id column, default ``Question.template``)."""
    template = Question.template if template is None else template
    branches = [
        (template.in_(_templates_of(family)), _band_case(bands, value))
        for family, bands in TEMPLATE_BANDS.items()
    ]
    return pw.Case(None, branches, _band_case(ENGINEERING_BANDS, value))


def level_sql(kind, value, template=None):
    """SQL: the 5-level reading of an answer (level5 as stored; score10 on its template's bands);
    NULL for other kinds."""
    return pw.Case(None, [(kind == LEVEL5, value), (kind == SCORE10, score10_case(value, template))], None)


def low_sql(kind=None, value=None, dimension=None, template=None):
    """SQL on ``Question`` and ``Answer``: the answer is low (negative feedback)."""
    from desktop.models import Answer

    kind = Question.kind if kind is None else kind
    value = Answer.value if value is None else value
    dimension = Question.dimension if dimension is None else dimension
    return (
        ((kind == LEVEL5) & (value <= 2))
        | ((kind == SCORE10) & (score10_case(value, template) <= 2))
        | ((kind == NPS) & (value <= NPS_DETRACTOR))
        | ((kind == YESNO) & (value == 0) & dimension.contains(YESNO_LOW_DIMENSION))
    )
