"""The evaluation service's schema migrations (Alembic): ``versions/`` holds them, ``env.py`` runs
them. Use ``python -m convenio_chassis.migrations evaluation upgrade|downgrade|check|revision``."""

from __future__ import annotations

from convenio_chassis.migrations import service_metadata

from ..adapters.tables import TABLES

METADATA = service_metadata(TABLES)
"""What the newest revision must build: evaluation's tables, its inbox and its outbox."""
