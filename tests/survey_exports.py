"""Result workbooks as 问卷星 and 腾讯问卷 export them, made with openpyxl for the tests.

问卷星 (下载答卷数据 → Excel): 序号 | 提交答卷时间 (2024/5/3 10:01:59) | 所用时间 (95秒) | 来源 |
来源详情 | 来自IP, then "N、题目" per question; 按选项文本 writes the option text, 按分数 the score,
"(空)" for a question left blank. 腾讯问卷: 编号 | 开始答题时间 | 结束答题时间 | 答题时长 (seconds) |
地理位置国家和地区 | 地理位置省 | 地理位置市 | 自定义字段, then "N.题目"; options keep their letter
("A.非常满意"), scales hold the number.
"""

import csv

from openpyxl import Workbook

from desktop.models import Question, QuestionnaireTemplate, VisitTask
from desktop.models.questionnaire import CHOICE, LEVEL5, NPS, TEXT, YESNO

QUESTIONS = (
    ("您对上门工程师的服务态度满意吗？", LEVEL5, None, True),
    ("从报修到上门，您对响应速度满意吗？", LEVEL5, None, True),
    ("这次的问题是否一次解决？", YESNO, None, True),
    ("您有多大可能向朋友推荐我们？（0–10分）", NPS, None, True),
    ("您是通过什么方式预约的？", CHOICE, ["电话", "微信", "到店"], False),
    ("您还有什么意见或建议？", TEXT, None, False),
)


def make_template(name="售后服务满意度回访", family="aftersale") -> QuestionnaireTemplate:
    template = QuestionnaireTemplate.create(family=family, name=name, title="客户满意度回访表")
    for position, (text, kind, options, required) in enumerate(QUESTIONS):
        Question.create(
            template=template, position=position, text=text, kind=kind, options=options, required=required
        )
    return template


# one answer sheet: (identifier, submitted, text answers, score answers)
# text answers as 问卷星 writes them; score answers as the score download writes them
WJX_HEADER = [
    "序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您的手机号码：",
    "2、您对上门工程师的服务态度满意吗？", "3、从报修到上门，您对响应速度满意吗？", "4、这次的问题是否一次解决？",
    "5、您有多大可能向朋友推荐我们？(0-10分)", "6、您是通过什么方式预约的？", "7、您还有什么意见或建议？",
]  # fmt: skip
TENCENT_HEADER = [
    "编号", "开始答题时间", "结束答题时间", "答题时长", "地理位置国家和地区", "地理位置省", "地理位置市",
    "自定义字段", "1.您的工单号", "2.您对上门工程师的服务态度满意吗？", "3.从报修到上门，您对响应速度满意吗？",
    "4.这次的问题是否一次解决？", "5.您有多大可能向朋友推荐我们？（0–10分）", "6.您是通过什么方式预约的？",
    "7.您还有什么意见或建议？",
]  # fmt: skip

TEXT_ANSWERS = {
    "a": ["非常满意", "满意", "是", "9", "微信", "师傅很准时"],
    "b": ["一般", "不满意", "否", "6", "(空)", "(空)"],
    "c": ["满意", "满意", "是", "10", "电话", "(空)"],
}
SCORE_ANSWERS = {
    "a": [5, 4, 1, 9, 2, "师傅很准时"],
    "b": [3, 2, 2, 6, "(空)", "(空)"],
    "c": [4, 4, 1, 10, 1, "(空)"],
}
TENCENT_TEXT = {
    "a": ["A.非常满意", "B.满意", "A.是", "9", "B.微信", "师傅很准时"],
    "b": ["C.一般", "D.不满意", "B.否", "6", "", ""],
    "c": ["B.满意", "B.满意", "A.是", "10", "A.电话", ""],
}
# the stored values every style must give: (level, level, yes/no, nps, choice index, text)
EXPECTED = {"a": (5, 4, 1, 9, 1, "师傅很准时"), "b": (3, 2, 0, 6, None, ""), "c": (4, 4, 1, 10, 0, "")}


def wjx_rows(sheets, style="text"):
    """sheets: (number, phone, submitted "2024/5/3 10:01:59", answers key)."""
    answers = TEXT_ANSWERS if style == "text" else SCORE_ANSWERS
    return [
        [number, submitted, f"{80 + number}秒", "手机提交", "直接访问", f"223.104.3.{number}(广东-深圳)", phone,
         *answers[key]]
        for number, phone, submitted, key in sheets
    ]  # fmt: skip


def tencent_rows(sheets, style="text"):
    """sheets: (number, order_no, finished "2024-05-03 19:27:27", answers key)."""
    answers = TENCENT_TEXT if style == "text" else SCORE_ANSWERS
    rows = []
    for number, order_no, finished, key in sheets:
        values = [("" if v == "(空)" else v) for v in answers[key]]
        rows.append([str(number), finished, finished, "42", "中国", "广东", "深圳", "", order_no, *values])
    return rows


def write_xlsx(path, header, rows, sheet="Sheet1"):
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def write_csv(path, header, rows):
    """腾讯问卷's CSV: every cell quoted, each line ending with a comma."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator=",\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
    return path


def make_shop():
    """The template and three customers with a finished order each (GD1–GD3, done 2024-05-01);
    张三 (C1) and 李四 (C2) have an open first-visit task for the template, 王五 (C3) none.
    Returns (template, {code: (customer, order)}, {code: task})."""
    from desktop.services.intake import customers

    template = make_template()
    people, tasks = {}, {}
    for code, name, phone, order_no in (
        ("C1", "张三", "13812345678", "GD1"),
        ("C2", "李四", "13912345678", "GD2"),
        ("C3", "王五", "13712345678", "GD3"),
    ):
        customer = customers.create_customer({"code": code, "name": name, "phone": phone})
        order = customers.create_order(
            {"order_no": order_no, "customer_id": customer.id, "completed_at": "2024-05-01 10:00"}
        )
        people[code] = (customer, order)
        if code != "C3":
            tasks[code] = VisitTask.create(
                customer=customer, order=order, template=template, trigger="首次回访"
            )
    return template, people, tasks
