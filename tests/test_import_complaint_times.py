"""Complaint received / first-response times come in with the orders (they feed 投诉处理及时率)."""

from datetime import datetime

import openpyxl

from desktop.models import Customer, ServiceOrder
from desktop.services.intake.importer import run_import


def test_complaint_times_are_imported_and_kept_on_update(database, tmp_path):
    Customer.create(code="C1", name="张三", phone="13800000001")
    path = tmp_path / "工单.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工单号", "客户编号", "服务类型", "完成时间", "是否投诉", "投诉受理时间", "首次响应时间"])
    sheet.append(["W1", "C1", "投诉处理", "2024-09-02 16:00", "是", "2024-09-01 09:30", "2024-09-01 15:00"])
    sheet.append(["W2", "C1", "维修", "2024-09-03 10:00", "否", "2024-09-01 09:30", ""])
    book.save(path)

    result = run_import(path, "orders")
    assert (result.imported, result.rejected) == (2, 0)
    w1 = ServiceOrder.get(ServiceOrder.order_no == "W1")
    assert w1.complaint_at == datetime(2024, 9, 1, 9, 30)
    assert w1.complaint_responded_at == datetime(2024, 9, 1, 15, 0)
    assert ServiceOrder.get(ServiceOrder.order_no == "W2").complaint_at is None  # not a complaint

    # re-import without the time columns: the stored times stay
    sheet.delete_cols(6, 2)
    book.save(path)
    assert run_import(path, "orders", mode="update").updated == 2
    assert ServiceOrder.get(ServiceOrder.order_no == "W1").complaint_responded_at == datetime(
        2024, 9, 1, 15, 0
    )
