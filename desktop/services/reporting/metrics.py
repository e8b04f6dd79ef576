"""The catalogue of figures (指标口径): each metric's name and its definition text.

The dashboard, the report and the workbook's 说明 sheet show these texts as they are, so the
definition a shop reads is the same everywhere. The arithmetic lives in ``scoring`` (rates from
counts) and ``statistics`` (the counts, in SQL); this module names what they compute.
"""

from dataclasses import dataclass

from .scoring import DENOMINATOR_NOTE, NPS_GOAL, RECOVERY_TARGET


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    definition: str


SATISFACTION = Metric("satisfaction", "满意率", DENOMINATOR_NOTE)  # the text the UI has always shown
MEAN = Metric("mean", "平均分", "平均分 = 各有效评分回答折算为5级后的平均值（非常满意 5 … 非常不满意 1）")
COMPOSITE = Metric(
    "composite",
    "综合得分",
    "综合得分（百分制）=（按题目权重加权的5级平均分 − 1）÷ 4 × 100；权重为 0 的题目不计入得分",
)
NPS = Metric(
    "nps",
    "NPS",
    f"NPS = 推荐者（9–10分）占比 − 贬损者（0–6分）占比，按0–10分推荐意愿题计算；目标 ≥{NPS_GOAL}",
)
RECOVERY = Metric(
    "recovery",
    "回收率",
    f"回收率 = 已完成回访 ÷ 应回访任务（窗口已到期或已结束的任务；已取消及二次回访任务不计）；"
    f"目标 ≥{RECOVERY_TARGET:.0%}",
)
SAMPLE = Metric(
    "sample",
    "有效样本",
    "有效样本 = 计入统计的评分回答数：已完成、有效（未判定无效）的非二次回访中，5级评分及1–10分题的回答；"
    "推荐意愿（0–10分）回答另列",
)
COMPLAINT_RATE = Metric(
    "complaint_rate",
    "投诉率",
    "投诉率 = 期内完成的工单中的投诉工单数 ÷ 期内完成的工单数（投诉工单：标记为投诉或服务类型为投诉处理）；"
    "按投诉等级分列时，各等级的投诉工单数 ÷ 同一期内完成的工单数，三级相加即总投诉率（未填等级的按一级计）；"
    "目标：较上期下降25%，即 目标值 = 上期投诉率 × 0.75",
)
REPURCHASE_RATE = Metric(
    "repurchase_rate",
    "复购率",
    "复购率 = 期内完成的工单中老客户的工单数 ÷ 期内完成的工单数（老客户：该工单之前已有完成的工单）",
)
RESPONSE_TIME = Metric(
    "response_time",
    "响应时效",
    "响应时效 = 期内受理的投诉从受理到首次响应（未记录响应时按关闭时间）的平均小时数",
)
COMPLAINT_TIMELY = Metric(
    "complaint_timely",
    "投诉处理及时率",
    "投诉处理及时率 = 在投诉等级的响应时限内响应的投诉 ÷ 期内受理的投诉；响应时限："
    "一级（普通）24小时、二级（较重）12小时、三级（严重）2小时，未填等级的按一级计；"
    "未记录首次响应时间的按关闭时间算，既未响应也未关闭且已超过时限的按不及时计",
)
FIRST_TIME_FIX = Metric(
    "first_time_fix",
    "问题一次性解决率",
    "问题一次性解决率 = 一次性解决的工单 ÷ 已知结果的工单（期内完成）",
)

VERIFICATION = Metric(
    "verification",
    "改进验证",
    "改进验证 = 期内有效的二次回访（改进措施完成后对反馈客户的验证回访）中，"
    "满意率 =（非常满意 + 满意）÷ 有效样本，是占比 = 是 ÷（是 + 否）；"
    "二次回访衡量改进措施的效果，不计入本期满意率、NPS 和回收率",
)

CATALOGUE = (
    SATISFACTION,
    MEAN,
    COMPOSITE,
    NPS,
    RECOVERY,
    SAMPLE,
    COMPLAINT_RATE,
    REPURCHASE_RATE,
    RESPONSE_TIME,
    COMPLAINT_TIMELY,
    FIRST_TIME_FIX,
    VERIFICATION,
)
BY_KEY = {m.key: m for m in CATALOGUE}
BY_NAME = {m.name: m for m in CATALOGUE}


def definition(key_or_name: str) -> str:
    metric = BY_KEY.get(key_or_name) or BY_NAME[key_or_name]
    return metric.definition


def definitions() -> list[tuple[str, str]]:
    """(name, definition) of every metric, in the catalogue's order (the 说明 sheet's rows)."""
    return [(m.name, m.definition) for m in CATALOGUE]


def composite_100(weighted_mean: float | None) -> float | None:
    """A 5-point (weighted) mean on a 0–100 scale: (mean − 1) / 4 × 100."""
    return None if weighted_mean is None else (weighted_mean - 1) / 4 * 100
