"""销售跟进 window (from 回访记录): the visits flagged 再购意向, who follows each up, what the
customer wants, when, the outcome; 导出Excel writes the list as its own workbook."""

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError
from desktop.services.visits import sales_followup as svc

from ..common.widgets import MARGIN, gate, hbox, show_error, show_info, vbox
from ..common.wrap_delegate import WrapDelegate

COLUMNS = ("回访日期", "客户", "电话", "服务类型", "客户反馈", "跟进人", "意向内容", "跟进日期", "跟进结果")
WRAPPED_COLUMNS = (COLUMNS.index("客户反馈"), COLUMNS.index("意向内容"))
OVERDUE_BG = QColor("#fde3e1")


def _day(value: date | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d}"


class SalesDialog(QDialog):
    def __init__(self, parent=None, *, today=None):
        super().__init__(parent)
        self.setWindowTitle("销售跟进")
        self.resize(1100, 620)
        self.today = today or date.today
        self.rows: list[svc.LeadRow] = []
        self.filter_combo = QComboBox()
        self.filter_combo.addItems(svc.FILTERS)
        self.filter_combo.setCurrentText(svc.OPEN)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.count_label = QLabel()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in range(
            len(COLUMNS)
        ):  # the short ones fit their text; 客户反馈 and 意向内容 share the rest and wrap
            mode = QHeaderView.Stretch if col in WRAPPED_COLUMNS else QHeaderView.ResizeToContents
            header.setSectionResizeMode(col, mode)
        self.table.setWordWrap(True)
        self.table.setItemDelegate(WrapDelegate(self.table))
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._fill_form)
        self.salesperson_edit = QLineEdit()
        self.salesperson_edit.setPlaceholderText("负责跟进的销售")
        self.interest_edit = QLineEdit()
        self.interest_edit.setPlaceholderText("客户想买什么，如：再购一台柜机")
        self.date_edit = QLineEdit()
        self.date_edit.setPlaceholderText(f"年-月-日，如 {self.today() + timedelta(days=3):%Y-%m-%d}")
        self.outcome_combo = QComboBox()
        self.outcome_combo.addItems(svc.LEAD_OUTCOMES)
        self.note_edit = QLineEdit()
        self.save_button = QPushButton("保存跟进")
        self.save_button.clicked.connect(self.save)
        self.export_button = QPushButton("导出Excel…")
        self.export_button.setToolTip("把当前筛选的销售跟进清单导出为 .xlsx（电话按权限脱敏）")
        self.export_button.clicked.connect(self.export)
        self.full_check = QCheckBox("含完整电话")
        self.full_check.setToolTip("默认导出脱敏电话；销售需要拨打时由有权限的人勾选")
        gate(accounts.FULL_EXPORT, self.full_check, what="导出完整联系方式")
        self.may_edit = gate(accounts.CALL, self.save_button, what="填写销售跟进")
        form = QFormLayout()
        form.addRow("跟进人：", self.salesperson_edit)
        form.addRow("意向内容：", self.interest_edit)
        form.addRow("跟进日期：", self.date_edit)
        form.addRow("跟进结果：", self.outcome_combo)
        form.addRow("备注：", self.note_edit)
        self.setLayout(
            vbox(
                hbox(
                    QLabel("跟进结果："),
                    self.filter_combo,
                    None,
                    self.count_label,
                    self.full_check,
                    self.export_button,
                ),
                self.table,
                form,
                hbox(None, self.save_button),
                margin=MARGIN,
            )
        )
        self.reload()

    # ------------------------------------------------------------ list
    def status(self) -> str:
        return self.filter_combo.currentText()

    def reload(self, keep: int | None = None) -> None:
        self.rows = svc.lead_rows(self.status())
        today = self.today()
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            values = (
                _day(row.visit_date),
                row.customer,
                accounts.phone_for_screen(row.phone),
                " ".join(p for p in (row.service_type, row.product_model) if p),
                row.feedback,
                row.salesperson,
                row.interest,
                _day(row.follow_up_on),
                row.outcome,
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if row.overdue(today):
                    item.setBackground(QBrush(OVERDUE_BG))
                self.table.setItem(r, c, item)
        self.count_label.setText(f"共 {len(self.rows)} 条")
        index = next((i for i, row in enumerate(self.rows) if row.visit_id == keep), 0 if self.rows else -1)
        if index >= 0:
            self.table.selectRow(index)
        self._fill_form()

    def current(self) -> svc.LeadRow | None:
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _fill_form(self) -> None:
        row = self.current()
        self.salesperson_edit.setText(row.salesperson if row else "")
        self.interest_edit.setText(row.interest if row else "")
        self.date_edit.setText(_day(row.follow_up_on) if row else "")
        self.outcome_combo.setCurrentText(row.outcome if row else svc.NEW)
        self.note_edit.setText(row.note if row else "")
        self.save_button.setEnabled(row is not None and self.may_edit)

    # ------------------------------------------------------------ actions
    def save(self) -> None:
        row = self.current()
        if row is None:
            return
        data = svc.LeadInput(
            self.salesperson_edit.text(),
            self.interest_edit.text(),
            self.date_edit.text().strip() or None,
            self.outcome_combo.currentText(),
            self.note_edit.text(),
        )
        try:
            svc.save_lead(row.visit_id, data)
        except UserError as err:
            show_error(self, str(err), "未保存")
            return
        self.reload(keep=row.visit_id)

    def export(self) -> None:
        name = f"销售跟进_{self.today():%Y%m%d}.xlsx"
        path, _filter = QFileDialog.getSaveFileName(self, "导出销售跟进", name, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        try:
            out, n = svc.export_leads(path, self.status(), mask=not self.full_check.isChecked())
        except UserError as err:
            show_error(self, str(err), "无法导出")
            return
        show_info(self, f"已导出 {n} 条销售跟进：{out}", "导出Excel")
        self.table.setFocus(Qt.OtherFocusReason)
