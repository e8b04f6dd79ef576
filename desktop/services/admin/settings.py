"""Typed business settings. Defaults are declared here, so new settings need no migration."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.models import QuestionnaireTemplate, Setting, db, now

from ..common.errors import ValidationError, ValidationErrors
from ..common.validation import clean_text, shown, strip_control
from . import accounts, versions


@dataclass(frozen=True)
class SettingDef:
    key: str
    label: str
    default: Any
    help: str = ""


DEFINITIONS = [
    SettingDef("company_name", "公司名称", "示例家电售后服务有限公司", "打印在回访表抬头"),
    SettingDef("company_logo", "公司标志图片", "", "PNG/JPG/SVG 文件路径，打印在回访表左上角"),
    SettingDef("report_department", "报告编制部门", "", "印在调查与改进报告的“编制部门”；留空 = 公司名称"),
    SettingDef("report_owner", "报告负责人", "", "印在调查与改进报告的“负责人”，如 客服部 王经理"),
    SettingDef("hotline", "客服热线", "400-800-1234", "回访话术与打印表中使用"),
    SettingDef("reply_workdays", "答复时限（工作日）", 3, "结束语中承诺答复的工作日数"),
    SettingDef("visitor_name", "默认回访人员", "", "新回访记录的回访人员"),
    SettingDef("default_template_family", "默认问卷", "after_sales", "新回访使用的问卷模板"),
    # visit triggers (services.scheduler): which tasks are created automatically
    SettingDef("trigger_first_visit", "首次回访", True, "服务完成后第3–5个工作日回访"),
    SettingDef(
        "trigger_first_visit_types",
        "首次回访的服务类型",
        "安装、维修、保养、咨询、交付",
        "用顿号或逗号分隔；投诉工单改为投诉回访",
    ),
    SettingDef("trigger_complaint", "投诉回访", True, "投诉关闭后24小时内（当天至下一个工作日）回访"),
    SettingDef("trigger_delivery_1m", "交付1个月回访", True, "交付日期后1个月，前后3个工作日内"),
    SettingDef("trigger_delivery_3m", "交付3个月回访", True, "交付日期后3个月，前后3个工作日内"),
    SettingDef("trigger_warranty_end", "保修到期回访", True, "保修到期日前后3个工作日内"),
    SettingDef("trigger_333", "“333”回访节奏", False, "服务完成后3天、3周、3个月各回访一次"),
    SettingDef(
        "trigger_car_delivery",
        "汽车交车回访（首日、三日）",
        False,
        "交车当天或次日回访一次（首日），交车后第3天再回访一次（三日）",
    ),
    SettingDef(
        "trigger_warranty_half_year",
        "保修期内每半年回访",
        False,
        "交付后每满6个月回访一次，直到保修到期日（前后3个工作日内）",
    ),
    SettingDef(
        "trigger_chase",
        "问卷催收",
        True,
        "发放或发出的问卷（纸质问卷、短信、微信）超过催收天数仍未收回时，建一个催收任务提醒客户交回",
    ),
    SettingDef("trigger_chase_days", "催收天数", 7, "问卷发放后这么多天仍未收回即建催收任务（1–60 天）"),
    SettingDef("trigger_quarterly", "季度批量回访", False, "每季度初按默认抽样方案为上季度的客户建任务"),
    # working-day calendar fallback for years the official data does not cover yet
    SettingDef(
        "calendar_extra_holidays", "补充节假日", "", "如 2027-01-01、2027-02-06；官方日历未收录的年份使用"
    ),
    SettingDef("calendar_extra_workdays", "补充调休上班日", "", "如 2027-02-14；周末但需上班的日期"),
    # automatic backups (services.backup)
    SettingDef(
        "backup_keep", "保留备份份数", 10, "退出时和每日的自动备份各保留最新的这么多份；手动备份不会被删除"
    ),
    SettingDef("backup_dir", "备份目录", "", "留空 = 数据库所在文件夹下的 backups 文件夹"),
    # 问题一次性解决 of orders nobody marked 是/否 (services.first_fix)
    SettingDef(
        "kpi_rework_days",
        "返修判定天数",
        30,
        "同一客户同一产品型号在工单完成后这么多天内再次报修（维修或投诉），原工单记为未一次性解决；"
        "期满未再报修记为一次性解决。工单上填写的“一次性解决”优先",
    ),
    # 扫码评价: the phone page the app serves on the shop's own network (services.web)
    SettingDef(
        "survey_enabled",
        "扫码评价",
        False,
        "开启后本机提供手机评价页面，客户扫码或打开链接自行填写问卷（默认关闭）",
    ),
    SettingDef(
        "survey_host",
        "扫码评价监听地址",
        "127.0.0.1",
        "127.0.0.1 = 只有本机能打开；填本机的局域网地址（如 192.168.1.20）或 0.0.0.0，店内 Wi-Fi 上的手机才能打开",
    ),
    SettingDef("survey_port", "扫码评价端口", 8765, "1024–65535；防火墙须放行这个端口"),
    SettingDef(
        "survey_link_days", "扫码评价链接有效天数", 14, "链接发出后这么多天内有效，只能提交一次（1–90 天）"
    ),
]
_BY_KEY = {d.key: d for d in DEFINITIONS}


def get(key: str) -> Any:
    row = Setting.get_or_none(Setting.key == key)
    if row is not None:
        return row.value
    return _BY_KEY[key].default


def default_visitor() -> str:
    """回访人员 / 记录人 for new records: the signed-in person, else 设置 → 默认回访人员."""
    return accounts.actor_name() or str(get("visitor_name") or "")


@accounts.requires(accounts.MANAGE, "修改设置")
def set_value(key: str, value: Any) -> None:
    """Store one setting; its version goes up (a stored key's, from 1 for a new one)."""
    if key not in _BY_KEY:
        raise KeyError(key)
    who, at = versions.actor(), now()
    Setting.insert(key=key, value=value, modified_by=who, modified_at=at).on_conflict(
        conflict_target=[Setting.key],
        update={
            Setting.value: value,
            Setting.row_version: Setting.row_version + 1,
            Setting.modified_by: who,
            Setting.modified_at: at,
        },
    ).execute()


def all_values() -> dict[str, Any]:
    stored = {s.key: s.value for s in Setting.select()}
    return {d.key: stored.get(d.key, d.default) for d in DEFINITIONS}


def stored_versions() -> dict[str, int]:
    """The version of each setting as the 设置 page loads it (0: never saved, the default)."""
    stored = dict(Setting.select(Setting.key, Setting.row_version).tuples())
    return {d.key: stored.get(d.key, 0) for d in DEFINITIONS}


@accounts.requires(accounts.MANAGE, "修改设置")
def save_all(values: dict[str, Any], loaded: dict[str, int] | None = None) -> None:
    """Store the 设置 page. ``loaded`` (``stored_versions`` when the page was filled): a setting
    saved by someone else since then refuses the whole save with ``StaleEdit`` (its ``current``:
    ``all_values()``; its ``version``: that setting's version), nothing written."""
    with db.atomic():
        if loaded is not None:
            now_stored = stored_versions()
            for key in values:
                if key in loaded and now_stored.get(key, 0) != loaded[key]:
                    raise versions.stale(Setting, key, "些设置", all_values)
        for key, value in values.items():
            set_value(key, value)


def _workdays(value) -> int:
    field = "答复时限（工作日）"
    try:
        days = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(float("inf"))
        raise ValidationError(field, f"“{shown(value)}”不是整数，请填写如 3。") from None
    if not 1 <= days <= 30:
        raise ValidationError(field, "请填写 1 到 30 之间的工作日数。")
    return days


def _logo(value) -> str:
    field = "公司标志图片"
    text = clean_text(value, field, max_len=500)
    try:
        found = bool(text) and Path(text).is_file()
    except (OSError, ValueError):  # a name too long for the file system, and the like
        found = False
    if text and not found:
        raise ValidationError(field, f"找不到文件 {shown(text, 80)}，请重新选择图片或清空。")
    if text and Path(text).suffix.lower() not in IMAGE_SUFFIXES:
        raise ValidationError(field, "请选择 PNG、JPG、SVG、BMP 或 GIF 图片。")
    return text


def _template_family(value) -> str:
    if (
        not value
        or not isinstance(value, str)
        or value != strip_control(value)  # never a family code; PostgreSQL refuses NUL in a query
        or not QuestionnaireTemplate.select().where(QuestionnaireTemplate.family == value).exists()
    ):
        raise ValidationError("默认问卷", "请选择一个现有的问卷模板。")
    return value


REWORK_DAYS_RANGE = (1, 365)


def clean_rework_days(value) -> int:
    """返修判定天数: a whole number of days, 1 to 365."""
    field = "返修判定天数"
    try:
        days = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(field, f"“{shown(value)}”不是整数，请填写如 30。") from None
    low, high = REWORK_DAYS_RANGE
    if not low <= days <= high:
        raise ValidationError(field, f"请填写 {low} 到 {high} 之间的天数。")
    return days


CHASE_DAYS_RANGE = (1, 60)


def clean_chase_days(value) -> int:
    """催收天数 (services.chasing): a whole number of days, 1 to 60."""
    field = "催收天数"
    try:
        days = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(field, f"“{shown(value)}”不是整数，请填写如 7。") from None
    low, high = CHASE_DAYS_RANGE
    if not low <= days <= high:
        raise ValidationError(field, f"请填写 {low} 到 {high} 之间的天数。")
    return days


SURVEY_PORT_RANGE = (1024, 65535)
SURVEY_DAYS_RANGE = (1, 90)


def _whole_number(value, field: str, bounds: tuple[int, int], example: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(field, f"“{shown(value)}”不是整数，请填写如 {example}。") from None
    low, high = bounds
    if not low <= number <= high:
        raise ValidationError(field, f"请填写 {low} 到 {high} 之间的整数。")
    return number


def clean_survey_host(value) -> str:
    """扫码评价监听地址: an IPv4 address of this PC (127.0.0.1, a LAN address) or 0.0.0.0."""
    import ipaddress

    field = "扫码评价监听地址"
    text = clean_text(value, field, max_len=40) or "127.0.0.1"
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        raise ValidationError(
            field, f"“{shown(text)}”不是 IPv4 地址，请填写如 127.0.0.1、192.168.1.20 或 0.0.0.0。"
        ) from None
    return text


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".bmp", ".gif")
_CHECKS = {
    "company_name": lambda v: clean_text(v, "公司名称", required=True, max_len=60),
    "company_logo": _logo,
    "report_department": lambda v: clean_text(v, "报告编制部门", max_len=40),
    "report_owner": lambda v: clean_text(v, "报告负责人", max_len=30),
    "hotline": lambda v: clean_text(v, "客服热线", max_len=30),
    "reply_workdays": _workdays,
    "visitor_name": lambda v: clean_text(v, "默认回访人员", max_len=30),
    "default_template_family": _template_family,
    "kpi_rework_days": clean_rework_days,
    "trigger_chase_days": clean_chase_days,
    "survey_host": clean_survey_host,
    "survey_port": lambda v: _whole_number(v, "扫码评价端口", SURVEY_PORT_RANGE, "8765"),
    "survey_link_days": lambda v: _whole_number(v, "扫码评价链接有效天数", SURVEY_DAYS_RANGE, "14"),
}


def validate_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check what the settings page submits; raises ValidationErrors naming every bad field.

    Settings without a check here pass through unchanged.
    """
    clean, errors = {}, []
    for key, value in values.items():
        if key not in _BY_KEY:
            raise KeyError(key)
        try:
            clean[key] = _CHECKS[key](value) if key in _CHECKS else value
        except ValidationError as err:
            errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    return clean
