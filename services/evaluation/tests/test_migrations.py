"""evaluation's migrations build what its models describe, and undo it, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import evaluation.migrations
from convenio_chassis import migrations
from convenio_chassis.testing import check_downgrade, check_migrations
from evaluation.adapters.tables import TABLES


def test_an_empty_database_upgrades_to_exactly_the_models(database_url: str) -> None:
    check_migrations(database_url, "evaluation", TABLES)


def test_a_downgrade_to_base_removes_every_table(database_url: str) -> None:
    check_downgrade(database_url, "evaluation")


def test_new_revisions_start_from_the_chassis_template() -> None:
    template = "script.py.mako"
    own = Path(evaluation.migrations.__file__).with_name(template)
    assert own.read_text() == Path(migrations.__file__).with_name(template).read_text()
