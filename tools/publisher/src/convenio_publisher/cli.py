"""``convenio``: validate an academy's records against the contracts, publish them in bulk,
and read back the refusals.

Exit codes (scripts may rely on them):

- 0: everything valid / published, and no record refused;
- 1: the file has invalid records (nothing was published);
- 2: wrong usage (unknown option, missing file, unknown type);
- 3: the broker could not be reached, or a record could not be published;
- 4: published, but the services refused or dead-lettered some records (see
  ``convenio rejections``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sys
import time
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from convenio_contracts.topics import topic_for

from . import broker, records
from .records import Format


class Exit(IntEnum):
    OK = 0
    INVALID = 1
    USAGE = 2
    BROKER = 3
    REFUSED = 4


app = typer.Typer(
    name="convenio",
    help="Validate and publish an academy's records to Convenio (docs/integration.md).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console()
err = Console(stderr=True)

TypeOption = Annotated[
    str | None,
    typer.Option(
        "--type", "-t", help="Event type of every record (full ce_type or e.g. attendance.record)"
    ),
]
FormatOption = Annotated[
    Format | None, typer.Option("--format", "-f", help="csv, jsonl or json (default: by extension)")
]
SourceOption = Annotated[
    str,
    typer.Option(
        "--source", "-s", envvar="CONVENIO_SOURCE", help="ce_source, e.g. /agency/academia-toluca"
    ),
]
BootstrapOption = Annotated[
    str | None,
    typer.Option("--bootstrap", "-b", envvar="KAFKA_BOOTSTRAP_SERVERS", help="host:port,..."),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar="CONVENIO_CLIENT_CONFIG", help="client.properties"),
]
FileArgument = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


def _read(
    file: Path, source: str, event_type: str | None, fmt: Format | None
) -> tuple[list[records.Record], list[records.FieldError]]:
    try:
        return records.read(file, source=source, event_type=event_type, fmt=fmt)
    except ValueError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(Exit.USAGE) from exc


def _report_errors(errors: list[records.FieldError], limit: int = 50) -> None:
    for error in errors[:limit]:
        err.print(str(error), markup=False, highlight=False)
    if len(errors) > limit:
        err.print(f"... and {len(errors) - limit} more")


@app.command()
def validate(
    file: FileArgument,
    event_type: TypeOption = None,
    fmt: FormatOption = None,
    source: SourceOption = "/agency/unknown",
) -> None:
    """Check every record of FILE against the contracts; print errors by line and field."""
    found, errors = _read(file, source, event_type, fmt)
    _report_errors(errors)
    out.print(f"{len(found)} valid, {len(errors)} error(s) in {file.name}")
    raise typer.Exit(Exit.INVALID if errors else Exit.OK)


def _options(bootstrap: str | None, config: Path | None) -> dict[str, Any]:
    try:
        return broker.connection(bootstrap, broker.read_properties(config) if config else {})
    except ValueError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(Exit.USAGE) from exc


def _ledger_ids(path: Path | None) -> set[str]:
    if path is None or not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


@app.command()
def publish(
    file: FileArgument,
    source: SourceOption,
    event_type: TypeOption = None,
    fmt: FormatOption = None,
    bootstrap: BootstrapOption = None,
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="validate and show what would be sent; send nothing")
    ] = False,
    ledger: Annotated[
        Path | None,
        typer.Option(help="file of the ce_ids already published (default: FILE.published)"),
    ] = None,
    no_ledger: Annotated[
        bool, typer.Option("--no-ledger", help="send every record; the inboxes still dedup")
    ] = False,
    wait: Annotated[
        float, typer.Option(help="seconds without a new refusal before the summary is final")
    ] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="the summary as one JSON object")] = False,
) -> None:
    """Publish every record of FILE (all-or-nothing validation first), then summarise:
    published, skipped (already in the ledger), refused (read back from the rejection topic)."""
    found, errors = _read(file, source, event_type, fmt)
    if errors:
        _report_errors(errors)
        err.print(f"{len(errors)} error(s): nothing published")
        raise typer.Exit(Exit.INVALID)
    ledger_path = None if no_ledger else (ledger or file.with_name(file.name + ".published"))
    done = _ledger_ids(ledger_path)
    unique = {r.ce_id: r for r in found}
    todo = [r for r in unique.values() if r.ce_id not in done]
    summary: dict[str, Any] = {
        "file": file.name,
        "records": len(found),
        "duplicates_in_file": len(found) - len(unique),
        "skipped_already_published": len(unique) - len(todo),
        "to_publish": len(todo),
        "topics": sorted({topic_for(r.event_type).name for r in todo}),
    }
    if dry_run:
        _summary(summary | {"dry_run": True}, as_json)
        raise typer.Exit(Exit.OK)
    options = _options(bootstrap, config)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    started = time.perf_counter()
    ledger_file = ledger_path.open("a") if ledger_path else None
    try:
        with Progress(
            TextColumn("publishing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=as_json,
            disable=not todo,
        ) as progress:
            task = progress.add_task("publish", total=len(todo))

            def sent(record: records.Record) -> None:
                if ledger_file:
                    ledger_file.write(record.ce_id + "\n")
                progress.advance(task)

            published = asyncio.run(broker.publish(options, todo, source=source, on_sent=sent))
    except Exception as exc:
        err.print(f"error: publishing failed: {exc.__class__.__name__}: {exc}")
        raise typer.Exit(Exit.BROKER) from exc
    finally:
        if ledger_file:
            ledger_file.close()
    elapsed = time.perf_counter() - started
    ours = set(unique)
    refused = (
        asyncio.run(broker.rejections(options, since, ids=ours, idle_seconds=wait))
        if (wait > 0 and todo)
        else []
    )
    by_kind = {kind: [r for r in refused if r.kind == kind] for kind in broker.KINDS}
    told = {kind: {r.rejected_event_id for r in found} for kind, found in by_kind.items()}
    summary |= {
        "published": published,
        "seconds": round(elapsed, 3),
        "records_per_second": round(published / elapsed) if elapsed > 0 else None,
        "refused": len(told[broker.REFUSED]),
        "refused_by_reason": _by_reason(by_kind[broker.REFUSED]),
        "dead_lettered": len(told[broker.DEAD_LETTERED]),
        "dead_lettered_by_reason": _by_reason(by_kind[broker.DEAD_LETTERED]),
        "accepted_so_far": published - len(set().union(*told.values())),
    }
    _summary(summary, as_json)
    raise typer.Exit(Exit.REFUSED if refused else Exit.OK)


def _by_reason(found: list[broker.Rejection]) -> dict[str, int]:
    """Records (distinct ce_ids: the relay publishes at least once) by reason."""
    reasons: dict[str, set[str]] = {}
    for r in found:
        reasons.setdefault(r.reason, set()).add(r.rejected_event_id)
    return {reason: len(ids) for reason, ids in sorted(reasons.items())}


def _summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(summary))
        return
    table = Table(title="convenio publish", show_header=False)
    for key, value in summary.items():
        table.add_row(key, str(value))
    out.print(table)


_DURATION = re.compile(r"^(\d+)([smhd])$")


def parse_since(text: str) -> dt.datetime:
    """``30m``, ``2h``, ``7d`` before now, or an ISO 8601 instant."""
    match = _DURATION.match(text)
    if match:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match[2]]
        return dt.datetime.now(dt.UTC) - dt.timedelta(**{unit: int(match[1])})
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@app.command()
def rejections(
    since: Annotated[str, typer.Option(help="30m, 2h, 7d, or an ISO 8601 instant")] = "1d",
    bootstrap: BootstrapOption = None,
    config: ConfigOption = None,
    ledger: Annotated[
        Path | None, typer.Option(help="only the refusals of the ce_ids in this ledger")
    ] = None,
    wait: Annotated[float, typer.Option(help="seconds of silence that end the read")] = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """The refusals since SINCE, read from the rejection topic(s) of the catalogue."""
    try:
        start = parse_since(since)
    except ValueError as exc:
        err.print(f"error: --since {since!r}: {exc}")
        raise typer.Exit(Exit.USAGE) from exc
    options = _options(bootstrap, config)
    ids = _ledger_ids(ledger) if ledger else None
    try:
        found = asyncio.run(broker.rejections(options, start, ids=ids, idle_seconds=wait))
    except Exception as exc:
        err.print(f"error: reading rejections failed: {exc.__class__.__name__}: {exc}")
        raise typer.Exit(Exit.BROKER) from exc
    if as_json:
        for r in found:
            print(json.dumps({**r.__dict__, "time": r.time.isoformat()}))
    else:
        table = Table("time", "kind", "ce_id", "type", "reason", "message", title="refusals")
        for r in found:
            table.add_row(
                r.time.isoformat(timespec="seconds"),
                r.kind,
                r.rejected_event_id,
                records.short_name(r.rejected_event_type),
                r.reason,
                r.message,
            )
        out.print(table)
    raise typer.Exit(Exit.OK)


@app.command()
def layouts(
    event_type: Annotated[
        str | None, typer.Argument(help="one type; default: every type you may publish")
    ] = None,
) -> None:
    """The CSV columns of each command type: the contract's field names."""
    try:
        types = [records.resolve_type(event_type)] if event_type else records.publishable_types()
    except ValueError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(Exit.USAGE) from exc
    for name in types:
        table = Table("column", "required", "meaning", title=f"{records.short_name(name)} ({name})")
        for column, required, meaning in records.csv_columns(name):
            table.add_row(column, "yes" if required else "", meaning)
        out.print(table)


def main() -> None:
    try:
        app()
    except SystemExit as exc:
        sys.exit(exc.code)
