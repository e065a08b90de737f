"""The ONC feed end to end, on the real broker: the reporting service runs as its own process;
the test publishes the facts enrolment and evaluation would (plain aiokafka, hand-written
CloudEvents headers, payloads checked against the contracts), then reads the compacted feed
and the HTTP API, checks both against figures worked out by hand (true figures:
REPORTING_DISCLOSURE_CONTROL=none; test_disclosure.py attacks the protected feed), replays the
projection from offset zero and compares the feeds byte for byte.

Stages: A definitions (officers, courses, offerings, instructors); B what happened in 2026-Q1
(training, evaluations, CUP statuses, feedback, an analyst's finding); C a fact dated 1 May,
which closes 2026-Q1 for the rules; D a late correction (T7's January enrolment, T1's absence
voided and re-recorded as present).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from convenio_chassis.process import http_get_json

from .. import agency
from ..polling import eventually as _eventually
from ..stack import Stack, running_stack
from . import scenario

pytestmark = [pytest.mark.connected, pytest.mark.slow]

TRUE = {"REPORTING_DISCLOSURE_CONTROL": "none", "SMALL_CELL_K": "5"}
"""True figures, so that they can be checked by hand: the protection (cell-key perturbation)
is attacked on the real projection by test_disclosure.py, without a broker (ADR 0070)."""

S, TOLUCA, METEPEC, ECATEPEC = (
    "state:15",
    "municipality:15106",
    "municipality:15054",
    "municipality:15033",
)
FEED, FINDINGS, REJECTIONS = (
    "reporting.indicators.v1",
    "reporting.findings.v1",
    "intake.rejections.v1",
)

# (value, numerator, denominator) after the late correction, worked out by hand from scenario.py
EXPECTED: dict[str, tuple[float, int | None, int | None]] = {
    # 8 Toluca + 6 Metepec + 2 Ecatepec officers enrolled in January (T7 late)
    f"training.enrolments:2026-01:{TOLUCA}": (8, 8, None),
    f"training.enrolments:2026-01:{S}": (16, 16, None),
    f"training.enrolments:2026-Q1:{S}": (16, 16, None),
    # 9 officers x 2 sessions of O-PR + 6 x 1 of O-DH, all present once T1 is corrected
    f"training.attendance_rate:2026-03:{S}": (1.0, 24, 24),
    f"training.attendance_rate:2026-03:{TOLUCA}": (1.0, 14, 14),
    f"training.officers_trained:2026-03:{S}": (15, 15, None),
    # (9 x 480 + 6 x 300) minutes over 15 officers = 408 min = 6.8 h
    f"training.hours_per_officer:2026-03:{S}": (6.8, 6120, 15),
    # 14 of 15 decided enrolments completed (T6 failed)
    f"training.completion_rate:2026-Q1:{S}": (0.9333, 14, 15),
    f"training.theory_share_planned:2026-Q1:{S}:course:C-PR": (0.25, 5400, 21600),
    f"training.theory_share_delivered:2026-Q1:{S}:course:C-PR": (0.4, 8640, 21600),
    # 15 first attempts (8 pass) + 7 second attempts (5 pass)
    f"competency.pass_rate:2026-Q1:{S}:competency:armamento_y_tiro": (0.5909, 13, 22),
    f"competency.first_attempt_pass_rate:2026-Q1:{S}": (0.5333, 8, 15),
    f"competency.reevaluations:2026-Q1:{S}": (7, 7, None),
    f"performance.pass_rate:2026-03:{S}": (0.75, 9, 12),
    # FI for all 21; C3 for Toluca's 8, valid until 2026-05-31: within 180 days of 31 March
    f"cup.coverage.fi:2026-03:{S}": (1.0, 21, 21),
    f"cup.coverage.c3:2026-03:{S}": (0.381, 8, 21),
    f"expiry.pipeline:2026-03:{S}": (0.381, 8, 21),
    f"expiry.pipeline:2026-03:{TOLUCA}": (1.0, 8, 8),
    f"instructors.certified:2026-03:{S}": (6, 6, None),
    f"instructors.officers_per_instructor:2026-03:{S}": (2.5, 15, 6),
    # municipal completers of offerings with certified instructors: T0-T5, E0, E1, M0-M3
    f"cascade.officers_trained:2026-03:{S}": (12, 12, None),
    f"cascade.municipality_coverage:2026-03:{S}": (0.024, 3, 125),
    # 6 responses on O-PR (relevance 24) and 5 on O-DH (relevance 25)
    f"feedback.relevance:2026-03:{S}": (4.45, 49, 11),
    f"feedback.too_theoretical_share:2026-03:{S}:course:C-PR": (0.6667, 4, 6),
}
RULE_FINDINGS = {
    "tp-balance:2026-Q1:C-PR",  # delivered theory share 0.40 against 0.25 planned
    "pass-floor:2026-Q1:armamento_y_tiro",  # 0.59 < 0.70
    "expiry-backlog:2026-Q1:15",  # 0.38 > 0.25
    "expiry-backlog:2026-Q1:15106",  # 1.00 > 0.25
    "untrained:2026-Q1:15058",  # Neza: officers on the roll, nobody trained
}


def eventually(probe: Callable[[], Any], timeout: float = 90.0, every: float = 0.5) -> Any:
    return _eventually(probe, timeout, every)


def read(bootstrap: str, topic: str) -> list[Any]:
    return asyncio.run(agency.read_all(bootstrap, topic, idle_ms=1000))


def metric(stack: Stack, name: str) -> float:
    with urllib.request.urlopen(f"{stack['reporting'].url}/metrics", timeout=5) as r:
        text = r.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


def publish_and_settle(stack: Stack, commands: list[agency.Command], sent: list[int]) -> None:
    """Publish, then wait until reporting has handled every record and relayed its outbox."""
    asyncio.run(agency.send(stack.bootstrap, *commands))
    sent[0] += len(commands)
    assert eventually(lambda: metric(stack, "convenio_records_handled_total") >= sent[0]), (
        f"reporting handled {metric(stack, 'convenio_records_handled_total')} of {sent[0]}"
    )
    handled_by = time.time()  # the feed refreshes on a timer (ADR 0051): wait until it shows them
    assert eventually(lambda: metric(stack, "convenio_feed_current_as_of_seconds") >= handled_by)
    assert eventually(lambda: metric(stack, "convenio_outbox_backlog") == 0)


def cells(stack: Stack, **query: str) -> dict[str, dict[str, Any]]:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return {
        c["cell_key"]: c for c in http_get_json(f"{stack['reporting'].url}/indicators?{params}")
    }


@pytest.fixture(scope="module")
def stack(private_kafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = Path(tmp_path_factory.mktemp("onc"))
    with running_stack(private_kafka.bootstrap, workdir, services=("reporting",), **TRUE) as s:
        yield s


@pytest.fixture(scope="module")
def story(stack: Stack) -> dict[str, Any]:
    sent = [0]
    publish_and_settle(stack, scenario.definitions(), sent)
    b = scenario.training() + scenario.evaluation() + scenario.analysts()
    publish_and_settle(stack, b, sent)
    # UMS answers a finding once it is published: its channel is not ONC's, so nothing
    # orders a response before the finding it answers but UMS reading the findings first.
    publish_and_settle(stack, scenario.ums_responses(), sent)
    publish_and_settle(stack, scenario.horizon(), sent)
    assert eventually(lambda: set(_findings(stack)) >= RULE_FINDINGS)
    before = cells(stack)
    absent = next(c for c in b if b"AT-T1-S1" in c.value)
    publish_and_settle(stack, scenario.late_correction(absent.ce_id), sent)
    publish_and_settle(stack, [scenario.invalid_close()], sent)
    return {"before": before}


def _findings(stack: Stack) -> dict[str, dict[str, Any]]:
    return {f["finding_id"]: f for f in http_get_json(f"{stack['reporting'].url}/findings")}


@pytest.fixture(scope="module")
def feed(stack: Stack, story: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compacted feed, once the relay has published everything the API already serves."""
    served = cells(stack)

    def caught_up() -> dict[str, dict[str, Any]] | None:
        state = agency.latest_state(read(stack.bootstrap, FEED))
        return state if state == served else None

    state = eventually(caught_up)
    assert state, "the feed topic never caught up with the API"
    return state


def test_the_compacted_feed_and_the_api_carry_the_hand_computed_figures(stack, feed) -> None:
    served = cells(stack)
    wrong = {}
    for key, (value, numerator, denominator) in EXPECTED.items():
        for where, cell in (("feed", feed.get(key)), ("api", served.get(key))):
            got = cell and (cell["value"], cell["numerator"], cell["denominator"])
            if got != (pytest.approx(value), numerator, denominator) or cell["suppressed"]:
                wrong[f"{where} {key}"] = f"expected {(value, numerator, denominator)}, got {got}"
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    assert len(served) == len(feed) > 1000


def test_the_late_correction_revised_past_periods(story, feed) -> None:
    before = story["before"]
    for key, old_value in (
        (f"training.enrolments:2026-01:{TOLUCA}", 7),
        (f"training.enrolments:2026-01:{S}", 15),
    ):  # one late fact, one change: exactly the next revision
        assert before[key]["value"] == old_value
        assert feed[key]["revision"] == before[key]["revision"] + 1, key
    for key, old_value in (
        (f"training.attendance_rate:2026-03:{TOLUCA}", 0.9286),
        (f"training.attendance_rate:2026-03:{S}", 0.9583),
    ):  # a void and a new record: one revision each if they fall in different batches
        assert before[key]["value"] == pytest.approx(old_value)
        assert feed[key]["revision"] in (before[key]["revision"] + 1, before[key]["revision"] + 2)
    untouched = f"competency.pass_rate:2026-Q1:{S}"
    assert feed[untouched]["revision"] == before[untouched]["revision"]


def test_findings_from_rules_and_analysts_with_their_lifecycle(stack, story) -> None:
    served = _findings(stack)
    assert set(served) >= RULE_FINDINGS
    assert served["tp-balance:2026-Q1:C-PR"]["origin"] == "rule"
    onc = served["F-ONC-1"]
    assert (onc["origin"], onc["status"]) == ("onc", "acknowledged")
    assert [h["actor"] for h in onc["history"]] == ["ums"]
    published = [json.loads(r.value) for r in read(stack.bootstrap, FINDINGS)]
    assert {p["finding_id"] for p in published if "origin" in p} == set(served)
    assert [
        p["status"] for p in published if p["finding_id"] == "F-ONC-1" and "origin" not in p
    ] == ["acknowledged"]
    rejections = [json.loads(r.value) for r in read(stack.bootstrap, REJECTIONS)]
    assert [r["reason"] for r in rejections] == ["invalid_transition"]


IDENTITY = re.compile(rb"off_[0-9a-f]{32}|officer_id|CUIP|curp|full_name", re.IGNORECASE)


def test_no_feed_record_and_no_response_carries_an_identity(stack, story) -> None:
    for topic in (FEED, FINDINGS):
        records = read(stack.bootstrap, topic)
        assert records
        for r in records:
            assert not IDENTITY.search(r.value or b""), r.value
            assert not IDENTITY.search(r.key or b""), r.key
    base = stack["reporting"].url
    for path in (
        "/indicators",
        "/indicators?format=csv",
        "/findings",
        "/indicators/definitions",
        "/findings/F-ONC-1",
    ):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            assert not IDENTITY.search(response.read()), path


def test_replay_rebuilds_the_same_feed_byte_for_byte(stack, feed, tmp_path) -> None:
    out, findings_out = tmp_path / "indicators.jsonl", tmp_path / "findings.jsonl"
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reporting.replay",
            "--database-url",
            f"sqlite:///{tmp_path}/replay.db",
            "--bootstrap-servers",
            stack.bootstrap,
            "--output",
            str(out),
            "--findings-output",
            str(findings_out),
            "--verify-feed",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **TRUE},
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stdout + done.stderr
    print(done.stdout.strip(), f"(wall {elapsed:.1f}s)")
    live = sorted(canonical(c) for c in feed.values())
    assert out.read_text().splitlines() == live
    assert out.read_bytes() == "".join(f"{line}\n" for line in live).encode()
    served = sorted(canonical(f) for f in _findings(stack).values())
    assert findings_out.read_text().splitlines() == served


def canonical(record: dict[str, Any]) -> str:
    """The comparison's form, written independently of the service: sorted keys, compact,
    without the revision (a rebuilt projection counts its own publications)."""
    body = {k: v for k, v in record.items() if k != "revision"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
