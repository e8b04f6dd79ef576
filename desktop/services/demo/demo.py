"""Demo database: a year of an appliance after-sales shop, generated reproducibly.

``generate_demo(customers, seed, progress, today)`` adds, for the 12 months before ``today``:
departments and staff, customers, service orders, visit tasks, visits with answers (the
after-sales questionnaire), a few call attempts and drafts, problem tags, improvement actions
with their logs and two KPI scorecards. The same seed and ``today`` give identical rows.

Run on a database that already holds data, it *adds* to it: customer and order codes continue
after the highest sequence of each month, reference rows (departments, staff, problem
categories) are reused when present.

Everything is written in ONE transaction from prepared tuples (``executemany`` on SQLite, multi-row
INSERTs on PostgreSQL); ``progress`` (``report(done, total, text)``) is called between steps and
may raise to cancel — the transaction then rolls back and nothing is left behind. Rows that
others point at are written with their ids: on SQLite counted on from ``MAX(id)`` inside the
write transaction, on PostgreSQL taken from the tables' sequences (which so stay in step).
"""

import logging
import random
import re
from collections import deque
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from desktop.models import (
    ActionLog,
    ActionVisit,
    Answer,
    CallAttempt,
    Customer,
    Department,
    ImprovementAction,
    KpiIndicator,
    KpiScorecard,
    ProblemCategory,
    ServiceOrder,
    Staff,
    Visit,
    VisitProblem,
    VisitTask,
    db,
)
from desktop.models.connection import insert_rows, is_sqlite, reserve_ids
from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, SCORE10, TEXT, YESNO

from ..common.calendar import WorkCalendar
from ..common.errors import UserError
from ..common.pinyin import name_keys
from ..visits.templates import active_template, ensure_builtin_templates, questions_of
from . import demo_data as D

DEFAULT_CUSTOMERS = 300
DEFAULT_SEED = 20241
MAX_CUSTOMERS = 100_000
BATCH = 2000
ID_BLOCK = 500  # PostgreSQL: ids taken from a sequence at a time when the count is not known ahead
TOTAL = 100  # progress units: 0–30 preparing, 30–100 writing
WINDOW_DAYS = 365
TEMPLATE_FAMILY = "after_sales"
FIRST_VISIT = "首次回访"
COMPLAINT_VISIT = "投诉回访"

DIMS = ("服务态度", "响应及时性", "问题解决效果", "流程便捷性", "增值需求")
# five-level answer distributions for a customer who is delighted / content / lukewarm
_GREAT = ((5, 4, 3), (80, 18, 2))
_GOOD = ((5, 4, 3), (28, 62, 10))
_FAIR = ((5, 4, 3, 2, 1), (6, 46, 43, 4, 1))
_SCORE10_OF = {5: (10, 10, 9), 4: (9, 8, 8), 3: (7, 7, 6), 2: (5, 6, 4), 1: (3, 2, 1)}
_FIRST_VISIT_DAY = ((3, 4, 5, 6), (35, 30, 20, 15))  # working days after completion


def generate_demo(
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int, str], None] | None = None,
    today: date | None = None,
) -> dict:
    """Add demo data for ``customers`` customers; returns counts by Chinese label.

    Raises UserError for a customer count out of range or a missing after-sales template.
    """
    if isinstance(customers, bool) or not isinstance(customers, int) or not 1 <= customers <= MAX_CUSTOMERS:
        raise UserError(f"客户数量：“{customers}”无效，请填写 1 到 {MAX_CUSTOMERS} 之间的整数。")
    if today is None:
        today = date.today()
    elif isinstance(today, datetime):
        today = today.date()
    report = progress or (lambda done, total, text="": None)
    logging.getLogger(__name__).info("生成演示数据：%s 个客户（种子 %s）", customers, seed)
    with db.atomic("IMMEDIATE"):
        return _Demo(customers, seed, today, report).run()


# ---------------------------------------------------------------------------- helpers
def _dt(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _prev_quarter(q: tuple[int, int]) -> tuple[int, int]:
    year, n = q
    return (year - 1, 4) if n == 1 else (year, n - 1)


def _quarter_end(q: tuple[int, int]) -> date:
    year, n = q
    return (
        date(year + 1, 1, 1) - timedelta(days=1) if n == 4 else date(year, 3 * n + 1, 1) - timedelta(days=1)
    )


def _one_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class _Rows:
    """Prepared tuples for one table, written in batches (``insert_rows``).

    ``fields`` are the model's field names in the order the tuples hold them (values already
    in database form: text dates, real booleans, JSON text). Fields left out get their constant
    default; a left-out field with a computed default (e.g. ``now``) is a programming error,
    because it would make the data differ between runs.
    """

    def __init__(self, model, fields: tuple[str, ...]):
        meta = model._meta
        self.model = model
        self.rows: list[tuple] = []
        columns = [meta.fields[name].column_name for name in fields]
        extras = []
        for field in meta.sorted_fields:
            if field.name in fields or field.primary_key:
                continue
            if callable(field.default):
                raise RuntimeError(f"{model.__name__}.{field.name} needs an explicit value")
            if field.default is None and not field.null:
                raise RuntimeError(f"{model.__name__}.{field.name} is required")
            columns.append(field.column_name)
            extras.append(None if field.default is None else field.db_value(field.default))
        self.extras = tuple(extras)
        self.table = meta.table_name
        self.columns = columns

    def add(self, *values) -> None:
        self.rows.append(values + self.extras if self.extras else values)

    def __len__(self) -> int:
        return len(self.rows)


class _Ids:
    """New ids for one table's rows, known before anything is written (other rows point at them).

    SQLite: ``MAX(id) + 1`` onwards — safe inside the demo's write transaction, which holds the
    file's write lock. PostgreSQL: taken from the table's sequence (``reserve_ids``), a known
    count in one go (``reserve``) or ``ID_BLOCK`` at a time, so the sequence stays in step and
    another PC inserting meanwhile gets other ids. On an empty database both give 1, 2, 3 …
    """

    def __init__(self, model):
        self.model = model
        self.sqlite = is_sqlite()
        self.free: deque[int] = deque()
        if self.sqlite:
            top = db.execute_sql(f'SELECT MAX(id) FROM "{model._meta.table_name}"').fetchone()[0]
            self.next = (top or 0) + 1

    def reserve(self, count: int) -> None:
        """``count`` ids will be needed (PostgreSQL: fetched in one round trip)."""
        if not self.sqlite and count > len(self.free):
            self.free.extend(reserve_ids(self.model, count - len(self.free)))

    def new(self) -> int:
        if self.sqlite:
            value = self.next
            self.next += 1
            return value
        if not self.free:
            self.reserve(ID_BLOCK)
        return self.free.popleft()


# ---------------------------------------------------------------------------- the generator
class _Demo:
    def __init__(self, customers: int, seed: int, today: date, report):
        self.n = customers
        self.seed = seed
        self.today = today
        self.start = today - timedelta(days=WINDOW_DAYS)
        self.report = report
        self.rng = random.Random(seed)
        self.calendar = WorkCalendar()
        self.customers: list[dict] = []
        self.orders: list[dict] = []
        self.negatives: list[dict] = []  # negative final visits with their cause, for actions
        self.csat: dict[tuple[int, int], list[int]] = {}  # quarter → [top-2 answers, answers]
        self.complaints: dict[tuple[int, int], list[int]] = {}  # quarter → [within 24 h, all]
        self.used_phones: set[str] = set()
        self.company_names: set[str] = set()

        self.t_customer = _Rows(
            Customer,
            (
                "id",
                "code",
                "name",
                "title",
                "phone",
                "address",
                "ctype",
                "region",
                "source",
                "note",
                "created_at",
                "name_py",
            ),
        )
        self.t_order = _Rows(
            ServiceOrder,
            (
                "id",
                "order_no",
                "customer",
                "service_type",
                "product_model",
                "engineer",
                "team",
                "completed_at",
                "delivered_on",
                "warranty_end",
                "is_complaint",
                "complaint_at",
                "complaint_responded_at",
                "complaint_closed_at",
                "complaint_level",
                "first_time_fixed",
                "note",
                "created_at",
            ),
        )
        self.t_task = _Rows(
            VisitTask,
            (
                "id",
                "customer",
                "order",
                "trigger",
                "earliest",
                "latest",
                "assignee",
                "template",
                "status",
                "next_attempt_at",
                "note",
                "created_at",
            ),
        )
        self.t_visit = _Rows(
            Visit,
            (
                "id",
                "task",
                "customer",
                "order",
                "template",
                "status",
                "visit_date",
                "method",
                "visitor",
                "respondent",
                "respondent_is_customer",
                "feedback",
                "mood",
                "repurchase",
                "sign_status",
                "invalid",
                "invalid_reason",
                "created_at",
                "updated_at",
            ),
        )
        self.t_answer = _Rows(Answer, ("visit", "question", "value", "text"))
        self.t_problem = _Rows(VisitProblem, ("visit", "category"))
        self.t_attempt = _Rows(
            CallAttempt,
            (
                "task",
                "visit",
                "customer",
                "at",
                "outcome",
                "reason",
                "next_at",
                "answered_by",
                "staff",
                "detail",
            ),
        )
        self.t_action = _Rows(
            ImprovementAction,
            (
                "id",
                "category",
                "problem",
                "measure",
                "department",
                "owner",
                "deadline",
                "acceptance",
                "expected_effect",
                "status",
                "completed_on",
                "completion_note",
                "verification_result",
                "closed_on",
                "customer_message",
                "customer_told_on",
                "created_at",
            ),
        )
        self.t_action_visit = _Rows(ActionVisit, ("action", "visit"))
        self.t_action_log = _Rows(ActionLog, ("action", "at", "status_from", "status_to", "note", "author"))
        self.t_scorecard = _Rows(KpiScorecard, ("id", "period", "target", "note", "created_at"))
        self.t_indicator = _Rows(
            KpiIndicator,
            (
                "scorecard",
                "position",
                "level1",
                "level2",
                "definition",
                "weight",
                "target",
                "actual",
                "qualitative",
                "source",
                "note",
            ),
        )

    # ------------------------------------------------------------------ small tools
    def pick(self, pairs):
        """One name from ((name, weight), …)."""
        names, weights = zip(*pairs, strict=True)
        return self.rng.choices(names, weights)[0]

    def draw(self, dist) -> int:
        values, weights = dist
        return self.rng.choices(values, weights)[0]

    def call_time(self, day: date, afternoon: bool | None = None) -> datetime:
        """A good calling time: 10:00–11:30 or 15:00–17:30."""
        if afternoon is None:
            afternoon = self.rng.random() < 0.55
        if afternoon:
            minutes = 15 * 60 + self.rng.randint(0, 150)
        else:
            minutes = 10 * 60 + self.rng.randint(0, 90)
        return datetime.combine(day, time(minutes // 60, minutes % 60, self.rng.randint(0, 59)))

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(D.MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def landline(self) -> str:
        while True:
            number = f"{D.AREA_CODE}-{self.rng.choice('2368')}{self.rng.randint(0, 9_999_999):07d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def tick(self, done: int, text: str) -> None:
        self.report(done, TOTAL, text)

    # ------------------------------------------------------------------ the run
    def run(self) -> dict:
        self.tick(0, "正在准备演示数据…")
        self._reference()
        self.tick(5, "正在生成客户…")
        self._customers()
        self.tick(12, "正在生成服务工单…")
        self._orders()
        self.tick(18, "正在生成回访记录…")
        self._visits()
        self.tick(26, "正在生成改进措施和质量评价表…")
        self._actions()
        self._scorecards()
        self.tick(30, "正在写入数据库…")
        self._write()
        self.tick(TOTAL, "演示数据已生成")
        return {
            "客户": len(self.t_customer),
            "工单": len(self.t_order),
            "回访": len(self.t_visit),
            "回访任务": len(self.t_task),
            "改进措施": len(self.t_action),
            "质量评价表": len(self.t_scorecard),
        }

    def _write(self) -> None:
        tables = [
            self.t_customer,
            self.t_order,
            self.t_task,
            self.t_visit,
            self.t_answer,
            self.t_problem,
            self.t_attempt,
            self.t_action,
            self.t_action_visit,
            self.t_action_log,
            self.t_scorecard,
            self.t_indicator,
        ]
        total = sum(len(t) for t in tables) or 1
        written = 0
        for table in tables:
            for start in range(0, len(table.rows), BATCH):
                chunk = table.rows[start : start + BATCH]
                insert_rows(table.table, table.columns, chunk)
                written += len(chunk)
                self.tick(
                    30 + (TOTAL - 30) * written // total, f"正在写入数据库…（已写入 {written}/{total} 行）"
                )

    # ------------------------------------------------------------------ reference rows
    def _reference(self) -> None:
        departments = {}
        for name in D.DEPARTMENTS:
            departments[name], _ = Department.get_or_create(name=name)
        self.staff_id: dict[str, int] = {}
        self.engineers: dict[str, list[str]] = {}
        self.visitors: list[str] = []
        for name, role, dept in D.STAFF:
            phone = self.mobile()
            person = Staff.get_or_none(
                (Staff.name == name) & (Staff.role == role) & (Staff.department == departments[dept])
            )
            if person is None:
                person = Staff.create(name=name, role=role, department=departments[dept], phone=phone)
            self.staff_id[name] = person.id
            if role == "服务工程师":
                self.engineers.setdefault(dept, []).append(name)
            elif role == "回访员":
                self.visitors.append(name)
        self.category_id: dict[str, int] = {}
        last = ProblemCategory.select().count()
        for name in ProblemCategory.DEFAULTS:
            cat = ProblemCategory.get_or_none(ProblemCategory.name == name)
            if cat is None:
                cat = ProblemCategory.create(name=name, position=last)
                last += 1
            self.category_id[name] = cat.id
        template = active_template(TEMPLATE_FAMILY)
        if template is None:
            ensure_builtin_templates()
            template = active_template(TEMPLATE_FAMILY)
        if template is None:  # pragma: no cover - the family exists unless the data was tampered with
            raise UserError("找不到“售后服务回访（通用）”问卷模板，无法生成演示数据。")
        self.template_id = template.id
        self.questions = questions_of(template)

        self.customer_seq = self._existing_sequences(Customer, Customer.code, "C")
        self.order_seq = self._existing_sequences(ServiceOrder, ServiceOrder.order_no, "W")
        self.ids = {
            model: _Ids(model)
            for model in (Customer, ServiceOrder, VisitTask, Visit, ImprovementAction, KpiScorecard)
        }

    @staticmethod
    def _existing_sequences(model, field, letter: str) -> dict[str, int]:
        """yyyymm → highest sequence already used in codes like C202511001 / W2025110001."""
        pattern = re.compile(rf"^{letter}(\d{{6}})(\d+)$")
        found: dict[str, int] = {}
        query = model.select(field).where(field.startswith(letter)).tuples()
        for (code,) in query.iterator():
            m = pattern.match(code)
            if m:
                found[m.group(1)] = max(found.get(m.group(1), 0), int(m.group(2)))
        return found

    def new_id(self, model) -> int:
        return self.ids[model].new()

    # ------------------------------------------------------------------ customers
    def _customers(self) -> None:
        from faker import Faker

        fake = Faker("zh_CN")
        fake.seed_instance(self.seed)
        rng = self.rng
        days = [self.start + timedelta(days=i) for i in range(WINDOW_DAYS)]
        # early months get more new customers: later months also carry the repeat orders
        weights = [D.MONTH_VOLUME[d.month] * (1.7 - 1.1 * i / WINDOW_DAYS) for i, d in enumerate(days)]
        chosen = rng.choices(days, weights, k=self.n)
        stamps = sorted(
            datetime.combine(d, time(rng.randint(8, 19), rng.randint(0, 59), rng.randint(0, 59)))
            for d in chosen
        )
        regions = [(name, weight) for name, weight, _team in D.REGIONS]
        region_team = {name: team for name, _weight, team in D.REGIONS}
        self.ids[Customer].reserve(len(stamps))
        for stamp in stamps:
            ym = stamp.strftime("%Y%m")
            seq = self.customer_seq.get(ym, 0) + 1
            self.customer_seq[ym] = seq
            ctype = self.pick(D.CUSTOMER_TYPES)
            region = self.pick(regions)
            street = f"{region}{fake.street_name()}{rng.randint(1, 399)}号"
            if ctype == "企业客户":
                name, title = self._company(fake), ""
                contact = f"{rng.choice(('行政部', '后勤部', '办公室'))}{fake.last_name()}{rng.choice(('先生', '女士'))}"
                phone = self.landline() if rng.random() < 0.6 else self.mobile()
                address = f"{street}{rng.choice(D.PARKS)}{rng.randint(1, 12)}栋{rng.randint(1, 20)}楼"
                note = rng.choice(D.COMPANY_NOTES) if rng.random() < 0.4 else ""
            else:
                male = rng.random() < 0.5
                # Faker's zh_CN full names ignore gender; its first-name lists do not
                given = fake.first_name_male() if male else fake.first_name_female()
                while male and given in D.NOT_MALE_NAMES:
                    given = fake.first_name_male()
                name = fake.last_name() + given
                title = "先生" if male else "女士"
                contact = name
                phone = self.landline() if rng.random() < 0.04 else self.mobile()
                address = (
                    f"{street}{rng.choice(D.ESTATES)}{rng.randint(1, 18)}栋{rng.randint(1, 4)}单元"
                    f"{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
                )
                note = rng.choice(D.CUSTOMER_NOTES) if rng.random() < 0.06 else ""
            source = "老客户" if ctype == "VIP客户" and rng.random() < 0.3 else self.pick(D.SOURCES)
            customer = {
                "id": self.new_id(Customer),
                "name": name,
                "title": title,
                "contact": contact,
                "ctype": ctype,
                "region": region,
                "team": region_team[region],
                "created": stamp,
            }
            self.customers.append(customer)
            self.t_customer.add(
                customer["id"],
                f"C{ym}{seq:03d}",
                name,
                title,
                phone,
                address,
                ctype,
                region,
                source,
                note,
                _dt(stamp),
                name_keys(name),
            )

    def _company(self, fake) -> str:
        """A local business: a Faker brand word plus a trade we serve (restaurants, offices …).

        Brand × trade gives a few thousand names; once a draw repeats a taken one often, a
        district prefix (城东…) keeps names unique for any number of customers."""
        for attempt in range(1000):
            brand = fake.company_prefix()
            if not 2 <= len(brand) <= 4 or any(w in brand for w in D.BAD_BRAND_WORDS):
                continue
            name = brand + self.rng.choice(D.COMPANY_TRADES)
            if attempt >= 20:
                name = f"{self.rng.choice(D.REGIONS)[0][:2]}{name}"
            if attempt >= 200:
                name = f"{name}{len(self.company_names) + 1}号店"
            if name not in self.company_names:
                self.company_names.add(name)
                return name
        raise RuntimeError("could not make a unique company name")

    # ------------------------------------------------------------------ orders
    def _order_day(self, first: date) -> date | None:
        """A day for a later order of a customer first seen on ``first`` (busier in summer)."""
        lo = (first + timedelta(days=7)).toordinal()
        hi = (self.today - timedelta(days=1)).toordinal()
        if lo > hi:
            return None
        while True:
            day = date.fromordinal(self.rng.randint(lo, hi))
            if self.rng.random() * 1.6 < D.MONTH_VOLUME[day.month]:
                return day

    def _product(self, month: int) -> tuple[str, str]:
        names, weights = [], []
        for category, (_models, weight, _parts) in D.PRODUCTS.items():
            if category == "空调":
                weight *= 1.8 if month in (5, 6, 7, 8) else (0.6 if month in (11, 12, 1, 2) else 1.0)
            names.append(category)
            weights.append(weight)
        category = self.rng.choices(names, weights)[0]
        return category, self.rng.choice(D.PRODUCTS[category][0])

    def _orders(self) -> None:
        rng = self.rng
        counts = {"VIP客户": (35, 40, 25), "企业客户": (30, 40, 30), "普通客户": (55, 30, 15)}
        drafts = []
        for customer in self.customers:
            k = rng.choices((1, 2, 3), counts[customer["ctype"]])[0]
            created = [customer["created"] + timedelta(minutes=rng.randint(5, 90))]
            for _ in range(k - 1):
                day = self._order_day(customer["created"].date())
                if day is not None:
                    created.append(datetime.combine(day, time(rng.randint(8, 19), rng.randint(0, 59))))
            for stamp in created:
                drafts.append(self._order(customer, stamp))
        drafts.sort(key=lambda o: (o["created"], o["customer"]["id"]))
        self.ids[ServiceOrder].reserve(len(drafts))
        for order in drafts:
            order["id"] = self.new_id(ServiceOrder)
            ym = order["created"].strftime("%Y%m")
            seq = self.order_seq.get(ym, 0) + 1
            self.order_seq[ym] = seq
            order["order_no"] = f"W{ym}{seq:04d}"
        self.orders = drafts
        self._choose_showcase()
        for o in self.orders:
            delivered = o["completed"].date() if o["completed"] and o["service"] in ("安装", "交付") else None
            self.t_order.add(
                o["id"],
                o["order_no"],
                o["customer"]["id"],
                o["service"],
                o["model"],
                o["engineer"],
                o["team"],
                _dt(o["completed"]),
                _d(delivered),
                _d(_one_year_later(delivered)) if delivered else None,
                o["complaint"],
                _dt(o["created"]) if o["complaint"] else None,
                _dt(o["responded"]),
                _dt(o["closed"]),
                o["level"],
                o["ftf"],
                o["note"],
                _dt(o["created"]),
            )

    def _order(self, customer: dict, created: datetime) -> dict:
        rng = self.rng
        category, model = self._product(created.month)
        complaint = rng.random() < D.COMPLAINT_RATE
        service = "投诉处理" if complaint else self.pick(D.SERVICE_MIX[category])
        team = D.INSTALL_TEAM if service in ("安装", "交付") else customer["team"]
        engineers = self.engineers[team]
        engineer = engineers[0] if complaint else rng.choice(engineers)
        lag = {
            "安装": (1, 3),
            "交付": (1, 3),
            "维修": (0, 2),
            "保养": (1, 4),
            "咨询": (0, 0),
            "投诉处理": (0, 1),
        }
        low, high = lag[service]
        days = rng.randint(low, high)
        days_before = (self.today - created.date()).days
        if service == "维修" and team == D.SLOW_TEAM and days_before <= D.SLOW_TEAM_DAYS:
            days += rng.randint(1, 2)  # the slow team's backlog
        day = self.calendar.next_workday(created.date() + timedelta(days=days))
        first_hour = 9 if day != created.date() else max(9, created.hour + 1)
        if first_hour > 18:
            day, first_hour = self.calendar.add_workdays(day, 1), 9
        completed = datetime.combine(day, time(rng.randint(first_hour, 18), rng.randint(0, 59)))
        if day >= self.today:
            completed = None
        days_ago = (self.today - day).days
        ftf, parts_issue = None, False
        if completed is not None:
            if service == "维修":
                in_parts = D.PARTS_WINDOW[0] <= days_ago <= D.PARTS_WINDOW[1]
                fail = 0.24 if in_parts else 0.07
                if team == "维修一组":
                    fail += 0.03
                ftf = rng.random() >= fail
                parts_issue = not ftf and in_parts and rng.random() < 0.7
            elif service == "投诉处理":
                ftf = rng.random() >= 0.3
            else:
                ftf = rng.random() >= 0.02
        closed = level = responded = None
        note = ""
        if complaint and completed is not None:
            hours = rng.randint(2, 22) if rng.random() < 0.88 else rng.randint(26, 60)
            # first response to the customer: the same spread, counted from when it was received
            responded = min(created + timedelta(hours=hours), completed)
            closed = completed + timedelta(hours=hours, minutes=rng.randint(0, 59))
            if closed.hour < 9 or closed.hour >= 20:  # closed by the day shift
                day_after = closed.date() + timedelta(days=1 if closed.hour >= 20 else 0)
                closed = datetime.combine(day_after, time(9 + rng.randint(0, 2), rng.randint(0, 59)))
            if closed.date() >= self.today:
                closed = None
            level = self.pick(D.COMPLAINT_LEVELS)
            note = rng.choice(D.COMPLAINT_NOTES)
        elif complaint:
            level = self.pick(D.COMPLAINT_LEVELS)
            note = rng.choice(D.COMPLAINT_NOTES)
        return {
            "customer": customer,
            "created": created,
            "category": category,
            "model": model,
            "service": service,
            "team": team,
            "engineer": engineer,
            "completed": completed,
            "days_ago": days_ago,
            "complaint": complaint,
            "closed": closed,
            "responded": responded,
            "level": level,
            "ftf": ftf,
            "parts_issue": parts_issue,
            "note": note,
            "showcase": False,
        }

    def _choose_showcase(self) -> None:
        """The seed's worked row: an air-conditioner repair (KFR-35GW) that needed a second
        visit because the engineer came without the filter; its visit feeds action 1."""
        candidates = [
            o
            for o in self.orders
            if o["completed"] is not None
            and not o["complaint"]
            and o["days_ago"] >= 52
            and o["service"] != "咨询"
        ]
        if not candidates:
            return
        best = min(
            candidates,
            key=lambda o: (
                o["service"] != "维修",
                o["team"] != "维修一组",
                abs(o["days_ago"] - 65),
                o["id"],
            ),
        )
        best.update(
            category="空调",
            model=D.WORKED_MODEL,
            service="维修",
            ftf=False,
            parts_issue=True,
            showcase=True,
        )
        if best["team"] not in D.REPAIR_TEAMS:
            best["team"] = "维修一组"
        best["engineer"] = self.engineers[best["team"]][0]

    # ------------------------------------------------------------------ visits
    def _visits(self) -> None:
        rng = self.rng
        today = self.today
        self.pending_for_drafts: list[tuple[dict, int, str, date]] = []
        for o in self.orders:
            if o["completed"] is None:
                continue
            completed_day = o["completed"].date()
            if o["complaint"]:
                if o["closed"] is None:
                    continue
                trigger = COMPLAINT_VISIT
                closed_day = o["closed"].date()
                earliest = closed_day
                latest = self.calendar.add_workdays(closed_day, 1)
                if self.calendar.is_workday(closed_day) and o["closed"].hour <= 14:
                    planned = self.call_time(closed_day, afternoon=True)
                else:
                    planned = self.call_time(self.calendar.add_workdays(closed_day, 1))
                task_created = o["closed"] + timedelta(minutes=30)
            else:
                trigger = FIRST_VISIT
                earliest, latest = self.calendar.first_visit_window(completed_day)
                planned = self.call_time(
                    self.calendar.add_workdays(completed_day, self.draw(_FIRST_VISIT_DAY))
                )
                task_created = o["completed"] + timedelta(hours=2)
            visitor = rng.choice(self.visitors)
            customer = o["customer"]
            if planned.date() < today:
                chance = 0.95 if o["complaint"] else (0.85 if customer["ctype"] == "VIP客户" else 0.75)
                if o["showcase"] or rng.random() < chance:
                    task_id = self._task(
                        o, trigger, earliest, latest, visitor, "已完成", None, "", task_created
                    )
                    self._visit(o, task_id, planned, visitor)
                elif (today - completed_day).days <= 15:
                    self._pending(o, trigger, earliest, latest, visitor, task_created)
                else:
                    self._unreachable(o, trigger, earliest, latest, visitor, task_created)
            else:
                self._pending(o, trigger, earliest, latest, visitor, task_created)
        self._drafts()

    def _task(self, o, trigger, earliest, latest, visitor, status, next_at, note, created) -> int:
        task_id = self.new_id(VisitTask)
        self.t_task.add(
            task_id,
            o["customer"]["id"],
            o["id"],
            trigger,
            _d(earliest),
            _d(latest),
            self.staff_id[visitor],
            self.template_id,
            status,
            _dt(next_at),
            note,
            _dt(created),
        )
        return task_id

    def _attempt(self, task_id, visit_id, o, at, outcome, visitor, reason="", next_at=None, answered_by=""):
        self.t_attempt.add(
            task_id,
            visit_id,
            o["customer"]["id"],
            _dt(at),
            outcome,
            reason,
            _dt(next_at),
            answered_by,
            visitor,
            None,
        )

    def _pending(self, o, trigger, earliest, latest, visitor, created) -> None:
        """A task still open: not called yet, not reached, or a time booked with the customer."""
        rng = self.rng
        today = self.today
        tried = earliest < today and rng.random() < 0.45
        if not tried:
            task_id = self._task(o, trigger, earliest, latest, visitor, "待回访", None, "", created)
            if earliest < today:
                self.pending_for_drafts.append((o, task_id, visitor, earliest))
            return
        day = earliest if rng.random() < 0.5 else max(earliest, self.calendar.add_workdays(today, -1))
        at = self.call_time(day)
        if rng.random() < 0.35:
            booked = self.call_time(self.calendar.next_workday(today), afternoon=True)
            task_id = self._task(o, trigger, earliest, latest, visitor, "已预约", booked, "", created)
            reason = rng.choice(D.INCONVENIENT_REASONS)
            self._attempt(task_id, None, o, at, "不方便", visitor, reason=reason, next_at=booked)
        else:
            task_id = self._task(o, trigger, earliest, latest, visitor, "待回访", None, "", created)
            self._attempt(task_id, None, o, at, "无法接通", visitor, reason="无人接听")

    def _unreachable(self, o, trigger, earliest, latest, visitor, created) -> None:
        """An older order that was not visited: mostly simply not sampled, a few failed calls."""
        rng = self.rng
        r = rng.random()
        if r < 0.12:
            task_id = self._task(
                o, trigger, earliest, latest, visitor, "无法联系", None, "连续三次无法接通", created
            )
            day = earliest
            for _ in range(3):
                self._attempt(task_id, None, o, self.call_time(day), "无法接通", visitor, reason="无人接听")
                day = self.calendar.add_workdays(day, 1)
        elif r < 0.18:
            task_id = self._task(o, trigger, earliest, latest, visitor, "拒访", None, "", created)
            reason = rng.choice(D.REFUSE_REASONS)
            self._attempt(task_id, None, o, self.call_time(earliest), "拒访", visitor, reason=reason)
        elif r < 0.21:
            self._task(
                o, trigger, earliest, latest, visitor, "已取消", None, rng.choice(D.CANCEL_NOTES), created
            )

    def _drafts(self) -> None:
        """A few visits started and saved as drafts (the customer had to hang up)."""
        rng = self.rng
        want = max(1, self.n // 100)
        candidates = [c for c in self.pending_for_drafts if not c[0]["complaint"]]
        if not candidates:
            return
        day = self.calendar.add_workdays(self.today, -1)
        for o, task_id, visitor, earliest in rng.sample(candidates, min(want, len(candidates))):
            visit_id = self.new_id(Visit)
            at = self.call_time(max(day, earliest))
            customer = o["customer"]
            self.t_visit.add(
                visit_id,
                task_id,
                customer["id"],
                o["id"],
                self.template_id,
                "草稿",
                _d(at.date()),
                "电话",
                visitor,
                customer["contact"],
                True,
                "",
                "平静",
                False,
                "未签",
                False,
                "",
                _dt(at),
                _dt(at + timedelta(minutes=2)),
            )
            answered = 0
            for q in self.questions:
                if q.kind != LEVEL5 or answered >= 2:
                    continue
                self.t_answer.add(visit_id, q.id, self.draw(_GOOD), "")
                answered += 1

    # ------------------------------------------------------------------ one finished visit
    def _ratings(self, o: dict) -> tuple[dict[str, int], dict[str, str]]:
        """Five-level rating per dimension and, for the low ones, the cause behind it."""
        rng = self.rng
        days = o["days_ago"]
        team = o["team"]
        tier = rng.random()
        great, good = (0.15, 0.5) if o["complaint"] else (0.58, 0.9)
        dist = _GREAT if tier < great else (_GOOD if tier < good else _FAIR)
        ratings = {dim: self.draw(dist) for dim in DIMS}
        p = dict.fromkeys(DIMS, 0.006)
        p["增值需求"] = 0.003
        mild: dict[str, float] = {}
        hotline = D.HOTLINE_WINDOW[0] <= days <= D.HOTLINE_WINDOW[1]
        slow = team == D.SLOW_TEAM and days <= D.SLOW_TEAM_DAYS and o["service"] != "咨询"
        mess = team == D.INSTALL_TEAM and D.INSTALL_MESS_WINDOW[0] <= days <= D.INSTALL_MESS_WINDOW[1]
        if hotline:
            p["响应及时性"] += 0.14
        if slow:
            p["响应及时性"] += 0.08 + 0.32 * (1 - days / D.SLOW_TEAM_DAYS)
            mild["响应及时性"] = 0.2
        if o["completed"].month in (7, 8) and o["service"] in ("维修", "安装"):
            p["响应及时性"] += 0.04
        if o["parts_issue"]:
            p["问题解决效果"] = 0.85
            p["流程便捷性"] += 0.3
            mild["流程便捷性"] = 0.3
        elif o["ftf"] is False:
            p["问题解决效果"] += 0.35
        if mess:
            p["服务态度"] += 0.14
        if o["complaint"]:
            p["响应及时性"] += 0.12
            p["问题解决效果"] += 0.15
            p["服务态度"] += 0.08
        for dim in DIMS:
            if rng.random() < p[dim]:
                ratings[dim] = 2 if rng.random() < 0.72 else 1
            elif dim in mild and rng.random() < mild[dim]:
                ratings[dim] = min(ratings[dim], 3)
        if o["showcase"]:
            ratings["问题解决效果"] = 2
            ratings["流程便捷性"] = min(ratings["流程便捷性"], 3)
            ratings["响应及时性"] = max(ratings["响应及时性"], 3)
        low = [d for d in DIMS if ratings[d] <= 2]
        if low:
            for dim in DIMS:  # one bad experience colours the rest of the call
                if ratings[dim] == 5 and rng.random() < 0.5:
                    ratings[dim] = 4
        causes = {}
        for dim in low:
            cause = D.DIMENSION_CAUSE[dim]
            if dim == "响应及时性" and hotline and (not slow or rng.random() < 0.5):
                cause = "hotline"
            elif dim in ("问题解决效果", "流程便捷性") and o["parts_issue"]:
                cause = "parts"
            elif dim == "服务态度" and team == D.INSTALL_TEAM and (mess or rng.random() < 0.5):
                cause = "install_mess"
            causes[dim] = cause
        return ratings, causes

    def _remark(self, o: dict, cause: str) -> tuple[str, str]:
        _category, remarks, suggestions = D.CAUSES[cause]
        remarks = D.CAUSE_REMARKS_BY_GROUP.get((cause, D.SERVICE_GROUP[o["service"]]), remarks)
        parts = D.PRODUCTS[o["category"]][2]
        part = parts[0] if o["category"] == "空调" and self.rng.random() < 0.5 else self.rng.choice(parts)
        if o["category"] == "空调" and part == "滤网":
            part = "空调滤网"
        remark = self.rng.choice(remarks).format(part=part, product=o["category"])
        return remark, self.rng.choice(suggestions)

    def _pooled(self, pools: dict, o: dict) -> str:
        """A remark that fits the service (installation, repair …) or any service."""
        remarks = pools[D.SERVICE_GROUP[o["service"]]] + pools["any"]
        return self.rng.choice(remarks).format(product=o["category"])

    def _visit(self, o: dict, task_id: int, at: datetime, visitor: str) -> None:
        rng = self.rng
        customer = o["customer"]
        visit_id = self.new_id(Visit)
        method = "电话" if o["showcase"] else self.pick(D.VISIT_METHODS)
        ratings, causes = self._ratings(o)
        invalid = method == "问卷" and rng.random() < 0.25
        if invalid:  # the same box ticked all the way down
            same = rng.choice((5, 3))
            ratings = dict.fromkeys(DIMS, same)
            causes = {}
        low = [d for d in DIMS if ratings[d] <= 2]
        worst = min(ratings.values())
        remark = suggestion = ""
        categories: list[str] = []
        cause = None
        repurchase = False
        if invalid:
            answer_text = False
        elif low:
            worst_dim = min(low, key=lambda d: (ratings[d], DIMS.index(d)))
            if o["showcase"]:
                worst_dim = "问题解决效果"
            cause = causes[worst_dim]
            if not o["showcase"] and rng.random() < 0.1:
                cause = rng.choice(("product", "price"))
                categories.append(D.DIMENSION_CATEGORY[worst_dim])
            remark, suggestion = self._remark(o, cause)
            if o["showcase"]:
                remark = D.WORKED_FEEDBACK
                suggestion = D.CAUSES["parts"][2][0]
            categories.insert(0, D.CAUSES[cause][0])
            for dim in low:
                if dim != worst_dim:
                    categories.append(D.DIMENSION_CATEGORY[dim])
            answer_text = o["showcase"] or rng.random() < 0.75
        elif worst == 3:
            if rng.random() < 0.35:
                remark = self._pooled(D.NEUTRAL_REMARKS, o)
            suggestion = rng.choice(D.POSITIVE_SUGGESTIONS)
            answer_text = rng.random() < 0.35
        else:
            if rng.random() < 0.07:
                repurchase = True
                remark = rng.choice(D.REPURCHASE_REMARKS)
            elif rng.random() < 0.2:
                remark = self._pooled(D.POSITIVE_REMARKS, o)
            suggestion = rng.choice(D.POSITIVE_SUGGESTIONS)
            answer_text = rng.random() < 0.26
        categories = list(dict.fromkeys(categories))

        # answers, question by question, whatever the active template holds
        extra: dict[str, int] = {}  # ratings for dimensions outside the standard five

        def rating(dim: str) -> int:
            if dim in ratings:
                return ratings[dim]
            if dim not in extra:
                extra[dim] = self.draw(_GOOD)
            return extra[dim]

        values5 = [rating(q.dimension) for q in self.questions if q.kind == LEVEL5]
        mean5 = sum(values5) / len(values5) if values5 else sum(ratings.values()) / len(ratings)
        nps = self._nps(mean5)
        for q in self.questions:
            value, text = None, ""
            if q.kind == LEVEL5:
                value = rating(q.dimension)
                if q.allow_comment and value <= 2:
                    text = D.SHORT_COMMENTS.get(D.DIMENSION_CATEGORY.get(q.dimension, ""), "")
            elif q.kind == SCORE10:
                value = rng.choice(_SCORE10_OF[rating(q.dimension)])
            elif q.kind == NPS:
                value = nps
            elif q.kind == YESNO:
                value = 0 if rating(q.dimension) <= 2 else 1
            elif q.kind == CHOICE:
                labels = q.labels()
                if not labels or not (q.required or rng.random() < 0.8):
                    continue
                index = rng.choices(range(len(labels)), [len(labels) - i for i in range(len(labels))])[0]
                value = q.value_of_option(index)
            elif q.kind == TEXT:
                if not (q.required or answer_text):
                    continue
                text = suggestion or remark or rng.choice(D.POSITIVE_SUGGESTIONS)
            else:
                continue
            self.t_answer.add(visit_id, q.id, value, text)

        if worst == 1:
            mood = "强烈不满" if rng.random() < 0.7 else "轻微不满"
        elif worst == 2:
            mood = "强烈不满" if o["complaint"] and rng.random() < 0.3 else "轻微不满"
        elif mean5 >= 4.5:
            mood = "满意"
        else:
            mood = "平静"
        respondent, is_customer = customer["contact"], True
        if customer["ctype"] != "企业客户" and rng.random() < 0.07:
            respondent, is_customer = f"{customer['name']}的{rng.choice(D.RELATIONS)}", False
        sign = "纸质已签" if method in ("上门", "问卷") else "未签"
        self.t_visit.add(
            visit_id,
            task_id,
            customer["id"],
            o["id"],
            self.template_id,
            "已完成",
            _d(at.date()),
            method,
            visitor,
            respondent,
            is_customer,
            remark,
            "平静" if invalid else mood,
            repurchase,
            sign,
            invalid,
            "所有题目选择相同选项，疑似随意勾选" if invalid else "",
            _dt(at),
            _dt(at + timedelta(minutes=rng.randint(3, 9))),
        )
        for name in categories:
            self.t_problem.add(visit_id, self.category_id[name])

        # a few call attempts before the call that worked
        r = rng.random()
        if r < 0.06 and not o["showcase"]:
            day = self.calendar.add_workdays(at.date(), -1)
            if day > o["completed"].date():
                self._attempt(
                    task_id, None, o, self.call_time(day, afternoon=False), "无法接通", visitor, "无人接听"
                )
        elif r < 0.10 and at.hour >= 15:
            earlier = at.replace(hour=10, minute=rng.randint(0, 50))
            reason = rng.choice(D.INCONVENIENT_REASONS)
            self._attempt(task_id, None, o, earlier, "不方便", visitor, reason=reason, next_at=at)
        if not is_customer:
            self._attempt(task_id, visit_id, o, at, "非本人", visitor, answered_by=respondent)

        if not invalid:
            quarter = self.csat.setdefault(_quarter(at.date()), [0, 0])
            quarter[0] += sum(1 for v in values5 if v >= 4)
            quarter[1] += len(values5)
            if cause is not None:
                self.negatives.append(
                    {
                        "visit": visit_id,
                        "cause": cause,
                        "team": o["team"],
                        "day": at.date(),
                        "days_ago": o["days_ago"],
                        "showcase": o["showcase"],
                    }
                )
        if o["complaint"] and o["closed"] is not None:
            quarter = self.complaints.setdefault(_quarter(o["completed"].date()), [0, 0])
            quarter[0] += int(o["closed"] - o["completed"] <= timedelta(hours=24))
            quarter[1] += 1

    def _nps(self, mean: float) -> int:
        if mean >= 4.6:
            return self.rng.choices((10, 9, 8), (50, 36, 14))[0]
        if mean >= 4.0:
            return self.rng.choices((10, 9, 8, 7, 6), (18, 36, 30, 12, 4))[0]
        if mean >= 3.4:
            return self.rng.choices((9, 8, 7, 6, 5), (12, 30, 32, 18, 8))[0]
        return self.rng.choices((7, 6, 5, 4, 3, 2, 0), (8, 22, 25, 18, 12, 10, 5))[0]

    # ------------------------------------------------------------------ improvement actions
    def _linked(self, key: str, created: date) -> list[int]:
        """Negative visits (before the action was opened) whose feedback the action answers."""
        limits = {"parts": 6, "slow_team": 8, "hotline": 6, "install_mess": 6, "tech": 5}
        if key == "parts":
            found = [n for n in self.negatives if n["cause"] == "parts" or n["showcase"]]
        elif key == "slow_team":
            found = [
                n
                for n in self.negatives
                if n["cause"] == "onsite_delay"
                and n["team"] == D.SLOW_TEAM
                and n["days_ago"] <= D.SLOW_TEAM_DAYS
            ]
        elif key == "tech":
            found = [n for n in self.negatives if n["cause"] == "tech" and n["team"] == "维修一组"]
        else:
            found = [n for n in self.negatives if n["cause"] == key]
        before = [n for n in found if n["day"] <= created or n["showcase"]]
        before.sort(key=lambda n: (not n["showcase"], -n["day"].toordinal(), n["visit"]))
        return sorted(n["visit"] for n in before[: limits[key]])

    def _actions(self) -> None:
        today = self.today

        def day(offset: int | None) -> date | None:
            return None if offset is None else today + timedelta(days=offset)

        self.ids[ImprovementAction].reserve(len(D.ACTIONS))
        for spec in D.ACTIONS:
            action_id = self.new_id(ImprovementAction)
            created = day(spec["created"])
            completed = day(spec.get("completed"))
            closed = day(spec.get("closed"))
            fill = {"completed": completed.isoformat() if completed else ""}
            self.t_action.add(
                action_id,
                self.category_id[spec["category"]],
                spec["problem"],
                spec["measure"],
                spec["department"],
                spec["owner"],
                _d(day(spec["deadline"])),
                spec["acceptance"],
                spec["expected"],
                spec["status"],
                _d(completed),
                spec.get("completion_note", "").format(**fill),
                spec.get("verification", ""),
                _d(closed),
                spec.get("customer_message", ""),
                _d(closed + timedelta(days=2)) if closed and spec.get("customer_message") else None,
                _dt(datetime.combine(created, time(9, 30))),
            )
            for visit_id in self._linked(spec["key"], created):
                self.t_action_visit.add(action_id, visit_id)
            for n, (offset, status_from, status_to, note, author) in enumerate(spec["log"]):
                at = datetime.combine(day(offset), time(10 + n % 6, 15))
                self.t_action_log.add(action_id, _dt(at), status_from, status_to, note.format(**fill), author)

    # ------------------------------------------------------------------ KPI scorecards
    def _scorecards(self) -> None:
        newer = _prev_quarter(_quarter(self.today))
        older = _prev_quarter(newer)
        self.ids[KpiScorecard].reserve(2)
        for quarter, actuals in ((older, D.KPI_ACTUALS[0]), (newer, D.KPI_ACTUALS[1])):
            card_id = self.new_id(KpiScorecard)
            created = min(_quarter_end(quarter) + timedelta(days=5), self.today - timedelta(days=1))
            self.t_scorecard.add(
                card_id,
                f"{quarter[0]}Q{quarter[1]}",
                D.KPI_TARGET,
                "演示数据：前五项为业务系统统计值，后两项按本季度回访和投诉工单计算",
                _dt(datetime.combine(created, time(16, 0))),
            )
            top2, total = self.csat.get(quarter, (0, 0))
            within, complaints = self.complaints.get(quarter, (0, 0))
            computed = (
                round(100 * top2 / total, 1) if total else None,
                round(100 * within / complaints, 1) if complaints else None,
            )
            for position, (level1, level2, definition, weight, target) in enumerate(D.KPI_INDICATORS):
                if position < len(actuals):
                    actual, note = actuals[position]
                else:
                    actual = computed[position - len(actuals)]
                    note = ""
                    if actual is not None and actual < target:
                        note = (
                            "回访满意度低于目标，主要问题见改进方案表"
                            if position == 5
                            else "个别投诉超过24小时才处理完毕"
                        )
                self.t_indicator.add(
                    card_id,
                    position,
                    level1,
                    level2,
                    definition,
                    weight,
                    target,
                    actual,
                    False,
                    "manual",
                    note,
                )
