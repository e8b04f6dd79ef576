"""The signing part of the 回访表: the foot of the paper and the lock a signature puts on a visit.

``SignatureFooter`` holds 回访人员, 签字状态, the customer's on-screen signature (signature_pad.py),
the archived scans of the signed paper form (attachments_panel.py) and the 修改记录 (visit_audit.py).
``SignedLockBar`` is the bar over a signed visit (电子签名 / 纸质已签): its header, answers and 宝贵意见
stay read-only until a supervisor confirms the change (supervisor_dialog.py); it keeps the saved
签字状态 and that confirmation until the visit is saved or another one is shown.
"""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QLineEdit, QPushButton, QSizePolicy

from desktop.models import SIGN_STATUSES
from desktop.services.admin import settings as app_settings
from desktop.services.visits import signatures as sign_svc
from desktop.services.visits.visits import SignatureInput, VisitInput

from ..common.widgets import hbox, vbox
from .attachments_panel import AttachmentsPanel
from .signature_pad import SignatureBox
from .supervisor_dialog import ask_supervisor
from .visit_audit import AuditLabel

VISITOR_PLACEHOLDER = "回访人员姓名"


class SignatureFooter(QFrame):
    """回访人员 and 签字状态, the signature pad beside the scans, and the 修改记录 under them.

    ``edited``: the user changed the 签字状态. The page wires the signature box's and the scans
    panel's own signals (they need the visit saved, a supervisor, …).
    """

    edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("footer")
        self.visitor_edit = QLineEdit()
        self.visitor_edit.setMaxLength(30)
        self.visitor_edit.setPlaceholderText(VISITOR_PLACEHOLDER)
        self.visitor_edit.setFixedWidth(130)
        self.sign_combo = QComboBox()
        self.sign_combo.addItems(SIGN_STATUSES)
        # 电子签名 comes from the signature pad, never from the list
        self.sign_combo.model().item(SIGN_STATUSES.index(sign_svc.E_SIGNED)).setEnabled(False)
        self.sign_combo.setToolTip(
            "客户在下方签字板签字即为“电子签名”；客户签了纸质表请选“纸质已签”并附上扫描件"
        )
        self.signature_box = SignatureBox()
        self.attachments_panel = AttachmentsPanel()
        self.attachments_panel.operator = lambda: self.visitor_edit.text().strip()
        self.audit_label = AuditLabel()
        self.read_only = False  # set_read_only: a role that may not change visits
        self.setLayout(
            vbox(
                hbox(
                    QLabel("回访人员："),
                    self.visitor_edit,
                    QLabel("签字状态："),
                    self.sign_combo,
                    None,
                    spacing=8,
                ),
                hbox(self.signature_box, self.attachments_panel, spacing=16),
                self.audit_label,
                spacing=8,
                margin=0,
            )
        )
        self.layout().setContentsMargins(0, 8, 0, 0)
        self.sign_combo.currentIndexChanged.connect(lambda _index: self.edited.emit())

    def show_visit(self, visit_id: int | None) -> None:
        """The saved signature, scans and 修改记录 of the visit (None: a new visit, none yet)."""
        info = sign_svc.signature_of(visit_id) if visit_id is not None else None
        self.signature_box.set_saved(info)
        self.attachments_panel.set_visit(visit_id)
        self.audit_label.show_visit(visit_id)

    def reset(self) -> None:
        """A new visit: the default 回访人员 (设置; none for a role that cannot visit), 未签."""
        self.visitor_edit.setText("" if self.read_only else app_settings.default_visitor())
        self.sign_combo.setCurrentIndex(0)

    def set_values(self, data: VisitInput) -> None:
        self.visitor_edit.setText(data.visitor)
        self.sign_combo.setCurrentText(data.sign_status)

    def values(self) -> dict:
        return {"visitor": self.visitor_edit.text(), "sign_status": self.sign_combo.currentText()}

    def set_locked(self, locked: bool) -> None:
        self.visitor_edit.setEnabled(not locked)
        self.sign_combo.setEnabled(not locked)

    def set_read_only(self, reason: str) -> None:
        """A role that may not change visits (只读): no signing again and no scans added or
        removed (nor dropped); the saved signature and the scans can still be looked at, and
        nothing asks them to sign or fill in the 回访人员."""
        self.read_only = True
        self.signature_box.resign_button.setEnabled(False)
        self.signature_box.resign_button.setToolTip(reason)
        self.signature_box.set_viewer()
        self.visitor_edit.setPlaceholderText("")
        panel = self.attachments_panel
        panel.setAcceptDrops(False)
        panel.add_button.hide()  # the panel enables these again when the selection changes
        panel.remove_button.hide()
        panel.hint.hide()  # "drop the scans here"

    def operator(self) -> str:
        """Who makes a change at this PC: the 回访人员, else the default one from the settings."""
        return self.visitor_edit.text().strip() or app_settings.default_visitor()

    def follow_signature(self, stored_sign: str) -> None:
        """签字状态 follows the pad: 电子签名 while a new signature is drawn, else what was saved."""
        if self.signature_box.has_new_signature():
            self.sign_combo.setCurrentText(sign_svc.E_SIGNED)
        elif self.sign_combo.currentText() == sign_svc.E_SIGNED and stored_sign != sign_svc.E_SIGNED:
            self.sign_combo.setCurrentText(stored_sign)

    def signature_input(self, signer: str) -> SignatureInput | None:
        """The signature drawn and not saved yet, to save with the visit (None if none)."""
        drawn = self.signature_box.new_signature()
        if drawn is None:
            return None
        png, signed_at, device = drawn
        return SignatureInput(png, signed_at=signed_at, signer=signer, device=device)


class SignedLockBar(QFrame):
    """The bar over a signed visit: locked, or changed with a supervisor's confirmation.

    ``stored_sign`` is the 签字状态 as saved; ``override`` the supervisor's confirmation that lets
    the locked fields change until the visit is saved (None: none yet).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("signedLock")
        self.stored_sign = sign_svc.UNSIGNED
        self.override: sign_svc.SupervisorOverride | None = None
        self.read_only = False  # a role that may not change visits: no 申请修改
        self.lock_text = QLabel()
        self.lock_text.setWordWrap(True)
        self.unlock_button = QPushButton("申请修改（主管确认）")
        self.unlock_button.setToolTip("已签字的回访需主管确认后才能修改；修改前后的内容会记入修改记录")
        self.unlock_button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.setLayout(hbox(self.lock_text, self.unlock_button, spacing=10, margin=6))
        self.hide()

    def reset(self, visit_id: int | None, sign_status: str = sign_svc.UNSIGNED) -> None:
        """The visit now shown (None: a new one) and its saved 签字状态; no confirmation yet."""
        self.stored_sign = sign_status if visit_id is not None else sign_svc.UNSIGNED
        self.override = None

    def is_signed(self) -> bool:
        return sign_svc.is_signed(self.stored_sign)

    def is_locked(self) -> bool:
        """Signed, and no supervisor confirmed a change yet."""
        return self.is_signed() and self.override is None

    def confirm(self, parent, what: str, operator: str) -> bool:
        """Ask a supervisor to confirm ``what``; True (and the fields unlocked) when confirmed."""
        override = ask_supervisor(parent, what, operator)
        if override is None:
            return False
        self.override = override
        return True

    def refresh(self) -> None:
        """Shown over a signed visit, telling whether it is locked or who allowed the change."""
        signed = self.is_signed()
        self.setVisible(signed)
        if not signed:
            return
        if self.override is not None:
            text = (
                f"主管“{self.override.supervisor}”已确认修改（原因：{self.override.reason}）。"
                "保存时将记录修改前后的内容。"
            )
        elif self.read_only:
            text = f"此回访已签字（{self.stored_sign}）。"
        else:
            text = (
                f"此回访已签字（{self.stored_sign}），回访日期、被回访人、各题答案和宝贵意见已锁定。"
                "客户情绪、问题分类、再购意向仍可修改。"
            )
        self.lock_text.setText(text)
        self.unlock_button.setVisible(self.override is None and not self.read_only)
        if bool(self.property("override")) != (self.override is not None):
            self.setProperty("override", self.override is not None)
            self.style().unpolish(self)
            self.style().polish(self)
