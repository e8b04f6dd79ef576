"""The paper round trip: the customer's on-screen signature, archived scans of the signed paper
form, and the audit trail of changes made to signed (locked) visits."""

import peewee as pw

from .base import BaseModel, JSONField, now
from .org import Staff
from .visit import Visit


class VisitSignature(BaseModel):
    """The customer's signature drawn on screen: a PNG image and its SHA-256, plus a digest of the
    visit's content at the moment of signing (to tell later whether the signed answers changed)."""

    visit = pw.ForeignKeyField(Visit, backref="signatures", on_delete="CASCADE", unique=True)
    image = pw.BlobField()  # PNG, transparent background
    sha256 = pw.CharField(max_length=64)  # of ``image``
    content_sha256 = pw.CharField(max_length=64, default="")  # of the signed content (answers …)
    signed_at = pw.DateTimeField(default=now)
    signer = pw.CharField(default="")  # 被回访人 as shown when signing
    device = pw.CharField(default="")  # 鼠标 / 手写笔 / 触摸屏
    created_at = pw.DateTimeField(default=now)


class VisitAttachment(BaseModel):
    """A scan or photo of the signed paper form, named by its content hash: on SQLite the file
    lives in ``attachments/<sha256>.<ext>`` beside the database; on PostgreSQL (no folder that
    every PC shares) its content is an ``AttachmentBlob`` row."""

    visit = pw.ForeignKeyField(Visit, backref="attachments", on_delete="CASCADE")
    sha256 = pw.CharField(max_length=64, index=True)
    ext = pw.CharField(max_length=10)  # without the dot, lower case: pdf / jpg / png …
    original_name = pw.CharField(default="")
    size = pw.IntegerField(default=0)
    added_at = pw.DateTimeField(default=now)
    added_by = pw.CharField(default="")
    note = pw.CharField(default="")
    marked_signed = pw.BooleanField(default=False)  # attaching it turned the visit 未签 → 纸质已签

    class Meta:
        indexes = ((("visit", "sha256"), True),)


class AttachmentBlob(BaseModel):
    """The content of an attached scan kept in the database itself (PostgreSQL: several PCs, no
    shared folder), stored once per content like the files of the ``attachments`` folder. Not
    tied to a visit: ``VisitAttachment.sha256`` points here. The bytes are in
    ``AttachmentBlobPart`` rows (parts of at most 1 MiB, so neither side ever holds a whole scan
    in one query). Empty on SQLite."""

    sha256 = pw.CharField(max_length=64, primary_key=True)  # of the whole content, lower-case hex
    ext = pw.CharField(max_length=10)  # of the first file stored with this content
    size = pw.IntegerField()
    created_at = pw.DateTimeField(default=now)


class AttachmentBlobPart(BaseModel):
    """Part ``seq`` (0, 1, 2 …) of an ``AttachmentBlob``'s content."""

    blob = pw.ForeignKeyField(AttachmentBlob, backref="parts", on_delete="CASCADE")
    seq = pw.IntegerField()
    data = pw.BlobField()

    class Meta:
        primary_key = pw.CompositeKey("blob", "seq")


class AuditLog(BaseModel):
    """Who changed a signed visit, when, why, with which supervisor's confirmation, and what."""

    at = pw.DateTimeField(default=now, index=True)
    entity = pw.CharField(default="visit")  # what was changed: visit
    entity_id = pw.IntegerField(index=True)
    action = pw.CharField()  # 修改已签字回访 / 更换签字 / 删除附件 …
    operator = pw.CharField(default="")  # who made the change (回访人员)
    supervisor = pw.ForeignKeyField(Staff, null=True, backref="audits", on_delete="SET NULL")
    supervisor_name = pw.CharField(default="")  # kept even if the staff row is deleted later
    reason = pw.TextField(default="")
    changes = JSONField(null=True)  # [{"field": …, "old": …, "new": …}]
