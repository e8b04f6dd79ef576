"""The codes printed on every 回访表 (no Qt here).

A blank form printed for a visit task carries ``HUIFANG:TASK:<task id>``, a filled form
``HUIFANG:VISIT:<visit id>``, a generic blank form (no task, no customer)
``HUIFANG:TEMPLATE:<template id>`` — as a QR code and as text near the title. A scanned template
code opens nothing (the paper names no customer): ``lookup`` says which questionnaire it is and
how to type it in. A USB barcode scanner types the code into the 扫码录入 box (or a person types
it); ``parse_code`` checks it and ``lookup`` says what to open. ``qr_matrix`` gives the QR modules for the printer to draw as
vector squares.
"""

import re
import unicodedata
from dataclasses import dataclass

from desktop.models import QuestionnaireTemplate, Visit, VisitTask

from ..common.errors import UserError, ValidationError

PREFIX = "HUIFANG"
TASK = "TASK"
VISIT = "VISIT"
TEMPLATE = "TEMPLATE"
KINDS = {TASK: "回访任务", VISIT: "回访记录", TEMPLATE: "通用空白表"}
FIELD = "扫码录入"
EXAMPLE = f"{PREFIX}:{TASK}:12"
MAX_ID = 2**63 - 1
QR_ERROR = "m"  # 15 % of the symbol may be smudged or creased and it still reads
_CODE = re.compile(r"^([A-Z]+):([A-Z]+):(.*)$")
_SUFFIX = re.compile(r"^(\d+)((?::[PT]\d+)*)$")
_TASK_CLOSED = ("已取消",)


def task_code(task_id: int) -> str:
    return f"{PREFIX}:{TASK}:{int(task_id)}"


def visit_code(visit_id: int) -> str:
    return f"{PREFIX}:{VISIT}:{int(visit_id)}"


def template_code(template_id: int) -> str:
    """The code of a generic blank form of one questionnaire template (no task behind it)."""
    return f"{PREFIX}:{TEMPLATE}:{int(template_id)}"


def page_code(code: str, page: int, template_id: int | None = None) -> str:
    """The QR text of one printed page: ``code`` with the page number and the questionnaire
    template (the exact version) it was printed from — ``HUIFANG:TASK:12:P1:T3``. ``parse_code``
    reads both forms, so forms printed before the suffix existed still open."""
    text = f"{code}:P{int(page)}"
    return f"{text}:T{int(template_id)}" if template_id is not None else text


@dataclass(frozen=True)
class ScanCode:
    kind: str  # TASK, VISIT or TEMPLATE
    id: int
    page: int | None = None  # printed page number (codes printed since the paper reader)
    template_id: int | None = None  # the template version the page was printed from

    @property
    def text(self) -> str:
        """The code without its page suffix: what is printed under the QR code and looked up."""
        return f"{PREFIX}:{self.kind}:{self.id}"


def normalize(text: str) -> str:
    """What a scanner or a person typed, made comparable: full-width characters (a Chinese input
    method's "：") to ASCII, spaces and control characters dropped, upper case."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C")
    return text.upper()


def parse_code(text: str) -> ScanCode:
    """The code in ``text``; raises ValidationError (扫码录入) with a Chinese message saying what is
    wrong and what a code looks like."""
    raw = (text or "").strip()
    code = normalize(raw)
    if not code:
        raise ValidationError(FIELD, f"请扫描回访表上的二维码，或输入二维码旁的编号，例如 {EXAMPLE}。")
    shown = raw if len(raw) <= 40 else raw[:39] + "…"
    match = _CODE.match(code)
    if match is None or match.group(1) != PREFIX:
        raise ValidationError(
            FIELD,
            f"“{shown}”不是回访通的表单编号。表单编号以 {PREFIX}：开头，例如 {EXAMPLE}"
            f"（空白表）或 {PREFIX}：{VISIT}:35（已填写的表）。",
        )
    kind, number = match.group(2), match.group(3)
    page = template_id = None
    suffix = _SUFFIX.match(number) if number.isascii() else None
    if suffix is not None and suffix.group(2):
        number = suffix.group(1)
        for part in suffix.group(2).split(":")[1:]:
            if part[0] == "P":
                page = int(part[1:])
            else:
                template_id = int(part[1:])
    if kind not in KINDS:
        raise ValidationError(
            FIELD, f"“{shown}”中的“{kind}”无法识别：编号中间应为 {TASK}（回访任务）或 {VISIT}（回访记录）。"
        )
    if not number.isdigit() or not number.isascii():
        raise ValidationError(
            FIELD,
            f"“{shown}”的末尾应为数字编号，例如 {PREFIX}：{kind}:12。二维码可能没有扫完整，请重新扫描。",
        )
    value = int(number)
    if value <= 0 or value > MAX_ID:
        raise ValidationError(FIELD, f"“{shown}”中的编号 {number} 无效，请重新扫描或核对表上的编号。")
    return ScanCode(kind, value, page, template_id)


@dataclass(frozen=True)
class ScanTarget:
    """What a scanned code opens: a task's form (``task_id``) or a saved visit (``visit_id``)."""

    code: ScanCode
    task_id: int | None = None
    visit_id: int | None = None
    message: str = ""  # a line for the status bar


def lookup(text: str) -> ScanTarget:
    """Parse ``text`` and find the task or visit it names.

    A task's blank form opens the task's form for typing in the paper's answers (its draft if one
    was started); a task already done opens its completed visit instead. Unknown ids and cancelled
    tasks raise UserError with a Chinese message.
    """
    code = parse_code(text)
    if code.kind == TEMPLATE:
        raise UserError(_template_message(code))
    if code.kind == VISIT:
        visit = Visit.get_or_none(Visit.id == code.id)
        if visit is None:
            raise UserError(
                f"找不到编号为 {code.id} 的回访记录（{code.text}），可能已被删除，或这张表来自另一个数据库。"
            )
        return ScanTarget(code, visit_id=visit.id, message=f"已打开回访记录 #{visit.id}。")
    task = VisitTask.get_or_none(VisitTask.id == code.id)
    if task is None:
        raise UserError(
            f"找不到编号为 {code.id} 的回访任务（{code.text}），可能已被删除，或这张表来自另一个数据库。"
        )
    if task.status in _TASK_CLOSED:
        raise UserError(
            f"回访任务 #{task.id} 已{task.status}，不能再录入。如需回访，请在回访任务中新建任务。"
        )
    done = (
        Visit.select(Visit.id)
        .where((Visit.task == task.id) & (Visit.status == "已完成"))
        .order_by(Visit.id.desc())
        .first()
    )
    if done is not None:
        return ScanTarget(
            code,
            visit_id=done.id,
            message=f"回访任务 #{task.id} 已完成，已打开其回访记录 #{done.id}。",
        )
    return ScanTarget(
        code, task_id=task.id, message=f"已打开回访任务 #{task.id} 的回访表，请录入纸质表的答案。"
    )


def _template_message(code: ScanCode) -> str:
    """What to do with a scanned generic blank form: it names a questionnaire, not a customer."""
    template = QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == code.id)
    if template is None:
        return (
            f"找不到编号为 {code.id} 的问卷模板（{code.text}），"
            "这张空白表可能来自另一个数据库。请在“回访表”页面选择客户和工单后录入。"
        )
    return (
        f"这是问卷“{template.name}”的通用空白表（{code.text}），表上没有回访任务，"
        "无法自动打开。请在“回访表”页面选择该客户的工单，勾选“纸质表录入”后按纸上的答案录入；"
        "以后可在“回访任务”中打印带任务编号的空白表，扫码即可直接打开。"
    )


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of dark (True) / light modules, without the quiet zone
    (the printer leaves four light modules around it)."""
    import segno  # imported on first use: only printing needs it

    qr = segno.make_qr(text, error=QR_ERROR)
    return [[bool(cell) for cell in row] for row in qr.matrix]


QUIET_ZONE = 4  # light modules required around a QR code
