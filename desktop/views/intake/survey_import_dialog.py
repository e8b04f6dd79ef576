"""导入问卷星/腾讯问卷结果: the answer sheets a survey platform exported, as 线上问卷 visits.

Pick the file and the questionnaire template; the dialog shows which column answers which
question (matched by text, with how sure the match is) and which column finds the customer
(手机号 or 订单号/工单号) — each can be changed. 预览 runs the whole import and rolls it back, so
its counts are what 开始导入 will do; any change afterwards asks for a new preview. Both run off
the GUI thread with a progress dialog. The work is ``desktop.services.intake.survey_import``.
"""

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from desktop.services.common.errors import UserError
from desktop.services.intake import survey_import
from desktop.services.visits import templates as template_svc

from ..common.context import AppContext
from ..common.operations import run_with_progress
from ..common.widgets import MARGIN, hbox, show_error, vbox
from .import_view import choose_import_file, column_letter

NOT_USED = "（不导入）"
AUTO_TEMPLATE = "按列名自动选择"
SURE, CHECK, MISSING = QColor("#2e7d32"), QColor("#e65100"), QColor("#c62828")
SURE_SCORE = 0.9  # at or above: the header says the question; below: worth a look


class SurveyImportDialog(QDialog):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.source: survey_import.SurveySource | None = None
        self.result: survey_import.SurveyImportResult | None = None
        self.previewed = False
        self._filling = False
        self.setWindowTitle("导入问卷星/腾讯问卷结果")

        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(
            "问卷星“下载答卷数据”或腾讯问卷“导出数据”得到的 .xlsx / .xls / .csv"
        )
        self.choose_button = QPushButton("选择文件…")
        self.template_combo = QComboBox()
        self.template_combo.addItem(AUTO_TEMPLATE, None)
        for template in template_svc.active_templates():
            self.template_combo.addItem(template.label, template.id)
        self.file_info = QLabel("按选项文本或按分数导出的文件都可以；每份答卷按手机号或订单号找到客户。")
        self.file_info.setWordWrap(True)

        self.phone_combo = QComboBox()
        self.order_combo = QComboBox()
        self.feedback_combo = QComboBox()
        for combo in (self.phone_combo, self.order_combo, self.feedback_combo):
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)

        self.mapping_table = QTableWidget(0, 4)
        self.mapping_table.setHorizontalHeaderLabels(["题号", "问卷模板的题目", "文件中的列", "匹配"])
        self.mapping_table.verticalHeader().hide()
        header = self.mapping_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        self.mapping_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.mapping_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.mapping_table.setMinimumHeight(240)  # seven questions without scrolling
        self.mapping_note = QLabel()
        self.mapping_note.setWordWrap(True)
        self._combos: dict[int, QComboBox] = {}

        self.preview_button = QPushButton("预览")
        self.preview_button.setToolTip("按当前对应检查每一份答卷，不写入任何数据")
        self.import_button = QPushButton("开始导入")
        self.import_button.setToolTip("请先预览")
        self.import_button.setDefault(True)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.summary_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.problem_table = QTableWidget(0, 2)
        self.problem_table.setHorizontalHeaderLabels(["行号", "不能导入的原因"])
        self.problem_table.verticalHeader().hide()
        self.problem_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.problem_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.problem_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.problem_table.setWordWrap(True)
        self.problem_table.setMaximumHeight(170)  # the mapping keeps the room; the workbook has every row
        self.report_button = QPushButton("打开错误报告")
        self.close_button = QPushButton("关闭")

        mapping_box = QGroupBox("题目对应（按题目文字自动匹配，可逐题修改）")
        mapping_box.setLayout(
            vbox(
                hbox(
                    QLabel("手机号列："),
                    self.phone_combo,
                    QLabel("订单号/工单号列："),
                    self.order_combo,
                    QLabel("宝贵意见列："),
                    self.feedback_combo,
                    None,
                ),
                self.mapping_note,
                self.mapping_table,
                margin=MARGIN,
            )
        )
        result_box = QGroupBox("预览与结果")
        result_box.setLayout(vbox(self.summary_label, self.problem_table, margin=MARGIN))
        self.setLayout(
            vbox(
                hbox(
                    QLabel("文件："),
                    self.file_edit,
                    self.choose_button,
                    QLabel("问卷模板："),
                    self.template_combo,
                ),
                self.file_info,
                mapping_box,
                result_box,
                hbox(self.preview_button, self.import_button, None, self.report_button, self.close_button),
                margin=MARGIN,
            )
        )
        self.layout().setStretch(2, 3)
        self.layout().setStretch(3, 1)
        self.resize(980, 680)

        self.choose_button.clicked.connect(self.choose_file)
        self.template_combo.currentIndexChanged.connect(self._on_template)
        self.phone_combo.currentIndexChanged.connect(lambda _i: self._on_customer_column())
        self.order_combo.currentIndexChanged.connect(lambda _i: self._on_customer_column())
        self.feedback_combo.currentIndexChanged.connect(lambda _i: self._on_customer_column())
        self.preview_button.clicked.connect(self.preview)
        self.import_button.clicked.connect(self.start_import)
        self.report_button.clicked.connect(self.open_report)
        self.close_button.clicked.connect(self.reject)
        self._show_source()

    # ------------------------------------------------------------ the file
    def choose_file(self) -> None:
        path = choose_import_file(self, "选择问卷星/腾讯问卷导出的文件")
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> bool:
        template_id = self.template_combo.currentData()  # None: the one the columns answer best
        try:
            source = run_with_progress(
                self, "正在读取文件…", lambda report: survey_import.open_survey(path, template_id)
            )
        except UserError as err:
            show_error(self, str(err), "无法读取文件")
            return False
        if source is None:
            return False
        self.source = source
        self.file_edit.setText(str(path))
        self._show_source()
        return True

    def _on_template(self) -> None:
        if self.source is None or self._filling:
            return
        chosen = self.template_combo.currentData()
        try:
            self.source.set_template(
                chosen if chosen is not None else survey_import.best_template(self.source)
            )
        except UserError as err:
            show_error(self, str(err))
        self._show_source()

    # ------------------------------------------------------------ the mapping
    def _column_items(self, combo: QComboBox, chosen: int | None, columns: list[int]) -> None:
        names = self.source.column_names if self.source else []
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(NOT_USED, None)
        for col in columns:
            combo.addItem(f"{column_letter(col)} 列 · {names[col]}", col)
        combo.setCurrentIndex(combo.findData(chosen) if chosen is not None else 0)
        combo.setEnabled(self.source is not None)
        combo.blockSignals(False)

    def _show_source(self) -> None:
        source = self.source
        auto = False
        self._filling = True
        try:
            all_columns = list(range(len(source.headers))) if source else []
            self._column_items(self.phone_combo, source.phone_column if source else None, all_columns)
            self._column_items(self.order_combo, source.order_column if source else None, all_columns)
            self._column_items(self.feedback_combo, source.feedback_column if source else None, all_columns)
            self._fill_mapping()
            if source is not None:
                auto = self.template_combo.currentData() is None
                self.template_combo.setCurrentIndex(self.template_combo.findData(source.template_id))
        finally:
            self._filling = False
        if source is not None:
            self.file_info.setText(
                f"{source.platform}导出 · {Path(source.path).name}：表头在第 {source.header_row + 1} 行，"
                f"共 {source.count_data_rows()} 份答卷。"
                + ("已按列名选择最匹配的问卷模板，可在右上角更改。" if auto else "")
            )
        self._changed()

    def _fill_mapping(self) -> None:
        source = self.source
        rows = source.mapping_rows() if source else []
        columns = source.answer_columns() if source else []
        for combo in self._combos.values():
            combo.hide()  # deleted later by the table; not painted over the new rows meanwhile
        self._combos.clear()
        table = self.mapping_table
        table.setRowCount(0)
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            number = QTableWidgetItem(f"第{row['number']}题" + (" *" if row["required"] else ""))
            table.setItem(r, 0, number)
            question = QTableWidgetItem(row["question"])
            question.setToolTip(row["question"])
            table.setItem(r, 1, question)
            combo = QComboBox()
            self._column_items(combo, row["column"], columns)
            qid = source.questions[row["number"] - 1].id
            combo.currentIndexChanged.connect(lambda _i, qid=qid: self._on_question_column(qid))
            table.setCellWidget(r, 2, combo)
            self._combos[qid] = combo
            table.setItem(r, 3, self._score_item(row))

    @staticmethod
    def _score_item(row: dict) -> QTableWidgetItem:
        score = row["score"]
        if row["column"] is None:
            item = QTableWidgetItem("未对应" + ("（必答）" if row["required"] else ""))
            item.setForeground(QBrush(MISSING if row["required"] else CHECK))
        elif score is not None and score >= SURE_SCORE:
            item = QTableWidgetItem(f"✓ {score:.0%}")
            item.setForeground(QBrush(SURE))
        else:
            item = QTableWidgetItem(f"请核对 {score or 0:.0%}")
            item.setForeground(QBrush(CHECK))
        item.setToolTip("题目文字与列名的相似程度")
        return item

    def _on_question_column(self, question_id: int) -> None:
        if self.source is None or self._filling:
            return
        self.source.set_column(question_id, self._combos[question_id].currentData())
        self._filling = True
        try:
            self._fill_mapping()  # a column taken from another question shows there too
        finally:
            self._filling = False
        self._changed()

    def _on_customer_column(self) -> None:
        if self.source is None or self._filling:
            return
        self.source.phone_column = self.phone_combo.currentData()
        self.source.order_column = self.order_combo.currentData()
        self.source.feedback_column = self.feedback_combo.currentData()
        self._changed()

    def _changed(self) -> None:
        """Anything changed: the last preview no longer holds."""
        source = self.source
        self.previewed = False
        self.result = None
        self.import_button.setEnabled(False)
        self.report_button.setEnabled(False)
        self.problem_table.setRowCount(0)
        self.problem_table.hide()  # shown with a preview's or import's refused sheets
        self.preview_button.setEnabled(source is not None and source.problem() is None)
        if source is None:
            self.mapping_note.setText("选择文件后，按题目文字自动找出每道题的答案列。")
            self.summary_label.setText("")
            return
        missing = source.unmapped_required()
        note = f"已对应 {len(source.mapping)} / {len(source.questions)} 道题。"
        if missing:
            note += (
                f"必答的{'、'.join(missing)}没有对应的列：这些答卷会被拒绝，请为它们选择列或换一个问卷模板。"
            )
        self.mapping_note.setText(note)
        self.summary_label.setText(source.problem() or "请点“预览”查看将导入多少条回访记录。")

    # ------------------------------------------------------------ preview and import
    def _run(self, dry_run: bool) -> survey_import.SurveyImportResult | None:
        source = self.source
        title = "正在预览…" if dry_run else "正在导入答卷…"
        try:
            return run_with_progress(
                self,
                title,
                lambda report: survey_import.import_survey(source, dry_run=dry_run, progress=report),
            )
        except UserError as err:
            show_error(self, str(err), "预览失败" if dry_run else "导入失败")
            return None

    def preview(self) -> None:
        if self.source is None:
            return
        result = self._run(True)
        if result is None:
            return
        self._show_result(result)
        self.previewed = True
        self.import_button.setEnabled(result.imported > 0)
        self.import_button.setToolTip("按预览的结果写入回访记录" if result.imported else "没有可导入的答卷")

    def start_import(self) -> None:
        if self.source is None or not self.previewed:
            return
        result = self._run(False)
        if result is None:
            self.summary_label.setText("导入没有完成，没有写入任何数据。")
            return
        self.result = result
        self._show_result(result)
        self.previewed = False
        self.import_button.setEnabled(False)
        self.report_button.setEnabled(result.report is not None)
        if result.report is not None:
            self.report_button.setToolTip(str(result.report))
        if result.imported:
            self.ctx.events.visits_changed.emit()
        self.ctx.events.status_message.emit(result.summary().split("\n")[0])

    def _show_result(self, result: survey_import.SurveyImportResult) -> None:
        self.summary_label.setText(result.summary())
        table = self.problem_table
        table.setRowCount(len(result.problems))
        for r, (row_no, reason) in enumerate(result.problems):
            number = QTableWidgetItem(str(row_no))
            number.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            table.setItem(r, 0, number)
            item = QTableWidgetItem(reason)
            item.setForeground(QBrush(MISSING))
            item.setToolTip(reason)
            table.setItem(r, 1, item)
        table.resizeRowsToContents()
        table.setVisible(bool(result.problems))

    def open_report(self) -> None:
        if self.result is not None and self.result.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.report)))
