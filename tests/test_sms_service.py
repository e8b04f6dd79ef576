"""Issue 16 item 4: SMS without a gateway — the batch file for the shop's SMS platform, and the
platform's reply export read into visits (matching, review, 退订, re-import)."""

import csv
from datetime import datetime, timedelta

import pytest
from conftest import TEAM_PASSWORD
from openpyxl import Workbook, load_workbook

from desktop.models import Answer, SmsBatch, SmsMessage, SmsReply, SurveyLink, Visit, VisitTask
from desktop.models.visit import SMS_METHOD
from desktop.services.admin import accounts, settings
from desktop.services.admin.accounts import PermissionDenied
from desktop.services.common.errors import UserError
from desktop.services.intake import customers
from desktop.services.scheduling import chasing
from desktop.services.sms import batch, replies, texts

SENT = datetime(2026, 12, 6, 9, 30)


def make_task(code, name, phone, *, title="", order_no=None, status="待回访"):
    customer = customers.create_customer({"code": code, "name": name, "phone": phone, "title": title})
    order = None
    if order_no:
        order = customers.create_order(
            {"order_no": order_no, "customer_id": customer.id, "service_type": "维修", "completed_at": "2026-12-05 10:00"}
        )
    return VisitTask.create(customer=customer, order=order, trigger=f"首次回访{code}", status=status)


@pytest.fixture
def shop(database):
    settings.set_value("company_name", "示例家电")
    wang = make_task("C1", "王小明", "13812345678", title="先生", order_no="GD1")
    li = make_task("C2", "李娜", "13900001111", order_no="GD2")
    landline = make_task("C3", "赵六", "010-12345678", order_no="GD3")
    done = make_task("C4", "钱七", "13700002222", order_no="GD4", status="已完成")
    return wang, li, landline, done


def export(tmp_path, ids, name="批量.xlsx", **options):
    return batch.export_batch(ids, batch.Options(**{"signature": "示例家电", **options}), tmp_path / name, at=SENT)


def reply_file(tmp_path, rows, name="回复.xlsx", headers=("手机号码", "回复时间", "回复内容")):
    path = tmp_path / name
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(headers)
            out.writerows(rows)
    else:
        book = Workbook()
        book.active.append(["短信平台上行记录导出"])  # a title row above the header
        book.active.append(list(headers))
        for row in rows:
            book.active.append(list(row))
        book.save(path)
    return path


# ---------------------------------------------------------------- export
def test_the_xlsx_has_one_row_per_sendable_task_and_lists_the_others(shop, tmp_path):
    wang, li, landline, done = shop
    result = export(tmp_path, [wang.id, li.id, landline.id, done.id])
    assert result.exported == 2
    reasons = {s.task_id: s.reason for s in result.skipped}
    assert "手机号" in reasons[landline.id] and "已结束" in reasons[done.id]
    sheet = load_workbook(tmp_path / "批量.xlsx")["短信"]
    rows = list(sheet.values)
    assert rows[0] == ("手机号码", "短信内容", "称呼", "日期", "服务")
    assert rows[1][0] == "13812345678" and sheet["A2"].number_format == "@"
    assert rows[1][1].startswith("【示例家电】王先生您好，感谢您12月5日在本店办理维修。请回复1-5评价：5非常满意")
    assert rows[2][2] == "李*"
    assert "王小明" not in rows[1][1]
    assert "模板内容" in load_workbook(tmp_path / "批量.xlsx")["说明"]["A4"].value


def test_exporting_marks_the_tasks_sent_by_sms_and_records_the_batch(shop, tmp_path):
    wang, li, *_ = shop
    export(tmp_path, [wang.id, li.id])
    assert {(t.sent_via, t.sent_at) for t in VisitTask.select().where(VisitTask.id.in_([wang.id, li.id]))} == {
        ("短信", SENT)
    }
    batch_row = SmsBatch.get()
    assert (batch_row.count, batch_row.mode, batch_row.signature, batch_row.file_name) == (2, "reply", "示例家电", "批量.xlsx")
    assert {m.task_id for m in SmsMessage.select()} == {wang.id, li.id}
    assert chasing.recovery_by_channel(SENT.date(), SENT.date())[1].sent == 2


def test_the_csv_is_utf8_with_a_bom(shop, tmp_path):
    wang, *_ = shop
    export(tmp_path, [wang.id], name="批量.csv")
    data = (tmp_path / "批量.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert rows[0][:2] == ["手机号码", "短信内容"] and rows[1][0] == "13812345678"


def test_a_failed_write_records_nothing(shop, tmp_path):
    wang, *_ = shop
    with pytest.raises(UserError):
        export(tmp_path / "没有这个文件夹", [wang.id])
    assert SmsBatch.select().count() == 0 and SmsMessage.select().count() == 0
    assert VisitTask.get_by_id(wang.id).sent_via is None
    assert not list(tmp_path.glob(".~*"))


def test_nothing_sendable_is_refused(shop, tmp_path):
    _wang, _li, landline, done = shop
    with pytest.raises(UserError, match="都不能发短信"):
        export(tmp_path, [landline.id, done.id])
    assert not (tmp_path / "批量.xlsx").exists()


def test_a_second_task_for_the_same_number_is_left_out(shop, tmp_path):
    wang, *_ = shop
    again = VisitTask.create(customer=wang.customer_id, trigger="交付1个月")
    result = export(tmp_path, [wang.id, again.id])
    assert result.exported == 1 and "同一号码" in result.skipped[0].reason


def test_link_mode_needs_the_survey_switched_on_and_a_lan_address(shop, tmp_path):
    wang, *_ = shop
    with pytest.raises(UserError, match="扫码评价未开启"):
        export(tmp_path, [wang.id], mode=texts.LINK)
    settings.set_value("survey_enabled", True)
    with pytest.raises(UserError, match="127.0.0.1"):
        export(tmp_path, [wang.id], mode=texts.LINK)
    settings.set_value("survey_host", "192.168.1.20")
    export(tmp_path, [wang.id], mode=texts.LINK)
    link = SurveyLink.get(SurveyLink.task == wang.id)
    rows = list(load_workbook(tmp_path / "批量.xlsx")["短信"].values)
    assert rows[0][-1] == "链接" and rows[1][-1] == f"http://192.168.1.20:8765/s/{link.token}"
    assert rows[1][-1] in rows[1][1] and "回复1-5" not in rows[1][1]


def test_preview_measures_long_texts(shop):
    wang, *_ = shop
    found = batch.targets([wang.id])
    short = batch.lines(found, batch.Options(signature="示例家电"))
    assert short[0].segments == 1 and batch.length_warning(short) == ""
    settings.set_value("company_name", "示例家电售后服务有限公司上海分公司")
    long = batch.lines(found, batch.Options(signature="某某"))
    assert long[0].chars > 70 and long[0].segments == 2
    assert "超过 70 字" in batch.length_warning(long)


def test_a_caller_cannot_export_the_numbers(team, shop, tmp_path):
    wang, *_ = shop
    accounts.login("qian", TEAM_PASSWORD)
    with pytest.raises(PermissionDenied):
        export(tmp_path, [wang.id])
    assert SmsBatch.select().count() == 0


# ---------------------------------------------------------------- import
def test_clear_replies_become_visits_and_close_their_tasks(shop, tmp_path):
    wang, li, *_ = shop
    export(tmp_path, [wang.id, li.id])
    path = reply_file(
        tmp_path,
        [
            ("+86 138 1234 5678", "2026-12-06 10:02:11", "5 师傅很专业"),
            ("13900001111", datetime(2026, 12, 6, 11, 0), "２"),
        ],
    )
    result = replies.import_replies(path)
    assert (result.entered, result.review) == (2, 0)
    visit = Visit.get(Visit.task == wang.id)
    assert (visit.method, visit.visit_date.isoformat(), visit.feedback, visit.status) == (
        SMS_METHOD, "2026-12-06", "师傅很专业", "已完成",
    )  # fmt: skip
    answer = Answer.get(Answer.visit == visit.id)
    assert answer.value == 5 and answer.question.dimension == "服务总体评价"
    assert visit.template.family == replies.SMS_FAMILY and not visit.invalid
    assert VisitTask.get_by_id(wang.id).status == "已完成"
    assert Answer.get(Answer.visit == Visit.get(Visit.task == li.id).id).value == 2
    assert chasing.recovery_by_channel(SENT.date(), SENT.date())[1].returned == 2


def test_reimporting_the_same_file_adds_nothing(shop, tmp_path):
    wang, li, *_ = shop
    export(tmp_path, [wang.id, li.id])
    path = reply_file(tmp_path, [("13812345678", "2026-12-06 10:02", "5"), ("13900001111", "2026-12-06 10:05", "好的")])
    replies.import_replies(path)
    again = replies.import_replies(path)
    assert (again.entered, again.review, again.repeated) == (0, 0, 2)
    assert Visit.select().count() == 1 and SmsReply.select().count() == 2


def test_csv_headers_are_mapped_by_their_text(shop, tmp_path):
    wang, *_ = shop
    export(tmp_path, [wang.id])
    path = reply_file(
        tmp_path, [("内容无关", "满意", "2026/12/6 12:00", "13812345678")], name="上行.csv",
        headers=("备注", "内容", "接收时间", "发送号码"),
    )  # fmt: skip
    assert replies.import_replies(path).entered == 1
    assert Answer.get().value == 4


def test_a_file_without_the_three_columns_is_refused(shop, tmp_path):
    path = reply_file(tmp_path, [("13812345678", "5")], headers=("手机号码", "回复内容"))
    with pytest.raises(UserError, match="找不到表头"):
        replies.import_replies(path)


def test_unreadable_replies_and_unknown_numbers_wait_for_review(shop, tmp_path):
    wang, li, *_ = shop
    export(tmp_path, [wang.id, li.id])
    path = reply_file(
        tmp_path,
        [
            ("13812345678", "2026-12-06 10:00", "8分"),  # not a code
            ("13900001111", "2026-12-06 08:00", "5"),  # before the text went out
            ("13666666666", "2026-12-06 10:00", "5"),  # a number we never texted
            ("不是号码", "2026-12-06 10:00", "5"),  # not kept: listed
        ],
    )
    result = replies.import_replies(path)
    assert (result.entered, result.review, len(result.bad_rows)) == (0, 3, 1)
    assert "第6行" in result.bad_rows[0]
    reasons = {r.phone: r.reason for r in replies.review_rows()}
    assert "1–5" in reasons["13812345678"]
    assert "早于" in reasons["13900001111"]
    assert "没有经短信发出" in reasons["13666666666"]
    assert Visit.select().count() == 0
    assert VisitTask.get_by_id(wang.id).status == "待回访"


def test_two_open_tasks_texted_to_one_number_are_not_guessed(shop, tmp_path):
    wang, *_ = shop
    export(tmp_path, [wang.id])
    second = VisitTask.create(customer=wang.customer_id, trigger="交付1个月")
    batch.export_batch([second.id], batch.Options(signature="示例家电"), tmp_path / "二.xlsx", at=SENT + timedelta(hours=1))
    path = reply_file(tmp_path, [("13812345678", "2026-12-06 12:00", "5")])
    assert replies.import_replies(path).review == 1
    (row,) = replies.review_rows()
    assert "2 个" in row.reason and {t for t, _ in row.choices} == {wang.id, second.id}
    assert Visit.select().count() == 0


def test_the_review_picks_the_task_and_the_answer_or_discards(shop, tmp_path):
    wang, li, *_ = shop
    export(tmp_path, [wang.id, li.id])
    path = reply_file(
        tmp_path, [("13812345678", "2026-12-06 10:00", "还不错吧"), ("13900001111", "2026-12-06 10:00", "你们是谁")]
    )
    replies.import_replies(path)
    first, second = replies.review_rows()
    assert first.task_id == wang.id and first.choices[0][0] == wang.id
    visit_id = replies.resolve(first.reply_id, wang.id, 4)
    visit = Visit.get_by_id(visit_id)
    assert visit.feedback == "还不错吧" and Answer.get(Answer.visit == visit_id).value == 4
    assert SmsReply.get_by_id(first.reply_id).status == "已录入"
    replies.discard(second.reply_id, "不是评价")
    assert SmsReply.get_by_id(second.reply_id).status == "已放弃"
    assert replies.count_review() == 0
    with pytest.raises(UserError, match="已处理"):
        replies.discard(second.reply_id)
    assert VisitTask.get_by_id(li.id).status == "待回访"


def test_the_review_refuses_a_task_of_another_number(shop, tmp_path):
    wang, li, *_ = shop
    export(tmp_path, [wang.id, li.id])
    replies.import_replies(reply_file(tmp_path, [("13812345678", "2026-12-06 10:00", "嗯")]))
    (row,) = replies.review_rows()
    with pytest.raises(UserError, match="不是这个号码"):
        replies.resolve(row.reply_id, li.id, 5)


def test_opt_outs_are_listed_and_left_out_of_the_next_export(shop, tmp_path):
    wang, li, *_ = shop
    export(tmp_path, [wang.id, li.id])
    replies.import_replies(reply_file(tmp_path, [("13812345678", "2026-12-06 10:00", "TD"), ("13900001111", "2026-12-06 10:00", "4 退订")]))
    assert {r.phone for r in replies.opt_out_rows()} == {"13812345678", "13900001111"}
    assert SmsReply.get(SmsReply.phone == "13812345678").status == "已退订"
    assert Answer.get(Answer.visit == Visit.get(Visit.task == li.id).id).value == 4  # the answer still counts
    again = VisitTask.create(customer=wang.customer_id, trigger="交付3个月")
    with pytest.raises(UserError, match="都不能发短信"):
        export(tmp_path, [again.id], name="三.xlsx")
    assert "退订" in batch.targets([again.id]).skipped[0].reason


def test_digits_to_a_task_marked_sent_by_hand_are_not_read(shop, tmp_path):
    """发放问卷 → 短信 on the task page: the app does not know what that text asked."""
    wang, *_ = shop
    chasing.mark_sent([wang.id], "短信", SENT)
    replies.import_replies(reply_file(tmp_path, [("13812345678", "2026-12-06 10:00", "5"), ("13812345678", "2026-12-06 10:01", "非常满意")]))
    assert Answer.get().value == 5 and Visit.select().count() == 1  # the words were read
    assert "没有请客户回复数字" in SmsReply.get(SmsReply.content == "5").reason


def test_one_import_is_one_transaction(shop, tmp_path, monkeypatch):
    wang, li, *_ = shop
    export(tmp_path, [wang.id, li.id])
    path = reply_file(tmp_path, [("13812345678", "2026-12-06 10:00", "5"), ("13900001111", "2026-12-06 10:00", "4")])
    calls = []

    def cancel(done, total, text):
        calls.append(done)
        if done == 1:
            raise KeyboardInterrupt  # stands in for 取消 (operations.Cancelled) after the first row

    with pytest.raises(KeyboardInterrupt):
        replies.import_replies(path, progress=cancel)
    assert Visit.select().count() == 0 and SmsReply.select().count() == 0
    assert VisitTask.get_by_id(wang.id).status == "待回访"


def test_a_gbk_csv_with_dates_only_is_read(shop, tmp_path):
    """Older platforms export GBK; a reply time without a clock time counts as the end of that day."""
    wang, *_ = shop
    export(tmp_path, [wang.id])
    path = tmp_path / "上行.csv"
    path.write_bytes("发送号码,回复时间,回复内容\r\n13812345678,2026-12-06,回复4 还可以\r\n".encode("gbk"))
    assert replies.import_replies(path).entered == 1
    visit = Visit.get()
    assert (Answer.get().value, visit.feedback, visit.visit_date.isoformat()) == (4, "还可以", "2026-12-06")
