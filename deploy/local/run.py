"""``make run``: the whole system on one machine. A local Kafka broker, the three services on
SQLite files under ``var/``, the demo story published as the agencies would (``demo.py``), and
where to look. Ctrl-C stops everything cleanly (services drain and commit first, then the
broker).

The services trust a local stand-in for UMS's identity provider (``var/auth``: a key pair made
at start-up, never committed); the demo asks enrolment for pseudonyms with a token it signs,
and ``print_where_to_look`` says how to get one for curl (ADR 0085).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import time
import urllib.error
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import demo
from convenio_chassis.http_auth import Role
from convenio_chassis.local_issuer import ROSTER_LOOKUP_RATE, LocalIssuer, audience_of
from convenio_chassis.process import ServiceProcess, http_get_json
from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics
from demo_story import INTENDED_REJECTION, SEED
from kafka_local import LocalKafka

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("enrolment", "evaluation", "reporting")
SERVICE_ENV = {
    "evaluation": {"EXPIRY_SCHEDULER_INTERVAL_S": "10"},
    "enrolment": {"OFFICER_LOOKUP_RATE": ROSTER_LOOKUP_RATE},
}
"""The expiry scheduler ticks every 5 minutes by default; the demo's alerts should not wait.
The demo resolves its whole roster at once, as a UMS system would, not at a person's rate."""
DEMO_SUBJECT = "demo-ums-evaluacion"


@dataclass(frozen=True)
class Highlights:
    """What the story left to look at: example feed cells, and an eligible officer's CUP."""

    feed: list[str]
    cup: str


def say(message: str) -> None:
    print(f"[convenio] {message}", flush=True)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var", type=Path, default=ROOT / "var", help="where data and logs go")
    parser.add_argument("--keep", action="store_true", help="keep var/ from the last run")
    parser.add_argument("--no-demo", action="store_true", help="start empty")
    parser.add_argument("--seed", type=int, default=SEED, help="the demo story's seed")
    parser.add_argument(
        "--base-port",
        type=int,
        default=8001,
        help="HTTP port of enrolment; evaluation and reporting take the next two",
    )
    return parser.parse_args()


def main() -> int:
    args = arguments()
    if not args.keep and args.var.exists():
        shutil.rmtree(args.var)
    args.var.mkdir(parents=True, exist_ok=True)

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Installed, not inherited: a shell that starts us in the background ignores SIGINT.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    say("starting the Kafka broker (first run downloads its jars from Maven Central)...")
    kafka = LocalKafka(args.var / "kafka")
    services: dict[str, ServiceProcess] = {}
    try:
        bootstrap = kafka.start()
        say(f"Kafka is up at {bootstrap}")
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap)))
        issuer = LocalIssuer(args.var / "auth")
        services = start_services(args.var, bootstrap, args.base_port, issuer)
        token = demo_token(issuer, args.var)
        highlights = None if args.no_demo else tell_the_story(services, bootstrap, args, token)
        print_where_to_look(services, bootstrap, args.var, highlights)
        while True:
            time.sleep(0.5)
            for service in services.values():
                if service.proc is not None and service.proc.poll() is not None:
                    say(f"{service.name} exited unexpectedly:\n{service.log_tail()}")
                    return 1
    except KeyboardInterrupt:
        pass
    finally:
        # Ctrl-C reaches us more than once (make and uv forward it too); finish stopping cleanly.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("stopping: services drain and commit first, then the broker...")
        for service in services.values():
            service.stop()
        kafka.stop()
        say("stopped.")
    return 0


def demo_token(issuer: LocalIssuer, var: Path) -> str:
    """A UMS evaluator's token for the demo and for curl, valid for a day, kept in var/auth."""
    token = issuer.token(
        DEMO_SUBJECT,
        [Role.UMS_EVALUATOR],
        [audience_of("enrolment"), audience_of("evaluation")],
        ttl_s=24 * 3600,
    )
    (var / "auth" / "demo.token").write_text(token + "\n")
    return token


def start_services(
    var: Path, bootstrap: str, base_port: int, issuer: LocalIssuer
) -> dict[str, ServiceProcess]:
    services = {}
    for offset, name in enumerate(SERVICES):
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "DATABASE_URL": f"sqlite:///{var}/{name}.db",
            "LOG_FORMAT": "text",
            **issuer.env(name),
            **SERVICE_ENV.get(name, {}),
        }
        log = var / "logs" / f"{name}.log"
        services[name] = ServiceProcess(name, env, log, base_port + offset).start()
    for service in services.values():
        service.wait_ready()
        say(f"{service.name:<10} ready at {service.url}  (log: {service.log_path})")
    return services


def tell_the_story(
    services: dict[str, ServiceProcess], bootstrap: str, args: argparse.Namespace, token: str
) -> Highlights | None:
    """Publish the demo story and wait until the ONC feed shows it; the example cells to print."""
    enrolment = services["enrolment"].url
    if args.keep and demo.already_published(enrolment, token, args.seed):
        say("the demo story is already in the kept data; not publishing it again")
        return None
    say("publishing the demo story as the agencies would...")
    started = time.monotonic()
    try:
        outcome = asyncio.run(demo.publish(bootstrap, enrolment, token, args.seed))
    except demo.DemoError as err:
        say(f"the demo stopped: {err}")
        return None
    n = outcome.counts()
    say(
        f"academies: {n['officers']} officers in {n['municipalities']} municipalities, "
        f"{n['courses']} courses, {n['offerings']} offerings, {n['enrolments']} enrolments, "
        f"{n['marks']} attendance marks ({n['corrections']} corrected), "
        f"{n['withdrawals']} withdrawal -> {n['completed']} completed, {n['failed']} failed"
    )
    say(
        f"evaluators: {n['instructors']} instructors certified, {n['competency_results']} "
        f"competency results, {n['performance_results']} desempeño, {n['c3_results']} C3, "
        f"{n['feedback']} feedback; {n['eligible']} officers eligible for the CUP; "
        f"{n['rejections']} refusal on purpose ({INTENDED_REJECTION})"
    )
    reporting = services["reporting"].url
    cells = wait_for_feed(reporting, n["eligible"])
    say(
        f"{n['published']} commands published and taken by the services in "
        f"{outcome.seconds:.1f}s; the ONC feed caught up after {time.monotonic() - started:.1f}s"
    )
    cup = f"{services['evaluation'].url}/officers/{outcome.eligible[0]}/cup"
    return Highlights(example_cells(cells, outcome), cup)


def wait_for_feed(reporting: str, eligible: int, within_s: float = 120) -> list[dict[str, Any]]:
    """Poll until the feed's latest state-wide CUP eligibility counts every eligible officer."""
    query = urlencode({"indicator": "cup.eligibility", "geography": "state:15", "level": "all"})
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            months = [
                c
                for c in http_get_json(f"{reporting}/indicators?{query}")
                if c["period_type"] == "month" and c["breakdown"] == "all"
            ]
        except (urllib.error.URLError, OSError):
            months = []
        latest = max(months, key=lambda c: c["period"], default=None)
        if latest is not None and latest["numerator"] == eligible:
            break
        time.sleep(0.5)
    else:
        say(f"the feed did not show {eligible} eligible officers within {within_s:.0f}s")
    cells: list[dict[str, Any]] = http_get_json(f"{reporting}/indicators")
    return cells


def example_cells(cells: list[dict[str, Any]], outcome: demo.Outcome) -> list[str]:
    today = outcome.story.today
    month, year = f"{today:%Y-%m}", str(today.year)
    by_key = {c["cell_key"]: c for c in cells}
    suppressed = sum(c["suppressed"] for c in cells)
    lines = [f"    {len(cells)} cells, {suppressed} withheld (too few officers), e.g."]
    for key in (
        f"training.enrolments:{month}:state:15",
        f"training.completion_rate:{year}:state:15",
        f"cup.eligibility:{month}:state:15",
        f"training.enrolments:{month}:municipality:15116",
    ):
        cell = by_key.get(key)
        if cell is None:
            continue
        value = "withheld" if cell["suppressed"] else _figure(cell)
        lines.append(f"      {key} = {value}")
    return lines


def _figure(cell: dict[str, Any]) -> str:
    if cell["denominator"] is None:
        return f"{cell['value']:g}"
    return f"{cell['value']:g} ({cell['numerator']}/{cell['denominator']})"


def print_where_to_look(
    services: dict[str, ServiceProcess], bootstrap: str, var: Path, story: Highlights | None
) -> None:
    enrolment, reporting = services["enrolment"].url, services["reporting"].url
    lines = [
        "",
        "Where to look (Ctrl-C stops everything):",
        f"  ONC feed          {reporting}/indicators   (CSV: {reporting}/indicators?format=csv)",
        *(story.feed if story else []),
        f"  Findings, docs    {reporting}/findings   {reporting}/docs",
        *([f"  An officer's CUP  {story.cup}   (UMS: needs a token)"] if story else []),
        f"  Offerings         {enrolment}/offerings   (UMS: needs a token)",
        f"  A UMS token       {var}/auth/demo.token (ums-evaluator, a day), e.g.",
        f'    curl -H "Authorization: Bearer $(cat {var}/auth/demo.token)" {enrolment}/offerings',
        "    another role or subject: uv run python -m convenio_chassis.local_issuer --dir "
        f"{var}/auth token --role ums-coordinator --audience convenio-evaluation",
        f"  Topics on {bootstrap}: intake enrolment.intake.v1, evaluation.intake.v1, "
        "reporting.intake.v1 (ONC), reporting.responses.intake.v1 (UMS);",
        "    facts enrolment.*.v1, evaluation.*.v1; feed reporting.indicators.v1, "
        "reporting.findings.v1; refusals intake.rejections.v1",
        f"  Logs              {var}/logs/<service>.log, broker {var}/kafka/broker.log",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
