"""Alembic's entry point for the enrolment service; the chassis does the work."""

from __future__ import annotations

from convenio_chassis.migrations import run_environment
from enrolment.migrations import METADATA

run_environment(METADATA)
