"""The report reads as seed 003's framework asks: 编制部门 and 负责人 are their own fields, a
first period says 上期无数据 once, the trend is one small panel per line with month labels
(2026年1月 / 4月), and the Pareto chart's percentages stay clear of its 80% line."""

import math
from datetime import date

import pytest

from desktop.models import Visit
from desktop.services.admin import settings as app_settings
from desktop.services.demo.demo import generate_demo
from desktop.services.summaries import report, report_doc
from desktop.views.printing import report_render

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo(database):
    generate_demo(customers=80, seed=7, today=TODAY)
    return database


def _info(doc) -> dict:
    return dict(doc.section("报告基本信息").blocks[0].items)


def test_department_and_owner_are_fields_not_the_company(demo):
    app_settings.save_all({"report_department": "", "report_owner": ""})  # the demo fills them in
    info = _info(report.build_report("2026Q3", today=TODAY))
    assert info["编制部门"] == app_settings.get("company_name")  # nothing set: the company
    assert "未设置" in info["负责人"] and "报告负责人" in info["负责人"]  # says where to set it

    app_settings.save_all({"report_department": "客户服务部", "report_owner": "王经理"})
    info = _info(report.build_report("2026Q3", today=TODAY))
    assert info["编制部门"] == "客户服务部"
    assert info["负责人"] == "王经理"


def test_bad_owner_is_refused_with_the_field_named(database):
    from desktop.services.common.errors import ValidationErrors

    with pytest.raises(ValidationErrors) as err:
        app_settings.validate_values({"report_owner": "长" * 31})
    assert "报告负责人" in str(err.value)


def test_a_first_period_says_no_previous_data_once(demo):
    first = min(v.visit_date for v in Visit.select(Visit.visit_date).where(Visit.visit_date.is_null(False)))
    doc = report.build_report(f"{first:%Y-%m}", today=TODAY)
    text = doc.text()
    assert "较上期上期无数据" not in text
    assert report_doc.versus_previous("", None) == "上期无数据"
    assert report_doc.versus_previous("↓", -0.079) == "较上期↓7.9个百分点"
    assert report_doc.versus_previous("↑", 3.0, "NPS") == "较上期↑3.0分"


def test_month_ticks_show_the_year_once_and_on_january():
    months = [f"{y}年{m}月" for y, m in [(2025, 10), (2025, 11), (2025, 12), (2026, 1), (2026, 2), (2026, 3)]]
    assert report_render.month_ticks(months, 1) == (
        [0, 1, 2, 3, 4, 5],
        ["2025年\n10月", "11月", "12月", "2026年\n1月", "2月", "3月"],
    )
    assert report_render.month_ticks(months, 3) == ([0, 3], ["2025年\n10月", "2026年\n1月"])


def test_trend_is_one_panel_per_line_on_a_scale_to_100(demo, qapp):
    trend = report.build_report("2026Q3", today=TODAY).charts()[1]
    assert trend.categories[0].endswith("月") and "年" in trend.categories[0]
    fig = report_render.chart_figure(trend)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(trend.series) > 2
    assert [ax.get_title(loc="left") for ax in panels] == [s.name for s in trend.series]
    assert all(ax.get_ylim()[1] == 100 for ax in panels)
    for ax, series in zip(panels, trend.series, strict=True):  # each panel draws its own line, every month
        drawn = [None if math.isnan(v) else v for v in ax.lines[-1].get_ydata()]
        assert drawn == series.values
    report_render.chart_svg(trend)  # and it draws to SVG


def test_pareto_percentages_clear_the_80_percent_line(qapp):
    chart = report_doc.Chart(
        kind=report.PARETO,
        title="图3",
        categories=["响应速度类", "技术能力类", "流程便捷性类", "服务态度类"],
        series=[report_doc.Series("出现次数", [10.0, 7.0, 7.0, 3.0]), report_doc.Series("累计占比（%）", [37.0, 63.0, 89.0, 100.0])],
        reference=80.0,
        reference_label="80%",
    )
    fig = report_render.chart_figure(chart)
    twin = fig.axes[1]
    labels = {t.get_text(): t for t in twin.texts if t.get_text().endswith("%") and t.get_text() != "80%"}
    assert set(labels) == {"37%", "63%", "89%", "100%"}
    assert labels["89%"].get_va() == "bottom"  # above its point: below it would cross the 80% line
    assert labels["63%"].get_va() == "top" and labels["100%"].get_va() == "top"
