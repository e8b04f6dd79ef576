"""Where things live: bundled resources and the user's data folder."""

import os
import sys
from pathlib import Path

from desktop import APP_ID

DB_ENV = "HUIFANG_DB"
# the data folder (logs, the database, the demo database); tests point it at a temp folder
DATA_ENV = "HUIFANG_DATA_DIR"
DEMO_SUFFIX = "-demo"


def resource_path(*parts: str) -> Path:
    """A file under ``resources/``, in a source checkout or a PyInstaller bundle."""
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) if base else Path(__file__).resolve().parent.parent
    return root.joinpath("resources", *parts)


def data_dir() -> Path:
    """``HUIFANG_DATA_DIR`` if set, else the user's data folder (e.g. %LOCALAPPDATA%\\HuiFang)."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
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


def demo_db_path(real: Path) -> Path:
    """The demo database beside the real one: ``huifang.db`` → ``huifang-demo.db``. Demo data
    never goes into the real file."""
    return real.with_name(f"{real.stem}{DEMO_SUFFIX}{real.suffix or '.db'}")


def real_db_path(demo: Path) -> Path:
    """The real database beside a demo one: ``huifang-demo.db`` → ``huifang.db``."""
    return demo.with_name(f"{demo.stem.removesuffix(DEMO_SUFFIX)}{demo.suffix}")


def is_demo_path(path: Path | str) -> bool:
    return isinstance(path, Path) and path.stem.endswith(DEMO_SUFFIX)


def has_display() -> bool:
    """Whether Qt can open a window here: always on Windows and macOS; on Linux and the BSDs
    only with an X11 or Wayland session. ``QT_QPA_PLATFORM``, when set, is the user's choice."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith(("win", "darwin", "cygwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
