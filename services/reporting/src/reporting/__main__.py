"""``python -m reporting``: run the service (HTTP, consumer and outbox relay)."""

from __future__ import annotations

from convenio_chassis.runtime import serve

from .app import build
from .settings import ReportingSettings


def main() -> None:
    settings = ReportingSettings()
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
