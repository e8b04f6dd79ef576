"""The call-script panel beside the 回访表: it drives the telephone call.

It shows the opening line with the customer's name filled in and asks "现在方便吗?":
方便 → the questions are enabled (``proceed``); 不方便 → book the next attempt (the next good
calling slot is suggested) and record why; 非本人 → record who answered and ask "是您在使用吗?"
(yes: the visit goes on with that person; no: book a call back or end); 无法接通 → logged and
counted (the third marks the task 无法联系); 拒访 → recorded. Below: calling tips, the closing
line, and this customer's attempts log.
"""

from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.visits import calls

from ..common.widgets import SPACING, hbox, vbox

PANEL_STYLE = """
QLabel#scriptTitle { font-weight: bold; font-size: 11pt; }
QLabel#script { background: #f1f8e9; border: 1px solid #c5e1a5; border-radius: 4px; padding: 8px; }
QLabel#closing { background: #e3f2fd; border: 1px solid #bbdefb; border-radius: 4px; padding: 8px; }
QLabel#tips { background: #fff8e1; border: 1px solid #ffe082; border-radius: 4px; padding: 6px; color: #5d4037; }
QLabel#result { color: #1b5e20; }
QLabel#result[error="true"] { color: #c62828; }
QLabel#hint { color: #666; }
QLabel#hoursWarn { color: #e65100; }
QFrame#inline { background: #fafafa; border: 1px solid #ddd; border-radius: 4px; }
QPushButton#outcome { padding: 4px 6px; }
QPushButton#outcome:checked { background: #1a73e8; color: white; border: 1px solid #1a73e8; border-radius: 3px; }
"""
REASONS = ("正在开车", "正在开会", "正在工作，不便接听", "休息中", "在外地", "其他")
TIPS = (
    "<b>通话提示</b><br>"
    "• 建议在 10:00–11:30、15:00–17:30 拨打，避开用餐和午休时间。<br>"
    "• 先报身份和来意，再问“现在方便吗？”。<br>"
    "• 客户情绪激动时：先道歉，不争辩；把客户的原话逐字记入“宝贵意见”；"
    "不承诺做不到的事，只承诺按时答复。<br>"
    "• 客户流露再次购买或加购意向时，勾选“再购意向”，转销售跟进。"
)
LOG_LIMIT = 30
VIEWER_NO_VISIT = "还没有打开回访。"  # a role that may not call (只读), with no visit open


def _qdatetime(value: datetime) -> QDateTime:
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


def _py(value: QDateTime) -> datetime:
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


class _Booking(QWidget):
    """Next attempt date/time (the next good slot suggested) and the reason."""

    def __init__(self, reason_label: str = "原因", parent=None):
        super().__init__(parent)
        self.when = QDateTimeEdit()
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.when.dateTimeChanged.connect(lambda _v: self._hint())
        self.hint = QLabel()
        self.hint.setObjectName("hoursWarn")
        self.hint.setWordWrap(True)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(REASONS)
        self.reason.setCurrentIndex(-1)
        self.reason.lineEdit().setPlaceholderText("选择或输入原因")
        self.reason.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        suggest = QPushButton("建议时段")
        suggest.setToolTip("填入下一个适合回访的时段（工作日 10:00 或 15:00）")
        suggest.clicked.connect(self.suggest)
        self.setLayout(
            vbox(
                hbox(QLabel("下次联系："), self.when, suggest, None),
                self.hint,
                hbox(QLabel(f"{reason_label}："), self.reason),
                spacing=4,
            )
        )
        self.suggest()

    def suggest(self) -> None:
        self.when.setDateTime(_qdatetime(calls.next_good_slot()))

    def _hint(self) -> None:
        moment = _py(self.when.dateTime())
        self.hint.setText(
            "" if calls.in_good_hours(moment) else "该时间不在建议时段（10:00–11:30、15:00–17:30）。"
        )
        self.hint.setVisible(not calls.in_good_hours(moment))

    def value(self) -> datetime:
        return _py(self.when.dateTime())

    def reason_text(self) -> str:
        return self.reason.currentText().strip()


class CallScriptPanel(QWidget):
    """``set_call(...)`` points the panel at a customer; ``proceed(respondent, is_customer)`` is
    emitted when the questions may start; ``attempt_recorded(AttemptResult)`` after each logged
    attempt. ``attempt_ids`` are the attempts of this call (linked to the visit when it is saved)."""

    proceed = Signal(str, bool)
    attempt_recorded = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setStyleSheet(PANEL_STYLE)
        self.customer_id: int | None = None
        self.order_id: int | None = None
        self.task_id: int | None = None
        self.visit_id: int | None = None
        self.visitor = ""
        self.attempt_ids: list[int] = []
        self.read_only = False  # set_read_only: a role that may not call
        self._opening = ""
        self._closing = ""
        self._context: dict = {}

        title = QLabel("通话话术")
        title.setObjectName("scriptTitle")
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.who.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.hours = QLabel()
        self.hours.setObjectName("hoursWarn")
        self.hours.setWordWrap(True)
        self.opening = QLabel()
        self.opening.setObjectName("script")
        self.opening.setWordWrap(True)
        self.opening.setTextInteractionFlags(Qt.TextSelectableByMouse)
        ask = QLabel("<b>现在方便吗？</b>")

        self.buttons: dict[str, QPushButton] = {}
        for outcome in ("方便", "不方便", "非本人", "无法接通", "拒访"):
            button = QPushButton(outcome)
            button.setObjectName("outcome")
            button.setCheckable(outcome in ("方便", "不方便", "非本人", "拒访"))
            button.clicked.connect(lambda _c=False, o=outcome: self._on_outcome(o))
            # the row may narrow to the words themselves (the panel gives way to the 回访表)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(outcome) + 14)
            self.buttons[outcome] = button
        self.buttons["方便"].setToolTip("客户方便：开始提问（表格随即可填写）")
        self.buttons["不方便"].setToolTip("约定下次回访时间并记录原因")
        self.buttons["非本人"].setToolTip("接听的不是客户本人：记录接听人，询问是否为产品使用人")
        self.buttons["无法接通"].setToolTip("记录一次未接通；连续3次未接通，任务标记为“无法联系”")
        self.buttons["拒访"].setToolTip("客户拒绝回访：记录原因，任务标记为“拒访”")

        self.inline = QStackedWidget()
        self.inline.addWidget(QWidget())  # 0: nothing
        self.inline.addWidget(self._build_not_now())  # 1
        self.inline.addWidget(self._build_wrong_person())  # 2
        self.inline.addWidget(self._build_refusal())  # 3
        # the widest hidden page must not widen the panel (it narrows for the 回访表 on small screens)
        self.inline.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Maximum)
        self.inline.currentChanged.connect(lambda _i: self._fit_inline())
        self._fit_inline()

        self.result = QLabel()
        self.result.setObjectName("result")
        self.result.setWordWrap(True)
        self.counter = QLabel()
        self.counter.setObjectName("hint")

        tips = QLabel(TIPS)
        tips.setObjectName("tips")
        tips.setWordWrap(True)
        closing_title = QLabel("<b>结束语</b>（问完所有题目后）")
        self.closing = QLabel()
        self.closing.setObjectName("closing")
        self.closing.setWordWrap(True)
        self.closing.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.log = QTableWidget(0, 3)
        self.log.setHorizontalHeaderLabels(["时间", "结果", "说明"])
        self.log.verticalHeader().hide()
        self.log.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.log.setSelectionMode(QAbstractItemView.NoSelection)
        self.log.setFocusPolicy(Qt.NoFocus)
        header = self.log.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        self.log.setMinimumHeight(120)
        self.log.setWordWrap(True)

        body = QWidget()
        body.setLayout(
            vbox(
                title,
                self.who,
                self.hours,
                QLabel("<b>开场白</b>"),
                self.opening,
                ask,
                hbox(*self.buttons.values(), spacing=4),
                self.inline,
                self.result,
                self.counter,
                tips,
                closing_title,
                self.closing,
                QLabel("<b>本客户的联系记录</b>"),
                self.log,
                spacing=SPACING + 2,
                margin=8,
            )
        )
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.setMinimumWidth(300)  # narrows before the 回访表 does on a 1280×720 screen
        self.set_call(None)

    # -- the inline areas
    def _inline_frame(self, *items) -> QFrame:
        frame = QFrame()
        frame.setObjectName("inline")
        frame.setLayout(vbox(*items, spacing=4, margin=6))
        return frame

    def _build_not_now(self) -> QFrame:
        self.booking = _Booking()
        self.book_button = QPushButton("预约下次回访")
        self.book_button.clicked.connect(self._book_not_now)
        return self._inline_frame(
            QLabel("客户现在不方便：约定下次回访时间"), self.booking, hbox(None, self.book_button)
        )

    def _build_wrong_person(self) -> QFrame:
        self.answered_by = QLineEdit()
        self.answered_by.setPlaceholderText("如 张太太、儿子、同事小李")
        self.answered_by.setMaxLength(30)
        self.uses_yes_button = uses_yes = QPushButton("是，继续回访")
        uses_yes.setToolTip("接听人就是产品使用人：以其为被回访人继续提问")
        uses_yes.clicked.connect(self._wrong_person_uses)
        self.uses_no_button = uses_no = QPushButton("否")
        uses_no.clicked.connect(self._wrong_person_not_user)
        self.wrong_booking = _Booking()
        self.wrong_booking.reason.setEditText("非本人接听，需联系客户本人")
        self.wrong_book_button = book = QPushButton("预约再联系本人")
        book.clicked.connect(lambda: self._wrong_person_end(book=True))
        self.wrong_end_button = end = QPushButton("结束本次通话")
        end.clicked.connect(lambda: self._wrong_person_end(book=False))
        self.wrong_more = QWidget()
        self.wrong_more.setLayout(vbox(self.wrong_booking, hbox(None, book, end), spacing=4))
        self.wrong_more.hide()
        return self._inline_frame(
            hbox(QLabel("接听人："), self.answered_by),
            QLabel("请问：“是您在使用我们的产品吗？”"),
            hbox(uses_yes, uses_no, None),
            self.wrong_more,
        )

    def _build_refusal(self) -> QFrame:
        self.refusal_reason = QLineEdit()
        self.refusal_reason.setPlaceholderText("客户的原话或拒访原因（可不填）")
        self.refusal_reason.setMaxLength(200)
        self.refuse_button = confirm = QPushButton("确认拒访")
        confirm.clicked.connect(self._refuse)
        return self._inline_frame(
            QLabel("客户拒绝回访：礼貌致谢后结束通话。"),
            hbox(QLabel("原因："), self.refusal_reason),
            hbox(None, confirm),
        )

    def _fit_inline(self) -> None:
        page = self.inline.currentWidget()
        self.inline.setFixedHeight(page.sizeHint().height() if self.inline.currentIndex() else 0)

    def _show_inline(self, index: int) -> None:
        self.inline.setCurrentIndex(index)
        self._fit_inline()

    # -- public
    def set_call(
        self,
        customer_id: int | None,
        order_id: int | None = None,
        task_id: int | None = None,
        *,
        opening: str = "",
        closing: str = "",
        visitor: str = "",
        visit_id: int | None = None,
    ) -> None:
        """Point the panel at a customer (None: nothing chosen yet); resets the call state."""
        self.customer_id, self.order_id, self.task_id, self.visit_id = (
            customer_id,
            order_id,
            task_id,
            visit_id,
        )
        self.visitor = visitor
        self._opening, self._closing = opening, closing
        self.attempt_ids = []
        for button in self.buttons.values():
            button.setChecked(False)
            button.setEnabled(customer_id is not None and not self.read_only)
        self._show_inline(0)
        self.answered_by.clear()
        self.refusal_reason.clear()
        self.wrong_more.hide()
        self._set_result("")
        self.counter.clear()
        self.refresh()

    def set_read_only(self, reason: str) -> None:
        """A role that may not call (只读): the script and the attempts log are shown, the outcome
        buttons stay off with ``reason`` as their tooltip."""
        self.read_only = True
        for button in self.buttons.values():
            button.setEnabled(False)
            button.setToolTip(reason)
        if self.customer_id is None:
            self.who.setText(VIEWER_NO_VISIT)  # not "请先在上方选择客户或工单": the picker is off

    def set_visitor(self, visitor: str) -> None:
        if visitor != self.visitor:
            self.visitor = visitor
            self._render()

    def set_templates(self, opening: str, closing: str) -> None:
        self._opening, self._closing = opening, closing
        self._render()

    def refresh(self) -> None:
        """Re-read the context (settings, customer) and the attempts log."""
        hint = calls.calling_hours_hint()
        self.hours.setText(hint or "")
        self.hours.setVisible(bool(hint))
        if self.customer_id is None:
            self._context = {}
            self.who.setText(VIEWER_NO_VISIT if self.read_only else "请先在上方选择客户或工单。")
        else:
            try:
                self._context = calls.call_context(self.customer_id, self.order_id, visitor=self.visitor)
            except UserError as err:
                self._context = {}
                self.who.setText(str(err))
            else:
                c = self._context
                parts = [f"<b>{c['customer_name']}</b>({c['ctype']})", c["phone"]]
                if c["order_no"]:
                    parts.append(f"{c['order_no']} {c['service_type']} {c['product']}".strip())
                if c["engineer"]:
                    parts.append(f"工程师 {c['engineer']}")
                if c["is_complaint"]:
                    parts.append("<span style='color:#c62828'>投诉工单</span>")
                self.who.setText(" · ".join(parts))
        self._render()
        self.refresh_log()

    def _render(self) -> None:
        if not self._context:
            self.opening.setText("（选择客户后显示开场白）")
            self.closing.setText("（选择客户后显示结束语）")
            return
        context = dict(self._context, visitor=self.visitor or self._context.get("visitor", ""))
        self.opening.setText(calls.render_script(self._opening, context) or "（该问卷没有开场白）")
        self.closing.setText(calls.render_script(self._closing, context) or "（该问卷没有结束语）")

    def refresh_log(self) -> None:
        rows = calls.attempts_of(self.customer_id, LOG_LIMIT) if self.customer_id else []
        self.log.setRowCount(len(rows))
        for i, (at, outcome, note, next_at, staff) in enumerate(rows):
            extra = [note] if note else []
            if next_at:
                extra.append(f"约 {next_at:%m-%d %H:%M}")
            if staff:
                extra.append(staff)
            for col, text in enumerate([f"{at:%m-%d %H:%M}", outcome, "；".join(extra)]):
                self.log.setItem(i, col, QTableWidgetItem(text))
        self.log.resizeRowsToContents()

    # -- outcomes
    def _on_outcome(self, outcome: str) -> None:
        for name, button in self.buttons.items():
            if button.isCheckable():
                button.setChecked(name == outcome)
        self._set_result("")
        if outcome == "方便":
            self._show_inline(0)
            if self._record("方便") is not None:
                self.proceed.emit("", True)
        elif outcome == "不方便":
            self.booking.suggest()
            self._show_inline(1)
        elif outcome == "非本人":
            self.wrong_more.hide()
            self._show_inline(2)
            self.answered_by.setFocus()
        elif outcome == "无法接通":
            self._show_inline(0)
            self._record("无法接通")
        elif outcome == "拒访":
            self._show_inline(3)
            self.refusal_reason.setFocus()

    def _book_not_now(self) -> None:
        result = self._record("不方便", reason=self.booking.reason_text(), next_at=self.booking.value())
        if result is not None:
            self._show_inline(0)

    def _wrong_person_uses(self) -> None:
        who = self.answered_by.text().strip()
        if self._record("非本人", answered_by=who, uses_product=True) is not None:
            self._show_inline(0)
            self.proceed.emit(who, False)

    def _wrong_person_not_user(self) -> None:
        if not self.answered_by.text().strip():
            self._set_result("接听人：请记录实际接听的人（如 张太太、同事小李）。", error=True)
            self.answered_by.setFocus()
            return
        self.wrong_booking.suggest()
        self.wrong_more.show()
        self._fit_inline()

    def _wrong_person_end(self, book: bool) -> None:
        kwargs = {"answered_by": self.answered_by.text().strip(), "uses_product": False}
        if book:
            kwargs.update(next_at=self.wrong_booking.value(), reason=self.wrong_booking.reason_text())
        if self._record("非本人", **kwargs) is not None:
            self._show_inline(0)

    def _refuse(self) -> None:
        if self._record("拒访", reason=self.refusal_reason.text().strip()) is not None:
            self._show_inline(0)

    def _record(self, outcome: str, **kwargs):
        if self.customer_id is None:
            self._set_result("请先选择客户。", error=True)
            return None
        try:
            result = calls.record_attempt(
                self.customer_id,
                outcome,
                staff=self.visitor,
                task_id=self.task_id,
                visit_id=self.visit_id,
                **kwargs,
            )
        except (ValidationErrors, UserError) as err:
            self._set_result(str(err), error=True)
            return None
        if self.visit_id is None:
            self.attempt_ids.append(result.attempt_id)
        self._set_result(result.message)
        if outcome == "无法接通" or result.unanswered:
            self.counter.setText(f"未接通次数：{result.unanswered}")
        self.refresh_log()
        self.attempt_recorded.emit(result)
        return result

    def _set_result(self, text: str, error: bool = False) -> None:
        self.result.setText(text)
        self.result.setVisible(bool(text))
        if bool(self.result.property("error")) != error:
            self.result.setProperty("error", error)
            self.result.style().unpolish(self.result)
            self.result.style().polish(self.result)
