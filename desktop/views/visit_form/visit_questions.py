"""The questionnaire in the 回访表: which one (``TemplateCombo``) and the answers (``VisitAnswers``).

``VisitAnswers`` is the part of the paper that waits until the customer said 方便 (or 纸质表录入
is ticked): the rating matrix (rating_matrix.py), 宝贵意见, 客户情绪, 再购意向 and 问题分类.
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from desktop.models import MOODS
from desktop.services.admin import categories as category_svc
from desktop.services.visits import templates as template_svc
from desktop.services.visits.visits import VisitInput

from ..common.widgets import SPACING, hbox, vbox
from .rating_matrix import RatingMatrix

PROBLEM_COLUMNS = 4


def section(text: str) -> QLabel:
    """A bold caption on the paper (宝贵意见, 问题分类)."""
    label = QLabel(text)
    label.setObjectName("section")
    return label


class TemplateCombo(QComboBox):
    """问卷: the current version of every questionnaire; an older version that a saved visit used
    is added to the list as "(旧版本)" when that visit is shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumContentsLength(20)
        self.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)

    def fill(self, keep: int | None = None) -> None:
        """List the active questionnaires again, keeping ``keep`` selected."""
        self.blockSignals(True)
        self.clear()
        for tpl in template_svc.active_templates():
            self.addItem(tpl.label, tpl.id)
        self.blockSignals(False)
        if keep is not None:
            self.select(keep)

    def select(self, template_id: int) -> None:
        """Show ``template_id`` as chosen, without reporting it as the user's choice."""
        index = self.findData(template_id)
        if index < 0:
            tpl = template_svc.template_by_id(template_id)
            if tpl is None:
                return
            self.addItem(f"{tpl.label}（旧版本）", tpl.id)
            index = self.count() - 1
        self.blockSignals(True)
        self.setCurrentIndex(index)
        self.blockSignals(False)


class VisitAnswers(QWidget):
    """The answers: the rating matrix, 宝贵意见, 客户情绪, 再购意向 and the 问题分类 boxes.

    ``changed``: the user changed any of them.
    """

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.matrix = RatingMatrix()
        self.feedback_edit = QPlainTextEdit()
        self.feedback_edit.setObjectName("feedback")
        self.feedback_edit.setPlaceholderText("客户的意见和建议；客户投诉时请逐字记录原话")
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
        self.repurchase_check = QCheckBox("再购意向（转销售跟进）")
        self.problem_box = QWidget()
        self.problem_layout = QGridLayout(self.problem_box)
        self.problem_layout.setContentsMargins(0, 0, 0, 0)
        self.problem_layout.setHorizontalSpacing(14)
        self.problem_checks: dict[int, QCheckBox] = {}

        mood_row = hbox(QLabel("客户情绪："), *mood_buttons, None, self.repurchase_check, spacing=12)
        self.setLayout(
            vbox(
                self.matrix,
                section("宝贵意见"),
                self.feedback_edit,
                mood_row,
                hbox(section("问题分类："), self.problem_box, None, spacing=10),
                spacing=SPACING + 2,
            )
        )
        for signal in (
            self.matrix.changed,
            self.feedback_edit.textChanged,
            self.mood_group.idClicked,
            self.repurchase_check.toggled,
        ):
            signal.connect(self._changed)

    # -- the 问题分类 boxes
    def fill_problems(self, extra_ids=()) -> None:
        """One box per active category (and per inactive one that is ticked or in ``extra_ids``);
        the ticked boxes stay ticked."""
        checked = set(self.problem_ids())
        for box in self.problem_checks.values():
            self.problem_layout.removeWidget(box)
            box.hide()
            box.setParent(None)
            box.deleteLater()
        self.problem_checks.clear()  # the same dict: the page refers to it
        wanted = set(extra_ids) | checked
        cats = [c for c in category_svc.list_categories() if c.active or c.id in wanted]
        for i, cat in enumerate(cats):
            box = QCheckBox(cat.name if cat.active else f"{cat.name}（已停用）")
            box.setChecked(cat.id in checked)
            box.toggled.connect(self._changed)
            self.problem_layout.addWidget(box, i // PROBLEM_COLUMNS, i % PROBLEM_COLUMNS)
            self.problem_checks[cat.id] = box

    def problem_ids(self) -> list[int]:
        return [cid for cid, box in self.problem_checks.items() if box.isChecked()]

    # -- what the form shows
    def clear(self) -> None:
        """Nothing answered: 平静, no 再购意向, no 问题分类."""
        self.matrix.clear_answers()
        self.feedback_edit.clear()
        self.mood_group.button(0).setChecked(True)
        self.repurchase_check.setChecked(False)
        self.fill_problems()
        for box in self.problem_checks.values():
            box.setChecked(False)

    def set_values(self, data: VisitInput) -> None:
        self.matrix.set_answers(data.answers)
        self.feedback_edit.setPlainText(data.feedback)
        self.mood_group.button(MOODS.index(data.mood) if data.mood in MOODS else 0).setChecked(True)
        self.repurchase_check.setChecked(data.repurchase)
        for box in self.problem_checks.values():
            box.setChecked(False)
        self.fill_problems(extra_ids=data.problem_ids)
        for cid in data.problem_ids:
            if cid in self.problem_checks:
                self.problem_checks[cid].setChecked(True)

    def values(self) -> dict:
        """The answers as ``VisitInput`` names them."""
        return {
            "answers": self.matrix.answers(),
            "feedback": self.feedback_edit.toPlainText(),
            "mood": MOODS[max(self.mood_group.checkedId(), 0)],
            "repurchase": self.repurchase_check.isChecked(),
            "problem_ids": self.problem_ids(),
        }

    def set_locked(self, locked: bool) -> None:
        """A signed visit: its answers and 宝贵意见 are locked (the caller's notes stay editable)."""
        self.matrix.setEnabled(not locked)
        self.feedback_edit.setEnabled(not locked)

    def _changed(self, *_args) -> None:
        self.changed.emit()
