"""What tracing costs per record: ``BatchProcessor.process`` on batches of 1,000 intake records
(decode, inbox, a handler that writes a row and emits a fact, outbox, commit on SQLite), with
each tracing set-up in a process of its own (a process can install one tracer provider):

- ``none``: no SDK installed (the API's no-op; context still propagates);
- ``sdk``: the SDK's provider with no exporter (a service with no OTLP endpoint);
- ``batch``: the SDK with a batch span processor whose exporter drops the spans;
- ``otlp``: the SDK exporting OTLP/HTTP to a loopback sink in the same process (pessimistic:
  the sink's CPU is counted too).

Times are CPU seconds of the whole process (every thread, so the exporter's too, flushed at
the end of each batch): on a shared machine, wall-clock time measures the neighbours.

Numbers, not asserts: ``uv run python bench/tracing_overhead.py [--batches 5 --rounds 4]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("none", "sdk", "batch", "otlp")
BATCH = 1000


@dataclass
class Record:
    value: bytes | None
    headers: list[tuple[str, bytes]]
    topic: str = "enrolment.intake.v1"
    partition: int = 0
    offset: int = 0
    key: bytes | None = None


def records(batch: int) -> list[Record]:
    from convenio_contracts import encode
    from convenio_contracts.enrolment import RegisterOfficer

    trace = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    out = []
    for i in range(BATCH):
        event = RegisterOfficer(
            cuip=f"CUIP{batch:04d}{i:06d}",
            curp="GOML850101HMCRRS09",
            full_name="Luis Gómez",
            sex="hombre",
            corporation="Policía de Toluca",
            level="municipal",
            municipality=15106,
            profile="proximidad",
            rank="policía",
            hire_year=2019,
        )
        encoded = encode(event, source="/bench", trace_headers=trace)
        out.append(Record(encoded.value, encoded.headers, offset=i))
    return out


def install(mode: str) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class Drop(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    if mode == "none":
        return
    provider = TracerProvider()
    if mode == "batch":
        provider.add_span_processor(BatchSpanProcessor(Drop()))
    if mode == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = f"{sink()}/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)


def sink() -> str:
    class Discard(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Discard)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def measure(mode: str, batches: int) -> list[float]:
    from sqlmodel import Field, SQLModel

    from convenio_chassis.consumer import BatchProcessor, UnitOfWork
    from convenio_chassis.db import create_tables, make_engine, session_factory
    from convenio_chassis.dlq import DeadLetterBreaker
    from convenio_chassis.inbox import ProcessedMessage
    from convenio_chassis.metrics import Metrics
    from convenio_chassis.outbox import OutboxRecord
    from convenio_contracts import CloudEvent
    from convenio_contracts.enrolment import OfficerRegistered, RegisterOfficer

    class Officer(SQLModel, table=True):
        cuip: str = Field(primary_key=True)

    fact = OfficerRegistered(
        officer_id="off_" + "0" * 32,
        sex="hombre",
        corporation="Policía de Toluca",
        level="municipal",
        municipality=15106,
        profile="proximidad",
        rank="policía",
        hire_year=2019,
    )

    def register(uow: UnitOfWork, event: CloudEvent) -> None:
        assert isinstance(event.data, RegisterOfficer)
        uow.session.add(Officer(cuip=event.data.cuip))
        uow.emit(fact)

    install(mode)
    from opentelemetry import trace

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        create_tables(engine, [ProcessedMessage, OutboxRecord, Officer])
        processor = BatchProcessor(
            "enrolment",
            "/bench",
            {RegisterOfficer.event_type: register},
            session_factory(engine),
            DeadLetterBreaker(window=200, max_invalid_ratio=0.5, min_invalid=50),
            metrics=Metrics(),
        )
        provider = trace.get_tracer_provider()
        flush = getattr(provider, "force_flush", lambda: True)
        timings = []
        for batch in range(batches + 1):
            work = records(batch)
            started = time.process_time()
            processor.process(work)
            flush()  # the spans' export belongs to the batch's cost
            if batch:  # the first batch warms caches and creates the database file
                timings.append(time.process_time() - started)
        engine.dispose()
    return timings


def run_mode(mode: str, batches: int) -> list[float]:
    out = subprocess.run(
        [sys.executable, __file__, "--mode", mode, "--batches", str(batches)],
        check=True,
        capture_output=True,
        text=True,
    )
    timings: list[float] = json.loads(out.stdout.strip().splitlines()[-1])
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=5, help="per mode and round")
    parser.add_argument("--rounds", type=int, default=4, help="modes interleaved, against drift")
    parser.add_argument("--mode", choices=MODES, help="run one mode here (used by the parent)")
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(measure(args.mode, args.batches)))
        return
    results: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            results[mode] += run_mode(mode, args.batches)
    base_median = statistics.median(results["none"])
    base_min = min(results["none"])
    print(f"{BATCH} records a batch, {len(results['none'])} batches a mode; CPU µs per record")
    print(f"{'mode':>5}  {'median':>7}  {'min':>7}  {'+median':>8}  {'+min':>6}")
    for mode, timings in results.items():
        median, fastest = statistics.median(timings), min(timings)
        extra_median, extra_min = median - base_median, fastest - base_min
        print(
            f"{mode:>5}  {median / BATCH * 1e6:7.1f}  {fastest / BATCH * 1e6:7.1f}  "
            f"{extra_median / BATCH * 1e6:+8.1f}  {extra_min / BATCH * 1e6:+6.1f}"
        )


if __name__ == "__main__":
    main()
