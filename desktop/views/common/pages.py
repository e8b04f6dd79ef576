"""The main window's pages, in navigation order. Modules are imported when first shown."""

from dataclasses import dataclass

from desktop.services.admin import accounts


@dataclass(frozen=True)
class PageSpec:
    id: str
    title: str
    module: str  # desktop.views.<package>.<module>
    cls: str
    shot: str = ""  # screenshot file name (without .png); the id when empty
    # with sign-in on: the page is shown to roles having any of these capabilities
    # (desktop.services.admin.accounts); empty = everyone
    needs: tuple[str, ...] = ()

    @property
    def screenshot_name(self) -> str:
        return f"{self.shot or self.id}.png"


# who sees which page once sign-in is on (capabilities of desktop.services.admin.accounts)
_CALL, _MANAGE, _SEE_ALL = (accounts.CALL,), (accounts.MANAGE,), (accounts.SEE_ALL,)

PAGES = [
    PageSpec("dashboard", "工作台", "dashboard.dashboard_view", "DashboardView", needs=_SEE_ALL),
    PageSpec("tasks", "回访任务", "tasks.tasks_view", "TasksView", needs=_CALL),
    PageSpec("visit_form", "回访表", "visit_form.visit_form_view", "VisitFormView"),
    PageSpec("scan_entry", "扫描录入", "scanning.scan_entry_view", "ScanEntryView", needs=_CALL),
    PageSpec("visits", "回访记录", "visits.visits_view", "VisitsView"),
    PageSpec(
        "foreman_review", "工长自评", "evaluation.foreman_review_view", "ForemanReviewView", needs=_CALL
    ),
    PageSpec("analysis", "问题分析", "analysis.analysis_view", "AnalysisView", needs=_SEE_ALL),
    PageSpec(
        "improvement",
        "改进方案",
        "improvement.improvement_view",
        "ImprovementView",
        shot="improvement_plan",
        needs=_SEE_ALL,
    ),
    PageSpec("standards", "标准手册", "improvement.standards_view", "StandardsView", needs=_SEE_ALL),
    PageSpec("customers", "客户", "customers.customers_view", "CustomersView"),
    PageSpec("orders", "服务工单", "orders.orders_view", "OrdersView"),
    PageSpec("sampling", "抽样计划", "sampling.sampling_view", "SamplingView", needs=_MANAGE),
    PageSpec("import", "导入数据", "intake.import_view", "ImportView", needs=_MANAGE),
    PageSpec("kpi", "质量评价", "kpi.kpi_view", "KpiView", shot="kpi_scorecard", needs=_SEE_ALL),
    PageSpec("report", "调查报告", "report.report_view", "ReportView", needs=_SEE_ALL),
    PageSpec("templates", "问卷模板", "templates.templates_view", "TemplatesView", needs=_MANAGE),
    PageSpec("settings", "设置", "settings.settings_view", "SettingsView", needs=_MANAGE),
]


def allowed(spec: PageSpec) -> bool:
    """Whether the signed-in person may open the page (always, with sign-in off)."""
    return not spec.needs or any(accounts.can(capability) for capability in spec.needs)


def load_page_class(spec: PageSpec):
    import importlib

    module = importlib.import_module(f"desktop.views.{spec.module}")
    return getattr(module, spec.cls)
