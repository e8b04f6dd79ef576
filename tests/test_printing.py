"""Printing the 回访表: PDF text extracts as the right Chinese, CLI, preview/print dialogs, pages."""

import copy
from datetime import date

import pytest
from preview_helpers import ink, run_preview, run_print_dialog
from pypdf import PdfReader
from PySide6.QtGui import QColor

from desktop.cli import main
from desktop.models import Answer, Customer, Question, QuestionnaireTemplate, ServiceOrder, Visit
from desktop.services.admin import settings
from desktop.services.common.errors import UserError
from desktop.services.visits.forms import build_blank_form, build_visit_form
from desktop.services.visits.templates import active_template, questions_of
from desktop.views.printing import visit_form_print as printing


def pdf_text(path) -> str:
    """All text of a PDF with the whitespace the extractor inserts between drawn pieces removed."""
    reader = PdfReader(str(path))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def pdf_pages(path) -> int:
    return len(PdfReader(str(path)).pages)


@pytest.fixture
def visit(database):
    settings.set_value("company_name", "杭州西湖家电售后服务有限公司")
    customer = Customer.create(
        code="C202310001", name="欧阳娜娜", phone="13812345678", address="杭州市西湖区"
    )
    order = ServiceOrder.create(order_no="WX1", customer=customer, product_model="KFR-35GW", engineer="李强")
    template = active_template("after_sales")
    record = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status="已完成",
        visit_date=date(2024, 10, 9),
        visitor="王小丽",
        feedback="第一次上门未携带滤网导致二次预约",
    )
    for q in questions_of(template):
        if q.kind == "text":
            Answer.create(visit=record, question=q, text="希望增加线上预约渠道")
        else:
            Answer.create(visit=record, question=q, value=q.value_of_option(1))
    return record


def test_visit_form_pdf_has_the_chinese_text(visit, tmp_path, qapp):
    out = tmp_path / "visit.pdf"
    printing.visit_form_pdf(visit.id, out)
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    for expected in (
        "售后服务客户满意度回访表",
        "杭州西湖家电售后服务有限公司",
        "欧阳娜娜",
        "138****5678",  # every print masks the phone number
        "您对上门工程师的服务态度满意吗？",
        "非常不满意",
        "客户签字",
        "宝贵意见",
        "第一次上门未携带滤网导致二次预约",
        "希望增加线上预约渠道",
        "回访人员：王小丽",
        f"回访编号：{visit.id}",
        "第1页/共1页",
    ):
        assert expected in text, expected
    assert "13812345678" not in text
    assert "□" not in text and "☑" not in text  # boxes and ticks are drawn, not font glyphs


def test_blank_form_through_the_cli(database, db_target, tmp_path, qapp, capsys):
    out = tmp_path / "blank.pdf"
    assert main(["--db", db_target, "form", "--blank", "--out", str(out)]) == 0
    assert "已生成" in capsys.readouterr().out
    text = pdf_text(out)
    template = active_template(settings.get("default_template_family"))
    assert template.title in text
    for q in questions_of(template):
        assert "".join(q.text.split()) in text, q.text
    assert "客户签字" in text and "日期" in text


def test_blank_form_of_a_named_template_through_the_cli(database, db_target, tmp_path, qapp):
    out = tmp_path / "bank.pdf"
    assert main(["--db", db_target, "form", "--blank", "--template", "bank", "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "银行客户满意度调查问卷" in text
    assert "非常快速" in text  # a per-question label printed beside its box
    assert "意见：" in text  # the bank's comment line after each rated question


def test_filled_form_through_the_cli(visit, db_target, tmp_path, qapp):
    out = tmp_path / "filled.pdf"
    assert main(["--db", db_target, "form", "--visit", str(visit.id), "--out", str(out)]) == 0
    assert "欧阳娜娜" in pdf_text(out)


def test_unknown_template_exits_2_with_a_chinese_message(database, db_target, tmp_path, qapp, capsys):
    out = tmp_path / "x.pdf"
    code = main(["--db", db_target, "form", "--blank", "--template", "没有这个模板", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "没有这个模板" in err and "售后服务回访（通用）" in err and "银行网点客户满意度问卷" in err
    assert not out.exists()


def test_unknown_visit_exits_2(database, db_target, tmp_path, qapp, capsys):
    code = main(["--db", db_target, "form", "--visit", "424242", "--out", str(tmp_path / "x.pdf")])
    assert code == 2
    assert "424242" in capsys.readouterr().err


def test_long_questionnaire_paginates_and_repeats_the_level_header(database, tmp_path, qapp):
    template = QuestionnaireTemplate.create(family="long", name="长问卷", title="长问卷回访表")
    for i in range(40):
        Question.create(
            template=template, position=i, text=f"第{i + 1}项服务您满意吗？" + "请按实际感受评价。" * 3
        )
    out = tmp_path / "long.pdf"
    printing.write_pdf(build_blank_form(template), out)
    pages = pdf_pages(out)
    assert pages >= 2
    reader = PdfReader(str(out))
    for number, page in enumerate(reader.pages, start=1):
        text = "".join(page.extract_text().split())
        assert f"第{number}页/共{pages}页" in text
        if number < pages:  # every page of questions starts with the level header
            assert "非常不满意" in text
    last = "".join(reader.pages[-1].extract_text().split())
    assert "客户签字" in last
    assert "第40项服务您满意吗？" in pdf_text(out)
    assert len(printing.form_page_images(build_blank_form(template), dpi=40)) == pages


def test_form_page_images_draw_the_ticks(visit, qapp):
    doc = build_visit_form(visit.id)
    unticked = copy.deepcopy(doc)
    for row in unticked.rows:
        row.chosen = None
    filled = printing.form_page_images(doc, dpi=60)
    plain = printing.form_page_images(unticked, dpi=60)
    assert len(filled) == 1 and len(plain) == 1
    image = filled[0]
    assert (image.width(), image.height()) == (496, 702)  # A4 at 60 dpi

    def dark(img):
        return sum(
            1
            for y in range(img.height())
            for x in range(img.width())
            if QColor(img.pixel(x, y)).lightness() < 160
        )

    # the page has ink (grid, text), and each of the 6 answered questions adds a drawn tick
    assert dark(plain[0]) > 5000
    assert dark(image) - dark(plain[0]) > 6 * 10


def test_print_dialog_prints_to_the_chosen_printer(visit, tmp_path, qapp):
    """The real QPrintDialog: the user picks 打印到文件 and a file name, then 打印."""
    out = tmp_path / "printed.pdf"
    results = []
    seen = run_print_dialog(lambda: results.append(printing.print_visit_form(None, visit.id)), out)
    assert results == [True] and seen.message == ""
    assert seen.job_name == "回访表-欧***-20241009"
    assert "欧阳娜娜" in pdf_text(out)
    assert PdfReader(str(out)).metadata.title == "回访表-欧***-20241009"

    seen = run_print_dialog(
        lambda: results.append(printing.print_blank_form(None, visit.template.id)), out, accept=False
    )
    assert results == [True, False] and seen.title


def test_preview_paints_the_form(visit, qapp):
    """The real QPrintPreviewDialog paints every page, then a timer closes it."""
    seen = run_preview(lambda: printing.preview_visit_form(None, visit.id))
    assert seen.pages == 1 and len(seen.images) == 1 and ink(seen.images[0]) > 200
    assert seen.job_name == "回访表-欧***-20241009"
    assert seen.title == "打印预览 — 售后服务客户满意度回访表"
    seen = run_preview(lambda: printing.preview_blank_form(None, "bank"))
    assert seen.pages >= 1 and all(ink(image) > 200 for image in seen.images)
    assert seen.job_name == f"空白回访表-{date.today():%Y%m%d}"


def test_preview_of_a_missing_visit_shows_an_error(database, qapp):
    seen = run_preview(lambda: printing.preview_visit_form(None, 9999))
    assert seen.pages == 0  # no preview opened
    assert "9999" in seen.message


def test_job_names_name_the_customer_masked_and_the_date(visit, qapp, tmp_path):
    from desktop.models import VisitTask
    from desktop.services.visits.forms import build_task_forms, forms_job_name

    assert build_visit_form(visit.id).job_name == "回访表-欧***-20241009"
    today = f"{date.today():%Y%m%d}"
    assert build_blank_form(None).job_name == f"空白回访表-{today}"
    assert build_blank_form(None, visit.customer.id).job_name == f"空白回访表-欧***-{today}"
    tasks = [VisitTask.create(customer=visit.customer, trigger=f"第{i}次") for i in (1, 2, 3)]
    docs = build_task_forms([t.id for t in tasks])
    assert forms_job_name(docs) == f"空白回访表-3份-{today}"
    out = printing.task_forms_pdf([t.id for t in tasks], tmp_path / "tasks.pdf")
    assert PdfReader(str(out)).metadata.title == f"空白回访表-3份-{today}"
    out = printing.visit_form_pdf(visit.id, tmp_path / "visit.pdf")
    assert PdfReader(str(out)).metadata.title == "回访表-欧***-20241009"


def test_pdf_to_a_folder_is_refused_in_chinese(database, tmp_path, qapp):
    with pytest.raises(UserError, match="文件夹"):
        printing.blank_form_pdf(None, tmp_path)


BUILTIN_FAMILIES = ("after_sales", "travel_front_desk", "car_service", "bank", "maintenance_centre", "verification")


def page_texts(path) -> list[str]:
    return ["".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


@pytest.mark.parametrize("family", BUILTIN_FAMILIES)
def test_builtin_forms_fit_one_page_with_the_signature(database, tmp_path, qapp, family):
    """Filled (a comment on every 意见 line and 宝贵意见), blank for a task (QR code and header
    filled in) and the generic blank form: each built-in questionnaire prints on one A4 page, so
    宝贵意见 and 客户签字 stay with the answers (the bank and car forms used to leave them alone
    on page 2)."""
    from desktop.models import VisitTask
    from desktop.services.visits.forms import build_task_form

    template = active_template(family)
    customer = Customer.create(
        code="C1", name="欧阳娜娜", phone="13812345678", address="杭州市西湖区文三路100号"
    )
    order = ServiceOrder.create(order_no="W1", customer=customer, product_model="KFR-35GW", engineer="李强")
    visit = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status="已完成",
        visit_date=date(2024, 10, 9),
        visitor="王小丽",
        feedback="第一次上门未携带滤网导致二次预约，希望以后提前确认备件。",
    )
    questions = questions_of(template)
    for q in questions:
        if q.kind == "text":
            Answer.create(visit=visit, question=q, text="希望增加线上预约渠道")
        else:
            comment = "工程师很专业" if q.allow_comment else ""  # where the form has an 意见 line
            Answer.create(visit=visit, question=q, value=q.value_of_option(1), text=comment)
    task = VisitTask.create(customer=customer, order=order, trigger="首次回访", template=template.id)
    docs = {
        "filled": build_visit_form(visit.id),
        "task": build_task_form(task.id),
        "blank": build_blank_form(template),
    }
    last_question = "".join(questions[-1].text.split())
    for name, doc in docs.items():
        pages = page_texts(printing.write_pdf(doc, tmp_path / f"{family}-{name}.pdf"))
        assert len(pages) == 1, (family, name, len(pages))
        assert "客户签字" in pages[-1] and "宝贵意见" in pages[-1] and last_question in pages[-1]
        assert len(printing.form_page_images(doc, dpi=110)) == 1  # as the screenshots show it


def test_a_form_too_long_for_one_page_never_leaves_the_signature_alone(database, tmp_path, qapp):
    """Whatever the length, the page with 客户签字 also carries at least one question row."""
    for count in range(12, 40):
        template = QuestionnaireTemplate.create(
            family=f"long{count}", name=f"长问卷{count}", title="长问卷回访表"
        )
        for i in range(count):
            Question.create(
                template=template, position=i, text=f"第{i + 1}项服务您满意吗？" + "请按实际感受评价。" * 2
            )
        pages = page_texts(printing.write_pdf(build_blank_form(template), tmp_path / f"long{count}.pdf"))
        assert "客户签字" in pages[-1]
        if len(pages) > 1:
            assert f"第{count}项服务您满意吗" in pages[-1], (count, len(pages))


def test_writing_a_pdf_is_logged(visit, tmp_path, qapp, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="desktop"):
        printing.visit_form_pdf(visit.id, tmp_path / "logged.pdf")
    assert any("logged.pdf" in r.getMessage() and r.name.startswith("desktop.views") for r in caplog.records)
