"""预约… (from the 回访任务 page): the SMS or the phone opening to copy, and the slot the customer
agreed to (date, from, to). The text and the default slot come from ``services.appointments``;
the caller saves the slot with ``appointments.book``."""

from datetime import datetime

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTimeEdit,
)

from desktop.services.scheduling import appointments

from ..common.unsaved import GuardedDialog
from ..common.widgets import MARGIN, form, hbox, vbox


class AppointmentDialog(GuardedDialog, QDialog):
    """``values()`` → (start, end, channel) once accepted."""

    def __init__(self, task_id: int, summary: dict, parent=None):
        super().__init__(parent)
        self.task_id = task_id
        self.setWindowTitle("预约回访")
        self.setMinimumWidth(460)
        self.channel_combo = QComboBox()
        self.channel_combo.addItems(appointments.CHANNELS)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setReadOnly(True)
        self.text_edit.setMinimumHeight(110)
        self.copy_button = QPushButton("复制文字")
        self.copy_button.setToolTip("复制到剪贴板，粘贴到短信或照着致电")
        slot = appointments.default_slot(task_id)
        self.date_edit = QDateEdit(QDate(slot.start.year, slot.start.month, slot.start.day))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.from_edit = QTimeEdit(QTime(slot.start.hour, slot.start.minute))
        self.to_edit = QTimeEdit(QTime(slot.end.hour, slot.end.minute))
        for edit in (self.from_edit, self.to_edit):
            edit.setDisplayFormat("HH:mm")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("保存预约")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.channel_combo.currentTextChanged.connect(lambda _t: self._show_text())
        self.copy_button.clicked.connect(self.copy_text)
        window = f"{summary['customer']} · {summary['phone']} · {summary['trigger']}"
        self.setLayout(
            vbox(
                QLabel(window),
                form(("联系方式", self.channel_combo)),
                self.text_edit,
                hbox(None, self.copy_button),
                form(
                    ("约定日期", self.date_edit),
                    ("时段", hbox(self.from_edit, QLabel("至"), self.to_edit, None)),
                ),
                QLabel("客户答复后填写约定的时段；到时该任务出现在“今日”中。"),
                buttons,
                margin=MARGIN,
            )
        )
        self._show_text()

    def _show_text(self) -> None:
        self.text_edit.setPlainText(appointments.booking_text(self.task_id, self.channel_combo.currentText()))

    def copy_text(self) -> None:
        QApplication.clipboard().setText(self.text_edit.toPlainText())

    def values(self) -> tuple[datetime, datetime, str]:
        day = self.date_edit.date().toPython()
        start, end = self.from_edit.time(), self.to_edit.time()
        return (
            datetime(day.year, day.month, day.day, start.hour(), start.minute()),
            datetime(day.year, day.month, day.day, end.hour(), end.minute()),
            self.channel_combo.currentText(),
        )
