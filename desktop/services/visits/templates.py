"""Questionnaire templates: the built-ins, reading, and editing with versioning.

A template that saved visits already use is never changed under them: the first edit makes a
new version (a copy with the change) that becomes the active one, the old one stays as it was.
"""

import math
import re
import string
import uuid

import peewee as pw

from desktop.models import Answer, Question, QuestionnaireTemplate, Visit, db
from desktop.models.questionnaire import (
    CHOICE,
    KINDS,
    LEVEL5,
    LEVEL5_LABELS,
    NPS,
    SCORE10,
    TEXT,
    YESNO,
    YESNO_LABELS,
)

from ..admin import accounts, versions
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_text, shown
from .builtin_templates import BUILTIN_TEMPLATES

_TEMPLATE_FIELDS = ("name", "industry", "title", "greeting", "opening", "closing")
_QUESTION_FIELDS = ("text", "dimension", "kind", "options", "required", "weight", "allow_comment")

# Placeholders the call script (开场白 / 结束语) may use, with what each is replaced by.
PLACEHOLDERS = {
    "customer": "客户称呼",
    "company": "公司名称",
    "visitor": "回访人员",
    "service": "服务项目",
    "service_date": "服务日期",
    "reply_days": "答复时限（工作日）",
    "hotline": "客服热线",
}
# How the user reads and types each placeholder: {客户称呼} for {customer} (both are accepted).
PLACEHOLDER_NAMES = {
    "customer": "客户称呼",
    "company": "公司名称",
    "visitor": "回访人员",
    "service": "服务项目",
    "service_date": "服务日期",
    "reply_days": "答复工作日数",
    "hotline": "客服热线",
}
_KEY_OF_NAME = {name: key for key, name in PLACEHOLDER_NAMES.items()}
# Kinds whose options are fixed numbers (no labels to edit).
KINDS_WITHOUT_OPTIONS = (SCORE10, NPS, TEXT)
DEFAULT_OPTIONS = {LEVEL5: LEVEL5_LABELS, YESNO: YESNO_LABELS}
MAX_WEIGHT = 100.0


def ensure_builtin_templates() -> None:
    """Create the shipped templates that are missing (by family); never touches existing ones."""
    existing = {t.family for t in QuestionnaireTemplate.select(QuestionnaireTemplate.family)}
    with db.atomic():
        for spec in BUILTIN_TEMPLATES:
            if spec["family"] not in existing:
                create_from_spec(spec)


def create_from_spec(spec: dict) -> QuestionnaireTemplate:
    """A shipped questionnaire from its spec (the shape of ``BUILTIN_TEMPLATES``' entries; the
    call script's opening and closing default to the shipped ones)."""
    spec = {"opening": BUILTIN_TEMPLATES[0]["opening"], "closing": BUILTIN_TEMPLATES[0]["closing"], **spec}
    with db.atomic():
        tpl = QuestionnaireTemplate.create(family=spec["family"], builtin=True, **{k: spec[k] for k in _TEMPLATE_FIELDS})
        for pos, item in enumerate(spec["questions"]):
            text, dimension, kind, *extra = item
            opts = dict(extra[0]) if extra else {}
            if kind != TEXT:
                opts.setdefault("allow_comment", spec.get("allow_comment", False))
            Question.create(template=tpl, position=pos, text=text, dimension=dimension, kind=kind, **opts)
    return tpl


def active_templates() -> list[QuestionnaireTemplate]:
    """The current version of every family: built-ins first, then in the order families were
    created (a new version keeps its family's place in lists)."""
    first = (
        QuestionnaireTemplate.select(
            QuestionnaireTemplate.family, pw.fn.MIN(QuestionnaireTemplate.id).alias("first_id")
        )
        .group_by(QuestionnaireTemplate.family)
        .alias("first")
    )
    return list(
        QuestionnaireTemplate.select()
        .join(first, on=(QuestionnaireTemplate.family == first.c.family))
        .where(QuestionnaireTemplate.active)
        .order_by(QuestionnaireTemplate.builtin.desc(), first.c.first_id)
    )


def active_template(family: str) -> QuestionnaireTemplate | None:
    return QuestionnaireTemplate.get_or_none(
        (QuestionnaireTemplate.family == family) & QuestionnaireTemplate.active
    )


def template_by_id(template_id: int | None) -> QuestionnaireTemplate | None:
    """The template with this id, retired versions included (None when there is none)."""
    if not template_id:
        return None
    return QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == template_id)


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


@accounts.requires(accounts.MANAGE, "修改问卷模板")
def editable(template: QuestionnaireTemplate) -> QuestionnaireTemplate:
    """The template to write an edit into: itself if unused, else a fresh version."""
    current = QuestionnaireTemplate.get_by_id(template.id)
    if not current.active:
        raise UserError(f"“{current.label}”已不是当前版本，只能修改该模板的最新版本。请刷新后重试。")
    return _new_version(current) if in_use(current) else current


def _question_in(template: QuestionnaireTemplate, position: int) -> Question:
    return Question.get((Question.template == template) & (Question.position == position))


def _parse_weight(value) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1.0
    try:
        weight = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: float(10**400)
        raise ValidationError("权重", f"“{shown(value)}”不是数字，请填写如 1 或 1.5。") from None
    if math.isnan(weight) or math.isinf(weight):
        raise ValidationError("权重", "请填写一个普通数字，如 1 或 1.5。")
    if weight < 0:
        raise ValidationError("权重", "不能为负数。")
    if weight > MAX_WEIGHT:
        raise ValidationError("权重", f"不能大于 {MAX_WEIGHT:g}。")
    return weight


def _clean_options(kind: str, options) -> list[str] | None:
    """Option labels for ``kind`` (best first), or None for the kind's defaults / no options."""
    if kind in KINDS_WITHOUT_OPTIONS:
        return None
    if isinstance(options, str):
        options = options.splitlines()
    elif options is not None and not isinstance(options, list | tuple):
        options = [options]  # one stray value (a number, True): checked like a one-line list
    options = [o for o in (options or []) if str(o).strip()]
    options = [clean_text(o, "选项", required=True, max_len=20) for o in options] or None
    if options and len(set(options)) != len(options):
        dup = next(o for o in options if options.count(o) > 1)
        raise ValidationError("选项", f"“{dup}”重复出现，每个选项只能写一次。")
    if kind == LEVEL5 and options is not None and len(options) != 5:
        raise ValidationError(
            "选项",
            f"五级满意度题需要正好5个选项（从好到差，每行一个），现在是{len(options)}个；或留空使用默认选项。",
        )
    if kind == YESNO and options is not None and len(options) != 2:
        raise ValidationError("选项", f"是/否题需要正好2个选项（先“是”后“否”），现在是{len(options)}个。")
    if kind == CHOICE and (not options or len(options) < 2):
        count = len(options) if options else 0
        raise ValidationError("选项", f"单选题至少需要两个选项，每行一个（现在是{count}个）。")
    if options is not None and options == DEFAULT_OPTIONS.get(kind):
        return None  # the defaults: stored as "no custom labels"
    return options


def validate_question(data: dict) -> dict:
    text = clean_text(data.get("text"), "题目", required=True, max_len=300)
    kind = data.get("kind") or LEVEL5
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError("题型", f"未知题型 {shown(kind)}，请从列表中选择题型。")
    options = _clean_options(kind, data.get("options"))
    weight = _parse_weight(data.get("weight", 1.0))
    return {
        "text": text,
        "dimension": clean_text(data.get("dimension"), "维度", max_len=30),
        "kind": kind,
        "options": options,
        "required": bool(data.get("required", kind != TEXT)),
        "weight": weight,
        "allow_comment": bool(data.get("allow_comment", False)) and kind != TEXT,
    }


def _clean_block(value, field: str, *, required: bool = False, max_len: int = 500) -> str:
    """Multi-line text: each line trimmed, blank lines at the ends dropped, line breaks kept."""
    text = "" if value is None else str(value)
    lines = [clean_text(line, field, max_len=max_len) for line in text.splitlines()]
    text = "\n".join(lines).strip("\n")
    text = re.sub(r"\n{3,}", "\n\n", text)
    if required and not text:
        raise ValidationError(field, "不能为空，请填写。")
    if len(text) > max_len:
        raise ValidationError(field, f"太长（{len(text)} 字），最多 {max_len} 字，请精简。")
    return text


def _placeholder_key(name: str) -> str | None:
    """The placeholder's key for its Chinese name ({客户称呼}) or its older English one
    ({customer}, still in templates saved before); None for an unknown name."""
    if name in PLACEHOLDERS:
        return name
    return _KEY_OF_NAME.get(name)


def _rewrite(text: str, replace, *, escape_literals: bool) -> str:
    """``text`` with each ``{placeholder}`` replaced by ``replace(name)``; raises ValueError for
    unpaired braces. ``escape_literals`` keeps doubled braces doubled (text stays a template)."""
    out: list[str] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        out.append(literal.replace("{", "{{").replace("}", "}}") if escape_literals else literal)
        if name is not None:
            out.append(replace(name))
    return "".join(out)


def script_for_editing(text: str) -> str:
    """A call-script line with its placeholders as the user reads and types them: Chinese
    ({customer} → {客户称呼}); unknown names and broken braces are left as written."""

    def chinese(name: str) -> str:
        key = _placeholder_key(name)
        return "{" + (PLACEHOLDER_NAMES[key] if key else name) + "}"

    try:
        return _rewrite(text or "", chinese, escape_literals=True)
    except ValueError:
        return re.sub(
            r"\{([A-Za-z_]+)\}",
            lambda m: "{" + PLACEHOLDER_NAMES[m.group(1)] + "}" if m.group(1) in PLACEHOLDERS else m.group(0),
            text or "",
        )


def check_script(text: str, field: str) -> str:
    """A call-script line may only use the known placeholders, in Chinese ({客户称呼}) or the
    older English ({customer}); braces must pair up. Returns the line with Chinese names."""
    known = "、".join("{" + name + "}" for name in PLACEHOLDER_NAMES.values())
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(
            field, f"花括号不成对。占位符要写成 {{客户称呼}} 这样的形式，可用：{known}。"
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if _placeholder_key(name) is None or spec or conversion:
            raise ValidationError(field, f"未知的占位符 {{{name}}}。可用的占位符：{known}。")
    return script_for_editing(text)


def render_script(text: str, values: dict) -> str:
    """Fill a call-script line (placeholders in Chinese or English); values are keyed by the
    English keys. A placeholder without a value (not in ``values``) is left in Chinese
    ({公司名称}); an unknown one raises KeyError, unpaired braces ValueError."""

    def fill(name: str) -> str:
        key = _placeholder_key(name)
        if key is None:
            raise KeyError(name)
        value = values.get(key)
        return "{" + PLACEHOLDER_NAMES[key] + "}" if value is None else str(value)

    return _rewrite(text, fill, escape_literals=False)


def _check_name_free(name: str, family: str | None) -> None:
    query = QuestionnaireTemplate.select().where(
        QuestionnaireTemplate.active & (QuestionnaireTemplate.name == name)
    )
    if family is not None:
        query = query.where(QuestionnaireTemplate.family != family)
    if query.exists():
        raise ValidationError("模板名称", f"已有名为“{name}”的模板，请换一个名称。")


def validate_template_info(fields: dict, family: str | None = None) -> dict:
    """Check the info form as a whole; raises ValidationErrors listing every bad field."""
    checks = {
        "name": lambda v: clean_text(v, "模板名称", required=True, max_len=60),
        "industry": lambda v: clean_text(v, "行业", max_len=30),
        "title": lambda v: clean_text(v, "打印标题", required=True, max_len=60),
        "greeting": lambda v: _clean_block(v, "问候语", max_len=500),
        "opening": lambda v: check_script(_clean_block(v, "开场白", max_len=500), "开场白"),
        "closing": lambda v: check_script(_clean_block(v, "结束语", max_len=500), "结束语"),
    }
    clean, errors = {}, []
    for key, check in checks.items():
        if key not in fields:
            continue
        try:
            clean[key] = check(fields[key])
        except ValidationError as err:
            errors.append(err)
    if "name" in clean:
        try:
            _check_name_free(clean["name"], family)
        except ValidationError as err:
            errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    return clean


@accounts.requires(accounts.MANAGE, "修改问卷模板")
def update_template_info(template: QuestionnaireTemplate, **fields) -> QuestionnaireTemplate:
    """Change 名称/行业/打印标题/问候语/开场白/结束语; unchanged values make no new version."""
    clean = validate_template_info(fields, template.family)
    loaded = template.__data__.get("row_version")  # the version the 模板信息 form shows

    def stored() -> dict:  # read only when refused: the 模板信息 as the form shows it
        return template_info(template.id)

    versions.check(QuestionnaireTemplate, template.id, loaded, "份问卷模板", stored)
    current = QuestionnaireTemplate.get_by_id(template.id)

    def same(key: str, value) -> bool:  # a script in English placeholders equals its Chinese form
        stored = getattr(current, key)
        return stored == value or (key in ("opening", "closing") and script_for_editing(stored) == value)

    if all(same(key, value) for key, value in clean.items()):
        return current
    with db.atomic():
        target = editable(current)
        expected = target.row_version if target.id != current.id else loaded
        versions.guarded_update(QuestionnaireTemplate, target.id, clean, expected, "份问卷模板", stored)
    return QuestionnaireTemplate.get_by_id(target.id)


TEMPLATE_INFO_LABELS = {
    "name": "模板名称",
    "industry": "行业",
    "title": "打印标题",
    "greeting": "问候语",
    "opening": "开场白",
    "closing": "结束语",
}


def template_info(template_id: int) -> dict:
    """A template's 模板信息 as its form shows it (placeholders of the scripts in Chinese)."""
    template = QuestionnaireTemplate.get_by_id(template_id)
    info = {key: getattr(template, key) or "" for key in TEMPLATE_INFO_LABELS}
    for key in ("opening", "closing"):
        info[key] = script_for_editing(info[key])
    return info


def _touched(target: QuestionnaireTemplate) -> QuestionnaireTemplate:
    """A question edit changes its template: the version goes up (a 模板信息 form holding the older
    copy elsewhere is refused as stale); the template as stored now."""
    versions.touch(QuestionnaireTemplate, target.id)
    return QuestionnaireTemplate.get_by_id(target.id)


@accounts.requires(accounts.MANAGE, "修改问卷模板")
def add_question(template: QuestionnaireTemplate, data: dict) -> QuestionnaireTemplate:
    clean = validate_question(data)
    with db.atomic():
        target = editable(template)
        last = Question.select().where(Question.template == target).order_by(Question.position.desc()).first()
        Question.create(template=target, position=(last.position + 1) if last else 0, **clean)
        target = _touched(target)  # in the same transaction as the edit
    return target


@accounts.requires(accounts.MANAGE, "修改问卷模板")
def update_question(template: QuestionnaireTemplate, position: int, data: dict) -> QuestionnaireTemplate:
    clean = validate_question(data)
    current = _question_in(template, position)
    if all(getattr(current, key) == value for key, value in clean.items()):
        return QuestionnaireTemplate.get_by_id(template.id)
    with db.atomic():
        target = editable(template)
        q = _question_in(target, position)
        for key, value in clean.items():
            setattr(q, key, value)
        q.save()
        target = _touched(target)  # in the same transaction as the edit
    return target


@accounts.requires(accounts.MANAGE, "修改问卷模板")
def move_question(template: QuestionnaireTemplate, position: int, delta: int) -> QuestionnaireTemplate:
    """Swap the question at ``position`` with its neighbour ``delta`` (−1 up, +1 down).

    Moving the first question up (or the last down) changes nothing and makes no new version.
    """
    rows = questions_of(template, include_retired=True)
    index = next((i for i, q in enumerate(rows) if q.position == position), None)
    if index is None:
        raise UserError("找不到要移动的题目，请刷新后重试。")
    if not 0 <= index + delta < len(rows):
        return QuestionnaireTemplate.get_by_id(template.id)
    with db.atomic():
        target = editable(template)
        rows = questions_of(target, include_retired=True)
        rows[index], rows[index + delta] = rows[index + delta], rows[index]
        for pos, q in enumerate(rows):
            if q.position != pos:
                q.position = pos
                q.save()
        target = _touched(target)  # in the same transaction as the edit
    return target


@accounts.requires(accounts.MANAGE, "修改问卷模板")
def retire_question(template: QuestionnaireTemplate, position: int, retired: bool = True):
    """停用 (or 启用 with ``retired=False``) a question; it stays in the template, greyed out."""
    if _question_in(template, position).retired == retired:
        return QuestionnaireTemplate.get_by_id(template.id)
    with db.atomic():
        target = editable(template)
        q = _question_in(target, position)
        q.retired = retired
        q.save()
        target = _touched(target)  # in the same transaction as the edit
    return target


def answer_count(template: QuestionnaireTemplate) -> int:
    return Answer.select().join(Visit).where(Visit.template == template).count()


def visit_count(template: QuestionnaireTemplate) -> int:
    return Visit.select().where(Visit.template == template).count()


def visit_counts() -> dict[int, int]:
    """Template id → number of saved visits that use it (one query)."""
    query = Visit.select(Visit.template, pw.fn.COUNT(Visit.id)).group_by(Visit.template).tuples()
    return dict(query)


def versions_of(family: str) -> list[QuestionnaireTemplate]:
    """Every version of a family, oldest first."""
    return list(
        QuestionnaireTemplate.select()
        .where(QuestionnaireTemplate.family == family)
        .order_by(QuestionnaireTemplate.version)
    )


def dimensions() -> list[str]:
    """The dimensions (维度) questions already use, for the question editor's suggestions."""
    query = (
        Question.select(Question.dimension)
        .where(Question.dimension != "")
        .distinct()
        .order_by(Question.dimension)
        .tuples()
    )
    return [row[0] for row in query]


def _new_family() -> str:
    while True:
        family = f"custom_{uuid.uuid4().hex[:8]}"
        if not QuestionnaireTemplate.select().where(QuestionnaireTemplate.family == family).exists():
            return family


@accounts.requires(accounts.MANAGE, "修改问卷模板")
def create_template(name: str, industry: str = "") -> QuestionnaireTemplate:
    """A new blank template (version 1, no questions) with the standard call script."""
    standard = BUILTIN_TEMPLATES[0]
    clean = validate_template_info(
        {
            "name": name,
            "industry": industry,
            "title": QuestionnaireTemplate.title.default,
            "greeting": "",
            "opening": standard["opening"],
            "closing": standard["closing"],
        }
    )
    with db.atomic():
        return QuestionnaireTemplate.create(
            family=_new_family(), version=1, builtin=False, active=True, **clean
        )


@accounts.requires(accounts.MANAGE, "修改问卷模板")
def copy_template(template: QuestionnaireTemplate, name: str) -> QuestionnaireTemplate:
    """A new, independent template (own family, version 1) with the same info and questions.

    Retired questions are left out; the copy's questions are numbered from the start.
    """
    info = {key: getattr(template, key) for key in _TEMPLATE_FIELDS}
    info["name"] = name
    clean = validate_template_info(info)
    with db.atomic():
        copy = QuestionnaireTemplate.create(
            family=_new_family(), version=1, builtin=False, active=True, **clean
        )
        for pos, q in enumerate(questions_of(template)):
            Question.create(template=copy, position=pos, **{k: getattr(q, k) for k in _QUESTION_FIELDS})
    return copy
