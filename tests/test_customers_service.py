"""Customer and service-order services: validation, phone normalisation, codes, search, delete."""

from datetime import date, datetime, timedelta

import pytest

from desktop.models import Customer, ServiceOrder, VisitTask
from desktop.services.common.errors import UserError, ValidationError, ValidationErrors
from desktop.services.common.validation import normalize_phone
from desktop.services.intake import customers as svc


def make_customer(code="C202310001", name="张三", phone="13812345678", **extra) -> Customer:
    return svc.create_customer({"code": code, "name": name, "phone": phone, **extra})


def make_order(customer: Customer, order_no="GD20231015001", **extra) -> ServiceOrder:
    data = {
        "order_no": order_no,
        "customer_id": customer.id,
        "service_type": "维修",
        "completed_at": datetime(2023, 10, 15, 10, 30),
    }
    data.update(extra)
    return svc.create_order(data)


# ---------------------------------------------------------------- phone numbers
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        (" 138 1234-5678 ", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits (Chinese IME)
        ("+８６ １３８－１２３４－５６７８", "13812345678"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("(010)12345678", "010-12345678"),
        ("（010）12345678", "010-12345678"),  # full-width brackets
        ("0755 1234567", "0755-1234567"),
        ("0755-12345678", "0755-12345678"),
        ("021 6123 4567", "021-61234567"),
        ("010-12345678转123", "010-12345678-123"),
    ],
)
def test_phone_normalisation(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "12345",
        "1381234567",
        "138123456789",
        "23812345678",
        "12012345678",
        "abc",
        "138abcd5678",
        "0101234",
    ],
)
def test_invalid_phones_are_refused_naming_the_field(typed):
    with pytest.raises(ValidationError) as info:
        normalize_phone(typed)
    assert info.value.field == "联系电话"
    assert "联系电话" in str(info.value)


def test_customer_phone_is_stored_normalised(database):
    c = make_customer(phone="+86 138-1234-5678")
    assert Customer.get_by_id(c.id).phone == "13812345678"


# ---------------------------------------------------------------- 客户编号 suggestions
def test_next_code_on_an_empty_month(database):
    assert svc.suggest_customer_code(date(2023, 10, 5)) == "C202310001"


def test_next_code_follows_the_highest_of_the_month(database):
    make_customer("C202310001", phone="13800000001")
    make_customer("C202310007", phone="13800000002")
    make_customer("C202309050", phone="13800000003")  # another month
    make_customer("C202310ABC", phone="13800000004")  # not a sequence number
    make_customer("VIP-C2023108", phone="13800000005")
    assert svc.suggest_customer_code(date(2023, 10, 20)) == "C202310008"
    assert svc.suggest_customer_code(date(2023, 9, 1)) == "C202309051"
    assert svc.suggest_customer_code(date(2023, 11, 1)) == "C202311001"


def test_next_code_after_999_adds_a_digit(database):
    make_customer("C202310999", phone="13800000001")
    code = svc.suggest_customer_code(date(2023, 10, 1))
    assert code == "C2023101000"
    make_customer(code, phone="13800000002")
    assert svc.suggest_customer_code(date(2023, 10, 1)) == "C2023101001"


def test_suggested_code_is_accepted(database):
    code = svc.suggest_customer_code()
    assert make_customer(code).code == code
    assert svc.suggest_customer_code() != code


def test_next_order_no(database):
    c = make_customer()
    assert svc.suggest_order_no(date(2023, 10, 15)) == "GD20231015001"
    make_order(c, "GD20231015001")
    assert svc.suggest_order_no(date(2023, 10, 15)) == "GD20231015002"


# ---------------------------------------------------------------- customer validation
def test_duplicate_code_is_refused(database):
    make_customer("C202310001", name="张三")
    with pytest.raises(ValidationErrors) as info:
        make_customer("c202310001", name="李四", phone="13900000000")  # lower case is the same code
    assert info.value.fields == ["客户编号"]
    assert "张三" in str(info.value)
    assert Customer.select().count() == 1


def test_all_field_errors_come_together(database):
    make_customer("C202310001")
    with pytest.raises(ValidationErrors) as info:
        svc.create_customer({"code": "C202310001", "name": "", "phone": "123", "ctype": "金卡"})
    assert set(info.value.fields) == {"客户编号", "客户姓名", "联系电话", "客户类型"}
    assert Customer.select().count() == 1


def test_update_may_keep_its_own_code(database):
    c = make_customer()
    updated = svc.update_customer(c.id, {"code": c.code, "name": "张三丰", "phone": "010 12345678"})
    assert (updated.name, updated.phone) == ("张三丰", "010-12345678")


def test_choices_are_checked_and_short_forms_accepted(database):
    c = make_customer(ctype="vip", title="男")
    assert (c.ctype, c.title) == ("VIP客户", "先生")
    with pytest.raises(ValidationErrors) as info:
        make_customer("C202310002", title="老板")
    assert info.value.fields == ["称谓"]


# ---------------------------------------------------------------- search
def test_search_by_name_phone_code_and_order_no(database):
    a = make_customer("C202310001", name="张三", phone="13812345678")
    b = make_customer("C202310002", name="李四", phone="010-87654321", address="北京市朝阳区")
    make_customer("C202310003", name="王五", phone="13999990000")
    make_order(b, "GD20231015042")

    def ids(text, **kw):
        return [row[0] for row in svc.search_customers(text, **kw)]

    assert ids("张") == [a.id]
    assert ids("138 1234") == [a.id]
    assert ids("01087654321") == [b.id]  # digits of a stored landline
    assert ids("c202310002") == [b.id]
    assert ids("GD20231015042") == [b.id]
    assert ids("朝阳") == [b.id]
    assert ids("１３９") == [3]  # full-width digits
    assert svc.count_customers("C2023100") == 3
    assert svc.count_customers("%") == 0  # a wildcard is searched literally
    assert svc.count_customers("_") == 0


def test_sorting_and_paging(database):
    for i, name in enumerate(["丙", "甲", "乙"]):
        make_customer(f"C20231000{i + 1}", name=name, phone=f"1380000000{i}")
    codes = [r[1] for r in svc.search_customers(sort="code", descending=True)]
    assert codes == ["C202310003", "C202310002", "C202310001"]
    page = svc.search_customers(sort="code", offset=1, limit=1)
    assert [r[1] for r in page] == ["C202310002"]


# ---------------------------------------------------------------- delete / archive
def test_delete_without_history_deletes(database):
    c = make_customer()
    assert svc.delete_customer(c.id) == "deleted"
    assert not Customer.select().exists()


def test_delete_with_history_archives_and_restore(database):
    c = make_customer()
    order = make_order(c)
    VisitTask.create(customer=c, order=order, trigger="首次回访")
    assert svc.delete_customer(c.id) == "archived"
    assert Customer.get_by_id(c.id).archived
    assert ServiceOrder.select().count() == 1
    assert svc.count_customers() == 0
    assert svc.count_customers(include_archived=True) == 1
    assert svc.customer_history(c.id)["tasks"] == 1
    svc.restore_customer(c.id)
    assert not Customer.get_by_id(c.id).archived
    assert svc.count_customers() == 1


# ---------------------------------------------------------------- orders
def test_order_is_created(database):
    c = make_customer()
    o = make_order(
        c,
        product_model="KFR-35GW",
        engineer="李师傅",
        team="维修一组",
        delivered_on="2023-10-10",
        warranty_end=date(2024, 10, 10),
        is_complaint=True,
        complaint_level="二级",
        complaint_closed_at="2023-10-16 09:00",
    )
    o = ServiceOrder.get_by_id(o.id)
    assert o.customer_id == c.id
    assert o.delivered_on == date(2023, 10, 10)
    assert o.complaint_closed_at == datetime(2023, 10, 16, 9, 0)
    rows = svc.search_orders(customer_id=c.id)
    assert rows[0][1] == "GD20231015001" and rows[0][11] == "二级"


def test_future_completion_is_refused(database):
    c = make_customer()
    with pytest.raises(ValidationErrors) as info:
        make_order(c, completed_at=datetime.now() + timedelta(days=2))
    assert info.value.fields == ["完成时间"]
    with pytest.raises(ValidationErrors):
        make_order(c, completed_at=datetime.now() + timedelta(hours=1, minutes=5))
    assert not ServiceOrder.select().exists()


def test_order_rules(database):
    c = make_customer()
    with pytest.raises(ValidationErrors) as info:
        make_order(c, service_type="洗车", delivered_on="2023-10-10", warranty_end="2023-01-01")
    assert set(info.value.fields) == {"服务类型", "保修到期日"}
    with pytest.raises(ValidationErrors) as info:
        svc.create_order({"order_no": "GD1", "customer_id": None})
    assert info.value.fields == ["客户"]
    make_order(c, "GD1")
    with pytest.raises(ValidationErrors) as info:
        make_order(c, "gd1")
    assert info.value.fields == ["工单号"]
    # complaint details are dropped when the order is no complaint
    o = make_order(c, "GD2", is_complaint=False, complaint_level="三级", complaint_closed_at="2099-01-01")
    assert (o.complaint_level, o.complaint_closed_at) == (None, None)


def test_update_missing_customer_is_a_user_error(database):
    with pytest.raises(UserError):
        svc.update_customer(999, {"code": "C1", "name": "x", "phone": "13812345678"})


# ---------------------------------------------------------------- complaint times
def complaint(c: Customer, order_no="GD20231015002", **times) -> ServiceOrder:
    """A 维修 order completed 2023-10-15 10:30 that is a complaint, with the given times."""
    return make_order(c, order_no, is_complaint=True, complaint_level="一级", **times)


def error_of(info, field: str) -> str:
    return next(str(e) for e in info.value.errors if e.field == field)


def test_complaint_times_are_saved_and_may_be_left_empty(database):
    c = make_customer()
    o = complaint(c, complaint_at="2023-10-16 09:00", complaint_responded_at=datetime(2023, 10, 16, 11, 15))
    o = ServiceOrder.get_by_id(o.id)
    assert (o.complaint_at, o.complaint_responded_at) == (
        datetime(2023, 10, 16, 9),
        datetime(2023, 10, 16, 11, 15),
    )
    empty = ServiceOrder.get_by_id(complaint(c, "GD3", complaint_at="", complaint_responded_at=None).id)
    assert (empty.complaint_at, empty.complaint_responded_at) == (None, None)


def test_response_before_acceptance_is_refused(database):
    c = make_customer()
    with pytest.raises(ValidationErrors) as info:
        complaint(c, complaint_at="2023-10-16 09:00", complaint_responded_at="2023-10-16 08:30")
    assert info.value.fields == ["首次响应时间"]
    message = error_of(info, "首次响应时间")
    assert "2023-10-16 08:30 早于投诉受理时间 2023-10-16 09:00" in message
    assert "请改正首次响应时间或投诉受理时间" in message
    assert not ServiceOrder.select().exists()


def test_closing_before_the_response_is_refused(database):
    c = make_customer()
    with pytest.raises(ValidationErrors) as info:
        complaint(
            c,
            complaint_at="2023-10-16 09:00",
            complaint_responded_at="2023-10-16 12:00",
            complaint_closed_at="2023-10-16 11:00",
        )
    assert info.value.fields == ["投诉关闭时间"]
    assert "2023-10-16 11:00 早于首次响应时间 2023-10-16 12:00" in error_of(info, "投诉关闭时间")
    assert not ServiceOrder.select().exists()


def test_closing_before_acceptance_is_refused_without_a_response(database):
    c = make_customer()
    with pytest.raises(ValidationErrors) as info:
        complaint(c, complaint_at="2023-10-16 09:00", complaint_closed_at="2023-10-15 18:00")
    assert info.value.fields == ["投诉关闭时间"]
    assert "早于投诉受理时间 2023-10-16 09:00" in error_of(info, "投诉关闭时间")


def test_complaint_handling_order_answers_before_it_is_completed(database):
    c = make_customer()
    late = {"complaint_at": "2023-10-15 08:00", "complaint_responded_at": "2023-10-15 11:00"}
    with pytest.raises(ValidationErrors) as info:  # completed 10:30, first answered 11:00
        complaint(c, service_type="投诉处理", **late)
    assert info.value.fields == ["首次响应时间"]
    assert "晚于完成时间 2023-10-15 10:30" in error_of(info, "首次响应时间")
    assert "请改正首次响应时间或完成时间" in error_of(info, "首次响应时间")
    with pytest.raises(ValidationErrors) as info:
        complaint(c, service_type="投诉处理", complaint_at="2023-10-15 12:00")
    assert info.value.fields == ["投诉受理时间"]
    # a 维修 order may draw a complaint after it was completed
    o = complaint(c, **late)
    assert ServiceOrder.get_by_id(o.id).complaint_responded_at == datetime(2023, 10, 15, 11)


def test_future_complaint_times_are_refused(database):
    c = make_customer()
    soon = datetime.now() + timedelta(days=2)
    with pytest.raises(ValidationErrors) as info:
        complaint(c, complaint_at=soon, complaint_responded_at=soon)
    assert info.value.fields == ["投诉受理时间", "首次响应时间"]


def test_complaint_times_are_dropped_when_the_order_is_no_complaint(database):
    c = make_customer()
    o = make_order(
        c, is_complaint=False, complaint_at="2023-10-16 09:00", complaint_responded_at="2023-10-15"
    )
    assert (o.complaint_at, o.complaint_responded_at) == (None, None)


def test_update_without_the_times_keeps_them_and_still_checks_the_order(database):
    c = make_customer()
    o = complaint(c, complaint_at="2023-10-16 09:00", complaint_responded_at="2023-10-16 10:00")
    data = {"order_no": o.order_no, "customer_id": c.id, "completed_at": datetime(2023, 10, 15, 10, 30)}
    svc.update_order(o.id, {**data, "is_complaint": True, "complaint_closed_at": "2023-10-17 09:00"})
    o = ServiceOrder.get_by_id(o.id)
    assert (o.complaint_at, o.complaint_responded_at) == (
        datetime(2023, 10, 16, 9),
        datetime(2023, 10, 16, 10),
    )
    with pytest.raises(ValidationErrors) as info:  # closed before the stored response
        svc.update_order(o.id, {**data, "is_complaint": True, "complaint_closed_at": "2023-10-16 09:30"})
    assert info.value.fields == ["投诉关闭时间"]
    assert ServiceOrder.get_by_id(o.id).complaint_closed_at == datetime(2023, 10, 17, 9)
