"""The parts of a printed summary (paragraph, table, grid, chart, section, the document) and the wording of figures, shared by the period report and the 日报; the views paint them."""

from dataclasses import dataclass, field
from datetime import date, datetime

from ..common.validation import mask_names_in_text, mask_phones_in_text
from ..reporting import periods
from ..reporting.periods import Period

QUOTE_LIMIT = 70  # characters of one quote
NO_DATA = "—"
NO_PREVIOUS = "上期无数据"


# ---------------------------------------------------------------- the document
@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body / note (small grey) / subheading (bold) / bullet


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative column widths
    align: list[str] = field(default_factory=list)  # left / center / right per column
    caption: str = ""
    bold_rows: set[int] = field(default_factory=set)  # e.g. the 总体 row
    marked: set[tuple[int, int]] = field(default_factory=set)  # (row, column) cells to highlight
    font_pt: float = 9.5

    def column(self, name: str) -> int:
        return self.header.index(name)

    def row_of(self, first_cell: str) -> list[str] | None:
        return next((row for row in self.rows if row and row[0] == first_cell), None)


@dataclass
class Grid:
    """Label–value pairs laid out ``per_row`` to a line (报告基本信息)."""

    items: list[tuple[str, str]]
    per_row: int = 2
    wide: set[str] = field(default_factory=set)  # labels that take a whole line

    def rows(self) -> list[list[tuple[str, str]]]:
        out: list[list[tuple[str, str]]] = []
        line: list[tuple[str, str]] = []
        for label, value in self.items:
            if label in self.wide:
                if line:
                    out.append(line)
                    line = []
                out.append([(label, value)])
                continue
            line.append((label, value))
            if len(line) == self.per_row:
                out.append(line)
                line = []
        if line:
            out.append(line)
        return out


@dataclass
class Series:
    name: str
    values: list[float | None]


@dataclass
class Chart:
    kind: str  # DIMENSION_BARS / TREND / PARETO
    title: str
    categories: list[str]
    series: list[Series]
    y_label: str = ""
    labels: list[str] = field(default_factory=list)  # per category, e.g. the change "↓7.9"
    reference: float | None = None  # a dashed line (target / 80%)
    reference_label: str = ""
    highlight: tuple[int, int] | None = None  # first and last category index of the report period
    empty_text: str = ""  # shown instead of the plot when there is nothing to draw
    height_mm: float = 72.0

    @property
    def empty(self) -> bool:
        return not self.categories or all(v is None for s in self.series for v in s.values)


Block = Paragraph | Table | Grid | Chart


@dataclass
class Section:
    number: str  # 一、二、…
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number}、{self.title}"

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]


@dataclass
class ReportDoc:
    title: str  # <period label>客户满意度调查与改进报告
    company: str
    period: Period
    team: str | None
    generated_on: date
    sections: list[Section]
    logo: str = ""
    subtitle: str = ""  # the line under the title; default: 调查周期 and 编制日期

    def section(self, title: str) -> Section:
        return next(s for s in self.sections if s.title == title)

    @property
    def satisfaction_table(self) -> Table:
        return self.section("满意度分析").tables()[0]

    @property
    def problem_table(self) -> Table:
        return self.section("核心问题").tables()[0]

    @property
    def action_table(self) -> Table:
        return self.section("改进措施与责任分工").tables()[0]

    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts()]

    def text(self) -> str:
        """Every word of the report, in order (tests, search)."""
        out = [self.title]
        for s in self.sections:
            out.append(s.heading)
            for b in s.blocks:
                if isinstance(b, Paragraph):
                    out.append(b.text)
                elif isinstance(b, Table):
                    out.append(b.caption)
                    out.append(" ".join(b.header))
                    out.extend(" ".join(r) for r in b.rows)
                elif isinstance(b, Grid):
                    out.extend(f"{k} {v}" for k, v in b.items)
                elif isinstance(b, Chart):
                    out.append(b.title)
        return "\n".join(t for t in out if t)


# ---------------------------------------------------------------- formatting
def pct(rate: float | None, digits: int = 1) -> str:
    """0.8162 → "81.6" (the table's 满意度占比 column); "—" for None."""
    return NO_DATA if rate is None else f"{rate * 100:.{digits}f}"


def score(value: float | None, digits: int = 2) -> str:
    return NO_DATA if value is None else f"{value:.{digits}f}"


def versus_previous(arrow: str, change: float | None, metric: str = "满意率") -> str:
    """ "较上期↓7.9个百分点" / "较上期→ 持平（+0.1）"; "上期无数据" without a comparison."""
    text = change_text(arrow, change, metric)
    return text if text == NO_PREVIOUS else f"较上期{text}"


def change_text(arrow: str, change: float | None, metric: str = "满意率") -> str:
    """ "↓7.9个百分点" / "↑3.0分" (NPS) / "→ 持平(+0.1)"; "上期无数据" without a comparison."""
    if not arrow or change is None:
        return NO_PREVIOUS
    points = change * 100 if metric != "NPS" else change
    unit = "分" if metric == "NPS" else "个百分点"
    if arrow == "→":
        return f"→ 持平（{points:+.1f}）"
    return f"{arrow}{abs(points):.1f}{unit}"


def day_text(day: date | None) -> str:
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"


def iso(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.date()
    return day.isoformat()


def period_span(period: Period) -> str:
    return f"{day_text(period.start)} — {day_text(period.end)}"


def period_words(period: Period) -> str:
    """The period as a title says it: 2024年第2季度, 2024年5月, 2024年; a range as
    2024年4月1日至6月15日 (the year once when both ends share it)."""
    if period.kind != periods.RANGE:
        return period.label
    if period.start.year == period.end.year:
        return f"{day_text(period.start)}至{period.end.month}月{period.end.day}日"
    return f"{day_text(period.start)}至{day_text(period.end)}"


def report_title(period: Period) -> str:
    return f"{period_words(period)}客户满意度调查与改进报告"


def mask_quote(text: str, names: list[str]) -> str:
    """A customer's words fit for a report: phone numbers as 138****5678 / 010-****5678
    (``validation.mask_phones_in_text``), the customers' own names (of the visits quoted) as 张*;
    one line, at most ``QUOTE_LIMIT`` characters."""
    text = " ".join((text or "").split())
    text = mask_names_in_text(mask_phones_in_text(text), names)
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1] + "…"
    return text
