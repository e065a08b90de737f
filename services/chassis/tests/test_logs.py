"""Log lines name the trace and the event, and never the officer."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import IntegrityError

from convenio_chassis.db import create_tables, make_engine, session_factory


@pytest.fixture
def log_lines(recorded_spans) -> Iterator[io.StringIO]:
    """The JSON lines the service would write, at DEBUG, with a real tracer provider."""
    from convenio_chassis.logs import log_handler

    stream = io.StringIO()
    handler = log_handler("enrolment", "json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def convenio_lines(stream: io.StringIO) -> list[dict]:
    return [line for line in lines(stream) if line["logger"].startswith("convenio_chassis")]


def test_a_handled_record_is_logged_at_debug_with_its_trace_and_event(
    agency, processor, log_lines
) -> None:
    record = agency.registration("CUIP0000000001")
    processor.process([record])
    [line] = convenio_lines(log_lines)
    assert line["level"] == "DEBUG"
    assert line["trace_id"] == agency.SENDER_TRACE
    assert line["span_id"]
    assert line["event_type"] == "mx.convenio.enrolment.officer.register.v1"
    assert line["ce_id"] == dict(record.headers)["ce_id"].decode()
    assert line["service"] == "enrolment"


def test_a_failing_handler_logs_where_it_failed_but_not_what_it_was_given(
    agency, processor, behaviour, log_lines
) -> None:
    cuip = "CUIP0000000009"
    behaviour.bug_for = {cuip}
    processor.process(
        [agency.registration(cuip), agency.Record(b"{}", agency.registration(cuip).headers)]
    )
    text = log_lines.getvalue()
    assert "ValueError" in text
    assert "conftest.py" in text  # the code location of the bug is there
    for identity in (cuip, agency.CURP, agency.FULL_NAME):
        assert identity not in text
    assert {line["trace_id"] for line in convenio_lines(log_lines)} == {agency.SENDER_TRACE}


def test_database_errors_do_not_quote_the_values_written(agency, tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite")
    create_tables(engine, [agency.Officer])
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        session.add(agency.Officer(cuip="CUIP0000000010"))
    with pytest.raises(IntegrityError) as caught, sessions() as session, session.begin():
        session.add(agency.Officer(cuip="CUIP0000000010"))
    engine.dispose()
    assert "CUIP0000000010" not in str(caught.value)
