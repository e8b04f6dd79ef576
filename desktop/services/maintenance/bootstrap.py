"""Opening the application's database and making sure the shipped defaults exist."""

import logging
from pathlib import Path

from desktop.models import ProblemCategory, db
from desktop.models.connection import is_db_url, open_database

from ..common import safe_files
from ..reporting.problems import ensure_default_keywords
from ..visits.templates import ensure_builtin_templates


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
    clean_leftovers(path)
    return database


def clean_leftovers(path: str | Path) -> list[Path]:
    """The temporary files a killed process left (a half-written backup, export or PDF) in the
    folders written beside this database: its own folder, the backup folder and the attachments
    folder. Returns what was removed."""
    if is_db_url(path):
        return []
    from ..visits import attachments
    from . import backup

    db_file = Path(path).expanduser().absolute()
    folders = [db_file.parent, attachments.folder_for_db(db_file)]
    try:
        folders.append(backup.backup_folder(db_file))
    except Exception:  # noqa: BLE001 - a setting that cannot be read: the other folders still count
        logging.getLogger(__name__).warning("无法读取备份文件夹设置，跳过其中的临时文件清理", exc_info=True)
    return safe_files.clean_stale(folders)
