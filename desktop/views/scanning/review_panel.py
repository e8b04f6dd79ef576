"""待核对: each doubtful question of a scanned page as the row cut out of the scan, beside the
form's boxes with their keys; one key answers, Enter moves on, and the last Enter of a page saves
the visit complete (``desktop.services.paper_scan.review`` does the saving and the cutting)."""

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.services.common.errors import StaleEdit, UserError, ValidationErrors
from desktop.services.paper_scan import review

from ..common.context import AppContext
from ..common.operations import Latest
from ..common.unsaved import DISCARD, SAVE, ask_unsaved
from ..common.widgets import hbox, vbox

ROW_STYLE = """
QFrame#doubt { border: 1px solid #d9dde3; border-radius: 4px; background: white; }
QFrame#doubt[current="true"] { border: 2px solid #1f6fb2; background: #f3f8fd; }
QPushButton#option { padding: 3px 8px; }
QPushButton#option:checked { background: #1f6fb2; color: white; font-weight: bold; }
"""
KEYS_TEXT = (
    "按扫描件框下标出的键作答，Enter 确认并到下一题，最后一题按 Enter 即录入这张表。"
    "0–10 分题的 10 分按 +，1–10 分题的 10 分按 0；是/否也可按 Y/N；Del：未作答；↑↓：换题。"
)
BLANK_TEXT = "未作答"
KEY_BLUE = "#1f6fb2"
KEY_STRIP = 22  # px under a cut-out row: each box's key


def to_pixmap(gray: np.ndarray) -> QPixmap:
    """A greyscale uint8 array as a pixmap (the bytes are copied)."""
    data = np.ascontiguousarray(gray, dtype=np.uint8)
    h, w = data.shape
    image = QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(image.copy())


class DoubtRow(QFrame):
    """One doubtful question: its row from the scan, its number and text, and a button per box
    (key and label) — the chosen one checked."""

    picked = Signal(object)  # self

    def __init__(self, doubt: review.Doubt, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("doubt")
        self.doubt = doubt
        self.choice: int | None = None
        self.answered = False  # a box chosen, or 未作答
        reason = f"<span style='color:#b4690e'>{doubt.reason}</span>　" if doubt.reason else ""
        title = QLabel(
            f"<b>第 {doubt.number} 题</b>　{doubt.text}　{reason}"
            f"<span style='color:#5f6b7a'>（{doubt.hint}）</span>"
        )
        title.setWordWrap(True)
        self.image = QLabel()
        self.image.setObjectName("rowImage")
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        if doubt.image is not None:
            self._pixmap = to_pixmap(doubt.image)
            self._refresh_image()
        else:
            self._pixmap = None
            self.image.setText(f"第 {doubt.page} 页没有扫描件，请看纸质表作答，或打开完整回访表。")
            self.image.setStyleSheet("color: #a4262c;")
        self.buttons: list[QPushButton] = []
        row = []
        for index, (label, key) in enumerate(zip(doubt.options, doubt.keys, strict=True)):
            button = QPushButton(f"{key}  {label}" if key and key != label else label)
            button.setObjectName("option")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, i=index: self.choose(i))
            self.buttons.append(button)
            row.append(button)
        self.blank = QPushButton(f"Del  {BLANK_TEXT}")
        self.blank.setObjectName("option")
        self.blank.setCheckable(True)
        self.blank.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.blank.clicked.connect(lambda _=False: self.choose(None))
        row.append(self.blank)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(title)
        layout.addWidget(self.image)
        layout.addLayout(hbox(*row, None))

    def choose(self, option: int | None) -> None:
        self.choice, self.answered = option, True
        for index, button in enumerate(self.buttons):
            button.setChecked(index == option)
        self.blank.setChecked(option is None)
        self._refresh_image()
        self.picked.emit(self)

    def _refresh_image(self) -> None:
        """The cut-out row at the label's width (never enlarged), with each box's key in a strip
        under the box — the chosen one filled."""
        if self._pixmap is None:
            return
        width = self.image.width() if self.image.width() > 50 else self._pixmap.width()  # not laid out yet
        base = self._pixmap
        if width < base.width():
            base = base.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        shown = QPixmap(base.width(), base.height() + KEY_STRIP)
        shown.fill(QColor("white"))
        p = QPainter(shown)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.drawPixmap(0, 0, base)
        font = p.font()
        font.setBold(True)
        p.setFont(font)
        for index, (share, key) in enumerate(zip(self.doubt.box_centres, self.doubt.keys, strict=False)):
            if not key:
                continue
            chosen = self.answered and index == self.choice
            rect = QRectF(share * base.width() - 11, base.height() + 2, 22, KEY_STRIP - 4)
            p.setPen(QColor(KEY_BLUE))
            p.setBrush(QColor(KEY_BLUE if chosen else "#e8f1fb"))
            p.drawRoundedRect(rect, 3, 3)
            p.setPen(QColor("white" if chosen else KEY_BLUE))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, key)
        p.end()
        self.image.setPixmap(shown)
        self.image.setFixedHeight(shown.height())

    def set_current(self, on: bool) -> None:
        self.setProperty("current", on)
        self.style().unpolish(self)
        self.style().polish(self)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API): the row fits the panel's width
        super().resizeEvent(event)
        self._refresh_image()


class ReviewPanel(QWidget):
    """The 待核对 list on the left, the chosen page's doubtful questions on the right."""

    count_changed = Signal(int)
    saved = Signal(int)  # visit id

    def __init__(self, ctx: AppContext, layout_of, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.layout_of = layout_of  # the printer's form_layout
        self.item: review.ReviewItem | None = None
        self.rows: list[DoubtRow] = []
        self.current = 0
        self.loading = False
        self._job = Latest(self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(ROW_STYLE)

        self.list = QListWidget()
        self.list.setObjectName("reviewList")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the number keys belong to the questions
        self.list.currentItemChanged.connect(self._on_pick)
        self.title = QLabel()
        self.title.setObjectName("reviewTitle")
        self.title.setStyleSheet("font-size: 11pt; font-weight: bold;")
        self.keys_label = QLabel(KEYS_TEXT)
        self.keys_label.setWordWrap(True)
        self.keys_label.setStyleSheet("color: #5f6b7a;")
        self.message = QLabel()
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.body_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.body)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.confirm_button = QPushButton("确认（Enter）")
        self.confirm_button.clicked.connect(self.confirm)
        self.skip_button = QPushButton("跳过这张（Ctrl+→）")
        self.skip_button.clicked.connect(self.skip)
        self.open_button = QPushButton("打开完整回访表…")
        self.open_button.setToolTip("这张表还需填写文字意见或其他内容时，在回访表中打开它的草稿")
        self.open_button.clicked.connect(self.open_full_form)
        for button in (self.confirm_button, self.skip_button, self.open_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        QShortcut(
            QKeySequence("Ctrl+Right"), self, self.skip, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

        right = QWidget()
        right.setLayout(
            vbox(
                self.title,
                self.keys_label,
                self.scroll,
                self.message,
                hbox(self.confirm_button, self.skip_button, self.open_button, None),
            )
        )
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 900])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(splitter)
        self._show_item(None)

    # -- the list
    def reload(self, keep: int | None = None) -> None:
        """Read the 待核对 list anew; keep ``keep`` (a visit id) chosen when it is still there."""
        entries = review.queue_entries()
        keep = keep if keep is not None else (self.item.visit_id if self.item else None)
        self.list.blockSignals(True)
        self.list.clear()
        for entry in entries:
            item = QListWidgetItem(entry.label)
            item.setData(Qt.ItemDataRole.UserRole, entry.visit_id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.count_changed.emit(len(entries))
        ids = [e.visit_id for e in entries]
        if not ids:
            self._job.cancel()
            self._show_item(None)
            return
        row = ids.index(keep) if keep in ids else 0
        if self.item is not None and self.item.visit_id == ids[row]:
            self.list.blockSignals(True)  # the page on screen stays as it is (answers half given)
            self.list.setCurrentRow(row)
            self.list.blockSignals(False)
            return
        self.list.setCurrentRow(row)

    def _on_pick(self, current: QListWidgetItem | None, _previous=None) -> None:
        """Another page chosen in the list (a click, 跳过这张): keys already pressed on the page
        shown are not let go without asking (``may_leave``); 取消 keeps it chosen."""
        if current is None:
            return
        visit_id = current.data(Qt.ItemDataRole.UserRole)
        if self.item is not None and self.item.visit_id != visit_id:
            shown = self.item.visit_id
            if not self.may_leave():
                self._choose(shown)  # back to the page with the keys pressed
                return
            if self.item is None:  # it was saved on the way: the list was read anew
                self._choose(visit_id, load=True)
                return
        self.load(visit_id)

    def _choose(self, visit_id: int, load: bool = False) -> None:
        """Mark ``visit_id``'s line in the list (and read it when ``load``)."""
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == visit_id:
                self.list.blockSignals(not load)
                self.list.setCurrentRow(row)
                self.list.blockSignals(False)
                return

    def load(self, visit_id: int) -> None:
        """Cut the page's doubtful rows out of its scan (off the GUI thread) and show them."""
        self.loading = True
        self.message.setText("正在读取扫描件…")
        layout_of = self.layout_of
        self._job.start(lambda _report: review.load_item(visit_id, layout_of), self._show_item, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.loading = False
        if not isinstance(error, UserError):
            raise error
        self.message.setText(str(error))
        self.reload()

    # -- one page
    def _show_item(self, item: review.ReviewItem | None) -> None:
        self.loading = False
        self.item = item
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        self.current = 0
        self.message.setText("")
        if item is None:
            self.title.setText("没有待核对的扫描件")
            self.message.setText("扫描时有拿不准的题，这张表就会列在左边，在这里逐题确认。")
        else:
            pages = f"（缺少第{'、'.join(map(str, item.missing_pages))}页）" if item.missing_pages else ""
            self.title.setText(f"{item.title}：{len(item.doubts)} 道题待核对{pages}")
            for doubt in item.doubts:
                row = DoubtRow(doubt)
                row.picked.connect(self._on_picked)
                self.body_layout.insertWidget(self.body_layout.count() - 1, row)
                self.rows.append(row)
            if not item.doubts:
                self.message.setText(
                    "选择题都已读出；这张表可能还缺文字题等必填内容，请点“打开完整回访表…”补全后保存，"
                    "或按 Enter 直接录入。"
                )
        for button in (self.confirm_button, self.skip_button, self.open_button):
            button.setEnabled(item is not None)
        self.keys_label.setVisible(item is not None)
        self._mark_current()
        if item is not None and self.isVisible():
            self.setFocus()

    def _mark_current(self) -> None:
        for index, row in enumerate(self.rows):
            row.set_current(index == self.current)
        if self.rows:
            self.scroll.ensureWidgetVisible(self.rows[self.current])

    def _on_picked(self, row: DoubtRow) -> None:
        self.current = self.rows.index(row)
        self._mark_current()
        self.message.setText("")
        self.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.item is None or self.loading:
            return super().keyPressEvent(event)
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.confirm()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.rows:
            self.rows[self.current].choose(None)
            return
        if key == Qt.Key.Key_Up and self.rows:
            self.current = max(0, self.current - 1)
            self._mark_current()
            return
        if key == Qt.Key.Key_Down and self.rows:
            self.current = min(len(self.rows) - 1, self.current + 1)
            self._mark_current()
            return
        text = event.text()
        if text and self.rows:
            option = self.rows[self.current].doubt.option_for(text)
            if option is not None:
                self.rows[self.current].choose(option)
                return
            self.message.setText(f"“{text}”不是这道题的选项。{self.rows[self.current].doubt.hint}。")
            return
        super().keyPressEvent(event)

    def confirm(self) -> None:
        """Enter: the current question is answered → the next unanswered one; none left → save."""
        if self.item is None or self.loading:
            return
        if self.rows and not self.rows[self.current].answered:
            self.message.setText(
                f"请先选择第 {self.rows[self.current].doubt.number} 题的答案：{self.rows[self.current].doubt.hint}。"
            )
            return
        waiting = [i for i, row in enumerate(self.rows) if not row.answered]
        if waiting:
            after = [i for i in waiting if i > self.current]
            self.current = after[0] if after else waiting[0]
            self._mark_current()
            return
        self.save()

    def save(self) -> bool:
        """Save the page's answers (``review.complete_review``); True when it was saved."""
        item = self.item
        answers = {row.doubt.question_id: row.choice for row in self.rows}
        try:
            visit_id = review.complete_review(item.visit_id, item.row_version, answers)
        except StaleEdit:
            self.message.setText("这张表的草稿刚被别处改过，已重新读取，请再确认一遍。")
            self.load(item.visit_id)
            return False
        except ValidationErrors as err:
            self.message.setText(f"还不能录入：{err}。请按键作答，或点“打开完整回访表…”补全后保存。")
            return False
        except UserError as err:
            self.message.setText(str(err))
            self.reload()
            return False
        self.ctx.events.status_message.emit(f"{item.title} 已录入（回访记录 #{visit_id}，纸质已签）。")
        self.item = None
        self.saved.emit(visit_id)
        self.reload()
        return True

    def may_leave(self) -> bool:
        """Keys already pressed on a page not yet saved are not dropped without asking:
        录入这张表 (when every question is answered) or 继续核对 / 放弃 / 取消."""
        answered = sum(row.answered for row in self.rows) if self.item is not None else 0
        if not answered:
            return True
        complete = answered == len(self.rows)
        text = f"{self.item.title} 已按键确认了 {answered} 道题，还没有录入。" + (
            "现在录入吗？" if complete else "放弃后下次要重新确认。"
        )
        choice = ask_unsaved(self, text, save_text="录入这张表" if complete else "继续核对", title="待核对")
        if choice == DISCARD:
            self._show_item(self.item)  # the keys pressed are let go: the page shown afresh
            return True
        return choice == SAVE and complete and self.save()

    def skip(self) -> None:
        """This page later: the next one in the list (the page stays waiting)."""
        count = self.list.count()
        if count > 1:
            self.list.setCurrentRow((self.list.currentRow() + 1) % count)

    def open_full_form(self) -> None:
        if self.item is not None:
            self.ctx.events.open_page.emit("visit_form", {"visit_id": self.item.visit_id})
