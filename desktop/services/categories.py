"""问题分类 (problem categories) that negative feedback is tagged with: an editable, ordered list.

Categories are never deleted (visits and improvement actions refer to them); one that is no
longer wanted is deactivated: it disappears from the tag choices but stays in the statistics.
"""

import peewee as pw

from desktop.models import ImprovementAction, ProblemCategory, VisitProblem, db

from .errors import UserError, ValidationError
from .validation import clean_text

FIELD = "分类名称"


def list_categories(include_inactive: bool = True) -> list[ProblemCategory]:
    query = ProblemCategory.select()
    if not include_inactive:
        query = query.where(ProblemCategory.active)
    return list(query.order_by(ProblemCategory.position, ProblemCategory.id))


def active_names() -> list[str]:
    return [c.name for c in list_categories(include_inactive=False)]


def usage_counts() -> dict[int, int]:
    """Category id → number of visits tagged with it (one query)."""
    query = (
        VisitProblem.select(VisitProblem.category, pw.fn.COUNT(VisitProblem.id))
        .group_by(VisitProblem.category)
        .tuples()
    )
    return dict(query)


def _clean_name(name, exclude_id: int | None = None) -> str:
    text = clean_text(name, FIELD, required=True, max_len=20)
    query = ProblemCategory.select().where(ProblemCategory.name == text)
    if exclude_id is not None:
        query = query.where(ProblemCategory.id != exclude_id)
    other = query.first()
    if other is not None:
        hint = "" if other.active else "(该分类已停用,可以直接启用它)"
        raise ValidationError(FIELD, f"已有分类“{text}”{hint},请换一个名称。")
    return text


def _get(category) -> ProblemCategory:
    category_id = category.id if isinstance(category, ProblemCategory) else int(category)
    found = ProblemCategory.get_or_none(ProblemCategory.id == category_id)
    if found is None:
        raise UserError("找不到该问题分类,可能已被修改,请刷新后重试。")
    return found


def add_category(name: str) -> ProblemCategory:
    """A new active category at the end of the list."""
    text = _clean_name(name)
    with db.atomic():
        last = ProblemCategory.select(pw.fn.MAX(ProblemCategory.position)).scalar()
        return ProblemCategory.create(name=text, position=(last + 1) if last is not None else 0)


def rename_category(category, name: str) -> ProblemCategory:
    """Rename; visits and actions already tagged follow the new name (they link by id)."""
    found = _get(category)
    text = _clean_name(name, exclude_id=found.id)
    if text != found.name:
        found.name = text
        found.save()
    return found


def set_active(category, active: bool) -> ProblemCategory:
    found = _get(category)
    if found.active != active:
        found.active = active
        found.save()
    return found


def move_category(category, delta: int) -> ProblemCategory:
    """Swap with the neighbour ``delta`` places away (−1 up, +1 down); positions become 0..n-1."""
    found = _get(category)
    rows = list_categories()
    index = next(i for i, c in enumerate(rows) if c.id == found.id)
    other = index + delta
    if not 0 <= other < len(rows):
        return found
    rows[index], rows[other] = rows[other], rows[index]
    with db.atomic():
        for pos, cat in enumerate(rows):
            if cat.position != pos:
                cat.position = pos
                cat.save()
    return _get(found)


def action_counts() -> dict[int, int]:
    """Category id → number of improvement actions filed under it."""
    query = (
        ImprovementAction.select(ImprovementAction.category, pw.fn.COUNT(ImprovementAction.id))
        .where(ImprovementAction.category.is_null(False))
        .group_by(ImprovementAction.category)
        .tuples()
    )
    return dict(query)
