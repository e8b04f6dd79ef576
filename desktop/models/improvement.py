"""Improvement actions (改进方案表 rows) with their weekly progress log."""

import peewee as pw

from .base import BaseModel, VersionedModel, now
from .visit import ProblemCategory, Visit, VisitTask

ACTION_STATUSES = ("未启动", "进行中", "已完成", "效果验证中", "已闭环")


class ImprovementAction(VersionedModel):
    category = pw.ForeignKeyField(ProblemCategory, null=True, backref="actions", on_delete="SET NULL")
    problem = pw.TextField()  # 问题描述
    measure = pw.TextField(default="")  # 改进措施
    department = pw.CharField(default="")  # 责任部门
    owner = pw.CharField(default="")  # 责任人
    deadline = pw.DateField(null=True)  # 完成时限
    acceptance = pw.TextField(default="")  # 验收标准
    expected_effect = pw.TextField(default="")  # 预期效果
    status = pw.CharField(default="未启动", index=True)
    completed_on = pw.DateField(null=True)
    completion_note = pw.TextField(default="")  # e.g. 2023-11-08完成系统调试
    verification_result = pw.TextField(default="")
    closed_on = pw.DateField(null=True)
    customer_message = pw.TextField(default="")  # "您反馈的问题已优化…"
    customer_told_on = pw.DateField(null=True)
    created_at = pw.DateTimeField(default=now)


class ActionVisit(BaseModel):
    action = pw.ForeignKeyField(ImprovementAction, backref="visit_links", on_delete="CASCADE")
    visit = pw.ForeignKeyField(Visit, backref="action_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("action", "visit"), True),)


class ActionTask(BaseModel):
    """A verification visit task (二次回访) created when the action was marked 已完成."""

    action = pw.ForeignKeyField(ImprovementAction, backref="task_links", on_delete="CASCADE")
    task = pw.ForeignKeyField(VisitTask, backref="action_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("action", "task"), True),)


class ActionLog(BaseModel):
    action = pw.ForeignKeyField(ImprovementAction, backref="log", on_delete="CASCADE")
    at = pw.DateTimeField(default=now)
    status_from = pw.CharField(default="")
    status_to = pw.CharField(default="")
    note = pw.TextField(default="")
    author = pw.CharField(default="")


class StandardEntry(BaseModel):
    """A closed action whose verified measure was made standard practice (纳入《售后服务标准
    手册》, seed 001): the measure and the verified effect as adopted (editable apart from the
    action's own texts)."""

    action = pw.ForeignKeyField(ImprovementAction, backref="standard", unique=True, on_delete="CASCADE")
    measure = pw.TextField()  # 标准措施
    effect = pw.TextField()  # 验证效果
    adopted_on = pw.DateField()
    adopted_by = pw.CharField(default="")
    created_at = pw.DateTimeField(default=now)
