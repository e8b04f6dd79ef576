"""Scans and photos of the signed paper form, archived with their visit (no Qt here).

Every scan is stored under its content hash (SHA-256): the same scan is stored once, a name never
collides, and ``verify`` can tell whether the stored content was changed or removed since (the
hash no longer matches). Where it is stored depends on the database (``_FolderStore`` /
``_DatabaseStore``, chosen by ``_current_store``):

* SQLite: files in ``<database folder>/attachments/<sha256>.<ext>``. The folder is copied into
  every backup (``maintenance.backup.EXTRA_FOLDERS`` names it) and put back by a restore.
* PostgreSQL (several PCs, no folder they all share): the content goes into the database itself,
  one ``AttachmentBlob`` per content (its bytes in 1 MiB ``AttachmentBlobPart`` rows), written in
  the same transaction as the visit's ``VisitAttachment`` row; pg_dump backs it up with the rest. To open a scan with the
  system's viewer it is written to a temporary file first (``file_to_open``).

Attaching a scan to a visit that was 未签 marks it 纸质已签.
"""

import atexit
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import peewee as pw

from desktop.models import AttachmentBlob, AttachmentBlobPart, Visit, VisitAttachment, db, now
from desktop.models.connection import is_sqlite

from ..admin import accounts, versions
from ..common import safe_files
from ..common.errors import UserError, ValidationError
from .signatures import (
    ACTION_REMOVE_ATTACHMENT,
    PAPER_SIGNED,
    UNSIGNED,
    AuditPlan,
    SupervisorOverride,
    check_override,
    is_signed,
    write_audit,
)

FOLDER_NAME = "attachments"
IMAGE_EXTS = ("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp")
ALLOWED_EXTS = (*IMAGE_EXTS, "pdf")
MAX_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024
PART_BYTES = 1024 * 1024  # one AttachmentBlobPart row (database store)
_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
    "tif": (b"II*\x00", b"MM\x00*"),
    "tiff": (b"II*\x00", b"MM\x00*"),
}
FIELD = "签字扫描件"


def folder_for_db(db_path: str | Path) -> Path:
    """The attachments folder that belongs to the database file ``db_path``."""
    return Path(db_path).expanduser().absolute().parent / FOLDER_NAME


def current_folder() -> Path:
    """The attachments folder of the open SQLite database (a server database has none: its
    scans are kept in the database, see ``_DatabaseStore``)."""
    if db.obj is None:
        raise UserError("数据库尚未打开。")
    if not is_sqlite():
        raise UserError("PostgreSQL 数据库没有附件文件夹：签字扫描件保存在数据库里。")
    name = db.obj.database
    if not name or name == ":memory:":
        raise UserError("内存数据库没有数据文件夹，无法保存附件。")
    return folder_for_db(name)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _ext_of(path: Path) -> str:
    ext = path.suffix.lower().lstrip(".")
    return "jpg" if ext == "jpeg" else ("tif" if ext == "tiff" else ext)


def check_file(path: str | Path) -> tuple[Path, str]:
    """(the resolved path, its normalised extension) of a file that may be attached, or a
    ValidationError in Chinese (missing, a folder, empty, too big, wrong type, not what its
    extension says)."""
    source = Path(path).expanduser()
    if not source.exists():
        raise ValidationError(FIELD, f"找不到文件 {source}，请重新选择。")
    if source.is_dir():
        raise ValidationError(FIELD, f"{source} 是一个文件夹，请选择扫描件或照片文件。")
    ext = _ext_of(source)
    if ext not in ALLOWED_EXTS:
        kinds = "PDF、JPG、PNG、TIFF、BMP、GIF、WEBP"
        raise ValidationError(FIELD, f"不支持“{source.name}”的文件类型。请附加扫描件或照片：{kinds}。")
    size = source.stat().st_size
    if size == 0:
        raise ValidationError(FIELD, f"文件 {source.name} 是空的，请重新扫描或拍照。")
    if size > MAX_BYTES:
        raise ValidationError(
            FIELD,
            f"文件 {source.name} 太大（{size / 1024 / 1024:.0f} MB），最大 {MAX_BYTES // 1024 // 1024} MB。"
            "请降低扫描分辨率或压缩后再附加。",
        )
    with source.open("rb") as fh:
        head = fh.read(16)
    magics = _MAGIC.get(ext)
    if ext == "webp":
        ok = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    else:
        ok = magics is None or head.startswith(magics)
    if not ok:
        raise ValidationError(
            FIELD,
            f"文件 {source.name} 的内容不是 {ext.upper()} 格式（可能扩展名被改过或文件已损坏），请重新导出。",
        )
    return source, ext


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    visit_id: int
    name: str  # the file's original name
    ext: str
    size: int
    sha256: str
    added_at: datetime
    path: Path | None  # the stored file (SQLite); None when the content is kept in the database
    stored_at: str  # where the stored copy is, as shown to the user

    @property
    def is_pdf(self) -> bool:
        return self.ext == "pdf"

    @property
    def size_text(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"


# ---------------------------------------------------------------- where the content is stored
@dataclass(frozen=True)
class _Incoming:
    """A file on its way into a store: its hash and size, and where to read it from."""

    sha256: str
    size: int
    ext: str
    source: Path


class _FolderStore:
    """SQLite: one file per content, ``<sha256>.<ext>`` in the ``attachments`` folder beside the
    database file (copied into every backup)."""

    noun = "存档文件"

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, sha: str, ext: str) -> Path:
        return self.folder / f"{sha}.{ext}"

    def location(self, sha: str, ext: str) -> Path | None:
        return self._path(sha, ext)

    def describe(self, sha: str, ext: str) -> str:
        return str(self._path(sha, ext))

    def prepare(self, source: Path, ext: str) -> _Incoming:
        """Copy ``source`` into the folder under its hash (once), before the database transaction
        (a file without a row is harmless: it is named by its content). The copy is hashed as it
        is written, so what is stored is exactly what was hashed."""
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".incoming-{os.getpid()}-{id(source)}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with source.open("rb") as src, tmp.open("wb") as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            sha = digest.hexdigest()
            target = self._path(sha, ext)
            if target.exists() and file_sha256(target) == sha:
                tmp.unlink()
            else:
                os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise UserError(
                f"无法保存附件到 {folder}：{exc.strerror or exc}。请确认磁盘空间足够、文件夹可写。"
            ) from exc
        return _Incoming(sha, size, ext, source)

    def put(self, incoming: _Incoming) -> None:
        """Nothing left to do in the transaction: ``prepare`` put the file in place."""

    def stored_hash(self, sha: str, ext: str) -> str | None:
        """SHA-256 of what is stored now; None when it is missing."""
        path = self._path(sha, ext)
        return file_sha256(path) if path.is_file() else None

    def missing_message(self, name: str, sha: str, ext: str) -> str:
        return (
            f"找不到附件“{name}”的存档文件 {self._path(sha, ext)}。它可能被移动或删除了；"
            "可从备份恢复，或重新附加扫描件。"
        )

    def save_copy(self, sha: str, ext: str, target: Path) -> None:
        shutil.copy2(self._path(sha, ext), target)

    def file_to_open(self, sha: str, ext: str, name: str) -> Path:
        return self._path(sha, ext)


_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class _DatabaseStore:
    """PostgreSQL: the content in the database, once per content: an ``AttachmentBlob`` row and
    its ``AttachmentBlobPart`` rows, written in the caller's transaction together with the
    ``VisitAttachment`` row. Parts go in and come out one at a time, so a 50 MB scan never sits
    in memory whole (a single bytea value would be hex-escaped into one query string: ~9× its
    size in this process)."""

    noun = "数据库里保存的内容"
    _view_dir: Path | None = None  # temporary copies for the system's viewer (this process)

    def location(self, sha: str, ext: str) -> Path | None:
        return None

    def describe(self, sha: str, ext: str) -> str:
        return "数据库（多台电脑共用）"

    def prepare(self, source: Path, ext: str) -> _Incoming:
        """Hash the file (the size limit holds even if it grew after it was checked); nothing
        is written yet."""
        digest, size = hashlib.sha256(), 0
        try:
            with source.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise ValidationError(
                            FIELD,
                            f"文件 {source.name} 太大，最大 {MAX_BYTES // 1024 // 1024} MB。请压缩后再附加。",
                        )
                    digest.update(chunk)
        except OSError as exc:
            raise UserError(f"无法读取文件 {source}：{exc.strerror or exc}。") from exc
        return _Incoming(digest.hexdigest(), size, ext, source)

    def put(self, incoming: _Incoming) -> None:
        """Store the content unless it is there already (another PC may be storing the same
        content at this moment: the insert then waits for it and does nothing). A stored copy
        that no longer matches its hash (changed behind the app's back) is replaced."""
        sha, source = incoming.sha256, incoming.source
        AttachmentBlob.insert(
            sha256=sha, ext=incoming.ext, size=incoming.size, created_at=now()
        ).on_conflict_ignore().execute()
        if self.stored_hash(sha, incoming.ext) == sha:
            return
        AttachmentBlobPart.delete().where(AttachmentBlobPart.blob == sha).execute()
        digest = hashlib.sha256()
        try:
            with source.open("rb") as fh:
                seq = 0
                while part := fh.read(PART_BYTES):
                    digest.update(part)
                    AttachmentBlobPart.insert(blob=sha, seq=seq, data=part).execute()
                    seq += 1
        except OSError as exc:
            raise UserError(f"无法读取文件 {source}：{exc.strerror or exc}。") from exc
        if digest.hexdigest() != sha:  # the transaction is rolled back: nothing is kept
            raise UserError(f"文件 {source.name} 在附加的过程中被改动了。请等扫描或保存完成后重新附加。")

    def stored_hash(self, sha: str, ext: str) -> str | None:
        """SHA-256 of the stored bytes, recomputed now by the server (the content need not cross
        the network); None when nothing is stored."""
        part = AttachmentBlobPart
        whole = pw.fn.string_agg(part.data, pw.SQL("''::bytea")).order_by(part.seq)
        digest = pw.fn.encode(pw.fn.sha256(whole), "hex").coerce(False)
        return part.select(digest).where(part.blob == sha).scalar()

    def missing_message(self, name: str, sha: str, ext: str) -> str:
        return (
            f"数据库里找不到附件“{name}”的内容（SHA-256 {sha[:16]}…），可能被人删除了。"
            "请从数据库备份恢复，或重新附加扫描件。"
        )

    def _write(self, sha: str, target: Path) -> None:
        """The stored content into the file ``target``, one part at a time."""
        part = AttachmentBlobPart
        seqs = [seq for (seq,) in part.select(part.seq).where(part.blob == sha).order_by(part.seq).tuples()]
        with target.open("wb") as fh:
            for seq in seqs:
                data = part.select(part.data).where((part.blob == sha) & (part.seq == seq)).scalar()
                fh.write(data)

    def _stored_or_missing(self, sha: str, ext: str, name: str) -> str:
        stored = self.stored_hash(sha, ext)
        if stored is None:
            raise UserError(self.missing_message(name, sha, ext))
        return stored

    def save_copy(self, sha: str, ext: str, target: Path) -> None:
        self._stored_or_missing(sha, ext, target.name)
        self._write(sha, target)

    def file_to_open(self, sha: str, ext: str, name: str) -> Path:
        """The content written to a temporary file named like the original (a viewer shows the
        name); one that is already there with this content is reused (it may be open)."""
        stored = self._stored_or_missing(sha, ext, name)
        folder = _DatabaseStore._view_dir
        try:
            if folder is None or not folder.is_dir():
                folder = _DatabaseStore._view_dir = Path(tempfile.mkdtemp(prefix="huifang-scans-"))
                atexit.register(shutil.rmtree, folder, True)
            stem = _UNSAFE_NAME.sub("_", Path(name).stem).strip(" .")[:60] or "附件"
            target = folder / f"{stem}-{sha[:8]}.{ext}"
            if target.is_file() and file_sha256(target) == stored:
                return target
            tmp = folder / f".{target.name}.part"
            self._write(sha, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            raise UserError(
                f"无法把附件“{name}”写到临时文件夹：{exc.strerror or exc}。"
                "请关闭正在查看它的程序后重试，或确认磁盘空间足够。"
            ) from exc
        return target


def _current_store() -> _FolderStore | _DatabaseStore:
    """The folder beside a SQLite database file; the database itself on PostgreSQL."""
    if db.obj is None:
        raise UserError("数据库尚未打开。")
    if is_sqlite():
        return _FolderStore(current_folder())
    return _DatabaseStore()


def _info(row: VisitAttachment, store: _FolderStore | _DatabaseStore) -> AttachmentInfo:
    return AttachmentInfo(
        id=row.id,
        visit_id=row.visit_id,
        name=row.original_name or f"{row.sha256[:12]}.{row.ext}",
        ext=row.ext,
        size=row.size,
        sha256=row.sha256,
        added_at=row.added_at,
        path=store.location(row.sha256, row.ext),
        stored_at=store.describe(row.sha256, row.ext),
    )


# ---------------------------------------------------------------- attaching, listing, checking
def _duplicate_of(visit_id: int, sha: str) -> VisitAttachment | None:
    return VisitAttachment.get_or_none((VisitAttachment.visit == visit_id) & (VisitAttachment.sha256 == sha))


def _duplicate_error(existing: VisitAttachment) -> UserError:
    return UserError(f"这个文件已经附加过了（“{existing.original_name}”，内容完全相同）。")


@accounts.requires(accounts.CALL, "添加签字扫描件")
def add_attachment(
    visit_id: int, path: str | Path, *, added_by: str = "", note: str = "", mark_signed: bool = True
) -> AttachmentInfo:
    """Archive the file at ``path`` with the visit. A visit that was 未签 becomes 纸质已签 —
    unless ``mark_signed`` is False (a scanned paper form still to be checked: its draft stays
    editable until a person confirms the doubtful answers)."""
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise UserError(f"找不到编号为 {visit_id} 的回访记录，请先保存回访表再附加扫描件。")
    accounts.require_own(visitor=visit.visitor, what="条回访记录")
    source, ext = check_file(path)
    store = _current_store()
    incoming = store.prepare(source, ext)
    sha = incoming.sha256
    existing = _duplicate_of(visit.id, sha)
    if existing is not None:
        raise _duplicate_error(existing)
    try:
        with db.atomic():
            store.put(incoming)
            row = VisitAttachment.create(
                visit=visit.id,
                sha256=sha,
                ext=ext,
                original_name=source.name[:200],
                size=incoming.size,
                added_at=now(),
                added_by=(added_by or "").strip()[:30],
                note=(note or "").strip()[:200],
                marked_signed=mark_signed and visit.sign_status == UNSIGNED,
            )
            changes = {Visit.updated_at: now()}
            if mark_signed and visit.sign_status == UNSIGNED:
                changes[Visit.sign_status] = PAPER_SIGNED
            versions.touch(Visit, visit.id, changes)
    except pw.IntegrityError:
        existing = _duplicate_of(visit.id, sha)  # attached from another PC at the same moment
        if existing is None:
            raise
        raise _duplicate_error(existing) from None
    return _info(row, store)


def attachments_of(visit_id: int) -> list[AttachmentInfo]:
    store = _current_store()
    query = VisitAttachment.select().where(VisitAttachment.visit == visit_id)
    return [_info(row, store) for row in query.order_by(VisitAttachment.added_at, VisitAttachment.id)]


def count_of(visit_id: int) -> int:
    return VisitAttachment.select().where(VisitAttachment.visit == visit_id).count()


def _row(attachment_id: int) -> VisitAttachment:
    row = VisitAttachment.get_or_none(VisitAttachment.id == attachment_id)
    if row is None:
        raise UserError("找不到这个附件，可能已被删除。请刷新后重试。")
    return row


def get_attachment(attachment_id: int) -> AttachmentInfo:
    return _info(_row(attachment_id), _current_store())


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    message: str  # Chinese; empty when ok
    path: Path | None  # the stored file (SQLite); None when the content is kept in the database
    missing: bool = False


def verify(attachment_id: int) -> VerifyResult:
    """Does the stored content still have the hash it was archived with?"""
    row = _row(attachment_id)
    store = _current_store()
    info = _info(row, store)
    actual = store.stored_hash(info.sha256, info.ext)
    if actual is None:
        return VerifyResult(
            False, store.missing_message(info.name, info.sha256, info.ext), info.path, missing=True
        )
    if actual != info.sha256:
        return VerifyResult(
            False,
            f"附件“{info.name}”的{store.noun}已被改动：内容与附加时不一致（SHA-256 校验失败）。"
            "这份文件不能作为签字凭证，请从备份恢复原件或重新扫描附加。",
            info.path,
        )
    return VerifyResult(True, "", info.path)


def file_to_open(attachment_id: int) -> Path:
    """A file the system's viewer can open: the stored file itself (SQLite), or the content kept
    in the database written to a temporary file (PostgreSQL). ``verify`` it first."""
    row = _row(attachment_id)
    return _current_store().file_to_open(
        row.sha256, row.ext, row.original_name or f"{row.sha256[:12]}.{row.ext}"
    )


@accounts.requires(accounts.CALL, "删除签字扫描件")
def remove_attachment(attachment_id: int, override: SupervisorOverride | None = None) -> str:
    """Detach a scan from its visit; returns the visit's 签字状态 afterwards.

    On a signed visit this needs a supervisor's confirmation and is written to the audit log. The
    stored content is kept (another visit may use the same content, and a backup may refer to it).
    """
    row = _row(attachment_id)
    visit = Visit.get_by_id(row.visit_id)
    accounts.require_own(visitor=visit.visitor, what="条回访记录")
    plan = None
    if is_signed(visit.sign_status):
        approval = check_override(override)
        plan = AuditPlan(
            ACTION_REMOVE_ATTACHMENT,
            [
                {
                    "field": "签字扫描件",
                    "old": f"{row.original_name}（SHA-256 {row.sha256[:16]}…）",
                    "new": "（已删除）",
                }
            ],
        ).approved_by(approval)
    status = visit.sign_status
    with db.atomic():
        row.delete_instance()
        left = VisitAttachment.select().where(VisitAttachment.visit == visit.id).exists()
        changes = {Visit.updated_at: now()}
        if row.marked_signed and status == PAPER_SIGNED and not left:
            status = changes[Visit.sign_status] = UNSIGNED
            if plan is not None:
                plan.changes.append({"field": "签字状态", "old": PAPER_SIGNED, "new": UNSIGNED})
        versions.touch(Visit, visit.id, changes)
        if plan is not None:
            write_audit(visit.id, plan)
    return status


def copy_out(attachment_id: int, target: str | Path) -> Path:
    """Save a copy of the archived file (after checking it) to ``target``: written under a
    temporary name beside it, its SHA-256 checked, then renamed — a failed copy (a full disk)
    leaves whatever ``target`` was."""
    result = verify(attachment_id)
    if not result.ok:
        raise UserError(result.message)
    row = _row(attachment_id)
    target = Path(target).expanduser()
    store = _current_store()

    def same_content(tmp: Path) -> None:
        if file_sha256(tmp) != row.sha256:
            raise safe_files.IncompleteFile("副本与存档的内容不一致")

    safe_files.write_atomic(
        target, lambda tmp: store.save_copy(row.sha256, row.ext, tmp), check=same_content, what="另存附件"
    )
    return target
