"""工长自评 (schema step 11): the foreman's own assessment of one completed order, on the three
factors of the maintenance centre (seed 002) — 满意 10 / 基本满意 8 / 不满意 6 each — and a remark.

Not a customer visit: it never counts in customer satisfaction figures; the evaluator report puts
it beside the 调度 and 管理人员 phone visits (``desktop.services.reporting.evaluators``)."""

import peewee as pw

from .base import BaseModel, now
from .customer import ServiceOrder


class ForemanReview(BaseModel):
    order = pw.ForeignKeyField(ServiceOrder, backref="foreman_reviews", on_delete="CASCADE", unique=True)
    completeness = pw.IntegerField(null=True)  # 工单填写的故障情况及原因分析完整程度
    measures = pw.IntegerField(null=True)  # 故障处理措施是否得当
    efficiency = pw.IntegerField(null=True)  # 作业效率
    remark = pw.TextField(default="")
    reviewer = pw.CharField(default="")  # who assessed (the signed-in name, or the order's team)
    reviewed_on = pw.DateField()
    updated_at = pw.DateTimeField(default=now)
