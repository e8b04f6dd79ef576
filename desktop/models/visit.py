"""Visit tasks (回访任务), call attempts, visits (回访记录) and their answers."""

import peewee as pw

from .base import BaseModel, JSONField, VersionedModel, now
from .customer import Customer, ServiceOrder
from .org import Staff
from .questionnaire import Question, QuestionnaireTemplate

TASK_STATUSES = ("待回访", "已预约", "已完成", "拒访", "无法联系", "已取消")
DONE = "已完成"  # a finished task and a completed visit (Visit.status: 草稿 / 已完成)
# A verification visit (二次回访) checks an improvement measure; its task's trigger starts with this
VERIFY_TRIGGER = "二次回访"
VERIFY_FAMILY = "verification"  # the template family of the 改进效果二次回访 form
SCAN_METHOD = "扫码问卷"  # the customer answered the link (desktop.services.web)
PAPER_METHOD = "问卷"  # a paper questionnaire handed out and returned (typed in or scanned)
SMS_METHOD = "短信"  # the customer replied to a text message
ONLINE_METHOD = "线上问卷"  # answered on a survey platform (问卷星, 腾讯问卷) and imported
# answered by the customer on the shop's counter screen (desktop.views.counter), staff nearby:
# its own method so that 满意率 by channel shows whether answers given in the shop differ
COUNTER_METHOD = "柜台自助"
METHODS = ("电话", SMS_METHOD, "上门", PAPER_METHOD, "短信+电话跟进", SCAN_METHOD, ONLINE_METHOD, COUNTER_METHOD)
MOODS = ("平静", "满意", "轻微不满", "强烈不满")
SIGN_STATUSES = ("未签", "电子签名", "纸质已签")
# Outcomes of one call attempt, as the call script offers them.
OUTCOMES = ("方便", "不方便", "非本人", "无法接通", "拒访")


class VisitTask(BaseModel):
    customer = pw.ForeignKeyField(Customer, backref="tasks", on_delete="RESTRICT")
    order = pw.ForeignKeyField(ServiceOrder, null=True, backref="tasks", on_delete="RESTRICT")
    trigger = pw.CharField(default="手工")  # why: 首次回访, 投诉回访, 交付1个月 …
    earliest = pw.DateField(null=True, index=True)
    latest = pw.DateField(null=True, index=True)
    assignee = pw.ForeignKeyField(Staff, null=True, backref="tasks", on_delete="SET NULL")
    template = pw.ForeignKeyField(QuestionnaireTemplate, null=True, on_delete="SET NULL")
    status = pw.CharField(default="待回访", index=True)
    next_attempt_at = pw.DateTimeField(null=True)  # booked time for the next call
    # the slot agreed with the customer 1–2 days ahead (services.appointments; schema step 6)
    appointment_start = pw.DateTimeField(null=True)
    appointment_end = pw.DateTimeField(null=True)
    # a questionnaire handed out or sent (问卷 / 短信 / 微信) and when (services.chasing; step 7)
    sent_via = pw.CharField(null=True)
    sent_at = pw.DateTimeField(null=True)
    chase_of = pw.IntegerField(null=True)  # a 催收 task: the id of the task it chases
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=now)

    class Meta:
        indexes = ((("order", "trigger"), True),)


class Visit(VersionedModel):
    task = pw.ForeignKeyField(VisitTask, null=True, backref="visits", on_delete="SET NULL")
    customer = pw.ForeignKeyField(Customer, backref="visits", on_delete="RESTRICT")
    order = pw.ForeignKeyField(ServiceOrder, null=True, backref="visits", on_delete="RESTRICT")
    template = pw.ForeignKeyField(QuestionnaireTemplate, backref="visits", on_delete="RESTRICT")
    status = pw.CharField(default="草稿", index=True)  # 草稿 / 已完成
    visit_date = pw.DateField(index=True)
    method = pw.CharField(default="电话")
    visitor = pw.CharField(default="")  # 回访人员
    respondent = pw.CharField(default="")  # 被回访人 (may differ from the customer)
    respondent_is_customer = pw.BooleanField(default=True)
    feedback = pw.TextField(default="")  # 开放式反馈建议 / 宝贵意见
    mood = pw.CharField(default="平静")
    repurchase = pw.BooleanField(default=False)  # 再购意向 → flag for sales
    sign_status = pw.CharField(default="未签")
    invalid = pw.BooleanField(default=False, index=True)
    invalid_reason = pw.CharField(default="")
    invalid_by_hand = pw.BooleanField(null=True)  # None: flagged automatically; True/False: a person decided
    created_at = pw.DateTimeField(default=now)
    updated_at = pw.DateTimeField(default=now)

    class Meta:
        # the statistics' scope (已完成, not invalid, in the period) read from the index alone
        indexes = ((("status", "invalid", "visit_date"), False),)


class Answer(BaseModel):
    visit = pw.ForeignKeyField(Visit, backref="answers", on_delete="CASCADE")
    question = pw.ForeignKeyField(Question, backref="answers", on_delete="RESTRICT")
    value = pw.IntegerField(null=True)  # see Question.value_of_option
    text = pw.TextField(default="")  # free text answer or per-question comment

    class Meta:
        indexes = ((("visit", "question"), True), (("question", "value"), False))


class CallAttempt(BaseModel):
    task = pw.ForeignKeyField(VisitTask, null=True, backref="attempts", on_delete="CASCADE")
    visit = pw.ForeignKeyField(Visit, null=True, backref="attempts", on_delete="CASCADE")
    customer = pw.ForeignKeyField(Customer, backref="attempts", on_delete="RESTRICT")
    at = pw.DateTimeField(default=now)
    outcome = pw.CharField()  # one of OUTCOMES
    reason = pw.TextField(default="")  # 不方便的原因 / 拒访原因
    next_at = pw.DateTimeField(null=True)  # booked next attempt
    answered_by = pw.CharField(default="")  # 非本人: who answered
    staff = pw.CharField(default="")
    detail = JSONField(null=True)


class ProblemCategory(BaseModel):
    DEFAULTS = ("服务态度类", "响应速度类", "技术能力类", "流程便捷性类", "产品质量类", "价格类")

    name = pw.CharField(unique=True)
    position = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)
    keywords = JSONField(null=True)  # words in free text that suggest this category


class VisitProblem(BaseModel):
    visit = pw.ForeignKeyField(Visit, backref="problems", on_delete="CASCADE")
    category = pw.ForeignKeyField(ProblemCategory, backref="visit_links", on_delete="RESTRICT")

    class Meta:
        indexes = ((("visit", "category"), True),)


class FormAutosave(BaseModel):
    """The 回访表 being typed, written a few seconds after each change and when the window loses
    focus, so that a killed program or a power cut loses at most those seconds. One row per PC
    and signed-in account (``owner``); removed when the form is saved or its changes discarded,
    offered back (恢复 / 丢弃) at the next start."""

    owner = pw.CharField(unique=True)  # "<computer>/<account>" ("<computer>/" with sign-in off)
    saved_at = pw.DateTimeField(default=now)
    summary = pw.CharField(default="")  # 客户 · 问卷, shown when offering it back
    data = JSONField()  # the form's VisitInput and its view state
