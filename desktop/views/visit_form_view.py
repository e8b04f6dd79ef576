"""回访表: the satisfaction visit form, laid out like the paper, with the call script beside it.

Top: pick the customer / service order (searched in SQL with a LIMIT, fast with 100k rows) and
the questionnaire. Left: the form — title, company, greeting, the header grid, the rating
matrix, 宝贵意见, 客户情绪, 问题分类, 再购意向, the signature footer: the customer's on-screen
signature (pad for mouse / pen / touch) and the archived scans of the signed paper form. Right:
the call-script panel; the answers can be filled once the customer said 方便 (or 纸质表录入 is
ticked to type in a paper form — a scanned form's code opens it that way). Bottom: 新建,
保存草稿, 完成并保存, 打印预览, 打印, 导出PDF.

A signed visit (电子签名 / 纸质已签) is locked: its header, answers and 宝贵意见 are read-only
until a supervisor confirms the change (申请修改), and the change is recorded in the audit log
shown under the signature.
"""

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QWidget,
)

from desktop.models import METHODS, MOODS, SIGN_STATUSES
from desktop.services import categories as category_svc
from desktop.services import settings as app_settings
from desktop.services import signatures as sign_svc
from desktop.services import templates as template_svc
from desktop.services import visits as svc
from desktop.services.errors import UserError, ValidationErrors
from desktop.services.visits import DONE, SignatureInput, VisitInput

from .attachments_panel import AttachmentsPanel
from .call_script import CallScriptPanel
from .context import AppContext
from .rating_matrix import LINE, RatingMatrix
from .signature_pad import SignatureBox, ask_supervisor
from .widgets import SPACING, SearchBox, confirm, hbox, show_error, show_info, vbox

PAPER_STYLE = f"""
QFrame#paper {{ background: white; border: 1px solid #dadce0; }}
QLabel#formTitle {{ font-size: 17pt; font-weight: bold; color: #202124; }}
QLabel#company {{ font-size: 11pt; color: #3c4043; }}
QLabel#greeting {{ color: #3c4043; }}
QFrame#headerGrid {{ border: 1px solid {LINE}; background: white; }}
QLabel#hlabel {{ background: #f1f3f4; border: none; border-right: 1px solid {LINE};
    border-bottom: 1px solid {LINE}; padding: 3px 6px; font-weight: bold; }}
QWidget#hvalue {{ border: none; border-right: 1px solid {LINE}; border-bottom: 1px solid {LINE}; }}
QLabel#section {{ font-weight: bold; }}
QLabel#locked {{ color: #8a4b00; background: #fff3e0; border: 1px solid #ffcc80; border-radius: 3px;
    padding: 6px; }}
QLabel#status {{ color: #3c4043; }}
QLabel#status[done="true"] {{ color: #1b5e20; font-weight: bold; }}
QPlainTextEdit#feedback {{ border: 1px solid {LINE}; }}
QFrame#footer {{ border-top: 1px solid {LINE}; }}
QFrame#signedLock {{ color: #0d47a1; background: #e8f0fe; border: 1px solid #aecbfa; border-radius: 3px; }}
QFrame#signedLock[override="true"] {{ background: #fff8e1; border: 1px solid #ffd54f; }}
QLabel#audit {{ color: #5f6368; }}
"""
PICK_LIMIT = 30
VISITOR_PLACEHOLDER = "回访人员姓名"


def pick_key(customer_id: int | None, order_id: int | None) -> str:
    """The picker's item data: "customer id:order id" ("12:" without an order)."""
    return f"{customer_id}:{order_id or ''}"


def parse_pick_key(key: str) -> tuple[int, int | None]:
    customer, _, order = key.partition(":")
    return int(customer), int(order) if order else None


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class VisitFormView(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.visit_id: int | None = None
        self.status = ""  # "" (new) / 草稿 / 已完成
        self.customer_id: int | None = None
        self.order_id: int | None = None
        self.task_id: int | None = None
        self.template_id: int | None = None
        self._call_ok = False  # the customer said 方便 (or the visit already exists)
        self._dirty = False
        self._stored_sign = sign_svc.UNSIGNED  # 签字状态 as saved: a signed visit is locked
        self._override: sign_svc.SupervisorOverride | None = None  # a supervisor allowed changes
        self._loading = 0
        self.setStyleSheet(PAPER_STYLE)

        # -- top bar: customer / order picker and the questionnaire
        self.search = SearchBox("姓名、电话、客户编号或工单号", delay_ms=300)
        self.search.setFixedWidth(230)
        self.search.search.connect(self._run_search)
        self.pick = QComboBox()
        self.pick.setPlaceholderText("请选择客户 / 工单")
        self.pick.setMinimumContentsLength(24)
        self.pick.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.pick.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.pick.activated.connect(self._picked)
        self.template_combo = QComboBox()
        self.template_combo.setMinimumContentsLength(20)
        self.template_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.template_combo.activated.connect(self._template_chosen)
        self.paper_check = QCheckBox("纸质表录入")
        self.paper_check.setToolTip("录入已填好的纸质回访表:不经过通话话术,直接填写答案")
        self.paper_check.toggled.connect(self._paper_toggled)
        self.blank_button = QPushButton("空白表")
        self.blank_button.setToolTip("打印预览本问卷的空白回访表(已选客户时抬头已填好),用于上门或纸质回访")
        self.blank_button.clicked.connect(self._preview_blank)
        self.status_label = QLabel()
        self.status_label.setObjectName("status")

        # -- the paper
        self.title_label = QLabel()
        self.title_label.setObjectName("formTitle")
        self.title_label.setAlignment(Qt.AlignCenter)
        self.company_label = QLabel()
        self.company_label.setObjectName("company")
        self.company_label.setAlignment(Qt.AlignCenter)
        self.greeting_label = QLabel()
        self.greeting_label.setObjectName("greeting")
        self.greeting_label.setWordWrap(True)

        self.header_values: dict[str, QLabel] = {}
        self.respondent_edit = QLineEdit()
        self.respondent_edit.setMaxLength(30)
        self.respondent_edit.setPlaceholderText("客户本人")
        self.self_check = QCheckBox("本人")
        self.self_check.setChecked(True)
        self.self_check.setToolTip("被回访人就是客户本人")
        self.self_check.toggled.connect(self._self_toggled)
        self.date_edit = QDateEdit()
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.method_combo = QComboBox()
        self.method_combo.addItems(METHODS)
        header = self._build_header()

        self.matrix = RatingMatrix()
        self.locked_label = QLabel(
            "请先在右侧按通话话术确认客户“方便”接听后再填写答案;录入纸质回访表请勾选上方“纸质表录入”。"
        )
        self.locked_label.setObjectName("locked")
        self.locked_label.setWordWrap(True)

        self.feedback_edit = QPlainTextEdit()
        self.feedback_edit.setObjectName("feedback")
        self.feedback_edit.setPlaceholderText("客户的意见和建议;客户投诉时请逐字记录原话")
        self.feedback_edit.setTabChangesFocus(True)
        self.feedback_edit.setFixedHeight(78)
        self.matrix.finished.connect(lambda: self.feedback_edit.setFocus(Qt.TabFocusReason))

        self.mood_group = QButtonGroup(self)
        mood_buttons = []
        for i, mood in enumerate(MOODS):
            button = QRadioButton(mood)
            self.mood_group.addButton(button, i)
            mood_buttons.append(button)
        self.mood_group.button(0).setChecked(True)
        self.repurchase_check = QCheckBox("再购意向(转销售跟进)")
        self.problem_box = QWidget()
        self.problem_layout = QGridLayout(self.problem_box)
        self.problem_layout.setContentsMargins(0, 0, 0, 0)
        self.problem_layout.setHorizontalSpacing(14)
        self.problem_checks: dict[int, QCheckBox] = {}

        self.visitor_edit = QLineEdit()
        self.visitor_edit.setMaxLength(30)
        self.visitor_edit.setPlaceholderText(VISITOR_PLACEHOLDER)
        self.visitor_edit.setFixedWidth(130)
        self.sign_combo = QComboBox()
        self.sign_combo.addItems(SIGN_STATUSES)
        # 电子签名 comes from the signature pad, never from the list
        self.sign_combo.model().item(SIGN_STATUSES.index(sign_svc.E_SIGNED)).setEnabled(False)
        self.sign_combo.setToolTip(
            "客户在下方签字板签字即为“电子签名”;客户签了纸质表请选“纸质已签”并附上扫描件"
        )
        self.signature_box = SignatureBox()
        self.signature_box.changed.connect(self._signature_changed)
        self.signature_box.resign_requested.connect(self._resign)
        self.attachments_panel = AttachmentsPanel()
        self.attachments_panel.before_add = self._saved_for_attaching
        self.attachments_panel.operator = lambda: self.visitor_edit.text().strip()
        self.attachments_panel.changed.connect(self._attachments_changed)
        self.lock_text = QLabel()
        self.lock_text.setWordWrap(True)
        self.unlock_button = QPushButton("申请修改(主管确认)")
        self.unlock_button.setToolTip("已签字的回访需主管确认后才能修改;修改前后的内容会记入修改记录")
        self.unlock_button.clicked.connect(self.request_unlock)
        self.lock_bar = QFrame()
        self.lock_bar.setObjectName("signedLock")
        self.unlock_button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.lock_bar.setLayout(hbox(self.lock_text, self.unlock_button, spacing=10, margin=6))
        self.lock_bar.hide()
        self.audit_label = QLabel()
        self.audit_label.setObjectName("audit")
        self.audit_label.setWordWrap(True)
        self.audit_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.audit_label.hide()

        self.answers_box = QWidget()  # everything that is locked until 方便 / 纸质表录入
        mood_row = hbox(QLabel("客户情绪:"), *mood_buttons, None, self.repurchase_check, spacing=12)
        self.answers_box.setLayout(
            vbox(
                self.matrix,
                self._section("宝贵意见"),
                self.feedback_edit,
                mood_row,
                hbox(self._section("问题分类:"), self.problem_box, None, spacing=10),
                spacing=SPACING + 2,
            )
        )
        footer = QFrame()
        footer.setObjectName("footer")
        footer.setLayout(
            vbox(
                hbox(
                    QLabel("回访人员:"),
                    self.visitor_edit,
                    QLabel("签字状态:"),
                    self.sign_combo,
                    None,
                    spacing=8,
                ),
                hbox(self.signature_box, self.attachments_panel, spacing=16),
                self.audit_label,
                spacing=8,
                margin=0,
            )
        )
        footer.layout().setContentsMargins(0, 8, 0, 0)

        paper = QFrame()
        paper.setObjectName("paper")
        paper.setLayout(
            vbox(
                self.title_label,
                self.company_label,
                self.greeting_label,
                self.lock_bar,
                header,
                self.locked_label,
                self.answers_box,
                footer,
                None,
                spacing=SPACING + 4,
                margin=18,
            )
        )
        paper.setMinimumWidth(760)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(paper)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setStyleSheet("QScrollArea { background: #eceff1; }")

        self.script = CallScriptPanel()
        self.script.proceed.connect(self._proceed)
        self.script.attempt_recorded.connect(self._attempt_recorded)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.scroll)
        splitter.addWidget(self.script)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([1000, 380])
        self.splitter = splitter

        # -- buttons
        self.new_button = QPushButton("新建")
        self.draft_button = QPushButton("保存草稿")
        self.final_button = QPushButton("完成并保存")
        self.final_button.setDefault(True)
        self.preview_button = QPushButton("打印预览")
        self.print_button = QPushButton("打印")
        self.pdf_button = QPushButton("导出PDF")
        self.new_button.clicked.connect(self._new_clicked)
        self.draft_button.clicked.connect(lambda: self.save(final=False))
        self.final_button.clicked.connect(lambda: self.save(final=True))
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_form)
        self.pdf_button.clicked.connect(self.export_pdf)
        self.final_button.setToolTip("检查必答题,保存为“已完成”并完成关联的回访任务")
        self.draft_button.setToolTip("保存已填写的内容,稍后继续")

        top = hbox(
            QLabel("客户/工单:"),
            self.search,
            self.pick,
            QLabel("问卷:"),
            self.template_combo,
            self.paper_check,
            self.blank_button,
        )
        buttons = hbox(
            self.new_button,
            self.status_label,
            None,
            self.draft_button,
            self.final_button,
            self.preview_button,
            self.print_button,
            self.pdf_button,
        )
        self.setLayout(vbox(top, splitter, buttons, margin=8))

        for signal in (
            self.matrix.changed,
            self.feedback_edit.textChanged,
            self.mood_group.idClicked,
            self.repurchase_check.toggled,
            self.respondent_edit.textEdited,
            self.date_edit.dateChanged,
            self.method_combo.currentIndexChanged,
            self.sign_combo.currentIndexChanged,
        ):
            signal.connect(self._mark_dirty)
        self.visitor_edit.textEdited.connect(self._visitor_edited)
        ctx.events.templates_changed.connect(self._reload_templates)
        ctx.events.settings_changed.connect(self._settings_changed)
        self._fill_templates()
        self._fill_problems()
        self.new_visit()

    # ------------------------------------------------------------------ building
    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("section")
        return label

    def _build_header(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("headerGrid")
        grid = QGridLayout(frame)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)

        def label(text: str) -> QLabel:
            cell = QLabel(text)
            cell.setObjectName("hlabel")
            cell.setAlignment(Qt.AlignCenter)
            cell.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
            return cell

        def value(key: str | None = None, *widgets) -> QWidget:
            cell = QWidget()
            cell.setObjectName("hvalue")
            cell.setAttribute(Qt.WA_StyledBackground, True)
            if key is not None:
                text = QLabel()
                text.setTextInteractionFlags(Qt.TextSelectableByMouse)
                text.setWordWrap(True)
                self.header_values[key] = text
                widgets = (text, *widgets)
            cell.setLayout(hbox(*widgets, spacing=4, margin=3))
            cell.layout().setContentsMargins(6, 2, 4, 2)
            cell.setMinimumHeight(30)
            return cell

        grid.addWidget(label("客户名称"), 0, 0)
        grid.addWidget(value("customer"), 0, 1)
        grid.addWidget(label("被回访人"), 0, 2)
        grid.addWidget(value(None, self.respondent_edit, self.self_check), 0, 3, 1, 3)
        grid.addWidget(label("联系电话"), 1, 0)
        grid.addWidget(value("phone"), 1, 1)
        grid.addWidget(label("通讯地址"), 1, 2)
        grid.addWidget(value("address"), 1, 3, 1, 3)
        grid.addWidget(label("服务类型"), 2, 0)
        grid.addWidget(value("service_type"), 2, 1)
        grid.addWidget(label("产品型号"), 2, 2)
        grid.addWidget(value("product"), 2, 3, 1, 3)
        grid.addWidget(label("服务工程师"), 3, 0)
        grid.addWidget(value("engineer"), 3, 1)
        grid.addWidget(label("回访日期"), 3, 2)
        grid.addWidget(value(None, self.date_edit), 3, 3)
        grid.addWidget(label("回访方式"), 3, 4)
        grid.addWidget(value(None, self.method_combo), 3, 5)
        for col, stretch in enumerate((0, 3, 0, 2, 0, 2)):
            grid.setColumnStretch(col, stretch)
        return frame

    def _fill_templates(self, keep: int | None = None) -> None:
        self.template_combo.blockSignals(True)
        self.template_combo.clear()
        for tpl in template_svc.active_templates():
            self.template_combo.addItem(tpl.label, tpl.id)
        self.template_combo.blockSignals(False)
        if keep is not None:
            self._select_template(keep)

    def _select_template(self, template_id: int) -> None:
        index = self.template_combo.findData(template_id)
        if index < 0:
            from desktop.models import QuestionnaireTemplate

            tpl = QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == template_id)
            if tpl is None:
                return
            self.template_combo.addItem(f"{tpl.label}(旧版本)", tpl.id)
            index = self.template_combo.count() - 1
        self.template_combo.blockSignals(True)
        self.template_combo.setCurrentIndex(index)
        self.template_combo.blockSignals(False)

    def _fill_problems(self, extra_ids=()) -> None:
        checked = set(self.problem_ids())
        for box in self.problem_checks.values():
            self.problem_layout.removeWidget(box)
            box.hide()
            box.setParent(None)
            box.deleteLater()
        self.problem_checks = {}
        wanted = set(extra_ids) | checked
        cats = [c for c in category_svc.list_categories() if c.active or c.id in wanted]
        for i, cat in enumerate(cats):
            box = QCheckBox(cat.name if cat.active else f"{cat.name}(已停用)")
            box.setChecked(cat.id in checked)
            box.toggled.connect(self._mark_dirty)
            self.problem_layout.addWidget(box, i // 4, i % 4)
            self.problem_checks[cat.id] = box

    def problem_ids(self) -> list[int]:
        return [cid for cid, box in self.problem_checks.items() if box.isChecked()]

    # ------------------------------------------------------------------ the picker
    def _run_search(self, text: str) -> None:
        rows = svc.pick_rows(text, limit=PICK_LIMIT)
        self._fill_pick(rows, note_more=len(rows) >= PICK_LIMIT)
        orders = [(cid, oid) for cid, oid, _label in rows if oid is not None]
        if text and self.customer_id is None and len(orders) == 1 and {r[0] for r in rows} == {orders[0][0]}:
            self.start(*orders[0])  # one order matches (e.g. its 工单号 typed): take it

    def _fill_pick(self, rows: list[tuple], note_more: bool = False) -> None:
        current = (self.customer_id, self.order_id)
        self.pick.blockSignals(True)
        self.pick.clear()
        for cid, oid, label in rows:
            self.pick.addItem(label, pick_key(cid, oid))
        if note_more:
            self._pick_note(f"……只列出前 {PICK_LIMIT} 条,请输入更多文字缩小范围")
        elif not rows:
            self._pick_note("没有找到匹配的客户或工单,请换个关键字")
        index = self.pick.findData(pick_key(*current)) if current[0] is not None else -1
        if index < 0 and current[0] is not None:
            self.pick.insertItem(0, svc.pick_label(*current), pick_key(*current))
            index = 0
        self.pick.setCurrentIndex(index)
        self.pick.blockSignals(False)

    def _pick_note(self, text: str) -> None:
        self.pick.addItem(text, None)
        self.pick.model().item(self.pick.count() - 1).setEnabled(False)

    def _picked(self, index: int) -> None:
        data = self.pick.itemData(index)
        if not data or data == pick_key(self.customer_id, self.order_id):
            return
        if not self._may_discard():
            self._fill_pick([])
            return
        customer_id, order_id = parse_pick_key(data)
        self.start(customer_id, order_id)

    # ------------------------------------------------------------------ page API
    def open_with(
        self,
        visit_id=None,
        order_id=None,
        customer_id=None,
        task_id=None,
        new: bool = False,
        paper: bool = False,
        **_ignored,
    ) -> None:
        """Open a saved visit, or start one for a task, an order or a customer (``new``: empty).
        ``paper``: 纸质表录入 — the answers of a paper form are typed in (a scanned code)."""
        if visit_id is not None and visit_id == self.visit_id and self._dirty:
            return  # already open with unsaved edits: keep them
        if not self._may_discard():
            return
        if paper and not self.paper_check.isChecked():
            self._loading += 1
            try:
                self.paper_check.setChecked(True)
            finally:
                self._loading -= 1
        try:
            if new:
                self.new_visit()
            elif visit_id is not None:
                self.load(int(visit_id))
            elif task_id is not None:
                info = svc.task_info(int(task_id))
                draft = svc.draft_for_task(info["id"])
                if draft is not None:
                    self.load(draft)
                else:
                    self.start(
                        info["customer_id"],
                        info["order_id"],
                        task_id=info["id"],
                        template_id=info["template_id"],
                    )
            elif order_id is not None:
                from desktop.services.customers import get_order

                order = get_order(int(order_id))
                self.start(order.customer_id, order.id)
            elif customer_id is not None:
                self.start(int(customer_id), None)
        except UserError as err:
            show_error(self, str(err), "无法打开回访表")
            return
        if paper and self.answers_box.isEnabled() and self.matrix.isEnabled():
            QTimer.singleShot(0, self.matrix, lambda: self.matrix.focus_row(0))

    def on_shown(self) -> None:
        self.script.refresh()

    # ------------------------------------------------------------------ states
    def new_visit(self) -> None:
        """An empty form: nothing picked yet."""
        self._loading += 1
        try:
            self.visit_id, self.status = None, ""
            self.customer_id = self.order_id = self.task_id = None
            self._call_ok = False
            self._set_paper_state(None)
            self.search.edit.clear()
            self._set_template(self._default_template_id(), clear=True)
            self._fill_header()
            self._reset_fields()
            self._fill_pick(svc.pick_rows("", limit=PICK_LIMIT))
            self.script.set_call(None)
        finally:
            self._loading -= 1
        self._dirty = False
        self._update_state()
        self.scroll.verticalScrollBar().setValue(0)

    def start(
        self,
        customer_id: int,
        order_id: int | None,
        *,
        task_id: int | None = None,
        template_id: int | None = None,
    ) -> None:
        """A new visit for the customer (and order); links the open task if there is one."""
        if task_id is None:
            task_id = svc.find_open_task(customer_id, order_id)
            if task_id is not None:
                draft = svc.draft_for_task(task_id)
                if draft is not None:
                    self.load(draft)
                    return
                template_id = template_id or svc.task_info(task_id)["template_id"]
        self._loading += 1
        try:
            self.visit_id, self.status = None, ""
            self.customer_id, self.order_id, self.task_id = customer_id, order_id, task_id
            self._call_ok = False
            self._set_paper_state(None)
            self._set_template(template_id or self.template_id or self._default_template_id(), clear=True)
            self._reset_fields()
            self._fill_header()
            self._fill_pick(svc.customer_orders(customer_id))
            self._set_script()
        finally:
            self._loading -= 1
        self._dirty = False
        self._update_state()
        self.scroll.verticalScrollBar().setValue(0)

    def load(self, visit_id: int) -> None:
        data = svc.load_visit(visit_id)
        self._loading += 1
        try:
            self.visit_id, self.status = data.visit_id, data.status
            self.customer_id, self.order_id, self.task_id = data.customer_id, data.order_id, data.task_id
            self._call_ok = True
            self._fill_templates()
            self._set_template(data.template_id, clear=True, visit_id=data.visit_id)
            self._fill_header()
            self._fill_pick(svc.customer_orders(data.customer_id))
            self.matrix.set_answers(data.answers)
            self.respondent_edit.setText(data.respondent)
            self.self_check.setChecked(data.respondent_is_customer)
            self.date_edit.setDate(_qdate(data.visit_date))
            self.method_combo.setCurrentText(data.method)
            self.visitor_edit.setText(data.visitor)
            self.sign_combo.setCurrentText(data.sign_status)
            self.feedback_edit.setPlainText(data.feedback)
            self.mood_group.button(MOODS.index(data.mood) if data.mood in MOODS else 0).setChecked(True)
            self.repurchase_check.setChecked(data.repurchase)
            for box in self.problem_checks.values():
                box.setChecked(False)
            self._fill_problems(extra_ids=data.problem_ids)
            for cid in data.problem_ids:
                if cid in self.problem_checks:
                    self.problem_checks[cid].setChecked(True)
            self._set_paper_state(data.visit_id, data.sign_status)
            self._set_script()
        finally:
            self._loading -= 1
        self._dirty = False
        self._update_state()
        self.scroll.verticalScrollBar().setValue(0)

    def _reset_fields(self) -> None:
        self.matrix.clear_answers()
        self.respondent_edit.clear()
        self.self_check.setChecked(True)
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_edit.setDate(QDate.currentDate())
        self.method_combo.setCurrentText("问卷" if self.paper_check.isChecked() else "电话")
        self.visitor_edit.setText(str(app_settings.get("visitor_name") or ""))
        self.sign_combo.setCurrentIndex(0)
        self.feedback_edit.clear()
        self.mood_group.button(0).setChecked(True)
        self.repurchase_check.setChecked(False)
        self._fill_problems()
        for box in self.problem_checks.values():
            box.setChecked(False)
        if self.customer_id is not None:
            self.respondent_edit.setText(svc.header_info(self.customer_id)["customer"])

    def _fill_header(self) -> None:
        info = svc.header_info(self.customer_id, self.order_id) if self.customer_id is not None else {}
        for key, label in self.header_values.items():
            label.setText(str(info.get(key, "")))
        if info:
            self.header_values["customer"].setToolTip(f"客户编号 {info['code']} · {info['ctype']}")

    def _default_template_id(self) -> int | None:
        tpl = template_svc.active_template(app_settings.get("default_template_family"))
        if tpl is None:
            templates = template_svc.active_templates()
            tpl = templates[0] if templates else None
        return tpl.id if tpl is not None else None

    def _set_template(self, template_id: int | None, *, clear: bool, visit_id: int | None = None) -> None:
        from desktop.models import QuestionnaireTemplate

        tpl = (
            QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == template_id)
            if template_id
            else None
        )
        self.template_id = tpl.id if tpl else None
        if tpl is None:
            self.title_label.setText("客户满意度回访表")
            self.greeting_label.setText("")
            self.matrix.set_questions([])
        else:
            self._select_template(tpl.id)
            self.title_label.setText(tpl.title)
            self.greeting_label.setText(tpl.greeting)
            self.greeting_label.setVisible(bool(tpl.greeting))
            self.matrix.set_questions(svc.form_questions(tpl.id, visit_id))
        self.company_label.setText(str(app_settings.get("company_name") or ""))

    def _set_script(self) -> None:
        from desktop.models import QuestionnaireTemplate

        tpl = (
            QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == self.template_id)
            if self.template_id
            else None
        )
        self.script.set_call(
            self.customer_id,
            self.order_id,
            self.task_id,
            opening=tpl.opening if tpl else "",
            closing=tpl.closing if tpl else "",
            visitor=self.visitor_edit.text().strip(),
            visit_id=self.visit_id,
        )

    def is_locked(self) -> bool:
        """A signed visit whose content may not be changed (no supervisor confirmed yet)."""
        return self.visit_id is not None and sign_svc.is_signed(self._stored_sign) and self._override is None

    def _update_state(self) -> None:
        unlocked = self._call_ok or self.paper_check.isChecked()
        has_customer = self.customer_id is not None
        self.answers_box.setEnabled(unlocked and has_customer)
        self.locked_label.setVisible(has_customer and not unlocked)
        self._update_lock()
        self.signature_box.set_signing_enabled(unlocked and has_customer)
        done = self.status == DONE
        self.draft_button.setEnabled(has_customer and not done)
        self.draft_button.setToolTip("已完成的回访不能改回草稿" if done else "保存已填写的内容,稍后继续")
        self.final_button.setEnabled(has_customer)
        self.final_button.setText("保存修改" if done else "完成并保存")
        for button in (self.preview_button, self.print_button, self.pdf_button):
            button.setEnabled(has_customer)
        if self.visit_id is None:
            text = "新回访" if has_customer else "请先选择客户或工单"
        else:
            text = f"回访记录 #{self.visit_id} · {self.status}"
        if self.task_id is not None:
            try:
                info = svc.task_info(self.task_id)
                text += f" · 任务:{info['trigger']}({info['status']})"
            except UserError:
                pass
        if self._dirty:
            text += " · 未保存"
        self.status_label.setText(text)
        if bool(self.status_label.property("done")) != done:
            self.status_label.setProperty("done", done)
            self.status_label.style().unpolish(self.status_label)
            self.status_label.style().polish(self.status_label)

    def _mark_dirty(self, *_args) -> None:
        if self._loading:
            return
        if not self._dirty:
            self._dirty = True
            self._update_state()

    def _may_discard(self) -> bool:
        if not self._dirty:
            return True
        return confirm(self, "当前回访表有未保存的修改,放弃这些修改吗?", "未保存")

    # ------------------------------------------------------------------ reactions
    def _proceed(self, respondent: str, is_customer: bool) -> None:
        self._call_ok = True
        if not is_customer and respondent:
            self.self_check.setChecked(False)
            self.respondent_edit.setText(respondent)
            self._mark_dirty()
        self._update_state()
        QTimer.singleShot(0, lambda: self.matrix.focus_row(0))

    def _attempt_recorded(self, result) -> None:
        self.ctx.events.status_message.emit(result.message)
        self.ctx.events.visits_changed.emit()
        self._update_state()

    def _paper_toggled(self, on: bool) -> None:
        if on and self.method_combo.currentText() == "电话" and not self._loading:
            self.method_combo.setCurrentText("问卷")
        self._update_state()
        if on and self.answers_box.isEnabled():
            QTimer.singleShot(0, lambda: self.matrix.focus_row(0))

    def _self_toggled(self, on: bool) -> None:
        if self._loading:
            return
        if on and self.customer_id is not None:
            self.respondent_edit.setText(svc.header_info(self.customer_id)["customer"])
        elif not on:
            self.respondent_edit.clear()
            self.respondent_edit.setFocus()
        self._mark_dirty()

    def _visitor_edited(self, text: str) -> None:
        self.script.set_visitor(text.strip())
        self._mark_dirty()

    def _template_chosen(self, index: int) -> None:
        template_id = self.template_combo.itemData(index)
        if template_id == self.template_id:
            return
        if self.matrix.answers() and not confirm(self, "更换问卷会清空已填写的答案,确定更换吗?", "更换问卷"):
            self._select_template(self.template_id)
            return
        self._set_template(template_id, clear=True, visit_id=self.visit_id)
        from desktop.models import QuestionnaireTemplate

        tpl = QuestionnaireTemplate.get_by_id(template_id)
        self.script.set_templates(tpl.opening, tpl.closing)  # the call state is kept
        self._mark_dirty()

    def _reload_templates(self) -> None:
        self._fill_templates(keep=self.template_id)

    def _settings_changed(self) -> None:
        self.company_label.setText(str(app_settings.get("company_name") or ""))
        self._fill_problems()  # the 问题分类 list is edited in the settings
        self.script.refresh()

    def _new_clicked(self) -> None:
        if self._may_discard():
            self.new_visit()

    # ------------------------------------------------------------------ signature, lock, scans
    def _operator(self) -> str:
        return self.visitor_edit.text().strip() or str(app_settings.get("visitor_name") or "")

    def _set_paper_state(self, visit_id: int | None, sign_status: str = sign_svc.UNSIGNED) -> None:
        """Signature, scans and lock of the visit now shown (None: a new visit)."""
        self._stored_sign = sign_status if visit_id is not None else sign_svc.UNSIGNED
        self._override = None
        info = sign_svc.signature_of(visit_id) if visit_id is not None else None
        self.signature_box.set_saved(info)
        self.attachments_panel.set_visit(visit_id)
        self._set_paper_audit()

    def _update_lock(self) -> None:
        locked = self.is_locked()
        for widget in (
            self.matrix,
            self.feedback_edit,
            self.respondent_edit,
            self.self_check,
            self.date_edit,
            self.method_combo,
            self.visitor_edit,
            self.sign_combo,
            self.search,
            self.pick,
            self.template_combo,
        ):
            widget.setEnabled(not locked)
        signed = self.visit_id is not None and sign_svc.is_signed(self._stored_sign)
        self.lock_bar.setVisible(signed)
        if not signed:
            return
        if self._override is not None:
            text = (
                f"主管“{self._override.supervisor}”已确认修改(原因:{self._override.reason})。"
                "保存时将记录修改前后的内容。"
            )
        else:
            text = (
                f"此回访已签字({self._stored_sign}),回访日期、被回访人、各题答案和宝贵意见已锁定。"
                "客户情绪、问题分类、再购意向仍可修改。"
            )
        self.lock_text.setText(text)
        self.unlock_button.setVisible(self._override is None)
        if bool(self.lock_bar.property("override")) != (self._override is not None):
            self.lock_bar.setProperty("override", self._override is not None)
            self.lock_bar.style().unpolish(self.lock_bar)
            self.lock_bar.style().polish(self.lock_bar)

    def request_unlock(self) -> bool:
        """申请修改: a supervisor confirms, then the locked fields can be changed until saved."""
        override = ask_supervisor(
            self,
            f"回访记录 #{self.visit_id} 已签字({self._stored_sign}),答案已锁定。"
            "请主管确认后再修改;保存时会记录经办人、主管、原因以及每一处修改前后的内容。",
            self._operator(),
        )
        if override is None:
            return False
        self._override = override
        self._update_state()
        return True

    def _resign(self) -> None:
        """重新签字 over a saved signature: the supervisor confirms first (it replaces it)."""
        if self._override is None:
            override = ask_supervisor(
                self,
                "客户已签字。重新签字会替换已保存的签字,需要主管确认,并会记入修改记录。",
                self._operator(),
            )
            if override is None:
                return
            self._override = override
        self.signature_box.start_resign()
        self._update_state()
        self._mark_dirty()

    def _signature_changed(self) -> None:
        if self._loading:
            return
        self._loading += 1
        try:
            if self.signature_box.has_new_signature():
                self.sign_combo.setCurrentText(sign_svc.E_SIGNED)
            elif (
                self.sign_combo.currentText() == sign_svc.E_SIGNED and self._stored_sign != sign_svc.E_SIGNED
            ):
                self.sign_combo.setCurrentText(self._stored_sign)
        finally:
            self._loading -= 1
        self._mark_dirty()

    def _saved_for_attaching(self) -> bool:
        """Scans are archived with a saved visit: save the form first if needed."""
        return self._ensure_saved()

    def _attachments_changed(self) -> None:
        from desktop.models import Visit

        row = Visit.get_or_none(Visit.id == self.visit_id) if self.visit_id is not None else None
        if row is not None:
            self._stored_sign = row.sign_status
            self._loading += 1
            try:
                self.sign_combo.setCurrentText(row.sign_status)
            finally:
                self._loading -= 1
            self._set_paper_audit()
        self._update_state()
        self.ctx.events.visits_changed.emit()

    def _set_paper_audit(self) -> None:
        """修改记录: the latest changes made to the signed visit (all of them in the tooltip)."""
        entries = sign_svc.audit_entries(self.visit_id) if self.visit_id is not None else []
        if entries:
            shown = "\n".join(e.text for e in entries[:3])
            more = f"\n……共 {len(entries)} 条" if len(entries) > 3 else ""
            self.audit_label.setText(f"修改记录(签字后的修改):\n{shown}{more}")
            self.audit_label.setToolTip("\n\n".join(e.text for e in entries))
        self.audit_label.setVisible(bool(entries))

    # ------------------------------------------------------------------ saving
    def collect(self) -> VisitInput:
        return VisitInput(
            customer_id=self.customer_id,
            order_id=self.order_id,
            task_id=self.task_id,
            template_id=self.template_id,
            visit_date=_pydate(self.date_edit.date()),
            method=self.method_combo.currentText(),
            visitor=self.visitor_edit.text(),
            respondent=self.respondent_edit.text(),
            respondent_is_customer=self.self_check.isChecked(),
            answers=self.matrix.answers(),
            feedback=self.feedback_edit.toPlainText(),
            mood=MOODS[max(self.mood_group.checkedId(), 0)],
            repurchase=self.repurchase_check.isChecked(),
            problem_ids=self.problem_ids(),
            status=self.status,
            sign_status=self.sign_combo.currentText(),
            visit_id=self.visit_id,
            attempt_ids=list(self.script.attempt_ids),
        )

    def _signature_input(self) -> SignatureInput | None:
        drawn = self.signature_box.new_signature()
        if drawn is None:
            return None
        png, signed_at, device = drawn
        return SignatureInput(
            png, signed_at=signed_at, signer=self.respondent_edit.text().strip(), device=device
        )

    def save(self, final: bool) -> bool:
        """保存草稿 (``final`` False) or 完成并保存; False (with a message) when refused.

        The signature drawn on the pad is saved with the visit. A signed visit refuses changes to
        its signed content unless a supervisor confirmed them (asked for here if not yet)."""
        self.matrix.clear_marks()
        try:
            visit = svc.save_visit(
                self.collect(),
                final,
                visit_id=self.visit_id,
                signature=self._signature_input(),
                override=self._override,
            )
        except sign_svc.LockedVisitError as err:
            override = ask_supervisor(self, str(err), self._operator())
            if override is None:
                return False
            self._override = override
            return self.save(final)
        except ValidationErrors as err:
            missing = [e.question_id for e in err.errors if hasattr(e, "question_id")]
            first = self.matrix.mark_missing(missing) if missing else None
            if missing:
                intro = "以下必答题还没有作答,回访表未保存:" if final else "回访表未保存:"
                tail = "\n\n已用红色标出。补全后再点“完成并保存”;也可以先“保存草稿”。"
            else:
                intro, tail = "回访表未保存,请修改以下内容:", ""
            QMessageBox.warning(self, "未保存", intro + "\n" + "\n".join(str(e) for e in err.errors) + tail)
            if first is not None:
                self.scroll.ensureWidgetVisible(first)
                self.matrix.focus_row(self.matrix.rows.index(first))
            return False
        except UserError as err:
            show_error(self, str(err), "未保存")
            return False
        self.visit_id, self.status = visit.id, visit.status
        self.script.visit_id = visit.id
        self.script.attempt_ids = []
        self._call_ok = True
        self._loading += 1
        try:
            self._set_paper_state(visit.id, visit.sign_status)
            self.sign_combo.setCurrentText(visit.sign_status)
        finally:
            self._loading -= 1
        self._dirty = False
        self._update_state()
        self.script.refresh_log()
        what = "已完成" if final else "草稿"
        self.ctx.events.status_message.emit(f"回访记录 #{visit.id} 已保存({what})。")
        self.ctx.events.visits_changed.emit()
        return True

    def _ensure_saved(self) -> bool:
        """Printing shows what is saved: save first (as a draft unless already completed)."""
        if self.visit_id is not None and not self._dirty:
            return True
        return self.save(final=self.status == DONE)

    # ------------------------------------------------------------------ printing
    def preview(self) -> None:
        if self._ensure_saved():
            from desktop.views import printing

            printing.preview_visit_form(self, self.visit_id)

    def print_form(self) -> None:
        if self._ensure_saved():
            from desktop.views import printing

            printing.print_visit_form(self, self.visit_id)

    def export_pdf(self) -> None:
        if not self._ensure_saved():
            return
        info = svc.header_info(self.customer_id, self.order_id)
        name = f"回访表_{self.visit_id}_{info['customer']}.pdf"
        path, _filter = QFileDialog.getSaveFileName(self, "导出PDF", name, "PDF 文件 (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        from desktop.views import printing

        try:
            printing.visit_form_pdf(self.visit_id, path)
        except UserError as err:
            show_error(self, str(err), "无法导出PDF")
            return
        show_info(self, f"已导出:{path}", "导出PDF")

    def _preview_blank(self) -> None:
        from desktop.views import printing

        printing.preview_blank_form(
            self, self.template_id, customer_id=self.customer_id, order_id=self.order_id
        )
