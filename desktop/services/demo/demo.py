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
    StandardEntry,
    Visit,
    VisitProblem,
    VisitTask,
    db,
)
from desktop.models.connection import insert_rows

from ..admin import accounts, settings
from ..common.calendar import WorkCalendar
from ..common.errors import UserError
from ..common.pinyin import name_keys
from ..kpi import automatic, kpi
from ..visits.templates import active_template, ensure_builtin_templates, questions_of
from . import demo_data as D
from .rows import Ids, Rows, one_year_later, prev_quarter, quarter_end, quarter_of, sql_date, sql_datetime
from .visit_rows import DemoVisits

DEFAULT_CUSTOMERS = 300
DEFAULT_SEED = 20241
MAX_CUSTOMERS = 100_000
BATCH = 2000
TOTAL = 100  # progress units: 0–30 preparing, 30–100 writing
WINDOW_DAYS = 365
TEMPLATE_FAMILY = "after_sales"


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


# ---------------------------------------------------------------------------- the generator
class _Demo(DemoVisits):
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
        self.used_phones: set[str] = set()
        self.company_names: set[str] = set()

        self.t_customer = Rows(
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
        self.t_order = Rows(
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
        self.t_task = Rows(
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
        self.t_visit = Rows(
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
        self.t_answer = Rows(Answer, ("visit", "question", "value", "text"))
        self.t_problem = Rows(VisitProblem, ("visit", "category"))
        self.t_attempt = Rows(
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
        self.t_action = Rows(
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
        self.t_action_visit = Rows(ActionVisit, ("action", "visit"))
        self.t_action_log = Rows(ActionLog, ("action", "at", "status_from", "status_to", "note", "author"))
        self.t_standard = Rows(
            StandardEntry, ("action", "measure", "effect", "adopted_on", "adopted_by", "created_at")
        )
        self.t_scorecard = Rows(KpiScorecard, ("id", "period", "target", "note", "created_at"))
        self.t_indicator = Rows(
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
        self._report_settings()
        self.tick(30, "正在写入数据库…")
        self._write()
        self._computed_actuals()
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
            self.t_standard,
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
            model: Ids(model)
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
                sql_datetime(stamp),
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
                sql_datetime(o["completed"]),
                sql_date(delivered),
                sql_date(one_year_later(delivered)) if delivered else None,
                o["complaint"],
                sql_datetime(o["created"]) if o["complaint"] else None,
                sql_datetime(o["responded"]),
                sql_datetime(o["closed"]),
                o["level"],
                o["ftf"],
                o["note"],
                sql_datetime(o["created"]),
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
                sql_date(day(spec["deadline"])),
                spec["acceptance"],
                spec["expected"],
                spec["status"],
                sql_date(completed),
                spec.get("completion_note", "").format(**fill),
                spec.get("verification", ""),
                sql_date(closed),
                spec.get("customer_message", ""),
                sql_date(closed + timedelta(days=2)) if closed and spec.get("customer_message") else None,
                sql_datetime(datetime.combine(created, time(9, 30))),
            )
            for visit_id in self._linked(spec["key"], created):
                self.t_action_visit.add(action_id, visit_id)
            if "standard" in spec:  # its verified measure made standard practice (标准手册)
                adopted_on, adopted_by = day(spec["standard"][0]), spec["standard"][1]
                self.t_standard.add(
                    action_id,
                    spec["measure"],
                    spec["verification"],
                    sql_date(adopted_on),
                    adopted_by,
                    sql_datetime(datetime.combine(adopted_on, time(11, 0))),
                )
            for n, (offset, status_from, status_to, note, author) in enumerate(spec["log"]):
                at = datetime.combine(day(offset), time(10 + n % 6, 15))
                self.t_action_log.add(action_id, sql_datetime(at), status_from, status_to, note.format(**fill), author)

    def _computed_actuals(self) -> None:
        """The scorecards' computed indicators (满意度, 投诉处理及时率) filled by the KPI service
        from the rows just written — the same rule as 刷新实际值 — with a reason where below target."""
        if not accounts.can(accounts.MANAGE):
            return  # left empty: a 主管 fills them with 刷新实际值
        for card_id in self.card_ids:
            automatic.refresh_actuals(card_id)
            for row in kpi.load(card_id).rows:
                reason = D.KPI_COMPUTED_REASONS.get(row.source)
                if reason and row.actual is not None and row.actual < row.target:
                    KpiIndicator.update(note=reason).where(KpiIndicator.id == row.id).execute()

    # ------------------------------------------------------------------ report header
    @staticmethod
    def _report_settings() -> None:
        """The report's 编制部门 and 负责人, as a shop would fill them in (only where blank)."""
        if not accounts.can(accounts.MANAGE):
            return
        for key, value in D.REPORT_SETTINGS.items():
            if not str(settings.get(key) or "").strip():
                settings.set_value(key, value)

    # ------------------------------------------------------------------ KPI scorecards
    def _scorecards(self) -> None:
        newer = prev_quarter(quarter_of(self.today))
        older = prev_quarter(newer)
        self.ids[KpiScorecard].reserve(2)
        self.card_ids: list[int] = []
        for quarter, actuals in ((older, D.KPI_ACTUALS[0]), (newer, D.KPI_ACTUALS[1])):
            card_id = self.new_id(KpiScorecard)
            self.card_ids.append(card_id)
            created = min(quarter_end(quarter) + timedelta(days=5), self.today - timedelta(days=1))
            self.t_scorecard.add(
                card_id,
                f"{quarter[0]}Q{quarter[1]}",
                D.KPI_TARGET,
                "演示数据：前五项为业务系统统计值，后两项由本系统按本季度回访和投诉工单计算",
                sql_datetime(datetime.combine(created, time(16, 0))),
            )
            # the last two are left to the KPI service's own rules (``_computed_actuals``)
            computed = (kpi.CSAT, kpi.COMPLAINT_TIMELY)
            for position, (level1, level2, definition, weight, target) in enumerate(D.KPI_INDICATORS):
                actual, note = actuals[position] if position < len(actuals) else (None, "")
                source = kpi.MANUAL if position < len(actuals) else computed[position - len(actuals)]
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
                    source,
                    note,
                )
