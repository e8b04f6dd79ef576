"""The one database proxy every model binds to; the real database is set by ``init_db``."""

from datetime import datetime

import peewee as pw

db = pw.DatabaseProxy()


class BaseModel(pw.Model):
    class Meta:
        database = db
        legacy_table_names = False


class VersionedModel(BaseModel):
    """A record edited in a form: ``row_version`` goes up by one on every save, and a save from a
    copy loaded before another save is refused (services.versions); ``modified_by`` /
    ``modified_at`` say who saved last and when ("已被 X 于 HH:MM 修改"). SQL defaults: raw
    bulk INSERTs that leave them out still work, and adding them to an older database needs no
    table rebuild."""

    row_version = pw.IntegerField(default=1, constraints=[pw.SQL("DEFAULT 1")])
    modified_by = pw.CharField(default="", constraints=[pw.SQL("DEFAULT ''")])
    modified_at = pw.DateTimeField(null=True)


def now() -> datetime:
    """Current local time without microseconds (what the forms show and store)."""
    return datetime.now().replace(microsecond=0)


class JSONField(pw.TextField):
    """Small JSON values (option labels, attempt details) stored as UTF-8 text."""

    def db_value(self, value):
        import json

        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        import json

        return None if value is None else json.loads(value)
