"""回访记录 page: every saved visit in a lazily paged list (searched, filtered and sorted in SQL,
fast with 100k visits). Double-click opens the visit in the 回访表."""

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QInputDialog,
    QLabel,
    QPushButton,
    QWidget,
)

from desktop.services.admin import accounts, next_steps
from desktop.services.common.errors import UserError
from desktop.services.reporting import quality
from desktop.services.visits import visit_list
from desktop.services.visits import visits as svc

from ..common.context import AppContext
from ..common.empty_state import EmptyHint
from ..common.table_model import Column, PagedQueryModel, list_table
from ..common.widgets import MARGIN, SearchBox, confirm, gate, hbox, heading, show_error, vbox

STATUS_FILTERS = (("全部", None), ("草稿", svc.DRAFT), ("已完成", svc.DONE))
STATUS_INDEX = 8
MOOD_INDEX = 9
REPURCHASE_INDEX = 10
SIGN_INDEX = 15
VALIDITY_INDEX = 16


def _flag(value) -> str:
    return "有" if value else ""


COLUMNS = [
    Column("编号", 0, "id", align=Qt.AlignRight),
    Column("回访日期", 1, "visit_date"),
    Column("客户", 2, "customer"),
    Column("工单号", 3, "order_no"),
    Column("服务类型", 4, "service_type"),
    Column("问卷模板", 5, "template"),
    Column("回访方式", 6, "method"),
    Column("回访人员", 7, "visitor"),
    Column("状态", STATUS_INDEX, "status"),
    Column("签字状态", SIGN_INDEX, "sign_status"),
    Column("客户情绪", MOOD_INDEX, "mood"),
    Column("再购意向", REPURCHASE_INDEX, "repurchase", format=_flag),
    Column("被回访人", 11, "respondent"),
    Column("问题分类", 12, None),
    Column("有效性", VALIDITY_INDEX, None),
]
WIDTHS = [60, 90, 90, 130, 70, 160, 70, 70, 60, 70, 70, 70, 80, 60]
REVIEW_CHOICES = ("确认有效（计入统计）", "确认无效（不计入统计）")
DATE_COLUMN = 1
_DRAFT_BRUSH = QBrush(QColor("#8a4b00"))
_ANGRY_BRUSH = QBrush(QColor("#c62828"))
_SALES_BRUSH = QBrush(QColor("#1b5e20"))
_UNSIGNED_BRUSH = QBrush(QColor("#9aa0a6"))
_SIGNED_BRUSH = QBrush(QColor("#0d47a1"))


class VisitModel(PagedQueryModel):
    """Drafts in brown, strong displeasure in red, 再购意向 in green; 签字状态 grey when 未签,
    blue when signed (the visit's answers are locked)."""

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role == Qt.ForegroundRole:
            row = self._rows[index.row()]
            col = self.columns[index.column()].index  # position in the row tuple
            if col == STATUS_INDEX and row[STATUS_INDEX] == svc.DRAFT:
                return _DRAFT_BRUSH
            if col == MOOD_INDEX and row[MOOD_INDEX] == "强烈不满":
                return _ANGRY_BRUSH
            if col == REPURCHASE_INDEX and row[REPURCHASE_INDEX]:
                return _SALES_BRUSH
            if col == SIGN_INDEX:
                return _UNSIGNED_BRUSH if row[SIGN_INDEX] == "未签" else _SIGNED_BRUSH
            if col == VALIDITY_INDEX and row[VALIDITY_INDEX]:
                return _DRAFT_BRUSH if row[VALIDITY_INDEX] == quality.REVIEW_TEXT else _ANGRY_BRUSH
            return None
        return super().data(index, role)


class VisitsView(QWidget):
    """Page "visits". ``open_with(search=None, status=None)`` filters the list."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.status: str | None = None

        self.search = SearchBox("搜索 客户 / 编号 / 电话 / 工单号 / 回访人员 / 意见")
        self.search.setMinimumWidth(380)
        self.status_combo = QComboBox()
        for label, value in STATUS_FILTERS:
            self.status_combo.addItem(label, value)
        self.status_combo.currentIndexChanged.connect(self._status_changed)
        self.count_label = QLabel()
        self.open_button = QPushButton("打开")
        self.open_button.setToolTip("在回访表中打开所选回访（也可双击）")
        self.new_button = QPushButton("新建回访")
        self.delete_button = QPushButton("删除草稿")
        self.delete_button.setToolTip("只能删除草稿；已完成的回访会保留用于统计")
        self.may_call = gate(accounts.CALL, self.new_button, self.delete_button, what="新建或删除回访")
        self.review_button = QPushButton("复核有效性…")
        self.review_button.setToolTip("主管复核“待复核”的问卷：确认有效则计入统计，确认无效则不计入")
        self.may_review = gate(accounts.MANAGE, self.review_button, what="复核回访有效性")
        self.sales_button = QPushButton("销售跟进…")
        self.sales_button.setToolTip("勾选了“再购意向”的回访：谁跟进、跟进什么、何时、结果，可导出Excel")
        self.sales_dialog = None

        self.model = VisitModel(
            COLUMNS,
            lambda text, **kw: visit_list.visit_rows(text, status=self.status, **kw),
            lambda text: visit_list.count_visits(text, status=self.status),
            sort="visit_date",
            descending=True,
            parent=self,
        )
        self.table = list_table(self.model, WIDTHS)
        self.empty_hint = EmptyHint(ctx, self.table, next_steps.visits_step)
        header = self.table.horizontalHeader()
        header.setSortIndicator(DATE_COLUMN, Qt.DescendingOrder)

        self.model.modelReset.connect(self._after_reload)
        self.search.search.connect(self.model.reload)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.open_button.clicked.connect(self.open_selected)
        self.new_button.clicked.connect(lambda: ctx.events.open_page.emit("visit_form", {"new": True}))
        self.delete_button.clicked.connect(self.delete_selected)
        self.review_button.clicked.connect(self.review_selected)
        self.sales_button.clicked.connect(self.open_sales)
        ctx.events.visits_changed.connect(self.reload)
        ctx.events.customers_changed.connect(self.reload)
        ctx.events.orders_changed.connect(self.reload)

        self.setLayout(
            vbox(
                hbox(heading("回访记录"), None, self.count_label),
                hbox(self.search, QLabel("状态："), self.status_combo, None),
                hbox(self.new_button, self.open_button, None, self.sales_button, self.review_button, self.delete_button),
                self.table,
                margin=MARGIN,
            )
        )
        self.table.setSortingEnabled(True)  # sorts by the indicator: the first load
        self._update_buttons()

    # -- page protocol
    def open_with(self, search: str | None = None, status: str | None = None, **_ignored) -> None:
        if search is not None:
            self.search.edit.blockSignals(True)
            self.search.edit.setText(search)
            self.search.edit.blockSignals(False)
            self.model.text = search.strip()
        index = self.status_combo.findData(status) if status else 0
        if index >= 0 and index != self.status_combo.currentIndex():
            self.status_combo.setCurrentIndex(index)  # reloads
        else:
            self.reload()

    def on_shown(self) -> None:
        self._update_count()

    # -- list
    def reload(self) -> None:
        self.model.reload()

    def _status_changed(self, _index: int) -> None:
        self.status = self.status_combo.currentData()
        self.reload()

    def _after_reload(self) -> None:
        self._update_count()
        self._update_buttons()

    def _update_count(self) -> None:
        label = self.status_combo.currentText()
        what = "回访记录" if self.status is None else f"{label}的回访记录"
        self.count_label.setText(f"共 {self.model.total} 条{what}")

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def selected_id(self) -> int | None:
        row = self.selected_row()
        return self.model.row_id(row) if row is not None else None

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.open_button.setEnabled(row is not None)
        is_draft = row is not None and self.model.row_tuple(row)[STATUS_INDEX] == svc.DRAFT
        self.delete_button.setEnabled(is_draft and self.may_call)
        is_done = row is not None and self.model.row_tuple(row)[STATUS_INDEX] == svc.DONE
        self.review_button.setEnabled(is_done and self.may_review)

    # -- actions
    def open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.ctx.events.open_page.emit("visit_form", {"visit_id": self.model.row_id(row)})

    def open_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.open_row(row)

    def review_selected(self) -> None:
        """The 主管's decision on the selected visit: valid (counted) or invalid, with a reason."""
        row = self.selected_row()
        if row is None:
            return
        visit_id = self.model.row_id(row)
        choice, ok = QInputDialog.getItem(
            self, "复核有效性", f"回访 #{visit_id}：", list(REVIEW_CHOICES), 0, False
        )
        if not ok:
            return
        invalid = choice == REVIEW_CHOICES[1]
        reason, ok = QInputDialog.getText(self, "复核有效性", "原因（判为无效时必填）：")
        if not ok:
            return
        try:
            quality.confirm_invalid(visit_id, invalid, reason)
        except UserError as err:
            show_error(self, str(err))
            return
        self.ctx.events.visits_changed.emit()

    def open_sales(self) -> None:
        """The 销售跟进 list of the 再购意向 visits (a window of its own, left open beside the list)."""
        from .sales_dialog import SalesDialog

        if self.sales_dialog is None:
            self.sales_dialog = SalesDialog(self)
        else:
            self.sales_dialog.reload()
        self.sales_dialog.show()
        self.sales_dialog.raise_()

    def delete_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        data = self.model.row_tuple(row)
        if not confirm(self, f"删除客户“{data[2]}”的回访草稿 #{data[0]}？删除后不能恢复。", "删除草稿"):
            return
        try:
            svc.delete_draft(data[0])
        except UserError as err:
            show_error(self, str(err))
            return
        self.ctx.events.visits_changed.emit()
