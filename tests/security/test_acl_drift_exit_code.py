"""``acl_admin --dry-run`` as CI uses it, on the real authenticated broker: exit 0 when the
cluster holds exactly the catalogue's ACLs, ``DRIFT`` (3) when it does not, in either direction
(a stray grant, a missing one), and nothing changed by the dry run itself.

Each test makes its own drift from a known state (a sync first), so it does not depend on
which tests ran before it, in this module or in another one (this module has its own broker).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka.admin import AclBinding as ConfluentBinding
from confluent_kafka.admin import AclBindingFilter, AdminClient

from convenio_chassis.acl_admin import DRIFT, admin_config, current_acls, sync_acls, to_confluent
from convenio_contracts.acl import AclBinding, Operation, PatternType, ResourceType, acl_bindings
from convenio_contracts.topics import Principal
from secure_kafka import SecureKafka

pytestmark = [pytest.mark.connected, pytest.mark.slow]

STRAY = AclBinding(
    Principal.ONC_FEED,
    ResourceType.TOPIC,
    "enrolment.training.v1",
    PatternType.LITERAL,
    Operation.READ,
)
"""A grant the catalogue does not make: ONC's public feed reading identified training facts."""


def _acl_admin(kafka: SecureKafka, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m convenio_chassis.acl_admin`` as an operator runs it: admin's KAFKA_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    return subprocess.run(
        [sys.executable, "-m", "convenio_chassis.acl_admin", *args],
        env=env | kafka.env("admin"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _done(futures: dict[Any, Any]) -> None:
    for future in futures.values():
        future.result(timeout=30)


def _exactly(b: ConfluentBinding) -> AclBindingFilter:
    return AclBindingFilter(
        b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
        b.permission_type,
    )  # fmt: skip


def _held(client: AdminClient) -> set[str]:
    return {str(b) for b in current_acls(client)}


def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """The broker reports an accepted ACL change a moment later (``_until_enforced``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the broker never reported the change"
        time.sleep(0.2)


@pytest.fixture
def in_sync(secure_kafka: SecureKafka) -> AdminClient:
    """The catalogue's ACLs exactly, whatever an earlier test left behind."""
    sync_acls(secure_kafka.settings("admin"))
    return AdminClient(admin_config(secure_kafka.settings("admin")))


def test_in_sync_the_dry_run_exits_0(secure_kafka: SecureKafka, in_sync: AdminClient) -> None:
    done = _acl_admin(secure_kafka, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "would change: 0 ACL(s) created, 0 deleted" in done.stdout


def test_a_stray_grant_is_drift_until_a_sync_removes_it(
    secure_kafka: SecureKafka, in_sync: AdminClient
) -> None:
    stray = to_confluent(STRAY)
    _done(in_sync.create_acls([stray]))
    _until(lambda: str(stray) in _held(in_sync))

    dry = _acl_admin(secure_kafka, "--dry-run")
    assert dry.returncode == DRIFT == 3, dry.stdout + dry.stderr
    assert "would change: 0 ACL(s) created, 1 deleted" in dry.stdout
    assert f"  - {stray}" in dry.stdout
    assert str(stray) in _held(in_sync), "a dry run changed the cluster"

    sync = _acl_admin(secure_kafka)
    assert sync.returncode == 0, sync.stdout + sync.stderr
    assert "changed: 0 ACL(s) created, 1 deleted" in sync.stdout

    after = _acl_admin(secure_kafka, "--dry-run")
    assert after.returncode == 0, after.stdout + after.stderr
    assert len(current_acls(in_sync)) == len(acl_bindings())


def test_a_missing_grant_is_drift_until_a_sync_restores_it(
    secure_kafka: SecureKafka, in_sync: AdminClient
) -> None:
    wanted = next(b for b in acl_bindings() if b.principal is Principal.SVC_REPORTING)
    missing = to_confluent(wanted)
    assert str(missing) in _held(in_sync)
    _done(in_sync.delete_acls([_exactly(missing)]))
    _until(lambda: str(missing) not in _held(in_sync))

    dry = _acl_admin(secure_kafka, "--dry-run")
    assert dry.returncode == DRIFT, dry.stdout + dry.stderr
    assert "would change: 1 ACL(s) created, 0 deleted" in dry.stdout
    assert f"  + {missing}" in dry.stdout

    assert _acl_admin(secure_kafka).returncode == 0
    assert _acl_admin(secure_kafka, "--dry-run").returncode == 0
