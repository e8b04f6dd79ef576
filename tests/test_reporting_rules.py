"""The rules of issue 12 the reporting core fixes: verification visits apart, the template's
10-point bands, per-question 权重, one Scope for every figure."""

from datetime import date

import pytest

from desktop.models import Answer, Customer, Question, QuestionnaireTemplate, ServiceOrder, Visit, VisitTask
from desktop.services.reporting import metrics, problems, scale, statistics
from desktop.services.reporting.scope import ALL_KINDS, Scope
from desktop.services.scheduling import tasks
from desktop.services.visits.builtin_templates import BUILTIN_TEMPLATES

MAY = "2024-05"


def _template(family, questions, weights=None):
    version = 1 + max(
        [t.version for t in QuestionnaireTemplate.select().where(QuestionnaireTemplate.family == family)],
        default=0,
    )
    tpl = QuestionnaireTemplate.create(family=family, version=version, name=f"测试{family}", active=False)
    made = []
    for position, (dimension, kind) in enumerate(questions):
        weight = 1.0 if weights is None else weights[position]
        made.append(
            Question.create(
                template=tpl,
                position=position,
                text=f"{dimension}?",
                dimension=dimension,
                kind=kind,
                weight=weight,
            )
        )
    return tpl, made


def _visit(tpl, customer, order, day, values, questions, task=None, method="电话"):
    visit = Visit.create(
        customer=customer,
        order=order,
        template=tpl,
        status="已完成",
        visit_date=day,
        task=task,
        method=method,
    )
    for q, v in zip(questions, values, strict=True):
        Answer.create(visit=visit, question=q, value=v)
    return visit


@pytest.fixture
def loop(database):
    """Two ordinary May visits (满意率 1/2 on 服务态度) and two verification visits of an
    improvement action, one on the verification form without an order."""
    tpl, (att, nps) = _template("fa", [("服务态度", "level5"), ("推荐意愿", "nps")])
    vtpl, (better, solved) = _template("verification", [("改进满意度", "level5"), ("问题解决", "yesno")])
    customer = Customer.create(code="C1", name="客户甲", phone="13800000001")
    order = ServiceOrder.create(order_no="W1", customer=customer, team="一组")
    _visit(tpl, customer, order, date(2024, 5, 3), [5, 10], [att, nps])
    _visit(tpl, customer, order, date(2024, 5, 4), [2, 3], [att, nps])
    for day in (5, 6):
        task = VisitTask.create(
            customer=customer,
            trigger="二次回访" if day == 5 else "二次回访（第2轮）",
            earliest=date(2024, 5, day),
            latest=date(2024, 5, day),
            status="已完成",
        )
        _visit(vtpl, customer, None, date(2024, 5, day), [5, 1], [better, solved], task=task)
    # an ordinary task for the recovery rate
    VisitTask.create(
        customer=customer,
        order=order,
        trigger="首次回访",
        earliest=date(2024, 5, 2),
        latest=date(2024, 5, 3),
        status="已完成",
    )
    return {"att": att}


def test_verification_visits_are_not_period_figures(loop):
    flt = Scope(period=MAY)
    overall = statistics.overall(flt, today=date(2024, 6, 30))
    assert overall.valid == 2
    assert overall.counts == {5: 1, 4: 0, 3: 0, 2: 1, 1: 0}
    assert overall.satisfaction == pytest.approx(0.5)
    assert overall.nps == pytest.approx(0.0)  # one promoter, one detractor
    names = [d.dimension for d in statistics.dimension_stats(flt)]
    assert "改进满意度" not in names and "问题解决" not in names
    groups = [g.group for g in statistics.by_group(flt, "team")]
    assert groups == ["一组"]  # no "(未填写)" row from the verification visits without an order
    rows = statistics.compare(flt).rows
    assert [r.dimension for r in rows] == ["总体", "服务态度", "推荐意愿"]
    # 回收率: the verification tasks are not due visits of the period
    recovery = tasks.recovery_rate(date(2024, 5, 1), date(2024, 5, 31), today=date(2024, 6, 30))
    assert (recovery.completed, recovery.due) == (1, 1)
    # the period's figure is the same with the verification visits gone
    Visit.delete().where(
        Visit.template.in_(
            QuestionnaireTemplate.select().where(QuestionnaireTemplate.family == "verification")
        )
    ).execute()
    assert statistics.overall(flt, today=date(2024, 6, 30)).satisfaction == pytest.approx(0.5)


def test_verification_figures_have_their_own_section(loop):
    figures = statistics.verification_figures(Scope(period=MAY))
    assert figures.visits == 2 and not figures.empty
    by_name = {d.dimension: d for d in figures.dimensions}
    assert by_name["改进满意度"].satisfaction == pytest.approx(1.0)
    assert by_name["问题解决"].yes_share == pytest.approx(1.0)
    everything = statistics.overall(Scope(period=MAY, kinds=ALL_KINDS))
    assert everything.valid == 4


def test_scope_conditions_and_previous(loop):
    scope = Scope(period=MAY, team=" 一组 ", channel="", customer_group=None)
    assert scope.team == "一组" and scope.channel is None
    assert scope.previous().period.code == "2024-04"
    assert Scope(period=MAY, comparison="2023-05").previous().period.code == "2023-05"
    assert Visit.select().where(*scope.conditions()).count() == 2
    assert Visit.select().where(*scope.verification().conditions()).count() == 0  # team: no order
    assert Visit.select().where(*Scope(period=MAY).verification().conditions()).count() == 2
    assert Visit.select().where(*Scope(period=MAY, channel="问卷").conditions()).count() == 0
    assert Visit.select().where(*Scope(period=MAY, visitors=("某人",)).conditions()).count() == 0
    # problems read the same scope (old call style and a Scope alike)
    assert problems.count_negative(scope) == problems.count_negative(
        date(2024, 5, 1), date(2024, 5, 31), team="一组"
    )


def test_car_template_legend_is_its_bands():
    car = next(t for t in BUILTIN_TEMPLATES if t["family"] == "car_service")
    assert scale.legend("car_service") in car["greeting"]
    assert "5分一般" not in car["greeting"] or scale.level_of_score10(5, "car_service") == 3
    assert scale.level_of_score10(5, "car_service") == 3  # 一般, as the legend says
    assert scale.level_of_score10(5, "other") == 2  # the engineering form's 不满意 6–5


def test_statistics_band_by_the_template(database):
    car, (q,) = _template("car_service", [("接车服务", "score10")])
    other, (r,) = _template("engineering", [("接车服务", "score10")])
    customer = Customer.create(code="C1", name="客户甲", phone="13800000001")
    for value in (5, 6, 9):
        _visit(car, customer, None, date(2024, 5, 3), [value], [q])
        _visit(other, customer, None, date(2024, 5, 3), [value], [r])
    stats = {s.family: s for s in statistics.question_stats(Scope(period=MAY))}
    assert stats["car_service"].counts == {5: 1, 4: 0, 3: 2, 2: 0, 1: 0}
    assert stats["engineering"].counts == {5: 0, 4: 1, 3: 0, 2: 2, 1: 0}


def test_weight_counts_in_the_composite(database):
    tpl, (a, b) = _template("fa", [("服务态度", "level5"), ("响应速度", "level5")], weights=[1.0, 0.0])
    customer = Customer.create(code="C1", name="客户甲", phone="13800000001")
    _visit(tpl, customer, None, date(2024, 5, 3), [5, 1], [a, b])
    overall = statistics.overall(Scope(period=MAY))
    assert overall.mean == pytest.approx(3.0)  # 平均分: every answer
    assert overall.composite == pytest.approx(100.0)  # 综合得分: weight 0 not counted
    Question.update(weight=3.0).where(Question.id == b.id).execute()
    assert statistics.overall(Scope(period=MAY)).composite == pytest.approx((2.0 - 1) / 4 * 100)


def test_metric_catalogue():
    names = [m.name for m in metrics.CATALOGUE]
    for name in (
        "满意率",
        "平均分",
        "综合得分",
        "NPS",
        "回收率",
        "有效样本",
        "投诉率",
        "投诉处理及时率",
        "问题一次性解决率",
    ):
        assert name in names
        assert metrics.definition(name).startswith(name)
    assert "权重为 0" in metrics.definition("综合得分")


def test_report_lists_verification_apart(loop):
    from desktop.services.summaries import report, report_doc

    doc = report.build_report("2024-05", today=date(2024, 6, 30))
    sections = {s.title: s for s in doc.sections}
    satisfaction = next(b for b in sections["满意度分析"].blocks if isinstance(b, report_doc.Table))
    assert satisfaction.row_of("改进满意度") is None and satisfaction.row_of("服务态度") is not None
    teams = [
        b for b in sections["满意度分析"].blocks if isinstance(b, report_doc.Table) and "班组" in b.header[0]
    ]
    assert all(t.row_of("（未填写）") is None for t in teams)
    actions = sections["改进措施与责任分工"].blocks
    assert any(isinstance(b, report_doc.Paragraph) and b.text == report.VERIFY_HEADING for b in actions)
    table = next(b for b in actions if isinstance(b, report_doc.Table) and b.header == list(report.VERIFY_HEADER))
    assert table.row_of("改进满意度") == ["改进满意度", "2", "2", "100.0"]


def test_workbook_visit_kind_and_verification_sheet(loop, tmp_path):
    from openpyxl import load_workbook

    from desktop.services.summaries.workbook import book_format, export, sheets_figures

    out = tmp_path / "book.xlsx"
    export.export_workbook(out, "2024-05", today=date(2024, 6, 30))
    wb = load_workbook(out)
    ws = wb[book_format.SHEET_VISITS]
    header = [c.value for c in ws[2]]
    kind = header.index(book_format.VISIT_KIND)
    kinds = sorted(row[kind] for row in ws.iter_rows(min_row=3, values_only=True))
    assert kinds == ["二次回访", "二次回访（第2轮）", "手工", "手工"]
    verify = {row[0]: row for row in wb[book_format.SHEET_VERIFY].iter_rows(min_row=2, values_only=True) if row[0]}
    assert verify["改进满意度"][1] == 2 and verify["改进满意度"][2] == 2
    assert verify["问题解决"][-1] == pytest.approx(1.0)
    assert verify[sheets_figures.VERIFY_VISITS][1] == 2
    dims = {
        row[0]: row for row in wb[book_format.SHEET_DIMENSIONS].iter_rows(min_row=2, values_only=True) if row[0]
    }
    assert "改进满意度" not in dims
    assert dims["总体"][1] == 2  # the two ordinary level answers; the NPS answers in their own columns
    info = {row[0]: row[1] for row in wb[book_format.SHEET_INFO].iter_rows(min_row=2, values_only=True)}
    assert info["指标定义·综合得分"] == metrics.definition("综合得分")


def test_segments_one_scope_query_each(database):
    tpl, (att,) = _template("fa", [("服务态度", "level5")])
    vip = Customer.create(code="C1", name="甲", phone="13800000001", ctype="VIP客户", source="老客户介绍")
    plain = Customer.create(code="C2", name="乙", phone="13800000002", ctype="普通客户", source="网络")
    for customer, values, method in ((vip, [5, 5, 4], "电话"), (plain, [2, 3, 5, 4], "问卷")):
        for value in values:
            _visit(tpl, customer, None, date(2024, 5, 3), [value], [att], method=method)
    seg = statistics.segments(Scope(period=MAY))
    groups = {g.group: g for g in seg["customer_group"]}
    assert groups["VIP客户"].satisfaction == pytest.approx(1.0) and groups["VIP客户"].visits == 3
    assert groups["普通客户"].satisfaction == pytest.approx(0.5) and groups["普通客户"].level_n == 4
    assert {g.group for g in seg["source"]} == {"老客户介绍", "网络"}
    channel = {g.group: g for g in seg["channel"]}
    assert channel["问卷"].composite == pytest.approx((14 / 4 - 1) / 4 * 100)
    # the same figures as the scope narrowed to the group
    assert statistics.overall(Scope(period=MAY, customer_group="VIP客户")).satisfaction == pytest.approx(1.0)


def test_workbook_segment_sheet_recomputes(database, tmp_path):
    from openpyxl import load_workbook

    from desktop.services.summaries.workbook import book_format, export

    tpl, (att,) = _template("fa", [("服务态度", "level5")])
    vip = Customer.create(code="C1", name="甲", phone="13800000001", ctype="VIP客户")
    plain = Customer.create(code="C2", name="乙", phone="13800000002", ctype="普通客户")
    for customer, values in ((vip, [5, 5, 4]), (plain, [2, 3, 5, 4])):
        for value in values:
            _visit(tpl, customer, None, date(2024, 5, 3), [value], [att])
    out = tmp_path / "book.xlsx"
    export.export_workbook(out, "2024-05", today=date(2024, 6, 30))
    ws = load_workbook(out)[book_format.SHEET_SEGMENTS]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True) if r[1]]
    by_group = {(r["细分维度"], r["分组"]): r for r in rows}
    assert by_group[("客户类型", "普通客户")]["有效样本"] == 4
    for r in rows:
        if r["满意率"] is not None:
            assert r["满意率"] == pytest.approx(r["非常满意+满意"] / r["有效样本"])


def test_dashboard_keeps_verification_apart(loop):
    from desktop.services.reporting.periods import parse_period
    from desktop.services.reporting.scoring import DENOMINATOR_NOTE
    from desktop.services.summaries import dashboard

    scope = dashboard.Scope(period=parse_period(MAY), today=date(2024, 6, 30))
    tiles = dashboard.tiles(scope)
    assert tiles.visits == 2 and tiles.satisfaction == pytest.approx(50.0)
    assert dashboard.verification(scope).visits == 2
    assert dashboard.TILE_DEFINITIONS["satisfaction"] == DENOMINATOR_NOTE == metrics.definition("满意率")


def test_complaint_rate_counts_orders_completed_in_scope(database):
    from datetime import datetime

    from desktop.services.reporting import orders

    vip = Customer.create(code="C1", name="甲", phone="13800000001", ctype="VIP客户")
    plain = Customer.create(code="C2", name="乙", phone="13800000002")
    rows = [  # (customer, team, completed, is_complaint, service type)
        (vip, "一组", datetime(2024, 5, 1, 0, 0), True, "维修"),
        (vip, "一组", datetime(2024, 5, 31, 23, 59), False, "投诉处理"),
        (plain, "二组", datetime(2024, 5, 15, 9, 0), False, "维修"),
        (plain, "二组", datetime(2024, 5, 16, 9, 0), False, "安装"),
        (plain, "一组", datetime(2024, 6, 1, 0, 0), True, "维修"),  # June
        (plain, "一组", None, True, "维修"),  # not completed
    ]
    for n, (customer, team, done, complaint, kind) in enumerate(rows):
        ServiceOrder.create(
            order_no=f"W{n}",
            customer=customer,
            team=team,
            completed_at=done,
            is_complaint=complaint,
            service_type=kind,
        )
    rate = orders.complaint_rate(Scope(period=MAY))
    assert (rate.part, rate.whole) == (2, 4) and rate.value == pytest.approx(0.5)
    assert rate.definition == metrics.definition("投诉率")
    assert (lambda r: (r.part, r.whole))(orders.complaint_rate(Scope(period=MAY, team="二组"))) == (0, 2)
    vip_rate = orders.complaint_rate(Scope(period=MAY, customer_group="VIP客户"))
    assert (vip_rate.part, vip_rate.whole) == (2, 2)
    assert orders.complaint_rate(Scope(period="2024-04")).value is None


def test_signed_in_callers_scope_is_their_own_visits(team):
    """Scope.for_signed_in: a 回访员 counts the visits they made; a 主管 and 只读 count all; the
    dashboard's figures use the same restriction."""
    from conftest import TEAM_PASSWORD

    from desktop.services.admin import accounts
    from desktop.services.reporting.periods import parse_period
    from desktop.services.summaries import dashboard

    tpl, (att,) = _template("fa", [("服务态度", "level5")])
    customer = Customer.create(code="C1", name="甲", phone="13800000001")
    for visitor, value in (("钱员工", 5), ("钱员工", 2), ("王主管", 5), ("", 4)):
        Visit.update(visitor=visitor).where(
            Visit.id == _visit(tpl, customer, None, date(2024, 5, 3), [value], [att]).id
        ).execute()
    board = dashboard.Scope(period=parse_period(MAY), today=date(2024, 6, 30))
    accounts.login("qian", TEAM_PASSWORD)
    mine = Scope.for_signed_in(period=MAY)
    assert mine.visitors == ("钱员工",) and mine.narrowed
    assert statistics.overall(mine).valid == 2
    assert statistics.overall(mine).satisfaction == pytest.approx(0.5)
    assert dashboard.tiles(board).visits == 2
    for who in ("boss", "hq"):
        accounts.login(who, TEAM_PASSWORD)
        assert Scope.for_signed_in(period=MAY).visitors is None
        assert statistics.overall(Scope.for_signed_in(period=MAY)).valid == 4
        assert dashboard.tiles(board).visits == 4
