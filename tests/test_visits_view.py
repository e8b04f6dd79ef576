from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.models import Visit
from desktop.services.intake import customers
from desktop.services.visits import templates, visits
from desktop.services.visits.visits import VisitInput
from desktop.views.common.context import AppContext


@pytest.fixture
def data(database):
    tpl = templates.active_template("after_sales")
    a = customers.create_customer({"code": "C202310001", "name": "张三", "phone": "13812345678"})
    b = customers.create_customer({"code": "C202310002", "name": "李四", "phone": "13900002222"})
    order = customers.create_order({"order_no": "GD20231015001", "customer_id": a.id, "service_type": "安装"})
    answers = {
        q.id: (5, "") if q.kind == "level5" else (10, "")
        for q in templates.questions_of(tpl)
        if q.kind != "text"
    }
    done = visits.save_visit(
        VisitInput(
            customer_id=a.id,
            order_id=order.id,
            template_id=tpl.id,
            visit_date=date(2023, 10, 20),
            visitor="王芳",
            answers=answers,
            mood="强烈不满",
            repurchase=True,
        ),
        final=True,
    )
    draft = visits.save_visit(
        VisitInput(customer_id=b.id, template_id=tpl.id, visit_date=date(2023, 11, 2), visitor="赵敏"),
        final=False,
    )
    return done, draft


@pytest.fixture
def ctx(db_path):
    return AppContext(db_path=db_path)


@pytest.fixture
def view(qtbot, ctx, data):
    from desktop.views.visits.visits_view import VisitsView

    widget = VisitsView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _ids(view) -> list[int]:
    return [view.model.row_id(r) for r in range(view.model.rowCount())]


def _cell(view, row: int, title: str) -> str:
    col = next(i for i, c in enumerate(view.model.columns) if c.title == title)
    return view.model.index(row, col).data()


def test_list_shows_visits_newest_first(view, data):
    done, draft = data
    assert _ids(view) == [draft.id, done.id]
    assert view.count_label.text() == "共 2 条回访记录"
    assert _cell(view, 1, "客户") == "张三" and _cell(view, 1, "工单号") == "GD20231015001"
    assert _cell(view, 1, "状态") == "已完成" and _cell(view, 1, "再购意向") == "有"
    assert _cell(view, 1, "客户情绪") == "强烈不满" and _cell(view, 1, "服务类型") == "安装"
    assert _cell(view, 0, "状态") == "草稿" and _cell(view, 0, "回访日期") == "2023-11-02"


def test_search_and_status_filter(qtbot, view, data):
    done, draft = data
    view.search.edit.setText("GD2023")
    view.search.flush()
    assert _ids(view) == [done.id]
    view.search.edit.clear()
    view.search.flush()
    view.status_combo.setCurrentIndex(view.status_combo.findText("草稿"))
    assert _ids(view) == [draft.id]
    assert "草稿" in view.count_label.text()
    view.status_combo.setCurrentIndex(0)
    assert len(_ids(view)) == 2


def test_sort_by_header(view, data):
    done, draft = data
    col = next(i for i, c in enumerate(view.model.columns) if c.title == "客户")
    view.table.sortByColumn(col, Qt.AscendingOrder)
    names = [_cell(view, r, "客户") for r in range(2)]
    assert names == sorted(names)


def test_double_click_opens_the_visit_form(qtbot, view, ctx, data):
    done, _draft = data
    opened = []
    ctx.events.open_page.connect(lambda page, kwargs: opened.append((page, kwargs)))
    row = _ids(view).index(done.id)
    index = view.model.index(row, 2)
    QApplication.processEvents()
    rect = view.table.visualRect(index)
    qtbot.mouseClick(view.table.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.LeftButton, pos=rect.center())
    assert opened == [("visit_form", {"visit_id": done.id})]


def test_reloads_when_visits_change(view, ctx, data):
    done, _draft = data
    tpl = templates.active_template("bank")
    visits.save_visit(
        VisitInput(customer_id=done.customer_id, template_id=tpl.id, visit_date=date(2023, 12, 1)),
        final=False,
    )
    assert view.model.rowCount() == 2
    ctx.events.visits_changed.emit()
    assert view.model.rowCount() == 3 and view.count_label.text() == "共 3 条回访记录"


def test_delete_draft_only(qtbot, view, data, monkeypatch):
    done, draft = data
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    view.table.selectRow(_ids(view).index(done.id))
    assert not view.delete_button.isEnabled()
    view.table.selectRow(_ids(view).index(draft.id))
    assert view.delete_button.isEnabled()
    QApplication.processEvents()
    qtbot.mouseClick(view.delete_button, Qt.LeftButton)
    assert [v.id for v in Visit.select()] == [done.id]
    assert _ids(view) == [done.id]


def test_form_save_refreshes_the_list(qtbot, ctx, view, data):
    """The form emits visits_changed after saving; the list picks the new visit up."""
    from desktop.views.visit_form.visit_form_view import VisitFormView

    form = VisitFormView(ctx)
    qtbot.addWidget(form)
    done, _draft = data
    form.open_with(customer_id=done.customer_id)
    form.paper_check.setChecked(True)
    assert form.save(final=False)
    assert view.model.rowCount() == 3
