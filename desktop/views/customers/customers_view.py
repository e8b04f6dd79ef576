"""客户 page: a lazily paged list of customers (sorted and searched in SQL), add / edit / delete
(archive when the customer has history) / restore, and jumps to the customer's orders."""

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
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
from ..common.widgets import (
    MARGIN,
    SearchBox,
    confirm,
    gate,
    hbox,
    heading,
    show_error,
    show_info,
    show_read_only,
    vbox,
)
from ..orders.order_dialog import OrderDialog
from .customer_dialog import CustomerDialog

ARCHIVED_INDEX = 8  # position of ``archived`` in search_customers() rows
_GREY = QBrush(QColor("#8a8a8a"))

COLUMNS = [
    Column("客户编号", 1, "code"),
    Column("姓名", 2, "name"),
    Column("称谓", 3, "title"),
    Column("联系电话", 4, "phone", format=accounts.phone_for_screen),
    Column("客户类型", 5, "ctype"),
    Column("区域", 6, "region"),
    Column("通讯地址", 7, "address"),
    Column("状态", ARCHIVED_INDEX, "archived", format=lambda archived: "已归档" if archived else "正常"),
]
STATUS_COLUMN = len(COLUMNS) - 1
WIDTHS = [110, 190, 50, 130, 80, 90, 280]


class CustomerModel(PagedQueryModel):
    """Archived customers are shown in grey."""

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role == Qt.ForegroundRole:
            return _GREY if self._rows[index.row()][ARCHIVED_INDEX] else None
        return super().data(index, role)


class CustomersView(QWidget):
    """Page "customers". ``open_with(search=None, customer_id=None, include_archived=None)``."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.dialog = None  # the open add/edit dialog, if any
        self._stale = False

        self.search = SearchBox("搜索 姓名或拼音首字母 / 电话 / 客户编号 / 工单号")
        self.search.setMinimumWidth(320)
        self.archived_check = QCheckBox("显示已归档")
        self.count_label = QLabel()
        self.add_button = QPushButton("新增客户")
        self.edit_button = QPushButton("编辑")
        self.delete_button = QPushButton("删除")
        self.restore_button = QPushButton("恢复")
        self.restore_button.setToolTip("把已归档的客户恢复到正常列表")
        self.orders_button = QPushButton("查看工单")
        self.new_order_button = QPushButton("新建工单")
        self.may_edit = gate(
            accounts.EDIT_CUSTOMERS, self.add_button, self.new_order_button, what="新增客户或工单"
        )
        self.may_manage = gate(
            accounts.MANAGE, self.delete_button, self.restore_button, what="删除或恢复客户"
        )
        if not self.may_edit:  # 只读: 编辑 shows the customer's details
            self.edit_button.setText("查看")
            self.edit_button.setToolTip("查看所选客户的资料（只读）")

        self.model = CustomerModel(
            COLUMNS,
            lambda text, **kw: svc.search_customers(text, include_archived=self.include_archived, **kw),
            lambda text: svc.count_customers(text, include_archived=self.include_archived),
            sort="code",
            parent=self,
        )
        self.table = list_table(self.model, WIDTHS)
        self.empty_hint = EmptyHint(ctx, self.table, next_steps.customers_step)
        header = self.table.horizontalHeader()
        header.setSortIndicator(0, Qt.AscendingOrder)
        self._sort_indicator = (0, Qt.AscendingOrder)
        header.sortIndicatorChanged.connect(self._on_sort_indicator)

        self._keep_id = None
        self.model.modelAboutToBeReset.connect(self._before_reload)
        self.model.modelReset.connect(self._after_reload)
        self.search.search.connect(self.model.reload)
        self.archived_check.toggled.connect(self._on_archived_toggled)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.add_button.clicked.connect(self.add_customer)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.restore_button.clicked.connect(self.restore_selected)
        self.orders_button.clicked.connect(self.show_orders)
        self.new_order_button.clicked.connect(self.new_order)
        ctx.events.customers_changed.connect(self.reload)
        ctx.events.orders_changed.connect(self._mark_stale)  # 工单号 search results may change

        self.setLayout(
            vbox(
                hbox(heading("客户"), None, self.count_label),
                hbox(self.search, self.archived_check, None),
                hbox(
                    self.add_button,
                    self.edit_button,
                    self.delete_button,
                    self.restore_button,
                    None,
                    self.orders_button,
                    self.new_order_button,
                ),
                self.table,
                margin=MARGIN,
            )
        )
        self.table.setColumnHidden(STATUS_COLUMN, True)
        self.table.setSortingEnabled(True)  # sorts by the indicator: the first load
        self._update_buttons()

    # -- page protocol
    def on_shown(self) -> None:
        if self._stale:
            self.reload()

    def open_with(
        self, search: str | None = None, customer_id: int | None = None, include_archived: bool | None = None
    ) -> None:
        """Show the list filtered by ``search``, or find and select ``customer_id``."""
        if include_archived is not None:
            self.archived_check.setChecked(include_archived)
        if customer_id is not None:
            try:
                customer = svc.get_customer(customer_id)
            except UserError as err:
                show_error(self, str(err))
                return
            if customer.archived:
                self.archived_check.setChecked(True)
            search = customer.code
        if search is not None:
            self.search.edit.setText(search)
            self.search.flush()
        if customer_id is not None:
            self.select_id(customer_id)

    # -- list
    @property
    def include_archived(self) -> bool:
        return self.archived_check.isChecked()

    def reload(self) -> None:
        self.model.reload()

    def _mark_stale(self) -> None:
        self._stale = True

    def _before_reload(self) -> None:
        self._keep_id = self.selected_id()

    def _after_reload(self) -> None:
        self._stale = False
        if self._keep_id is not None:
            self.select_id(self._keep_id)
        total = self.model.total
        text = f"共 {total} 位客户"
        if self.model.text:
            text += f"（搜索“{self.model.text}”）"
        self.count_label.setText(text)
        self._update_buttons()

    def _on_archived_toggled(self, checked: bool) -> None:
        self.table.setColumnHidden(STATUS_COLUMN, not checked)
        self.reload()

    def _on_sort_indicator(self, section: int, order) -> None:
        """Only columns the database can sort by keep the sort arrow."""
        if COLUMNS[section].sort_key is None:
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(*self._sort_indicator)
            header.blockSignals(False)
        else:
            self._sort_indicator = (section, order)

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def selected_id(self) -> int | None:
        row = self.selected_row()
        return None if row is None else self.model.row_id(row)

    def selected_archived(self) -> bool:
        row = self.selected_row()
        return row is not None and bool(self.model.row_tuple(row)[ARCHIVED_INDEX])

    def select_id(self, customer_id: int) -> bool:
        return select_id(self.table, customer_id)

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        archived = self.selected_archived()
        for button in (self.edit_button, self.orders_button):
            button.setEnabled(has)
        self.delete_button.setEnabled(has and not archived and self.may_manage)
        self.restore_button.setEnabled(has and archived and self.may_manage)
        self.new_order_button.setEnabled(has and not archived and self.may_edit)

    # -- actions
    def _open_dialog(self, dialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        dialog.open()

    def _dialog_closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def add_customer(self) -> None:
        dialog = CustomerDialog(parent=self)
        dialog.saved.connect(self._customer_saved)
        self._open_dialog(dialog)

    def edit_selected(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        try:
            dialog = CustomerDialog(cid, parent=self)
        except UserError as err:
            show_error(self, str(err))
            self.reload()
            return
        if not self.may_edit:
            show_read_only(dialog)
            dialog.phone_edit.setText(accounts.phone_for_screen(dialog.phone_edit.text()))  # 只读: masked
        dialog.saved.connect(self._customer_saved)
        self._open_dialog(dialog)

    def _customer_saved(self, customer_id: int) -> None:
        self.ctx.events.customers_changed.emit()  # → reload
        self.select_id(customer_id)
        customer = svc.get_customer(customer_id)
        self.ctx.events.status_message.emit(f"已保存客户 {customer.name}（{customer.code}）")

    def delete_selected(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        row = self.model.row_tuple(self.selected_row())
        code, name = row[1], row[2]
        if not confirm(
            self,
            f"确定删除客户“{name}”（{code}）吗？\n\n"
            "如果该客户已有回访记录或服务工单，将改为归档：不再出现在列表中，历史记录全部保留，可随时恢复。",
            "删除客户",
        ):
            return
        history = svc.customer_history(cid)
        try:
            result = svc.delete_customer(cid)
        except UserError as err:
            show_error(self, str(err))
            return
        self.ctx.events.customers_changed.emit()
        if result == "archived":
            if history["visits"] or history["tasks"] or history["attempts"]:
                reason = "该客户有回访记录，已归档，历史记录全部保留。"
            else:
                reason = f"该客户有 {history['orders']} 张服务工单，已归档，历史记录全部保留。"
            show_info(self, reason + "\n勾选“显示已归档”可以查看或恢复该客户。", "已归档")
            self.ctx.events.status_message.emit(f"客户 {name}（{code}）已归档")
        else:
            self.ctx.events.status_message.emit(f"已删除客户 {name}（{code}）")

    def restore_selected(self) -> None:
        cid = self.selected_id()
        if cid is None or not self.selected_archived():
            return
        svc.restore_customer(cid)
        self.ctx.events.customers_changed.emit()
        self.select_id(cid)
        self.ctx.events.status_message.emit("已恢复该客户，重新出现在客户列表中")

    def show_orders(self) -> None:
        cid = self.selected_id()
        if cid is not None:
            self.ctx.events.open_page.emit("orders", {"customer_id": cid})

    def new_order(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        dialog = OrderDialog(customer_id=cid, parent=self)
        dialog.saved.connect(self._order_saved)
        self._open_dialog(dialog)

    def _order_saved(self, order_id: int) -> None:
        self.ctx.events.orders_changed.emit()
        self.ctx.events.status_message.emit("已保存服务工单。点击“查看工单”可以查看该客户的全部工单。")
