"""The customer's signature and the lock it puts on a visit (no Qt here).

* A signature drawn on screen is stored with its visit as a PNG plus the PNG's SHA-256, together
  with a digest of the visit's content at the moment of signing (``content_sha256``), so the
  record can later tell whether the image is the one stored (``verify``) and whether the signed
  answers were changed afterwards.
* A visit whose 签字状态 is 电子签名 or 纸质已签 is *locked*: its signed content (header, answers,
  comments, 宝贵意见) may only be changed with a supervisor's confirmation and a reason. Without
  sign-in accounts the supervisor is named (an active 主管 in 设置 → 人员); with accounts on, a
  signed-in 主管 confirms their own change and anyone else needs a 主管's 登录名 and password
  (wrong passwords count towards that account's lock-out). Every such change is written to the
  audit log (who, when, which supervisor, why, and each old → new value).
* A completed visit that is not signed may be corrected freely, but each change of its content
  is audited too (who, when, each old → new value): ``plan_answer_edit``.
* ``visits.save_visit`` calls ``plan_locked_edit`` before it writes and ``write_audit`` /
  ``store_signature`` inside its transaction.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from desktop.models import (
    Answer,
    AuditLog,
    Question,
    Staff,
    UserAccount,
    Visit,
    VisitAttachment,
    VisitSignature,
    db,
    now,
)
from desktop.models.questionnaire import NPS, SCORE10, TEXT

from ..admin import accounts, versions
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_text

UNSIGNED = "未签"
E_SIGNED = "电子签名"
PAPER_SIGNED = "纸质已签"
SIGNED = (E_SIGNED, PAPER_SIGNED)
SUPERVISOR_ROLE = "主管"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 4 * 1024 * 1024
REASON_MAX = 200
DEVICES = ("鼠标", "手写笔", "触摸屏")

ACTION_EDIT = "修改已签字回访"
ACTION_ANSWERS = "修改已完成回访"
ACTION_RESIGN = "更换签字"
ACTION_REMOVE_SIGNATURE = "删除电子签名"
ACTION_REMOVE_ATTACHMENT = "删除签字扫描件"

# the fields of the signed content, with the labels the audit log shows
CONTENT_FIELDS = (
    ("customer", "客户"),
    ("order", "服务工单"),
    ("template", "问卷模板"),
    ("visit_date", "回访日期"),
    ("method", "回访方式"),
    ("visitor", "回访人员"),
    ("respondent", "被回访人"),
    ("respondent_is_customer", "被回访人是否本人"),
    ("feedback", "宝贵意见"),
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_signed(sign_status: str | None) -> bool:
    return sign_status in SIGNED


def version_after_scan(visit_id: int | None, held: int | None) -> int | None:
    """The version the 回访表 holding ``held`` saves with after adding / removing a scan itself
    (that raised the visit's version by one); a save by someone else in between stays stale."""
    return versions.adopt_own_change(Visit, visit_id, held) if visit_id is not None else held


def sign_status_of(visit_id: int | None) -> str | None:
    """The saved 签字状态 of a visit; None for a visit not saved (or gone)."""
    if visit_id is None:
        return None
    row = Visit.select(Visit.sign_status).where(Visit.id == visit_id).first()
    return row.sign_status if row is not None else None


def is_locked(visit_id: int) -> bool:
    row = Visit.select(Visit.sign_status).where(Visit.id == visit_id).first()
    return row is not None and is_signed(row.sign_status)


# ---------------------------------------------------------------- the signed content
def _day(value) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else str(value or "")


def content_snapshot(visit_id: int) -> dict:
    """The signed content of a saved visit, in a canonical form (see ``snapshot``)."""
    visit = Visit.get_by_id(visit_id)
    rows = [
        (qid, value, text or "")
        for qid, value, text in Answer.select(Answer.question, Answer.value, Answer.text)
        .where(Answer.visit == visit.id)
        .tuples()
    ]
    fields = {
        "customer": visit.customer_id,
        "order": visit.order_id,
        "template": visit.template_id,
        "visit_date": visit.visit_date,
        "method": visit.method,
        "visitor": visit.visitor,
        "respondent": visit.respondent,
        "respondent_is_customer": visit.respondent_is_customer,
        "feedback": visit.feedback,
    }
    return snapshot(fields, rows)


def snapshot(fields: dict, rows) -> dict:
    """Canonical content from visit fields (as ``save_visit`` cleans them) and answer rows
    ``(question id, value, text)``: comparable, and hashable with ``content_digest``."""
    out = {}
    for key, _label in CONTENT_FIELDS:
        value = fields.get(key)
        if key == "visit_date":
            value = _day(value)
        elif key == "respondent_is_customer":
            value = bool(value)
        elif key in ("customer", "order", "template"):
            value = int(value) if value is not None else None
        else:
            value = (value or "").strip()
        out[key] = value
    out["answers"] = {
        str(int(qid)): [None if value is None else int(value), (text or "").strip()]
        for qid, value, text in rows
    }
    return out


def content_digest(snap: dict) -> str:
    text = json.dumps(snap, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return sha256_hex(text.encode("utf-8"))


def _question_numbers(template_id: int | None, answered: set[int]) -> dict[int, int]:
    """Question id → the number printed on the form (第N题)."""
    if template_id is None:
        return {}
    query = Question.select(Question.id, Question.retired).where(Question.template == template_id)
    ordered = [
        q.id for q in query.order_by(Question.position, Question.id) if not q.retired or q.id in answered
    ]
    return {qid: n for n, qid in enumerate(ordered, start=1)}


def _value_text(question: Question | None, value, text: str) -> str:
    if value is None and not text:
        return "（未答）"
    parts = []
    if value is not None:
        if question is None:
            parts.append(str(value))
        elif question.kind in (SCORE10, NPS):
            parts.append(f"{value}分")
        elif question.kind != TEXT:
            index = question.option_of_value(value)
            labels = question.labels()
            parts.append(labels[index] if index is not None and 0 <= index < len(labels) else str(value))
    if text:
        parts.append(f"“{text}”" if parts else text)
    return " ".join(parts)


def _field_text(key: str, value) -> str:
    if key == "respondent_is_customer":
        return "是" if value else "否"
    if value in (None, ""):
        return "（空）"
    if key == "customer":
        from desktop.models import Customer

        row = Customer.get_or_none(Customer.id == value)
        return row.display_name if row else f"#{value}"
    if key == "order":
        from desktop.models import ServiceOrder

        row = ServiceOrder.get_or_none(ServiceOrder.id == value)
        return row.order_no if row else f"#{value}"
    if key == "template":
        from desktop.models import QuestionnaireTemplate

        row = QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == value)
        return row.label if row else f"#{value}"
    return str(value)


def describe_changes(old: dict, new: dict) -> list[dict]:
    """The differences between two snapshots as audit entries {"field", "old", "new"} in Chinese
    (answers named 第N题 and shown as their option labels)."""
    changes = []
    for key, label in CONTENT_FIELDS:
        if old.get(key) != new.get(key):
            changes.append(
                {"field": label, "old": _field_text(key, old.get(key)), "new": _field_text(key, new.get(key))}
            )
    old_answers, new_answers = old.get("answers", {}), new.get("answers", {})
    qids = sorted({int(k) for k in old_answers} | {int(k) for k in new_answers})
    differing = [q for q in qids if old_answers.get(str(q)) != new_answers.get(str(q))]
    if differing:
        questions = {q.id: q for q in Question.select().where(Question.id.in_(differing))}
        numbers = _question_numbers(new.get("template") or old.get("template"), set(qids))
        for qid in sorted(differing, key=lambda q: (numbers.get(q, 10**6), q)):
            question = questions.get(qid)
            name = (question.dimension or _short(question.text)) if question else f"题目#{qid}"
            number = numbers.get(qid)
            before = old_answers.get(str(qid)) or [None, ""]
            after = new_answers.get(str(qid)) or [None, ""]
            changes.append(
                {
                    "field": f"第{number}题 {name}" if number else name,
                    "old": _value_text(question, before[0], before[1]),
                    "new": _value_text(question, after[0], after[1]),
                }
            )
    return changes


def _short(text: str, limit: int = 16) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changes_text(changes: list[dict], limit: int = 12) -> str:
    lines = [f"· {c['field']}：{c['old']} → {c['new']}" for c in changes[:limit]]
    if len(changes) > limit:
        lines.append(f"……共 {len(changes)} 处")
    return "\n".join(lines)


# ---------------------------------------------------------------- the supervisor's confirmation
@dataclass(frozen=True)
class SupervisorOverride:
    """A supervisor's confirmation for changing a signed visit: who (an active 主管: their name in
    设置 → 人员, or with sign-in accounts on, their 登录名 or 姓名 and ``password``) and the reason.
    ``operator`` is who makes the change (the 回访人员 at the PC)."""

    supervisor: str
    reason: str
    operator: str = ""
    password: str = ""


@dataclass(frozen=True)
class Approval:
    """A checked ``SupervisorOverride``: the supervisor (a staff row when there is one), their
    name as recorded, the reason and the operator."""

    staff: Staff | None
    supervisor_name: str
    reason: str
    operator: str


def supervisors() -> list[tuple[int, str]]:
    """(id, name) of the people who may confirm: the active 主管 accounts when sign-in is on
    (id = account id), otherwise the active staff with the role 主管."""
    if accounts.accounts_enabled():
        query = (
            UserAccount.select(UserAccount.id, UserAccount.display_name)
            .where(UserAccount.active & (UserAccount.role == SUPERVISOR_ROLE))
            .order_by(UserAccount.display_name, UserAccount.id)
        )
        return [(aid, name) for aid, name in query.tuples()]
    query = (
        Staff.select(Staff.id, Staff.name)
        .where(Staff.active & (Staff.role == SUPERVISOR_ROLE))
        .order_by(Staff.name, Staff.id)
    )
    return [(sid, name) for sid, name in query.tuples()]


def password_needed() -> bool:
    """Whether the confirmation needs the supervisor's password: sign-in is on and the person
    at the PC is not a 主管 themselves (a signed-in 主管 confirms their own change)."""
    me = accounts.current()
    return accounts.accounts_enabled() and not (me is not None and me.role == SUPERVISOR_ROLE)


def check_override(override: SupervisorOverride | None) -> Approval:
    """The checked approval, or ValidationErrors in Chinese naming the field and the fix."""
    if override is None:
        raise UserError("修改已签字的回访需要主管确认。")
    errors = []
    reason = ""
    try:
        reason = clean_text(override.reason, "修改原因", max_len=REASON_MAX)
        if not reason:
            raise ValidationError("修改原因", "请写明为什么要修改已签字的回访（如：录入时看错了纸质表第3题）。")
    except ValidationError as err:
        errors.append(err)
    staff, name = None, ""
    try:
        staff, name = _supervisor_of(override)
    except ValidationErrors as err:
        errors.extend(err.errors)
    if errors:
        raise ValidationErrors(errors)
    operator = accounts.actor_name() or (override.operator or "").strip()[:30]
    return Approval(staff, name, reason, operator)


def _supervisor_of(override: SupervisorOverride) -> tuple[Staff | None, str]:
    me = accounts.current()
    if accounts.accounts_enabled():
        if not password_needed():
            return (Staff.get_or_none(Staff.id == me.staff_id) if me.staff_id else None), me.display_name
        if not (override.supervisor or "").strip():
            raise ValidationErrors([ValidationError("主管", "请填写确认此次修改的主管登录名。")])
        account = accounts.verify_supervisor(override.supervisor, override.password)
        return account.staff, account.display_name
    name = (override.supervisor or "").strip()
    if not name:
        raise ValidationErrors([ValidationError("主管", "请填写确认此次修改的主管姓名。")])
    staff = (
        Staff.select()
        .where((Staff.name == name) & Staff.active & (Staff.role == SUPERVISOR_ROLE))
        .order_by(Staff.id)
        .first()
    )
    if staff is None:
        known = "、".join(n for _i, n in supervisors())
        hint = (
            f"在职主管：{known}。"
            if known
            else "目前没有在职主管，请先在“设置 → 人员”中添加角色为“主管”的人员。"
        )
        raise ValidationErrors([ValidationError("主管", f"“{name}”不是在职的主管。{hint}")])
    return staff, staff.name


class LockedVisitError(UserError):
    """A signed visit's content was changed without a supervisor's confirmation."""

    def __init__(self, visit_id: int, sign_status: str, changes: list[dict], what: str = ""):
        self.visit_id = visit_id
        self.changes = changes
        detail = what or ("修改的内容：\n" + changes_text(changes) if changes else "")
        super().__init__(
            f"回访记录 #{visit_id} 已{'由客户' if sign_status == E_SIGNED else ''}签字（{sign_status}），"
            f"签字内容已锁定，不能直接修改。{detail}\n如确需修改，请点“申请修改（主管确认）”，由主管确认并填写原因。"
        )


@dataclass
class AuditPlan:
    """What a save of a locked visit will record (written inside the save's transaction)."""

    action: str
    changes: list[dict] = field(default_factory=list)
    supervisor: Staff | None = None
    reason: str = ""
    operator: str = ""
    supervisor_name: str = ""

    def approved_by(self, approval: Approval) -> "AuditPlan":
        self.supervisor, self.supervisor_name = approval.staff, approval.supervisor_name
        self.reason, self.operator = approval.reason, approval.operator
        return self


def plan_locked_edit(
    visit: Visit,
    new_snapshot: dict,
    new_sign_status: str,
    *,
    new_signature: bool,
    override: SupervisorOverride | None,
) -> list[AuditPlan]:
    """Before saving ``visit``: the audit entries the save needs, or LockedVisitError when it
    changes signed content (or unlocks the visit, or replaces its signature) without a valid
    supervisor override. An unsigned visit needs nothing."""
    if not is_signed(visit.sign_status):
        return []
    changes = describe_changes(content_snapshot(visit.id), new_snapshot)
    if new_sign_status != visit.sign_status and not (
        visit.sign_status == PAPER_SIGNED and new_sign_status == E_SIGNED
    ):
        changes.append({"field": "签字状态", "old": visit.sign_status, "new": new_sign_status})
    has_signature = VisitSignature.select().where(VisitSignature.visit == visit.id).exists()
    plans = []
    if changes:
        plans.append(AuditPlan(ACTION_EDIT, changes))
    if new_signature and has_signature:
        plans.append(AuditPlan(ACTION_RESIGN, [{"field": "客户签字", "old": "原签字", "new": "重新签字"}]))
    if not plans:
        return []
    if override is None:
        what = ""
        if not changes:
            what = "客户已签字，更换签字也需要主管确认。"
        raise LockedVisitError(visit.id, visit.sign_status, changes, what)
    approval = check_override(override)
    return [plan.approved_by(approval) for plan in plans]


def plan_answer_edit(visit: Visit, new_snapshot: dict, operator: str) -> list[AuditPlan]:
    """A completed (已完成) but unsigned visit saved again with changed content: one audit entry
    (who, when, each old → new). Drafts are work in progress and are not audited."""
    if visit.status != "已完成" or is_signed(visit.sign_status):
        return []
    changes = describe_changes(content_snapshot(visit.id), new_snapshot)
    return [AuditPlan(ACTION_ANSWERS, changes, operator=operator)] if changes else []


def write_audit(visit_id: int, plan: AuditPlan) -> AuditLog:
    return AuditLog.create(
        entity="visit",
        entity_id=visit_id,
        action=plan.action,
        operator=plan.operator,
        supervisor=plan.supervisor.id if plan.supervisor else None,
        supervisor_name=plan.supervisor_name or (plan.supervisor.name if plan.supervisor else ""),
        reason=plan.reason,
        changes=plan.changes,
        at=now(),
    )


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    action: str
    operator: str
    supervisor: str
    reason: str
    changes: list

    @property
    def text(self) -> str:
        head = f"{self.at:%Y-%m-%d %H:%M} {self.action}"
        who = f"经办：{self.operator or '未填写'}" + (
            f"；主管确认：{self.supervisor}" if self.supervisor else ""
        )
        reason = f"\n原因：{self.reason}" if self.reason else ""
        body = changes_text(self.changes or [])
        return f"{head}（{who}）{reason}" + (f"\n{body}" if body else "")


def _shown_value(shown, key: str, value):
    return shown(value) if key in ("old", "new") and isinstance(value, str) else value


def audit_entries(visit_id: int) -> list[AuditEntry]:
    """The audit log of one visit, newest first."""
    query = (
        AuditLog.select()
        .where((AuditLog.entity == "visit") & (AuditLog.entity_id == visit_id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    )
    shown = accounts.text_for_screen  # old → new values may quote the customer's words
    return [
        AuditEntry(
            row.at,
            row.action,
            row.operator,
            row.supervisor_name,
            row.reason,
            [{key: _shown_value(shown, key, value) for key, value in c.items()} for c in row.changes or []],
        )
        for row in query
    ]


# ---------------------------------------------------------------- the signature itself
def check_png(png: bytes) -> bytes:
    if not png:
        raise ValidationError("客户签字", "签字板上还没有签字。")
    if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(PNG_MAGIC):
        raise ValidationError("客户签字", "签字图像无效（不是 PNG 图片），请清除后重新签字。")
    if len(png) > MAX_PNG_BYTES:
        raise ValidationError("客户签字", "签字图像过大，请清除后重新签字。")
    return bytes(png)


def resolve_sign_status(visit: Visit | None, requested: str, *, new_signature: bool) -> str:
    """The 签字状态 a save stores: 电子签名 whenever the visit has (or gets) an on-screen
    signature; 电子签名 cannot be chosen by hand without one."""
    if new_signature:
        return E_SIGNED
    if visit is not None and VisitSignature.select().where(VisitSignature.visit == visit.id).exists():
        return E_SIGNED
    if requested == E_SIGNED and (visit is None or visit.sign_status != E_SIGNED):
        raise ValidationError(
            "签字状态", "还没有电子签名：请让客户在签字板上签字，或在客户签过纸质表后选择“纸质已签”。"
        )
    return requested


def store_signature(
    visit_id: int,
    png: bytes,
    *,
    content_sha256: str,
    signed_at: datetime | None = None,
    signer: str = "",
    device: str = "",
) -> VisitSignature:
    """Store (or replace) the visit's signature; call inside the save's transaction."""
    png = check_png(png)
    values = {
        "image": png,
        "sha256": sha256_hex(png),
        "content_sha256": content_sha256,
        "signed_at": (signed_at or now()).replace(microsecond=0),
        "signer": (signer or "").strip()[:30],
        "device": device if device in DEVICES else "",
        "created_at": now(),
    }
    existing = VisitSignature.get_or_none(VisitSignature.visit == visit_id)
    if existing is None:
        return VisitSignature.create(visit=visit_id, **values)
    VisitSignature.update(**values).where(VisitSignature.id == existing.id).execute()
    return VisitSignature.get_by_id(existing.id)


@dataclass(frozen=True)
class SignatureInfo:
    visit_id: int
    image: bytes
    sha256: str
    signed_at: datetime
    signer: str
    device: str
    image_ok: bool  # the stored image still has the stored hash
    content_ok: bool  # the visit's content is what was signed

    @property
    def short_hash(self) -> str:
        return self.sha256[:16]

    @property
    def status_text(self) -> str:
        if not self.image_ok:
            return "签字图像校验失败：与保存时的 SHA-256 不一致，数据可能被改动。"
        if not self.content_ok:
            return "签字后内容有修改（已经主管确认并记录，见修改记录）。"
        return "签字校验通过（SHA-256 一致，签字后内容未修改）。"


def signature_of(visit_id: int) -> SignatureInfo | None:
    """The visit's signature with both checks done, or None when it has none."""
    row = VisitSignature.get_or_none(VisitSignature.visit == visit_id)
    if row is None:
        return None
    image = bytes(row.image or b"")
    content_ok = not row.content_sha256 or row.content_sha256 == content_digest(content_snapshot(visit_id))
    return SignatureInfo(
        visit_id=visit_id,
        image=image,
        sha256=row.sha256,
        signed_at=row.signed_at,
        signer=row.signer,
        device=row.device,
        image_ok=sha256_hex(image) == row.sha256,
        content_ok=content_ok,
    )


def signature_image(visit_id: int) -> tuple[bytes, datetime, str] | None:
    """(PNG, signed at, sha256) for printing, or None."""
    row = (
        VisitSignature.select(VisitSignature.image, VisitSignature.signed_at, VisitSignature.sha256)
        .where(VisitSignature.visit == visit_id)
        .first()
    )
    if row is None:
        return None
    return bytes(row.image or b""), row.signed_at, row.sha256


@accounts.requires(accounts.CALL, "删除电子签名")
def remove_signature(visit_id: int, override: SupervisorOverride) -> str:
    """Delete a visit's on-screen signature (signed by the wrong person, …) with a supervisor's
    confirmation; returns the new 签字状态 (纸质已签 if a signed scan is attached, else 未签)."""
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise UserError(f"找不到编号为 {visit_id} 的回访记录。")
    row = VisitSignature.get_or_none(VisitSignature.visit == visit_id)
    if row is None:
        raise UserError("这条回访没有电子签名。")
    approval = check_override(override)
    has_scan = VisitAttachment.select().where(VisitAttachment.visit == visit_id).exists()
    status = PAPER_SIGNED if has_scan else UNSIGNED
    with db.atomic():
        row.delete_instance()
        # the visit's version goes up: a form still showing it signed is refused as stale
        versions.touch(Visit, visit_id, {Visit.sign_status: status, Visit.updated_at: now()})
        write_audit(
            visit_id,
            AuditPlan(
                ACTION_REMOVE_SIGNATURE,
                [
                    {"field": "客户签字", "old": f"电子签名（SHA-256 {row.sha256[:16]}…）", "new": "（无）"},
                    {"field": "签字状态", "old": visit.sign_status, "new": status},
                ],
            ).approved_by(approval),
        )
    return status
