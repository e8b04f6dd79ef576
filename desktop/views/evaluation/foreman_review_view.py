"""工长自评 page: the foreman's own assessment of each order completed on a day (seed 002: 100%)
on three factors — 填写完整程度, 处理措施, 作业效率 — each 满意 10 / 基本满意 8 / 不满意 6, and a
remark. Not a customer call: the ratings are stored per order (``services.visits.foreman_review``)
and never count in customer satisfaction.

Made for the keyboard: in a rating cell type 1 (满意), 2 (基本满意) or 3 (不满意) — the cursor moves
on to the next factor, then to the remark; 0 or Delete clears; Enter on a remark edits it;
Ctrl+S saves. A double click on a rating cell steps through the answers. A foreman sees his team's
orders only; the service checks it again when saving."""

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError
from desktop.services.visits import foreman_review as fr

from ..common.context import AppContext
from ..common.widgets import MARGIN, confirm, gate, hbox, heading, show_error, vbox

ALL_TEAMS = "全部班组"
INFO_COLUMNS = ("工单号", "客户", "服务类型", "工程师", "班组")
RATING_COLUMNS = tuple(range(len(INFO_COLUMNS), len(INFO_COLUMNS) + len(fr.FACTORS)))
REMARK_COLUMN = RATING_COLUMNS[-1] + 1
STATUS_COLUMN = REMARK_COLUMN + 1
HEADERS = [*INFO_COLUMNS, *(short for _f, _w, short in fr.FACTORS), "备注", "状态"]
KEYS = {Qt.Key_1: 10, Qt.Key_2: 8, Qt.Key_3: 6}  # 满意, 基本满意, 不满意
CLEAR_KEYS = (Qt.Key_0, Qt.Key_Delete, Qt.Key_Backspace)
CYCLE = (None, 10, 8, 6)
CHANGED_BRUSH = QBrush(QColor("#fff4ce"))
HINT = "键盘快速评分：在评分格按 1＝满意（10分）、2＝基本满意（8分）、3＝不满意（6分），0 清除；Ctrl+S 保存。"


def rating_text(value: int | None) -> str:
    return "" if value is None else f"{fr.LABELS[value]}（{value}）"


class RatingTable(QTableWidget):
    """The orders' table; digit keys rate the current factor and move on."""

    rated = Signal(int, int)  # row, column

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        column = self.currentColumn()
        row = self.currentRow()
        if row >= 0 and column in RATING_COLUMNS and self.state() != QAbstractItemView.EditingState:
            key = event.key()
            if key in KEYS or key in CLEAR_KEYS:
                self.set_rating(row, column, KEYS.get(key))
                if key in KEYS:
                    self.setCurrentCell(row, column + 1)
                return
        if (
            row >= 0
            and column == REMARK_COLUMN
            and event.key() in (Qt.Key_Return, Qt.Key_Enter)
            and self.state() != QAbstractItemView.EditingState
        ):
            self.editItem(self.item(row, column))
            return
        super().keyPressEvent(event)

    def set_rating(self, row: int, column: int, value: int | None) -> None:
        item = self.item(row, column)
        if item is None or not item.flags() & Qt.ItemIsEnabled:
            return
        item.setData(Qt.UserRole, value)
        item.setText(rating_text(value))
        self.rated.emit(row, column)


class ForemanReviewView(QWidget):
    """Page "foreman_review". ``open_with(day=None, team=None)``."""

    saved = Signal(int)  # how many orders were saved

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[fr.ReviewRow] = []
        self.changed: set[int] = set()  # table rows edited since loading
        self._loading = False
        self._shown: tuple[date, str] | None = None  # the day and team the table shows

        self.day_edit = QDateEdit(QDate.currentDate())
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.team_combo = QComboBox()
        self.team_combo.setMinimumWidth(120)
        self.refresh_button = QPushButton("刷新")
        self.save_button = QPushButton("保存（Ctrl+S）")
        self.scope_label = QLabel()
        self.summary = QLabel()
        self.latest_button = QPushButton()  # an empty day: go to the latest day with orders
        self.latest_button.setVisible(False)
        self.latest_button.clicked.connect(self._go_latest)
        self._latest: date | None = None
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)

        self.table = RatingTable(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        for column, (_f, wording, _s) in zip(RATING_COLUMNS, fr.FACTORS, strict=True):
            self.table.horizontalHeaderItem(column).setToolTip(wording + "：满意 10 / 基本满意 8 / 不满意 6")
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.DoubleClicked
            | QAbstractItemView.EditKeyPressed
            | QAbstractItemView.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        for column in range(len(HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(REMARK_COLUMN, QHeaderView.Stretch)

        self.may_save = gate(accounts.CALL, self.save_button, what="填写工长自评")
        self.setLayout(
            vbox(
                hbox(heading("工长自评"), self.summary, self.latest_button, None),
                hbox(
                    QLabel("完工日期"),
                    self.day_edit,
                    QLabel("班组"),
                    self.team_combo,
                    self.refresh_button,
                    None,
                    self.save_button,
                ),
                self.scope_label,
                self.hint,
                self.table,
                margin=MARGIN,
            )
        )
        self.refresh_button.clicked.connect(self.refresh)
        self.save_button.clicked.connect(self.save)
        self.day_edit.dateChanged.connect(lambda _d: self._filters_changed())
        self.team_combo.currentIndexChanged.connect(lambda _i: self._filters_changed())
        self.table.rated.connect(lambda row, _col: self._mark_changed(row))
        self.table.itemChanged.connect(self._item_changed)
        self.table.cellDoubleClicked.connect(self._cycle)
        QShortcut(QKeySequence.Save, self, activated=self.save)
        ctx.events.orders_changed.connect(self._orders_changed)

    # ------------------------------------------------------------------ loading
    def on_shown(self) -> None:
        self._load_teams()
        self.refresh()

    def open_with(self, day: date | None = None, team: str | None = None, **_ignored) -> None:
        self._load_teams()
        self._show_filters(day or self.day(), self.team() if team is None else team)
        self.refresh()

    def _load_teams(self) -> None:
        current = self.team_combo.currentText()
        self._loading = True
        try:
            self.team_combo.clear()
            self.team_combo.addItems([ALL_TEAMS, *fr.teams()])
            self.team_combo.setCurrentIndex(max(self.team_combo.findText(current), 0))
        finally:
            self._loading = False

    def day(self) -> date:
        return self.day_edit.date().toPython()

    def team(self) -> str:
        text = self.team_combo.currentText()
        return "" if text == ALL_TEAMS else text

    def _filters_changed(self) -> None:
        """Another day or team picked: unsaved ratings are dropped only when the user says so;
        otherwise the picker goes back to what the table shows."""
        if self._loading or not self.isVisible():
            return
        if self.changed and not confirm(
            self,
            f"有 {len(self.changed)} 张工单的自评还没有保存，切换后将放弃。确定切换吗？",
            "放弃未保存的自评",
        ):
            self._show_filters(*self._shown)
            return
        self.refresh()

    def _orders_changed(self) -> None:
        if self.isVisible() and not self.changed:  # never drops what is being typed
            self.refresh()

    def _show_filters(self, day: date, team: str) -> None:
        self._loading = True
        try:
            self.day_edit.setDate(QDate(day.year, day.month, day.day))
            self.team_combo.setCurrentIndex(max(self.team_combo.findText(team or ALL_TEAMS), 0))
        finally:
            self._loading = False

    def refresh(self) -> None:
        try:
            self.rows = fr.day_orders(self.day(), self.team())
        except UserError as err:
            show_error(self, str(err))
            return
        self._shown = (self.day(), self.team())
        self.scope_label.setText(fr.scope_text())
        self._loading = True
        table = self.table
        table.blockSignals(True)
        try:
            table.setRowCount(0)
            for r in self.rows:
                row = table.rowCount()
                table.insertRow(row)
                done = "" if r.completed_at is None else f"{r.completed_at:%H:%M}"
                for column, text in enumerate((r.order_no, r.customer, r.service_type, r.engineer, r.team)):
                    item = QTableWidgetItem(text)
                    item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
                    if column == 0:
                        item.setToolTip(f"完工时间 {done}")
                    table.setItem(row, column, item)
                for column, (field, _w, _s) in zip(RATING_COLUMNS, fr.FACTORS, strict=True):
                    value = getattr(r, field)
                    item = QTableWidgetItem(rating_text(value))
                    item.setData(Qt.UserRole, value)
                    item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
                    table.setItem(row, column, item)
                remark = QTableWidgetItem(r.remark)
                flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable
                remark.setFlags(flags | Qt.ItemIsEditable if self.may_save else flags)
                table.setItem(row, REMARK_COLUMN, remark)
                status = QTableWidgetItem("已评" if r.done else "未评")
                status.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
                table.setItem(row, STATUS_COLUMN, status)
                if not self.may_save:
                    for column in RATING_COLUMNS:
                        table.item(row, column).setFlags(Qt.ItemIsSelectable)
        finally:
            table.blockSignals(False)
            self._loading = False
        self.changed.clear()
        self._show_summary()
        if self.rows:
            table.setCurrentCell(0, RATING_COLUMNS[0])

    def _show_summary(self) -> None:
        done = sum(1 for r in self.rows if r.done)
        text = (
            f"{self.day():%Y-%m-%d} 完工 {len(self.rows)} 张，已自评 {done} 张"
            if self.rows
            else "当日没有可自评的完工工单。"
        )
        if self.changed:
            text += f"，{len(self.changed)} 张待保存"
        self.summary.setText(text)
        self._latest = None if self.rows else fr.latest_day(self.day(), self.team())
        if self._latest is not None and self._latest != self.day():
            self.latest_button.setText(f"转到最近有完工工单的一天（{self._latest:%Y-%m-%d}）")
        self.latest_button.setVisible(self._latest is not None and self._latest != self.day())

    def _go_latest(self) -> None:
        if self._latest is not None:
            self._show_filters(self._latest, self.team())
            self.refresh()

    # ------------------------------------------------------------------ editing
    def _mark_changed(self, row: int) -> None:
        if self._loading:
            return
        self.changed.add(row)
        for column in (*RATING_COLUMNS, REMARK_COLUMN):
            self.table.item(row, column).setBackground(CHANGED_BRUSH)
        self._show_summary()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == REMARK_COLUMN:
            self._mark_changed(item.row())

    def _cycle(self, row: int, column: int) -> None:
        if column not in RATING_COLUMNS or not self.may_save:
            return
        value = self.table.item(row, column).data(Qt.UserRole)
        self.table.set_rating(row, column, CYCLE[(CYCLE.index(value) + 1) % len(CYCLE)])

    def rating(self, row: int, factor: int) -> int | None:
        return self.table.item(row, RATING_COLUMNS[factor]).data(Qt.UserRole)

    def entries(self) -> list[fr.ReviewInput]:
        """The edited rows as the service takes them."""
        return [
            fr.ReviewInput(
                self.rows[row].order_id,
                *(self.rating(row, i) for i in range(len(fr.FACTORS))),
                self.table.item(row, REMARK_COLUMN).text(),
            )
            for row in sorted(self.changed)
        ]

    def save(self) -> None:
        if not self.may_save or not self.changed:
            return
        if self.table.state() == QAbstractItemView.EditingState:
            self.table.setCurrentCell(self.table.currentRow(), STATUS_COLUMN)  # commits the open remark
        try:
            count = fr.save_reviews(self.entries())
        except UserError as err:
            show_error(self, str(err), "无法保存工长自评")
            return
        self.refresh()
        self.ctx.events.status_message.emit(f"已保存 {count} 张工单的工长自评。")
        self.saved.emit(count)
