"""The reduced benchmark CI runs so that the benchmark cannot rot: it must complete and its
counts must reconcile. Its speed is measured, printed and never asserted."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bench import report
from bench.__main__ import CI
from bench.runner import run

pytestmark = [pytest.mark.connected, pytest.mark.slow, pytest.mark.bench]


def test_the_reduced_benchmark_completes_and_its_counts_reconcile(tmp_path: Path) -> None:
    results = run(replace(CI, workdir=tmp_path), say=print)
    as_json = json.loads(json.dumps(results.to_dict(), default=str))
    print(report.render(as_json))

    mismatched = {k: v for k, v in results.checks.items() if v[0] != v[1]}
    assert not mismatched
    checked = " ".join(results.checks)
    for stage in ("registration commands", "enrolment commands", "attendance commands",
                  "rejections", "dead letters", "feed:", "baseline:", "replay: facts",
                  "replay: feed"):  # fmt: skip
        assert stage in checked
    assert {t.system for t in results.throughput} == {"pipeline", "baseline (mirror)"}
    for measured in results.latency:
        assert set(measured.visible.values()) == {measured.events}, measured.system
    assert results.replay is not None
    assert results.replay.complete
    assert results.replay.replayed == CI.replay_facts
