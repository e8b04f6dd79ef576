import os
import tempfile
from collections import namedtuple

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.fonts.warning=false")
# the data folder (log file, demo database) and QSettings of a test run: never the user's own
_SESSION_DIR = tempfile.mkdtemp(prefix="huifang-tests-")
os.environ["HUIFANG_DATA_DIR"] = os.path.join(_SESSION_DIR, "data")

import pytest  # noqa: E402

from desktop.models.connection import close_database  # noqa: E402
from desktop.services.maintenance.bootstrap import open_app_database  # noqa: E402

# A PostgreSQL URL (scripts/pg-test-server.sh prints one; .ci/run exports it). When set, the
# data-layer tests below run on PostgreSQL as well as SQLite (all of them with
# HUIFANG_TEST_PG_ALL=1, as in CI); when not, their PG variants skip.
PG_URL = os.environ.get("HUIFANG_TEST_PG") or None


def _worker_database(url: str, worker: str) -> str:
    """A database of the pytest-xdist worker's own on the test server (each test empties its
    database: two workers on one would empty each other's), made afresh; its URL."""
    import psycopg2

    name = f"huifang_test_{worker}"
    con = psycopg2.connect(url)
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
            cur.execute(f"CREATE DATABASE {name} ENCODING 'UTF8'")
    finally:
        con.close()
    return url.rsplit("/", 1)[0] + "/" + name


if PG_URL and os.environ.get("PYTEST_XDIST_WORKER"):
    PG_URL = _worker_database(PG_URL, os.environ["PYTEST_XDIST_WORKER"])
PG_MODULES = {
    "test_db",
    "test_customers_service",
    "test_templates_service",
    "test_visits_service",
    "test_statistics",
    "test_scheduler",
    # further services, incl. the raw SQL made portable (quality rules, task inserts)
    "test_tasks_service",
    "test_quality",
    "test_problems",
    "test_improvement",
    "test_plans",
    "test_categories_service",
    "test_staff_service",
    "test_kpi",
    # the importer and the demo generator (bulk writes made portable)
    "test_importer",
    "test_import_complaint_times",
    "test_demo",
    # sign-in accounts, roles and the audit trail
    "test_accounts",
    "test_roles",
    "test_attachments",  # signed-paper scans (kept in the database on PostgreSQL)
    "test_audit_service",
    # printed forms, QR codes, the period report and the property tests of the validators
    "test_printing",
    "test_qrcodes",
    "test_report",
    "test_properties",
}


def _create_qapp():
    from PySide6.QtCore import QSettings

    from desktop.app import create_qapp

    for fmt in (QSettings.NativeFormat, QSettings.IniFormat):  # not the user's own settings
        QSettings.setPath(fmt, QSettings.UserScope, os.path.join(_SESSION_DIR, "settings"))
    return create_qapp()


def pytest_sessionstart(session):
    """The QApplication of the run, configured by ``desktop.app.create_qapp`` as the app's is —
    before the first test, so pytest-qt's per-test exception capture wraps the app's hook (and
    puts it back after each test)."""
    _create_qapp()
    _make_fresh_sqlite()  # before any test: no test's monkeypatching in the copy every test gets


@pytest.fixture(scope="session")
def qapp(qapp_args, pytestconfig):
    """pytest-qt's ``qapp``: the one built by ``desktop.app.create_qapp`` (Qt's Chinese
    translations, fonts, the log file, the exception hook)."""
    return _create_qapp()


@pytest.fixture(autouse=True)
def _error_dialog_off_after_each_test():
    """A test that runs the GUI (run_gui turns the error dialog on) leaves it off again: a modal
    dialog nobody answers would hang the run."""
    yield
    from desktop.app import exception_hook

    if exception_hook() is not None:
        exception_hook().show_dialog = False


@pytest.fixture(autouse=True)
def _no_dialog_left_open():
    """A dialog a test opened and left on screen (shown modal, never closed) is closed after it:
    left there, it is the active modal widget of every later test, and a later test's answer to
    its own message box would go to it instead — that test would wait for ever."""
    yield
    from PySide6.QtWidgets import QApplication, QDialog

    if QApplication.instance() is None:
        return
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: a test about the SQLite file itself")
    config.addinivalue_line(
        "markers", "pg_too: a widget-driving test that also runs on PostgreSQL under HUIFANG_TEST_PG_ALL"
    )


# HUIFANG_TEST_PG_ALL=1: every service-level test that uses ``database`` gets a PG variant (.ci/run
# sets it; tests about the SQLite file itself are marked sqlite_only, widget tests are left to
# SQLite unless marked pg_too: see _runs_on_pg).
PG_ALL = os.environ.get("HUIFANG_TEST_PG_ALL") == "1"


def _runs_on_pg(metafunc) -> bool:
    """Whether a test that uses ``database`` also gets a PG variant: the data-layer modules
    always; with ``HUIFANG_TEST_PG_ALL`` every other test too, except those that drive widgets
    (``qtbot``) — a view reads and writes only through the services, whose own tests run on PG —
    unless marked ``pg_too`` (the end-to-end walks through the screens)."""
    if "database" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("sqlite_only"):
        return False
    if metafunc.module.__name__.rpartition(".")[2] in PG_MODULES:
        return True
    if not PG_ALL:
        return False
    return "qtbot" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("pg_too") is not None


def pytest_generate_tests(metafunc):
    if _runs_on_pg(metafunc):
        metafunc.parametrize("backend", ["sqlite", "pg"], indirect=True)


@pytest.fixture
def backend(request):
    """``"sqlite"`` (the default) or ``"pg"`` for the data-layer tests parametrised above."""
    name = getattr(request, "param", "sqlite")
    if name == "pg" and not PG_URL:
        pytest.skip("没有配置 PostgreSQL（设置 HUIFANG_TEST_PG=postgresql://… 后运行）")
    return name


def reset_pg_schema(url: str) -> None:
    """Empty the test database: every table (and the version table) dropped."""
    import psycopg2

    con = psycopg2.connect(url)
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        con.close()


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database URL (skips without one)."""
    if not PG_URL:
        pytest.skip("没有配置 PostgreSQL（设置 HUIFANG_TEST_PG=postgresql://… 后运行）")
    close_database()
    reset_pg_schema(PG_URL)
    yield PG_URL
    close_database()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "huifang.db"


@pytest.fixture
def db_target(backend, db_path):
    """What ``--db`` gets for the current backend: the file path or the PostgreSQL URL."""
    return PG_URL if backend == "pg" else str(db_path)


_FRESH_SQLITE: list = []  # the file open_app_database made once in this process, closed cleanly


def _make_fresh_sqlite():
    from pathlib import Path

    if not _FRESH_SQLITE:
        made = Path(_SESSION_DIR) / "fresh" / "huifang.db"
        made.parent.mkdir(parents=True, exist_ok=True)
        open_app_database(made)
        close_database()
        _FRESH_SQLITE.append(made)
    return _FRESH_SQLITE[0]


def _fresh_sqlite_copy(db_path) -> None:
    """Put a new database with the shipped defaults at ``db_path``: a copy of the one made once
    in this process (8 ms instead of 55 for every test), with its clean-close note, so opening it
    is what opening a file the app just made is."""
    import shutil

    from desktop.models.connection import CLOSED_SUFFIX

    made = _make_fresh_sqlite()
    shutil.copy2(made, db_path)  # the file's time too: the clean-close note names it
    seal = made.with_name(made.name + CLOSED_SUFFIX)
    if seal.exists():
        shutil.copy2(seal, db_path.with_name(db_path.name + CLOSED_SUFFIX))


@pytest.fixture
def database(request, db_path, backend):
    """A fresh database with the shipped defaults, for one test (SQLite, or PostgreSQL for the
    ``pg`` variant of a data-layer test)."""
    if backend == "pg":
        database = open_app_database(request.getfixturevalue("pg_url"))
    else:
        if not db_path.exists():
            _fresh_sqlite_copy(db_path)
        database = open_app_database(db_path)
    yield database
    close_database()


@pytest.fixture(autouse=True)
def _nobody_signed_in():
    """The signed-in account is process-wide: no test inherits another's."""
    from desktop.services.admin import accounts

    accounts.sign_out()
    yield
    accounts.sign_out()


TEAM_PASSWORD = "team2026pw"
Team = namedtuple("Team", "boss qian")


@pytest.fixture
def team(database):
    """Sign-in on, nobody signed in afterwards: 主管 王主管 (boss), 回访员 钱员工 (qian, linked to
    a staff row) and 总部 (hq, 只读), all with ``TEAM_PASSWORD``. ``team.boss`` is the 主管 as
    signed in when enabling, ``team.qian`` the 回访员's staff row."""
    from desktop.models import Staff
    from desktop.services.admin import accounts
    from desktop.services.admin.accounts import AccountInput

    qian = Staff.create(name="钱员工", role="回访员")
    boss = accounts.enable_accounts("boss", "王主管", TEAM_PASSWORD, TEAM_PASSWORD)
    for username, name, role, staff in (("qian", "钱员工", "回访员", qian.id), ("hq", "总部", "只读", None)):
        accounts.create_account(AccountInput(username, name, role, staff), TEAM_PASSWORD, TEAM_PASSWORD)
    accounts.sign_out()
    return Team(boss, qian)


@pytest.fixture(autouse=True)
def _background_jobs_end_with_their_test():
    """Jobs a page started in the background (``desktop.views.common.operations``) are cancelled and waited
    for at the end of the test that started them, before the next test opens its database."""
    yield
    import sys

    tasks = sys.modules.get("desktop.views.common.operations")
    if tasks is not None:
        tasks.wait_all()
