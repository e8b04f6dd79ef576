"""Form codes: parsing what a scanner types, looking it up, and the printed QR code itself."""

import re
import subprocess
from datetime import date, timedelta

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from desktop.cli import main
from desktop.models import Customer, ServiceOrder, Visit, VisitTask
from desktop.services.common.errors import UserError, ValidationError
from desktop.services.visits import qrcodes, templates
from desktop.services.visits.forms import build_task_form, build_visit_form, due_task_ids
from desktop.views.printing import print_layout
from desktop.views.printing import visit_form_print as printing


@pytest.fixture
def task(database):
    customer = Customer.create(code="C1", name="欧阳娜娜", phone="13812345678", address="杭州市西湖区")
    order = ServiceOrder.create(
        order_no="WX1", customer=customer, product_model="KFR-35GW", service_type="维修"
    )
    return VisitTask.create(customer=customer, order=order, trigger="首次回访")


def decode(path) -> list[str]:
    """The codes on the page: ours without their page suffix (each checked to say page 1), any
    other (the 扫码评价 link) as printed."""
    texts = [r.text for r in zxingcpp.read_barcodes(Image.open(path))]
    codes = [qrcodes.parse_code(t) for t in texts if t.upper().startswith("HUIFANG")]
    assert all(code.page == 1 and code.template_id for code in codes)
    return [code.text for code in codes] + [t for t in texts if not t.upper().startswith("HUIFANG")]


def qimage_codes(image: QImage, tmp_path, name="page.png") -> list[str]:
    path = tmp_path / name
    image.save(str(path))
    return decode(path)


@pytest.mark.parametrize(
    ("typed", "kind", "number"),
    [
        ("HUIFANG:TASK:12", "TASK", 12),
        ("huifang:visit:7\r\n", "VISIT", 7),
        (" HUIFANG：TASK：００３ ", "TASK", 3),  # a Chinese input method's full-width characters
        ("HUIFANG:TASK:\t42", "TASK", 42),
    ],
)
def test_parse_accepts_what_scanners_and_people_type(typed, kind, number):
    code = qrcodes.parse_code(typed)
    assert (code.kind, code.id) == (kind, number)
    assert code.text == f"HUIFANG:{kind}:{number}"
    assert code.page is None and code.template_id is None  # printed before the paper reader


@pytest.mark.parametrize(
    ("typed", "page", "template_id"),
    [("HUIFANG:TASK:12:P2:T3", 2, 3), ("huifang:task:12:p1", 1, None), ("HUIFANG：TASK：12：P1：T7", 1, 7)],
)
def test_page_suffix_names_the_page_and_template_and_keeps_the_code(typed, page, template_id):
    code = qrcodes.parse_code(typed)
    assert (code.kind, code.id, code.page, code.template_id) == ("TASK", 12, page, template_id)
    assert code.text == "HUIFANG:TASK:12"  # what is looked up and printed under the QR code
    assert qrcodes.parse_code(qrcodes.page_code(code.text, page, template_id)) == code


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("", "请扫描"),
        ("https://example.com/x", "不是回访通的表单编号"),
        ("ABC:TASK:1", "不是回访通的表单编号"),
        ("HUIFANG:ORDER:1", "无法识别"),
        ("HUIFANG:TASK:", "没有扫完整"),
        ("HUIFANG:TASK:12a", "末尾应为数字"),
        ("HUIFANG:TASK:12:X1", "末尾应为数字"),
        ("HUIFANG:TASK:0", "无效"),
    ],
)
def test_malformed_codes_get_a_chinese_message(typed, fragment):
    with pytest.raises(ValidationError, match=fragment) as info:
        qrcodes.parse_code(typed)
    assert info.value.field == "扫码录入"


def test_lookup_finds_tasks_and_visits(task):
    target = qrcodes.lookup(qrcodes.task_code(task.id))
    assert target.task_id == task.id and target.visit_id is None and "请录入" in target.message
    visit = Visit.create(
        task=task,
        customer=task.customer,
        template=templates.active_template("after_sales"),
        visit_date=date(2024, 10, 9),
        status="已完成",
    )
    assert qrcodes.lookup(qrcodes.visit_code(visit.id)).visit_id == visit.id
    # a task already done opens its visit
    done = qrcodes.lookup(qrcodes.task_code(task.id))
    assert done.visit_id == visit.id and done.task_id is None and "已完成" in done.message


def test_lookup_of_unknown_or_cancelled_says_so(task):
    with pytest.raises(UserError, match="找不到编号为 999 的回访任务"):
        qrcodes.lookup("HUIFANG:TASK:999")
    with pytest.raises(UserError, match="找不到编号为 5 的回访记录"):
        qrcodes.lookup("HUIFANG:VISIT:5")
    VisitTask.update(status="已取消").where(VisitTask.id == task.id).execute()
    with pytest.raises(UserError, match="已取消"):
        qrcodes.lookup(qrcodes.task_code(task.id))


@pytest.mark.parametrize("text", ["HUIFANG:TASK:1", "HUIFANG:VISIT:123456789", "HUIFANG:TASK:9876543210"])
def test_the_vector_qr_path_is_exactly_the_matrix(qapp, text):
    """Painted at one pixel per module without smoothing, the merged outline gives back every
    module of segno's matrix: merging the rectangles lost or added nothing."""
    matrix = qrcodes.qr_matrix(text)
    path, count = print_layout.qr_path(text)
    assert count == len(matrix)
    image = QImage(count, count, QImage.Format.Format_RGB32)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0))
    painter.drawPath(path)
    painter.end()
    painted = [[QColor(image.pixel(x, y)).lightness() < 128 for x in range(count)] for y in range(count)]
    assert painted == matrix


def test_blank_task_form_pdf_carries_a_readable_qr_code(task, tmp_path, qapp):
    """Printed to PDF, rasterised by poppler and by Qt: zxing-cpp reads the task's code."""
    out = printing.task_forms_pdf([task.id], tmp_path / "task.pdf")
    text = "".join(PdfReader(str(out)).pages[0].extract_text().split())
    assert f"HUIFANG:TASK:{task.id}" in text and "欧阳娜娜" in text and "KFR-35GW" in text
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(out), str(tmp_path / "page")], check=True)
    (png,) = sorted(tmp_path.glob("page*.png"))
    assert decode(png) == [f"HUIFANG:TASK:{task.id}"]
    for dpi in (60, 150):
        (image,) = printing.form_page_images(build_task_form(task.id), dpi=dpi)
        assert qimage_codes(image, tmp_path) == [f"HUIFANG:TASK:{task.id}"]


def test_filled_form_carries_the_visit_code(task, qapp, tmp_path):
    visit = Visit.create(
        task=task,
        customer=task.customer,
        order=task.order,
        template=templates.active_template("after_sales"),
        visit_date=date(2024, 10, 9),
        status="已完成",
    )
    doc = build_visit_form(visit.id)
    assert doc.code == f"HUIFANG:VISIT:{visit.id}"
    (image,) = printing.form_page_images(doc, dpi=100)
    assert qimage_codes(image, tmp_path) == [doc.code]


def test_due_today_prints_one_form_per_task_in_one_pdf(task, db_target, tmp_path, qapp, capsys):
    today = date.today()
    other = VisitTask.create(customer=task.customer, order=None, trigger="交付1个月", latest=today)
    VisitTask.create(customer=task.customer, trigger="明天才开始", earliest=today + timedelta(days=1))
    VisitTask.create(customer=task.customer, trigger="已完成的", status="已完成")
    assert due_task_ids(today) == [other.id, task.id]  # window closing first, then open-ended
    out = tmp_path / "today.pdf"
    assert main(["--db", db_target, "form", "--blank", "--due", "today", "--out", str(out)]) == 0
    assert "共 2 份" in capsys.readouterr().out
    reader = PdfReader(str(out))
    assert len(reader.pages) == 2
    texts = ["".join(page.extract_text().split()) for page in reader.pages]
    assert f"HUIFANG:TASK:{other.id}" in texts[0] and f"HUIFANG:TASK:{task.id}" in texts[1]
    assert all("第1页/共1页" in t for t in texts)  # each form numbered on its own


def test_cli_task_form_and_its_errors(task, db_path, tmp_path, qapp, capsys, db_target):
    out = tmp_path / "one.pdf"
    assert main(["--db", db_target, "form", "--blank", "--task", str(task.id), "--out", str(out)]) == 0
    assert f"HUIFANG:TASK:{task.id}" in "".join(PdfReader(str(out)).pages[0].extract_text().split())
    capsys.readouterr()
    assert (
        main(["--db", db_target, "form", "--blank", "--task", "4242", "--out", str(tmp_path / "x.pdf")]) == 2
    )
    assert "4242" in capsys.readouterr().err
    bad = [
        "--db",
        str(db_path),
        "form",
        "--visit",
        "1",
        "--task",
        str(task.id),
        "--out",
        str(tmp_path / "y.pdf"),
    ]
    assert main(bad) == 2
    assert "--visit" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # --task and --due together: argparse refuses
        main(["--db", db_target, "form", "--blank", "--task", "1", "--due", "today", "--out", "z.pdf"])
    VisitTask.update(status="已完成").execute()
    assert (
        main(["--db", db_target, "form", "--blank", "--due", "today", "--out", str(tmp_path / "z.pdf")]) == 2
    )
    assert "没有待回访的任务" in capsys.readouterr().err
    assert not (tmp_path / "z.pdf").exists()


def test_every_printed_form_carries_a_qr_code(task, qapp, tmp_path, db_target):
    """The generic blank form (no task, no customer) too: it carries its template's code, which
    the scan box recognises and answers with what to do in Chinese."""
    from desktop.services.visits.forms import build_blank_form

    for family in ("after_sales", "bank", "car_service"):
        template = templates.active_template(family)
        doc = build_blank_form(template)
        assert doc.code == f"HUIFANG:TEMPLATE:{template.id}"
        images = printing.form_page_images(doc, dpi=100)
        assert qimage_codes(images[0], tmp_path) == [doc.code], family
        with pytest.raises(UserError, match=re.escape(f"“{template.name}”的通用空白表")) as err:
            qrcodes.lookup(doc.code)
        assert "纸质表录入" in str(err.value) and "：" not in doc.code
    # the CLI's generic blank form: poppler's rendering of the PDF reads back too
    out = tmp_path / "blank.pdf"
    assert main(["--db", db_target, "form", "--blank", "--out", str(out)]) == 0
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(out), str(tmp_path / "blank")], check=True)
    (png,) = sorted(tmp_path.glob("blank*.png"))
    (code,) = decode(png)
    assert qrcodes.parse_code(code).kind == "TEMPLATE"
    # a template that no longer exists says so
    with pytest.raises(UserError, match="找不到编号为 9999 的问卷模板"):
        qrcodes.lookup("HUIFANG:TEMPLATE:9999")
    # the other codes are unchanged
    assert build_task_form(task.id).code == f"HUIFANG:TASK:{task.id}"


def test_with_scan_answering_on_the_task_form_carries_the_link_too(task, tmp_path, qapp):
    """设置 → 扫码评价 on: the task's form also carries its phone-page link as a QR code; off (the
    default) it carries only the task's code."""
    from desktop.models import SurveyLink
    from desktop.services.admin import settings

    (image,) = printing.form_page_images(build_task_form(task.id), dpi=150)
    assert qimage_codes(image, tmp_path) == [f"HUIFANG:TASK:{task.id}"] and SurveyLink.select().count() == 0
    settings.set_value("survey_enabled", True)
    doc = build_task_form(task.id)
    (image,) = printing.form_page_images(doc, dpi=150)
    url = f"http://127.0.0.1:8765/s/{SurveyLink.get().token}"
    assert doc.survey_url == url
    assert sorted(qimage_codes(image, tmp_path)) == sorted([f"HUIFANG:TASK:{task.id}", url])
    assert build_task_form(task.id).survey_url == url  # printed again: the same link
