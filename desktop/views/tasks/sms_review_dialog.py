"""短信回复待核对: the replies the import could not read or place (``services.sms.replies``). The
person picks the task and the answer (录入为回访) or discards the reply (放弃); nothing is guessed.
A second tab lists the 退订 replies (the customer record has no opt-out flag: those numbers are
left out of the next export)."""

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QWidget,
)

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError
from desktop.services.sms import replies
from desktop.services.sms.reading import LEVEL_NAMES

from ..common.widgets import form, hbox, show_error, vbox
from .sms_export_dialog import fill_table, make_table

_SUMMARY_STYLE = "background: #e8f3ea; color: #1b5e20; padding: 4px 8px; border-radius: 3px;"


class SmsReviewDialog(QDialog):
    """The review list; ``summary`` (an import's result) is shown on top when given."""

    def __init__(self, summary: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle("短信回复待核对")
        self.rows: list[replies.ReviewRow] = []
        self.changed = 0  # replies entered or discarded here

        self.summary_label = QLabel(summary)
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet(_SUMMARY_STYLE)
        self.summary_label.setVisible(bool(summary))
        self.count_label = QLabel()
        self.table = make_table(["号码", "回复时间", "回复内容", "待核对原因"], 3)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.itemSelectionChanged.connect(self.show_selected)

        self.task_combo = QComboBox()
        self.task_combo.setMinimumWidth(380)
        self.level_combo = QComboBox()
        self.level_combo.addItem("请选择评价", None)
        for level in (5, 4, 3, 2, 1):
            self.level_combo.addItem(f"{level} {LEVEL_NAMES[level]}", level)
        self.remark_edit = QLineEdit()
        self.remark_edit.setPlaceholderText("客户回复中评价以外的文字，作为宝贵意见保存")
        self.enter_button = QPushButton("录入为回访")
        self.discard_reason = QLineEdit()
        self.discard_reason.setPlaceholderText("放弃原因（可不填，默认“不是评价”）")
        self.discard_reason.setMinimumWidth(300)
        self.discard_button = QPushButton("放弃这条回复")
        self.enter_button.clicked.connect(self.enter_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        for widget in (self.task_combo, self.level_combo):
            widget.currentIndexChanged.connect(lambda *_: self._update_buttons())
        may = accounts.can(accounts.CALL)
        editor = QWidget()
        editor.setLayout(
            vbox(
                form(("对应任务", self.task_combo), ("客户评价", self.level_combo), ("宝贵意见", self.remark_edit)),
                hbox(self.enter_button, None, self.discard_reason, self.discard_button),
                spacing=6,
            )
        )
        editor.setEnabled(may)

        waiting = QWidget()
        waiting.setLayout(vbox(self.count_label, self.table, editor, spacing=6))
        self.opt_out_table = make_table(["号码", "回复时间", "回复内容", "处理"], 2)
        opt_note = QLabel(
            "客户资料中没有“拒收短信”标记：回复过退订的号码记录在这里，以后导出短信批量文件时自动跳过。"
        )
        opt_note.setWordWrap(True)
        opted = QWidget()
        opted.setLayout(vbox(opt_note, self.opt_out_table, spacing=6))
        self.tabs = QTabWidget()
        self.tabs.addTab(waiting, "待核对")
        self.tabs.addTab(opted, "退订")
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        self.setLayout(vbox(self.summary_label, self.tabs, hbox(None, close), spacing=8, margin=12))
        self.resize(960, 560)
        self.reload()

    def reload(self) -> None:
        self.rows = replies.review_rows()
        fill_table(
            self.table,
            [[r.phone, f"{r.received_at:%Y-%m-%d %H:%M}", r.content, r.reason] for r in self.rows],
        )
        self.count_label.setText(
            f"{len(self.rows)} 条回复需要您核对：选择对应的任务和客户的评价后点“录入为回访”，不是评价的点“放弃”。"
            if self.rows
            else "没有待核对的短信回复。"
        )
        opted = replies.opt_out_rows()
        fill_table(
            self.opt_out_table,
            [[r.phone, f"{r.received_at:%Y-%m-%d %H:%M}", r.content, r.status] for r in opted],
        )
        self.tabs.setTabText(0, f"待核对（{len(self.rows)}）")
        self.tabs.setTabText(1, f"退订（{len(opted)}）")
        if self.rows:
            self.table.selectRow(0)
        self.show_selected()

    def current(self) -> replies.ReviewRow | None:
        selected = self.table.selectionModel().selectedRows()
        if not selected or selected[0].row() >= len(self.rows):
            return None
        return self.rows[selected[0].row()]

    def show_selected(self) -> None:
        row = self.current()
        self.task_combo.clear()
        self.task_combo.addItem("请选择任务", None)
        if row is not None:
            for task_id, label in row.choices:
                self.task_combo.addItem(label, task_id)
            if row.task_id is not None:
                self.task_combo.setCurrentIndex(max(0, self.task_combo.findData(row.task_id)))
            elif len(row.choices) == 1:
                self.task_combo.setCurrentIndex(1)
            self.level_combo.setCurrentIndex(max(0, self.level_combo.findData(row.level)) if row.level else 0)
            self.remark_edit.setText(row.content)
        else:
            self.level_combo.setCurrentIndex(0)
            self.remark_edit.clear()
        if row is not None and not row.choices:
            self.task_combo.setItemText(0, "这个号码没有待回访的任务")
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.current()
        ready = row is not None and self.task_combo.currentData() is not None and self.level_combo.currentData()
        self.enter_button.setEnabled(bool(ready))
        self.discard_button.setEnabled(row is not None)

    def enter_selected(self) -> None:
        row = self.current()
        if row is None:
            return
        try:
            replies.resolve(row.reply_id, self.task_combo.currentData(), self.level_combo.currentData(), self.remark_edit.text())
        except UserError as err:
            show_error(self, str(err))
            return
        self.changed += 1
        self.reload()

    def discard_selected(self) -> None:
        row = self.current()
        if row is None:
            return
        try:
            replies.discard(row.reply_id, self.discard_reason.text())
        except UserError as err:
            show_error(self, str(err))
            return
        self.discard_reason.clear()
        self.changed += 1
        self.reload()


def select_row_of(dialog: SmsReviewDialog, reply_id: int) -> bool:
    """Select the reply's row (tests, and a caller that opens the list at one reply)."""
    for n, row in enumerate(dialog.rows):
        if row.reply_id == reply_id:
            dialog.table.selectRow(n)
            return True
    return False

