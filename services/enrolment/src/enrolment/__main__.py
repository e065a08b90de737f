"""``python -m enrolment``: run the service (HTTP, consumer and outbox relay); ``--help`` lists its
environment and starts nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from convenio_chassis.cli import run_service

from .settings import EnrolmentSettings

if TYPE_CHECKING:
    from fastapi import FastAPI


def main(argv: list[str] | None = None) -> None:
    run_service("enrolment", EnrolmentSettings, _build, argv)


def _build(settings: EnrolmentSettings) -> FastAPI:
    """The runtime is imported only to run: ``--help`` answers in half a second without it."""
    from .app import build

    return build(settings)


if __name__ == "__main__":
    main()
