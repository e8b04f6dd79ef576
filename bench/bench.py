"""回访通 benchmark: the app's own code beside a plain baseline, on a generated data set.

    .venv/bin/python bench/bench.py [--quick] [--json FILE] [--only NAMES] [--workdir DIR]

The data set (full: 100k customers, 300k service orders, 100k visits with their visit tasks,
500k answers; ``--quick``: a tenth) is written with raw ``sqlite3.executemany`` into a database
created by ``desktop.services.maintenance.bootstrap.open_app_database``, so the schema, indexes and shipped
defaults are the app's. Visits cover the 24 months up to today; the period measured is the last
full calendar year. Every figure is measured in the same run beside its baseline:

* ``stats_vs_raw_sql`` — ``statistics.dimension_stats`` for the year vs one hand-written
  GROUP BY giving the same counts (checked equal);
* ``export_vs_openpyxl_write_only`` — ``export.export_workbook`` (six sheets) vs the same
  visit rows and columns written with bare openpyxl write-only;
* ``import_rows_per_s`` — ``importer.run_import`` of a 10k-row customers workbook vs reading
  it with python-calamine and inserting it with ``executemany`` (no checks);
* ``startup_vs_bare_qt`` — a fresh process to the app's main window painted (offscreen) vs a
  bare PySide6 ``QMainWindow``; median of 5 each;
* ``list_first_paint_ms.*`` — opening the customer list and the visit list (construct with the
  first query, ``on_shown``, show, process events) vs a bare ``QTableView`` over the same first
  200 rows fetched with sqlite3; median of 3 fresh processes each;
* ``page_open_ms.<page>`` — every page of the main window: click → it shows its data or its
  list (a page filling in the background says so: ``loading``/``filled``), target 300 ms;
* ``dashboard_filled_ms`` — click on 工作台 → every tile and chart drawn, target 1000 ms;
* ``peak_rss_mb`` — VmHWM of an app process that starts, opens the customers, visits and
  dashboard pages (charts drawn) vs a bare window's process;
* ``omr_*`` — the paper reader on hundreds of generated scans and phone photos of every
  built-in form (``bench/omr_bench.py``; needs no data set): box accuracy, pages sent to review,
  certain-but-wrong answers per box, pages per second.

``ratio`` is always "times the baseline's time" (for rates: baseline rate ÷ app rate; for memory:
app ÷ bare). ``pass`` compares with the target. The JSON also holds machine information.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _folder in (ROOT, ROOT / "bench"):  # the app (and tests/scan_synth.py), bench/omr_bench.py
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

SIZES = {
    "full": {"customers": 100_000, "orders": 300_000, "visits": 100_000},
    "quick": {"customers": 10_000, "orders": 30_000, "visits": 10_000},
    "tiny": {"customers": 600, "orders": 1_800, "visits": 600},
}
ANSWERS_PER_VISIT = 5  # four 五级 questions + the 0–10 recommend question
IMPORT_ROWS = {"full": 10_000, "quick": 10_000, "tiny": 200}
STARTUP_RUNS = 5
PAINT_RUNS = 3
SEED = 20240601
TEMPLATE_FAMILY = "after_sales"

TARGETS = {
    "stats_vs_raw_sql": ("ratio", 2.0),
    "export_vs_openpyxl_write_only": ("ratio", 1.5),
    "import_rows_per_s": (None, None),
    "startup_vs_bare_qt": ("ratio", 2.5),
    "list_first_paint_ms.customers": ("value", 300.0),
    "list_first_paint_ms.visits": ("value", 300.0),
    "list_first_paint_ms.orders": ("value", 300.0),
    "peak_rss_mb": ("value", 400.0),
    "dashboard_filled_ms": ("value", 1000.0),
}
LABELS = {
    "stats_vs_raw_sql": "维度统计 vs 原生SQL / dimension stats vs raw SQL",
    "export_vs_openpyxl_write_only": "总部工作簿导出 vs openpyxl只写 / export vs openpyxl write-only",
    "import_rows_per_s": "客户导入 行/秒 / customer import rows/s",
    "startup_vs_bare_qt": "启动到主窗口 vs 空窗口 / start-up vs bare Qt",
    "list_first_paint_ms.customers": "客户列表首屏 / customer list first paint",
    "list_first_paint_ms.visits": "回访记录列表首屏 / visit list first paint",
    "list_first_paint_ms.orders": "工单列表首屏 / order list first paint",
    "peak_rss_mb": "峰值内存 / peak memory",
    "dashboard_filled_ms": "工作台磁贴和图表画完 / dashboard tiles and charts drawn",
}
UNITS = {
    "stats_vs_raw_sql": "ms",
    "export_vs_openpyxl_write_only": "s",
    "import_rows_per_s": "rows/s",
    "startup_vs_bare_qt": "s",
    "list_first_paint_ms.customers": "ms",
    "list_first_paint_ms.visits": "ms",
    "list_first_paint_ms.orders": "ms",
    "peak_rss_mb": "MB",
    "dashboard_filled_ms": "ms",
}
# every page of the main window: click → it shows its data (or its list)
PAGE_IDS = (
    "dashboard", "tasks", "visit_form", "scan_entry", "visits", "foreman_review", "analysis", "improvement", "standards",
    "customers", "orders", "sampling", "import", "kpi", "report", "templates", "settings",
)  # fmt: skip
PAGE_TITLES = {
    "dashboard": "工作台", "tasks": "回访任务", "visit_form": "回访表", "scan_entry": "扫描录入", "visits": "回访记录", "foreman_review": "工长自评",
    "analysis": "问题分析", "improvement": "改进方案", "standards": "标准手册", "customers": "客户",
    "orders": "服务工单", "sampling": "抽样计划", "import": "导入数据", "kpi": "质量评价", "report": "调查报告",
    "templates": "问卷模板", "settings": "设置",
}  # fmt: skip
for _page in PAGE_IDS:
    TARGETS[f"page_open_ms.{_page}"] = ("value", 300.0)
    LABELS[f"page_open_ms.{_page}"] = f"打开“{PAGE_TITLES[_page]}”到显示数据 / page {_page} shows its data"
    UNITS[f"page_open_ms.{_page}"] = "ms"
PAGE_RUNS = 3
ALL_MEASUREMENTS = ("stats", "export", "startup", "paint", "pages", "rss", "import", "omr")
from omr_bench import LABELS as _OMR_LABELS  # noqa: E402  (bench/ is on sys.path as the script's folder)
from omr_bench import TARGETS as _OMR_TARGETS  # noqa: E402
from omr_bench import UNITS as _OMR_UNITS  # noqa: E402

TARGETS.update(_OMR_TARGETS)
LABELS.update(_OMR_LABELS)
UNITS.update(_OMR_UNITS)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ============================================================================ the data set
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志宏晓梅海波"
CITIES = ("北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "杭州市西湖区", "成都市武侯区",
          "武汉市洪山区", "南京市鼓楼区", "西安市雁塔区", "重庆市渝北区")  # fmt: skip
ROADS = ("建设路", "人民路", "解放大道", "中山路", "科技园路", "长安街", "和平里", "新华路", "滨江大道")
REGIONS = ("华北", "华东", "华南", "西南", "华中", "西北", "东北", "华东二区")
SOURCES = ("老客户介绍", "网络搜索", "门店", "电话咨询", "公众号", "展会")
SERVICE_TYPES = ("安装", "维修", "保养", "咨询", "投诉处理", "交付")
PRODUCTS = ("KFR-35GW", "KFR-26GW", "KFR-72LW", "BCD-470", "XQG100", "JSQ25-13", "CXW-200", "EG10014B")
TEAMS = ("维修一组", "维修二组", "安装一组", "安装二组", "客服中心", "物流部")
ENGINEERS = tuple(f"{s}工{i}" for i, s in enumerate("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗", 1))
VISITORS = ("小王", "小李", "小张", "小刘", "小陈", "小杨", "小黄", "小赵")
METHODS = ("电话", "电话", "电话", "短信", "上门", "问卷", "短信+电话跟进")
MOODS = ("平静", "满意", "满意", "平静", "轻微不满", "强烈不满")
FEEDBACK = (
    "师傅很专业，讲解清楚", "上门时间比约定晚了一个小时", "第一次上门未携带滤网导致二次预约", "收费透明，满意",
    "电话一直打不通，希望改进", "安装后现场清理干净", "希望能提前电话确认时间", "配件等了一周才到",
    "服务态度很好，下次还找你们", "问题没有彻底解决，还要再修", "客服回复太慢", "价格有点贵",
)  # fmt: skip
LEVEL_WEIGHTS = ((5, 45), (4, 30), (3, 13), (2, 8), (1, 4))
NPS_WEIGHTS = ((10, 22), (9, 20), (8, 18), (7, 14), (6, 8), (5, 6), (4, 4), (3, 3), (2, 2), (1, 2), (0, 1))


def _weighted(rng: random.Random, table, k: int) -> list[int]:
    values = [v for v, _ in table]
    weights = [w for _, w in table]
    return rng.choices(values, weights, k=k)


class _Insert:
    """INSERT for one model's table from the model's metadata: the given fields in order, the
    other fields with their constant default (``now`` defaults get a fixed stamp), NULL when
    nullable. Values are in database form (ISO text dates, 0/1)."""

    def __init__(self, model, fields: tuple[str, ...], stamp: str):
        meta = model._meta
        columns = [meta.fields[name].column_name for name in fields]
        extras = []
        for f in meta.sorted_fields:
            if f.name in fields or f.primary_key:
                continue
            if callable(f.default):
                value = stamp
            elif f.default is not None:
                value = f.db_value(f.default)
            elif f.null:
                value = None
            else:
                raise RuntimeError(f"bench: {model.__name__}.{f.name} needs a value")
            columns.append(f.column_name)
            extras.append(value)
        self.extras = tuple(extras)
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        self.sql = f'INSERT INTO "{meta.table_name}" ({names}) VALUES ({marks})'
        self.table = meta.table_name

    def rows(self, tuples):
        extras = self.extras
        return (t + extras for t in tuples)


@dataclass
class DataSet:
    path: Path
    size: str
    counts: dict[str, int]
    today: date
    year: int  # the period measured (last full calendar year)
    template_id: int
    seconds: float
    extra: dict = field(default_factory=dict)


def generate(path: Path, size: str, *, today: date | None = None, seed: int = SEED) -> DataSet:
    """Create the app's database at ``path`` and fill it with the data set of ``size``."""
    from desktop.models import (
        Answer,
        Customer,
        Question,
        QuestionnaireTemplate,
        ServiceOrder,
        Visit,
        VisitProblem,
        VisitTask,
    )
    from desktop.models.connection import close_database
    from desktop.services.maintenance.bootstrap import open_app_database

    started = time.perf_counter()
    spec = SIZES[size]
    today = today or date.today()
    path = Path(path)
    if path.exists():
        raise RuntimeError(f"bench: {path} exists already")
    open_app_database(path)
    template = (
        QuestionnaireTemplate.select()
        .where(QuestionnaireTemplate.family == TEMPLATE_FAMILY, QuestionnaireTemplate.active == True)  # noqa: E712
        .get()
    )
    questions = list(template.questions.order_by(Question.position))
    level5 = [q.id for q in questions if q.kind == "level5"][:4]
    nps = [q.id for q in questions if q.kind == "nps"][:1]
    if len(level5) < 4 or not nps:
        raise RuntimeError("bench: the after-sales template lacks four 五级 questions and an NPS question")
    asked = level5 + nps
    from desktop.models import ProblemCategory

    categories = [c.id for c in ProblemCategory.select().order_by(ProblemCategory.position)]
    close_database()

    stamp = datetime.combine(today, datetime.min.time()).replace(hour=8).strftime("%Y-%m-%d %H:%M:%S")
    rng = random.Random(seed)
    n_cust, n_orders, n_visits = spec["customers"], spec["orders"], spec["visits"]
    first_day = today - timedelta(days=730)

    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("BEGIN IMMEDIATE")
    try:
        # -- customers
        ins = _Insert(
            Customer,
            ("id", "code", "name", "title", "phone", "address", "ctype", "region", "source", "created_at"),
            stamp,
        )
        phones = rng.sample(range(10_000_000, 99_999_999), n_cust)
        rows = []
        for i in range(1, n_cust + 1):
            surname = SURNAMES[rng.randrange(len(SURNAMES))]
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            r = rng.random()
            ctype = "VIP客户" if r < 0.1 else ("企业客户" if r < 0.2 else "普通客户")
            address = f"{rng.choice(CITIES)}{rng.choice(ROADS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋"
            rows.append(
                (
                    i,
                    f"C{202300000 + i}",
                    surname + given,
                    rng.choice(("先生", "女士")),
                    f"1{rng.choice('3456789')}{rng.randint(0, 9)}{phones[i - 1]}",
                    address,
                    ctype,
                    rng.choice(REGIONS),
                    rng.choice(SOURCES),
                    stamp,
                )
            )
        con.executemany(ins.sql, ins.rows(rows))

        # -- service orders: completed over the 26 months up to today
        ins = _Insert(
            ServiceOrder,
            (
                "id", "order_no", "customer", "service_type", "product_model", "engineer", "team",
                "completed_at", "delivered_on", "warranty_end", "is_complaint", "complaint_at",
                "complaint_responded_at", "complaint_closed_at", "complaint_level", "first_time_fixed",
                "created_at",
            ),
            stamp,
        )  # fmt: skip
        span = (today - first_day).days + 60
        order_day: list[date] = [today] * (n_orders + 1)
        order_customer = [0] * (n_orders + 1)
        rows = []
        for i in range(1, n_orders + 1):
            customer = i if i <= n_cust else rng.randint(1, n_cust)
            done = today - timedelta(days=rng.randrange(span))
            at = datetime.combine(done, datetime.min.time()).replace(hour=rng.randint(8, 18))
            stype = rng.choice(SERVICE_TYPES)
            complaint = rng.random() < 0.05
            order_day[i], order_customer[i] = done, customer
            rows.append(
                (
                    i,
                    f"WO{done:%Y%m%d}{i:07d}",
                    customer,
                    stype,
                    rng.choice(PRODUCTS),
                    rng.choice(ENGINEERS),
                    rng.choice(TEAMS),
                    at.strftime("%Y-%m-%d %H:%M:%S"),
                    done.isoformat() if stype == "交付" else None,
                    (done + timedelta(days=365)).isoformat() if stype in ("安装", "交付") else None,
                    1 if complaint else 0,
                    (at - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S") if complaint else None,
                    (at - timedelta(hours=20)).strftime("%Y-%m-%d %H:%M:%S") if complaint else None,
                    (at + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S") if complaint else None,
                    rng.choice(("一级", "二级", "三级")) if complaint else None,
                    1 if rng.random() < 0.85 else 0,
                    stamp,
                )
            )
        con.executemany(ins.sql, ins.rows(rows))
        rows = None

        # -- visits (one per visited order) with their tasks, answers and problem tags
        eligible = [
            i for i in range(1, n_orders + 1) if first_day <= order_day[i] <= today - timedelta(days=6)
        ]
        if len(eligible) < n_visits:
            raise RuntimeError("bench: not enough orders in the visit window")
        visited = sorted(rng.sample(eligible, n_visits), key=lambda o: (order_day[o], o))
        task_ins = _Insert(
            VisitTask,
            ("id", "customer", "order", "trigger", "earliest", "latest", "template", "status", "created_at"),
            stamp,
        )
        visit_ins = _Insert(
            Visit,
            (
                "id", "task", "customer", "order", "template", "status", "visit_date", "method", "visitor",
                "respondent", "respondent_is_customer", "feedback", "mood", "repurchase", "sign_status",
                "invalid", "invalid_reason", "created_at", "updated_at",
            ),
            stamp,
        )  # fmt: skip
        answer_ins = _Insert(Answer, ("visit", "question", "value"), stamp)
        problem_ins = _Insert(VisitProblem, ("visit", "category"), stamp)
        tasks, visits, answers, problems = [], [], [], []
        levels = _weighted(rng, LEVEL_WEIGHTS, n_visits * 4)
        scores = _weighted(rng, NPS_WEIGHTS, n_visits)
        for vid, order in enumerate(visited, 1):
            done = order_day[order]
            day = min(today, done + timedelta(days=rng.randint(3, 6)))
            status = "草稿" if rng.random() < 0.01 else "已完成"
            invalid = status == "已完成" and rng.random() < 0.02
            tasks.append(
                (
                    vid,
                    order_customer[order],
                    order,
                    "首次回访",
                    (done + timedelta(days=3)).isoformat(),
                    (done + timedelta(days=7)).isoformat(),
                    template.id,
                    "已完成" if status == "已完成" else "已预约",
                    stamp,
                )
            )
            vlevels = levels[(vid - 1) * 4 : vid * 4]
            low = min(vlevels) <= 2
            feedback = rng.choice(FEEDBACK) if (low or rng.random() < 0.25) else ""
            moment = f"{day.isoformat()} {rng.randint(10, 17):02d}:{rng.randint(0, 59):02d}:00"
            visits.append(
                (
                    vid,
                    vid,
                    order_customer[order],
                    order,
                    template.id,
                    status,
                    day.isoformat(),
                    rng.choice(METHODS),
                    rng.choice(VISITORS),
                    "",
                    1,
                    feedback,
                    "强烈不满" if min(vlevels) == 1 else rng.choice(MOODS[:4]),
                    1 if rng.random() < 0.08 else 0,
                    "未签",
                    1 if invalid else 0,
                    "答案全部相同（疑似乱填）" if invalid else "",
                    moment,
                    moment,
                )
            )
            for qid, value in zip(asked, (*vlevels, scores[vid - 1]), strict=True):
                answers.append((vid, qid, value))
            if low and categories:
                problems.append((vid, categories[vlevels.index(min(vlevels)) % len(categories)]))
        con.executemany(task_ins.sql, task_ins.rows(tasks))
        con.executemany(visit_ins.sql, visit_ins.rows(visits))
        con.executemany(answer_ins.sql, answer_ins.rows(answers))
        con.executemany(problem_ins.sql, problem_ins.rows(problems))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    counts = {
        "customers": n_cust,
        "orders": n_orders,
        "visit_tasks": len(tasks),
        "visits": len(visits),
        "answers": len(answers),
        "visit_problems": len(problems),
    }
    return DataSet(
        path=path,
        size=size,
        counts=counts,
        today=today,
        year=today.year - 1,
        template_id=template.id,
        seconds=time.perf_counter() - started,
    )


# ============================================================================ figures
@dataclass
class Figure:
    name: str
    value: float
    baseline: float | None
    unit: str
    ratio: float | None = None
    target: float | None = None
    target_on: str | None = None  # "ratio" or "value"
    passed: bool | None = None
    extra: dict = field(default_factory=dict)

    def judge(self) -> Figure:
        on, target = TARGETS.get(self.name, (None, None))
        self.target_on, self.target = on, target
        if on == "ratio" and self.ratio is not None:
            self.passed = self.ratio <= target
        elif on == "value":
            self.passed = self.value <= target
        elif on == "min":  # a rate or an accuracy: at least the target
            self.passed = self.value >= target
        return self

    def as_json(self) -> dict:
        return {
            "label": LABELS.get(self.name, self.name),
            "value": _round(self.value),
            "baseline": _round(self.baseline),
            "unit": self.unit,
            "ratio": _round(self.ratio),
            "target": self.target,
            "target_on": self.target_on,
            "pass": self.passed,
            **({"extra": self.extra} if self.extra else {}),
        }


def _round(x):
    if x is None:
        return None
    return round(x, 3) if abs(x) < 100 else round(x, 1)


def _timed(fn, repeat: int) -> tuple[float, list[float], object]:
    """Median seconds of ``repeat`` calls (after one warm-up call), all times, last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, result


def _open(ds: DataSet) -> None:
    from desktop.services.maintenance.bootstrap import open_app_database

    open_app_database(ds.path)


def _close() -> None:
    from desktop.models.connection import close_database

    close_database()


# ---------------------------------------------------------------- statistics
RAW_STATS_SQL = """
SELECT q.dimension, q.kind, a.value, COUNT(*)
FROM answer AS a
JOIN visit AS v ON v.id = a.visit_id
JOIN question AS q ON q.id = a.question_id
WHERE v.status = '已完成' AND v.invalid = 0 AND v.visit_date BETWEEN ? AND ?
  AND a.value IS NOT NULL AND q.kind IN ('level5', 'score10', 'nps', 'yesno')
GROUP BY q.dimension, q.kind, a.value
"""


def _raw_stats(path: Path, year: int) -> dict:
    """dimension → {"n", "counts" (5…1), "nps"} by hand: one GROUP BY, folded in Python."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(RAW_STATS_SQL, (f"{year}-01-01", f"{year}-12-31")).fetchall()
    finally:
        con.close()
    out: dict[str, dict] = {}
    for dim, kind, value, n in rows:
        d = out.setdefault(
            dim or "未分维度", {"n": 0, "counts": dict.fromkeys((5, 4, 3, 2, 1), 0), "nps": {}}
        )
        d["n"] += n
        if kind == "level5":
            d["counts"][value] += n
        elif kind == "score10":
            level = 5 if value >= 10 else 4 if value >= 8 else 3 if value == 7 else 2 if value >= 5 else 1
            d["counts"][level] += n
        elif kind == "nps":
            d["nps"][value] = d["nps"].get(value, 0) + n
    for d in out.values():
        total = sum(d["nps"].values())
        if total:
            pro = sum(n for v, n in d["nps"].items() if v >= 9)
            det = sum(n for v, n in d["nps"].items() if v <= 6)
            d["nps_score"] = (pro - det) * 100 / total
        else:
            d["nps_score"] = None
    return out


def measure_stats(ds: DataSet, repeat: int) -> Figure:
    from desktop.services.reporting import statistics as stats_svc

    _open(ds)
    try:
        flt = stats_svc.Filters(period=ds.year)
        app_s, app_times, app_rows = _timed(lambda: stats_svc.dimension_stats(flt), repeat)
    finally:
        _close()
    raw_s, raw_times, raw = _timed(lambda: _raw_stats(ds.path, ds.year), repeat)
    mismatches = []
    app = {row.dimension: row for row in app_rows}
    if set(app) != set(raw):
        mismatches.append(f"dimensions differ: {sorted(app)} vs {sorted(raw)}")
    for name, r in raw.items():
        a = app.get(name)
        if a is None:
            continue
        if a.n != r["n"] or dict(a.counts) != r["counts"]:
            mismatches.append(f"{name}: n/counts {a.n} {a.counts} vs {r['n']} {r['counts']}")
        if (a.nps is None) != (r["nps_score"] is None) or (
            a.nps is not None and abs(a.nps - r["nps_score"]) > 1e-9
        ):
            mismatches.append(f"{name}: NPS {a.nps} vs {r['nps_score']}")
    if mismatches:
        raise AssertionError("dimension_stats and the raw GROUP BY disagree: " + "; ".join(mismatches))
    answers = sum(r["n"] for r in raw.values())
    return Figure(
        "stats_vs_raw_sql",
        app_s * 1000,
        raw_s * 1000,
        "ms",
        ratio=app_s / raw_s,
        extra={
            "period": str(ds.year),
            "dimensions": len(app),
            "answers_counted": answers,
            "same_numbers": True,
            "runs_ms": {
                "app": [round(t * 1000, 1) for t in app_times],
                "raw": [round(t * 1000, 1) for t in raw_times],
            },
        },
    ).judge()


# ---------------------------------------------------------------- export
RAW_VISITS_SQL = """
SELECT v.id, v.visit_date, c.code, c.name, c.phone, o.order_no, o.service_type, o.product_model,
       o.engineer, o.team, c.region, t.name || ' (第' || t.version || '版)', v.method, v.visitor,
       v.respondent, v.status, v.invalid, v.invalid_reason, v.mood,
       (SELECT GROUP_CONCAT(pc.name, '、') FROM visit_problem AS vp
         JOIN problem_category AS pc ON pc.id = vp.category_id WHERE vp.visit_id = v.id),
       v.repurchase, v.sign_status, v.feedback
FROM visit AS v
JOIN customer AS c ON c.id = v.customer_id
LEFT JOIN service_order AS o ON o.id = v.order_id
JOIN questionnaire_template AS t ON t.id = v.template_id
WHERE v.visit_date BETWEEN ? AND ?
ORDER BY v.visit_date, v.id
"""
RAW_ANSWERS_SQL = """
SELECT a.visit_id, a.question_id, a.value, a.text
FROM answer AS a JOIN visit AS v ON v.id = a.visit_id
WHERE v.visit_date BETWEEN ? AND ?
ORDER BY v.visit_date, v.id
"""
LEVEL5_LABELS = ("非常不满意", "不满意", "一般", "满意", "非常满意")


def _raw_export(path: Path, year: int, out: Path) -> int:
    """The same visit rows and columns, the plain way: sqlite3 + openpyxl write-only ``append``."""
    from openpyxl import Workbook

    con = sqlite3.connect(path)
    try:
        questions = con.execute(
            "SELECT q.id, q.kind, q.text FROM question AS q WHERE q.template_id IN "
            "(SELECT DISTINCT template_id FROM visit WHERE visit_date BETWEEN ? AND ?) "
            "ORDER BY q.template_id, q.position, q.id",
            (f"{year}-01-01", f"{year}-12-31"),
        ).fetchall()
        col_of = {qid: i for i, (qid, _, _) in enumerate(questions)}
        kind_of = {qid: kind for qid, kind, _ in questions}
        book = Workbook(write_only=True)
        ws = book.create_sheet("回访记录")
        ws.append(
            ["回访编号", "回访日期", "客户编号", "客户姓名", "联系电话", "工单号", "服务类型", "产品型号",
             "服务工程师", "班组", "区域", "问卷", "回访方式", "回访人员", "被回访人", "状态", "有效/无效",
             "无效原因", "客户情绪", "问题分类", "再购意向", "签字状态", "宝贵意见"]
            + [f"{i}. {text}" for i, (_, _, text) in enumerate(questions, 1)]
        )  # fmt: skip
        params = (f"{year}-01-01", f"{year}-12-31")
        answers = con.cursor().execute(RAW_ANSWERS_SQL, params)
        pending = answers.fetchone()
        n = 0
        for row in con.cursor().execute(RAW_VISITS_SQL, params):
            vid = row[0]
            cells = [None] * len(questions)
            while pending is not None and pending[0] == vid:
                _, qid, value, text = pending
                kind = kind_of.get(qid)
                if kind == "level5" and value is not None:
                    cells[col_of[qid]] = LEVEL5_LABELS[value - 1]
                elif kind == "text":
                    cells[col_of[qid]] = text or None
                elif kind is not None:
                    cells[col_of[qid]] = value
                pending = answers.fetchone()
            fixed = list(row)
            fixed[1] = date.fromisoformat(fixed[1])
            fixed[16] = "无效" if fixed[16] else "有效"
            fixed[20] = "是" if fixed[20] else "否"
            ws.append(fixed + cells)
            n += 1
        book.save(out)
    finally:
        con.close()
    return n


def measure_export(ds: DataSet, work: Path, repeat: int) -> Figure:
    from desktop.services.summaries.workbook import book_format
    from desktop.services.summaries.workbook import export as export_svc

    out_app = work / "export_app.xlsx"
    out_raw = work / "export_raw.xlsx"
    app_times, raw_times = [], []
    result = rows = None
    _open(ds)
    try:
        # one warm-up of each at small cost: the page cache and imports (openpyxl, lxml)
        for _ in range(repeat):
            t = time.perf_counter()
            result = export_svc.export_workbook(out_app, ds.year, branch="基准测试", today=ds.today)
            app_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            rows = _raw_export(ds.path, ds.year, out_raw)
            raw_times.append(time.perf_counter() - t)
    finally:
        _close()
    app_s, raw_s = statistics.median(app_times), statistics.median(raw_times)
    if result.visits != rows:
        raise AssertionError(f"export wrote {result.visits} visit rows, the baseline {rows}")
    return Figure(
        "export_vs_openpyxl_write_only",
        app_s,
        raw_s,
        "s",
        ratio=app_s / raw_s,
        extra={
            "period": str(ds.year),
            "visit_rows": rows,
            "sheets_app": len(book_format.SHEETS),
            "file_mb": {
                "app": round(out_app.stat().st_size / 2**20, 1),
                "raw": round(out_raw.stat().st_size / 2**20, 1),
            },
            "runs_s": {"app": [round(t, 2) for t in app_times], "raw": [round(t, 2) for t in raw_times]},
        },
    ).judge()


# ---------------------------------------------------------------- import
IMPORT_HEADERS = ("客户编号", "姓名", "称谓", "联系电话", "通讯地址", "客户类型", "区域", "客户来源", "备注")


def write_import_book(out: Path, n: int, seed: int = SEED) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed + 1)
    book = Workbook(write_only=True)
    ws = book.create_sheet("客户")
    ws.append(list(IMPORT_HEADERS))
    phones = rng.sample(range(10_000_000, 99_999_999), n)
    for i in range(n):
        ws.append(
            [
                f"N{700000 + i}",
                SURNAMES[rng.randrange(len(SURNAMES))] + rng.choice(GIVEN) + rng.choice(GIVEN),
                rng.choice(("先生", "女士")),
                f"139{phones[i]}",
                f"{rng.choice(CITIES)}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
                rng.choice(("VIP客户", "普通客户", "普通客户", "企业客户")),
                rng.choice(REGIONS),
                rng.choice(SOURCES),
                "",
            ]
        )
    book.save(out)


def _raw_import(book: Path, db_path: Path, stamp: str) -> int:
    """Baseline: read with python-calamine, insert with executemany — no checks, no mapping."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python()
    con = sqlite3.connect(db_path)
    try:
        with con:
            con.executemany(
                "INSERT INTO customer (code, name, title, phone, address, ctype, region, source, note, "
                "created_at, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                ([str(c) for c in r[:9]] + [stamp] for r in rows[1:]),
            )
    finally:
        con.close()
    return len(rows) - 1


def _copy_db(ds: DataSet, target: Path) -> Path:
    con = sqlite3.connect(ds.path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    shutil.copy2(ds.path, target)
    return target


def measure_import(ds: DataSet, work: Path, size: str) -> Figure:
    """Both imports go into copies of the data set (the same 100k customers already there), so the
    data set itself stays as generated."""
    from desktop.services.intake import importer
    from desktop.services.maintenance.bootstrap import open_app_database

    n = IMPORT_ROWS[size]
    book = work / "import_customers.xlsx"
    write_import_book(book, n)
    copy = _copy_db(ds, work / "import_baseline.db")
    t = time.perf_counter()
    raw_n = _raw_import(book, copy, datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    raw_s = time.perf_counter() - t
    copy.unlink()
    copy = _copy_db(ds, work / "import_app.db")
    open_app_database(copy)
    try:
        t = time.perf_counter()
        result = importer.run_import(
            book, "customers", mode="update", report_path=work / "import_report.xlsx"
        )
        app_s = time.perf_counter() - t
    finally:
        _close()
        for path in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            path.unlink(missing_ok=True)
    if result.imported != n or result.rejected:
        raise AssertionError(f"import: {result.imported} imported, {result.rejected} rejected of {n}")
    app_rate, raw_rate = n / app_s, raw_n / raw_s
    return Figure(
        "import_rows_per_s",
        app_rate,
        raw_rate,
        "rows/s",
        ratio=raw_rate / app_rate,
        extra={"rows": n, "seconds": {"app": round(app_s, 3), "raw": round(raw_s, 3)}},
    ).judge()


# ---------------------------------------------------------------- child processes (Qt)
# Each child prints one JSON line. T0 (the parent's time.monotonic() just before starting the
# child; CLOCK_MONOTONIC is system-wide) makes "since process start" include the interpreter's
# own start-up. The window is counted as shown at its first paint event.
_CHILD_COMMON = r"""
import json, os, sys, time
T0 = float(os.environ["BENCH_T0"])
def since():
    return time.monotonic() - T0
def cpu():
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
def vmhwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
def done(payload):
    sys.stdout.write("BENCH " + json.dumps(payload) + "\n")
    sys.stdout.flush()
    if "desktop.models.connection" in sys.modules:  # leave the file as the app's exit does:
        sys.modules["desktop.models.connection"].close_database()  # checkpointed, no -wal left
    os._exit(0)
def wait_paint(app, window, limit=10.0):
    from PySide6.QtCore import QEvent, QObject
    class Watch(QObject):
        at = cpu_s = None
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and self.at is None:
                self.at, self.cpu_s = since(), cpu()
            return False
    watch = Watch()
    window.installEventFilter(watch)
    window.show()
    app.processEvents()
    end = time.monotonic() + limit
    while watch.at is None and time.monotonic() < end:
        app.processEvents()
    window.removeEventFilter(watch)
    return watch.at, watch.cpu_s
"""

CHILD_BARE = (
    _CHILD_COMMON
    + r"""
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 820)
painted, cpu_s = wait_paint(app, window)
done({"painted": painted, "cpu": cpu_s, "vmhwm_mb": vmhwm_mb()})
"""
)

CHILD_APP_START = (
    _CHILD_COMMON
    + r"""
from pathlib import Path
db_path = Path(sys.argv[1])
import desktop.app as desktop_app
from desktop.services.maintenance.bootstrap import open_app_database
app = desktop_app.create_qapp()
t_qapp = since()
if hasattr(desktop_app, "open_checked"):  # as run_gui opens it (with the start-up file check)
    if not desktop_app.open_checked(db_path):
        raise SystemExit("open_checked refused the database")
else:
    open_app_database(db_path)
t_db = since()
from PySide6.QtCore import QEvent, QObject
class Watch(QObject):
    at = cpu_s = None
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and self.at is None:
            self.at, self.cpu_s = since(), cpu()
        return False
watch = Watch()
if hasattr(desktop_app, "show_main_window"):  # as run_gui does it
    window = desktop_app.show_main_window(db_path)
    scheduler_first = False
else:  # before the scheduler moved after the first paint
    desktop_app.start_scheduler()
    window = desktop_app.build_main_window(db_path)
    window.show()
    scheduler_first = True
t_built = since()
window.installEventFilter(watch)
end = time.monotonic() + 60
while watch.at is None and time.monotonic() < end:
    app.processEvents()
painted = watch.at
heavy = sorted(m for m in ("matplotlib", "openpyxl", "pandas", "numpy", "jieba", "faker", "lxml",
                           "python_calamine", "chinese_calendar") if m in sys.modules)
modules = len(sys.modules)
# then until the first page (the dashboard) shows its figures and charts
page = window.show_page("dashboard")
while not getattr(page, "charts_drawn", getattr(page, "charts_ready", True)) and time.monotonic() < end:
    app.processEvents()
app.processEvents()
payload = {"painted": painted, "cpu": watch.cpu_s, "ready": since(), "qapp": t_qapp, "db": t_db, "built": t_built,
           "scheduler_first": scheduler_first, "heavy_modules": heavy, "modules": modules}
if len(sys.argv) > 2 and sys.argv[2] == "pages":
    # the peak-memory walk: the lists and the dashboard with its charts drawn
    pages = {}
    for page_id in ("customers", "visits", "dashboard"):
        t = since()
        widget = window.show_page(page_id)
        for _ in range(3):
            app.processEvents()
        while not getattr(widget, "charts_drawn", getattr(widget, "charts_ready", True)) and time.monotonic() < end:
            app.processEvents()
        pages[page_id] = round(since() - t, 3)
    payload["pages_s"] = pages
    payload["heavy_modules_at_end"] = sorted(m for m in ("matplotlib", "openpyxl", "pandas", "numpy")
                                             if m in sys.modules)
# the scheduler runs in the background after the first paint: let it finish its write
while hasattr(window, "scheduler_job") and (window.scheduler_job is None or window.scheduler_job.running) \
        and time.monotonic() < end:
    app.processEvents()
payload["scheduler_done"] = since()
payload["vmhwm_mb"] = vmhwm_mb()
done(payload)
"""
)

CHILD_LIST = (
    _CHILD_COMMON
    + r"""
from pathlib import Path
db_path, which = Path(sys.argv[1]), sys.argv[2]
from desktop.app import create_qapp
from desktop.services.maintenance.bootstrap import open_app_database
app = create_qapp()
open_app_database(db_path)
from PySide6.QtWidgets import QLabel
warm = QLabel("预热 warm-up")
warm.show()
app.processEvents()
warm.close()
t = time.perf_counter()
if which == "bare":
    import sqlite3
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QTableView
    t = time.perf_counter()
    table = sys.argv[3]
    con = sqlite3.connect(db_path)
    total = con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    rows = con.execute(f"SELECT * FROM {table} ORDER BY id LIMIT 200").fetchall()
    class Model(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):
            return len(rows)
        def columnCount(self, parent=QModelIndex()):
            return 10
        def data(self, index, role=Qt.DisplayRole):
            if role == Qt.DisplayRole:
                return str(rows[index.row()][index.column()])
            return None
    view = QTableView()
    model = Model()
    view.setModel(model)
    count = total
else:
    import importlib
    from desktop.views.common.context import AppContext
    module, cls = {"customers": ("customers.customers_view", "CustomersView"), "visits": ("visits.visits_view", "VisitsView"),
                   "orders": ("orders.orders_view", "OrdersView")}[which]
    mod = importlib.import_module("desktop.views." + module)
    t_import = time.perf_counter() - t
    t = time.perf_counter()
    view = getattr(mod, cls)(AppContext(db_path=db_path))
    if hasattr(view, "on_shown"):
        view.on_shown()
    model = view.model
    count = model.total
view.resize(1200, 760)
view.show()
app.processEvents()
elapsed = time.perf_counter() - t
payload = {"ms": elapsed * 1000, "rows_loaded": model.rowCount(), "total": count}
if which != "bare":
    payload["import_ms"] = t_import * 1000
done(payload)
"""
)


CHILD_PAGES = (
    _CHILD_COMMON
    + r"""
from pathlib import Path
db_path = Path(sys.argv[1])
from desktop.app import build_main_window, create_qapp
from desktop.services.maintenance.bootstrap import open_app_database
app = create_qapp()
open_app_database(db_path)
from PySide6.QtCore import QEventLoop, QTimer
from desktop.views.common.pages import PAGES
def filled(page):  # the page shows its data or its list (pages loading in the background say so)
    return page is not None and not getattr(page, "loading", False)
def drawn(page):  # ... and every chart is drawn (the dashboard)
    return filled(page) and getattr(page, "charts_drawn", getattr(page, "charts_ready", True))
def wait_for(test, limit=60.0):
    # the GUI thread sleeps in its event loop between checks (a busy processEvents loop would
    # take the GIL from the page's worker thread)
    end = time.monotonic() + limit
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(lambda: (test() or time.monotonic() > end) and loop.quit())
    timer.start()
    if not test():
        loop.exec()
    timer.stop()
    app.processEvents()  # the paint of what was just filled
    return test()
class FillWatch:
    # a page that fills in the background emits ``filled``: then it is painted at once (as the
    # next frame would, but the check in wait_for may run late while a worker holds the
    # interpreter) and the time taken
    def __init__(self, page):
        self.page, self.at = page, None
        if hasattr(page, "filled"):
            page.filled.connect(self.on_filled)
    def on_filled(self):
        if self.at is None:
            self.page.repaint()
            self.at = time.perf_counter()
    def close(self):
        if hasattr(self.page, "filled"):
            self.page.filled.disconnect(self.on_filled)
def open_page(page_id):
    t = time.perf_counter()
    page = window.page(page_id)  # built (its module imported) on the click, as in the app
    watch = FillWatch(page)
    window.show_page(page_id)
    app.processEvents()
    ok = wait_for(lambda: filled(page))
    opened = ((watch.at or time.perf_counter()) - t) * 1000
    ok_drawn = wait_for(lambda: drawn(page))
    watch.close()
    return opened, (time.perf_counter() - t) * 1000, ok and ok_drawn
# the window opens on the dashboard (as at start-up, without the scheduler): its cold open
t = time.perf_counter()
window = build_main_window(db_path)
try:  # what run_gui does once the window is on screen
    from desktop.app import keep_out_of_gc
except ImportError:  # before it
    def keep_out_of_gc():
        pass
# the window of a 1366×768 screen (the offscreen platform's own screen is smaller than any shop's PC)
window.resize(1350, 689)
window.show()
dash = window.page("dashboard")
wait_for(lambda: filled(dash))
cold_open = (time.perf_counter() - t) * 1000
keep_out_of_gc()
wait_for(lambda: drawn(dash))
cold_drawn = (time.perf_counter() - t) * 1000
opened, complete, ok = {}, {}, {}
try:
    from desktop.views.common.operations import running_jobs
except ImportError:  # before the background helper
    def running_jobs():
        return []
order = [p.id for p in PAGES if p.id != "dashboard"] + ["dashboard"]
wait_for(lambda: not running_jobs())  # the dashboard's team list
for page_id in order:
    opened[page_id], complete[page_id], ok[page_id] = open_page(page_id)
    # the next click comes once the app is idle: what a page still reads in the background (问题分析's
    # words) would otherwise be counted against the next page
    wait_for(lambda: not running_jobs())
# and a filter change on it (every chart's figures change: all six drawn anew)
period_change = None
if hasattr(dash, "period_combo"):
    wait_for(lambda: not running_jobs())
    t = time.perf_counter()
    dash.period_combo.setCurrentIndex((dash.period_combo.currentIndex() + 1) % dash.period_combo.count())
    app.processEvents()
    wait_for(lambda: drawn(dash))
    period_change = (time.perf_counter() - t) * 1000
done({"open_ms": opened, "drawn_ms": complete, "ok": ok, "period_change_ms": period_change,
      "cold_dashboard_open_ms": cold_open, "cold_dashboard_drawn_ms": cold_drawn})
"""
)


def _child_env(work: Path) -> dict:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("QT_LOGGING_RULES", "qt.qpa.fonts.warning=false")
    env["XDG_CONFIG_HOME"] = str(work / "config")  # the main window's QSettings stay out of ~
    # compiled bytecode as an installed app has it (the warm-up run writes it), kept out of the tree
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def run_child(code: str, args: list[str], work: Path, timeout: float = 180) -> dict:
    env = _child_env(work)
    env["BENCH_T0"] = repr(time.monotonic())
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise RuntimeError(
        f"bench child failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )


def measure_startup(ds: DataSet, work: Path, runs: int) -> Figure:
    # warm-up (not counted): file cache, font cache, and the scheduler's first pass over the orders
    first = run_child(CHILD_APP_START, [str(ds.path)], work)
    run_child(CHILD_BARE, [], work)
    app_runs, bare_runs = [], []
    for _ in range(runs):
        app_runs.append(run_child(CHILD_APP_START, [str(ds.path)], work))
        bare_runs.append(run_child(CHILD_BARE, [], work))
    app_s = statistics.median(r["painted"] for r in app_runs)
    bare_s = statistics.median(r["painted"] for r in bare_runs)

    def med(key):
        return round(statistics.median(r[key] for r in app_runs), 3)

    return Figure(
        "startup_vs_bare_qt",
        app_s,
        bare_s,
        "s",
        ratio=app_s / bare_s,
        extra={
            "runs_s": {
                "app": [round(r["painted"], 3) for r in app_runs],
                "bare": [round(r["painted"], 3) for r in bare_runs],
            },
            "app_phases_s": {
                "qapp_created": med("qapp"),
                "database_opened": med("db"),
                "main_window_built": med("built"),
                "first_paint": med("painted"),
                "dashboard_filled": med("ready"),
                "scheduler_done": med("scheduler_done"),
            },
            "scheduler_before_window": app_runs[-1]["scheduler_first"],
            "cpu_s_to_first_paint": {
                "app": round(statistics.median(r["cpu"] for r in app_runs), 3),
                "bare": round(statistics.median(r["cpu"] for r in bare_runs), 3),
            },
            "first_start_s": round(first["painted"], 3),
            "heavy_modules_at_first_paint": app_runs[-1]["heavy_modules"],
            "modules_loaded": app_runs[-1]["modules"],
        },
    ).judge()


def measure_first_paint(ds: DataSet, work: Path, runs: int, pages: tuple[str, ...]) -> list[Figure]:
    figures = []
    bare_table = {"customers": "customer", "visits": "visit", "orders": "service_order"}
    for page in pages:
        app_runs = [run_child(CHILD_LIST, [str(ds.path), page], work) for _ in range(runs)]
        bare_runs = [
            run_child(CHILD_LIST, [str(ds.path), "bare", bare_table[page]], work) for _ in range(runs)
        ]
        app_ms = statistics.median(r["ms"] for r in app_runs)
        bare_ms = statistics.median(r["ms"] for r in bare_runs)
        figures.append(
            Figure(
                f"list_first_paint_ms.{page}",
                app_ms,
                bare_ms,
                "ms",
                ratio=app_ms / bare_ms,
                extra={
                    "runs_ms": [round(r["ms"], 1) for r in app_runs],
                    "module_import_ms": round(statistics.median(r["import_ms"] for r in app_runs), 1),
                    "rows_loaded": app_runs[-1]["rows_loaded"],
                    "rows_total": app_runs[-1]["total"],
                },
            ).judge()
        )
    return figures


def measure_pages(ds: DataSet, work: Path, runs: int) -> list[Figure]:
    """Each run: a fresh process builds the main window (it opens on the dashboard), then clicks
    every other page and the dashboard last; click → the page shows its data or its list
    (``loading`` false), and for the dashboard → every tile and chart drawn. Medians of ``runs``;
    the first click on a page includes importing its module, as in the app."""
    got = [run_child(CHILD_PAGES, [str(ds.path)], work, timeout=600) for _ in range(runs)]
    figures = []
    for page_id in PAGE_IDS:
        values = [r["open_ms"][page_id] for r in got if page_id in r["open_ms"]]
        if not values:
            continue
        figures.append(
            Figure(
                f"page_open_ms.{page_id}",
                statistics.median(values),
                None,
                "ms",
                extra={
                    "runs_ms": [round(v, 1) for v in values],
                    "filled_in_time_limit": all(r["ok"][page_id] for r in got),
                    # … and its charts drawn (工作台, 问题分析); the same as the value without charts
                    "with_charts_ms": round(statistics.median(r["drawn_ms"][page_id] for r in got), 1),
                },
            ).judge()
        )
    drawn = [r["drawn_ms"]["dashboard"] for r in got]
    figures.append(
        Figure(
            "dashboard_filled_ms",
            statistics.median(drawn),
            None,
            "ms",
            extra={
                "runs_ms": [round(v, 1) for v in drawn],
                # the period changed on it: every chart drawn anew (the click above keeps the
                # charts whose figures did not change)
                "period_change_ms": round(statistics.median(r["period_change_ms"] or 0 for r in got), 1),
                "at_start_up_ms": {  # the window opening on it: build, show, fill, draw
                    "tiles": round(statistics.median(r["cold_dashboard_open_ms"] for r in got), 1),
                    "charts": round(statistics.median(r["cold_dashboard_drawn_ms"] for r in got), 1),
                },
            },
        ).judge()
    )
    return figures


def measure_rss(ds: DataSet, work: Path) -> Figure:
    app = run_child(CHILD_APP_START, [str(ds.path), "pages"], work)
    bare = run_child(CHILD_BARE, [], work)
    return Figure(
        "peak_rss_mb",
        app["vmhwm_mb"],
        bare["vmhwm_mb"],
        "MB",
        ratio=app["vmhwm_mb"] / bare["vmhwm_mb"],
        extra={"pages_opened_s": app.get("pages_s"), "heavy_modules_at_end": app.get("heavy_modules_at_end")},
    ).judge()


# ============================================================================ report
def machine_info() -> dict:
    import importlib.metadata as md

    def version(dist):
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return None

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            mem_gb = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "sqlite": sqlite3.sqlite_version,
        "packages": {
            d: version(d) for d in ("PySide6-Essentials", "peewee", "openpyxl", "lxml", "python-calamine")
        },
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _fmt(x, unit: str = "") -> str:
    if x is None:
        return "—"
    if unit == "rows/s" or abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.2f}" if abs(x) >= 1 or x == 0 else f"{x:.3f}"


def _target_text(f: Figure) -> str:
    if f.target is None:
        return "—"
    if f.target_on == "ratio":
        return f"≤ {f.target:g}×"
    if f.target_on == "min":
        return f"≥ {f.target:g} {f.unit}"
    return f"≤ {f.target:g} {f.unit}"


def _pass_text(f: Figure) -> str:
    return "—" if f.passed is None else ("通过 pass" if f.passed else "未达标 FAIL")


def table_rows(figures: list[Figure]) -> list[list[str]]:
    return [
        [
            f.name,
            f"{_fmt(f.value, f.unit)} {f.unit}",
            f"{_fmt(f.baseline, f.unit)} {f.unit}" if f.baseline is not None else "—",
            f"{f.ratio:.2f}×" if f.ratio is not None else "—",
            _target_text(f),
            _pass_text(f),
        ]
        for f in figures
    ]


def print_table(figures: list[Figure], out=sys.stdout) -> None:
    head = ["指标 figure", "数值 value", "基线 baseline", "倍数 ratio", "目标 target", "结果 pass"]
    rows = table_rows(figures)
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join("-" * w for w in widths)
    print(line, file=out)
    print("  ".join(_pad(h, w) for h, w in zip(head, widths, strict=True)), file=out)
    print(line, file=out)
    for f, r in zip(figures, rows, strict=True):
        cells = [_pad(r[0], widths[0])] + [
            _pad(c, w, right=True) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells), file=out)
        print("  " + LABELS.get(f.name, f.name), file=out)
    print(line, file=out)


def markdown_table(figures: list[Figure]) -> str:
    lines = [
        "| figure | value | baseline | ratio | target | pass |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in table_rows(figures):
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines)


# ============================================================================ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="回访通 benchmark (see bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data set")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # the smoke test's size
    parser.add_argument("--json", type=Path, help="write the figures and machine info to this file")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of: {','.join(ALL_MEASUREMENTS)} (default: all)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the data set here and reuse it on the next run (default: a temp folder)",
    )
    parser.add_argument("--markdown", action="store_true", help="also print the table as markdown")
    args = parser.parse_args(argv)
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    only = [m.strip() for m in args.only.split(",") if m.strip()] or list(ALL_MEASUREMENTS)
    unknown = set(only) - set(ALL_MEASUREMENTS)
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    if args.tiny and not args.only:
        only = ["stats"]

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    temp = None
    if args.workdir:
        work = args.workdir.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        temp = tempfile.TemporaryDirectory(prefix="huifang-bench-")
        work = Path(temp.name)
    try:
        return _run(size, only, work, args)
    finally:
        from desktop.models.connection import close_database

        close_database()
        if temp is not None:
            temp.cleanup()


def _load_or_generate(size: str, work: Path) -> DataSet:
    db_path = work / f"bench_{size}.db"
    meta_path = work / f"bench_{size}.json"
    if db_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("today") == date.today().isoformat():
            log(f"reusing the data set {db_path}")
            return DataSet(
                db_path,
                size,
                meta["counts"],
                date.fromisoformat(meta["today"]),
                meta["year"],
                meta["template_id"],
                0.0,
            )
    for stale in (
        db_path,
        meta_path,
        db_path.with_name(db_path.name + "-wal"),
        db_path.with_name(db_path.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    log(f"generating the {size} data set in {work} …")
    ds = generate(db_path, size)
    meta_path.write_text(
        json.dumps(
            {
                "counts": ds.counts,
                "today": ds.today.isoformat(),
                "year": ds.year,
                "template_id": ds.template_id,
            }
        ),
        encoding="utf-8",
    )
    log(f"  {ds.counts} in {ds.seconds:.1f} s")
    return ds


def _measure_omr(size: str, work: Path) -> list[Figure]:
    from omr_bench import measure_omr

    def figure(name: str, value: float, extra: dict) -> Figure:
        return Figure(name, value, None, UNITS[name], extra=extra).judge()

    return measure_omr(size, work, figure, log)


def _run(size: str, only: list[str], work: Path, args) -> int:
    started = time.perf_counter()
    needs_data = any(name != "omr" for name in only)
    ds = (
        _load_or_generate(size, work)
        if needs_data
        else DataSet(work / "none", size, {}, date.today(), 0, 0, 0.0)
    )
    figures: list[Figure] = []
    repeat = 5
    export_repeat = 1 if size == "full" else 2
    steps = [
        ("stats", lambda: [measure_stats(ds, repeat)]),
        ("export", lambda: [measure_export(ds, work, export_repeat)]),
        ("startup", lambda: [measure_startup(ds, work, STARTUP_RUNS)]),
        ("paint", lambda: measure_first_paint(ds, work, PAINT_RUNS, _list_pages())),
        ("pages", lambda: measure_pages(ds, work, PAGE_RUNS if size != "tiny" else 1)),
        ("rss", lambda: [measure_rss(ds, work)]),
        ("import", lambda: [measure_import(ds, work, size)]),
        ("omr", lambda: _measure_omr(size, work)),
    ]
    for name, run in steps:
        if name not in only:
            continue
        log(f"measuring {name} …")
        t = time.perf_counter()
        got = run()
        for f in got:
            log(
                f"  {f.name}: {_fmt(f.value, f.unit)} {f.unit} (baseline {_fmt(f.baseline, f.unit)}) in {time.perf_counter() - t:.1f} s"
            )
        figures.extend(got)
    result = {
        "size": size,
        "data_set": {**ds.counts, "period": str(ds.year), "generated_in_s": round(ds.seconds, 1)},
        "machine": machine_info(),
        "total_s": round(time.perf_counter() - started, 1),
        "figures": {f.name: f.as_json() for f in figures},
        "all_pass": all(f.passed is not False for f in figures),
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(
        f"回访通 benchmark — {size} ({', '.join(f'{k} {v:,}' for k, v in ds.counts.items())}), period {ds.year}"
    )
    print_table(figures)
    if args.markdown:
        print()
        print(markdown_table(figures))
    return 0


def _list_pages() -> tuple[str, ...]:
    """customers and visits; orders instead of visits while the visit list cannot be imported."""
    env = _child_env(Path(tempfile.gettempdir()))
    probe = subprocess.run(
        [sys.executable, "-c", "import desktop.views.visits.visits_view"], cwd=ROOT, env=env, capture_output=True
    )
    if probe.returncode == 0:
        return ("customers", "visits")
    log("desktop.views.visits.visits_view cannot be imported yet: measuring the order list instead")
    return ("customers", "orders")


if __name__ == "__main__":
    sys.exit(main())
