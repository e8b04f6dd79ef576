"""Pinyin initials find customers (hsy → 黄思远) in every customer search, kept up to date on
every write path of a name (dialog save, import, demo data) and filled for older databases."""

from datetime import date, datetime

import openpyxl
from test_migrations import downgrade

from desktop.models import Customer
from desktop.models.connection import close_database
from desktop.models.migrations import SCHEMA_VERSION
from desktop.services.common.pinyin import name_keys, query_letters
from desktop.services.intake import customers as svc
from desktop.services.intake import importer
from desktop.services.maintenance.bootstrap import open_app_database
from desktop.services.scheduling import tasks
from desktop.services.visits import visit_list


def _names(rows, index=2):
    return {row[index] for row in rows}


def make(code, name, phone):
    return svc.create_customer({"code": code, "name": name, "phone": phone})


def test_name_keys_initials_full_pinyin_and_surname_readings():
    assert name_keys("黄思远") == " hsy huangsiyuan"
    # a polyphonic surname is read as a surname first; the everyday reading is kept too
    assert name_keys("曾国藩").startswith(" zgf zengguofan")
    assert name_keys("单田芳").startswith(" stf shantianfang")
    assert name_keys("仇英").startswith(" qy qiuying")
    assert name_keys("吕布") == " lb lvbu"
    assert name_keys("ABC科技") == " abckj abckeji"
    assert name_keys("") == ""
    assert (
        query_letters("HS y") == query_letters("ｈｓｙ") == "hsy"
        and query_letters("黄s") is None
        and query_letters("138") is None
    )


def test_initials_find_the_customer_case_insensitive_prefix(database):
    make("C001", "黄思远", "13800000001")
    make("C002", "何松", "13800000002")
    make("C003", "曾国藩", "13800000003")
    assert _names(svc.search_customers("hsy")) == {"黄思远"}
    assert _names(svc.search_customers("HSY")) == {"黄思远"}
    assert _names(svc.search_customers("hs")) == {"黄思远", "何松"}  # a prefix of the initials
    assert _names(svc.search_customers("huangsi")) == {"黄思远"}  # full pinyin, too
    assert svc.search_customers("sy") == []  # the initials' start, not any part of them
    assert _names(svc.search_customers("zgf")) == {"曾国藩"}  # 曾 as a surname: zeng
    assert svc.count_customers("hsy") == 1
    # the old searches still work
    assert _names(svc.search_customers("思远")) == {"黄思远"}
    assert _names(svc.search_customers("C003")) == {"曾国藩"}
    assert _names(svc.search_customers("13800000002")) == {"何松"}


def test_initials_find_orders_tasks_visits_and_the_form_picker(database):
    from desktop.models import QuestionnaireTemplate, Visit, VisitTask

    c = make("C001", "黄思远", "13800000001")
    other = make("C002", "李四", "13800000002")
    order = svc.create_order(
        {"order_no": "GD1", "customer_id": c.id, "service_type": "维修", "completed_at": datetime(2024, 5, 6)}
    )
    assert [r[2] for r in svc.search_orders("hsy")] == ["黄思远"]  # 服务工单 list
    assert svc.count_orders("HSY") == 1
    assert {cid for cid, _oid, _label in visit_list.pick_rows("hsy")} == {c.id}  # the form's picker
    for who in (c, other):
        VisitTask.create(customer=who, order=order if who is c else None, trigger="手工")
    found = tasks.search_tasks(tasks.TaskFilter(bucket="全部", text="hsy"), today=date(2024, 5, 8))
    assert [row[1] for row in found] == ["黄思远"]  # 回访任务 list
    template = QuestionnaireTemplate.select().first()
    for who in (c, other):
        Visit.create(customer=who, template=template, visit_date=date(2024, 5, 8))
    assert visit_list.count_visits("hsy") == 1  # 回访记录 list


def test_edit_keeps_the_pinyin_in_step(database):
    c = make("C001", "黄思远", "13800000001")
    svc.update_customer(c.id, {"code": "C001", "name": "单雄信", "phone": "13800000001"})
    assert svc.search_customers("hsy") == []
    assert _names(svc.search_customers("sxx")) == {"单雄信"}  # 单 as a surname: shan


def test_import_writes_the_pinyin_on_insert_and_update(database, tmp_path):
    path = tmp_path / "c.xlsx"

    def write(rows):
        book = openpyxl.Workbook()
        book.active.append(["客户编号", "客户姓名", "联系电话"])
        for row in rows:
            book.active.append(row)
        book.save(path)

    write([["C001", "黄思远", "13800000001"], ["C002", "仇英", "13800000002"]])
    importer.run_import(path, "customers", today=date(2024, 11, 1))
    assert _names(svc.search_customers("hsy")) == {"黄思远"}
    assert _names(svc.search_customers("qy")) == {"仇英"}  # 仇 as a surname: qiu
    write([["C001", "黄晓明", "13800000001"]])
    importer.run_import(path, "customers", mode="update", today=date(2024, 11, 1))
    assert svc.search_customers("hsy") == []
    assert _names(svc.search_customers("hxm")) == {"黄晓明"}


def test_demo_customers_have_their_pinyin(database):
    from desktop.services.demo import demo

    demo.generate_demo(customers=30, seed=7, today=date(2024, 11, 1))
    for name, keys in Customer.select(Customer.name, Customer.name_py).tuples():
        assert keys == name_keys(name)


def test_only_readers_phone_rule_is_kept(database, team):
    from desktop.services.admin import accounts

    make_as = accounts.login("boss", "team2026pw")
    assert make_as
    make("C001", "黄思远", "13812345678")
    accounts.sign_out()
    accounts.login("hq", "team2026pw")  # 只读: the whole number only, pinyin as everyone
    assert svc.search_customers("5678") == []
    assert _names(svc.search_customers("13812345678")) == {"黄思远"}
    assert _names(svc.search_customers("hsy")) == {"黄思远"}


def test_migration_fills_the_pinyin_of_existing_customers(tmp_path):
    path = tmp_path / "v3.db"
    open_app_database(path)
    for i in range(1203):  # more than one batch
        Customer.create(code=f"C{i:05d}", name="黄思远" if i == 1202 else f"客户{i}", phone="13800000000")
    close_database()
    downgrade(path, 3)  # a release-3 database: no pinyin column
    open_app_database(path)
    try:
        assert SCHEMA_VERSION >= 4
        assert _names(svc.search_customers("hsy")) == {"黄思远"}
        assert Customer.get(Customer.code == "C00000").name_py == name_keys("客户0")
        assert Customer.select().where(Customer.name_py == "").count() == 0
    finally:
        close_database()
