"""The command line every entry point shares. Every service and operator tool is configured by
its environment alone; its options say what to do, and ``--help`` lists the variables it reads
and exits 0 without connecting to anything or starting a server.

    python -m enrolment            # run the service until SIGINT/SIGTERM
    python -m enrolment --help     # what it is, and every variable it reads, with its default

docs/configuration.md describes every variable (generated from the same settings models).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from pydantic_settings import BaseSettings

from .settings import ServiceSettings, Variable, environment

if TYPE_CHECKING:
    from fastapi import FastAPI

REFERENCE = "docs/configuration.md"
WIDTH = 79
OTEL_LINE = "  OTEL_*: OpenTelemetry's own variables (OTEL_EXPORTER_OTLP_ENDPOINT...)"
S = TypeVar("S", bound=ServiceSettings)


def parser(
    prog: str,
    description: str,
    settings: Iterable[type[BaseSettings]],
    *,
    also: Iterable[str] = (),
) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` whose help ends with the environment the entry point reads;
    ``also`` adds lines for variables no settings model holds."""
    return argparse.ArgumentParser(
        prog=prog,
        description=_wrap(description),
        epilog=environment_help(settings, also),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def environment_help(settings: Iterable[type[BaseSettings]], also: Iterable[str] = ()) -> str:
    """The variables, as ``NAME=default`` lines (secrets never show a value)."""
    seen: dict[str, Variable] = {}
    for model in settings:
        seen |= {v.name: v for v in environment(model) if v.name not in seen}
    lines = [
        f"environment (every variable, with its meaning, is in {REFERENCE}):",
        *(f"  {v.name}={'<secret>' if v.secret else v.default_text}" for v in seen.values()),
        *also,
    ]
    return "\n".join(lines)


def _wrap(text: str) -> str:
    """Fill each prose paragraph (a docstring's, say); keep indented blocks as written."""
    paragraphs = textwrap.dedent(text).strip().split("\n\n")
    return "\n\n".join(
        p if p.startswith(" ") else textwrap.fill(" ".join(p.split()), WIDTH) for p in paragraphs
    )


def run_service(
    name: str,
    settings: type[S],
    build: Callable[[S], FastAPI],
    argv: list[str] | None = None,
) -> None:
    """``python -m <service>``: parse the command line first, so that ``--help`` (or a wrong
    option) never reads the settings, builds the app or binds a port; then serve."""
    parser(
        f"python -m {name}",
        f"Run the {name} service until SIGINT or SIGTERM: its HTTP API (with /health/live, "
        "/health/ready and /metrics), its Kafka consumer and its outbox relay. It takes no "
        "options: it is configured by the environment below.",
        [settings],
        also=[OTEL_LINE],
    ).parse_args(argv)
    from .runtime import serve  # FastAPI, FastStream, SQLAlchemy: only to run

    configured = settings()
    serve(build(configured), configured)
