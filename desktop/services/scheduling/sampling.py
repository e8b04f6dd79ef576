"""Sampling plans (抽样): how many to call per stratum, and whom — reproducibly.

``allocate`` implements the rule of DOMAIN §3: the sample is ceil(rate × population), split by
the strata quotas with largest-remainder rounding; a stratum smaller than its share gives all it
has and the shortfall goes to the other strata in proportion to their quotas.
"""

import math
import random
from collections.abc import Mapping, Sequence

DEFAULT_QUOTAS = {"VIP": 0.30, "投诉": 0.20, "普通": 0.50}
DEFAULT_RATE = 0.10
# The maintenance-centre variant: who evaluates, and what share of the day's completed orders.
EVALUATOR_RATES = {"工长自评": 1.00, "调度回访": 0.90, "管理人员回访": 0.10}
SELF_REVIEW, DISPATCH, MANAGERS = EVALUATOR_RATES  # 工长自评 is a form of its own, not a call
PHONE_ROLES = (DISPATCH, MANAGERS)


def sample_size(population: int, rate: float) -> int:
    """ceil(rate × population), immune to float noise (0.1 × 70 is 7, not 8)."""
    if population <= 0 or rate <= 0:
        return 0
    return min(population, math.ceil(round(rate * population, 9)))


def _largest_remainder(total: int, quotas: Mapping[str, float]) -> dict[str, int]:
    weight = sum(quotas.values())
    if total <= 0 or weight <= 0:
        return dict.fromkeys(quotas, 0)
    exact = {k: total * q / weight for k, q in quotas.items()}
    counts = {k: math.floor(round(v, 9)) for k, v in exact.items()}
    left = total - sum(counts.values())
    order = list(quotas)
    # biggest fractional part first; ties go to the larger quota, then to the stratum listed first
    ranked = sorted(order, key=lambda k: (-(exact[k] - counts[k]), -quotas[k], order.index(k)))
    for k in ranked[:left]:
        counts[k] += 1
    return counts


def allocate(strata_sizes: Mapping[str, int], quotas: Mapping[str, float], rate: float) -> dict[str, int]:
    """How many to draw from each stratum. Keys are the strata names of ``strata_sizes``."""
    if any(q < 0 for q in quotas.values()):
        raise ValueError("quotas must not be negative")
    sizes = {k: max(0, int(v)) for k, v in strata_sizes.items()}
    result = dict.fromkeys(sizes, 0)
    remaining_total = sample_size(sum(sizes.values()), rate)
    open_strata = {k: float(quotas.get(k, 0)) for k in sizes if quotas.get(k, 0) > 0}
    while remaining_total > 0 and open_strata:
        shares = _largest_remainder(remaining_total, open_strata)
        capped = [k for k in open_strata if shares[k] >= sizes[k]]
        if not capped:
            result.update(shares)
            break
        for k in capped:
            result[k] = sizes[k]
            remaining_total -= sizes[k]
            del open_strata[k]
    return result


def draw(strata: Mapping[str, Sequence[int]], counts: Mapping[str, int], seed: int) -> dict[str, list[int]]:
    """Pick ``counts[k]`` ids from ``strata[k]``: reproducible from ``seed``, each id at most once
    across the whole plan (an id listed in two strata is only drawn by the first one)."""
    rng = random.Random(seed)
    taken: set[int] = set()
    picked: dict[str, list[int]] = {}
    for name, members in strata.items():
        pool = sorted(set(members) - taken)
        k = min(counts.get(name, 0), len(pool))
        chosen = sorted(rng.sample(pool, k))
        taken.update(chosen)
        picked[name] = chosen
    return picked


def phone_counts(population: int, rates: Mapping[str, float]) -> dict[str, int]:
    """How many of the day's orders 调度 and 管理人员 call, never more than the day has together:
    管理人员 at least their share (rounded up, as every sample), 调度 theirs of what is left
    (20 orders → 18 + 2; 15 → 13 + 2)."""
    managers = sample_size(population, rates.get(MANAGERS, EVALUATOR_RATES[MANAGERS]))
    dispatch = min(
        sample_size(population, rates.get(DISPATCH, EVALUATOR_RATES[DISPATCH])), population - managers
    )
    return {DISPATCH: dispatch, MANAGERS: managers}


def evaluator_draw(order_ids: Sequence[int], counts: Mapping[str, int], seed: int) -> dict[str, list[int]]:
    """Which orders 调度 and 管理人员 call: reproducible from ``seed``, no order in both lists
    (no customer called twice for one order). 管理人员 are drawn first, 调度 from the rest."""
    ids = sorted(set(order_ids))
    picked = draw({MANAGERS: ids, DISPATCH: ids}, counts, seed)
    return {role: picked[role] for role in PHONE_ROLES}
