"""Add / edit one customer (客户). The dialog saves through the service itself, so a rejected
form stays open with each Chinese message shown under the field it is about."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)

from desktop.models import Customer
from desktop.services.common.errors import StaleEdit, UserError, ValidationErrors
from desktop.services.intake import customers as svc

from ..common import merge_dialog
from ..common.unsaved import GuardedDialog
from ..common.widgets import SPACING, hbox, mark_edit_hint, vbox

ERROR_COLOR = "#c62828"
DIALOG_STYLE = f"""
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QComboBox[invalid="true"],
QDateTimeEdit[invalid="true"] {{ border: 1px solid {ERROR_COLOR}; background: #fff4f4; }}
QLabel#fieldError {{ color: {ERROR_COLOR}; }}
QLabel#banner {{ color: {ERROR_COLOR}; background: #fdecea; border: 1px solid #f5c2c0;
                 border-radius: 3px; padding: 6px; }}
QLabel#hint {{ color: #666; }}
"""


class FormErrors:
    """Puts service validation messages next to the fields they name and highlights them.

    ``row(names, widget)`` wraps a field widget with an (initially hidden) red message line;
    ``names`` are the Chinese field names the service uses in ``ValidationError.field``.
    """

    def __init__(self, banner: QLabel):
        self.banner = banner
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}

    def row(
        self,
        names: str | tuple[str, ...],
        widget: QWidget,
        *extra: QWidget | None,
        target: QWidget | None = None,
    ) -> QWidget:
        """The field widget (plus ``extra`` widgets beside it, None = stretch) over its error
        line. ``target`` (default ``widget``) is the input that is highlighted and focused."""
        label = QLabel()
        label.setObjectName("fieldError")
        label.setWordWrap(True)
        label.hide()
        target = target or widget
        for name in (names,) if isinstance(names, str) else names:
            self._fields[name] = (target, label)
        self._watch(target, label)
        box = QWidget()
        line = hbox(widget, *extra) if extra else widget
        box.setLayout(vbox(line, label, None, spacing=2))
        return box

    def _watch(self, widget: QWidget, label: QLabel) -> None:
        def clear(*_args):
            self._mark(widget, label, "")

        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(clear)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(clear)
            if widget.isEditable():
                widget.editTextChanged.connect(clear)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(clear)
        elif isinstance(widget, QDateTimeEdit):
            widget.dateTimeChanged.connect(clear)

    @staticmethod
    def _mark(widget: QWidget, label: QLabel, message: str) -> None:
        label.setText(message)
        label.setVisible(bool(message))
        if bool(widget.property("invalid")) != bool(message):
            widget.setProperty("invalid", bool(message))
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    def clear(self) -> None:
        self.banner.hide()
        for widget, label in self._fields.values():
            self._mark(widget, label, "")

    def show(self, error: UserError) -> None:
        """Show ``error``: field messages under their fields, anything else in the banner."""
        self.clear()
        errors = error.errors if isinstance(error, ValidationErrors) else [error]
        loose, first = [], None
        for err in errors:
            field = getattr(err, "field", None)
            if field in self._fields:
                widget, label = self._fields[field]
                text = f"{field}：{err.message}"
                if label.isVisible():
                    text = f"{label.text()}\n{text}"
                self._mark(widget, label, text)
                first = first or widget
            else:
                loose.append(str(err))
        lines = ["未保存：请按红色提示修改后再保存。"] if first else []
        self.banner.setText("\n".join(lines + loose))
        self.banner.show()
        if first is not None:
            first.setFocus(Qt.OtherFocusReason)

    def message(self, field: str) -> str:
        """The message currently shown for ``field`` ("" when none) — for tests and checks."""
        _widget, label = self._fields[field]
        return label.text() if not label.isHidden() else ""


def add_completer(edit: QLineEdit, words: list[str]) -> None:
    if not words:
        return
    completer = QCompleter(words, edit)
    completer.setCaseSensitivity(Qt.CaseInsensitive)
    completer.setFilterMode(Qt.MatchContains)
    edit.setCompleter(completer)


def fill_combo(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    for text, data in items:
        combo.addItem(text, data)


def select_data(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


class CustomerDialog(GuardedDialog, QDialog):
    """``CustomerDialog(customer_id=None)`` — new customer when None. Emits ``saved(id)``."""

    saved = Signal(int)

    def __init__(self, customer_id: int | None = None, parent=None):
        super().__init__(parent)
        self.customer_id = customer_id
        self.row_version: int | None = None  # set by _load
        self.setStyleSheet(DIALOG_STYLE)
        self.setMinimumWidth(520)

        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("如 C202310001")
        self.suggest_button = QToolButton()
        self.suggest_button.setText("自动编号")
        self.suggest_button.setToolTip("填入本月下一个未使用的客户编号")
        self.suggest_button.clicked.connect(self._suggest_code)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("个人姓名或单位名称")
        self.title_combo = QComboBox()
        fill_combo(self.title_combo, [("先生", "先生"), ("女士", "女士"), ("（不填）", "")])
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText("手机 13812345678 或固话 010-12345678")
        self.address_edit = QLineEdit()
        self.ctype_combo = QComboBox()
        fill_combo(self.ctype_combo, [(t, t) for t in Customer.TYPES])
        self.region_edit = QLineEdit()
        self.region_edit.setPlaceholderText("如 朝阳区、华东区")
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("如 门店、朋友介绍、网络广告")
        self.note_edit = QPlainTextEdit()
        self.note_edit.setFixedHeight(64)
        self.note_edit.setTabChangesFocus(True)
        add_completer(self.region_edit, svc.customer_suggestions("region"))
        add_completer(self.source_edit, svc.customer_suggestions("source"))

        banner = QLabel()
        self.errors = FormErrors(banner)
        errors = self.errors
        form = QFormLayout()
        form.setSpacing(SPACING)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignTop)
        form.addRow("客户编号 *", errors.row("客户编号", self.code_edit, self.suggest_button))
        form.addRow("姓名 *", errors.row(("客户姓名", "姓名"), self.name_edit))
        form.addRow("称谓", errors.row("称谓", self.title_combo))
        form.addRow("联系电话 *", errors.row("联系电话", self.phone_edit))
        form.addRow("通讯地址", errors.row("通讯地址", self.address_edit))
        form.addRow("客户类型", errors.row("客户类型", self.ctype_combo))
        form.addRow("区域", errors.row("区域", self.region_edit))
        form.addRow("客户来源", errors.row("客户来源", self.source_edit))
        form.addRow("备注", errors.row("备注", self.note_edit))

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button: QAbstractButton = self.buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText("保存")
        self.buttons.button(QDialogButtonBox.Cancel).setText("取消")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel("带 * 的为必填项。电话可带空格、横线或 +86，保存时自动整理。")
        hint.setObjectName("hint")
        mark_edit_hint(hint)  # not shown when the dialog only shows the customer (只读)
        self.setLayout(vbox(banner, form, hint, self.buttons, spacing=SPACING + 2, margin=12))

        if customer_id is None:
            self.setWindowTitle("新增客户")
            self._suggest_code()
            self.ctype_combo.setCurrentText("普通客户")
            self.title_combo.setCurrentIndex(2)
            self.name_edit.setFocus()
        else:
            self._load(svc.get_customer(customer_id))

    def _suggest_code(self) -> None:
        self.code_edit.setText(svc.suggest_customer_code())

    def _load(self, c: Customer) -> None:
        self.row_version = c.row_version  # a save from a stale copy is caught (对照修改)
        self.setWindowTitle(f"编辑客户 — {c.name}")
        self.code_edit.setText(c.code)
        self.name_edit.setText(c.name)
        select_data(self.title_combo, c.title if c.title in Customer.TITLES else "")
        self.phone_edit.setText(c.phone)
        self.address_edit.setText(c.address)
        self.ctype_combo.setCurrentText(c.ctype)
        self.region_edit.setText(c.region)
        self.source_edit.setText(c.source)
        self.note_edit.setPlainText(c.note)
        self.suggest_button.hide()
        if c.archived:
            self.setWindowTitle(f"编辑客户 — {c.name}（已归档）")

    def _show_fields(self, values: dict) -> None:
        """The fields as ``data`` gives them (after choosing in 对照修改)."""
        self.code_edit.setText(values["code"])
        self.name_edit.setText(values["name"])
        select_data(self.title_combo, values["title"] if values["title"] in Customer.TITLES else "")
        self.phone_edit.setText(values["phone"])
        self.address_edit.setText(values["address"])
        self.ctype_combo.setCurrentText(values["ctype"])
        self.region_edit.setText(values["region"])
        self.source_edit.setText(values["source"])
        self.note_edit.setPlainText(values["note"])

    def data(self) -> dict:
        return {
            "row_version": self.row_version,
            "code": self.code_edit.text(),
            "name": self.name_edit.text(),
            "title": self.title_combo.currentData(),
            "phone": self.phone_edit.text(),
            "address": self.address_edit.text(),
            "ctype": self.ctype_combo.currentData(),
            "region": self.region_edit.text(),
            "source": self.source_edit.text(),
            "note": self.note_edit.toPlainText(),
        }

    def save(self) -> None:
        """Validate and save; on an error keep the dialog open and show why."""
        try:
            if self.customer_id is None:
                customer = svc.create_customer(self.data())
            else:
                customer = svc.update_customer(self.customer_id, self.data())
        except StaleEdit as err:
            self._merge(err)
            return
        except UserError as err:
            self.errors.show(err)
            return
        self.errors.clear()
        self.customer_id = customer.id
        self.saved.emit(customer.id)
        self.accept()

    def _merge(self, err: StaleEdit) -> None:
        """Someone else saved this customer meanwhile: choose field by field, then save again at
        the stored version; cancelled: the dialog stays as typed."""
        merged = merge_dialog.merge_record(self, err, self.data(), svc.CUSTOMER_LABELS)
        if merged is None:
            return
        self._show_fields(merged)
        self.row_version = merged["row_version"]
        self.save()


__all__ = ["CustomerDialog", "FormErrors", "add_completer", "fill_combo", "select_data"]
