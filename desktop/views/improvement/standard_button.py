"""The 纳入标准 button of the 改进方案 page: a closed action whose effect was verified is made
standard practice (标准手册); shown as 已纳入标准 once it is."""

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError
from desktop.services.improvement import standards

from ..common.widgets import confirm, show_error


class StandardButton(QPushButton):
    def __init__(self, on_done: Callable[[], None], parent=None):
        super().__init__("纳入标准", parent)
        self.action = None
        self.on_done = on_done
        self.clicked.connect(self.adopt)
        self.hide()

    def show_for(self, action) -> None:
        """Shown for closed actions only: enabled when it may be adopted (by a 主管)."""
        self.action = action
        closed = action is not None and action.status == "已闭环"
        self.setVisible(closed)
        if not closed:
            return
        reason = standards.why_not(action)
        done = standards.is_standard(action.id)
        self.setText("已纳入标准" if done else "纳入标准")
        may = accounts.can(accounts.MANAGE)
        self.setEnabled(not reason and may)
        if done:
            self.setToolTip("已列入标准手册（在“标准手册”页查看、打印或移出）")
        elif reason:
            self.setToolTip(reason)
        else:
            self.setToolTip(standards.RULE if may else "只有主管可以把措施纳入标准")

    def adopt(self) -> None:
        if self.action is None:
            return
        text = f"把“{self.action.measure}”纳入{standards.TITLE}，作为长期执行的服务标准吗？"
        if not confirm(self, text, "纳入标准"):
            return
        try:
            standards.adopt(self.action.id)
        except UserError as err:
            show_error(self, str(err), "未纳入")
            return
        self.on_done()
