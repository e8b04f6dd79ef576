"""The report and the workbook show 投诉率 and 投诉处理及时率 per level (goal: 上期 × 0.75, seed 004)
and 回收率 per channel against its goal (paper ≥ 70% seed 002, online ≥ 30% seed 004)."""

from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from desktop.models import Customer, ServiceOrder, VisitTask, db
from desktop.services.scheduling import chasing
from desktop.services.summaries import report
from desktop.services.summaries.workbook import book_format, export

TODAY = date(2024, 6, 10)


def _data(complaints=None, returned: int = 7):
    c = Customer.create(code="C202310001", name="张三", phone="13800001111")
    with db.atomic():
        for month, complaints_n in (complaints or {4: 8, 5: 6}).items():  # 8% then 6%: exactly the goal
            for i in range(100):
                level = "三级" if month == 5 and i == 0 else None
                received = datetime(2024, month, 6, 9, 0)
                ServiceOrder.create(
                    order_no=f"W{month}{i:03d}",
                    customer=c,
                    completed_at=datetime(2024, month, 20, 9, 0),
                    is_complaint=i < complaints_n,
                    complaint_level=level if i < complaints_n else None,
                    complaint_at=received if i < complaints_n else None,
                    complaint_responded_at=received + timedelta(hours=3) if i < complaints_n else None,
                )
        ids = [VisitTask.create(customer=c, trigger=f"手工{i}").id for i in range(10)]
    chasing.mark_sent(ids, "问卷", datetime(2024, 5, 8, 10, 0))  # seed 003: 10 handed out …
    VisitTask.update(status="已完成").where(VisitTask.id.in_(ids[:returned])).execute()  # … 7 back = 70%


def test_report_overview_names_levels_channels_and_goals(database):
    _data()
    doc = report.build_report("2024-05", today=TODAY)
    table = doc.sections[1].tables()[0]
    rows = dict((r[0], r[1]) for r in table.rows)
    assert "问卷（纸质问卷） 70.0%（7 / 10，目标 ≥70.0%，达标）" in rows["回收率（分渠道）"]
    assert "短信（线上问卷）：无数据" in rows["回收率（分渠道）"]
    assert "全部等级 6.0%（6 / 100，目标 ≤6.0%，达标）" in rows["投诉率"]
    assert "三级（严重，2 小时内响应） 1.0%（1 / 100" in rows["投诉率"]
    # answered after 3 hours: in time for 一级 (24 h), late for the 三级 one (2 h)
    assert "全部等级 83.3%（5 / 6）" in rows["投诉处理及时率"]
    assert "三级（严重，2 小时内响应） 0.0%（0 / 1）" in rows["投诉处理及时率"]


def test_workbook_sheet_has_numbers_and_goals(database, tmp_path):
    _data()
    out = tmp_path / "branch.xlsx"
    export.export_workbook(out, "2024-05", today=TODAY)
    sheet = load_workbook(out)[book_format.SHEET_FOLLOWUP]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=1, max_col=7)]
    assert rows[0] == ["指标", "分组", "分子", "分母", "比率", "目标", "是否达标"]
    by_key = {(r[0], r[1]): r for r in rows[1:] if r[0]}
    rate = by_key[("投诉率", "全部等级")]
    assert rate[2:4] == [6, 100] and abs(rate[4] - 0.06) < 1e-9 and abs(rate[5] - 0.06) < 1e-9
    assert rate[6] == "达标"
    timely = by_key[("投诉处理及时率", "三级（严重，2 小时内响应）")]
    assert timely[2:4] == [0, 1]
    paper = by_key[("回收率", "问卷（纸质问卷）")]
    assert paper[2:7] == [7, 10, 0.7, 0.7, "达标"]
    assert by_key[("回收率", "微信（线上问卷）")][5] == 0.3


def test_consolidated_workbook_pools_the_sheet(tmp_path):
    """总部合并 (issue 14 item 3/4): the 投诉与回收 sheet of the merged workbook adds up each
    branch's counts and recomputes the rates — 投诉率's goal from the pooled previous period —
    and keeps every branch's own rows beside them."""
    from desktop.models.connection import close_database
    from desktop.services.maintenance.bootstrap import open_app_database
    from desktop.services.summaries.workbook import consolidate

    branches = (("城东分店", 6, 8, 7), ("城西分店", 12, 4, 3))  # complaints May / April, paper back
    for name, now_n, before_n, back in branches:
        open_app_database(tmp_path / f"{name}.db")
        try:
            _data(complaints={4: before_n, 5: now_n}, returned=back)
            export.export_workbook(tmp_path / f"{name}.xlsx", "2024-05", branch=name, today=TODAY)
        finally:
            close_database()
    out = tmp_path / "全部.xlsx"
    consolidate.consolidate([tmp_path / f"{name}.xlsx" for name, *_ in branches], out)
    wb = load_workbook(out)
    assert book_format.SHEET_FOLLOWUP in wb.sheetnames
    rows = [[c.value for c in row] for row in wb[book_format.SHEET_FOLLOWUP].iter_rows(min_row=1, max_col=8)]
    assert rows[0] == ["分支", "指标", "分组", "分子", "分母", "比率", "目标", "是否达标"]
    by_key = {tuple(r[:3]): r[3:] for r in rows[1:] if r[1]}
    pooled = by_key[("全部分支", "投诉率", "全部等级")]
    assert pooled[:2] == [18, 200] and abs(pooled[2] - 0.09) < 1e-9
    assert abs(pooled[3] - (8 + 4) / 200 * 0.75) < 1e-9 and pooled[4] == "未达标"  # goal 4.5%
    assert by_key[("全部分支", "投诉率", "上期（全部等级）")][:2] == [12, 200]
    assert by_key[("城东分店", "投诉率", "全部等级")][:2] == [6, 100]
    assert by_key[("城东分店", "投诉率", "全部等级")][4] == "达标"
    assert by_key[("全部分支", "投诉处理及时率", "三级（严重，2 小时内响应）")][:2] == [0, 2]
    paper = by_key[("全部分支", "回收率", "问卷（纸质问卷）")]
    assert paper == [10, 20, 0.5, 0.7, "未达标"]
    assert by_key[("全部分支", "回收率", "微信（线上问卷）")][3] == 0.3
