"""回访任务 page: the visit-task queue. Tabs 今日 / 逾期 / 即将到期 / 已完成 / 全部 with a status and an
assignee filter, overdue tasks in red, a lazily paged SQL list (fast with 100k tasks), quick call
outcomes (改约 / 拒访 / 无法接通), assignment, the calling-hours hint and the period's recovery rate
against the 70% target. Opening a task asks the 回访表 page to open with it."""

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QModelIndex, Qt, QTime, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTabBar,
    QToolButton,
    QWidget,
)

from desktop.models import TASK_STATUSES
from desktop.services.admin import accounts, next_steps
from desktop.services.admin import settings as app_settings
from desktop.services.common.errors import UserError
from desktop.services.scheduling import scheduler
from desktop.services.scheduling import tasks as svc
from desktop.services.scheduling.tasks import BUCKETS, PERIODS, UNASSIGNED, TaskFilter
from desktop.services.visits import calls
from desktop.services.web import links

from ..common.context import AppContext
from ..common.empty_state import EmptyHint
from ..common.operations import run_with_progress
from ..common.table_model import Column, PagedQueryModel, list_table, select_id
from ..common.unsaved import GuardedDialog
from ..common.widgets import MARGIN, SearchBox, deny_tooltip, form, hbox, heading, show_error, vbox

STATUS_INDEX, LATEST_INDEX, WINDOW_INDEX, PRIORITY_INDEX = 9, 7, 14, 15  # positions in the row tuples
_OVERDUE = QBrush(QColor("#c62828"))
_DONE = QBrush(QColor("#6b7280"))
_HINT_STYLE = "background: #fff4d6; color: #7a4b00; padding: 3px 6px; border-radius: 3px;"
_NOTICE_STYLE = "background: #fde2e1; color: #8a1c1c; padding: 3px 6px; border-radius: 3px;"


def _window_text(window: tuple) -> str:
    earliest, latest = window
    if earliest is None and latest is None:
        return ""
    if earliest is None:
        return f"至 {latest:%Y-%m-%d}"
    if latest is None:
        return f"{earliest:%Y-%m-%d} 起"
    if earliest.year == latest.year:
        return f"{earliest:%Y-%m-%d} ~ {latest:%m-%d}"
    return f"{earliest:%Y-%m-%d} ~ {latest:%Y-%m-%d}"


def _moment(value) -> str:
    return value.strftime("%m-%d %H:%M") if value else ""


COLUMNS = [
    Column("客户", 1, "customer"),
    Column("电话", 2, "phone"),
    Column("工单号", 3, "order_no"),
    Column("服务类型", 4, "service_type"),
    Column("触发原因", 5, "trigger"),
    Column("回访窗口", WINDOW_INDEX, "latest", format=_window_text),
    Column("负责人", 8, "assignee", format=lambda name: name or "未分配"),
    Column("状态", STATUS_INDEX, "status"),
    Column("尝试次数", 10, "attempts", align=Qt.AlignRight),
    Column("下次联系", 11, "next_attempt_at", format=_moment),
    Column("优先级", PRIORITY_INDEX, "priority"),  # a complaint's level: 紧急 / 高 / 普通
]
WIDTHS = [90, 110, 120, 70, 150, 150, 70, 70, 70, 100, 60]
WINDOW_COLUMN = 5


class TaskModel(PagedQueryModel):
    """Overdue open tasks in red (the whole row, bold window); finished ones in grey."""

    today = date.today()

    def reload(self, text: str | None = None) -> None:
        self.today = date.today()
        super().reload(text)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role == Qt.ForegroundRole:
            row = self._rows[index.row()]
            if svc.is_overdue(row[STATUS_INDEX], row[LATEST_INDEX], self.today):
                return _OVERDUE
            if row[STATUS_INDEX] not in svc.OPEN_STATUSES:
                return _DONE
            return None
        if role == Qt.FontRole and index.column() == WINDOW_COLUMN:
            row = self._rows[index.row()]
            if svc.is_overdue(row[STATUS_INDEX], row[LATEST_INDEX], self.today):
                font = QFont()
                font.setBold(True)
                return font
            return None
        return super().data(index, role)

    def is_overdue_row(self, row: int) -> bool:
        data = self._rows[row]
        return svc.is_overdue(data[STATUS_INDEX], data[LATEST_INDEX], self.today)


class RescheduleDialog(GuardedDialog, QDialog):
    """改约: the new time (defaults to the next good calling slot) and the reason."""

    def __init__(self, summary: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle("改约")
        self.setMinimumWidth(380)
        from desktop.services.visits.calls import next_good_slot

        slot = next_good_slot(datetime.now())
        self.when_edit = QDateTimeEdit(
            QDateTime(QDate(slot.year, slot.month, slot.day), QTime(slot.hour, slot.minute))
        )
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("如 正在开车、在开会、让晚上再打")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("确定")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setLayout(
            vbox(
                QLabel(f"{summary['customer']} · {summary['phone']} · {summary['trigger']}"),
                form(("下次联系时间", self.when_edit), ("改约原因", self.reason_edit)),
                QLabel("建议时段：工作日 10:00–11:30、15:00–17:30"),
                buttons,
                margin=MARGIN,
            )
        )

    def values(self) -> tuple[datetime, str]:
        value = self.when_edit.dateTime()
        d, t = value.date(), value.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute()), self.reason_edit.text()


class TasksView(QWidget):
    """Page "tasks". ``open_with(bucket=None, search=None, assignee=None, task_id=None)``."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self._stale = False

        self.hint_label = QLabel()
        self.hint_label.setStyleSheet(_HINT_STYLE)
        self.hint_label.setWordWrap(True)
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet(_NOTICE_STYLE)
        self.period_combo = QComboBox()
        self.period_combo.addItems(PERIODS)
        self.period_combo.setCurrentText("本月")
        self.recovery_label = QLabel()

        self.tabs = QTabBar()
        self.tabs.setExpanding(False)
        self.tabs.setDrawBase(False)
        for bucket in BUCKETS:
            self.tabs.addTab(bucket)
        self.status_combo = QComboBox()
        self.status_combo.addItem("全部状态", None)
        for status in TASK_STATUSES:
            self.status_combo.addItem(status, status)
        self.assignee_combo = QComboBox()
        self.assignee_combo.setMinimumWidth(110)
        if accounts.own_staff_filter() is not False:  # a 回访员 sees their own tasks only
            self.assignee_combo.hide()
        self.search = SearchBox("搜索 客户 / 电话 / 工单号 / 触发原因")
        self.search.setMinimumWidth(220)
        self.refresh_button = QPushButton("刷新")
        self.count_label = QLabel()

        self.open_button = QPushButton("打开回访表")
        self.open_button.setDefault(True)
        self.book_button = QPushButton("预约…")
        self.book_button.setToolTip("提前 1–2 天发短信或致电，约定回访时段（“待预约”中列出需要预约的任务）")
        self.reschedule_button = QPushButton("改约…")
        self.refuse_button = QPushButton("拒访…")
        self.unreachable_button = QPushButton("无法接通")
        self.unreachable_button.setToolTip(
            "记录一次无法接通，下一个工作日 10:00 再拨；连续 3 次则标记为“无法联系”"
        )
        self.assign_combo = QComboBox()
        self.assign_combo.setMinimumWidth(110)
        self.assign_button = QPushButton("分配")
        self.assign_label = QLabel("分配给")
        # assigning is a 主管's job: a 回访员 does not see it (and calls the tasks as before)
        self.may_assign = accounts.can(accounts.MANAGE)
        if not self.may_assign:
            for widget in (self.assign_label, self.assign_combo, self.assign_button):
                widget.hide()
        self.schedule_button = QPushButton("生成到期任务")
        self.print_button = QPushButton("打印空白表…")
        self.send_button = QPushButton("发放问卷…")
        self.link_button = QPushButton("评价链接")
        self.link_button.setToolTip(
            "复制所选任务的扫码评价链接（一次性，过期失效），可发给客户在手机上填写；须先在 设置 → 扫码评价 中开启"
        )
        self.slip_button = QPushButton("评价小票")
        self.slip_button.setToolTip(
            "打印所选任务的评价小票（每张 A4 纸 8 张，剪开交给客户）：客户连店内 Wi-Fi 扫码在手机上评价；"
            "须先在 设置 → 扫码评价 中开启"
        )
        self.counter_button = QPushButton("柜台填写")
        self.counter_button.setToolTip("请顾客在柜台屏幕上自助填写所选任务的问卷并签名（可选第二台显示器），提交后自动保存")
        # 短信问卷 without a gateway: the batch file for the shop's SMS platform and its replies back
        self.sms_button = QToolButton()
        self.sms_button.setText("短信问卷 ▾")
        self.sms_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.sms_button.setPopupMode(QToolButton.InstantPopup)
        self.sms_button.setToolTip("导出所选任务的短信批量文件（上传到短信平台群发），导入短信平台的回复记录")
        sms_menu = QMenu(self.sms_button)
        sms_menu.setToolTipsVisible(True)
        self.sms_export_action = sms_menu.addAction("导出短信批量文件…", self.export_sms)
        self.sms_import_action = sms_menu.addAction("导入短信回复…", self.import_sms_replies)
        self.sms_review_action = sms_menu.addAction("短信回复待核对…", self.review_sms_replies)
        self.sms_button.setMenu(sms_menu)
        self.send_button.setToolTip("登记所选任务的问卷已通过纸质问卷、短信或微信发出；逾期未收回自动建催收任务")
        self.channel_label = QLabel()  # 回收率 per channel, each against its goal
        self.channel_label.setWordWrap(True)
        self.channel_label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)  # the buttons keep their width
        self.print_button.setToolTip("所选任务的空白回访表（抬头已填、带任务二维码），每个任务一份，一次打印")
        self.schedule_button.setToolTip("按“设置”中的回访触发规则补建到期的任务（已建的不会重复）")

        self.model = TaskModel(COLUMNS, self._fetch, self._count, sort="latest", parent=self)
        self.table = list_table(self.model, WIDTHS, multi_select=True)
        self.empty_hint = EmptyHint(ctx, self.table, next_steps.tasks_step)  # 先导入客户和工单
        header = self.table.horizontalHeader()
        header.setSortIndicator(WINDOW_COLUMN, Qt.AscendingOrder)

        self.tabs.currentChanged.connect(lambda _i: self.reload())
        self.status_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.assignee_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.period_combo.currentIndexChanged.connect(lambda _i: self.update_recovery())
        self.search.search.connect(lambda _t: self.reload())
        self.refresh_button.clicked.connect(self.reload)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._after_reload)
        self.open_button.clicked.connect(self.open_selected)
        self.book_button.clicked.connect(self.book_selected)
        self.reschedule_button.clicked.connect(self.reschedule_selected)
        self.refuse_button.clicked.connect(self.refuse_selected)
        self.unreachable_button.clicked.connect(self.unreachable_selected)
        self.assign_button.clicked.connect(self.assign_selected)
        self.schedule_button.clicked.connect(self.run_schedule)
        self.print_button.clicked.connect(self.print_blank_forms)
        self.send_button.clicked.connect(self.send_selected)
        self.link_button.clicked.connect(self.copy_survey_link)
        self.slip_button.clicked.connect(self.print_slips)
        self.counter_button.clicked.connect(self.open_counter)
        ctx.events.visits_changed.connect(self._on_data_changed)
        ctx.events.orders_changed.connect(self._on_data_changed)
        ctx.events.settings_changed.connect(self._on_settings_changed)

        self._clock = QTimer(self)  # the calling-hours hint follows the clock
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self.update_hint)
        self._clock.start()

        self.setLayout(
            vbox(
                hbox(heading("回访任务"), self.search, None, self.recovery_label, self.period_combo),
                self.hint_label,
                self.notice_label,
                # the customers' own channels beside their 回收率: 评价链接, 评价小票, 柜台填写, 短信问卷
                hbox(
                    self.channel_label,
                    self.link_button,
                    self.slip_button,
                    self.counter_button,
                    self.sms_button,
                ),
                hbox(self.tabs, None, self.status_combo, self.assignee_combo, self.refresh_button),
                self.table,
                hbox(
                    self.open_button,
                    self.book_button,
                    self.reschedule_button,
                    self.refuse_button,
                    self.unreachable_button,
                    self.print_button,
                    self.send_button,
                    None,
                    self.count_label,
                    self.assign_label,
                    self.assign_combo,
                    self.assign_button,
                    self.schedule_button,
                ),
                margin=MARGIN,
            )
        )
        self.load_staff()
        self.table.setSortingEnabled(True)  # first load, sorted by the window
        self.update_hint()
        self.update_recovery()
        self._update_buttons()

    # -- page protocol
    def on_shown(self) -> None:
        self.load_staff()
        self.update_hint()
        if self._stale:
            self.reload()

    def open_with(
        self,
        bucket: str | None = None,
        search: str | None = None,
        assignee: int | None = None,
        task_id: int | None = None,
    ) -> None:
        if bucket in BUCKETS:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(BUCKETS.index(bucket))
            self.tabs.blockSignals(False)
        if assignee is not None:
            index = self.assignee_combo.findData(assignee)
            if index >= 0:
                self.assignee_combo.setCurrentIndex(index)
        if search is not None:
            self.search.edit.setText(search)
            self.search.flush()
        else:
            self.reload()
        if task_id is not None:
            self.select_id(task_id)

    # -- the list
    @property
    def bucket(self) -> str:
        return BUCKETS[self.tabs.currentIndex()]

    def current_filter(self, text: str = "") -> TaskFilter:
        return TaskFilter(
            bucket=self.bucket,
            status=self.status_combo.currentData(),
            assignee=self.assignee_combo.currentData(),
            text=text,
        )

    def _fetch(self, text: str, **kwargs) -> list[tuple]:
        rows = svc.search_tasks(self.current_filter(text), **kwargs)
        priority = svc.priorities([row[0] for row in rows])
        return [row + ((row[6], row[7]), priority.get(row[0], "")) for row in rows]

    def _count(self, text: str) -> int:
        return svc.count_tasks(self.current_filter(text))

    def reload(self) -> None:
        self.model.reload(self.search.text())

    def _on_data_changed(self) -> None:
        if self.isVisible():
            self.reload()
            self.update_recovery()
        else:
            self._stale = True

    def _on_settings_changed(self) -> None:
        """The holidays/workdays typed in the settings feed the working-day calendar."""
        scheduler.configure_calendar()
        self.update_hint()
        self._on_data_changed()
        self._update_buttons()  # 评价链接 follows 设置 → 扫码评价

    def _after_reload(self) -> None:
        self._stale = False
        counts = svc.bucket_counts(self.assignee_combo.currentData(), self.search.text())
        for i, bucket in enumerate(BUCKETS):
            self.tabs.setTabText(i, f"{bucket}（{counts[bucket]}）")
        overdue = counts["逾期"]
        self.tabs.setTabTextColor(BUCKETS.index("逾期"), QColor("#c62828") if overdue else QColor())
        self.count_label.setText(f"共 {self.model.total} 个任务")
        self.update_recovery()
        self._update_buttons()

    def load_staff(self) -> None:
        staff = svc.staff_choices()
        for combo, extra in ((self.assignee_combo, True), (self.assign_combo, False)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if extra:
                combo.addItem("全部负责人", None)
                combo.addItem("未分配", UNASSIGNED)
            else:
                combo.addItem("（取消分配）", None)
            for staff_id, name, _role in staff:
                combo.addItem(name, staff_id)
            index = combo.findData(current)
            combo.setCurrentIndex(index if index >= 0 else 0)
            combo.blockSignals(False)

    def update_hint(self) -> None:
        hint = calls.calling_hours_hint(datetime.now())
        self.hint_label.setText(hint or "")
        self.hint_label.setVisible(bool(hint))
        notice = scheduler.calendar_notice()
        self.notice_label.setText(notice or "")
        self.notice_label.setVisible(bool(notice))

    def update_recovery(self) -> None:
        start, end = svc.period_bounds(self.period_combo.currentText())
        rec = svc.recovery_rate(start, end, self.assignee_combo.currentData())
        self.recovery_label.setText(rec.text())
        color = "#6b7280" if rec.met is None else ("#1b5e20" if rec.met else "#c62828")
        self.recovery_label.setStyleSheet(f"color: {color}; font-weight: bold;")
        self.recovery_label.setToolTip(
            f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d} 回访窗口截止的任务中已完成的比例（已取消的不计）"
        )
        from desktop.services.scheduling import chasing

        self.channel_label.setText(f"分渠道回收率（{self.period_combo.currentText()}发放）：{chasing.channel_lines(start, end)}")

    # -- selection
    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def selected_ids(self) -> list[int]:
        return [self.model.row_id(r) for r in self.selected_rows()]

    def selected_id(self) -> int | None:
        ids = self.selected_ids()
        return ids[0] if len(ids) == 1 else None

    def select_id(self, task_id: int) -> bool:
        return select_id(self.table, task_id)

    def _update_buttons(self) -> None:
        rows = self.selected_rows()
        single = len(rows) == 1
        is_open = single and self.model.row_tuple(rows[0])[STATUS_INDEX] in svc.OPEN_STATUSES
        self.open_button.setEnabled(single)
        for button in (self.book_button, self.reschedule_button, self.refuse_button, self.unreachable_button):
            button.setEnabled(is_open)
        self.assign_button.setEnabled(bool(rows) and self.may_assign)
        self.print_button.setEnabled(bool(rows))
        self.send_button.setEnabled(bool(rows) and accounts.can(accounts.CALL))
        self.link_button.setEnabled(
            is_open and accounts.can(accounts.CALL) and bool(app_settings.get("survey_enabled"))
        )
        self.slip_button.setEnabled(
            bool(rows) and accounts.can(accounts.CALL) and bool(app_settings.get("survey_enabled"))
        )
        self.counter_button.setEnabled(is_open and accounts.can(accounts.CALL))
        may_export = accounts.can(accounts.FULL_EXPORT)
        self.sms_export_action.setEnabled(bool(rows) and may_export)
        self.sms_export_action.setToolTip("" if may_export else deny_tooltip(accounts.FULL_EXPORT, "导出完整手机号码"))
        self.sms_import_action.setEnabled(accounts.can(accounts.CALL))
        self.sms_review_action.setEnabled(accounts.can(accounts.CALL))

    # -- actions
    def open_selected(self) -> None:
        task_id = self.selected_id()
        if task_id is None:
            return
        self.ctx.events.open_page.emit("visit_form", {"task_id": task_id})

    def print_blank_forms(self) -> None:
        """The selected tasks' coded blank forms as one print job (preview first)."""
        from ..printing.visit_form_print import preview_task_forms

        ids = self.selected_ids()
        if ids:
            preview_task_forms(self, ids)

    def copy_survey_link(self) -> None:
        """The selected task's 扫码评价 link onto the clipboard (made on first use)."""
        task_id = self.selected_id()
        if task_id is None:
            return
        try:
            link = links.link_for_task(task_id)
        except UserError as err:
            show_error(self, str(err))
            return
        QGuiApplication.clipboard().setText(links.url_of(link))
        self.ctx.events.status_message.emit(f"已复制扫码评价链接，有效期至 {link.expires_at:%Y-%m-%d}，只能提交一次")

    def print_slips(self) -> None:
        """评价小票 of the selected tasks: their links made, printed, then registered as handed out
        on paper (a cancelled print registers nothing)."""
        from desktop.services.web import slips

        from ..printing.slip_print import print_slips

        ids = self.selected_ids()
        if not ids:
            return
        try:
            batch = slips.slips_for(ids)
        except UserError as err:
            show_error(self, str(err))
            return
        if not print_slips(self, batch):
            return
        slips.handed_out(batch)
        self.ctx.events.status_message.emit(f"已打印{batch.summary()}已登记为纸质问卷发放")
        self.reload()

    def open_counter(self) -> None:
        """柜台填写: the selected task's questionnaire on the counter screen (views.counter)."""
        from ..counter.counter_panel import open_counter

        task_id = self.selected_id()
        if task_id is not None and open_counter(self.ctx, task_id, self) is not None:
            self.reload()

    def send_selected(self) -> None:
        """发放问卷: the channel and moment for the selected tasks (``send_dialog``)."""
        from .send_dialog import SendDialog

        ids = self.selected_ids()
        if not ids:
            return
        self.send_dialog = SendDialog(ids, self)
        if self.send_dialog.exec() == QDialog.Accepted:
            self.ctx.events.status_message.emit(f"已登记 {self.send_dialog.marked} 份问卷发放")
            self.reload()

    def export_sms(self) -> None:
        """导出短信批量文件 for the selected tasks (preview first, ``sms_export_dialog``)."""
        from .sms_export_dialog import SmsExportDialog

        ids = self.selected_ids()
        if not ids:
            show_error(self, "请先在列表中选择要发短信的回访任务（可按住 Ctrl 或 Shift 多选）。")
            return
        try:
            self.sms_export_dialog = SmsExportDialog(ids, self)
        except UserError as err:
            show_error(self, str(err))
            return
        if self.sms_export_dialog.exec() == QDialog.Accepted and self.sms_export_dialog.result is not None:
            self.ctx.events.status_message.emit(self.sms_export_dialog.result.summary())
            self.reload()

    def import_sms_replies(self) -> None:
        """导入短信回复: the platform's reply export into visits, off the GUI thread; then the
        review list with what could not be read."""
        from desktop.services.sms import replies

        from .sms_review_dialog import SmsReviewDialog

        path, _filter = QFileDialog.getOpenFileName(
            self, "选择短信平台导出的回复记录", "", "表格文件 (*.xlsx *.xls *.csv *.txt);;所有文件 (*)"
        )
        if not path:
            return
        try:
            result = run_with_progress(
                self, "正在导入短信回复…", lambda report: replies.import_replies(path, progress=report)
            )
        except UserError as err:
            show_error(self, str(err), "导入失败")
            return
        if result is None:
            self.ctx.events.status_message.emit("已取消导入短信回复，没有写入任何数据")
            return
        if result.entered:
            self.ctx.events.visits_changed.emit()
        summary = result.summary() + "".join(f"\n{line}" for line in result.bad_rows[:5])
        self.sms_review_dialog = SmsReviewDialog(summary, self)
        self.sms_review_dialog.exec()
        self._after_review(self.sms_review_dialog)

    def review_sms_replies(self) -> None:
        from .sms_review_dialog import SmsReviewDialog

        self.sms_review_dialog = SmsReviewDialog("", self)
        self.sms_review_dialog.exec()
        self._after_review(self.sms_review_dialog)

    def _after_review(self, dialog) -> None:
        if dialog.changed:
            self.ctx.events.visits_changed.emit()
        self.reload()

    def ask_reschedule(self, summary: dict) -> tuple[datetime, str] | None:
        dialog = RescheduleDialog(summary, self)
        if dialog.exec() != QDialog.Accepted:
            return None
        return dialog.values()

    def ask_appointment(self, task_id: int, summary: dict) -> tuple[datetime, datetime, str] | None:
        from .appointment_dialog import AppointmentDialog

        dialog = AppointmentDialog(task_id, summary, self)
        if dialog.exec() != QDialog.Accepted:
            return None
        return dialog.values()

    def book_selected(self) -> None:
        """预约: the text to copy, then the agreed slot (asked again after a refused slot)."""
        from desktop.services.scheduling import appointments

        task_id = self.selected_id()
        if task_id is None:
            return
        summary = svc.task_summary(task_id)
        while True:
            answer = self.ask_appointment(task_id, summary)
            if answer is None:
                return
            try:
                message = appointments.book(task_id, *answer)
            except UserError as err:
                show_error(self, str(err))
                continue
            self.ctx.events.status_message.emit(message)
            self.ctx.events.visits_changed.emit()
            self.reload()
            return

    def ask_refusal_reason(self, summary: dict) -> str | None:
        text, ok = QInputDialog.getText(
            self, "拒访", f"{summary['customer']} 拒绝回访。请记录原因（客户原话）：", QLineEdit.Normal, ""
        )
        return text if ok else None

    def _record(self, task_id: int, action: str, **kwargs) -> bool:
        try:
            result = calls.record_quick_outcome(task_id, action, **kwargs)
        except UserError as err:
            show_error(self, str(err))
            return False
        self.ctx.events.status_message.emit(result.message)
        self.ctx.events.visits_changed.emit()
        self.reload()
        return True

    def reschedule_selected(self) -> None:
        task_id = self.selected_id()
        if task_id is None:
            return
        summary = svc.task_summary(task_id)
        while True:
            answer = self.ask_reschedule(summary)
            if answer is None:
                return
            when, reason = answer
            if self._record(task_id, "改约", reason=reason, next_at=when):
                return

    def refuse_selected(self) -> None:
        task_id = self.selected_id()
        if task_id is None:
            return
        reason = self.ask_refusal_reason(svc.task_summary(task_id))
        if reason is None:
            return
        self._record(task_id, "拒访", reason=reason)

    def unreachable_selected(self) -> None:
        task_id = self.selected_id()
        if task_id is not None:
            self._record(task_id, "无法接通")

    def assign_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        staff_id = self.assign_combo.currentData()
        try:
            changed = svc.assign_tasks(ids, staff_id)
        except UserError as err:
            show_error(self, str(err))
            return
        who = self.assign_combo.currentText() if staff_id is not None else "未分配"
        self.ctx.events.status_message.emit(f"已将 {changed} 个任务分配给 {who}")
        self.reload()

    def run_schedule(self) -> None:
        scheduler.configure_calendar()
        try:
            result = scheduler.run_scheduler()
        except UserError as err:
            show_error(self, str(err))
            return
        self.ctx.events.status_message.emit(scheduler.describe(result).replace("\n", " "))
        self.reload()
        self.update_hint()
