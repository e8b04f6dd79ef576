"""发放问卷: record that the selected tasks' questionnaires were handed out on paper or sent by
短信 / 微信, and when (``services.chasing.mark_sent``). One not back within the 催收天数 of the
settings gets a 催收 task from the scheduler; 回收率 is reported per channel."""

from datetime import datetime

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel

from desktop.services.admin import settings as app_settings
from desktop.services.common.errors import UserError
from desktop.services.scheduling import chasing

from ..common.widgets import show_error, vbox

CHANNEL_TEXT = {
    chasing.PAPER: "纸质问卷（当面或随货发放，含带二维码的回执单）",
    chasing.SMS: "短信（链接或回复数字）",
    "微信": "微信（公众号 / 小程序）",
    chasing.ONLINE: "问卷平台推送（问卷星 / 腾讯问卷）",
}  # 柜台自助 is registered by the counter screen itself


class SendDialog(QDialog):
    """Channel and moment for ``task_ids``; ``marked`` holds how many were recorded."""

    def __init__(self, task_ids: list[int], parent=None):
        super().__init__(parent)
        self.setWindowTitle("发放问卷")
        self.task_ids = list(task_ids)
        self.marked = 0
        self.channel_combo = QComboBox()
        for channel in chasing.CHANNELS:
            if channel not in CHANNEL_TEXT:
                continue
            goal = chasing.CHANNEL_GOALS[channel]
            self.channel_combo.addItem(f"{CHANNEL_TEXT[channel]} · 回收率目标 ≥{goal:.0%}", channel)
        self.at_edit = QDateTimeEdit(QDateTime.currentDateTime())
        self.at_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at_edit.setCalendarPopup(True)
        days = app_settings.get(chasing.CHASE_DAYS_KEY)
        hint = QLabel(
            f"已选 {len(self.task_ids)} 个任务。问卷收回后在回访表中录入即算收回；"
            f"发放 {days} 天后仍未收回，“生成到期任务”会为它建一个催收任务（天数可在“设置”中修改）。"
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        form = QFormLayout()
        form.addRow("发放渠道", self.channel_combo)
        form.addRow("发放时间", self.at_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("登记发放")
        self.buttons.button(QDialogButtonBox.Cancel).setText("取消")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.setLayout(vbox(form, hint, self.buttons, spacing=8, margin=12))
        self.setMinimumWidth(420)

    def save(self) -> None:
        at: datetime = self.at_edit.dateTime().toPython().replace(second=0, microsecond=0)
        try:
            self.marked = chasing.mark_sent(self.task_ids, self.channel_combo.currentData(), at)
        except UserError as err:
            show_error(self, str(err))
            return
        self.accept()
