"""The log file: ``huifang.log`` in the data folder, rotated (1 MB × 5 old files).

Modules log through ``logging.getLogger(__name__)``; ``setup_logging`` (called once at start by
the CLI and by ``desktop.app.create_qapp``) is the only place that configures logging. Imports,
exports, backups, migrations, printing and scheduler runs write an INFO line each; unexpected
errors write their traceback.
"""

import logging
import logging.handlers
from pathlib import Path

LOG_NAME = "huifang.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_handler: logging.Handler | None = None


def log_path() -> Path:
    from desktop.paths import data_dir

    return data_dir() / LOG_NAME


def setup_logging(path: Path | None = None) -> Path | None:
    """Send the ``desktop`` loggers (INFO and up) to the rotating log file; idempotent. Returns the
    file, or None when the data folder cannot be written (the app still runs, without a log)."""
    global _handler
    path = path or log_path()
    app_log = logging.getLogger("desktop")
    if _handler is not None:
        if Path(getattr(_handler, "baseFilename", "")) == path.resolve():
            return path
        app_log.removeHandler(_handler)
        _handler.close()
        _handler = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    app_log.addHandler(handler)
    app_log.setLevel(logging.INFO)
    _handler = handler
    return path


def current_log() -> Path | None:
    """The file the log goes to now (None before ``setup_logging`` or when it failed)."""
    return Path(_handler.baseFilename) if _handler is not None else None


def flush() -> None:
    if _handler is not None:
        _handler.flush()
