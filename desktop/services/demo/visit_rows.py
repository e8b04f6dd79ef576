"""The demo database's visits: tasks, call attempts, drafts and finished visits."""

from datetime import date, datetime, timedelta

from desktop.models import Visit, VisitTask
from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, SCORE10, TEXT, YESNO

from . import demo_data as D
from .rows import sql_date, sql_datetime

FIRST_VISIT = "首次回访"
COMPLAINT_VISIT = "投诉回访"

DIMS = ("服务态度", "响应及时性", "问题解决效果", "流程便捷性", "增值需求")
# five-level answer distributions for a customer who is delighted / content / lukewarm
GREAT = ((5, 4, 3), (80, 18, 2))
GOOD = ((5, 4, 3), (28, 62, 10))
FAIR = ((5, 4, 3, 2, 1), (6, 46, 43, 4, 1))
SCORE10_OF = {5: (10, 10, 9), 4: (9, 8, 8), 3: (7, 7, 6), 2: (5, 6, 4), 1: (3, 2, 1)}
FIRST_VISIT_DAY = ((3, 4, 5, 6), (35, 30, 20, 15))  # working days after completion


class DemoVisits:
    """The demo's visits as one part of the generator (mixed into demo._Demo, whose state it uses): tasks, call attempts, drafts and every finished visit with its answers, remarks and NPS."""

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
                    self.calendar.add_workdays(completed_day, self.draw(FIRST_VISIT_DAY))
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
            sql_date(earliest),
            sql_date(latest),
            self.staff_id[visitor],
            self.template_id,
            status,
            sql_datetime(next_at),
            note,
            sql_datetime(created),
        )
        return task_id

    def _attempt(self, task_id, visit_id, o, at, outcome, visitor, reason="", next_at=None, answered_by=""):
        self.t_attempt.add(
            task_id,
            visit_id,
            o["customer"]["id"],
            sql_datetime(at),
            outcome,
            reason,
            sql_datetime(next_at),
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
                sql_date(at.date()),
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
                sql_datetime(at),
                sql_datetime(at + timedelta(minutes=2)),
            )
            answered = 0
            for q in self.questions:
                if q.kind != LEVEL5 or answered >= 2:
                    continue
                self.t_answer.add(visit_id, q.id, self.draw(GOOD), "")
                answered += 1

    # ------------------------------------------------------------------ one finished visit
    def _ratings(self, o: dict) -> tuple[dict[str, int], dict[str, str]]:
        """Five-level rating per dimension and, for the low ones, the cause behind it."""
        rng = self.rng
        days = o["days_ago"]
        team = o["team"]
        tier = rng.random()
        great, good = (0.15, 0.5) if o["complaint"] else (0.58, 0.9)
        dist = GREAT if tier < great else (GOOD if tier < good else FAIR)
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
                extra[dim] = self.draw(GOOD)
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
                value = rng.choice(SCORE10_OF[rating(q.dimension)])
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
            sql_date(at.date()),
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
            sql_datetime(at),
            sql_datetime(at + timedelta(minutes=rng.randint(3, 9))),
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

        if not invalid and cause is not None:
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

    def _nps(self, mean: float) -> int:
        if mean >= 4.6:
            return self.rng.choices((10, 9, 8), (50, 36, 14))[0]
        if mean >= 4.0:
            return self.rng.choices((10, 9, 8, 7, 6), (18, 36, 30, 12, 4))[0]
        if mean >= 3.4:
            return self.rng.choices((9, 8, 7, 6, 5), (12, 30, 32, 18, 8))[0]
        return self.rng.choices((7, 6, 5, 4, 3, 2, 0), (8, 22, 25, 18, 12, 10, 5))[0]
