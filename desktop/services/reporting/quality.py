"""Invalid visits (无效问卷): found automatically, excluded from the statistics and counted.

Rules for a completed (已完成) visit:

- **pattern-filled (随意勾选) — flagged for review, not invalid** — only for forms the customer filled in alone (回访方式 问卷 or
  短信: ``SELF_FILLED``; on a call the interviewer records each answer, and a customer who is
  very satisfied with everything is not noise) — at least ``MIN_PATTERN`` rating answers (五级 or 1–10), no free
  text anywhere (宝贵意见 and every per-question comment / text answer empty), and the ratings in
  form order are either all the same option, or strictly alternate between two options
  (A B A B A …). A delighted customer ticks 非常满意 throughout too, so a pattern alone does
  not make the form invalid: it is marked 待复核 (``invalid_reason`` starting with
  ``REVIEW_PREFIX``, ``invalid`` still False) and counts in every figure until a 主管 confirms
  it invalid (``confirm_invalid``);
- **key answers missing (关键答案缺失)** — a required question of its template (not retired) has
  no answer (imports and older data can hold such visits; the form itself refuses them).

``flag_invalid(visit_ids=None)`` applies the rules to the given visits (or all) and updates
``Visit.invalid`` / ``invalid_reason``, leaving alone every visit a person has decided on
(``invalid_by_hand`` not None). ``confirm_invalid`` records that decision; ``reset_to_automatic``
hands the visit back to the rules. Saving a visit should call ``flag_invalid([visit.id])``.

Everything is computed in SQL (aggregates and window functions over the answers of the visits
in scope); only the visits that change are written.
"""

from dataclasses import dataclass
from datetime import date

import peewee as pw

from desktop.models import Answer, Customer, Question, Visit, db, now
from desktop.models.connection import portable_sql
from desktop.models.questionnaire import LEVEL5, SCORE10, TEXT

from ..admin import accounts, versions
from ..common.errors import UserError, ValidationError
from ..common.validation import clean_text
from .scale import LEVEL_NAMES
from .scope import DONE

MIN_PATTERN = 5  # rating answers needed before a pattern means anything
REASON_MAX = 200
_BATCH = 400  # visit ids per IN (...) list
_NAMES_SHOWN = 3
SELF_FILLED = ("问卷", "短信")  # methods where a bored respondent can tick one column throughout


REVIEW_PREFIX = "待复核："  # a pattern a 主管 should look at; the visit still counts


@dataclass(frozen=True)
class FlagResult:
    checked: int  # completed visits the rules looked at (hand-decided ones excluded)
    flagged: int  # newly marked invalid or 待复核 (or with a changed reason)
    cleared: int  # automatic marks removed because no rule applies any more
    invalid: int  # visits in scope invalid after the run
    review: int = 0  # visits in scope 待复核 after the run (still counted)


INVALID_TEXT = "无效"
REVIEW_TEXT = "待复核"


def validity_sql():
    """SQL on ``Visit``: 无效, 待复核 or '' — what the 回访记录 list shows."""
    review = Visit.invalid_by_hand.is_null() & Visit.invalid_reason.startswith(REVIEW_PREFIX)
    return pw.Case(None, [(Visit.invalid == True, INVALID_TEXT), (review, REVIEW_TEXT)], "")  # noqa: E712


def needs_review(invalid: bool, reason: str, by_hand: bool | None) -> bool:
    """The rules flagged a pattern and nobody has decided yet: the visit counts meanwhile."""
    return by_hand is None and not invalid and (reason or "").startswith(REVIEW_PREFIX)


def _t(model) -> str:
    return f'"{model._meta.table_name}"'


def _in(ids: list[int] | None, column: str) -> tuple[str, list]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join('?' * len(ids))})", list(ids)


def _option(kind: str, value: int) -> str:
    if kind == SCORE10:
        return f"{value}分"
    return LEVEL_NAMES.get(value, str(value))


def _pattern_reasons(ids: list[int] | None) -> dict[int, str]:
    """Visits whose ratings are all the same option or strictly alternate, with no free text."""
    scope, params = _in(ids, "v.id")
    visit, answer, question = _t(Visit), _t(Answer), _t(Question)
    sql = f"""
        WITH seq AS (
            SELECT a.visit_id AS vid, q.kind AS kind, a.value AS x,
                   LAG(a.value, 1) OVER w AS p1, LAG(a.value, 2) OVER w AS p2
            FROM {answer} a
            JOIN {question} q ON q.id = a.question_id
            JOIN {visit} v ON v.id = a.visit_id
            WHERE v.status = ? AND v.invalid_by_hand IS NULL{scope}
              AND v.method IN ({", ".join("?" * len(SELF_FILLED))})
              AND q.kind IN (?, ?) AND a.value IS NOT NULL
            WINDOW w AS (PARTITION BY a.visit_id ORDER BY q.position, q.id)
        )
        SELECT seq.vid, COUNT(*), MIN(seq.kind), COUNT(DISTINCT seq.kind), MIN(seq.x), MAX(seq.x),
               SUM(CASE WHEN seq.x = seq.p1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN seq.x <> seq.p2 THEN 1 ELSE 0 END)
        FROM seq
        JOIN {visit} v ON v.id = seq.vid
        WHERE TRIM(v.feedback) = ''
          AND NOT EXISTS (SELECT 1 FROM {answer} t WHERE t.visit_id = seq.vid AND TRIM(t.text) <> '')
        GROUP BY seq.vid
        HAVING COUNT(*) >= ? AND COUNT(DISTINCT seq.kind) = 1
    """
    rows = db.execute_sql(
        portable_sql(sql), [DONE, *params, *SELF_FILLED, LEVEL5, SCORE10, MIN_PATTERN]
    ).fetchall()
    out = {}
    for vid, n, kind, _kinds, low, high, same_adjacent, broken in rows:
        if low == high:
            out[vid] = f"疑似随意勾选：{n}道评分题全部选“{_option(kind, low)}”，且没有任何文字意见"
        elif not same_adjacent and not broken:
            first, second = _first_two(vid)
            out[vid] = (
                f"疑似规律作答：{n}道评分题在“{_option(kind, first)}”和“{_option(kind, second)}”"
                "之间交替选择，且没有任何文字意见"
            )
    return out


def _first_two(visit_id: int) -> tuple[int, int]:
    values = [
        v
        for (v,) in Answer.select(Answer.value)
        .join(Question)
        .where(
            (Answer.visit == visit_id) & Question.kind.in_((LEVEL5, SCORE10)) & Answer.value.is_null(False)
        )
        .order_by(Question.position, Question.id)
        .limit(2)
        .tuples()
    ]
    return values[0], values[1]


def _missing_reasons(ids: list[int] | None) -> dict[int, str]:
    """Completed visits with required questions of their template left unanswered."""
    scope, params = _in(ids, "v.id")
    visit, answer, question = _t(Visit), _t(Answer), _t(Question)
    sql = f"""
        SELECT v.id, q.position, q.id, q.dimension, q.text
        FROM {visit} v
        JOIN {question} q ON q.template_id = v.template_id AND q.required AND NOT q.retired
        LEFT JOIN {answer} a ON a.visit_id = v.id AND a.question_id = q.id
        WHERE v.status = ? AND v.invalid_by_hand IS NULL{scope}
          AND (a.id IS NULL
               OR (q.kind = ? AND TRIM(a.text) = '')
               OR (q.kind <> ? AND a.value IS NULL))
        ORDER BY v.id, q.position, q.id
    """
    missing: dict[int, list[str]] = {}
    for vid, _pos, _qid, dimension, text in db.execute_sql(
        portable_sql(sql), [DONE, *params, TEXT, TEXT]
    ).fetchall():
        name = dimension or (text if len(text) <= 12 else text[:11] + "…")
        missing.setdefault(vid, []).append(name)
    out = {}
    for vid, names in missing.items():
        shown = "、".join(names[:_NAMES_SHOWN]) + ("等" if len(names) > _NAMES_SHOWN else "")
        out[vid] = f"关键答案缺失：{len(names)}道必答题未作答（{shown}）"
    return out


def invalid_reasons(visit_ids: list[int] | None = None) -> dict[int, str]:
    """Visit id → why the rules flag it, for the completed visits in scope that nobody decided
    on by hand (nothing is written): a missing key answer makes it invalid; a pattern alone
    gives a reason starting with ``REVIEW_PREFIX`` (待复核, still counted)."""
    out: dict[int, str] = {}
    for chunk in _chunks(visit_ids):
        pattern = _pattern_reasons(chunk)
        missing = _missing_reasons(chunk)
        for vid in sorted(set(pattern) | set(missing)):
            reason = "；".join(r for r in (pattern.get(vid), missing.get(vid)) if r)
            if vid not in missing:
                reason = REVIEW_PREFIX + reason
            out[vid] = reason[:REASON_MAX]
    return out


def _chunks(visit_ids):
    if visit_ids is None:
        yield None
        return
    ids = list(dict.fromkeys(int(i) for i in visit_ids))
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


def flag_invalid(visit_ids: list[int] | None = None) -> FlagResult:
    """Apply the rules to the completed visits ``visit_ids`` (None: every visit) and mark them
    invalid / valid accordingly; visits decided by a person are left as they are."""
    checked = flagged = cleared = invalid = review = 0
    table = _t(Visit)
    with db.atomic():
        for chunk in _chunks(visit_ids):
            reasons = invalid_reasons(chunk)
            scope, params = _in(chunk, "id")
            current = db.execute_sql(
                portable_sql(
                    f"SELECT id, invalid, invalid_reason FROM {table} "
                    f"WHERE status = ? AND invalid_by_hand IS NULL{scope}"
                ),
                [DONE, *params],
            ).fetchall()
            to_flag, to_clear = [], []
            for vid, is_invalid, reason in current:
                want = reasons.get(vid)
                want_invalid = want is not None and not want.startswith(REVIEW_PREFIX)
                if want is not None and (bool(is_invalid) != want_invalid or reason != want):
                    to_flag.append((want_invalid, want, vid))
                elif want is None and (is_invalid or reason):
                    to_clear.append((vid,))
            cursor = db.cursor()  # sqlite3 and psycopg2 cursors both have executemany
            if to_flag:
                cursor.executemany(
                    portable_sql(f"UPDATE {table} SET invalid = ?, invalid_reason = ? WHERE id = ?"),
                    [(bad, reason, vid) for bad, reason, vid in to_flag],
                )
            if to_clear:
                cursor.executemany(
                    portable_sql(f"UPDATE {table} SET invalid = ?, invalid_reason = '' WHERE id = ?"),
                    [(False, vid) for (vid,) in to_clear],
                )
            checked += len(current)
            flagged += len(to_flag)
            cleared += len(to_clear)
            held = sum(1 for r in reasons.values() if r.startswith(REVIEW_PREFIX))
            invalid += len(reasons) - held
            review += held
    return FlagResult(checked, flagged, cleared, invalid, review)


def _visit(visit_id: int) -> Visit:
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise UserError("找不到这条回访记录，可能已被删除。请刷新回访记录列表。")
    return visit


@accounts.requires(accounts.MANAGE, "审核回访有效性")
def confirm_invalid(visit_id: int, invalid: bool, reason: str = "") -> Visit:
    """A person's decision: the visit is invalid (``reason`` required) or valid after all (the
    reason, e.g. "客户确实全部满意", is kept too). The rules no longer change it."""
    visit = _visit(visit_id)
    reason = clean_text(reason, "无效原因", max_len=REASON_MAX)
    if invalid and not reason:
        raise ValidationError("无效原因", "判为无效问卷时请写明原因（如：全部选同一项，客户未认真作答）。")
    decided = {Visit.invalid: bool(invalid), Visit.invalid_reason: reason, Visit.invalid_by_hand: bool(invalid)}
    versions.touch(Visit, visit.id, decided | {Visit.updated_at: now()})
    return Visit.get_by_id(visit.id)


@accounts.requires(accounts.MANAGE, "审核回访有效性")
def reset_to_automatic(visit_id: int) -> Visit:
    """Drop the manual decision and let the rules decide again."""
    visit = _visit(visit_id)
    with db.atomic():
        versions.touch(Visit, visit.id, {Visit.invalid: False, Visit.invalid_reason: "", Visit.invalid_by_hand: None})
        flag_invalid([visit.id])
    return Visit.get_by_id(visit.id)


# ---------------------------------------------------------------- the list to review
def _review_query(select, start: date | None, end: date | None):
    query = Visit.select(*select).join(Customer, on=(Visit.customer == Customer.id))
    flagged = (
        Visit.invalid | Visit.invalid_by_hand.is_null(False) | Visit.invalid_reason.startswith(REVIEW_PREFIX)
    )
    query = query.where((Visit.status == DONE) & flagged)
    if start is not None:
        query = query.where(Visit.visit_date >= pw.Value(start.isoformat(), converter=False))
    if end is not None:
        query = query.where(Visit.visit_date <= pw.Value(end.isoformat(), converter=False))
    return query


def review_rows(
    start: date | None = None, end: date | None = None, *, offset: int = 0, limit: int = 200
) -> list[tuple]:
    """Visits marked invalid or decided by hand, newest first: (visit id, 回访日期, customer name,
    回访方式, invalid, reason, decided by hand: None / True / False)."""
    query = _review_query(
        [
            Visit.id,
            Visit.visit_date,
            Customer.name,
            Visit.method,
            Visit.invalid,
            Visit.invalid_reason,
            Visit.invalid_by_hand,
        ],
        start,
        end,
    )
    return list(query.order_by(Visit.visit_date.desc(), Visit.id.desc()).offset(offset).limit(limit).tuples())


def count_review(start: date | None = None, end: date | None = None) -> int:
    return _review_query([Visit.id], start, end).count()
