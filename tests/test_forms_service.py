"""The printed form's data: answers land in the right boxes, blank forms have none ticked."""

from datetime import date

import pytest

from desktop.models import Answer, Customer, Question, ServiceOrder, Visit
from desktop.services.admin import settings
from desktop.services.common.errors import UserError
from desktop.services.visits.forms import MATRIX, ROWS, build_blank_form, build_visit_form, resolve_template
from desktop.services.visits.templates import active_template, questions_of


def _customer_and_order():
    customer = Customer.create(
        code="C202310001", name="张伟", title="先生", phone="13812345678", address="上海市浦东新区科苑路88号"
    )
    order = ServiceOrder.create(
        order_no="WX0001", customer=customer, service_type="维修", product_model="KFR-35GW", engineer="李强"
    )
    return customer, order


def _visit(family: str, values: dict[int, int | None], texts: dict[int, str] | None = None, **fields):
    """A visit on the active template of ``family``; ``values`` maps question position → stored value."""
    customer, order = _customer_and_order()
    template = active_template(family)
    visit = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status="已完成",
        visit_date=date(2024, 10, 9),
        method="电话",
        visitor="王小丽",
        **fields,
    )
    texts = texts or {}
    for q in questions_of(template):
        if q.position in values or q.position in texts:
            Answer.create(
                visit=visit, question=q, value=values.get(q.position), text=texts.get(q.position, "")
            )
    return visit


def test_five_level_answers_tick_their_column(database):
    # after_sales: positions 0–4 five-level, 5 NPS, 6 free text
    visit = _visit(
        "after_sales",
        {0: 5, 1: 1, 2: 3, 3: 4, 5: 9},
        {0: "师傅很耐心", 6: "希望增加线上预约"},
        feedback="第一次上门未携带滤网导致二次预约",
        respondent="张太太",
        respondent_is_customer=False,
    )
    doc = build_visit_form(visit.id)

    matrix = doc.sections[0]
    assert matrix.layout == MATRIX
    assert matrix.columns == ["非常满意", "满意", "一般", "不满意", "非常不满意"]
    chosen = [row.chosen for row in matrix.rows]
    assert chosen == [0, 4, 2, 1, None]  # 5 → 非常满意, 1 → 非常不满意, 3 → 一般, 4 → 满意, unanswered
    assert [row.chosen_label for row in matrix.rows][:4] == ["非常满意", "非常不满意", "一般", "满意"]
    assert not any(row.inline_labels for row in matrix.rows)
    assert matrix.rows[0].comment == "师傅很耐心" and matrix.rows[0].comment_line
    assert not matrix.rows[1].comment_line

    nps, text = doc.sections[1].rows
    assert doc.sections[1].layout == ROWS
    assert nps.options == [str(i) for i in range(11)]
    assert nps.chosen_label == "9"
    assert text.kind == "text" and text.answer_text == "希望增加线上预约" and text.chosen is None
    assert [row.number for row in doc.rows] == list(range(1, 8))

    assert doc.title == "售后服务客户满意度回访表"
    assert doc.company == settings.get("company_name")
    assert doc.feedback == "第一次上门未携带滤网导致二次预约"
    cells = dict(cell for row in doc.header for cell in row)
    # the customer signs this form: full name and phone, not masked
    assert cells["客户名称"] == "张伟"
    assert cells["联系电话"] == "138****5678"  # every print masks the phone number
    assert cells["被回访人"] == "张太太"
    assert cells["产品型号"] == "KFR-35GW"
    assert cells["服务工程师"] == "李强"
    assert cells["回访日期"] == "2024年10月9日"
    assert cells["回访方式"] == "电话"
    assert dict(doc.footer) == {"回访人员": "王小丽", "回访编号": str(visit.id)}
    assert not doc.blank


def test_bank_labels_printed_where_they_differ_from_the_header(database):
    # bank: positions 0–6 five-level with their own labels, 7 single choice
    visit = _visit("bank", {0: 5, 2: 4, 3: 1, 7: 2})
    doc = build_visit_form(visit.id)
    matrix = doc.sections[0]
    # most bank questions use 比较满意/很不满意: that is the header; the others print their own
    assert matrix.columns == ["非常满意", "比较满意", "一般", "不满意", "很不满意"]
    assert [row.inline_labels for row in matrix.rows] == [False, False, True, True, False, False, False]
    assert matrix.rows[2].options == ["非常快速", "比较快速", "一般", "不快速", "很缓慢"]
    assert matrix.rows[2].chosen_label == "比较快速"
    assert matrix.rows[3].chosen_label == "很缓慢"
    choice = doc.sections[1].rows[0]
    assert choice.kind == "choice" and choice.chosen_label == "网络/公众号"


def test_scores_and_yes_no_map_to_their_boxes(database):
    # car_service: 0 yes/no, 1 score, 10 NPS
    visit = _visit("car_service", {0: 0, 1: 7, 4: 1, 10: 0})
    rows = build_visit_form(visit.id).rows
    assert rows[0].options == ["是", "否"] and rows[0].chosen_label == "否"
    assert rows[4].chosen_label == "是"
    assert rows[1].options == [str(i) for i in range(1, 11)]  # printed 1 … 10
    assert rows[1].chosen == 6 and rows[1].chosen_label == "7"
    assert rows[10].chosen == 0 and rows[10].chosen_label == "0"
    assert rows[2].chosen is None


def test_out_of_range_value_ticks_nothing(database):
    visit = _visit("after_sales", {0: 9})
    assert build_visit_form(visit.id).rows[0].chosen is None


def test_blank_form_has_nothing_chosen(database):
    doc = build_blank_form(None)
    assert doc.blank
    assert doc.title == active_template(settings.get("default_template_family")).title
    assert all(row.chosen is None for row in doc.rows)
    assert all(not row.comment and not row.answer_text for row in doc.rows)
    assert all(value == "" for row in doc.header for _, value in row)
    assert doc.feedback == ""
    assert [row.text for row in doc.rows] == [q.text for q in questions_of(active_template("after_sales"))]

    bank = build_blank_form("bank")
    # the bank asks for a comment after every rated question: a line to write on
    assert all(row.comment_line for row in bank.rows if row.kind == "level5")


def test_blank_form_for_a_customer_has_the_header_filled(database):
    customer, order = _customer_and_order()
    doc = build_blank_form(active_template("car_service").id, customer_id=customer.id, order_id=order.id)
    cells = dict(cell for row in doc.header for cell in row)
    assert cells["客户名称"] == "张伟" and cells["联系电话"] == "138****5678"
    assert cells["服务类型"] == "维修" and cells["回访日期"] == ""
    assert all(row.chosen is None for row in doc.rows)
    # the order alone is enough to find the customer
    cells = dict(cell for row in build_blank_form("car_service", order_id=order.id).header for cell in row)
    assert cells["客户名称"] == "张伟"


def test_retired_questions_are_left_off_unless_answered(database):
    template = active_template("after_sales")
    question = Question.get((Question.template == template) & (Question.position == 4))
    question.retired = True
    question.save()
    assert question.text not in [row.text for row in build_blank_form(template).rows]
    visit = _visit("after_sales", {0: 5})
    Answer.create(visit=visit, question=question, value=5)  # answered before it was retired
    assert question.text in [row.text for row in build_visit_form(visit.id).rows]


def test_template_lookup_and_errors(database):
    assert resolve_template(None).family == "after_sales"
    assert resolve_template("银行网点客户满意度问卷").family == "bank"
    assert resolve_template("car_service").family == "car_service"
    with pytest.raises(UserError) as err:
        resolve_template("不存在的问卷")
    message = str(err.value)
    assert "不存在的问卷" in message and "售后服务回访（通用）" in message and "bank" in message
    with pytest.raises(UserError, match="回访记录"):
        build_visit_form(99999)
    with pytest.raises(UserError, match="客户"):
        build_blank_form(None, customer_id=99999)
