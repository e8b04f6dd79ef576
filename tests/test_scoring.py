import pytest

from desktop.services.reporting.metrics import composite_100
from desktop.services.reporting.scale import level_of_score10
from desktop.services.reporting.scoring import (
    grade,
    kpi_item_score,
    mean_score,
    needs_root_cause,
    nps,
    qualitative_score,
    satisfaction_rate,
    trend,
)


@pytest.mark.parametrize(
    ("weight", "target", "actual", "expected"),
    [
        (15, 90, 88, 14.67),  # 客服响应及时率
        (15, 85, 75, 13.24),  # 上门服务到达及时率
        (20, 80, 82, 20.50),  # 问题一次性解决率 (above target scores above the weight)
        (15, 95, 93, 14.68),  # 技术方案准确率
        (10, 98, 96, 9.80),  # 服务流程合规率
        (20, 85, 80, 18.82),  # the other seed example
    ],
)
def test_seed_kpi_item_scores(weight, target, actual, expected):
    assert round(kpi_item_score(weight, actual, target), 2) == expected
    assert round(kpi_item_score(weight, actual / 100, target / 100), 2) == expected


def test_kpi_target_must_be_positive():
    with pytest.raises(ValueError):
        kpi_item_score(10, 5, 0)


@pytest.mark.parametrize(
    ("total", "name"),
    [
        (100, "优秀"),
        (90, "优秀"),
        (89.99, "良好"),
        (80, "良好"),
        (79.99, "达标"),
        (70, "达标"),
        (69.99, "待改进"),
        (0, "待改进"),
    ],
)
def test_grade_boundaries(total, name):
    assert grade(total) == name


def test_satisfaction_rate_counts_neutral_in_denominator():
    counts = {5: 30, 4: 48, 3: 12, 2: 6, 1: 4}
    assert satisfaction_rate(counts) == pytest.approx(0.78)
    assert mean_score(counts) == pytest.approx((150 + 192 + 36 + 12 + 4) / 100)
    assert satisfaction_rate({}) is None and mean_score({}) is None


def test_nps():
    assert nps([10, 9, 9, 8, 7, 6, 0, 10, 10, 5]) == pytest.approx(50 - 30)
    assert nps([10] * 4) == 100
    assert nps([]) is None


def test_qualitative_and_flags():
    assert qualitative_score([4, 5, 3], 10) == pytest.approx(8.0)
    with pytest.raises(ValueError):
        qualitative_score([6], 10)
    assert needs_root_cause(11.9, 15) and not needs_root_cause(12.0, 15)
    assert composite_100(5) == 100 and composite_100(1) == 0


def test_score10_bands_and_trend():
    assert [level_of_score10(s) for s in (10, 9, 8, 7, 6, 5, 4, 1)] == [5, 4, 4, 3, 2, 2, 1, 1]
    assert trend(0.62, 0.74)[0] == "↓"
    assert trend(0.85, 0.85)[0] == "→"
    assert trend(0.80, None) == ("", None)
