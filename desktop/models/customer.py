"""Customers (客户) and their service orders (服务工单)."""

import peewee as pw

from .base import VersionedModel, now


class Customer(VersionedModel):
    TYPES = ("VIP客户", "普通客户", "企业客户")
    TITLES = ("先生", "女士", "")

    code = pw.CharField(unique=True)  # 客户编号, e.g. C202310001
    name = pw.CharField(index=True)  # 姓名 / 单位名称
    # pinyin search keys of ``name`` (" hsy huangsiyuan"), written with the name on every path;
    # see desktop/services/common/pinyin.py. Nullable with a SQL default: raw bulk INSERTs that leave it
    # out still work (their rows are simply not found by pinyin), and adding it to an older
    # database needs no table rebuild
    name_py = pw.TextField(default="", null=True, constraints=[pw.SQL("DEFAULT ''")])
    title = pw.CharField(default="")  # 称谓 先生/女士
    phone = pw.CharField(index=True)  # 联系电话, normalised digits (landline as 区号-号码)
    address = pw.CharField(default="")
    ctype = pw.CharField(default="普通客户")  # 客户类型
    region = pw.CharField(default="")  # 区域
    source = pw.CharField(default="")  # 客户来源
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=now)
    # Archived instead of deleted when visits refer to the customer: history is never lost.
    archived = pw.BooleanField(default=False, index=True)

    @property
    def display_name(self) -> str:
        return f"{self.name}{self.title}" if self.title and len(self.name) <= 1 else self.name


class ServiceOrder(VersionedModel):
    SERVICE_TYPES = ("安装", "维修", "保养", "咨询", "投诉处理", "交付")
    COMPLAINT_LEVELS = ("一级", "二级", "三级")

    order_no = pw.CharField(unique=True)  # 工单号
    customer = pw.ForeignKeyField(Customer, backref="orders", on_delete="RESTRICT")
    service_type = pw.CharField(default="维修", index=True)
    product_model = pw.CharField(default="")  # 产品型号 e.g. KFR-35GW
    engineer = pw.CharField(default="", index=True)  # 服务工程师
    team = pw.CharField(default="", index=True)  # 责任部门/班组
    completed_at = pw.DateTimeField(null=True, index=True)  # 完成时间
    delivered_on = pw.DateField(null=True)  # 交付日期
    warranty_end = pw.DateField(null=True)  # 保修到期日
    is_complaint = pw.BooleanField(default=False)
    complaint_at = pw.DateTimeField(null=True, index=True)  # 投诉受理时间 (empty on most orders)
    complaint_responded_at = pw.DateTimeField(null=True)  # 首次响应时间 (24 小时内为及时)
    complaint_closed_at = pw.DateTimeField(null=True)
    complaint_level = pw.CharField(null=True)  # 一级/二级/三级
    first_time_fixed = pw.BooleanField(null=True)  # 一次性解决
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=now)

    class Meta:
        # 老客户 (reporting.scope.returning_condition) asks for each order whether its customer had
        # an earlier one: answered from this index alone
        indexes = ((("customer", "completed_at"), False),)
