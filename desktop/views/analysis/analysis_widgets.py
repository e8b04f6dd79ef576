"""问题分析 widgets: the period picker, a TOP-problem card and the 关键词规则 dialog."""

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.services.admin import categories
from desktop.services.common.errors import UserError
from desktop.services.reporting import periods, problems

from ..common.unsaved import GuardedDialog
from ..common.widgets import MARGIN, hbox, show_error, show_info, vbox

ALL = "全部"
KINDS = (
    ("月度", periods.MONTH),
    ("季度", periods.QUARTER),
    ("年度", periods.YEAR),
    ("自定义区间", periods.RANGE),
)
QUADRANT_STYLE = {
    problems.HIGH_HIGH: ("优先解决", "#fdecea", "#c0392b"),
    problems.LOW_HIGH: ("重点防范", "#fff4e5", "#b9770e"),
    problems.HIGH_LOW: ("持续改进", "#eaf2fb", "#2e6da4"),
    problems.LOW_LOW: ("观察即可", "#f3f3f3", "#777777"),
}
UNTAGGED_LIMIT = 200
_NOTE_STYLE = "color: #666;"


def table_item(text, align=None, data=None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemIsEditable)
    if align is not None:
        item.setTextAlignment(align)
    if data is not None:
        item.setData(Qt.UserRole, data)
    return item


def note_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(_NOTE_STYLE)
    return label


class PeriodPicker(QWidget):
    """月度 / 季度 / 年度 (a list of recent periods) or 自定义区间 (two dates)."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._last = date.today()
        self.kind = QComboBox()
        for label, kind in KINDS:
            self.kind.addItem(label, kind)
        self.choice = QComboBox()
        self.choice.setMinimumWidth(130)
        self.start = QDateEdit()
        self.end = QDateEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.to_label = QLabel("至")
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.choice.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.start.dateChanged.connect(lambda _d: self._range_changed())
        self.end.dateChanged.connect(lambda _d: self._range_changed())
        self.setLayout(hbox(self.kind, self.choice, self.start, self.to_label, self.end))
        self.kind.setCurrentIndex(1)
        self._fill_choices()

    @property
    def latest(self) -> date:
        return self._last

    def set_latest(self, day: date) -> None:
        """The newest day the lists of months / quarters / years reach back from."""
        self._last = day
        self._fill_choices()

    def _options(self, kind: str) -> list[periods.Period]:
        last = self._last
        if kind == periods.MONTH:
            return list(reversed(periods.months_up_to(last, 24)))
        if kind == periods.QUARTER:
            out, year, quarter = [], last.year, (last.month - 1) // 3 + 1
            for _ in range(12):
                out.append(periods.quarter_period(year, quarter))
                year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
            return out
        return [periods.year_period(last.year - i) for i in range(6)]

    def _fill_choices(self, select: periods.Period | None = None) -> None:
        kind = self.kind.currentData()
        ranged = kind == periods.RANGE
        self.choice.setVisible(not ranged)
        for w in (self.start, self.to_label, self.end):
            w.setVisible(ranged)
        if ranged:
            return
        self.choice.blockSignals(True)
        self.choice.clear()
        options = self._options(kind)
        if select is not None and select not in options:
            options.insert(0, select)
        for p in options:
            self.choice.addItem(p.label, p)
        index = options.index(select) if select is not None else 0
        self.choice.setCurrentIndex(index)
        self.choice.blockSignals(False)

    def _kind_changed(self) -> None:
        if self.kind.currentData() == periods.RANGE:
            current = self.choice.currentData() or periods.quarter_period(self._last.year, 1)
            for edit, day in ((self.start, current.start), (self.end, current.end)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self._fill_choices()
        self.changed.emit()

    def _range_changed(self) -> None:
        if self.kind.currentData() == periods.RANGE:
            self.changed.emit()

    def period(self) -> periods.Period:
        """The chosen period; raises UserError for a range that ends before it starts."""
        if self.kind.currentData() == periods.RANGE:
            return periods.range_period(self.start.date().toPython(), self.end.date().toPython())
        return self.choice.currentData()

    def set_period(self, period: periods.Period) -> None:
        blockers = [self.kind, self.choice, self.start, self.end]
        for w in blockers:
            w.blockSignals(True)
        index = next(i for i, (_label, kind) in enumerate(KINDS) if kind == period.kind)
        self.kind.setCurrentIndex(index)
        if period.kind == periods.RANGE:
            self.start.setDate(QDate(period.start.year, period.start.month, period.start.day))
            self.end.setDate(QDate(period.end.year, period.end.month, period.end.day))
        for w in blockers:
            w.blockSignals(False)
        self._fill_choices(select=None if period.kind == periods.RANGE else period)


class TopCard(QFrame):
    """One proposed TOP problem: name, quadrant, reason, the customer's words, quotes, and the
    制定改进措施 button."""

    plan = Signal(int, list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("topCard")
        self.setFrameShape(QFrame.StyledPanel)
        self.proposal: problems.Proposal | None = None
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.badge = QLabel()
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.words = note_label()
        self.quotes = QLabel()
        self.quotes.setWordWrap(True)
        self.quotes.setStyleSheet("color: #444; font-style: italic;")
        self.plan_button = QPushButton("制定改进措施")
        self.plan_button.setToolTip("打开“改进措施”页，以该分类和这些回访为依据新建一条改进措施")
        self.plan_button.clicked.connect(self._plan)
        self.setLayout(
            vbox(
                hbox(self.title, self.badge, None, self.plan_button),
                self.reason,
                self.words,
                self.quotes,
                margin=MARGIN,
            )
        )

    def show_proposal(self, proposal: problems.Proposal) -> None:
        self.proposal = proposal
        action, background, colour = QUADRANT_STYLE[proposal.quadrant]
        self.title.setText(f"TOP{proposal.rank}  {proposal.name}")
        self.badge.setText(f" {proposal.quadrant} · {action} ")
        self.badge.setStyleSheet(
            f"background: {background}; color: {colour}; border: 1px solid {colour}; border-radius: 3px;"
        )
        self.setStyleSheet(
            f"QFrame#topCard {{ border: 1px solid #d0d0d0; border-left: 4px solid {colour}; }}"
        )
        self.reason.setText(proposal.reason + "。")
        words = "、".join(f"{w}（{n}）" for w, n in proposal.words)
        self.words.setText(f"客户高频用词：{words}" if words else "")
        self.words.setVisible(bool(words))
        quotes = [f"“{q if len(q) <= 80 else q[:79] + '…'}”" for q in proposal.quotes]
        self.quotes.setText("客户原话：" + " ".join(quotes) if quotes else "（没有文字反馈）")

    def _plan(self) -> None:
        if self.proposal is not None:
            self.plan.emit(self.proposal.category_id, list(self.proposal.visit_ids))


class KeywordsDialog(GuardedDialog, QDialog):
    """关键词规则: the words in free text that suggest each category (editable, 、-separated)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("问题分类关键词规则")
        self.resize(760, 460)
        intro = note_label(
            "客户的文字反馈中出现这些词时，系统建议归入对应分类（“不贵”“态度很好”这类否定或表扬不算）。"
            "多个关键词用顿号、逗号或空格隔开；单个字（如“贵”“慢”）只在独立成词时才算。"
        )
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["问题分类", "关键词"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.setWordWrap(True)
        self.defaults_button = QPushButton("恢复所选分类的默认关键词")
        self.defaults_button.clicked.connect(self.restore_defaults)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText("保存")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.setLayout(vbox(intro, self.table, hbox(self.defaults_button, None, buttons), margin=MARGIN))
        for cat in categories.list_categories(include_inactive=False):
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, table_item(cat.name, data=cat.id))
            self.table.setItem(row, 1, QTableWidgetItem("、".join(cat.keywords or [])))
        self.table.resizeRowsToContents()

    def restore_defaults(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        words = problems.default_keywords(self.table.item(row, 0).text())
        if not words:
            show_info(self, "该分类是自己添加的，没有默认关键词。")
            return
        self.table.item(row, 1).setText("、".join(words))

    def values(self) -> dict[int, str]:
        return {
            self.table.item(r, 0).data(Qt.UserRole): self.table.item(r, 1).text()
            for r in range(self.table.rowCount())
        }

    def save(self) -> None:
        try:
            categories.set_all_keywords(self.values())
        except UserError as err:
            show_error(self, str(err))
            return
        self.accept()
