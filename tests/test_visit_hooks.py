"""Saving a finished visit runs the invalid-visit rules in the same transaction."""

from datetime import date

from desktop.models import Visit
from desktop.services.intake.customers import create_customer
from desktop.services.visits.templates import active_template, questions_of
from desktop.services.visits.visits import VisitInput, save_visit


def _visit(method: str, level: int) -> Visit:
    customer = create_customer(
        {"code": f"C{method.encode().hex()[:6]}{level}", "name": "王芳", "phone": "13912345678"}
    )
    tpl = active_template("after_sales")
    answers = {}
    for q in questions_of(tpl):
        if q.kind == "level5":
            answers[q.id] = (level, "")
        elif q.kind == "nps":
            answers[q.id] = (9, "")
    data = VisitInput(
        customer_id=customer.id,
        template_id=tpl.id,
        visit_date=date(2026, 11, 20),
        method=method,
        visitor="李回访",
        answers=answers,
    )
    return save_visit(data, final=True, today=date(2026, 11, 23))


def test_self_filled_questionnaire_ticking_one_column_is_flagged_for_review_on_save(database):
    from desktop.services.reporting import quality

    visit = _visit("问卷", 5)
    stored = Visit.get_by_id(visit.id)
    # a delighted customer's paper form counts; a 主管 reviews the pattern (待复核)
    assert not stored.invalid and "随意勾选" in stored.invalid_reason
    assert quality.needs_review(stored.invalid, stored.invalid_reason, stored.invalid_by_hand)


def test_phone_visit_with_all_top_marks_stays_valid(database):
    visit = _visit("电话", 5)
    assert not Visit.get_by_id(visit.id).invalid
