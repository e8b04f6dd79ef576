"""扫码问卷 links (schema step 13): one unguessable, single-use, expiring link per visit task that
the customer opens on a phone (``desktop.services.web``)."""

import peewee as pw

from .base import BaseModel, now
from .visit import Visit, VisitTask


class SurveyLink(BaseModel):
    token = pw.CharField(unique=True)  # secrets.token_urlsafe: 192 random bits
    task = pw.ForeignKeyField(VisitTask, backref="survey_links", on_delete="CASCADE")
    created_at = pw.DateTimeField(default=now)
    expires_at = pw.DateTimeField(index=True)
    used_at = pw.DateTimeField(null=True)  # set by the one submission the link accepts
    visit = pw.ForeignKeyField(Visit, null=True, backref="survey_links", on_delete="SET NULL")
