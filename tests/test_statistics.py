import random
from datetime import date, timedelta

import peewee as pw
import pytest

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
from desktop.services.common.errors import UserError
from desktop.services.reporting import statistics as st
from desktop.services.reporting.periods import parse_period
from desktop.services.reporting.scale import level_of_score10
from desktop.services.reporting.scoring import mean_score, nps_from_counts, satisfaction_rate
from desktop.services.reporting.statistics import Filters
from desktop.services.scheduling import tasks

MAY = "2024-05"


def make_template(family, version, questions, active=True):
    tpl = QuestionnaireTemplate.create(
        family=family, version=version, name=f"测试问卷{family}", active=active
    )
    made = {}
    for position, (key, dimension, kind, *rest) in enumerate(questions):
        required = rest[0] if rest else True
        made[key] = Question.create(
            template=tpl,
            position=position,
            text=f"{dimension}?",
            dimension=dimension,
            kind=kind,
            required=required,
        )
    return tpl, made


def add_visit(tpl, customer, order, day, answers, status="已完成", invalid=False):
    visit = Visit.create(
        customer=customer,
        order=order,
        template=tpl,
        status=status,
        visit_date=day,
        invalid=invalid,
        invalid_reason="测试" if invalid else "",
    )
    rows = [{"visit": visit, "question": q, "value": v, "text": ""} for q, v in answers if v is not None]
    if rows:
        Answer.insert_many(rows).execute()
    return visit


# ---------------------------------------------------------------- the hand-computed data set
@pytest.fixture
def small(database):
    """8 valid visits on version 1, 1 on version 2, 1 invalid and 1 draft in May 2024, and 1
    valid visit in April 2024. Figures worked out by hand in the tests below."""
    v1, q = make_template(
        "fa",
        1,
        [
            ("att", "服务态度", "level5"),
            ("speed", "响应速度", "level5", False),
            ("nps", "推荐意愿", "nps"),
            ("done", "落实度", "yesno", False),
            ("score", "服务态度", "score10"),
            ("text", "开放建议", "text", False),
            ("channel", "客户来源", "choice", False),
        ],
        active=False,
    )
    v2, q2 = make_template(
        "fa",
        2,
        [("att", "服务态度", "level5"), ("speed", "响应速度", "level5", False), ("nps", "推荐意愿", "nps")],
    )
    east = Customer.create(code="C1", name="东区客户", phone="13800000001", region="东区")
    west = Customer.create(code="C2", name="西区客户", phone="13800000002", region="西区")
    o1 = ServiceOrder.create(order_no="W1", customer=east, team="一组", engineer="张工", service_type="维修")
    o2 = ServiceOrder.create(order_no="W2", customer=west, team="二组", engineer="李工", service_type="安装")
    att = [5, 5, 4, 4, 3, 2, 1, 5]
    speed = [4, 4, 4, 3, 3, 5, None, None]
    nps = [10, 9, 8, 7, 6, 0, 10, 9]
    done = [1, 1, 0, 1, 0, None, None, None]
    score = [10, 9, 8, 7, 6, 5, 4, 1]
    channel = [0, 1, 1, None, None, None, None, None]
    for i in range(8):
        customer, order = (east, o1) if i < 4 else (west, o2)
        add_visit(
            v1,
            customer,
            order,
            date(2024, 5, 1 + i),
            [
                (q["att"], att[i]),
                (q["speed"], speed[i]),
                (q["nps"], nps[i]),
                (q["done"], done[i]),
                (q["score"], score[i]),
                (q["channel"], channel[i]),
            ],
        )
    add_visit(v2, east, None, date(2024, 5, 20), [(q2["att"], 4), (q2["nps"], 10)])
    bad = [(q["att"], 1), (q["speed"], 1), (q["nps"], 0), (q["done"], 0), (q["score"], 1)]
    add_visit(v1, west, o1, date(2024, 5, 21), bad, invalid=True)
    good = [(q["att"], 5), (q["speed"], 5), (q["nps"], 10), (q["done"], 1), (q["score"], 10)]
    add_visit(v1, east, o1, date(2024, 5, 22), good, status="草稿")
    add_visit(v1, east, o1, date(2024, 4, 30), good)  # the previous month
    return {"v1": v1, "v2": v2, "q": q, "q2": q2}


def test_question_stats_by_hand(small):
    stats = {s.question_id: s for s in st.question_stats(Filters(period=MAY))}
    q = small["q"]
    att = stats[q["att"].id]
    assert att.n == 8 and att.counts == {5: 3, 4: 2, 3: 1, 2: 1, 1: 1}
    assert att.satisfaction == pytest.approx(5 / 8)
    assert att.mean == pytest.approx(29 / 8)
    assert att.nps is None and att.yes_share is None and att.mean10 is None

    speed = stats[q["speed"].id]  # two visits left it unanswered: not in the denominator
    assert speed.n == 6 and speed.satisfaction == pytest.approx(4 / 6) and speed.mean == pytest.approx(23 / 6)

    score = stats[q["score"].id]  # 10 9 8 7 6 5 4 1 → bands 5 4 4 3 2 2 1 1
    assert score.counts == {5: 1, 4: 2, 3: 1, 2: 2, 1: 2}
    assert score.satisfaction == pytest.approx(3 / 8)
    assert score.mean == pytest.approx(22 / 8)
    assert score.mean10 == pytest.approx(50 / 8) and score.n10 == 8

    nps = stats[q["nps"].id]  # 4 promoters (10 9 10 9), 2 detractors (6 0) of 8
    assert nps.nps == pytest.approx(25.0) and nps.nps_n == 8 and nps.satisfaction is None

    done = stats[q["done"].id]
    assert (done.yes, done.yes_n, done.yes_share) == (3, 5, pytest.approx(0.6))
    assert done.satisfaction is None

    channel = stats[q["channel"].id]
    assert channel.values == {1: 2, 0: 1} and channel.n == 3

    # version 2's question is separate in the per-question list
    assert stats[small["q2"]["att"].id].counts[4] == 1
    assert q["text"].id not in stats  # free text has no figures


def test_question_stats_of_a_family_lists_unanswered_questions(small):
    stats = st.question_stats(Filters(period=MAY, template_family="fa"))
    assert [s.template_id for s in stats][:6] == [small["v1"].id] * 6  # version 1 first
    unanswered = {s.question_id: s for s in stats}[small["q2"]["speed"].id]
    assert unanswered.n == 0 and unanswered.satisfaction is None
    assert stats[0].template == "测试问卷fa（第1版）"


def test_dimension_stats_pool_kinds_and_versions(small):
    dims = {d.dimension: d for d in st.dimension_stats(Filters(period=MAY))}
    assert list(dims) == ["服务态度", "响应速度", "推荐意愿", "落实度"]  # form order
    attitude = dims["服务态度"]  # level5 v1 (8) + score10 banded (8) + level5 v2 (1)
    assert attitude.counts == {5: 4, 4: 5, 3: 2, 2: 3, 1: 3}
    assert attitude.n == 17
    assert attitude.satisfaction == pytest.approx(9 / 17)
    assert attitude.mean == pytest.approx(55 / 17)
    assert attitude.mean10 == pytest.approx(50 / 8)
    assert attitude.kinds == ("level5", "score10")
    recommend = dims["推荐意愿"]  # v1: 4 promoters, 2 detractors; v2: one 10 → 5 and 2 of 9
    assert recommend.nps == pytest.approx(300 / 9) and recommend.nps_n == 9
    assert dims["落实度"].yes_share == pytest.approx(3 / 5)
    assert "客户来源" not in dims and "开放建议" not in dims


def test_overall_by_hand(small):
    VisitTask.insert_many(
        [
            {"customer": 1, "latest": date(2024, 5, d), "status": s}
            for d, s in ((3, "已完成"), (9, "已完成"), (12, "已完成"), (20, "拒访"), (21, "已取消"))
        ]
    ).execute()
    today = date(2024, 6, 15)
    result = st.overall(Filters(period=MAY), today=today)
    assert (result.visits, result.valid, result.invalid) == (10, 9, 1)
    assert result.counts == {5: 5, 4: 8, 3: 4, 2: 3, 1: 3}
    assert result.level_n == 23
    assert result.satisfaction == pytest.approx(13 / 23)
    assert result.mean == pytest.approx(78 / 23)
    assert result.nps == pytest.approx(300 / 9)
    assert result.answers == 23 + 9 + 5  # level + 0–10 + 是/否 answers
    # the recovery rate is the tasks service's own figure
    assert result.recovery == tasks.recovery_rate(date(2024, 5, 1), date(2024, 5, 31), today=today)
    assert result.recovery.rate == pytest.approx(3 / 4)
    assert result.recovery_matches_filters is True
    assert st.overall(Filters(period=MAY, team="一组"), today=today).recovery_matches_filters is False


def test_filters(small):
    def attitude(**kw):
        return {d.dimension: d for d in st.dimension_stats(Filters(period=MAY, **kw))}.get("服务态度")

    # 东区: visits 1–4 (5 5 4 4 and scores 10 9 8 7) and the version-2 visit (4)
    east = attitude(region="东区")
    assert east.counts == {5: 3, 4: 5, 3: 1, 2: 0, 1: 0} and east.satisfaction == pytest.approx(8 / 9)
    assert attitude(team="一组").n == 8 and attitude(engineer="李工").n == 8
    assert attitude(service_type="安装").satisfaction == pytest.approx(1 / 8)  # 5 of 3 2 1 5 / 6 5 4 1
    assert attitude(team="一组", service_type="安装") is None
    assert attitude(template_id=small["v2"].id).n == 1
    assert attitude(template_family="fa").n == 17
    assert attitude(template_family="其他") is None
    assert attitude(team="  ").n == 17  # blank means every team
    assert st.dimension_stats(Filters(period="2023")) == []
    all_time = {d.dimension: d for d in st.dimension_stats(Filters())}
    assert all_time["服务态度"].n == 19  # April's visit too


def test_by_group_by_hand(small):
    groups = {g.group: g for g in st.by_group(Filters(period=MAY), "team")}
    assert list(groups) == ["一组", "二组", "（未填写）"]  # most visits first
    one, two, none = groups["一组"], groups["二组"], groups["（未填写）"]
    assert (one.visits, one.invalid, two.visits, two.invalid, none.visits) == (4, 1, 4, 0, 1)
    assert one.counts == {5: 3, 4: 7, 3: 2, 2: 0, 1: 0} and one.satisfaction == pytest.approx(10 / 12)
    assert one.nps == pytest.approx(50.0)
    assert two.counts == {5: 2, 4: 0, 3: 2, 2: 3, 1: 3} and two.satisfaction == pytest.approx(2 / 10)
    assert two.nps == pytest.approx(0.0)
    assert none.satisfaction == 1.0 and none.nps == 100.0
    regions = {g.group: (g.visits, g.invalid) for g in st.by_group(Filters(period=MAY), "region")}
    assert regions == {"东区": (5, 0), "西区": (4, 1)}
    with pytest.raises(UserError, match="分组方式"):
        st.by_group(Filters(period=MAY), "colour")


def test_compare_with_the_previous_month(small):
    result = st.compare(Filters(period=MAY))
    assert result.previous == parse_period("2024-04")
    rows = {r.dimension: r for r in result.rows}
    assert result.rows[0].dimension == "总体"
    total = rows["总体"]
    assert total.current.satisfaction == pytest.approx(13 / 23) and total.previous.satisfaction == 1.0
    assert (total.arrow, total.change) == ("↓", pytest.approx(13 / 23 - 1))
    attitude = rows["服务态度"]
    assert attitude.metric == "满意率" and attitude.arrow == "↓"
    assert attitude.change == pytest.approx(9 / 17 - 1)
    assert attitude.mean_change == pytest.approx(55 / 17 - 5)
    assert rows["推荐意愿"].metric == "NPS" and rows["推荐意愿"].change == pytest.approx(300 / 9 - 100)
    assert rows["落实度"].metric == "是占比" and rows["落实度"].change == pytest.approx(0.6 - 1)
    # April against March: nothing before → no arrow
    april = {r.dimension: r for r in st.compare(Filters(period="2024-04")).rows}
    assert april["服务态度"].arrow == "" and april["服务态度"].previous is None
    assert april["总体"].arrow == "" and april["总体"].change is None
    with pytest.raises(UserError, match="统计期间"):
        st.compare(Filters())


def test_compare_steady_dimension_gets_the_flat_arrow(small):
    # the same answers in June as in May → every arrow is →
    for visit in Visit.select().where(Visit.visit_date.between(date(2024, 5, 1), date(2024, 5, 31))):
        if visit.status != "已完成":
            continue
        copy = Visit.create(
            customer=visit.customer_id,
            order=visit.order_id,
            template=visit.template_id,
            status="已完成",
            visit_date=visit.visit_date + timedelta(days=31),
            invalid=visit.invalid,
        )
        for a in Answer.select().where(Answer.visit == visit):
            Answer.create(visit=copy, question=a.question_id, value=a.value, text=a.text)
    rows = st.compare(Filters(period="2024-06")).rows
    assert {r.arrow for r in rows} == {"→"}
    assert all(r.change == pytest.approx(0) for r in rows)


def test_monthly_trend(small):
    trend = st.monthly_trend(Filters(period=MAY), months=3)
    assert trend.labels == ["2024-03", "2024-04", "2024-05"]
    assert trend.dimensions == ["服务态度", "响应速度", "推荐意愿", "落实度"]
    assert trend.satisfaction["服务态度"] == [None, 1.0, pytest.approx(9 / 17)]
    assert trend.n["服务态度"] == [0, 2, 17]
    assert trend.nps == {"推荐意愿": [None, 100.0, pytest.approx(300 / 9)]}
    assert trend.overall == [None, 1.0, pytest.approx(13 / 23)]
    assert trend.overall_nps == [None, 100.0, pytest.approx(300 / 9)]
    # without a period: the months up to today
    assert st.monthly_trend(Filters(), months=2, today=date(2024, 5, 9)).labels == ["2024-04", "2024-05"]


def test_sql_banding_matches_scoring(database):
    """The CASE in SQL bands every 1–10 score exactly like reporting.scale.level_of_score10."""
    tpl, q = make_template("band", 1, [("s", "评分", "score10")])
    customer = Customer.create(code="C9", name="客户", phone="13800000009")
    for score in range(1, 11):
        add_visit(tpl, customer, None, date(2024, 5, score), [(q["s"], score)])
    [stat] = st.question_stats(Filters(period=MAY))
    expected: dict[int, int] = dict.fromkeys((5, 4, 3, 2, 1), 0)
    for score in range(1, 11):
        expected[level_of_score10(score)] += 1
    assert stat.counts == expected


# ---------------------------------------------------------------- brute force on random data
TEAMS = ["一组", "二组", "安装组", ""]
ENGINEERS = ["张工", "李工", "王工"]
REGIONS = ["东区", "西区", ""]
TYPES = ["维修", "安装", "保养"]


@pytest.fixture
def random_data(database):
    rng = random.Random(20240517)
    templates = [
        make_template(
            "ra",
            1,
            [
                ("a", "服务态度", "level5"),
                ("b", "响应速度", "level5", False),
                ("c", "推荐意愿", "nps"),
                ("d", "", "level5", False),
                ("t", "开放建议", "text", False),
            ],
            active=False,
        ),
        make_template(
            "ra", 2, [("a", "服务态度", "level5"), ("s", "服务态度", "score10"), ("c", "推荐意愿", "nps")]
        ),
        make_template(
            "rb",
            1,
            [
                ("y", "落实度", "yesno"),
                ("s", "接车服务", "score10"),
                ("s2", "响应速度", "score10", False),
                ("n", "推荐意愿", "nps"),
                ("ch", "渠道", "choice", False),
            ],
        ),
    ]
    customers = [
        Customer.create(code=f"C{i}", name=f"客户{i}", phone=f"138{i:08d}", region=rng.choice(REGIONS))
        for i in range(40)
    ]
    orders = [
        ServiceOrder.create(
            order_no=f"W{i}",
            customer=rng.choice(customers),
            team=rng.choice(TEAMS),
            engineer=rng.choice(ENGINEERS),
            service_type=rng.choice(TYPES),
        )
        for i in range(120)
    ]
    ranges = {"level5": (1, 5), "score10": (1, 10), "nps": (0, 10), "yesno": (0, 1), "choice": (0, 3)}
    with db.atomic():
        for _ in range(400):
            tpl, questions = rng.choice(templates)
            order = rng.choice(orders + [None] * 10)
            customer = order.customer if order is not None else rng.choice(customers)
            answers = []
            for question in questions.values():
                if question.kind == "text" or rng.random() < 0.15:
                    continue
                answers.append((question, rng.randint(*ranges[question.kind])))
            add_visit(
                tpl,
                customer,
                order,
                date(2024, 1, 1) + timedelta(days=rng.randrange(540)),
                answers,
                status="草稿" if rng.random() < 0.12 else "已完成",
                invalid=rng.random() < 0.1,
            )
    return templates


def _brute(rows):
    """Figures from raw (kind, value) answers, computed one by one in Python."""
    levels, score10, nps_values, yesno = {}, [], [], []
    for kind, value in rows:
        if kind in ("level5", "score10"):
            level = value if kind == "level5" else level_of_score10(value)
            levels[level] = levels.get(level, 0) + 1
        if kind == "score10":
            score10.append(value)
        if kind == "nps":
            nps_values.append(value)
        if kind == "yesno":
            yesno.append(value)
    counts = {level: levels.get(level, 0) for level in (5, 4, 3, 2, 1)}
    nps_counts: dict[int, int] = {}
    for v in nps_values:
        nps_counts[v] = nps_counts.get(v, 0) + 1
    return {
        "n": len(rows),
        "counts": counts,
        "satisfaction": satisfaction_rate(counts),
        "mean": mean_score(counts),
        "mean10": sum(score10) / len(score10) if score10 else None,
        "yes_share": sum(yesno) / len(yesno) if yesno else None,
        "nps": nps_from_counts(nps_counts),
        "nps_n": len(nps_values),
    }


def _same(stat, expected):
    for key, value in expected.items():
        got = getattr(stat, key)
        if value is None or isinstance(value, dict | int):
            assert got == value, key
        else:
            assert got == pytest.approx(value), key


def _all_answers():
    """Every answer with its visit and question, as plain rows (the brute force reads them all)."""
    rows = (
        Answer.select(
            Answer.value,
            Question.id,
            Question.kind,
            Question.dimension,
            Visit.id,
            Visit.status,
            Visit.invalid,
            Visit.visit_date,
            Visit.template,
            ServiceOrder.team,
            ServiceOrder.engineer,
            ServiceOrder.service_type,
            Customer.region,
        )
        .join(Question)
        .switch(Answer)
        .join(Visit)
        .join(ServiceOrder, on=(Visit.order == ServiceOrder.id), join_type=pw.JOIN.LEFT_OUTER)
        .switch(Visit)
        .join(Customer, on=(Visit.customer == Customer.id))
        .tuples()
    )
    keys = ("value", "qid", "kind", "dim", "vid", "status", "invalid", "day", "tpl", "team", "engineer")
    keys += ("service_type", "region")
    return [dict(zip(keys, r, strict=True)) for r in rows]


SCENARIOS = [
    Filters(period="2024"),
    Filters(period="2024Q3"),
    Filters(period="2025-02"),
    Filters(),
    Filters(period="2024", team="一组"),
    Filters(period=("2024-03-10", "2025-01-20"), region="东区", service_type="维修"),
    Filters(period="2024", engineer="王工", template_family="ra"),
]


def _in_scope(row, flt: Filters, templates):
    if row["status"] != "已完成" or row["invalid"]:
        return False
    if flt.period is not None and row["day"] not in flt.period:
        return False
    for name in ("team", "engineer", "service_type", "region"):
        wanted = getattr(flt, name)
        if wanted is not None and row[name] != wanted:
            return False
    if flt.template_family is not None:
        ids = {tpl.id for tpl, _q in templates if tpl.family == flt.template_family}
        if row["tpl"] not in ids:
            return False
    return True


@pytest.mark.parametrize("flt", SCENARIOS, ids=[str(i) for i in range(len(SCENARIOS))])
def test_random_data_equals_brute_force(random_data, flt):
    answers = [r for r in _all_answers() if r["value"] is not None and _in_scope(r, flt, random_data)]
    assert answers, "the scenario must hold answers"
    rated = [r for r in answers if r["kind"] in ("level5", "score10", "nps", "yesno")]

    # per question
    by_question: dict[int, list] = {}
    for r in answers:
        by_question.setdefault(r["qid"], []).append((r["kind"], r["value"]))
    stats = {s.question_id: s for s in st.question_stats(flt)}
    assert set(stats) >= set(by_question)
    for qid, stat in stats.items():
        _same(stat, _brute(by_question.get(qid, [])))

    # per dimension
    by_dim: dict[str, list] = {}
    for r in rated:
        by_dim.setdefault(r["dim"] or "未分维度", []).append((r["kind"], r["value"]))
    dims = {d.dimension: d for d in st.dimension_stats(flt)}
    assert set(dims) == set(by_dim)
    for name, stat in dims.items():
        _same(stat, _brute(by_dim[name]))

    # overall
    result = st.overall(flt, today=date(2025, 7, 1))
    _same(result, _brute([(r["kind"], r["value"]) for r in rated]))
    # visits counted one by one (visits without answers count too)
    scoped = Visit.select().where(Visit.status == "已完成")
    count = invalid = 0
    for v in scoped:
        order = v.order
        row = {
            "status": "已完成",
            "invalid": False,
            "day": v.visit_date,
            "tpl": v.template_id,
            "team": order.team if order else None,
            "engineer": order.engineer if order else None,
            "service_type": order.service_type if order else None,
            "region": v.customer.region,
        }
        if _in_scope(row, flt, random_data):
            count += 1
            invalid += bool(v.invalid)
    assert (result.visits, result.invalid, result.valid) == (count, invalid, count - invalid)

    # per group
    for group in ("team", "engineer", "service_type", "region"):
        by_group: dict[str, list] = {}
        for r in rated:
            by_group.setdefault(r[group] or "（未填写）", []).append((r["kind"], r["value"]))
        groups = {g.group: g for g in st.by_group(flt, group)}
        assert set(groups) >= set(by_group)
        for name, stat in groups.items():
            _same(stat, _brute(by_group.get(name, [])))
        assert sum(g.visits for g in groups.values()) == result.valid
        assert sum(g.invalid for g in groups.values()) == result.invalid


def test_random_monthly_trend_equals_brute_force(random_data):
    flt = Filters(period="2025-03", region="西区")
    trend = st.monthly_trend(flt, months=14)
    months = {m.code: m for m in trend.months}
    rows = [r for r in _all_answers() if r["value"] is not None]
    for code, month in months.items():
        scope = flt.with_period(month)
        in_month = [r for r in rows if _in_scope(r, scope, random_data)]
        i = trend.labels.index(code)
        for dim in trend.dimensions:
            expected = _brute([(r["kind"], r["value"]) for r in in_month if (r["dim"] or "未分维度") == dim])
            assert trend.satisfaction[dim][i] == pytest.approx(expected["satisfaction"])
            if dim in trend.nps:
                assert trend.nps[dim][i] == pytest.approx(expected["nps"])
        rated = [(r["kind"], r["value"]) for r in in_month if r["kind"] != "choice"]
        assert trend.overall[i] == pytest.approx(_brute(rated)["satisfaction"])
        assert trend.overall_nps[i] == pytest.approx(_brute(rated)["nps"])


def test_period_filter_accepts_text_and_rejects_bad_input(database):
    assert Filters(period="2024Q2").period == parse_period("2024Q2")
    with pytest.raises(UserError, match="期间格式不正确"):
        Filters(period="2024Q9")
