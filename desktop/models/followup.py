"""Follow-up records (schema step 7): who was told an improvement was made (告知客户), the sales
follow-up of a visit with 再购意向 (销售跟进), and the targets set per period (目标)."""

import peewee as pw

from .base import BaseModel, now
from .customer import Customer
from .improvement import ImprovementAction
from .visit import Visit

NOTICE_METHODS = ("电话", "短信", "微信", "上门")
LEAD_OUTCOMES = ("待跟进", "跟进中", "已成交", "暂无意向")


class CustomerNotice(BaseModel):
    """One customer told that the problem they reported was fixed: when, how, with which words."""

    action = pw.ForeignKeyField(ImprovementAction, backref="notices", on_delete="CASCADE")
    customer = pw.ForeignKeyField(Customer, backref="notices", on_delete="CASCADE")
    told_on = pw.DateField()
    method = pw.CharField(default="电话")
    message = pw.TextField(default="")
    author = pw.CharField(default="")
    created_at = pw.DateTimeField(default=now)


class SalesLead(BaseModel):
    """The sales follow-up of a visit flagged 再购意向: who follows it, what, when, the outcome."""

    visit = pw.ForeignKeyField(Visit, backref="sales_leads", on_delete="CASCADE", unique=True)
    salesperson = pw.CharField(default="")  # 跟进人
    interest = pw.TextField(default="")  # 意向内容
    follow_up_on = pw.DateField(null=True)  # 跟进日期
    outcome = pw.CharField(default="待跟进")
    note = pw.TextField(default="")
    updated_at = pw.DateTimeField(default=now)


class PeriodGoal(BaseModel):
    """The target of one figure (综合得分, 投诉率, 复购率, 响应时效) for one period (2024Q1 …)."""

    period = pw.CharField()
    metric = pw.CharField()
    target = pw.FloatField()
    updated_at = pw.DateTimeField(default=now)

    class Meta:
        indexes = ((("period", "metric"), True),)
