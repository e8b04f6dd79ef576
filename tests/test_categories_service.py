from datetime import date

import pytest

from desktop.models import Customer, ProblemCategory, QuestionnaireTemplate, Visit, VisitProblem
from desktop.services.admin import categories
from desktop.services.common.errors import ValidationError


def _names(include_inactive=True):
    return [c.name for c in categories.list_categories(include_inactive)]


def test_defaults_are_there_in_order(database):
    assert _names() == list(ProblemCategory.DEFAULTS)


def test_add_rename_reorder_deactivate(database):
    new = categories.add_category("  安装规范类 ")
    assert _names()[-1] == "安装规范类"
    categories.move_category(new, -1)
    assert _names()[-2:] == ["安装规范类", "价格类"]
    categories.move_category(new, +1)
    categories.move_category(new, +1)  # already last: nothing happens
    assert _names()[-1] == "安装规范类"
    first = categories.list_categories()[0]
    categories.move_category(first, -1)
    assert _names()[0] == first.name
    categories.rename_category(new, "安装规范")
    assert "安装规范" in _names()
    categories.set_active(new, False)
    assert "安装规范" in _names() and "安装规范" not in categories.active_names()
    positions = [c.position for c in categories.list_categories()]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


def test_names_are_checked(database):
    with pytest.raises(ValidationError, match="分类名称"):
        categories.add_category("   ")
    with pytest.raises(ValidationError, match="已有分类"):
        categories.add_category("价格类")
    price = ProblemCategory.get(ProblemCategory.name == "价格类")
    categories.set_active(price, False)
    with pytest.raises(ValidationError, match="已停用"):
        categories.rename_category(ProblemCategory.get(ProblemCategory.name == "产品质量类"), "价格类")
    categories.rename_category(price, "价格类")  # its own name is fine
    assert ProblemCategory.select().count() == len(ProblemCategory.DEFAULTS)


def test_renaming_keeps_tagged_visits(database):
    customer = Customer.create(code="C1", name="李四", phone="13900001111")
    tpl = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "after_sales")
    visit = Visit.create(customer=customer, template=tpl, visit_date=date(2024, 1, 5))
    slow = ProblemCategory.get(ProblemCategory.name == "响应速度类")
    VisitProblem.create(visit=visit, category=slow)
    categories.rename_category(slow, "响应效率类")
    assert VisitProblem.get(VisitProblem.visit == visit).category.name == "响应效率类"
    assert categories.usage_counts() == {slow.id: 1}
