"""The head-office workbook's format (DOMAIN §4): the sheet names, the 说明 keys, every sheet's columns, widths and notes — what a reader (consolidate) relies on."""

from ...reporting import channels, followup_figures, metrics
from ...reporting.scale import LEVEL_NAMES

FORMAT_VERSION = 1
KIND_BRANCH = "分支工作簿"
KIND_CONSOLIDATED = "合并工作簿"

SHEET_VISITS = "回访记录"
SHEET_DIMENSIONS = "维度统计"
SHEET_PROBLEMS = "问题分类"
SHEET_PLAN = "改进方案表"
SHEET_KPI = "质量评价表"
SHEET_INFO = "说明"
SHEET_VERIFY = "改进验证"
SHEET_SEGMENTS = "细分统计"
SHEET_FOLLOWUP = followup_figures.SHEET_TITLE  # 投诉与回收: per complaint level and channel
SHEET_CHANNELS = channels.SHEET_TITLE  # 分渠道: 满意率 by 回访方式 beside 回收率 by 发放渠道
SHEET_EVALUATORS = "三方评价"  # 工长自评 / 调度回访 / 管理人员回访 per team (summaries.report_evaluators)
SHEETS = (
    SHEET_VISITS,
    SHEET_DIMENSIONS,
    SHEET_SEGMENTS,
    SHEET_CHANNELS,
    SHEET_FOLLOWUP,
    SHEET_EVALUATORS,
    SHEET_PROBLEMS,
    SHEET_PLAN,
    SHEET_KPI,
    SHEET_VERIFY,
    SHEET_INFO,
)

# 说明: the first column names what the row holds (consolidate reads these keys)
INFO_KIND = "工作簿类型"
INFO_FORMAT = "格式版本"
INFO_BRANCH = "分支"
INFO_PERIOD = "统计期间"
INFO_PERIOD_CODE = "期间代码"
INFO_START = "开始日期"
INFO_END = "结束日期"
INFO_TEMPLATE = "问卷模板"  # B: label, C: name, D: version, E: family
INFO_GENERATED = "生成时间"
INFO_PROGRAM = "软件版本"
INFO_MASKED = "个人信息"
INFO_DENOMINATOR = "满意率口径"
MASKED_TEXT = "已脱敏：姓名只保留姓，电话只显示前3位和后4位"
FULL_TEXT = "完整联系方式：文件含客户完整姓名和电话，请妥善保管，不要随意转发"

# 维度统计 columns (consolidate finds them by these names)
DIM_COLUMNS = (
    "维度",
    "有效样本",
    *(LEVEL_NAMES[level] for level in (5, 4, 3, 2, 1)),
    "满意率",
    "平均分",
    "推荐者（9–10分）",
    "中立者（7–8分）",
    "贬损者（0–6分）",
    "NPS",
    "是",
    "否",
    "是占比",
    "比较指标",
    "上期",
    "上期样本",
    "较上期",
    "变化",
)
DIM_WIDTHS = (14, 9, 9, 7, 7, 7, 10, 9, 8, 13, 12, 12, 8, 6, 6, 8, 9, 9, 9, 7, 9)
SUM_VISITS = "回访总数（已完成）"
SUM_VALID = "有效回访"
SUM_INVALID = "无效回访（已剔除）"
SUM_ANSWERS = "计入满意率的评分回答数"
SUM_SATISFACTION = "总体满意率"
SUM_MEAN = "平均分（5分制）"
SUM_COMPOSITE = "综合得分（百分制）"
SUM_NPS = "NPS"
SUM_DUE = "应回访任务"
SUM_COMPLETED = "已完成任务"
SUM_RECOVERY = "回收率"
SUM_PREVIOUS = "上期"
# the metric definitions, as the catalogue states them (the same text on screen and in the report)
NPS_NOTE = metrics.NPS.definition
RECOVERY_NOTE = metrics.RECOVERY.definition
MEAN_NOTE = f"{metrics.MEAN.definition}；{metrics.COMPOSITE.definition}"
CHANGE_NOTE = "较上期：与上一个同长度期间比较，满意率/是占比相差不足 0.5 个百分点、NPS 相差不足 0.5 分记为 →"

PROBLEM_COLUMNS = ("问题分类", "频次", "占比", "累计占比")
PROBLEM_NOTE = "占比 = 该分类出现次数 ÷ 全部分类标记次数（一条回访可标记多个分类，累计占比到 100%）"

PLAN_GROUPS = (
    ("客户基本信息", ("客户姓名", "客户编号", "联系方式", "服务类型", "产品型号")),
    ("回访信息", ("回访日期", "回访方式", "服务工程师")),
    ("满意度反馈", ("服务态度满意度", "响应速度满意度", "问题解决效果满意度", "开放式反馈建议")),
    (
        "改进方案与落实跟踪",
        (
            "问题分类",
            "改进措施",
            "责任部门",
            "责任人",
            "完成时限",
            "落实情况",
            "完成日期",
            "闭环日期",
            "逾期天数",
        ),
    ),
)
PLAN_WIDTHS = (10, 13, 14, 8, 12, 11, 8, 9, 9, 9, 11, 36, 11, 30, 10, 8, 11, 11, 11, 11, 8)

KPI_COLUMNS = (
    "评价周期",
    "评价对象",
    "一级指标",
    "二级指标",
    "权重",
    "目标值",
    "实际值",
    "得分",
    "备注",
    "根因分析",
)
KPI_WIDTHS = (10, 12, 10, 22, 7, 8, 8, 8, 34, 10)
KPI_TOTAL = "合计"
KPI_PERCENT_NOTE = (
    "目标值、实际值为百分数的数值（90 即 90%），单元格格式显示 % 号，可直接计算和透视；"
    "定性指标的实际值为评审平均分（满分 5）"
)


def percent_style(value) -> str | None:
    """The cell style of a 目标值 / 实际值 in percent (90, 88.5): its % format with as many
    decimals as the value has (at most two); None for an empty cell."""
    if value is None:
        return None
    digits = next((d for d in (0, 1) if abs(value * 10**d - round(value * 10**d)) < 1e-9), 2)
    return f"pct_num{digits}"


# 回访记录: (header, column width); the questions follow
VISIT_KIND = "回访类型"  # 首次回访, 投诉回访, 交付1个月 … 二次回访: the task's trigger
VISIT_KIND_MANUAL = "手工"  # a visit without a task
VISIT_COLUMNS: tuple[tuple[str, float], ...] = (
    ("回访编号", 9),
    ("回访日期", 11),
    (VISIT_KIND, 10),
    ("客户编号", 13),
    ("客户姓名", 10),
    ("联系电话", 14),
    ("工单号", 16),
    ("服务类型", 9),
    ("产品型号", 16),
    ("服务工程师", 10),
    ("班组", 12),
    ("区域", 9),
    ("问卷", 22),
    ("回访方式", 9),
    ("回访人员", 9),
    ("被回访人", 9),
    ("状态", 7),
    ("有效/无效", 9),
    ("无效原因", 16),
    ("客户情绪", 9),
    ("问题分类", 16),
    ("再购意向", 9),
    ("签字状态", 9),
    ("宝贵意见", 40),
)
VISIT_GROUP = "回访信息"
TEXT_COLUMNS = frozenset({"客户编号", "联系电话", "工单号", "联系方式"})
DATE_COLUMNS = frozenset({"回访日期", "完成时限", "完成日期", "闭环日期", INFO_START, INFO_END})
VALID = "有效"
INVALID = "无效"
YES = "是"
NO = "否"
# what a table shows when the period has nothing for it (consolidate skips these rows)
EMPTY_PROBLEMS = "（本期没有标记问题分类的回访）"
EMPTY_PLAN = "（本期没有改进措施）"
EMPTY_KPI = "（本期没有质量评价表）"
EMPTY_ROWS = frozenset({EMPTY_PROBLEMS, EMPTY_PLAN, EMPTY_KPI})
MAX_CELL_TEXT = 32767
