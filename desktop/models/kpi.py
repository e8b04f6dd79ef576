"""KPI scorecards (表1 售后服务质量评价表) with indicators and reviewer scores."""

import peewee as pw

from .base import BaseModel, VersionedModel, now


class KpiScorecard(VersionedModel):
    period = pw.CharField()  # 评价周期, e.g. 2024Q1
    target = pw.CharField()  # 评价对象, e.g. 维修事业部 (a team), 维修 (a service type), 新客户
    # 评价范围: what ``target`` names — team (班组), service_type (服务类型) or customer_tenure (新老客户)
    scope_kind = pw.CharField(default="team")
    created_at = pw.DateTimeField(default=now)
    note = pw.TextField(default="")


class KpiIndicator(BaseModel):
    scorecard = pw.ForeignKeyField(KpiScorecard, backref="indicators", on_delete="CASCADE")
    position = pw.IntegerField(default=0)
    level1 = pw.CharField()  # 一级指标: 时效性 / 专业性 / 规范性 / 客户体验
    level2 = pw.CharField()  # 二级指标
    definition = pw.TextField(default="")
    weight = pw.FloatField()
    target = pw.FloatField(null=True)
    actual = pw.FloatField(null=True)
    qualitative = pw.BooleanField(default=False)  # scored by reviewers 1–5
    source = pw.CharField(default="manual")  # where the actual value comes from
    note = pw.TextField(default="")  # 备注(未达标原因)


class KpiReviewerScore(BaseModel):
    indicator = pw.ForeignKeyField(KpiIndicator, backref="reviewer_scores", on_delete="CASCADE")
    reviewer = pw.CharField()
    score = pw.IntegerField()  # 1 不达标 … 5 优秀
