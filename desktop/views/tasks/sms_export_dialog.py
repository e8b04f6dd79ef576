"""导出短信批量文件: the selected tasks' texts previewed (length, parts, who is left out and why),
then written as .xlsx or .csv for the shop's SMS platform (``services.sms.batch``), off the GUI
thread; the tasks are then recorded as sent by 短信."""

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from desktop.services.common.errors import UserError
from desktop.services.common.validation import mask_phone
from desktop.services.sms import batch, texts

from ..common.operations import run_with_progress
from ..common.widgets import form, hbox, show_error, vbox

LAST_DIR_KEY = "sms/last_dir"
LONG = QBrush(QColor("#b45309"))
_WARN_STYLE = "background: #fff4d6; color: #7a4b00; padding: 3px 6px; border-radius: 3px;"
FILTERS = {".xlsx": "Excel 工作簿 (*.xlsx)", ".csv": "CSV 文件（UTF-8） (*.csv)"}


def fill_table(table: QTableWidget, rows: list[list[str]], brush: QBrush | None = None, marked=()) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            item.setFlags(item.flags() & ~Qt.ItemIsEditable)
            item.setToolTip(value)  # the whole text of a cut-off cell
            if brush is not None and r in marked:
                item.setForeground(brush)
            table.setItem(r, c, item)


def make_table(headers: list[str], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QTableWidget.SelectRows)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.Stretch)
    return table


class SmsExportDialog(QDialog):
    """Preview and export; ``result`` holds the ``ExportResult`` once written."""

    def __init__(self, task_ids: list[int], parent=None):
        super().__init__(parent)
        self.setWindowTitle("导出短信批量文件")
        self.task_ids = list(task_ids)
        self.result: batch.ExportResult | None = None
        self.found = batch.targets(self.task_ids)

        self.mode_combo = QComboBox()
        self.mode_combo.addItem("回复数字（回复1-5评价，可附意见）", texts.REPLY)
        self.mode_combo.addItem("评价链接（扫码评价，每个任务一个一次性链接）", texts.LINK)
        self.link_problem = batch.link_mode_problem()
        if self.link_problem:
            self.mode_combo.model().item(1).setEnabled(False)
            self.mode_combo.setItemData(1, self.link_problem, Qt.ToolTipRole)
        self.signature_edit = QLineEdit(batch.default_signature())
        self.signature_edit.setPlaceholderText("如 示例家电（与短信平台审核通过的签名一致）")
        self.signature_edit.setMaxLength(texts.SIGNATURE_MAX + 2)
        self.sign_check = QCheckBox("短信内容开头写上【签名】（平台自动加签名时请取消，避免重复）")
        self.sign_check.setChecked(True)

        self.count_label = QLabel()
        self.sample_label = QLabel()
        self.sample_label.setWordWrap(True)
        self.sample_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(_WARN_STYLE)
        self.preview = make_table(["手机号码", "客户", "短信内容", "字数", "计费条数"], 2)
        self.skipped_label = QLabel()
        self.skipped = make_table(["任务", "客户", "未导出的原因"], 2)
        self.skipped.setMaximumHeight(130)
        fill_table(self.skipped, [[f"#{s.task_id}", s.customer, s.reason] for s in self.found.skipped])
        self.skipped_label.setText(f"未导出 {len(self.found.skipped)} 个任务：")
        self.skipped_label.setVisible(bool(self.found.skipped))
        self.skipped.setVisible(bool(self.found.skipped))

        self.xlsx_button = QPushButton("导出为 Excel…")
        self.csv_button = QPushButton("导出为 CSV…")
        self.cancel_button = QPushButton("取消")
        self.xlsx_button.setDefault(True)
        self.xlsx_button.clicked.connect(lambda: self.export(".xlsx"))
        self.csv_button.clicked.connect(lambda: self.export(".csv"))
        self.cancel_button.clicked.connect(self.reject)
        for signal in (self.mode_combo.currentIndexChanged, self.signature_edit.textChanged, self.sign_check.toggled):
            signal.connect(lambda *_: self.refresh())

        self.setLayout(
            vbox(
                form(("回复方式", self.mode_combo), ("短信签名", self.signature_edit), ("", self.sign_check)),
                self.count_label,
                self.sample_label,
                self.warning_label,
                self.preview,
                self.skipped_label,
                self.skipped,
                hbox(None, self.xlsx_button, self.csv_button, self.cancel_button),
                spacing=8,
                margin=12,
            )
        )
        self.resize(900, 600)
        self.refresh()

    # -- preview
    def options(self) -> batch.Options:
        return batch.Options(self.mode_combo.currentData(), self.signature_edit.text().strip("【】 "), self.sign_check.isChecked())

    def refresh(self) -> None:
        options = self.options()
        signature_problem = ""
        try:
            texts.clean_signature(options.signature)
        except UserError as err:
            signature_problem = str(err)
        rows = batch.lines(self.found, options)
        long_rows = {n for n, line in enumerate(rows) if line.segments > 1}
        fill_table(
            self.preview,
            [[mask_phone(r.phone), r.customer, r.text, str(r.chars), str(r.segments)] for r in rows],
            LONG,
            long_rows,
        )
        parts = sum(r.segments for r in rows)
        self.count_label.setText(
            f"已选 {len(self.task_ids)} 个任务：导出 {len(rows)} 条短信（约 {parts} 条计费）"
            + (f"，{len(self.found.skipped)} 个任务不导出（见下方原因）" if self.found.skipped else "")
            + "。导出后这些任务登记为“经短信发出”。"
        )
        self.sample_label.setText(f"示例：{rows[0].text}" if rows else "没有可以发短信的任务。")
        notes = [n for n in (signature_problem, batch.length_warning(rows), *self.found.warnings) if n]
        if options.mode == texts.LINK:
            url_chars = len(rows[0].url) if rows else 0
            notes.append(
                f"链接只在能访问本机的网络中打开（如店内 Wi-Fi），请确认客户能连上；链接本身约占 {url_chars} 字。"
            )
        self.warning_label.setText("\n".join(notes))
        self.warning_label.setVisible(bool(notes))
        can_export = bool(rows) and not signature_problem
        self.xlsx_button.setEnabled(can_export)
        self.csv_button.setEnabled(can_export)

    # -- export
    def export(self, suffix: str) -> None:
        settings = QSettings()
        folder = str(settings.value(LAST_DIR_KEY, "") or Path.home())
        name = f"短信回访-{len(self.found.rows)}条{suffix}"
        path, _filter = QFileDialog.getSaveFileName(self, "保存短信批量文件", str(Path(folder) / name), FILTERS[suffix])
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        options, ids = self.options(), self.task_ids
        try:
            result = run_with_progress(
                self, "正在导出短信批量文件…", lambda report: batch.export_batch(ids, options, path, progress=report)
            )
        except UserError as err:
            show_error(self, str(err), "导出失败")
            return
        if result is None:
            return  # cancelled: nothing recorded, no file
        settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
        self.result = result
        self.accept()
