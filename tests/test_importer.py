"""Importing customers and service orders from messy spreadsheets (services.importer)."""

import csv
import json
from datetime import date, datetime

import openpyxl
import pytest

from desktop.models import Customer, ServiceOrder, Setting
from desktop.services.common.errors import UserError, ValidationError
from desktop.services.common.validation import (
    normalize_complaint_level,
    normalize_customer_type,
    normalize_title,
    parse_yes_no,
)
from desktop.services.intake import import_mapping as im
from desktop.services.intake import importer

TODAY = date(2024, 11, 1)

CUSTOMER_HEADER = [
    "客户编号",
    "客户姓名",
    "称谓",
    "联系电话",
    "通讯地址",
    "客户类型",
    "所属区域",
    "客户来源",
    "备注",
]


def customer_rows():
    """(row values, what happens to it). The header sits below a title row and a blank row."""
    return [
        ["C001", "  张 三 ", "男", "138-1234-5678", "北京市朝阳区 1 号", "vip", "华北", "电话", ""],
        ["c002", "李四  ", "女士", "+86 138 1234 5678", "", "普通", "", "", "老客户"],
        ["C003", "王五", "", "１３９１２３４５６７８", "", "企业", "华东", "", ""],
        ["C004", "赵六", "", 13712345678, "", "VIP", "", "", ""],  # phone stored as a number
        [None] * 9,  # blank row
        ["C005", "  ", "", "13612345678", "", "", "", "", ""],  # missing name
        ["C006", "钱七", "", "12345", "", "", "", "", ""],  # invalid phone
        ["C001", "重复的人", "", "13512345678", "", "", "", "", ""],  # C001 again, later row
        ["   ", None, "", "", None, "", "", "", ""],  # blank (spaces only)
        ["C007", "孙八", "", "010 1234 5678", "", "", "华南", "", ""],  # landline, blank type
        ["C008", "周九", "", "13812340000", "", "黄金", "", "", ""],  # unknown type
    ]


def write_xlsx(path, header, rows, *, title="2024年客户名单（导出）"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def customers_xlsx(tmp_path):
    return write_xlsx(tmp_path / "客户.xlsx", CUSTOMER_HEADER, customer_rows())


ORDER_HEADER = [
    "工单号", "客户编号", "服务类型", "产品型号", "服务工程师", "责任部门",
    "服务完成时间", "交付日期", "保修到期日", "是否投诉", "投诉等级", "投诉关闭时间",
]  # fmt: skip


def order_rows():
    blank = ["", "", "", "", ""]
    return [
        [
            "W001",
            "C001",
            "维修",
            "KFR-35GW",
            "张工",
            "维修一组",
            "2024-09-27",
            "",
            "2025-09-27",
            "否",
            "",
            "",
        ],
        ["W002", "C002", "安装", "", "李工", "", "2024/9/27 14:30", "2024/9/1", "", *blank[:3]],
        ["W003", "C003", "", "", "", "", "2024年9月27日", "", "", *blank[:3]],
        ["W004", "C004", "保养", "", "", "", "2024.09.27", "", "", *blank[:3]],
        ["W005", "C001", "", "", "", "", datetime(2024, 9, 27, 10, 5), "", "", *blank[:3]],  # real date cell
        ["W006", "C001", "", "", "", "", 45562, "", "", *blank[:3]],  # Excel serial number
        ["W007", "C001", "", "", "", "", "2024-02-30", "", "", *blank[:3]],  # impossible date
        ["W008", "C001", "", "", "", "", "2024-12-25", "", "", *blank[:3]],  # after TODAY
        ["W009", "C999", "", "", "", "", "2024-09-27", "", "", *blank[:3]],  # unknown customer
        ["W001", "C002", "", "", "", "", "2024-09-20", "", "", *blank[:3]],  # W001 again
        [None] * 12,
        ["W010", "C001", "投诉处理", "", "", "", "2024-10-02", "", "", "是", "2", "2024-10-01 09:00"],
    ]


@pytest.fixture
def orders_xlsx(tmp_path):
    return write_xlsx(tmp_path / "工单.xlsx", ORDER_HEADER, order_rows(), title="服务工单导出")


def test_header_row_is_found_below_title_and_blank_rows(database, customers_xlsx):
    source = importer.open_source(customers_xlsx, "customers")
    assert source.header_row == 2
    assert source.first_data_row_no == 4
    assert source.mapping == {
        "code": 0, "name": 1, "title": 2, "phone": 3, "address": 4,
        "ctype": 5, "region": 6, "source": 7, "note": 8,
    }  # fmt: skip
    assert not source.remembered


def test_auto_mapping_matches_common_headers():
    m = im.auto_mapping("customers", ["序号", "编号", "姓名", " 手机号 *", "地址", "类型", "地区", "其它"])
    assert m == {"code": 1, "name": 2, "phone": 3, "address": 4, "ctype": 5, "region": 6}
    m = im.auto_mapping("customers", ["客户名称", "电话", "客户编号（必填）", "客户联系电话"])
    assert m == {"name": 0, "phone": 1, "code": 2}
    m = im.auto_mapping(
        "orders", ["工单号", "客户编号", "投诉", "投诉等级", "投诉关闭时间", "完成时间", "班组"]
    )
    assert m == {
        "order_no": 0, "customer_code": 1, "is_complaint": 2, "complaint_level": 3,
        "complaint_closed_at": 4, "completed_at": 5, "team": 6,
    }  # fmt: skip


def test_messy_customers_are_normalised_and_bad_rows_rejected(database, customers_xlsx):
    result = importer.run_import(customers_xlsx, "customers", today=TODAY)
    assert (result.imported, result.updated, result.rejected, result.skipped_blank) == (5, 0, 4, 2)
    stored = {c.code: c for c in Customer.select()}
    assert set(stored) == {"C001", "C002", "C003", "C004", "C007"}
    assert stored["C001"].name == "张三"
    assert stored["C001"].title == "先生"
    assert stored["C001"].phone == "13812345678"
    assert stored["C001"].ctype == "VIP客户"
    assert stored["C001"].address == "北京市朝阳区 1 号"
    assert stored["C002"].name == "李四"
    assert stored["C002"].phone == "13812345678"
    assert stored["C002"].ctype == "普通客户"
    assert stored["C002"].note == "老客户"
    assert stored["C003"].phone == "13912345678"
    assert stored["C003"].ctype == "企业客户"
    assert stored["C004"].phone == "13712345678"
    assert stored["C004"].ctype == "VIP客户"
    assert stored["C007"].phone == "010-12345678"
    assert stored["C007"].ctype == "普通客户"
    assert stored["C007"].region == "华南"

    # the error report: next to the source, the file's columns plus 行号 and 错误原因
    assert result.report == customers_xlsx.with_name("客户_错误报告.xlsx")
    sheet = openpyxl.load_workbook(result.report).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["行号", *CUSTOMER_HEADER, "错误原因"]
    by_line = {r[0]: r for r in rows[1:]}
    assert set(by_line) == {9, 10, 11, 14}
    assert "客户姓名" in by_line[9][-1] and "不能为空" in by_line[9][-1]
    assert "联系电话" in by_line[10][-1] and "12345" in by_line[10][-1]
    assert by_line[11][-1].startswith("客户编号：C001 与本文件第 4 行重复")
    assert "客户类型" in by_line[14][-1]
    assert by_line[10][1:5] == ("C006", "钱七", None, "12345")


def test_fixed_error_report_imports_again(database, customers_xlsx):
    first = importer.run_import(customers_xlsx, "customers", today=TODAY)
    book = openpyxl.load_workbook(first.report)
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == 9:
            row[2].value = "吴九"  # the missing name
        if row[0].value == 10:
            row[4].value = "13600001111"  # the phone
    book.save(first.report)

    again = importer.run_import(first.report, "customers", mode="skip", today=TODAY)
    # C005 and C006 now pass; the second C001 is an existing customer (skipped); C008 still bad
    assert (again.imported, again.updated, again.rejected, again.skipped_existing) == (2, 0, 1, 1)
    assert Customer.get(Customer.code == "C005").name == "吴九"
    assert Customer.get(Customer.code == "C006").phone == "13600001111"
    assert Customer.get(Customer.code == "C001").name == "张三"
    assert again.report != first.report and again.report.exists()


def test_reimport_creates_no_duplicates_update_mode(database, customers_xlsx, tmp_path):
    importer.run_import(customers_xlsx, "customers", today=TODAY)
    rows = customer_rows()
    rows[0][4] = "上海市浦东新区 9 号"  # C001 moved
    rows[1][8] = ""  # C002's note blank in the new file: the stored note is kept
    changed = write_xlsx(tmp_path / "客户2.xlsx", CUSTOMER_HEADER, rows)
    result = importer.run_import(changed, "customers", mode="update", today=TODAY)
    assert (result.imported, result.updated, result.rejected, result.skipped_blank) == (0, 5, 4, 2)
    assert Customer.select().count() == 5
    assert Customer.get(Customer.code == "C001").address == "上海市浦东新区 9 号"
    assert Customer.get(Customer.code == "C002").note == "老客户"


def test_reimport_skip_mode_leaves_existing_alone(database, customers_xlsx, tmp_path):
    importer.run_import(customers_xlsx, "customers", today=TODAY)
    rows = customer_rows()
    rows[0][4] = "上海市浦东新区 9 号"
    rows.append(["C010", "郑十", "", "13900001111", "", "", "", "", ""])
    changed = write_xlsx(tmp_path / "客户2.xlsx", CUSTOMER_HEADER, rows)
    result = importer.run_import(changed, "customers", mode="skip", today=TODAY)
    assert (result.imported, result.updated, result.rejected, result.skipped_existing) == (1, 0, 4, 5)
    assert Customer.select().count() == 6
    assert Customer.get(Customer.code == "C001").address == "北京市朝阳区 1 号"


def test_orders_dates_complaints_and_rejections(database, customers_xlsx, orders_xlsx):
    importer.run_import(customers_xlsx, "customers", today=TODAY)
    result = importer.run_import(orders_xlsx, "orders", today=TODAY)
    assert (result.imported, result.updated, result.rejected, result.skipped_blank) == (7, 0, 4, 1)
    orders = {o.order_no: o for o in ServiceOrder.select()}
    assert set(orders) == {"W001", "W002", "W003", "W004", "W005", "W006", "W010"}
    assert orders["W001"].customer.code == "C001"
    assert orders["W001"].product_model == "KFR-35GW"
    assert orders["W001"].team == "维修一组"
    assert orders["W001"].warranty_end == date(2025, 9, 27)
    assert orders["W001"].is_complaint is False
    assert orders["W002"].completed_at == datetime(2024, 9, 27, 14, 30)
    assert orders["W002"].delivered_on == date(2024, 9, 1)
    for no in ("W001", "W003", "W004", "W006"):
        assert orders[no].completed_at == datetime(2024, 9, 27), no
    assert orders["W003"].service_type == "维修"  # blank → default
    assert orders["W005"].completed_at == datetime(2024, 9, 27, 10, 5)
    assert orders["W010"].is_complaint is True
    assert orders["W010"].complaint_level == "二级"
    assert orders["W010"].complaint_closed_at == datetime(2024, 10, 1, 9, 0)

    reasons = {
        r[0]: r[-1]
        for r in list(openpyxl.load_workbook(result.report).active.iter_rows(values_only=True))[1:]
    }
    assert set(reasons) == {10, 11, 12, 13}
    assert "不是真实存在的日期" in reasons[10]
    assert reasons[11].startswith("完成时间：2024-12-25 在今天之后")
    assert "C999 不是已有的客户" in reasons[12]
    assert reasons[13].startswith("工单号：W001 与本文件第 4 行重复")


def test_orders_reimport_update_and_skip(database, customers_xlsx, orders_xlsx, tmp_path):
    importer.run_import(customers_xlsx, "customers", today=TODAY)
    importer.run_import(orders_xlsx, "orders", today=TODAY)
    rows = order_rows()
    rows[0][4] = "王工"  # W001's engineer changed
    rows[0][9] = ""  # 是否投诉 blank: kept
    rows[11][10] = "三级"  # W010 level raised
    changed = write_xlsx(tmp_path / "工单2.xlsx", ORDER_HEADER, rows)

    skipped = importer.run_import(changed, "orders", mode="skip", today=TODAY)
    assert (skipped.imported, skipped.updated, skipped.skipped_existing) == (0, 0, 7)
    assert ServiceOrder.get(ServiceOrder.order_no == "W001").engineer == "张工"

    updated = importer.run_import(changed, "orders", mode="update", today=TODAY)
    assert (updated.imported, updated.updated, updated.rejected) == (0, 7, 4)
    assert ServiceOrder.select().count() == 7
    w001 = ServiceOrder.get(ServiceOrder.order_no == "W001")
    assert w001.engineer == "王工"
    assert w001.product_model == "KFR-35GW"
    assert ServiceOrder.get(ServiceOrder.order_no == "W010").complaint_level == "三级"


def test_orders_reimport_complaint_flag_blank_keeps_no_clears(database, customers_xlsx, tmp_path):
    importer.run_import(customers_xlsx, "customers", today=TODAY)
    header = ["工单号", "客户编号", "是否投诉", "投诉等级", "投诉关闭时间", "备注"]
    path = write_xlsx(
        tmp_path / "o1.xlsx", header, [["Q1", "C001", "是", "一级", "2024-10-01 09:00", "漏水"]]
    )
    importer.run_import(path, "orders", today=TODAY)

    def stored():
        o = ServiceOrder.get(ServiceOrder.order_no == "Q1")
        return o.is_complaint, o.complaint_level, o.complaint_closed_at, o.note

    complaint = (True, "一级", datetime(2024, 10, 1, 9, 0), "漏水")
    assert stored() == complaint
    blank = write_xlsx(tmp_path / "o2.xlsx", header, [["Q1", "C001", "", "", "", ""]])
    assert importer.run_import(blank, "orders", today=TODAY).updated == 1
    assert stored() == complaint  # blank cells keep what is stored
    level_only = write_xlsx(tmp_path / "o3.xlsx", header, [["Q1", "C001", "", "三级", "", ""]])
    importer.run_import(level_only, "orders", today=TODAY)
    assert stored() == (True, "三级", datetime(2024, 10, 1, 9, 0), "漏水")
    no = write_xlsx(tmp_path / "o4.xlsx", header, [["Q1", "C001", "否", "", "", ""]])
    importer.run_import(no, "orders", today=TODAY)
    assert stored() == (False, None, None, "漏水")  # 否 clears the level and the closing time


def test_order_rows_can_bring_their_new_customer(database, tmp_path):
    header = ["工单号", "客户编号", "客户姓名", "联系电话", "完成时间"]
    rows = [
        ["W100", "C100", "吴 十", "139 0000 1111", "2024-10-01"],
        ["W101", "C100", "", "", "2024-10-02"],  # the same new customer, named once above
        ["W102", "C101", "郑十一", "123", "2024-10-02"],  # bad phone for the new customer
    ]
    path = write_xlsx(tmp_path / "o.xlsx", header, rows)
    result = importer.run_import(path, "orders", today=TODAY)
    assert (result.imported, result.rejected, result.customers_created) == (2, 1, 1)
    customer = Customer.get(Customer.code == "C100")
    assert (customer.name, customer.phone) == ("吴十", "13900001111")
    assert customer.orders.count() == 2
    assert not Customer.select().where(Customer.code == "C101").exists()


def test_gbk_csv(database, tmp_path):
    path = tmp_path / "客户.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["编号", "姓名", "手机", "地址", "类型", "地区"])
        writer.writerow(["K01", "欧阳 娜娜", "139-0000-2222", "广州市天河区", "企业", "华南"])
        writer.writerow(["K02", "陈一", "０２０－１２３４５６７８", "", "vip", ""])
        writer.writerow(["", "", "", "", "", ""])
        writer.writerow(["K03", "", "13900003333", "", "", ""])
    result = importer.run_import(path, "customers", today=TODAY)
    assert (result.imported, result.rejected, result.skipped_blank) == (2, 1, 1)
    k01 = Customer.get(Customer.code == "K01")
    assert (k01.name, k01.phone, k01.address, k01.ctype, k01.region) == (
        "欧阳娜娜", "13900002222", "广州市天河区", "企业客户", "华南",
    )  # fmt: skip
    k02 = Customer.get(Customer.code == "K02")
    assert (k02.phone, k02.ctype) == ("020-12345678", "VIP客户")


def test_utf8_csv_with_bom_and_semicolons(database, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("客户编号;客户姓名;联系电话\nA1;马一;13911112222\n", encoding="utf-8-sig")
    result = importer.run_import(path, "customers", today=TODAY)
    assert result.imported == 1 and result.report is None
    assert Customer.get(Customer.code == "A1").name == "马一"


@pytest.mark.parametrize("at_call", ["first_batch", "last"])
def test_cancel_through_progress_rolls_back(database, tmp_path, at_call):
    rows = [[f"B{i:05d}", f"客户{i}", "", f"139{i:08d}", "", "", "", "", ""] for i in range(1200)]
    path = write_xlsx(tmp_path / "big.xlsx", CUSTOMER_HEADER, rows)
    calls = []

    def progress(done, total, text):
        calls.append((done, total, text))
        writing = text.startswith("正在写入")
        if at_call == "first_batch" and writing:
            raise KeyboardInterrupt  # anything the callback raises aborts the import
        if at_call == "last" and text == "正在保存…":
            raise RuntimeError("cancelled")

    with pytest.raises((KeyboardInterrupt, RuntimeError)):
        importer.run_import(path, "customers", progress=progress, today=TODAY)
    assert Customer.select().count() == 0
    assert not Setting.select().where(Setting.key == "import_mapping:customers").exists()
    assert any(t.startswith("正在检查") for _d, _t, t in calls)
    assert not path.with_name("big_错误报告.xlsx").exists()


def test_code_taken_meanwhile_rolls_back_everything(database, tmp_path):
    """All or nothing: a 客户编号 stored by someone else between the check and the write (another
    PC on a shared database) fails the second batch; the first batch is undone too, the user gets
    a Chinese message, and the database stays usable."""
    rows = [[f"B{i:05d}", f"客户{i}", "", f"139{i:08d}", "", "", "", "", ""] for i in range(1200)]
    path = write_xlsx(tmp_path / "big.xlsx", CUSTOMER_HEADER, rows)

    def progress(done, total, text):
        if text == "正在检查数据…":  # the file's codes were found new; now another PC adds one
            Customer.create(code="B00700", name="别人录入", phone="13700000000")

    with pytest.raises(UserError, match="编号与数据库中的记录冲突.*没有写入任何数据"):
        importer.run_import(path, "customers", progress=progress, today=TODAY)
    assert [c.code for c in Customer.select()] == ["B00700"]
    assert not Setting.select().where(Setting.key == "import_mapping:customers").exists()
    result = importer.run_import(path, "customers", mode="skip", today=TODAY)  # again: works
    assert (result.imported, result.skipped_existing) == (1199, 1)
    assert Customer.get(Customer.code == "B00700").name == "别人录入"


def test_progress_reports_reach_the_total(database, tmp_path):
    rows = [[f"B{i:05d}", f"客户{i}", "", f"139{i:08d}", "", "", "", "", ""] for i in range(1100)]
    path = write_xlsx(tmp_path / "big.xlsx", CUSTOMER_HEADER, rows)
    calls = []
    result = importer.run_import(path, "customers", progress=lambda *a: calls.append(a), today=TODAY)
    assert result.imported == 1100 and result.report is None
    writes = [(d, t) for d, t, text in calls if text.startswith("正在写入")]
    assert writes[-1] == (1100, 1100) and len(writes) == 3  # batches of 500
    assert Customer.select().count() == 1100


def test_mapping_is_remembered_per_kind_and_headers(database, tmp_path):
    header = ["客户编号", "客户姓名", "联系电话", "微信备注", "备注"]
    rows = [["M1", "刘一", "13911110000", "从微信来的", "旧备注"]]
    path = write_xlsx(tmp_path / "m.xlsx", header, rows)
    source = importer.open_source(path, "customers")
    assert source.mapping["note"] == 4
    source.mapping["note"] = 3  # the user picks the other column
    importer.import_source(source, today=TODAY)
    assert Customer.get(Customer.code == "M1").note == "从微信来的"

    again = importer.open_source(path, "customers")
    assert again.remembered and again.mapping["note"] == 3
    assert not importer.open_source(path, "orders").remembered
    other = write_xlsx(tmp_path / "n.xlsx", [*header, "区域"], [[*rows[0], "华北"]])
    assert not importer.open_source(other, "customers").remembered
    stored = Setting.get_by_id("import_mapping:customers").value
    assert stored[0]["mapping"]["note"] == 3


def test_missing_required_column_is_a_user_error(database, tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", ["客户编号", "客户姓名"], [["Z1", "甲"]])
    source = importer.open_source(path, "customers")
    assert source.missing_required() == ["联系电话"]
    with pytest.raises(UserError, match="缺少必需的列：联系电话"):
        importer.import_source(source, today=TODAY)
    assert Customer.select().count() == 0


def test_preview_shows_what_each_row_would_do(database, customers_xlsx):
    Customer.create(code="C003", name="王五", phone="13912345678")
    source = importer.open_source(customers_xlsx, "customers")
    preview = source.preview(limit=20, today=TODAY)
    assert [p.row_no for p in preview] == [4, 5, 6, 7, 9, 10, 11, 13, 14]
    assert [p.status for p in preview][:4] == ["新增", "新增", "更新", "新增"]
    assert preview[4].status == "错误" and "客户姓名" in preview[4].reason
    assert preview[3].cells[3] == "13712345678"  # numeric cell shown without ".0"
    assert source.preview(limit=2, mode="skip", today=TODAY)[1].status == "新增"
    assert source.preview(limit=3, mode="skip", today=TODAY)[2].status == "跳过（已存在）"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.xlsx", b"this is not a workbook", "不是有效的 Excel 工作簿"),
        ("bad.xls", b"\xd0\xcf\x11\xe0 broken", "不是有效的 Excel 工作簿"),
        ("notes.docx", b"PK\x03\x04", "不支持的文件类型"),
        ("empty.csv", b"", "没有数据"),
        ("bin.csv", b"\x00\x01\x02\x00garbage", "不是文本格式"),
    ],
)
def test_unreadable_files_give_a_chinese_message(database, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        importer.open_source(path, "customers")


def test_missing_file(database, tmp_path):
    with pytest.raises(UserError, match="找不到文件"):
        importer.run_import(tmp_path / "nope.xlsx", "customers")


def test_cli_import_json(database, db_target, customers_xlsx, capsys):
    from desktop.cli import main

    code = main(["--db", db_target, "import", "customers", str(customers_xlsx), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "imported": 5,
        "updated": 0,
        "rejected": 4,
        "skipped_blank": 2,
        "report": str(customers_xlsx.with_name("客户_错误报告.xlsx")),
    }
    code = main(["--db", db_target, "import", "customers", str(customers_xlsx), "--json", "--mode", "skip"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["imported"] == 0
    assert Customer.select().count() == 5


def test_cli_import_plain_and_errors(database, db_target, tmp_path, capsys):
    from desktop.cli import main

    path = tmp_path / "ok.csv"
    path.write_text("客户编号,客户姓名,联系电话\nP1,黄一,13911113333\n", encoding="utf-8")
    assert main(["--db", db_target, "import", "customers", str(path)]) == 0
    out = capsys.readouterr().out
    assert "导入完成" in out and "新增客户 1 条" in out
    data = json.loads(_run_json(main, db_target, path, capsys))
    assert data == {"imported": 0, "updated": 1, "rejected": 0, "skipped_blank": 0, "report": None}

    bad = tmp_path / "bad.xlsx"
    bad.write_text("nonsense")
    assert main(["--db", db_target, "import", "orders", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "错误" in err and "bad.xlsx" in err


def _run_json(main, db_target, path, capsys):
    assert main(["--db", db_target, "import", "customers", str(path), "--json"]) == 0
    return capsys.readouterr().out


# ---------------------------------------------------------------- the validators added for imports
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("vip", "VIP客户"), ("VIP", "VIP客户"), (" Ｖｉｐ ", "VIP客户"), ("普通", "普通客户"), ("", "普通客户"),
     ("企业", "企业客户"), ("企业客户", "企业客户"), ("公司", "企业客户")],
)  # fmt: skip
def test_normalize_customer_type(raw, expected):
    assert normalize_customer_type(raw) == expected


def test_normalize_customer_type_rejects_unknown():
    with pytest.raises(ValidationError, match="客户类型"):
        normalize_customer_type("黄金会员")


def test_title_yes_no_and_level():
    assert [normalize_title(t) for t in ("男", "女", "小姐", "先生", "")] == [
        "先生",
        "女士",
        "女士",
        "先生",
        "",
    ]
    with pytest.raises(ValidationError, match="称谓"):
        normalize_title("经理")
    assert [parse_yes_no(v, "是否投诉") for v in ("是", "否", "Y", "n", 1, 0.0, True, "√", "", None)] == [
        True, False, True, False, True, False, True, True, None, None,
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="是否投诉"):
        parse_yes_no("也许", "是否投诉")
    assert [normalize_complaint_level(v) for v in ("一级", "2", 3.0, "3级", "严重", "")] == [
        "一级", "二级", "三级", "三级", "三级", None,
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="投诉等级"):
        normalize_complaint_level("四级")


def test_legacy_xls_workbook(database, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("客户")
    sheet.write(0, 0, "客户资料")
    for col, text in enumerate(["客户编号", "客户姓名", "联系电话", "客户类型"]):
        sheet.write(2, col, text)
    sheet.write(3, 0, "X1")
    sheet.write(3, 1, "何一")
    sheet.write(3, 2, 13988887777)  # a number cell
    sheet.write(3, 3, "企业")
    sheet.write(4, 0, "X2")
    sheet.write(4, 1, "何二")
    sheet.write(4, 2, "(0755) 1234567")
    path = tmp_path / "旧格式.xls"
    book.save(str(path))

    orders = xlwt.Workbook(encoding="utf-8")
    osheet = orders.add_sheet("工单")
    for col, text in enumerate(["工单号", "客户编号", "完成时间"]):
        osheet.write(0, col, text)
    osheet.write(1, 0, "XW1")
    osheet.write(1, 1, "X1")
    osheet.write(1, 2, datetime(2024, 9, 27, 16, 0), xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm"))
    opath = tmp_path / "工单.xls"
    orders.save(str(opath))

    result = importer.run_import(path, "customers", today=TODAY)
    assert (result.imported, result.rejected) == (2, 0)
    assert Customer.get(Customer.code == "X1").phone == "13988887777"
    assert Customer.get(Customer.code == "X1").ctype == "企业客户"
    assert Customer.get(Customer.code == "X2").phone == "0755-1234567"
    assert importer.run_import(opath, "orders", today=TODAY).imported == 1
    assert ServiceOrder.get(ServiceOrder.order_no == "XW1").completed_at == datetime(2024, 9, 27, 16, 0)


def test_orders_import_runs_the_scheduler(database, customers_xlsx, orders_xlsx, monkeypatch):
    from desktop.services.scheduling import scheduler

    importer.run_import(customers_xlsx, "customers", today=TODAY)
    calls = []

    def fake(today=None):
        calls.append((today, ServiceOrder.select().count()))  # the orders are committed by then
        return {"created": {"first_visit": 3}, "total": 3, "warning": None}

    monkeypatch.setattr(scheduler, "run_scheduler", fake)
    result = importer.run_import(orders_xlsx, "orders", today=TODAY)
    assert calls == [(TODAY, 7)]
    assert result.tasks_created == 3 and "生成回访任务 3 个" in result.summary()

    monkeypatch.setattr(scheduler, "run_scheduler", lambda today=None: 1 / 0)
    again = importer.run_import(orders_xlsx, "orders", today=TODAY)
    assert again.updated == 7 and "自动生成回访任务失败" in again.notes[0]


def test_orders_import_with_the_real_scheduler(database, customers_xlsx, orders_xlsx):
    importer.run_import(customers_xlsx, "customers", today=TODAY)
    result = importer.run_import(orders_xlsx, "orders", today=TODAY)
    assert result.imported == 7 and result.notes == []
    assert result.tasks_created is None or result.tasks_created >= 0


@pytest.mark.parametrize("header", ["一次性解决", "是否一次解决", "一次性解决率", "问题是否一次性解决"])
def test_first_time_fixed_column_is_found_by_its_aliases(header):
    mapping = im.auto_mapping("orders", ["工单号", "客户编号", header, "备注"])
    assert mapping["first_time_fixed"] == 2 and mapping["note"] == 3


def test_orders_import_first_time_fixed_values_blank_and_rejections(database, customers_xlsx, tmp_path):
    importer.run_import(customers_xlsx, "customers", today=TODAY)
    header = ["工单号", "客户编号", "是否一次解决", "备注"]
    values = ["是", "否", "Y", "N", "1", "0", "√", "×", ""]
    rows = [[f"F{n}", "C001", value, ""] for n, value in enumerate(values)]
    rows.append(["F99", "C001", "还行", "写错了"])
    path = write_xlsx(tmp_path / "f.xlsx", header, rows)
    result = importer.run_import(path, "orders", today=TODAY)
    assert (result.imported, result.rejected) == (len(values), 1)
    stored = {o.order_no: o.first_time_fixed for o in ServiceOrder.select()}
    assert [stored[f"F{n}"] for n in range(len(values))] == [True, False, True, False, True, False, True, False, None]
    report = openpyxl.load_workbook(result.report).active
    reason = " ".join(str(c.value) for row in report.iter_rows() for c in row if c.value)
    assert "一次性解决" in reason and "“还行”无法识别" in reason and "是 或 否" in reason

    # re-import: a blank cell keeps what is stored, 是/否 replace it
    again = write_xlsx(tmp_path / "g.xlsx", header, [["F0", "C001", "", "x"], ["F1", "C001", "是", ""]])
    assert importer.run_import(again, "orders", today=TODAY).updated == 2
    assert ServiceOrder.get(order_no="F0").first_time_fixed is True
    assert ServiceOrder.get(order_no="F1").first_time_fixed is True
