"""Schema migrations: Alembic, one environment per service, shipped inside the service's own
package (``<service>/migrations``: ``env.py``, ``script.py.mako``, ``versions/``) so that its
image carries them. The package is named like the service (``ServiceDefinition.name``).

A service's migrations cover its own tables and the chassis's inbox and outbox, nothing else:
every SQLModel table shares one global metadata, so each service describes its schema with a
metadata of its own (``service_metadata``), exported as ``<service>.migrations.METADATA``.

Who runs them: the service itself at start-up while ``MIGRATE_ON_START`` is true (one machine,
``make run``, Docker Compose); in Kubernetes an init container
(``python -m convenio_chassis.migrations <service> upgrade``) and the app with
``MIGRATE_ON_START=false``.

An upgrade or downgrade is one transaction, so a failed one leaves nothing behind. Two instances
migrating at once take turns: on PostgreSQL a transaction-scoped advisory lock is taken before
Alembic reads the current revision, so the second finds the first's work done; on SQLite the
chassis begins every transaction ``IMMEDIATE``, which holds the database's write lock.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from ..inbox import ProcessedMessage
from ..outbox import OutboxRecord

log = logging.getLogger(__name__)
CHASSIS_TABLES: tuple[type[SQLModel], ...] = (ProcessedMessage, OutboxRecord)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraints get the same name on SQLite and PostgreSQL, so a later migration can drop one by
name on both (SQLite's batch mode cannot drop an unnamed constraint)."""


def service_metadata(tables: Sequence[type[SQLModel]]) -> MetaData:
    """The schema of one service's database: its tables and the chassis's, and no other's."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for table in (*CHASSIS_TABLES, *tables):
        table.__table__.to_metadata(metadata)  # type: ignore[attr-defined]
    return metadata


def metadata_of(service: str) -> MetaData:
    """``<service>.migrations.METADATA``: found by name, as the chassis imports no service."""
    metadata: MetaData = importlib.import_module(f"{service}.migrations").METADATA
    return metadata


def alembic_config(service: str) -> Config:
    """There is no ``alembic.ini``: the script location is the service's package."""
    config = Config()
    config.set_main_option("script_location", f"{service}:migrations")
    config.set_main_option("path_separator", "os")
    config.attributes["service"] = service
    return config


def head(service: str) -> str:
    """The newest revision, once the history is sound: one line, each revision once. Alembic
    only warns about a revision number written twice (two branches that each added the next
    one) and keeps one of them; that must stop the release instead."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Revision .* is present more than once")
        try:
            heads = ScriptDirectory.from_config(alembic_config(service)).get_heads()
        except UserWarning as duplicate:
            raise RuntimeError(f"{service}: {duplicate}; renumber one of them") from None
    if len(heads) != 1:
        raise RuntimeError(f"{service} has {len(heads)} migration heads; merge them: {heads}")
    return heads[0]


def upgrade(engine: Engine, service: str, revision: str = "head") -> None:
    head(service)  # refuse an unsound history before touching the database
    _migrate(engine, service, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, service: str, revision: str) -> None:
    _migrate(engine, service, lambda config: command.downgrade(config, revision))


def stamp(engine: Engine, service: str, revision: str) -> None:
    """Record ``revision`` as applied without running it: for a database made before
    migrations existed, once ``differences`` shows it matches that revision."""
    _migrate(engine, service, lambda config: command.stamp(config, revision))


def current(engine: Engine, service: str) -> tuple[str, ...]:
    quiet_alembic()
    with engine.connect() as connection:
        return _heads(connection, service)


def differences(engine: Engine, service: str) -> list[Any]:
    """What autogenerate would change to make the database match the models: empty when the
    migrations and the models agree."""
    quiet_alembic()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=_options(service))
        diffs: list[Any] = compare_metadata(context, metadata_of(service))
        return diffs


def run_command(engine: Engine, service: str, action: Callable[[Config], None]) -> None:
    """Run an Alembic command on one of ``engine``'s connections, as ``upgrade`` does."""
    _migrate(engine, service, action)


def _migrate(engine: Engine, service: str, action: Callable[[Config], None]) -> None:
    """Run an Alembic command on one connection, in one transaction, one instance at a time."""
    quiet_alembic()
    config = alembic_config(service)
    with engine.begin() as connection:
        _take_turns(connection, service)
        before = _heads(connection, service)
        config.attributes["connection"] = connection
        action(config)
        after = _heads(connection, service)
    if after != before:
        log.info("%s schema: %s -> %s", service, _named(before), _named(after))


def _heads(connection: Connection, service: str) -> tuple[str, ...]:
    return MigrationContext.configure(connection, opts=_options(service)).get_current_heads()


def _named(heads: tuple[str, ...]) -> str:
    return ",".join(heads) or "empty"


def quiet_alembic() -> None:
    """Alembic narrates every step at INFO; one line per change (above) says what matters."""
    alembic = logging.getLogger("alembic")
    if alembic.level == logging.NOTSET:
        alembic.setLevel(logging.WARNING)


def _take_turns(connection: Connection, service: str) -> None:
    # Held until this transaction ends; SQLite needs nothing more (BEGIN IMMEDIATE).
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(service)})


def lock_key(service: str) -> int:
    """A stable 64-bit advisory lock key, one per service."""
    digest = hashlib.sha256(f"convenio.migrations.{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def run_environment(metadata: MetaData) -> None:
    """The body of every service's ``env.py``: migrate the connection this module handed to
    Alembic. There is no ``alembic.ini``: ``python -m convenio_chassis.migrations`` is the CLI."""
    from alembic import context

    attributes = context.config.attributes
    if "connection" not in attributes:
        raise RuntimeError("run migrations with python -m convenio_chassis.migrations")
    context.configure(
        connection=attributes["connection"],
        target_metadata=metadata,
        **_options(attributes["service"]),
    )
    with context.begin_transaction():
        context.run_migrations()


def version_table(service: str) -> str:
    """Named for the service: were two services pointed at one database by mistake, the second
    fails on the first's tables instead of reading the first's revision as its own."""
    return f"alembic_version_{service}"


def _options(service: str) -> dict[str, Any]:
    return {
        "version_table": version_table(service),
        # Batch operations run as ALTER on PostgreSQL and as copy-and-rename on SQLite, so a
        # migration written once works on both, whichever database it was generated against.
        "render_as_batch": True,
        "compare_type": True,
        "compare_server_default": True,
        "render_item": _render_item,
    }


def _render_item(kind: str, item: Any, _context: AutogenContext) -> str | bool:
    """Write SQLModel's column types (``AutoString``, ``UTCDateTime``) as the SQLAlchemy types
    they stand for: a migration must not change when SQLModel's internals do."""
    if kind == "type" and isinstance(item, TypeDecorator) and _from_sqlmodel(item):
        return f"sa.{item.impl_instance!r}"
    return False


def _from_sqlmodel(item: TypeDecorator[Any]) -> bool:
    return type(item).__module__.split(".")[0] == "sqlmodel"
