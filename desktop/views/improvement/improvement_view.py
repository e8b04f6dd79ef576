"""页面 改进方案: the 改进方案表 laid out like the paper, and one action's follow-up below it.

Top: the table — one row per (action, feedback) under a two-tier header whose upper band spans
the four column groups (客户基本信息 | 回访信息 | 满意度反馈 | 改进方案与落实跟踪); overdue rows are
tinted; a status filter; print preview / print / PDF in landscape.
Bottom: the selected action — its fields, buttons for the allowed next steps only, the weekly
progress log with a note box, the verification visits (二次回访) and their results, and telling
each customer the problem was fixed, in their own words (notice_panel.py).
"""

from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QStyleOptionHeader,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.services.admin import accounts, next_steps
from desktop.services.admin import settings as app_settings
from desktop.services.common.errors import UserError
from desktop.services.improvement import dossier, flow, followup, plan_table
from desktop.services.improvement import improvement as svc

from ..common.context import AppContext
from ..common.empty_state import EmptyHint
from ..common.widgets import READ_ONLY_STYLE, confirm, gate, hbox, show_error, show_info, vbox
from .action_dialog import ActionDialog, StatusDialog, step_title
from .notice_panel import NoticePanel
from .standard_button import StandardButton

OVERDUE_BG = QColor("#fde3e1")
STALE_BG = QColor("#fff4d6")  # no progress entry for a week (待跟进)
STALE_FG = QColor("#a15c00")
# the verification summary's advice when no customer could be visited, and what a viewer reads
MANUAL_CLOSE = "可填写人工验证结果后闭环"
VIEWER_MANUAL_CLOSE = "待主管填写人工验证结果后闭环"
CLOSED_FG = QColor("#6b6b6b")
GOOD_FG = QColor("#1e7b34")
BAD_FG = QColor("#b3261e")
STATUS_COLORS = {
    svc.NOT_STARTED: "#757575",
    svc.IN_PROGRESS: "#1565c0",
    svc.DONE: "#00838f",
    svc.VERIFYING: "#ef6c00",
    svc.CLOSED: "#2e7d32",
}


# ---------------------------------------------------------------- the table
def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


# (group, header, width, text of a row)
COLUMNS = [
    ("客户基本信息", "客户姓名", 68, lambda r, t: r.customer_name),
    ("客户基本信息", "客户编号", 86, lambda r, t: r.customer_code),
    ("客户基本信息", "联系方式", 94, lambda r, t: r.phone),
    ("客户基本信息", "服务类型", 64, lambda r, t: r.service_type),
    ("客户基本信息", "产品型号", 82, lambda r, t: r.product_model),
    ("回访信息", "回访日期", 82, lambda r, t: _day(r.visit_date)),
    ("回访信息", "回访方式", 64, lambda r, t: r.method),
    ("回访信息", "服务工程师", 74, lambda r, t: r.engineer),
    ("满意度反馈", "服务态度", 66, lambda r, t: r.level_label(0)),
    ("满意度反馈", "响应速度", 66, lambda r, t: r.level_label(1)),
    ("满意度反馈", "问题解决效果", 86, lambda r, t: r.level_label(2)),
    ("满意度反馈", "开放式反馈建议", 170, lambda r, t: r.feedback),
    ("改进方案与落实跟踪", "改进措施", 200, lambda r, t: r.measure),
    ("改进方案与落实跟踪", "责任部门", 74, lambda r, t: r.department),
    ("改进方案与落实跟踪", "责任人", 62, lambda r, t: r.owner),
    ("改进方案与落实跟踪", "完成时限", 84, lambda r, t: _day(r.deadline)),
    ("改进方案与落实跟踪", "落实情况", 190, lambda r, t: r.status_text(t)),  # + 待跟进 (PlanModel)
]
LEVEL_COLS = (8, 9, 10)
ACTION_COLS = tuple(range(12, 17))
STATUS_COL = 16
CENTERED = (3, 5, 6, 8, 9, 10, 13, 14, 15)


def groups() -> list[tuple[str, int, int]]:
    """(name, first column, last column) of each column group, in order."""
    out: list[tuple[str, int, int]] = []
    for n, (group, *_rest) in enumerate(COLUMNS):
        if out and out[-1][0] == group:
            out[-1] = (group, out[-1][1], n)
        else:
            out.append((group, n, n))
    return out


class PlanModel(QAbstractTableModel):
    """The 改进方案表 rows (a few hundred at most: a plain list model)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[plan_table.PlanRow] = []
        self.today = date.today()
        self.stale: dict[int, int] = {}  # action id → days without a progress entry (待跟进)
        self._texts: list[list[str]] = []

    def set_rows(self, rows: list[plan_table.PlanRow], today: date, stale: dict[int, int] | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self.today = today
        self.stale = dict(stale or {})
        self._texts = [[get(r, today) for *_x, get in COLUMNS] for r in rows]
        for texts, row in zip(self._texts, rows, strict=True):
            if row.action_id in self.stale:
                texts[STATUS_COL] += f" · {self.stale[row.action_id]}天未跟进"
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return self._texts[index.row()][col]
        if role == Qt.ToolTipRole:
            if col == 11:
                return row.feedback or None
            if col == STATUS_COL and row.action_id in self.stale:
                return f"{self.stale[row.action_id]} 天没有进度记录，请跟进并记录进度（每周至少一次）"
            if col in ACTION_COLS:
                return f"#{row.action_id} {row.category}\n问题：{row.problem}\n措施：{row.measure}"
            return None
        if role == Qt.BackgroundRole:
            return OVERDUE_BG if row.overdue else STALE_BG if row.action_id in self.stale else None
        if role == Qt.ForegroundRole:
            if col in LEVEL_COLS:
                value = row.levels[col - LEVEL_COLS[0]]
                if value is not None:
                    return GOOD_FG if value >= 4 else BAD_FG if value <= 2 else None
            if col == STATUS_COL:
                if row.overdue:
                    return BAD_FG
                return STALE_FG if row.action_id in self.stale else QColor(STATUS_COLORS.get(row.status, "#000"))
            if row.status == svc.CLOSED:
                return CLOSED_FG
            return None
        if role == Qt.TextAlignmentRole and col in CENTERED:
            return int(Qt.AlignCenter)
        if role == Qt.UserRole:
            return row.action_id
        return None


class GroupHeader(QHeaderView):
    """A horizontal header of two bands: the column group spanning its columns, then the column."""

    def __init__(self, parent=None):
        super().__init__(Qt.Horizontal, parent)
        self.setSectionsClickable(False)
        self.setHighlightSections(False)
        self.setDefaultAlignment(Qt.AlignCenter)

    def _band(self) -> int:
        return self.fontMetrics().height() + 10

    def sizeHint(self):  # noqa: N802
        size = super().sizeHint()
        size.setHeight(self._band() * 2)
        return size

    def group_rect(self, column: int) -> tuple[str, QRect]:
        for name, first, last in groups():
            if first <= column <= last:
                left = self.sectionViewportPosition(first)
                right = self.sectionViewportPosition(last) + self.sectionSize(last)
                return name, QRect(left, 0, right - left, self._band())
        return "", QRect()

    def paintSection(self, painter: QPainter, rect: QRect, logical: int) -> None:  # noqa: N802
        band = self._band()
        name, group = self.group_rect(logical)
        painter.save()
        painter.setClipRect(QRect(rect.left(), rect.top(), rect.width(), band))
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        option.rect = group
        option.section = logical
        option.text = ""
        option.position = QStyleOptionHeader.OnlyOneSection
        self.style().drawControl(QStyle.CE_HeaderSection, option, painter, self)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(group, Qt.AlignCenter, name)
        painter.setPen(QColor("#9e9e9e"))
        painter.drawLine(group.topRight(), group.bottomRight())
        painter.restore()
        super().paintSection(
            painter, QRect(rect.left(), rect.top() + band, rect.width(), rect.height() - band), logical
        )


# ---------------------------------------------------------------- the page
class ImprovementView(QWidget):
    action_selected = Signal(int)

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today_override: date | None = None  # tests pin "today"
        self.action_id: int | None = None
        self.detail: dossier.ActionDetail | None = None
        self.dialog: ActionDialog | None = None

        # -- top bar
        self.filter_combo = QComboBox()
        for name in (*svc.FILTERS[:3], followup.STALE, *svc.FILTERS[3:]):
            self.filter_combo.addItem(name, name)
        self.filter_combo.setItemData(3, followup.STALE_RULE, Qt.ToolTipRole)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.full_check = QCheckBox("显示完整姓名和电话")
        self.full_check.setToolTip("默认隐去客户姓名和电话的中间部分；打印件一律隐去")
        if not accounts.can(accounts.FULL_PHONE):
            self.full_check.hide()
        self.full_check.toggled.connect(lambda _on: self.refresh())
        self.summary_label = QLabel()
        self.new_button = QPushButton("新建改进措施")
        self.new_button.clicked.connect(lambda: self.open_create())
        self.preview_button = QPushButton("打印预览")
        self.print_button = QPushButton("打印")
        self.pdf_button = QPushButton("导出PDF")
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_table)
        self.pdf_button.clicked.connect(self.export_pdf)

        # -- the table
        self.model = PlanModel(self)
        self.table = QTableView()
        self.table.setHorizontalHeader(GroupHeader(self.table))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        for n, (_g, _h, width, _get) in enumerate(COLUMNS):
            self.table.setColumnWidth(n, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.doubleClicked.connect(lambda _i: self.edit_action())
        self.empty_hint = EmptyHint(ctx, self.table, next_steps.improvement_step)  # what to do first

        # -- the detail
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.status_badge = QLabel()
        self.steps_box = QWidget()
        self.steps_box.setLayout(hbox())
        self.step_buttons: dict[str, QPushButton] = {}
        self.edit_button = QPushButton("编辑")
        self.edit_button.clicked.connect(self.edit_action)
        self.delete_button = QPushButton("删除")
        self.delete_button.clicked.connect(self.delete_action)

        self.fields: dict[str, QLabel] = {}
        fields_form = QFormLayout()
        fields_form.setVerticalSpacing(4)
        for key in (
            "问题描述",
            "改进措施",
            "责任",
            "完成时限",
            "验收标准",
            "预期效果",
            "完成情况",
            "验证结果",
            "关联反馈",
        ):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.fields[key] = label
            fields_form.addRow(f"{key}：", label)
        fields_box = QGroupBox("措施")
        fields_box.setLayout(fields_form)

        self.log_list = QListWidget()  # newest first: "when · what · who" over the note
        self.log_list.setWordWrap(True)
        self.log_list.setResizeMode(QListView.Adjust)
        self.log_list.setAlternatingRowColors(True)
        self.log_list.setSelectionMode(QAbstractItemView.NoSelection)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("本周进展，如：预警规则已上线测试")
        self.note_edit.returnPressed.connect(self.add_progress)
        self.author_edit = QLineEdit()
        self.author_edit.setPlaceholderText("记录人")
        self.author_edit.setFixedWidth(80)
        self.author_edit.setText(app_settings.default_visitor())
        self.note_button = QPushButton("添加进度")
        self.note_button.clicked.connect(self.add_progress)
        log_box = QGroupBox("进度跟踪（每周）")
        log_box.setLayout(vbox(self.log_list, hbox(self.note_edit, self.author_edit, self.note_button)))

        self.outcome_label = QLabel()
        self.outcome_label.setWordWrap(True)
        self.verify_tree = QTreeWidget()
        self.verify_tree.setHeaderLabels(["客户", "回访时间", "结果"])
        self.verify_tree.setRootIsDecorated(False)
        self.verify_tree.setColumnWidth(0, 86)
        self.verify_tree.setColumnWidth(1, 96)
        self.verify_tree.itemDoubleClicked.connect(lambda _i, _c: self.open_verification())
        self.visit_button = QPushButton("去回访")
        self.visit_button.setToolTip("打开所选二次回访任务的回访表")
        self.visit_button.clicked.connect(self.open_verification)
        # 告知客户: each linked customer with their own words, how and when they were told
        self.notices = NoticePanel(self.today, lambda: self.author())
        self.notices.told.connect(self.show_detail)
        self.notices.copied.connect(
            lambda _t: self.ctx.events.status_message.emit("已复制告知客户的话，可粘贴到短信或微信。")
        )
        self.message_edit = self.notices.message_edit
        self.told_label = self.notices.told_label
        self.copy_button = self.notices.copy_button
        self.told_button = self.notices.told_button
        # who may change the actions (主管); others see them, copy the message and print
        self.may_manage = gate(
            accounts.MANAGE,
            self.new_button,
            self.edit_button,
            self.delete_button,
            self.note_edit,
            self.author_edit,
            self.note_button,
            self.told_button,
            what="修改改进方案",
        )
        self.may_call = gate(accounts.CALL, self.visit_button, what="回访")
        self.message_edit.setReadOnly(not self.may_manage)
        if not self.may_manage:  # nothing asks a viewer to type or to press what they cannot
            for widget in (self.note_edit, self.author_edit, self.note_button):  # (and off)
                widget.hide()
            self.message_edit.setPlaceholderText("")
            self.setStyleSheet(READ_ONLY_STYLE)
        verify_box = QGroupBox("效果验证与告知客户")
        verify_box.setLayout(
            vbox(
                self.outcome_label,
                self.verify_tree,
                hbox(None, self.visit_button),
                self.notices,
            )
        )

        detail = QFrame()
        detail.setObjectName("detail")
        columns = QSplitter(Qt.Horizontal)
        for box in (fields_box, log_box, verify_box):
            columns.addWidget(box)
        columns.setChildrenCollapsible(False)
        columns.setSizes([380, 420, 380])
        self.standard_button = StandardButton(lambda: self.show_detail(self.action_id))  # 纳入标准
        head = hbox(self.status_badge, self.steps_box, self.standard_button, self.edit_button, self.delete_button)
        head.insertWidget(0, self.title_label, 1)
        detail.setLayout(vbox(head, columns))
        self.detail_frame = detail
        self.placeholder = QLabel("在上表中选择一行，查看该改进措施的落实进度、二次回访和告知客户。")
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setStyleSheet("color: #666;")

        lower = QWidget()
        lower.setLayout(vbox(self.placeholder, detail))
        upper = QWidget()
        upper.setLayout(vbox(self.table))
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([380, 420])
        self.splitter = splitter
        top = hbox(
            QLabel("落实情况："),
            self.filter_combo,
            self.full_check,
            self.summary_label,
            None,
            self.new_button,
            self.preview_button,
            self.print_button,
            self.pdf_button,
        )
        self.setLayout(vbox(top, splitter, margin=8))

        ctx.events.visits_changed.connect(self._visits_changed)
        self.refresh()

    # ------------------------------------------------------------ page API
    def today(self) -> date:
        return self.today_override or date.today()

    def on_shown(self) -> None:
        # verification visits may have been saved while the page was hidden
        if flow.check_verifications(today=self.today()):
            self.ctx.events.visits_changed.emit()
        self.refresh()

    def open_with(
        self, new_from_category=None, visit_ids=None, action_id=None, status_filter=None, **_ignored
    ) -> None:
        """Open the create dialog prefilled (a TOP problem's category and/or selected visits),
        show one action, or show the rows of one status filter (e.g. 已逾期 from the dashboard)."""
        if status_filter is not None:
            index = self.filter_combo.findData(status_filter)
            if index >= 0:
                self.filter_combo.setCurrentIndex(index)
        if action_id is not None:
            self.show_action(int(action_id))
            return
        if (new_from_category is not None or visit_ids) and self.may_manage:
            category_id = svc.find_category(new_from_category)
            self.open_create(category_id, [int(v) for v in visit_ids or []])

    # ------------------------------------------------------------ the table
    def status_filter(self) -> str:
        return self.filter_combo.currentData() or svc.ALL

    def masked(self) -> bool:
        return not (self.full_check.isChecked() and accounts.can(accounts.FULL_PHONE))

    def refresh(self) -> None:
        keep = self.action_id
        today = self.today()
        stale = followup.stale_days(today)
        if self.status_filter() == followup.STALE:
            rows = plan_table.plan_rows(svc.ALL, mask=self.masked(), today=today, action_ids=list(stale))
        else:
            rows = plan_table.plan_rows(self.status_filter(), mask=self.masked(), today=today)
        self.model.set_rows(rows, today, stale)
        self.table.clearSpans()
        for n, row in enumerate(rows):
            if row.first_of_action and row.action_rows > 1:
                for col in ACTION_COLS:
                    self.table.setSpan(n, col, row.action_rows, 1)
        counts = flow.status_counts(today)
        counts[followup.STALE] = len(stale)
        self.filter_combo.blockSignals(True)
        for i in range(self.filter_combo.count()):
            name = self.filter_combo.itemData(i)
            self.filter_combo.setItemText(i, f"{name}（{counts.get(name, 0)}）")
        self.filter_combo.blockSignals(False)
        actions = len({r.action_id for r in rows})
        late = counts[svc.OVERDUE]
        text = f"共 {actions} 项措施、{len(rows)} 行"
        if late:
            text += f"；<span style='color:#b3261e'>{late} 项已逾期</span>"
        if stale:
            text += f"；<span style='color:#a15c00'>{len(stale)} 项超过 {followup.FOLLOW_UP_DAYS} 天未跟进</span>"
        self.summary_label.setText(text)
        if keep is not None and any(r.action_id == keep for r in rows):
            self._select_row(keep)
            self.show_detail(keep)
        elif rows:
            self._select_row(rows[0].action_id)
        else:
            self.show_detail(None)

    def _select_row(self, action_id: int) -> None:
        for n, row in enumerate(self.model.rows):
            if row.action_id == action_id:
                self.table.selectRow(n)
                self.table.setCurrentIndex(self.model.index(n, 0))
                self.table.scrollTo(self.model.index(n, 0))
                return

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        action_id = self.model.rows[current.row()].action_id
        if action_id != self.action_id or self.detail is None:
            self.show_detail(action_id)

    def show_action(self, action_id: int) -> None:
        """Select the action in the table (switching the filter to 全部 when it is hidden)."""
        if not any(r.action_id == action_id for r in self.model.rows):
            self.filter_combo.setCurrentIndex(0)
        self.action_id = action_id
        self.refresh()

    # ------------------------------------------------------------ the detail
    def show_detail(self, action_id: int | None) -> None:
        self.action_id = action_id
        self.detail = None
        if action_id is not None:
            try:
                self.detail = dossier.action_detail(action_id, today=self.today())
            except UserError:
                self.detail = None
        self.detail_frame.setVisible(self.detail is not None)
        self.placeholder.setVisible(self.detail is None)
        if self.detail is None:
            return
        d = self.detail
        a = d.action
        self.title_label.setText(f"#{a.id} {d.category or '未分类'}:{svc.shorten(a.problem, 48)}")
        self.title_label.setToolTip(a.problem)
        color = STATUS_COLORS.get(a.status, "#000")
        badge = a.status + (" · 已逾期" if d.overdue else "")
        self.status_badge.setText(badge)
        self.status_badge.setStyleSheet(
            f"color: white; background: {'#b3261e' if d.overdue else color}; border-radius: 3px; padding: 2px 8px;"
        )
        self._fill_steps(a.status)
        self.standard_button.show_for(a)
        self.edit_button.setEnabled(a.status != svc.CLOSED and self.may_manage)
        self.delete_button.setVisible(a.status == svc.NOT_STARTED)

        deadline = _day(a.deadline)
        if d.overdue:
            deadline += f"（已逾期 {(self.today() - a.deadline).days} 天）"
        completion = plan_table.completion_text(a.completed_on, a.completion_note) or "—"
        values = {
            "问题描述": a.problem,
            "改进措施": a.measure,
            "责任": f"{a.department} · {a.owner}",
            "完成时限": deadline,
            "验收标准": a.acceptance or "—",
            "预期效果": a.expected_effect or "—",
            "完成情况": completion,
            "验证结果": (a.verification_result + (f"（闭环于 {_day(a.closed_on)}）" if a.closed_on else ""))
            or "—",
            "关联反馈": f"{len(d.visits)} 条回访反馈，{len(flow.linked_customers(a.id))} 位客户",
        }
        for key, label in self.fields.items():
            label.setText(values[key])
        self.fields["完成时限"].setStyleSheet("color: #b3261e;" if d.overdue else "")

        self.log_list.clear()
        for row in d.log:
            head = " · ".join(p for p in (f"{row.at:%Y-%m-%d %H:%M}", row.what, row.author) if p)
            item = QListWidgetItem(f"{head}\n{row.note}" if row.note else head)
            if row.status_to:
                item.setForeground(QColor(STATUS_COLORS.get(row.status_to, "#000")))
            self.log_list.addItem(item)

        outcome = d.outcome
        state = flow.STATE_TEXT.get(outcome.state, "")
        summary = outcome.summary
        if not self.may_manage:  # a viewer is told who closes it, not what to fill in
            summary = summary.replace(MANUAL_CLOSE, VIEWER_MANUAL_CLOSE)
        text = f"<b>{state}</b>:{summary}" if outcome.state != flow.NONE else summary
        if outcome.reasons:
            text += "<br>" + "<br>".join(outcome.reasons)
        if outcome.state == flow.NONE and a.status == svc.VERIFYING:
            if self.may_manage:
                text += "：请人工验证效果后点“闭环…”，填写验证结果。"
            else:
                text += "，待主管人工验证效果后闭环。"
        self.outcome_label.setText(text)
        self.verify_tree.clear()
        for item in d.verification:
            when = f"{_day(item.earliest)[5:]}–{_day(item.latest)[5:]}"
            if item.visit_date:
                when = _day(item.visit_date)
            node = QTreeWidgetItem([item.customer, when, item.result])
            node.setData(0, Qt.UserRole, item.task_id)
            node.setData(1, Qt.UserRole, item.task_status)
            node.setToolTip(0, item.customer)
            node.setToolTip(1, f"{item.trigger}：{_day(item.earliest)} 至 {_day(item.latest)}")
            node.setToolTip(2, item.result)
            if item.ok is True:
                node.setForeground(2, GOOD_FG)
            elif item.ok is False:
                node.setForeground(2, BAD_FG)
            self.verify_tree.addTopLevelItem(node)
        self.visit_button.setEnabled(bool(d.verification) and self.may_call)

        self.notices.show_action(a.id, a.status in svc.TELL_STATUSES, self.may_manage)

    def _fill_steps(self, status: str) -> None:
        layout = self.steps_box.layout()
        while layout.count():
            widget = layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.step_buttons = {}
        for target in flow.allowed_next(status):
            button = QPushButton(step_title(status, target) + "…")
            button.setToolTip(f"改为“{target}”")
            gate(accounts.MANAGE, button, what="修改改进方案")
            button.clicked.connect(lambda _=False, t=target: self.change_status(t))
            layout.addWidget(button)
            button.show()  # at once, not on the next event-loop turn
            self.step_buttons[target] = button

    # ------------------------------------------------------------ actions
    def author(self) -> str:
        return self.author_edit.text().strip()

    def open_create(self, category_id: int | None = None, visit_ids: list[int] | None = None) -> ActionDialog:
        dialog = ActionDialog(
            self, category_id=category_id, visit_ids=visit_ids, author=self.author(), today=self.today()
        )
        return self._show_dialog(dialog)

    def edit_action(self) -> ActionDialog | None:
        if self.action_id is None or self.detail is None or self.detail.action.status == svc.CLOSED:
            return None
        if not self.may_manage:  # a double-click shows the detail below, no more
            return None
        dialog = ActionDialog(self, action_id=self.action_id, author=self.author(), today=self.today())
        return self._show_dialog(dialog)

    def _show_dialog(self, dialog: ActionDialog) -> ActionDialog:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.open()
        return dialog

    def _saved(self, dialog: ActionDialog) -> None:
        if dialog.saved_id is not None:
            self.action_id = dialog.saved_id
            self.show_action(dialog.saved_id)
            self.ctx.events.status_message.emit(f"改进措施 #{dialog.saved_id} 已保存。")

    def delete_action(self) -> None:
        if self.action_id is None or not confirm(self, f"删除改进措施 #{self.action_id}？此操作不能撤销。"):
            return
        try:
            svc.delete_action(self.action_id)
        except UserError as err:
            show_error(self, str(err))
            return
        self.action_id = None
        self.refresh()

    def status_dialog(self, status_to: str) -> StatusDialog:
        return StatusDialog(self, self.action_id, status_to, author=self.author(), today=self.today())

    def change_status(self, status_to: str) -> bool:
        if self.action_id is None:
            return False
        dialog = self.status_dialog(status_to)
        if dialog.exec() != StatusDialog.Accepted or dialog.result_action is None:
            return False
        action = dialog.result_action
        message = f"改进措施 #{action.id} 已改为“{action.status}”。"
        if action.status == svc.VERIFYING:
            message += f"已安排 {len(flow.linked_customers(action.id))} 位客户的二次回访，见“回访任务”。"
        self.ctx.events.status_message.emit(message)
        self.refresh()
        if status_to in (svc.DONE, svc.VERIFYING) or action.status == svc.IN_PROGRESS:
            self.ctx.events.visits_changed.emit()  # verification tasks were created or cancelled
        return True

    def add_progress(self) -> None:
        if self.action_id is None:
            return
        try:
            flow.add_progress(self.action_id, self.note_edit.text(), self.author())
        except UserError as err:
            show_error(self, str(err), "未添加")
            return
        self.note_edit.clear()
        self.refresh()  # the row is no longer 待跟进

    def open_verification(self) -> None:
        item = self.verify_tree.currentItem()
        if item is None and self.verify_tree.topLevelItemCount():
            item = self.verify_tree.topLevelItem(0)
        if item is None:
            return
        task_id = item.data(0, Qt.UserRole)
        if not self.may_call:
            return
        if item.data(1, Qt.UserRole) not in svc.TASK_OPEN:
            show_info(self, "该二次回访已结束，可在“回访记录”中查看。")
            return
        self.ctx.events.open_page.emit("visit_form", {"task_id": int(task_id)})

    def _visits_changed(self) -> None:
        """A visit was saved somewhere: judge the verification rounds, then redraw."""
        changed = flow.check_verifications(today=self.today())
        for action_id, status in changed:
            self.ctx.events.status_message.emit(
                f"改进措施 #{action_id} 二次回访"
                + ("验证通过，已闭环。" if status == svc.CLOSED else "未通过，已退回“进行中”。")
            )
        self.refresh()

    # ------------------------------------------------------------ printing
    def document(self):
        return plan_table.plan_document(self.status_filter(), mask=True, today=self.today())  # prints: masked

    def preview(self) -> None:
        from ..printing import improvement_print as ip

        ip.guarded(self, self.document, ip.preview_plan)

    def print_table(self) -> None:
        from ..printing import improvement_print as ip

        ip.guarded(self, self.document, ip.print_plan)

    def export_pdf(self) -> None:
        from ..printing import improvement_print as ip

        name = f"改进方案表_{self.today():%Y%m%d}.pdf"
        path, _filter = QFileDialog.getSaveFileName(self, "导出PDF", name, "PDF 文件 (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            ip.write_plan_pdf(self.document(), path)
        except UserError as err:
            show_error(self, str(err), "无法导出PDF")
            return
        show_info(self, f"已导出：{path}", "导出PDF")
