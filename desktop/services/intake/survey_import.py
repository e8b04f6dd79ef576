"""Importing the result workbooks of 问卷星 and 腾讯问卷 (按选项文本 or 按分数) into visits.

``open_survey(path, template_id)`` reads the file (``readers.read_rows``), finds the header row,
the platform and which column answers which question of the template (by text, with a score the
user can check and change: ``SurveySource.mapping``), and the column naming the customer — a
phone or an order number (手机 / 电话 / 联系方式 / 订单号 / 工单号), also changeable.

``import_survey(source, dry_run=…)`` turns each answer sheet into a completed visit (回访方式
线上问卷, the visit date = the submission time, 回访人员 客户自助（问卷星）) saved exactly as the
phone page saves one (``visits.save_customer_answers``): it completes the customer's open visit
task for that order / questionnaire when there is one, else the visit stands without a task
(``Visit.task`` may be empty, as for a visit typed in by hand). A sheet imported before (same
platform, 序号/编号, submission time and customer) is skipped, not doubled (``ImportedSubmission``).
Rows that cannot be matched or read go to the error workbook (``error_report``) with the reason.
Every write is one transaction; a dry run does the same work and rolls it back, so its counts are
what the import will do.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import peewee as pw

from desktop.models import Customer, ImportedSubmission, QuestionnaireTemplate, ServiceOrder, VisitTask, db
from desktop.models.visit import ONLINE_METHOD

from ..admin import accounts
from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import normalize_phone, shown, to_halfwidth
from ..visits import templates as template_svc
from ..visits import visits as visit_svc
from ..web.links import answers_from_form
from . import survey_columns as sc
from .error_report import write_error_report
from .readers import cell_text, read_rows, row_has_data

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]
PROBLEMS_SHOWN = 50  # rejected rows listed in the result (all of them go to the error workbook)
# strings the submission time may come in besides the ones parse_date reads (腾讯问卷's CSV)
_TIME_FORMATS = ("%d-%b-%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S")


@dataclass
class SurveySource:
    path: Path
    rows: list[list]
    header_row: int
    platform: str
    template_id: int
    questions: list = field(default_factory=list)  # the template's questions as the form numbers them
    mapping: dict[int, int] = field(default_factory=dict)  # question id → column
    scores: dict[int, float] = field(default_factory=dict)  # question id → similarity of its column
    phone_column: int | None = None
    order_column: int | None = None
    feedback_column: int | None = None

    @property
    def headers(self) -> list[str]:
        return [cell_text(h).strip() for h in self.rows[self.header_row]] if self.rows else []

    @property
    def column_names(self) -> list[str]:
        return [h or f"列{i + 1}" for i, h in enumerate(self.headers)]

    @property
    def data_rows(self) -> list[list]:
        return self.rows[self.header_row + 1 :]

    @property
    def first_data_row_no(self) -> int:
        return self.header_row + 2

    def count_data_rows(self) -> int:
        return sum(1 for row in self.data_rows if row_has_data(row))

    @property
    def key_column(self) -> int | None:
        if self.platform not in sc.PLATFORM_COLUMNS:
            return None
        return sc.column_of(self.headers, sc.PLATFORM_COLUMNS[self.platform][0])

    @property
    def time_column(self) -> int | None:
        for name in ("提交答卷时间", "结束答题时间", "提交时间", "开始答题时间"):
            col = sc.column_of(self.headers, name)
            if col is not None:
                return col
        return None

    def answer_columns(self) -> list[int]:
        """Columns that may answer a question: not the platform's, not the customer's."""
        skip = sc.bookkeeping_columns(self.headers, self.platform)
        skip |= {c for c in (self.phone_column, self.order_column) if c is not None}
        return [i for i in range(len(self.headers)) if i not in skip and self.headers[i]]

    def set_template(self, template_id: int) -> None:
        """Answer the questions of another template: the columns are matched again."""
        template = QuestionnaireTemplate.get_or_none(QuestionnaireTemplate.id == template_id)
        if template is None:
            raise UserError("所选问卷模板已不存在，请重新选择。")
        self.template_id = template.id
        self.questions = visit_svc.form_questions(template.id)
        found = sc.auto_mapping(self.questions, self.headers, self.answer_columns())
        self.mapping = {qid: m.column for qid, m in found.items()}
        self.scores = {qid: m.score for qid, m in found.items()}
        mapped = set(self.mapping.values())
        skip = sc.bookkeeping_columns(self.headers, self.platform) | mapped
        skip |= {c for c in (self.phone_column, self.order_column) if c is not None}
        self.feedback_column = sc.find_column(self.headers, sc.FEEDBACK_WORDS, skip)

    def set_column(self, question_id: int, column: int | None) -> None:
        """The user's choice for one question (None: not imported); a column answers one question."""
        if column is None:
            self.mapping.pop(question_id, None)
            self.scores.pop(question_id, None)
            return
        for qid, col in list(self.mapping.items()):
            if col == column and qid != question_id:
                self.mapping.pop(qid)
                self.scores.pop(qid, None)
        self.mapping[question_id] = column
        question = next(q for q in self.questions if q.id == question_id)
        self.scores[question_id] = sc.similarity(
            sc.normalise_question(question.text), sc.normalise_question(self.headers[column])
        )

    def number_of(self, question_id: int) -> int:
        return next(n for n, q in enumerate(self.questions, start=1) if q.id == question_id)

    def mapping_rows(self) -> list[dict]:
        """Each question of the template with the column answering it (None: not imported)."""
        out = []
        for number, q in enumerate(self.questions, start=1):
            col = self.mapping.get(q.id)
            out.append(
                {
                    "number": number,
                    "question": q.text,
                    "required": bool(q.required),
                    "column": col,
                    "header": self.column_names[col] if col is not None else None,
                    "score": self.scores.get(q.id),
                }
            )
        return out

    def unmapped_required(self) -> list[str]:
        """第N题 of the required questions no column answers (those rows would be rejected)."""
        return [
            f"第{n}题"
            for n, q in enumerate(self.questions, start=1)
            if q.required and not q.retired and q.id not in self.mapping
        ]

    def problem(self) -> str | None:
        """Why the import cannot start yet, or None."""
        if self.phone_column is None and self.order_column is None:
            return "请指定用来找到客户的列：手机号或订单号/工单号。"
        if not self.mapping:
            return "没有任何一列对应到问卷模板的题目：请检查是否选对了模板，或在“题目对应”中为题目选择列。"
        return None


def open_survey(path: str | Path, template_id: int | None = None) -> SurveySource:
    """Read a 问卷星 / 腾讯问卷 export and match its columns to the questions of ``template_id``
    — or, without one, of the active template they answer best (``best_template``)."""
    path = Path(path).expanduser().absolute()
    rows = read_rows(path)
    header_row = sc.find_header_row(rows)
    headers = [cell_text(h).strip() for h in rows[header_row]]
    source = SurveySource(path, rows, header_row, sc.detect_platform(headers), template_id or 0)
    skip = sc.bookkeeping_columns(headers, source.platform)
    source.phone_column = sc.find_column(headers, sc.PHONE_WORDS, skip)
    source.order_column = sc.find_column(headers, sc.ORDER_WORDS, skip | {source.phone_column})
    if template_id is None:
        template_id = best_template(source)
        if template_id is None:
            raise UserError("还没有可用的问卷模板。请先在“问卷模板”中建立与问卷星/腾讯问卷题目一致的模板。")
    source.set_template(template_id)
    return source


def best_template(source: SurveySource) -> int | None:
    """The active template whose questions the file's columns answer best: the highest sum of
    match scores (six questions matched word for word beat seven matched loosely), then the
    larger share of its questions answered; the default template when nothing matches."""
    best, best_rank = None, (0.0, 0.0)
    columns = source.answer_columns()
    for template in template_svc.active_templates():
        questions = visit_svc.form_questions(template.id)
        found = sc.auto_mapping(questions, source.headers, columns)
        rank = (round(sum(m.score for m in found.values()), 3), len(found) / max(len(questions), 1))
        if rank > best_rank:
            best, best_rank = template.id, rank
    return best if best is not None else visit_svc.default_template_id()


# ---------------------------------------------------------------- the result
@dataclass
class SurveyImportResult:
    dry_run: bool
    platform: str
    imported: int = 0  # new completed visits
    tasks_closed: int = 0  # of them, completing an open visit task
    duplicates: int = 0  # answer sheets imported before (or twice in this file): skipped
    rejected: int = 0
    skipped_blank: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row, reason), the first ones
    report: Path | None = None

    @property
    def without_task(self) -> int:
        return self.imported - self.tasks_closed

    def as_json(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "platform": self.platform,
            "imported": self.imported,
            "tasks_closed": self.tasks_closed,
            "without_task": self.without_task,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "skipped_blank": self.skipped_blank,
            "report": str(self.report) if self.report else None,
        }

    def summary(self) -> str:
        verb = "预览（未写入）：将" if self.dry_run else "导入完成："
        parts = [
            f"{verb}生成回访记录 {self.imported} 条（完成回访任务 {self.tasks_closed} 个，"
            f"无对应任务 {self.without_task} 条）",
            f"已导入过而跳过 {self.duplicates} 行",
            f"{'将拒绝' if self.dry_run else '拒绝'} {self.rejected} 行",
        ]
        text = "，".join(parts) + "。"
        if self.report:
            text += f"\n被拒绝的行及原因已写入：{self.report}\n请在其中修改后再次导入。"
        return text


# ---------------------------------------------------------------- matching a sheet to a customer
class _Finder:
    """The customer (and order) a sheet belongs to, by order number first, else by phone."""

    def __init__(self, source: SurveySource):
        self.source = source
        template = QuestionnaireTemplate.get_by_id(source.template_id)
        self.family_ids = [
            t.id
            for t in QuestionnaireTemplate.select(QuestionnaireTemplate.id).where(
                QuestionnaireTemplate.family == template.family
            )
        ]

    def _cell(self, row: list, col: int | None) -> str:
        if col is None or col >= len(row):
            return ""
        text = cell_text(row[col]).strip()
        return "" if to_halfwidth(text) in sc.EMPTY_CELLS else text

    def customer(self, row: list) -> tuple[int, int | None]:
        """(customer id, order id or None); ValidationError naming the column and the fix."""
        order_no = self._cell(row, self.source.order_column)
        phone_text = self._cell(row, self.source.phone_column)
        if order_no:
            order = ServiceOrder.get_or_none(ServiceOrder.order_no == order_no) or ServiceOrder.get_or_none(
                ServiceOrder.order_no == to_halfwidth(order_no).upper()
            )
            if order is not None:
                return order.customer_id, order.id
            if not phone_text:
                raise ValidationError(
                    "订单号", f"找不到工单“{shown(order_no)}”。请核对工单号，或先导入这张工单。"
                )
        if not phone_text:
            raise ValidationError("手机号", "这一行没有手机号或订单号，无法找到客户。请补上后再导入。")
        phone = normalize_phone(phone_text, "手机号")
        found = list(
            Customer.select(Customer.id, Customer.archived)
            .where(Customer.phone == phone)
            .order_by(Customer.id)
        )
        active = [c for c in found if not c.archived] or found
        if not active:
            raise ValidationError(
                "手机号", f"没有客户使用手机号 {phone}。请核对号码，或先在“客户”中录入这位客户后再导入。"
            )
        if len(active) > 1:
            raise ValidationError(
                "手机号",
                f"有 {len(active)} 位客户使用手机号 {phone}，无法确定是哪一位。请在文件中加上订单号/工单号列后再导入。",
            )
        return active[0].id, None

    def open_task(self, customer_id: int, order_id: int | None) -> VisitTask | None:
        """The customer's open visit task for this questionnaire (and order), the one due first."""
        query = VisitTask.select().where(
            (VisitTask.customer == customer_id)
            & VisitTask.status.in_(visit_svc.TASK_OPEN)
            & (VisitTask.template.in_(self.family_ids) | VisitTask.template.is_null())
        )
        if order_id is not None:
            query = query.where(VisitTask.order == order_id)
        return query.order_by(VisitTask.latest.asc(nulls="LAST"), VisitTask.id).first()


def submitted_at(value) -> datetime:
    """The submission time of a sheet, as the platforms write it."""
    if isinstance(value, datetime):
        return value
    text = to_halfwidth(cell_text(value)).strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    when = parse_date(value, "提交时间")
    if when is None:
        raise ValidationError("提交时间", "为空：无法确定回访日期。请补上提交答卷时间后再导入。")
    return when if isinstance(when, datetime) else datetime.combine(when, datetime.min.time())


def submission_key(source: SurveySource, row: list, when: datetime, customer_id: int) -> str:
    """The sheet's identity across imports — platform, its 序号/编号, submission time and the
    customer it belongs to — whichever columns found the customer this time."""
    col = source.key_column
    number = cell_text(row[col]).strip() if col is not None and col < len(row) else ""
    text = f"{source.platform}|{number}|{when:%Y-%m-%d %H:%M:%S}|{customer_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _form(source: SurveySource, row: list) -> tuple[dict[str, str], list[ValidationError]]:
    form, errors = {}, []
    for qid, col in source.mapping.items():
        number = source.number_of(qid)
        question = source.questions[number - 1]
        try:
            form[f"q{number}"] = sc.form_value(question, row[col] if col < len(row) else "")
        except ValueError as err:
            errors.append(ValidationError(f"第{number}题", str(err)))
    col = source.feedback_column
    if col is not None and col < len(row):
        text = cell_text(row[col]).strip()
        form["feedback"] = "" if to_halfwidth(text) in sc.EMPTY_CELLS else text
    return form, errors


class _DryRun(Exception):
    """Raised at the end of a dry run so its transaction rolls back."""


# ---------------------------------------------------------------- importing
@accounts.requires(accounts.MANAGE, "导入数据")
def import_survey(
    source: SurveySource,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    report_path: str | Path | None = None,
    today: date | None = None,
) -> SurveyImportResult:
    problem = source.problem()
    if problem:
        raise UserError(problem)
    report = progress or (lambda done, total, text: None)
    result = SurveyImportResult(dry_run, source.platform)
    rejected: list[tuple[int, list, str]] = []
    finder = _Finder(source)
    visitor = f"客户自助（{source.platform}）" if source.platform != sc.OTHER else "客户自助（线上问卷）"
    rows = source.data_rows
    total = len(rows)
    known = {k for (k,) in ImportedSubmission.select(ImportedSubmission.key).tuples().iterator()}
    report(0, total, "正在检查答卷…")
    try:
        with db.atomic():
            for offset, row in enumerate(rows):
                report(offset, total, f"正在导入第 {offset + 1} / {total} 份答卷…")
                if not row_has_data(row):
                    result.skipped_blank += 1
                    continue
                row_no = source.first_data_row_no + offset
                try:
                    outcome = _import_row(source, finder, row, row_no, visitor, known, today)
                except _Duplicate:
                    outcome = None
                except (ValidationErrors, ValidationError, UserError) as err:
                    reason = (
                        "；".join(str(e) for e in err.errors)
                        if isinstance(err, ValidationErrors)
                        else str(err)
                    )
                    rejected.append((row_no, row, reason))
                    continue
                if outcome is None:
                    result.duplicates += 1
                    continue
                key, closed = outcome
                known.add(key)  # the same sheet twice in one file
                result.imported += 1
                result.tasks_closed += closed
            report(total, total, "正在保存…")  # the last chance to cancel: raising here rolls back
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    result.rejected = len(rejected)
    result.problems = [(row_no, reason) for row_no, _row, reason in rejected[:PROBLEMS_SHOWN]]
    if rejected and not dry_run:
        result.report = write_error_report(source, rejected, report_path)
    if not dry_run:
        log.info(
            "导入%s结果：回访 %s 条（完成任务 %s），跳过重复 %s，拒绝 %s 行（%s）",
            source.platform, result.imported, result.tasks_closed, result.duplicates, result.rejected, source.path,
        )  # fmt: skip
    return result


def _import_row(source, finder, row, row_no, visitor, known, today) -> tuple[str, bool] | None:
    """Save one sheet as a visit: (its key, whether it closed a task); None for a sheet imported
    before. Raises ValidationError(s) for a sheet that cannot be imported (nothing of it kept)."""
    time_col = source.time_column
    if time_col is None:
        raise ValidationError("提交时间", "文件中没有“提交答卷时间”或“结束答题时间”列，无法确定回访日期。")
    when = submitted_at(row[time_col] if time_col < len(row) else "")
    customer_id, order_id = finder.customer(row)
    key = submission_key(source, row, when, customer_id)
    if key in known:
        return None
    form, errors = _form(source, row)
    answers, more = answers_from_form(source.questions, form)
    if errors or more:
        raise ValidationErrors(errors + more)
    task = finder.open_task(customer_id, order_id)
    data = visit_svc.VisitInput(
        customer_id=customer_id,
        order_id=order_id if order_id is not None else (task.order_id if task else None),
        task_id=task.id if task else None,
        template_id=source.template_id,
        visit_date=when.date(),
        method=ONLINE_METHOD,
        visitor=visitor,
        answers=answers,
        feedback=form.get("feedback", ""),
        status=visit_svc.DONE,
    )
    with db.atomic():  # a savepoint: a sheet refused here leaves nothing behind
        visit = visit_svc.save_customer_answers(data, today=today)
        try:
            ImportedSubmission.create(
                key=key,
                platform=source.platform,
                visit=visit.id,
                source=source.path.name[:255],
                row_no=row_no,
            )
        except pw.IntegrityError:  # imported by another PC a moment ago
            raise _Duplicate from None
    return key, task is not None


class _Duplicate(UserError):
    def __init__(self):
        super().__init__("这份答卷刚刚已由其他电脑导入。")
