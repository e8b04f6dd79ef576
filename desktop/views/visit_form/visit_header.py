"""The head of the 回访表: whom the visit is for, and the header grid of the paper form.

``CustomerPicker`` is 客户/工单 in the top bar: a search box (searched in SQL with a LIMIT, fast
with 100k customers) and the list of matching customers / service orders. ``VisitHeader`` is the
bordered grid under the title: the customer's and the order's details (read-only) and the visit's
own 被回访人, 回访日期 and 回访方式.
"""

import time
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QWidget,
)

from desktop.models import METHODS
from desktop.services.visits import visit_list
from desktop.services.visits.visits import VisitInput

from ..common.widgets import SearchBox, hbox

PICK_LIMIT = 30


def pick_key(customer_id: int | None, order_id: int | None) -> str:
    """The picker's item data: "customer id:order id" ("12:" without an order)."""
    return f"{customer_id}:{order_id or ''}"


def parse_pick_key(key: str) -> tuple[int, int | None]:
    customer, _, order = key.partition(":")
    return int(customer), int(order) if order else None


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


DATE_TIP = (
    "回访日期：纸质表上的日期。直接输入数字：2 位 = 本月几号（如 05），4 位 = 月日（如 1202），"
    "8 位 = 年月日（如 20251202）；- / + 前一天 / 后一天（在答案表格中也可以按）；回车回到答案。"
    "快捷键 Alt+D"
)
DATE_TYPING_PAUSE_S = 1.5  # digits typed after this long a pause start a new date


def typed_date(digits: str, today: date) -> date | None:
    """The date meant by digits typed from a paper form: "05" the 5th (of this month, else of the
    last month when that is still to come), "1202" 2 December (this year, else last year),
    "20251202" in full. None when the digits are no date."""
    try:
        if len(digits) in (1, 2):
            day = date(today.year, today.month, int(digits))
            if day > today:  # the 28th typed on the 3rd: last month's
                prev = date(today.year, today.month, 1) - timedelta(days=1)
                day = date(prev.year, prev.month, int(digits))
            return day
        if len(digits) == 4:
            day = date(today.year, int(digits[:2]), int(digits[2:]))
            return day if day <= today else date(today.year - 1, day.month, day.day)
        if len(digits) == 8:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return None


class QuickDateEdit(QDateEdit):
    """A date edit that takes the paper's date as plain digits (see ``typed_date``) and - / +;
    ``entered`` on Enter."""

    entered = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._digits = ""
        self._typed_at = 0.0
        self.setToolTip(DATE_TIP)

    def step_days(self, delta: int) -> None:
        self.setDate(self.date().addDays(delta))

    def focusInEvent(self, event) -> None:  # noqa: N802
        self._digits = ""
        super().focusInEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        text = event.text()
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self._digits = ""
            self.entered.emit()
            return
        if text in ("-", "+", "="):
            self.step_days(-1 if text == "-" else 1)
            return
        if text.isdigit() and text.isascii():
            now = time.monotonic()
            if now - self._typed_at > DATE_TYPING_PAUSE_S or len(self._digits) >= 8:
                self._digits = ""
            self._typed_at = now
            self._digits += text
            day = typed_date(self._digits, _pydate(self.maximumDate()))
            if day is not None:
                self.setDate(_qdate(day))
            return
        super().keyPressEvent(event)


class CustomerPicker(QObject):
    """The search box and the list of customers / orders; the page lays out ``search`` and ``pick``.
    ``current()`` tells which (customer id, order id) the form shows.

    ``picked(customer id, order id or None)``: the user chose another entry in the list.
    ``order_matched(customer id, order id)``: while nobody is picked yet, a search found exactly
    one order (its 工单号 typed in full, say) — the page takes it without a click.
    """

    picked = Signal(int, object)
    order_matched = Signal(int, int)

    def __init__(self, current: Callable[[], tuple[int | None, int | None]], parent=None):
        super().__init__(parent)
        self.current = current  # the (customer id, order id) the form shows
        self.search = SearchBox("姓名、电话、客户编号或工单号", delay_ms=300)
        self.search.setFixedWidth(230)
        self.search.search.connect(self._run_search)
        self.pick = QComboBox()
        self.pick.setPlaceholderText("请选择客户 / 工单")
        self.pick.setMinimumContentsLength(24)
        self.pick.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.pick.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.pick.activated.connect(self._picked)

    def show_current(self) -> None:
        """List the orders of the customer the form shows (the latest orders when none is)."""
        customer_id = self.current()[0]
        if customer_id is None:
            self.show_rows(visit_list.pick_rows("", limit=PICK_LIMIT))
        else:
            self.show_rows(visit_list.customer_orders(customer_id))

    def show_rows(self, rows: list[tuple], note_more: bool = False) -> None:
        """List ``rows`` (customer id, order id, label), keeping the current entry selected."""
        current = self.current()
        self.pick.blockSignals(True)
        self.pick.clear()
        for cid, oid, label in rows:
            self.pick.addItem(label, pick_key(cid, oid))
        if note_more:
            self._note(f"……只列出前 {PICK_LIMIT} 条，请输入更多文字缩小范围")
        elif not rows:
            self._note("没有找到匹配的客户或工单，请换个关键字")
        index = self.pick.findData(pick_key(*current)) if current[0] is not None else -1
        if index < 0 and current[0] is not None:
            self.pick.insertItem(0, visit_list.pick_label(*current), pick_key(*current))
            index = 0
        self.pick.setCurrentIndex(index)
        self.pick.blockSignals(False)

    def set_locked(self, locked: bool) -> None:
        self.search.setEnabled(not locked)
        self.pick.setEnabled(not locked)

    def _note(self, text: str) -> None:
        self.pick.addItem(text, None)
        self.pick.model().item(self.pick.count() - 1).setEnabled(False)

    def _run_search(self, text: str) -> None:
        rows = visit_list.pick_rows(text, limit=PICK_LIMIT)
        self.show_rows(rows, note_more=len(rows) >= PICK_LIMIT)
        match = visit_list.single_order_match(rows) if text and self.current()[0] is None else None
        if match is not None:
            self.order_matched.emit(*match)

    def _picked(self, index: int) -> None:
        data = self.pick.itemData(index)
        if data and data != pick_key(*self.current()):
            self.picked.emit(*parse_pick_key(data))


class VisitHeader(QFrame):
    """The header grid: 客户名称, 联系电话, 通讯地址, 服务类型, 产品型号, 服务工程师 (read-only, of
    the customer / order picked) and 被回访人 (本人 ticked: the customer), 回访日期, 回访方式.

    ``edited``: the user changed one of the visit's own fields.
    """

    edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("headerGrid")
        self.customer_id: int | None = None
        self._customer_name = ""
        self._filling = 0  # set by the form itself: no reaction to its own changes
        self.header_values: dict[str, QLabel] = {}
        self.respondent_edit = QLineEdit()
        self.respondent_edit.setMaxLength(30)
        self.respondent_edit.setPlaceholderText("客户本人")
        self.self_check = QCheckBox("本人")
        self.self_check.setChecked(True)
        self.self_check.setToolTip("被回访人就是客户本人")
        self.self_check.toggled.connect(self._self_toggled)
        self.date_edit = QuickDateEdit()
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.method_combo = QComboBox()
        self.method_combo.addItems(METHODS)
        self._build()
        self.respondent_edit.textEdited.connect(self._edited)
        self.date_edit.dateChanged.connect(self._edited)
        self.method_combo.currentIndexChanged.connect(self._edited)

    def _build(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)

        def label(text: str) -> QLabel:
            cell = QLabel(text)
            cell.setObjectName("hlabel")
            cell.setAlignment(Qt.AlignCenter)
            cell.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
            return cell

        def value(key: str | None = None, *widgets) -> QWidget:
            cell = QWidget()
            cell.setObjectName("hvalue")
            cell.setAttribute(Qt.WA_StyledBackground, True)
            if key is not None:
                text = QLabel()
                text.setTextInteractionFlags(Qt.TextSelectableByMouse)
                text.setWordWrap(True)
                self.header_values[key] = text
                widgets = (text, *widgets)
            cell.setLayout(hbox(*widgets, spacing=4, margin=3))
            cell.layout().setContentsMargins(6, 2, 4, 2)
            cell.setMinimumHeight(30)
            return cell

        grid.addWidget(label("客户名称"), 0, 0)
        grid.addWidget(value("customer"), 0, 1)
        grid.addWidget(label("被回访人"), 0, 2)
        grid.addWidget(value(None, self.respondent_edit, self.self_check), 0, 3, 1, 3)
        grid.addWidget(label("联系电话"), 1, 0)
        grid.addWidget(value("phone"), 1, 1)
        grid.addWidget(label("通讯地址"), 1, 2)
        grid.addWidget(value("address"), 1, 3, 1, 3)
        grid.addWidget(label("服务类型"), 2, 0)
        grid.addWidget(value("service_type"), 2, 1)
        grid.addWidget(label("产品型号"), 2, 2)
        grid.addWidget(value("product"), 2, 3, 1, 3)
        grid.addWidget(label("服务工程师"), 3, 0)
        grid.addWidget(value("engineer"), 3, 1)
        grid.addWidget(label("回访日期"), 3, 2)
        grid.addWidget(value(None, self.date_edit), 3, 3)
        grid.addWidget(label("回访方式"), 3, 4)
        grid.addWidget(value(None, self.method_combo), 3, 5)
        for col, stretch in enumerate((0, 3, 0, 2, 0, 2)):
            grid.setColumnStretch(col, stretch)

    # -- what the form shows
    def set_customer(self, customer_id: int | None, order_id: int | None) -> None:
        """Fill the read-only cells from the customer / order (empty without a customer)."""
        info = visit_list.header_info(customer_id, order_id) if customer_id is not None else {}
        self.customer_id = customer_id
        self._customer_name = info.get("customer", "")
        for key, label in self.header_values.items():
            label.setText(str(info.get(key, "")))
        if info:
            self.header_values["customer"].setToolTip(f"客户编号 {info['code']} · {info['ctype']}")

    def reset(self, paper: bool) -> None:
        """A new visit: the customer answers, today, by phone (问卷 when typing in a paper form)."""
        self._filling += 1
        try:
            self.respondent_edit.clear()
            self.self_check.setChecked(True)
            self.date_edit.setMaximumDate(QDate.currentDate())
            self.date_edit.setDate(QDate.currentDate())
            self.method_combo.setCurrentText("问卷" if paper else "电话")
            if self.customer_id is not None:
                self.respondent_edit.setText(self._customer_name)
        finally:
            self._filling -= 1

    def set_values(self, data: VisitInput) -> None:
        self._filling += 1
        try:
            self.respondent_edit.setText(data.respondent)
            self.self_check.setChecked(data.respondent_is_customer)
            self.date_edit.setDate(_qdate(data.visit_date))
            self.method_combo.setCurrentText(data.method)
        finally:
            self._filling -= 1

    def values(self) -> dict:
        """The visit's own header fields, as ``VisitInput`` names them."""
        return {
            "visit_date": _pydate(self.date_edit.date()),
            "method": self.method_combo.currentText(),
            "respondent": self.respondent_edit.text(),
            "respondent_is_customer": self.self_check.isChecked(),
        }

    def set_other_respondent(self, name: str) -> None:
        """Someone other than the customer answers (named on the call)."""
        self.self_check.setChecked(False)
        self.respondent_edit.setText(name)

    def set_locked(self, locked: bool) -> None:
        for widget in (self.respondent_edit, self.self_check, self.date_edit, self.method_combo):
            widget.setEnabled(not locked)

    # -- reactions
    def _edited(self, *_args) -> None:
        self.edited.emit()

    def _self_toggled(self, on: bool) -> None:
        if self._filling:
            return
        if on and self.customer_id is not None:
            self.respondent_edit.setText(visit_list.header_info(self.customer_id)["customer"])
        elif not on:
            self.respondent_edit.clear()
            self.respondent_edit.setFocus()
        self.edited.emit()
