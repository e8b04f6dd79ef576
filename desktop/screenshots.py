"""``huifang screenshots --out DIR``: one PNG per main page (``PageSpec.screenshot_name``) and the printed
forms (``form_filled.png``, ``form_blank.png``) and the real print preview of a filled 回访表
(``print_preview.png``) — for the README and for looking at the work. Each PNG is written under a
temporary name beside the target, checked and renamed (``save_png``): a full disk leaves the
picture that was there, and the command fails with 磁盘空间不足."""

import os
import tempfile
import time
from pathlib import Path

SIZE = (1350, 689)  # the client area of a window on a 1366×768 screen with a taskbar


def save_png(picture, target: Path) -> Path:
    """Save a QImage / QPixmap as ``target`` safely (temporary name, checked, renamed)."""
    from desktop.services.common import safe_files

    def write(tmp: Path) -> None:
        if not picture.save(str(tmp), "PNG"):
            raise safe_files.IncompleteFile("图片没有写出")

    return safe_files.write_atomic(target, write, check=safe_files.check_png, what="保存截图")


def take_screenshots(db_path: Path | None, out_dir: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.app import build_main_window, create_qapp
    from desktop.selftest import first_finished_visit_id, prepare_database
    from desktop.views.common.operations import running_jobs
    from desktop.views.common.pages import PAGES

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="huifang-shots-") as tmp:
        path = prepare_database(db_path, Path(tmp), customers=300)
        app = create_qapp()
        window = build_main_window(path)
        window.resize(*SIZE)
        window.show()
        from desktop.models.connection import close_database

        try:
            visit_id = first_finished_visit_id()
            for spec in PAGES:
                page = window.show_page(spec.id)
                if spec.id == "visit_form" and visit_id is not None:
                    page.open_with(visit_id=visit_id)
                elif spec.id == "report":
                    page.open_with(generate=True)  # show a generated report, not the empty page
                for _ in range(5):  # let wrapped rows settle (a resize can change heights once more)
                    app.processEvents()
                deadline = time.monotonic() + 30  # pages fill (and draw charts) in the background
                while (
                    getattr(page, "loading", False) or not getattr(page, "charts_drawn", True) or running_jobs()
                ) and time.monotonic() < deadline:
                    app.processEvents()
                    time.sleep(0.005)
                for _ in range(5):  # the layout of what the last job filled in
                    app.processEvents()
                target = out_dir / spec.screenshot_name
                save_png(window.grab(), target)
                written.append(target)
            written += _form_pages(out_dir, visit_id)
            written += _print_preview(window, out_dir, visit_id)
            written += _counter_screen(window, out_dir)
        finally:  # a failed save (a full disk) still closes the window and the database
            window.close()
            close_database()
    return written


def _form_pages(out_dir: Path, visit_id: int | None) -> list[Path]:
    from desktop.services.admin import settings
    from desktop.services.visits.forms import build_blank_form, build_visit_form
    from desktop.services.visits.templates import active_template
    from desktop.views.printing.visit_form_print import form_page_images

    docs = {"form_blank": build_blank_form(active_template(settings.get("default_template_family")))}
    if visit_id is not None:
        docs["form_filled"] = build_visit_form(visit_id)
    written = []
    for name, doc in docs.items():
        image = form_page_images(doc)[0]
        target = out_dir / f"{name}.png"
        save_png(image, target)
        written.append(target)
    return written


def _print_preview(window, out_dir: Path, visit_id: int | None) -> list[Path]:
    """The real QPrintPreviewDialog (as 回访表 → 打印预览 opens it) showing page 1 of a filled form."""
    from PySide6.QtWidgets import QApplication

    from desktop.services.visits.forms import build_blank_form, build_visit_form
    from desktop.views.printing.print_dialogs import PrintPreview, new_printer
    from desktop.views.printing.visit_form_print import render_form

    doc = build_visit_form(visit_id) if visit_id is not None else build_blank_form(None)
    dialog = PrintPreview(new_printer(job_name=doc.job_name), window)
    dialog.setWindowTitle(f"打印预览 — {doc.title}")
    dialog.paintRequested.connect(lambda printer: render_form(doc, printer))
    dialog.resize(900, min(1000, window.height()))
    dialog.show()
    deadline = time.monotonic() + 30
    while dialog.page_count() == 0 and time.monotonic() < deadline:
        QApplication.processEvents()
    for _ in range(5):
        QApplication.processEvents()
    target = out_dir / "print_preview.png"
    save_png(dialog.grab(), target)
    dialog.close()
    dialog.deleteLater()
    QApplication.processEvents()
    return [target]


def _counter_screen(window, out_dir: Path) -> list[Path]:
    """The customer's counter screen (柜台自助) on the first open task's first question, at a
    1366×768 monitor's size; the counter mode is ended afterwards (nothing is submitted)."""
    from PySide6.QtWidgets import QApplication

    from desktop.models import VisitTask
    from desktop.views.counter.counter_panel import open_counter

    task = VisitTask.select().where(VisitTask.status == "待回访").order_by(VisitTask.id).first()
    panel = open_counter(window.ctx, task.id, window) if task is not None else None
    if panel is None:
        return []
    screen = panel.screen_view
    screen.showNormal()
    screen.resize(1366, 768)
    for _ in range(5):
        QApplication.processEvents()
    target = out_dir / "counter.png"
    save_png(screen.grab(), target)
    panel.session = None  # nothing typed: end without asking
    panel.end()
    return [target]
