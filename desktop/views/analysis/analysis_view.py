"""问题分析 page: which problems the negative feedback of a period is about (Pareto table and
chart), how much each hurts (pain matrix), the proposed TOP3 with a button to plan the fix, and
the negative visits still without a category, with suggestions and bulk tagging, the 细分对比
tab (满意率, NPS and 综合得分 by customer group, 客户来源, service type, channel or engineer:
``analysis_segments``) and the 评价对比 tab (工长自评 beside the 调度 and 管理人员 phone visits:
``analysis_evaluators``).

Nothing slow runs on the GUI thread (``views.tasks``, the project's one background helper): the
filter lists load in the background; the Pareto table and the untagged list come first (``loading``
turns false, ``filled`` is emitted), then the pain matrix, the TOP3 and the customer's words (the
word segmenter loads its dictionary on first use, seconds) — "正在计算…" shows where they go until
then. A newer request (the filters changed meanwhile) supersedes the older one. The chart's canvas
is made once matplotlib has been imported in the background (``charts.ChartSlot``)."""

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTabWidget,
    QWidget,
)

from desktop.models import METHODS
from desktop.services.admin import accounts, categories
from desktop.services.common.errors import UserError
from desktop.services.reporting import orders, periods, problem_tags, problems
from desktop.services.reporting.scope import Scope

from ..common.charts import ChartSlot
from ..common.context import AppContext
from ..common.operations import Latest
from ..common.widgets import MARGIN, confirm, gate, hbox, heading, show_error, vbox
from .analysis_evaluators import EvaluatorsTab
from .analysis_segments import SegmentsTab
from .analysis_widgets import (  # noqa: F401 (ALL, KINDS and the widgets are the page's API)
    ALL,
    KINDS,
    QUADRANT_STYLE,
    UNTAGGED_LIMIT,
    KeywordsDialog,
    PeriodPicker,
    TopCard,
    note_label,
    table_item,
)


class AnalysisView(QWidget):
    """Page "analysis". ``open_with(period=None, team=None, engineer=None, service_type=None)``:
    ``period`` is anything ``periods.parse_period`` reads (2024Q2, 2024-05, (from, to) …)."""

    filled = Signal()  # the Pareto table and the untagged list show the current filters
    details_filled = Signal()  # … and the matrix, the TOP3 and the customer's words

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.loading = False
        self.details_loading = False
        self.untagged_total = 0
        self.words: dict = {}
        self._choices_job = Latest(self)
        self._main_job = Latest(self)
        self._detail_job = Latest(self)
        self._untagged_job = Latest(self)  # the untagged list, beside the details
        self._choices_wanted = False
        self._stale = True
        self._loading = False
        self._period_chosen = False  # the period opens on the newest visit's quarter once
        self.period: periods.Period | None = None
        self.pareto_rows: list[problems.ParetoRow] = []
        self.matrix: problems.PainMatrix | None = None
        self.proposals: list[problems.Proposal] = []
        self.untagged: list[problem_tags.NegativeVisit] = []
        self.complaints: orders.Rate | None = None  # 投诉率 of the period and filters

        # -- filters
        self.period_picker = PeriodPicker()
        self.team = QComboBox()
        self.engineer = QComboBox()
        self.service_type = QComboBox()
        self.channel = QComboBox()  # 回访方式: the scope's channel filter
        self.channel.addItem("全部方式", None)
        for method in METHODS:
            self.channel.addItem(method, method)
        for combo in (self.team, self.engineer, self.service_type, self.channel):
            combo.setMinimumWidth(110)
            combo.currentIndexChanged.connect(lambda _i: self._filters_changed())
        self.period_picker.changed.connect(self._filters_changed)
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.refresh)
        self.keywords_button = QPushButton("关键词规则…")
        self.keywords_button.clicked.connect(self.edit_keywords)
        self.summary = QLabel()
        filters = hbox(
            QLabel("统计期间"),
            self.period_picker,
            QLabel("班组"),
            self.team,
            QLabel("工程师"),
            self.engineer,
            QLabel("服务类型"),
            self.service_type,
            QLabel("回访方式"),
            self.channel,
            None,
            self.refresh_button,
        )

        # -- tab 1: Pareto, pain matrix, TOP3
        self.pareto_table = QTableWidget(0, 6)
        self.pareto_table.setHorizontalHeaderLabels(
            ["问题分类", "次数", "占比", "累计占比", "象限", "客户高频用词"]
        )
        self.pareto_table.verticalHeader().setVisible(False)
        self.pareto_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.pareto_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        header = self.pareto_table.horizontalHeader()
        for col in range(5):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.Stretch)
        self.pareto_note = note_label()
        self.chart = ChartSlot(5.6, 3.0)
        self.chart.ready.connect(self.draw_pareto)

        self.quadrant_lists: dict[str, QListWidget] = {}
        grid = QGridLayout()
        grid.setSpacing(6)
        positions = {
            problems.LOW_HIGH: (0, 1),
            problems.HIGH_HIGH: (0, 2),
            problems.LOW_LOW: (1, 1),
            problems.HIGH_LOW: (1, 2),
        }
        for name, (row, col) in positions.items():
            action, background, colour = QUADRANT_STYLE[name]
            box = QGroupBox(f"{name} · {action}")
            box.setStyleSheet(
                f"QGroupBox {{ background: {background}; border: 1px solid {colour}; border-radius: 4px;"
                f" margin-top: 1.1em; font-weight: bold; color: {colour}; }}"
                " QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 3px; }"
            )
            lst = QListWidget()
            lst.setStyleSheet(
                "QListWidget { background: transparent; border: none; color: #222; font-weight: normal; }"
            )
            lst.setFixedHeight(84)
            box.setLayout(vbox(lst, margin=4))
            grid.addWidget(box, row, col)
            self.quadrant_lists[name] = lst
        pain_axis = QLabel("痛\n感\n↑")
        pain_axis.setAlignment(Qt.AlignCenter)
        grid.addWidget(pain_axis, 0, 0, 2, 1)
        freq_axis = QLabel("出现次数 →")
        freq_axis.setAlignment(Qt.AlignCenter)
        grid.addWidget(freq_axis, 2, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        self.matrix_note = note_label()
        formula = note_label(problems.PAIN_FORMULA)
        matrix_box = QGroupBox("痛点矩阵")
        matrix_box.setLayout(vbox(grid, self.matrix_note, formula, None, margin=MARGIN))

        self.top_cards = [TopCard() for _ in range(3)]
        for card in self.top_cards:
            card.plan.connect(self.plan_improvement)
        self.top_empty = note_label("本期还没有已归类的负面反馈，无法提出 TOP 问题。请先在“待归类负面反馈”中归类。")
        top_box = QGroupBox("建议优先解决的 TOP3 问题")
        top_intro = note_label("排序：高频高痛在前，其次低频高痛，再次高频低痛。")
        top_box.setLayout(vbox(top_intro, *self.top_cards, self.top_empty, None, margin=MARGIN))

        pareto_box = QGroupBox("问题频次（帕累托）")
        self.pareto_table.setMinimumWidth(420)
        pareto_box.setLayout(vbox(hbox(vbox(self.pareto_table, self.pareto_note), self.chart), margin=MARGIN))
        self.chart.setMinimumWidth(420)
        body = QWidget()
        body.setLayout(vbox(pareto_box, hbox(matrix_box, top_box), margin=0))
        matrix_box.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        top_box.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(body)

        # -- tab 2: negative visits without a category
        self.untagged_table = QTableWidget(0, 7)
        self.untagged_table.setHorizontalHeaderLabels(
            ["回访日期", "服务类型", "工程师", "负面依据", "客户反馈", "建议分类", "建议依据"]
        )
        self.untagged_table.verticalHeader().setVisible(False)
        self.untagged_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.untagged_table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.untagged_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.untagged_table.setWordWrap(True)
        uh = self.untagged_table.horizontalHeader()
        for col, width in enumerate((90, 70, 70, 200, 320, 130)):
            self.untagged_table.setColumnWidth(col, width)
        uh.setStretchLastSection(True)
        self.untagged_table.itemSelectionChanged.connect(self._update_buttons)
        self.untagged_note = note_label()
        self.apply_selected_button = QPushButton("对所选应用建议")
        self.apply_selected_button.clicked.connect(self.apply_selected)
        self.apply_all_button = QPushButton("全部应用建议")
        self.apply_all_button.setToolTip(
            "对本期（按当前筛选）所有待归类负面反馈应用建议分类；没有建议的保持待归类"
        )
        self.apply_all_button.clicked.connect(self.apply_all)
        self.tag_category = QComboBox()
        self.tag_category.setMinimumWidth(130)
        self.tag_button = QPushButton("归入所选分类")
        self.tag_button.clicked.connect(self.tag_selected)
        untagged_tab = QWidget()
        untagged_tab.setLayout(
            vbox(
                self.untagged_note,
                self.untagged_table,
                hbox(
                    self.apply_selected_button,
                    self.apply_all_button,
                    None,
                    QLabel("手工归类："),
                    self.tag_category,
                    self.tag_button,
                ),
                margin=MARGIN,
            )
        )

        # changing categories, tags and actions is a 主管's job; others look at the analysis
        self.may_manage = gate(
            accounts.MANAGE,
            self.keywords_button,
            *(card.plan_button for card in self.top_cards),
            self.apply_selected_button,
            self.apply_all_button,
            self.tag_category,
            self.tag_button,
            what="归类问题或制定改进措施",
        )
        if not self.may_manage:  # nothing asks a viewer to tag what they cannot
            self.top_empty.setText("本期还没有已归类的负面反馈，无法提出 TOP 问题（归类由主管完成）。")
        self._top_empty_text = self.top_empty.text()

        self.tabs = QTabWidget()
        self.tabs.addTab(scroll, "TOP问题分析")
        self.tabs.addTab(untagged_tab, "待归类负面反馈")
        self.segments = SegmentsTab()  # 满意率, NPS, 综合得分 by customer group, source, …
        self.tabs.addTab(self.segments, "细分对比")
        self.evaluators = EvaluatorsTab()  # 工长自评 beside the 调度 and 管理人员 phone visits
        self.tabs.addTab(self.evaluators, "评价对比")
        # 关键词规则 in the heading row: the filter row is full at 1280 wide
        self.setLayout(
            vbox(hbox(heading("问题分析"), self.summary, None, self.keywords_button), filters, self.tabs, margin=MARGIN)
        )

        ctx.events.visits_changed.connect(self._on_data_changed)
        ctx.events.orders_changed.connect(self._on_data_changed)
        ctx.events.settings_changed.connect(self._on_data_changed)
        self._update_buttons()

    # ------------------------------------------------------------------ chart
    @property
    def canvas(self):
        return self.chart.canvas

    @property
    def figure(self):
        return self.chart.figure

    @property
    def charts_drawn(self) -> bool:
        """The chart is drawn with the figures of the current filters."""
        return not self.loading and self.chart.canvas is not None and self.chart.drawn

    def draw_pareto(self) -> None:
        from ..common.charts import BAR, LINE, REFERENCE, TEXT

        if self.figure is None or self.period is None or self.loading:
            return  # drawn when both the canvas and the figures are there
        fig = self.figure
        fig.clear()
        ax = fig.add_subplot(111)
        rows = self.pareto_rows
        if not rows:
            ax.axis("off")
            ax.text(
                0.5, 0.5, "本期没有已归类的负面反馈", ha="center", va="center", color=REFERENCE, fontsize=12
            )
            self.chart.changed()
            return
        names = [r.name for r in rows]
        xs = list(range(len(rows)))
        bars = ax.bar(xs, [r.count for r in rows], color=BAR, width=0.6)
        ax.bar_label(bars, padding=2, fontsize=9, color=TEXT)
        crowded = len(rows) > 4  # long Chinese names would run into each other
        ax.set_xticks(
            xs, names, fontsize=9, rotation=25 if crowded else 0, ha="right" if crowded else "center"
        )
        ax.set_ylabel("出现次数")
        ax.set_ylim(0, max(r.count for r in rows) * 1.18)
        ax.spines[["top"]].set_visible(False)
        ax2 = ax.twinx()
        ax2.plot(xs, [r.cumulative_pct for r in rows], color=LINE, marker="o", markersize=4)
        ax2.axhline(80, color=REFERENCE, linestyle="--", linewidth=1)
        ax2.text(len(rows) - 0.5, 81, "80%", color=REFERENCE, fontsize=8, ha="right", va="bottom")
        ax2.set_ylim(0, 110)
        ax2.set_ylabel("累计占比（%）")
        ax2.spines[["top"]].set_visible(False)
        ax.set_title("负面反馈问题分类帕累托图", fontsize=11)
        self.chart.changed()

    # ------------------------------------------------------------------ filters
    def _load_choices(self) -> None:
        """Read the teams, engineers, service types and categories in the background, once the
        figures being read have arrived (they come first; every caller refreshes next)."""
        self._choices_wanted = True

    def _flush_choices(self) -> None:
        if not self._choices_wanted:
            return
        self._choices_wanted = False

        def job(_report):
            cats = [(c.name, c.id) for c in categories.list_categories(include_inactive=False)]
            return problems.filter_choices(), cats

        self._choices_job.start(job, self._choices_arrived, self._failed)

    def _choices_arrived(self, result) -> None:
        choices, cats = result
        for combo, values, all_text in (
            (self.team, choices["teams"], "全部班组"),
            (self.engineer, choices["engineers"], "全部工程师"),
            (self.service_type, choices["service_types"], "全部类型"),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(all_text, None)
            for value in values:
                combo.addItem(value, value)
            if current and combo.findData(current) < 0:  # chosen by open_with, not on any order
                combo.addItem(current, current)
            index = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self.tag_category.clear()
        for name, cat_id in cats:
            self.tag_category.addItem(name, cat_id)
        self._update_buttons()

    def scope(self, period) -> Scope:
        """The visits the page counts: the period and filters, restricted like the signed-in
        person's lists (a 回访员 counts their own visits), as the dashboard does."""
        return Scope.for_signed_in(period=period, **self.filters())

    def filters(self) -> dict:
        return {
            "team": self.team.currentData(),
            "engineer": self.engineer.currentData(),
            "service_type": self.service_type.currentData(),
            "channel": self.channel.currentData(),
        }

    def _filters_changed(self) -> None:
        if not self._loading:
            self.refresh()

    def _on_data_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self._load_choices()
            self.refresh()

    def on_shown(self) -> None:
        self.chart.load()
        if self._stale:
            self._load_choices()
            self.refresh()

    def open_with(
        self, period=None, team=None, engineer=None, service_type=None, channel=None, **_ignored
    ) -> None:
        self._loading = True
        try:
            self._load_choices()
            if period is not None:
                try:
                    chosen = periods.parse_period(period)
                except UserError as err:
                    show_error(self, str(err))
                    chosen = None
                if chosen is not None:
                    self._period_chosen = True
                    self.period_picker.set_latest(max(chosen.end, self.period_picker.latest))
                    self.period_picker.set_period(chosen)
            for combo, value in (
                (self.team, team),
                (self.engineer, engineer),
                (self.service_type, service_type),
                (self.channel, channel),
            ):
                if value is not None:
                    index = combo.findData(value)
                    if index < 0:
                        combo.addItem(value, value)
                        index = combo.count() - 1
                    combo.setCurrentIndex(index)
        finally:
            self._loading = False
        self.refresh()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Read the figures of the filters in the background: the Pareto table and the untagged
        list first, then the matrix, the TOP3 and the words. A request still running is
        superseded (its result is dropped)."""
        try:
            period = self.period_picker.period()
        except UserError as err:
            self.summary.setText(str(err))
            self._flush_choices()
            return
        if period is None:
            self._flush_choices()
            return
        first = not self._period_chosen  # the page opens on the newest visit's quarter
        base = self.scope(None)  # read the signed-in person here, not in the background

        def job(_report):
            chosen, last = period, None
            if first:
                last = problems.last_visit_date()
                if last is not None:
                    chosen = periods.quarter_period(last.year, (last.month - 1) // 3 + 1)
            return chosen, last, problems.pareto(base.with_period(chosen))

        self.loading = self.details_loading = True
        self._detail_job.cancel()
        self._untagged_job.cancel()
        self.summary.setText(f"  {period.label}：正在计算…")
        self._main_job.start(job, self._main_arrived, self._failed)
        self.chart.load()

    def _main_arrived(self, result) -> None:
        period, last, self.pareto_rows = result
        if last is not None and not self._period_chosen:
            self._period_chosen = True
            self._loading = True
            try:
                self.period_picker.set_latest(last)
                self.period_picker.set_period(period)
            finally:
                self._loading = False
        self.period = period
        self.loading = False
        self._stale = False
        self.matrix, self.proposals, self.words, self.untagged = None, [], {}, None
        self._show_pareto()
        self.chart.drawn = False
        QTimer.singleShot(0, self.draw_pareto)  # after the table is on screen (a render: ~0.2 s)
        self._show_matrix()
        self._show_top()
        self._show_untagged(None)
        self.segments.show_scope(self.scope(period))
        self.evaluators.show_range(period.start, period.end, self.filters()["team"] or "")
        self.filled.emit()
        self._flush_choices()
        if self.isVisible():
            # on screen before the rest starts: loading the word segmenter holds the
            # interpreter for a moment (one long C call), however it is threaded
            self.repaint()
        # the rest at the same time: the matrix, TOP3 and words; the untagged list (its
        # suggestions, like the words, need the word segmenter: seconds when first loaded)
        scope = self.scope(period)

        def details(_report):
            matrix = problems.pain_matrix(scope)
            proposals = problems.propose_top3(scope, matrix=matrix, words=False)
            words = problems.customer_words(scope)
            for p in proposals:
                p.words = words.get(p.category_id, [])
            return matrix, proposals, words, orders.complaint_rate(scope)

        def untagged(_report):
            return (
                problem_tags.untagged_negative(scope, limit=UNTAGGED_LIMIT),
                problems.count_untagged(scope),
            )

        self._detail_job.start(details, self._details_arrived, self._failed)
        self._untagged_job.start(untagged, self._untagged_arrived, self._failed)

    def _details_arrived(self, result) -> None:
        self.matrix, self.proposals, self.words, self.complaints = result
        self._show_pareto()
        self._show_matrix()
        self._show_top()
        self._rest_arrived()

    def _untagged_arrived(self, result) -> None:
        self.untagged, self.untagged_total = result
        self._show_untagged(self.untagged_total)
        self._rest_arrived()

    def _rest_arrived(self) -> None:
        if self.matrix is None or self.untagged is None:
            return
        self.details_loading = False
        total = self.matrix.feedback_total
        untagged = self.untagged_total
        rate = self.complaints
        complaints = "—" if rate.value is None else f"{rate.value * 100:.1f}%"
        self.summary.setText(
            f"  {self.period.label}：负面反馈 {total} 条，已归类 {total - untagged} 条，待归类 {untagged} 条；"
            f"投诉率 {complaints}（投诉工单 {rate.part} / 完成工单 {rate.whole}）"
        )
        self.summary.setToolTip(rate.definition)
        self.details_filled.emit()

    def _failed(self, error: BaseException) -> None:
        self._flush_choices()
        self.loading = self.details_loading = False
        self.summary.setText(f"  统计失败：{error}。请点击“刷新”重试。")
        self.filled.emit()

    def _show_pareto(self) -> None:
        """The table (its 象限 and 客户高频用词 columns say "…" until the details arrive)."""
        words = self.words
        quadrant = {r.category_id: r.quadrant for r in self.matrix.rows} if self.matrix else None
        table = self.pareto_table
        table.setRowCount(0)
        right = Qt.AlignRight | Qt.AlignVCenter
        for r in self.pareto_rows:
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, 0, table_item(r.name, data=r.category_id))
            table.setItem(row, 1, table_item(r.count, right))
            table.setItem(row, 2, table_item(f"{r.share_pct:.1f}%", right))
            table.setItem(row, 3, table_item(f"{r.cumulative_pct:.1f}%", right))
            if quadrant is None:
                table.setItem(row, 4, table_item("…"))
                table.setItem(row, 5, table_item("正在计算…"))
                continue
            q = quadrant.get(r.category_id, "")
            cell = table_item(q)
            if q:
                cell.setForeground(QBrush(QColor(QUADRANT_STYLE[q][2])))
            table.setItem(row, 4, cell)
            table.setItem(row, 5, table_item("、".join(w for w, _n in words.get(r.category_id, [])[:5])))
        mentions = sum(r.count for r in self.pareto_rows)
        if self.pareto_rows:
            vital = next(i for i, r in enumerate(self.pareto_rows) if r.cumulative >= 0.8 - 1e-9) + 1
            self.pareto_note.setText(
                f"共 {mentions} 次分类（一条反馈可归入多个分类）；前 {vital} 类累计占到 80% 以上。"
                "占比 = 次数 ÷ 全部分类次数。"
            )
        else:
            self.pareto_note.setText("本期没有已归类的负面反馈。")

    def _show_matrix(self) -> None:
        for lst in self.quadrant_lists.values():
            lst.clear()
        m = self.matrix
        if m is None:  # the details are still loading
            for lst in self.quadrant_lists.values():
                lst.addItem("正在计算…")
            self.matrix_note.setText("")
            return
        for r in m.rows:
            self.quadrant_lists[r.quadrant].addItem(f"{r.name}   {r.count} 次 · 痛感 {r.pain:.2f}")
        for lst in self.quadrant_lists.values():
            if lst.count() == 0:
                lst.addItem("—")
        if m.rows:
            self.matrix_note.setText(
                f"分界线：出现次数中位数 {m.count_median:g} 次，痛感中位数 {m.pain_median:.2f}。"
            )
        else:
            self.matrix_note.setText("")

    def _show_top(self) -> None:
        if self.matrix is None:  # the details are still loading
            for card in self.top_cards:
                card.hide()
            self.top_empty.setText("正在计算…")
            self.top_empty.setVisible(True)
            return
        self.top_empty.setText(self._top_empty_text)
        for card, proposal in zip(self.top_cards, self.proposals + [None] * 3, strict=False):
            if proposal is None:
                card.hide()
            else:
                card.show_proposal(proposal)
                card.show()
        self.top_empty.setVisible(not self.proposals)

    def _show_untagged(self, total: int | None) -> None:
        """The untagged list (``total`` None: still loading)."""
        table = self.untagged_table
        table.setRowCount(0)
        if total is None:
            self.untagged_note.setText("正在计算…")
            self.tabs.setTabText(1, "待归类负面反馈（…）")
            self._update_buttons()
            return
        for v in self.untagged:
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, 0, table_item(v.visit_date.isoformat(), data=v.visit_id))
            table.setItem(row, 1, table_item(v.service_type))
            table.setItem(row, 2, table_item(v.engineer))
            table.setItem(row, 3, table_item(v.reasons))
            table.setItem(row, 4, table_item(v.text.replace("\n", " ")))
            names = "、".join(s.name for s in v.suggestions)
            table.setItem(row, 5, table_item(names or ("（无建议，请手工归类）" if self.may_manage else "（无建议）")))
            table.setItem(row, 6, table_item("；".join(f"{s.name}：{s.why}" for s in v.suggestions)))
        table.resizeRowsToContents()
        shown = len(self.untagged)
        more = f"（显示最新 {shown} 条）" if total > shown else ""
        self.untagged_note.setText(
            f"负面反馈 = 任一题“不满意/非常不满意”、1–10 分 ≤ 6、推荐意愿 ≤ 6、落实度为“否”、"
            f"客户情绪不满或投诉工单的有效回访。每条都应归入至少一个问题分类。本期待归类 {total} 条{more}。"
            + ("可多选后应用建议，或选择分类手工归入。" if self.may_manage else "归类由主管完成。")
        )
        self.tabs.setTabText(1, f"待归类负面反馈（{total}）")
        self._update_buttons()

    # ------------------------------------------------------------------ actions
    def selected_visit_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.untagged_table.selectedIndexes()})
        return [self.untagged_table.item(r, 0).data(Qt.UserRole) for r in rows]

    def _update_buttons(self) -> None:
        selected = bool(self.untagged_table.selectedIndexes()) and self.may_manage
        self.apply_selected_button.setEnabled(selected)
        self.tag_button.setEnabled(selected and self.tag_category.count() > 0)
        self.apply_all_button.setEnabled(bool(self.untagged) and self.may_manage)

    def _changed(self, message: str) -> None:
        self.ctx.events.status_message.emit(message)
        self.ctx.events.visits_changed.emit()
        if self._stale:  # not visible, so visits_changed did not refresh us
            self.refresh()

    def apply_selected(self) -> None:
        ids = self.selected_visit_ids()
        if not ids:
            return
        try:
            counts = problem_tags.apply_suggestions(ids)
        except UserError as err:
            show_error(self, str(err))
            return
        self._changed(self._counts_text(counts))

    def apply_all(self) -> None:
        total = problems.count_untagged(self.scope(self.period))
        if not confirm(self, f"对{self.period.label}（按当前筛选）的 {total} 条待归类负面反馈应用建议分类？"):
            return
        try:
            counts = problem_tags.auto_tag(self.scope(self.period))
        except UserError as err:
            show_error(self, str(err))
            return
        self._changed(self._counts_text(counts))

    @staticmethod
    def _counts_text(counts: dict) -> str:
        text = f"已归类 {counts['tagged']} 条回访（新增 {counts['links']} 个分类标记）"
        if counts["no_suggestion"]:
            text += f"，{counts['no_suggestion']} 条没有建议，请手工归类"
        return text + "。"

    def tag_selected(self) -> None:
        ids = self.selected_visit_ids()
        category_id = self.tag_category.currentData()
        if not ids or category_id is None:
            return
        try:
            added = problem_tags.tag_visits(ids, category_id)
        except UserError as err:
            show_error(self, str(err))
            return
        self._changed(f"已将 {added} 条回访归入“{self.tag_category.currentText()}”。")

    def plan_improvement(self, category_id: int, visit_ids: list) -> None:
        self.ctx.events.open_page.emit(
            "improvement", {"new_from_category": category_id, "visit_ids": visit_ids}
        )

    def edit_keywords(self) -> None:
        dialog = KeywordsDialog(self)
        if dialog.exec() == QDialog.Accepted:
            self.ctx.events.status_message.emit("关键词规则已保存，新的建议分类已生效。")
            self.ctx.events.settings_changed.emit()
            if self._stale:
                self.refresh()
