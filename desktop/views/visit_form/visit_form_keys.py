"""The keys of the 回访表 page: a paper form typed in with as few keys as possible.

After a scan the cursor is on the first answer: 1–5 per row (moving on by itself), 0–9 on a 0–10
row (10 = 1 then 0; any other key or Enter takes the 1 at once), - / + move the 回访日期 a day,
Alt+D types the date (1202 = 2 December), Enter on the last answer or Ctrl+Enter anywhere
completes (完成并保存), Ctrl+S saves a draft.
"""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

FINAL_TIP = "完成并保存（Ctrl+Enter）：检查必答题，保存为“已完成”并完成关联的回访任务"
DRAFT_TIP = "保存草稿（Ctrl+S）：保存已填写的内容，稍后继续"
PAPER_HINT = (
    "纸质表录入：每题按 1–5（1 = 最左一栏），自动跳到下一题；0–10 题按 0–9，10 分按 1 再按 0；"
    "- / + 回访日期前一天 / 后一天，Alt+D 输入日期（如 1202）；最后一题按回车或 Ctrl+Enter 完成并保存。"
)


class PaperKeys:
    """Keys of the 回访表 page (mixed into VisitFormView)."""

    def _add_shortcuts(self) -> None:
        """Ctrl+Enter 完成并保存 and Ctrl+S 保存草稿 from anywhere on the page, Alt+D 回访日期;
        Enter on the last answer of a paper form completes it, - / + in the answers move the date."""
        for keys, slot in (
            ("Ctrl+Return", self._complete_by_key),
            ("Ctrl+Enter", self._complete_by_key),
            ("Ctrl+S", self._draft_by_key),
            ("Alt+D", self._date_by_key),
        ):
            QShortcut(QKeySequence(keys), self, slot, context=Qt.WidgetWithChildrenShortcut)
        self.matrix.submitted.connect(self._last_answer_entered)
        self.matrix.date_step.connect(self.date_edit.step_days)
        self.date_edit.entered.connect(lambda: self.matrix.focus_row(self.matrix.current))

    def _complete_by_key(self) -> None:
        if self.final_button.isEnabled():
            self.save(final=True)

    def _draft_by_key(self) -> None:
        if self.draft_button.isEnabled():
            self.save(final=False)

    def _date_by_key(self) -> None:
        if self.date_edit.isEnabled():
            self.date_edit.setFocus(Qt.ShortcutFocusReason)
            self.date_edit.setSelectedSection(self.date_edit.sectionAt(0))

    def _last_answer_entered(self) -> None:
        """Enter on the last answer: a paper form is complete; on a call 宝贵意见 comes next."""
        if self.paper_check.isChecked() and self.final_button.isEnabled():
            self.save(final=True)
        else:
            self.feedback_edit.setFocus(Qt.TabFocusReason)
