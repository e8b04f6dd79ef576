import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.fonts.warning=false")

import pytest  # noqa: E402

from desktop.models.connection import close_database  # noqa: E402
from desktop.services.bootstrap import open_app_database  # noqa: E402


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "huifang.db"


@pytest.fixture
def database(db_path):
    """A fresh database with the shipped defaults, for one test."""
    database = open_app_database(db_path)
    yield database
    close_database()
