"""Issue 16 item 3: the result workbooks of 问卷星 and 腾讯问卷 (按选项文本 and 按分数) imported into
visits — columns matched to the template by text, respondents to customers by phone or order."""

from datetime import date

import pytest
from openpyxl import load_workbook
from survey_exports import (
    EXPECTED,
    TENCENT_HEADER,
    WJX_HEADER,
    make_shop,
    tencent_rows,
    wjx_rows,
    write_csv,
    write_xlsx,
)

from desktop.models import Answer, ImportedSubmission, Visit, VisitTask
from desktop.models.visit import ONLINE_METHOD
from desktop.services.common.errors import UserError
from desktop.services.intake import customers
from desktop.services.intake import survey_columns as sc
from desktop.services.intake import survey_import as si


@pytest.fixture
def shop(database):
    """The template; 张三, 李四 (with an open task) and 王五 (without), each with a finished order."""
    return make_shop()


def answers_of(visit, template):
    by_question = {a.question_id: a for a in Answer.select().where(Answer.visit == visit)}
    out = []
    for q in sorted(template.questions, key=lambda q: q.position):
        answer = by_question.get(q.id)
        out.append(
            (answer.text if answer else "") if q.kind == "text" else (answer.value if answer else None)
        )
    return tuple(out)


# ---------------------------------------------------------------- reading the columns
def test_question_text_is_compared_without_numbering_tags_and_width():
    plain = sc.normalise_question("您对服务态度满意吗？")
    for header in ("1、您对服务态度满意吗？", "Q1. 您对服务态度满意吗", "１．您对服务态度满意吗?(单选题)",
                   "3.您对 服务态度 满意吗？[单选题]", "第1题 您对服务态度满意吗【量表题】"):  # fmt: skip
        assert sc.normalise_question(header) == plain, header
    assert sc.question_number("12、您对…") == 12 and sc.question_number("Q3. x") == 3
    assert sc.question_number("第4题(非常满意)") == 4 and sc.question_number("您对…") is None
    assert sc.similarity(plain, sc.normalise_question("您对服务态度满意吗")) == 1.0
    assert sc.similarity(plain, sc.normalise_question("您对价格满意吗")) < 0.7


def test_platform_and_columns_are_found(shop, tmp_path):
    template, _people, _tasks = shop
    wjx = si.open_survey(write_xlsx(tmp_path / "wjx.xlsx", WJX_HEADER, []), template.id)
    assert wjx.platform == sc.WJX and wjx.phone_column == 6 and wjx.order_column is None
    assert wjx.time_column == 1 and wjx.key_column == 0
    numbers = {wjx.number_of(qid): col for qid, col in wjx.mapping.items()}
    assert numbers == {1: 7, 2: 8, 3: 9, 4: 10, 5: 11, 6: 12}
    assert min(wjx.scores.values()) >= 0.9 and wjx.feedback_column is None
    tencent = si.open_survey(write_xlsx(tmp_path / "tx.xlsx", TENCENT_HEADER, []), template.id)
    assert tencent.platform == sc.TENCENT and tencent.order_column == 8 and tencent.phone_column is None
    assert tencent.time_column == 2 and tencent.key_column == 0
    assert {tencent.number_of(q): c for q, c in tencent.mapping.items()} == {n: n + 8 for n in range(1, 7)}


def test_header_below_a_title_row_and_a_column_chosen_by_hand(shop, tmp_path):
    template, _people, _tasks = shop
    path = tmp_path / "wjx.xlsx"
    write_xlsx(path, ["售后满意度调查 答卷数据"], [[], WJX_HEADER])
    source = si.open_survey(path, template.id)
    assert source.header_row == 2 and source.first_data_row_no == 4
    first, second = (q.id for q in source.questions[:2])
    source.set_column(first, 8)  # the user moves question 1 onto column 8: question 2 loses it
    assert source.mapping[first] == 8 and second not in source.mapping
    assert source.unmapped_required() == ["第2题"]
    source.set_column(first, None)
    assert first not in source.mapping


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("非常满意", "5"),
        ("很满意", "5"),
        ("A.满意", "4"),
        ("3", "3"),
        (3.0, "3"),
        ("(空)", ""),
        ("-3", ""),
        ("", ""),
    ],
)
def test_five_level_cells(shop, cell, expected):
    template, _people, _tasks = shop
    question = sorted(template.questions, key=lambda q: q.position)[0]
    assert sc.form_value(question, cell) == expected


def test_cells_of_the_other_kinds(shop):
    template, _people, _tasks = shop
    _l1, _l2, yesno, nps, choice, text = sorted(template.questions, key=lambda q: q.position)
    assert [sc.form_value(yesno, v) for v in ("是", "B.否", 1, 0, 2)] == ["是", "否", "是", "否", "否"]
    assert [sc.form_value(nps, v) for v in ("0", "9分", 10)] == ["0", "9", "10"]
    assert [sc.form_value(choice, v) for v in ("微信", "C.到店", 1)] == ["微信", "到店", "电话"]
    assert sc.form_value(text, " 师傅很好 ") == "师傅很好"
    with pytest.raises(ValueError, match="不是这道题的选项"):
        sc.form_value(nps, "11")
    with pytest.raises(ValueError, match="可选：电话、微信、到店"):
        sc.form_value(choice, "邮件")


# ---------------------------------------------------------------- importing
WJX_SHEETS = [
    (1, "13812345678", "2024/5/3 10:01:59", "a"),  # 张三: closes his task
    (2, "+86 139 1234 5678", "2024/5/4 09:30:00", "b"),  # 李四, phone written another way
    (3, "13712345678", "2024/5/5 20:15:00", "c"),  # 王五: no open task — a visit without a task
    (4, "13000000000", "2024/5/5 21:00:00", "a"),  # nobody has this phone
]


@pytest.mark.parametrize("style", ["text", "score"])
def test_wjx_export_by_phone(shop, tmp_path, style):
    template, people, tasks = shop
    path = write_xlsx(tmp_path / f"问卷星_{style}.xlsx", WJX_HEADER, wjx_rows(WJX_SHEETS, style))
    source = si.open_survey(path, template.id)

    preview = si.import_survey(source, dry_run=True)
    assert (preview.imported, preview.tasks_closed, preview.rejected, preview.duplicates) == (3, 2, 1, 0)
    assert preview.report is None and Visit.select().count() == 0 and ImportedSubmission.select().count() == 0
    assert VisitTask.get_by_id(tasks["C1"].id).status == "待回访"

    result = si.import_survey(source)
    assert (result.imported, result.tasks_closed, result.without_task, result.rejected) == (3, 2, 1, 1)
    visits = {v.customer.code: v for v in Visit.select()}
    assert set(visits) == {"C1", "C2", "C3"}
    for code, key in (("C1", "a"), ("C2", "b"), ("C3", "c")):
        visit = visits[code]
        assert (
            visit.method == ONLINE_METHOD
            and visit.status == "已完成"
            and visit.visitor == "客户自助（问卷星）"
        )
        assert answers_of(visit, template) == EXPECTED[key]
    assert visits["C1"].visit_date == date(2024, 5, 3) and visits["C1"].task_id == tasks["C1"].id
    assert visits["C1"].order_id == people["C1"][1].id
    assert visits["C3"].task_id is None and visits["C3"].order_id is None
    assert VisitTask.get_by_id(tasks["C1"].id).status == "已完成"
    assert VisitTask.get_by_id(tasks["C2"].id).status == "已完成"

    # the unmatched sheet is in the error workbook, with the file's own columns and the reason
    sheet = load_workbook(result.report).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("行号", "序号", "提交答卷时间") and rows[0][-1] == "错误原因"
    assert rows[1][0] == 5 and rows[1][7] == "13000000000" and "没有客户使用手机号 13000000000" in rows[1][-1]

    # the same export imported again doubles nothing
    again = si.import_survey(si.open_survey(path, template.id))
    assert (again.imported, again.duplicates, again.rejected) == (0, 3, 1)
    assert Visit.select().count() == 3 and ImportedSubmission.select().count() == 3


TENCENT_SHEETS = [
    (1, "GD1", "2024-05-03 19:27:27", "a"),
    (2, "gd2", "2024-05-04 08:00:00", "b"),  # order number typed in lower case
    (3, "GD9", "2024-05-04 09:00:00", "c"),  # no such order
]


@pytest.mark.parametrize("style", ["text", "score"])
def test_tencent_export_by_order_number(shop, tmp_path, style):
    template, people, tasks = shop
    path = write_xlsx(
        tmp_path / f"腾讯问卷_{style}.xlsx", TENCENT_HEADER, tencent_rows(TENCENT_SHEETS, style)
    )
    result = si.import_survey(si.open_survey(path, template.id))
    assert (result.imported, result.tasks_closed, result.rejected) == (2, 2, 1)
    assert result.problems == [(4, "订单号：找不到工单“GD9”。请核对工单号，或先导入这张工单。")]
    visits = {v.customer.code: v for v in Visit.select()}
    assert answers_of(visits["C1"], template) == EXPECTED["a"]
    assert answers_of(visits["C2"], template) == EXPECTED["b"]
    assert visits["C2"].order_id == people["C2"][1].id and visits["C2"].visitor == "客户自助（腾讯问卷）"
    assert visits["C1"].visit_date == date(2024, 5, 3)
    assert si.import_survey(si.open_survey(path, template.id)).duplicates == 2
    assert Visit.select().count() == 2


def test_tencent_csv_with_its_time_format(shop, tmp_path):
    template, _people, _tasks = shop
    rows = tencent_rows([(1, "GD3", "05-May-2024 20:15:00", "c")])
    source = si.open_survey(write_csv(tmp_path / "9799234_seg_1.csv", TENCENT_HEADER, rows), template.id)
    assert source.platform == sc.TENCENT
    result = si.import_survey(source)
    assert result.imported == 1 and result.tasks_closed == 0
    visit = Visit.get()
    assert (
        visit.customer.code == "C3" and visit.visit_date == date(2024, 5, 5) and visit.order.order_no == "GD3"
    )


def test_bad_answers_and_two_customers_on_one_phone_are_rejected_whole(shop, tmp_path):
    template, _people, _tasks = shop
    customers.create_customer({"code": "C4", "name": "张三妻", "phone": "13812345678"})
    rows = wjx_rows(
        [(1, "13812345678", "2024/5/3 10:01:59", "a"), (2, "13712345678", "2024/5/3 11:00:00", "a")]
    )
    rows[1][8] = "还行吧"  # not an option of question 2
    rows[1][1] = "2024/4/30 09:00:00"  # and answered before 王五's order was done
    result = si.import_survey(si.open_survey(write_xlsx(tmp_path / "w.xlsx", WJX_HEADER, rows), template.id))
    assert result.imported == 0 and result.rejected == 2
    (first, reason1), (second, reason2) = result.problems
    assert first == 2 and "有 2 位客户使用手机号 13812345678" in reason1
    assert second == 3 and "第2题：“还行吧”不是这道题的选项" in reason2
    assert Visit.select().count() == 0 and Answer.select().count() == 0


def test_missing_required_answer_and_the_fixed_error_workbook(shop, tmp_path):
    template, _people, tasks = shop
    rows = wjx_rows([(1, "13812345678", "2024/5/3 10:01:59", "a")])
    rows[0][7] = "(空)"  # question 1 is required
    source = si.open_survey(write_xlsx(tmp_path / "w.xlsx", WJX_HEADER, rows), template.id)
    result = si.import_survey(source)
    assert (
        result.rejected == 1 and "第1题" in result.problems[0][1] and "必答题未作答" in result.problems[0][1]
    )
    # the user fixes the cell in the error workbook and imports that
    book = load_workbook(result.report)
    book.active.cell(row=2, column=1 + 1 + 7, value="满意")
    book.save(result.report)
    fixed = si.import_survey(si.open_survey(result.report, template.id))
    assert (fixed.imported, fixed.rejected, fixed.tasks_closed) == (1, 0, 1)
    assert answers_of(Visit.get(), template)[0] == 4
    assert VisitTask.get_by_id(tasks["C1"].id).status == "已完成"


def test_a_file_without_customer_columns_is_refused(shop, tmp_path):
    template, _people, _tasks = shop
    header = [h for h in WJX_HEADER if "手机" not in h]
    source = si.open_survey(write_xlsx(tmp_path / "w.xlsx", header, []), template.id)
    with pytest.raises(UserError, match="手机号或订单号"):
        si.import_survey(source)


def test_the_command_line(shop, tmp_path, db_target, capsys):
    import json

    from desktop.cli import main

    template, _people, _tasks = shop
    path = write_xlsx(tmp_path / "问卷星.xlsx", WJX_HEADER, wjx_rows(WJX_SHEETS))
    args = ["--db", str(db_target), "import-survey", str(path), "--template", str(template.id)]
    assert main([*args, "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["dry_run"], out["imported"], out["rejected"], out["report"]) == (True, 3, 1, None)
    assert out["mapping"][0]["header"] == "2、您对上门工程师的服务态度满意吗？"
    assert Visit.select().count() == 0
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "问卷星：4 份答卷" in text and "导入完成：生成回访记录 3 条" in text and "第 5 行：手机号" in text
    assert Visit.select().count() == 3
    assert main(["--db", str(db_target), "import-survey", str(path), "--template", "9999"]) == 2
    assert "所选问卷模板已不存在" in capsys.readouterr().err


def test_a_sheet_found_by_phone_and_later_by_order_number_is_not_doubled(shop, tmp_path):
    template, _people, _tasks = shop
    rows = [[*row, "GD1"] for row in wjx_rows(WJX_SHEETS[:1])]
    path = write_xlsx(tmp_path / "w.xlsx", [*WJX_HEADER, "8、您的工单号"], rows)
    source = si.open_survey(path, template.id)
    assert source.order_column == 13
    source.order_column = None  # the first time the user finds customers by phone only
    assert si.import_survey(source).imported == 1
    again = si.import_survey(si.open_survey(path, template.id))
    assert (again.imported, again.duplicates) == (0, 1) and Visit.select().count() == 1


def test_the_same_sheet_twice_in_one_file_is_imported_once(shop, tmp_path):
    template, _people, _tasks = shop
    rows = wjx_rows(WJX_SHEETS[:1] * 2)
    result = si.import_survey(si.open_survey(write_xlsx(tmp_path / "w.xlsx", WJX_HEADER, rows), template.id))
    assert (result.imported, result.duplicates, result.rejected) == (1, 1, 0)


def test_the_template_the_columns_answer_best_is_chosen(shop, tmp_path):
    template, _people, _tasks = shop
    path = write_xlsx(tmp_path / "w.xlsx", WJX_HEADER, [])
    # the built-in templates are there too; the columns name this template's questions
    source = si.open_survey(path)
    assert source.template_id == template.id and len(source.mapping) == 6


def test_numbers_and_times_as_real_cells(shop, tmp_path):
    """An export saved again by Excel: 编号 a number, times real date cells, phones numbers."""
    from datetime import datetime

    template, _people, _tasks = shop
    rows = tencent_rows([(1, "GD1", "2024-05-03 19:27:27", "a")], "score")
    rows[0][0] = 1
    rows[0][1] = rows[0][2] = datetime(2024, 5, 3, 19, 27)
    wjx = wjx_rows([(2, 13912345678, datetime(2024, 5, 4, 9, 30, 5), "b")], "score")
    first = si.import_survey(
        si.open_survey(write_xlsx(tmp_path / "t.xlsx", TENCENT_HEADER, rows), template.id)
    )
    second = si.import_survey(si.open_survey(write_xlsx(tmp_path / "w.xlsx", WJX_HEADER, wjx), template.id))
    assert (first.imported, second.imported, first.rejected + second.rejected) == (1, 1, 0)
    dates = {v.customer.code: v.visit_date for v in Visit.select()}
    assert dates == {"C1": date(2024, 5, 3), "C2": date(2024, 5, 4)}
