"""抽样计划 page: choose a period and filters, set the strata quotas and the rate, preview how many
customers each stratum gives, then draw them (reproducibly, from a seed) as 回访任务 — assigned
evenly to the chosen staff or left unassigned. A second mode samples one day's completed orders
by evaluator role (工长自评 100% / 调度回访 90% / 管理人员回访 10%)."""

import random
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.services.admin import next_steps
from desktop.services.common import calendar
from desktop.services.common.errors import UserError
from desktop.services.scheduling import plans
from desktop.services.scheduling import tasks as task_svc
from desktop.services.scheduling.plans import STRATA, STRATUM_RULE, PlanFilters
from desktop.services.scheduling.sampling import DEFAULT_QUOTAS, DEFAULT_RATE, EVALUATOR_RATES, SELF_REVIEW

from ..common.context import AppContext
from ..common.empty_state import EmptyHint
from ..common.operations import Latest
from ..common.widgets import MARGIN, confirm, form, hbox, heading, show_error, vbox

MODES = ("分层抽样（VIP / 投诉 / 普通）", "按评价角色（某日完工工单）")
STRATIFIED, EVALUATOR = 0, 1
ALL = "全部"
_WARN_STYLE = "color: #b45309;"
_OK_STYLE = "color: #1b5e20;"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _percent_spin(value: float, maximum: float = 100.0, decimals: int = 0) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0, maximum)  # quotas are never negative
    spin.setDecimals(decimals)
    spin.setSuffix(" %")
    spin.setValue(value)
    spin.setAlignment(Qt.AlignRight)
    return spin


def _cell(value, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(str(value))
    item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
    if align_right:
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return item


class SamplingView(QWidget):
    """Page "sampling". ``open_with(start=None, end=None)`` sets the period."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = date.today()
        self.last_result: plans.PlanResult | None = None
        self._name_touched = False
        self._setting_name = False

        start, end = last_month(self.today)
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(MODES)
        self.name_edit = QLineEdit(plans.default_plan_name(start, end))
        self.name_edit.setPlaceholderText("如 2024年10月抽样")
        self.start_edit = _date_edit(start)
        self.end_edit = _date_edit(end)
        self.period_label = QLabel("至")
        self.period_title = QLabel("完工期间")
        self.type_combo, self.region_combo, self.team_combo, self.engineer_combo = (
            QComboBox() for _ in range(4)
        )
        for combo in (self.type_combo, self.region_combo, self.team_combo, self.engineer_combo):
            combo.setMinimumWidth(150)

        # stratified: quotas and rate
        self.quota_spins = {name: _percent_spin(DEFAULT_QUOTAS[name] * 100) for name in STRATA}
        self.quota_sum_label = QLabel()
        self.rate_spin = _percent_spin(DEFAULT_RATE * 100, decimals=1)
        self.rate_spin.setMinimum(0.1)
        # evaluator roles
        self.role_spins = {role: _percent_spin(rate * 100) for role, rate in EVALUATOR_RATES.items()}
        self.role_spins[SELF_REVIEW].setEnabled(False)  # every order: the foreman's own form
        self.role_spins[SELF_REVIEW].setToolTip("工长对当日完工工单 100% 自评，在“工长自评”页填写，不建回访任务")

        self.template_combo = QComboBox()  # the questionnaire the plan's tasks use
        self.template_combo.setToolTip("回访任务使用的问卷；按评价角色抽样时默认用维修中心的三档评价问卷")
        self._template_touched = False
        self.template_combo.activated.connect(self._on_template_picked)

        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setValue(self.today.year * 100 + self.today.month)
        self.seed_spin.setToolTip("相同的期间、筛选、配额和种子，抽到的客户完全相同，可复核")
        self.reseed_button = QPushButton("换一个")
        self.window_start_edit = _date_edit(calendar.current().next_workday(self.today))
        self.window_days_spin = QSpinBox()
        self.window_days_spin.setRange(1, 60)
        self.window_days_spin.setValue(plans.DEFAULT_WINDOW_WORKDAYS)
        self.window_days_spin.setSuffix(" 个工作日")

        # one form for every condition (rows of the other mode hidden): the labels line up
        self.conditions_form = form(
            ("抽样方式", self.mode_combo),
            ("计划名称", self.name_edit),
            (self.period_title, hbox(self.start_edit, self.period_label, self.end_edit)),
            ("服务类型", self.type_combo),
            ("区域", self.region_combo),
            ("班组", self.team_combo),
            ("服务工程师", self.engineer_combo),
            *((f"{name}配额", spin) for name, spin in self.quota_spins.items()),
            ("配额合计", self.quota_sum_label),
            ("抽样比例", self.rate_spin),
            *((role, spin) for role, spin in self.role_spins.items()),
            ("随机种子", hbox(self.seed_spin, self.reseed_button)),
            ("回访开始", self.window_start_edit),
            ("回访期限", self.window_days_spin),
        )
        self._stratified_rows = [*self.quota_spins.values(), self.quota_sum_label, self.rate_spin]
        self._evaluator_rows = list(self.role_spins.values())
        conditions = QGroupBox("抽样条件")
        conditions.setLayout(vbox(self.conditions_form, None, margin=MARGIN))
        conditions.setFixedWidth(400)

        # preview, staff and creation
        self.rule_label = QLabel(STRATUM_RULE)
        self.rule_label.setWordWrap(True)
        self.preview_table = QTableWidget(0, 4)
        self.preview_table.setHorizontalHeaderLabels(["分层", "客户数", "配额", "抽取数"])
        self.preview_table.verticalHeader().hide()
        self.preview_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.preview_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.preview_table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.preview_table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(_WARN_STYLE)
        self.staff_list = QListWidget()
        self.staff_list.setFixedHeight(self.fontMetrics().height() * 7)
        self.staff_hint = QLabel()
        self.staff_hint.setWordWrap(True)
        self.create_button = QPushButton("创建任务")
        self.create_button.setDefault(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.open_tasks_button = QPushButton("查看回访任务")
        self.open_tasks_button.setEnabled(False)
        self.history_table = QTableWidget(0, 4)
        self.history_table.setHorizontalHeaderLabels(["已建计划", "任务数", "已完成", "创建时间"])
        self.empty_hint = EmptyHint(ctx, self.history_table, next_steps.sampling_step)  # no orders yet
        self.history_table.verticalHeader().hide()
        self.history_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        header = self.history_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)

        right = vbox(
            self.rule_label,
            self.preview_table,
            self.warning_label,
            hbox(QLabel("问卷模板："), self.template_combo, None),
            QLabel("分配给（勾选回访人员，任务轮流平均分配；都不勾选则暂不分配）："),
            self.staff_list,
            self.staff_hint,
            hbox(self.create_button, self.open_tasks_button, None),
            self.result_label,
            self.history_table,
        )
        self.setLayout(
            vbox(
                hbox(heading("抽样计划"), None),
                QLabel(
                    "每期至少回访服务客户的 10%，按分层配额抽取；相同种子可重现同一批客户，重复创建不会产生重复任务。"
                ),
                hbox(conditions, right),
                margin=MARGIN,
            )
        )

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self.refresh_preview)
        for widget in (self.start_edit, self.end_edit):
            widget.dateChanged.connect(self._on_period_changed)
        for combo in (self.type_combo, self.region_combo, self.team_combo, self.engineer_combo):
            combo.currentIndexChanged.connect(self._schedule_preview)
        for spin in (*self.quota_spins.values(), self.rate_spin, *self.role_spins.values()):
            spin.valueChanged.connect(self._schedule_preview)
        self.mode_combo.currentIndexChanged.connect(self._on_mode_changed)
        self.name_edit.textEdited.connect(self._on_name_edited)
        self.reseed_button.clicked.connect(lambda: self.seed_spin.setValue(random.randrange(1, 999_999)))
        self.create_button.clicked.connect(self.create_tasks)
        self.open_tasks_button.clicked.connect(self._open_tasks)
        ctx.events.orders_changed.connect(self._schedule_preview)
        ctx.events.customers_changed.connect(self._schedule_preview)

        self._choices_job = Latest(self)
        self._preview_job = Latest(self)
        self._history_job = Latest(self)
        self._shown_once = False
        self._choices_pending = False
        self._on_mode_changed(STRATIFIED, preview=False)

    # -- page protocol
    def on_shown(self) -> None:
        if self._shown_once:
            self.load_choices()
            self.refresh_preview()
            self.load_history()
        else:  # the first showing: the page is on screen at once, its figures follow
            self._shown_once = True
            self._refresh_in_background()  # the plan history follows the preview
        self.empty_hint.refresh()  # orders may have been imported since

    def open_with(self, start: date | None = None, end: date | None = None) -> None:
        if start is not None:
            self.start_edit.setDate(_qdate(start))
        if end is not None:
            self.end_edit.setDate(_qdate(end))
        self.refresh_preview()

    # -- inputs
    def load_choices(self) -> None:
        """Fill the filter pickers and the staff list from the database, keeping the choices."""
        self._fill_choices(plans.filter_choices())
        self._load_staff()
        self.load_templates()

    def _fill_choices(self, choices: dict) -> None:
        for combo, key in (
            (self.type_combo, "service_type"),
            (self.region_combo, "region"),
            (self.team_combo, "team"),
            (self.engineer_combo, "engineer"),
        ):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ALL)
            combo.addItems(choices[key])
            index = combo.findText(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _load_staff(self) -> None:
        """The people to assign (a short list: read here)."""
        checked = set(self.checked_staff())
        self.staff_list.clear()
        for staff_id, name, role in task_svc.staff_choices():
            item = QListWidgetItem(f"{name}（{role}）")
            item.setData(Qt.UserRole, staff_id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if staff_id in checked else Qt.Unchecked)
            self.staff_list.addItem(item)
        if not self.staff_list.count():
            self.staff_hint.setText("还没有员工：可在“设置”中添加回访人员，或先创建未分配的任务。")
        else:
            self.staff_hint.setText("")

    def checked_staff(self) -> list[int]:
        out = []
        for row in range(self.staff_list.count()):
            item = self.staff_list.item(row)
            if item.checkState() == Qt.Checked:
                out.append(item.data(Qt.UserRole))
        return out

    def filters(self) -> PlanFilters:
        def value(combo: QComboBox) -> str:
            text = combo.currentText()
            return "" if text == ALL else text

        return PlanFilters(
            service_type=value(self.type_combo),
            region=value(self.region_combo),
            team=value(self.team_combo),
            engineer=value(self.engineer_combo),
        )

    def period(self) -> tuple[date, date]:
        start = _pydate(self.start_edit.date())
        if self.mode == EVALUATOR:
            return start, start
        return start, _pydate(self.end_edit.date())

    @property
    def mode(self) -> int:
        return self.mode_combo.currentIndex()

    def quotas(self) -> dict[str, float]:
        return {name: spin.value() / 100 for name, spin in self.quota_spins.items()}

    def rates(self) -> dict[str, float]:
        return {role: spin.value() / 100 for role, spin in self.role_spins.items()}

    def _on_template_picked(self, _index: int) -> None:
        self._template_touched = True

    def load_templates(self) -> None:
        """Fill the questionnaire choice; the user's pick is kept, else the mode's default."""
        keep = self.template_combo.currentData() if self._template_touched else None
        self.template_combo.clear()
        for tpl in plans.plan_templates():
            self.template_combo.addItem(tpl.name, tpl.id)
        default = plans.evaluator_template_id() if self.mode == EVALUATOR else task_svc.default_template_id()
        wanted = keep or default
        index = self.template_combo.findData(wanted)
        self.template_combo.setCurrentIndex(max(index, 0))

    def template_id(self) -> int | None:
        return self.template_combo.currentData()

    def _on_mode_changed(self, mode: int, preview: bool = True) -> None:
        evaluator = mode == EVALUATOR
        self._template_touched = False
        self.load_templates()
        for widget in self._stratified_rows:
            self.conditions_form.setRowVisible(widget, not evaluator)
        for widget in self._evaluator_rows:
            self.conditions_form.setRowVisible(widget, evaluator)
        self.period_label.setVisible(not evaluator)
        self.period_title.setText("完工日期" if evaluator else "完工期间")
        self.end_edit.setVisible(not evaluator)
        self.rule_label.setText(
            "按评价角色：所选日期完工的工单由工长 100% 自评（在“工长自评”页逐单评分，不建回访任务）；"
            "调度回访、管理人员回访各按比例抽取，同一工单只回访一次客户。"
            "管理人员回访分配给在职主管；调度回访分配给下方勾选的人员。"
            if evaluator
            else STRATUM_RULE
        )
        self.preview_table.setHorizontalHeaderLabels(
            ["评价角色", "工单数", "比例", "抽取数"] if evaluator else ["分层", "客户数", "配额", "抽取数"]
        )
        self._update_default_name()
        if preview:
            self.refresh_preview()

    def _on_period_changed(self) -> None:
        self._update_default_name()
        self._schedule_preview()

    def _on_name_edited(self, _text: str) -> None:
        self._name_touched = True

    def _update_default_name(self) -> None:
        if self._name_touched:
            return
        start, end = self.period()
        if start > end:
            return
        name = plans.default_plan_name(start, end)
        if self.mode == EVALUATOR:
            name = f"{start.month}月{start.day}日评价抽样"
        self.name_edit.setText(name)

    def _schedule_preview(self, *_args) -> None:
        self._preview_timer.start()

    # -- preview
    def refresh_preview(self) -> None:
        """Recompute the preview now (a request still loading in the background is dropped)."""
        self._preview_timer.stop()
        self._preview_job.cancel()
        self._show_preview(_compute_preview(self._preview_request()))
        self._start_choices()

    def _refresh_in_background(self) -> None:
        """The first showing: the filter lists and the preview are read off the GUI thread
        (``views.tasks``); "正在计算…" meanwhile."""
        self._preview_timer.stop()
        request = self._preview_request()
        self.warning_label.setText("正在计算…")
        self.create_button.setEnabled(False)
        self._load_staff()
        self._choices_pending = True  # the filter lists after the preview (the page's data)

        def arrived(outcome: tuple) -> None:
            self._show_preview(outcome)
            self._start_choices()
            self.load_history()

        self._preview_job.start(lambda _report: _compute_preview(request), arrived)

    def _start_choices(self) -> None:
        if self._choices_pending:
            self._choices_pending = False
            self._choices_job.start(lambda _report: plans.filter_choices(), self._fill_choices)

    @property
    def loading(self) -> bool:
        """The preview is being read in the background."""
        return self._preview_job.busy

    @property
    def choices_loading(self) -> bool:
        """The filter lists are being read in the background (after the preview)."""
        return self._preview_job.busy or self._choices_job.busy

    @property
    def history_loading(self) -> bool:
        """The plans made so far are being read in the background."""
        return self._history_job.busy

    def _preview_request(self) -> tuple:
        """What the preview is computed from (read from the inputs, here)."""
        total_quota = sum(spin.value() for spin in self.quota_spins.values())
        self.quota_sum_label.setText(
            f"{total_quota:g} %" + ("" if abs(total_quota - 100) < 1e-9 else "（将按比例换算）")
        )
        self.quota_sum_label.setStyleSheet("" if abs(total_quota - 100) < 1e-9 else _WARN_STYLE)
        start, end = self.period()
        if self.mode == EVALUATOR:
            return (EVALUATOR, start, end, self.filters(), self.rates(), None)
        return (STRATIFIED, start, end, self.filters(), self.quotas(), self.rate_spin.value())

    def _show_preview(self, outcome: tuple) -> None:
        if outcome[0] == "error":
            self._fill_preview([], None)
            self.warning_label.setText(outcome[1])
            self.create_button.setEnabled(False)
            return
        _ok, table, totals, warnings = outcome
        self._fill_preview(table, totals)
        self.warning_label.setText("\n".join(warnings))
        self.create_button.setEnabled(bool(totals[3]))

    def _fill_preview(self, rows: list[tuple], totals: tuple | None) -> None:
        all_rows = rows + ([totals] if totals else [])
        self.preview_table.setRowCount(len(all_rows))
        for r, row in enumerate(all_rows):
            for c, value in enumerate(row):
                item = _cell(value, align_right=c > 0)
                if totals is not None and r == len(all_rows) - 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.preview_table.setItem(r, c, item)
        table = self.preview_table
        rows_height = sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(table.horizontalHeader().height() + rows_height + 2 * table.frameWidth())

    def preview_counts(self) -> dict[str, int]:
        """What the preview table shows: name → number to draw (for tests and the confirmation)."""
        out = {}
        for r in range(self.preview_table.rowCount()):
            name = self.preview_table.item(r, 0).text()
            if name != "合计":
                out[name] = int(self.preview_table.item(r, 3).text())
        return out

    # -- create
    def create_tasks(self) -> None:
        self.refresh_preview()
        counts = self.preview_counts()
        if self.mode == EVALUATOR:
            counts.pop(SELF_REVIEW, None)  # the foreman's own form: no task
        total = sum(counts.values())
        if not total:
            show_error(self, self.warning_label.text() or "没有可抽取的客户。")
            return
        name = self.name_edit.text().strip()
        staff = self.checked_staff()
        who = f"平均分配给 {len(staff)} 位人员" if staff else "暂不分配（可在回访任务页再分配）"
        if self.mode == EVALUATOR:
            who = "管理人员回访给主管、调度回访" + (
                f"平均分配给 {len(staff)} 位人员" if staff else "暂不分配"
            )
        detail = "、".join(f"{k} {v}" for k, v in counts.items())
        if not confirm(self, f"按计划“{name}”抽取并创建 {total} 个回访任务（{detail}），{who}。\n\n确定创建吗？"):
            return
        start, end = self.period()
        window_start = _pydate(self.window_start_edit.date())
        try:
            if self.mode == EVALUATOR:
                result = plans.create_evaluator_tasks(
                    name,
                    start,
                    self.filters(),
                    self.rates(),
                    self.seed_spin.value(),
                    staff,
                    window_start=window_start,
                    window_workdays=self.window_days_spin.value(),
                    template_id=self.template_id(),
                )
            else:
                result = plans.create_plan_tasks(
                    name,
                    start,
                    end,
                    self.filters(),
                    self.quotas(),
                    self.rate_spin.value() / 100,
                    self.seed_spin.value(),
                    staff,
                    window_start=window_start,
                    window_workdays=self.window_days_spin.value(),
                    template_id=self.template_id(),
                )
        except UserError as err:
            show_error(self, str(err))
            return
        self.last_result = result
        self.result_label.setText(result.text())
        self.result_label.setStyleSheet(_OK_STYLE if result.created else "")
        self.open_tasks_button.setEnabled(True)
        self.load_history()
        if result.created:
            self.ctx.events.visits_changed.emit()
        self.ctx.events.status_message.emit(f"抽样计划“{name}”：新建回访任务 {result.created} 个")

    def _open_tasks(self) -> None:
        search = self.last_result.trigger if self.last_result else ""
        self.ctx.events.open_page.emit("tasks", {"bucket": "全部", "search": search})

    # -- history
    def load_history(self) -> None:
        """Read the plans made so far in the background (a scan of the tasks) and list them."""
        self._history_job.start(lambda _report: plans.list_plans(), self._fill_history)

    def _fill_history(self, rows: list) -> None:
        self.history_table.setRowCount(len(rows))
        for r, (name, count, done, created) in enumerate(rows):
            when = (
                created.strftime("%Y-%m-%d %H:%M")
                if hasattr(created, "strftime")
                else str(created or "")[:16]
            )
            for c, value in enumerate((name, count, done, when)):
                self.history_table.setItem(r, c, _cell(value, align_right=c in (1, 2)))


def _compute_preview(request: tuple) -> tuple:
    """The preview's rows, totals and warnings (no widgets: also run in a worker thread), or
    ``("error", message)``."""
    mode, start, end, filters, shares, rate = request
    try:
        if mode == EVALUATOR:
            rows = plans.preview_evaluator(start, filters, shares)
            table = [(r.role, r.population, f"{r.rate:.0%}", r.count) for r in rows]
            population = rows[0].population if rows else 0
            totals = ("合计", population, "", sum(r.count for r in rows))
            warnings = [] if population else [f"{start} 没有符合条件的已完成工单。"]
        else:
            preview = plans.preview_plan(start, end, filters, shares, rate / 100)
            table = [(r.name, r.population, f"{r.quota:.0%}", r.count) for r in preview.rows]
            totals = ("合计", preview.population, f"抽样比例 {rate:g}%", preview.total)
            warnings = preview.warnings
    except UserError as err:
        return ("error", str(err))
    return ("ok", table, totals, warnings)
