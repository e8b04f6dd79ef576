"""Small tools of the demo generator: dates as SQL text, quarters, rows inserted in batches and ids reserved ahead."""

from collections import deque
from datetime import date, datetime, timedelta

from desktop.models import db
from desktop.models.connection import is_sqlite, reserve_ids

ID_BLOCK = 500  # PostgreSQL: ids taken from a sequence at a time when the count is not known ahead


# ---------------------------------------------------------------------------- helpers
def sql_datetime(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def sql_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def prev_quarter(q: tuple[int, int]) -> tuple[int, int]:
    year, n = q
    return (year - 1, 4) if n == 1 else (year, n - 1)


def quarter_end(q: tuple[int, int]) -> date:
    year, n = q
    return (
        date(year + 1, 1, 1) - timedelta(days=1) if n == 4 else date(year, 3 * n + 1, 1) - timedelta(days=1)
    )


def one_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class Rows:
    """Prepared tuples for one table, written in batches (``insert_rows``).

    ``fields`` are the model's field names in the order the tuples hold them (values already
    in database form: text dates, real booleans, JSON text). Fields left out get their constant
    default; a left-out field with a computed default (e.g. ``now``) is a programming error,
    because it would make the data differ between runs.
    """

    def __init__(self, model, fields: tuple[str, ...]):
        meta = model._meta
        self.model = model
        self.rows: list[tuple] = []
        columns = [meta.fields[name].column_name for name in fields]
        extras = []
        for field in meta.sorted_fields:
            if field.name in fields or field.primary_key:
                continue
            if callable(field.default):
                raise RuntimeError(f"{model.__name__}.{field.name} needs an explicit value")
            if field.default is None and not field.null:
                raise RuntimeError(f"{model.__name__}.{field.name} is required")
            columns.append(field.column_name)
            extras.append(None if field.default is None else field.db_value(field.default))
        self.extras = tuple(extras)
        self.table = meta.table_name
        self.columns = columns

    def add(self, *values) -> None:
        self.rows.append(values + self.extras if self.extras else values)

    def __len__(self) -> int:
        return len(self.rows)


class Ids:
    """New ids for one table's rows, known before anything is written (other rows point at them).

    SQLite: ``MAX(id) + 1`` onwards — safe inside the demo's write transaction, which holds the
    file's write lock. PostgreSQL: taken from the table's sequence (``reserve_ids``), a known
    count in one go (``reserve``) or ``ID_BLOCK`` at a time, so the sequence stays in step and
    another PC inserting meanwhile gets other ids. On an empty database both give 1, 2, 3 …
    """

    def __init__(self, model):
        self.model = model
        self.sqlite = is_sqlite()
        self.free: deque[int] = deque()
        if self.sqlite:
            top = db.execute_sql(f'SELECT MAX(id) FROM "{model._meta.table_name}"').fetchone()[0]
            self.next = (top or 0) + 1

    def reserve(self, count: int) -> None:
        """``count`` ids will be needed (PostgreSQL: fetched in one round trip)."""
        if not self.sqlite and count > len(self.free):
            self.free.extend(reserve_ids(self.model, count - len(self.free)))

    def new(self) -> int:
        if self.sqlite:
            value = self.next
            self.next += 1
            return value
        if not self.free:
            self.reserve(ID_BLOCK)
        return self.free.popleft()
