"""Two PCs (two loads of the same record): the second save from a stale copy is refused with who
and when, nothing of the first save is lost, and the two copies are merged field by field."""

import socket
from dataclasses import replace
from datetime import datetime

import pytest
from test_visits_service import _input, setup  # noqa: F401  (setup is a fixture)

from desktop.models import AuditLog, Customer, Visit
from desktop.services.admin import versions
from desktop.services.common.errors import StaleEdit
from desktop.services.intake import customers
from desktop.services.visits import visits


@pytest.fixture
def done_visit(setup):  # noqa: F811
    return visits.save_visit(_input(setup), final=True)


def test_a_stale_visit_save_is_refused_and_the_first_text_survives(done_visit):
    pc_a, pc_b = visits.load_visit(done_visit.id), visits.load_visit(done_visit.id)
    visits.save_visit(replace(pc_a, feedback="A：希望周末也能上门。"), final=True)
    audits_before = AuditLog.select().count()
    with pytest.raises(StaleEdit) as caught:
        visits.save_visit(replace(pc_b, mood="强烈不满"), final=True)
    err = caught.value
    assert f"已被 电脑 {socket.gethostname()} 于 {datetime.now():%H:%M} 修改" in str(err) or (
        "已被 电脑" in str(err) and "修改" in str(err)
    )
    stored = Visit.get_by_id(done_visit.id)
    assert stored.feedback == "A：希望周末也能上门。" and stored.mood == pc_a.mood
    # the refused save wrote no audit row: nobody is recorded as erasing A's text
    assert AuditLog.select().count() == audits_before
    assert err.current.feedback == "A：希望周末也能上门。"
    assert err.version == stored.row_version == pc_a.row_version + 1


def test_merging_field_by_field_keeps_both_saves(done_visit):
    pc_a, pc_b = visits.load_visit(done_visit.id), visits.load_visit(done_visit.id)
    visits.save_visit(replace(pc_a, feedback="A：希望周末也能上门。"), final=True)
    mine = replace(pc_b, mood="强烈不满")
    with pytest.raises(StaleEdit) as caught:
        visits.save_visit(mine, final=True)
    theirs = caught.value.current
    diffs = {d.key: d for d in versions.visit_differences(mine, theirs)}
    assert set(diffs) == {"feedback", "mood"}
    assert diffs["feedback"].label == "宝贵意见" and diffs["feedback"].theirs == "A：希望周末也能上门。"
    merged = versions.merged_visit(mine, theirs, {"feedback"})
    saved = visits.save_visit(merged, final=True)
    assert saved.feedback == "A：希望周末也能上门。" and saved.mood == "强烈不满"
    # the audit log has A's change of 宝贵意见 and no entry taking it back
    feedback_changes = [
        c for row in AuditLog.select().where(AuditLog.entity_id == done_visit.id) for c in row.changes
        if c["field"] == "宝贵意见"
    ]
    assert [c["new"] for c in feedback_changes] == ["A：希望周末也能上门。"]


def test_answers_differ_one_by_one(done_visit, setup):  # noqa: F811
    questions = setup[4]
    pc_a, pc_b = visits.load_visit(done_visit.id), visits.load_visit(done_visit.id)
    first = questions[0].id
    visits.save_visit(replace(pc_a, answers={**pc_a.answers, first: (2, "")}), final=True)
    with pytest.raises(StaleEdit) as caught:
        visits.save_visit(replace(pc_b, feedback="B"), final=True)
    diffs = versions.visit_differences(replace(pc_b, feedback="B"), caught.value.current)
    answer = next(d for d in diffs if d.key == f"{versions.ANSWER_KEY}{first}")
    assert answer.label.startswith("第1题") and answer.theirs == "不满意" and answer.mine == "满意"
    merged = versions.merged_visit(replace(pc_b, feedback="B"), caught.value.current, {answer.key})
    visits.save_visit(merged, final=True)
    assert visits.load_visit(done_visit.id).answers[first] == (2, "")


def test_a_draft_saved_twice_from_the_same_form_is_not_stale(setup):  # noqa: F811
    draft = visits.save_visit(_input(setup), final=False)
    data = visits.load_visit(draft.id)
    again = visits.save_visit(data, final=False)
    data.row_version = again.row_version  # the form takes the saved version
    visits.save_visit(replace(data, feedback="再改"), final=False)
    assert Visit.get_by_id(draft.id).feedback == "再改"


def test_a_stale_customer_save_is_refused(database):
    customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
    pc_a, pc_b = customers.customer_fields(customer.id), customers.customer_fields(customer.id)
    customers.update_customer(customer.id, {**pc_a, "address": "北京市海淀区中关村大街1号"})
    with pytest.raises(StaleEdit) as caught:
        customers.update_customer(customer.id, {**pc_b, "note": "只在晚上联系"})
    assert "已被" in str(caught.value) and "修改" in str(caught.value)
    stored = Customer.get_by_id(customer.id)
    assert stored.address == "北京市海淀区中关村大街1号" and stored.note == ""
    diffs = versions.differences({**pc_b, "note": "只在晚上联系"}, caught.value.current, customers.CUSTOMER_LABELS)
    assert [d.key for d in diffs] == ["address", "note"]
    merged = versions.merged({**pc_b, "note": "只在晚上联系"}, caught.value.current, {"address"})
    customers.update_customer(customer.id, {**merged, "row_version": caught.value.version})
    stored = Customer.get_by_id(customer.id)
    assert stored.address == "北京市海淀区中关村大街1号" and stored.note == "只在晚上联系"


def test_a_deleted_record_is_reported_not_overwritten(database):
    customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
    with pytest.raises(StaleEdit):
        customers.update_customer(customer.id, {**customers.customer_fields(customer.id), "row_version": 99})


def test_settings_saved_by_another_pc_meanwhile_are_not_overwritten(database):
    from desktop.services.admin import settings

    loaded = settings.stored_versions()
    settings.save_all({"company_name": "甲公司"}, settings.stored_versions())  # PC A
    with pytest.raises(StaleEdit) as caught:  # PC B, filled before A saved
        settings.save_all({"company_name": "乙公司", "visitor_name": "王芳"}, loaded)
    assert settings.get("company_name") == "甲公司" and settings.get("visitor_name") != "王芳"
    assert caught.value.current["company_name"] == "甲公司"
    settings.save_all({"company_name": "甲公司", "visitor_name": "王芳"}, settings.stored_versions())
    assert settings.get("visitor_name") == "王芳"
