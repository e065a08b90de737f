"""SQLite writers of one process queue at an in-process gate (handed over at commit), not in
SQLite's sleeping busy handler; readers take a snapshot and never queue at all."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from convenio_chassis.db import is_transient, make_engine, session_factory


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path}/w.db", busy_timeout_ms=300)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def count(engine) -> int:
    with session_factory(engine, read_only=True)() as session:
        return int(session.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_a_second_writer_waits_at_the_gate_and_a_reader_does_not_wait(engine) -> None:
    writes = session_factory(engine)
    with writes() as first, first.begin():
        first.execute(text("INSERT INTO t VALUES (1)"))
        assert count(engine) == 0, "the reader sees the last committed snapshot, at once"
        failure: list[BaseException] = []

        def second_writer() -> None:
            try:
                with writes() as second, second.begin():
                    second.execute(text("INSERT INTO t VALUES (2)"))
            except BaseException as exc:
                failure.append(exc)

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join()
    [exc] = failure
    assert "this process's writer" in str(exc), "queued in SQLite, not at the gate"
    assert is_transient(OperationalError("BEGIN", {}, exc)), "a batch would retry it"
    assert count(engine) == 1


def test_the_gate_is_handed_over_at_commit_and_at_rollback(engine) -> None:
    writes = session_factory(engine)
    with writes() as session, session.begin():
        session.execute(text("INSERT INTO t VALUES (1)"))

    def failing_unit_of_work() -> None:
        with writes() as session, session.begin():
            session.execute(text("INSERT INTO t VALUES (2)"))
            raise RuntimeError("a handler failed")

    with pytest.raises(RuntimeError):
        failing_unit_of_work()
    done = threading.Event()

    def later_writer() -> None:  # another thread: a gate leaked above would stop it
        with writes() as session, session.begin():
            session.execute(text("INSERT INTO t VALUES (3)"))
        done.set()

    thread = threading.Thread(target=later_writer)
    thread.start()
    thread.join()
    assert done.is_set()
    assert count(engine) == 2
