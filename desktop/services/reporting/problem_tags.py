"""Tagging negative feedback with problem categories (问题归类): suggestions from the keywords, tagging by hand or all at once, and the list still untagged."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import peewee as pw

from desktop.models import ProblemCategory, ServiceOrder, Visit, VisitProblem, db

from ..admin import accounts
from ..common.errors import UserError
from .problems import NEGATIVE_MOODS, chunks, low_answers, negative_visit_ids, remark_texts, untagged_query
from .remarks import category_for_dimension, match_keywords
from .scope import Scope


# ------------------------------------------------------------------ suggestions
@dataclass
class Suggestion:
    category_id: int
    name: str
    score: float
    keywords: list[str] = field(default_factory=list)  # matched in the text
    dimensions: list[str] = field(default_factory=list)  # "响应及时性:不满意"

    @property
    def why(self) -> str:
        parts = []
        if self.keywords:
            parts.append("关键词 " + "、".join(f"“{k}”" for k in self.keywords))
        if self.dimensions:
            parts.append("低分 " + "、".join(self.dimensions))
        return "；".join(parts)


def _active_categories() -> list[ProblemCategory]:
    return list(
        ProblemCategory.select()
        .where(ProblemCategory.active == True)  # noqa: E712
        .order_by(ProblemCategory.position, ProblemCategory.id)
    )


def suggest_for(
    text: str, low_answers: list[tuple[str, str, int, int]], cats: list[ProblemCategory]
) -> list[Suggestion]:
    """Suggestions from a text and low answers against the given categories (best first)."""
    by_name = {c.name: c for c in cats}
    found: dict[int, Suggestion] = {}
    order = {c.id: i for i, c in enumerate(cats)}
    matched = match_keywords(text, {c.id: c.keywords or [] for c in cats})
    for cat in cats:
        hits = matched.get(cat.id)
        if hits:
            found[cat.id] = Suggestion(cat.id, cat.name, float(len(hits)), keywords=hits)
    for dimension, label, sev, _pos in low_answers:
        name = category_for_dimension(dimension)
        cat = by_name.get(name) if name else None
        if cat is None:
            continue
        sug = found.setdefault(cat.id, Suggestion(cat.id, cat.name, 0.0))
        sug.score += sev
        sug.dimensions.append(f"{dimension}：{label}")
    return sorted(found.values(), key=lambda s: (-s.score, order[s.category_id]))


def suggest_many(visit_ids: Iterable[int]) -> dict[int, list[Suggestion]]:
    """visit id → suggested categories (best first); a few queries for any number of visits."""
    ids = list(dict.fromkeys(int(v) for v in visit_ids))
    cats = _active_categories()
    texts = remark_texts(ids)
    lows = low_answers(ids)
    return {vid: suggest_for(texts.get(vid, ""), lows.get(vid, []), cats) for vid in ids}


def suggest_categories(visit_id: int) -> list[Suggestion]:
    """Categories suggested for one visit from its free text (keywords) and its low answers."""
    if not Visit.select().where(Visit.id == visit_id).exists():
        raise UserError("找不到该回访记录，可能已被删除，请刷新后重试。")
    return suggest_many([visit_id])[visit_id]


# ------------------------------------------------------------------ tagging
def _check_category(category_id: int) -> ProblemCategory:
    cat = ProblemCategory.get_or_none(ProblemCategory.id == category_id)
    if cat is None:
        raise UserError("找不到该问题分类，可能已被修改，请刷新后重试。")
    if not cat.active:
        raise UserError(f"问题分类“{cat.name}”已停用，不能再归入。请选择其他分类，或在设置中启用它。")
    return cat


def _existing_links(visit_ids: list[int]) -> set[tuple[int, int]]:
    links = set()
    for chunk in chunks(visit_ids):
        query = VisitProblem.select(VisitProblem.visit, VisitProblem.category).where(
            VisitProblem.visit.in_(chunk)
        )
        links.update(query.tuples())
    return links


def _insert_links(pairs: list[tuple[int, int]]) -> None:
    for i in range(0, len(pairs), 400):
        VisitProblem.insert_many(
            pairs[i : i + 400], fields=[VisitProblem.visit, VisitProblem.category]
        ).execute()


@accounts.requires(accounts.MANAGE, "问题归类")
def tag_visits(visit_ids: Iterable[int], category_id: int) -> int:
    """Put the visits into one category (those already in it are left as they are).
    Returns how many links were added."""
    ids = list(dict.fromkeys(int(v) for v in visit_ids))
    if not ids:
        raise UserError("请先在列表中选择要归类的回访记录。")
    cat = _check_category(category_id)
    with db.atomic():
        known = set()
        for chunk in chunks(ids):
            known.update(r[0] for r in Visit.select(Visit.id).where(Visit.id.in_(chunk)).tuples())
        if len(known) != len(ids):
            raise UserError("所选回访记录中有的已被删除，请刷新列表后重试。")
        existing = _existing_links(ids)
        pairs = [(vid, cat.id) for vid in ids if (vid, cat.id) not in existing]
        _insert_links(pairs)
    return len(pairs)


@accounts.requires(accounts.MANAGE, "问题归类")
def untag_visit(visit_id: int, category_id: int) -> bool:
    with db.atomic():
        deleted = (
            VisitProblem.delete()
            .where((VisitProblem.visit == visit_id) & (VisitProblem.category == category_id))
            .execute()
        )
    return bool(deleted)


@accounts.requires(accounts.MANAGE, "问题归类")
def apply_suggestions(visit_ids: Iterable[int]) -> dict[str, int]:
    """Tag each visit with all its suggested categories, in one transaction.
    Returns {"visits": checked, "tagged": visits that got a new category, "links": links added,
    "no_suggestion": visits with nothing to suggest}."""
    ids = list(dict.fromkeys(int(v) for v in visit_ids))
    suggestions = suggest_many(ids)
    counts = {"visits": len(ids), "tagged": 0, "links": 0, "no_suggestion": 0}
    with db.atomic():
        existing = _existing_links(ids)
        pairs = []
        for vid in ids:
            sugs = suggestions.get(vid, [])
            if not sugs:
                counts["no_suggestion"] += 1
                continue
            new = [(vid, s.category_id) for s in sugs if (vid, s.category_id) not in existing]
            if new:
                counts["tagged"] += 1
                pairs.extend(new)
        _insert_links(pairs)
        counts["links"] = len(pairs)
    return counts


@accounts.requires(accounts.MANAGE, "问题归类")
def auto_tag(period=None, only_untagged: bool = True, **filters) -> dict[str, int]:
    """Apply the suggestions to the negative visits of ``period`` (None = all time; a
    (start, end) pair, a ``periods.Period`` or a ``Scope``), in one transaction. With ``only_untagged`` the
    visits that already have a category are left alone; otherwise suggested categories they
    lack are added (nothing is ever removed). Running it twice adds nothing the second time."""
    scope = Scope.of(period, **filters)  # a Scope keeps its filters and the 回访员's restriction
    if only_untagged:
        ids = [v.id for v in untagged_query(scope, None, {}).select(Visit.id).order_by(Visit.id)]
    else:
        ids = negative_visit_ids(scope)
    return apply_suggestions(ids)


# ------------------------------------------------------------------ untagged list
@dataclass
class NegativeVisit:
    visit_id: int
    visit_date: date
    service_type: str
    engineer: str
    team: str
    mood: str
    complaint: bool
    low_answers: list[str]
    text: str
    suggestions: list[Suggestion]

    @property
    def reasons(self) -> str:
        parts = list(self.low_answers)
        if self.mood in NEGATIVE_MOODS:
            parts.append(f"情绪{self.mood}")
        if self.complaint:
            parts.append("投诉工单")
        return "、".join(parts)


def untagged_negative(start=None, end=None, *, limit: int | None = 200, **filters) -> list[NegativeVisit]:
    """Negative visits in scope without any category, newest first, with suggestions."""
    query = (
        untagged_query(start, end, filters)
        .select(
            Visit.id,
            Visit.visit_date,
            ServiceOrder.service_type,
            ServiceOrder.engineer,
            ServiceOrder.team,
            Visit.mood,
            ServiceOrder.is_complaint,
        )
        .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    rows = list(query.tuples())
    ids = [r[0] for r in rows]
    texts = remark_texts(ids)
    lows = low_answers(ids)
    cats = _active_categories()
    out = []
    for vid, day, stype, engineer, team, mood, complaint in rows:
        low = lows.get(vid, [])
        out.append(
            NegativeVisit(
                visit_id=vid,
                visit_date=day,
                service_type=stype or "",
                engineer=engineer or "",
                team=team or "",
                mood=mood,
                complaint=bool(complaint),
                low_answers=[f"{d}：{label}" for d, label, _s, _p in low],
                text=accounts.text_for_screen(texts.get(vid, "")),
                suggestions=suggest_for(texts.get(vid, ""), low, cats),
            )
        )
    return out
