"""The report's 分渠道 table: per channel, 满意率, NPS and 综合得分 of the answers that came back
by it, beside the 回收率 of the questionnaires sent by it (``reporting.channels``: the rule that
joins the two is there). Shown when the period has visits or sends by two channels or more."""

from ..reporting import channels
from ..reporting.statistics import Filters
from .report_doc import Block, Paragraph, Table, pct, score

HEADER = ("渠道", "有效回访", "满意度占比（%）", "NPS", "综合得分", "发放", "收回", "回收率（%）", "目标（%）", "是否达标")


def channel_table_rows(rows: list[channels.ChannelRow]) -> list[list[str]]:
    out = []
    for r in rows:
        sent = bool(r.sent)
        out.append(
            [
                r.channel,
                str(r.visits),
                pct(r.satisfaction),
                score(r.nps, 1),
                score(r.composite, 1),
                str(r.sent) if sent else "—",
                str(r.returned) if sent else "—",
                pct(r.recovery),
                pct(r.goal, 0) if sent else "—",
                r.verdict,
            ]
        )
    return out


def channel_blocks(flt: Filters) -> list[Block]:
    """The heading, the table and the rule, or nothing with fewer than two channels."""
    rows = channels.channel_rows(flt)
    if len(rows) < 2:
        return []
    return [
        Paragraph("分渠道满意度与回收率", "subheading"),
        Table(
            header=list(HEADER),
            rows=channel_table_rows(rows),
            widths=[1.3, 0.9, 1.2, 0.8, 0.9, 0.7, 0.7, 1.0, 0.8, 0.9],
            align=["left"] + ["center"] * 9,
            caption="表2-3 各渠道的满意度、NPS、综合得分和回收率",
            font_pt=8.5,
        ),
        Paragraph(channels.NOTE, "note"),
    ]
