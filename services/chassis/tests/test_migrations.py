"""The chassis's migration machinery, on a scratch service written for each test: one
transaction per upgrade, PostgreSQL instances taking turns, revisions written from the models,
the runtime migrating at start-up only when told to (``MIGRATE_ON_START``)."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import text

from convenio_chassis import migrations
from convenio_chassis.db import make_engine
from convenio_chassis.migrations.authoring import revision
from convenio_chassis.runtime import Runtime, ServiceDefinition
from convenio_chassis.settings import ServiceSettings
from convenio_chassis.testing import table_names
from convenio_contracts.topics import Principal

LEDGER = """\
    op.create_table(
        "ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger")),
    )
    service.ran.append(revision)
    service.entered.set()
    assert service.gate.wait(60), "the test never opened the gate"
"""
HALF_DONE = """\
    op.create_table("half", sa.Column("id", sa.Integer(), primary_key=True))
    raise RuntimeError("this migration fails on purpose")
"""
METADATA = """\
METADATA = sa.MetaData(naming_convention=NAMING_CONVENTION)
sa.Table(
    "ledger",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("note", sa.String(40), nullable=False),
)
"""
EXTRA_TABLE = """\
sa.Table("extra", METADATA, sa.Column("code", sa.String(10), primary_key=True))
"""


class Scratch:
    """A service package on ``sys.path`` with its own migrations, like the real ones."""

    def __init__(self, root: Path) -> None:
        self.name = f"scratch_{uuid.uuid4().hex[:10]}"
        self.package = root / self.name
        self.versions = self.package / "migrations" / "versions"
        self.versions.mkdir(parents=True)
        (self.package / "__init__.py").write_text(
            "import threading\nran = []\nentered = threading.Event()\n"
            "gate = threading.Event()\ngate.set()\n"
        )
        chassis = Path(migrations.__file__).parent
        (self.package / "migrations" / "script.py.mako").write_text(
            (chassis / "script.py.mako").read_text()
        )
        (self.package / "migrations" / "env.py").write_text(
            "from convenio_chassis.migrations import run_environment\n"
            f"from {self.name}.migrations import METADATA\n"
            "run_environment(METADATA)\n"
        )
        self.models(METADATA)

    def models(self, body: str) -> None:
        (self.package / "migrations" / "__init__.py").write_text(
            "import sqlalchemy as sa\n"
            "from convenio_chassis.migrations import NAMING_CONVENTION\n" + body
        )
        sys.modules.pop(f"{self.name}.migrations", None)

    def revision(self, rev: str, down: str | None, body: str) -> None:
        (self.versions / f"{rev}_scratch.py").write_text(
            "import sqlalchemy as sa\nfrom alembic import op\n"
            f"import {self.name} as service\n"
            f"revision = {rev!r}\ndown_revision = {down!r}\n"
            "branch_labels = depends_on = None\n\n"
            f"def upgrade():\n{body}\n"
            "def downgrade():\n    op.drop_table('ledger')\n"
        )

    @property
    def module(self) -> ModuleType:
        return sys.modules[self.name]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scratch]:
    monkeypatch.syspath_prepend(str(tmp_path))
    service = Scratch(tmp_path)
    __import__(service.name)
    yield service
    for name in [m for m in sys.modules if m.split(".")[0] == service.name]:
        del sys.modules[name]


def test_an_upgrade_runs_each_revision_once_and_downgrades_to_nothing(
    database_url: str, scratch: Scratch
) -> None:
    scratch.revision("0001", None, LEDGER)
    engine = make_engine(database_url)
    try:
        migrations.upgrade(engine, scratch.name)
        migrations.upgrade(engine, scratch.name)
        assert scratch.module.ran == ["0001"]
        assert migrations.current(engine, scratch.name) == ("0001",)
        assert migrations.differences(engine, scratch.name) == []
        migrations.downgrade(engine, scratch.name, "base")
    finally:
        engine.dispose()
    assert table_names(database_url) == {f"alembic_version_{scratch.name}"}


def test_a_failed_upgrade_leaves_nothing_behind(database_url: str, scratch: Scratch) -> None:
    scratch.revision("0001", None, LEDGER)
    scratch.revision("0002", "0001", HALF_DONE)
    engine = make_engine(database_url)
    try:
        with pytest.raises(RuntimeError, match="fails on purpose"):
            migrations.upgrade(engine, scratch.name)
        assert migrations.current(engine, scratch.name) == ()
    finally:
        engine.dispose()
    assert table_names(database_url) == set()


@pytest.mark.postgres
def test_instances_upgrading_at_once_take_turns_on_postgresql(
    postgres_url: str, scratch: Scratch
) -> None:
    """The first holds the lock inside its migration; the second waits for it, then finds
    the work done (without the lock it would fail creating the same tables)."""
    scratch.revision("0001", None, LEDGER)
    scratch.module.gate.clear()
    engines = [make_engine(postgres_url) for _ in range(2)]
    errors: list[BaseException] = []

    def start(engine: object) -> threading.Thread:
        def run() -> None:
            try:
                migrations.upgrade(engine, scratch.name)  # type: ignore[arg-type]
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    try:
        first = start(engines[0])
        assert scratch.module.entered.wait(30)
        second = start(engines[1])
        _wait_for_a_waiting_advisory_lock(postgres_url)
        scratch.module.gate.set()
        first.join(30)
        second.join(30)
        assert not errors
        assert scratch.module.ran == ["0001"]
        assert migrations.current(engines[1], scratch.name) == ("0001",)
    finally:
        scratch.module.gate.set()
        for engine in engines:
            engine.dispose()


def _wait_for_a_waiting_advisory_lock(url: str) -> None:
    engine = make_engine(url)
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if connection.execute(query).scalar_one() == 1:
                    return
            time.sleep(0.05)
        pytest.fail("the second upgrade never waited for the first")
    finally:
        engine.dispose()


def test_a_revision_is_written_from_what_the_models_add(
    database_url: str, scratch: Scratch
) -> None:
    """Generated against scratch SQLite, it applies on either database."""
    scratch.revision("0001", None, LEDGER)
    scratch.models(METADATA + EXTRA_TABLE)
    [written] = revision(scratch.name, "add extra codes")
    assert written == scratch.versions / "0002_add_extra_codes.py"
    assert 'op.create_table(\n        "extra",' in written.read_text()
    engine = make_engine(database_url)
    try:
        migrations.upgrade(engine, scratch.name)
        assert migrations.current(engine, scratch.name) == ("0002",)
        assert migrations.differences(engine, scratch.name) == []
    finally:
        engine.dispose()


def test_two_heads_are_refused(database_url: str, scratch: Scratch) -> None:
    scratch.revision("0001", None, LEDGER)
    scratch.revision("0002", "0001", LEDGER)
    scratch.revision("0003", "0001", LEDGER)
    engine = make_engine(database_url)
    try:
        with pytest.raises(RuntimeError, match="2 migration heads"):
            migrations.upgrade(engine, scratch.name)
    finally:
        engine.dispose()
    assert table_names(database_url) == set()


def test_a_revision_number_written_twice_is_refused(scratch: Scratch) -> None:
    """As after merging two branches that each added revision 0002."""
    scratch.revision("0001", None, LEDGER)
    scratch.revision("0002", "0001", LEDGER)
    (scratch.versions / "0002_other.py").write_text(
        (scratch.versions / "0002_scratch.py").read_text()
    )
    with pytest.raises(RuntimeError, match="0002 is present more than once"):
        migrations.head(scratch.name)


@pytest.mark.parametrize("migrate_on_start", [True, False])
def test_the_runtime_migrates_at_start_up_only_when_told_to(
    tmp_path: Path, scratch: Scratch, migrate_on_start: bool
) -> None:
    scratch.revision("0001", None, LEDGER)
    url = f"sqlite:///{tmp_path}/service.db"
    settings = ServiceSettings(database_url=url, migrate_on_start=migrate_on_start)
    definition = ServiceDefinition(
        name=scratch.name, principal=Principal.SVC_REPORTING, handlers={}
    )
    runtime = Runtime(definition, settings)
    try:
        runtime.prepare_database()
    finally:
        runtime.engine.dispose()
    expected = {"ledger", f"alembic_version_{scratch.name}"} if migrate_on_start else set()
    assert table_names(url) == expected


def test_migrate_on_start_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings().migrate_on_start is True
    monkeypatch.setenv("MIGRATE_ON_START", "false")
    assert ServiceSettings().migrate_on_start is False
