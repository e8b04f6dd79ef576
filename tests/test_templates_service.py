from datetime import date

import pytest

from desktop.models import Answer, Customer, Question, QuestionnaireTemplate, Visit
from desktop.services.common.errors import UserError, ValidationError, ValidationErrors
from desktop.services.visits import templates


def _template(family="after_sales") -> QuestionnaireTemplate:
    return templates.active_template(family)


def _use(template: QuestionnaireTemplate) -> Visit:
    """A saved visit answering the template's first question."""
    customer = Customer.get_or_create(code="C202310001", defaults={"name": "张三", "phone": "13812345678"})[0]
    visit = Visit.create(customer=customer, template=template, visit_date=date(2024, 3, 1), status="已完成")
    Answer.create(visit=visit, question=templates.questions_of(template)[0], value=4)
    return visit


def _texts(template) -> list[str]:
    return [q.text for q in templates.questions_of(template, include_retired=True)]


def test_add_question_to_unused_template_edits_in_place(database):
    tpl = _template()
    before = len(templates.questions_of(tpl))
    result = templates.add_question(
        tpl, {"text": "工程师是否穿鞋套？", "dimension": "服务规范", "kind": "yesno"}
    )
    assert result.id == tpl.id and result.version == 1
    rows = templates.questions_of(tpl)
    assert len(rows) == before + 1
    assert rows[-1].text == "工程师是否穿鞋套？" and rows[-1].position == before
    assert QuestionnaireTemplate.select().where(QuestionnaireTemplate.family == "after_sales").count() == 1


def test_editing_a_used_template_makes_a_new_version_and_keeps_the_old(database):
    old = _template()
    visit = _use(old)
    old_texts = _texts(old)
    new = templates.update_question(
        old, 0, {"text": "工程师服务态度如何？", "dimension": "服务态度", "kind": "level5"}
    )
    assert new.id != old.id and new.version == 2 and new.active
    old = QuestionnaireTemplate.get_by_id(old.id)
    assert not old.active and _texts(old) == old_texts
    assert _texts(new)[0] == "工程师服务态度如何？" and _texts(new)[1:] == old_texts[1:]
    assert Visit.get_by_id(visit.id).template_id == old.id
    assert Answer.get(Answer.visit == visit).question.template_id == old.id
    assert [t.version for t in templates.versions_of("after_sales")] == [1, 2]
    # the new version has no visits: a second edit stays in it
    again = templates.add_question(new, {"text": "还有建议吗？", "kind": "text"})
    assert again.id == new.id


def test_unchanged_edits_make_no_new_version(database):
    tpl = _template()
    _use(tpl)
    q = templates.questions_of(tpl)[0]
    data = {k: getattr(q, k) for k in ("text", "dimension", "kind", "options", "required", "weight")}
    assert templates.update_question(tpl, 0, data).id == tpl.id
    assert templates.update_template_info(tpl, name=tpl.name, title=tpl.title).id == tpl.id
    assert templates.move_question(tpl, 0, -1).id == tpl.id
    last = templates.questions_of(tpl)[-1].position
    assert templates.move_question(tpl, last, +1).id == tpl.id
    assert templates.retire_question(tpl, 0, retired=False).id == tpl.id
    assert len(templates.versions_of(tpl.family)) == 1


def test_move_and_retire(database):
    tpl = _template()
    texts = _texts(tpl)
    templates.move_question(tpl, 1, -1)
    assert _texts(tpl)[:2] == [texts[1], texts[0]]
    templates.move_question(tpl, 0, +1)
    assert _texts(tpl) == texts
    templates.retire_question(tpl, 2)
    assert texts[2] not in [q.text for q in templates.questions_of(tpl)]
    assert Question.get(Question.template == tpl, Question.position == 2).retired
    templates.retire_question(tpl, 2, retired=False)
    assert len(templates.questions_of(tpl)) == len(texts)


def test_old_version_cannot_be_edited(database):
    old = _template()
    _use(old)
    templates.retire_question(old, 0)
    with pytest.raises(UserError, match="最新版本"):
        templates.add_question(old, {"text": "x", "kind": "text"})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": "  ", "kind": "level5"}, "题目"),
        ({"text": "渠道？", "kind": "choice", "options": ["朋友"]}, "选项"),
        ({"text": "渠道？", "kind": "choice", "options": "朋友\n朋友"}, "选项"),
        ({"text": "速度？", "kind": "level5", "options": ["快", "慢"]}, "选项"),
        ({"text": "落实？", "kind": "yesno", "options": ["是", "否", "不知道"]}, "选项"),
        ({"text": "满意？", "kind": "level5", "weight": "abc"}, "权重"),
        ({"text": "满意？", "kind": "level5", "weight": -1}, "权重"),
        ({"text": "满意？", "kind": "bogus"}, "题型"),
    ],
)
def test_invalid_questions_name_the_field(database, data, field):
    tpl = _template()
    before = _texts(tpl)
    with pytest.raises(ValidationError) as info:
        templates.add_question(tpl, data)
    assert info.value.field == field
    assert _texts(tpl) == before


def test_option_rules(database):
    clean = templates.validate_question
    assert (
        clean({"text": "a", "kind": "level5", "options": "非常满意\n满意\n一般\n不满意\n非常不满意"})[
            "options"
        ]
        is None
    )
    custom = ["非常快速", "比较快速", "一般", "不快速", "很缓慢"]
    assert clean({"text": "a", "kind": "level5", "options": custom})["options"] == custom
    assert clean({"text": "a", "kind": "nps", "options": ["x"]})["options"] is None
    assert clean({"text": "a", "kind": "choice", "options": "甲\n\n乙\n"})["options"] == ["甲", "乙"]
    assert clean({"text": "a", "kind": "text", "allow_comment": True})["allow_comment"] is False


def test_template_info_checks_placeholders_and_names(database):
    tpl = _template()
    with pytest.raises(ValidationErrors) as info:
        templates.update_template_info(tpl, name="", opening="{custmer}您好", closing="再见{hotline")
    assert info.value.fields == ["模板名称", "开场白", "结束语"]
    assert "{custmer}" in str(info.value)
    with pytest.raises(ValidationErrors, match="银行网点客户满意度问卷"):
        templates.update_template_info(tpl, name="银行网点客户满意度问卷")
    result = templates.update_template_info(
        tpl, name="家电回访", greeting="第一行\n  第二行  ", opening="{customer}您好，我是{company}的{visitor}"
    )
    assert result.id == tpl.id
    tpl = QuestionnaireTemplate.get_by_id(tpl.id)
    assert (tpl.name, tpl.greeting) == ("家电回访", "第一行\n第二行")
    # stored with the Chinese placeholders the user sees; one without a value stays in Chinese
    assert tpl.opening == "{客户称呼}您好，我是{公司名称}的{回访人员}"
    assert (
        templates.render_script(tpl.opening, {"customer": "王先生"})
        == "王先生您好，我是{公司名称}的{回访人员}"
    )


def test_script_placeholders_in_chinese_and_the_older_english_both_work():
    values = {"customer": "王先生", "company": "美家电器", "visitor": "小李"}
    english = "{customer}您好！我是{company}的客服{visitor}。{{原样}}"
    chinese = "{客户称呼}您好！我是{公司名称}的客服{回访人员}。{{原样}}"
    assert templates.script_for_editing(english) == chinese
    assert templates.render_script(english, values) == templates.render_script(chinese, values)
    assert templates.render_script(chinese, values) == "王先生您好！我是美家电器的客服小李。{原样}"
    assert templates.check_script(english, "开场白") == chinese  # saved as the user read it
    assert templates.check_script("{客户称呼}{customer}", "开场白") == "{客户称呼}{客户称呼}"
    with pytest.raises(ValidationError, match="客户称呼"):  # the hint names the Chinese ones
        templates.check_script("{客户名字}您好", "开场白")
    assert set(templates.PLACEHOLDER_NAMES) == set(templates.PLACEHOLDERS)


def test_a_script_saved_back_in_chinese_is_no_change(database):
    tpl = templates.active_template("bank")
    assert "{customer}" in tpl.opening  # shipped with the older English names
    same = templates.update_template_info(
        tpl,
        **{k: getattr(tpl, k) for k in ("name", "industry", "title", "greeting")},
        opening=templates.script_for_editing(tpl.opening),
        closing=templates.script_for_editing(tpl.closing),
    )
    assert same.id == tpl.id and same.version == tpl.version and same.opening == tpl.opening


def test_create_and_copy(database):
    blank = templates.create_template("物业服务回访", industry="物业")
    assert blank.family.startswith("custom_") and blank.version == 1 and not blank.builtin
    assert templates.questions_of(blank) == []
    assert "{客户称呼}" in blank.opening
    source = _template("bank")
    templates.retire_question(source, 0)
    copy = templates.copy_template(source, "银行问卷（分行版）")
    assert copy.family not in ("bank", blank.family) and copy.name == "银行问卷（分行版）"
    assert _texts(copy) == [q.text for q in templates.questions_of(source)]
    assert [q.position for q in templates.questions_of(copy)] == list(range(len(_texts(copy))))
    assert templates.questions_of(copy)[1].options == ["非常快速", "比较快速", "一般", "不快速", "很缓慢"]
    with pytest.raises(ValidationErrors, match="模板名称"):
        templates.copy_template(source, "物业服务回访")
    assert {t.id for t in templates.active_templates()} >= {blank.id, copy.id}


def test_visit_counts_and_dimensions(database):
    tpl = _template()
    _use(tpl)
    _use(tpl)
    assert templates.visit_counts() == {tpl.id: 2}
    assert templates.visit_count(tpl) == 2
    assert "服务态度" in templates.dimensions() and "" not in templates.dimensions()


def test_a_new_version_keeps_its_place_in_the_list(database):
    order = [t.family for t in templates.active_templates()]
    assert order == ["after_sales", "travel_front_desk", "car_service", "bank", "maintenance_centre", "verification"]
    tpl = _template()
    _use(tpl)
    templates.retire_question(tpl, 1)
    custom = templates.create_template("自定义问卷")
    assert [t.family for t in templates.active_templates()] == [*order, custom.family]
    assert templates.active_templates()[0].version == 2
