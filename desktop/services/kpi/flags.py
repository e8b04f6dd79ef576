"""A flagged indicator (标记) turned into an improvement action (改进方案), linked back to it."""

from datetime import date, timedelta

from desktop.models import ActionLog, ImprovementAction, KpiIndicator, KpiScorecard, db

from ..admin import accounts
from ..common.errors import UserError
from ..improvement import flow, improvement
from ..reporting.scoring import FLAG_RATIO
from . import scopes
from .kpi import ACTION_DAYS, ACTION_OWNER, ROOT_CAUSE_MEASURE, IndicatorRow, num, rows_of, score_text

ACTION_DEPARTMENT = "待指定"  # 责任部门 of an action from a scorecard that names no team


# ---------------------------------------------------------------- flags → improvement actions
def flag_problem(row: IndicatorRow) -> str:
    return f"{row.level2} 得分 {score_text(row.score)}/权重 {num(row.weight)}，低于 {FLAG_RATIO:.0%}"


def _origin(card: KpiScorecard, level2: str) -> str:
    return f"由质量评价表 {card.period}·{scopes.target_text(card.scope_kind, card.target)}“{level2}”转入"


def action_department(card: KpiScorecard) -> str:
    """责任部门 of an action made from the scorecard: a team's scorecard names its team; one for
    a service type or for 新老客户 names no department, so the action waits for one
    (``ACTION_DEPARTMENT``, changed on the 改进方案 page like the owner)."""
    if scopes.clean_kind(card.scope_kind) == scopes.TEAM and card.target != scopes.EVERYONE:
        return card.target
    return ACTION_DEPARTMENT


def existing_action(indicator) -> ImprovementAction | None:
    """The improvement action already made from this indicator, if any."""
    ind = indicator if isinstance(indicator, KpiIndicator) else KpiIndicator.get_or_none(id=int(indicator))
    if ind is None:
        return None
    card = ind.scorecard
    return (
        ImprovementAction.select()
        .join(ActionLog, on=(ActionLog.action == ImprovementAction.id))
        .where(ActionLog.note == _origin(card, ind.level2), ImprovementAction.department == card.target)
        .first()
    )


def actions_of(rows: list[IndicatorRow]) -> dict[int, int]:
    """Saved flagged indicators that were already turned into an improvement action:
    indicator id → action id."""
    made: dict[int, int] = {}
    for row in rows:
        if row.flagged and row.id is not None:
            action = existing_action(row.id)
            if action is not None:
                made[row.id] = action.id
    return made


@accounts.requires(accounts.MANAGE, "修改质量评价")
def flag_to_action(
    indicator,
    *,
    owner: str = ACTION_OWNER,
    deadline: date | None = None,
    author: str = "",
    today: date | None = None,
) -> ImprovementAction:
    """An improvement action (status 未启动) for an indicator scoring below 80% of its weight:
    problem "<二级指标> 得分 x/权重 y,低于 80%", 责任部门 ``action_department``, the measure a root-cause
    analysis, due in ``ACTION_DAYS`` days unless ``deadline`` is given. Made with
    ``improvement.create_action``; a progress note records which scorecard it came from."""
    ind_id = indicator.id if isinstance(indicator, KpiIndicator | IndicatorRow) else int(indicator)
    if ind_id is None:
        raise UserError("这项指标还没有保存，请先保存评价表。")
    ind = KpiIndicator.get_or_none(KpiIndicator.id == ind_id)
    if ind is None:
        raise UserError("找不到这项指标，它可能已被删除。")
    card = ind.scorecard
    row = next(r for r in rows_of([card.id])[card.id] if r.id == ind.id)
    if row.score is None:
        raise UserError(f"“{row.level2}”还没有得分，请先填写实际值（或评审打分）。")
    if not row.flagged:
        raise UserError(
            f"“{row.level2}”得分 {score_text(row.score)}/权重 {num(row.weight)}，"
            f"不低于 {FLAG_RATIO:.0%}，无需转为改进措施。"
        )
    done = existing_action(ind)
    if done is not None:
        raise UserError(f"“{row.level2}”已转为改进措施（第 {done.id} 号），请到改进方案页跟进。")
    today = today or date.today()
    expected = f"{row.level2}达到目标值 {num(row.target)}%" if not row.qualitative and row.target else ""
    data = improvement.ActionInput(
        problem=flag_problem(row),
        measure=ROOT_CAUSE_MEASURE,
        department=action_department(card),
        owner=owner,
        deadline=deadline or today + timedelta(days=ACTION_DAYS),
        acceptance=f"下一评价周期“{row.level2}”得分不低于权重的 {FLAG_RATIO:.0%}",
        expected_effect=expected,
    )
    with db.atomic():
        action = improvement.create_action(data, author, today=today)
        flow.add_progress(action.id, _origin(card, row.level2), author)
    return action
