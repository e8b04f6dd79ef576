"""The signature pad in the 回访表: drawn with the mouse (pen and touch too), saved with the visit,
printed in the 客户签字 box, and the lock it puts on the visit's answers."""

import subprocess

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.models import Answer, AuditLog, Staff, Visit, VisitSignature, VisitTask
from desktop.services.intake import customers
from desktop.services.visits import signatures, templates
from desktop.services.visits.forms import build_visit_form
from desktop.views.common.context import AppContext
from desktop.views.printing import visit_form_print as printing
from desktop.views.visit_form import visit_signature
from desktop.views.visit_form.signature_pad import SignaturePad
from desktop.views.visit_form.supervisor_dialog import SupervisorDialog


@pytest.fixture
def task(database):
    customer = customers.create_customer(
        {"code": "C202310001", "name": "欧阳娜娜", "title": "女士", "phone": "13812345678"}
    )
    order = customers.create_order(
        {"order_no": "WX1", "customer_id": customer.id, "service_type": "维修", "product_model": "KFR-35GW"}
    )
    Staff.create(name="赵主管", role="主管")
    return VisitTask.create(customer=customer, order=order, trigger="首次回访")


@pytest.fixture
def view(qtbot, task, db_path):
    from desktop.services.admin import settings
    from desktop.views.visit_form.visit_form_view import VisitFormView

    settings.set_value("visitor_name", "王芳")  # 回访人员 is required on a completed visit
    widget = VisitFormView(AppContext(db_path=db_path))
    qtbot.addWidget(widget)
    widget.resize(1400, 1000)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def settle():
    for _ in range(3):
        QApplication.processEvents()


def draw_signature(qtbot, pad: SignaturePad) -> None:
    """Three strokes with the mouse, as a customer signs."""
    strokes = [
        [(40 + i * 6, 95 - (i % 4) * 12) for i in range(20)],
        [(180 + i * 5, 50 + i * 3) for i in range(15)],
        [(280, 110), (310, 45), (340, 110), (370, 45), (400, 100)],
    ]
    for points in strokes:
        qtbot.mousePress(pad, Qt.LeftButton, pos=QPoint(*points[0]))
        for x, y in points[1:]:
            QTest.mouseMove(pad, QPoint(x, y))
        qtbot.mouseRelease(pad, Qt.LeftButton, pos=QPoint(*points[-1]))


def fill_answers(view) -> None:
    for question in templates.questions_of(templates.active_template("after_sales")):
        row = view.matrix.row_for(question.id)
        if question.kind == "level5":
            row.set_value(4)
        elif question.kind == "nps":
            row.set_value(9)


def ink_pixels(path, box=None) -> int:
    """Pixels of the signature's blue-black ink (the form itself prints only black and grey)."""
    image = Image.open(path).convert("RGB")
    if box is not None:
        image = image.crop(box)
    data = image.tobytes()
    return sum(1 for i in range(0, len(data), 3) if data[i + 2] > data[i] + 25 and data[i + 2] > 60)


def signed_visit(qtbot, view, task) -> Visit:
    view.open_with(task_id=task.id, paper=True)
    settle()
    fill_answers(view)
    draw_signature(qtbot, view.signature_box.pad)
    assert view.signature_box.has_new_signature()
    assert view.sign_combo.currentText() == "电子签名"
    assert view.save(final=True)
    return Visit.get(Visit.task == task.id)


def test_drawn_signature_is_saved_printed_and_shown(qtbot, view, task, tmp_path):
    pad = view.signature_box.pad
    visit = signed_visit(qtbot, view, task)
    assert visit.status == "已完成" and visit.sign_status == "电子签名"
    row = VisitSignature.get(VisitSignature.visit == visit.id)
    assert row.device == "鼠标" and row.signer == "欧阳娜娜"
    assert row.sha256 == signatures.sha256_hex(bytes(row.image))
    # the stored PNG is the pad's drawing, three times its size, with ink in it
    (png := tmp_path / "sig.png").write_bytes(bytes(row.image))
    assert Image.open(png).size == (pad.width() * 3, pad.height() * 3)
    assert ink_pixels(png) > 500
    # shown read-only in the visit record, with its time and check
    assert pad.showing_saved() and pad.is_read_only()
    assert "签字时间" in view.signature_box.time_label.text()
    assert "校验通过" in view.signature_box.check_label.text()

    # printed: the filled form's page shows the signature's ink in the 客户签字 line
    out = printing.visit_form_pdf(visit.id, tmp_path / "filled.pdf")
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(out), str(tmp_path / "filled")], check=True)
    page = sorted(tmp_path.glob("filled*.png"))[-1]
    width, height = Image.open(page).size
    assert ink_pixels(page, (0, height // 2, width // 2, height)) > 60
    assert ink_pixels(page, (0, 0, width, height // 2)) == 0  # nowhere else
    doc = build_visit_form(visit.id)
    doc.signature_png = b""
    printing.write_pdf(doc, tmp_path / "unsigned.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(tmp_path / "unsigned.pdf"), str(tmp_path / "u")], check=True
    )
    assert ink_pixels(sorted(tmp_path.glob("u*.png"))[-1]) == 0


def test_clear_and_sign_again_before_saving(qtbot, view, task):
    view.open_with(task_id=task.id, paper=True)
    settle()
    box = view.signature_box
    draw_signature(qtbot, box.pad)
    assert box.clear_button.isEnabled() and "签字时间" in box.time_label.text()
    qtbot.mouseClick(box.clear_button, Qt.LeftButton)
    assert not box.has_new_signature() and box.pad.is_empty()
    assert view.sign_combo.currentText() == "未签"
    draw_signature(qtbot, box.pad)
    assert box.has_new_signature() and view.sign_combo.currentText() == "电子签名"


def test_a_signed_visit_is_locked_and_refuses_an_edit_without_the_supervisor(qtbot, view, task, monkeypatch):
    visit = signed_visit(qtbot, view, task)
    view.load(visit.id)
    assert view.is_locked() and view.lock_bar.isVisible() and view.unlock_button.isVisible()
    assert not view.matrix.isEnabled() and not view.feedback_edit.isEnabled()
    assert view.repurchase_check.isEnabled()  # the caller's own notes stay editable
    question = templates.questions_of(visit.template)[0]
    # an edit slipped past the disabled fields: the save asks for the supervisor; cancelled → refused
    asked = []
    monkeypatch.setattr(visit_signature, "ask_supervisor", lambda parent, what, op="": asked.append(what))
    view.matrix.row_for(question.id).set_value(1)
    assert not view.save(final=True)
    assert asked and "已由客户签字" in asked[0] and "第1题" in asked[0]
    assert Answer.get((Answer.visit == visit.id) & (Answer.question == question.id)).value == 4
    assert AuditLog.select().count() == 0
    # the supervisor step: 申请修改 → the fields open, the change is saved and audited
    override = signatures.SupervisorOverride("赵主管", "录入时看错了第1题", "王芳")
    monkeypatch.setattr(visit_signature, "ask_supervisor", lambda parent, what, op="": override)
    view.load(visit.id)
    qtbot.mouseClick(view.unlock_button, Qt.LeftButton)
    assert not view.is_locked() and view.matrix.isEnabled() and "赵主管" in view.lock_text.text()
    view.matrix.row_for(question.id).set_value(1)
    assert view.save(final=True)
    assert Answer.get((Answer.visit == visit.id) & (Answer.question == question.id)).value == 1
    log = AuditLog.get()
    assert log.supervisor_name == "赵主管" and log.reason == "录入时看错了第1题"
    assert view.is_locked() and view.audit_label.isVisible() and "赵主管" in view.audit_label.text()
    assert "内容有修改" in view.signature_box.check_label.text()


def test_resign_needs_the_supervisor(qtbot, view, task, monkeypatch):
    visit = signed_visit(qtbot, view, task)
    old = VisitSignature.get(VisitSignature.visit == visit.id).sha256
    monkeypatch.setattr(visit_signature, "ask_supervisor", lambda *a, **k: None)
    qtbot.mouseClick(view.signature_box.resign_button, Qt.LeftButton)
    assert view.signature_box.pad.showing_saved()  # refused: the saved one stays
    override = signatures.SupervisorOverride("赵主管", "客户要求重签")
    monkeypatch.setattr(visit_signature, "ask_supervisor", lambda *a, **k: override)
    qtbot.mouseClick(view.signature_box.resign_button, Qt.LeftButton)
    assert not view.signature_box.pad.showing_saved()
    draw_signature(qtbot, view.signature_box.pad)
    qtbot.mouseClick(view.signature_box.pad, Qt.LeftButton, pos=QPoint(200, 30))  # a dot: new ink
    assert view.save(final=True)
    assert VisitSignature.get(VisitSignature.visit == visit.id).sha256 != old
    assert [r.action for r in AuditLog.select()] == ["更换签字"]


def test_supervisor_dialog_checks_the_name_and_reason(qtbot, task):
    Staff.create(name="钱员工", role="回访员")
    dialog = SupervisorDialog("请主管确认")
    qtbot.addWidget(dialog)
    assert [dialog.supervisor_combo.itemText(i) for i in range(dialog.supervisor_combo.count())] == ["赵主管"]
    dialog.supervisor_combo.setEditText("钱员工")
    dialog.reason_edit.setPlainText("看错了")
    dialog.accept()
    assert dialog.override is None and "不是在职的主管" in dialog.error_label.text()
    dialog.supervisor_combo.setEditText("赵主管")
    dialog.reason_edit.setPlainText("")
    dialog.accept()
    assert dialog.override is None and "修改原因" in dialog.error_label.text()
    dialog.reason_edit.setPlainText("看错了第3题")
    dialog.accept()
    assert dialog.override == signatures.SupervisorOverride("赵主管", "看错了第3题", "")


def _pen() -> QPointingDevice:
    return QPointingDevice(
        "测试手写笔",
        4242,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        3,
    )


def test_pen_pressure_sets_the_stroke_width(qtbot):
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pen = _pen()

    def send(kind, x, pressure):
        pos = QPointF(x, 70)
        event = QTabletEvent(
            kind,
            pen,
            pos,
            pos,
            pressure,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            Qt.NoModifier,
            Qt.LeftButton,
            Qt.LeftButton if kind != QTabletEvent.Type.TabletRelease else Qt.NoButton,
        )
        QApplication.sendEvent(pad, event)

    send(QTabletEvent.Type.TabletPress, 40, 0.1)
    for i, pressure in enumerate((0.1, 0.3, 0.6, 0.9, 1.0)):
        send(QTabletEvent.Type.TabletMove, 60 + i * 30, pressure)
    send(QTabletEvent.Type.TabletRelease, 200, 1.0)
    assert pad.device == "手写笔" and not pad.is_empty()
    pressures = [p for _x, _y, p in pad.strokes[0]]
    assert pressures[0] == pytest.approx(0.1) and max(pressures) == pytest.approx(1.0)
    # light pressure draws thin, firm pressure thick
    image = pad.to_image(1)

    def thickness(x: int) -> float:
        """Ink across one column, in pixels (antialiased edges count by their coverage)."""
        return sum(image.pixelColor(x, y).alphaF() for y in range(55, 86))

    assert 0.5 < thickness(50) < 1.5 and thickness(170) > 3 * thickness(50)


def test_touch_draws_too(qtbot):
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.show()
    qtbot.waitExposed(pad)
    device = QTest.createTouchDevice()
    QTest.touchEvent(pad, device).press(0, QPoint(50, 60)).commit()
    for x in range(60, 200, 20):
        QTest.touchEvent(pad, device).move(0, QPoint(x, 60 + x // 10)).commit()
    QTest.touchEvent(pad, device).release(0, QPoint(200, 80)).commit()
    assert pad.device == "触摸屏" and not pad.is_empty() and len(pad.strokes) == 1


def test_the_visit_list_shows_the_sign_status(qtbot, view, task, db_path):
    from desktop.views.visits.visits_view import VisitsView

    signed_visit(qtbot, view, task)
    page = VisitsView(AppContext(db_path=db_path))
    qtbot.addWidget(page)
    page.reload()
    titles = [page.model.headerData(c, Qt.Horizontal) for c in range(page.model.columnCount())]
    column = titles.index("签字状态")
    index = page.model.index(0, column)
    assert page.model.data(index) == "电子签名"
    assert page.model.data(index, Qt.ForegroundRole).color().name() == "#0d47a1"
    # the other coloured columns still follow their own values
    mood = page.model.index(0, titles.index("客户情绪"))
    assert page.model.data(mood) == "平静" and page.model.data(mood, Qt.ForegroundRole) is None
