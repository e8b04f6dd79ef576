"""对照修改 on the forms that only refused a stale save before (issue 13 item 1): 服务工单,
改进措施, 质量评价表 and 问卷模板信息. Another PC saves the record while the form is open; the real
对照修改 dialog lists each differing field with both values, the chosen fields are shown on the form
and saved at the new version, nothing either side typed is lost; cancelled, nothing is saved."""

from datetime import date, datetime

import pytest
from test_kpi_view import ctx  # noqa: F401  (a fixture)
from test_merge_dialog import when_merge_dialog

from desktop.models import ServiceOrder
from desktop.services.intake import customers


def _order():
    customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
    return customers.create_order(
        {
            "order_no": "GD1",
            "customer_id": customer.id,
            "service_type": "维修",
            "completed_at": datetime(2024, 10, 8, 15, 0),
        }
    )


def test_order_dialog_merges_field_by_field(qtbot, database):
    from desktop.views.orders.order_dialog import OrderDialog

    order = _order()
    dialog = OrderDialog(order.id)
    qtbot.addWidget(dialog)
    # another PC saves the engineer and the delivery date while this dialog is open
    theirs = customers.order_fields(order.id) | {"engineer": "李强", "delivered_on": date(2024, 10, 1)}
    customers.update_order(order.id, theirs)
    dialog.note_edit.setPlainText("客户要求周末回访")
    seen = []

    def take_engineer(merge):
        merge.choose_theirs("engineer")
        merge.save_button.click()

    when_merge_dialog(take_engineer, seen)
    dialog.save()
    assert seen[0]["服务工程师"] == ("（空）", "李强")
    assert seen[0]["备注"] == ("客户要求周末回访", "（空）")
    assert seen[0]["交付日期"] == ("（空）", "2024-10-01")
    stored = ServiceOrder.get_by_id(order.id)
    # mine: the note (and no delivery date, the default choice); theirs: the engineer
    assert (stored.engineer, stored.note, stored.delivered_on) == ("李强", "客户要求周末回访", None)
    assert dialog.engineer_edit.text() == "李强" and not dialog.delivered_check.isChecked()
    assert dialog.result() == dialog.DialogCode.Accepted


def test_cancelling_the_order_merge_keeps_the_input_and_saves_nothing(qtbot, database):
    from desktop.views.orders.order_dialog import OrderDialog

    order = _order()
    dialog = OrderDialog(order.id)
    qtbot.addWidget(dialog)
    customers.update_order(order.id, customers.order_fields(order.id) | {"engineer": "李强"})
    dialog.engineer_edit.setText("王五")
    seen = []
    when_merge_dialog(lambda merge: merge.reject(), seen)
    dialog.save()
    assert seen and seen[0]["服务工程师"] == ("王五", "李强")
    assert dialog.engineer_edit.text() == "王五"
    assert ServiceOrder.get_by_id(order.id).engineer == "李强"


# ---------------------------------------------------------------- 改进措施
TODAY = date(2024, 11, 4)


def test_action_dialog_merges_field_by_field(qtbot, database):
    from dataclasses import replace

    from desktop.models import ImprovementAction
    from desktop.services.improvement import improvement
    from desktop.views.improvement.action_dialog import ActionDialog

    data = improvement.ActionInput(
        problem="备件短缺", measure="建立库存预警", department="物流部", owner="李四", deadline=date(2024, 12, 31)
    )
    action = improvement.create_action(data, today=TODAY)
    dialog = ActionDialog(action_id=action.id, today=TODAY)
    qtbot.addWidget(dialog)
    # another PC changes the owner and the acceptance standard meanwhile
    theirs = replace(improvement.action_input(action.id), owner="王五", acceptance="缺货率≤2%")
    improvement.update_action(action.id, theirs, today=TODAY)
    dialog.measure_edit.setPlainText("建立库存预警，低于阈值自动补货")
    seen = []

    def take_acceptance(merge):
        merge.choose_theirs("acceptance")
        merge.save_button.click()

    when_merge_dialog(take_acceptance, seen)
    dialog.accept()
    assert seen[0]["改进措施"] == ("建立库存预警，低于阈值自动补货", "建立库存预警")
    assert seen[0]["责任人"] == ("李四", "王五") and seen[0]["验收标准"] == ("（空）", "缺货率≤2%")
    stored = ImprovementAction.get_by_id(action.id)
    assert (stored.measure, stored.owner, stored.acceptance) == ("建立库存预警，低于阈值自动补货", "李四", "缺货率≤2%")
    assert dialog.saved_id == action.id and dialog.acceptance_edit.text() == "缺货率≤2%"
    assert stored.row_version == action.row_version + 2  # their save, then the merged one


# ---------------------------------------------------------------- 问卷模板信息
def test_template_info_merges_field_by_field(qtbot, database, db_path):
    from desktop.models import QuestionnaireTemplate
    from desktop.services.visits import templates
    from desktop.views.common.context import AppContext
    from desktop.views.templates.templates_view import TemplatesView

    view = TemplatesView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.show()
    tpl = view.template
    assert tpl is not None and not templates.in_use(tpl)
    # another PC changes the 行业 and the 打印标题 while this page is open
    templates.update_template_info(QuestionnaireTemplate.get_by_id(tpl.id), industry="酒店业", title="对方的标题")
    view.info.name.setText("门店回访（新）")
    seen = []

    def take_industry(merge):
        merge.choose_theirs("industry")
        merge.save_button.click()

    when_merge_dialog(take_industry, seen)
    view.info.save_button.click()
    assert seen[0]["模板名称"] == ("门店回访（新）", tpl.name)
    assert seen[0]["行业"][1] == "酒店业" and seen[0]["打印标题"] == (tpl.title, "对方的标题")
    stored = QuestionnaireTemplate.get_by_id(tpl.id)
    assert (stored.name, stored.industry, stored.title) == ("门店回访（新）", "酒店业", tpl.title)
    assert view.info.values()["industry"] == "酒店业" and not view.info.is_dirty()
    assert view.template.row_version == stored.row_version


# ---------------------------------------------------------------- 质量评价表
@pytest.fixture
def kpi_page(qtbot, ctx, database):  # noqa: F811
    from desktop.views.kpi.kpi_view import KpiView

    page = KpiView(ctx)
    qtbot.addWidget(page)
    page.resize(1160, 800)
    page.show()
    page.on_shown()
    return page


def test_kpi_scorecard_merges_part_by_part(qtbot, kpi_page):
    from test_kpi_view import row_of, seeded, type_into_cell

    from desktop.models import KpiIndicator, KpiScorecard
    from desktop.services.kpi import kpi
    from desktop.views.kpi.kpi_table import COL_ACTUAL

    card_id = seeded()
    kpi_page.reload_list(card_id)
    # another PC writes a note on the same scorecard while this editor is open
    theirs = kpi.load(card_id)
    theirs.note = "三月数据待财务复核"
    kpi.save(theirs)
    type_into_cell(qtbot, kpi_page, row_of(kpi_page, "客服响应及时率"), COL_ACTUAL, "91")
    seen = []

    def take_note(merge):
        merge.choose_theirs("note")
        merge.save_button.click()

    when_merge_dialog(take_note, seen)
    assert kpi_page.save()
    assert seen[0]["备注"] == ("（空）", "三月数据待财务复核")
    assert "客服响应及时率（权重" in seen[0]["各项指标"][0] and "实际 91" in seen[0]["各项指标"][0]
    assert "实际 88" in seen[0]["各项指标"][1]
    card = KpiScorecard.get_by_id(card_id)
    assert card.note == "三月数据待财务复核" and card.row_version == kpi_page.draft.row_version
    mine = KpiIndicator.get((KpiIndicator.scorecard == card_id) & (KpiIndicator.level2 == "客服响应及时率"))
    assert mine.actual == 91
    assert not kpi_page.dirty


def test_cancelling_the_kpi_merge_keeps_the_editor_and_saves_nothing(qtbot, kpi_page):
    from test_kpi_view import row_of, seeded, type_into_cell

    from desktop.models import KpiIndicator, KpiScorecard
    from desktop.services.kpi import kpi
    from desktop.views.kpi.kpi_table import COL_ACTUAL

    card_id = seeded()
    kpi_page.reload_list(card_id)
    theirs = kpi.load(card_id)
    theirs.note = "对方的备注"
    kpi.save(theirs)
    type_into_cell(qtbot, kpi_page, row_of(kpi_page, "客服响应及时率"), COL_ACTUAL, "91")
    seen = []
    when_merge_dialog(lambda merge: merge.reject(), seen)
    assert not kpi_page.save()
    assert seen and kpi_page.dirty
    assert kpi_page.draft.rows[row_of(kpi_page, "客服响应及时率")].actual == 91
    assert KpiScorecard.get_by_id(card_id).note == "对方的备注"
    stored = KpiIndicator.get((KpiIndicator.scorecard == card_id) & (KpiIndicator.level2 == "客服响应及时率"))
    assert stored.actual == 88
