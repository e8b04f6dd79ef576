"""短信问卷 without a gateway (schema step 16): the batch files exported for the shop's SMS
platform, each text sent in them, and the replies imported from the platform's reply export
(``desktop.services.sms``)."""

import peewee as pw

from .base import BaseModel, now
from .visit import Visit, VisitTask


class SmsBatch(BaseModel):
    """One exported batch file: when, by whom, how the customers answer, the 签名 used."""

    created_at = pw.DateTimeField(default=now)
    created_by = pw.CharField(default="")
    mode = pw.CharField()  # "reply" (回复1-5) or "link" (扫码评价 link)
    signature = pw.CharField(default="")  # 短信签名 without 【】
    file_name = pw.CharField(default="")
    count = pw.IntegerField(default=0)


class SmsMessage(BaseModel):
    """One text of a batch: to which task and number it went and what it said (a reply is read
    against the text it answers)."""

    batch = pw.ForeignKeyField(SmsBatch, backref="messages", on_delete="CASCADE")
    task = pw.ForeignKeyField(VisitTask, backref="sms_messages", on_delete="CASCADE")
    phone = pw.CharField(index=True)
    sent_at = pw.DateTimeField(index=True)
    mode = pw.CharField()
    text = pw.TextField()


class SmsReply(BaseModel):
    """One row of a reply export, kept once (``key``: number, time and text) whatever happened
    to it: 已录入 (a visit), 待核对 (waits for a person), 已放弃 (discarded by a person)."""

    key = pw.CharField(unique=True)  # sha1 of number, time and text: re-importing adds nothing
    phone = pw.CharField(index=True)
    received_at = pw.DateTimeField(index=True)
    content = pw.TextField(default="")
    status = pw.CharField(index=True)
    reason = pw.CharField(default="")  # why it waits (待核对) or what was decided
    level = pw.IntegerField(null=True)  # the answer read (5 非常满意 … 1 非常不满意)
    opt_out = pw.BooleanField(default=False)  # 退订 / TD
    task = pw.ForeignKeyField(VisitTask, null=True, backref="sms_replies", on_delete="SET NULL")
    visit = pw.ForeignKeyField(Visit, null=True, backref="sms_replies", on_delete="SET NULL")
    source_file = pw.CharField(default="")
    imported_at = pw.DateTimeField(default=now)
    resolved_at = pw.DateTimeField(null=True)
    resolved_by = pw.CharField(default="")
