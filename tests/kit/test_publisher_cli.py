"""The publisher CLI without a broker: validation by line and field, stable ids, exit codes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from typer.testing import CliRunner

from bench import register
from convenio_chassis.notices import notice_row
from convenio_contracts.topics import topic_for
from convenio_publisher import broker, records
from convenio_publisher.cli import Exit, _by_reason, app

runner = CliRunner()


def test_help_names_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "publish", "rejections", "layouts"):
        assert command in result.output


def test_a_csv_register_is_checked_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "asistencia.csv"
    path.write_text(
        "cuip,offering_id,session_id,status,minutes\n"
        "KIT0000000001,OF-1,S1,present,240\n"
        "KIT0000000002,OF-1,S1,presente,240\n"
        "kit-lowercase,OF-1,S1,late,-5\n"
    )
    result = runner.invoke(app, ["validate", str(path), "--type", "attendance.record"])
    assert result.exit_code == Exit.INVALID
    assert "line 3: status:" in result.output
    assert "line 4: cuip:" in result.output
    assert "line 4: minutes:" in result.output
    assert "1 valid, 3 error(s)" in result.output


def test_an_unknown_column_is_an_error_not_silently_dropped(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("cuip,offering_id,session_id,status,minutes,nota\nKIT0000000001,O,S,late,1,x\n")
    found, errors = records.read(path, source="/a", event_type="attendance.record")
    assert found == []
    assert [str(e) for e in errors] == ["line 2: nota: not a field of enrolment.attendance.record"]


def test_jsonl_mixes_types_and_reports_bad_json_by_line(tmp_path: Path) -> None:
    path = tmp_path / "roster.jsonl"
    rows = register.setup(2, 3)
    path.write_text(json.dumps(rows[0]) + "\n{not json\n" + json.dumps(rows[-1]) + "\n")
    found, errors = records.read(path, source="/a")
    assert [r.event_type for r in found] == [
        "mx.convenio.enrolment.officer.register.v1",
        "mx.convenio.enrolment.offering.schedule.v1",
    ]
    assert [(e.line, e.field) for e in errors] == [(2, "<json>")]


def test_the_ce_id_is_stable_per_content_and_source(tmp_path: Path) -> None:
    path = register.write_attendance(tmp_path / "a.csv", 3, 2)
    first, _ = records.read(path, source="/agency/a", event_type="attendance.record")
    again, _ = records.read(path, source="/agency/a", event_type="attendance.record")
    other, _ = records.read(path, source="/agency/b", event_type="attendance.record")
    assert [r.ce_id for r in first] == [r.ce_id for r in again]
    assert len({r.ce_id for r in first}) == len(first)
    assert not {r.ce_id for r in first} & {r.ce_id for r in other}


def test_a_dry_run_sends_nothing_and_names_the_catalogue_topic(tmp_path: Path) -> None:
    path = register.write_attendance(tmp_path / "a.csv", 2, 2)
    result = runner.invoke(
        app,
        ["publish", str(path), "-t", "attendance.record", "-s", "/a", "--dry-run", "--json"],
        env={"KAFKA_BOOTSTRAP_SERVERS": ""},
    )
    assert result.exit_code == Exit.OK, result.output
    summary = json.loads(result.output)
    assert summary["to_publish"] == 4
    assert summary["topics"] == [topic_for("mx.convenio.enrolment.attendance.record.v1").name]


def test_invalid_records_publish_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("cuip,offering_id,session_id,status,minutes\nbad,O,S,late,1\n")
    result = runner.invoke(
        app, ["publish", str(path), "-t", "attendance.record", "-s", "/a", "-b", "127.0.0.1:1"]
    )
    assert result.exit_code == Exit.INVALID
    assert "nothing published" in result.output


def test_an_unreachable_broker_is_exit_3(tmp_path: Path) -> None:
    path = register.write_attendance(tmp_path / "a.csv", 1, 1)
    result = runner.invoke(
        app,
        ["publish", str(path), "-t", "attendance.record", "-s", "/a", "-b", "127.0.0.1:1"],
    )
    assert result.exit_code == Exit.BROKER, result.output


def test_an_unknown_type_is_a_usage_error(tmp_path: Path) -> None:
    path = register.write_attendance(tmp_path / "a.csv", 1, 1)
    result = runner.invoke(app, ["validate", str(path), "--type", "attendance.nope"])
    assert result.exit_code == Exit.USAGE


@pytest.mark.parametrize("event_type", records.publishable_types())
def test_every_publishable_type_has_a_csv_layout(event_type: str) -> None:
    columns = records.csv_columns(event_type)
    assert columns
    assert all(meaning for _, _, meaning in columns)


def test_since_accepts_durations_and_instants() -> None:
    from convenio_publisher.cli import parse_since

    assert parse_since("2026-03-02T10:00:00+00:00").isoformat() == "2026-03-02T10:00:00+00:00"
    assert parse_since("30m") < parse_since("1m")


def _as_read(row: Any) -> ConsumerRecord[bytes, bytes]:
    """An outbox row as the CLI's consumer reads it from the topic."""
    value = row.value or b""
    return ConsumerRecord(
        row.topic, 0, 0, 1_700_000_000_000, 0, row.key, value, None, 0, len(value),
        row.header_list(),
    )  # fmt: skip


def test_a_dead_letter_notice_is_read_as_dead_lettered_with_the_records_ce_id() -> None:
    """What the summary counts as dead-lettered (ADR 0098): the chassis's notice of one of the
    CLI's records, read back as a ``dead_lettered`` answer naming that record's ce_id."""
    ce_id = "01932f6e-7c4a-7b7e-9a1d-2f3e4d5c6b7a"
    garbage = SimpleNamespace(
        topic="enrolment.intake.v1",
        partition=4,
        offset=77,
        key=b"k",
        value=b"{",
        headers=[
            ("ce_id", ce_id.encode()),
            ("ce_type", b"mx.convenio.enrolment.course.publish.v1"),
        ],
    )
    row = notice_row("enrolment", "/convenio/enrolment", garbage, "malformed_payload")
    assert row is not None
    answer = broker._rejection(_as_read(row))
    assert answer is not None
    assert (answer.kind, answer.rejected_event_id, answer.reason, answer.service) == (
        broker.DEAD_LETTERED,
        ce_id,
        "malformed_payload",
        "enrolment",
    )
    assert answer.message == "dead-lettered at enrolment.intake.v1[4]@77"


def test_the_summary_counts_each_record_once_per_reason() -> None:
    """The relay publishes at least once: a notice or a refusal read twice is one record."""
    now = dt.datetime.now(dt.UTC)
    found = [
        broker.Rejection(now, ce_id, "t", reason, "", "enrolment", broker.DEAD_LETTERED)
        for ce_id, reason in [("a", "handler_error"), ("a", "handler_error"), ("b", "x")]
    ]
    assert _by_reason(found) == {"handler_error": 1, "x": 1}
