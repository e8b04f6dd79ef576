"""评价小票: a small slip per task, handed to the customer at the counter or with the goods, with
the task's 扫码评价 link as a QR code — the customer answers on the phone later (issue 16 item 1:
the link goes on the receipt slip, the printed form and the SMS text).

``slips_for(task_ids)`` makes (or reuses) each task's single-use link (``links.link_for_task``),
reads what the customer may see the way the phone page shows it (``links.page_of``: the masked
name, the service), in one transaction; a task that cannot have a link (closed, gone, no
questionnaire) is listed with why, not printed. Once the slips are printed, ``handed_out``
records them as handed out on paper (``chasing.mark_sent_once`` with 问卷 — a slip with a QR code
is a paper questionnaire for 回收率); a print cancelled records nothing. The printed slips are
drawn by ``desktop.views.printing.slip_print``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from desktop.models import db, now

from ..admin import accounts
from ..common.errors import UserError
from ..scheduling import chasing
from . import links


@dataclass(frozen=True)
class Slip:
    task_id: int
    company: str  # 设置 → 公司名称
    hotline: str
    greeting: str  # 尊敬的张*：
    service: str  # what was done, as the phone page names it
    url: str
    expires: date  # the last day the link opens


@dataclass
class SlipBatch:
    slips: list[Slip] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (task id, why not printed)

    def summary(self) -> str:
        text = f"评价小票 {len(self.slips)} 张"
        if self.skipped:
            text += f"；{len(self.skipped)} 个任务未打印（" + "；".join(
                f"#{task}：{why}" for task, why in self.skipped
            ) + "）"
        return text + "。"


@accounts.requires(accounts.CALL, "打印评价小票")
def slips_for(task_ids: Iterable[int], *, at: datetime | None = None) -> SlipBatch:
    """The slips of ``task_ids`` (in the order given, each once). UserError when no phone could
    open a link now (扫码评价 off, or listening on this PC only) or when no task can have one."""
    problem = links.reach_problem()
    if problem:
        raise UserError(f"{problem}，再打印评价小票。")
    ids = list(dict.fromkeys(int(i) for i in task_ids))
    if not ids:
        raise UserError("没有要打印小票的回访任务：请先在列表中选择任务。")
    at = at or now()
    batch = SlipBatch()
    with db.atomic():
        for task_id in ids:
            try:
                link = links.link_for_task(task_id, at=at)
            except UserError as err:
                batch.skipped.append((task_id, str(err)))
                continue
            page = links.page_of(link, at)
            if not page.questions:
                batch.skipped.append((task_id, "没有可用的问卷模板，请先在“问卷模板”中设置默认问卷。"))
                continue
            batch.slips.append(
                Slip(
                    task_id=task_id,
                    company=page.company,
                    hotline=page.hotline,
                    greeting=f"尊敬的{page.customer}：" if page.customer else "尊敬的客户：",
                    service=page.service,
                    url=links.url_of(link),
                    expires=link.expires_at.date(),
                )
            )
        if not batch.slips:  # nothing to hand out: raised inside, so no link is kept
            raise UserError("所选任务都不能打印评价小票：" + "；".join(why for _task, why in batch.skipped))
    return batch


@accounts.requires(accounts.CALL, "登记问卷发放")
def handed_out(batch: SlipBatch, *, at: datetime | None = None) -> int:
    """The printed slips' tasks registered as sent on paper (those not registered as sent by
    another channel already), in one transaction; how many were marked."""
    at = at or now()
    with db.atomic():
        return sum(chasing.mark_sent_once(slip.task_id, chasing.PAPER, at) for slip in batch.slips)
