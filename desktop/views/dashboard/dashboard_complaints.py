"""工作台's complaint figures: the 本期投诉率 tile against its goal (the previous period's rate ×
0.75, seed 004's 投诉率下降25%) and the red band naming the complaints whose response deadline
(by level: 一级 24 h, 二级 12 h, 三级 2 h) is over without a response."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from .dashboard_charts import BAD, GOOD
from .dashboard_tiles import Tile, pct

BAND_STYLE = "background: #fde2e1; color: #8a1c1c; padding: 4px 8px; border-radius: 4px; font-weight: bold;"


class OverdueComplaintBand(QLabel):
    """Hidden while every complaint is answered in time; otherwise the count and the first few."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setStyleSheet(BAND_STYLE)
        self.setWordWrap(True)
        self.setVisible(False)

    def show_overdue(self, count: int, lines: tuple[str, ...]) -> None:
        if not count:
            self.setVisible(False)
            self.setText("")
            return
        more = f"等 {count} 件" if count > len(lines) else f"共 {count} 件"
        self.setText(f"超时未响应的投诉{more}：" + "；".join(lines))
        self.setToolTip("按投诉等级的响应时限（一级 24 小时、二级 12 小时、三级 2 小时），已超时仍未响应或关闭")
        self.setVisible(True)


def show_complaint_rate(tile: Tile, t) -> None:
    """The 投诉率 tile of ``t`` (``dashboard.Tiles``): the rate, its counts and the goal."""
    if t.complaint_rate is None:
        tile.show_value("—", "本期没有完成的工单")
        return
    counts = f"{t.complaint_part}/{t.complaint_whole}"
    if t.complaint_goal is None:
        tile.show_value(pct(t.complaint_rate), f"{counts} · 上期无数据，无目标值")
        return
    met = t.complaint_rate <= t.complaint_goal + 1e-9
    note = f"{counts} · 目标 ≤{pct(t.complaint_goal)}（上期 {pct(t.complaint_previous)} 降25%）"
    tile.show_value(pct(t.complaint_rate), f"{note} · {'已达标' if met else '未达标'}", GOOD if met else BAD)
