"""Issue 16 item 5: the channel as one field — 满意率, NPS and 综合得分 by 回访方式 beside 回收率 by
发放渠道 (``reporting.channels``), read by the report's 表2-3 and the workbook's 分渠道 sheet.

The figures, by hand (May 2024, one 5-level question and one 0–10 question):
  电话      3 visits: levels 5, 4, 2 → 满意率 2/3; NPS 10, 9, 3 → (2 − 1) / 3 = 33.3
  问卷      2 visits: levels 5, 3 → 1/2; NPS 8, 6 → (0 − 1) / 2 = −50
  柜台自助  1 visit: 5 → 1/1; NPS 10 → 100
  扫码问卷  1 visit (a paper form sent as 问卷 whose QR code was answered): 4 → 1/1; NPS 9 → 100
sent in May: 问卷 4 (2 back, one of them by 扫码问卷) → 50% < 70% 未达标; 微信 2 (1 back) → 50% ≥ 30%
达标; 柜台自助 1 (1 back) → 100%; a 问卷 sent in June does not count in May.
"""

from datetime import date, datetime

import pytest

from desktop.models import Customer, ServiceOrder, VisitTask
from desktop.services.reporting import channels, statistics
from desktop.services.reporting.periods import parse_period
from desktop.services.reporting.scope import Scope
from desktop.services.scheduling import chasing
from tests.test_reporting_rules import _template, _visit

MAY = "2024-05"


@pytest.fixture
def may(database):
    tpl, questions = _template("ch", [("服务质量", "level5"), ("推荐意愿", "nps")])
    customer = Customer.create(code="C1", name="客户甲", phone="13800000001")

    def task(no, channel, sent_at, back):
        order = ServiceOrder.create(order_no=no, customer=customer)
        t = VisitTask.create(customer=customer, order=order, trigger="首次回访")
        chasing.mark_sent([t.id], channel, sent_at)
        if back:
            VisitTask.update(status="已完成").where(VisitTask.id == t.id).execute()
        return t

    for values in ((5, 10), (4, 9), (2, 3)):
        _visit(tpl, customer, None, date(2024, 5, 3), list(values), questions, method="电话")
    for values in ((5, 8), (3, 6)):
        _visit(tpl, customer, None, date(2024, 5, 4), list(values), questions, method="问卷")
    paper = [task(f"P{i}", "问卷", datetime(2024, 5, 2, 9), back=i < 2) for i in range(4)]
    _visit(tpl, customer, None, date(2024, 5, 6), [4, 9], questions, task=paper[0], method="扫码问卷")
    task("J1", "问卷", datetime(2024, 6, 2, 9), back=True)  # June: not May's
    for i in range(2):
        task(f"W{i}", "微信", datetime(2024, 5, 10, 9), back=i == 0)
    counter = task("K1", "柜台自助", datetime(2024, 5, 20, 9), back=True)
    _visit(tpl, customer, None, date(2024, 5, 20), [5, 10], questions, task=counter, method="柜台自助")
    return Scope(period=parse_period(MAY))


def test_channel_rows_by_hand(may):
    rows = {r.channel: r for r in channels.channel_rows(may)}
    assert list(rows) == ["电话", "问卷", "扫码问卷", "柜台自助", "微信"]  # 回访方式 order, then 微信
    phone = rows["电话"]
    assert (phone.visits, phone.level_n, phone.satisfied) == (3, 3, 2)
    assert phone.satisfaction == pytest.approx(2 / 3) and phone.nps == pytest.approx(100 / 3)
    assert (phone.sent, phone.recovery, phone.goal, phone.verdict) == (0, None, None, "—")  # never sent
    paper = rows["问卷"]
    assert paper.satisfaction == pytest.approx(0.5) and paper.nps == pytest.approx(-50)
    assert (paper.sent, paper.returned, paper.recovery, paper.goal, paper.met) == (4, 2, 0.5, 0.70, False)
    assert rows["扫码问卷"].visits == 1 and rows["扫码问卷"].sent == 0  # counted under 问卷's 回收率
    assert (rows["柜台自助"].sent, rows["柜台自助"].returned, rows["柜台自助"].verdict) == (1, 1, "达标")
    wechat = rows["微信"]
    assert (wechat.visits, wechat.satisfaction, wechat.recovery, wechat.met) == (0, None, 0.5, True)
    # 综合得分 is the statistics' own figure for that 回访方式, not recomputed here
    by_method = {g.group: g for g in statistics.by_group(may, "channel")}
    assert phone.composite == pytest.approx(by_method["电话"].composite) and phone.composite is not None


def test_the_scope_channel_filter_is_the_rows_figure(may):
    narrowed = statistics.overall(Scope(period=may.period, channel="问卷"))
    assert narrowed.satisfaction == pytest.approx(0.5)


def test_the_report_shows_the_channel_table(may):
    from desktop.services.summaries.report import build_report
    from desktop.services.summaries.report_doc import Table

    doc = build_report(MAY, today=date(2024, 6, 30))
    tables = [b for s in doc.sections for b in s.blocks if isinstance(b, Table) and b.caption.startswith("表2-3")]
    assert len(tables) == 1
    rows = {r[0]: r for r in tables[0].rows}
    assert rows["问卷"] == ["问卷", "2", "50.0", "-50.0", rows["问卷"][4], "4", "2", "50.0", "70", "未达标"]
    assert rows["微信"][1:4] == ["0", "—", "—"] and rows["微信"][7:] == ["50.0", "30", "达标"]
    assert rows["电话"][5:] == ["—", "—", "—", "—", "—"]


def test_the_workbook_channel_sheet_reads_back(may, tmp_path):
    from openpyxl import load_workbook

    from desktop.services.summaries.workbook import book_format, export

    out = tmp_path / "book.xlsx"
    export.export_workbook(out, MAY, today=date(2024, 6, 30))
    wb = load_workbook(out)
    assert book_format.SHEET_CHANNELS == "分渠道" and "分渠道" in wb.sheetnames
    ws = wb["分渠道"]
    header = [c.value for c in ws[1]]
    rows = {}
    for r in ws.iter_rows(min_row=2, values_only=True):
        if r[0] is None:  # the blank row before the note
            break
        rows[r[0]] = dict(zip(header, r, strict=False))
    assert list(rows) == ["电话", "问卷", "扫码问卷", "柜台自助", "微信"]
    paper = rows["问卷"]
    assert (paper["有效回访"], paper["有效样本"], paper["非常满意+满意"], paper["发放"], paper["收回"]) == (2, 2, 1, 4, 2)
    assert paper["满意率"] == pytest.approx(0.5) and paper["NPS"] == pytest.approx(-50)
    assert paper["回收率"] == pytest.approx(0.5) and paper["回收率目标"] == pytest.approx(0.7)
    assert paper["是否达标"] == "未达标"
    assert rows["电话"]["发放"] is None and rows["电话"]["回收率"] is None
    assert rows["微信"]["有效回访"] == 0 and rows["微信"]["满意率"] is None and rows["微信"]["是否达标"] == "达标"
    for r in rows.values():  # every rate recomputes from the counts beside it
        if r["满意率"] is not None:
            assert r["满意率"] == pytest.approx(r["非常满意+满意"] / r["有效样本"])
        if r["回收率"] is not None:
            assert r["回收率"] == pytest.approx(r["收回"] / r["发放"])
    # 投诉与回收 lists the new channels too
    followup = [r for r in wb["投诉与回收"].iter_rows(values_only=True) if r[0] == "回收率"]
    assert {r[1] for r in followup} >= {"柜台自助（现场填写）", "线上问卷（问卷平台）"}


def test_the_channel_filter_narrows_the_sends_too(may):
    rows = channels.channel_rows(Scope(period=may.period, channel="问卷"))
    assert [(r.channel, r.visits, r.sent) for r in rows] == [("问卷", 2, 4)]
