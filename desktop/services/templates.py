"""Questionnaire templates: the built-ins, reading, and editing with versioning.

A template that saved visits already use is never changed under them: the first edit makes a
new version (a copy with the change) that becomes the active one, the old one stays as it was.
"""

from desktop.models import Answer, Question, QuestionnaireTemplate, Visit, db
from desktop.models.questionnaire import CHOICE, KINDS, LEVEL5, TEXT

from .builtin_templates import BUILTIN_TEMPLATES
from .errors import ValidationError
from .validation import clean_text

_TEMPLATE_FIELDS = ("name", "industry", "title", "greeting", "opening", "closing")
_QUESTION_FIELDS = ("text", "dimension", "kind", "options", "required", "weight", "allow_comment")


def ensure_builtin_templates() -> None:
    """Create the shipped templates that are missing (by family); never touches existing ones."""
    existing = {t.family for t in QuestionnaireTemplate.select(QuestionnaireTemplate.family)}
    with db.atomic():
        for spec in BUILTIN_TEMPLATES:
            if spec["family"] in existing:
                continue
            tpl = QuestionnaireTemplate.create(
                family=spec["family"], builtin=True, **{k: spec[k] for k in _TEMPLATE_FIELDS}
            )
            for pos, item in enumerate(spec["questions"]):
                text, dimension, kind, *extra = item
                opts = dict(extra[0]) if extra else {}
                if kind != TEXT:
                    opts.setdefault("allow_comment", spec.get("allow_comment", False))
                Question.create(template=tpl, position=pos, text=text, dimension=dimension, kind=kind, **opts)


def active_templates() -> list[QuestionnaireTemplate]:
    return list(
        QuestionnaireTemplate.select()
        .where(QuestionnaireTemplate.active)
        .order_by(QuestionnaireTemplate.builtin.desc(), QuestionnaireTemplate.id)
    )


def active_template(family: str) -> QuestionnaireTemplate | None:
    return QuestionnaireTemplate.get_or_none(
        (QuestionnaireTemplate.family == family) & QuestionnaireTemplate.active
    )


def find_template(name_or_family: str) -> QuestionnaireTemplate | None:
    """The active template whose family or name matches (for the CLI's ``--template``)."""
    return (
        QuestionnaireTemplate.select()
        .where(
            QuestionnaireTemplate.active
            & (
                (QuestionnaireTemplate.family == name_or_family)
                | (QuestionnaireTemplate.name == name_or_family)
            )
        )
        .first()
    )


def questions_of(template: QuestionnaireTemplate, include_retired: bool = False) -> list[Question]:
    query = Question.select().where(Question.template == template)
    if not include_retired:
        query = query.where(~Question.retired)
    return list(query.order_by(Question.position, Question.id))


def in_use(template: QuestionnaireTemplate) -> bool:
    return Visit.select().where(Visit.template == template).exists()


def _new_version(template: QuestionnaireTemplate) -> QuestionnaireTemplate:
    last = (
        QuestionnaireTemplate.select()
        .where(QuestionnaireTemplate.family == template.family)
        .order_by(QuestionnaireTemplate.version.desc())
        .first()
    )
    copy = QuestionnaireTemplate.create(
        family=template.family,
        version=last.version + 1,
        builtin=template.builtin,
        active=True,
        **{k: getattr(template, k) for k in _TEMPLATE_FIELDS},
    )
    for q in questions_of(template, include_retired=True):
        Question.create(
            template=copy,
            position=q.position,
            retired=q.retired,
            **{k: getattr(q, k) for k in _QUESTION_FIELDS},
        )
    QuestionnaireTemplate.update(active=False).where(
        (QuestionnaireTemplate.family == template.family) & (QuestionnaireTemplate.id != copy.id)
    ).execute()
    return copy


def editable(template: QuestionnaireTemplate) -> QuestionnaireTemplate:
    """The template to write an edit into: itself if unused, else a fresh version."""
    return _new_version(template) if in_use(template) else template


def _question_in(template: QuestionnaireTemplate, position: int) -> Question:
    return Question.get((Question.template == template) & (Question.position == position))


def validate_question(data: dict) -> dict:
    text = clean_text(data.get("text"), "题目", required=True, max_len=300)
    kind = data.get("kind") or LEVEL5
    if kind not in KINDS:
        raise ValidationError("题型", f"未知题型 {kind}。")
    options = data.get("options") or None
    if options is not None:
        options = [clean_text(o, "选项", required=True, max_len=20) for o in options]
        if kind == LEVEL5 and len(options) != 5:
            raise ValidationError("选项", "五级满意度题需要正好5个选项(从好到差),或留空使用默认选项。")
    if kind == CHOICE and not options:
        raise ValidationError("选项", "单选题至少需要两个选项,每行一个。")
    if kind == CHOICE and len(options) < 2:
        raise ValidationError("选项", "单选题至少需要两个选项,每行一个。")
    weight = float(data.get("weight", 1.0) or 0)
    if weight < 0:
        raise ValidationError("权重", "不能为负数。")
    return {
        "text": text,
        "dimension": clean_text(data.get("dimension"), "维度", max_len=30),
        "kind": kind,
        "options": options,
        "required": bool(data.get("required", kind != TEXT)),
        "weight": weight,
        "allow_comment": bool(data.get("allow_comment", False)),
    }


def update_template_info(template: QuestionnaireTemplate, **fields) -> QuestionnaireTemplate:
    name = clean_text(fields.get("name", template.name), "模板名称", required=True, max_len=60)
    with db.atomic():
        target = editable(template)
        for key in _TEMPLATE_FIELDS:
            if key in fields:
                setattr(target, key, fields[key])
        target.name = name
        target.save()
    return target


def add_question(template: QuestionnaireTemplate, data: dict) -> QuestionnaireTemplate:
    clean = validate_question(data)
    with db.atomic():
        target = editable(template)
        last = Question.select().where(Question.template == target).order_by(Question.position.desc()).first()
        Question.create(template=target, position=(last.position + 1) if last else 0, **clean)
    return target


def update_question(template: QuestionnaireTemplate, position: int, data: dict) -> QuestionnaireTemplate:
    clean = validate_question(data)
    with db.atomic():
        target = editable(template)
        q = _question_in(target, position)
        for key, value in clean.items():
            setattr(q, key, value)
        q.save()
    return target


def move_question(template: QuestionnaireTemplate, position: int, delta: int) -> QuestionnaireTemplate:
    """Swap the question at ``position`` with its neighbour ``delta`` (−1 up, +1 down)."""
    with db.atomic():
        target = editable(template)
        rows = questions_of(target, include_retired=True)
        index = next(i for i, q in enumerate(rows) if q.position == position)
        other = index + delta
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
            for pos, q in enumerate(rows):
                if q.position != pos:
                    q.position = pos
                    q.save()
    return target


def retire_question(template: QuestionnaireTemplate, position: int, retired: bool = True):
    with db.atomic():
        target = editable(template)
        q = _question_in(target, position)
        q.retired = retired
        q.save()
    return target


def answer_count(template: QuestionnaireTemplate) -> int:
    return Answer.select().join(Visit).where(Visit.template == template).count()
