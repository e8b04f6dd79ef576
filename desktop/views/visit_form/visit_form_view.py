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

The parts of the paper are built beside this page: visit_header.py (客户/工单 picker, header
grid), visit_questions.py (问卷 list, the answers), visit_signature.py (the footer, the lock bar),
visit_audit.py (修改记录), supervisor_dialog.py (主管确认). This page holds the visit being edited
and what happens between the parts: opening, the call, saving and printing.
"""

import logging
from contextlib import contextmanager

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QWidget,
)

from desktop.models import QuestionnaireTemplate
from desktop.services.admin import accounts, versions
from desktop.services.admin import settings as app_settings
from desktop.services.common.errors import StaleEdit, UserError, ValidationErrors
from desktop.services.visits import signatures as sign_svc
from desktop.services.visits import templates as template_svc
from desktop.services.visits import visit_list
from desktop.services.visits import visits as svc
from desktop.services.visits.visits import DONE, VisitInput

from ..common import merge_dialog
from ..common.context import AppContext
from ..common.unsaved import CANCEL, SAVE, FormAutosaver, ask_unsaved
from ..common.widgets import SPACING, confirm, deny_tooltip, gate, hbox, show_error, show_info, vbox
from .call_script import CallScriptPanel
from .rating_matrix import LINE
from .visit_form_keys import DRAFT_TIP, FINAL_TIP, PAPER_HINT, PaperKeys
from .visit_header import CustomerPicker, VisitHeader
from .visit_questions import TemplateCombo, VisitAnswers
from .visit_recovery import DraftKeeping
from .visit_signature import SignatureFooter, SignedLockBar

log = logging.getLogger(__name__)

# the empty form of a role that may not fill it in (只读): where to find a visit to look at
VIEWER_EMPTY = "只读账号：请在“回访记录”中打开一条回访查看"
NO_PLACEHOLDERS = "QLineEdit, QPlainTextEdit { placeholder-text-color: transparent; }"
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
QLabel#paperHint {{ color: #3c4043; background: #f1f3f4; border-radius: 3px; padding: 4px 6px; }}
QLabel#locked {{ color: #8a4b00; background: #fff3e0; border: 1px solid #ffcc80; border-radius: 3px;
    padding: 6px; }}
QLabel#status {{ color: #3c4043; }}
QLabel#status[done="true"] {{ color: #1b5e20; font-weight: bold; }}
QPlainTextEdit#feedback {{ border: 1px solid {LINE}; }}
QPlainTextEdit#feedback:disabled {{ color: #3c4043; }}
QFrame#footer {{ border-top: 1px solid {LINE}; }}
QFrame#signedLock {{ color: #0d47a1; background: #e8f0fe; border: 1px solid #aecbfa; border-radius: 3px; }}
QFrame#signedLock[override="true"] {{ background: #fff8e1; border: 1px solid #ffd54f; }}
QLabel#audit {{ color: #5f6368; }}
"""


class VisitFormView(PaperKeys, DraftKeeping, QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.visit_id: int | None = None
        self.row_version: int | None = None  # the edit version loaded: a stale copy is caught
        self.status = ""  # "" (new) / 草稿 / 已完成
        self.customer_id: int | None = None
        self.order_id: int | None = None
        self.task_id: int | None = None
        self.template_id: int | None = None
        self._call_ok = False  # the customer said 方便 (or the visit already exists)
        self._dirty = False
        self._loading = 0
        self._autosaved = False  # this form wrote the automatic draft now in the database
        self.autosaver = FormAutosaver(self, lambda: self._dirty, self._write_autosave)
        self.setStyleSheet(PAPER_STYLE)

        # -- top bar: customer / order picker and the questionnaire
        self.picker = CustomerPicker(lambda: (self.customer_id, self.order_id), self)
        self.picker.picked.connect(self._picked)
        self.picker.order_matched.connect(lambda customer_id, order_id: self.start(customer_id, order_id))
        self.template_combo = TemplateCombo()
        self.template_combo.activated.connect(self._template_chosen)
        self.paper_check = QCheckBox("纸质表录入")
        self.paper_check.setToolTip("录入已填好的纸质回访表：不经过通话话术，直接填写答案")
        self.paper_check.toggled.connect(self._paper_toggled)
        self.blank_button = QPushButton("空白表")
        self.blank_button.setToolTip("打印预览本问卷的空白回访表（已选客户时抬头已填好），用于上门或纸质回访")
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
        self.lock_bar = SignedLockBar()
        self.lock_bar.unlock_button.clicked.connect(self.request_unlock)
        self.header = VisitHeader()
        self.locked_label = QLabel(
            "请先在右侧按通话话术确认客户“方便”接听后再填写答案；录入纸质回访表请勾选上方“纸质表录入”。"
        )
        self.locked_label.setObjectName("locked")
        self.locked_label.setWordWrap(True)
        self.paper_hint = QLabel(PAPER_HINT)
        self.paper_hint.setObjectName("paperHint")
        self.paper_hint.setWordWrap(True)
        self.answers_box = VisitAnswers()  # everything that is locked until 方便 / 纸质表录入
        self.footer = SignatureFooter()
        self.footer.signature_box.changed.connect(self._signature_changed)
        self.footer.signature_box.resign_requested.connect(self._resign)
        self.footer.attachments_panel.before_add = self._ensure_saved  # scans go with a saved visit
        self.footer.attachments_panel.changed.connect(self._attachments_changed)
        self.footer.visitor_edit.textEdited.connect(self._visitor_edited)

        # the parts' widgets, under the names other pages and the tests use
        self.search, self.pick = self.picker.search, self.picker.pick
        self.header_values = self.header.header_values
        self.respondent_edit, self.self_check = self.header.respondent_edit, self.header.self_check
        self.date_edit, self.method_combo = self.header.date_edit, self.header.method_combo
        self.matrix, self.feedback_edit = self.answers_box.matrix, self.answers_box.feedback_edit
        self.mood_group = self.answers_box.mood_group
        self.repurchase_check = self.answers_box.repurchase_check
        self.problem_checks = self.answers_box.problem_checks
        self.visitor_edit, self.sign_combo = self.footer.visitor_edit, self.footer.sign_combo
        self.signature_box = self.footer.signature_box
        self.attachments_panel = self.footer.attachments_panel
        self.audit_label = self.footer.audit_label
        self.lock_text, self.unlock_button = self.lock_bar.lock_text, self.lock_bar.unlock_button

        paper = QFrame()
        paper.setObjectName("paper")
        paper.setLayout(
            vbox(
                self.title_label,
                self.company_label,
                self.greeting_label,
                self.lock_bar,
                self.header,
                self.locked_label,
                self.paper_hint,
                self.answers_box,
                self.footer,
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
        splitter.splitterMoved.connect(lambda *_: self._fit_paper())
        splitter.installEventFilter(self)  # resized: _fit_paper

        # -- buttons
        self.new_button = QPushButton("新建")
        self.draft_button = QPushButton("保存草稿")
        self.final_button = QPushButton("完成并保存")
        self.final_button.setDefault(True)
        self.preview_button = QPushButton("打印预览")
        self.print_button = QPushButton("打印")
        self.pdf_button = QPushButton("导出PDF")
        self.counter_button = QPushButton("请顾客在柜台填写")
        self.counter_button.setToolTip("把这个任务的问卷放到柜台屏幕上，由顾客自助填写并签名（views.counter）")
        self.counter_button.clicked.connect(self._to_counter)
        self.new_button.clicked.connect(self._new_clicked)
        self.draft_button.clicked.connect(lambda: self.save(final=False))
        self.final_button.clicked.connect(lambda: self.save(final=True))
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_form)
        self.pdf_button.clicked.connect(self.export_pdf)
        self.final_button.setToolTip(FINAL_TIP)
        self.draft_button.setToolTip(DRAFT_TIP)
        self._add_shortcuts()
        # a role without 回访 (只读) sees the visit and prints it; nothing on it can change
        self.may_call = gate(accounts.CALL, self.new_button, self.paper_check, what="填写回访表")
        if not self.may_call:
            self.script.set_read_only(deny_tooltip(accounts.CALL, "记录拨打结果"))
            self.footer.set_read_only(deny_tooltip(accounts.CALL, "修改签字和签字扫描件"))
            self.lock_bar.read_only = True
            # no "在此记录客户的回答" / "请逐字记录原话" prompts in the empty fields a viewer reads
            # (the text answers are made anew with each questionnaire)
            self.answers_box.setStyleSheet(NO_PLACEHOLDERS)

        top = hbox(
            QLabel("客户/工单："),
            self.search,
            self.pick,
            QLabel("问卷："),
            self.template_combo,
            self.paper_check,
            self.blank_button,
        )
        buttons = hbox(
            self.new_button,
            self.status_label,
            None,
            self.counter_button,
            self.draft_button,
            self.final_button,
            self.preview_button,
            self.print_button,
            self.pdf_button,
        )
        self.setLayout(vbox(top, splitter, buttons, margin=8))

        for signal in (self.answers_box.changed, self.header.edited, self.footer.edited):
            signal.connect(self._mark_dirty)
        ctx.events.templates_changed.connect(self._reload_templates)
        ctx.events.settings_changed.connect(self._settings_changed)
        self.template_combo.fill()
        self.answers_box.fill_problems()
        self.new_visit()

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
            with self._filling():
                self.paper_check.setChecked(True)
        try:
            if new:
                self.new_visit()
            elif visit_id is not None:
                self.load(int(visit_id))
            elif task_id is not None:
                info = svc.task_for_filling(int(task_id))  # not a cancelled task
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
                from desktop.services.intake.customers import get_order

                order = get_order(int(order_id))
                self.start(order.customer_id, order.id)
            elif customer_id is not None:
                self.start(int(customer_id), None)
        except UserError as err:
            show_error(self, str(err), "无法打开回访表")
            return
        if paper and self.answers_box.isEnabled() and self.matrix.isEnabled():
            QTimer.singleShot(0, self.matrix, lambda: self.matrix.focus_row(0))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if watched is self.splitter and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self._fit_paper)  # after the splitter has laid out its panels
        return super().eventFilter(watched, event)

    def _fit_paper(self) -> None:
        """On a small screen (1280×720) the call script gives up width before the form does, so
        the rating grid is never cut off while the script panel can still narrow."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if len(sizes) != 2 or total <= 0:
            return
        paper = self.scroll.widget()
        need = (
            max(paper.minimumWidth(), paper.minimumSizeHint().width())
            + self.scroll.verticalScrollBar().sizeHint().width()
            + 2 * self.scroll.frameWidth()
        )
        if sizes[0] >= need:
            return
        script = max(self.script.minimumWidth(), total - need)
        if script != sizes[1]:
            self.splitter.setSizes([total - script, script])

    def on_shown(self) -> None:
        self.script.refresh()

    # ------------------------------------------------------------------ states
    @contextmanager
    def _filling(self):
        """The form changes its own fields: no 未保存, no reactions meant for the user's edits."""
        self._loading += 1
        try:
            yield
        finally:
            self._loading -= 1

    def new_visit(self) -> None:
        """An empty form: nothing picked yet."""
        with self._filling():
            self.visit_id, self.status, self.row_version = None, "", None
            self.customer_id = self.order_id = self.task_id = None
            self._call_ok = False
            self._set_paper_state(None)
            self.search.edit.clear()
            self._set_template(svc.default_template_id())
            self.header.set_customer(None, None)
            self._reset_fields()
            self.picker.show_current()
            self.script.set_call(None)
        self._shown_fresh()

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
        with self._filling():
            self.visit_id, self.status, self.row_version = None, "", None
            self.customer_id, self.order_id, self.task_id = customer_id, order_id, task_id
            self._call_ok = False
            self._set_paper_state(None)
            self._set_template(template_id or self.template_id or svc.default_template_id())
            self.header.set_customer(customer_id, order_id)
            self._reset_fields()
            self.picker.show_current()
            self._set_script()
        self._shown_fresh()

    def load(self, visit_id: int) -> None:
        data = svc.load_visit(visit_id)
        with self._filling():
            self.visit_id, self.status, self.row_version = data.visit_id, data.status, data.row_version
            self.customer_id, self.order_id, self.task_id = data.customer_id, data.order_id, data.task_id
            self._call_ok = True
            self.template_combo.fill()
            self._set_template(data.template_id, visit_id=data.visit_id)
            self.header.set_customer(data.customer_id, data.order_id)
            self.picker.show_current()
            self.header.set_values(data)
            self.answers_box.set_values(data)
            self.footer.set_values(data)
            self._set_paper_state(data.visit_id, data.sign_status)
            self._set_script()
        self._shown_fresh()

    def _shown_fresh(self) -> None:
        """A visit was just opened or started: nothing unsaved, shown from the top."""
        self._dirty = False
        self._update_state()
        self.scroll.verticalScrollBar().setValue(0)

    def _reset_fields(self) -> None:
        self.answers_box.clear()
        self.header.reset(paper=self.paper_check.isChecked())
        self.footer.reset()

    @staticmethod
    def _template(template_id: int | None) -> QuestionnaireTemplate | None:
        return template_svc.template_by_id(template_id)

    def _set_template(self, template_id: int | None, *, visit_id: int | None = None) -> None:
        """Title, greeting and questions of the questionnaire (with the retired questions that the
        saved visit ``visit_id`` answered)."""
        tpl = self._template(template_id)
        self.template_id = tpl.id if tpl else None
        if tpl is None:
            self.title_label.setText("客户满意度回访表")
            self.greeting_label.setText("")
            self.matrix.set_questions([])
        else:
            self.template_combo.select(tpl.id)
            self.title_label.setText(tpl.title)
            self.greeting_label.setText(tpl.greeting)
            self.greeting_label.setVisible(bool(tpl.greeting))
            self.matrix.set_questions(svc.form_questions(tpl.id, visit_id))
        self.company_label.setText(str(app_settings.get("company_name") or ""))

    def _set_script(self) -> None:
        tpl = self._template(self.template_id)
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
        return self.visit_id is not None and self.lock_bar.is_locked()

    def _update_state(self) -> None:
        unlocked = self._call_ok or self.paper_check.isChecked()
        has_customer = self.customer_id is not None
        editable = unlocked and has_customer and self.may_call
        self.answers_box.setEnabled(editable)
        self.locked_label.setVisible(has_customer and not unlocked and self.may_call)
        self.paper_hint.setVisible(editable and self.paper_check.isChecked() and not self.is_locked())
        self._update_lock()
        self.signature_box.set_signing_enabled(editable)
        done = self.status == DONE
        self.draft_button.setEnabled(has_customer and not done and self.may_call)
        self.draft_button.setToolTip("已完成的回访不能改回草稿" if done else DRAFT_TIP)
        self.final_button.setEnabled(has_customer and self.may_call)
        self.final_button.setText("保存修改" if done else "完成并保存")
        self.counter_button.setEnabled(self.task_id is not None and self.visit_id is None and self.may_call)
        if not self.may_call:
            for button in (self.draft_button, self.final_button):
                button.setToolTip(deny_tooltip(accounts.CALL, "保存回访表"))
        printable = has_customer and (self.may_call or self.visit_id is not None)  # no save first
        for button in (self.preview_button, self.print_button, self.pdf_button):
            button.setEnabled(printable)
        if self.visit_id is None:
            text = "新回访" if has_customer else "请先选择客户或工单" if self.may_call else VIEWER_EMPTY
        else:
            text = f"回访记录 #{self.visit_id} · {self.status}"
        if self.task_id is not None:
            try:
                info = svc.task_info(self.task_id)
                text += f" · 任务：{info['trigger']}（{info['status']}）"
            except UserError:
                pass
        if self._dirty:
            text += " · 未保存"
        if not self.may_call and has_customer:
            text += " · 只读"
        self.status_label.setText(text)
        if bool(self.status_label.property("done")) != done:
            self.status_label.setProperty("done", done)
            self.status_label.style().unpolish(self.status_label)
            self.status_label.style().polish(self.status_label)

    def _update_lock(self) -> None:
        locked = self.is_locked() or not self.may_call
        for part in (self.answers_box, self.header, self.footer, self.picker):
            part.set_locked(locked)
        self.template_combo.setEnabled(not locked)
        self.lock_bar.refresh()

    def _mark_dirty(self, *_args) -> None:
        if self._loading:
            return
        self.autosaver.changed()  # the automatic draft follows a few seconds after the last change
        if not self._dirty:
            self._dirty = True
            self._update_state()

    def may_leave(self) -> bool:
        """The main window asks before the page is dropped (退出, 切换用户): unsaved changes?"""
        return self._may_discard()

    def _may_discard(self) -> bool:
        """Unsaved changes: 保存草稿 (保存修改 for a completed visit) / 放弃 / 取消 — True when the
        form may now show something else."""
        if not self._dirty:
            return True
        done = self.status == DONE
        answer = ask_unsaved(
            self,
            "当前回访表有未保存的修改。\n\n保存草稿：保存后再继续；放弃：丢掉这些修改；取消：回到回访表继续填写。"
            if not done
            else "这条已完成的回访有未保存的修改。\n\n保存修改：保存后再继续；放弃：丢掉这些修改；取消：回到回访表。",
            save_text="保存修改" if done else "保存草稿",
        )
        if answer == CANCEL:
            return False
        if answer == SAVE:
            return self.save(final=done)
        self._dirty = False  # 放弃
        self._clear_autosave()
        self._update_state()
        return True

    def _to_counter(self) -> None:
        """请顾客在柜台填写: the customer answers this task on the counter screen instead."""
        from ..counter.counter_panel import open_counter

        if self.task_id is None or (
            self._dirty and not confirm(self, "回访表上已填的内容不保存，改由顾客在柜台屏幕上填写？")
        ):
            return
        if open_counter(self.ctx, self.task_id, self):
            self._dirty = False
            self._clear_autosave()
            self.new_visit()

    # ------------------------------------------------------------------ reactions
    def _picked(self, customer_id: int, order_id: int | None) -> None:
        if not self._may_discard():
            self.picker.show_rows([])
            return
        self.start(customer_id, order_id)

    def _proceed(self, respondent: str, is_customer: bool) -> None:
        self._call_ok = True
        if not is_customer and respondent:
            self.header.set_other_respondent(respondent)
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

    def _visitor_edited(self, text: str) -> None:
        self.script.set_visitor(text.strip())
        self._mark_dirty()

    def _template_chosen(self, index: int) -> None:
        template_id = self.template_combo.itemData(index)
        if template_id == self.template_id:
            return
        if self.matrix.answers() and not confirm(self, "更换问卷会清空已填写的答案，确定更换吗？", "更换问卷"):
            self.template_combo.select(self.template_id)
            return
        self._set_template(template_id, visit_id=self.visit_id)
        tpl = template_svc.template_by_id(template_id)
        self.script.set_templates(tpl.opening, tpl.closing)  # the call state is kept
        self._mark_dirty()

    def _reload_templates(self) -> None:
        self.template_combo.fill(keep=self.template_id)

    def _settings_changed(self) -> None:
        self.company_label.setText(str(app_settings.get("company_name") or ""))
        self.answers_box.fill_problems()  # the 问题分类 list is edited in the settings
        self.script.refresh()

    def _new_clicked(self) -> None:
        if self._may_discard():
            self.new_visit()

    # ------------------------------------------------------------------ signature, lock, scans
    def _set_paper_state(self, visit_id: int | None, sign_status: str = sign_svc.UNSIGNED) -> None:
        """Signature, scans and lock of the visit now shown (None: a new visit)."""
        self.lock_bar.reset(visit_id, sign_status)
        self.footer.show_visit(visit_id)

    def request_unlock(self) -> bool:
        """申请修改: a supervisor confirms, then the locked fields can be changed until saved."""
        if not self.lock_bar.confirm(
            self,
            f"回访记录 #{self.visit_id} 已签字（{self.lock_bar.stored_sign}），答案已锁定。"
            "请主管确认后再修改；保存时会记录经办人、主管、原因以及每一处修改前后的内容。",
            self.footer.operator(),
        ):
            return False
        self._update_state()
        return True

    def _resign(self) -> None:
        """重新签字 over a saved signature: the supervisor confirms first (it replaces it)."""
        if self.lock_bar.override is None and not self.lock_bar.confirm(
            self,
            "客户已签字。重新签字会替换已保存的签字，需要主管确认，并会记入修改记录。",
            self.footer.operator(),
        ):
            return
        self.signature_box.start_resign()
        self._update_state()
        self._mark_dirty()

    def _signature_changed(self) -> None:
        if self._loading:
            return
        with self._filling():
            self.footer.follow_signature(self.lock_bar.stored_sign)
        self._mark_dirty()

    def _attachments_changed(self) -> None:
        """A scan was added or removed: the saved 签字状态 may have changed with it."""
        stored = sign_svc.sign_status_of(self.visit_id)
        self.row_version = sign_svc.version_after_scan(self.visit_id, self.row_version)
        if stored is not None:
            self.lock_bar.stored_sign = stored
            with self._filling():
                self.sign_combo.setCurrentText(stored)
            self.audit_label.show_visit(self.visit_id)
        self._update_state()
        self.ctx.events.visits_changed.emit()

    # ------------------------------------------------------------------ saving
    def collect(self) -> VisitInput:
        return VisitInput(
            customer_id=self.customer_id,
            order_id=self.order_id,
            task_id=self.task_id,
            template_id=self.template_id,
            **self.header.values(),
            **self.answers_box.values(),
            **self.footer.values(),
            status=self.status,
            visit_id=self.visit_id,
            attempt_ids=list(self.script.attempt_ids),
            row_version=self.row_version,
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
                signature=self.footer.signature_input(self.respondent_edit.text().strip()),
                override=self.lock_bar.override,
            )
        except sign_svc.LockedVisitError as err:
            if not self.lock_bar.confirm(self, str(err), self.footer.operator()):
                return False
            return self.save(final)
        except StaleEdit as err:
            return self._merge(err, final)
        except ValidationErrors as err:
            missing = [e.question_id for e in err.errors if hasattr(e, "question_id")]
            first = self.matrix.mark_missing(missing) if missing else None
            if missing:
                intro = "以下必答题还没有作答，回访表未保存：" if final else "回访表未保存："
                tail = "\n\n已用红色标出。补全后再点“完成并保存”；也可以先“保存草稿”。"
            else:
                intro, tail = "回访表未保存，请修改以下内容：", ""
            QMessageBox.warning(self, "未保存", intro + "\n" + "\n".join(str(e) for e in err.errors) + tail)
            if first is not None:
                self.scroll.ensureWidgetVisible(first)
                self.matrix.focus_row(self.matrix.rows.index(first))
            return False
        except UserError as err:
            show_error(self, str(err), "未保存")
            return False
        self._clear_autosave()
        self.visit_id, self.status, self.row_version = visit.id, visit.status, visit.row_version
        self.script.visit_id = visit.id
        self.script.attempt_ids = []
        self._call_ok = True
        with self._filling():
            self._set_paper_state(visit.id, visit.sign_status)
            self.sign_combo.setCurrentText(visit.sign_status)
        self._dirty = False
        self._update_state()
        self.script.refresh_log()
        what = "已完成" if final else "草稿"
        self.ctx.events.status_message.emit(f"回访记录 #{visit.id} 已保存（{what}）。")
        self.ctx.events.visits_changed.emit()
        return True

    def _merge(self, err: StaleEdit, final: bool) -> bool:
        """Someone else saved this visit since it was opened: both copies field by field (对照修改),
        the choice shown on the form, then saved at the stored version. Cancelled: nothing saved,
        the form unchanged."""
        if err.current is None:  # deleted meanwhile
            show_error(self, str(err), "未保存")
            return False
        mine = self.collect()
        take = merge_dialog.resolve(self, err, versions.visit_differences(mine, err.current))
        if take is None:
            return False
        merged = versions.merged_visit(mine, err.current, take)
        with self._filling():
            self.header.set_values(merged)
            self.answers_box.set_values(merged)
            self.footer.set_values(merged)
        self.row_version = err.version
        return self.save(final)

    def _ensure_saved(self) -> bool:
        """Printing shows what is saved, and scans are archived with a saved visit: save first
        (as a draft unless already completed)."""
        if self.visit_id is not None and not self._dirty:
            return True
        return self.save(final=self.status == DONE)

    # ------------------------------------------------------------------ printing
    def preview(self) -> None:
        if self._ensure_saved():
            from desktop.views.printing import visit_form_print as printing

            printing.preview_visit_form(self, self.visit_id)

    def print_form(self) -> None:
        if self._ensure_saved():
            from desktop.views.printing import visit_form_print as printing

            printing.print_visit_form(self, self.visit_id)

    def export_pdf(self) -> None:
        if not self._ensure_saved():
            return
        info = visit_list.header_info(self.customer_id, self.order_id)
        name = f"回访表_{self.visit_id}_{info['customer']}.pdf"
        path, _filter = QFileDialog.getSaveFileName(self, "导出PDF", name, "PDF 文件 (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        from desktop.views.printing import visit_form_print as printing

        try:
            printing.visit_form_pdf(self.visit_id, path)
        except UserError as err:
            show_error(self, str(err), "无法导出PDF")
            return
        show_info(self, f"已导出：{path}", "导出PDF")

    def _preview_blank(self) -> None:
        from desktop.views.printing import visit_form_print as printing

        printing.preview_blank_form(
            self, self.template_id, customer_id=self.customer_id, order_id=self.order_id
        )
