"""``acl_admin``'s exit status, which CI reads: 0 in sync (or synced), 3 when a dry run finds
drift, 1 when the cluster cannot be read. The real broker's side of it is in
tests/security/test_acl_drift_exit_code.py."""

from __future__ import annotations

from typing import Any

import pytest

from convenio_chassis import acl_admin
from convenio_chassis.acl_admin import DRIFT, AclChanges, main, to_confluent
from convenio_contracts.acl import acl_bindings

ONE = (to_confluent(acl_bindings()[0]),)


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the fake sync reports, and what it was asked."""
    state: dict[str, Any] = {"changes": AclChanges((), ()), "calls": []}

    def sync(settings: object, bindings: object = None, *, dry_run: bool = False) -> AclChanges:
        state["calls"].append(dry_run)
        if isinstance(state["changes"], Exception):
            raise state["changes"]
        changes: AclChanges = state["changes"]
        return changes

    monkeypatch.setattr(acl_admin, "sync_acls", sync)
    monkeypatch.delenv("KAFKA_SECURITY_PROTOCOL", raising=False)
    return state


@pytest.mark.parametrize(
    ("changes", "dry_run", "status"),
    [
        (AclChanges((), ()), True, 0),
        (AclChanges(ONE, ()), True, DRIFT),
        (AclChanges((), ONE), True, DRIFT),
        (AclChanges(ONE, ONE), False, 0),
        (AclChanges((), ()), False, 0),
    ],
    ids=["in-sync", "missing", "stray", "synced", "nothing-to-do"],
)
def test_the_exit_status_says_whether_the_cluster_drifted(
    cluster: dict[str, Any], changes: AclChanges, dry_run: bool, status: int
) -> None:
    cluster["changes"] = changes
    assert main(["--dry-run"] if dry_run else []) == status
    assert cluster["calls"] == [dry_run]


def test_a_cluster_that_cannot_be_read_is_an_error_not_drift(
    cluster: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    cluster["changes"] = TimeoutError("no broker")
    assert main(["--dry-run"]) == 1
    assert "cannot read or change the cluster's ACLs" in caplog.text


def test_drift_has_its_own_status() -> None:
    assert DRIFT not in (0, 1, 2)
