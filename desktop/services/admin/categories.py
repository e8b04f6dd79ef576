"""问题分类 (problem categories) that negative feedback is tagged with: an editable, ordered list.

Categories are never deleted (visits and improvement actions refer to them); one that is no
longer wanted is deactivated: it disappears from the tag choices but stays in the statistics.
"""

import re

import peewee as pw

from desktop.models import ImprovementAction, ProblemCategory, VisitProblem, db

from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_text, shown, to_halfwidth
from . import accounts

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
        hint = "" if other.active else "（该分类已停用，可以直接启用它）"
        raise ValidationError(FIELD, f"已有分类“{text}”{hint}，请换一个名称。")
    return text


def _get(category) -> ProblemCategory:
    category_id = category.id if isinstance(category, ProblemCategory) else int(category)
    found = ProblemCategory.get_or_none(ProblemCategory.id == category_id)
    if found is None:
        raise UserError("找不到该问题分类，可能已被修改，请刷新后重试。")
    return found


@accounts.requires(accounts.MANAGE, "修改问题分类")
def add_category(name: str) -> ProblemCategory:
    """A new active category at the end of the list."""
    text = _clean_name(name)
    with db.atomic():
        last = ProblemCategory.select(pw.fn.MAX(ProblemCategory.position)).scalar()
        return ProblemCategory.create(name=text, position=(last + 1) if last is not None else 0)


@accounts.requires(accounts.MANAGE, "修改问题分类")
def rename_category(category, name: str) -> ProblemCategory:
    """Rename; visits and actions already tagged follow the new name (they link by id)."""
    found = _get(category)
    text = _clean_name(name, exclude_id=found.id)
    if text != found.name:
        found.name = text
        found.save()
    return found


@accounts.requires(accounts.MANAGE, "修改问题分类")
def set_active(category, active: bool) -> ProblemCategory:
    found = _get(category)
    if found.active != active:
        found.active = active
        found.save()
    return found


@accounts.requires(accounts.MANAGE, "修改问题分类")
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


KEYWORDS_FIELD = "关键词"
_KEYWORD_SPLIT = re.compile(r"[\s,，、;；/|]+")
MAX_KEYWORD_LEN = 12
MAX_KEYWORDS = 200


def parse_keywords(value) -> list[str]:
    """Keywords typed as one text ("慢、等了, 没人接") or given as a list → a clean list:
    trimmed, full-width forms folded, duplicates dropped, order kept. Raises ValidationError
    naming the keyword that is too long, or when there are too many."""
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:  # one text (or a stray number): split into words
        items = _KEYWORD_SPLIT.split("" if value is None else str(value))
    words: list[str] = []
    for item in items:
        word = to_halfwidth(str(item)).strip()
        if not word or word in words:
            continue
        if len(word) > MAX_KEYWORD_LEN:
            raise ValidationError(
                KEYWORDS_FIELD,
                f"“{shown(word, 20)}”太长（{len(word)} 字），每个关键词最多 {MAX_KEYWORD_LEN} 字，"
                "请只写客户常说的短词，多个关键词用顿号或逗号隔开。",
            )
        words.append(word)
    if len(words) > MAX_KEYWORDS:
        raise ValidationError(KEYWORDS_FIELD, f"关键词太多（{len(words)} 个），最多 {MAX_KEYWORDS} 个，请删减。")
    return words


def keywords_of(category) -> list[str]:
    return list(_get(category).keywords or [])


@accounts.requires(accounts.MANAGE, "修改问题分类")
def set_keywords(category, value) -> ProblemCategory:
    """Replace the category's keyword rules (an empty list stays empty: the shipped defaults
    are only filled in where keywords were never set)."""
    found = _get(category)
    words = parse_keywords(value)
    if found.keywords != words:
        found.keywords = words
        found.save()
    return found


@accounts.requires(accounts.MANAGE, "修改问题分类")
def set_all_keywords(values: dict) -> int:
    """Save the keyword rules of several categories at once ({category id: text or list}).
    Everything is checked first: one bad entry saves nothing and the error names its category.
    Returns how many categories changed."""
    cleaned, errors = [], []
    for category_id, value in values.items():
        found = _get(category_id)
        try:
            cleaned.append((found, parse_keywords(value)))
        except ValidationError as err:
            errors.append(ValidationError(f"{found.name}的关键词", err.message))
    if errors:
        raise ValidationErrors(errors)
    changed = 0
    with db.atomic():
        for found, words in cleaned:
            if found.keywords != words:
                found.keywords = words
                found.save()
                changed += 1
    return changed
