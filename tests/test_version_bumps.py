"""Changes that belong to a record without being fields of its form — a template's questions, a
visit's attached scans and its 无效 mark — raise the record's version (with who and when), so a
form elsewhere still holding the older copy is refused as stale instead of saving over them."""

import socket
from dataclasses import replace

import pytest
from test_visits_service import _input, setup  # noqa: F401  (setup is a fixture)

from desktop.models import QuestionnaireTemplate, Staff, Visit
from desktop.services.common.errors import StaleEdit
from desktop.services.reporting import quality
from desktop.services.visits import attachments, templates, visits
from desktop.services.visits.signatures import SupervisorOverride

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ME = f"电脑 {socket.gethostname()}"  # who saves with sign-in off


@pytest.fixture
def template(database):
    tpl = templates.create_template("门店回访表")
    return templates.add_question(tpl, {"text": "服务是否满意？", "kind": "level5"})


def _edit_first(tpl):
    return templates.update_question(tpl, 0, {"text": "对上门服务是否满意？", "kind": "level5"})


QUESTION_EDITS = {
    "add": lambda tpl: templates.add_question(tpl, {"text": "还有建议吗？", "kind": "text"}),
    "update": _edit_first,
    "retire": lambda tpl: templates.retire_question(tpl, 0),
    "move": lambda tpl: templates.move_question(templates.add_question(tpl, {"text": "第二题", "kind": "text"}), 1, -1),
}


@pytest.mark.parametrize("edit", QUESTION_EDITS.values(), ids=QUESTION_EDITS.keys())
def test_a_question_edit_makes_an_open_template_info_form_stale(template, edit):
    elsewhere = QuestionnaireTemplate.get_by_id(template.id)  # another PC's 模板信息 form
    QuestionnaireTemplate.update(modified_by="").where(QuestionnaireTemplate.id == template.id).execute()
    result = edit(QuestionnaireTemplate.get_by_id(template.id))
    assert result.id == template.id, "an unused template is edited in place"
    stored = QuestionnaireTemplate.get_by_id(template.id)
    assert stored.row_version > elsewhere.row_version and stored.modified_by == ME
    assert result.row_version == stored.row_version, "the caller gets the version it may save with"
    with pytest.raises(StaleEdit):
        templates.update_template_info(elsewhere, name="旧名字")
    assert QuestionnaireTemplate.get_by_id(template.id).name == "门店回访表"
    templates.update_template_info(result, name="新名字")  # the fresh copy saves
    assert QuestionnaireTemplate.get_by_id(template.id).name == "新名字"


@pytest.fixture
def done_visit(setup):  # noqa: F811
    return visits.save_visit(_input(setup), final=True)


def _attach(visit_id, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    return attachments.add_attachment(visit_id, scan)


def test_attaching_a_scan_makes_an_open_visit_form_stale(done_visit, tmp_path):
    form = visits.load_visit(done_visit.id)  # a 回访表 open on another PC
    Visit.update(modified_by="").where(Visit.id == done_visit.id).execute()
    _attach(done_visit.id, tmp_path)
    stored = Visit.get_by_id(done_visit.id)
    assert stored.row_version == form.row_version + 1 and stored.modified_by == ME
    with pytest.raises(StaleEdit) as caught:
        visits.save_visit(replace(form, feedback="旧的内容"), final=True)
    assert caught.value.current.sign_status == stored.sign_status


def test_removing_a_scan_makes_an_open_visit_form_stale(done_visit, tmp_path):
    info = _attach(done_visit.id, tmp_path)
    Staff.create(name="赵主管", role="主管")
    form = visits.load_visit(done_visit.id)
    attachments.remove_attachment(info.id, SupervisorOverride("赵主管", "附错了回访记录"))
    assert Visit.get_by_id(done_visit.id).row_version == form.row_version + 1
    with pytest.raises(StaleEdit):
        visits.save_visit(replace(form, feedback="旧的内容"), final=True)


@pytest.mark.parametrize(
    "decide",
    [
        lambda vid: quality.confirm_invalid(vid, True, "全部选同一项"),
        lambda vid: quality.confirm_invalid(vid, False, "客户确实全部满意"),
        quality.reset_to_automatic,
    ],
    ids=["invalid", "valid", "automatic"],
)
def test_an_invalid_mark_makes_an_open_visit_form_stale(done_visit, decide):
    form = visits.load_visit(done_visit.id)
    decide(done_visit.id)
    assert Visit.get_by_id(done_visit.id).row_version > form.row_version
    with pytest.raises(StaleEdit):
        visits.save_visit(replace(form, feedback="旧的内容"), final=True)


def test_the_form_that_attached_a_scan_keeps_a_version_it_may_save_with(qtbot, database, db_path, tmp_path):
    """The scan raised the visit's version, but the form attached it itself: it takes the new
    version (no 对照修改 next time). After someone else's save it keeps the old one (still stale)."""
    from test_attachments import _form

    from desktop.services.intake import customers

    customer = customers.create_customer({"code": "C9", "name": "李四", "phone": "13900001111"})
    view = _form(qtbot, db_path)
    view.open_with(customer_id=customer.id, paper=True)
    scan = tmp_path / "s.pdf"
    scan.write_bytes(PDF)
    assert view.attachments_panel.add_files([scan]) == 1
    stored = Visit.get_by_id(view.visit_id).row_version
    assert stored > 1 and view.row_version == stored

    held = view.row_version
    quality.confirm_invalid(view.visit_id, True, "另一台电脑的主管判为无效")  # someone else's change
    other = tmp_path / "s2.pdf"
    other.write_bytes(PDF + b"% page 2")
    assert view.attachments_panel.add_files([other]) == 1
    assert view.row_version == held < Visit.get_by_id(view.visit_id).row_version
