"""Opening the application's database and making sure the shipped defaults exist."""

from pathlib import Path

from desktop.models import ProblemCategory, db
from desktop.models.connection import open_database

from .problems import ensure_default_keywords
from .templates import ensure_builtin_templates


def ensure_defaults() -> None:
    ensure_builtin_templates()
    if not ProblemCategory.select().exists():
        with db.atomic():
            for pos, name in enumerate(ProblemCategory.DEFAULTS):
                ProblemCategory.create(name=name, position=pos)
    ensure_default_keywords()


def open_app_database(path: str | Path):
    """Open (or create) the database at ``path``, migrate it and add missing defaults."""
    database = open_database(path)
    ensure_defaults()
    return database
