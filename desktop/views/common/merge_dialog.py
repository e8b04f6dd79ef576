"""对照修改: someone else saved the record this form was editing (``StaleEdit``). Each differing
field is listed with both values — 我的内容 (on screen) and 对方保存的内容 (stored) — and a choice
per field; 按所选保存 returns the choice, 取消 keeps the form as it is (nothing saved).

``merge_record`` is the whole step for a form whose record is a set of named fields (客户、工单、
改进措施、质量评价、问卷模板): ask, then the merged fields at the stored version, for the form to
show and save again."""

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.services.admin import versions
from desktop.services.admin.versions import FieldDiff
from desktop.services.common.errors import StaleEdit

from .widgets import hbox, show_error, vbox
from .wrap_delegate import WrapDelegate

MINE_PICK, MINE_COLUMN, THEIRS_PICK, THEIRS_COLUMN = 1, 2, 3, 4  # a choice button left of each text


class MergeDialog(QDialog):
    """``take_theirs()`` after ``exec()``: the keys of the fields to take from the stored copy."""

    def __init__(self, err: StaleEdit, diffs: list[FieldDiff], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("merge_dialog")
        self.setWindowTitle("对照修改")
        self.diffs = diffs
        intro = QLabel(
            f"{err}\n\n下表列出两边不同的内容。请逐项选择要保留哪一边（默认保留您填写的内容），"
            "然后点“按所选保存”；点“取消”则不保存，您填写的内容仍留在表单上。"
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(diffs), 5, self)
        self.table.setHorizontalHeaderLabels(["项目", "", "我的内容", "", "对方保存的内容"])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (0, MINE_PICK, THEIRS_PICK):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        for column in (MINE_COLUMN, THEIRS_COLUMN):  # the two texts share the width and wrap
            header.setSectionResizeMode(column, QHeaderView.Stretch)
        self.table.setWordWrap(True)
        self.table.setItemDelegate(WrapDelegate(self.table))
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.mine: dict[str, QRadioButton] = {}
        self.theirs: dict[str, QRadioButton] = {}
        self._pick: dict[tuple[int, int], QRadioButton] = {}  # (row, text column) → its button
        for row, diff in enumerate(diffs):
            self.table.setItem(row, 0, QTableWidgetItem(diff.label))
            group = QButtonGroup(self)
            for pick, column, text, store, tip in (
                (MINE_PICK, MINE_COLUMN, diff.mine_text, self.mine, "保留我的内容"),
                (THEIRS_PICK, THEIRS_COLUMN, diff.theirs_text, self.theirs, "用对方保存的内容"),
            ):
                button = QRadioButton()
                button.setToolTip(tip)
                button.setAccessibleName(f"{diff.label}：{tip}")
                group.addButton(button)
                store[diff.key] = button
                holder = QWidget()
                holder.setLayout(hbox(button, margin=4))
                self.table.setCellWidget(row, pick, holder)
                self.table.setItem(row, column, QTableWidgetItem(text))
                self._pick[(row, column)] = button
            self.mine[diff.key].setChecked(True)
        self.table.cellClicked.connect(self._text_clicked)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton("按所选保存", QDialogButtonBox.AcceptRole)
        self.all_theirs_button = buttons.addButton("全部用对方的", QDialogButtonBox.ActionRole)
        buttons.addButton("取消", QDialogButtonBox.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.all_theirs_button.clicked.connect(self._all_theirs)
        self.setLayout(vbox(intro, self.table, buttons, margin=12))
        self.resize(820, min(600, 220 + 48 * len(diffs)))
        self.setWindowModality(Qt.WindowModal)

    def _text_clicked(self, row: int, column: int) -> None:
        """A click on a text chooses it, as on its button."""
        button = self._pick.get((row, column))
        if button is not None:
            button.setChecked(True)

    def _all_theirs(self) -> None:
        for button in self.theirs.values():
            button.setChecked(True)

    def choose_theirs(self, key: str) -> None:
        self.theirs[key].setChecked(True)

    def take_theirs(self) -> set[str]:
        return {key for key, button in self.theirs.items() if button.isChecked()}


def resolve(parent: QWidget, err: StaleEdit, diffs: list[FieldDiff]) -> set[str] | None:
    """Ask field by field; the keys to take from the stored copy, or None when cancelled. No
    field differs (the same content saved twice): nothing to ask."""
    if not diffs:
        return set()
    dialog = MergeDialog(err, diffs, parent)
    if dialog.exec() != QDialog.Accepted:
        return None
    return dialog.take_theirs()


def merge_record(
    parent: QWidget,
    err: StaleEdit,
    mine: dict,
    labels: dict[str, str],
    *,
    diffs: Callable[[dict, dict], list[FieldDiff]] | None = None,
) -> dict | None:
    """Someone else saved the record this form edits (``err.current``: the stored fields, a dict
    or a dataclass with ``mine``'s keys): choose field by field. Returns ``mine`` with the chosen
    fields taken from the stored copy and ``row_version`` set to the stored version — the form
    shows it and saves again; None when cancelled (the form stays as typed) or when the record
    was deleted meanwhile (said in a box)."""
    if err.current is None:
        show_error(parent, str(err), "未保存")
        return None
    theirs = err.current if isinstance(err.current, dict) else vars(err.current)
    found = diffs(mine, theirs) if diffs is not None else versions.differences(mine, theirs, labels)
    take = resolve(parent, err, found)
    if take is None:
        return None
    return versions.merged(mine, theirs, take) | {"row_version": err.version}
