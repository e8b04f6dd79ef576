"""导入数据 → 导入问卷星/腾讯问卷结果, driven like a user: pick the export and the template, check
and change the question mapping, preview, import, open the error workbook."""

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog
from survey_exports import WJX_HEADER, make_shop, wjx_rows, write_xlsx
from test_survey_import import WJX_SHEETS, answers_of

from desktop.models import Customer, Visit
from desktop.models.visit import ONLINE_METHOD
from desktop.views.common.context import AppContext
from desktop.views.intake.import_view import ImportView
from desktop.views.intake.survey_import_dialog import AUTO_TEMPLATE, NOT_USED, SurveyImportDialog


@pytest.fixture
def page(qtbot, database, db_path, tmp_path):
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    view = ImportView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.resize(1200, 720)
    view.show()
    return view


@pytest.fixture
def shop(database):
    return make_shop()[0]


def open_dialog(qtbot, page) -> SurveyImportDialog:
    qtbot.mouseClick(page.survey_button, Qt.LeftButton)
    dialog = page.survey_dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_import_a_wjx_export_through_the_dialog(qtbot, page, shop, tmp_path, monkeypatch):
    template = shop
    path = write_xlsx(tmp_path / "问卷星_按选项文本.xlsx", WJX_HEADER, wjx_rows(WJX_SHEETS))
    dialog = open_dialog(qtbot, page)
    assert not dialog.preview_button.isEnabled() and not dialog.import_button.isEnabled()

    assert dialog.template_combo.currentText() == AUTO_TEMPLATE
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "表格文件"))
    qtbot.mouseClick(dialog.choose_button, Qt.LeftButton)

    assert dialog.file_edit.text() == str(path)
    assert "问卷星导出" in dialog.file_info.text() and "共 4 份答卷" in dialog.file_info.text()
    # of the built-in templates and this one, the columns name this one's questions
    assert dialog.template_combo.currentData() == template.id and "已按列名选择" in dialog.file_info.text()
    assert dialog.phone_combo.currentText() == "G 列 · 1、您的手机号码："
    assert dialog.order_combo.currentText() == NOT_USED
    table = dialog.mapping_table
    assert table.rowCount() == 6
    assert table.item(0, 1).text() == "您对上门工程师的服务态度满意吗？"
    assert table.cellWidget(0, 2).currentText() == "H 列 · 2、您对上门工程师的服务态度满意吗？"
    assert table.item(0, 3).text().startswith("✓")
    assert "已对应 6 / 6 道题" in dialog.mapping_note.text()

    # the user takes question 2's column for question 1: question 2 is now unanswered and required
    first = table.cellWidget(0, 2)
    first.setCurrentIndex(first.findData(8))
    assert table.cellWidget(1, 2).currentText() == NOT_USED
    assert table.item(1, 3).text() == "未对应（必答）"
    assert "必答的第2题没有对应的列" in dialog.mapping_note.text()
    # … and puts both back
    first = table.cellWidget(0, 2)
    first.setCurrentIndex(first.findData(7))
    second = table.cellWidget(1, 2)
    second.setCurrentIndex(second.findData(8))
    assert "已对应 6 / 6 道题" in dialog.mapping_note.text()

    assert not dialog.import_button.isEnabled()  # nothing is imported before a preview
    qtbot.mouseClick(dialog.preview_button, Qt.LeftButton)
    assert dialog.summary_label.text().startswith("预览（未写入）：将生成回访记录 3 条（完成回访任务 2 个")
    assert dialog.problem_table.rowCount() == 1 and dialog.problem_table.item(0, 0).text() == "5"
    assert "没有客户使用手机号 13000000000" in dialog.problem_table.item(0, 1).text()
    assert Visit.select().count() == 0
    assert dialog.import_button.isEnabled()

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    with qtbot.waitSignal(page.ctx.events.visits_changed, timeout=5000):
        qtbot.mouseClick(dialog.import_button, Qt.LeftButton)
    assert dialog.summary_label.text().startswith("导入完成：生成回访记录 3 条")
    assert Visit.select().where(Visit.method == ONLINE_METHOD).count() == 3
    assert answers_of(Visit.select().join(Customer).where(Customer.code == "C1").get(), template) == (
        5,
        4,
        1,
        9,
        1,
        "师傅很准时",
    )
    assert not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.report_button, Qt.LeftButton)
    assert opened == [str(path.with_name("问卷星_按选项文本_错误报告.xlsx"))]

    # a second preview of the same file finds every sheet already imported
    qtbot.mouseClick(dialog.preview_button, Qt.LeftButton)
    assert (
        "生成回访记录 0 条" in dialog.summary_label.text()
        and "已导入过而跳过 3 行" in dialog.summary_label.text()
    )
    assert not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.close_button, Qt.LeftButton)
    assert not dialog.isVisible()


def test_a_file_with_no_customer_column_cannot_be_previewed(qtbot, page, shop, tmp_path, monkeypatch):
    header = [h for h in WJX_HEADER if "手机" not in h]
    path = write_xlsx(tmp_path / "无手机.xlsx", header, [])
    dialog = open_dialog(qtbot, page)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "表格文件"))
    qtbot.mouseClick(dialog.choose_button, Qt.LeftButton)
    assert not dialog.preview_button.isEnabled()
    assert "请指定用来找到客户的列" in dialog.summary_label.text()
    dialog.order_combo.setCurrentIndex(dialog.order_combo.findData(0))  # 序号 is not an order number …
    assert dialog.preview_button.isEnabled()  # … but the user may pick any column
    qtbot.mouseClick(dialog.close_button, Qt.LeftButton)


def test_choosing_another_template_matches_the_columns_again(qtbot, page, shop, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "问卷星.xlsx", WJX_HEADER, wjx_rows(WJX_SHEETS))
    dialog = open_dialog(qtbot, page)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "表格文件"))
    qtbot.mouseClick(dialog.choose_button, Qt.LeftButton)
    assert dialog.template_combo.currentData() == shop.id
    dialog.template_combo.setCurrentIndex(dialog.template_combo.findText("汽车维修保养回访（第1版）"))
    assert dialog.source.template_id == dialog.template_combo.currentData()
    assert dialog.mapping_table.rowCount() == 12  # the car form's questions, hardly any answered
    assert "没有对应的列" in dialog.mapping_note.text()
    dialog.template_combo.setCurrentIndex(0)  # 按列名自动选择 again
    assert dialog.template_combo.currentData() == shop.id and dialog.mapping_table.rowCount() == 6
    qtbot.mouseClick(dialog.close_button, Qt.LeftButton)
