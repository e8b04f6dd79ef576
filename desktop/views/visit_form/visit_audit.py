"""修改记录 under the signature in the 回访表: the changes made to the visit after it was completed
(and after signing, with the confirming supervisor)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop.services.visits import signatures as sign_svc

SHOWN_ENTRIES = 3  # the latest ones in the label; every entry is in the tooltip


class AuditLabel(QLabel):
    """The latest audit entries of the visit shown (hidden when it has none)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("audit")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.hide()

    def show_visit(self, visit_id: int | None) -> None:
        entries = sign_svc.audit_entries(visit_id) if visit_id is not None else []
        if entries:
            shown = "\n".join(e.text for e in entries[:SHOWN_ENTRIES])
            more = f"\n……共 {len(entries)} 条" if len(entries) > SHOWN_ENTRIES else ""
            self.setText(f"修改记录（完成后的修改）：\n{shown}{more}")
            self.setToolTip("\n\n".join(e.text for e in entries))
        self.setVisible(bool(entries))
