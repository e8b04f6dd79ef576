"""Departments (责任部门/班组) and staff (回访员, 工程师, 主管)."""

import peewee as pw

from .base import BaseModel


class Department(BaseModel):
    name = pw.CharField(unique=True)
    note = pw.TextField(default="")


class Staff(BaseModel):
    ROLES = ("回访员", "服务工程师", "工长", "主管", "其他")  # 工长: rates his team's orders (工长自评)

    name = pw.CharField(index=True)
    role = pw.CharField(default="回访员")
    department = pw.ForeignKeyField(Department, null=True, backref="staff", on_delete="SET NULL")
    phone = pw.CharField(default="")
    active = pw.BooleanField(default=True)
