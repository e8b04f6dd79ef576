"""What each role may do once sign-in is on, and the audit trail of who changed what."""

import pytest
from conftest import TEAM_PASSWORD
from test_improvement import TODAY, answer_verification, seed_input, tasks_of
from test_improvement import visits as improvement_visits  # noqa: F401  (a fixture)
from test_signatures import _input, setup, tiny_png  # noqa: F401  (setup is a fixture)

from desktop.models import Answer, AuditLog, ImprovementAction, Staff, Visit, VisitTask
from desktop.services.admin import accounts
from desktop.services.admin.accounts import PermissionDenied
from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.improvement import flow
from desktop.services.improvement import improvement as improvement_svc
from desktop.services.scheduling import tasks
from desktop.services.summaries.workbook import export
from desktop.services.visits import calls, forms, signatures
from desktop.services.visits.signatures import SupervisorOverride
from desktop.services.visits.visits import SignatureInput, save_visit

PASSWORD = TEAM_PASSWORD


def sign_in(username):
    return accounts.login(username, PASSWORD)


# ---------------------------------------------------------------- tasks and phones
def test_caller_sees_own_and_unassigned_tasks_viewer_sees_all_masked(team, setup):  # noqa: F811
    _boss, qian = team
    customer, order, template, *_ = setup
    other = Staff.create(name="孙员工", role="回访员")
    for n, assignee in enumerate((qian.id, other.id, None)):
        VisitTask.create(
            customer=customer, order=order, template=template, trigger=f"回访{n}", assignee=assignee
        )

    def listed():
        return [(row[8], row[2]) for row in tasks.search_tasks()]

    sign_in("qian")
    assert sorted(listed(), key=str) == sorted([("钱员工", "13812345678"), (None, "13812345678")], key=str)
    assert tasks.count_tasks() == 2
    sign_in("hq")
    assert len(listed()) == 3 and {phone for _n, phone in listed()} == {"138****5678"}
    task_id = VisitTask.select().first().id
    assert tasks.task_summary(task_id)["phone"] == "138****5678"
    sign_in("boss")
    assert len(listed()) == 3 and {phone for _n, phone in listed()} == {"13812345678"}


def test_prints_mask_the_phone_for_everyone(team, setup):  # noqa: F811
    sign_in("boss")
    visit = save_visit(_input(setup), final=True)
    header = {label: value for row in forms.build_visit_form(visit.id).header for label, value in row}
    assert header["联系电话"] == "138****5678"


def test_viewer_cannot_save_a_visit_and_nothing_is_saved(team, setup):  # noqa: F811
    sign_in("hq")
    with pytest.raises(PermissionDenied, match=r"总部（只读）.*填写回访表.*回访员或主管"):
        save_visit(_input(setup), final=True)
    assert Visit.select().count() == 0


def test_full_contact_export_needs_a_supervisor_and_callers_do_not_export(team, tmp_path):
    sign_in("hq")
    with pytest.raises(PermissionDenied, match="导出完整联系方式"):
        export.export_workbook(tmp_path / "x.xlsx", 2024, full_contact=True)
    assert not (tmp_path / "x.xlsx").exists()
    sign_in("qian")
    with pytest.raises(PermissionDenied, match="导出总部工作簿"):
        export.export_workbook(tmp_path / "x.xlsx", 2024)
    assert not (tmp_path / "x.xlsx").exists()


# ---------------------------------------------------------------- audit of visit answers
def test_changing_a_completed_visit_is_audited_with_who_and_what(team, setup):  # noqa: F811
    questions = setup[3]
    sign_in("qian")
    visit = save_visit(_input(setup), final=True)
    assert AuditLog.select().where(AuditLog.entity == "visit").count() == 0  # the first save is no change
    data = _input(setup)
    data.answers[questions[0].id] = (2, "")
    save_visit(data, final=True, visit_id=visit.id)
    entry = signatures.audit_entries(visit.id)[0]
    assert entry.action == "修改已完成回访" and entry.operator == "钱员工"
    assert "第1题" in entry.text and "满意 → 不满意" in entry.text and "主管确认" not in entry.text
    assert Answer.get((Answer.visit == visit.id) & (Answer.question == questions[0].id)).value == 2


def test_signed_visit_needs_the_supervisors_password_when_a_caller_edits(team, setup):  # noqa: F811
    questions = setup[3]
    sign_in("qian")
    visit = save_visit(_input(setup), final=True, signature=SignatureInput(tiny_png()))
    data = _input(setup)
    data.answers[questions[0].id] = (2, "")
    assert signatures.password_needed()
    assert signatures.supervisors() == [(team[0].id, "王主管")]
    wrong = SupervisorOverride("boss", "看错了第1题", password="nope12345")
    with pytest.raises(ValidationErrors, match="主管密码"):
        save_visit(data, final=True, visit_id=visit.id, override=wrong)
    assert Answer.get((Answer.visit == visit.id) & (Answer.question == questions[0].id)).value == 4
    right = SupervisorOverride("王主管", "看错了第1题", password=PASSWORD)
    save_visit(data, final=True, visit_id=visit.id, override=right)
    entry = signatures.audit_entries(visit.id)[0]
    assert (entry.operator, entry.supervisor, entry.reason) == ("钱员工", "王主管", "看错了第1题")


def test_a_signed_in_supervisor_confirms_their_own_edit_without_a_password(team, setup):  # noqa: F811
    questions = setup[3]
    sign_in("boss")
    visit = save_visit(_input(setup), final=True, signature=SignatureInput(tiny_png()))
    assert not signatures.password_needed()
    data = _input(setup)
    data.answers[questions[0].id] = (3, "")
    save_visit(data, final=True, visit_id=visit.id, override=SupervisorOverride("", "客户来电更正"))
    entry = signatures.audit_entries(visit.id)[0]
    assert (entry.operator, entry.supervisor) == ("王主管", "王主管")


# ---------------------------------------------------------------- audit of action status
def test_action_status_changes_are_audited_and_only_a_supervisor_changes_them(team, improvement_visits):  # noqa: F811
    category, rows = improvement_visits
    sign_in("boss")
    action = improvement_svc.create_action(seed_input(category, rows), today=TODAY)
    flow.change_status(action.id, "进行中", note="与仓库核定安全库存", today=TODAY)
    history = improvement_svc.status_audit(action.id)
    assert [(who, old, new) for _at, who, old, new, _note in history] == [
        ("王主管", "未启动", "进行中"),
        ("王主管", "（新建）", "未启动"),
    ]
    sign_in("qian")
    with pytest.raises(PermissionDenied, match="修改改进方案"):
        flow.change_status(action.id, "已完成", completed_on=TODAY, today=TODAY)
    assert ImprovementAction.get_by_id(action.id).status == "进行中"


def test_a_callers_verification_visit_still_closes_the_action(team, improvement_visits):  # noqa: F811
    category, rows = improvement_visits
    sign_in("boss")
    action = improvement_svc.create_action(seed_input(category, rows), today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(
        action.id, "已完成", completed_on=TODAY, completion_note="完成系统调试", today=TODAY
    )
    sign_in("qian")
    for task in tasks_of(action):
        answer_verification(task, 5, True)
    assert ImprovementAction.get_by_id(action.id).status == "已闭环"
    assert improvement_svc.status_audit(action.id)[0][1:4] == ("系统", "效果验证中", "已闭环")


def test_accounts_off_changes_nothing(setup):  # noqa: F811
    customer, order, template, *_ = setup
    visit = save_visit(_input(setup), final=True)
    assert Visit.get_by_id(visit.id).status == "已完成"
    task = VisitTask.create(customer=customer, order=order, template=template, trigger="首次回访")
    assert tasks.search_tasks()[0][2] == "13812345678"
    assert tasks.task_summary(task.id)["phone"] == "13812345678"


def test_caller_corrects_customers_viewer_cannot_and_only_a_supervisor_imports(team, tmp_path):
    from desktop.models import Customer
    from desktop.services.intake import customers, importer

    sign_in("qian")
    customer = customers.create_customer({"code": "C9", "name": "周明", "phone": "13900001111"})
    customers.update_customer(customer.id, {"code": "C9", "name": "周明", "phone": "13900002222"})
    with pytest.raises(PermissionDenied, match="删除客户"):
        customers.delete_customer(customer.id)
    source = tmp_path / "customers.csv"
    source.write_text("客户编号,客户姓名,联系电话\nC10,吴芳,13900003333\n", encoding="utf-8")
    with pytest.raises(PermissionDenied, match="导入数据"):
        importer.run_import(source, "customers")
    sign_in("hq")
    with pytest.raises(PermissionDenied, match="修改客户资料"):
        customers.update_customer(customer.id, {"code": "C9", "name": "周明", "phone": "13900004444"})
    assert Customer.get_by_id(customer.id).phone == "13900002222"
    assert not Customer.select().where(Customer.code == "C10").exists()


def test_a_caller_works_only_on_own_or_unassigned_tasks_and_own_visits(team, setup):  # noqa: F811
    from desktop.services.visits import visit_list

    _boss, qian = team
    customer, order, template, *_ = setup
    other = Staff.create(name="孙员工", role="回访员")
    theirs = VisitTask.create(
        customer=customer, order=order, template=template, trigger="甲", assignee=other.id
    )
    free = VisitTask.create(customer=customer, order=order, template=template, trigger="乙")
    sign_in("boss")
    someone_elses = save_visit(_input(setup, visitor="孙员工"), final=True)
    sign_in("qian")
    with pytest.raises(PermissionDenied, match=r"不是您（钱员工）的"):
        save_visit(_input(setup), final=True, visit_id=someone_elses.id)
    with pytest.raises(PermissionDenied, match="回访任务不是您"):
        save_visit(_input(setup, task_id=theirs.id), final=True)
    with pytest.raises(PermissionDenied):
        calls.record_attempt(customer.id, "无法接通", task_id=theirs.id)
    with pytest.raises(PermissionDenied):
        calls.record_quick_outcome(theirs.id, "无法接通")
    # an unassigned task is fair game, and the visit is saved under the caller's own name
    attempt = calls.record_attempt(customer.id, "无法接通", task_id=free.id, staff="孙员工")
    from desktop.models import CallAttempt

    assert CallAttempt.get_by_id(attempt.attempt_id).staff == "钱员工"
    mine = save_visit(_input(setup, task_id=free.id, visitor="孙员工"), final=True)
    assert Visit.get_by_id(mine.id).visitor == "钱员工"
    assert [row[0] for row in visit_list.visit_rows()] == [mine.id]
    with pytest.raises(UserError, match="已完成，不能再记录通话结果"):
        calls.record_attempt(customer.id, "无法接通", task_id=free.id)


def test_numbers_in_customers_words_are_masked_for_the_viewer_and_on_paper(team, setup):  # noqa: F811
    from desktop.services.reporting import problem_tags
    from desktop.services.visits import visits as visits_svc

    sign_in("qian")
    data = _input(setup, feedback="新号码13912345678，白天打")
    visit = save_visit(data, final=True)
    data.feedback = "新号码13912345679，白天打"
    save_visit(data, final=True, visit_id=visit.id)  # audited: old → new quote the number
    assert visits_svc.load_visit(visit.id).feedback == "新号码13912345679，白天打"  # the caller
    sign_in("hq")
    assert visits_svc.load_visit(visit.id).feedback == "新号码139****5679，白天打"
    text = signatures.audit_entries(visit.id)[0].text
    assert "139****5678" in text and "13912345678" not in text
    assert all("13912345679" not in row.text for row in problem_tags.untagged_negative())
    assert "13912345679" not in forms.build_visit_form(visit.id).feedback


def test_a_viewer_finds_a_customer_by_the_whole_number_only(team, setup):  # noqa: F811
    from desktop.services.intake import customers as customers_svc

    sign_in("qian")
    assert customers_svc.count_customers("1381234") == 1  # part of the number: fine for a caller
    sign_in("hq")
    for part in ("1381234", "138123456", "5678", "138****5678"):
        assert customers_svc.count_customers(part) == 0, part  # would un-mask it digit by digit
    assert customers_svc.count_customers("138 1234 5678") == 1
    assert customers_svc.count_customers("张三") == 1
