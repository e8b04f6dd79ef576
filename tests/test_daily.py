"""日报 (services.daily): seed 000's records of 2023-10-25, summed up the morning after, and its
printed page (the real PDF, read back)."""

from datetime import date, datetime

import pytest
from pypdf import PdfReader

from desktop.models import (
    Answer,
    Customer,
    ProblemCategory,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitTask,
)
from desktop.services.improvement import improvement
from desktop.services.improvement.improvement import ActionInput
from desktop.services.reporting import problem_tags, statistics
from desktop.services.reporting.periods import range_period
from desktop.services.summaries import daily

DAY = date(2023, 10, 25)  # 回访日期 of seed 000's first row
MORNING = date(2023, 10, 26)
DIMENSIONS = ("服务态度", "响应速度", "问题解决效果")

# seed 000: 空调维修 KFR-35GW, 服务工程师 李*, 电话回访; the second customer 短信回访+电话跟进
SEED_ROWS = [
    # code, name, title, method, mood, (态度, 速度, 解决), feedback, category
    (
        "C202310001",
        "张伟",
        "先生",
        "电话",
        "轻微不满",
        (4, 3, 2),
        "维修师傅第一次上门时未携带空调滤网，导致需二次预约",
        "技术能力类",
    ),
    (
        "C202310002",
        "李娜",
        "女士",
        "短信+电话跟进",
        "轻微不满",
        (5, 2, 3),
        "线上预约系统响应慢，无法实时显示工程师位置",
        "响应速度类",
    ),
    ("C202310003", "王强", "先生", "电话", "满意", (5, 5, 4), "", None),
]


def _template():
    tpl = QuestionnaireTemplate.create(family="daily_test", version=1, name="日报测试问卷", active=True)
    return [
        Question.create(template=tpl, position=n, text=f"您对{d}是否满意？", dimension=d, kind="level5")
        for n, d in enumerate(DIMENSIONS)
    ], tpl


@pytest.fixture
def seed_day(database):
    questions, tpl = _template()
    visits = []
    for n, (code, name, title, method, mood, levels, feedback, category) in enumerate(SEED_ROWS):
        customer = Customer.create(code=code, name=name, title=title, phone=f"1380013{n:04d}")
        order = ServiceOrder.create(
            order_no=f"W2023102{n}",
            customer=customer,
            service_type="维修",
            product_model="KFR-35GW",
            engineer="李工",
            completed_at=datetime(2023, 10, 20, 10, 0),
        )
        visit = Visit.create(
            customer=customer,
            order=order,
            template=tpl,
            status="已完成",
            visit_date=DAY,
            method=method,
            mood=mood,
            feedback=feedback,
        )
        Answer.insert_many(
            [
                {"visit": visit, "question": q, "value": v, "text": ""}
                for q, v in zip(questions, levels, strict=True)
            ]
        ).execute()
        if category:
            problem_tags.tag_visits([visit.id], ProblemCategory.get(ProblemCategory.name == category).id)
        visits.append(visit)
    # the day after: an overdue task, one due today, one to book (window opens Fri 10-27)
    first = visits[0]
    for trigger, earliest, latest in (
        ("首次回访", date(2023, 10, 19), date(2023, 10, 24)),
        ("交付1个月", date(2023, 10, 24), date(2023, 10, 30)),
        ("交付3个月", date(2023, 10, 27), date(2023, 11, 1)),
    ):
        VisitTask.create(
            customer=first.customer, order=first.order, trigger=trigger, earliest=earliest, latest=latest
        )
    # seed 000's improvement row: 物流部, 张*, 完成时限 2023-11-10
    improvement.create_action(
        ActionInput(
            problem="维修师傅第一次上门未携带空调滤网，导致二次预约",
            measure="建立备件库库存预警机制，低于阈值自动补货",
            department="物流部",
            owner="张明",
            deadline=date(2023, 11, 10),
            visit_ids=[first.id],
        ),
        today=MORNING,
    )
    return visits


def test_daily_figures_come_from_the_statistics(seed_day):
    f = daily.daily_figures(today=MORNING)  # yesterday by default
    assert f.day == DAY
    stats = statistics.overall(statistics.Filters(period=range_period(DAY, DAY)))
    assert f.overall.valid == stats.valid == len(SEED_ROWS)
    # seed 000's formula: 满意度 = (非常满意数 + 满意数) ÷ 总样本数 × 100%
    answers = [v for row in SEED_ROWS for v in row[5]]
    assert f.satisfied == sum(1 for v in answers if v >= 4)
    assert f.overall.satisfaction == pytest.approx(f.satisfied / len(answers))
    by_dim = {d.dimension: d for d in f.dimensions}
    for i, name in enumerate(DIMENSIONS):
        levels = [row[5][i] for row in SEED_ROWS]
        assert by_dim[name].satisfaction == pytest.approx(sum(1 for v in levels if v >= 4) / len(levels))
    assert dict(f.methods) == {"电话": 2, "短信+电话跟进": 1}
    assert f.negative == 2 and f.untagged == 0
    assert {r.name: r.count for r in f.pareto} == {"技术能力类": 1, "响应速度类": 1}
    assert f.overdue_tasks == 1 and f.today_tasks == 1 and f.to_book == 1
    assert f.overdue_actions == []  # 2023-11-10 is still ahead
    assert "回访 3 份" in f.line() and "需提前预约 1 个" in f.line()
    later = daily.daily_figures(date(2023, 11, 12), today=date(2023, 11, 13))
    assert [a.department for a in later.overdue_actions] == ["物流部"]
    assert later.overall.visits == 0


def test_daily_pdf_is_one_page_with_the_figures(seed_day, tmp_path, qapp):
    from desktop.views.printing.daily_print import job_name, write_daily_pdf

    doc = daily.build_daily(DAY, today=MORNING)
    out = write_daily_pdf(doc, tmp_path / "日报.pdf")
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    assert reader.metadata.title == job_name(doc) == "回访日报-2023-10-25"
    text = "".join(reader.pages[0].extract_text().split())
    f = daily.daily_figures(DAY, today=MORNING)
    assert "2023年10月25日回访日报" in text
    assert f"{f.overall.satisfaction * 100:.1f}%（{f.satisfied}/{f.overall.level_n}）" in text
    for name in (*DIMENSIONS, "技术能力类", "响应速度类", "未携带空调滤网"):
        assert name in text
    assert "张*" in text and "张伟" not in text  # the overdue task's customer, masked
    assert "逾期回访任务1个" in text and "需提前1–2天预约的回访1个" in text


def test_cli_daily_writes_the_pdf(seed_day, db_target, tmp_path, capsys):
    from desktop.cli import main

    out = tmp_path / "daily.pdf"
    assert (
        main(["--db", db_target, "daily", "--date", "2023-10-25", "--today", "2023-10-26", "--out", str(out)])
        == 0
    )
    assert "2023年10月25日回访日报" in capsys.readouterr().out
    text = "".join(PdfReader(str(out)).pages[0].extract_text().split())
    assert "技术能力类" in text
    assert main(["--db", db_target, "daily", "--date", "2023-10-25", "--out", str(tmp_path / "x.txt")]) == 2
    assert ".pdf" in capsys.readouterr().err
