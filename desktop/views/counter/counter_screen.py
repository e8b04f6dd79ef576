"""The customer-facing counter screen (柜台自助): full screen on the monitor staff chose, large
touch targets, one question at a time, then 宝贵意见 and the signature, 提交 → thank-you →
back to the idle screen with the shop's name.

The customer cannot reach the rest of the app from here: a frameless top-level window with no
menu, no context menu and no other window's controls; closing it (Alt+F4, Esc) is refused —
the staff side ends the counter mode, or staff press ``STAFF_KEY`` on the counter's keyboard
(``staff_exit`` is emitted; the staff panel closes it). A customer who walks away mid-way is
asked "您还在填写吗？" after ``QUIET_MS`` without a touch, and ``GRACE_MS`` later the answers are
dropped and the idle screen shows (``abandoned``), so the next customer never sees them.

The screen only shows and collects: the session comes from ``services.web.counter.start`` and
the answers go to ``counter.submit`` (the phone page's own saving path).
"""

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, SCORE10, TEXT, YESNO
from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.web import counter

from ..common.widgets import hbox, vbox
from ..visit_form.signature_pad import SignaturePad

STAFF_KEY = "Ctrl+Shift+F12"
THANKS_MS = 8000  # the thank-you screen, then the idle screen
# a customer who walked away: after QUIET_MS without a touch "您还在填写吗？", and GRACE_MS later the
# idle screen (answers not saved), so that the next customer never sees them
QUIET_MS = 180_000
GRACE_MS = 30_000
_INPUT = (QEvent.MouseButtonPress, QEvent.TouchBegin, QEvent.KeyPress, QEvent.TabletPress)
PAD_WIDTH, PAD_HEIGHT = 600, 200
STYLE = """
CounterScreen, QStackedWidget > QWidget, QScrollArea, QScrollArea > QWidget > QWidget { background: #f4f6fa; }
QLabel { color: #1f2933; font-size: 24px; }
QLabel#shop { font-size: 56px; font-weight: bold; color: #0d47a1; }
QLabel#welcome { font-size: 30px; color: #52606d; }
QLabel#progress { font-size: 22px; color: #52606d; }
QLabel#question { font-size: 34px; font-weight: bold; }
QLabel#hint { font-size: 22px; color: #52606d; }
QLabel#error { font-size: 24px; color: #b00020; }
QLabel#thanks { font-size: 48px; font-weight: bold; color: #1b5e20; }
QPushButton { font-size: 26px; min-height: 76px; border-radius: 12px; border: 2px solid #9aa5b1;
  background: #ffffff; padding: 6px 18px; color: #1f2933; }
QPushButton:checked { background: #1565c0; border-color: #0d47a1; color: #ffffff; }
QPushButton#primary { background: #1565c0; color: #ffffff; border-color: #0d47a1; font-weight: bold; }
QPushButton#primary:disabled { background: #9fb7d6; border-color: #9fb7d6; }
QPushButton#secondary { background: #e4e7eb; }
QPlainTextEdit, QLineEdit { font-size: 24px; background: #ffffff; border: 2px solid #9aa5b1;
  border-radius: 10px; padding: 8px; }
"""
KIND_HINT = {
    SCORE10: "请选择 1–10 分（1 分最低，10 分最高）",
    NPS: "请选择 0–10 分（0 分最低，10 分最高）",
    YESNO: "请选择“是”或“否”",
    CHOICE: "请选择一项",
    LEVEL5: "请选择一项",
    TEXT: "请写下您的想法（选填）",
}


def _label(text: str = "", name: str = "", wrap: bool = True, align=Qt.AlignLeft) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setAlignment(align | Qt.AlignVCenter)
    if name:
        label.setObjectName(name)
    return label


def _page(body, nav) -> QWidget:
    """A page: its body scrolls when the screen is small (a long question on a tablet), the
    navigation buttons stay at the bottom."""
    inner = QWidget()
    inner.setLayout(body)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setWidget(inner)
    page = QWidget()
    page.setLayout(vbox(scroll, nav, margin=32, spacing=12))
    return page


class CounterScreen(QWidget):
    """``begin(session)`` shows the questionnaire; ``show_idle()`` the shop's name. Signals:
    ``submitted(visit_id)``, ``link_closed(text)`` (someone else submitted first, or the task
    closed), ``abandoned()`` (left unanswered: back to idle), ``staff_exit()`` (the staff key)."""

    submitted = Signal(int)
    link_closed = Signal(str)
    abandoned = Signal()
    staff_exit = Signal()

    def __init__(self, parent=None):
        super().__init__(parent, Qt.Window | Qt.FramelessWindowHint)
        self.setWindowTitle("客户满意度评价")
        self.setContextMenuPolicy(Qt.NoContextMenu)
        self.setStyleSheet(STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.may_close = False  # only the staff side sets it
        self.session: counter.CounterSession | None = None
        self.answers: dict[str, str] = {}
        self.index = 0
        self.thanks_ms = THANKS_MS
        self._thanks_timer = QTimer(self)
        self._thanks_timer.setSingleShot(True)
        self._thanks_timer.timeout.connect(self.show_idle)
        self.quiet_ms, self.grace_ms = QUIET_MS, GRACE_MS
        self._quiet_timer = QTimer(self)
        self._quiet_timer.setSingleShot(True)
        self._quiet_timer.timeout.connect(self._ask_still_there)
        self._grace_timer = QTimer(self)
        self._grace_timer.setSingleShot(True)
        self._grace_timer.timeout.connect(self.abandon)
        self._before_still = None  # the page to go back to from "您还在填写吗？"
        self._watching = False  # the application's input filtered (a customer is answering)

        self.stack = QStackedWidget()
        self.idle_page = self._build_idle()
        self.question_page = self._build_question()
        self.final_page = self._build_final()
        self.thanks_page = self._build_thanks()
        self.still_page = self._build_still()
        for page in (self.idle_page, self.question_page, self.final_page, self.thanks_page, self.still_page):
            self.stack.addWidget(page)
        self.setLayout(vbox(self.stack, margin=0))
        self.show_idle()

    # ------------------------------------------------------------------ pages
    def _build_idle(self) -> QWidget:
        page = QWidget()
        self.shop_label = _label("", "shop", align=Qt.AlignHCenter)
        self.welcome_label = _label("欢迎光临，感谢您的信任与支持", "welcome", align=Qt.AlignHCenter)
        page.setLayout(vbox(None, self.shop_label, self.welcome_label, None, margin=48, spacing=24))
        return page

    def _build_question(self) -> QWidget:
        self.title_label = _label("", "hint", wrap=False)
        self.progress_label = _label("", "progress", wrap=False, align=Qt.AlignRight)
        self.question_label = _label("", "question")
        self.kind_label = _label("", "hint")
        self.options_box = QWidget()
        self.options_grid = QGridLayout(self.options_box)
        self.options_grid.setSpacing(14)
        self.options_grid.setContentsMargins(0, 0, 0, 0)
        self.option_group = QButtonGroup(self)
        self.option_group.setExclusive(True)
        self.option_buttons: list[QPushButton] = []
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText("在此输入（选填）")
        self.text_edit.setFixedHeight(180)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("补充说明（选填）")
        self.note_edit.setMinimumHeight(64)
        self.question_error = _label("", "error")
        self.back_button = QPushButton("上一题")
        self.back_button.setObjectName("secondary")
        self.next_button = QPushButton("下一题")
        self.next_button.setObjectName("primary")
        for button in (self.back_button, self.next_button):
            button.setMinimumWidth(220)
            button.setFocusPolicy(Qt.NoFocus)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        body = vbox(
            hbox(self.title_label, None, self.progress_label),
            self.question_label,
            self.kind_label,
            self.options_box,
            self.text_edit,
            self.note_edit,
            self.question_error,
            None,
            spacing=18,
        )
        page = _page(body, hbox(self.back_button, None, self.next_button))
        return page

    def _build_final(self) -> QWidget:
        self.feedback_edit = QPlainTextEdit()
        self.feedback_edit.setPlaceholderText("您的宝贵意见（选填）")
        self.feedback_edit.setFixedHeight(110)
        self.pad = SignaturePad()
        self.pad.setFixedSize(PAD_WIDTH, PAD_HEIGHT)
        self.pad.setToolTip("")
        self.pad.prompt = "请用手指在此签名"
        self.clear_button = QPushButton("清除签名")
        self.clear_button.setObjectName("secondary")
        self.clear_button.clicked.connect(self.pad.clear)
        self.final_error = _label("", "error")
        self.final_back_button = QPushButton("上一步")
        self.final_back_button.setObjectName("secondary")
        self.submit_button = QPushButton("提交评价")
        self.submit_button.setObjectName("primary")
        for button in (self.final_back_button, self.submit_button, self.clear_button):
            button.setMinimumWidth(220)
            button.setFocusPolicy(Qt.NoFocus)
        self.final_back_button.clicked.connect(self.go_back)
        self.submit_button.clicked.connect(self.submit)
        body = vbox(
            _label("最后一步", "question"),
            _label("您的宝贵意见（选填）", "hint"),
            self.feedback_edit,
            _label("请在下方签名（选填）", "hint"),
            self.pad,
            hbox(self.clear_button, None),
            self.final_error,
            None,
            spacing=12,
        )
        page = _page(body, hbox(self.final_back_button, None, self.submit_button))
        return page

    def _build_thanks(self) -> QWidget:
        page = QWidget()
        self.thanks_label = _label("感谢您的评价！", "thanks", align=Qt.AlignHCenter)
        self.thanks_note = _label("", "welcome", align=Qt.AlignHCenter)
        page.setLayout(vbox(None, self.thanks_label, self.thanks_note, None, margin=48, spacing=24))
        return page

    def _build_still(self) -> QWidget:
        page = QWidget()
        self.still_button = QPushButton("继续填写")
        self.still_button.setObjectName("primary")
        self.still_button.setMinimumWidth(320)
        self.still_button.setFocusPolicy(Qt.NoFocus)
        self.still_button.clicked.connect(self._resume)
        page.setLayout(
            vbox(
                None,
                _label("您还在填写吗？", "thanks", align=Qt.AlignHCenter),
                _label("如需继续，请点击下方按钮；长时间未操作，已填的答案将被清除。", "welcome", align=Qt.AlignHCenter),
                hbox(None, self.still_button, None),
                None,
                margin=48,
                spacing=24,
            )
        )
        return page

    # ------------------------------------------------------------------ a customer who walked away
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        # installed on the application only while a customer answers; this window's input only
        if (
            event.type() in _INPUT
            and self._quiet_timer.isActive()
            and watched.isWidgetType()
            and watched.window() is self
        ):
            self._quiet_timer.start(self.quiet_ms)
        return False

    def _answering(self) -> bool:
        return self.session is not None and self.stack.currentWidget() in (self.question_page, self.final_page)

    def _watch(self) -> None:
        """(Re)start the quiet timer while the customer answers; stop it otherwise."""
        answering = self._answering()
        if answering != self._watching:
            app = QApplication.instance()
            (app.installEventFilter if answering else app.removeEventFilter)(self)
            self._watching = answering
        if answering:
            self._quiet_timer.start(self.quiet_ms)
        else:
            self._quiet_timer.stop()

    def _ask_still_there(self) -> None:
        if not self._answering():
            return
        self._before_still = self.stack.currentWidget()
        self.stack.setCurrentWidget(self.still_page)
        self._grace_timer.start(self.grace_ms)

    def _resume(self) -> None:
        self._grace_timer.stop()
        self.stack.setCurrentWidget(self._before_still or self.question_page)
        self._watch()

    def abandon(self) -> None:
        """Nobody came back: the answers are dropped, the idle screen shows."""
        if self.session is None:
            return
        self.show_idle()
        self.abandoned.emit()

    # ------------------------------------------------------------------ states
    @property
    def questions(self):
        return self.session.page.questions if self.session else []

    def state(self) -> str:
        """idle / question / final / thanks (what the customer sees)."""
        return {
            self.idle_page: "idle",
            self.question_page: "question",
            self.final_page: "final",
            self.thanks_page: "thanks",
            self.still_page: "still",
        }[self.stack.currentWidget()]

    def show_idle(self) -> None:
        self._thanks_timer.stop()
        self._grace_timer.stop()
        self._quiet_timer.stop()
        self.session = None
        self.answers = {}
        self.shop_label.setText(counter.shop_name())
        self.feedback_edit.clear()
        self.pad.clear()
        self.stack.setCurrentWidget(self.idle_page)
        self._watch()

    def begin(self, session: counter.CounterSession) -> None:
        """A fresh questionnaire for the customer at the counter (any earlier answers dropped:
        the staff side asked before)."""
        self._thanks_timer.stop()
        self.session = session
        self.answers = {}
        self.feedback_edit.clear()
        self.pad.clear()
        self.final_error.clear()
        page = session.page
        who = "　".join(p for p in (f"尊敬的{page.customer}" if page.customer else "", page.service) if p)
        self.title_label.setText("　".join(p for p in (page.title or "客户满意度评价", who) if p))
        self.show_question(0)

    def show_question(self, index: int) -> None:
        self.index = index
        pq = self.questions[index]
        q = pq.question
        name = f"q{pq.number}"
        total = len(self.questions)
        self.progress_label.setText(f"第 {index + 1} / {total} 题")
        self.question_label.setText(f"{pq.number}. {q.text}" + ("" if q.required else "（选填）"))
        self.kind_label.setText(KIND_HINT.get(q.kind, ""))
        self.question_error.clear()
        for button in self.option_buttons:
            self.option_group.removeButton(button)
            self.options_grid.removeWidget(button)
            button.setParent(None)
            button.deleteLater()
        self.option_buttons = []
        is_text = q.kind == TEXT
        self.options_box.setVisible(not is_text)
        self.text_edit.setVisible(is_text)
        self.note_edit.setVisible(not is_text and bool(q.allow_comment))
        if is_text:
            self.text_edit.setPlainText(self.answers.get(name, ""))
        else:
            self._fill_options(pq, self.answers.get(name, ""))
            self.note_edit.setText(self.answers.get(f"{name}_note", ""))
        self.back_button.setVisible(index > 0)
        self.next_button.setText("下一题" if index + 1 < total else "下一步")
        self.stack.setCurrentWidget(self.question_page)
        self._watch()

    def _fill_options(self, pq, chosen: str) -> None:
        q = pq.question
        # levels, scores and 是/否 side by side (best on the left, as the paper form); choices
        # one under the other, in two columns when there are many
        row_of_buttons = q.kind in (LEVEL5, SCORE10, NPS, YESNO)
        columns = len(pq.options) if row_of_buttons else (2 if len(pq.options) > 4 else 1)
        if q.kind in (SCORE10, NPS) and len(pq.options) > 6:
            columns = (len(pq.options) + 1) // 2  # two rows: large enough for a finger on a tablet
        for position, (value, label) in enumerate(pq.options):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.NoFocus)
            button.setProperty("value", value)
            button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            if q.kind == LEVEL5:
                button.setMinimumHeight(110)
            button.setChecked(value == chosen)
            button.clicked.connect(lambda _c=False, v=value: self._chose(v))
            self.option_group.addButton(button)
            self.options_grid.addWidget(button, position // columns, position % columns)
            self.option_buttons.append(button)

    def option(self, label: str) -> QPushButton:
        """The current question's option button labelled ``label`` (tests tap it)."""
        for button in self.option_buttons:
            if button.text() == label:
                return button
        raise KeyError(label)

    def _chose(self, value: str) -> None:
        self.question_error.clear()
        self.answers[f"q{self.questions[self.index].number}"] = value

    def _keep_current(self) -> None:
        pq = self.questions[self.index]
        name = f"q{pq.number}"
        if pq.question.kind == TEXT:
            self.answers[name] = self.text_edit.toPlainText().strip()
        elif pq.question.allow_comment:
            self.answers[f"{name}_note"] = self.note_edit.text().strip()

    def go_next(self) -> None:
        if self.session is None:
            return
        self._keep_current()
        pq = self.questions[self.index]
        if pq.question.required and not self.answers.get(f"q{pq.number}"):
            self.question_error.setText("这道题必须回答，请先选择一项。")
            return
        if self.index + 1 < len(self.questions):
            self.show_question(self.index + 1)
        else:
            self.stack.setCurrentWidget(self.final_page)
            self._watch()

    def go_back(self) -> None:
        if self.session is None:
            return
        if self.stack.currentWidget() is self.final_page:
            self.show_question(len(self.questions) - 1)
        elif self.index > 0:
            self._keep_current()
            self.show_question(self.index - 1)

    def submit(self) -> None:
        if self.session is None:
            return
        png = None if self.pad.is_empty() else self.pad.to_png()
        try:
            visit = counter.submit(
                self.session,
                {k: v for k, v in self.answers.items() if v},
                feedback=self.feedback_edit.toPlainText().strip(),
                signature_png=png,
            )
        except counter.LinkClosed as closed:
            text = counter.closed_text(closed.state)
            self.show_thanks(text)
            self.link_closed.emit(text)
            return
        except ValidationErrors as errors:
            self.final_error.setText("请修改后再提交：" + "；".join(str(e) for e in errors.errors))
            return
        except UserError as err:
            self.final_error.setText(str(err))
            return
        self.show_thanks("")
        self.submitted.emit(visit.id)

    def show_thanks(self, note: str) -> None:
        self.session = None
        self.answers = {}
        self.thanks_label.setText("感谢您的评价！" if not note else "谢谢！")
        self.thanks_note.setText(note or f"{counter.shop_name()}祝您生活愉快。")
        self.stack.setCurrentWidget(self.thanks_page)
        self._watch()
        self._grace_timer.stop()
        self._thanks_timer.start(self.thanks_ms)

    # ------------------------------------------------------------------ no way out for the customer
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.may_close:
            event.accept()
        else:
            event.ignore()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key_Escape:
            event.accept()  # Esc does nothing here
            return
        if QKeySequence(event.keyCombination()) == QKeySequence(STAFF_KEY):
            event.accept()
            self.staff_exit.emit()
            return
        super().keyPressEvent(event)
