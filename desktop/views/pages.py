"""The main window's pages, in navigation order. Modules are imported when first shown."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    id: str
    title: str
    module: str  # desktop.views.<module>
    cls: str
    shot: str = ""  # screenshot file name (without .png); the id when empty

    @property
    def screenshot_name(self) -> str:
        return f"{self.shot or self.id}.png"


PAGES = [
    PageSpec("dashboard", "工作台", "dashboard_view", "DashboardView"),
    PageSpec("tasks", "回访任务", "tasks_view", "TasksView"),
    PageSpec("visit_form", "回访表", "visit_form_view", "VisitFormView"),
    PageSpec("visits", "回访记录", "visits_view", "VisitsView"),
    PageSpec("analysis", "问题分析", "analysis_view", "AnalysisView"),
    PageSpec("improvement", "改进方案", "improvement_view", "ImprovementView", shot="improvement_plan"),
    PageSpec("customers", "客户", "customers_view", "CustomersView"),
    PageSpec("orders", "服务工单", "orders_view", "OrdersView"),
    PageSpec("sampling", "抽样计划", "sampling_view", "SamplingView"),
    PageSpec("import", "导入数据", "import_view", "ImportView"),
    PageSpec("kpi", "质量评价", "kpi_view", "KpiView", shot="kpi_scorecard"),
    PageSpec("report", "调查报告", "report_view", "ReportView"),
    PageSpec("templates", "问卷模板", "templates_view", "TemplatesView"),
    PageSpec("settings", "设置", "settings_view", "SettingsView"),
]


def load_page_class(spec: PageSpec):
    import importlib

    module = importlib.import_module(f"desktop.views.{spec.module}")
    return getattr(module, spec.cls)
