"""Database engines: SQLite by default, PostgreSQL when ``DATABASE_URL`` says so."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

SessionFactory = Callable[[], Session]

_READ_ONLY = "convenio_read_only"


def _normalise(url: str) -> str:
    # psycopg 3 is the driver we ship; accept the plain URL ops teams usually write.
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, busy_timeout_ms: int = 5000) -> Engine:
    """Engines hide statement parameters from error messages: they are often personal data, and
    a transient error's message is logged."""
    url = _normalise(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, busy_timeout_ms)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


class _WriterGate:
    """One writer at a time within the process, handed over the moment it commits.

    SQLite's own busy handler makes a waiting writer sleep in steps of up to 100 ms, so two of
    this process's writers (the consumer's batch and the relay's delete) lost most of their
    time asleep while the lock was free. Writers of this process queue here instead; other
    processes still meet SQLite's busy timeout."""

    def __init__(self, timeout_s: float) -> None:
        self._lock = threading.Lock()
        self._timeout_s = timeout_s

    def enter(self) -> None:
        if not self._lock.acquire(timeout=self._timeout_s):
            raise sqlite3.OperationalError("database is locked (by this process's writer)")

    def leave(self) -> None:
        self._lock.release()


class _GatedConnection(sqlite3.Connection):
    """Leaves the writer gate once its transaction has ended, not before."""

    gate: _WriterGate | None = None
    holds_gate = False

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_gate()

    def _leave_gate(self) -> None:
        if self.holds_gate and self.gate is not None:
            self.holds_gate = False
            self.gate.leave()


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    gate = _WriterGate(busy_timeout_ms / 1000)
    engine = create_engine(
        url,
        connect_args={
            "check_same_thread": False,
            "timeout": busy_timeout_ms / 1000,
            "factory": _GatedConnection,
        },
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy issue BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Waiting longer than this turns into "database is locked", which the consumer retries
        # with backoff; an unbounded wait would hide an outage from readiness.
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        dbapi_connection.gate = gate

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so a busy database waits instead of failing
        # half-way through a unit of work. A read-only session must not queue behind the
        # consumer's batch for a lock it never needs: WAL gives it a snapshot at once.
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_connection = conn.connection.dbapi_connection
        if not dbapi_connection.holds_gate:
            gate.enter()
            dbapi_connection.holds_gate = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection._leave_gate()
            raise

    return engine


def create_tables(engine: Engine, tables: Sequence[type[SQLModel]]) -> None:
    """Create only the given tables, so one service's database never holds another's."""
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in tables])  # type: ignore[attr-defined]


def session_factory(engine: Engine, *, read_only: bool = False) -> SessionFactory:
    """Sessions for units of work; ``read_only`` ones (the relay's reads, readiness, queries)
    read a snapshot without taking SQLite's write lock, so they never wait for a batch. They
    must not write: on SQLite the upgrade to a writer could fail at once when busy."""
    bind = engine.execution_options(**{_READ_ONLY: True}) if read_only else engine

    def open_session() -> Session:
        return Session(bind, expire_on_commit=False)

    return open_session


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying: the database is down, locked or the connection dropped."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
