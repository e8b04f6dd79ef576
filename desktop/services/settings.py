"""Typed business settings. Defaults are declared here, so new settings need no migration."""

from dataclasses import dataclass
from typing import Any

from desktop.models import Setting, db


@dataclass(frozen=True)
class SettingDef:
    key: str
    label: str
    default: Any
    help: str = ""


DEFINITIONS = [
    SettingDef("company_name", "公司名称", "示例家电售后服务有限公司", "打印在回访表抬头"),
    SettingDef("company_logo", "公司标志图片", "", "PNG/JPG/SVG 文件路径,打印在回访表左上角"),
    SettingDef("hotline", "客服热线", "400-800-1234", "回访话术与打印表中使用"),
    SettingDef("reply_workdays", "答复时限(工作日)", 3, "结束语中承诺答复的工作日数"),
    SettingDef("visitor_name", "默认回访人员", "", "新回访记录的回访人员"),
    SettingDef("default_template_family", "默认问卷", "after_sales", "新回访使用的问卷模板"),
]
_BY_KEY = {d.key: d for d in DEFINITIONS}


def get(key: str) -> Any:
    row = Setting.get_or_none(Setting.key == key)
    if row is not None:
        return row.value
    return _BY_KEY[key].default


def set_value(key: str, value: Any) -> None:
    if key not in _BY_KEY:
        raise KeyError(key)
    Setting.insert(key=key, value=value).on_conflict_replace().execute()


def all_values() -> dict[str, Any]:
    stored = {s.key: s.value for s in Setting.select()}
    return {d.key: stored.get(d.key, d.default) for d in DEFINITIONS}


def save_all(values: dict[str, Any]) -> None:
    with db.atomic():
        for key, value in values.items():
            set_value(key, value)
