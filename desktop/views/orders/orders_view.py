"""服务工单 page: a lazily paged list of service orders (sorted and searched in SQL), optionally
for one customer; add / edit orders and start the follow-up visit of one."""

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QWidget,
)

from desktop.services.admin import accounts, next_steps
from desktop.services.common.errors import UserError
from desktop.services.intake import customers as svc

from ..common.context import AppContext
from ..common.empty_state import EmptyHint
from ..common.table_model import Column, PagedQueryModel, list_table, select_id
from ..common.widgets import MARGIN, SearchBox, gate, hbox, heading, show_error, show_read_only, vbox
from .order_dialog import OrderDialog, customer_label

COMPLAINT_INDEX = 13  # the label appended to each search_orders() row by the view
_COMPLAINT_BRUSH = QBrush(QColor("#c62828"))

COLUMNS = [
    Column("工单号", 1, "order_no"),
    Column("客户", 2, "customer"),
    Column("客户编号", 3, "customer_code"),
    Column("服务类型", 4, "service_type"),
    Column("产品型号", 5, "product_model"),
    Column("服务工程师", 6, "engineer"),
    Column("班组", 7, "team"),
    Column("完成时间", 8, "completed_at"),
    Column("投诉", COMPLAINT_INDEX, "is_complaint"),
]
COMPLAINT_COLUMN = len(COLUMNS) - 1
COMPLETED_COLUMN = 7
WIDTHS = [130, 80, 100, 70, 100, 90, 90, 130]


def complaint_label(is_complaint: bool, level: str | None) -> str:
    if not is_complaint:
        return ""
    return f"投诉·{level}" if level else "投诉"


def _with_label(rows: list[tuple]) -> list[tuple]:
    return [row + (complaint_label(row[9], row[11]),) for row in rows]


class OrderModel(PagedQueryModel):
    """The 投诉 cell is red."""

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role == Qt.ForegroundRole:
            if index.column() == COMPLAINT_COLUMN and self._rows[index.row()][9]:
                return _COMPLAINT_BRUSH
            return None
        return super().data(index, role)


def _only_the_customer(dialog: OrderDialog) -> None:
    """A read-only order dialog names its customer alone, the phone as the signed-in person may
    see it."""
    picker = dialog.picker
    c = svc.get_customer(picker.customer_id())
    picker.search.hide()
    picker.combo.clear()
    picker.combo.addItem(
        customer_label(c.name, c.title, c.phone, c.code, c.archived),
        c.id,  # the label masks it
    )
    picker.combo.setCurrentIndex(0)


class OrdersView(QWidget):
    """Page "orders". ``open_with(customer_id=None, search=None, order_id=None, new=False)``:
    ``customer_id`` shows only that customer's orders (None shows all); ``order_id`` opens that
    order for editing; ``new=True`` opens a new order (for ``customer_id`` if given)."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id: int | None = None
        self.dialog = None
        self._stale = False

        self.search = SearchBox("搜索 工单号 / 客户 / 电话 / 产品型号 / 工程师 / 班组")
        self.search.setMinimumWidth(360)
        self.count_label = QLabel()
        self.filter_label = QLabel()
        self.clear_filter_button = QPushButton("显示全部工单")
        self.clear_filter_button.clicked.connect(lambda: self.set_customer_filter(None))
        self.filter_bar = QFrame()
        self.filter_bar.setObjectName("filterBar")
        self.filter_bar.setStyleSheet(
            "QFrame#filterBar { background: #e8f0fe; border: 1px solid #c6d7f5; border-radius: 3px; }"
        )
        self.filter_bar.setLayout(hbox(self.filter_label, None, self.clear_filter_button, margin=4))
        self.filter_bar.hide()

        self.add_button = QPushButton("新建工单")
        self.edit_button = QPushButton("编辑")
        self.visit_button = QPushButton("开始回访")
        self.visit_button.setToolTip("为所选工单打开回访表（也可双击该工单）")
        self.customer_button = QPushButton("查看客户")
        self.may_edit = gate(accounts.EDIT_CUSTOMERS, self.add_button, what="新建工单")
        self.may_call = gate(accounts.CALL, self.visit_button, what="回访")
        if not self.may_edit:  # 只读: 编辑 shows the order's details
            self.edit_button.setText("查看")
            self.edit_button.setToolTip("查看所选工单的资料（只读）")

        self.model = OrderModel(
            COLUMNS,
            lambda text, **kw: _with_label(svc.search_orders(text, customer_id=self.customer_id, **kw)),
            lambda text: svc.count_orders(text, self.customer_id),
            sort="completed_at",
            descending=True,
            parent=self,
        )
        self.table = list_table(self.model, WIDTHS)
        self.empty_hint = EmptyHint(ctx, self.table, next_steps.orders_step)
        header = self.table.horizontalHeader()
        header.setSortIndicator(COMPLETED_COLUMN, Qt.DescendingOrder)

        self._keep_id = None
        self.model.modelAboutToBeReset.connect(self._before_reload)
        self.model.modelReset.connect(self._after_reload)
        self.search.search.connect(self.model.reload)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(
            lambda _i: self.start_visit() if self.may_call else self.edit_selected()
        )
        self.add_button.clicked.connect(self.add_order)
        self.edit_button.clicked.connect(self.edit_selected)
        self.visit_button.clicked.connect(self.start_visit)
        self.customer_button.clicked.connect(self.show_customer)
        ctx.events.orders_changed.connect(self.reload)
        ctx.events.customers_changed.connect(self._mark_stale)  # names, codes, phones shown

        self.setLayout(
            vbox(
                hbox(heading("服务工单"), None, self.count_label),
                self.filter_bar,
                hbox(self.search, None),
                hbox(
                    self.add_button,
                    self.edit_button,
                    None,
                    self.customer_button,
                    self.visit_button,
                ),
                self.table,
                margin=MARGIN,
            )
        )
        self.table.setSortingEnabled(True)  # sorts by the indicator: the first load
        self._update_buttons()

    # -- page protocol
    def on_shown(self) -> None:
        if self._stale:
            self.reload()

    def open_with(
        self,
        customer_id: int | None = None,
        search: str | None = None,
        order_id: int | None = None,
        new: bool = False,
    ) -> None:
        if search is not None:
            self.search.edit.blockSignals(True)
            self.search.edit.setText(search)
            self.search.edit.blockSignals(False)
            self.model.text = search.strip()
        self.set_customer_filter(customer_id)
        if order_id is not None:
            self.select_id(order_id)
            self.edit_order(order_id)
        elif new and self.may_edit:
            self.add_order()

    # -- list
    def reload(self) -> None:
        self.model.reload()

    def _mark_stale(self) -> None:
        self._stale = True

    def set_customer_filter(self, customer_id: int | None) -> None:
        """Only that customer's orders (None: all orders)."""
        if customer_id is not None:
            try:
                c = svc.get_customer(customer_id)
            except UserError as err:
                show_error(self, str(err))
                customer_id = None
            else:
                archived = "（已归档）" if c.archived else ""
                self.filter_label.setText(
                    f"只显示客户 {c.name}{archived}（{c.code}，{accounts.phone_for_screen(c.phone)}）的工单"
                )
        self.customer_id = customer_id
        self.filter_bar.setVisible(customer_id is not None)
        self.reload()

    def _before_reload(self) -> None:
        self._keep_id = self.selected_id()

    def _after_reload(self) -> None:
        self._stale = False
        if self._keep_id is not None:
            self.select_id(self._keep_id)
        text = f"共 {self.model.total} 张工单"
        if self.model.text:
            text += f"（搜索“{self.model.text}”）"
        self.count_label.setText(text)
        self._update_buttons()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_id(rows[0].row()) if rows else None

    def select_id(self, order_id: int) -> bool:
        return select_id(self.table, order_id)

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        for button in (self.edit_button, self.customer_button):
            button.setEnabled(has)
        self.visit_button.setEnabled(has and self.may_call)

    # -- actions
    def _open_dialog(self, dialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.saved.connect(self._order_saved)
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        dialog.open()

    def _dialog_closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def add_order(self) -> None:
        self._open_dialog(OrderDialog(customer_id=self.customer_id, parent=self))

    def edit_selected(self) -> None:
        order_id = self.selected_id()
        if order_id is not None:
            self.edit_order(order_id)

    def edit_order(self, order_id: int) -> None:
        try:
            dialog = OrderDialog(order_id, parent=self)
        except UserError as err:
            show_error(self, str(err))
            self.reload()
            return
        if not self.may_edit:
            show_read_only(dialog)
            _only_the_customer(dialog)
        self._open_dialog(dialog)

    def _order_saved(self, order_id: int) -> None:
        self.ctx.events.orders_changed.emit()  # → reload
        self.select_id(order_id)
        order = svc.get_order(order_id)
        self.ctx.events.status_message.emit(f"已保存服务工单 {order.order_no}")

    def start_visit(self) -> None:
        order_id = self.selected_id()
        if order_id is not None:
            self.ctx.events.open_page.emit("visit_form", {"order_id": order_id})

    def show_customer(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            customer_id = self.model.row_tuple(rows[0].row())[10]
            self.ctx.events.open_page.emit("customers", {"customer_id": customer_id})
