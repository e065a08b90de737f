"""Each service's own CPU per event, without Kafka: the benchmark's stream handed straight to
each service's ``BatchProcessor`` (decode, inbox, handlers, outbox, the after-batch refresh,
commit) on a fresh SQLite database, in batches of the consumer's size.

Enrolment gets the intake records; the facts it writes to its outbox are then handed, as
records, to evaluation and reporting, as the relay would. The numbers are CPU seconds of this
process (``time.process_time``), so a neighbour on the machine does not inflate them much;
they show where a change helps, and the end-to-end benchmark (``make bench``) says what it
buys. Numbers, not asserts:

    uv run python -m bench.offline                  # 20,000 events, batches of 2,000
    uv run python -m bench.offline --events 60000 --profile enrolment   # + cProfile top 25
    uv run python -m bench.offline --kinds registration,enrolment,close,competency,performance,c3

Evaluation intake names officers by enrolment's pseudonym: with evaluation kinds, the officers
are registered first (unmeasured, as the end-to-end benchmark does) and their ids looked up in
enrolment's database; that intake goes straight to evaluation, in send order with the facts.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dataset import MEASURED_KINDS, YEAR_KINDS, Dataset, DatasetSpec
from .dataset.commands import EVALUATION_KINDS
from .intake import encode_all, traced_seq

SERVICES = ("enrolment", "evaluation", "reporting")


@dataclass
class Record:
    """What the consumer reads from Kafka (``RawRecord``)."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    partition: int = 0
    offset: int = 0
    timestamp: int = 0


@dataclass
class Measured:
    service: str
    records: int = 0
    cpu_s: float = 0.0
    batches: int = 0
    outcome: dict[str, int] = field(default_factory=dict)

    @property
    def us_per_record(self) -> float:
        return self.cpu_s / self.records * 1e6 if self.records else 0.0


def build(service: str, workdir: Path) -> Any:
    """The service's runtime (no broker connection is made) on a fresh SQLite database."""
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / service}.db"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from convenio_chassis.runtime import Runtime

    if service == "enrolment":
        from enrolment.app import definition as enrolment_definition
        from enrolment.settings import EnrolmentSettings

        enrolment_settings = EnrolmentSettings()
        runtime = Runtime(enrolment_definition(enrolment_settings), enrolment_settings)
    elif service == "evaluation":
        from evaluation.app import definition as evaluation_definition
        from evaluation.settings import EvaluationSettings

        evaluation_settings = EvaluationSettings()
        runtime = Runtime(evaluation_definition(evaluation_settings), evaluation_settings)
    else:
        from reporting.app import definition as reporting_definition
        from reporting.settings import ReportingSettings

        reporting_settings = ReportingSettings()
        runtime = Runtime(reporting_definition(reporting_settings), reporting_settings)
    runtime.prepare_database()
    return runtime


def drain_outbox(runtime: Any, topics: Collection[str]) -> list[Record]:
    """The facts the service wrote, as the relay would publish them (then deleted)."""
    from convenio_chassis import outbox

    out: list[Record] = []
    with runtime.sessions() as session, session.begin():
        rows = outbox.pending(session, 10**9)
        for row in rows:
            if row.topic in topics:
                out.append(Record(row.topic, row.key, row.value, row.header_list(), 0, row.id or 0))
        outbox.delete_sent(session, [(r.id, r.created_at) for r in rows])
    return out


def feed(
    runtime: Any,
    records: Sequence[Record],
    batch: int,
    measured: Measured | None,
    profiler: cProfile.Profile | None = None,
) -> None:
    process: Callable[[Sequence[Record]], Any] = runtime.processor.process
    for start in range(0, len(records), batch):
        chunk = records[start : start + batch]
        began = time.process_time()
        if profiler is not None:
            profiler.enable()
        outcome = process(chunk)
        if profiler is not None:
            profiler.disable()
        if measured is None:
            continue
        measured.cpu_s += time.process_time() - began
        measured.records += len(chunk)
        measured.batches += 1
        for name in ("handled", "duplicates", "ignored"):
            measured.outcome[name] = measured.outcome.get(name, 0) + getattr(outcome, name)
        if outcome.dead_letters:
            measured.outcome["dead_letters"] = measured.outcome.get("dead_letters", 0) + len(
                outcome.dead_letters
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="intake events measured")
    parser.add_argument("--batch", type=int, default=2_000, help="records a batch")
    parser.add_argument("--size", type=float, default=0.2, help="data set size (1.0: the state)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--profile", choices=SERVICES, help="cProfile one service's batches")
    parser.add_argument("--profile-out", type=Path, help="also dump the profile here")
    parser.add_argument(
        "--kinds", default=",".join(MEASURED_KINDS), help=f"of {', '.join(YEAR_KINDS)}"
    )
    parser.add_argument(
        "--no-tracing",
        action="store_true",
        help="without the OpenTelemetry SDK (services install it even with no exporter)",
    )
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",")
    if not args.no_tracing:
        from convenio_chassis.tracing import setup_tracing

        setup_tracing("bench-offline")

    from convenio_contracts.topics import Principal, subscriptions

    dataset = Dataset(DatasetSpec(seed=args.seed, size=args.size))
    officers = dataset.sampler(kinds).take(args.events)
    setup = encode_all(dataset.setup(), run=1)
    names_officers = bool(EVALUATION_KINDS & set(kinds))
    registrations = encode_all(
        list(dataset.year(("registration",), officers)) if names_officers else [],
        run=1,
        first_seq=len(setup),
    )
    kinds = [k for k in kinds if not (names_officers and k == "registration")]
    first_seq = len(setup) + len(registrations)

    def as_records(encoded: Sequence[Any]) -> list[Record]:
        return [Record(r.topic, r.key, r.value, r.headers, 0, i) for i, r in enumerate(encoded)]

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runtimes = {name: build(name, work) for name in SERVICES}
        reads = {
            "evaluation": {t.name for t in subscriptions(Principal.SVC_EVALUATION)},
            "reporting": {t.name for t in subscriptions(Principal.SVC_REPORTING)},
        }
        fact_topics = reads["evaluation"] | reads["reporting"]
        profiler = cProfile.Profile() if args.profile else None
        results: dict[str, Measured] = {}

        to_evaluation = [r for r in setup if r.topic in reads["evaluation"]]  # certifications
        feed(runtimes["enrolment"], as_records(setup + registrations), args.batch, None)
        setup_facts = as_records(to_evaluation) + drain_outbox(runtimes["enrolment"], fact_topics)
        year = encode_all(
            list(dataset.year(kinds, officers)),
            run=1,
            first_seq=first_seq,
            officer_id=_pseudonyms(runtimes["enrolment"], dataset),
        )
        evaluation_intake = [r for r in year if r.topic in reads["evaluation"]]
        year = [r for r in year if r.topic not in reads["evaluation"]]
        results["enrolment"] = Measured("enrolment")
        feed(
            runtimes["enrolment"],
            as_records(year),
            args.batch,
            results["enrolment"],
            profiler if args.profile == "enrolment" else None,
        )
        facts = drain_outbox(runtimes["enrolment"], fact_topics)
        in_order = [(traced_seq(f.headers, 1) or 0, f) for f in facts] + [
            (r.seq, Record(r.topic, r.key, r.value, r.headers, 0, r.seq)) for r in evaluation_intake
        ]
        facts = [r for _, r in sorted(in_order, key=lambda pair: pair[0])]
        for name in ("evaluation", "reporting"):
            mine = [r for r in setup_facts if r.topic in reads[name]]
            feed(runtimes[name], mine, args.batch, None)
            results[name] = Measured(name)
            feed(
                runtimes[name],
                [r for r in facts if r.topic in reads[name]],
                args.batch,
                results[name],
                profiler if args.profile == name else None,
            )
        for runtime in runtimes.values():
            runtime.engine.dispose()

    year += evaluation_intake
    print(
        f"{len(year)} intake events ({', '.join(kinds)}), batches of {args.batch}, "
        f"SQLite; {len(facts) - len(evaluation_intake)} facts out of enrolment"
    )
    print(f"{'service':<11} {'records':>8} {'CPU s':>7} {'µs/record':>10} {'records/s/core':>15}")
    total_us = 0.0
    for m in results.values():
        per_s = m.records / m.cpu_s if m.cpu_s else 0.0
        # Each service's cost per *intake event*: what adds up to the pipeline's CPU budget.
        total_us += m.cpu_s / len(year) * 1e6
        print(
            f"{m.service:<11} {m.records:>8} {m.cpu_s:>7.2f} {m.us_per_record:>10.0f} "
            f"{per_s:>15,.0f}   {m.outcome}"
        )
    print(
        f"all three: {total_us:,.0f} µs of CPU per intake event "
        f"(two cores bound the pipeline at {2e6 / total_us:,.0f} events/s, broker aside)"
    )
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        if args.profile_out:
            stats.dump_stats(str(args.profile_out))
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(25)
    return 0


def _pseudonyms(enrolment: Any, dataset: Dataset) -> Callable[[Any], str | None]:
    """Enrolment's officer_id for a command's officer, from its database (ADR 0010)."""
    from enrolment.adapters.queries import officer_id_for

    cache: dict[int, str | None] = {}

    def officer_id(command: Any) -> str | None:
        if command.officer not in cache:
            with enrolment.sessions() as session:
                cuip = dataset.plan.officers[command.officer].cuip
                cache[command.officer] = officer_id_for(session, cuip)
        return cache[command.officer]

    return officer_id


if __name__ == "__main__":
    raise SystemExit(main())
