"""The channel as one field: for each channel, 满意率, NPS and 综合得分 of the answers that came
back by it, beside 回收率 of the questionnaires sent by it — the rows the report's 分渠道 table,
the workbook's 分渠道 sheet and 问题分析 → 细分对比 (回访方式) show.

Two facts are joined by name (the rule is in ``scheduling.chasing``'s docstring):

* 满意率 / NPS / 综合得分 group the scope's visits by how they came back, ``Visit.method``
  (``statistics.by_group(scope, "channel")``: the same visits as every other figure — completed,
  valid, not verification visits — with the scope's filters, the 回访方式 filter included).
* 回收率 groups the questionnaires by how they went out, ``VisitTask.sent_via``, over the scope's
  period by 发放时间 (``chasing.recovery_by_channel``; of the scope's filters only 回访方式 applies,
  as the channel of that name: a send has no team, engineer or answers yet). Each sending channel is named as the 回访方式 its answers usually come
  back by (问卷, 短信, 线上问卷, 柜台自助), so one row carries both; 电话 and 上门 are never sent
  (no 回收率), 微信 sends come back as 扫码问卷 (no 满意率 of its own).

A row is listed when it has visits or sends; 回访方式 in ``METHODS`` order, then the sending
channels with no method of their own, then any other method found on visits.
"""

from dataclasses import dataclass

from desktop.models.visit import METHODS

from ..scheduling import chasing
from . import statistics
from .scope import Scope

SHEET_TITLE = "分渠道"
NOTE = (
    "满意率、NPS、综合得分按回访方式（答案如何收回：电话、纸质问卷、短信、扫码问卷、线上问卷、柜台自助等）统计，"
    "口径同细分统计；回收率按发放渠道（问卷如何发出）统计：已收回 ÷ 已发放，按发放时间计，已取消的任务和二次回访不计，"
    "收回方式不限（纸质问卷扫码填写也算纸质问卷收回）。同名的发放渠道与回访方式列在同一行；"
    "电话、上门无需发放，没有回收率；微信发出的链接以扫码问卷收回。"
)


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    visits: int = 0  # valid completed visits that came back by this 回访方式
    level_n: int = 0  # 满意率's denominator
    satisfied: int = 0  # 非常满意 + 满意
    satisfaction: float | None = None
    nps: float | None = None
    nps_n: int = 0
    composite: float | None = None
    sent: int = 0  # questionnaires sent by this channel in the period (no 发放 → 0)
    returned: int = 0
    goal: float | None = None  # 回收率's goal; None for a method that is never sent

    @property
    def recovery(self) -> float | None:
        return self.returned / self.sent if self.sent else None

    @property
    def met(self) -> bool | None:
        if self.recovery is None or self.goal is None:
            return None
        return self.recovery >= self.goal

    @property
    def verdict(self) -> str:
        return {True: "达标", False: "未达标", None: "—"}[self.met]


def _order(names) -> list[str]:
    known = list(METHODS) + [c for c in chasing.CHANNELS if c not in METHODS]
    return [n for n in known if n in names] + sorted(n for n in names if n not in known)


def channel_rows(scope: Scope) -> list[ChannelRow]:
    """One row per channel with visits in ``scope`` or questionnaires sent in its period."""
    stats = {g.group: g for g in statistics.by_group(scope, "channel") if g.visits}
    period = scope.period
    sends = {}
    if period is not None:
        sends = {
            r.channel: r
            for r in chasing.recovery_by_channel(period.start, period.end)
            if r.sent and scope.channel in (None, r.channel)  # the 回访方式 filter narrows both
        }
    rows = []
    for name in _order(set(stats) | set(sends)):
        g, r = stats.get(name), sends.get(name)
        figures = {}
        if g is not None:
            figures = dict(
                visits=g.visits,
                level_n=g.level_n,
                satisfied=g.counts.get(5, 0) + g.counts.get(4, 0),
                satisfaction=g.satisfaction,
                nps=g.nps,
                nps_n=g.nps_n,
                composite=g.composite,
            )
        sent = dict(sent=r.sent, returned=r.returned) if r is not None else {}
        rows.append(ChannelRow(name, **figures, **sent, goal=chasing.CHANNEL_GOALS.get(name)))
    return rows


def recovery_text(row: ChannelRow) -> str:
    """回收率 in words: 70.0%（7 / 10，目标 ≥70%，达标）, or — when the channel sent nothing."""
    if not row.sent:
        return "—"
    goal = f"，目标 ≥{row.goal:.0%}，{row.verdict}" if row.goal is not None else ""
    return f"{row.recovery:.1%}（{row.returned} / {row.sent}{goal}）"
