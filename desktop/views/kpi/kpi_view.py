"""质量评价 page — 表1 售后服务质量评价表.

Left: the scorecards (评价周期, 评价对象, 总分, 等级). Right, tab 评价表: the selected scorecard as
a draft laid out like 表1 (一级指标 merged over its group | 二级指标 | 权重 | 目标值 | 实际值 | 得分 |
备注(未达标原因) | 来源 | 操作), edited by typing in the cells; scores, the 权重合计 label, the
total and the grade follow every keystroke-committed edit. 保存 writes the draft (refused while
weights ≠ 100), 放弃修改 reloads it. 刷新实际值 fills the computed indicators from the period's data.
Rows scoring below 80% of their weight are tinted and offer 转为改进措施; qualitative rows offer
评审打分. Tab 两期对比 sets another scorecard beside this one. 打印预览 / 导出PDF print the draft.

``open_with(scorecard_id=...)`` selects a scorecard.

This module holds the page: it loads and saves the draft and ties its parts together —
``kpi_list`` (the scorecards), ``kpi_table`` (the 表1 table), ``kpi_input`` (所选指标 panel,
新建 / 评审打分 dialogs), ``kpi_compare`` (两期对比), ``kpi_print`` (preview and PDF).
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from desktop.services.admin import accounts
from desktop.services.common.errors import StaleEdit, UserError
from desktop.services.kpi import automatic, flags, kpi, scopes

from ..common import merge_dialog
from ..common.context import AppContext
from ..common.widgets import (
    MARGIN,
    READ_ONLY_STYLE,
    confirm,
    deny_tooltip,
    gate,
    hbox,
    heading,
    show_error,
    show_read_only,
    vbox,
)
from ..printing import kpi_print
from .kpi_compare import ComparePanel
from .kpi_input import IndicatorDetailBox, NewScorecardDialog, ReviewerDialog
from .kpi_list import ScorecardList
from .kpi_style import AMBER, RED, big_label, grade_color
from .kpi_table import (
    COL_ACTION,
    COL_ACTUAL,
    COL_LEVEL2,
    COL_SCORE,
    COL_WEIGHT,
    IndicatorModel,
    IndicatorTable,
)

# names other modules and the tests import from here
__all__ = [
    "COL_ACTION",
    "COL_ACTUAL",
    "COL_LEVEL2",
    "COL_SCORE",
    "COL_WEIGHT",
    "KpiView",
    "NewScorecardDialog",
    "ReviewerDialog",
]


class KpiView(QWidget):
    """Page "kpi" (质量评价)."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.draft: kpi.ScorecardData | None = None
        self.dirty = False
        self._summaries: list[kpi.ScorecardSummary] = []
        self._actions: dict[int, int] = {}  # indicator id → improvement action made from it
        self._loading = False

        self.scorecards = ScorecardList()

        # right, tab 1: the editor
        self.title_label = heading("表1 售后服务质量评价表")
        self.period_edit = QLineEdit()
        self.period_edit.setMaximumWidth(200)
        self.span_label = QLabel()
        self.target_combo = QComboBox()
        self.target_combo.setEditable(True)
        self.target_combo.setMinimumWidth(160)
        self.target_view = QLineEdit()  # 评价对象 to read, in place of the combo (只读)
        self.target_view.setReadOnly(True)
        self.target_view.setMinimumWidth(160)
        self.target_view.hide()
        self.kind_label = QLabel()  # 评价范围 (班组 / 服务类型 / 新老客户): set when the scorecard is made
        self.add_button = QPushButton("添加指标")
        self.remove_button = QPushButton("删除指标")
        self.up_button = QPushButton("上移")
        self.down_button = QPushButton("下移")
        self.refresh_button = QPushButton("刷新实际值")
        self.refresh_button.setToolTip(
            "按本期、本评价对象的数据重新计算客户满意度、投诉处理及时率、问题一次性解决率"
        )
        self.model = IndicatorModel(self)
        self.model.confirm = lambda question: confirm(self, question, "实际值超过 100%")
        self.table = IndicatorTable(self.model)
        self.detail = IndicatorDetailBox()

        self.weight_label = QLabel()
        wfont = self.weight_label.font()
        wfont.setPointSizeF(wfont.pointSizeF() * 1.15)
        wfont.setBold(True)
        self.weight_label.setFont(wfont)
        self.total_label = big_label()
        self.grade_label = big_label()
        self.incomplete_label = QLabel()
        self.incomplete_label.setStyleSheet(f"color: {AMBER};")
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.dirty_label = QLabel()
        self.dirty_label.setStyleSheet(f"color: {AMBER};")
        self.save_button = QPushButton("保存")
        self.save_button.setDefault(True)
        self.revert_button = QPushButton("放弃修改")
        self.compare_button = QPushButton("两期对比")
        self.preview_button = QPushButton("打印预览")
        self.pdf_button = QPushButton("导出PDF")

        editor = QWidget()
        editor.setLayout(
            vbox(
                hbox(
                    self.title_label,
                    None,
                    QLabel("评价周期"),
                    self.period_edit,
                    self.span_label,
                    self.kind_label,
                    QLabel("评价对象"),
                    self.target_combo,
                    self.target_view,
                ),
                hbox(
                    self.add_button,
                    self.remove_button,
                    self.up_button,
                    self.down_button,
                    None,
                    self.refresh_button,
                ),
                self.table,
                self.detail,
                hbox(self.weight_label, None, self.incomplete_label, self.total_label, self.grade_label),
                self.message_label,
                hbox(
                    self.save_button,
                    self.revert_button,
                    self.dirty_label,
                    None,
                    self.compare_button,
                    self.preview_button,
                    self.pdf_button,
                ),
                margin=MARGIN,
            )
        )

        # right, tab 2: two periods
        self.compare = ComparePanel()

        # who may change scorecards (主管); others look, compare and print
        self.may_manage = gate(
            accounts.MANAGE,
            self.add_button,
            self.remove_button,
            self.up_button,
            self.down_button,
            self.refresh_button,
            self.save_button,
            self.revert_button,
            self.scorecards.new_button,
            self.scorecards.delete_button,
            what="修改质量评价",
        )
        if not self.may_manage:  # 评价周期 and 评价对象 read as text, not as boxes to fill in
            self.scorecards.may_change = False
            self.period_edit.setReadOnly(True)
            self.target_combo.setEnabled(False)
            self.target_combo.hide()
            self.target_view.show()
            self.table.set_read_only()
            self.detail.set_read_only(deny_tooltip(accounts.MANAGE, "修改质量评价"))
            self.setStyleSheet(READ_ONLY_STYLE)

        self.tabs = QTabWidget()
        self.tabs.addTab(editor, "评价表")
        self.tabs.addTab(self.compare, "两期对比")
        self.empty_label = QLabel(
            "还没有质量评价表。点左侧“新建评价表…”，按季度为班组打分。"
            if self.may_manage
            else "还没有质量评价表（由主管按季度新建）。"
        )
        self.empty_label.setAlignment(Qt.AlignCenter)

        splitter = QSplitter()
        splitter.addWidget(self.scorecards)
        right = QWidget()
        right.setLayout(vbox(self.tabs, self.empty_label))
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 1000])
        splitter.setChildrenCollapsible(False)
        self.setLayout(vbox(splitter, margin=MARGIN))

        # wiring
        self.scorecards.picked.connect(self._on_list_selection)
        self.scorecards.new_button.clicked.connect(self.new_scorecard)
        self.scorecards.delete_button.clicked.connect(self.delete_scorecard)
        self.period_edit.textEdited.connect(self._on_period_edited)
        self.target_combo.editTextChanged.connect(self._on_target_edited)
        self.add_button.clicked.connect(self.add_indicator)
        self.remove_button.clicked.connect(self.remove_indicator)
        self.up_button.clicked.connect(lambda: self.move_indicator(-1))
        self.down_button.clicked.connect(lambda: self.move_indicator(1))
        self.refresh_button.clicked.connect(self.refresh_actuals)
        self.model.edited.connect(self._on_edited)
        self.model.rejected.connect(self._on_rejected)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        self.table.review_requested.connect(self.edit_reviewers)
        self.table.action_requested.connect(self.to_action)
        self.detail.row_changed.connect(self.model.changed)
        self.detail.definition_edited.connect(lambda: self._set_dirty(True))
        self.detail.reviewers_clicked.connect(lambda: self.edit_reviewers(self.current_row()))
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        self.compare_button.clicked.connect(lambda: self.tabs.setCurrentIndex(1))
        self.preview_button.clicked.connect(self.print_preview)
        self.pdf_button.clicked.connect(self.export_pdf)
        self.compare.combo.currentIndexChanged.connect(lambda _i: self.show_comparison())
        self.tabs.currentChanged.connect(lambda _i: self.show_comparison())

        self.reload_list()

    # ------------------------------------------------------------ page protocol
    def on_shown(self) -> None:
        if not self.dirty:
            self.reload_list(self.draft.id if self.draft else None)

    def open_with(self, scorecard_id: int | None = None, **_kwargs) -> None:
        current = self.draft.id if self.draft else None
        if self.dirty and scorecard_id != current:
            if not confirm(self, "当前评价表有未保存的修改，打开另一张将放弃这些修改。继续吗？"):
                return
            self.dirty = False
        self.reload_list(scorecard_id)

    # ------------------------------------------------------------ the list
    def reload_list(self, select_id: int | None = None) -> None:
        if select_id is None and self.draft is not None:
            select_id = self.draft.id
        self._summaries = kpi.list_scorecards()
        self.scorecards.fill(self._summaries)
        ids = [s.id for s in self._summaries]
        has_cards = bool(ids)
        self.tabs.setVisible(has_cards)
        self.empty_label.setVisible(not has_cards)
        if not has_cards:
            self.draft = None
            self.dirty = False
            return
        card_id = select_id if select_id in ids else ids[0]
        self.scorecards.select(card_id)
        self.load(card_id)

    def _on_list_selection(self) -> None:
        card_id = self.scorecards.selected_id()
        if card_id is None or (self.draft is not None and card_id == self.draft.id):
            return
        if self.dirty and not confirm(self, "当前评价表有未保存的修改，切换后将放弃这些修改。继续吗？"):
            self.scorecards.select(self.draft.id if self.draft else None)
            return
        self.load(card_id)

    def new_scorecard(self) -> None:
        if self.dirty and not confirm(self, "当前评价表有未保存的修改，新建后将放弃这些修改。继续吗？"):
            return
        if self.draft:
            dialog = NewScorecardDialog(self, self.draft.target, self.draft.scope_kind)
        else:
            dialog = NewScorecardDialog(self)
        if dialog.exec() != QDialog.Accepted:
            return
        period, target, indicators, kind = dialog.values()
        try:
            card = kpi.create_scorecard(period, target, indicators, scope_kind=kind)
        except UserError as err:
            show_error(self, str(err), "无法新建评价表")
            return
        self.dirty = False
        self.reload_list(card.id)
        self.ctx.events.status_message.emit(
            f"已新建质量评价表：{card.period} {scopes.target_text(card.scope_kind, card.target)}"
        )

    def delete_scorecard(self) -> None:
        if self.draft is None or self.draft.id is None:
            return
        name = f"{self.draft.period}“{self.draft.target_label}”"
        if not confirm(self, f"删除质量评价表 {name}？其指标和评审分将一并删除，已转入的改进措施保留。"):
            return
        kpi.delete_scorecard(self.draft.id)
        self.draft = None
        self.dirty = False
        self.reload_list()

    # ------------------------------------------------------------ loading the editor
    def load(self, card_id: int) -> None:
        try:
            self.draft = kpi.load(card_id)
        except UserError as err:
            show_error(self, str(err))
            self.draft = None
            return
        self._show_draft()

    def _show_draft(self) -> None:
        """Fill the editor from ``self.draft`` (as loaded, or as merged by 对照修改)."""
        self._loading = True
        self.period_edit.setText(self.draft.period)
        self.target_combo.clear()
        choices = kpi.target_choices(self.draft.scope_kind)
        if self.draft.target not in choices:
            choices.insert(0, self.draft.target)
        self.target_combo.addItems(choices)
        self.target_combo.setCurrentText(self.draft.target)
        self.target_view.setText(self.draft.target_label)
        self.kind_label.setText(f"评价范围：{scopes.KINDS[self.draft.scope_kind]}")
        self.target_view.setCursorPosition(0)
        self._loading = False
        self._actions = flags.actions_of(self.draft.rows)
        self.model.basis = {}
        self.model.set_rows(self.draft.rows)
        self.message_label.setText("")
        self._set_dirty(False)
        self._after_change()
        if self.draft.rows:
            self.table.selectRow(0)
        self._show_detail()
        self.compare.fill_choices(self.draft, self._summaries)
        self.show_comparison()

    def may_leave(self) -> bool:
        """The main window asks before the page is dropped (切换用户): unsaved changes?"""
        return not self.dirty or confirm(self, "质量评价表有未保存的修改，放弃这些修改吗？", "未保存")

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.dirty_label.setText("● 有未保存的修改" if dirty else "")
        self.revert_button.setEnabled(dirty and self.may_manage)

    # ------------------------------------------------------------ live figures
    def _after_change(self) -> None:
        """Spans, row buttons, 权重合计, total and grade after any change of the draft."""
        if self.draft is None:
            return
        self.table.merge_groups()
        self.table.show_row_buttons(self._actions)
        total = self.draft.weight_total
        ok = self.draft.weights_ok
        self.weight_label.setText(f"权重合计 {kpi.num(total)} / {kpi.num(kpi.WEIGHT_TOTAL)}")
        self.weight_label.setStyleSheet("" if ok else f"color: {RED};")
        self.weight_label.setToolTip("" if ok else f"权重合计为 {kpi.num(total)}，应为 100，改好后才能保存")
        self.total_label.setText(f"总分 {kpi.score_text(self.draft.total)}")
        grade = self.draft.grade
        self.grade_label.setText(f"等级 {grade}")
        self.grade_label.setStyleSheet(f"color: {grade_color(grade).name()};")
        missing = self.draft.unscored
        self.incomplete_label.setText(
            f"{len(missing)} 项尚无得分（未计入总分），全部有得分后评定等级" if missing else ""
        )
        self.table.resizeRowsToContents()
        if self.tabs.currentIndex() == 1:
            self.show_comparison()

    # ------------------------------------------------------------ editing
    def current_row(self) -> kpi.IndicatorRow | None:
        index = self.table.currentIndex()
        if self.draft is None or not index.isValid() or index.row() >= len(self.draft.rows):
            return None
        return self.draft.rows[index.row()]

    def _on_edited(self) -> None:
        self._set_dirty(True)
        self.message_label.setText("")
        self._after_change()
        self._show_detail()

    def _on_rejected(self, message: str) -> None:
        self.message_label.setStyleSheet(f"color: {RED};")
        self.message_label.setText(message)

    def _on_period_edited(self, text: str) -> None:
        if self.draft is None or self._loading:
            return
        self.draft.period = text.strip()
        period = kpi.period_of(text)
        self.span_label.setText(period.span if period else "")
        self.span_label.setStyleSheet("" if period else f"color: {RED};")
        if period is None:
            self.span_label.setText("周期格式不对")
            self.span_label.setToolTip(kpi.PERIOD_HINT)
        self._set_dirty(True)

    def _on_target_edited(self, text: str) -> None:
        if self.draft is None or self._loading:
            return
        self.draft.target = text.strip()
        self._set_dirty(True)

    def _show_detail(self) -> None:
        row = self.current_row()
        self.remove_button.setEnabled(row is not None and self.may_manage)
        period = self.draft.period_info if self.draft else None
        if period is not None and not self._loading:
            self.span_label.setText(period.span)
            self.span_label.setStyleSheet("")
        self.detail.show_row(row)

    def add_indicator(self) -> None:
        if self.draft is None:
            return
        current = self.current_row()
        position = self.table.currentIndex().row() + 1 if current is not None else len(self.draft.rows)
        level1 = current.level1 if current is not None else kpi.LEVEL1_CHOICES[0]
        self.model.insert(position, kpi.IndicatorRow(level1, "新指标", 0))
        index = self.model.index(position, COL_LEVEL2)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def remove_indicator(self) -> None:
        index = self.table.currentIndex()
        if self.draft is None or not index.isValid():
            return
        self.model.remove(index.row())
        if self.draft.rows:
            self.table.selectRow(min(index.row(), len(self.draft.rows) - 1))

    def move_indicator(self, delta: int) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        if self.model.move(index.row(), delta):
            self.table.selectRow(index.row() + delta)

    def set_cell(self, row: int, col: int, text: str) -> bool:
        """Put ``text`` in a cell as if typed (used by the row editor and tests)."""
        return self.model.setData(self.model.index(row, col), text)

    def edit_reviewers(self, row: kpi.IndicatorRow | None) -> None:
        if row is None or not row.qualitative:
            return
        dialog = ReviewerDialog(row, self)
        if not self.may_manage:  # the scores, to look at
            dialog.setWindowTitle(f"评审得分 — {row.level2}")
            show_read_only(dialog)
            dialog.add_button.hide()  # (and off) no 添加评审人 / 删除所选 for a viewer
            dialog.remove_button.hide()
            dialog.exec()
            return
        if dialog.exec() != QDialog.Accepted:
            return
        row.reviewers = dialog.reviewers()
        self.model.changed()

    def refresh_actuals(self) -> None:
        if self.draft is None:
            return
        try:
            items = automatic.apply_computed(self.draft)
        except UserError as err:
            show_error(self, str(err), "无法刷新实际值")
            return
        if not items:
            self._message("本表没有可自动计算的指标（来源均为手工填写）。")
            return
        self.model.basis = {item.level2: item.basis for item in items}
        self.model.changed()
        lines = [f"{item.level2}:{item.basis}" for item in items]
        self._message("已按数据更新实际值（请保存）：\n" + "\n".join(lines))

    def _message(self, text: str) -> None:
        self.message_label.setStyleSheet("")
        self.message_label.setText(text)

    # ------------------------------------------------------------ saving
    def save(self) -> bool:
        if self.draft is None:
            return False
        message = kpi.validate(self.draft)
        if message:
            show_error(self, message, "无法保存评价表")
            return False
        try:
            kpi.save(self.draft)
        except StaleEdit as err:
            return self._merge(err)
        except UserError as err:
            show_error(self, str(err), "无法保存评价表")
            return False
        self.ctx.events.status_message.emit(
            f"已保存质量评价表：{self.draft.period} {self.draft.target_label}"
        )
        self._set_dirty(False)
        self.reload_list(self.draft.id)
        return True

    def _merge(self, err: StaleEdit) -> bool:
        """Someone else saved this scorecard meanwhile: 对照修改 part by part, the choice shown in
        the editor, then saved at the stored version; cancelled: the editor stays as typed."""
        merged = merge_dialog.merge_record(
            self, err, vars(self.draft), kpi.SCORECARD_LABELS, diffs=kpi.scorecard_differences
        )
        if merged is None:
            return False
        self.draft = kpi.ScorecardData(**merged)
        self._show_draft()
        self._set_dirty(True)
        return self.save()

    def revert(self) -> None:
        if self.draft is not None and self.draft.id is not None:
            self.load(self.draft.id)

    def to_action(self, row: kpi.IndicatorRow) -> None:
        if self.dirty:
            if not confirm(self, "转为改进措施前需要先保存评价表。现在保存吗？"):
                return
            if not self.save():
                return
            row = next((r for r in self.draft.rows if r.level2 == row.level2), None)
            if row is None:
                return
        try:
            action = flags.flag_to_action(row.id)
        except UserError as err:
            show_error(self, str(err), "无法转为改进措施")
            return
        self._actions[row.id] = action.id
        self.table.show_row_buttons(self._actions)
        self._message(
            f"已转为改进措施第 {action.id} 号：{action.problem}（责任部门 {action.department}，状态 未启动）。"
            "责任人和完成时限可到“改进方案”页修改。"
        )
        self.ctx.events.status_message.emit(f"已创建改进措施：{action.problem}")

    # ------------------------------------------------------------ two periods
    def show_comparison(self) -> None:
        self.compare.show_comparison(self.draft)

    # ------------------------------------------------------------ printing
    def _printable(self) -> kpi.ScorecardData | None:
        if self.draft is None:
            return None
        message = kpi.validate(self.draft)
        if message:
            show_error(self, f"请先修正以下问题再打印：\n{message}", "无法打印")
            return None
        return self.draft.copy()

    def print_preview(self) -> None:
        data = self._printable()
        if data is not None:
            kpi_print.preview_scorecard(self, data)

    def export_pdf(self) -> str | None:
        data = self._printable()
        if data is None:
            return None
        path, _ = QFileDialog.getSaveFileName(
            self, "导出质量评价表 PDF", kpi_print.default_file_name(data), "PDF 文件 (*.pdf)"
        )
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            kpi_print.write_scorecard_pdf(data, path)
        except UserError as err:
            show_error(self, str(err), "无法导出PDF")
            return None
        self._message(f"已导出：{path}")
        self.ctx.events.status_message.emit(f"已导出质量评价表 PDF:{path}")
        return path
