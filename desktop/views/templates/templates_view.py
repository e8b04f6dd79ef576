"""问卷模板 page: pick a template on the left, edit its info and questions on the right.

Edits go through ``services.templates``: a template that saved visits use is never changed
under them — the first edit makes a new version, which the page then shows selected.
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QWidget,
)

from desktop.models import QuestionnaireTemplate
from desktop.services.common.errors import StaleEdit, UserError, ValidationError, ValidationErrors
from desktop.services.visits import templates

from ..common import merge_dialog
from ..common.context import AppContext
from ..common.widgets import MARGIN, confirm, hbox, heading, show_error, vbox
from .question_dialog import QuestionDialog
from .template_widgets import QuestionTable, TemplateInfoBox

_BANNER_USED = (
    "background: #fff4d6; border: 1px solid #e0b84c; border-radius: 3px; padding: 6px; color: #5c4300;"
)
_BANNER_FREE = (
    "background: #eef5ea; border: 1px solid #a9c99a; border-radius: 3px; padding: 6px; color: #2f4f25;"
)
_BANNER_NEW = (
    "background: #e8f0fb; border: 1px solid #8fb0dc; border-radius: 3px; padding: 6px; color: #1d3d6b;"
)


class TemplateList(QWidget):
    """Active templates (one per family): name, version, 内置 marker, number of visits."""

    family_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("templateList")
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(self._on_current)
        self.new_button = QPushButton("新建模板")
        self.copy_button = QPushButton("复制模板")
        self.copy_button.setToolTip("以选中的模板为底稿，另存为一个独立的新模板")
        self.setLayout(vbox(heading("问卷模板"), self.list, hbox(self.new_button, self.copy_button)))

    def set_templates(self, rows: list[QuestionnaireTemplate], counts: dict[int, int], select: str | None):
        self.list.blockSignals(True)
        self.list.clear()
        for tpl in rows:
            parts = [f"第{tpl.version}版"]
            if tpl.builtin:
                parts.append("内置")
            parts.append(f"{counts.get(tpl.id, 0)} 份回访")
            item = QListWidgetItem(f"{tpl.name}\n    {' · '.join(parts)}")
            item.setData(Qt.UserRole, tpl.family)
            item.setToolTip(f"{tpl.name}\n行业：{tpl.industry or '—'}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = next((i for i, tpl in enumerate(rows) if tpl.family == select), 0 if rows else -1)
        self.list.setCurrentRow(row)  # the list was cleared: this always announces the selection
        self.copy_button.setEnabled(bool(rows))

    def current_family(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def restore(self, family: str | None) -> None:
        """Go back to ``family`` without announcing it (a cancelled switch)."""
        self.list.blockSignals(True)
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.UserRole) == family:
                self.list.setCurrentRow(row)
        self.list.blockSignals(False)

    def _on_current(self, current, _previous) -> None:
        if current is not None:
            self.family_selected.emit(current.data(Qt.UserRole))


class TemplatesView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.template: QuestionnaireTemplate | None = None
        self.visits_using = 0
        self._just_versioned: tuple[int, int, int] | None = None  # (template id, old version, visits)

        self.templates = TemplateList()
        self.banner = QLabel()
        self.banner.setObjectName("versionBanner")
        self.banner.setWordWrap(True)
        self.history = QLabel()
        self.history.setStyleSheet("color: #666;")
        self.history.setWordWrap(True)
        self.info = TemplateInfoBox()
        self.questions = QuestionTable()

        right = QWidget()
        right.setLayout(vbox(self.banner, self.history, self.info, self.questions))
        right.layout().setStretch(3, 1)
        splitter = QSplitter()
        splitter.addWidget(self.templates)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 900])
        splitter.setChildrenCollapsible(False)
        self.setLayout(vbox(splitter, margin=MARGIN))

        self.templates.family_selected.connect(self._on_family_selected)
        self.templates.new_button.clicked.connect(self.new_template)
        self.templates.copy_button.clicked.connect(self.copy_template)
        self.info.save_requested.connect(self.save_info)
        self.questions.add_requested.connect(self.add_question)
        self.questions.edit_requested.connect(self.edit_question)
        self.questions.move_requested.connect(self.move_question)
        self.questions.retire_requested.connect(self.retire_question)
        ctx.events.templates_changed.connect(self.reload)
        ctx.events.visits_changed.connect(self.reload)
        self.reload()

    # -- page protocol
    def on_shown(self) -> None:
        if not self.info.is_dirty():
            self.reload()

    def open_with(self, family: str | None = None, template_id: int | None = None, **_kwargs) -> None:
        if template_id is not None:
            tpl = templates.template_by_id(template_id)
            family = tpl.family if tpl is not None else family
        if family is not None:
            self.reload(select=family)

    # -- showing
    def reload(self, select: str | None = None) -> None:
        family = select or self.templates.current_family()
        self.templates.set_templates(templates.active_templates(), templates.visit_counts(), family)
        if self.templates.current_family() is None:
            self._show(None)

    def _on_family_selected(self, family: str) -> None:
        switching = self.template is not None and family != self.template.family
        if switching and self.info.is_dirty() and not self._discard_edits():
            self.templates.restore(self.template.family)
            return
        self._show(
            templates.active_template(family), keep_edits=family == getattr(self.template, "family", None)
        )

    def _discard_edits(self) -> bool:
        return confirm(self, f"“{self.template.name}”的模板信息有未保存的修改，放弃这些修改吗？")

    def _show(self, template: QuestionnaireTemplate | None, keep_edits: bool = False) -> None:
        selected = self.questions.current_question()
        same = template is not None and self.template is not None and template.id == self.template.id
        if self._just_versioned and (template is None or template.id != self._just_versioned[0]):
            self._just_versioned = None
        self.template = template
        self.visits_using = templates.visit_count(template) if template is not None else 0
        if not (keep_edits and same and self.info.is_dirty()):
            self.info.set_template(template)
        rows = templates.questions_of(template, include_retired=True) if template is not None else []
        self.questions.set_questions(rows, selected.position if selected is not None and same else None)
        self.questions.set_editable(template is not None)
        self._show_banner()

    def _show_banner(self) -> None:
        tpl = self.template
        if tpl is None:
            self.banner.setText("还没有问卷模板。点击左下角“新建模板”开始。")
            self.banner.setStyleSheet(_BANNER_FREE)
            self.history.setText("")
            return
        if self._just_versioned:
            _id, old_version, old_visits = self._just_versioned
            self.banner.setText(
                f"已生成新版本：第 {tpl.version} 版（当前使用）。第 {old_version} 版及其 {old_visits} 份回访记录保持原样。"
            )
            self.banner.setStyleSheet(_BANNER_NEW)
        elif self.visits_using:
            self.banner.setText(self.version_warning())
            self.banner.setStyleSheet(_BANNER_USED)
        else:
            self.banner.setText(f"第 {tpl.version} 版，尚无回访记录使用：修改直接保存在本版本。")
            self.banner.setStyleSheet(_BANNER_FREE)
        versions = templates.versions_of(tpl.family)
        if len(versions) > 1:
            counts = templates.visit_counts()
            parts = [
                f"第{v.version}版" + ("（当前）" if v.active else f"（{counts.get(v.id, 0)} 份回访）")
                for v in versions
            ]
            self.history.setText("历史版本：" + "，".join(parts))
        else:
            self.history.setText("")
        self.history.setVisible(len(versions) > 1)

    def version_warning(self) -> str:
        tpl = self.template
        return (
            f"该模板已有 {self.visits_using} 份回访记录使用，修改将生成新版本（第 {tpl.version + 1} 版），"
            "已保存的回访保持原样"
        )

    # -- editing
    def _may_edit(self) -> bool:
        """Before the first edit of a used template, say that a new version will be made."""
        if self.template is None:
            return False
        if not self.visits_using:
            return True
        return confirm(self, self.version_warning() + "。\n\n继续修改吗？", "将生成新版本")

    def _apply(self, change, *, select_position: int | None = None, on_stale=None) -> bool:
        """Run a service edit on the current template; show the result (maybe a new version).
        ``on_stale(err)``: someone else saved the template meanwhile (its answer is returned)."""
        old = self.template
        old_visits = self.visits_using
        try:
            result = change(old)
        except StaleEdit as err:
            if on_stale is not None:
                return on_stale(err)
            show_error(self, str(err))
            return False
        except ValidationErrors as errs:
            show_error(self, "\n".join(str(e) for e in errs.errors), "请修改后再保存")
            self.info.focus_field(errs.errors[0].field)
            return False
        except UserError as err:
            show_error(self, str(err))
            return False
        if result.id != old.id:
            self._just_versioned = (result.id, old.version, old_visits)
            self.ctx.events.status_message.emit(
                f"已生成“{result.name}”第 {result.version} 版；已保存的回访仍使用第 {old.version} 版。"
            )
        self.template = result
        self.ctx.events.templates_changed.emit()  # reloads this page too
        if select_position is not None:
            self.questions.select_position(select_position)
        return True

    def save_info(self, values: dict) -> None:
        if not self._may_edit():
            return
        saved = self._apply(
            lambda tpl: templates.update_template_info(tpl, **values), on_stale=lambda err: self._merge_info(err, values)
        )
        if saved:
            self.info.set_template(self.template)
            self.ctx.events.status_message.emit("模板信息已保存。")

    def _merge_info(self, err: StaleEdit, values: dict) -> bool:
        """Someone else saved this template meanwhile: 对照修改 field by field, the choice shown in
        模板信息, then saved over the stored version; cancelled: the form stays as typed."""
        merged = merge_dialog.merge_record(self, err, values, templates.TEMPLATE_INFO_LABELS)
        if merged is None:
            return False
        version = merged.pop("row_version")
        self.info.set_template_values(merged)
        stored = templates.template_by_id(self.template.id)
        stored.row_version = version  # the version the choice was made against
        return self._apply(lambda _tpl: templates.update_template_info(stored, **merged))

    def _dialog(self, question=None) -> dict | None:
        dialog = QuestionDialog(templates.dimensions(), question, self)
        if dialog.exec() != QDialog.Accepted:
            return None
        return dialog.values()

    def add_question(self) -> None:
        if not self._may_edit():
            return
        data = self._dialog()
        if data is None:
            return
        if self._apply(lambda tpl: templates.add_question(tpl, data)):
            last = templates.questions_of(self.template, include_retired=True)[-1]
            self.questions.select_position(last.position)

    def edit_question(self, position: int) -> None:
        question = self.questions.question_at(position)
        if question is None or not self._may_edit():
            return
        data = self._dialog(question)
        if data is None:
            return
        self._apply(lambda tpl: templates.update_question(tpl, position, data), select_position=position)

    def move_question(self, position: int, delta: int) -> None:
        if not self._may_edit():
            return
        self._apply(
            lambda tpl: templates.move_question(tpl, position, delta), select_position=position + delta
        )

    def retire_question(self, position: int, retired: bool) -> None:
        if not self._may_edit():
            return
        self._apply(lambda tpl: templates.retire_question(tpl, position, retired), select_position=position)

    # -- new / copy
    def _ask_name(self, title: str, default: str = "") -> str | None:
        name, ok = QInputDialog.getText(self, title, "模板名称：", text=default)
        return name if ok else None

    def new_template(self) -> None:
        name = self._ask_name("新建模板")
        if name is None:
            return
        self._create(lambda: templates.create_template(name))

    def copy_template(self) -> None:
        if self.template is None:
            return
        name = self._ask_name("复制模板", f"{self.template.name}（副本）")
        if name is None:
            return
        source = self.template
        self._create(lambda: templates.copy_template(source, name))

    def _create(self, make) -> None:
        try:
            created = make()
        except (ValidationError, ValidationErrors, UserError) as err:
            show_error(self, str(err))
            return
        self.ctx.events.status_message.emit(f"已创建模板“{created.name}”。")
        self.reload(select=created.family)
        self.ctx.events.templates_changed.emit()
