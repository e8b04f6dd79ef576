"""Business settings as key → JSON value; defaults live in code (services.settings)."""

import peewee as pw

from .base import JSONField, VersionedModel


class Setting(VersionedModel):
    key = pw.CharField(primary_key=True)
    value = JSONField(null=True)
