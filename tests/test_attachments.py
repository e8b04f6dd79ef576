"""Scans of the signed paper: stored by content hash (beside a SQLite database, inside a
PostgreSQL one), verified, backed up. The data-layer tests run on both (conftest PG_MODULES)."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from desktop.models import AttachmentBlob, AttachmentBlobPart, AuditLog, Staff, Visit, VisitAttachment
from desktop.models.connection import close_database, is_sqlite
from desktop.services.common.errors import UserError, ValidationError, ValidationErrors
from desktop.services.intake import customers
from desktop.services.maintenance import backup
from desktop.services.maintenance.bootstrap import open_app_database
from desktop.services.visits import attachments, templates, visits
from desktop.services.visits.signatures import SupervisorOverride
from desktop.services.visits.visits import VisitInput

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


def _other_visit():
    customer = customers.create_customer({"code": "C2", "name": "李四", "phone": "13912345678"})
    template = templates.active_template("after_sales")
    return visits.save_visit(
        VisitInput(customer_id=customer.id, template_id=template.id, visit_date=date(2024, 10, 10)),
        final=False,
    )


# what is stored, seen from outside the service: the file (SQLite) or the blob's parts (PostgreSQL)
def _parts(sha: str):
    return AttachmentBlobPart.select().where(AttachmentBlobPart.blob == sha).order_by(AttachmentBlobPart.seq)


def _stored(info) -> bytes | None:
    if is_sqlite():
        return info.path.read_bytes() if info.path.is_file() else None
    parts = [bytes(p.data) for p in _parts(info.sha256)]
    return b"".join(parts) if parts else None


def _tamper(info, content: bytes) -> None:
    """Change the stored content behind the app's back."""
    if is_sqlite():
        info.path.write_bytes(content)
    else:
        AttachmentBlobPart.delete().where(AttachmentBlobPart.blob == info.sha256).execute()
        AttachmentBlobPart.create(blob=info.sha256, seq=0, data=content)


def _lose(info) -> None:
    if is_sqlite():
        info.path.unlink()
    else:
        AttachmentBlob.delete().where(AttachmentBlob.sha256 == info.sha256).execute()  # parts cascade


def test_attach_stores_by_hash_and_marks_paper_signed(visit, backend, db_path, tmp_path):
    scan = tmp_path / "签字回访表.pdf"
    scan.write_bytes(PDF)
    info = attachments.add_attachment(visit.id, scan, added_by="王芳")
    sha = attachments.file_sha256(scan)
    assert info.sha256 == sha and info.name == "签字回访表.pdf" and info.size == len(PDF)
    assert _stored(info) == PDF
    if backend == "sqlite":  # a file beside the database; the blob table stays empty
        assert info.path == db_path.parent / "attachments" / f"{sha}.pdf"
        assert info.stored_at == str(info.path)
        assert AttachmentBlob.select().count() == AttachmentBlobPart.select().count() == 0
    else:  # in the database: no folder, one blob
        assert info.path is None and "数据库" in info.stored_at
        blob = AttachmentBlob.get()
        assert (blob.sha256, blob.ext, blob.size) == (sha, "pdf", len(PDF))
        assert not (db_path.parent / "attachments").exists()
    assert Visit.get_by_id(visit.id).sign_status == "纸质已签"
    assert [a.name for a in attachments.attachments_of(visit.id)] == ["签字回访表.pdf"]
    assert attachments.verify(info.id).ok
    # the same content again is refused; another file is added
    with pytest.raises(UserError, match="已经附加过"):
        attachments.add_attachment(visit.id, scan)
    photo = tmp_path / "photo.JPEG"
    photo.write_bytes(JPEG)
    second = attachments.add_attachment(visit.id, photo)
    assert second.ext == "jpg" and _stored(second) == JPEG
    if backend == "sqlite":
        assert second.path.name.endswith(".jpg")
    assert attachments.count_of(visit.id) == 2


def test_the_same_scan_on_two_visits_is_stored_once(visit, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    first = attachments.add_attachment(visit.id, scan)
    second = attachments.add_attachment(_other_visit().id, scan)
    assert first.sha256 == second.sha256 and VisitAttachment.select().count() == 2
    if is_sqlite():
        assert [p.name for p in first.path.parent.iterdir()] == [first.path.name]
    else:
        assert AttachmentBlob.select().count() == 1


def test_a_big_scan_is_stored_in_parts_and_read_back_whole(visit, backend, tmp_path, monkeypatch):
    monkeypatch.setattr(attachments, "PART_BYTES", 16)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(JPEG)  # 210 bytes: 14 parts (more than 10, so the order is numeric)
    info = attachments.add_attachment(visit.id, photo)
    if backend == "pg":
        assert [p.seq for p in _parts(info.sha256)] == list(range(14))
    assert _stored(info) == JPEG and attachments.verify(info.id).ok
    assert attachments.file_to_open(info.id).read_bytes() == JPEG
    assert attachments.copy_out(info.id, tmp_path / "out.jpg").read_bytes() == JPEG


def test_a_file_changed_while_it_is_attached(visit, backend, tmp_path, monkeypatch):
    """PostgreSQL reads the file twice (hash, then store): a change in between is refused."""
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    store = attachments._DatabaseStore if backend == "pg" else attachments._FolderStore
    prepare = store.prepare

    def prepare_then_change(self, source, ext):
        incoming = prepare(self, source, ext)
        source.write_bytes(PDF + b"% scanner still writing")
        return incoming

    monkeypatch.setattr(store, "prepare", prepare_then_change)
    if backend == "pg":
        with pytest.raises(UserError, match="被改动"):
            attachments.add_attachment(visit.id, scan)
        assert VisitAttachment.select().count() == AttachmentBlob.select().count() == 0
        assert AttachmentBlobPart.select().count() == 0
        assert Visit.get_by_id(visit.id).sign_status == "未签"
    else:  # the folder store copied the file while hashing it: what was hashed is stored
        info = attachments.add_attachment(visit.id, scan)
        assert _stored(info) == PDF and attachments.verify(info.id).ok


def test_the_hash_detects_a_changed_or_missing_file(visit, tmp_path):
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"original pixels")
    info = attachments.add_attachment(visit.id, scan)
    _tamper(info, b"\x89PNG\r\n\x1a\n" + b"forged pixels!!")
    result = attachments.verify(info.id)
    assert not result.ok and not result.missing
    assert "已被改动" in result.message and "SHA-256" in result.message
    with pytest.raises(UserError, match="已被改动"):
        attachments.copy_out(info.id, tmp_path / "out.png")
    _lose(info)
    result = attachments.verify(info.id)
    assert not result.ok and result.missing and "找不到" in result.message


def test_attaching_the_original_again_repairs_a_changed_copy(visit, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    info = attachments.add_attachment(visit.id, scan)
    _tamper(info, PDF + b"% forged")
    assert not attachments.verify(info.id).ok
    attachments.add_attachment(_other_visit().id, scan)  # the same content, stored again
    assert attachments.verify(info.id).ok and _stored(info) == PDF


def test_copy_out_writes_the_checked_content(visit, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    info = attachments.add_attachment(visit.id, scan)
    out = attachments.copy_out(info.id, tmp_path / "副本.pdf")
    assert out.read_bytes() == PDF


def test_file_to_open_is_the_stored_file_or_a_temporary_copy(visit, backend, tmp_path):
    scan = tmp_path / "签字:回访表.pdf"  # a character Windows does not allow in a file name
    scan.write_bytes(PDF)
    info = attachments.add_attachment(visit.id, scan)
    path = attachments.file_to_open(info.id)
    assert path.read_bytes() == PDF and path.suffix == ".pdf"
    if backend == "sqlite":
        assert path == info.path
    else:
        assert path.name.startswith("签字_回访表-") and path.parent.name.startswith("huifang-scans-")
        assert attachments.file_to_open(info.id) == path  # reused, not written twice
        path.write_bytes(b"%PDF-1.4 edited in the viewer")  # a temporary copy changed…
        assert attachments.file_to_open(info.id).read_bytes() == PDF  # …is written afresh
        assert attachments.verify(info.id).ok  # and never touches what is stored


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
    assert VisitAttachment.select().count() == 0 and AttachmentBlob.select().count() == 0
    assert Visit.get_by_id(visit.id).sign_status == "未签"


def test_a_file_over_the_limit_is_refused(visit, tmp_path, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_BYTES", 100)
    path = tmp_path / "big.jpg"
    path.write_bytes(JPEG)  # 210 bytes
    with pytest.raises(ValidationError, match="太大"):
        attachments.add_attachment(visit.id, path)
    assert VisitAttachment.select().count() == 0 and AttachmentBlob.select().count() == 0


def test_missing_file_and_folder_are_refused(visit, tmp_path):
    with pytest.raises(ValidationError, match="找不到文件"):
        attachments.add_attachment(visit.id, tmp_path / "nope.pdf")
    with pytest.raises(ValidationError, match="文件夹"):
        attachments.add_attachment(visit.id, tmp_path)


def test_content_and_row_are_written_in_one_transaction(visit, tmp_path, monkeypatch):
    def fail(*_a, **_k):
        raise RuntimeError("磁盘出错")

    monkeypatch.setattr(VisitAttachment, "create", fail)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    with pytest.raises(RuntimeError):
        attachments.add_attachment(visit.id, scan)
    assert AttachmentBlob.select().count() == AttachmentBlobPart.select().count() == 0  # rolled back
    assert Visit.get_by_id(visit.id).sign_status == "未签"


def test_attachment_survives_reopening_the_database(visit, db_target, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    attachments.add_attachment(visit.id, scan)
    scan.unlink()  # the archived copy does not depend on the original
    close_database()
    open_app_database(db_target)
    (info,) = attachments.attachments_of(visit.id)
    assert attachments.verify(info.id).ok and _stored(info) == PDF


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
    assert _stored(info) == PDF  # the archived content itself is kept


@pytest.mark.sqlite_only
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
    from desktop.views.common.context import AppContext
    from desktop.views.visit_form.visit_form_view import VisitFormView

    view = VisitFormView(AppContext(db_path=db_path))
    qtbot.addWidget(view)
    view.resize(1400, 1000)
    view.show()
    return view


def test_drop_a_scan_reopen_the_app_and_open_it_checked(
    qtbot, visit, backend, db_path, db_target, tmp_path, monkeypatch
):
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
    open_app_database(db_target)
    view = _form(qtbot, db_path)
    view.load(visit.id)
    panel = view.attachments_panel
    assert panel.count() == 1
    panel.list.setCurrentRow(0)
    panel.open_button.click()
    (path,) = opened
    assert path.endswith(".pdf") and Path(path).read_bytes() == PDF
    # SQLite: the stored file itself; PostgreSQL: a temporary copy of the content in the database
    assert ("attachments" in path) == (backend == "sqlite")
    assert not warned

    # the archive is changed behind the app's back: opening warns and (cancelled) opens nothing
    (info,) = attachments.attachments_of(visit.id)
    _tamper(info, PDF + b"%% edited")
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
