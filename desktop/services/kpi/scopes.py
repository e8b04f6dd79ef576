"""评价范围 of a KPI scorecard (seed 001, 步骤一): what its 评价对象 names — a team (班组), a service
type (服务类型) or new / returning customers (新客户 / 老客户).

The kind is one of the reporting core's filter names (``reporting.scope.Scope``'s ``team``,
``service_type`` and ``customer_tenure``), so a scorecard's computed indicators count exactly
the visits and orders that filter counts everywhere else (:func:`reporting_scope`); nothing
here decides what is in a scope.
"""

from desktop.models import ServiceOrder

from ..common.errors import ValidationError
from ..common.validation import clean_text
from ..reporting.periods import Period
from ..reporting.scope import CUSTOMER_TENURES, Scope

TEAM, SERVICE_TYPE, CUSTOMER_TENURE = "team", "service_type", "customer_tenure"
KINDS = {TEAM: "班组", SERVICE_TYPE: "服务类型", CUSTOMER_TENURE: "新老客户"}
EVERYONE = "全部"  # 评价对象 meaning no restriction (every team)
FIELD = "评价范围"


def clean_kind(kind) -> str:
    """A kind (team / service_type / customer_tenure, or its Chinese label); blank → team."""
    if kind in (None, ""):
        return TEAM
    if kind in KINDS:
        return kind
    by_label = {label: key for key, label in KINDS.items()}
    if kind in by_label:
        return by_label[kind]
    raise ValidationError(FIELD, f"“{kind}”不是可用的评价范围，请选择{'、'.join(KINDS.values())}之一。")


def clean_target(value, kind: str = TEAM) -> str:
    """评价对象 as typed, checked against its kind (新老客户: 新客户 or 老客户)."""
    text = clean_text(value, "评价对象", required=True, max_len=30)  # = 改进措施的责任部门
    if clean_kind(kind) == CUSTOMER_TENURE and text not in CUSTOMER_TENURES:
        raise ValidationError("评价对象", f"按新老客户评价时请选择{'或'.join(CUSTOMER_TENURES)}。")
    return text


def target_choices(kind: str = TEAM) -> list[str]:
    """What the 评价对象 list offers for a kind: the teams that have orders then 全部; the service
    types (the usual ones, then any other found on orders); 新客户 and 老客户."""
    kind = clean_kind(kind)
    if kind == CUSTOMER_TENURE:
        return list(CUSTOMER_TENURES)
    column = ServiceOrder.team if kind == TEAM else ServiceOrder.service_type
    found = [
        v for (v,) in ServiceOrder.select(column).where(column != "").distinct().order_by(column).tuples()
    ]
    if kind == TEAM:
        return found + [EVERYONE]
    usual = list(ServiceOrder.SERVICE_TYPES)
    return usual + [v for v in found if v not in usual]


def reporting_scope(period: Period | None, kind: str, target: str) -> Scope:
    """The reporting core's scope of a scorecard: its period narrowed by its 评价对象 (全部: not
    narrowed)."""
    kind = clean_kind(kind)
    if (target or "").strip() in ("", EVERYONE):
        return Scope(period=period)
    return Scope(period=period, **{kind: target.strip()})


def target_text(kind: str, target: str) -> str:
    """评价对象 as printed: 维修一组 / 全部班组, 服务类型“维修”, 新客户."""
    kind = clean_kind(kind)
    if kind == TEAM:
        return "全部班组" if target == EVERYONE else target
    if kind == SERVICE_TYPE:
        return f"服务类型“{target}”"
    return target


def fits(kind: str, target: str, scope: Scope) -> bool:
    """Whether a scorecard (its 评价范围 and 评价对象) belongs to what a page or report shows for
    ``scope``: every team / service type / 新老客户 filter the scope sets is the scorecard's own
    (a 全部 scorecard fits any team). A scope without those filters fits every scorecard."""
    for name in KINDS:
        wanted = getattr(scope, name)
        if wanted is not None and not (kind == name and target in (wanted, EVERYONE)):
            return False
    return True
