import pytest

from desktop.services.scheduling.sampling import allocate, draw, sample_size


def test_seed_example():
    assert allocate({"VIP": 200, "投诉": 100, "普通": 700}, {"VIP": 0.3, "投诉": 0.2, "普通": 0.5}, 0.10) == {
        "VIP": 30,
        "投诉": 20,
        "普通": 50,
    }


def test_total_is_ceiling_of_rate_times_population():
    assert sample_size(70, 0.1) == 7  # float noise must not round 7.000000000000001 up to 8
    assert sample_size(71, 0.1) == 8
    got = allocate({"VIP": 50, "投诉": 30, "普通": 921}, {"VIP": 0.3, "投诉": 0.2, "普通": 0.5}, 0.10)
    assert sum(got.values()) == 101  # ceil(100.1)


def test_largest_remainder_rounding():
    # 11 split 30/20/50 → exact 3.3 / 2.2 / 5.5 → floors 3/2/5, the one left goes to 普通 (.5)
    got = allocate({"VIP": 100, "投诉": 100, "普通": 900}, {"VIP": 0.3, "投诉": 0.2, "普通": 0.5}, 0.01)
    assert got == {"VIP": 3, "投诉": 2, "普通": 6}


def test_small_stratum_gives_all_and_shortfall_goes_by_quota():
    # total 100: VIP share 30 but only 10 → shortfall 20 split 投诉:普通 = 20:50 → +5.71/+14.29
    got = allocate({"VIP": 10, "投诉": 100, "普通": 890}, {"VIP": 0.3, "投诉": 0.2, "普通": 0.5}, 0.10)
    assert got["VIP"] == 10
    assert sum(got.values()) == 100
    assert got == {"VIP": 10, "投诉": 26, "普通": 64}


def test_cascading_caps():
    got = allocate({"VIP": 5, "投诉": 3, "普通": 92}, {"VIP": 0.3, "投诉": 0.2, "普通": 0.5}, 0.5)
    assert got == {"VIP": 5, "投诉": 3, "普通": 42}


def test_draw_is_reproducible_and_each_customer_once():
    strata = {"投诉": list(range(1, 21)), "VIP": list(range(15, 60)), "普通": list(range(60, 400))}
    counts = {"投诉": 10, "VIP": 30, "普通": 50}
    first = draw(strata, counts, seed=42)
    assert first == draw(strata, counts, seed=42)
    assert first != draw(strata, counts, seed=43)
    everyone = [c for ids in first.values() for c in ids]
    assert len(everyone) == len(set(everyone)) == 90
    assert all(c in strata[name] for name, ids in first.items() for c in ids)


def test_negative_quota_rejected():
    with pytest.raises(ValueError):
        allocate({"A": 10}, {"A": -1}, 0.1)
