"""``python -m evaluation``: run the service (HTTP, consumer and outbox relay)."""

from __future__ import annotations

from convenio_chassis.runtime import serve

from .app import build
from .settings import EvaluationSettings


def main() -> None:
    settings = EvaluationSettings()
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
