"""``huifang selftest``: build the main window offscreen, open every page, print a form, exit 0.

Run by CI on the PyInstaller bundle, and useful on a customer's PC to check an installation.
Without ``--db`` it works on a throw-away demo database; with ``--db`` it only reads.
"""

import os
import sys
import tempfile
from pathlib import Path


def _say(text: str) -> None:
    print(text, flush=True)


def prepare_database(db_path: Path | None, workdir: Path, customers: int = 40) -> Path:
    """The database to show: the given one, or a fresh small demo one in ``workdir``."""
    from desktop.services.maintenance.bootstrap import open_app_database

    if db_path is not None:
        open_app_database(db_path)
        return db_path
    path = workdir / "selftest.db"
    open_app_database(path)
    from desktop.services.demo.demo import generate_demo

    generate_demo(customers=customers, seed=7)
    return path


def first_finished_visit_id() -> int | None:
    from desktop.models import Visit

    visit = Visit.select(Visit.id).where(Visit.status == "已完成").order_by(Visit.id).first()
    return visit.id if visit else None


def run_selftest(db_path: Path | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.app import build_main_window, create_qapp
    from desktop.views.common.pages import PAGES
    from desktop.views.printing.visit_form_print import blank_form_pdf, visit_form_pdf

    with tempfile.TemporaryDirectory(prefix="huifang-selftest-") as tmp:
        work = Path(tmp)
        path = prepare_database(db_path, work)
        _say(f"数据库：{path}")
        app = create_qapp()
        _check_chinese(app)
        window = build_main_window(path)
        window.show()
        app.processEvents()
        for spec in PAGES:
            window.show_page(spec.id)
            app.processEvents()
            _say(f"页面「{spec.title}」：正常")
        pdf = work / "blank.pdf"
        blank_form_pdf(None, pdf)
        _check_pdf(pdf, "空白回访表")
        visit_id = first_finished_visit_id()
        if visit_id is not None:
            pdf = work / "visit.pdf"
            visit_form_pdf(visit_id, pdf)
            _check_pdf(pdf, f"回访表（回访记录 {visit_id}）")
            _check_reading(pdf, visit_id)
        window.close()
        from desktop.models.connection import close_database

        close_database()
    _say("自检通过。")
    return 0


def _check_chinese(app) -> None:
    """Qt's own words (是/否, 复制/粘贴, the print dialogs) come from the bundled qtbase_zh_CN.qm."""
    if app.translate("QPlatformTheme", "Cancel") != "取消":
        print("自检失败：没有加载 Qt 的中文翻译（qtbase_zh_CN.qm），对话框按钮会显示英文。", file=sys.stderr)
        raise SystemExit(1)
    _say("Qt 中文翻译：正常")


def _check_reading(pdf: Path, visit_id: int) -> None:
    """The printed form read back as ``huifang scan`` reads paper: its page rendered (pypdfium2),
    its QR code found (zxing-cpp) and its corner marks (OpenCV) — the bundle carries all three
    native libraries."""
    from desktop.services.paper_scan.pages import iter_pages
    from desktop.services.paper_scan.reader import find_code

    page = next(iter_pages(pdf))
    _text, code, _where = find_code(page.gray)
    if code is None:
        print(f"自检失败：打印的回访表（回访记录 {visit_id}）读不出二维码，扫描录入无法使用。", file=sys.stderr)
        raise SystemExit(1)
    from desktop.services.paper_scan.align import MarksNotFound, find_marks

    try:
        find_marks(page.gray)  # OpenCV: the corner marks the reader aligns the page by
    except MarksNotFound:
        print(f"自检失败：打印的回访表（回访记录 {visit_id}）找不到四角定位标记，扫描录入无法使用。", file=sys.stderr)
        raise SystemExit(1) from None
    _say("扫描读表（二维码、定位标记、PDF 渲染）：正常")


def _check_pdf(pdf: Path, what: str) -> None:
    data = pdf.read_bytes() if pdf.exists() else b""
    if not data.startswith(b"%PDF") or len(data) < 2000:
        print(f"自检失败：{what} 的 PDF 没有生成或内容为空。", file=sys.stderr)
        raise SystemExit(1)
    _say(f"打印{what}：正常（{len(data) // 1024} KB）")
