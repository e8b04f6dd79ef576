"""主管确认: the supervisor confirms a change to a signed visit (its answers, its signature, a scan).

Without sign-in accounts the supervisor is chosen by name (an active 主管 in 设置 → 人员); with
accounts on, a 主管 who is not the person at the PC types their 登录名 (or 姓名) and password, and
a signed-in 主管 only gives the reason. Either way the change goes to the audit log with the
reason. What the dialog collects is read in one place, ``entered_override()``.
"""

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
)

from desktop.services.admin import accounts
from desktop.services.common.errors import ValidationErrors
from desktop.services.visits import signatures as svc

from ..common.unsaved import GuardedDialog
from ..common.widgets import vbox


class SupervisorDialog(GuardedDialog, QDialog):
    """Asks for the supervisor who confirms changing a signed visit, and why.

    ``SupervisorDialog.ask(parent, what, operator)`` shows it and returns the checked
    ``signatures.SupervisorOverride`` (None when cancelled); ``override`` holds it after 主管确认.
    """

    def __init__(self, what: str, operator: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle("主管确认")
        self.operator = operator
        self.override: svc.SupervisorOverride | None = None
        intro = QLabel(what)
        intro.setWordWrap(True)
        self.supervisor_combo = QComboBox()
        self.supervisor_combo.setEditable(True)
        self.supervisor_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for _sid, name in svc.supervisors():
            self.supervisor_combo.addItem(name)
        self.supervisor_combo.setCurrentIndex(-1)
        self.supervisor_combo.lineEdit().setPlaceholderText("在职主管的姓名")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText("为什么修改（如：录入时看错了纸质表第3题）")
        self.reason_edit.setFixedHeight(70)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setWordWrap(True)
        note = QLabel("修改将记录到修改记录中：经办人、主管、时间、原因和每一处改动。")
        note.setStyleSheet("color: #5f6368;")
        note.setWordWrap(True)
        if not svc.supervisors():
            self.error_label.setText("目前没有在职主管：请先在“设置 → 人员”中添加角色为“主管”的人员。")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("主管本人输入登录密码")
        form = QFormLayout()
        if svc.password_needed():
            self.supervisor_combo.lineEdit().setPlaceholderText("主管的登录名或姓名")
            form.addRow("主管：", self.supervisor_combo)
            form.addRow("主管密码：", self.password_edit)
        elif accounts.current() is not None:  # a signed-in 主管 confirms their own change
            self.supervisor_combo.setCurrentText(accounts.current().display_name)
            self.supervisor_combo.setEnabled(False)
            form.addRow("主管：", self.supervisor_combo)
        else:
            form.addRow("主管：", self.supervisor_combo)
        form.addRow("修改原因：", self.reason_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("主管确认")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setLayout(vbox(intro, form, self.error_label, note, buttons, margin=12, spacing=8))
        self.resize(460, 300)

    def entered_override(self) -> svc.SupervisorOverride:
        """What was entered, unchecked: the supervisor's name, the reason, and who makes the change."""
        return svc.SupervisorOverride(
            self.supervisor_combo.currentText(),
            self.reason_edit.toPlainText(),
            self.operator,
            password=self.password_edit.text(),
        )

    def accept(self) -> None:
        override = self.entered_override()
        try:
            svc.check_override(override)
        except ValidationErrors as err:
            self.error_label.setText("\n".join(str(e) for e in err.errors))
            return
        self.override = override
        super().accept()

    @classmethod
    def ask(cls, parent, what: str, operator: str = "") -> svc.SupervisorOverride | None:
        """Show the dialog; the confirmed override, or None when cancelled."""
        dialog = cls(what, operator, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.override
        return None


def ask_supervisor(parent, what: str, operator: str = "") -> svc.SupervisorOverride | None:
    """``SupervisorDialog.ask`` (the name the 回访表 and the scans panel call)."""
    return SupervisorDialog.ask(parent, what, operator)
