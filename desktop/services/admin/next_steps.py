"""What an empty list tells the user to do next (回访任务 on an empty database: 先导入客户和工单).

Each function is asked only when its list shows no rows, and answers with the next step for the
database as it is, or None when the list is empty only because of its filter or search. A step
names the pages that help (by page id); the view shows them as buttons when the signed-in person
may open them.
"""

from dataclasses import dataclass

from desktop.models import Customer, ImprovementAction, ServiceOrder, Visit, VisitTask

from . import accounts


@dataclass(frozen=True)
class NextStep:
    text: str
    actions: tuple[tuple[str, str], ...] = ()  # (button text, page id)


IMPORT = ("导入客户和工单", "import")
NO_DATA = "还没有客户和服务工单。\n先导入客户和工单，系统会按服务完成时间自动生成回访任务。"


def _has(model) -> bool:
    return model.select(model.id).exists()


def tasks_step() -> NextStep | None:
    if _has(VisitTask):
        return None
    if not _has(ServiceOrder):
        return NextStep(NO_DATA, (IMPORT,))
    return NextStep(
        "还没有回访任务。\n到“抽样计划”抽取本期的回访对象，或点右下角“生成到期任务”按规则补建。",
        (("去抽样计划", "sampling"),),
    )


def visits_step() -> NextStep | None:
    if _has(Visit):
        return None
    if not _has(ServiceOrder):
        return NextStep(
            "还没有回访记录，也还没有客户和工单。\n先导入客户和工单，再从“回访任务”开始回访。", (IMPORT,)
        )
    return NextStep(
        "还没有回访记录。\n在“回访任务”中打开一条任务开始回访，或点“新建回访”。",
        (("去回访任务", "tasks"),),
    )


def customers_step() -> NextStep | None:
    if _has(Customer):
        return None
    return NextStep(
        "还没有客户。\n从 Excel 导入客户名单（可连同工单一起导入），或点“新增客户”逐个录入。", (IMPORT,)
    )


def orders_step() -> NextStep | None:
    if _has(ServiceOrder):
        return None
    return NextStep(
        "还没有服务工单。\n从 Excel 导入工单（新客户会一起建立），或到“客户”页为客户新建工单。",
        (IMPORT, ("去客户页", "customers")),
    )


def sampling_step() -> NextStep | None:
    """For the 抽样计划 page: sampling draws from completed service orders."""
    if _has(ServiceOrder):
        return None
    return NextStep("还没有服务工单，无法抽样。\n先导入客户和工单，再按期间抽取回访对象。", (IMPORT,))


def improvement_step() -> NextStep | None:
    if _has(ImprovementAction):
        return None
    if not accounts.can(accounts.MANAGE):  # a viewer or a caller: nothing for them to start
        return NextStep("还没有改进措施。\n改进措施由主管制定，制定后在这里查看落实进度。")
    if not _has(Visit):
        return NextStep(
            "还没有改进措施，也还没有回访记录。\n先完成回访，再在“问题分析”中找出主要问题、制定改进措施。",
            (("去回访任务", "tasks"),),
        )
    return NextStep(
        "还没有改进措施。\n在“问题分析”中选出 TOP 问题制定措施，或点“新建改进措施”，把问题落实到部门和责任人。",
        (("去问题分析", "analysis"),),
    )


def dashboard_step() -> NextStep | None:
    """For 工作台: its figures come from completed visits."""
    if not _has(ServiceOrder):
        return NextStep(NO_DATA, (IMPORT,))
    if not _has(Visit):
        return NextStep(
            "还没有回访记录。\n到“回访任务”开始第一通回访，完成后这里显示满意率、NPS 和各项趋势。",
            (("去回访任务", "tasks"),),
        )
    return None
