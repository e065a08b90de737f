"""The whole repository's test session: the shared fixtures, the PostgreSQL server the store
tests use, and the rule that nothing skips."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

import pytest

from tests import infrastructure

pytest_plugins = ["convenio_chassis.testing"]

# A test that cannot run must say so as a failure: a skip would count as a pass nobody saw.
# ``CONVENIO_ALLOW_SKIPS=1`` lets a developer skip on purpose, never in ``make test`` or CI.
ALLOW_SKIPS = os.environ.get("CONVENIO_ALLOW_SKIPS") == "1"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The PostgreSQL server of this run, started on first use (``tests/infrastructure.py``)."""
    with infrastructure.postgres() as (url, description):
        infrastructure.USED["PostgreSQL"] = description
        yield url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and not ALLOW_SKIPS and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and nothing may skip here: {reason}"
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for kind, what in sorted(infrastructure.USED.items()):
        terminalreporter.write_line(f"{kind} for this run: {what}")
