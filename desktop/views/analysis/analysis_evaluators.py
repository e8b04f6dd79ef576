"""问题分析's 评价对比 tab (seed 002 评价主体): per team, over the page's period, the maintenance
centre's three evaluators side by side — 工长自评 on its factors (填写完整程度, 处理措施, 作业效率),
调度回访 and 管理人员回访 on theirs (响应速度, 服务态度, 设备运行状态) — with how many orders each
covered against its share (100% / 90% / 10%). One row per team and evaluator; read in the
background (``reporting.evaluators.side_by_side``)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView

from desktop.services.reporting import evaluators

from ..common.widgets import MARGIN, vbox
from .analysis_widgets import note_label, table_item
from .figure_tab import FigureTab, percent, score

COLUMNS = ("班组", "评价主体", "份数", "覆盖率（要求）", "因素一", "因素二", "因素三", "综合平均分")
EMPTY = "本期（按当前筛选）没有完工工单，无法对比三方评价。"
RULE = (
    "评价方式：工长自评＋调度电话回访＋管理人员电话回访（满意 10、基本满意 8、不满意 6）。"
    "工长自评当日完工工单的 100%（工单填写完整程度、处理措施是否得当、作业效率），"
    "调度回访 90%、管理人员回访 10%（故障响应速度、服务态度、维修后设备运行状态），同一工单只回访一次客户。"
    "工长自评不计入客户满意度。"
)


def _pct(value: float | None) -> str:
    return percent(value, 0)


class EvaluatorsTab(FigureTab):
    """The 评价对比 tab. ``show_range(start, end, team)`` reads the figures; ``filled`` is emitted
    when the table shows them (``loading`` false)."""

    def __init__(self, parent=None):
        super().__init__(list(COLUMNS), parent)
        self.rows: list[evaluators.TeamEvaluation] = []
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        self.setLayout(vbox(self.note, self.table, note_label(RULE), margin=MARGIN))

    def show_range(self, start, end, team: str = "") -> None:
        self.read(lambda: evaluators.side_by_side(start, end, team or ""), self._arrived)

    def _arrived(self, rows) -> None:
        self.rows = rows
        table = self.table
        right = Qt.AlignRight | Qt.AlignVCenter
        for team in rows:
            for role in evaluators.ROLES:
                figures = team.scores[role]
                row = table.rowCount()
                table.insertRow(row)
                factors = [f"{name} {score(figures.means[name])}" for name in evaluators.factor_names(role)]
                coverage = f"{_pct(figures.coverage)}（{_pct(figures.target)}）"
                texts = (team.team, role, figures.count, coverage, *factors, score(figures.overall))
                for col, value in enumerate(texts):
                    table.setItem(row, col, table_item(value, right if col in (2, 3, 7) else None))
        if rows:
            orders = next((r.orders for r in rows if r.team == evaluators.ALL_TEAMS), rows[0].orders)
            self.note.setText(f"本期完工工单 {orders} 张；每个班组依次列出工长自评、调度回访、管理人员回访。")
        else:
            self.note.setText(EMPTY)

    def row_of(self, team: str, role: str) -> list[str] | None:
        """The texts of the row of ``team`` and evaluator ``role`` (None when not shown)."""
        return self.row_where(lambda texts: texts[:2] == [team, role])
