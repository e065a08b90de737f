"""The scenario on the authenticated broker, every party on its own principal: agencies
publish as ``agency-publisher``, each service runs as its own ``svc-*`` user with its password
read from a file, ONC reads the feed as ``onc-feed``. Then every record ONC's principals can
read is scanned for the test data's identities, and every published cell for the k rule."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from convenio_contracts.acl import Operation, may
from convenio_contracts.topics import Principal, all_topics
from convenio_contracts.topics import topic as catalogue_topic
from reporting.domain.perturbation import possible
from secure_kafka import SecureKafka

from .. import agency
from ..polling import eventually as _eventually
from ..stack import Stack, running_stack

pytestmark = [pytest.mark.connected, pytest.mark.slow]

P = Principal
K = 5  # SMALL_CELL_K given to the reporting service below
TOLUCA, NAUCALPAN, ECATEPEC = 15106, 15057, 15033
COURSE, OFFERING = "UMS-SEC-2026", "UMS-SEC-2026-01"
# Six officers in Toluca (a publishable cell), two in Naucalpan (fewer than K: never shown as
# itself) and five in Ecatepec; every count is perturbed by the cell-key method (ADR 0070).
OFFICERS = (
    dict.fromkeys(range(6), TOLUCA)
    | {6: NAUCALPAN, 7: NAUCALPAN}
    | dict.fromkeys(range(10, 15), ECATEPEC)
)
UNREGISTERED = 9  # an enrolment request for a CUIP nobody registered: refused
SERVICE_PRINCIPALS = {
    "enrolment": P.SVC_ENROLMENT,
    "evaluation": P.SVC_EVALUATION,
    "reporting": P.SVC_REPORTING,
}


def eventually(probe: Callable[[], Any], timeout: float = 60.0) -> Any:
    return _eventually(probe, timeout, 0.5)


def this_month() -> str:
    return dt.datetime.now(ZoneInfo("America/Mexico_City")).strftime("%Y-%m")


@pytest.fixture(scope="module")
def stack(secure_kafka: SecureKafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {name: secure_kafka.service_env(p) for name, p in SERVICE_PRINCIPALS.items()}
    env["reporting"] = env["reporting"] | {"SMALL_CELL_K": str(K)}
    with running_stack(
        secure_kafka.bootstrap,
        Path(tmp_path_factory.mktemp("secure-stack")),
        admin=secure_kafka.settings("admin"),
        service_env=env,
    ) as running:
        yield running


class Reader:
    """Reads topics as one principal, the way that party's own systems would."""

    def __init__(self, kafka: SecureKafka, principal: Principal | str) -> None:
        self.bootstrap = kafka.bootstrap
        self.auth = kafka.client_options(str(principal))

    def all(self, topic: str) -> list[Any]:
        return asyncio.run(agency.read_all(self.bootstrap, topic, idle_ms=1000, auth=self.auth))

    def latest(self, topic: str) -> dict[str, dict[str, Any]]:
        return {r.key.decode(): json.loads(r.value) for r in self.all(topic)}


@pytest.fixture(scope="module")
def scenario(stack: Stack, secure_kafka: SecureKafka) -> dict[str, Any]:
    """Publish as an agency; returns the identities a leak scan must not find."""
    publisher = secure_kafka.client_options(P.AGENCY_PUBLISHER.value)
    bs = stack.bootstrap
    asyncio.run(
        agency.send(
            bs,
            agency.publish_course(COURSE),
            agency.schedule_offering(OFFERING, COURSE),
            auth=publisher,
        )
    )
    oracle = Reader(secure_kafka, "admin")
    assert eventually(
        lambda: any(
            json.loads(r.value).get("offering_id") == OFFERING
            for r in oracle.all("enrolment.course.v1")
        )
    ), "the offering was never scheduled"
    registrations = [agency.register_officer(i, town) for i, town in OFFICERS.items()]
    requests = [agency.request_enrolment(i, OFFERING) for i in [*OFFICERS, UNREGISTERED]]
    asyncio.run(agency.send(bs, *registrations, *requests, auth=publisher))
    officer_facts = eventually(
        lambda: len(found := oracle.all("enrolment.officer.v1")) >= len(OFFICERS) and found
    )
    assert officer_facts, "enrolment never registered the officers"
    intake = [json.loads(c.value) for c in registrations]
    return {
        "officer_ids": {json.loads(r.value)["officer_id"] for r in officer_facts},
        "cuips": {d["cuip"] for d in intake} | {f"CUIPTEST{UNREGISTERED:08d}"},
        "curps": {d["curp"] for d in intake},
        "names": {d["full_name"] for d in intake},
        "refused_id": requests[-1].ce_id,
    }


def _enrolments(month: str, geography: str) -> str:
    return f"training.enrolments:{month}:{geography}"


@pytest.fixture(scope="module")
def feed(secure_kafka: SecureKafka, scenario: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The feed as ONC reads it, once every enrolment has reached it."""
    onc = Reader(secure_kafka, P.ONC_FEED)
    state = _enrolments(this_month(), "state:15")

    def complete() -> dict[str, dict[str, Any]] | None:
        cells = onc.latest("reporting.indicators.v1")
        towns = [_enrolments(this_month(), f"municipality:{t}") for t in set(OFFICERS.values())]
        shown = cells.get(state, {}).get("value")
        done = shown is not None and len(OFFICERS) in possible(round(shown))
        return cells if done and all(t in cells for t in towns) else None

    cells = eventually(complete)
    assert cells, f"the feed never counted {len(OFFICERS)} enrolments in {state}"
    return cells


def test_onc_reads_the_feed_as_onc_feed(feed: dict[str, dict[str, Any]]) -> None:
    toluca = feed[_enrolments(this_month(), f"municipality:{TOLUCA}")]
    assert toluca["suppressed"] is False
    assert 6 in possible(round(toluca["value"]))  # perturbed by at most 2


def test_a_cell_under_k_officers_is_never_shown_as_itself(feed: dict[str, dict[str, Any]]) -> None:
    naucalpan = feed[_enrolments(this_month(), f"municipality:{NAUCALPAN}")]
    assert naucalpan["value"] in (None, 0)  # 2 is published as 0, or as 3 or 4: withheld
    assert naucalpan["suppressed"] is (naucalpan["value"] is None)
    if naucalpan["suppressed"]:
        assert naucalpan["numerator"] is None


def test_a_cell_of_k_officers_is_perturbed_or_withheld(
    feed: dict[str, dict[str, Any]],
) -> None:
    ecatepec = feed[_enrolments(this_month(), f"municipality:{ECATEPEC}")]
    assert ecatepec["value"] is None or K in possible(round(ecatepec["value"]))


def test_the_publisher_reads_the_refusal_of_its_command(
    secure_kafka: SecureKafka, scenario: dict[str, Any]
) -> None:
    publisher = Reader(secure_kafka, P.AGENCY_PUBLISHER)
    refusals = eventually(
        lambda: [
            json.loads(r.value)
            for r in publisher.all("intake.rejections.v1")
            if json.loads(r.value).get("rejected_event_id") == scenario["refused_id"]
        ]
    )
    assert refusals, "no rejection reached the publisher"
    assert refusals[0]["reason"] == "unknown_officer"


def test_the_publisher_reads_the_notice_of_its_dead_lettered_record(
    secure_kafka: SecureKafka, scenario: dict[str, Any]
) -> None:
    """ADR 0098: the publisher may not read the dead-letter topic, but reads, as itself, the
    notice of its malformed record: reason, position and ce_id, and not the payload."""
    publisher = secure_kafka.client_options(P.AGENCY_PUBLISHER.value)
    command = agency.register_officer(40, TOLUCA)
    ce_id = dict(command.headers)["ce_id"]
    payload = b"not json " + command.value  # quotes the officer's CURP and name
    asyncio.run(
        agency.send_raw(
            secure_kafka.bootstrap, command.topic, payload, command.headers, auth=publisher
        )
    )
    reader = Reader(secure_kafka, P.AGENCY_PUBLISHER)
    notices = eventually(lambda: [r for r in reader.all("intake.rejections.v1") if r.key == ce_id])
    assert notices, "no notice reached the publisher"
    notice = json.loads(notices[0].value)
    assert dict(notices[0].headers)["ce_type"] == b"mx.convenio.enrolment.intake.dead_lettered.v1"
    assert (notice["reason"], notice["original_event_id"]) == ("malformed_payload", ce_id.decode())
    assert notice["original_topic"] == command.topic
    assert notice["original_partition"] in range(catalogue_topic(command.topic).partitions)
    assert notice["original_offset"] >= 0
    told = notices[0].value + b"".join(v for _, v in notices[0].headers)
    sent = json.loads(command.value)
    for secret in (sent["curp"], sent["cuip"], "not json"):
        assert secret.encode() not in told


def test_evaluation_consumed_the_facts_as_its_own_principal(
    stack: Stack, scenario: dict[str, Any]
) -> None:
    def handled() -> float:
        with urllib.request.urlopen(f"{stack['evaluation'].url}/metrics", timeout=5) as r:
            text = r.read().decode()
        prefix = "convenio_records_handled_total{"
        return sum(float(x.rsplit(" ", 1)[1]) for x in text.splitlines() if x.startswith(prefix))

    # 8 registrations and 8 enrolments; the refused request produced no fact
    assert eventually(lambda: handled() >= 2 * len(OFFICERS)), handled()


def test_every_service_is_ready_on_its_own_principal(stack: Stack) -> None:
    assert {name: stack[name].ready() for name in SERVICE_PRINCIPALS} == dict.fromkeys(
        SERVICE_PRINCIPALS, True
    )


# ---- the leak scan ---------------------------------------------------------------------------

ONC_PRINCIPALS = (P.ONC_FEED, P.ONC_ANALYST)


def _readable(principal: Principal) -> list[str]:
    return [t.name for t in all_topics() if may(principal, Operation.READ, t.name)]


def _texts(record: Any) -> str:
    """Key, value and headers as text, with JSON's \\u escapes undone, so 'García' is found
    whether it was written as UTF-8 or escaped."""
    parts = [record.key or b"", record.value or b""]
    parts += [name.encode() + b"=" + (value or b"") for name, value in record.headers]
    texts = [p.decode("utf-8", errors="replace") for p in parts]
    with contextlib.suppress(TypeError, ValueError):
        texts.append(json.dumps(json.loads(record.value), ensure_ascii=False))
    return "\n".join(texts).casefold()


@pytest.mark.parametrize("principal", ONC_PRINCIPALS)
def test_nothing_onc_can_read_names_an_officer(
    principal: Principal,
    secure_kafka: SecureKafka,
    scenario: dict[str, Any],
    feed: dict[str, dict[str, Any]],
) -> None:
    identities = {kind: scenario[kind] for kind in ("officer_ids", "cuips", "curps", "names")}
    assert all(identities.values()), identities
    onc = Reader(secure_kafka, principal)
    scanned, leaks = 0, []
    for topic in _readable(principal):
        for record in onc.all(topic):
            scanned += 1
            text = _texts(record)
            leaks += [
                f"{topic}@{record.offset}: {kind} {value}"
                for kind, values in identities.items()
                for value in values
                if value.casefold() in text
            ]
    assert scanned > 0, f"{principal} read nothing: the scan would prove nothing"
    assert leaks == []


def test_no_published_cell_counts_fewer_than_k_officers(
    secure_kafka: SecureKafka, feed: dict[str, dict[str, Any]]
) -> None:
    """Every revision ever published counts, not only the latest: a compacted topic still
    hands old revisions to whoever reads before compaction."""
    officers_in = {
        f"municipality:{town}": sum(1 for t in OFFICERS.values() if t == town)
        for town in set(OFFICERS.values())
    } | {"state:15": len(OFFICERS)}
    cells = [json.loads(r.value) for r in Reader(secure_kafka, P.ONC_FEED).all(
        "reporting.indicators.v1"
    )]  # fmt: skip
    published = [c for c in cells if not c["suppressed"]]
    assert published, "no published cell: the check would prove nothing"
    small = [  # a published count (perturbed) is 0 or at least K, never 1 to K-1
        c["cell_key"]
        for c in published
        if 0 < (c["denominator"] if c["denominator"] is not None else c["numerator"]) < K
    ]
    assert small == []
    assert any(officers_in.get(c["geography"], 0) < K for c in cells)
