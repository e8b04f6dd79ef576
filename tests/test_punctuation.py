"""Chinese text uses full-width punctuation (GB/T 15834): no half-width , : ? ( ) ! ; touching a
Chinese character — in the strings of the source code (what the screens, messages, printed forms,
the report and the workbook show) and in the text of the printed PDFs.

Exempt: docstrings and comments (for developers), raw and byte strings (regular expressions),
menu accelerators such as “文件(&F)”, which Windows programs write half-width, and addresses
(postgresql://用户:密码@主机:端口/库名 keeps its colons).
"""

import ast
import io
import re
import tokenize
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
HALF = r"[,:?()!;]"
TOUCHING = re.compile(rf"{CJK}{HALF}|{HALF}{CJK}")
ACCELERATOR = re.compile(r"\(&\w\)|\);;")  # a menu accelerator; the ;; between file-dialog filters
URL = re.compile(r"[a-z]+://[^\s，。；（）]+")  # an address's syntax (postgresql://用户:密码@主机:端口/库名)
STRING_START = re.compile(r"([A-Za-z]*)('''|\"\"\"|'|\")")


def half_width_places(text: str) -> list[str]:
    """The places in ``text`` where half-width punctuation touches a Chinese character, each
    with a few characters around it."""
    text = URL.sub("", ACCELERATOR.sub("", text))
    return [text[max(m.start() - 6, 0) : m.end() + 6] for m in TOUCHING.finditer(text)]


def _without_fields(body: str) -> str:
    """An f-string's literal text: each {…} replacement field becomes a space."""
    out, depth = [], 0
    i = 0
    while i < len(body):
        pair = body[i : i + 2]
        if depth == 0 and pair in ("{{", "}}"):
            out.append(pair[0])
            i += 2
            continue
        ch = body[i]
        if ch == "{":
            depth += 1
            if depth == 1:
                out.append(" ")
        elif ch == "}" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
        i += 1
    return "".join(out)


def _docstrings(tree: ast.AST) -> set[tuple[int, int]]:
    places = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                places.add((first.lineno, first.col_offset))
    return places


def string_literals(path: Path):
    """(line, literal text) of every string literal in a module that a user can see: not
    docstrings, not raw or byte strings; f-strings without their replacement fields."""
    source = path.read_text(encoding="utf-8")
    docstrings = _docstrings(ast.parse(source))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING or token.start in docstrings:
            continue
        prefix, quote = STRING_START.match(token.string).groups()
        if set(prefix.lower()) & {"r", "b"}:
            continue
        body = token.string[len(prefix) + len(quote) : -len(quote)]
        yield token.start[0], _without_fields(body) if "f" in prefix.lower() else body


def test_the_checker_finds_half_width_punctuation():
    assert half_width_places("请问现在方便吗?")
    assert half_width_places("客户(VIP)")
    assert half_width_places("数据库:huifang.db")
    assert half_width_places("好的,谢谢")
    assert not half_width_places("请问现在方便吗？客户（VIP），数据库：huifang.db")
    assert not half_width_places("文件(&F)")  # a menu accelerator
    assert not half_width_places("表格 (*.xlsx);;所有文件 (*)")  # Qt's file-dialog filter syntax
    assert not half_width_places("10:30, HUIFANG:TASK:12 (ok)")
    assert not half_width_places("地址 postgresql://用户:密码@主机:端口/库名（默认）")  # an address's syntax
    assert half_width_places("地址 postgresql://主机/库名 (默认)")  # … but only the address


def test_source_strings_use_full_width_punctuation():
    found = []
    for path in sorted((ROOT / "desktop").rglob("*.py")):
        for line, text in string_literals(path):
            found += [f"{path.relative_to(ROOT)}:{line}: …{place}…" for place in half_width_places(text)]
    assert not found, f"{len(found)} 处中文旁用了半角标点：\n" + "\n".join(found[:60])


def test_f_string_fields_are_not_checked():
    assert _without_fields("客户{name:>10}说{a, b}") == "客户 说 "
    assert _without_fields("{{字面}}") == "{字面}"


# -- the printed documents


def pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture
def demo(database):
    from desktop.services.demo.demo import generate_demo

    generate_demo(customers=80, seed=11, today=date(2026, 11, 23))
    return database


def test_printed_documents_use_full_width_punctuation(demo, db_target, tmp_path, qapp):
    from desktop.cli import main
    from desktop.models import KpiScorecard, Visit
    from desktop.services.kpi import kpi
    from desktop.views.printing import visit_form_print as printing
    from desktop.views.printing.improvement_print import plan_pdf
    from desktop.views.printing.kpi_print import write_scorecard_pdf

    visit = Visit.select().where(Visit.status == "已完成").order_by(Visit.id).first()
    pdfs = {
        "filled": printing.visit_form_pdf(visit.id, tmp_path / "filled.pdf") or tmp_path / "filled.pdf",
        "plan": plan_pdf(tmp_path / "plan.pdf"),
        "kpi": write_scorecard_pdf(kpi.load(KpiScorecard.select().first()), tmp_path / "kpi.pdf"),
    }
    for family in ("after_sales", "bank", "car_service", "travel_front_desk"):
        out = tmp_path / f"blank-{family}.pdf"
        assert main(["--db", db_target, "form", "--blank", "--template", family, "--out", str(out)]) == 0
        pdfs[f"blank-{family}"] = out
    report = tmp_path / "report.pdf"
    assert main(["--db", db_target, "report", "--period", "2026", "--out", str(report)]) == 0
    pdfs["report"] = report
    found = []
    for name, path in pdfs.items():
        text = pdf_text(Path(path))
        assert len(text) > 100, name  # the text really was extracted
        found += [f"{name}: …{place}…" for place in half_width_places(text)]
    assert not found, "打印件中文旁用了半角标点：\n" + "\n".join(found[:40])
