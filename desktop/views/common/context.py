"""What every page is given through its constructor (no globals, no reaching into the window)."""

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal


class Events(QObject):
    """Application-wide notifications so pages can refresh what they show."""

    customers_changed = Signal()
    orders_changed = Signal()
    visits_changed = Signal()
    templates_changed = Signal()
    settings_changed = Signal()
    # ask the main window to open a page: (page id, keyword arguments for its ``open_with``)
    open_page = Signal(str, dict)
    status_message = Signal(str)


@dataclass
class AppContext:
    db_path: Path
    events: Events = field(default_factory=Events)
