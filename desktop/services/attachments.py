"""Scans and photos of the signed paper form, archived with their visit (no Qt here).

Files are copied into ``<database folder>/attachments/<sha256>.<ext>``: named by their content
hash, so the same scan is stored once, a name never collides, and ``verify`` can tell whether a
stored file was changed or removed since (the hash no longer matches). The folder is copied into
every backup (``backup.EXTRA_FOLDERS``) and put back by a restore. Attaching a scan to a visit that
was 未签 marks it 纸质已签.
"""

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop.models import Visit, VisitAttachment, db, now
from desktop.models.connection import is_sqlite

from . import accounts
from .errors import UserError, ValidationError
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
    if db.obj is None:
        raise UserError("数据库尚未打开。")
    if not is_sqlite():  # a server database has no folder beside it
        raise UserError("PostgreSQL 数据库暂不支持保存附件(签字扫描件);请使用 SQLite 数据库文件。")
    name = db.obj.database
    if not name or name == ":memory:":
        raise UserError("内存数据库没有数据文件夹,无法保存附件。")
    return folder_for_db(name)


def _register_with_backups() -> None:
    """Put the attachments folder into every backup (the backup service's hook for extra folders)."""
    from . import backup

    if not any(name == FOLDER_NAME for name, _f in backup.EXTRA_FOLDERS):
        backup.EXTRA_FOLDERS.append((FOLDER_NAME, folder_for_db))


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
        raise ValidationError(FIELD, f"找不到文件 {source},请重新选择。")
    if source.is_dir():
        raise ValidationError(FIELD, f"{source} 是一个文件夹,请选择扫描件或照片文件。")
    ext = _ext_of(source)
    if ext not in ALLOWED_EXTS:
        kinds = "PDF、JPG、PNG、TIFF、BMP、GIF、WEBP"
        raise ValidationError(FIELD, f"不支持“{source.name}”的文件类型。请附加扫描件或照片:{kinds}。")
    size = source.stat().st_size
    if size == 0:
        raise ValidationError(FIELD, f"文件 {source.name} 是空的,请重新扫描或拍照。")
    if size > MAX_BYTES:
        raise ValidationError(
            FIELD,
            f"文件 {source.name} 太大({size / 1024 / 1024:.0f} MB),最大 {MAX_BYTES // 1024 // 1024} MB。"
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
            f"文件 {source.name} 的内容不是 {ext.upper()} 格式(可能扩展名被改过或文件已损坏),请重新导出。",
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
    path: Path  # where the stored copy is

    @property
    def is_pdf(self) -> bool:
        return self.ext == "pdf"

    @property
    def size_text(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"


def _info(row: VisitAttachment, folder: Path) -> AttachmentInfo:
    return AttachmentInfo(
        id=row.id,
        visit_id=row.visit_id,
        name=row.original_name or f"{row.sha256[:12]}.{row.ext}",
        ext=row.ext,
        size=row.size,
        sha256=row.sha256,
        added_at=row.added_at,
        path=folder / f"{row.sha256}.{row.ext}",
    )


def _store(source: Path, ext: str, folder: Path) -> tuple[str, int, Path]:
    """Copy ``source`` into the folder under its hash (once); returns (sha256, size, stored path).
    The copy is hashed as it is written, so what is stored is exactly what was hashed."""
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
        target = folder / f"{sha}.{ext}"
        if target.exists() and file_sha256(target) == sha:
            tmp.unlink()
        else:
            os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(
            f"无法保存附件到 {folder}:{exc.strerror or exc}。请确认磁盘空间足够、文件夹可写。"
        ) from exc
    return sha, size, target


@accounts.requires(accounts.CALL, "添加签字扫描件")
def add_attachment(visit_id: int, path: str | Path, *, added_by: str = "", note: str = "") -> AttachmentInfo:
    """Archive the file at ``path`` with the visit. A visit that was 未签 becomes 纸质已签."""
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise UserError(f"找不到编号为 {visit_id} 的回访记录,请先保存回访表再附加扫描件。")
    source, ext = check_file(path)
    folder = current_folder()
    sha, size, _stored = _store(source, ext, folder)
    existing = VisitAttachment.get_or_none(
        (VisitAttachment.visit == visit.id) & (VisitAttachment.sha256 == sha)
    )
    if existing is not None:
        raise UserError(f"这个文件已经附加过了(“{existing.original_name}”,内容完全相同)。")
    with db.atomic():
        row = VisitAttachment.create(
            visit=visit.id,
            sha256=sha,
            ext=ext,
            original_name=source.name[:200],
            size=size,
            added_at=now(),
            added_by=(added_by or "").strip()[:30],
            note=(note or "").strip()[:200],
            marked_signed=visit.sign_status == UNSIGNED,
        )
        if visit.sign_status == UNSIGNED:
            Visit.update(sign_status=PAPER_SIGNED, updated_at=now()).where(Visit.id == visit.id).execute()
    return _info(row, folder)


def attachments_of(visit_id: int) -> list[AttachmentInfo]:
    folder = current_folder()
    query = VisitAttachment.select().where(VisitAttachment.visit == visit_id)
    return [_info(row, folder) for row in query.order_by(VisitAttachment.added_at, VisitAttachment.id)]


def count_of(visit_id: int) -> int:
    return VisitAttachment.select().where(VisitAttachment.visit == visit_id).count()


def get_attachment(attachment_id: int) -> AttachmentInfo:
    row = VisitAttachment.get_or_none(VisitAttachment.id == attachment_id)
    if row is None:
        raise UserError("找不到这个附件,可能已被删除。请刷新后重试。")
    return _info(row, current_folder())


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    message: str  # Chinese; empty when ok
    path: Path
    missing: bool = False


def verify(attachment_id: int) -> VerifyResult:
    """Does the stored file still have the hash it was archived with?"""
    info = get_attachment(attachment_id)
    if not info.path.is_file():
        return VerifyResult(
            False,
            f"找不到附件“{info.name}”的存档文件 {info.path}。它可能被移动或删除了;可从备份恢复,或重新附加扫描件。",
            info.path,
            missing=True,
        )
    actual = file_sha256(info.path)
    if actual != info.sha256:
        return VerifyResult(
            False,
            f"附件“{info.name}”的存档文件已被改动:内容与附加时不一致(SHA-256 校验失败)。"
            "这份文件不能作为签字凭证,请从备份恢复原件或重新扫描附加。",
            info.path,
        )
    return VerifyResult(True, "", info.path)


@accounts.requires(accounts.CALL, "删除签字扫描件")
def remove_attachment(attachment_id: int, override: SupervisorOverride | None = None) -> str:
    """Detach a scan from its visit; returns the visit's 签字状态 afterwards.

    On a signed visit this needs a supervisor's confirmation and is written to the audit log. The
    stored file is kept (another visit may use the same content, and a backup may refer to it).
    """
    row = VisitAttachment.get_or_none(VisitAttachment.id == attachment_id)
    if row is None:
        raise UserError("找不到这个附件,可能已被删除。请刷新后重试。")
    visit = Visit.get_by_id(row.visit_id)
    plan = None
    if is_signed(visit.sign_status):
        approval = check_override(override)
        plan = AuditPlan(
            ACTION_REMOVE_ATTACHMENT,
            [
                {
                    "field": "签字扫描件",
                    "old": f"{row.original_name}(SHA-256 {row.sha256[:16]}…)",
                    "new": "(已删除)",
                }
            ],
        ).approved_by(approval)
    status = visit.sign_status
    with db.atomic():
        row.delete_instance()
        left = VisitAttachment.select().where(VisitAttachment.visit == visit.id).exists()
        if row.marked_signed and status == PAPER_SIGNED and not left:
            status = UNSIGNED
            Visit.update(sign_status=status, updated_at=now()).where(Visit.id == visit.id).execute()
            if plan is not None:
                plan.changes.append({"field": "签字状态", "old": PAPER_SIGNED, "new": UNSIGNED})
        if plan is not None:
            write_audit(visit.id, plan)
    return status


def copy_out(attachment_id: int, target: str | Path) -> Path:
    """Save a copy of the archived file (after checking it) to ``target``."""
    result = verify(attachment_id)
    if not result.ok:
        raise UserError(result.message)
    target = Path(target).expanduser()
    try:
        shutil.copy2(result.path, target)
    except OSError as exc:
        raise UserError(f"无法保存到 {target}:{exc.strerror or exc}。") from exc
    return target


_register_with_backups()
