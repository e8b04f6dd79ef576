"""Scans of the signed paper: stored by content hash beside the database, verified, backed up."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from desktop.models import AuditLog, Staff, Visit, VisitAttachment
from desktop.models.connection import close_database
from desktop.services import attachments, backup, customers, templates, visits
from desktop.services.bootstrap import open_app_database
from desktop.services.errors import UserError, ValidationError, ValidationErrors
from desktop.services.signatures import SupervisorOverride
from desktop.services.visits import VisitInput

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(200))


@pytest.fixture
def visit(database):
    customer = customers.create_customer({"code": "C1", "name": "张三", "phone": "13812345678"})
    template = templates.active_template("after_sales")
    return visits.save_visit(
        VisitInput(customer_id=customer.id, template_id=template.id, visit_date=date(2024, 10, 9)),
        final=False,
    )


def test_attach_stores_by_hash_beside_the_database_and_marks_paper_signed(visit, db_path, tmp_path):
    scan = tmp_path / "签字回访表.pdf"
    scan.write_bytes(PDF)
    info = attachments.add_attachment(visit.id, scan, added_by="王芳")
    sha = attachments.file_sha256(scan)
    assert info.sha256 == sha and info.name == "签字回访表.pdf" and info.size == len(PDF)
    assert info.path == db_path.parent / "attachments" / f"{sha}.pdf"
    assert info.path.read_bytes() == PDF
    assert Visit.get_by_id(visit.id).sign_status == "纸质已签"
    assert [a.name for a in attachments.attachments_of(visit.id)] == ["签字回访表.pdf"]
    assert attachments.verify(info.id).ok
    # the same content again is refused; another file is added
    with pytest.raises(UserError, match="已经附加过"):
        attachments.add_attachment(visit.id, scan)
    photo = tmp_path / "photo.JPEG"
    photo.write_bytes(JPEG)
    second = attachments.add_attachment(visit.id, photo)
    assert second.ext == "jpg" and second.path.name.endswith(".jpg")
    assert attachments.count_of(visit.id) == 2


def test_the_hash_detects_a_changed_or_missing_file(visit, tmp_path):
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"original pixels")
    info = attachments.add_attachment(visit.id, scan)
    info.path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"forged pixels!!")
    result = attachments.verify(info.id)
    assert not result.ok and "已被改动" in result.message and "SHA-256" in result.message
    info.path.unlink()
    result = attachments.verify(info.id)
    assert not result.ok and result.missing and "找不到" in result.message


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("notes.txt", b"hello", "不支持"),
        ("empty.pdf", b"", "是空的"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "不是 PDF 格式"),
        ("fake.jpg", b"%PDF-1.4", "不是 JPG 格式"),
    ],
)
def test_wrong_files_are_refused_in_chinese(visit, tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=fragment):
        attachments.add_attachment(visit.id, path)
    assert VisitAttachment.select().count() == 0
    assert Visit.get_by_id(visit.id).sign_status == "未签"


def test_missing_file_and_folder_are_refused(visit, tmp_path):
    with pytest.raises(ValidationError, match="找不到文件"):
        attachments.add_attachment(visit.id, tmp_path / "nope.pdf")
    with pytest.raises(ValidationError, match="文件夹"):
        attachments.add_attachment(visit.id, tmp_path)


def test_attachment_survives_reopening_the_database(visit, db_path, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    attachments.add_attachment(visit.id, scan)
    scan.unlink()  # the archived copy does not depend on the original
    close_database()
    open_app_database(db_path)
    (info,) = attachments.attachments_of(visit.id)
    assert attachments.verify(info.id).ok and info.path.read_bytes() == PDF


def test_removing_from_a_signed_visit_needs_a_supervisor_and_is_audited(visit, tmp_path):
    Staff.create(name="赵主管", role="主管")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    info = attachments.add_attachment(visit.id, scan)
    with pytest.raises(UserError, match="主管"):
        attachments.remove_attachment(info.id)
    with pytest.raises(ValidationErrors):
        attachments.remove_attachment(info.id, SupervisorOverride("路人甲", "附错了"))
    status = attachments.remove_attachment(info.id, SupervisorOverride("赵主管", "附错了回访记录"))
    assert status == "未签" and Visit.get_by_id(visit.id).sign_status == "未签"
    log = AuditLog.get()
    assert log.action == "删除签字扫描件" and log.supervisor_name == "赵主管"
    assert info.path.exists()  # the archived file itself is kept


def test_backups_carry_the_attachments_folder(visit, db_path, tmp_path):
    assert any(name == "attachments" for name, _f in backup.EXTRA_FOLDERS)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    info = attachments.add_attachment(visit.id, scan)
    (tmp_path / "copies").mkdir()
    out = backup.backup_to(tmp_path / "copies" / "b.db")
    stored = out.with_name(out.name + backup.FILES_SUFFIX) / "attachments" / info.path.name
    assert stored.read_bytes() == PDF
    # the folder is lost; restoring the backup brings the scan back, and it still checks out
    shutil.rmtree(info.path.parent)
    backup.restore(out, db_path)
    open_app_database(db_path)
    assert info.path.read_bytes() == PDF and attachments.verify(info.id).ok


# ---------------------------------------------------------------- the panel in the 回访表
def _drop(widget, paths) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    widget.dropEvent(event)


def _form(qtbot, db_path):
    from desktop.views.context import AppContext
    from desktop.views.visit_form_view import VisitFormView

    view = VisitFormView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.resize(1400, 1000)
    view.show()
    return view


def test_drop_a_scan_reopen_the_app_and_open_it_checked(qtbot, visit, db_path, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QMessageBox

    opened, warned = [], []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)

    def warn(_parent, _title, text, *args, **kw):
        warned.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "warning", warn)
    scan = tmp_path / "已签字回访表.pdf"
    scan.write_bytes(PDF)
    view = _form(qtbot, db_path)
    view.load(visit.id)
    panel = view.attachments_panel
    _drop(panel, [scan])
    assert panel.count() == 1 and "已签字回访表.pdf" in panel.list.item(0).text()
    assert view.sign_combo.currentText() == "纸质已签" and view.is_locked()
    assert Visit.get_by_id(visit.id).sign_status == "纸质已签"

    # close the app (the page and the database), start again, open the visit: the scan is there
    view.close()
    close_database()
    open_app_database(db_path)
    view = _form(qtbot, db_path)
    view.load(visit.id)
    panel = view.attachments_panel
    assert panel.count() == 1
    panel.list.setCurrentRow(0)
    panel.open_button.click()
    (path,) = opened
    assert path.endswith(".pdf") and "attachments" in path and Path(path).read_bytes() == PDF
    assert not warned

    # the archived file is changed behind the app's back: opening warns and (cancelled) opens nothing
    with open(path, "ab") as fh:
        fh.write(b"%% edited")
    panel.open_button.click()
    assert len(opened) == 1 and warned and "已被改动" in warned[0]


def test_dropping_wrong_files_reports_each_in_chinese(qtbot, visit, db_path, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]) or QMessageBox.Ok)
    good, bad = tmp_path / "ok.jpg", tmp_path / "notes.txt"
    good.write_bytes(JPEG)
    bad.write_bytes(b"hi")
    view = _form(qtbot, db_path)
    view.load(visit.id)
    _drop(view.attachments_panel, [good, bad])
    assert view.attachments_panel.count() == 1
    assert shown and "已附加 1 个文件" in shown[0] and "notes.txt" in shown[0] and "不支持" in shown[0]


def test_a_new_visit_is_saved_before_a_scan_is_attached(qtbot, database, db_path, tmp_path):
    customer = customers.create_customer({"code": "C9", "name": "李四", "phone": "13900001111"})
    view = _form(qtbot, db_path)
    view.open_with(customer_id=customer.id, paper=True)
    assert view.visit_id is None
    scan = tmp_path / "s.pdf"
    scan.write_bytes(PDF)
    assert view.attachments_panel.add_files([scan]) == 1
    assert view.visit_id is not None and view.status == "草稿"
    assert Visit.get_by_id(view.visit_id).sign_status == "纸质已签"
