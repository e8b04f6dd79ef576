"""修改记录 tab of the settings page: the whole audit log, newest first.

Changes to visits (with the supervisor's confirmation and the reason), status changes of
improvement actions and account events, filtered by 类别 and paged lazily from SQL (the log only
grows). The 改动 and 原因 cells are shortened; their tooltips show everything.
"""

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

from desktop.services.admin import audit as svc
from desktop.services.admin.audit import AuditRow

from ..common.table_model import Column, PagedQueryModel, list_table
from ..common.widgets import MARGIN, hbox, vbox

KIND_FILTERS = (("全部", None), ("回访", "visit"), ("改进措施", "action"), ("账号", "account"))

COLUMNS = [
    Column("时间", AuditRow.AT),
    Column("类别", AuditRow.KIND),
    Column("记录号", AuditRow.ENTITY_ID, align=Qt.AlignRight),
    Column("操作", AuditRow.ACTION),
    Column("经办", AuditRow.OPERATOR),
    Column("主管确认", AuditRow.SUPERVISOR),
    Column("原因", AuditRow.REASON),
    Column("改动", AuditRow.CHANGES),
]
WIDTHS = [120, 60, 55, 150, 70, 70, 150, 180]
REASON_COLUMN = 6
CHANGES_COLUMN = 7


class AuditModel(PagedQueryModel):
    """The full 原因 / 改动 as tooltips (the cells show one shortened line)."""

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role == Qt.ToolTipRole:
            row = self._rows[index.row()]
            if index.column() == CHANGES_COLUMN:
                return row[AuditRow.CHANGES_FULL] or None
            if index.column() == REASON_COLUMN:
                return row[AuditRow.REASON] or None
            return None
        return super().data(index, role)


class AuditPanel(QWidget):
    """设置 → 修改记录. Loads when first shown and on 刷新 / a new 类别."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.entity: str | None = None
        intro = QLabel(
            "已完成回访的修改（已签字的还有主管确认和原因）、改进措施的状态变化和账号的变动都记录在这里，只能查看，不能删改。"
        )
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #555;")
        self.kind_combo = QComboBox()
        for label, entity in KIND_FILTERS:
            self.kind_combo.addItem(label, entity)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.reload)
        self.count_label = QLabel()
        self.model = AuditModel(
            COLUMNS,
            lambda _text, offset=0, limit=200: svc.audit_rows(self.entity, offset, limit),
            lambda _text: svc.count_audit(self.entity),
            page_size=200,
            parent=self,
        )
        self.model.modelReset.connect(self._update_count)
        self.table = list_table(self.model, WIDTHS)
        self.setLayout(
            vbox(
                intro,
                hbox(QLabel("类别："), self.kind_combo, self.refresh_button, None, self.count_label),
                self.table,
                margin=MARGIN,
            )
        )

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.reload()  # new entries are written by other pages (and other PCs)

    def reload(self) -> None:
        self.model.reload()

    def _kind_changed(self, _index: int) -> None:
        self.entity = self.kind_combo.currentData()
        self.reload()

    def _update_count(self) -> None:
        what = "" if self.entity is None else f"{self.kind_combo.currentText()}的"
        self.count_label.setText(f"共 {self.model.total} 条{what}修改记录")
