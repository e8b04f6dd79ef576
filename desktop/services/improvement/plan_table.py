"""The 改进方案表 (improvement plan table) as rows and as a printable document: on screen, printed and in the head-office workbook."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import peewee as pw

from desktop.models import (
    ACTION_STATUSES,
    ActionVisit,
    Answer,
    Customer,
    ImprovementAction,
    ProblemCategory,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
)
from desktop.models.questionnaire import LEVEL5, LEVEL5_LABELS, SCORE10

from ..admin import settings as app_settings
from ..common.validation import mask_name, mask_names_in_text, mask_phone, mask_phones_in_text
from ..reporting import scale
from .flow import is_overdue
from .improvement import (
    ALL,
    BATCH,
    CLOSED,
    DONE,
    LEVEL_COLUMNS,
    LEVEL_DIMENSIONS,
    NOT_CLOSED,
    OVERDUE,
    OVERDUE_STATUSES,
    VERIFYING,
)


# ---------------------------------------------------------------- the 改进方案表
@dataclass(frozen=True)
class PlanRow:
    """One row of the 改进方案表: an action and one visit whose feedback caused it."""

    action_id: int
    visit_id: int | None
    customer_name: str
    customer_code: str
    phone: str
    service_type: str
    product_model: str
    visit_date: date | None
    method: str
    engineer: str
    levels: tuple[int | None, int | None, int | None]  # 服务态度, 响应速度, 问题解决效果: 5 … 1
    feedback: str
    measure: str
    department: str
    owner: str
    deadline: date | None
    status: str
    completed_on: date | None
    completion_note: str
    closed_on: date | None
    category: str
    problem: str
    overdue: bool
    first_of_action: bool  # the action's first row (the table spans the action's cells from it)
    action_rows: int  # how many rows the action has

    def level_label(self, index: int) -> str:
        value = self.levels[index]
        return "" if value is None else LEVEL5_LABELS[5 - value]

    @property
    def completion_text(self) -> str:
        """已完成(2023-11-08完成系统调试)'s bracket."""
        return completion_text(self.completed_on, self.completion_note)

    def status_text(self, today: date | None = None) -> str:
        text = self.status
        if self.status == CLOSED and self.closed_on:
            text += f" {self.closed_on:%Y-%m-%d}"
        elif self.status in (DONE, VERIFYING) and self.completed_on:
            text += f"（完成 {self.completion_text}）"
        if self.overdue and self.deadline:
            days = ((today or date.today()) - self.deadline).days
            text += f" · 逾期{days}天"
        return text


def completion_text(completed_on: date | None, note: str) -> str:
    """2023-11-08完成系统调试 (the date once, even when the note already starts with it)."""
    if completed_on is None:
        return ""
    day = f"{completed_on:%Y-%m-%d}"
    note = (note or "").strip()
    return note if note.startswith(day) else day + note


def visit_levels(visit_ids: Sequence[int]) -> dict[int, tuple[int | None, int | None, int | None]]:
    """Visit id → (服务态度, 响应速度, 问题解决效果) on the five-level scale (None: not asked)."""
    column_of = {dim: n for n, col in enumerate(LEVEL_COLUMNS) for dim in LEVEL_DIMENSIONS[col]}
    out: dict[int, list[int | None]] = {}
    ids = list(dict.fromkeys(visit_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        query = (
            Answer.select(
                Answer.visit, Question.dimension, Question.kind, Answer.value, QuestionnaireTemplate.family
            )
            .join(Question)
            .join(QuestionnaireTemplate)
            .where(
                Answer.visit.in_(chunk)
                & Question.dimension.in_(list(column_of))
                & Question.kind.in_((LEVEL5, SCORE10))
                & Answer.value.is_null(False)
            )
            .order_by(Answer.visit, Question.position, Question.id)
            .tuples()
        )
        for visit_id, dimension, kind, value, family in query:
            levels = out.setdefault(visit_id, [None, None, None])
            n = column_of[dimension]
            if levels[n] is None:  # the first question of a dimension counts
                levels[n] = scale.level_of(kind, value, family)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def _customer_label(name: str, title: str, mask: bool) -> str:
    if mask:
        masked = mask_name(name)
        return (masked if len(masked) <= 4 else masked[:1] + "***") + (title or "")
    return f"{name}{title}" if title and len(name) <= 1 else name


def _filtered_actions(status_filter: str, today: date, action_ids: Sequence[int] | None):
    query = ImprovementAction.select(ImprovementAction, ProblemCategory).join(
        ProblemCategory, pw.JOIN.LEFT_OUTER, on=(ImprovementAction.category == ProblemCategory.id)
    )
    if action_ids is not None:
        query = query.where(ImprovementAction.id.in_([int(i) for i in action_ids] or [0]))
    if status_filter in ACTION_STATUSES:
        query = query.where(ImprovementAction.status == status_filter)
    elif status_filter == NOT_CLOSED:
        query = query.where(ImprovementAction.status != CLOSED)
    elif status_filter == OVERDUE:
        query = query.where(
            (ImprovementAction.deadline < today) & ImprovementAction.status.in_(OVERDUE_STATUSES)
        )
    status_order = pw.Case(ImprovementAction.status, [(s, n) for n, s in enumerate(ACTION_STATUSES)], 9)
    closed_last = pw.Case(None, [(ImprovementAction.status == CLOSED, 1)], 0)
    return query.order_by(
        closed_last, ImprovementAction.deadline.asc(nulls="LAST"), status_order, ImprovementAction.id
    )


def plan_rows(
    status_filter: str = ALL,
    *,
    mask: bool = True,
    today: date | None = None,
    action_ids: Sequence[int] | None = None,
) -> list[PlanRow]:
    """The 改进方案表: open actions first (earliest deadline first), closed ones last; within an
    action its visits by date. An action without linked visits gets one row with blank customer
    cells. Names and phone numbers are masked unless ``mask`` is False: the name and phone cells,
    and in the free texts (客户反馈, 问题描述, 改进措施, 完成说明) every phone number and the names
    of the action's customers."""
    today = today or date.today()
    actions = list(_filtered_actions(status_filter, today, action_ids))
    if not actions:
        return []
    links: dict[int, list[tuple]] = {}
    ids = [a.id for a in actions]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        query = (
            ActionVisit.select(
                ActionVisit.action,
                Visit.id,
                Customer.name,
                Customer.title,
                Customer.code,
                Customer.phone,
                ServiceOrder.service_type,
                ServiceOrder.product_model,
                Visit.visit_date,
                Visit.method,
                ServiceOrder.engineer,
                Visit.feedback,
            )
            .join(Visit, on=(ActionVisit.visit == Visit.id))
            .join(Customer, on=(Visit.customer == Customer.id))
            .switch(Visit)
            .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(Visit.order == ServiceOrder.id))
            .where(ActionVisit.action.in_(chunk))
            .order_by(Visit.visit_date, Visit.id)
            .tuples()
        )
        for row in query:
            links.setdefault(row[0], []).append(row[1:])
    levels = visit_levels([v[0] for rows in links.values() for v in rows])

    def private(text: str, names: list[str]) -> str:
        """Masked: the customers' words (and staff notes quoting them) without phone numbers
        and without the names of the action's customers."""
        if not mask or not text:
            return text
        return mask_names_in_text(mask_phones_in_text(text), names)

    out: list[PlanRow] = []
    for action in actions:
        visits = links.get(action.id) or [None]
        late = is_overdue(action.status, action.deadline, today)
        names = [v[1] for v in visits if v is not None]
        common = {
            "action_id": action.id,
            "measure": private(action.measure, names),
            "department": action.department,
            "owner": action.owner,
            "deadline": action.deadline,
            "status": action.status,
            "completed_on": action.completed_on,
            "completion_note": private(action.completion_note, names),
            "closed_on": action.closed_on,
            "category": action.category.name if action.category_id else "",
            "problem": private(action.problem, names),
            "overdue": late,
            "action_rows": len(visits),
        }
        for n, visit in enumerate(visits):
            if visit is None:
                out.append(
                    PlanRow(
                        visit_id=None,
                        customer_name="",
                        customer_code="",
                        phone="",
                        service_type="",
                        product_model="",
                        visit_date=None,
                        method="",
                        engineer="",
                        levels=(None, None, None),
                        feedback=common["problem"],
                        first_of_action=True,
                        **common,
                    )
                )
                continue
            vid, name, title, code, phone, service_type, product, day, method, engineer, feedback = visit
            out.append(
                PlanRow(
                    visit_id=vid,
                    customer_name=_customer_label(name, title, mask),
                    customer_code=code,
                    phone=mask_phone(phone) if mask else phone,
                    service_type=service_type or "",
                    product_model=product or "",
                    visit_date=day,
                    method=method,
                    engineer=engineer or "",
                    levels=levels.get(vid, (None, None, None)),
                    feedback=private(feedback or "", names),
                    first_of_action=n == 0,
                    **common,
                )
            )
    return out


@dataclass(frozen=True)
class PlanDoc:
    """The printed 改进方案表 (plain data for ``desktop.views.printing.improvement_print``)."""

    title: str
    company: str
    scope: str  # e.g. 范围:未闭环(共 4 项改进措施,9 条反馈)
    printed_on: date
    rows: list[PlanRow]
    masked: bool = True
    logo: str = ""


def plan_document(
    status_filter: str = ALL, *, mask: bool = True, today: date | None = None, action_ids=None
) -> PlanDoc:
    today = today or date.today()
    rows = plan_rows(status_filter, mask=mask, today=today, action_ids=action_ids)
    actions = len({r.action_id for r in rows})
    feedbacks = sum(1 for r in rows if r.visit_id is not None)
    return PlanDoc(
        title="客户满意度改进方案表",
        company=str(app_settings.get("company_name") or ""),
        scope=f"范围：{status_filter}（共 {actions} 项改进措施，{feedbacks} 条客户反馈）",
        printed_on=today,
        rows=rows,
        masked=mask,
        logo=str(app_settings.get("company_logo") or ""),
    )
