"""``make run``'s demo: the story in ``demo_story/``, published as the agencies would, each
step once the services have taken the one before, and checked against what the story expects.

    python deploy/local/demo.py BOOTSTRAP [--enrolment-url URL] [--token TOKEN] [--seed N]

Every command goes on its intake topic with plain aiokafka. Officers' pseudonyms come from the
enrolment service's ``/internal/officer-id``, asked as a UMS evaluation system would: with a
bearer token carrying the ``ums-evaluator`` role (``make run`` mints one, ADR 0085). The demo
follows the fact topics from the moment it starts, so it waits for outcomes
(polling, never sleeping blindly) and stops at the first refusal it did not intend.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from convenio_contracts import Event, encode
from convenio_contracts.enrolment import PublishCourse, RequestEnrolment, WithdrawEnrolment
from convenio_contracts.evaluation import ImportTrustControlResult
from convenio_contracts.reporting import RecordFinding, RespondToFinding
from convenio_contracts.topics import topic, topic_for
from demo_story import INSTRUCTORS, OFFERINGS, SEED, Story, roster, story

ACADEMY, EVALUATORS, C3_CENTRE = "/agency/ums-academia", "/agency/ums-evaluacion", "/agency/c3"
ONC_ANALYSTS, UMS_LIAISON = "/onc/analistas", "/agency/ums-enlace-onc"


class DemoError(RuntimeError):
    pass


FACT_TOPICS = (
    "enrolment.course.v1",
    "enrolment.training.v1",
    "evaluation.instructor.v1",
    "evaluation.assessment.v1",
    "evaluation.feedback.v1",
    "reporting.findings.v1",
    "intake.rejections.v1",
)


class Facts:
    """Follows the fact topics from the moment the demo starts, so it can wait for what each
    step should have produced (nothing published before it counts) and spot any rejection of
    its own commands."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
        )
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.sent: set[str] = set()
        self.intended: set[str] = set()

    async def __aenter__(self) -> Facts:
        await self.consumer.start()
        parts = [TopicPartition(t, p) for t in FACT_TOPICS for p in range(topic(t).partitions)]
        self.consumer.assign(parts)
        for tp, end in (await self.consumer.end_offsets(parts)).items():
            self.consumer.seek(tp, end)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()

    def of(self, action: str, **match: Any) -> list[dict[str, Any]]:
        """Payloads of facts whose type ends in ``.<action>.v1`` and whose fields match."""
        suffix = f".{action}.v1"
        return [
            body
            for ce_type, body in self.seen
            if ce_type.endswith(suffix) and all(body.get(k) == v for k, v in match.items())
        ]

    def rejections(self) -> list[dict[str, Any]]:
        return [b for b in self.of("intake.rejected") if b["rejected_event_id"] in self.sent]

    def unexpected_rejections(self) -> list[dict[str, Any]]:
        return [b for b in self.rejections() if b["rejected_event_id"] not in self.intended]

    async def until(self, what: str, done: Callable[[], bool], within_s: float = 120) -> None:
        deadline = time.monotonic() + within_s
        while True:
            if refused := self.unexpected_rejections():
                details = "; ".join(
                    f"{r['rejected_event_type']}: {r['message']}" for r in refused[:5]
                )
                raise DemoError(f"{len(refused)} demo command(s) refused: {details}")
            if done():
                return
            if time.monotonic() > deadline:
                raise DemoError(f"waited {within_s:.0f}s for {what}; it never happened")
            for records in (await self.consumer.getmany(timeout_ms=250)).values():
                for r in records:
                    ce_type = dict(r.headers).get("ce_type", b"").decode()
                    self.seen.append((ce_type, json.loads(r.value)))


class Agency:
    """A publisher as any agency system would run one: idempotent, waiting for every ack."""

    def __init__(self, bootstrap: str, facts: Facts) -> None:
        self.producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )
        self.facts = facts
        self.published = 0

    async def __aenter__(self) -> Agency:
        await self.producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.producer.stop()

    async def send(self, events: Iterable[Event], source: str, *, intended: bool = False) -> None:
        """Publish, then wait for every acknowledgement: a record the broker refused fails
        the demo here instead of vanishing."""
        pending = []
        for event in events:
            record = encode(event, source=source)
            self.facts.sent.add(record.event_id)
            if intended:
                self.facts.intended.add(record.event_id)
            pending.append(
                await self.producer.send(
                    topic_for(event.event_type).name,
                    value=record.value,
                    key=record.key,
                    headers=record.headers,
                )
            )
        await asyncio.gather(*pending)
        self.published += len(pending)


def officer_id_of(enrolment_url: str, cuip: str, token: str) -> str | None:
    """What a UMS system asks the enrolment service: the pseudonym of a CUIP (ADR 0010)."""
    request = urllib.request.Request(
        f"{enrolment_url}/internal/officer-id",
        headers={"X-CUIP": cuip, "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return str(json.loads(response.read())["officer_id"])
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        raise


def resolve_officer_ids(
    enrolment_url: str, cuips: Sequence[str], token: str, within_s: float = 60
) -> dict[str, str]:
    deadline, found = time.monotonic() + within_s, dict[str, str]()
    try:
        while len(found) < len(cuips):
            for cuip in cuips:
                if cuip not in found and (officer_id := officer_id_of(enrolment_url, cuip, token)):
                    found[cuip] = officer_id
            if len(found) < len(cuips):
                if time.monotonic() > deadline:
                    raise DemoError(f"enrolment knows {len(found)} of {len(cuips)} officers")
                time.sleep(0.5)
    except urllib.error.URLError as err:
        raise DemoError(f"cannot ask enrolment at {enrolment_url} for officer ids: {err}") from err
    return found


def already_published(enrolment_url: str, token: str, seed: int = SEED) -> bool:
    """True when the enrolment service already holds this seed's officers (a kept run)."""
    try:
        return officer_id_of(enrolment_url, roster(seed)[0].cuip, token) is not None
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Outcome:
    """What the demo published and what the services made of it."""

    story: Story
    officer_ids: dict[str, str]
    published: int
    closed: list[dict[str, Any]]
    eligible: list[str]
    """Pseudonyms of the officers eligible for the CUP."""
    rejections: list[dict[str, Any]]
    seconds: float

    def counts(self) -> dict[str, int]:
        s, t = self.story, self.story.training
        commands, refused = s.evaluations(self.officer_ids)
        kinds = Counter(type(c).__name__ for c in [*commands, *refused, *s.findings])
        return {
            "officers": len(s.officers),
            "municipalities": len({o.municipality for o in s.officers}),
            "courses": sum(isinstance(e, PublishCourse) for e in s.definitions),
            "offerings": len(s.closes),
            "enrolments": len(t.of(RequestEnrolment)),
            "marks": sum(t.marks.values()),
            "corrections": t.corrected,
            "withdrawals": len(t.of(WithdrawEnrolment)),
            "completed": sum(c["completed"] for c in self.closed),
            "failed": sum(c["failed"] for c in self.closed),
            "instructors": len(s.certifications),
            "competency_results": kinds["RecordCompetencyResult"],
            "performance_results": kinds["RecordPerformanceResult"],
            "assessments_scheduled": kinds["ScheduleAssessment"],
            "c3_results": kinds["ImportTrustControlResult"],
            "feedback": len(s.feedback),
            "findings": kinds["RecordFinding"],
            "finding_changes": kinds["ChangeFindingStatus"] + kinds["RespondToFinding"],
            "eligible": len(self.eligible),
            "rejections": len(self.rejections),
            "published": self.published,
        }


async def publish(
    bootstrap: str,
    enrolment_url: str,
    token: str,
    seed: int = SEED,
    today: dt.date | None = None,
) -> Outcome:
    """Tell the story step by step, each step once the services have taken the one before."""
    s = story(seed, today)
    started = time.monotonic()
    async with Facts(bootstrap) as facts, Agency(bootstrap, facts) as agency:
        await _train(s, facts, agency)
        ids = await asyncio.to_thread(
            resolve_officer_ids, enrolment_url, [o.cuip for o in s.officers], token
        )
        eligible = await _evaluate(s, ids, facts, agency)
        # One at a time, each from whoever acts on it, and each once the one before is
        # published: ONC's and UMS's channels are separate topics, so only waiting orders them.
        changes: Counter[str] = Counter()
        for finding in s.findings:
            ums = isinstance(finding, RespondToFinding)
            await agency.send([finding], UMS_LIAISON if ums else ONC_ANALYSTS)
            fid = finding.finding_id
            if isinstance(finding, RecordFinding):
                action, expected = "finding.recorded", 1
            else:
                action, expected = "finding.status_changed", changes[fid] + 1
                changes[fid] = expected
            await facts.until(
                f"finding {fid}",
                lambda a=action, f=fid, n=expected: len(facts.of(a, finding_id=f)) >= n,
            )
        return Outcome(
            story=s,
            officer_ids=ids,
            published=agency.published,
            closed=facts.of("offering.closed"),
            eligible=sorted(eligible),
            rejections=facts.rejections(),
            seconds=time.monotonic() - started,
        )


async def _train(s: Story, facts: Facts, agency: Agency) -> None:
    """Courses and offerings first: the intake topic has several partitions, and an enrolment
    overtaking its offering would be refused. Officer commands are keyed by CUIP, so each
    officer's registration, enrolment and marks arrive in order. The close comes last, once
    every mark is in, as ADR 0010 asks of an agency."""
    offerings = {o.offering_id for o in OFFERINGS}
    await agency.send(s.definitions, ACADEMY)
    await agency.send(s.certifications, EVALUATORS)
    await facts.until(
        "the offerings to be scheduled",
        lambda: {f["offering_id"] for f in facts.of("offering.scheduled")} >= offerings,
    )
    await agency.send(s.training.registers, ACADEMY)
    t = s.training

    def registers_in() -> bool:
        return (
            all(
                len(facts.of("attendance.recorded", offering_id=o)) == t.marks[o]
                and len(facts.of("enrolment.withdrawn", offering_id=o)) == len(t.withdrawn[o])
                for o in offerings
            )
            and len(facts.of("record.voided")) == t.corrected
        )

    await facts.until("every register to be recorded", registers_in)
    await agency.send(s.closes, ACADEMY)
    await facts.until(
        "the offerings to close",
        lambda: {f["offering_id"] for f in facts.of("offering.closed")} >= offerings,
    )
    _check_outcomes(s, facts)


def _check_outcomes(s: Story, facts: Facts) -> None:
    for closed in facts.of("offering.closed"):
        oid = closed["offering_id"]
        want = (len(s.training.completed[oid]), len(s.training.failed[oid]))
        if (closed["completed"], closed["failed"]) != want:
            raise DemoError(f"{oid} closed with {closed}, the story expects {want}")


async def _evaluate(s: Story, ids: dict[str, str], facts: Facts, agency: Agency) -> set[str]:
    """Instructors are certified before any result names them (results and certifications
    travel under different keys, so they could overtake each other)."""
    instructors = {i.instructor_id for i in INSTRUCTORS}
    await facts.until(
        "the instructors' certifications",
        lambda: {f["instructor_id"] for f in facts.of("instructor.certified")} >= instructors,
    )
    commands, refused = s.evaluations(ids)
    await agency.send(
        (c for c in commands if not isinstance(c, ImportTrustControlResult)), EVALUATORS
    )
    await agency.send((c for c in commands if isinstance(c, ImportTrustControlResult)), C3_CENTRE)
    await agency.send(refused, EVALUATORS, intended=True)
    enrolments = {
        (f["officer_id"], f["offering_id"]): f["enrolment_id"]
        for f in facts.of("enrolment.created")
    }
    await agency.send(s.feedback_from(ids, enrolments), EVALUATORS)
    wanted = {ids[cuip] for cuip in s.eligible}
    counts = Counter(type(c).__name__ for c in commands)

    def eligible_now() -> set[str]:
        latest: dict[str, bool] = {}
        for f in facts.of("cup.eligibility_changed"):
            latest[f["officer_id"]] = f["eligible"]
        return {officer for officer, yes in latest.items() if yes}

    def evaluated() -> bool:
        return (
            len(facts.of("competency.evaluated")) == counts["RecordCompetencyResult"]
            and len(facts.of("assessment.result_recorded")) == counts["RecordPerformanceResult"]
            and len(facts.of("course_feedback.submitted")) == len(s.feedback)
            and len(facts.rejections()) == len(refused)
            and eligible_now() == wanted
        )

    await facts.until("every evaluation to be recorded and the CUP decided", evaluated)
    return eligible_now()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bootstrap", help="Kafka bootstrap address, e.g. 127.0.0.1:9092")
    parser.add_argument(
        "--enrolment-url",
        default=os.environ.get("ENROLMENT_URL", "http://127.0.0.1:8001"),
        help="the enrolment service, for /internal/officer-id (env ENROLMENT_URL)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("CONVENIO_TOKEN"),
        help="a bearer token with the ums-evaluator role (env CONVENIO_TOKEN; make run writes "
        "one to var/auth/demo.token)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    if not args.token:
        parser.error("--token (or CONVENIO_TOKEN) is needed: /internal/officer-id is guarded")
    outcome = asyncio.run(
        publish(args.bootstrap, args.enrolment_url.rstrip("/"), args.token, args.seed)
    )
    print(
        f"published {outcome.published} commands in {outcome.seconds:.1f}s; "
        f"{len(outcome.eligible)} officers eligible for the CUP"
    )


if __name__ == "__main__":
    main()
