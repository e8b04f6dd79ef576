"""The main window's pages, in navigation order. Modules are imported when first shown."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    id: str  # also the screenshot file name: <id>.png
    title: str
    module: str  # desktop.views.<module>
    cls: str


PAGES = [
    PageSpec("tasks", "回访任务", "tasks_view", "TasksView"),
    PageSpec("visit_form", "回访表", "visit_form_view", "VisitFormView"),
    PageSpec("visits", "回访记录", "visits_view", "VisitsView"),
    PageSpec("customers", "客户", "customers_view", "CustomersView"),
    PageSpec("orders", "服务工单", "orders_view", "OrdersView"),
    PageSpec("sampling", "抽样计划", "sampling_view", "SamplingView"),
    PageSpec("import", "导入数据", "import_view", "ImportView"),
    PageSpec("templates", "问卷模板", "templates_view", "TemplatesView"),
    PageSpec("settings", "设置", "settings_view", "SettingsView"),
]


def load_page_class(spec: PageSpec):
    import importlib

    module = importlib.import_module(f"desktop.views.{spec.module}")
    return getattr(module, spec.cls)
