"""Where things live: bundled resources and the user's data folder."""

import os
import sys
from pathlib import Path

from desktop import APP_ID

DB_ENV = "HUIFANG_DB"


def resource_path(*parts: str) -> Path:
    """A file under ``resources/``, in a source checkout or a PyInstaller bundle."""
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) if base else Path(__file__).resolve().parent.parent
    return root.joinpath("resources", *parts)


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_ID, appauthor=False))


def default_db_path() -> Path | str:
    """``HUIFANG_DB`` if set (a file, or a ``postgresql://…`` URL returned as text), else
    ``huifang.db`` in the user's data folder."""
    env = os.environ.get(DB_ENV)
    if env and env.startswith(("postgresql://", "postgres://")):
        return env
    if env:
        return Path(env).expanduser()
    return data_dir() / "huifang.db"
