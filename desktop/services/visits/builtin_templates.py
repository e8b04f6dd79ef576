"""The questionnaires shipped with the product, drawn from the seed forms (our wording)."""

from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, SCORE10, TEXT, YESNO

from ..reporting.scale import MAINTENANCE_FAMILY, legend

_OPENING = (
    "{customer}您好！我是{company}的客服{visitor}。您{service_date}办理的{service}已经完成，"
    "为了把服务做得更好，想占用您三分钟做个回访，请问现在方便吗？"
)
_CLOSING = (
    "非常感谢您的支持！您提的意见我已经详细记录，我们会在{reply_days}个工作日内给您答复。"
    "如有需要请拨打我们的客服热线{hotline}。祝您生活愉快，再见！"
)
_BANK_LABELS = ["非常满意", "比较满意", "一般", "不满意", "很不满意"]

BUILTIN_TEMPLATES = [
    {
        "family": "after_sales",
        "name": "售后服务回访（通用）",
        "industry": "家电/设备售后",
        "title": "售后服务客户满意度回访表",
        "greeting": "尊敬的客户：感谢您选择我们的服务。为了解本次服务的实际效果，请您对以下各项作出评价，"
        "您的意见将直接用于改进我们的工作。",
        "questions": [
            ("您对上门工程师的服务态度满意吗？", "服务态度", LEVEL5),
            ("从报修到工程师上门，您对响应速度满意吗？", "响应及时性", LEVEL5),
            ("这次的问题解决得怎么样，您满意吗？", "问题解决效果", LEVEL5),
            ("预约、报修、结算等手续办理是否方便？", "流程便捷性", LEVEL5),
            ("工程师讲解的使用保养建议和增值服务，您满意吗？", "增值需求", LEVEL5),
            ("如果亲友需要类似服务，您有多大可能推荐我们？（0–10分）", "推荐意愿", NPS),
            ("您觉得我们的售后流程哪个环节最需要改进？", "开放建议", TEXT, {"required": False}),
        ],
    },
    {
        "family": "travel_front_desk",
        "name": "旅行社前台服务回访",
        "industry": "旅行社",
        "title": "客户满意度回访表",
        "greeting": "尊敬的客户：为了解您对我社前台服务的感受和期望，请您抽出一点时间完成以下评价。"
        "我们会认真分析每一条反馈，持续改进前台服务。感谢您的配合！",
        "questions": [
            ("您对前台工作人员的整体印象如何？", "整体印象", LEVEL5),
            ("前台工作人员的服务态度让您满意吗？", "服务态度", LEVEL5),
            ("前台工作人员能否很快理解您描述的问题？", "理解能力", LEVEL5),
            ("您对前台推荐的旅游产品满意吗？", "产品推荐", LEVEL5),
            ("您对前台工作人员的沟通技巧满意吗？", "沟通技巧", LEVEL5),
            ("您对前台工作人员的服务质量满意吗？", "服务质量", LEVEL5),
            ("您对业务办理的速度满意吗？", "办理速度", LEVEL5),
            ("请告诉我们您对改进服务的宝贵意见：", "开放建议", TEXT, {"required": False}),
        ],
    },
    {
        "family": "car_service",
        "name": "汽车维修保养回访",
        "industry": "汽车4S店/维修站",
        "title": "维修保养服务满意度回访表",
        "greeting": "尊敬的车主：感谢您到店维修保养。以下问题请按真实感受作答，"
        f"满意度按1–10分打分（{legend('car_service')}）。",
        "questions": [
            ("服务站是否主动邀请您进站保养？", "落实度·主动邀约", YESNO),
            ("进站时服务顾问接车是否迅速、礼貌？（1–10分）", "接车服务", SCORE10),
            ("服务顾问对您提出的需求是否重视？（1–10分）", "需求重视", SCORE10),
            ("维修前对项目内容和收费明细的解释是否清楚？（1–10分）", "费用透明", SCORE10),
            ("客户休息区是否免费提供饮品和午餐？", "落实度·休息区", YESNO),
            ("客户休息区的座椅、娱乐设施是否舒适？（1–10分）", "休息区舒适", SCORE10),
            ("交车时车辆是否干净、车况良好？（1–10分）", "交车质量", SCORE10),
            ("本次要求的项目是否一次性彻底完成？", "落实度·一次修复", YESNO),
            ("本次维修保养所需配件是否齐全？", "落实度·配件", YESNO),
            ("结算时的收费是否合理？（1–10分）", "收费合理", SCORE10),
            ("您有多大可能向朋友推荐本服务站？（0–10分）", "推荐意愿", NPS),
            ("还有什么需要我们改进的地方？", "开放建议", TEXT, {"required": False}),
        ],
    },
    {
        "family": "bank",
        "name": "银行网点客户满意度问卷",
        "industry": "银行/金融",
        "title": "银行客户满意度调查问卷",
        "greeting": "尊敬的客户：为了解您对我行服务的评价和需求，请您填写以下问卷，"
        "每题后可写下您的宝贵意见。我们将据此不断提高服务质量。感谢您的配合！",
        "questions": [
            ("您对营业厅礼仪服务人员的整体印象如何？", "礼仪服务", LEVEL5, {"options": _BANK_LABELS}),
            ("礼仪服务人员的服务态度让您满意吗？", "服务态度", LEVEL5, {"options": _BANK_LABELS}),
            (
                "客户服务中心工作人员能否快速理解您描述的问题？",
                "理解速度",
                LEVEL5,
                {"options": ["非常快速", "比较快速", "一般", "不快速", "很缓慢"]},
            ),
            (
                "您对客户服务中心解决问题的效率满意吗？",
                "解决效率",
                LEVEL5,
                {"options": ["非常迅速", "比较迅速", "一般", "不迅速", "很缓慢"]},
            ),
            ("您对客户服务中心工作人员的专业知识满意吗？", "专业知识", LEVEL5, {"options": _BANK_LABELS}),
            ("您对客户服务中心工作人员的沟通技巧满意吗？", "沟通技巧", LEVEL5, {"options": _BANK_LABELS}),
            ("您对我行财会人员的服务质量满意吗？", "财会服务", LEVEL5, {"options": _BANK_LABELS}),
            (
                "您是通过什么渠道了解到我行的？",
                "客户来源",
                CHOICE,
                {"options": ["亲友介绍", "网点路过", "网络/公众号", "广告宣传", "其他"], "required": False},
            ),
        ],
        "allow_comment": True,
    },
    {
        # the maintenance centre (seed 002): 调度 and 管理人员 call whoever reported the fault;
        # each factor is answered 满意 10 / 基本满意 8 / 不满意 6
        "family": MAINTENANCE_FAMILY,
        "name": "维修中心报修回访",
        "industry": "维修中心/报修服务",
        "title": "报修服务满意度回访表",
        "greeting": "尊敬的报修人：感谢您通过报修电话报告故障。请对本次维修作出评价，"
        f"每项按三档打分（{legend(MAINTENANCE_FAMILY)}）。",
        "opening": "{customer}您好！我是{company}的{visitor}。您报修的故障已经处理完毕，"
        "想占用您两分钟了解一下维修情况，请问现在方便吗？",
        "questions": [
            ("维修人员是否在接报故障后1小时内与您联系确认故障情况？", "落实度·1小时联系", YESNO),
            ("您对维修人员的故障响应速度满意吗？（满意10分，基本满意8分，不满意6分）", "响应速度", SCORE10),
            ("您对维修人员的服务态度满意吗？有无不文明用语？（同上打分）", "服务态度", SCORE10),
            ("维修后设备运行正常吗？您对维修效果满意吗？（同上打分）", "问题解决效果", SCORE10),
            ("您还有什么意见或建议？", "开放建议", TEXT, {"required": False}),
        ],
    },
    {
        # 二次回访: asked within a week after an improvement measure is done (改进方案表 → 效果验证)
        "family": "verification",
        "name": "改进效果二次回访",
        "industry": "通用",
        "title": "改进效果二次回访表",
        "greeting": "尊敬的客户：您之前反馈的问题我们已经做了改进。想请您再花一分钟告诉我们改进后的感受，"
        "这将决定这项改进能否确认完成。感谢您的支持！",
        "opening": "{customer}您好！我是{company}的客服{visitor}。您之前向我们反馈过问题，我们已经做了改进，"
        "想占用您一分钟了解一下改进后的效果，请问现在方便吗？",
        "questions": [
            ("改进后您对我们的服务满意吗？", "改进满意度", LEVEL5),
            ("您反馈的问题解决了吗？", "问题解决", YESNO),
            ("您还有什么需要我们改进的地方？", "开放建议", TEXT, {"required": False}),
        ],
    },
]

for _t in BUILTIN_TEMPLATES:
    _t.setdefault("opening", _OPENING)
    _t.setdefault("closing", _CLOSING)
