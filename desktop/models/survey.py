"""扫码问卷 links (schema step 13): one unguessable, single-use, expiring link per visit task that
the customer opens on a phone (``desktop.services.web``); and the survey-platform submissions
(问卷星, 腾讯问卷) already imported as visits (schema step 17, ``services.intake.survey_import``)."""

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


class ImportedSubmission(BaseModel):
    """One answer sheet of a survey platform's export (问卷星 / 腾讯问卷) that became a visit: its
    key (a digest of the platform, the sheet's 序号/编号, its submission time and the customer it
    was matched to) makes importing the same export again skip it instead of doubling it."""

    key = pw.CharField(max_length=64, unique=True)  # sha256 hex
    platform = pw.CharField()  # 问卷星 / 腾讯问卷 / 其他
    visit = pw.ForeignKeyField(Visit, null=True, backref="imported_submissions", on_delete="SET NULL")
    source = pw.CharField(default="")  # the file's name, for whoever looks later
    row_no = pw.IntegerField(default=0)  # the sheet's row in that file
    imported_at = pw.DateTimeField(default=now)
