"""评价小票 (issue 16 item 1: the link goes on the receipt slip too): eight slips to an A4 sheet,
each with the task's single-use link as a QR code that reads back to the link; printed slips
count as questionnaires handed out on paper (回收率), a cancelled print counts nothing."""

import subprocess
from datetime import datetime

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import Qt

from desktop.models import SurveyLink, VisitTask
from desktop.services.admin import settings
from desktop.services.common.errors import UserError
from desktop.services.intake import customers
from desktop.services.scheduling import chasing
from desktop.services.web import links, slips
from desktop.views.printing.slip_print import write_slips_pdf
from tests.preview_helpers import run_print_dialog
from tests.test_web_survey import task  # noqa: F401  (a fixture: 张三丰's open task, 扫码评价 on)

AT = datetime(2026, 12, 7, 10, 0)


@pytest.fixture
def reachable(task):  # noqa: F811
    settings.set_value("survey_host", "192.168.1.20")
    settings.set_value("company_name", "诚信家电维修中心")
    settings.set_value("hotline", "400-800-1234")
    return task


def more_tasks(n: int) -> list[int]:
    ids = []
    for i in range(n):
        customer = customers.create_customer({"code": f"M{i}", "name": f"李{i}明", "phone": f"1390000{i:04d}"})
        ids.append(VisitTask.create(customer=customer, template=VisitTask.get().template, trigger="首次回访").id)
    return ids


def test_a_slip_carries_the_tasks_link_and_what_the_phone_page_shows(reachable):
    batch = slips.slips_for([reachable.id], at=AT)
    [slip] = batch.slips
    link = SurveyLink.get(SurveyLink.task == reachable.id)
    assert slip.url == f"http://192.168.1.20:8765/s/{link.token}"
    assert slip.greeting == "尊敬的张**：" and slip.service == "维修 · KFR-35GW"
    assert (slip.company, slip.hotline, slip.expires) == ("诚信家电维修中心", "400-800-1234", link.expires_at.date())
    # printing the same task again reuses its open link (a second slip opens the same page)
    assert slips.slips_for([reachable.id], at=AT).slips[0].url == slip.url
    assert VisitTask.get_by_id(reachable.id).sent_via is None  # not handed out until printed
    assert slips.handed_out(batch, at=AT) == 1
    saved = VisitTask.get_by_id(reachable.id)
    assert (saved.sent_via, saved.sent_at) == (chasing.PAPER, AT)
    assert slips.handed_out(batch, at=AT) == 0  # registered once


def test_closed_tasks_are_listed_and_no_phone_no_slip(reachable):
    closed = more_tasks(1)[0]
    VisitTask.update(status="已取消").where(VisitTask.id == closed).execute()
    batch = slips.slips_for([reachable.id, closed, reachable.id], at=AT)
    assert [s.task_id for s in batch.slips] == [reachable.id]
    assert batch.skipped[0][0] == closed and "已取消" in batch.skipped[0][1]
    assert "1 个任务未打印" in batch.summary()
    with pytest.raises(UserError, match="所选任务都不能打印评价小票"):
        slips.slips_for([closed])
    settings.set_value("survey_host", "127.0.0.1")  # only this PC could open the link
    with pytest.raises(UserError, match="只有本机能打开"):
        slips.slips_for([reachable.id])
    settings.set_value("survey_enabled", False)
    with pytest.raises(UserError, match="扫码评价未开启"):
        slips.slips_for([reachable.id])


def test_eight_slips_to_a_sheet_and_each_code_reads_back_to_its_link(reachable, tmp_path):
    ids = [reachable.id, *more_tasks(8)]
    batch = slips.slips_for(ids, at=AT)
    pdf = write_slips_pdf(batch, tmp_path / "小票.pdf")
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 2  # 9 slips: a full sheet of 8, then 1
    text = reader.pages[0].extract_text()
    assert "尊敬的张**：" in text and "链接有效期至" in text and "张三丰" not in text
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "p")], check=True, timeout=60)
    found = []
    for page in sorted(tmp_path.glob("p-*.png")):
        image = np.asarray(Image.open(page).convert("L"))
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    assert sorted(found) == sorted(s.url for s in batch.slips)


def test_the_tasks_page_prints_slips_and_registers_them_handed_out(qtbot, reachable, db_path, tmp_path):
    from PySide6.QtCore import QItemSelectionModel

    from desktop.views.common.context import AppContext
    from desktop.views.tasks.tasks_view import BUCKETS, TasksView

    view = TasksView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    view.on_shown()
    view.tabs.setCurrentIndex(BUCKETS.index("全部"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    view.table.selectionModel().select(view.model.index(0, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)
    assert view.slip_button.isEnabled()
    seen = run_print_dialog(lambda: qtbot.mouseClick(view.slip_button, Qt.LeftButton), tmp_path / "x.pdf", accept=False)
    assert seen.title and VisitTask.get_by_id(reachable.id).sent_via is None  # cancelled: nothing registered
    out = tmp_path / "小票.pdf"
    run_print_dialog(lambda: qtbot.mouseClick(view.slip_button, Qt.LeftButton), out)
    assert "尊敬的张**：" in PdfReader(str(out)).pages[0].extract_text()
    assert VisitTask.get_by_id(reachable.id).sent_via == chasing.PAPER
    assert links.find(SurveyLink.get().token) is not None
