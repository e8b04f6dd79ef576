"""问题分析 service: negative feedback, keyword suggestions, auto tagging, Pareto, pain matrix, TOP3."""

import itertools
from datetime import date

import pytest

from desktop.models import (
    Answer,
    Customer,
    ProblemCategory,
    Question,
    QuestionnaireTemplate,
    ServiceOrder,
    Visit,
    VisitProblem,
)
from desktop.services.admin import categories
from desktop.services.common.errors import UserError, ValidationError
from desktop.services.reporting import problem_tags, problems, remarks
from desktop.services.visits import templates

_seq = itertools.count(1)
IN_Q2 = (date(2024, 4, 1), date(2024, 6, 30))


def cat(name: str) -> ProblemCategory:
    return ProblemCategory.get(ProblemCategory.name == name)


def make_visit(
    family: str = "after_sales",
    *,
    day: date = date(2024, 5, 10),
    mood: str = "平静",
    feedback: str = "",
    answers: dict | None = None,
    tags: tuple[str, ...] = (),
    team: str = "维修一组",
    engineer: str = "李志强",
    service_type: str = "维修",
    complaint: bool = False,
    status: str = "已完成",
    invalid: bool = False,
    template=None,
) -> Visit:
    """A visit whose answers are 满意 (4) / 8 points / 是 unless ``answers`` (dimension → value)
    says otherwise."""
    n = next(_seq)
    customer = Customer.create(code=f"C{n:06d}", name=f"客户{n}", phone=f"138{n:08d}")
    order = ServiceOrder.create(
        order_no=f"GD{n:06d}",
        customer=customer,
        service_type=service_type,
        engineer=engineer,
        team=team,
        is_complaint=complaint,
    )
    template = template or templates.active_template(family)
    visit = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status=status,
        visit_date=day,
        mood=mood,
        feedback=feedback,
        invalid=invalid,
    )
    answers = answers or {}
    for q in templates.questions_of(template):
        if q.kind == "text":
            continue
        default = {"level5": 4, "score10": 8, "nps": 8, "yesno": 1}.get(q.kind, 0)
        Answer.create(visit=visit, question=q, value=answers.get(q.dimension, default))
    for name in tags:
        VisitProblem.create(visit=visit, category=cat(name))
    return visit


def tag_names(visit: Visit) -> list[str]:
    query = (
        ProblemCategory.select(ProblemCategory.name)
        .join(VisitProblem)
        .where(VisitProblem.visit == visit.id)
        .order_by(ProblemCategory.position)
    )
    return [c.name for c in query]


# ------------------------------------------------------------------ negative feedback
def test_negative_feedback_rules(database):
    assert not problems.is_negative(make_visit().id)
    assert problems.is_negative(make_visit(answers={"服务态度": 2}).id)
    assert problems.is_negative(make_visit(answers={"响应及时性": 1}).id)
    assert not problems.is_negative(make_visit(answers={"响应及时性": 3}).id)  # 一般 is not negative
    assert problems.is_negative(make_visit(answers={"推荐意愿": 6}).id)
    assert not problems.is_negative(make_visit(answers={"推荐意愿": 7}).id)
    assert problems.is_negative(make_visit(mood="轻微不满").id)
    assert problems.is_negative(make_visit(mood="强烈不满").id)
    assert not problems.is_negative(make_visit(mood="满意").id)
    assert problems.is_negative(make_visit(complaint=True).id)
    # car form: 1–10 scores and 落实度 yes/no
    # the car form's printed bands: 3–4 不满意, 5–6 一般 (not negative feedback)
    assert problems.is_negative(make_visit("car_service", answers={"接车服务": 4}).id)
    assert not problems.is_negative(make_visit("car_service", answers={"接车服务": 6}).id)
    assert not problems.is_negative(make_visit("car_service", answers={"接车服务": 7}).id)
    assert problems.is_negative(make_visit("car_service", answers={"落实度·配件": 0}).id)
    # drafts and invalid questionnaires are not feedback
    assert not problems.is_negative(make_visit(mood="强烈不满", status="草稿").id)
    assert not problems.is_negative(make_visit(mood="强烈不满", invalid=True).id)


def test_yes_no_outside_luoshidu_is_not_negative(database):
    template = QuestionnaireTemplate.create(family="custom_x", name="自定义")
    Question.create(template=template, position=0, text="是否本人使用？", dimension="使用人", kind="yesno")
    Question.create(
        template=template, position=1, text="是否按约上门？", dimension="落实度·按约", kind="yesno"
    )
    assert not problems.is_negative(make_visit(template=template, answers={"使用人": 0}).id)
    assert problems.is_negative(make_visit(template=template, answers={"落实度·按约": 0}).id)


def test_untagged_negative_list_and_counts(database):
    tagged = make_visit(mood="轻微不满", tags=("价格类",))
    untagged = make_visit(answers={"响应及时性": 2}, feedback="等了三天才来", mood="轻微不满", complaint=True)
    make_visit()  # positive: not listed
    make_visit(day=date(2023, 1, 5), mood="强烈不满")  # outside the period
    rows = problem_tags.untagged_negative(*IN_Q2)
    assert [r.visit_id for r in rows] == [untagged.id]
    row = rows[0]
    assert row.low_answers == ["响应及时性：不满意"]
    assert row.reasons == "响应及时性：不满意、情绪轻微不满、投诉工单"
    assert row.text == "等了三天才来"
    assert [s.name for s in row.suggestions] == ["响应速度类"]
    assert problems.count_untagged(*IN_Q2) == 1
    assert problems.count_negative(*IN_Q2) == 2
    assert problems.count_feedback(*IN_Q2) == 2
    assert problems.count_untagged() == 2  # all time includes 2023
    assert tagged.id not in [r.visit_id for r in problem_tags.untagged_negative()]


# ------------------------------------------------------------------ keyword rules
def test_default_keywords_are_seeded_and_an_emptied_list_stays_empty(database):
    speed = cat("响应速度类")
    assert {"慢", "等了", "迟到", "没人接", "预约不上"} <= set(speed.keywords)
    assert {"没修好", "又坏", "返修", "二次上门", "不专业"} <= set(cat("技术能力类").keywords)
    categories.set_keywords(speed, [])
    extra = categories.add_category("安装规范类")
    assert problems.ensure_default_keywords() == 0
    assert cat("响应速度类").keywords == []
    assert cat("安装规范类").keywords is None
    ProblemCategory.update(keywords=None).where(ProblemCategory.id == speed.id).execute()
    assert problems.ensure_default_keywords() == 1
    assert cat("响应速度类").keywords == problems.default_keywords("响应速度类")
    assert extra.id  # user categories get no defaults


def test_keyword_editing(database):
    speed = cat("响应速度类")
    saved = categories.set_keywords(speed, " 慢、等了，没人接；慢  迟到 ")
    assert saved.keywords == ["慢", "等了", "没人接", "迟到"]
    assert categories.keywords_of(speed) == ["慢", "等了", "没人接", "迟到"]
    with pytest.raises(ValidationError) as err:
        categories.set_keywords(speed, "慢、这是一个非常非常长的关键词不行")
    assert err.value.field == "关键词"
    assert cat("响应速度类").keywords == ["慢", "等了", "没人接", "迟到"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("等了三天才上门，打电话也没人接", {"响应速度类": ["等了", "没人接"]}),
        ("师傅态度很好，就是有点慢", {"响应速度类": ["慢"]}),  # praise clause does not count
        ("师傅不耐烦，还给脸色看", {"服务态度类": ["不耐烦", "脸色"]}),
        ("不贵，挺满意的", {}),  # negated
        ("感谢贵公司，提个宝贵意见", {}),  # 贵 inside other words
        ("慢慢来不着急", {}),
        ("空调又坏了，返修两次", {"技术能力类": ["又坏", "返修"]}),
        ("手续太麻烦，跑了几趟", {"流程便捷性类": ["手续", "麻烦", "跑了几趟"]}),
        ("材料费太贵", {"价格类": ["材料费", "贵"]}),  # 材料 inside 材料费 is not 流程
        ("收费合理，价格实惠", {}),
        ("收费和报价一致，没有乱收费，放心", {}),  # 收费 shares the negation of 乱收费
        ("又乱收费", {"价格类": ["乱收费"]}),
        ("噪音很大，还漏水", {"产品质量类": ["噪音", "漏水"]}),
    ],
)
def test_keyword_matching(text, expected):
    assert remarks.match_keywords(text, problems.DEFAULT_KEYWORDS) == expected


def test_keyword_matching_without_jieba_falls_back_to_substrings(monkeypatch):
    monkeypatch.setattr(remarks, "_jieba", None)
    monkeypatch.setattr(remarks, "_jieba_missing", True)
    assert not remarks.has_jieba()
    assert remarks.match_keywords("价格太贵了，感谢贵公司", problems.DEFAULT_KEYWORDS) == {
        "价格类": ["价格", "贵"]
    }
    assert remarks.find_keywords("等了好久没人接", ["没人接", "等了"]) == ["等了", "没人接"]
    assert problems.words_of_texts(["等了好久", "又等了一天", "没人接"], ["等了", "没人接"]) == [
        ("等了", 2),
        ("没人接", 1),
    ]


def test_dimension_rules():
    assert remarks.category_for_dimension("响应及时性") == "响应速度类"
    assert remarks.category_for_dimension("问题解决效果") == "技术能力类"
    assert remarks.category_for_dimension("服务态度") == "服务态度类"
    assert remarks.category_for_dimension("流程便捷性") == "流程便捷性类"
    assert remarks.category_for_dimension("办理速度") == "响应速度类"
    assert remarks.category_for_dimension("推荐意愿") is None


def test_suggest_categories_from_text_and_low_answers(database):
    visit = make_visit(
        answers={"问题解决效果": 1},
        feedback="等了三天才上门，师傅态度很好",
        mood="轻微不满",
    )
    suggestions = problem_tags.suggest_categories(visit.id)
    assert [s.name for s in suggestions] == ["技术能力类", "响应速度类"]
    assert suggestions[0].dimensions == ["问题解决效果：非常不满意"]
    assert suggestions[0].score == 2
    assert suggestions[1].keywords == ["等了"]
    assert suggestions[1].why == "关键词 “等了”"
    # an inactive category is never suggested; an answer comment counts as text
    categories.set_active(cat("技术能力类"), False)
    assert [s.name for s in problem_tags.suggest_categories(visit.id)] == ["响应速度类"]
    with pytest.raises(UserError):
        problem_tags.suggest_categories(999999)


def test_customer_words_with_jieba(database):
    assert remarks.has_jieba()
    words = problems.words_of_texts(["等了三天才上门", "等了好几天才上门", "电话没人接"], ["等了"])
    # the keyword first (it counts as the rarest word), then the customer's other words
    assert words[:2] == [("等了", 2), ("上门", 2)]
    assert ("电话", 1) in words and ("才", 2) not in words  # one-character words are not shown
    for text in ("等了三天才上门", "又等了好几天才上门"):
        make_visit(mood="轻微不满", feedback=text, tags=("响应速度类",))
    by_cat = problems.customer_words(*IN_Q2)
    assert by_cat[cat("响应速度类").id][:3] == [("等了", 2), ("上门", 2), ("好几天", 1)]


# ------------------------------------------------------------------ tagging
def test_tag_visits_in_bulk(database):
    a = make_visit(mood="轻微不满")
    b = make_visit(mood="轻微不满", tags=("价格类",))
    assert problem_tags.tag_visits([a.id, b.id, a.id], cat("价格类").id) == 1
    assert tag_names(a) == ["价格类"] and tag_names(b) == ["价格类"]
    assert problem_tags.tag_visits([a.id], cat("价格类").id) == 0
    with pytest.raises(UserError):
        problem_tags.tag_visits([], cat("价格类").id)
    with pytest.raises(UserError):
        problem_tags.tag_visits([a.id, 999999], cat("服务态度类").id)
    assert tag_names(a) == ["价格类"]  # nothing half-saved
    categories.set_active(cat("产品质量类"), False)
    with pytest.raises(UserError, match="已停用"):
        problem_tags.tag_visits([a.id], cat("产品质量类").id)
    assert problem_tags.untag_visit(a.id, cat("价格类").id)
    assert tag_names(a) == []


def test_auto_tag_counts_and_idempotence(database):
    price = make_visit(feedback="上门费收得太贵了", mood="轻微不满")
    speed = make_visit(answers={"响应及时性": 1})
    nothing = make_visit(answers={"推荐意愿": 3})  # negative, but nothing to suggest
    tagged = make_visit(feedback="等了很久", mood="轻微不满", tags=("服务态度类",))
    make_visit(feedback="价格太贵", mood="轻微不满", day=date(2024, 8, 1))  # outside the period

    first = problem_tags.auto_tag(IN_Q2)
    assert first == {"visits": 3, "tagged": 2, "links": 2, "no_suggestion": 1}
    assert tag_names(price) == ["价格类"]
    assert tag_names(speed) == ["响应速度类"]
    assert tag_names(nothing) == []
    assert tag_names(tagged) == ["服务态度类"]

    assert problem_tags.auto_tag(IN_Q2) == {"visits": 1, "tagged": 0, "links": 0, "no_suggestion": 1}

    more = problem_tags.auto_tag(IN_Q2, only_untagged=False)
    assert more == {"visits": 4, "tagged": 1, "links": 1, "no_suggestion": 1}
    assert tag_names(tagged) == ["服务态度类", "响应速度类"]
    assert problem_tags.auto_tag(IN_Q2, only_untagged=False)["links"] == 0
    assert VisitProblem.select().count() == 4


def test_auto_tag_accepts_a_period_object(database):
    from desktop.services.reporting.periods import quarter_period

    make_visit(feedback="价格太贵", mood="轻微不满")
    assert problem_tags.auto_tag(quarter_period(2024, 3))["visits"] == 0
    assert problem_tags.auto_tag(quarter_period(2024, 2))["links"] == 1


# ------------------------------------------------------------------ Pareto, pain, TOP3
@pytest.fixture
def analysed(database):
    """15 tagged visits in 2024 Q2 plus noise that must not count.

    响应速度类 5 (强烈不满 2, 轻微不满 3; 响应及时性 不满意)            pain 2.4 + 1 = 3.4
    服务态度类 4 (轻微不满 2, 平静 2; 服务态度 不满意)                  pain 1.5 + 1 = 2.5
    技术能力类 3 (轻微不满 3; 问题解决效果 非常不满意)                  pain 2 + 2 = 4.0
    价格类     2 (平静; one NPS 5 → fallback impact 1, one without low answers) 1 + 0.5 = 1.5
    流程便捷性类 1 (强烈不满; 流程便捷性 非常不满意)                       3 + 2 = 5.0
    """
    visits = {}
    for i, mood in enumerate(["强烈不满", "强烈不满", "轻微不满", "轻微不满", "轻微不满"]):
        visits.setdefault("响应速度类", []).append(
            make_visit(
                mood=mood,
                answers={"响应及时性": 2},
                feedback=f"等了{i + 2}天才上门",
                tags=("响应速度类",),
                team="维修二组",
                day=date(2024, 4, 1 + i),
            )
        )
    for mood in ["轻微不满", "轻微不满", "平静", "平静"]:
        visits.setdefault("服务态度类", []).append(
            make_visit(mood=mood, answers={"服务态度": 2}, feedback="师傅不耐烦", tags=("服务态度类",))
        )
    texts = ["空调又坏了", "修完第二天又坏了", "空调又坏了"]
    for text in texts:
        visits.setdefault("技术能力类", []).append(
            make_visit(mood="轻微不满", answers={"问题解决效果": 1}, feedback=text, tags=("技术能力类",))
        )
    visits["价格类"] = [
        make_visit(answers={"推荐意愿": 5}, feedback="上门费太贵", tags=("价格类",)),
        make_visit(feedback="价格能不能便宜点", tags=("价格类",)),
    ]
    visits["流程便捷性类"] = [
        make_visit(
            mood="强烈不满",
            answers={"流程便捷性": 1},
            feedback="报修手续太麻烦",
            tags=("流程便捷性类",),
            day=date(2024, 6, 30),
        )
    ]
    make_visit(answers={"推荐意愿": 3})  # negative, untagged: counts in the feedback total
    make_visit(mood="满意")  # positive
    make_visit(mood="强烈不满", tags=("价格类",), invalid=True)  # invalid
    make_visit(mood="强烈不满", tags=("价格类",), status="草稿")  # draft
    make_visit(mood="强烈不满", tags=("价格类",), day=date(2024, 7, 1))  # next quarter
    return visits


def test_pareto_counts_and_cumulative_percent(analysed):
    rows = problems.pareto(*IN_Q2)
    assert [(r.name, r.count) for r in rows] == [
        ("响应速度类", 5),
        ("服务态度类", 4),
        ("技术能力类", 3),
        ("价格类", 2),
        ("流程便捷性类", 1),
    ]
    assert [round(r.share_pct, 1) for r in rows] == [33.3, 26.7, 20.0, 13.3, 6.7]
    assert [round(r.cumulative_pct, 1) for r in rows] == [33.3, 60.0, 80.0, 93.3, 100.0]
    assert rows[-1].cumulative == 1.0


def test_pareto_filters(analysed):
    assert [(r.name, r.count) for r in problems.pareto(*IN_Q2, team="维修二组")] == [("响应速度类", 5)]
    assert problems.pareto(*IN_Q2, engineer="没有这个人") == []
    assert problems.pareto(*IN_Q2, service_type="安装") == []
    assert [r.count for r in problems.pareto(date(2024, 6, 30), date(2024, 6, 30))] == [1]
    # all time: the next-quarter visit is counted too, invalid and draft ones never
    assert {r.name: r.count for r in problems.pareto()}["价格类"] == 3


def test_pain_matrix_and_quadrants(analysed):
    matrix = problems.pain_matrix(*IN_Q2)
    by_name = {r.name: r for r in matrix.rows}
    assert matrix.feedback_total == 16
    assert matrix.count_median == 3
    assert matrix.pain_median == pytest.approx(3.4)
    expected = {
        "响应速度类": (5, 2.4, 1.0, 0.4, "高频高痛"),
        "服务态度类": (4, 1.5, 1.0, 0.0, "高频低痛"),
        "技术能力类": (3, 2.0, 2.0, 0.0, "高频高痛"),
        "价格类": (2, 1.0, 0.5, 0.0, "低频低痛"),
        "流程便捷性类": (1, 3.0, 2.0, 1.0, "低频高痛"),
    }
    for name, (count, mood, impact, strong, quadrant) in expected.items():
        row = by_name[name]
        assert (row.count, row.quadrant) == (count, quadrant), name
        assert row.mood_pain == pytest.approx(mood), name
        assert row.impact == pytest.approx(impact), name
        assert row.pain == pytest.approx(mood + impact), name
        assert row.strong_share == pytest.approx(strong), name
    assert [r.name for r in matrix.quadrant("高频高痛")] == ["响应速度类", "技术能力类"]


def test_top3_order_reasons_quotes_and_visits(analysed):
    top = problems.propose_top3(*IN_Q2)
    assert [(p.rank, p.name, p.quadrant) for p in top] == [
        (1, "响应速度类", "高频高痛"),
        (2, "技术能力类", "高频高痛"),
        # a single angry case (低频高痛, below MIN_RARE_COUNT) does not outrank 4 cases of 高频低痛
        (3, "服务态度类", "高频低痛"),
    ]
    assert top[0].reason.startswith("出现 5 次，占负面反馈 31%，客户情绪强烈不满占 40%；")
    assert top[1].reason.startswith("出现 3 次，占负面反馈 19%，客户情绪强烈不满占 0%；")
    assert top[2].reason.startswith("出现 4 次，占负面反馈 25%")
    # angriest first, then newest; the same text is quoted once
    assert top[0].quotes == ["等了3天才上门", "等了2天才上门", "等了6天才上门"]
    assert top[1].quotes == ["空调又坏了", "修完第二天又坏了"]  # same day and mood: newest id first
    assert top[0].visit_ids == [v.id for v in analysed["响应速度类"]]
    assert top[2].visit_ids == [v.id for v in analysed["服务态度类"]]
    assert top[1].words[:2] == [("又坏了", 3), ("空调", 2)]
    # 高频低痛 comes after the high-pain ones; a 低频高痛 with too few cases comes last
    rows = problems.pain_matrix(*IN_Q2).rows
    assert [r.name for r in problems._top_order(rows)] == [
        "响应速度类",
        "技术能力类",
        "服务态度类",
        "流程便捷性类",
    ]
    # with enough cases (≥ 3 and ≥ 5%) a 低频高痛 problem ranks ahead of 高频低痛
    rare = next(r for r in rows if r.name == "流程便捷性类")
    rare.count = 3
    assert [r.name for r in problems._top_order(rows)][:3] == ["响应速度类", "技术能力类", "流程便捷性类"]


def test_top3_of_an_empty_period(database):
    assert problems.pareto(*IN_Q2) == []
    matrix = problems.pain_matrix(*IN_Q2)
    assert matrix.rows == [] and matrix.count_median is None
    assert problems.propose_top3(*IN_Q2) == []


def test_percent_rounds_halves_up():
    assert problems.pct(17, 40) == 43  # 42.5
    assert problems.pct(1, 3) == 33
    assert problems.pct(1, 0) == 0


def test_filters_object_region_and_template(analysed):
    from desktop.services.reporting.periods import quarter_period
    from desktop.services.reporting.scope import Scope

    flt = Scope(period=quarter_period(2024, 2), team="维修二组", engineer=None, service_type="")
    assert flt.bounds == (date(2024, 4, 1), date(2024, 6, 30))
    assert flt.filters == {"team": "维修二组"}
    assert [(r.name, r.count) for r in problems.pareto(flt)] == [("响应速度类", 5)]
    assert [(r.name, r.count) for r in problems.pareto(*flt.bounds, team="维修二组")] == [("响应速度类", 5)]
    flow = analysed["流程便捷性类"][0]
    Customer.update(region="城东区").where(Customer.id == flow.customer_id).execute()
    assert [(r.name, r.count) for r in problems.pareto(*IN_Q2, region="城东区")] == [("流程便捷性类", 1)]
    assert problems.pareto(*IN_Q2, template_family="car_service") == []
    assert len(problems.pareto(*IN_Q2, template_family="after_sales")) == 5
