import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QInputMethodEvent, QPixmap
from PySide6.QtWidgets import QFileDialog, QGroupBox, QInputDialog, QMessageBox

from desktop.models import ProblemCategory, Setting, Staff
from desktop.services.admin import settings
from desktop.services.common.errors import ValidationErrors
from desktop.views.common.context import AppContext
from desktop.views.settings.settings_view import SettingsView


@pytest.fixture
def warnings(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    return shown


@pytest.fixture
def ctx(db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def view(qtbot, database, ctx, warnings):
    page = SettingsView(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    return page


def type_into(qtbot, widget, text: str) -> None:
    """Latin characters as key presses, Chinese as an input-method commit (as a pinyin IME does)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(char)
            QCoreApplication.sendEvent(widget, event)


def retype(qtbot, line_edit, text: str) -> None:
    line_edit.selectAll()
    qtbot.keyClick(line_edit, Qt.Key_Delete)
    type_into(qtbot, line_edit, text)


def click(qtbot, button):
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def editor(view, key):
    return view.general.editors[key]


# ---- 基本设置


def test_settings_are_saved_and_read_back(view, qtbot, ctx, database, db_path):
    retype(qtbot, editor(view, "company_name").focus, "顺达家电维修服务中心")
    retype(qtbot, editor(view, "hotline").focus, "0571-88886666")
    spin = editor(view, "reply_workdays").widget
    spin.selectAll()
    qtbot.keyClicks(spin, "5")
    combo = editor(view, "default_template_family").widget
    combo.setCurrentIndex(combo.findData("bank"))
    type_into(qtbot, editor(view, "visitor_name").widget.lineEdit(), "王芳")
    with qtbot.waitSignal(ctx.events.settings_changed, timeout=1000):
        click(qtbot, view.general.save_button)
    assert settings.get("company_name") == "顺达家电维修服务中心"
    assert settings.get("hotline") == "0571-88886666"
    assert settings.get("reply_workdays") == 5
    assert settings.get("default_template_family") == "bank"
    assert settings.get("visitor_name") == "王芳"
    again = SettingsView(AppContext(db_path=db_path))
    qtbot.addWidget(again)
    values = again.general.values()
    assert values["company_name"] == "顺达家电维修服务中心" and values["reply_workdays"] == 5
    assert again.general.template_combo.currentData() == "bank"
    assert values["visitor_name"] == "王芳"


def test_invalid_settings_name_the_field_and_save_nothing(view, qtbot, warnings):
    retype(qtbot, editor(view, "company_name").focus, "   ")
    retype(qtbot, editor(view, "hotline").focus, "400-111-2222")
    click(qtbot, view.general.save_button)
    assert len(warnings) == 1 and "公司名称" in warnings[0]
    assert Setting.select().count() == 0  # not half-saved: the hotline was not written either
    assert editor(view, "company_name").focus.hasFocus()


def test_logo_picker_previews_and_saves(view, qtbot, tmp_path, monkeypatch, warnings):
    logo = tmp_path / "logo.png"
    pixmap = QPixmap(120, 60)
    pixmap.fill(QColor("#2a6fb0"))
    assert pixmap.save(str(logo))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(logo), ""))
    picker = editor(view, "company_logo").widget
    assert not picker.has_preview()
    click(qtbot, picker.browse_button)
    assert picker.path.text() == str(logo) and picker.has_preview()
    click(qtbot, view.general.save_button)
    assert settings.get("company_logo") == str(logo) and warnings == []

    retype(qtbot, picker.path, str(tmp_path / "missing.png"))
    assert not picker.has_preview() and "无法读取" in picker.preview.text()
    click(qtbot, view.general.save_button)
    assert "公司标志图片" in warnings[0] and settings.get("company_logo") == str(logo)
    click(qtbot, picker.clear_button)
    click(qtbot, view.general.save_button)
    assert settings.get("company_logo") == ""


def test_validate_values_rules(database, tmp_path):
    with pytest.raises(ValidationErrors) as info:
        settings.validate_values(
            {
                "company_name": "",
                "reply_workdays": 0,
                "default_template_family": "nope",
                "company_logo": "x.txt",
            }
        )
    assert info.value.fields == ["公司名称", "答复时限（工作日）", "默认问卷", "公司标志图片"]
    clean = settings.validate_values({"company_name": "  A  公司 ", "reply_workdays": "4"})
    assert clean == {"company_name": "A 公司", "reply_workdays": 4}
    with pytest.raises(KeyError):
        settings.validate_values({"no_such_setting": 1})


def test_rework_days_shown_under_kpi_saved_and_checked(view, qtbot, ctx):
    from desktop.services.intake import first_fix

    spin = editor(view, "kpi_rework_days").widget
    assert spin.value() == 30 and spin.suffix() == " 天"
    assert (spin.minimum(), spin.maximum()) == (1, 365)
    group = spin.parentWidget()
    while group is not None and not isinstance(group, QGroupBox):
        group = group.parentWidget()
    assert group is not None and group.title() == "质量评价"
    spin.selectAll()
    qtbot.keyClicks(spin, "45")
    with qtbot.waitSignal(ctx.events.settings_changed, timeout=1000):
        click(qtbot, view.general.save_button)
    assert settings.get("kpi_rework_days") == 45 and first_fix.rework_days() == 45
    with pytest.raises(ValidationErrors) as info:
        settings.validate_values({"kpi_rework_days": 0})
    assert info.value.fields == ["返修判定天数"] and "1 到 365" in str(info.value)


# ---- 问题分类


def category_names(view):
    return [view.categories.list.item(i).data(Qt.UserRole + 2) for i in range(view.categories.list.count())]


def test_categories_add_rename_reorder_deactivate(view, qtbot, monkeypatch, warnings, ctx):
    panel = view.categories
    view.tabs.setCurrentWidget(panel)
    type_into(qtbot, panel.new_name, "安装规范类")
    with qtbot.waitSignal(ctx.events.settings_changed, timeout=1000):
        click(qtbot, panel.add_button)
    assert ProblemCategory.get(ProblemCategory.name == "安装规范类").active
    assert category_names(view)[-1] == "安装规范类" and panel.new_name.text() == ""
    assert panel.list.currentItem().data(Qt.UserRole + 2) == "安装规范类"

    click(qtbot, panel.up_button)
    ordered = [c.name for c in ProblemCategory.select().order_by(ProblemCategory.position)]
    assert ordered[-2:] == ["安装规范类", "价格类"] and category_names(view)[-2] == "安装规范类"

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("安装与交付规范类", True))
    click(qtbot, panel.rename_button)
    assert ProblemCategory.select().where(ProblemCategory.name == "安装与交付规范类").exists()

    click(qtbot, panel.toggle_button)
    assert not ProblemCategory.get(ProblemCategory.name == "安装与交付规范类").active
    assert "[已停用]" in panel.list.currentItem().text() and panel.toggle_button.text() == "启用"

    type_into(qtbot, panel.new_name, "价格类")
    click(qtbot, panel.add_button)
    assert len(warnings) == 1 and "分类名称" in warnings[0]
    assert ProblemCategory.select().where(ProblemCategory.name == "价格类").count() == 1


# ---- 员工


def test_staff_add_edit_deactivate(view, qtbot, warnings, ctx):
    panel = view.staff
    view.tabs.setCurrentWidget(panel)
    type_into(qtbot, panel.form.name, "王芳")
    panel.form.role.setCurrentText("回访员")
    type_into(qtbot, panel.form.department.lineEdit(), "客服部")
    type_into(qtbot, panel.form.phone, "138-1234-5678")
    with qtbot.waitSignal(ctx.events.settings_changed, timeout=1000):
        click(qtbot, panel.form.save_button)
    wang = Staff.get(Staff.name == "王芳")
    assert (wang.role, wang.department.name, wang.phone, wang.active) == (
        "回访员",
        "客服部",
        "13812345678",
        True,
    )
    assert panel.table.rowCount() == 1 and panel.form.save_button.text() == "保存修改"
    # the new 回访员 is offered as the default visitor
    combo = view.general.visitor_combo
    assert combo.findText("王芳") >= 0

    panel.form.role.setCurrentText("主管")
    click(qtbot, panel.form.save_button)
    assert Staff.get_by_id(wang.id).role == "主管" and Staff.select().count() == 1

    click(qtbot, panel.toggle_button)
    assert not Staff.get_by_id(wang.id).active
    assert panel.table.rowCount() == 0  # hidden until 显示已停用 is ticked
    panel.show_inactive.setChecked(True)
    assert panel.table.rowCount() == 1 and panel.table.item(0, 4).text() == "已停用"


def test_staff_invalid_input_names_the_field(view, qtbot, warnings):
    panel = view.staff
    click(qtbot, panel.form.new_button)
    type_into(qtbot, panel.form.name, "李明")
    type_into(qtbot, panel.form.phone, "12345")
    click(qtbot, panel.form.save_button)
    assert len(warnings) == 1 and warnings[0].startswith("电话：")
    assert Staff.select().count() == 0
