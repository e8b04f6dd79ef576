"""Add / edit one service order (服务工单), with a customer picker that stays fast with 100k
customers: the search runs in SQL with a small limit and fills a combo box.

A complaint (the 投诉工单 box, ticked by itself when 服务类型 becomes 投诉处理) has a level and three
optional times in the order they happen — 投诉受理时间, 首次响应时间, 投诉关闭时间 — which feed
投诉处理及时率 on the 质量评价 page; the service checks that they follow each other."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from desktop.models import ServiceOrder
from desktop.services.admin import accounts
from desktop.services.common.errors import StaleEdit, UserError
from desktop.services.intake import complaints, first_fix
from desktop.services.intake import customers as svc

from ..common import merge_dialog
from ..common.unsaved import GuardedDialog
from ..common.widgets import SPACING, SearchBox, grow_to_fit, hbox, mark_edit_hint, vbox
from ..customers.customer_dialog import DIALOG_STYLE, FormErrors, add_completer, fill_combo, select_data

DATETIME_FORMAT = "yyyy-MM-dd HH:mm"
DATE_FORMAT = "yyyy-MM-dd"


def customer_label(name: str, title: str, phone: str, code: str, archived: bool = False) -> str:
    who = f"{name}{title}" if title and len(name) <= 1 else name
    text = f"{who} · {accounts.phone_for_screen(phone)} · {code}"
    return f"{text}（已归档）" if archived else text


class CustomerPicker(QWidget):
    """Type part of a name, phone or 客户编号; matching customers (at most ``LIMIT``) fill the
    combo box. With nothing typed it lists the most recently added customers, none chosen."""

    changed = Signal()
    LIMIT = 30

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = SearchBox("输入姓名、拼音首字母、电话或编号查找", delay_ms=250)
        self.search.setFixedWidth(200)
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(26)
        self.combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.search.search.connect(self.run_search)
        self.setLayout(hbox(self.search, self.combo))
        self.setFocusProxy(self.search.edit)
        self.run_search("")

    def customer_id(self) -> int | None:
        return self.combo.currentData()

    def set_customer(self, customer_id: int) -> None:
        c = svc.get_customer(customer_id)
        self.combo.blockSignals(True)
        if self.combo.findData(c.id) < 0:
            self.combo.insertItem(0, customer_label(c.name, c.title, c.phone, c.code, c.archived), c.id)
        select_data(self.combo, c.id)
        self.combo.blockSignals(False)
        self.changed.emit()

    def run_search(self, text: str) -> None:
        keep = self.customer_id()
        if text:
            rows = svc.search_customers(text, limit=self.LIMIT + 1, sort="name")
        else:
            rows = svc.search_customers(limit=self.LIMIT + 1, sort="created_at", descending=True)
        self.combo.blockSignals(True)
        self.combo.clear()
        for row in rows[: self.LIMIT]:
            cid, code, name, title, phone = row[:5]
            self.combo.addItem(customer_label(name, title, phone, code, row[8]), cid)
        if len(rows) > self.LIMIT:
            self._add_note(f"……只列出前 {self.LIMIT} 位，请输入更多文字缩小范围")
        elif not rows:
            self._add_note("没有找到匹配的客户，请换个关键字（姓名、电话或客户编号）")
        if not text:
            self.combo.setPlaceholderText("请选择客户（可在左边输入查找）")
        elif rows:
            self.combo.setPlaceholderText("请选择客户")
        else:
            self.combo.setPlaceholderText(f"没有找到“{text}”，请换个关键字")
        if keep is not None and self.combo.findData(keep) >= 0:
            select_data(self.combo, keep)
        elif text and rows:
            self.combo.setCurrentIndex(0)  # typed something: the best match is chosen
        else:
            self.combo.setCurrentIndex(-1)
        self.combo.blockSignals(False)
        self.changed.emit()

    def _add_note(self, text: str) -> None:
        self.combo.addItem(text, None)
        item = self.combo.model().item(self.combo.count() - 1)
        item.setEnabled(False)


def _qdatetime(value: datetime) -> QDateTime:
    """Shown to the minute; the seconds are kept so that saving unchanged times keeps them."""
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute, value.second))


def _moment_edit(value: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(_qdatetime(value))
    edit.setDisplayFormat(DATETIME_FORMAT)
    edit.setCalendarPopup(True)
    return edit


def _optional_moment(text: str, value: datetime, tip: str = "") -> tuple[QCheckBox, QDateTimeEdit]:
    """A time that may be left empty: a check box (ticked = filled in) beside the time."""
    check = QCheckBox(text)
    edit = _moment_edit(value)
    check.toggled.connect(edit.setEnabled)
    for widget in (check, edit):
        widget.setToolTip(tip)
    return check, edit


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class OrderDialog(GuardedDialog, QDialog):
    """``OrderDialog(order_id=None, customer_id=None)`` — a new order when ``order_id`` is None,
    for ``customer_id`` if given. Emits ``saved(id)`` after a successful save."""

    saved = Signal(int)

    def __init__(self, order_id: int | None = None, *, customer_id: int | None = None, parent=None):
        super().__init__(parent)
        self.order_id = order_id
        self.row_version: int | None = None  # set by _load: a stale copy's save is refused
        self.setStyleSheet(DIALOG_STYLE)
        self.setMinimumWidth(640)
        now = datetime.now().replace(second=0, microsecond=0)

        self.order_no_edit = QLineEdit()
        self.order_no_edit.setPlaceholderText("如 GD20231015001")
        self.suggest_button = QToolButton()
        self.suggest_button.setText("自动编号")
        self.suggest_button.setToolTip("填入今天下一个未使用的工单号")
        self.suggest_button.clicked.connect(lambda: self.order_no_edit.setText(svc.suggest_order_no()))
        self.picker = CustomerPicker()
        self.service_combo = QComboBox()
        fill_combo(self.service_combo, [(t, t) for t in ServiceOrder.SERVICE_TYPES])
        self.product_edit = QLineEdit()
        self.product_edit.setPlaceholderText("如 KFR-35GW")
        self.engineer_edit = QLineEdit()
        self.team_edit = QLineEdit()
        self.team_edit.setPlaceholderText("如 维修一组、物流部")
        add_completer(self.product_edit, svc.order_suggestions("product_model"))
        add_completer(self.engineer_edit, svc.order_suggestions("engineer"))
        add_completer(self.team_edit, svc.order_suggestions("team"))

        self.completed_edit = _moment_edit(now)
        self.fix_combo = QComboBox()  # 一次性解决 是 / 否 / 未填 (judged from later orders)
        fill_combo(self.fix_combo, list(first_fix.CHOICES))
        self.fix_combo.setToolTip("第一次上门是否就把问题解决了；计入质量评价的“问题一次性解决率”")
        self.fix_hint = QLabel()
        self.fix_hint.setObjectName("hint")
        self.fix_hint.setWordWrap(True)

        self.delivered_check = QCheckBox("已交付")
        self.delivered_edit = QDateEdit(_qdate(now.date()))
        self.warranty_check = QCheckBox("有保修")
        self.warranty_edit = QDateEdit(_qdate(now.date() + timedelta(days=365)))
        for edit in (self.delivered_edit, self.warranty_edit):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
        self.delivered_check.toggled.connect(self.delivered_edit.setEnabled)
        self.warranty_check.toggled.connect(self.warranty_edit.setEnabled)
        self.delivered_edit.dateChanged.connect(self._follow_delivery)

        self.complaint_group = QGroupBox("投诉工单")
        self.complaint_group.setCheckable(True)
        self.complaint_group.setChecked(False)
        self.level_combo = QComboBox()
        fill_combo(self.level_combo, [(t, t) for t in ServiceOrder.COMPLAINT_LEVELS])
        self.level_combo.setToolTip(complaints.rules_text())
        self.deadline_label = QLabel()  # the level's response deadline (三级响应)
        self.deadline_label.setObjectName("hint")
        self.accepted_check, self.accepted_edit = _optional_moment(
            "已受理", now, "接到客户投诉的时间；不填的投诉不计入投诉处理及时率"
        )
        self.responded_check, self.responded_edit = _optional_moment(
            "已响应", now, "第一次联系客户、给出答复的时间；受理后 24 小时内为及时"
        )
        self.closed_check, self.closed_edit = _optional_moment("已关闭", now)
        for signal in (
            self.level_combo.currentIndexChanged,
            self.accepted_check.toggled,
            self.accepted_edit.dateTimeChanged,
        ):
            signal.connect(lambda *_: self.deadline_label.setText(self.deadline_text()))
        self._moments = (
            (self.accepted_check, self.accepted_edit),
            (self.responded_check, self.responded_edit),
            (self.closed_check, self.closed_edit),
        )

        self.note_edit = QPlainTextEdit()
        self.note_edit.setFixedHeight(56)
        self.note_edit.setTabChangesFocus(True)

        banner = QLabel()
        self.errors = errors = FormErrors(banner)
        form = QFormLayout()
        form.setSpacing(SPACING)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignTop)
        form.addRow("工单号 *", errors.row("工单号", self.order_no_edit, self.suggest_button))
        form.addRow("客户 *", errors.row("客户", self.picker, target=self.picker.combo))
        form.addRow("服务类型", errors.row("服务类型", self.service_combo))
        form.addRow("产品型号", errors.row("产品型号", self.product_edit))
        form.addRow("服务工程师", errors.row("服务工程师", self.engineer_edit))
        form.addRow("责任部门/班组", errors.row("责任部门/班组", self.team_edit))
        form.addRow("完成时间 *", errors.row("完成时间", self.completed_edit, None))
        form.addRow("一次性解决", errors.row("一次性解决", self.fix_combo, None))
        form.addRow("", self.fix_hint)
        form.addRow(
            "交付日期",
            errors.row(
                "交付日期", self.delivered_check, self.delivered_edit, None, target=self.delivered_edit
            ),
        )
        form.addRow(
            "保修到期日",
            errors.row(
                "保修到期日", self.warranty_check, self.warranty_edit, None, target=self.warranty_edit
            ),
        )
        complaint_form = QFormLayout()
        complaint_form.setSpacing(SPACING)
        complaint_form.addRow("投诉等级", errors.row("投诉等级", self.level_combo, self.deadline_label, None))
        for field, (check, edit) in zip(svc.COMPLAINT_MOMENTS.values(), self._moments, strict=True):
            complaint_form.addRow(field, errors.row(field, check, edit, None, target=edit))
        # two fixed lines (no word wrap: a wrapped label in a nested form gets too little height)
        complaint_hint = QLabel(
            "在投诉等级的响应时限内首次响应为及时，计入“投诉处理及时率”；\n不填受理时间的投诉不计入。"
        )
        complaint_hint.setObjectName("hint")
        complaint_form.addRow("", complaint_hint)
        self.complaint_group.setLayout(complaint_form)
        form.addRow("", self.complaint_group)
        form.addRow("备注", errors.row("备注", self.note_edit))

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText("保存")
        self.buttons.button(QDialogButtonBox.Cancel).setText("取消")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel("带 * 的为必填项。找客户：在左边输入姓名、电话或客户编号，再在右边选择。")
        hint.setObjectName("hint")
        mark_edit_hint(hint)  # not shown when the dialog only shows the order (只读)
        hint.setWordWrap(True)
        self.setLayout(vbox(banner, form, hint, self.buttons, spacing=SPACING + 2, margin=12))

        self.deadline_label.setText(self.deadline_text())
        if order_id is None:
            self.setWindowTitle("新建服务工单")
            self.order_no_edit.setText(svc.suggest_order_no())
            self.service_combo.setCurrentText("维修")
            if customer_id is not None:
                self.picker.set_customer(customer_id)
        else:
            self._load(svc.get_order(order_id))
        self.delivered_edit.setEnabled(self.delivered_check.isChecked())
        self.warranty_edit.setEnabled(self.warranty_check.isChecked())
        for check, edit in self._moments:
            edit.setEnabled(check.isChecked())
        self._show_fix_hint()
        self.fix_combo.currentIndexChanged.connect(self._show_fix_hint)
        self._auto_complaint = False  # the 投诉工单 box was ticked by picking 投诉处理, not by hand
        self.service_combo.currentIndexChanged.connect(self._follow_service)
        self.complaint_group.clicked.connect(self._complaint_set_by_hand)

    def _follow_service(self) -> None:
        """Picking 投诉处理 ticks 投诉工单; picking another type again unticks it unless the user
        ticked it (any service can draw a complaint)."""
        handling = self.service_combo.currentData() == svc.COMPLAINT_SERVICE
        if handling and not self.complaint_group.isChecked():
            self.complaint_group.setChecked(True)
            self._auto_complaint = True
        elif not handling and self._auto_complaint:
            self.complaint_group.setChecked(False)
            self._auto_complaint = False

    def _complaint_set_by_hand(self, _checked: bool) -> None:
        self._auto_complaint = False

    def _show_fix_hint(self) -> None:
        """未填: how the order is judged (and, for a saved order, what it is judged now)."""
        if self.fix_combo.currentData() is not None:
            self.fix_hint.setText("已填写，计入“问题一次性解决率”时以此为准。")
            return
        text = f"未填写时自动判定：{first_fix.rule_text()}。"
        if self.order_id is not None:
            judged = first_fix.outcome_of(self.order_id, said=False)
            now_text = "待定（期限未满或无法判定）" if judged is None else first_fix.label(judged)
            text += f"当前判定：{now_text}。"
        self.fix_hint.setText(text)

    def _follow_delivery(self, day: QDate) -> None:
        """Until the user sets it, the warranty ends one year after delivery."""
        if not self.warranty_check.isChecked():
            self.warranty_edit.setDate(day.addYears(1))

    def _load(self, o: ServiceOrder) -> None:
        self.row_version = o.row_version
        self.setWindowTitle(f"编辑服务工单 — {o.order_no}")
        self.suggest_button.hide()
        self.order_no_edit.setText(o.order_no)
        self.picker.set_customer(o.customer_id)
        self.service_combo.setCurrentText(o.service_type)
        self.product_edit.setText(o.product_model)
        self.engineer_edit.setText(o.engineer)
        self.team_edit.setText(o.team)
        if o.completed_at:
            self.completed_edit.setDateTime(_qdatetime(o.completed_at))
        select_data(self.fix_combo, o.first_time_fixed)
        # a tick follows the value both ways (the merged fields of 对照修改 can clear one)
        self.delivered_check.setChecked(bool(o.delivered_on))
        if o.delivered_on:
            self.delivered_edit.setDate(_qdate(o.delivered_on))
        self.warranty_check.setChecked(bool(o.warranty_end))
        if o.warranty_end:
            self.warranty_edit.setDate(_qdate(o.warranty_end))
        self.complaint_group.setChecked(bool(o.is_complaint))
        if o.complaint_level:
            self.level_combo.setCurrentText(o.complaint_level)
        for key, (check, edit) in zip(svc.COMPLAINT_MOMENTS, self._moments, strict=True):
            value = getattr(o, key)
            check.setChecked(bool(value))
            if value:
                edit.setDateTime(_qdatetime(value))
        self.note_edit.setPlainText(o.note)

    def data(self) -> dict:
        complaint = self.complaint_group.isChecked()
        return {
            "row_version": self.row_version,
            "order_no": self.order_no_edit.text(),
            "customer_id": self.picker.customer_id(),
            "service_type": self.service_combo.currentData(),
            "product_model": self.product_edit.text(),
            "engineer": self.engineer_edit.text(),
            "team": self.team_edit.text(),
            "completed_at": self.completed_edit.dateTime().toPython(),
            "first_time_fixed": self.fix_combo.currentData(),
            "delivered_on": self.delivered_edit.date().toPython()
            if self.delivered_check.isChecked()
            else None,
            "warranty_end": self.warranty_edit.date().toPython() if self.warranty_check.isChecked() else None,
            "is_complaint": complaint,
            "complaint_level": self.level_combo.currentData() if complaint else None,
            **{
                key: edit.dateTime().toPython() if complaint and check.isChecked() else None
                for key, (check, edit) in zip(svc.COMPLAINT_MOMENTS, self._moments, strict=True)
            },
            "note": self.note_edit.toPlainText(),
        }

    def deadline_text(self) -> str:
        """响应时限 of the chosen level, with the moment it ends once 受理时间 is ticked."""
        level = self.level_combo.currentData()
        text = f"{complaints.hours_for(level)} 小时内响应"
        if self.accepted_check.isChecked():
            due = complaints.deadline(self.accepted_edit.dateTime().toPython(), level)
            text += f"（截止 {due:%Y-%m-%d %H:%M}）"
        return text

    def save(self) -> None:
        """Validate and save; on an error keep the dialog open and show why."""
        try:
            if self.order_id is None:
                order = svc.create_order(self.data())
            else:
                order = svc.update_order(self.order_id, self.data())
        except StaleEdit as err:
            self._merge(err)
            return
        except UserError as err:
            self.errors.show(err)
            grow_to_fit(self)
            return
        self.errors.clear()
        self.order_id = order.id
        self.saved.emit(order.id)
        self.accept()

    def _merge(self, err: StaleEdit) -> None:
        """Someone else saved this order meanwhile: 对照修改 field by field, the choice shown on
        the dialog, then saved at the stored version; cancelled: the dialog stays as typed."""
        merged = merge_dialog.merge_record(self, err, self.data(), svc.ORDER_LABELS, diffs=svc.order_differences)
        if merged is not None:
            self._load(SimpleNamespace(**merged))
            self.save()
