"""销售跟进 (seed 002: 了解到客户有再次购买的欲望 … 及时反馈给相关销售负责人): every visit flagged
再购意向 is a lead with who, what, when and the outcome, and the list has its own .xlsx export."""

from datetime import date

import pytest
from openpyxl import load_workbook

from desktop.models import SalesLead, Visit
from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.visits import sales_followup as sales
from tests.test_improvement import make_visit

SEED_FEEDBACK = "维修师傅第一次上门时未携带空调滤网，导致需二次预约"


@pytest.fixture
def leads(database):
    """The seed's customer C202310001 (空调维修 KFR-35GW) wants another unit; 李娜 does not."""
    wants = make_visit("张伟", "13812345678", "C202310001", (4, 3, 2), SEED_FEEDBACK, day=date(2023, 10, 25))
    Visit.update(repurchase=True, visitor="王芳").where(Visit.id == wants.id).execute()
    other = make_visit("李娜", "13987654321", "C202310002", (3, 2, 2), "备件没货", day=date(2023, 10, 26))
    draft = make_visit("赵六", "13700001111", "C202310003", day=date(2023, 10, 27))
    Visit.update(repurchase=True, status="草稿").where(Visit.id == draft.id).execute()
    return wants, other


def test_a_repurchase_visit_is_a_lead_until_followed_up(leads):
    wants, other = leads
    rows = sales.lead_rows()
    assert [r.visit_id for r in rows] == [wants.id]  # not the visit without 再购意向, not the draft
    row = rows[0]
    assert (row.customer, row.customer_code, row.service_type, row.product_model) == (
        "张伟",
        "C202310001",
        "维修",
        "KFR-35GW",
    )
    assert (row.salesperson, row.outcome, row.follow_up_on, row.feedback) == ("", "待跟进", None, SEED_FEEDBACK)
    assert sales.counts()[sales.OPEN] == 1
    with pytest.raises(UserError, match="再购意向"):
        sales.save_lead(other.id, sales.LeadInput(salesperson="陈经理"))
    with pytest.raises(ValidationErrors) as err:
        sales.save_lead(wants.id, sales.LeadInput(outcome="已成交", follow_up_on="2023-13-01"))
    assert set(err.value.fields) == {"跟进日期"}
    with pytest.raises(ValidationErrors, match="跟进人"):
        sales.save_lead(wants.id, sales.LeadInput(outcome="已成交"))
    saved = sales.save_lead(
        wants.id,
        sales.LeadInput(salesperson="陈经理", interest="再购一台KFR-35GW柜机", follow_up_on="2023-10-27", outcome="跟进中"),
    )
    assert (saved.salesperson, saved.interest, saved.follow_up_on, saved.outcome) == (
        "陈经理",
        "再购一台KFR-35GW柜机",
        date(2023, 10, 27),
        "跟进中",
    )
    assert saved.overdue(date(2023, 10, 30)) and not saved.overdue(date(2023, 10, 27))
    sales.save_lead(wants.id, sales.LeadInput(salesperson="陈经理", interest="再购一台", outcome="已成交"))
    assert SalesLead.select().count() == 1  # updated, not a second row
    assert [r.visit_id for r in sales.lead_rows("已成交")] == [wants.id]
    assert sales.lead_rows(sales.OPEN) == []
    assert sales.counts()["已成交"] == 1


def test_export_writes_a_real_workbook_read_back(leads, tmp_path):
    wants, _other = leads
    sales.save_lead(
        wants.id,
        sales.LeadInput(salesperson="陈经理", interest="再购一台KFR-35GW柜机", follow_up_on=date(2023, 10, 27)),
    )
    out = tmp_path / "out"
    out.mkdir()
    path, n = sales.export_leads(out / "销售跟进", mask=True)
    assert path == out / "销售跟进.xlsx" and n == 1
    assert [p.name for p in out.iterdir()] == ["销售跟进.xlsx"]  # no temporary file left
    sheet = load_workbook(path)[sales.SHEET]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == list(sales.HEADER)
    row = dict(zip(sales.HEADER, values[1], strict=True))
    assert row["客户"] == "张*" and row["联系电话"] == "138****5678"
    assert row["客户编号"] == "C202310001" and row["客户反馈"] == SEED_FEEDBACK
    assert (row["跟进人"], row["意向内容"], row["跟进结果"]) == ("陈经理", "再购一台KFR-35GW柜机", "待跟进")
    assert row["回访日期"].date() == date(2023, 10, 25) and row["跟进日期"].date() == date(2023, 10, 27)
    assert sheet.freeze_panes == "A2"
    full, _ = sales.export_leads(tmp_path / "full.xlsx", mask=False)
    assert load_workbook(full)[sales.SHEET]["D2"].value == "13812345678"
