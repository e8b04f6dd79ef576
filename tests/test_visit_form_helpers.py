"""What the 回访表 page asks of the services (no Qt), and the supervisor dialog's one way in."""

from desktop.models import QuestionnaireTemplate, Staff
from desktop.services.admin import settings
from desktop.services.visits import signatures, templates
from desktop.services.visits.visit_list import single_order_match
from desktop.services.visits.visits import default_template_id


def test_one_order_of_one_customer_is_taken_without_a_click():
    assert single_order_match([(1, 10, "GD1 · 张三")]) == (1, 10)
    # the customer's own "不指定工单" row beside it does not count as a second choice
    assert single_order_match([(1, 10, "GD1 · 张三"), (1, None, "张三（不指定工单）")]) == (1, 10)


def test_several_orders_or_customers_wait_for_the_user():
    assert single_order_match([]) is None
    assert single_order_match([(1, None, "张三（不指定工单）")]) is None
    assert single_order_match([(1, 10, "GD1"), (1, 11, "GD2")]) is None
    assert single_order_match([(1, 10, "GD1"), (2, None, "张三丰（不指定工单）")]) is None


def test_a_new_form_starts_with_the_default_questionnaire(database):
    assert default_template_id() == templates.active_template("after_sales").id
    settings.set_value("default_template_family", "bank")
    assert default_template_id() == templates.active_template("bank").id


def test_without_the_default_the_first_active_questionnaire_is_used(database):
    family = settings.get("default_template_family")
    QuestionnaireTemplate.update(active=False).where(QuestionnaireTemplate.family == family).execute()
    first = templates.active_templates()[0]
    assert first.family != family and default_template_id() == first.id
    QuestionnaireTemplate.update(active=False).execute()
    assert default_template_id() is None


def test_supervisor_dialog_returns_what_was_entered(qtbot, database, monkeypatch):
    from desktop.views.visit_form.supervisor_dialog import SupervisorDialog

    Staff.create(name="赵主管", role="主管")

    def typed_and_confirmed(dialog):
        qtbot.addWidget(dialog)
        dialog.supervisor_combo.setEditText("赵主管")
        dialog.reason_edit.setPlainText("看错了第3题")
        assert dialog.entered_override() == signatures.SupervisorOverride("赵主管", "看错了第3题", "王芳")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(SupervisorDialog, "exec", typed_and_confirmed)
    override = SupervisorDialog.ask(None, "请主管确认", "王芳")
    assert override == signatures.SupervisorOverride("赵主管", "看错了第3题", "王芳")
    monkeypatch.setattr(
        SupervisorDialog, "exec", lambda dialog: qtbot.addWidget(dialog) or dialog.reject() or 0
    )
    assert SupervisorDialog.ask(None, "请主管确认") is None
