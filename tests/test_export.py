"""The head-office workbook (总部工作簿): figures equal the statistics service, personal data
masked by default, codes kept as text, formula-like text never runs, dates are dates, the CLI,
cancelling leaves no file, and the export dialog."""

import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QMessageBox

from desktop.cli import main
from desktop.models import Answer, Customer, Question, QuestionnaireTemplate, ServiceOrder, Visit
from desktop.services.common.errors import UserError
from desktop.services.common.validation import mask_name, mask_phone
from desktop.services.demo.demo import generate_demo
from desktop.services.improvement import improvement
from desktop.services.kpi import kpi
from desktop.services.reporting import statistics
from desktop.services.reporting.periods import parse_period
from desktop.services.reporting.scoring import DENOMINATOR_NOTE
from desktop.services.summaries.workbook import book_format, export, sheets_visits, xlsx

TODAY = date(2024, 7, 15)
PERIOD = "2024Q2"
FIXED = [name for name, _ in book_format.VISIT_COLUMNS]


@pytest.fixture
def out_dir(tmp_path):
    """Where the workbooks go (the database lives in tmp_path itself)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def demo(database):
    generate_demo(customers=60, seed=5, today=TODAY)
    return database


def _export(out_dir, name="branch.xlsx", period=PERIOD, **kwargs):
    out = out_dir / name
    kwargs.setdefault("today", TODAY)
    result = export.export_workbook(out, period, branch=kwargs.pop("branch", "城东分店"), **kwargs)
    return out, result


def _dimension_table(ws) -> dict[str, dict]:
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows))
    out = {}
    for row in rows:
        if row[0] is None:
            break
        out[row[0]] = dict(zip(header, row, strict=False))
    return out


def _summary(ws) -> dict[str, object]:
    out, past_table = {}, False
    for row in ws.iter_rows(values_only=True):
        if row[0] is None:
            past_table = True
        elif past_table:
            out[row[0]] = row[1]
    return out


def _visit_cells(ws) -> list[dict]:
    """回访记录 data rows as {header: cell} (row 2 holds the names)."""
    names = [c.value for c in ws[2]]
    return [dict(zip(names, row, strict=False)) for row in ws.iter_rows(min_row=3)]


# ---------------------------------------------------------------- figures
def test_dimension_figures_equal_the_statistics_service(demo, out_dir):
    out, result = _export(out_dir)
    flt = statistics.Filters(period=PERIOD)
    dims = statistics.dimension_stats(flt)
    total = statistics.overall(flt, today=TODAY)
    assert dims and total.answers > 0

    wb = load_workbook(out)
    assert wb.sheetnames == list(book_format.SHEETS)
    ws = wb[book_format.SHEET_DIMENSIONS]
    table = _dimension_table(ws)
    assert list(table) == [statistics.OVERALL] + [d.dimension for d in dims]
    for d in dims:
        row = table[d.dimension]
        assert row["有效样本"] == (d.level_n or d.nps_n or d.yes_n)  # the row's own denominator
        assert [row[name] for name in ("非常满意", "满意", "一般", "不满意", "非常不满意")] == [
            d.counts[level] for level in (5, 4, 3, 2, 1)
        ]
        if d.satisfaction is None:
            assert row["满意率"] is None
        else:
            assert row["满意率"] == pytest.approx(d.satisfaction)
            assert row["平均分"] == pytest.approx(d.mean)
        if d.nps is not None:
            assert row["NPS"] == pytest.approx(d.nps)
            assert row["推荐者（9–10分）"] + row["中立者（7–8分）"] + row["贬损者（0–6分）"] == d.nps_n
    overall_row = table[statistics.OVERALL]
    assert overall_row["有效样本"] == total.level_n  # level answers: NPS answers have their own columns
    # every 满意率 recomputes from the sheet's own counts (issue 12: 72.8% computed, 87.4% shown)
    for name, row in table.items():
        if row["满意率"] is not None:
            assert row["满意率"] == pytest.approx((row["非常满意"] + row["满意"]) / row["有效样本"]), name
        if row["NPS"] is not None:
            nps_n = row["推荐者（9–10分）"] + row["中立者（7–8分）"] + row["贬损者（0–6分）"]
            assert row["NPS"] == pytest.approx((row["推荐者（9–10分）"] - row["贬损者（0–6分）"]) * 100 / nps_n)
    assert overall_row["满意率"] == pytest.approx(total.satisfaction)
    assert overall_row["平均分"] == pytest.approx(total.mean)
    assert overall_row["NPS"] == pytest.approx(total.nps)

    summary = _summary(ws)
    assert summary[book_format.SUM_VISITS] == total.visits
    assert summary[book_format.SUM_VALID] == total.valid
    assert summary[book_format.SUM_INVALID] == total.invalid
    assert summary[book_format.SUM_NPS] == pytest.approx(total.nps)
    assert summary[book_format.SUM_DUE] == total.recovery.due
    assert summary[book_format.SUM_RECOVERY] == pytest.approx(total.recovery.rate)
    assert summary[book_format.INFO_DENOMINATOR] == DENOMINATOR_NOTE

    # rates are numbers with a % format, counts numbers, the arrow from compare()
    header = [c.value for c in ws[1]]
    second = ws[2]
    rate = second[header.index("满意率")]
    assert rate.data_type == "n" and "%" in rate.number_format
    assert second[header.index("有效样本")].data_type == "n"
    change = {r.dimension: r for r in statistics.compare(flt).rows}[dims[0].dimension]
    assert table[dims[0].dimension]["较上期"] == (change.arrow or None)
    assert table[dims[0].dimension]["变化"] == pytest.approx(change.change)
    assert (
        result.visits
        == Visit.select().where(Visit.visit_date.between(date(2024, 4, 1), date(2024, 6, 30))).count()
    )


def test_figures_read_back_with_pandas(demo, out_dir):
    out, result = _export(out_dir)
    flt = statistics.Filters(period=PERIOD)
    dims = {d.dimension: d for d in statistics.dimension_stats(flt)}

    frame = pd.read_excel(out, engine="openpyxl", sheet_name=book_format.SHEET_DIMENSIONS)
    table = frame[frame["维度"].isin(list(dims))]
    assert len(table) == len(dims)
    assert pd.api.types.is_numeric_dtype(frame["满意率"])
    for _, row in table.iterrows():
        d = dims[row["维度"]]
        assert int(row["有效样本"]) == d.n
        assert int(row["非常满意"]) == d.counts[5]
        if d.satisfaction is not None:
            assert row["满意率"] == pytest.approx(d.satisfaction)

    visits = pd.read_excel(
        out, engine="openpyxl", sheet_name=book_format.SHEET_VISITS, header=1, dtype={"客户编号": str}
    )
    assert len(visits) == result.visits
    assert list(visits.columns[: len(FIXED)]) == FIXED
    assert pd.api.types.is_datetime64_any_dtype(visits["回访日期"])
    codes = {c.code for c in Customer.select(Customer.code)}
    assert set(visits["客户编号"]) <= codes


def test_problem_plan_kpi_and_info_sheets(demo, out_dir):
    out, _result = _export(out_dir)
    wb = load_workbook(out)

    problems = list(wb[book_format.SHEET_PROBLEMS].iter_rows(min_row=2, values_only=True))
    from desktop.services.reporting import problems as problem_service

    pareto = problem_service.pareto(date(2024, 4, 1), date(2024, 6, 30))
    assert [(r[0], r[1]) for r in problems[: len(pareto)]] == [(p.name, p.count) for p in pareto]
    assert problems[len(pareto) - 1][3] == pytest.approx(1.0)

    plan = wb[book_format.SHEET_PLAN]
    groups = {str(r) for r in plan.merged_cells.ranges}
    assert groups == {"A1:E1", "F1:H1", "I1:L1", "M1:U1"}
    assert [plan.cell(1, c).value for c in (1, 6, 9, 13)] == [g for g, _ in book_format.PLAN_GROUPS]
    measures = [row[13] for row in plan.iter_rows(min_row=3, values_only=True) if row[13]]
    assert any("备件库存预警" in m for m in measures)  # the seed's worked row

    kpi_ws = wb[book_format.SHEET_KPI]
    rows = list(kpi_ws.iter_rows(min_row=2, values_only=True))
    card = kpi.load(next(s.id for s in kpi.list_scorecards() if s.period == "2024Q2"))
    total_row = next(r for r in rows if r[0] == "2024Q2" and r[2] == book_format.KPI_TOTAL)
    assert total_row[7] == pytest.approx(card.total)
    assert total_row[8] == f"等级：{card.grade}"
    items = [r for r in rows if r[0] == "2024Q2" and r[2] != book_format.KPI_TOTAL]
    assert [r[3] for r in items] == [ind.level2 for ind in card.rows]
    assert all(r[0] != "2024Q1" for r in rows)  # only the period's scorecards

    info = {row[0]: row[1:] for row in wb[book_format.SHEET_INFO].iter_rows(min_row=2, values_only=True)}
    assert info[book_format.INFO_KIND][0] == book_format.KIND_BRANCH
    assert info[book_format.INFO_BRANCH][0] == "城东分店"
    assert info[book_format.INFO_PERIOD_CODE][0] == "2024Q2"
    assert info[book_format.INFO_PERIOD][0] == "2024年第2季度"
    template = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "after_sales")
    assert info[book_format.INFO_TEMPLATE][:3] == (template.label, template.name, template.version)
    assert info[book_format.INFO_MASKED][0] == book_format.MASKED_TEXT
    assert info[book_format.INFO_DENOMINATOR][0] == DENOMINATOR_NOTE
    assert isinstance(info[book_format.INFO_GENERATED][0], datetime)


def test_layout_header_frozen_filtered_and_widths(demo, out_dir):
    out, result = _export(out_dir)
    wb = load_workbook(out)
    ws = wb[book_format.SHEET_VISITS]
    assert ws.freeze_panes == "C3"
    assert ws.auto_filter.ref == f"A2:{ws.cell(2, ws.max_column).column_letter}{result.visits + 2}"
    assert ws["A2"].font.b and ws["A2"].fill.fgColor.rgb.endswith(xlsx.HEADER_FILL)
    assert ws.column_dimensions["X"].width == 40  # 宝贵意见 (after 回访类型 was added)
    template = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "after_sales")
    group = ws.cell(1, len(FIXED) + 1).value
    assert group == template.label
    first_question = (
        Question.select().where(Question.template == template).order_by(Question.position).first()
    )
    assert ws.cell(2, len(FIXED) + 1).value == f"1. {first_question.text}"
    # the size is declared, so read-only readers need not scan the sheet to learn it
    streamed = load_workbook(out, read_only=True)[book_format.SHEET_VISITS]
    assert (streamed.max_row, streamed.max_column) == (result.visits + 2, ws.max_column)
    assert wb[book_format.SHEET_DIMENSIONS].freeze_panes == "B2"
    assert wb[book_format.SHEET_DIMENSIONS].page_setup.orientation == "landscape"


def test_answers_shown_as_labels_and_numbers(demo, out_dir):
    out, _result = _export(out_dir)
    ws = load_workbook(out)[book_format.SHEET_VISITS]
    rows = _visit_cells(ws)
    visit = Visit.select().where(Visit.visit_date.between(date(2024, 4, 1), date(2024, 6, 30))).first()
    row = next(r for r in rows if r["回访编号"].value == visit.id)
    for answer in Answer.select().join(Question).where(Answer.visit == visit).order_by(Question.position):
        q = answer.question
        number = (
            list(Question.select().where(Question.template == q.template).order_by(Question.position)).index(
                q
            )
            + 1
        )
        cell = row[f"{number}. {q.text}"]
        if q.kind == "level5":
            assert cell.value == q.labels()[q.option_of_value(answer.value)]
        elif q.kind == "nps":
            assert cell.value == answer.value and cell.data_type == "n"
        elif q.kind == "text":
            assert cell.value == (answer.text or None)


# ---------------------------------------------------------------- personal data
def test_phones_and_names_masked_by_default_full_on_request(demo, out_dir):
    masked_out, masked = _export(out_dir, "masked.xlsx")
    full_out, full = _export(out_dir, "full.xlsx", full_contact=True)
    assert masked.masked and not full.masked
    masked_rows = _visit_cells(load_workbook(masked_out)[book_format.SHEET_VISITS])
    full_rows = _visit_cells(load_workbook(full_out)[book_format.SHEET_VISITS])
    checked = 0
    for m_row, f_row in zip(masked_rows, full_rows, strict=True):
        visit = Visit.get_by_id(m_row["回访编号"].value)
        customer = visit.customer
        assert m_row["联系电话"].value == mask_phone(customer.phone)
        assert "****" in m_row["联系电话"].value
        assert f_row["联系电话"].value == customer.phone
        assert m_row["客户姓名"].value.startswith(mask_name(customer.name))
        assert f_row["客户姓名"].value.startswith(customer.name)
        checked += 1
    assert checked == masked.visits > 0
    # no full number anywhere in the masked workbook
    phones = {c.phone for c in Customer.select(Customer.phone)}
    with zipfile.ZipFile(masked_out) as z:
        text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert not [p for p in phones if p in text]
    info = {r[0]: r[1] for r in load_workbook(full_out)[book_format.SHEET_INFO].iter_rows(values_only=True)}
    assert info[book_format.INFO_MASKED] == book_format.FULL_TEXT


def test_phone_numbers_and_names_the_customer_wrote_are_masked_too(database, out_dir):
    """宝贵意见, text answers, comments to answers, 无效原因 and the plan's 客户反馈: a number or the
    customer's name inside what they said goes out masked, in full only with full_contact."""
    template = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "after_sales")
    ordered = list(Question.select().where(Question.template == template).order_by(Question.position))
    rated = ordered[0]  # 五级 question 1
    open_question = next(q for q in ordered if q.kind == "text")
    text_header = f"{ordered.index(open_question) + 1}. {open_question.text}"
    customer = Customer.create(code="C0001", name="张伟", phone="13900001111")
    order = ServiceOrder.create(order_no="W2024050001", customer=customer, product_model="KFR-35GW")
    feedback = "请打13812345678找我，我是张伟，工单W2024050001"
    visit = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status="已完成",
        visit_date=date(2024, 5, 10),
        feedback=feedback,
        respondent="李娜",
    )
    Answer.create(visit=visit, question=open_question, text="李娜说座机0755-1234567也行")
    Answer.create(visit=visit, question=rated, value=2, text="师傅电话138 1234 5678打不通")
    invalid = Visit.create(
        customer=customer,
        order=order,
        template=template,
        status="已完成",
        visit_date=date(2024, 5, 11),
        invalid=True,
        invalid_reason="换号了，新号13712345678",
    )
    action = improvement.create_action(
        improvement.ActionInput(
            problem="张伟反映工程师迟到，回电13812345678",
            measure="客服热线400-800-1234回访",
            department="售后服务部",
            owner="王经理",
            deadline=date(2024, 6, 30),
            visit_ids=[visit.id],
        ),
        today=date(2024, 5, 12),
    )

    masked_out, _ = _export(out_dir, "masked.xlsx")
    full_out, _ = _export(out_dir, "full.xlsx", full_contact=True)

    def cells(out):
        wb = load_workbook(out)
        rows = {
            r["回访编号"].value: {k: c.value for k, c in r.items()}
            for r in _visit_cells(wb[book_format.SHEET_VISITS])
        }
        plan = list(wb[book_format.SHEET_PLAN].iter_rows(values_only=True))
        names = list(plan[1])
        plan_row = dict(zip(names, next(r for r in plan[2:] if r[1] == "C0001"), strict=False))
        return rows, plan_row

    rows, plan_row = cells(masked_out)
    assert rows[visit.id]["宝贵意见"] == (
        "请打138****5678找我，我是张*，工单W2024050001\n[第1题] 师傅电话138 **** 5678打不通"
    )
    assert rows[visit.id][text_header] == "李*说座机0755-****4567也行"
    assert rows[invalid.id]["无效原因"] == "换号了，新号137****5678"
    assert plan_row["开放式反馈建议"] == "请打138****5678找我，我是张*，工单W2024050001"
    assert plan_row["改进措施"] == "客服热线400-800-1234回访"  # a business hotline is not personal
    # no full number anywhere in the masked file
    with zipfile.ZipFile(masked_out) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    for number in ("13812345678", "1234 5678", "1234567", "13712345678", "13900001111"):
        assert number not in xml

    rows, plan_row = cells(full_out)
    assert rows[visit.id]["宝贵意见"].startswith(feedback + "\n")
    assert rows[visit.id]["宝贵意见"].endswith("师傅电话138 1234 5678打不通")
    assert rows[visit.id][text_header] == "李娜说座机0755-1234567也行"
    assert rows[invalid.id]["无效原因"] == "换号了，新号13712345678"
    assert plan_row["开放式反馈建议"] == feedback
    assert action.problem == "张伟反映工程师迟到，回电13812345678"  # the data itself is untouched


# ---------------------------------------------------------------- text stays text
@pytest.fixture
def tricky(database):
    """Customers whose data a spreadsheet would misread: leading zeros, formulas."""
    template = QuestionnaireTemplate.get(QuestionnaireTemplate.family == "after_sales")
    people = [
        ("00123", "=1+1", "13800001111", "0012345", "-2+3 太慢了"),
        ("00456", "+8613800000000", "010-12345678", "W0001", "@SUM(A1)"),
        ("C0789", "@SUM(A1)", "0755-7654321", "#N/A", '=HYPERLINK（"http://x","点我"）'),
    ]
    for i, (code, name, phone, order_no, feedback) in enumerate(people):
        customer = Customer.create(code=code, name=name, phone=phone, region="-西区")
        order = ServiceOrder.create(order_no=order_no, customer=customer, team="=A1")
        Visit.create(
            customer=customer,
            order=order,
            template=template,
            status="已完成",
            visit_date=date(2024, 5, 10 + i),
            feedback=feedback,
            visitor="+张三",
        )
    return people


def test_codes_keep_leading_zeros_and_formulas_stay_text(tricky, out_dir):
    out, result = _export(out_dir, full_contact=True)
    assert result.visits == 3
    wb = load_workbook(out)
    rows = _visit_cells(wb[book_format.SHEET_VISITS])
    by_code = {r["客户编号"].value: r for r in rows}
    assert set(by_code) == {"00123", "00456", "C0789"}
    for code, name, phone, order_no, feedback in tricky:
        row = by_code[code]
        for header, expected in (
            ("客户编号", code),
            ("客户姓名", name),
            ("联系电话", phone),
            ("工单号", order_no),
            ("宝贵意见", feedback),
            ("班组", "=A1"),
            ("区域", "-西区"),
            ("回访人员", "+张三"),
        ):
            cell = row[header]
            assert cell.value == expected, header
            assert cell.data_type == "s", (header, cell.data_type)
        for header in ("客户编号", "联系电话", "工单号"):
            assert row[header].number_format == "@"
        assert row["客户姓名"].quotePrefix  # shown as text when edited, never evaluated
        assert isinstance(row["回访日期"].value, datetime) and row["回访日期"].is_date
    # nothing in the file is a formula
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8") and "<f " not in z.read(name).decode("utf-8")
    # pandas reads the literal texts back too
    frame = pd.read_excel(out, engine="openpyxl", sheet_name=book_format.SHEET_VISITS, header=1, dtype=str)
    assert set(frame["客户姓名"]) == {"=1+1", "+8613800000000", "@SUM(A1)"}
    assert set(frame["客户编号"]) == {"00123", "00456", "C0789"}


def test_masked_formula_like_names_are_still_text(tricky, out_dir):
    out, _result = _export(out_dir)
    rows = _visit_cells(load_workbook(out)[book_format.SHEET_VISITS])
    names = {r["客户姓名"].value for r in rows}
    assert names == {"=***", "+*************", "@*******"}
    assert all(r["客户姓名"].data_type == "s" for r in rows)


# ---------------------------------------------------------------- periods, paths, cancel
def test_empty_period_gives_a_complete_workbook(demo, out_dir):
    out, result = _export(out_dir, period="2020")
    assert result.visits == 0
    wb = load_workbook(out)
    assert wb.sheetnames == list(book_format.SHEETS)
    assert wb[book_format.SHEET_PROBLEMS]["A2"].value == book_format.EMPTY_PROBLEMS
    table = _dimension_table(wb[book_format.SHEET_DIMENSIONS])
    assert table[statistics.OVERALL]["有效样本"] == 0


def test_custom_range_and_month(demo, out_dir):
    out, result = _export(out_dir, period=("2024-05-01", "2024-05-31"))
    month_out, month = _export(out_dir, "month.xlsx", period="2024-05")
    assert result.visits == month.visits
    info = {r[0]: r[1] for r in load_workbook(out)[book_format.SHEET_INFO].iter_rows(values_only=True)}
    assert info[book_format.INFO_PERIOD_CODE] == "2024-05-01~2024-05-31"
    assert parse_period(info[book_format.INFO_PERIOD_CODE]).days == 31


def test_bad_inputs_are_refused_in_chinese(demo, out_dir):
    with pytest.raises(UserError, match="期间格式不正确"):
        export.export_workbook(out_dir / "x.xlsx", "junk")
    with pytest.raises(UserError, match=r"\.xlsx"):
        export.export_workbook(out_dir / "x.csv", PERIOD)
    with pytest.raises(UserError, match="不存在"):
        export.export_workbook(out_dir / "missing" / "x.xlsx", PERIOD)
    assert not list(out_dir.iterdir())


def test_cancel_leaves_no_partial_file(demo, out_dir, monkeypatch):
    monkeypatch.setattr(sheets_visits, "PROGRESS_EVERY", 5)
    calls = []

    class Stop(Exception):
        pass

    def progress(done, total, text=""):
        calls.append(done)
        if len(calls) == 3:  # in the middle of the visit rows
            raise Stop()

    from openpyxl.worksheet import _writer

    before = set(_writer.ALL_TEMP_FILES)
    with pytest.raises(Stop):
        export.export_workbook(out_dir / "x.xlsx", PERIOD, progress=progress, today=TODAY)
    assert 0 < calls[-1] < 20
    assert not list(out_dir.iterdir())  # neither the file nor its temporary
    leftovers = [p for p in set(_writer.ALL_TEMP_FILES) - before if Path(p).exists()]
    assert leftovers == []


def test_export_replaces_an_existing_file(demo, out_dir):
    out = out_dir / "x.xlsx"
    out.write_bytes(b"old")
    _export(out_dir, "x.xlsx")
    assert load_workbook(out).sheetnames == list(book_format.SHEETS)
    assert [p.name for p in out_dir.iterdir()] == ["x.xlsx"]


# ---------------------------------------------------------------- CLI
def test_cli_export(demo, db_path, out_dir, capsys):
    out = out_dir / "cli.xlsx"
    code = main(
        ["--db", str(db_path), "export", "--period", PERIOD, "--out", str(out), "--branch", "城西分店"]
    )
    assert code == 0
    assert "已导出" in capsys.readouterr().out
    info = {r[0]: r[1] for r in load_workbook(out)[book_format.SHEET_INFO].iter_rows(values_only=True)}
    assert info[book_format.INFO_BRANCH] == "城西分店"

    code = main(
        ["--db", str(db_path), "export", "--from", "2024-04-01", "--to", "2024-04-30", "--out", str(out)]
    )
    assert code == 0


def test_cli_export_bad_period_exits_2(demo, db_path, out_dir, capsys):
    code = main(["--db", str(db_path), "export", "--period", "junk", "--out", str(out_dir / "x.xlsx")])
    assert code == 2
    err = capsys.readouterr().err
    assert "期间格式不正确" in err and "2024Q2" in err
    assert main(["--db", str(db_path), "export", "--out", str(out_dir / "x.xlsx")]) == 2
    assert "--period" in capsys.readouterr().err
    assert not list(out_dir.glob("*.xlsx"))


# ---------------------------------------------------------------- the dialog
def test_export_dialog_writes_the_workbook(demo, db_path, out_dir, qtbot, monkeypatch):
    from desktop.views.common.context import AppContext
    from desktop.views.report import export_dialog

    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: infos.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"warning: {a[2]}"))
    dialog = export_dialog.ExportDialog(AppContext(db_path), today=TODAY)
    qtbot.addWidget(dialog)
    assert dialog.period_box.currentText() == "2024Q2"  # the last finished quarter
    assert not dialog.warning.isVisible()
    out = out_dir / "dialog.xlsx"
    dialog.branch_edit.setText("城北分店")
    dialog.path_edit.setText(str(out))
    dialog._path_edited = True
    qtbot.mouseClick(dialog.export_button, export_dialog.Qt.LeftButton)
    assert out.exists() and infos and "已导出" in infos[0]
    info = {r[0]: r[1] for r in load_workbook(out)[book_format.SHEET_INFO].iter_rows(values_only=True)}
    assert info[book_format.INFO_BRANCH] == "城北分店"
    assert info[book_format.INFO_MASKED] == book_format.MASKED_TEXT


def test_export_dialog_full_contact_warns_and_bad_period_blocks(demo, db_path, out_dir, qtbot, monkeypatch):
    from desktop.views.common.context import AppContext
    from desktop.views.report import export_dialog

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    dialog = export_dialog.ExportDialog(AppContext(db_path), today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.full_contact.setChecked(True)
    assert dialog.warning.isVisible() and "完整" in dialog.warning.text()
    dialog.period_box.setEditText("2024Q7")
    assert "期间格式不正确" in dialog.period_label.text()
    dialog.path_edit.setText(str(out_dir / "x.xlsx"))
    qtbot.mouseClick(dialog.export_button, export_dialog.Qt.LeftButton)
    assert warnings and "期间格式不正确" in warnings[0]
    assert not (out_dir / "x.xlsx").exists()

    # declining the full-contact confirmation writes nothing
    dialog.period_box.setEditText("2024Q2")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.No)
    qtbot.mouseClick(dialog.export_button, export_dialog.Qt.LeftButton)
    assert not (out_dir / "x.xlsx").exists()


def test_export_dialog_cancel_leaves_no_file(demo, db_path, out_dir, qtbot, monkeypatch):
    from desktop.views.common.context import AppContext
    from desktop.views.common.operations import Cancelled
    from desktop.views.report import export_dialog

    def cancelled_run(parent, title, job, **_kwargs):
        def report(done, total, text=""):
            if done > 0:
                raise Cancelled()

        try:
            return job(report)
        except Cancelled:
            return None

    monkeypatch.setattr(sheets_visits, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(export_dialog, "run_with_progress", cancelled_run)
    dialog = export_dialog.ExportDialog(AppContext(db_path), today=TODAY)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(out_dir / "x.xlsx"))
    qtbot.mouseClick(dialog.export_button, export_dialog.Qt.LeftButton)
    assert "已取消" in dialog.status.text()
    assert not list(out_dir.iterdir())


def test_file_menu_opens_the_export_and_merge_dialogs(database, db_path, qtbot, monkeypatch):
    from desktop.views.common.context import AppContext
    from desktop.views.report import export_dialog
    from desktop.views.shell.main_window import MainWindow

    opened = []
    monkeypatch.setattr(export_dialog.ExportDialog, "exec", lambda self: opened.append(type(self).__name__))
    monkeypatch.setattr(
        export_dialog.ConsolidateDialog, "exec", lambda self: opened.append(type(self).__name__)
    )
    window = MainWindow(AppContext(db_path=db_path))
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    actions = {a.text().split("(")[0]: a for a in file_menu.actions() if a.text()}
    actions["导出总部工作簿"].trigger()
    actions["合并分支工作簿"].trigger()
    assert opened == ["ExportDialog", "ConsolidateDialog"]


@pytest.mark.sqlite_only  # SQLite's WAL snapshot and a second connection to the file
def test_export_reads_a_snapshot_without_blocking_writers(demo, db_path, out_dir, monkeypatch):
    """The export's transaction only reads: the app can save a visit while it runs."""
    import sqlite3

    monkeypatch.setattr(sheets_visits, "PROGRESS_EVERY", 2)
    customer = Customer.select().first()
    written = []

    def progress(done, total, text=""):
        if done == 2 and not written:
            other = sqlite3.connect(db_path, timeout=0.5)
            try:
                other.execute(
                    "UPDATE customer SET note = 'changed during export' WHERE id = ?", (customer.id,)
                )
                other.commit()
                written.append(True)
            finally:
                other.close()

    export.export_workbook(out_dir / "x.xlsx", PERIOD, progress=progress, today=TODAY)
    assert written
    assert Customer.get_by_id(customer.id).note == "changed during export"
