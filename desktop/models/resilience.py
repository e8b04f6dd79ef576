"""One retry policy for the database: a busy SQLite file and a lost PostgreSQL connection.

SQLite: every write transaction starts with ``BEGIN IMMEDIATE`` (connection.py), which waits up to
the busy timeout for another program's write lock. A lock held longer ("database is locked") is
retried ``len(RETRY_DELAYS_S)`` times after short pauses — nothing was written yet, so retrying
the BEGIN is safe — and so is a statement outside a transaction. After that: ``DatabaseBusy``.

PostgreSQL: a connection the server dropped (server stopped or restarted, network cut) is found
at the next BEGIN or statement outside a transaction: the program reconnects and runs it again
(nothing of the transaction had been sent). A connection lost in the middle of a transaction is
not retried (the server rolled it back): ``DatabaseUnavailable``, and the next use reconnects.

Both errors are ``UserError``s with a Chinese message saying what happened and what to do; the
forms show it and keep what was typed, the CLI prints it and exits non-zero.
"""

import logging
import time

import peewee as pw

from desktop.services.common.errors import DatabaseBusy, DatabaseUnavailable

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 5  # SQLite's own wait for another writer, at each try
RETRY_DELAYS_S = (0.5, 1.5)  # pauses before the retries of a locked SQLite BEGIN / statement

_LOCKED = ("database is locked", "database table is locked", "database is busy")
_CONNECTION_LOST = (
    "connection already closed",
    "server closed the connection",
    "terminating connection",
    "could not connect",
    "connection refused",
    "no connection to the server",
    "connection not open",
    "ssl connection has been closed",
    "could not receive data",
    "could not send data",
    "connection to server",
    "cannot rollback, database connection not open",
    "cannot commit, database connection not open",
)


def is_locked(exc: BaseException) -> bool:
    return isinstance(exc, pw.OperationalError) and any(m in str(exc).lower() for m in _LOCKED)


def is_connection_lost(exc: BaseException) -> bool:
    return isinstance(exc, pw.InterfaceError | pw.OperationalError) and any(
        m in str(exc).lower() for m in _CONNECTION_LOST
    )


def busy_error(waited_s: float) -> DatabaseBusy:
    return DatabaseBusy(
        f"数据库正忙：另一台电脑或另一个程序正在写入同一个数据库文件，等待约 {max(1, round(waited_s))} 秒后仍未完成，"
        "本次操作未保存任何内容。您填写的内容仍在屏幕上，请稍后再试一次；如果一直如此，"
        "请关闭其他正在使用该数据库的回访通窗口、备份或导入程序后重试。"
    )


def unavailable_error(where: str, *, during_commit: bool = False) -> DatabaseUnavailable:
    lost = (
        "提交时与数据库服务器的连接中断，无法确认本次内容是否已保存。请在连接恢复后重新打开该记录核对"
        if during_commit
        else "无法连接数据库服务器，本次操作未完成，没有保存任何内容。您填写的内容仍在屏幕上，"
        "请在服务器恢复后再试一次"
    )
    return DatabaseUnavailable(
        f"{lost}（{where}）。请确认数据库服务器已启动、网络通畅；服务器恢复后程序会自动重新连接。"
    )


class RetryingSqliteDatabase(pw.SqliteDatabase):
    """``pw.SqliteDatabase`` with the retry policy for "database is locked"."""

    def _retry(self, run):
        started = time.monotonic()
        for delay in (*RETRY_DELAYS_S, None):
            try:
                return run()
            except pw.OperationalError as exc:
                if not is_locked(exc):
                    raise
                if delay is None:
                    raise busy_error(time.monotonic() - started) from exc
                log.warning("数据库被锁定，%.1f 秒后重试：%s", delay, exc)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def begin(self, lock_type=None):
        return self._retry(lambda: super(RetryingSqliteDatabase, self).begin(lock_type))

    def execute_sql(self, sql, params=None):
        if self.in_transaction():  # the write lock is taken at BEGIN; a lock here is not retried
            try:
                return super().execute_sql(sql, params)
            except pw.OperationalError as exc:
                if is_locked(exc):
                    raise busy_error(BUSY_TIMEOUT_S) from exc
                raise
        return self._retry(lambda: super(RetryingSqliteDatabase, self).execute_sql(sql, params))

    def commit(self):
        try:
            return super().commit()
        except pw.OperationalError as exc:
            if is_locked(exc):
                raise busy_error(BUSY_TIMEOUT_S) from exc
            raise


class ReconnectingPostgresql:
    """Mixin for ``pw.PostgresqlDatabase``: reconnect a dropped connection and run again."""

    def _where(self) -> str:
        params = getattr(self, "connect_params", {}) or {}
        host, port = params.get("host") or "localhost", params.get("port") or 5432
        return f"PostgreSQL {host}:{port}/{self.database}"

    def _dead(self) -> bool:
        conn = None if self.is_closed() else self._state.conn
        return conn is not None and bool(getattr(conn, "closed", 0))

    def _reconnect(self) -> None:
        """A fresh connection (outside a transaction only); ``DatabaseUnavailable`` while the
        server does not answer."""
        try:
            self.close()
        except pw.DatabaseError:
            self._state.reset()
        try:
            self.connect()
        except pw.DatabaseError as exc:
            raise unavailable_error(self._where()) from exc
        log.info("已重新连接数据库服务器 %s", self._where())

    def _once_more(self, run):
        if self._dead():
            self._reconnect()
        try:
            return run()
        except (pw.InterfaceError, pw.OperationalError) as exc:
            if not is_connection_lost(exc):
                raise
            log.warning("与数据库服务器的连接已断开，重新连接：%s", exc)
            self._reconnect()
            try:
                return run()
            except (pw.InterfaceError, pw.OperationalError) as again:
                if is_connection_lost(again):
                    raise unavailable_error(self._where()) from again
                raise

    def begin(self, *args, **kwargs):
        return self._once_more(lambda: super(ReconnectingPostgresql, self).begin(*args, **kwargs))

    def execute_sql(self, sql, params=None):
        if self.in_transaction():
            try:
                return super().execute_sql(sql, params)
            except (pw.InterfaceError, pw.OperationalError) as exc:
                if is_connection_lost(exc):
                    raise unavailable_error(self._where()) from exc
                raise
        return self._once_more(lambda: super(ReconnectingPostgresql, self).execute_sql(sql, params))

    def rollback(self):
        """A dropped connection's transaction is gone with it: nothing to roll back (the
        original error is what the user sees)."""
        if self._dead() or self.is_closed():
            return None
        try:
            return super().rollback()
        except (pw.InterfaceError, pw.OperationalError) as exc:
            if is_connection_lost(exc):
                return None
            raise

    def commit(self):
        try:
            return super().commit()
        except (pw.InterfaceError, pw.OperationalError) as exc:
            if is_connection_lost(exc):
                raise unavailable_error(self._where(), during_commit=True) from exc
            raise
