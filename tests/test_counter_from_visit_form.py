"""Issue 16 item 2: 请顾客在柜台填写 on the 回访表 hands the open task to the counter screen —
asking first when answers were typed (they are not kept), then the form is empty again and the
customer's submission closes the task as 柜台自助."""

from PySide6.QtCore import Qt

from desktop.models import Visit, VisitTask
from desktop.views.counter import counter_panel
from tests.modal_boxes import answer_next_box
from tests.test_signature_view import fill_answers, settle, task, view  # noqa: F401 (fixtures)


def test_the_visit_form_hands_its_task_to_the_counter(qtbot, view, task):  # noqa: F811
    view.open_with(task_id=task.id, paper=True)
    settle()
    assert view.counter_button.isEnabled()
    fill_answers(view)
    seen = []
    answer_next_box("否(&N)", seen)  # typed answers: asked, and 否 keeps the form as it is
    qtbot.mouseClick(view.counter_button, Qt.LeftButton)
    assert "不保存" in seen[0]["text"] and view.task_id == task.id and counter_panel.current_panel() is None
    answer_next_box("是(&Y)", seen)
    qtbot.mouseClick(view.counter_button, Qt.LeftButton)
    panel = counter_panel.current_panel()
    try:
        assert panel is not None and panel.session.task_id == task.id
        assert panel.screen_view.state() == "question"
        assert view.task_id is None and not view.counter_button.isEnabled()  # the form is free again
        assert VisitTask.get_by_id(task.id).sent_via == "柜台自助" and Visit.select().count() == 0
    finally:
        panel.session = None
        panel.end()
