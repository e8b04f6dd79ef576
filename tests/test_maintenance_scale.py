"""The maintenance centre's scale (seed 002): a built-in questionnaire answered 满意 10 /
基本满意 8 / 不满意 6 that prints its legend, is offered when a plan is created (the default of
the evaluator-role plan) and whose statistics read the answers on its own bands."""

import re
from datetime import date, datetime

import pytest
from modal_boxes import answer_next_box
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.models import (
    Answer,
    Customer,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Staff,
    Visit,
    VisitTask,
)
from desktop.services.common.errors import ValidationError
from desktop.services.reporting import problems, scale, statistics
from desktop.services.reporting.scope import Scope
from desktop.services.scheduling import plans
from desktop.services.visits.templates import active_template

FAMILY = "maintenance_centre"
YES = QApplication.translate("QPlatformTheme", "&Yes")  # the real box's button, as Qt's Chinese has it
LEGEND = "满意10分，基本满意8分，不满意6分"  # the seed's 指标项 满意 基本满意 不满意 / 分值 10 8 6


def _template():
    tpl = active_template(FAMILY)
    assert tpl is not None and tpl.builtin
    return tpl


def _scored(tpl):
    return list(Question.select().where((Question.template == tpl) & (Question.kind == "score10")))


def test_the_legend_is_the_seed_points_and_the_bands_follow_them():
    assert scale.legend(FAMILY) == LEGEND
    for label, points in scale.MAINTENANCE_POINTS.items():
        assert label in LEGEND and f"{label}{points}分" in LEGEND
    levels = {points: scale.level_of_score10(points, FAMILY) for points in (10, 8, 6)}
    assert levels == {10: 5, 8: 3, 6: 2}  # 满意 top, 基本满意 一般, 不满意 low
    assert scale.is_satisfied("score10", 10, FAMILY) and not scale.is_satisfied("score10", 8, FAMILY)
    assert scale.is_low("score10", 6, FAMILY) and not scale.is_low("score10", 8, FAMILY)
    assert scale.level_of_score10(8) == 4  # the engineering form reads 8 as 满意: not this form


def test_the_builtin_template_asks_the_seed_factors(database):
    tpl = _template()
    assert LEGEND in tpl.greeting
    dims = [q.dimension for q in _scored(tpl)]
    assert dims == ["响应速度", "服务态度", "问题解决效果"]  # 调度/管理人员 phone factors of seed 002


@pytest.fixture
def answered(database):
    """Five visits on the maintenance form: 响应速度 answered 10, 10, 8, 8, 6."""
    tpl = _template()
    speed = _scored(tpl)[0]
    customer = Customer.create(code="C202310001", name="张三", phone="13800005678")
    visits = []
    for day, value in enumerate((10, 10, 8, 8, 6), start=1):
        visit = Visit.create(
            customer=customer, template=tpl, status="已完成", visit_date=date(2024, 5, day), visitor="调度王"
        )
        Answer.create(visit=visit, question=speed, value=value)
        visits.append(visit)
    return tpl, speed, visits


def test_statistics_follow_its_bands(answered):
    _tpl, speed, visits = answered
    stat = next(s for s in statistics.question_stats(Scope(period="2024-05")) if s.question_id == speed.id)
    assert stat.counts == {5: 2, 4: 0, 3: 2, 2: 1, 1: 0}
    assert stat.satisfaction == pytest.approx(2 / 5)  # only 满意 (10) is satisfied
    assert stat.mean10 == pytest.approx((10 + 10 + 8 + 8 + 6) / 5)  # the centre's own 8.4 points
    assert problems.is_negative(visits[-1].id)  # 不满意 6 is negative feedback
    assert not any(problems.is_negative(v.id) for v in visits[:-1])


def test_the_printed_form_shows_the_legend(answered, tmp_path, qapp):
    from desktop.views.printing import visit_form_print as printing

    _tpl, _speed, visits = answered
    blank = printing.blank_form_pdf(_template(), tmp_path / "blank.pdf")
    filled = printing.visit_form_pdf(visits[0].id, tmp_path / "filled.pdf")
    for path in (blank, filled):
        text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(str(path)).pages))
        assert "报修服务满意度回访表" in text
        assert LEGEND in text


@pytest.fixture
def day_orders(database):
    for n in range(1, 11):
        customer = Customer.create(code=f"C{n:05d}", name=f"报修人{n}", phone=f"136{n:08d}")
        ServiceOrder.create(
            order_no=f"W{n:06d}",
            customer=customer,
            service_type="维修",
            completed_at=datetime(2024, 9, 5, 10),
        )
    return date(2024, 9, 5)


def test_evaluator_plans_use_the_maintenance_form_and_any_active_template_is_offered(day_orders):
    result = plans.create_evaluator_tasks("九月五日", day_orders, today=date(2024, 9, 6))
    assert result.created > 0
    assert {t.template_id for t in VisitTask.select()} == {_template().id}
    offered = {t.family for t in plans.plan_templates()}
    assert FAMILY in offered and "after_sales" in offered and "verification" not in offered
    car = active_template("car_service")
    plans.create_plan_tasks("九月", day_orders, day_orders, today=date(2024, 9, 6), template_id=car.id)
    assert {t.template_id for t in VisitTask.select().where(VisitTask.trigger == "抽样：九月")} == {car.id}
    QuestionnaireTemplate.update(active=False).where(QuestionnaireTemplate.id == car.id).execute()
    with pytest.raises(ValidationError, match="问卷模板"):
        plans.create_plan_tasks("九月2", day_orders, day_orders, today=date(2024, 9, 6), template_id=car.id)


def test_the_sampling_page_offers_the_template(day_orders, db_path, qtbot):
    from desktop.views.common.context import AppContext
    from desktop.views.sampling.sampling_view import SamplingView

    Staff.create(name="刘主管", role="主管")
    page = SamplingView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.show()
    page.on_shown()
    qtbot.waitUntil(lambda: not page.choices_loading, timeout=20_000)
    names = [page.template_combo.itemText(i) for i in range(page.template_combo.count())]
    assert "维修中心报修回访" in names and "改进效果二次回访" not in names
    assert page.template_combo.currentText() == "售后服务回访（通用）"  # the default questionnaire
    page.mode_combo.setCurrentIndex(1)  # 按评价角色
    assert page.template_combo.currentText() == "维修中心报修回访"
    page.start_edit.setDate(page.start_edit.date().fromString("2024-09-05", "yyyy-MM-dd"))
    page.refresh_preview()
    seen: list = []
    answer_next_box(YES, seen)
    qtbot.mouseClick(page.create_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: VisitTask.select().count() > 0, timeout=5_000)
    assert {t.template_id for t in VisitTask.select()} == {_template().id}
    assert "创建" in seen[0]["text"]
