"""Alembic's entry point for the evaluation service; the chassis does the work."""

from __future__ import annotations

from convenio_chassis.migrations import run_environment
from evaluation.migrations import METADATA

run_environment(METADATA)
