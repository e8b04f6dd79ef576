"""设置 page: business settings (a form over ``services.settings.DEFINITIONS``), 问题分类, 员工,
账号 (sign-in accounts) and 修改记录 (the audit log)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from desktop.services.admin import settings, staff, versions
from desktop.services.common.errors import StaleEdit, UserError, ValidationErrors
from desktop.services.visits import templates

from ..common import merge_dialog
from ..common.context import AppContext
from ..common.widgets import MARGIN, SPACING, hbox, heading, show_error, vbox
from .accounts_panel import AccountsPanel
from .audit_panel import AuditPanel
from .categories_panel import CategoriesPanel
from .staff_panel import StaffPanel

LOGO_FILTER = "图片 (*.png *.jpg *.jpeg *.svg *.bmp *.gif)"
PREVIEW_HEIGHT = 52


@dataclass
class Editor:
    """One setting's widget with how to read and write its value."""

    widget: QWidget
    get: Callable[[], Any]
    set: Callable[[Any], None]
    focus: QWidget


class LogoPicker(QWidget):
    """A path field with 选择… / 清除 and a small preview of the image."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = QLineEdit()
        self.path.setPlaceholderText("未设置（打印时不显示标志）")
        self.path.textChanged.connect(self._preview)
        self.browse_button = QPushButton("选择…")
        self.browse_button.clicked.connect(self.browse)
        self.clear_button = QPushButton("清除")
        self.clear_button.clicked.connect(self.path.clear)
        self.preview = QLabel()
        self.preview.setObjectName("logoPreview")
        self.preview.setFixedSize(150, PREVIEW_HEIGHT)
        self.preview.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.preview.setStyleSheet("color: #888;")
        buttons = hbox(self.browse_button, self.clear_button, None)
        self.setLayout(hbox(vbox(self.path, buttons, spacing=2), self.preview))
        self._preview()

    def browse(self) -> None:
        start = str(Path(self.path.text()).parent) if self.path.text() else str(Path.home())
        name, _filter = QFileDialog.getOpenFileName(self, "选择公司标志图片", start, LOGO_FILTER)
        if name:
            self.path.setText(name)

    def _preview(self) -> None:
        text = self.path.text().strip()
        if not text:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("（无标志）")
            return
        pixmap = QPixmap(text) if Path(text).is_file() else QPixmap()
        if pixmap.isNull():
            self.preview.setPixmap(QPixmap())
            self.preview.setText("无法读取该图片")
            self.preview.setStyleSheet("color: #b00020;")
            return
        self.preview.setStyleSheet("")
        self.preview.setPixmap(pixmap.scaledToHeight(PREVIEW_HEIGHT, Qt.SmoothTransformation))

    def has_preview(self) -> bool:
        pixmap = self.preview.pixmap()
        return pixmap is not None and not pixmap.isNull()


# Settings are grouped on the page by key prefix; everything else is 基本信息.
SECTIONS = (
    ("trigger_", "自动建回访任务（触发规则）"),
    ("calendar_", "工作日历补充"),
    ("kpi_", "质量评价"),
    ("survey_", "扫码评价"),
)
BASIC_SECTION = "基本信息"


def section_of(key: str) -> str:
    return next((title for prefix, title in SECTIONS if key.startswith(prefix)), BASIC_SECTION)


class GeneralSettingsForm(QWidget):
    """基本设置: one editor per ``settings.DEFINITIONS`` entry, saved together."""

    loaded_versions: dict[str, int] | None = None  # stored_versions() when the form was filled

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.editors: dict[str, Editor] = {}
        forms: dict[str, QFormLayout] = {}
        for definition in settings.DEFINITIONS:
            editor = self._make_editor(definition.key, definition.default, definition.help)
            editor.widget.setToolTip(definition.help)
            self.editors[definition.key] = editor
            layout = forms.setdefault(section_of(definition.key), self._new_form())
            if isinstance(editor.widget, QCheckBox):
                layout.addRow(f"{definition.label}：", editor.widget)  # the help is the box's text
                continue
            help_label = QLabel(definition.help)
            help_label.setStyleSheet("color: #777;")
            help_label.setWordWrap(True)
            cell = QWidget()
            cell.setLayout(vbox(editor.widget, help_label, spacing=2))
            layout.addRow(f"{definition.label}：", cell)
        groups = {title: self._group(title, layout) for title, layout in forms.items()}
        left = [groups.pop(BASIC_SECTION)] if BASIC_SECTION in groups else []
        columns = QWidget()
        columns.setLayout(hbox(vbox(*left, None), vbox(*groups.values(), None), spacing=SPACING * 2))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(columns)

        self.save_button = QPushButton("保存")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("撤销修改")
        self.revert_button.clicked.connect(self.load)
        self.setLayout(vbox(scroll, hbox(None, self.revert_button, self.save_button), margin=MARGIN))
        self.load()

    @staticmethod
    def _new_form() -> QFormLayout:
        layout = QFormLayout()
        layout.setSpacing(SPACING + 2)
        layout.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        return layout

    @staticmethod
    def _group(title: str, layout: QFormLayout) -> QGroupBox:
        box = QGroupBox(title)
        box.setLayout(layout)
        return box

    # -- editors
    def _make_editor(self, key: str, default, help_text: str = "") -> Editor:
        if key == "company_logo":
            picker = LogoPicker()
            return Editor(
                picker, lambda: picker.path.text(), lambda v: picker.path.setText(v or ""), picker.path
            )
        if key == "default_template_family":
            self.template_combo = QComboBox()
            return Editor(self.template_combo, self._family, self._set_family, self.template_combo)
        if key == "visitor_name":
            self.visitor_combo = QComboBox()
            self.visitor_combo.setEditable(True)
            self.visitor_combo.lineEdit().setPlaceholderText("可从员工中选择或直接输入")
            combo = self.visitor_combo
            return Editor(combo, combo.currentText, lambda v: combo.setCurrentText(v or ""), combo)
        if isinstance(default, bool):
            box = QCheckBox(help_text)
            return Editor(box, box.isChecked, lambda v: box.setChecked(bool(v)), box)
        if isinstance(default, int):
            spin = QSpinBox()
            if key == "reply_workdays":
                spin.setRange(1, 30)
            elif key in ("kpi_rework_days", "trigger_chase_days"):
                days = settings.REWORK_DAYS_RANGE if key == "kpi_rework_days" else settings.CHASE_DAYS_RANGE
                spin.setRange(*days)
                spin.setSuffix(" 天")
            elif key == "survey_port":
                spin.setRange(*settings.SURVEY_PORT_RANGE)
            elif key == "survey_link_days":
                spin.setRange(*settings.SURVEY_DAYS_RANGE)
                spin.setSuffix(" 天")
            else:
                spin.setRange(-1_000_000, 1_000_000)
            spin.setMinimumWidth(100)
            return Editor(spin, spin.value, lambda v: spin.setValue(int(v)), spin)
        if isinstance(default, float):
            dspin = QDoubleSpinBox()
            dspin.setRange(-1e9, 1e9)
            return Editor(dspin, dspin.value, lambda v: dspin.setValue(float(v)), dspin)
        line = QLineEdit()
        return Editor(line, line.text, lambda v: line.setText("" if v is None else str(v)), line)

    def _family(self) -> str:
        return self.template_combo.currentData() or ""

    def _set_family(self, family: str) -> None:
        index = self.template_combo.findData(family)
        if index < 0:
            self.template_combo.addItem(f"（已不存在的模板：{family}）", family)
            index = self.template_combo.count() - 1
        self.template_combo.setCurrentIndex(index)

    def refresh_choices(self) -> None:
        """Template families and staff names may have changed elsewhere; keep what is entered."""
        family = self._family()
        self.template_combo.clear()
        for tpl in templates.active_templates():
            self.template_combo.addItem(f"{tpl.name}（第{tpl.version}版）", tpl.family)
        if family:
            self._set_family(family)
        visitor = self.visitor_combo.currentText()
        self.visitor_combo.clear()
        self.visitor_combo.addItems(staff.active_names(role="回访员"))
        self.visitor_combo.setCurrentText(visitor)

    # -- load / save
    def load(self) -> None:
        self.refresh_choices()
        self.loaded_versions = settings.stored_versions()  # a save over another PC's is refused
        for key, value in settings.all_values().items():
            if key in self.editors:
                self.editors[key].set(value)

    def values(self) -> dict[str, Any]:
        return {key: editor.get() for key, editor in self.editors.items()}

    def save(self) -> bool:
        try:
            clean = settings.validate_values(self.values())
        except ValidationErrors as errs:
            show_error(self, "\n".join(str(e) for e in errs.errors), "设置未保存")
            labels = {d.label: d.key for d in settings.DEFINITIONS}
            key = labels.get(errs.errors[0].field)
            if key in self.editors:
                self.editors[key].focus.setFocus()
            return False
        try:
            settings.save_all(clean, self.loaded_versions)
        except StaleEdit as err:  # saved meanwhile by another PC: choose setting by setting
            labels = {d.key: d.label for d in settings.DEFINITIONS if d.key in clean}
            take = merge_dialog.resolve(self, err, versions.differences(clean, err.current or {}, labels))
            if take is None:
                return False
            for key in take:
                self.editors[key].set(err.current[key])
            self.loaded_versions = settings.stored_versions()
            return self.save()
        except UserError as err:  # the database busy or out of reach: the input stays
            show_error(self, str(err), "设置未保存")
            return False
        self.load()
        self.ctx.events.settings_changed.emit()
        self.ctx.events.status_message.emit("设置已保存。")
        return True


class SettingsView(QWidget):
    """Page "settings". ``accounts_changed`` (the 账号 tab's signal, re-exposed): sign-in was turned
    on/off or an account changed — whoever shows the signed-in person refreshes on it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.general = GeneralSettingsForm(ctx)
        self.categories = CategoriesPanel()
        self.staff = StaffPanel()
        self.accounts = AccountsPanel()
        self.audit = AuditPanel()
        self.accounts_changed = self.accounts.accounts_changed
        self.tabs = QTabWidget()
        self.tabs.addTab(self.general, "基本设置")
        self.tabs.addTab(self.categories, "问题分类")
        self.tabs.addTab(self.staff, "员工")
        self.tabs.addTab(self.accounts, "账号")
        self.tabs.addTab(self.audit, "修改记录")
        self.setLayout(vbox(heading("设置"), self.tabs, margin=MARGIN))
        # categories and staff are reference data other pages offer as choices
        self.categories.changed.connect(ctx.events.settings_changed)
        self.staff.changed.connect(self._staff_changed)
        ctx.events.templates_changed.connect(self.general.refresh_choices)

    def _staff_changed(self) -> None:
        self.general.refresh_choices()
        self.ctx.events.settings_changed.emit()

    def on_shown(self) -> None:
        self.general.refresh_choices()
        self.categories.reload()
        self.staff.reload()

    def open_with(self, tab: str | None = None, **_kwargs) -> None:
        names = {"general": 0, "categories": 1, "staff": 2, "accounts": 3, "audit": 4}
        if tab in names:
            self.tabs.setCurrentIndex(names[tab])
