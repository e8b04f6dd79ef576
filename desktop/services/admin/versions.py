"""Edit versions: a save from a stale copy is refused, and the two copies are merged field by field.

Every record edited in a form (``VersionedModel``: 回访、客户、工单、改进措施、质量评价、问卷模板、
设置) carries ``row_version``. A form keeps the version it loaded; its save writes with
``UPDATE … WHERE id = ? AND row_version = ?`` and bumps the version (``guarded_update``). When no
row matches, someone else saved in between: ``StaleEdit`` says who and when ("已被 X 于 HH:MM
修改") and carries the stored record, nothing is written (the caller's transaction rolls back,
audit rows included), and the form offers both copies field by field (``differences`` /
``merged``) before saving again with the stored version.
"""

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop.models import now

from ..common.errors import StaleEdit
from . import accounts


def actor() -> str:
    """Who is saving: the signed-in person, else this PC (sign-in off)."""
    return accounts.actor_name() or f"电脑 {socket.gethostname()}"


def stamp(model) -> dict:
    """The bookkeeping columns of a save: version + 1, who, when (field → value)."""
    return {
        model.row_version: model.row_version + 1,
        model.modified_by: actor(),
        model.modified_at: now(),
    }


def touch(model, record_id, values: dict | None = None) -> None:
    """A change that belongs to the record but is not one of its form's fields (a template's
    questions, a visit's attachments or its 无效 mark): ``values`` (field → value) written with
    the version bumped, in the caller's transaction — a form still holding the older copy is then
    refused as stale instead of saving over it."""
    pk = model._meta.primary_key
    model.update({**(values or {}), **stamp(model)}).where(pk == record_id).execute()


def version_of(model, record_id) -> int | None:
    """The stored version of a record; None when it is gone."""
    pk = model._meta.primary_key
    return model.select(model.row_version).where(pk == record_id).scalar()


def adopt_own_change(model, record_id, held: int | None) -> int | None:
    """The version a form holding ``held`` may save with after a change it made itself through
    ``touch`` (a scan added from the form): the stored one when it is exactly one ahead; else
    ``held`` — someone else saved meanwhile, and that must still be caught as stale."""
    stored = version_of(model, record_id)
    return stored if held is not None and stored == held + 1 else held


def stale(model, record_id, what: str, current: Callable[[], Any] | None = None) -> StaleEdit:
    """The ``StaleEdit`` for ``record_id`` as stored now (a deleted record: version 0)."""
    pk = model._meta.primary_key
    row = (
        model.select(model.row_version, model.modified_by, model.modified_at)
        .where(pk == record_id)
        .tuples()
        .first()
    )
    version, by, at = row if row is not None else (0, "", None)
    return StaleEdit(what, by, at, version, current() if current is not None and row is not None else None)


def check(model, record_id, expected: int | None, what: str, current: Callable[[], Any] | None = None) -> None:
    """Refuse early (before any plan or question to the user) when the stored version is not
    ``expected``; ``None`` (a caller that loaded no version) checks nothing."""
    if expected is None:
        return
    pk = model._meta.primary_key
    stored = model.select(model.row_version).where(pk == record_id).scalar()
    if stored != expected:
        raise stale(model, record_id, what, current)


def guarded_update(
    model,
    record_id,
    values: dict,
    expected: int | None,
    what: str,
    current: Callable[[], Any] | None = None,
) -> None:
    """``UPDATE model SET values, version + 1 WHERE id = record_id AND row_version = expected``,
    in the caller's transaction; ``StaleEdit`` when no row matched (``expected`` None: no check,
    the version still goes up). ``values`` are field name → value."""
    fields = model._meta.fields
    update = {fields[name]: value for name, value in values.items()}
    update.update(stamp(model))
    pk = model._meta.primary_key
    query = model.update(update).where(pk == record_id)
    if expected is not None:
        query = query.where(model.row_version == expected)
    if query.execute() == 0:
        raise stale(model, record_id, what, current)


# ---------------------------------------------------------------- choosing field by field
@dataclass(frozen=True)
class FieldDiff:
    """One field that differs between the form (mine) and the stored record (theirs)."""

    key: str
    label: str
    mine: Any
    theirs: Any

    @property
    def mine_text(self) -> str:
        return shown(self.mine)

    @property
    def theirs_text(self) -> str:
        return shown(self.theirs)


def shown(value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple | set):
        return "、".join(shown(v) for v in value) or "（空）"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if not hasattr(value, "hour") else f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def differences(mine: dict, theirs: dict, labels: dict[str, str]) -> list[FieldDiff]:
    """The fields of ``labels`` (in its order) whose values differ."""
    return [
        FieldDiff(key, label, mine.get(key), theirs.get(key))
        for key, label in labels.items()
        if _norm(mine.get(key)) != _norm(theirs.get(key))
    ]


def _norm(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:19]
    if isinstance(value, list | tuple | set):
        return sorted(_norm(v) for v in value)
    return value


def merged(mine: dict, theirs: dict, take_theirs: set[str] | frozenset[str]) -> dict:
    """``mine`` with the fields named in ``take_theirs`` taken from the stored record."""
    out = dict(mine)
    for key in take_theirs:
        if key in theirs:
            out[key] = theirs[key]
        else:
            out.pop(key, None)
    return out


# ---------------------------------------------------------------- the 回访表
VISIT_LABELS = {
    "visit_date": "回访日期",
    "method": "回访方式",
    "visitor": "回访人员",
    "respondent": "被回访人",
    "respondent_is_customer": "客户本人接听",
    "feedback": "宝贵意见",
    "mood": "客户情绪",
    "repurchase": "再购意向",
    "problem_ids": "问题分类",
    "sign_status": "签字状态",
}
ANSWER_KEY = "answer:"  # "answer:<question id>" in the flattened 回访表


def _answer_text(question, answer) -> str:
    value, text = answer if answer is not None else (None, "")
    parts = []
    if value is not None:
        index = question.option_of_value(value) if question is not None else None
        labels = question.labels() if question is not None else []
        parts.append(labels[index] if index is not None and 0 <= index < len(labels) else str(value))
    if text:
        parts.append(text)
    return "；".join(parts)


def _problem_names(ids) -> str:
    from desktop.models import ProblemCategory

    names = dict(ProblemCategory.select(ProblemCategory.id, ProblemCategory.name).tuples())
    return "、".join(names.get(i, str(i)) for i in ids or [])


def visit_differences(mine, theirs) -> list[FieldDiff]:
    """The fields and answers where the 回访表 on screen (``mine``, a ``VisitInput``) and the
    stored visit (``theirs``) differ, header fields first, then the answers in question order.
    ``mine`` / ``theirs`` of an answer are its (value, text); shown as option label and text."""
    from desktop.models import Question

    diffs = [
        d if d.key != "problem_ids" else FieldDiff(d.key, d.label, _problem_names(d.mine), _problem_names(d.theirs))
        for d in differences(vars(mine), vars(theirs), VISIT_LABELS)
    ]
    qids = set(mine.answers or {}) | set(theirs.answers or {})
    questions = {q.id: q for q in Question.select().where(Question.id.in_(list(qids) or [0]))}
    ordered = sorted(qids, key=lambda q: (questions[q].position if q in questions else 0, q))
    for number, qid in enumerate(ordered, 1):
        a, b = (mine.answers or {}).get(qid), (theirs.answers or {}).get(qid)
        if _norm_answer(a) == _norm_answer(b):
            continue
        question = questions.get(qid)
        name = (question.dimension or question.text[:16]) if question is not None else ""
        label = f"第{question.position + 1 if question is not None else number}题 {name}".strip()
        diffs.append(FieldDiff(f"{ANSWER_KEY}{qid}", label, _answer_text(question, a), _answer_text(question, b)))
    return diffs


def _norm_answer(answer) -> tuple:
    value, text = answer if answer is not None else (None, "")
    return (value, text or "")


def merged_visit(mine, theirs, take_theirs: set[str] | frozenset[str]):
    """The 回访表 to save after choosing: ``mine`` with the chosen fields and answers taken from
    the stored visit, at the stored version (saving it is no longer stale)."""
    from dataclasses import replace

    header = merged(vars(mine), vars(theirs), {k for k in take_theirs if k in VISIT_LABELS})
    answers = dict(mine.answers or {})
    for key in take_theirs:
        if key.startswith(ANSWER_KEY):
            qid = int(key[len(ANSWER_KEY) :])
            if qid in (theirs.answers or {}):
                answers[qid] = theirs.answers[qid]
            else:
                answers.pop(qid, None)
    header = {k: header[k] for k in VISIT_LABELS}
    return replace(mine, **header, answers=answers, row_version=theirs.row_version)
