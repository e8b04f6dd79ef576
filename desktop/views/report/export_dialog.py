"""文件 → 导出总部工作簿… and 文件 → 合并分支工作簿…: two small dialogs over
``services.export`` and ``services.consolidate``. The work runs off the GUI thread with a
progress dialog and a cancel button; a cancelled run leaves no file behind (the services write
under a temporary name and rename at the end)."""

from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from desktop.services.admin import accounts
from desktop.services.common.errors import UserError
from desktop.services.reporting import periods
from desktop.services.summaries.workbook import consolidate as merge_service
from desktop.services.summaries.workbook import export as export_service
from desktop.services.summaries.workbook import xlsx

from ..common.context import AppContext
from ..common.operations import run_with_progress
from ..common.widgets import confirm, form, hbox, show_error, show_info, vbox

LAST_DIR_KEY = "export/last_dir"
FILE_FILTER = "Excel 工作簿 (*.xlsx)"
FULL_CONTACT_WARNING = (
    "⚠ 文件将包含客户的完整姓名和电话号码。只发给确实需要联系客户的人，不要通过群聊或公共邮箱转发，用完请删除。"
)
OK_STYLE = "color: #1d6b35;"
ERROR_STYLE = "color: #b3261e;"
WARNING_STYLE = "color: #b3261e; background: #fdecea; border: 1px solid #f5c2c0; padding: 6px;"


def period_choices(today: date | None = None) -> list[str]:
    """Codes offered in the period box: the last finished quarter first, then this and the
    previous months and quarters, this and last year."""
    today = today or date.today()
    this_month = periods.month_period(today.year, today.month)
    last_month = periods.previous(this_month)
    this_quarter = periods.quarter_period(today.year, (today.month - 1) // 3 + 1)
    last_quarter = periods.previous(this_quarter)
    this_year = periods.year_period(today.year)
    codes = [last_quarter, last_month, this_month, this_quarter, periods.previous(last_quarter)]
    codes += [this_year, periods.previous(this_year)]
    out: list[str] = []
    for p in codes:
        if p.code not in out:
            out.append(p.code)
    return out


def _start_dir() -> str:
    return str(QSettings().value(LAST_DIR_KEY, str(Path.home())))


def _remember_dir(path: str | Path) -> None:
    QSettings().setValue(LAST_DIR_KEY, str(Path(path).parent))


class ExportDialog(QDialog):
    """Period, branch name, full contact data (off by default, with a warning), output file."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.result_info: export_service.ExportResult | None = None
        self._path_edited = False
        self.setWindowTitle("导出总部工作簿")
        self.setMinimumWidth(560)

        self.period_box = QComboBox()
        self.period_box.setEditable(True)
        self.period_box.addItems(period_choices(today))
        self.period_box.setToolTip("写 2024（全年）、2024Q2（季度）、2024-05（月），或 2024-04-01~2024-06-30")
        self.period_label = QLabel()
        self.period_label.setWordWrap(True)
        self.branch_edit = QLineEdit(export_service.default_branch())
        self.branch_edit.setPlaceholderText("如 城东分店（默认为设置中的公司名称）")
        self.full_contact = QCheckBox("导出完整的客户姓名和电话（默认脱敏：张*、138****5678）")
        if not accounts.can(accounts.FULL_EXPORT):  # 主管 only, with sign-in on
            self.full_contact.hide()
        self.warning = QLabel(FULL_CONTACT_WARNING)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.setVisible(False)
        self.path_edit = QLineEdit()
        self.browse_button = QPushButton("浏览…")
        self.status = QLabel()
        self.status.setWordWrap(True)
        contents = QLabel(
            "工作簿包含：回访记录、维度统计、问题分类、改进方案表、质量评价表和说明；"
            "数字以数值保存，总部可直接透视和合并各分支。"
        )
        contents.setWordWrap(True)
        contents.setStyleSheet("color: #5a6270;")

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("导出", QDialogButtonBox.AcceptRole)
        self.buttons.addButton("关闭", QDialogButtonBox.RejectRole)
        self.export_button.setDefault(True)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.setLayout(
            vbox(
                contents,
                form(
                    ("统计期间：", self.period_box),
                    ("", self.period_label),
                    ("分支名称：", self.branch_edit),
                    ("保存到：", path_row),
                ),
                self.full_contact,
                self.warning,
                self.status,
                None,
                self.buttons,
                margin=12,
                spacing=10,
            )
        )

        self.period_box.currentTextChanged.connect(self._on_inputs)
        self.branch_edit.textChanged.connect(self._on_inputs)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.full_contact.toggled.connect(self.warning.setVisible)
        self.browse_button.clicked.connect(self.browse)
        self.export_button.clicked.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        self._on_inputs()

    # -- inputs
    def period(self) -> periods.Period:
        text = self.period_box.currentText().strip()
        if not text:
            raise UserError(f"统计期间：请填写要导出的期间。{periods.FORMAT_HELP}。")
        return periods.parse_period(text)

    def _on_inputs(self, *_args) -> None:
        try:
            period = self.period()
        except UserError as err:
            self.period_label.setText(str(err))
            self.period_label.setStyleSheet(ERROR_STYLE)
            return
        self.period_label.setText(f"{period.label}（{period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}）")
        self.period_label.setStyleSheet(OK_STYLE)
        if not self._path_edited:
            branch = self.branch_edit.text().strip() or export_service.default_branch()
            folder = Path(self.path_edit.text()).parent if self.path_edit.text() else Path(_start_dir())
            self.path_edit.setText(str(folder / export_service.default_filename(branch, period)))

    def _on_path_edited(self, _text: str) -> None:
        self._path_edited = True

    def browse(self) -> None:
        start = self.path_edit.text() or _start_dir()
        path, _filter = QFileDialog.getSaveFileName(self, "保存总部工作簿", start, FILE_FILTER)
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.path_edit.setText(path)
            self._path_edited = True

    # -- the export
    def start_export(self) -> None:
        self.status.clear()
        try:
            period = self.period()
            branch = export_service.clean_branch(self.branch_edit.text())
            out = xlsx.check_output(self.path_edit.text(), "保存到")
        except UserError as err:
            show_error(self, str(err), "无法导出")
            return
        full = self.full_contact.isChecked()
        if out.exists() and not confirm(self, f"{out.name} 已存在，要覆盖它吗？"):
            return
        if full and not confirm(
            self, FULL_CONTACT_WARNING + "\n\n确定导出完整联系方式吗？", "导出完整联系方式"
        ):
            return
        try:
            result = run_with_progress(
                self,
                "正在导出总部工作簿…",
                lambda report: export_service.export_workbook(
                    out, period, branch=branch, full_contact=full, progress=report
                ),
            )
        except UserError as err:
            show_error(self, str(err), "导出失败")
            return
        if result is None:
            self.status.setText("已取消导出，没有生成文件。")
            self.status.setStyleSheet(ERROR_STYLE)
            return
        self.result_info = result
        _remember_dir(out)
        self.ctx.events.status_message.emit(result.summary())
        show_info(self, result.summary(), "导出完成")
        self.accept()


class ConsolidateDialog(QDialog):
    """Head office: pick the branches' workbooks, check them, write one merged workbook."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.result_info: merge_service.ConsolidateResult | None = None
        self.setWindowTitle("合并分支工作簿")
        self.setMinimumWidth(600)

        intro = QLabel(
            "选择各分支导出的总部工作簿（同一统计期间、同一版问卷）。合并后的维度统计按各分支的计数相加重新计算。"
        )
        intro.setWordWrap(True)
        self.files = QListWidget()
        self.files.setMinimumHeight(140)
        self.add_button = QPushButton("添加文件…")
        self.remove_button = QPushButton("移除")
        self.path_edit = QLineEdit(str(Path(_start_dir()) / "全部分支_合并工作簿.xlsx"))
        self.browse_button = QPushButton("浏览…")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.merge_button = self.buttons.addButton("合并", QDialogButtonBox.AcceptRole)
        self.buttons.addButton("关闭", QDialogButtonBox.RejectRole)
        self.merge_button.setDefault(True)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.setLayout(
            vbox(
                intro,
                hbox(self.files, vbox(self.add_button, self.remove_button, None)),
                form(("保存到：", path_row)),
                self.status,
                self.buttons,
                margin=12,
                spacing=10,
            )
        )
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.browse_button.clicked.connect(self.browse)
        self.merge_button.clicked.connect(self.start_merge)
        self.buttons.rejected.connect(self.reject)

    def paths(self) -> list[str]:
        return [self.files.item(i).data(Qt.UserRole) for i in range(self.files.count())]

    def add_files(self, paths) -> None:
        """Add workbooks to the list, showing each one's branch and period (or why it is unusable)."""
        for path in paths:
            path = str(path)
            if path in self.paths():
                continue
            try:
                info = merge_service.read_info(path)
                text = f"{info.branch} · {info.period_label} · {Path(path).name}"
            except UserError as err:
                text = f"✗ {err}"
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, path)
            item.setToolTip(path)
            self.files.addItem(item)

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "选择分支工作簿", _start_dir(), FILE_FILTER)
        if paths:
            _remember_dir(paths[0])
            self.add_files(paths)

    def remove_selected(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))

    def browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "保存合并工作簿", self.path_edit.text(), FILE_FILTER
        )
        if path:
            self.path_edit.setText(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def start_merge(self) -> None:
        self.status.clear()
        paths = self.paths()
        try:
            out = xlsx.check_output(self.path_edit.text(), "保存到")
        except UserError as err:
            show_error(self, str(err), "无法合并")
            return
        if out.exists() and not confirm(self, f"{out.name} 已存在，要覆盖它吗？"):
            return
        try:
            result = run_with_progress(
                self,
                "正在合并分支工作簿…",
                lambda report: merge_service.consolidate(paths, out, progress=report),
            )
        except UserError as err:
            show_error(self, str(err), "无法合并")
            return
        if result is None:
            self.status.setText("已取消合并，没有生成文件。")
            self.status.setStyleSheet(ERROR_STYLE)
            return
        self.result_info = result
        self.ctx.events.status_message.emit(result.summary())
        show_info(self, result.summary(), "合并完成")
        self.accept()
