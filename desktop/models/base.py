"""The one database proxy every model binds to; the real database is set by ``init_db``."""

from datetime import datetime

import peewee as pw

db = pw.DatabaseProxy()


class BaseModel(pw.Model):
    class Meta:
        database = db
        legacy_table_names = False


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
