"""An independent check of the figures (issue 12, item 4): a reference calculator in plain
Python over the raw rows, sharing no code with the services, run on small randomised databases
(hypothesis) and compared with ``statistics`` and the workbook's 维度统计.

The reference restates the rules from DOMAIN.md §3 on its own: which visits count (已完成, not
invalid, not a verification visit, inside the period), the 5-level reading of a 1–10 score by
the template's printed bands, 满意率 = top-2 ÷ level answers, NPS on 0–10 answers, 综合得分 as
the 权重-weighted mean on 0–100.
"""

import os
from collections import defaultdict
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.models import (
    Answer,
    Customer,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitTask,
    db,
)

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
SETTINGS = {
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "deadline": None,
}

MAY = (date(2024, 5, 1), date(2024, 5, 31))
# (family, [(dimension, kind)]): an engineering-banded form and the car form (its own bands)
FORMS = {
    "ref_a": [
        ("服务态度", "level5"),
        ("响应速度", "level5"),
        ("施工质量", "score10"),
        ("推荐意愿", "nps"),
        ("落实度", "yesno"),
    ],
    "car_service": [("接车服务", "score10"), ("服务态度", "level5"), ("推荐意愿", "nps")],
    "verification": [("改进满意度", "level5"), ("问题解决", "yesno")],
}


# ---------------------------------------------------------------- the reference calculator
def ref_level(kind, value, family):
    if kind == "level5":
        return value
    if kind != "score10":
        return None
    if family == "car_service":  # 1–2 非常不满意, 3–4 不满意, 5–6 一般, 7–8 满意, 9–10 非常满意
        return (value + 1) // 2
    if value == 10:
        return 5
    if value >= 8:
        return 4
    if value == 7:
        return 3
    if value >= 5:
        return 2
    return 1


def reference(rows):
    """rows: dicts of visit (family, status, invalid, verification, day) and answers
    [(dimension, kind, value, weight)]. Returns overall and per-dimension figures."""
    dims = defaultdict(
        lambda: {"levels": defaultdict(int), "nps": [], "yes": 0, "yes_n": 0, "w": 0.0, "wl": 0.0}
    )
    total = {"levels": defaultdict(int), "nps": [], "w": 0.0, "wl": 0.0}
    channels = defaultdict(lambda: {"levels": defaultdict(int), "nps": [], "w": 0.0, "wl": 0.0, "visits": 0})
    visits = invalid = negative = 0
    for r in rows:
        if r["status"] != "已完成" or r["verification"] or not (MAY[0] <= r["day"] <= MAY[1]):
            continue
        visits += 1
        if r["invalid"]:
            invalid += 1
            continue
        channel = channels[r["method"]]
        channel["visits"] += 1
        low = False
        for dimension, kind, value, weight in r["answers"]:
            d = dims[dimension]
            level = ref_level(kind, value, r["family"])
            low = low or (
                (level is not None and level <= 2)
                or (kind == "nps" and value <= 6)
                or (kind == "yesno" and value == 0 and "落实" in dimension)
            )
            if kind == "nps":
                channel["nps"].append(value)
            if level is not None:
                for bucket in (d, total, channel):
                    bucket["levels"][level] += 1
                    bucket["w"] += weight
                    bucket["wl"] += weight * level
            elif kind == "nps":
                d["nps"].append(value)
                total["nps"].append(value)
            elif kind == "yesno":
                d["yes_n"] += 1
                d["yes"] += value
        negative += low

    def figures(b):
        n = sum(b["levels"].values())
        nps_n = len(b["nps"])
        return {
            "counts": {lv: b["levels"].get(lv, 0) for lv in (5, 4, 3, 2, 1)},
            "level_n": n,
            "satisfaction": (b["levels"][5] + b["levels"][4]) / n if n else None,
            "mean": sum(lv * c for lv, c in b["levels"].items()) / n if n else None,
            "composite": ((b["wl"] / b["w"]) - 1) / 4 * 100 if b["w"] > 0 else None,
            "nps": (sum(v >= 9 for v in b["nps"]) - sum(v <= 6 for v in b["nps"])) * 100 / nps_n
            if nps_n
            else None,
            "nps_n": nps_n,
        }

    return {
        "visits": visits,
        "invalid": invalid,
        "negative": negative,
        "channels": {name: figures(c) | {"visits": c["visits"]} for name, c in channels.items()},
        "overall": figures(total),
        "dims": {name: figures(d) | {"yes": d["yes"], "yes_n": d["yes_n"]} for name, d in dims.items()},
    }


# ---------------------------------------------------------------- random small databases
def _answer_value(kind):
    return {
        "level5": st.integers(1, 5),
        "score10": st.integers(1, 10),
        "nps": st.integers(0, 10),
        "yesno": st.integers(0, 1),
    }[kind]


@st.composite
def visit_rows(draw):
    family = draw(st.sampled_from(sorted(FORMS)))
    answers = []
    for i, (_dimension, kind) in enumerate(FORMS[family]):
        value = draw(st.sampled_from([None]) | _answer_value(kind) | _answer_value(kind))
        answers.append((i, value))
    return {
        "family": family,
        "status": draw(st.sampled_from(["已完成", "已完成", "已完成", "草稿"])),
        "invalid": draw(st.sampled_from([False, False, True])),
        "by_task": draw(
            st.sampled_from([False, False, False, True])
        ),  # a verification visit through its task (二次回访)
        "day": draw(
            st.sampled_from([date(2024, 4, 30), date(2024, 5, 1), date(2024, 5, 17), date(2024, 5, 31)])
        ),
        "method": draw(st.sampled_from(["电话", "电话", "问卷"])),
        "answers": answers,
    }


weights_strategy = st.lists(st.sampled_from([0.0, 1.0, 2.0, 0.5]), min_size=5, max_size=5)


def _build(rows, weights):
    customer = Customer.create(code="R1", name="参照客户", phone="13800000009")
    order = ServiceOrder.create(order_no="R-W1", customer=customer, team="参照组")
    forms = {}
    for family, questions in FORMS.items():
        version = 100 + QuestionnaireTemplate.select().where(QuestionnaireTemplate.family == family).count()
        tpl = QuestionnaireTemplate.create(family=family, version=version, name=f"参照{family}", active=False)
        made = [
            Question.create(
                template=tpl, position=i, text=f"{d}?", dimension=d, kind=k, weight=weights[i % len(weights)]
            )
            for i, (d, k) in enumerate(questions)
        ]
        forms[family] = (tpl, made)
    out = []
    for n, r in enumerate(rows):
        tpl, questions = forms[r["family"]]
        verification = r["family"] == "verification"
        task = None
        if r["by_task"] and r["family"] != "verification":
            # an ordinary form used for a verification task still counts as verification
            task = VisitTask.create(customer=customer, order=None, trigger=f"二次回访（第{n}轮）")
            verification = True
        visit = Visit.create(
            customer=customer,
            order=order,
            template=tpl,
            status=r["status"],
            invalid=r["invalid"],
            visit_date=r["day"],
            task=task,
            method=r["method"],
        )
        answers = []
        for i, value in r["answers"]:
            if value is None:
                continue
            q = questions[i]
            Answer.create(visit=visit, question=q, value=value)
            answers.append((q.dimension, q.kind, value, q.weight))
        out.append(r | {"verification": verification, "answers": answers})
    return out


def _check(raw, weights):
    from desktop.services.reporting import statistics
    from desktop.services.reporting.scope import Scope

    rows = _build(raw, weights)
    ref = reference(rows)
    flt = Scope(period="2024-05")
    overall = statistics.overall(flt, today=date(2024, 6, 30))
    assert overall.visits == ref["visits"] and overall.invalid == ref["invalid"]
    o = ref["overall"]
    assert overall.counts == o["counts"]
    assert overall.level_n == o["level_n"]
    assert overall.satisfaction == pytest.approx(o["satisfaction"])
    assert overall.mean == pytest.approx(o["mean"])
    assert overall.composite == pytest.approx(o["composite"])
    assert overall.nps == pytest.approx(o["nps"]) and overall.nps_n == o["nps_n"]
    stats = {d.dimension: d for d in statistics.dimension_stats(flt)}
    assert set(stats) == set(ref["dims"])
    for name, d in ref["dims"].items():
        s = stats[name]
        assert s.counts == d["counts"], name
        assert s.satisfaction == pytest.approx(d["satisfaction"]), name
        assert s.nps == pytest.approx(d["nps"]), name
        assert (s.yes, s.yes_n) == (d["yes"], d["yes_n"]), name
    # the KPI's automatic CSAT: (非常满意 + 满意, level answers) of the period's counted visits
    from desktop.services.kpi import automatic, kpi
    from desktop.services.reporting.periods import parse_period

    assert automatic.csat_counts(parse_period("2024-05"), kpi.ALL_TEAMS) == (
        o["counts"][5] + o["counts"][4],
        o["level_n"],
    )
    return ref


@settings(max_examples=40, **SETTINGS)
@given(raw=st.lists(visit_rows(), max_size=14), weights=weights_strategy)
def test_statistics_equal_the_reference(database, raw, weights):
    with db.atomic() as txn:
        try:
            _check(raw, weights)
        finally:
            txn.rollback()


@settings(max_examples=8, **SETTINGS)
@given(raw=st.lists(visit_rows(), min_size=1, max_size=10), weights=weights_strategy)
def test_report_overall_row_equals_the_reference(database, raw, weights):
    from desktop.services.summaries import report, report_doc

    with db.atomic() as txn:
        try:
            ref = _check(raw, weights)
            doc = report.build_report("2024-05", today=date(2024, 6, 30))
        finally:
            txn.rollback()
    section = next(s for s in doc.sections if s.title == "满意度分析")
    table = next(b for b in section.blocks if isinstance(b, report_doc.Table))
    row = table.row_of("总体满意度")
    o = ref["overall"]
    if o["level_n"]:
        assert row[2] == f"{o['satisfaction'] * 100:.1f}" and row[1] == f"{o['mean']:.2f}"


@settings(max_examples=6, **SETTINGS)
@given(raw=st.lists(visit_rows(), min_size=1, max_size=10), weights=weights_strategy)
def test_workbook_dimension_sheet_equals_the_reference(database, raw, weights, tmp_path_factory):
    from openpyxl import load_workbook

    from desktop.services.summaries.workbook import book_format, export

    with db.atomic() as txn:
        try:
            ref = _check(raw, weights)
            out = tmp_path_factory.mktemp("ref") / "book.xlsx"
            export.export_workbook(out, "2024-05", today=date(2024, 6, 30))
        finally:
            txn.rollback()
    ws = load_workbook(out)[book_format.SHEET_DIMENSIONS]
    header = [c.value for c in ws[1]]
    table = {}
    for values in ws.iter_rows(min_row=2, values_only=True):
        if values[0] is None:
            break
        table[values[0]] = dict(zip(header, values, strict=False))
    assert set(table) == {"总体"} | set(ref["dims"])
    for name, d in [("总体", ref["overall"]), *ref["dims"].items()]:
        row = table[name]
        assert [row[x] for x in ("非常满意", "满意", "一般", "不满意", "非常不满意")] == [
            d["counts"][lv] for lv in (5, 4, 3, 2, 1)
        ], name
        if d["level_n"]:
            assert row["有效样本"] == d["level_n"], name
            assert row["满意率"] == pytest.approx(d["satisfaction"]), name
            assert row["满意率"] == pytest.approx((row["非常满意"] + row["满意"]) / row["有效样本"]), name
        else:
            assert row["满意率"] is None, name
        if d["nps_n"]:
            assert row["NPS"] == pytest.approx(d["nps"]), name


# ---------------------------------------------------------------- the other surfaces
def _pct_or_none(fraction):
    return None if fraction is None else fraction * 100


@settings(max_examples=10, **SETTINGS)
@given(raw=st.lists(visit_rows(), max_size=12), weights=weights_strategy)
def test_dashboard_and_analysis_equal_the_reference(database, raw, weights):
    """工作台's tiles and 改进验证 count; 问题分析's negative visits and 细分对比 by channel."""
    from desktop.services.reporting import problems, statistics
    from desktop.services.reporting.periods import parse_period
    from desktop.services.reporting.scope import Scope
    from desktop.services.summaries import dashboard

    with db.atomic() as txn:
        try:
            ref = _check(raw, weights)
            scope = dashboard.Scope(period=parse_period("2024-05"), today=date(2024, 6, 30))
            tiles = dashboard.tiles(scope)
            verification = dashboard.verification(scope)
            negative = problems.count_negative(Scope(period="2024-05"))
            channels = {
                g.group: g for g in statistics.segments(Scope(period="2024-05"), ("channel",))["channel"]
            }
            verify_visits = sum(
                1
                for r in raw
                if r["status"] == "已完成"
                and not r["invalid"]
                and (r["family"] == "verification" or r["by_task"])
                and MAY[0] <= r["day"] <= MAY[1]
            )
        finally:
            txn.rollback()
    o = ref["overall"]
    assert tiles.visits == ref["visits"] - ref["invalid"]
    assert tiles.satisfaction == pytest.approx(_pct_or_none(o["satisfaction"]))
    assert tiles.nps == pytest.approx(o["nps"]) and tiles.nps_n == o["nps_n"]
    assert verification.visits == verify_visits
    assert negative == ref["negative"]
    assert {name for name, c in ref["channels"].items() if c["visits"]} == {
        name for name, g in channels.items() if g.visits
    }
    for name, c in ref["channels"].items():
        g = channels[name]
        assert (g.visits, g.level_n, g.nps_n) == (c["visits"], c["level_n"], c["nps_n"]), name
        assert g.satisfaction == pytest.approx(c["satisfaction"]), name
        assert g.nps == pytest.approx(c["nps"]), name
        assert g.composite == pytest.approx(c["composite"]), name


order_rows = st.lists(
    st.tuples(
        st.sampled_from([None, date(2024, 4, 30), date(2024, 5, 1), date(2024, 5, 31), date(2024, 6, 1)]),
        st.booleans(),
        st.sampled_from(["维修", "安装", "投诉处理"]),
        st.sampled_from(["一组", "二组"]),
    ),
    max_size=10,
)


@settings(max_examples=20, **SETTINGS)
@given(rows=order_rows)
def test_complaint_rate_equals_the_reference(database, rows):
    """投诉率: complaint orders (marked, or 投诉处理) ÷ orders completed in the period (and team)."""
    from datetime import datetime, time

    from desktop.services.reporting import orders
    from desktop.services.reporting.scope import Scope

    with db.atomic() as txn:
        try:
            customer = Customer.create(code="R1", name="参照客户", phone="13800000009")
            for n, (day, complaint, kind, team) in enumerate(rows):
                done = None if day is None else datetime.combine(day, time(23, 59) if n % 2 else time(0, 0))
                ServiceOrder.create(
                    order_no=f"R{n}",
                    customer=customer,
                    completed_at=done,
                    is_complaint=complaint,
                    service_type=kind,
                    team=team,
                )
            got = {team: orders.complaint_rate(Scope(period="2024-05", team=team)) for team in (None, "一组")}
        finally:
            txn.rollback()
    for team, rate in got.items():
        counted = [r for r in rows if r[0] is not None and MAY[0] <= r[0] <= MAY[1] and team in (None, r[3])]
        complaints = [r for r in counted if r[1] or r[2] == "投诉处理"]
        assert (rate.part, rate.whole) == (len(complaints), len(counted)), team
        assert rate.value == (len(complaints) / len(counted) if counted else None)


def test_an_empty_period_shows_nothing_on_every_surface(database, tmp_path):
    """A period without visits or orders: every surface gives 0 / — (None), not an error."""
    from openpyxl import load_workbook

    from desktop.services.reporting import orders, problems, statistics
    from desktop.services.reporting.periods import parse_period
    from desktop.services.reporting.scope import Scope
    from desktop.services.summaries import dashboard, report
    from desktop.services.summaries.workbook import book_format, consolidate, export

    scope = Scope(period="2024-05")
    overall = statistics.overall(scope, today=date(2024, 6, 30))
    assert (overall.visits, overall.level_n, overall.satisfaction, overall.nps, overall.composite) == (
        0,
        0,
        None,
        None,
        None,
    )
    board = dashboard.Scope(period=parse_period("2024-05"), today=date(2024, 6, 30))
    tiles = dashboard.tiles(board)
    assert (tiles.visits, tiles.satisfaction, tiles.nps, tiles.recovery) == (0, None, None, None)
    assert dashboard.verification(board).empty
    assert problems.count_negative(scope) == 0 and problems.pareto(scope) == []
    assert all(groups == [] for groups in statistics.segments(scope).values())
    assert orders.complaint_rate(scope).value is None
    doc = report.build_report("2024-05", today=date(2024, 6, 30))
    assert doc.sections
    books = []
    for branch in ("甲店", "乙店"):
        books.append(tmp_path / f"{branch}.xlsx")
        export.export_workbook(books[-1], "2024-05", branch=branch, today=date(2024, 6, 30))
    merged = tmp_path / "合并.xlsx"
    consolidate.consolidate(books, merged)
    ws = load_workbook(merged)[book_format.SHEET_DIMENSIONS]
    assert ws.max_row >= 1


@settings(max_examples=4, **SETTINGS)
@given(raw=st.lists(visit_rows(), min_size=1, max_size=10), weights=weights_strategy)
def test_consolidated_workbook_equals_the_reference(database, raw, weights, tmp_path_factory):
    """Two branches exporting the same data: the consolidated 维度统计's 总体 counts are twice the
    reference's and its 满意率 the reference's."""
    from openpyxl import load_workbook

    from desktop.services.summaries.workbook import book_format, consolidate, export

    folder = tmp_path_factory.mktemp("merge")
    with db.atomic() as txn:
        try:
            ref = _check(raw, weights)
            books = []
            for branch in ("甲店", "乙店"):
                books.append(folder / f"{branch}.xlsx")
                export.export_workbook(books[-1], "2024-05", branch=branch, today=date(2024, 6, 30))
        finally:
            txn.rollback()
    merged = folder / "合并.xlsx"
    consolidate.consolidate(books, merged)
    ws = load_workbook(merged)[book_format.SHEET_DIMENSIONS]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    total = next((dict(zip(header, r, strict=False)) for r in rows[1:] if r[0] == "总体"), None)
    o = ref["overall"]
    if not o["level_n"]:
        return
    assert total is not None
    levels = [total[x] for x in ("非常满意", "满意", "一般", "不满意", "非常不满意")]
    assert levels == [2 * o["counts"][lv] for lv in (5, 4, 3, 2, 1)]
    assert total["满意率"] == pytest.approx(o["satisfaction"])
