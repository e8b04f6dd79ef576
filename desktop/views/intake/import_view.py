"""导入数据: customers or service orders from .xlsx / .xls / .csv.

Choose what to import and the file; the page finds the header row and which column feeds which
field (remembered from last time for the same layout), shows what the first rows would become,
then imports off the GUI thread with a progress dialog. Rejected rows go to an error report the
user can open, fix and import again. All the work is in ``desktop.services.intake.importer``.
"""

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.services.common.errors import UserError
from desktop.services.intake import import_mapping as im
from desktop.services.intake import importer

from ..common.context import AppContext
from ..common.operations import run_with_progress
from ..common.widgets import MARGIN, hbox, heading, show_error, vbox

LAST_DIR_KEY = "import/last_dir"
FILE_FILTER = "表格文件 (*.xlsx *.xls *.xlsm *.ods *.csv *.txt);;所有文件 (*)"
NOT_IMPORTED = "（不导入）"
ERROR_COLOR = QColor("#c62828")
UPDATE_COLOR = QColor("#1565c0")
MUTED_COLOR = QColor("#888888")
MAPPED_BACKGROUND = QColor("#eef5ff")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (as the spreadsheet names its columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def choose_import_file(parent, title: str) -> str | None:
    """A spreadsheet to import, starting in the folder the last one came from (remembered)."""
    settings = QSettings()
    start = settings.value(LAST_DIR_KEY, str(Path.home()))
    path, _filter = QFileDialog.getOpenFileName(parent, title, start, FILE_FILTER)
    if not path:
        return None
    settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
    return path


class ImportView(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.source: importer.ImportSource | None = None
        self.result: importer.ImportResult | None = None
        self._updating = False

        self.kind_combo = QComboBox()
        for kind, label in im.KINDS.items():
            self.kind_combo.addItem(label, kind)
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText("请选择 .xlsx、.xls 或 .csv 文件（UTF-8 或 GBK 编码均可）")
        self.choose_button = QPushButton("选择文件…")
        self.survey_button = QPushButton("导入问卷星/腾讯问卷结果…")
        self.survey_button.setToolTip("把问卷星、腾讯问卷导出的答卷导入为线上问卷回访记录")
        self.survey_dialog = None

        self.header_spin = QSpinBox()
        self.header_spin.setRange(1, 1)
        self.header_spin.setEnabled(False)
        self.header_spin.setToolTip("表头（列名）所在的行；标题行、空行在它上面会被跳过")
        self.update_radio = QRadioButton("更新已有记录")
        self.skip_radio = QRadioButton("跳过已有记录")
        self.update_radio.setChecked(True)
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.update_radio)
        self.mode_group.addButton(self.skip_radio)
        self.update_radio.setToolTip("客户编号/工单号已存在时，用文件中的非空内容更新它")
        self.skip_radio.setToolTip("客户编号/工单号已存在时，保留数据库中的内容不变")
        self.mapping_note = QLabel()
        self.mapping_note.setStyleSheet("color: #666;")
        self.mapping_note.setWordWrap(True)

        self.mapping_table = QTableWidget(0, 2)
        self.mapping_table.setHorizontalHeaderLabels(["字段", "文件中的列"])
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.mapping_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.mapping_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.mapping_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self._combos: dict[str, QComboBox] = {}

        self.preview_table = QTableWidget(0, 0)
        self.preview_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview_table.verticalHeader().hide()
        self.preview_table.setAlternatingRowColors(True)
        self.preview_table.horizontalHeader().setDefaultSectionSize(110)
        self.preview_info = QLabel(
            "尚未选择文件。支持 .xlsx、.xls 和 .csv（UTF-8 或 GBK 编码）；表头上方的标题行、空行会自动跳过，"
            "有问题的行会写入错误报告，改好后可以再次导入。"
        )
        self.preview_info.setWordWrap(True)

        self.import_button = QPushButton("开始导入")
        self.import_button.setEnabled(False)
        self.import_button.setDefault(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.report_button = QPushButton("打开错误报告")
        self.report_button.setEnabled(False)

        mapping_box = QGroupBox("列对应（* 为必需）")
        mapping_box.setLayout(vbox(self.mapping_note, self.mapping_table, margin=MARGIN))
        preview_box = QGroupBox(f"预览（前 {importer.PREVIEW_ROWS} 行）")
        preview_box.setLayout(vbox(self.preview_info, self.preview_table, margin=MARGIN))
        splitter = QSplitter()
        splitter.addWidget(mapping_box)
        splitter.addWidget(preview_box)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 700])
        splitter.setChildrenCollapsible(False)

        bottom = hbox(self.import_button, self.result_label, self.report_button, spacing=12)
        bottom.setStretch(1, 1)
        self.setLayout(
            vbox(
                hbox(heading("导入数据"), None, self.survey_button),
                hbox(QLabel("导入："), self.kind_combo, QLabel("文件："), self.file_edit, self.choose_button),
                hbox(
                    QLabel("表头在第"),
                    self.header_spin,
                    QLabel("行"),
                    QLabel("    编号已存在时："),
                    self.update_radio,
                    self.skip_radio,
                    None,
                ),
                splitter,
                bottom,
                margin=MARGIN,
            )
        )
        self.layout().setStretch(3, 1)

        self.choose_button.clicked.connect(self.choose_file)
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.header_spin.valueChanged.connect(self._on_header_row)
        self.mode_group.buttonToggled.connect(lambda _b, on: on and self.refresh_preview())
        self.import_button.clicked.connect(self.start_import)
        self.report_button.clicked.connect(self.open_report)
        self.survey_button.clicked.connect(self.open_survey_import)
        self._fill_mapping_table()

    # ------------------------------------------------------------ page protocol
    def open_with(self, kind: str | None = None, path: str | None = None, **_kwargs) -> None:
        if kind in im.KINDS:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        if path:
            self.load_file(path)

    # ------------------------------------------------------------ state
    @property
    def kind(self) -> str:
        return self.kind_combo.currentData()

    @property
    def mode(self) -> str:
        return "skip" if self.skip_radio.isChecked() else "update"

    # ------------------------------------------------------------ choosing and reading the file
    def choose_file(self) -> None:
        path = choose_import_file(self, "选择要导入的文件")
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> bool:
        kind = self.kind
        try:
            source = run_with_progress(self, "正在读取文件…", lambda report: importer.open_source(path, kind))
        except UserError as err:
            show_error(self, str(err), "无法读取文件")
            return False
        if source is None:
            return False
        self.source = source
        self.result = None
        self.file_edit.setText(str(path))
        self.result_label.clear()
        self.report_button.setEnabled(False)
        self._show_source()
        return True

    def _show_source(self) -> None:
        source = self.source
        self._updating = True
        try:
            self.header_spin.setEnabled(source is not None)
            if source is not None:
                self.header_spin.setRange(1, max(1, min(len(source.rows), im.HEADER_SCAN_ROWS)))
                self.header_spin.setValue(source.header_row + 1)
        finally:
            self._updating = False
        self._fill_mapping_table()
        self.refresh_preview()

    def _on_kind(self) -> None:
        if self.source is not None:
            self.source.set_kind(self.kind)
        self._show_source()

    def _on_header_row(self, value: int) -> None:
        if self._updating or self.source is None:
            return
        self.source.set_header_row(value - 1)
        self._fill_mapping_table()
        self.refresh_preview()

    # ------------------------------------------------------------ the mapping table
    def _fill_mapping_table(self) -> None:
        fields = im.fields_of(self.kind)
        names = self.source.column_names if self.source else []
        mapping = self.source.mapping if self.source else {}
        self._combos.clear()
        self.mapping_table.setRowCount(len(fields))
        for row, spec in enumerate(fields):
            label = QTableWidgetItem(f"{spec.label} *" if spec.required else spec.label)
            if spec.required:
                font = label.font()
                font.setBold(True)
                label.setFont(font)
            self.mapping_table.setItem(row, 0, label)
            combo = QComboBox()
            combo.addItem(NOT_IMPORTED, None)
            for col, name in enumerate(names):
                combo.addItem(f"{column_letter(col)} 列 · {name}", col)
            chosen = mapping.get(spec.key)
            combo.setCurrentIndex(combo.findData(chosen) if chosen is not None else 0)
            combo.setEnabled(self.source is not None)
            combo.currentIndexChanged.connect(lambda _i, key=spec.key: self._on_mapping(key))
            self.mapping_table.setCellWidget(row, 1, combo)
            self._combos[spec.key] = combo
        if self.source is None:
            self.mapping_note.setText("选择文件后自动识别表头。")
        elif self.source.remembered:
            self.mapping_note.setText("已沿用上次为同样表头保存的列对应。")
        else:
            self.mapping_note.setText("已按表头自动对应，可逐项修改。")

    def _on_mapping(self, key: str) -> None:
        if self.source is None:
            return
        col = self._combos[key].currentData()
        if col is None:
            self.source.mapping.pop(key, None)
        else:
            self.source.mapping[key] = col
        self.refresh_preview()

    # ------------------------------------------------------------ the preview
    def refresh_preview(self) -> None:
        table = self.preview_table
        source = self.source
        if source is None:
            table.setRowCount(0)
            table.setColumnCount(0)
            self.import_button.setEnabled(False)
            return
        rows = source.preview(mode=self.mode)
        names = source.column_names
        fed = {col: key for key, col in source.mapping.items()}
        labels = {f.key: f.label for f in im.fields_of(source.kind)}
        table.clear()
        table.setColumnCount(2 + len(names))
        table.setRowCount(len(rows))
        headers = ["行号", "检查结果"]
        for col, name in enumerate(names):
            key = fed.get(col)
            headers.append(f"{name}\n→ {labels[key]}" if key else f"{name}\n（不导入）")
        table.setHorizontalHeaderLabels(headers)
        for r, prow in enumerate(rows):
            number = QTableWidgetItem(str(prow.row_no))
            number.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            table.setItem(r, 0, number)
            status = QTableWidgetItem(f"错误：{prow.reason}" if prow.status == "错误" else prow.status)
            if prow.status == "错误":
                status.setForeground(QBrush(ERROR_COLOR))
                status.setToolTip(prow.reason.replace(";", "\n"))
            elif prow.status != "新增":
                status.setForeground(QBrush(UPDATE_COLOR))
            table.setItem(r, 1, status)
            for col, text in enumerate(prow.cells[: len(names)]):
                item = QTableWidgetItem(text)
                if col in fed:
                    item.setBackground(QBrush(MAPPED_BACKGROUND))
                else:
                    item.setForeground(QBrush(MUTED_COLOR))
                table.setItem(r, 2 + col, item)
        table.setColumnWidth(0, 50)
        table.setColumnWidth(1, 220)
        total = source.count_data_rows()
        missing = source.missing_required()
        info = f"{Path(source.path).name}：表头在第 {source.header_row + 1} 行，其下有 {total} 行数据。"
        if missing:
            info += f"缺少必需的列：{'、'.join(missing)}，请在左侧为它选择一列。"
        self.preview_info.setText(info)
        self.import_button.setEnabled(not missing and total > 0)

    # ------------------------------------------------------------ importing
    def start_import(self) -> None:
        source = self.source
        if source is None:
            return
        missing = source.missing_required()
        if missing:
            show_error(self, f"缺少必需的列：{'、'.join(missing)}。请在“列对应”中为它选择文件中的列。")
            return
        mode = self.mode
        try:
            result = run_with_progress(
                self,
                f"正在导入{im.KINDS[source.kind]}…",
                lambda report: importer.import_source(source, mode=mode, progress=report),
            )
        except UserError as err:
            show_error(self, str(err), "导入失败")
            return
        if result is None:
            self.result_label.setText("已取消导入，没有写入任何数据。")
            return
        self.result = result
        self.result_label.setText(result.summary().split("\n")[0] + "".join(f"\n{n}" for n in result.notes))
        self.report_button.setEnabled(result.report is not None)
        if result.report is not None:
            self.report_button.setToolTip(str(result.report))
        if source.kind == "customers" or result.customers_created:
            self.ctx.events.customers_changed.emit()
        if source.kind == "orders":
            self.ctx.events.orders_changed.emit()
        self.ctx.events.status_message.emit(result.summary().split("\n")[0])
        self.refresh_preview()

    def open_survey_import(self) -> None:
        """The survey-platform import, in a window of its own (window-modal, not blocking)."""
        from .survey_import_dialog import SurveyImportDialog

        if self.survey_dialog is not None:
            self.survey_dialog.deleteLater()
        self.survey_dialog = SurveyImportDialog(self.ctx, self)
        self.survey_dialog.setAttribute(Qt.WA_DeleteOnClose, False)
        self.survey_dialog.open()

    def open_report(self) -> None:
        if self.result is not None and self.result.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.report)))
