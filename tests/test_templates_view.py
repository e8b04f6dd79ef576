from datetime import date

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QMessageBox, QToolButton

from desktop.models import Answer, Customer, Question, QuestionnaireTemplate, Visit
from desktop.services.visits import templates
from desktop.views.common.context import AppContext
from desktop.views.templates.question_dialog import QuestionDialog
from desktop.views.templates.templates_view import TemplatesView


@pytest.fixture
def asked(monkeypatch):
    """Records every QMessageBox.question / warning; questions are answered from ``asked.answer``."""

    class Asked:
        questions: list[str] = []
        warnings: list[str] = []
        answer = QMessageBox.Yes

    record = Asked()
    record.questions, record.warnings = [], []

    def question(_parent, _title, text, *_args, **_kwargs):
        record.questions.append(text)
        return record.answer

    def warning(_parent, _title, text, *_args, **_kwargs):
        record.warnings.append(text)
        return QMessageBox.Ok

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", warning)
    return record


@pytest.fixture
def view(qtbot, database, db_path, asked):
    page = TemplatesView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    return page


def drive_dialog(monkeypatch, qtbot, script):
    """Replace the modal ``exec`` with a user typing into the real dialog (``script``)."""
    seen = []

    def fake_exec(dialog):
        dialog.show()
        seen.append(dialog)
        script(dialog)
        if dialog.isVisible():  # the script did not finish it: the user cancels
            dialog.reject()
        return dialog.result()

    monkeypatch.setattr(QuestionDialog, "exec", fake_exec)
    return seen


def type_into(qtbot, widget, text: str) -> None:
    """Type as a user does: Latin keys one by one, Enter for a line break, and Chinese as the
    input method commits it (QTest can only press keys that exist on the keyboard)."""
    for char in text:
        if char == "\n":
            qtbot.keyClick(widget, Qt.Key_Return)
        elif char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(char)
            QCoreApplication.sendEvent(widget, event)


def click(qtbot, button):
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def ok(qtbot, dialog):
    click(qtbot, dialog.buttons.button(QDialogButtonBox.Ok))


def select(view, family, row=None):
    view.reload(select=family)
    assert view.template.family == family
    if row is not None:
        view.questions.table.selectRow(row)


def texts(template):
    return [q.text for q in templates.questions_of(template, include_retired=True)]


def use_template(template) -> Visit:
    customer = Customer.create(code="C202310001", name="张三", phone="13812345678")
    visit = Visit.create(customer=customer, template=template, visit_date=date(2024, 3, 1), status="已完成")
    Answer.create(visit=visit, question=templates.questions_of(template)[0], value=5)
    return visit


def test_add_question_by_typing(view, qtbot, monkeypatch, asked):
    select(view, "after_sales")
    tpl = view.template
    before = len(texts(tpl))

    def script(dialog):
        type_into(qtbot, dialog.text_edit, "工程师上门时是否穿戴鞋套？")
        type_into(qtbot, dialog.dimension.lineEdit(), "服务规范")
        dialog.kind.setCurrentIndex(dialog.kind.findData("yesno"))
        assert dialog.options.isEnabled() and dialog.options.toPlainText() == "是\n否"
        dialog.options.clear()
        type_into(qtbot, dialog.options, "已穿戴")
        qtbot.keyClick(dialog.options, Qt.Key_Return)
        type_into(qtbot, dialog.options, "未穿戴")
        ok(qtbot, dialog)

    drive_dialog(monkeypatch, qtbot, script)
    click(qtbot, view.questions.add_button)
    rows = templates.questions_of(tpl)
    assert len(rows) == before + 1
    new = rows[-1]
    assert (new.text, new.dimension, new.kind, new.options) == (
        "工程师上门时是否穿戴鞋套？",
        "服务规范",
        "yesno",
        ["已穿戴", "未穿戴"],
    )
    assert len(templates.versions_of("after_sales")) == 1 and asked.questions == []
    assert view.questions.table.rowCount() == before + 1
    assert view.questions.current_question().text == "工程师上门时是否穿戴鞋套？"


def test_level5_options_are_prefilled_and_editable(view, qtbot, monkeypatch):
    select(view, "travel_front_desk")

    def script(dialog):
        assert dialog.options.toPlainText().splitlines() == [
            "非常满意",
            "满意",
            "一般",
            "不满意",
            "非常不满意",
        ]
        type_into(qtbot, dialog.text_edit, "办理速度快吗？")
        dialog.options.clear()
        type_into(qtbot, dialog.options, "非常快速\n比较快速\n一般\n不快速\n很缓慢")
        dialog.kind.setCurrentIndex(dialog.kind.findData("nps"))
        assert not dialog.options.isEnabled()
        dialog.kind.setCurrentIndex(dialog.kind.findData("level5"))  # the typed labels come back
        assert dialog.options.toPlainText().endswith("很缓慢")
        ok(qtbot, dialog)

    drive_dialog(monkeypatch, qtbot, script)
    click(qtbot, view.questions.add_button)
    last = templates.questions_of(view.template)[-1]
    assert last.options == ["非常快速", "比较快速", "一般", "不快速", "很缓慢"]


def test_edit_unused_template_in_place(view, qtbot, monkeypatch, asked):
    select(view, "travel_front_desk", row=0)
    tpl_id = view.template.id
    assert "尚无回访记录使用" in view.banner.text()

    def script(dialog):
        assert dialog.text_edit.text() == "您对前台工作人员的整体印象如何？"
        dialog.text_edit.clear()
        type_into(qtbot, dialog.text_edit, "您对前台的第一印象如何？")
        ok(qtbot, dialog)

    drive_dialog(monkeypatch, qtbot, script)
    click(qtbot, view.questions.edit_button)
    tpl = QuestionnaireTemplate.get_by_id(tpl_id)
    assert tpl.active and tpl.version == 1 and view.template.id == tpl_id
    assert texts(tpl)[0] == "您对前台的第一印象如何？"
    # the info form edits in place too
    view.info.name.clear()
    type_into(qtbot, view.info.name, "前台服务回访（门店）")
    click(qtbot, view.info.save_button)
    assert QuestionnaireTemplate.get_by_id(tpl_id).name == "前台服务回访（门店）"
    assert len(templates.versions_of("travel_front_desk")) == 1 and asked.questions == []
    assert not view.info.save_button.isEnabled()


def test_editing_a_used_template_makes_a_new_version(view, qtbot, monkeypatch, asked):
    old = templates.active_template("after_sales")
    old_texts = texts(old)
    visit = use_template(old)
    select(view, "after_sales", row=0)
    warning = "该模板已有 1 份回访记录使用，修改将生成新版本（第 2 版），已保存的回访保持原样"
    assert warning in view.banner.text()

    def script(dialog):
        dialog.text_edit.clear()
        type_into(qtbot, dialog.text_edit, "您对工程师的服务态度打几分？")
        ok(qtbot, dialog)

    drive_dialog(monkeypatch, qtbot, script)
    click(qtbot, view.questions.edit_button)

    assert len(asked.questions) == 1 and warning in asked.questions[0]
    versions = templates.versions_of("after_sales")
    assert [v.version for v in versions] == [1, 2]
    old, new = versions
    assert not old.active and new.active
    assert texts(old) == old_texts
    assert texts(new) == ["您对工程师的服务态度打几分？", *old_texts[1:]]
    assert Visit.get_by_id(visit.id).template_id == old.id
    assert Answer.get(Answer.visit == visit).question.template_id == old.id
    # the page shows the new version, selected
    assert view.template.id == new.id
    assert "第2版" in view.templates.list.currentItem().text()
    assert "已生成新版本：第 2 版" in view.banner.text()
    assert "第1版（1 份回访）" in view.history.text()
    assert view.questions.current_question().position == 0
    # the new version has no visits: further edits neither ask nor make version 3
    click(qtbot, view.questions.down_button)
    assert len(asked.questions) == 1 and len(templates.versions_of("after_sales")) == 2
    assert texts(new)[1] == "您对工程师的服务态度打几分？"


def test_declining_the_version_warning_changes_nothing(view, qtbot, monkeypatch, asked):
    old = templates.active_template("after_sales")
    use_template(old)
    select(view, "after_sales", row=1)
    asked.answer = QMessageBox.No
    opened = drive_dialog(monkeypatch, qtbot, lambda d: None)
    click(qtbot, view.questions.edit_button)
    click(qtbot, view.questions.retire_button)
    assert len(asked.questions) == 2 and opened == []
    assert len(templates.versions_of("after_sales")) == 1
    assert not any(q.retired for q in templates.questions_of(old, include_retired=True))


def test_reorder_up_and_down(view, qtbot):
    select(view, "car_service", row=2)
    original = texts(view.template)
    click(qtbot, view.questions.up_button)
    assert texts(view.template)[1:3] == [original[2], original[1]]
    assert view.questions.current_question().text == original[2]
    assert view.questions.table.item(1, 1).text() == original[2]
    click(qtbot, view.questions.down_button)
    click(qtbot, view.questions.down_button)
    assert texts(view.template)[1:4] == [original[1], original[3], original[2]]
    view.questions.table.selectRow(0)
    assert not view.questions.up_button.isEnabled()
    assert len(templates.versions_of("car_service")) == 1


def test_retire_and_restore(view, qtbot):
    select(view, "after_sales", row=2)
    tpl = view.template
    click(qtbot, view.questions.retire_button)
    q = Question.get(Question.template == tpl, Question.position == 2)
    assert q.retired
    table = view.questions.table
    assert table.rowCount() == len(texts(tpl))  # still listed
    assert table.item(2, 8).text() == "已停用" and table.item(2, 0).text() == ""
    assert table.item(2, 1).foreground().color().name() == "#9a9a9a"
    assert table.item(3, 0).text() == "3"  # numbering skips the retired question
    assert view.questions.retire_button.text() == "启用"
    assert "另有 1 题已停用" in view.questions.count_label.text()
    click(qtbot, view.questions.retire_button)
    assert not Question.get_by_id(q.id).retired


def test_invalid_questions_name_the_field(view, qtbot, monkeypatch):
    select(view, "after_sales")
    before = texts(view.template)
    errors = []

    def empty_text(dialog):
        ok(qtbot, dialog)
        assert dialog.isVisible()
        errors.append(dialog.error_label.text())

    drive_dialog(monkeypatch, qtbot, empty_text)
    click(qtbot, view.questions.add_button)

    def one_option(dialog):
        type_into(qtbot, dialog.text_edit, "您从哪里知道我们？")
        dialog.kind.setCurrentIndex(dialog.kind.findData("choice"))
        assert dialog.options.toPlainText() == ""
        type_into(qtbot, dialog.options, "朋友介绍")
        ok(qtbot, dialog)
        assert dialog.isVisible()
        errors.append(dialog.error_label.text())

    drive_dialog(monkeypatch, qtbot, one_option)
    click(qtbot, view.questions.add_button)
    assert errors[0].startswith("题目：") and "不能为空" in errors[0]
    assert errors[1].startswith("选项：") and "两个选项" in errors[1]
    assert texts(view.template) == before


def test_bad_placeholder_in_script_is_refused(view, qtbot, asked):
    select(view, "bank")
    view.info.opening.clear()
    type_into(qtbot, view.info.opening, "{custmer}您好")
    click(qtbot, view.info.save_button)
    assert len(asked.warnings) == 1
    assert "开场白" in asked.warnings[0] and "{custmer}" in asked.warnings[0]
    assert "{customer}" in templates.active_template("bank").opening
    # the placeholder buttons insert into the script
    view.info.opening.clear()
    view.info.insert_placeholder("customer")
    assert view.info.opening.toPlainText() == "{客户称呼}"


def test_new_and_copy_template(view, qtbot, monkeypatch, asked):
    names = iter([("物业服务回访", True), ("银行问卷（分行）", True), ("物业服务回访", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(names))
    click(qtbot, view.templates.new_button)
    created = QuestionnaireTemplate.get(QuestionnaireTemplate.name == "物业服务回访")
    assert view.template.id == created.id and view.questions.table.rowCount() == 0
    assert "物业服务回访" in view.templates.list.currentItem().text()

    select(view, "bank")
    click(qtbot, view.templates.copy_button)
    copy = QuestionnaireTemplate.get(QuestionnaireTemplate.name == "银行问卷（分行）")
    assert copy.family != "bank" and view.template.id == copy.id
    assert texts(copy) == texts(templates.active_template("bank"))

    click(qtbot, view.templates.new_button)  # duplicate name
    assert len(asked.warnings) == 1 and "模板名称" in asked.warnings[0]
    assert QuestionnaireTemplate.select().where(QuestionnaireTemplate.name == "物业服务回访").count() == 1


def test_dialog_result_is_not_saved_when_cancelled(view, qtbot, monkeypatch):
    select(view, "after_sales", row=0)
    before = texts(view.template)

    def script(dialog):
        type_into(qtbot, dialog.text_edit, "改了但取消")
        dialog.reject()

    drive_dialog(monkeypatch, qtbot, script)
    click(qtbot, view.questions.edit_button)
    assert texts(view.template) == before


def test_script_placeholders_are_shown_typed_and_filled_in_chinese(view, qtbot, asked):
    """A stored {customer} reads {客户称呼}; the buttons and the user type Chinese names; the
    call script fills both, and one with no value shows its Chinese name."""
    from desktop.services.admin import settings as app_settings
    from desktop.services.visits import calls

    select(view, "bank")
    assert "{customer}" in templates.active_template("bank").opening
    shown = view.info.opening.toPlainText()
    assert "{客户称呼}" in shown and "{customer}" not in shown
    assert not view.info.save_button.isEnabled()  # showing it in Chinese is no edit
    buttons = [b.text() for b in view.info.findChildren(QToolButton)]
    assert "{客户称呼}" in buttons and not any(b.isascii() and b.startswith("{") for b in buttons)

    view.info.opening.clear()
    type_into(qtbot, view.info.opening, "{客户称呼}您好，这里是{公司名称}")
    click(qtbot, view.info.save_button)
    assert asked.warnings == []
    stored = templates.active_template("bank").opening
    assert stored == "{客户称呼}您好，这里是{公司名称}"
    customer = Customer.create(code="C202310001", name="黄思远", phone="13812345678", title="先生")
    app_settings.set_value("company_name", "")
    line = calls.render_script(stored, calls.call_context(customer.id))
    assert line.startswith("黄先生您好") and line.endswith("{公司名称}"), line
